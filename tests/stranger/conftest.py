"""Fixtures for syncing a stranger's catalog (tests/stranger/catalog.py): a fresh sandbox
Akeneo filled through its write API, empty sandbox shops, and a runner of a target's DAG
through the airflow CLI, as `make sync` runs it, with the default mapping unless a test
names one."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from pimflow import run
from pimflow_sandbox.cli import create_app
from pimflow_sandbox.server import SandboxServer
from tests.stranger.catalog import StrangerCatalog, write_catalog

SHOP_WRITES = ("POST", "PUT", "PATCH", "DELETE")


def start(name: str, catalog: str = "empty") -> SandboxServer:
    return SandboxServer(create_app(name, catalog=catalog, seed=1), port=0).start()


@pytest.fixture(scope="module")
def stranger() -> Iterator[tuple[SandboxServer, StrangerCatalog]]:
    """A fresh Akeneo holding the stranger's catalog."""
    akeneo = start("akeneo")
    try:
        yield akeneo, write_catalog(akeneo.url)
    finally:
        akeneo.stop()


def shop_writes(server: SandboxServer, exclude: tuple[str, ...] = ("/api/search",)) -> int:
    """Calls to a sandbox shop that could change it (its own count, not pimflow's)."""
    import requests

    calls = requests.get(f"{server.url}/_sandbox/stats", timeout=10).json()["calls"]
    return sum(
        n
        for route, n in calls.items()
        if route.split(" ")[0] in SHOP_WRITES
        and not any(part in route for part in exclude)
        and "oauth" not in route
    )


StrangerRun = Callable[..., tuple[int, dict[str, Any] | None]]


@pytest.fixture
def sync_stranger(stranger, tmp_path) -> Iterator[Callable[[str], tuple[StrangerRun, Any]]]:
    """`sync_stranger("shopware6")` → (run, shop): a runner of that target's DAG against a
    new empty sandbox shop; `run(params=None, mapping=None)` → (exit code, report). A
    `mapping` dict is written to a file and named by the target, as a user would."""
    akeneo, _ = stranger
    shops: list[SandboxServer] = []

    def make(target_type: str) -> tuple[StrangerRun, SandboxServer]:
        shop = start(target_type)
        shops.append(shop)
        home = tmp_path / target_type
        env = run.airflow_env(home)
        env["AIRFLOW_HOME"] = str(home / "airflow")
        env.pop("PIMFLOW_MEDIA_BASE_URL", None)
        env["AIRFLOW_CONN_AKENEO_DEFAULT"] = json.dumps(
            run.SANDBOX_CONNECTIONS["akeneo"](akeneo.url)
        )
        env["AIRFLOW_CONN_STRANGER_SHOP"] = json.dumps(
            run.SANDBOX_CONNECTIONS[target_type](shop.url)
        )
        log_file = Path(home) / "airflow.log"
        home.mkdir(parents=True, exist_ok=True)
        run.migrate(env, log_file)

        def runner(params: dict | None = None, mapping: dict | None = None):
            target: dict[str, Any] = {
                "name": "stranger",
                "type": target_type,
                "connection": "stranger_shop",
                "schedule": None,
                "params": {"channel": "ecommerce"},
            }
            if mapping is not None:
                (home / "mapping.yaml").write_text(yaml.safe_dump(mapping))
                target["mapping"] = "mapping.yaml"
            (home / "targets.yaml").write_text(yaml.safe_dump({"targets": [target]}))
            env["PIMFLOW_TARGETS"] = str(home / "targets.yaml")
            log_file.write_text("")  # this run's log only
            code = run.run_dag("stranger", params or {}, env, log_file)
            return code, run._report_since("akeneo_to_stranger", env, 0)

        runner.log_file = log_file  # type: ignore[attr-defined]

        return runner, shop

    try:
        yield make
    finally:
        for shop in shops:
            shop.stop()
