"""Scale-out: the same DAG, unchanged, on CeleryExecutor with two workers, PostgreSQL as the
metadata DB, Redis as the broker and staged data in S3 (a moto server), gives the same
shop as the LocalExecutor run: compared through the Shopware sandbox's own API.

Needs PostgreSQL and Redis on 127.0.0.1 (trust auth): skipped without them, failed
without them when PIMFLOW_REQUIRE_SERVICES=1 (CI). Its own database and Redis db number,
dropped and flushed afterwards.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from pimflow import local
from tests.airflow.conftest import (
    DAG_ID,
    RUN_CONF,
    Deployment,
    report_file_name,
    sandbox_connections,
    shop_products,
    start_deployment,
    trigger_and_wait,
    unavailable,
)

pytestmark = [pytest.mark.e2e, pytest.mark.services]

BUCKET = "pimflow-test"
CLAIM_KEY = "pimflow-test:claimed-by"  # the one key a suite puts in the Redis db it uses
PREFIX = "staging"


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        unavailable(f"Redis is not reachable on 127.0.0.1:6379: {exc}")
    # An empty db number of our own: flushing it afterwards touches nobody else's keys.
    # Claimed with SET NX, so that of two suites choosing at once (two clones on one
    # machine) only one takes a number both found empty.
    claim = f"pimflow-test-{secrets.token_hex(8)}"
    numbers = list(range(1, 16))
    random.shuffle(numbers)
    for number in numbers:
        db = redis.Redis(host="127.0.0.1", port=6379, db=number)
        if db.dbsize() == 0 and db.set(CLAIM_KEY, claim, nx=True):
            break
    else:
        pytest.fail("no empty Redis db number among 1..15")
    try:
        yield f"redis://127.0.0.1:6379/{number}"
    finally:
        db.flushdb()


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, Any]]:
    """A moto S3 server on 127.0.0.1 with one bucket; an Airflow `aws` connection for it."""
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        keys = {"aws_access_key_id": "pimflow-test", "aws_secret_access_key": "pimflow-test"}
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **keys)
        client.create_bucket(Bucket=BUCKET)
        connection = {
            "conn_type": "aws",
            "login": keys["aws_access_key_id"],
            "password": keys["aws_secret_access_key"],
            "extra": {"endpoint_url": endpoint, "region_name": "us-east-1"},
        }
        yield {"client": client, "connection": connection}
    finally:
        server.stop()


@pytest.fixture(scope="module")
def celery_shop():
    from pimflow_sandbox.cli import create_app
    from pimflow_sandbox.server import SandboxServer

    server = SandboxServer(create_app("shopware6", catalog="demo", seed=42)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def celery_airflow(
    tmp_path_factory, postgres, redis_url, s3, akeneo, celery_shop
) -> Iterator[Deployment]:
    home = tmp_path_factory.mktemp("airflow-celery")
    postgres_url = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{postgres['metadata']}"
    connections = {
        **sandbox_connections(akeneo.url, celery_shop.url),
        "pimflow_staging": s3["connection"],
        "pimflow_state": {
            "conn_type": "postgres",
            "host": "127.0.0.1",
            "port": 5432,
            "login": "postgres",
            "schema": postgres["state"],
        },
    }
    deployment = start_deployment(
        home,
        connections,
        executor="CeleryExecutor",
        sql_alchemy_conn=postgres_url,
        extra_env={
            "AIRFLOW__CELERY__BROKER_URL": redis_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + postgres_url,
            "PIMFLOW_STAGING_URL": f"s3://{BUCKET}/{PREFIX}",
            "PIMFLOW_STAGING_CONN_ID": "pimflow_staging",
            "PIMFLOW_STATE_CONN_ID": "pimflow_state",
        },
        workers=2,
    )
    try:
        yield deployment
    finally:
        local.stop_components(home)


def worker_tasks(deployment: Deployment) -> dict[str, int]:
    """How many Airflow workloads each Celery worker received, from its own log."""
    return {
        log.stem: sum(
            1
            for line in log.read_text(errors="replace").splitlines()
            if "execute_workload[" in line and "received" in line
        )
        for log in sorted(local.run_dir(deployment.home).glob("worker-*.log"))
    }


def state_rows(database: str) -> int:
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname=database)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM payload_hash")
            return int(cursor.fetchone()[0])
    finally:
        conn.close()


def test_celery_with_two_workers_postgres_redis_and_s3_gives_the_same_shop(
    celery_airflow, local_run, local_shop, celery_shop, s3, postgres
):
    celery_run = trigger_and_wait(celery_airflow, dict(RUN_CONF))
    print(f"Celery run {celery_run.run_id}: {celery_run.seconds:.1f} s")
    assert celery_run.run["state"] == "success", celery_airflow.log_tail()
    assert local_run.run["state"] == "success"

    # Both workers took part (mapped and parallel tasks are queued at the same moment,
    # and each worker takes one at a time).
    received = worker_tasks(celery_airflow)
    assert sorted(received) == ["worker-1", "worker-2"], received
    assert all(count >= 1 for count in received.values()), received
    assert sum(received.values()) >= len(celery_run.task_instances), received

    # Staged data and the report are in S3, not on the local disk.
    client = s3["client"]
    keys = [
        o["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=PREFIX)
        for o in page.get("Contents", [])
    ]
    run_folder = f"{PREFIX}/{DAG_ID}/{report_file_name(celery_run.run_id)[: -len('.json')]}/"
    assert any(k.startswith(run_folder) and k.endswith(".parquet") for k in keys), keys
    report_key = f"{PREFIX}/reports/{DAG_ID}/{report_file_name(celery_run.run_id)}"
    assert report_key in keys, keys
    assert not (celery_airflow.pimflow_home / "staging").exists()
    # ... and the change-detection state in PostgreSQL, not in a local SQLite file.
    assert state_rows(postgres["state"]) > 0
    assert not list(celery_airflow.pimflow_home.glob("*.sqlite"))
    celery_report = json.loads(client.get_object(Bucket=BUCKET, Key=report_key)["Body"].read())

    # The same result as the LocalExecutor run of the same params: report and shop.
    local_folder = local_run.deployment.pimflow_home / "staging" / "reports" / DAG_ID
    local_report = json.loads((local_folder / report_file_name(local_run.run_id)).read_text())
    # (the product broken on purpose is refused: completed, with that refusal)
    assert celery_report["status"] == local_report["status"] == "completed_with_refusals"
    assert celery_report["counts"] == local_report["counts"]
    assert celery_report["read"] == local_report["read"]
    assert sorted(map(json.dumps, celery_report["errors"])) == sorted(
        map(json.dumps, local_report["errors"])
    )
    local_products = shop_products(local_shop.url)
    celery_products = shop_products(celery_shop.url)
    assert local_products, "the local run wrote no products"
    assert celery_products == local_products
