"""Sandbox servers for end-to-end runs, and a runner of the DAGs through the airflow CLI
(the same path `make demo` and `make sync` take)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pimflow import run
from pimflow_sandbox.cli import create_app
from pimflow_sandbox.server import SandboxServer


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[dict[str, SandboxServer]]:
    servers = {
        name: SandboxServer(create_app(name, catalog="demo", seed=42)).start()
        for name in ("akeneo", "shopware6")
    }
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


DagRunner = Callable[..., tuple[int, dict[str, Any] | None]]


@pytest.fixture(scope="module")
def run_dag(sandboxes, tmp_path_factory) -> DagRunner:
    """Run a DAG once as `make sync` does (`dag.test()`); return (exit code, its report)."""
    home = tmp_path_factory.mktemp("pimflow-home")
    env = run.airflow_env(home)
    for name, server in sandboxes.items():
        env[f"AIRFLOW_CONN_{name.upper()}_DEFAULT"] = json.dumps(
            run.SANDBOX_CONNECTIONS[name](server.url)
        )
    log_file = Path(home) / "airflow.log"
    run.migrate(env, log_file)

    def runner(target: str = "shopware6", params: dict | None = None):
        code = run.run_dag(target, params or {}, env, log_file)
        report = run._report_since(run.dag_id_of(target, env), env, 0)
        return code, report

    runner.home = home  # where the run's state store and staged data are
    runner.env = env  # the runs' environment (AIRFLOW_HOME: their metadata DB)
    return runner
