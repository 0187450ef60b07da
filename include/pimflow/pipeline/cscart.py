"""The CS-Cart upload stages as a task group.

    structure ───────────────► categories ─┐
    records, products, models ► features ──┴► products ─► removals ─► variations

Categories need only the structure, so they are written while Akeneo's products are still
being read. Each task returns `{"calls", "counts", "errors", ...}` for the run report.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from airflow.sdk import TaskGroup, task

from pimflow.pipeline.context import params, run_folder, state_store
from pimflow.targets import Target

UPLOAD_STAGES = (
    "cscart.categories",
    "cscart.features",
    "cscart.products",
    "cscart.removals",
    "cscart.variations",
)


@contextmanager
def _connected(conn_id: str) -> Iterator[tuple[Any, Any, str, Any]]:
    """What every stage function takes first: (hook, state store, target name, run folder),
    for one task; the store is closed afterwards."""
    from pimflow.cscart.upload import target_name
    from pimflow.hooks.cscart import CsCartHook

    hook = CsCartHook(conn_id)
    store = state_store()
    try:
        yield hook, store, target_name(hook), run_folder()
    finally:
        store.close()


def _mapping_and_languages(
    hook: Any, structure: dict[str, Any], mapping_path: str | None
) -> tuple[Any, Any]:
    from pimflow.cscart.config import load_mapping
    from pimflow.cscart.upload import load_languages

    mapping = load_mapping(mapping_path)
    return mapping, load_languages(hook, structure["locales"], mapping)


def _dry_run() -> bool:
    """Compute and report, write nothing (pimflow/cscart/dry_run.py)."""
    return bool(params().get("dry_run"))


def _complete_read(structure: dict[str, Any]) -> bool:
    """Complete feature variant lists and exact variation groups need every product of the
    filter (no delta window, no product limit)."""
    return structure.get("mode", "full") == "full" and not params().get("product_limit")


def cscart_group(extracted: dict[str, Any], target: Target):  # noqa: ANN201 - last task
    """Add the CS-Cart task group after the extraction; return its last task."""
    conn_id, mapping_path = target.connection, target.mapping
    shop = {"pool": target.shop_pool}  # one writer per shop, across runs and backfills
    with TaskGroup("cscart", tooltip="Write the staged catalog into CS-Cart / Multi-Vendor"):

        @task(**shop)
        def categories(structure: dict[str, Any]) -> dict[str, Any]:
            """The channel's category tree, with its translations."""
            from pimflow.cscart.categories import sync_categories

            with _connected(conn_id) as stage:
                hook = stage[0]
                mapping, languages = _mapping_and_languages(hook, structure, mapping_path)
                result = sync_categories(
                    *stage,
                    structure,
                    languages,
                    mapping,
                    dry_run=_dry_run(),
                )
            return result.as_dict(hook.total_calls)

        @task(**shop)
        def features(
            structure: dict[str, Any], records: dict[str, Any], products: list, models: list
        ) -> dict[str, Any]:
            """One feature per mapped attribute, every variant kept."""
            from pimflow.cscart.features import sync_features

            with _connected(conn_id) as stage:
                hook = stage[0]
                mapping, languages = _mapping_and_languages(hook, structure, mapping_path)
                result = sync_features(
                    *stage,
                    languages,
                    mapping,
                    _complete_read(structure),
                    dry_run=_dry_run(),
                )
            return result.as_dict(hook.total_calls)

        @task(**shop)
        def products(
            structure: dict[str, Any], media: dict[str, Any], categories: dict, features: dict
        ) -> dict[str, Any]:
            """Products mapped and written with bounded concurrency; only what changed."""
            from pimflow.cscart.media import media_urls
            from pimflow.cscart.products import sync_products

            dry_run = _dry_run()  # sends no image, so needs no media URLs
            with (
                _connected(conn_id) as stage,
                nullcontext() if dry_run else media_urls() as urls,
            ):
                hook = stage[0]
                mapping, languages = _mapping_and_languages(hook, structure, mapping_path)
                result = sync_products(
                    *stage,
                    structure,
                    languages,
                    mapping,
                    urls,
                    dry_run=dry_run,
                )
            return result.as_dict(hook.total_calls)

        @task(**shop)
        def removals(structure: dict[str, Any], products: dict[str, Any]) -> dict[str, Any]:
            """Products and categories gone from Akeneo: disabled, deleted or kept."""
            from pimflow.cscart.config import load_mapping
            from pimflow.cscart.removals import sync_removals

            with _connected(conn_id) as stage:
                hook = stage[0]
                result = sync_removals(
                    *stage,
                    structure,
                    load_mapping(mapping_path),
                    bool(structure.get("reconcile")),
                    dry_run=_dry_run(),
                )
            return result.as_dict(hook.total_calls)

        @task(**shop)
        def variations(structure: dict[str, Any], removals: dict[str, Any]) -> dict[str, Any]:
            """Product models as variation groups of their variant products."""
            from pimflow.cscart.config import load_mapping
            from pimflow.cscart.variations import sync_variations

            with _connected(conn_id) as stage:
                hook = stage[0]
                result = sync_variations(
                    *stage,
                    structure,
                    load_mapping(mapping_path),
                    _complete_read(structure),
                    dry_run=_dry_run(),
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
