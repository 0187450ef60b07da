"""The Akeneo extraction stages as a task group, shared by every target's DAG.

    structure ─► partitions ─► product_models[partition] ─┐
                            └► products[partition] ───────┼► reference_entities ─┐
                                                          ├► assets ─────────────┼► media
                                                          └► associations ───────┘

`product_models` and `products` are mapped over partitions of about as many items each
(counted by the structure task; a big family is cut by creation date), so several pages
are in flight at once; each task reads its pages one after the other (search_after is
sequential by nature). Every task that calls Akeneo takes slots of the Akeneo
connection's pool, one per call it can have in flight, so parallel tasks and concurrent
runs of every target never exceed Akeneo's limit of parallel calls.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import TaskGroup, get_current_context, task

from pimflow.pipeline.context import check_mapping, params, refuse_run, run_folder, state_store
from pimflow.targets import AKENEO_CONCURRENT_CALLS, Target, scheduled_mode


def _akeneo_hook(conn_id: str):  # noqa: ANN202
    from pimflow.hooks.akeneo import AkeneoHook

    return AkeneoHook(conn_id)


def _source_filter(structure: dict[str, Any]):  # noqa: ANN202
    from datetime import datetime

    from pimflow.akeneo.catalog import SourceFilter, Window

    window = structure.get("window")
    run_params = params()
    return SourceFilter(
        channel=structure["channel"],
        locales=structure["locales"],
        window=Window(
            datetime.fromisoformat(window["after"]), datetime.fromisoformat(window["before"])
        )
        if window
        else None,
        enabled_only=bool(run_params.get("enabled_only", False)),
        min_completeness=run_params.get("min_completeness"),
    )


def _selection(structure: dict[str, Any], partition: dict[str, Any]):  # noqa: ANN202
    """A limited run's searches for the chosen trees of this partition; None: the
    partition's families, as a whole run reads them."""
    if not structure.get("selection"):
        return None
    from pimflow.akeneo.selection import load_selection, selection_queries

    return selection_queries(load_selection(run_folder(), partition["name"]))


def _read_plan(target: Target, run_params: dict[str, Any], mode: str) -> dict[str, Any]:
    """Whether this run reads the target's whole scope (no product limit, the configured
    families): only such a run may remove from the shop, or move the delta watermark."""
    configured = sorted(target.params.get("families") or [])
    whole_scope = not run_params.get("product_limit") and (
        sorted(run_params.get("families") or []) == configured
    )
    if mode == "reconcile" and not whole_scope:
        refuse_run(
            "mode reconcile removes from the shop what is no longer in Akeneo, so it reads "
            f"target {target.name!r}'s whole catalog: leave product_limit empty and families "
            f"as configured ({configured or 'all'}), or use mode full"
        )
    return {"whole_scope": whole_scope, "reconcile": mode == "reconcile", "requested_mode": mode}


def extraction_group(target: Target) -> dict[str, Any]:
    """Add the extraction task group to the DAG being defined; return its outputs."""
    akeneo_conn_id = target.akeneo_connection
    akeneo = {"pool": target.akeneo_pool}  # one slot: one call in flight at a time
    with TaskGroup("akeneo", tooltip="Read the catalog from Akeneo into object storage"):

        @task(**akeneo)
        def structure() -> dict[str, Any]:
            """Channel, locales, currencies, attributes and options, families and variants,
            categories, measurement families; and what this run reads (mode, window)."""
            from datetime import UTC, datetime

            from pimflow.akeneo.catalog import delta_window
            from pimflow.akeneo.structure import extract_structure

            context = get_current_context()
            run_params = params()
            run_type = getattr(context["dag_run"], "run_type", "manual")
            run_type = str(getattr(run_type, "value", run_type))  # manual, scheduled, backfill
            interval = (context.get("data_interval_start"), context.get("data_interval_end"))
            mode = scheduled_mode(target, run_params.get("mode", "delta"), run_type, *interval)
            plan = _read_plan(target, run_params, mode)
            hook = _akeneo_hook(akeneo_conn_id)
            folder = run_folder()
            now = datetime.now(UTC)
            store = state_store()
            try:
                mark = store.watermark(context["dag"].dag_id)
            finally:
                store.close()
            window = delta_window(
                mode, run_type, *interval, datetime.fromisoformat(mark) if mark else None, now
            )
            # The partitions are balanced by counts of what this run reads: window and filters.
            summary = extract_structure(
                hook,
                folder,
                run_params["channel"],
                run_params.get("locales") or None,
                run_params.get("families") or None,
                int(run_params.get("partitions") or 4),
                window=window,
                enabled_only=bool(run_params.get("enabled_only", False)),
                min_completeness=run_params.get("min_completeness"),
                plan_by_count=not run_params.get("product_limit"),  # trees dealt by code
            )
            # Before any shop write: a mapping that names what this catalog lacks fails now.
            mapping_check = check_mapping(target, folder)
            staged = {
                **summary,
                "window": {"after": window.after.isoformat(), "before": window.before.isoformat()}
                if window
                else None,
            }
            selection = None
            if run_params.get("product_limit"):  # whole trees: the limit counts roots
                from pimflow.akeneo.selection import choose_roots

                selection = choose_roots(
                    hook,
                    folder,
                    _source_filter(staged),
                    summary["partitions"],
                    summary["families_filter"],
                    int(run_params["product_limit"]),
                )
            return {
                **staged,
                **plan,
                "selection": selection,
                "folder": str(folder),
                # What was read: "full" (every product of the filter) or "delta" (a window).
                "mode": "delta" if window else "full",
                "read_until": (window.before if window else now).isoformat(),
                "mapping_notes": mapping_check["notes"],
                "calls": hook.total_calls,
            }

        @task
        def partitions(structure: dict[str, Any]) -> list[dict[str, Any]]:
            """The partitions to read in parallel (mapping needs a plain list); each holds a
            share of the products and one of the product models."""
            return structure["partitions"]

        @task(**akeneo)
        def product_models(structure: dict[str, Any], partition: dict[str, Any]) -> dict[str, Any]:
            """One partition's product models (root and sub-models), values parsed."""
            from pimflow.akeneo.catalog import extract_partition

            hook = _akeneo_hook(akeneo_conn_id)
            summary = extract_partition(
                hook,
                run_folder(),
                partition,
                "product_models",
                _source_filter(structure),
                _selection(structure, partition),
            )
            return {**summary, "calls": hook.total_calls}

        @task(**akeneo)
        def products(structure: dict[str, Any], partition: dict[str, Any]) -> dict[str, Any]:
            """One partition's products (simple and variant), values parsed."""
            from pimflow.akeneo.catalog import extract_partition

            hook = _akeneo_hook(akeneo_conn_id)
            summary = extract_partition(
                hook,
                run_folder(),
                partition,
                "products",
                _source_filter(structure),
                _selection(structure, partition),
            )
            return {**summary, "calls": hook.total_calls}

        @task(**akeneo)
        def reference_entities(models: list[dict], products: list[dict]) -> dict[str, Any]:
            """The records that the products and models use."""
            from pimflow.akeneo.linked import extract_records

            hook = _akeneo_hook(akeneo_conn_id)
            return {**extract_records(hook, run_folder()), "calls": hook.total_calls}

        @task(**akeneo)
        def assets(models: list[dict], products: list[dict]) -> dict[str, Any]:
            """The assets that the products and models use."""
            from pimflow.akeneo.linked import extract_assets

            hook = _akeneo_hook(akeneo_conn_id)
            return {**extract_assets(hook, run_folder()), "calls": hook.total_calls}

        @task(**akeneo)
        def associations(
            structure: dict[str, Any], models: list[dict], products: list[dict]
        ) -> dict[str, Any]:
            """Which associated products and models the run's scope excludes, and why: a
            target leaves those links out instead of waiting for them forever."""
            from pimflow.akeneo.associations import extract_association_scope

            hook = _akeneo_hook(akeneo_conn_id)
            summary = extract_association_scope(hook, run_folder(), _source_filter(structure))
            return {**summary, "calls": hook.total_calls}

        # Downloads run AKENEO_CONCURRENT_CALLS at a time, so the task takes as many slots.
        @task(**akeneo, pool_slots=AKENEO_CONCURRENT_CALLS)
        def media(records: dict[str, Any], assets: dict[str, Any]) -> dict[str, Any]:
            """Media files of products, assets and records: downloaded once, by content."""
            from pimflow.akeneo.media import extract_media

            hook = _akeneo_hook(akeneo_conn_id)
            store = state_store()
            try:
                summary = extract_media(hook, run_folder(), store)
            finally:
                store.close()
            return {**summary, "calls": hook.total_calls}

        staged = structure()
        plan = partitions(staged)
        models = product_models.partial(structure=staged).expand(partition=plan)
        items = products.partial(structure=staged).expand(partition=plan)
        records = reference_entities(models, items)
        asset_items = assets(models, items)
        scope = associations(staged, models, items)
        files = media(records, asset_items)
        scope >> files  # every target's stages wait for the media: so they wait for this too
    return {
        "structure": staged,
        "product_models": models,
        "products": items,
        "reference_entities": records,
        "assets": asset_items,
        "associations": scope,
        "media": files,
    }
