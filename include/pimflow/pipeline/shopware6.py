"""The Shopware 6 upload stages as a task group."""

from __future__ import annotations

from typing import Any

from airflow.sdk import TaskGroup, task

from pimflow.pipeline.context import run_folder, state_store

SHOPWARE6_CONN_ID = "shopware6_default"
UPLOAD_STAGES = ("shopware6.upload",)


def shopware6_group(extracted: dict[str, Any], conn_id: str = SHOPWARE6_CONN_ID):  # noqa: ANN201
    """Add the Shopware 6 task group after the extraction; return its last task."""
    with TaskGroup("shopware6", tooltip="Write the staged catalog into Shopware 6"):

        @task
        def upload(structure: dict[str, Any], products: list[dict], media: dict[str, Any]) -> dict:
            """Products mapped and written in sync batches; only what changed is sent."""
            from pimflow.akeneo.datasets import PRODUCTS
            from pimflow.hooks.shopware6 import Shopware6Hook
            from pimflow.shopware6.mapping import ProductMapping
            from pimflow.shopware6.upload import ProductUploader, load_shop_context
            from pimflow.staging import read_rows

            folder = run_folder()
            mapping = ProductMapping()
            hook = Shopware6Hook(conn_id)
            shop = load_shop_context(hook, structure["locales"], mapping.tax_rate)
            store = state_store()
            try:
                uploader = ProductUploader(
                    hook, store, f"shopware6:{hook.base}", shop, structure["channel"], mapping
                )
                result = uploader.upload(read_rows(folder, PRODUCTS))
            finally:
                store.close()
            return {"calls": hook.total_calls, **result.as_dict()}

        return upload(extracted["structure"], extracted["products"], extracted["media"])
