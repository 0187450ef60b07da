"""Airflow's REST API drives a real sync: a run triggered with `POST .../dagRuns` and a
params payload runs to success on the scheduler against the sandbox APIs and leaves its
report; params the DAG's form would refuse are refused by the API too, with the reason."""

from __future__ import annotations

import json
import time

import pytest

from pimflow import local
from tests.airflow.conftest import DAG_ID, RUN_CONF, report_file_name, trigger_and_wait
from tests.e2e.sandbox_clients import ShopwareReader

pytestmark = pytest.mark.e2e


def test_a_run_triggered_through_the_rest_api_syncs_and_leaves_its_report(
    local_run, local_shop, broken_product
):
    print(f"REST-triggered run {local_run.run_id}: {local_run.seconds:.1f} s")
    assert local_run.response_status == 200
    assert local_run.response["conf"] == RUN_CONF
    assert local_run.response["triggered_by"] == "rest_api"
    assert local_run.run["state"] == "success", local_run.deployment.log_tail()
    states = {(ti["task_id"], ti["map_index"]): ti["state"] for ti in local_run.task_instances}
    assert states and set(states.values()) == {"success"}, states
    assert ("report", -1) in states

    # The report, where pimflow.report documents it: <staging>/reports/<dag_id>/<run>.json
    folder = local_run.deployment.pimflow_home / "staging" / "reports" / DAG_ID
    report = json.loads((folder / report_file_name(local_run.run_id)).read_text())
    assert report["run_id"] == local_run.run_id
    # The shop refused a product, no stage failed: the run completed, with refusals, said
    # in the report and in the run's note, which Airflow's own views show.
    assert report["status"] == "completed_with_refusals"
    assert json.loads((folder / "latest.json").read_text())["run_id"] == local_run.run_id
    products = report["counts"]["product"]
    assert products["failed"] >= 1
    assert report["refused"] == sum(c["failed"] for c in report["counts"].values())
    path = f"/dags/{DAG_ID}/dagRuns/{local_run.run_id}"
    client = local_run.deployment.client
    deadline = time.monotonic() + 120  # the note is written just after the run's state
    while not client.request("GET", path).json().get("note") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert client.request("GET", path).json()["note"] == (
        f"completed with {report['refused']} refused"
    )
    assert report["read"]["products"] == RUN_CONF["product_limit"]

    # The product broken on purpose is reported with its field and reason ...
    refused = [e for e in report["errors"] if e["identifier"] == broken_product["identifier"]]
    assert refused, report["errors"]
    assert refused[0]["field"] == "price" and "EUR" in refused[0]["reason"]
    # ... and the shop holds what the report says was written, without it.
    shop = {p["productNumber"]: p for p in ShopwareReader(local_shop.url).search("product")}
    assert broken_product["identifier"] not in shop
    assert len(shop) == products["created"] + products["updated"] + products["unchanged"]


@pytest.mark.parametrize(
    ("conf", "param", "words"),
    [
        ({"mode": "sideways"}, "mode", ["sideways", "full", "delta"]),
        ({"partitions": 0}, "partitions", ["minimum"]),
        ({"product_limit": "twenty"}, "product_limit", ["twenty"]),
    ],
    ids=["mode", "partitions", "product_limit"],
)
def test_invalid_params_are_refused_with_the_reason(local_airflow, conf, param, words):
    client = local_airflow.client
    before = client.request("GET", f"/dags/{DAG_ID}/dagRuns").json()["total_entries"]
    response = client.trigger(DAG_ID, conf)
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    assert f"param {param}" in detail, detail
    for word in words:
        assert word in detail, detail
    after = client.request("GET", f"/dags/{DAG_ID}/dagRuns").json()["total_entries"]
    assert after == before, "a refused trigger created a run"


@pytest.mark.parametrize(
    ("conf", "detail"),
    [
        ({"dryrun": True}, "unknown param 'dryrun': did you mean 'dry_run'?"),
        ({"Dry-Run": True, "mode": "full"}, "unknown param 'Dry-Run': did you mean 'dry_run'?"),
        ({"partitions": "four"}, "param partitions: 'four' is not of type 'integer'"),
        ({"max_refused": "lots"}, "param max_refused: 'lots' is not a count"),
    ],
    ids=["dryrun", "Dry-Run", "partitions", "max_refused"],
)
def test_unknown_keys_and_wrong_types_are_refused_with_400_and_the_reason(
    local_airflow, conf, detail
):
    """Strict params through the API server's serialized DAG: Airflow itself would take
    `{"dryrun": true}` and start a real, writing run (pimflow.strict_params)."""
    client = local_airflow.client
    before = client.request("GET", f"/dags/{DAG_ID}/dagRuns").json()["total_entries"]
    response = client.trigger(DAG_ID, conf)
    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith(detail), response.text
    assert "\n" not in response.json()["detail"]
    # A backfill's conf too (its dry run creates nothing either way).
    response = client.request(
        "POST",
        "/backfills/dry_run",
        json={"dag_id": DAG_ID, "from_date": "2026-01-01T00:00:00Z",
              "to_date": "2026-01-01T02:00:00Z", "dag_run_conf": conf},
    )  # fmt: skip
    assert response.status_code == 400 and response.json()["detail"].startswith(detail)
    after = client.request("GET", f"/dags/{DAG_ID}/dagRuns").json()["total_entries"]
    assert after == before, "a refused trigger created a run"


def test_a_caller_who_may_not_trigger_learns_nothing_of_the_params(local_airflow):
    import requests

    url = f"{local_airflow.client.base_url}/api/v2/dags/{DAG_ID}/dagRuns"
    body = {"logical_date": None, "conf": {"dryrun": True}}
    anonymous = requests.post(url, json=body, timeout=30)
    assert anonymous.status_code == 401, anonymous.text
    forged = requests.post(url, json=body, headers={"Authorization": "Bearer x"}, timeout=30)
    assert forged.status_code == 403, forged.text
    assert "dry_run" not in anonymous.text + forged.text


def test_the_plugin_is_loaded_and_its_page_needs_a_login(local_airflow):
    client = local_airflow.client
    plugins = {p["name"]: p for p in client.request("GET", "/plugins").json()["plugins"]}
    assert "pimflow" in plugins, plugins
    assert [a["url_prefix"] for a in plugins["pimflow"]["fastapi_apps"]] == ["/pimflow"]
    routes = {v["url_route"]: v["destination"] for v in plugins["pimflow"]["external_views"]}
    assert routes == {"pimflow": "nav", "pimflow-run": "dag_run"}
    assert client.request("GET", "/plugins/importErrors").json()["total_entries"] == 0

    import requests

    anonymous = requests.get(f"{client.base_url}/pimflow/", allow_redirects=False, timeout=30)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/auth/login")
    forged = requests.get(
        f"{client.base_url}/pimflow/", headers={"Authorization": "Bearer forged"}, timeout=30
    )
    assert forged.status_code == 403
    page = requests.get(
        f"{client.base_url}/pimflow/",
        headers={"Authorization": f"Bearer {client.token()}"},
        timeout=30,
    )
    assert page.status_code == 200 and "pimflow run reports" in page.text


def test_every_listener_of_the_deployment_is_on_127_0_0_1(local_airflow):
    found = local.listeners(local_airflow.home)
    port = int(local_airflow.env["AIRFLOW__API__PORT"])
    assert ("api-server", "127.0.0.1", port) in found, found
    assert all(host == "127.0.0.1" for _, host, _ in found), found


def test_a_successful_run_updates_the_targets_asset(local_run):
    client = local_run.deployment.client
    assets = client.request("GET", "/assets", params={"limit": 100}).json()["assets"]
    (asset,) = [a for a in assets if a["name"] == DAG_ID]
    assert asset["uri"] == "x-pimflow://targets/shopware6"
    events = client.request("GET", "/assets/events", params={"asset_id": asset["id"]}).json()
    (event,) = [e for e in events["asset_events"] if e["source_run_id"] == local_run.run_id]
    assert event["source_task_id"] == "shop_updated"
    # The event carries the run's counts, so a DAG scheduled on the Asset can look at them.
    report = json.loads(
        (
            local_run.deployment.pimflow_home
            / "staging"
            / "reports"
            / DAG_ID
            / report_file_name(local_run.run_id)
        ).read_text()
    )
    assert event["extra"]["counts"] == report["counts"]


def test_tasks_take_the_pools_sized_to_the_apis_and_large_xcoms_go_to_object_storage(
    local_run,
):
    client = local_run.deployment.client
    pools = {p["name"]: p["slots"] for p in client.request("GET", "/pools").json()["pools"]}
    assert pools["pimflow.akeneo.akeneo_default"] == 4  # Akeneo: 4 calls per connection
    assert pools["pimflow.shop.shopware6"] == 1  # one writer per shop
    tasks = {
        (ti["task_id"], ti["map_index"]): (ti["pool"], ti["pool_slots"])
        for ti in local_run.task_instances
    }
    akeneo_tasks = {k: v for k, v in tasks.items() if k[0].startswith("akeneo.")}
    shop_tasks = {k: v for k, v in tasks.items() if k[0].startswith("shopware6.")}
    assert len(akeneo_tasks) >= 6 and len(shop_tasks) == 4
    for (task_id, _), (pool, slots) in akeneo_tasks.items():
        if task_id == "akeneo.partitions":  # plans the reads, calls nothing
            assert pool == "default_pool"
            continue
        assert pool == "pimflow.akeneo.akeneo_default", task_id
        # The media task downloads 4 files at a time: it takes the 4 slots.
        assert slots == (4 if task_id == "akeneo.media" else 1), task_id
    assert {pool for pool, _ in shop_tasks.values()} == {"pimflow.shop.shopware6"}

    # XComs over the (test's small) threshold were written beside the staged data.
    xcom = local_run.deployment.pimflow_home / "staging" / "xcom"
    assert [path for path in xcom.rglob("*") if path.is_file()], "no XCom in object storage"


def test_a_cleared_upload_task_runs_again_and_writes_nothing_new(local_run, local_shop):
    """Clearing a task (what a user does to re-run one) is safe: it re-reads its run's
    staged data, finds every payload unchanged in the state store, and sends nothing."""
    from tests.airflow.conftest import task_instances, wait_for_run

    deployment = local_run.deployment
    shop = ShopwareReader(local_shop.url)
    before = shop.stats()["calls"].get("POST /api/_action/sync", 0)
    response = deployment.client.request(
        "POST",
        f"/dags/{DAG_ID}/clearTaskInstances",
        json={
            "dry_run": False,
            "dag_run_id": local_run.run_id,
            "task_ids": ["shopware6.products"],
            "only_failed": False,
            "reset_dag_runs": True,
        },
    )
    assert response.status_code == 200, response.text

    def second_try() -> dict | None:
        (ti,) = [
            ti
            for ti in task_instances(deployment, DAG_ID, local_run.run_id)
            if ti["task_id"] == "shopware6.products"
        ]
        return ti if ti["try_number"] == 2 and ti["state"] in ("success", "failed") else None

    local.wait_for(second_try, "the cleared task's second try", 180, deployment.home)
    assert second_try()["state"] == "success", deployment.log_tail()
    assert wait_for_run(deployment, DAG_ID, local_run.run_id)["state"] == "success"
    assert shop.stats()["calls"].get("POST /api/_action/sync", 0) == before


def test_a_dry_run_through_the_rest_api_writes_nothing_and_its_page_shows_the_plan(
    local_run, akeneo, local_shop, broken_product
):
    """`{"dry_run": true}` through the REST API on the scheduler: the shop's own stats
    count no write call, and the run's report page says DRY RUN and shows the plan: the
    product renamed in Akeneo since the real run, its name old → new."""
    import requests

    from tests.e2e.sandbox_clients import AkeneoReader

    shop = ShopwareReader(local_shop.url)
    numbers = {p["productNumber"]: p for p in shop.search("product") if not p.get("parentId")}
    reader = AkeneoReader(akeneo.url)
    search = json.dumps({"family": [{"operator": "IN", "value": RUN_CONF["families"]}]})
    product = next(
        p
        for p in reader.products(search=search, scope="ecommerce")
        if not p.get("parent")
        and p["values"]["sku"][0]["data"] in numbers
        and p["values"]["sku"][0]["data"] != broken_product["identifier"]
    )
    sku, renamed = product["values"]["sku"][0]["data"], "Renamed before a dry run"
    url = f"{akeneo.url}/api/rest/v1/products-uuid/{product['uuid']}"

    def set_name(values: list[dict]) -> None:
        patched = requests.patch(
            url, json={"values": {"name": values}}, headers=reader.headers, timeout=30
        )
        assert patched.status_code == 204, patched.text

    set_name([{"locale": "en_US", "scope": None, "data": renamed}])
    before = shop.writes()
    try:
        dry = trigger_and_wait(local_run.deployment, {**RUN_CONF, "dry_run": True})
    finally:  # the session's other tests (the Celery run) compare with the catalog as it was
        set_name(product["values"]["name"])
    assert dry.run["state"] == "success", local_run.deployment.log_tail()
    assert shop.writes() == before  # not one write call reached the shop
    folder = local_run.deployment.pimflow_home / "staging" / "reports" / DAG_ID
    report = json.loads((folder / report_file_name(dry.run_id)).read_text())
    assert report["dry_run"] is True
    planned = [e for e in report["plan"]["entries"] if e["identifier"] == sku]
    assert [e["action"] for e in planned] == ["update"], report["plan"]
    assert any(c["new"] == renamed for c in planned[0]["changes"]), planned

    client = local_run.deployment.client
    headers = {"Authorization": f"Bearer {client.token()}"}
    page = requests.get(
        f"{client.base_url}/pimflow/runs/{DAG_ID}/{dry.run_id}",
        params={"plan_identifier": sku},
        headers=headers,
        timeout=30,
    )
    assert page.status_code == 200, page.text
    assert "DRY RUN — nothing was written" in page.text
    assert f'data-identifier="{sku}"' in page.text and renamed in page.text
    runs = requests.get(f"{client.base_url}/pimflow/", headers=headers, timeout=30)
    assert 'class="badge dry-run"' in runs.text
