"""A dry run of akeneo_to_shopware6 through the airflow CLI, every task its own process:
nothing reaches the shop (its `/_sandbox/stats`) or the state store (its SQLite file, byte
for byte), and what it counts is what the real run after it then does."""

from __future__ import annotations

import json

import pytest
import requests

from pimflow.plan import REAL_RUN_PLAN
from pimflow.report import summary_text
from pimflow.run import SANDBOX_CONNECTIONS
from pimflow.state import StateStore
from pimflow.ui.reports import report_file_name
from tests.e2e.airflow_db import run_record
from tests.e2e.counts import assert_counts_add_up, plan_entries, writes
from tests.e2e.sandbox_clients import AkeneoReader, ShopwareReader
from tests.e2e.state_file import fingerprint, rows

pytestmark = pytest.mark.e2e


def test_a_dry_run_writes_nothing_anywhere_and_counts_what_the_real_run_then_does(
    sandboxes, run_dag
):
    shop = ShopwareReader(sandboxes["shopware6"].url)
    state_file = run_dag.home / "state.sqlite"
    StateStore(state_file).close()  # an empty store, so the dry run has one to keep as is
    before = fingerprint(state_file)

    code, dry = run_dag(params={"dry_run": True})
    assert code == 0 and dry["status"] == "success", dry
    assert shop.writes() == {}
    assert fingerprint(state_file) == before  # the extraction's media manifest included
    assert dry["counts"]["product"]["created"] > 0
    assert_counts_add_up(dry["counts"], "dry run")
    # The plan: every product it would create, by the number a person knows it by, fields
    # and all (nothing written before: every field new).
    akeneo = AkeneoReader(sandboxes["akeneo"].url)
    numbers = {p["values"]["sku"][0]["data"]: p for p in akeneo.products()}
    models = {m["code"] for m in akeneo.items("product-models", pagination_type="search_after")}
    planned = {e["identifier"]: e for e in plan_entries(dry) if e["entity"] == "product"}
    assert len(planned) == dry["counts"]["product"]["created"]
    assert set(planned) <= set(numbers) | models
    assert all(e["action"] == "create" and e["changes"] for e in planned.values())
    assert all(c["old"] is None for e in planned.values() for c in e["changes"])
    would_write: dict[str, int] = {}
    for name, stage in dry["stages"].items():
        if name.startswith("shopware6."):
            assert stage["dry_run"] is True, name
            for route, n in stage["would_write"].items():
                would_write[route] = would_write.get(route, 0) + n
    # Labelled a dry run everywhere: the report, its summary, its page, the run's note ...
    assert dry["dry_run"] is True
    assert dry["would_write"] == would_write
    assert summary_text(dry).splitlines()[0] == "DRY RUN — nothing was written"
    assert "would create" in summary_text(dry)
    html_name = report_file_name(dry["run_id"]).removesuffix(".json") + ".html"
    (page,) = run_dag.home.rglob(f"reports/*/{html_name}")
    assert "DRY RUN — nothing was written" in page.read_text()
    assert dry["plan"]["complete"] is True  # a dry run keeps the whole plan
    assert dry["plan"]["total"] == len(dry["plan"]["entries"])
    record = run_record(run_dag.env, dry["dag_id"], dry["run_id"])
    assert record.note.startswith("DRY RUN — nothing was written · success"), record.note
    # ... and no Asset event: downstream DAGs do not run for it.
    assert record.states["shop_updated"] == "skipped" and record.asset_events == []
    # The snapshots that carry the dry run from task to task hold no credential.
    secret = SANDBOX_CONNECTIONS["shopware6"]("http://x")["password"]
    snapshots = list(run_dag.home.rglob("dry_run/*.json"))
    assert snapshots and all(secret not in path.read_text() for path in snapshots)

    code, real = run_dag()
    assert code == 0 and real["status"] == "success", real
    assert real["counts"] == dry["counts"]
    assert real["errors"] == dry["errors"]
    sent = shop.writes()
    assert sum(sent.values()) == sum(would_write.values()) > 0
    assert sent.get("POST /api/_action/sync") == would_write["POST /api/_action/sync"]
    assert rows(state_file) > 0
    assert_counts_add_up(real["counts"], "real run")
    # A real run reports a sample of its plan (per stage), and how many entries the whole
    # holds: one per item written.
    stages = [n for n in real["stages"] if n.startswith("shopware6.")]
    for name in stages:
        stage = real["stages"][name]
        if stage.get("plan"):
            assert stage["plan"]["total"] == writes(stage["counts"]), name
    assert 0 < len(plan_entries(real)) <= REAL_RUN_PLAN * len(stages)
    assert real["plan"]["total"] == writes(real["counts"])
    assert real["dry_run"] is False and real["would_write"] is None
    assert "DRY RUN" not in summary_text(real)
    record = run_record(run_dag.env, real["dag_id"], real["run_id"])
    assert record.note == "success" and record.states["shop_updated"] == "success"
    (event,) = record.asset_events  # the run that wrote is the one downstream DAGs see
    assert event["counts"] == real["counts"] and event["refused"] == 0

    # A product renamed in Akeneo: the next dry run says it would update that one, and which
    # field changes, old → new, from the payload the real run kept.
    sku, edited = next(
        (number, p)
        for number, p in sorted(numbers.items())
        if number in planned and not p["parent"] and p["enabled"]
    )
    renamed = "Renamed for the plan"
    response = requests.patch(
        f"{akeneo.url}/api/rest/v1/products-uuid/{edited['uuid']}",
        json={"values": {"name": [{"locale": "en_US", "scope": None, "data": renamed}]}},
        headers=akeneo.headers,
        timeout=30,
    )
    assert response.status_code == 204, response.text

    # Again, now on a shop and a store with everything in them: nothing is written, and
    # only the renamed product would change.
    before = fingerprint(state_file)
    code, again = run_dag(params={"dry_run": True, "mode": "full"})
    assert code == 0 and again["status"] == "success", again
    assert shop.writes() == sent
    assert fingerprint(state_file) == before
    assert_counts_add_up(again["counts"], "dry run again")
    for entity, counts in again["counts"].items():
        changed = 1 if entity == "product" else 0
        assert counts["created"] == 0 and counts["updated"] == changed, (entity, json.dumps(counts))
    (entry,) = plan_entries(again)
    assert (entry["entity"], entry["identifier"], entry["action"]) == ("product", sku, "update")
    (change,) = [c for c in entry["changes"] if c["new"] == renamed]
    assert change["field"].startswith("translations.") and change["field"].endswith(".name")
    assert change["old"] not in (None, renamed)
