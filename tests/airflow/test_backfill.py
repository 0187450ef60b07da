"""`airflow backfill create` over three hourly intervals: each run reads only the products
updated in its interval, and the shop ends in the same state as one full run gives.

The story: an hourly target whose shop was restored from a backup taken before the
range, while pimflow's watermark says it is in step until now. The catalog's products were
changed in three past hours (the test dates them there); a backfill of those hours re-syncs
them. A second target, with no schedule, writes a second shop with one full run: the
reference. Both targets read through one Akeneo connection, so their runs share its pool:
the sandbox Akeneo counts the calls in flight, and they never exceed Akeneo's 4, although
the backfill runs its intervals at once (Airflow's default) with mapped reads in parallel.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from pimflow import local, run
from pimflow.state import StateStore
from pimflow_sandbox.akeneo.state import format_datetime
from pimflow_sandbox.cli import create_app
from pimflow_sandbox.server import SandboxServer
from tests.airflow.conftest import (
    report_file_name,
    shop_products,
    start_deployment,
    task_instances,
    trigger_and_wait,
    wait_for_run,
)
from tests.e2e.sandbox_clients import AkeneoReader

pytestmark = pytest.mark.e2e

FAMILIES = ["shoes", "accessories"]  # 44 products, 4 product models: every kind, quickly
HOURLY, REFERENCE = "akeneo_to_hourly", "akeneo_to_reference"
TARGETS = f"""
targets:
  - name: hourly
    type: shopware6
    connection: shopware6_hourly
    schedule: "@hourly"
    params: {{families: {json.dumps(FAMILIES)}}}
  - name: reference
    type: shopware6
    connection: shopware6_reference
    schedule: null
    params: {{families: {json.dumps(FAMILIES)}}}
"""
# Three past hours, well before the scheduled run that unpausing the DAG starts.
RANGE_START = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=6)
SLICES = [
    (RANGE_START + timedelta(hours=h), RANGE_START + timedelta(hours=h + 1)) for h in range(3)
]


def date_the_catalog_in_three_hours(app) -> None:  # noqa: ANN001 - the sandbox AkeneoApp
    """Every product and model of FAMILIES updated in one of the three hours: a model tree
    (root, sub-models, variants) in one hour, as when it is edited at once; simple
    products round robin; the rest of the catalog long before."""
    catalog = app.catalog
    moment = {n: start + timedelta(minutes=20) for n, (start, _) in enumerate(SLICES)}
    long_ago = format_datetime(RANGE_START - timedelta(days=30))
    roots = sorted(
        code
        for code, model in catalog.product_models.items()
        if model.parent is None and model.family in FAMILIES
    )
    slice_of_root = {code: n % 3 for n, code in enumerate(roots)}

    def root_of(model_code: str) -> str:
        while catalog.product_models[model_code].parent:
            model_code = catalog.product_models[model_code].parent
        return model_code

    for code, model in catalog.product_models.items():
        root = root_of(code)
        model.updated = (
            format_datetime(moment[slice_of_root[root]]) if root in slice_of_root else long_ago
        )
    simple = 0
    for product in sorted(catalog.products.values(), key=lambda p: p.uuid):
        if product.family not in FAMILIES:
            product.updated = long_ago
        elif product.parent:
            product.updated = format_datetime(moment[slice_of_root[root_of(product.parent)]])
        else:
            product.updated = format_datetime(moment[simple % 3])
            simple += 1


@pytest.fixture(scope="module")
def servers():
    akeneo = create_app("akeneo", catalog="demo", seed=42)
    date_the_catalog_in_three_hours(akeneo)
    started = {
        "akeneo": SandboxServer(akeneo).start(),
        "hourly": SandboxServer(create_app("shopware6", catalog="demo", seed=42)).start(),
        "reference": SandboxServer(create_app("shopware6", catalog="demo", seed=42)).start(),
    }
    # Calls take a while, as over a network, so parallel tasks' calls overlap: with the
    # Akeneo pool widened to 64 slots the peak here was 12; with its 4 slots, 4.
    started["akeneo"].switches.update(latency_ms=400)
    try:
        yield started
    finally:
        for server in started.values():
            server.stop()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, servers, postgres):
    home = tmp_path_factory.mktemp("airflow-backfill")
    # pimflow kept the hourly target in step until now (the scheduled run that unpausing
    # the DAG starts reads the last hour, where nothing changed).
    state = StateStore(home / "pimflow" / "state.sqlite")
    state.set_watermark(HOURLY, datetime.now(UTC).isoformat())
    state.close()
    connections = {
        "akeneo_default": run.SANDBOX_CONNECTIONS["akeneo"](servers["akeneo"].url),
        "shopware6_hourly": run.SANDBOX_CONNECTIONS["shopware6"](servers["hourly"].url),
        "shopware6_reference": run.SANDBOX_CONNECTIONS["shopware6"](servers["reference"].url),
    }
    started = start_deployment(
        home,
        connections,
        # A scheduler, a backfill and 8 task processes write the metadata DB at once: more
        # than SQLite's one writer takes (the backfill's insert would meet a locked DB).
        sql_alchemy_conn=f"postgresql+psycopg2://postgres@127.0.0.1:5432/{postgres['metadata']}",
        targets=TARGETS,
        dag_ids=(HOURLY, REFERENCE),
        extra_env={"AIRFLOW__CORE__PARALLELISM": "8"},  # more tasks at once than Akeneo allows
    )
    try:
        yield started
    finally:
        local.stop_components(home)


def akeneo_products(url: str, after: datetime | None = None, before: datetime | None = None):
    """The uuids of FAMILIES' products Akeneo gives on the channel (products classified in
    its tree), with an `updated` window when given (variants included when a parent model
    changed in it): what a delta run of that window must read."""
    reader = AkeneoReader(url)
    search: dict = {"family": [{"operator": "IN", "value": FAMILIES}]}
    if after and before:
        value = [moment.strftime("%Y-%m-%d %H:%M:%S") for moment in (after, before)]
        search["updated"] = [{"operator": "BETWEEN", "value": value}]
    found = set()
    url_next = f"{url}/api/rest/v1/products-uuid"
    params = {
        "search": json.dumps(search),
        "scope": "ecommerce",
        "pagination_type": "search_after",
        "limit": 100,
    }
    while url_next:
        page = requests.get(url_next, params=params, headers=reader.headers, timeout=30).json()
        found |= {item["uuid"] for item in page["_embedded"]["items"]}
        url_next, params = page["_links"].get("next", {}).get("href"), None
    return found


def test_a_backfill_of_three_hours_syncs_each_slice_and_ends_like_a_full_run(deployment, servers):
    client = deployment.client
    log = local.run_dir(deployment.home) / "backfill.log"
    # The hours are logical dates of @hourly (each run's data interval starts there).
    local.airflow_cli(
        deployment.env,
        "backfill",
        "create",
        "--dag-id",
        HOURLY,
        "--from-date",
        SLICES[0][0].isoformat(),
        "--to-date",
        SLICES[-1][0].isoformat(),
        log=log,
    )
    listed = client.request(
        "GET", f"/dags/{HOURLY}/dagRuns", params={"run_type": "backfill", "limit": 10}
    ).json()["dag_runs"]
    assert len(listed) == 3, log.read_text()
    runs = {
        datetime.fromisoformat(r["data_interval_start"]): wait_for_run(
            deployment, HOURLY, r["dag_run_id"], timeout=600
        )
        for r in listed
    }
    assert sorted(runs) == [start for start, _ in SLICES]
    assert {r["state"] for r in runs.values()} == {"success"}, deployment.log_tail()

    # Each run read exactly Akeneo's answer for its interval (widened by pimflow's 5-minute
    # overlap): its slice, not the catalog.
    reports = Path(deployment.env["PIMFLOW_HOME"]) / "staging" / "reports" / HOURLY
    family_products = akeneo_products(servers["akeneo"].url)
    read_in_slices, slice_reads = set(), []
    for start, end in SLICES:
        run_id = runs[start]["dag_run_id"]
        report = json.loads((reports / report_file_name(run_id)).read_text())
        expected = akeneo_products(servers["akeneo"].url, start - timedelta(minutes=5), end)
        assert expected and len(expected) < len(family_products)
        assert report["read"]["products"] == len(expected), (start, report["read"])
        assert report["status"] == "success"
        read_in_slices |= expected
        slice_reads.append(expected)
    assert read_in_slices == family_products

    # The reference: one full run of the same catalog into a second shop.
    reference = trigger_and_wait(deployment, {"mode": "full"}, timeout=600, dag_id=REFERENCE)
    assert reference.run["state"] == "success", deployment.log_tail()
    backfilled = shop_products(servers["hourly"].url)
    assert len(backfilled) > len(family_products)  # variants' parents too
    assert backfilled == shop_products(servers["reference"].url)

    # Akeneo's pool: never more than its 4 calls in flight, with up to 8 tasks at once.
    akeneo_stats = requests.get(f"{servers['akeneo'].url}/_sandbox/stats", timeout=10).json()
    shop_stats = requests.get(f"{servers['hourly'].url}/_sandbox/stats", timeout=10).json()
    print(
        f"backfill: slices read {[len(s) for s in slice_reads]} products; peak calls in "
        f"flight: Akeneo {akeneo_stats['peak_in_flight']}, shop {shop_stats['peak_in_flight']}"
    )
    assert 2 <= akeneo_stats["peak_in_flight"] <= 4, akeneo_stats["peak_in_flight"]
    # The shop's pool: one writing task at a time (each sends at most 2 calls at once).
    assert shop_stats["peak_in_flight"] <= 2, shop_stats["peak_in_flight"]
    for run_ in runs.values():
        pools = {ti["pool"] for ti in task_instances(deployment, HOURLY, run_["dag_run_id"])}
        assert {"pimflow.akeneo.akeneo_default", "pimflow.shop.hourly"} <= pools
