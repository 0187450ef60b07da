"""The Shopware 6 upload stages as a task group:

structure (categories, properties, manufacturers) ─► media ─► products ─► cross_sellings
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import TaskGroup, task

from pimflow.pipeline.context import params, run_folder, state_store
from pimflow.targets import Target

UPLOAD_STAGES = (
    "shopware6.structure",
    "shopware6.media",
    "shopware6.products",
    "shopware6.cross_sellings",
)


def _upload(stage: str, structure: dict[str, Any], conn_id: str, mapping_path: str | None) -> dict:
    """Run one upload stage; removals only in a reconcile (a read of the target's scope)."""
    from pimflow.hooks.shopware6 import Shopware6Hook
    from pimflow.shopware6.config import load_mapping
    from pimflow.shopware6.upload import Shopware6Upload

    run_params = params()
    hook = Shopware6Hook(conn_id)
    store = state_store()
    try:
        upload = Shopware6Upload(
            hook,
            store,
            run_folder(),
            load_mapping(mapping_path),
            dry_run=bool(run_params.get("dry_run")),
            full_read=bool(structure.get("reconcile")),
        )
        summary = getattr(upload, stage)()
    finally:
        store.close()
    return {"calls": hook.total_calls, "dry_run": bool(run_params.get("dry_run")), **summary}


def shopware6_group(extracted: dict[str, Any], target: Target):  # noqa: ANN201 - last task
    """Add the Shopware 6 task group after the extraction; return its last task."""
    conn_id, mapping_path = target.connection, target.mapping
    shop = {"pool": target.shop_pool}  # one writer per shop, across runs and backfills
    with TaskGroup("shopware6", tooltip="Write the staged catalog into Shopware 6"):

        @task(**shop)
        def structure(staged: dict[str, Any], media: dict[str, Any]) -> dict:
            """Categories (the tree), property groups and options, manufacturers."""
            return _upload("structure", staged, conn_id, mapping_path)

        @task(**shop)
        def media(staged: dict[str, Any], previous: dict[str, Any]) -> dict:
            """Every image the products show, uploaded once (media id from its hash)."""
            return _upload("media", staged, conn_id, mapping_path)

        @task(**shop)
        def products(staged: dict[str, Any], previous: dict[str, Any]) -> dict:
            """Parents, variants and simple products; then what left Akeneo."""
            return _upload("products", staged, conn_id, mapping_path)

        @task(**shop)
        def cross_sellings(staged: dict[str, Any], previous: dict[str, Any]) -> dict:
            """Associations → cross-sellings, once every product exists."""
            return _upload("cross_sellings", staged, conn_id, mapping_path)

        staged = extracted["structure"]
        first = structure(staged, extracted["media"])
        return cross_sellings(staged, products(staged, media(staged, first)))
