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

import functools
import json
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from pimflow import local, run
from pimflow_sandbox.cli import create_app
from pimflow_sandbox.server import SandboxServer
from tests.e2e.sandbox_clients import AkeneoReader, ShopwareReader

REQUIRE_SERVICES = os.environ.get("PIMFLOW_REQUIRE_SERVICES") == "1"
DAG_ID = "akeneo_to_shopware6"
# One family, 20 products: a real run through every task, in well under a minute here.
RUN_CONF = {"families": ["electronics"], "product_limit": 20}
BROKEN_FAMILY = "electronics"
# The deployments of the trigger tests: the Shopware target with no schedule, so that no
# scheduled run starts when the DAG is unpaused (test_backfill.py has an hourly one).
TRIGGERED_TARGETS = """
targets:
  - {name: shopware6, type: shopware6, connection: shopware6_default, schedule: null}
"""
# XComs over this size go to object storage (common-io's backend), so the tests' small
# runs use it too.
SMALL_XCOM_THRESHOLD = {"AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_THRESHOLD": "512"}


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
    targets: str = TRIGGERED_TARGETS,
    dag_ids: tuple[str, ...] = (DAG_ID,),
) -> Deployment:
    """Migrate the DB, start the components, wait until the DAGs are parsed and unpaused.

    The API server's port is chosen free, but another process (another suite on this
    machine) can bind it before the server does: then its components are stopped and
    started again on another port, up to PORT_TRIES times."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "targets.yaml").write_text(targets)
    extra = {f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(c) for conn_id, c in connections.items()}
    extra["PIMFLOW_TARGETS"] = str(home / "targets.yaml")
    extra.update(SMALL_XCOM_THRESHOLD)
    extra.update(extra_env or {})
    password = local.write_password(home)
    for attempt in range(1, PORT_TRIES + 1):
        port = local.free_port()
        env = local.stack_env(
            home, port, executor=executor, sql_alchemy_conn=sql_alchemy_conn, extra=extra
        )
        deployment = Deployment(
            home, env, local.ApiClient(f"http://127.0.0.1:{port}", "admin", password)
        )
        try:
            if attempt == 1:
                local.airflow_cli(env, "db", "migrate", log=local.run_dir(home) / "setup.log")
                local.create_pools(env, local.run_dir(home) / "setup.log")
            api_log = local.run_dir(home) / "api-server.log"
            seen = api_log.stat().st_size if api_log.exists() else 0
            deployment.components = ["api-server", "scheduler", "dag-processor"]
            local.start_airflow(home, env, deployment.components)
            for n in range(1, workers + 1):
                argv = [local.bin_path("airflow"), "celery", "worker", "--skip-serve-logs"]
                argv += ["--celery-hostname", f"pimflow-worker-{n}@%h", "--concurrency", "1"]
                local.start_component(f"worker-{n}", argv, env, home)
                deployment.components.append(f"worker-{n}")
            up = functools.partial(_api_server_up, deployment, api_log, seen)
            local.wait_for(up, "the API server", 180, home)
            break
        except PortTaken:
            local.stop_components(home)
            if attempt == PORT_TRIES:
                raise
            print(f"port {port} was taken before the API server bound it: another port")
        except BaseException:
            print(deployment.log_tail())
            local.stop_components(home)
            raise
    try:
        for dag_id in dag_ids:
            ready = lambda dag_id=dag_id: deployment.client.dag_ready(dag_id)  # noqa: E731
            local.wait_for(ready, f"the DAG {dag_id}", 180, home)
        deployment.check_alive()
        for dag_id in dag_ids:
            response = deployment.client.request(
                "PATCH", f"/dags/{dag_id}", json={"is_paused": False}
            )
            assert response.status_code == 200, response.text
    except BaseException:
        print(deployment.log_tail())
        local.stop_components(home)
        raise
    return deployment


PORT_TRIES = 3


class PortTaken(Exception):
    """The API server could not bind its port: something else took it meanwhile."""


def _api_server_up(deployment: Deployment, log: Path, seen: int) -> bool:
    """True once this deployment's own API server answers: it grants our admin a token (a
    server of another suite on the port would refuse our password). PortTaken when ours
    died for want of its port; another death fails the test with the logs."""
    if "api-server" not in local.running(deployment.home):
        text = log.read_text(errors="replace")[seen:] if log.exists() else ""
        if "address already in use" in text.lower():
            raise PortTaken(deployment.client.base_url)
        deployment.check_alive()
    return deployment.client.healthy() and bool(deployment.client.token())


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
    deployment: Deployment, conf: dict[str, Any], timeout: float = 300, dag_id: str = DAG_ID
) -> TriggeredRun:
    client = deployment.client
    started = time.monotonic()
    response = client.trigger(dag_id, conf)
    assert response.status_code == 200, response.text
    body = response.json()
    finished = wait_for_run(deployment, dag_id, body["dag_run_id"], timeout)
    instances = task_instances(deployment, dag_id, body["dag_run_id"])
    return TriggeredRun(
        deployment, response.status_code, body, finished, instances, time.monotonic() - started
    )


def wait_for_run(
    deployment: Deployment, dag_id: str, run_id: str, timeout: float = 300
) -> dict[str, Any]:
    """The run, once it succeeded or failed (the test fails at the timeout, with logs)."""
    deadline = time.monotonic() + timeout
    while True:
        found = deployment.client.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}").json()
        if found["state"] in ("success", "failed"):
            return found
        deployment.check_alive()
        if time.monotonic() > deadline:
            pytest.fail(
                f"run still {found['state']} after {timeout:.0f} s:\n" + deployment.log_tail(),
                pytrace=False,
            )
        time.sleep(1)


def task_instances(deployment: Deployment, dag_id: str, run_id: str) -> list[dict[str, Any]]:
    return deployment.client.request(
        "GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 100}
    ).json()["task_instances"]


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


def shop_products(url: str) -> dict[str, dict[str, Any]]:
    """The shop's products, by number, in terms that do not depend on the shop instance:
    currencies by ISO code, languages by locale, timestamps left out."""
    shop = ShopwareReader(url)
    currencies = {c["id"]: c["isoCode"] for c in shop.search("currency")}
    languages = {
        lang["id"]: lang["locale"]["code"]
        for lang in shop.search("language", {"associations": {"locale": {}}})
    }
    products = {}
    for product in shop.search("product", {"associations": {"translations": {}, "categories": {}}}):
        products[product["productNumber"]] = {
            "id": product["id"],
            "active": product.get("active"),
            "stock": product.get("stock"),
            "manufacturerId": product.get("manufacturerId"),
            "price": sorted(
                (currencies[p["currencyId"]], Decimal(str(p["gross"])), Decimal(str(p["net"])))
                for p in product.get("price") or []
            ),
            "translations": sorted(
                (languages[t["languageId"]], t.get("name"), t.get("description"))
                for t in product.get("translations") or []
            ),
            "categories": sorted(c["id"] for c in product.get("categories") or []),
            # Variants: under which parent, with which options (ids are pimflow's, derived
            # from Akeneo's codes, so they match between shops).
            "parentId": product.get("parentId"),
            "optionIds": sorted(product.get("optionIds") or []),
        }
    return products


@pytest.fixture(scope="module")
def postgres() -> Iterator[dict[str, str]]:
    """Two fresh databases: Airflow's metadata DB and pimflow's state store (as on several
    machines, where a SQLite file cannot be shared); both dropped afterwards."""
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        admin = psycopg2.connect(
            host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=5
        )
    except psycopg2.OperationalError as exc:
        unavailable(f"PostgreSQL is not reachable on 127.0.0.1:5432 as postgres: {exc}")
    admin.autocommit = True
    base = f"pimflow_test_{secrets.token_hex(4)}"
    names = {"metadata": base, "state": f"{base}_state"}
    try:
        with admin.cursor() as cursor:
            for name in names.values():
                cursor.execute(f'CREATE DATABASE "{name}"')
        yield names
    finally:
        with admin.cursor() as cursor:
            for name in names.values():
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
