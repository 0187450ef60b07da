"""The foundation's promise: one DAG run brings Akeneo's simple products into Shopware,
checked through Shopware's own Admin API, and a second run writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.e2e.airflow_db import run_record
from tests.e2e.counts import assert_counts_add_up, plan_entries
from tests.e2e.sandbox_clients import AkeneoReader, ShopwareReader

pytestmark = pytest.mark.e2e


def _value(product: dict, attribute: str, locale: str | None, channel: str = "ecommerce"):
    for entry in product["values"].get(attribute, []):
        if entry["locale"] in (None, locale) and entry["scope"] in (None, channel):
            return entry["data"]
    return None


def test_first_run_creates_every_simple_product_and_a_second_run_writes_nothing(sandboxes, run_dag):
    akeneo = AkeneoReader(sandboxes["akeneo"].url)
    shop = ShopwareReader(sandboxes["shopware6"].url)

    code, report = run_dag()  # mode delta by default: nothing synced yet, so everything
    assert code == 0, report
    assert report["status"] == "success"

    channel = akeneo.items("channels")
    ecommerce = next(c for c in channel if c["code"] == "ecommerce")
    source = akeneo.products(scope="ecommerce", locales=",".join(ecommerce["locales"]))
    # products-uuid items carry the identifier as the identifier attribute's value.
    (id_attribute,) = [
        a["code"] for a in akeneo.items("attributes") if a["type"] == "pim_catalog_identifier"
    ]
    for item in source:
        item["identifier"] = _value(item, id_attribute, None)
    simple = [p for p in source if not p.get("parent")]
    enabled = [p for p in simple if p["enabled"]]
    assert enabled, "the demo catalog should have enabled simple products"

    currencies = {c["id"]: c["isoCode"] for c in shop.search("currency")}
    languages = {
        lang["id"]: lang["locale"]["code"]
        for lang in shop.search("language", {"associations": {"locale": {}}})
    }
    products = {
        p["productNumber"]: p
        for p in shop.search("product", {"associations": {"translations": {}}})
    }

    counts = report["counts"]["product"]
    assert report["read"]["products"] == len(source)
    failed = {e["identifier"] for e in report["errors"]}
    for item in enabled:
        identifier = item["identifier"]
        if identifier in failed:
            continue
        assert identifier in products, f"{identifier} did not arrive in the shop"
        written = products[identifier]
        assert written["active"] is True
        # Names per language, by the language's locale code.
        names = {languages[t["languageId"]]: t.get("name") for t in written["translations"]}
        for akeneo_locale, shop_locale in (("de_DE", "de-DE"), ("fr_FR", "fr-FR")):
            expected = _value(item, "name", akeneo_locale)
            if expected is not None:
                assert names.get(shop_locale) == expected, (identifier, akeneo_locale)
        # Prices per currency: Akeneo's amount is the gross price.
        akeneo_prices = {
            p["currency"]: Decimal(p["amount"])
            for p in (_value(item, "price", None) or [])
            if p.get("amount") is not None
        }
        shop_prices = {currencies[p["currencyId"]]: p for p in written["price"]}
        for currency, amount in akeneo_prices.items():
            if currency in currencies.values():
                assert Decimal(str(shop_prices[currency]["gross"])) == amount, (
                    identifier,
                    currency,
                )
                assert shop_prices[currency]["net"] < shop_prices[currency]["gross"]
    for item in simple:
        if not item["enabled"] and item["identifier"] in products:
            assert products[item["identifier"]]["active"] is False
    # Every failure is a product Akeneo gives no price in the default currency.
    for error in report["errors"]:
        assert error["field"] == "price", error
    # Every product, and each root product model as a parent product, arrived.
    roots = [
        m for m in akeneo.items("product-models", pagination_type="search_after") if not m["parent"]
    ]
    assert counts["created"] + counts["failed"] == len(source) + len(roots)
    # Each product read (refused ones too) ends in one outcome, for every entity.
    assert counts["read"] == len(source) + len(roots)
    assert_counts_add_up(report["counts"], "first run")
    # The plan's sample names products by their number (a model by its code).
    numbers = {p["identifier"] for p in source} | {m["code"] for m in roots}
    planned = [e for e in plan_entries(report) if e["entity"] == "product"]
    assert planned and {e["identifier"] for e in planned} <= numbers - failed
    variants = [p for p in source if p.get("parent") and p["enabled"]]
    assert variants and all(v["identifier"] in products for v in variants)

    before = shop.stats()["calls"].get("POST /api/_action/sync", 0)
    code, second = run_dag(params={"mode": "full"})  # every product read again
    assert code == 0
    after = shop.stats()["calls"].get("POST /api/_action/sync", 0)
    assert after == before, "the second run sent sync calls"
    assert second["counts"]["product"]["created"] == 0
    assert second["counts"]["product"]["updated"] == 0
    assert second["counts"]["product"]["unchanged"] == counts["created"]
    assert second["read"]["products"] == len(source)
    assert_counts_add_up(second["counts"], "second run")
    assert second["counts"]["product"]["read"] == len(source) + len(roots)
    assert plan_entries(second) == []  # nothing written, nothing planned
    # A run that wrote nothing updates no Asset (a downstream DAG would run for nothing).
    record = run_record(run_dag.env, second["dag_id"], second["run_id"])
    assert record.states["shop_updated"] == "skipped" and record.asset_events == []
    first = run_record(run_dag.env, report["dag_id"], report["run_id"])
    assert len(first.asset_events) == 1 and first.states["shop_updated"] == "success"
