"""A sandbox Akeneo and a sandbox Shopware per test, the catalog staged as the DAG's
extraction tasks would, and the Shopware upload stages run directly (fast: no Airflow)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pimflow import config
from pimflow.dry_run import DryRun
from pimflow.run import SANDBOX_CONNECTIONS
from pimflow.shopware6.config import Shopware6Mapping, load_mapping
from pimflow.shopware6.hook import Shopware6Hook
from pimflow.shopware6.target import Shopware6Target
from pimflow.shopware6.upload import Shopware6Upload
from pimflow.state import StateStore
from pimflow_sandbox.cli import create_app
from pimflow_sandbox.server import SandboxServer
from tests.akeneo.conftest import akeneo, stage_everything  # noqa: F401 - the fixture
from tests.e2e.counts import assert_counts_add_up, writes

STAGES = ("structure", "media", "products", "cross_sellings")


@pytest.fixture
def shop(monkeypatch) -> Iterator[SandboxServer]:
    server = SandboxServer(create_app("shopware6", seed=5)).start()
    monkeypatch.setenv(
        "AIRFLOW_CONN_SHOPWARE6_DEFAULT", json.dumps(SANDBOX_CONNECTIONS["shopware6"](server.url))
    )
    yield server
    server.stop()


@pytest.fixture
def sync(akeneo, shop) -> Callable[..., dict[str, Any]]:  # noqa: F811
    """Stage the Akeneo catalog and upload it: returns the merged counts and errors."""
    runs = {"n": 0}

    def run(
        mapping: Shopware6Mapping | None = None,
        dry_run: bool = False,
        full_read: bool = True,
        source=None,
    ) -> dict[str, Any]:
        runs["n"] += 1
        staged = stage_everything(run=f"run{runs['n']}", source=source)
        store = StateStore(config.state_db_path())
        result: dict[str, Any] = {
            "counts": {},
            "errors": [],
            "plan": [],
            "sync_calls": 0,
            "lookup_calls": 0,
            "would_write": {},
        }
        try:
            for stage in STAGES:
                # Each stage with its own hook, and in a dry run on the core's stand-ins,
                # as the stage runner gives them (pimflow/dry_run.py).
                hook, stage_store = Shopware6Hook(), store
                session = DryRun(staged.folder, stage, STAGES[: STAGES.index(stage)])
                if dry_run:
                    stage_store = session.overlay(store)
                    session.record(hook, Shopware6Target())
                upload = Shopware6Upload(
                    hook,
                    stage_store,
                    staged.folder,
                    mapping or load_mapping(),
                    full_read=full_read,
                )
                summary = getattr(upload, stage)()
                if dry_run:
                    session.save()  # not close(): the real store serves every stage
                    for route, n in session.would_write().items():
                        result["would_write"][route] = result["would_write"].get(route, 0) + n
                check_counts(stage, summary)
                result["plan"] += (summary.get("plan") or {}).get("entries", [])
                result["lookup_calls"] += summary.get("lookup_calls", 0)
                for entity, counts in summary["counts"].items():
                    bucket = result["counts"].setdefault(entity, {})
                    for key, value in counts.items():
                        bucket[key] = bucket.get(key, 0) + value
                result["errors"] += summary["errors"]
                result["sync_calls"] += summary["sync_calls"]
                hook.close()
        finally:
            store.close()
        result["staged"] = staged
        return result

    return run


def check_counts(stage: str, summary: dict[str, Any]) -> None:
    """What every stage's summary must say: each item read ends in one outcome, and each
    write (or removal) has its entry in the plan."""
    if summary["counts"]:
        assert_counts_add_up(summary["counts"], stage)
    planned = (summary.get("plan") or {}).get("total", 0)
    assert planned == writes(summary["counts"]), (stage, summary["counts"])
