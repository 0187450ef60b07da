"""Real Airflow deployments for the tests of this folder, each on free ports of 127.0.0.1.

A deployment is what `make up` starts (`pimflow.local`): the API server, the scheduler and
the DAG processor as separate processes (no log servers), with its own AIRFLOW_HOME in a
temporary folder, the sandbox APIs for connections, and an admin of the simple auth
manager. Runs are triggered the way a user's tooling would: Airflow's REST API.

Session fixtures, so the slow parts happen once: the sandbox Akeneo (with one product
broken on purpose: its EUR price removed through Akeneo's write API), the LocalExecutor
deployment and the run triggered through it, which the REST, browser and Celery tests
all look at.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from pimflow import local, run
from pimflow.sandbox.cli import create_app
from pimflow.sandbox.server import SandboxServer
from tests.e2e.sandbox_clients import AkeneoReader

REQUIRE_SERVICES = os.environ.get("PIMFLOW_REQUIRE_SERVICES") == "1"
DAG_ID = "akeneo_to_shopware6"
# One family, 20 products: a real run through every task, in well under a minute here.
RUN_CONF = {"families": ["electronics"], "product_limit": 20}
BROKEN_FAMILY = "electronics"


def unavailable(reason: str) -> None:
    """Skip a test whose service is missing; fail it where CI requires the services."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (PIMFLOW_REQUIRE_SERVICES=1 requires it)", pytrace=False)
    pytest.skip(reason)


@dataclass
class Deployment:
    """One running Airflow: its home, its environment and a REST client."""

    home: Path
    env: dict[str, str]
    client: local.ApiClient
    components: list[str] = field(default_factory=list)

    @property
    def pimflow_home(self) -> Path:
        return Path(self.env["PIMFLOW_HOME"])

    def check_alive(self) -> None:
        """Fail at once, with the logs, when a component died (a scheduler that cannot
        load its executor leaves runs queued forever)."""
        dead = set(self.components) - set(local.running(self.home))
        if dead:
            pytest.fail(f"{sorted(dead)} stopped:\n{self.log_tail()}", pytrace=False)

    def log_tail(self, lines: int = 40) -> str:
        """The end of every component's log, for a failure message."""
        parts = []
        for log in sorted(local.run_dir(self.home).glob("*.log")):
            text = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {log.name}\n" + "\n".join(text))
        # Task logs with an error in them (a failed or retried task).
        for log in sorted((self.home / "logs").glob("dag_id=*/**/*.log")):
            text = log.read_text(errors="replace")
            if "Traceback" in text or '"level":"error"' in text:
                tail = text.splitlines()[-lines:]
                parts.append(f"--- {log.relative_to(self.home)}\n" + "\n".join(tail))
        return "\n".join(parts)


def start_deployment(
    home: Path,
    connections: dict[str, dict[str, Any]],
    *,
    executor: str = "LocalExecutor",
    sql_alchemy_conn: str | None = None,
    extra_env: dict[str, str] | None = None,
    workers: int = 0,
) -> Deployment:
    """Migrate the DB, start the components, wait until the DAG is parsed and unpaused."""
    port = local.free_port()
    extra = {f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(c) for conn_id, c in connections.items()}
    extra.update(extra_env or {})
    env = local.stack_env(
        home, port, executor=executor, sql_alchemy_conn=sql_alchemy_conn, extra=extra
    )
    password = local.write_password(home)
    deployment = Deployment(
        home, env, local.ApiClient(f"http://127.0.0.1:{port}", "admin", password)
    )
    try:
        local.airflow_cli(env, "db", "migrate", log=local.run_dir(home) / "setup.log")
        deployment.components = ["api-server", "scheduler", "dag-processor"]
        local.start_airflow(home, env, deployment.components)
        for n in range(1, workers + 1):
            argv = [local.bin_path("airflow"), "celery", "worker", "--skip-serve-logs"]
            argv += ["--celery-hostname", f"pimflow-worker-{n}@%h", "--concurrency", "1"]
            local.start_component(f"worker-{n}", argv, env, home)
            deployment.components.append(f"worker-{n}")
        local.wait_for(deployment.client.healthy, "the API server", 180, home)
        local.wait_for(lambda: deployment.client.dag_ready(DAG_ID), f"the DAG {DAG_ID}", 180, home)
        deployment.check_alive()
        response = deployment.client.request("PATCH", f"/dags/{DAG_ID}", json={"is_paused": False})
        assert response.status_code == 200, response.text
    except BaseException:
        print(deployment.log_tail())
        local.stop_components(home)
        raise
    return deployment


@dataclass
class TriggeredRun:
    """A DAG run triggered through the REST API, once it finished."""

    deployment: Deployment
    response_status: int
    response: dict[str, Any]
    run: dict[str, Any]
    task_instances: list[dict[str, Any]]
    seconds: float

    @property
    def run_id(self) -> str:
        return self.response["dag_run_id"]


def trigger_and_wait(
    deployment: Deployment, conf: dict[str, Any], timeout: float = 300
) -> TriggeredRun:
    client = deployment.client
    started = time.monotonic()
    response = client.trigger(DAG_ID, conf)
    assert response.status_code == 200, response.text
    body = response.json()
    deadline = time.monotonic() + timeout
    while True:
        finished = client.request("GET", f"/dags/{DAG_ID}/dagRuns/{body['dag_run_id']}").json()
        if finished["state"] in ("success", "failed"):
            break
        deployment.check_alive()
        if time.monotonic() > deadline:
            pytest.fail(
                f"run still {finished['state']} after {timeout:.0f} s:\n" + deployment.log_tail(),
                pytrace=False,
            )
        time.sleep(1)
    instances = client.request(
        "GET", f"/dags/{DAG_ID}/dagRuns/{body['dag_run_id']}/taskInstances", params={"limit": 100}
    ).json()["task_instances"]
    return TriggeredRun(
        deployment, response.status_code, body, finished, instances, time.monotonic() - started
    )


def report_file_name(run_id: str) -> str:
    """How pimflow.report names a run's report (checked here independently of the UI code)."""
    import re

    return re.sub(r"[^A-Za-z0-9._-]+", "_", run_id) + ".json"


@pytest.fixture(scope="session")
def akeneo() -> Iterator[SandboxServer]:
    server = SandboxServer(create_app("akeneo", catalog="demo", seed=42)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def broken_product(akeneo) -> dict[str, str]:
    """The first product the run reads, its EUR price removed through Akeneo's API: the
    Shopware mapping refuses it (field `price`), the rest of the run goes on."""
    reader = AkeneoReader(akeneo.url)
    search = json.dumps({"family": [{"operator": "IN", "value": [BROKEN_FAMILY]}]})
    response = requests.get(
        f"{akeneo.url}/api/rest/v1/products-uuid",
        params={
            "search": search,
            "scope": "ecommerce",
            "pagination_type": "search_after",
            "limit": 1,
        },
        headers=reader.headers,
        timeout=30,
    )
    response.raise_for_status()
    (product,) = response.json()["_embedded"]["items"]
    prices = [p for v in product["values"].get("price", []) for p in v["data"]]
    assert any(p["currency"] == "EUR" for p in prices), "expected a product with an EUR price"
    others = [p for p in prices if p["currency"] != "EUR"] or [
        {"amount": "10.00", "currency": "USD"}
    ]
    patched = requests.patch(
        f"{akeneo.url}/api/rest/v1/products-uuid/{product['uuid']}",
        json={"values": {"price": [{"locale": None, "scope": None, "data": others}]}},
        headers=reader.headers,
        timeout=30,
    )
    assert patched.status_code == 204, patched.text
    return {"uuid": product["uuid"], "identifier": product["values"]["sku"][0]["data"]}


@pytest.fixture(scope="session")
def local_shop() -> Iterator[SandboxServer]:
    server = SandboxServer(create_app("shopware6", catalog="demo", seed=42)).start()
    try:
        yield server
    finally:
        server.stop()


def sandbox_connections(akeneo_url: str, shop_url: str) -> dict[str, dict[str, Any]]:
    return {
        "akeneo_default": run.SANDBOX_CONNECTIONS["akeneo"](akeneo_url),
        "shopware6_default": run.SANDBOX_CONNECTIONS["shopware6"](shop_url),
    }


@pytest.fixture(scope="session")
def local_airflow(tmp_path_factory, akeneo, local_shop) -> Iterator[Deployment]:
    """LocalExecutor on SQLite: what `make up` runs."""
    home = tmp_path_factory.mktemp("airflow-local")
    deployment = start_deployment(home, sandbox_connections(akeneo.url, local_shop.url))
    try:
        yield deployment
    finally:
        local.stop_components(home)


@pytest.fixture(scope="session")
def local_run(local_airflow, broken_product) -> TriggeredRun:
    """`POST /api/v2/dags/akeneo_to_shopware6/dagRuns` with RUN_CONF, until it finished."""
    return trigger_and_wait(local_airflow, dict(RUN_CONF))
