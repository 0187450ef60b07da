"""A stranger's catalog (tests/stranger/catalog.py) synced into Shopware 6 with the default
mapping and no mapping file: the defaults come from the catalog's own structure, so every
product lands with its real name, price and cover, and the variants on a metric and a
boolean axis land under their parents with readable options. Read back through the
shop's Admin API with plain requests; a second run writes nothing."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
import requests

from tests.e2e.counts import assert_counts_add_up, plan_entries
from tests.e2e.sandbox_clients import AkeneoReader, ShopwareReader

pytestmark = pytest.mark.e2e


def _products(shop: ShopwareReader) -> dict[str, dict]:
    criteria = {
        "associations": {
            "translations": {},
            "options": {"associations": {"group": {}, "translations": {}}},
            "media": {"associations": {"media": {}}},
            "configuratorSettings": {},
        }
    }
    return {p["productNumber"]: p for p in shop.search("product", criteria)}


def _image_hash(akeneo: AkeneoReader, code: str) -> str:
    body = requests.get(
        f"{akeneo.url}/api/rest/v1/media-files/{code}/download",
        headers=akeneo.headers,
        timeout=30,
    ).content
    return hashlib.sha256(body).hexdigest()


def test_a_strangers_catalog_lands_whole_with_the_default_mapping(stranger, sync_stranger):
    from pimflow.shopware6.mapping import shopware_id

    _, catalog = stranger
    run, server = sync_stranger("shopware6")
    code, report = run(params={"mode": "full"})
    assert code == 0, report
    assert report["status"] == "success"
    assert report["errors"] == []
    assert_counts_add_up(report["counts"], "first run")
    # The plan names each product by its number, each parent by its model's code.
    planned = {e["identifier"] for e in plan_entries(report) if e["entity"] == "product"}
    assert planned == set(catalog.products) | set(catalog.models)

    shop = ShopwareReader(server.url)
    akeneo = AkeneoReader(catalog.url)
    by_code = {
        lang["locale"]["code"]: lang["id"]
        for lang in shop.search("language", {"associations": {"locale": {}}})
    }
    # Akeneo locale → the shop's language: the same code, else the same language (en-GB)
    languages = {}
    for locale in ("en_US", "de_DE"):
        code = locale.replace("_", "-")
        if code not in by_code:
            code = next(c for c in sorted(by_code) if c.split("-")[0] == code.split("-")[0])
        languages[by_code[code]] = locale
    currencies = {c["id"]: c["isoCode"] for c in shop.search("currency")}
    written = _products(shop)
    assert set(catalog.products) | set(catalog.models) <= set(written)

    def parent_of(product: dict) -> dict:
        return next(p for p in written.values() if p["id"] == product["parentId"])

    def names(product: dict) -> dict[str, str | None]:
        own = {
            languages[t["languageId"]]: t.get("name")
            for t in product["translations"]
            if t["languageId"] in languages
        }
        if product.get("parentId"):  # a variant shows its parent's name where it has none
            inherited = names(parent_of(product))
            own = {locale: own.get(locale) or inherited.get(locale) for locale in inherited}
        return own

    def media(product: dict) -> tuple[list[str], str | None]:
        """The product's image hashes in order, and its cover's (a variant: its parent's)."""
        if not product["media"] and product.get("parentId"):
            product = parent_of(product)
        ordered = sorted(product["media"], key=lambda m: m["position"])
        cover = next((m for m in ordered if m["id"] == product["coverId"]), None)
        return [m["mediaId"] for m in ordered], cover["mediaId"] if cover else None

    items = {item["values"]["sku"][0]["data"]: item for item in akeneo.products()}
    models = {m["code"]: m for m in akeneo.items("product-models")}

    for code_, item in {**catalog.products, **catalog.models}.items():
        product = written[code_]
        # The real name (the family's label attribute, `title`), in every locale.
        shown = names(product)
        for locale, text in item.titles.items():
            assert shown[locale] == text, (code_, locale)
        # The price from `retail_price`, the catalog's one price collection.
        if item.price:
            shown_price = product["price"] or parent_of(product)["price"]  # or inherited
            prices = {currencies[p["currencyId"]]: p["gross"] for p in shown_price}
            for currency, amount in item.price.items():
                assert Decimal(str(prices[currency])) == Decimal(amount), (code_, currency)
        # The cover: the family's `attribute_as_image` (photo_main) first, then `gallery`.
        source = models.get(code_) or items.get(code_)
        files = [
            source["values"][attribute][0]["data"]
            for attribute in ("photo_main", "gallery")
            if attribute in item.images and attribute in source["values"]
        ]
        ordered, cover = media(product)
        expected = [shopware_id("media", _image_hash(akeneo, f)) for f in files]
        assert ordered == expected, code_
        assert cover == (expected[0] if expected else None), code_

    # Variants under their parents, the axis values as options: "46 in", Yes/No (Ja/Nein).
    def options(identifier: str) -> dict[str, str]:
        product = written[identifier]
        result = {}
        for option in product["options"]:
            labels = {
                languages[t["languageId"]]: t["name"]
                for t in option["translations"]
                if t["languageId"] in languages
            }
            result[option["group"]["name"]] = labels
        return result

    for identifier, item in catalog.products.items():
        if not item.parent:
            assert written[identifier]["parentId"] is None
            continue
        assert written[identifier]["parentId"] == written[item.parent]["id"], identifier
    assert options("TV-46")["Screen_Size"] == {"en_US": "46 in", "de_DE": "46 in"}
    assert options("TV-55")["Screen_Size"] == {"en_US": "55 in", "de_DE": "55 in"}
    assert options("HS-WIRELESS")["Wireless"] == {"en_US": "Yes", "de_DE": "Ja"}
    assert options("HS-WIRED")["Wireless"] == {"en_US": "No", "de_DE": "Nein"}
    for model in catalog.models:
        children = [p for p in written.values() if p.get("parentId") == written[model]["id"]]
        assert len(children) == 2
        settings = {s["optionId"] for s in written[model]["configuratorSettings"]}
        assert settings == {o["id"] for child in children for o in child["options"]}

    before = shop.stats()["calls"].get("POST /api/_action/sync", 0)
    code, second = run(params={"mode": "full"})
    assert code == 0, second
    assert shop.stats()["calls"].get("POST /api/_action/sync", 0) == before
    assert second["counts"]["product"]["created"] == second["counts"]["product"]["updated"] == 0
    assert second["errors"] == []
    assert_counts_add_up(second["counts"], "second run")
    assert second["counts"]["product"]["unchanged"] == len(planned)
