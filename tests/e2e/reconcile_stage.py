"""One upload stage of a reconcile run with the run's params (issue 16's `verify`), as the
stage runner gives it: its own hook, the state store (in a dry run, the core's stand-ins,
pimflow/dry_run.py), a StageContext saying the run reconciles."""

from __future__ import annotations

from typing import Any

from pimflow import config
from pimflow.dry_run import DryRun
from pimflow.state import StateStore
from pimflow.targets.base import StageContext
from pimflow.targets.registry import target_type


def run_reconcile_stage(
    type_name: str,
    stage: str,
    folder: Any,
    structure: dict[str, Any],
    params: dict[str, Any],
    dry_run: bool = False,
    reconcile: bool = True,
) -> dict[str, Any]:
    """The stage's summary, with its calls to the shop (and `would_write` in a dry run); `reconcile=False`: of a
    delta run instead, with the same params."""
    shop = target_type(type_name)
    hook, store = shop.hook(shop.default_connection), StateStore(config.state_db_path())
    session = DryRun(folder, stage) if dry_run else None
    if session is not None:
        session.record(hook, shop)
    context = StageContext(
        target=None,
        hook=hook,
        store=store if session is None else session.overlay(store),
        folder=folder,
        structure={**structure, "mode": "full" if reconcile else "delta", "reconcile": reconcile},
        inputs={},
        params={"mode": "reconcile" if reconcile else "delta", **params},
        mapping=shop.load_mapping(None),
        dry_run=dry_run,
    )
    try:
        function = next(s for s in shop.stages() if s.name == stage).function()
        summary = dict(function(context))
        summary.setdefault("calls", hook.total_calls)  # as the runner adds them
        if session is not None:
            summary["would_write"] = session.would_write()
        return summary
    finally:
        store.close()
        hook.close()
