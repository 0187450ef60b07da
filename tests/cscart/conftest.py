"""Fixtures of the CS-Cart tests: the sandboxes (Akeneo's demo catalog and an empty CS-Cart),
a runner of the DAG through the airflow CLI, and an in-process pimflow home for calling the
upload stages directly on staged data."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from pimflow import run
from pimflow_sandbox.cli import create_app
from pimflow_sandbox.server import SandboxServer


def start(name: str, catalog: str, seed: int) -> SandboxServer:
    return SandboxServer(create_app(name, catalog=catalog, seed=seed), port=0).start()


@pytest.fixture(scope="module")
def cscart_sandboxes() -> Iterator[dict[str, SandboxServer]]:
    servers = {"akeneo": start("akeneo", "demo", 42), "cscart": start("cscart", "empty", 1)}
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


DagRunner = Callable[..., tuple[int, dict[str, Any] | None]]


@pytest.fixture(scope="module")
def cscart_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pimflow-cscart-home")


@pytest.fixture(scope="module")
def run_cscart_dag(cscart_sandboxes, cscart_home) -> DagRunner:
    """Run akeneo_to_cscart once with `airflow dags test`; return (exit code, report)."""
    env = run.airflow_env(cscart_home)
    env.pop("PIMFLOW_MEDIA_BASE_URL", None)
    for name, server in cscart_sandboxes.items():
        env[f"AIRFLOW_CONN_{name.upper()}_DEFAULT"] = json.dumps(
            run.SANDBOX_CONNECTIONS[name](server.url)
        )
    log_file = cscart_home / "airflow.log"
    run.migrate(env, log_file)

    def runner(params: dict | None = None):
        code = run.run_dag("cscart", params or {}, env, log_file)
        report = run._report_since(run.dag_id_of("cscart", env), env, 0)
        return code, report

    return runner


def point_at(
    patch: pytest.MonkeyPatch,
    home: Path,
    servers: dict[str, SandboxServer],
    **cscart_extra: Any,
) -> None:
    """Point this process at a pimflow home and the sandboxes (for direct stage calls)."""
    patch.setenv("PIMFLOW_HOME", str(home))
    for name in (
        "PIMFLOW_MEDIA_BASE_URL",
        "PIMFLOW_STAGING_URL",
        "PIMFLOW_STATE_DB",
        "PIMFLOW_CSCART_MAPPING",
    ):
        patch.delenv(name, raising=False)
    for name, server in servers.items():
        connection = run.SANDBOX_CONNECTIONS[name](server.url)
        if name == "cscart" and cscart_extra:
            connection["extra"] = cscart_extra
        patch.setenv(f"AIRFLOW_CONN_{name.upper()}_DEFAULT", json.dumps(connection))


@contextmanager
def sandboxed(home: Path, akeneo_seed: int) -> Iterator[dict[str, SandboxServer]]:
    """A demo-catalog Akeneo and an empty CS-Cart, this process pointed at them and at
    `home`, for a module's tests; everything undone and stopped afterwards."""
    servers = {
        "akeneo": start("akeneo", "demo", akeneo_seed),
        "cscart": start("cscart", "empty", 1),
    }
    patch = pytest.MonkeyPatch()
    try:
        point_at(patch, home, servers)
        yield servers
    finally:
        patch.undo()
        for server in servers.values():
            server.stop()


@pytest.fixture
def pimflow_env(monkeypatch) -> Callable[..., None]:
    """point_at, undone after the test."""
    return lambda home, servers, **extra: point_at(monkeypatch, home, servers, **extra)


def remove_state(home: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{home / 'state.sqlite'}{suffix}")
        if path.exists():
            os.unlink(path)
