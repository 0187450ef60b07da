"""The CS-Cart upload stages as a task group.

    structure ───────────────► categories ─┐
    records, products, models ► features ──┴► products ─► removals ─► variations

Categories need only the structure, so they are written while Akeneo's products are still
being read. Each task returns `{"calls", "counts", "errors", ...}` for the run report.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from airflow.sdk import TaskGroup, task

from pimflow.pipeline.context import params, run_folder, state_store

CSCART_CONN_ID = "cscart_default"
UPLOAD_STAGES = (
    "cscart.categories",
    "cscart.features",
    "cscart.products",
    "cscart.removals",
    "cscart.variations",
)


@contextmanager
def _connected(conn_id: str) -> Iterator[tuple[Any, Any, str]]:
    """(hook, state store, target name) for one task; the store is closed afterwards."""
    from pimflow.cscart.upload import target_name
    from pimflow.hooks.cscart import CsCartHook

    hook = CsCartHook(conn_id)
    store = state_store()
    try:
        yield hook, store, target_name(hook)
    finally:
        store.close()


def _mapping_and_languages(hook: Any, structure: dict[str, Any]) -> tuple[Any, Any]:
    from pimflow.cscart.config import load_mapping
    from pimflow.cscart.upload import load_languages

    mapping = load_mapping()
    return mapping, load_languages(hook, structure["locales"], mapping)


def _complete_read(structure: dict[str, Any]) -> bool:
    """Removals and exact variation groups need every product of the filter."""
    return structure.get("mode", "full") == "full" and not params().get("product_limit")


def cscart_group(extracted: dict[str, Any], conn_id: str = CSCART_CONN_ID):  # noqa: ANN201
    """Add the CS-Cart task group after the extraction; return its last task."""
    with TaskGroup("cscart", tooltip="Write the staged catalog into CS-Cart / Multi-Vendor"):

        @task
        def categories(structure: dict[str, Any]) -> dict[str, Any]:
            """The channel's category tree, with its translations."""
            from pimflow.cscart.categories import sync_categories

            with _connected(conn_id) as (hook, store, target):
                mapping, languages = _mapping_and_languages(hook, structure)
                result = sync_categories(
                    hook, store, target, run_folder(), structure, languages, mapping
                )
            return result.as_dict(hook.total_calls)

        @task
        def features(
            structure: dict[str, Any], records: dict[str, Any], products: list, models: list
        ) -> dict[str, Any]:
            """One feature per mapped attribute, every variant kept."""
            from pimflow.cscart.features import sync_features

            with _connected(conn_id) as (hook, store, target):
                mapping, languages = _mapping_and_languages(hook, structure)
                result = sync_features(
                    hook, store, target, run_folder(), languages, mapping, _complete_read(structure)
                )
            return result.as_dict(hook.total_calls)

        @task
        def products(
            structure: dict[str, Any], media: dict[str, Any], categories: dict, features: dict
        ) -> dict[str, Any]:
            """Products mapped and written with bounded concurrency; only what changed."""
            from pimflow.cscart.media import media_urls
            from pimflow.cscart.products import sync_products

            with _connected(conn_id) as (hook, store, target), media_urls() as urls:
                mapping, languages = _mapping_and_languages(hook, structure)
                result = sync_products(
                    hook, store, target, run_folder(), structure, languages, mapping, urls
                )
            return result.as_dict(hook.total_calls)

        @task
        def removals(structure: dict[str, Any], products: dict[str, Any]) -> dict[str, Any]:
            """Products and categories gone from Akeneo: disabled, deleted or kept."""
            from pimflow.cscart.config import load_mapping
            from pimflow.cscart.removals import sync_removals

            with _connected(conn_id) as (hook, store, target):
                result = sync_removals(
                    hook,
                    store,
                    target,
                    run_folder(),
                    structure,
                    load_mapping(),
                    _complete_read(structure),
                )
            return result.as_dict(hook.total_calls)

        @task
        def variations(structure: dict[str, Any], removals: dict[str, Any]) -> dict[str, Any]:
            """Product models as variation groups of their variant products."""
            from pimflow.cscart.config import load_mapping
            from pimflow.cscart.variations import sync_variations

            with _connected(conn_id) as (hook, store, target):
                result = sync_variations(
                    hook,
                    store,
                    target,
                    run_folder(),
                    structure,
                    load_mapping(),
                    _complete_read(structure),
                )
            return result.as_dict(hook.total_calls)

        staged = extracted["structure"]
        tree = categories(staged)
        feature_set = features(
            staged,
            extracted["reference_entities"],
            extracted["products"],
            extracted["product_models"],
        )
        written = products(staged, extracted["media"], tree, feature_set)
        removed = removals(staged, written)
        return variations(staged, removed)
