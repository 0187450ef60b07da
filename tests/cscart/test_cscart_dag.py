"""One run of the DAG akeneo_to_cscart through the airflow CLI brings the demo catalog into
the CS-Cart sandbox: checked item by item through both sandboxes' own APIs. A dry run before
it writes nothing (the shop's stats, the state store's file byte for byte) and counts what
the real run then does. Then the upload stages run again on that run's staged data and
state store: they write nothing."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from airflow.sdk import ObjectStoragePath

from pimflow.cscart.bench import upload_catalog
from pimflow.plan import REAL_RUN_PLAN
from pimflow.state import StateStore
from tests.cscart.expectations import (
    FEATURES,
    AkeneoCatalog,
    check_counts,
    check_shop,
    report_stages,
)
from tests.cscart.shop_reader import API_KEY, ShopReader
from tests.e2e.state_file import fingerprint, rows

pytestmark = pytest.mark.e2e


def test_a_dag_run_syncs_the_catalog_and_a_second_pass_writes_nothing(
    cscart_sandboxes, run_cscart_dag, cscart_home, pimflow_env
):
    shop = ShopReader(cscart_sandboxes["cscart"].url)
    state_file = cscart_home / "state.sqlite"
    StateStore(state_file).close()  # an empty store, so the dry run has one to keep as is
    before = fingerprint(state_file)
    # A dry run first: what would be written, counted; nothing written, nowhere.
    code, dry = run_cscart_dag({"dry_run": True})
    assert code == 0 and dry["status"] == "success", dry and dry.get("failed_stages")
    assert shop.writes() == {}
    assert fingerprint(state_file) == before  # the extraction's media manifest included
    would_write: Counter[str] = Counter()
    for name, stage in dry["stages"].items():
        if name.startswith("cscart."):
            assert stage["dry_run"] is True, name
            would_write.update(stage["would_write"])
    check_counts(report_stages(dry))
    snapshots = list(cscart_home.rglob("dry_run/*.json"))
    assert snapshots and all(API_KEY not in path.read_text() for path in snapshots)
    shop.reset_stats()

    code, report = run_cscart_dag()
    assert code == 0, report and report.get("failed_stages")
    assert report["status"] == "success"
    assert report["calls"]["target"] == shop.stats()["total"]  # every call is accounted for
    assert report["errors"] == []
    stages = report_stages(report)
    check_counts(stages)
    products = stages["cscart.products"]
    # A real run's report keeps a sample of each stage's plan, and the count of all of it.
    assert len(products["plan"]["entries"]) == min(REAL_RUN_PLAN, products["plan"]["total"])
    assert products["plan"]["total"] == sum(
        c["created"] + c["updated"] for e, c in products["counts"].items() if e != "image"
    )

    catalog = AkeneoCatalog(cscart_sandboxes["akeneo"].url)
    figures = check_shop(catalog, shop)

    counts = report["counts"]
    assert figures["products"] == len(catalog.products)
    assert counts["product"]["read"] == len(catalog.products) == report["read"]["products"]
    assert counts["product"]["created"] == len(catalog.products)
    assert counts["feature"]["created"] == len(FEATURES)
    in_tree = [c for c in catalog.categories if c != catalog.tree and catalog.in_tree(c)]
    # Every product is in the tree: no fallback category was needed, so none was made.
    assert counts["category"]["created"] == len(in_tree)
    assert counts["variation_group"]["created"] == figures["groups"] > 0
    with_images = sum(1 for item in catalog.products if catalog.images(item))
    assert counts["image"]["created"] == with_images > 0
    for entity in ("product", "category", "feature", "variation_group", "image"):
        assert dry["counts"][entity]["created"] == counts[entity]["created"], entity
    # Every count, and call for call what the dry run said the real run would send.
    assert dry["counts"] == counts
    assert shop.writes() == dict(would_write)
    assert rows(state_file) > 0

    # Secrets stay out of the report and the log.
    assert API_KEY not in json.dumps(report)
    assert API_KEY not in (cscart_home / "airflow.log").read_text()

    # The same staged data and state again: nothing to write.
    pimflow_env(cscart_home, cscart_sandboxes)
    structure = report["stages"]["akeneo.structure"]
    shop.reset_stats()
    results = upload_catalog(ObjectStoragePath(structure["folder"]), structure)
    assert shop.writes() == {}
    for stage, summary in results.items():
        assert summary["errors"] == [], stage
        for entity, entity_counts in summary["counts"].items():
            assert entity_counts["created"] == entity_counts["updated"] == 0, (stage, entity)
    assert results["products"]["counts"]["product"]["unchanged"] == len(catalog.products)
