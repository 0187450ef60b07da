"""Issue 6's promise, checked through Shopware's own Admin API (a plain requests client):
the shop holds what Akeneo holds, after every run, with the fewest calls."""

from __future__ import annotations

import hashlib
import sqlite3
from decimal import Decimal
from typing import Any

import requests

from pimflow import config
from pimflow.akeneo.datasets import PRODUCTS
from pimflow.results import OUTCOMES, StageResult
from pimflow.shopware6.config import with_defaults
from pimflow.shopware6.hook import Shopware6Hook
from pimflow.shopware6.mapping import shopware_id
from pimflow.shopware6.writer import Row, SyncWriter
from pimflow.staging import read_rows
from pimflow.state import StateStore
from tests.e2e.sandbox_clients import AkeneoReader, ShopwareReader


def value(item: dict, attribute: str, locale: str | None = None, scope: str = "ecommerce") -> Any:
    for entry in item["values"].get(attribute, []):
        if entry["locale"] in (None, locale) and entry["scope"] in (None, scope):
            return entry["data"]
    return None


class Shop(ShopwareReader):
    def products(self) -> dict[str, dict]:
        criteria = {
            "associations": {
                "translations": {},
                "options": {"associations": {"group": {}}},
                "properties": {},
                "categories": {},
                "media": {"associations": {"media": {}}},
                "crossSellings": {"associations": {"assignedProducts": {}}},
                "manufacturer": {},
            }
        }
        self.headers["sw-inheritance"] = "1"  # a variant's fields as the storefront sees them
        try:
            return {p["productNumber"]: p for p in self.search("product", criteria)}
        finally:
            self.headers.pop("sw-inheritance")

    def sync_calls(self) -> int:
        return self.stats()["calls"].get("POST /api/_action/sync", 0)


def akeneo_state(url: str) -> tuple[AkeneoReader, dict, dict]:
    reader = AkeneoReader(url)
    channel = next(c for c in reader.items("channels") if c["code"] == "ecommerce")
    products = {}
    for item in reader.products(scope="ecommerce", locales=",".join(channel["locales"])):
        item["identifier"] = value(item, "sku")
        products[item["identifier"]] = item
    models = {m["code"]: m for m in reader.items("product-models", pagination_type="search_after")}
    return reader, products, models


def root_of(models: dict, code: str) -> str:
    while models[code]["parent"]:
        code = models[code]["parent"]
    return code


def test_the_shop_holds_what_akeneo_holds_entity_by_entity(akeneo, shop, sync):
    server = akeneo()
    first = sync()
    assert first["errors"] == [], first["errors"][:3]
    reader, source, models = akeneo_state(server.url)
    client = Shop(shop.url)
    languages = {
        lang["id"]: lang["locale"]["code"]
        for lang in client.search("language", {"associations": {"locale": {}}})
    }
    currencies = {c["id"]: c["isoCode"] for c in client.search("currency")}
    written = client.products()

    # Categories: the channel's tree, with its labels.
    tree = {c["code"]: c for c in reader.items("categories")}
    shop_categories = {
        c["id"]: c for c in client.search("category", {"associations": {"translations": {}}})
    }
    for code in {c for p in source.values() for c in p["categories"]}:
        category = shop_categories[shopware_id("category", code)]
        parent = tree[code]["parent"]
        assert category["parentId"] == (shopware_id("category", parent) if parent else None)
        names = {languages[t["languageId"]]: t["name"] for t in category["translations"]}
        assert names.get("de-DE") == tree[code]["labels"].get("de_DE", names.get("de-DE"))

    media_hashes = {m["id"]: m.get("fileHash") for m in client.search("media")}
    for identifier, item in source.items():
        product = written[identifier]
        assert product["active"] is item["enabled"], identifier
        # Names per language (a variant shows its own or its parent's).
        names = {languages[t["languageId"]]: t.get("name") for t in product["translations"]}
        for locale, shop_locale in (("de_DE", "de-DE"), ("fr_FR", "fr-FR")):
            own = names.get(shop_locale)
            if value(item, "name", locale) and own is not None:
                assert own == value(item, "name", locale), (identifier, locale)
        # The price in every currency: Akeneo's amount is gross.
        prices = {
            p["currency"]: Decimal(p["amount"]) for p in value(item, "price") or [] if p["amount"]
        }
        shop_prices = {
            currencies[p["currencyId"]]: Decimal(str(p["gross"])) for p in product["price"] or []
        }
        for currency, amount in prices.items():
            if currency in shop_prices:
                assert shop_prices[currency] == amount, (identifier, currency)
        # Variants: under their root model's parent, with the options of every axis level.
        if item["parent"]:
            root = root_of(models, item["parent"])
            assert product["parentId"] == written[root]["id"]
            option_names = {(o["group"]["name"], o["name"]) for o in product["options"]}
            assert len(option_names) == len(product["options"]) >= 1
        else:
            assert product["parentId"] is None
            # Properties: the select values.
            color = value(item, "color")
            if color:
                assert shopware_id("property_group_option", f"color:{color}") in {
                    p["id"] for p in product["properties"]
                }
        # Categories of the product (a variant may inherit its parent's).
        assert {c["id"] for c in product["categories"]} == {
            shopware_id("category", c) for c in item["categories"]
        } or item["parent"]
        # Images: uploaded by content, the first one the cover.
        image = value(item, "image")
        if image and not item["parent"]:
            body = requests.get(
                f"{server.url}/api/rest/v1/media-files/{image}/download",
                headers=reader.headers,
                timeout=30,
            ).content
            sha = hashlib.sha256(body).hexdigest()
            assert shopware_id("media", sha) in {m["mediaId"] for m in product["media"]}
            assert media_hashes[shopware_id("media", sha)] == sha
            assert product["coverId"] in {m["id"] for m in product["media"]}
        # Cross-sellings: every association whose products are in the shop.
        for kind, links in item["associations"].items():
            targets = {shopware_id("product", uuid) for uuid in links.get("products") or []}
            if not targets:
                continue
            cross = {c["id"]: c for c in product["crossSellings"]}
            assigned = {
                a["productId"]
                for a in cross[shopware_id("product_cross_selling", f"{product['id']}:{kind}")][
                    "assignedProducts"
                ]
            }
            assert targets <= assigned | {product["id"]}

    # Root models are parent products with configurator settings.
    for code, model in models.items():
        if not model["parent"]:
            assert code in written and written[code]["parentId"] is None

    sync_calls = client.sync_calls()
    again = sync()
    assert client.sync_calls() == sync_calls, "a second run must write nothing"
    assert all(c["created"] == c["updated"] == 0 for c in again["counts"].values())


def patch(server, reader, uuid: str, body: dict) -> None:
    response = requests.patch(
        f"{server.url}/api/rest/v1/products-uuid/{uuid}",
        json=body,
        headers=reader.headers,
        timeout=30,
    )
    assert response.status_code == 204, response.text


def test_changes_in_akeneo_propagate_and_only_they_are_written(akeneo, shop, sync):
    server = akeneo()
    sync()
    reader, source, models = akeneo_state(server.url)
    client = Shop(shop.url)
    simple = [
        p
        for p in source.values()
        if not p["parent"] and value(p, "image") and len(p["categories"]) > 1
    ]
    changed, disabled, emptied, uncategorised, imageless, deleted = simple[:6]

    patch(
        server,
        reader,
        changed["uuid"],
        {"values": {"name": [{"locale": "en_US", "scope": None, "data": "Renamed"}]}},
    )
    patch(server, reader, disabled["uuid"], {"enabled": False})
    patch(
        server,
        reader,
        emptied["uuid"],
        {"values": {"name": [{"locale": "de_DE", "scope": None, "data": None}]}},
    )
    patch(server, reader, uncategorised["uuid"], {"categories": uncategorised["categories"][1:]})
    patch(
        server,
        reader,
        imageless["uuid"],
        {"values": {"image": [{"locale": None, "scope": None, "data": None}]}},
    )
    assert (
        requests.delete(
            f"{server.url}/api/rest/v1/products-uuid/{deleted['uuid']}",
            headers=reader.headers,
            timeout=30,
        ).status_code
        == 204
    )

    second = sync()
    products = second["counts"]["product"]
    assert products["updated"] == 5 and products["created"] == 0, products  # only those
    # Deactivated (the default), and counted as such, apart from what was read.
    assert products["deactivated"] == 1 and products["deleted"] == 0, products
    assert products["read"] == sum(products[k] for k in OUTCOMES), products
    after = client.products()
    assert "Renamed" in {t.get("name") for t in after[changed["identifier"]]["translations"]}
    assert after[disabled["identifier"]]["active"] is False
    assert after[deleted["identifier"]]["active"] is False  # deactivated by default
    german = [
        t
        for t in after[emptied["identifier"]]["translations"]
        if t.get("name") == value(emptied, "name", "de_DE")
    ]
    assert german == []
    assert shopware_id("category", uncategorised["categories"][0]) not in {
        c["id"] for c in after[uncategorised["identifier"]]["categories"]
    }
    assert (
        after[imageless["identifier"]]["media"] == []
        and after[imageless["identifier"]]["coverId"] is None
    )

    # With `removed_products: delete`, a product gone from Akeneo is gone from the shop.
    third = sync(mapping=with_defaults({"removed_products": "delete"}))
    assert third["counts"]["product"]["deleted"] == 1
    assert deleted["identifier"] not in client.products()


def test_a_variant_moved_to_another_model_moves_in_the_shop(akeneo, shop, sync):
    server = akeneo()
    sync()
    reader, source, models = akeneo_state(server.url)
    client = Shop(shop.url)
    siblings: dict[str, list[dict]] = {}
    for item in source.values():
        if item["parent"]:
            siblings.setdefault(item["parent"], []).append(item)
    moved = target = None
    for parent, children in siblings.items():
        axis_values = {value(c, "size") for c in children}
        for other, others in siblings.items():
            if (
                other == parent
                or models[other]["family_variant"] != models[parent]["family_variant"]
            ):
                continue
            if models[other]["parent"] == models[parent]["parent"] or not models[other]["parent"]:
                free = [
                    c
                    for c in children
                    if value(c, "size") not in {value(o, "size") for o in others}
                ]
                if free and axis_values:
                    moved, target = free[0], other
                    break
        if moved:
            break
    assert moved, "the demo catalog should have a variant that can move"
    patch(server, reader, moved["uuid"], {"parent": target})
    sync()
    after = client.products()[moved["identifier"]]
    assert after["parentId"] == shopware_id("product", f"model:{root_of(models, target)}")


def test_a_refused_product_is_reported_and_the_rest_of_its_batch_lands(akeneo, shop, sync):
    server = akeneo()
    reader, source, _ = akeneo_state(server.url)
    broken = next(p for p in source.values() if not p["parent"])
    patch(
        server,
        reader,
        broken["uuid"],
        {
            "values": {
                "price": [
                    {"locale": None, "scope": None, "data": [{"amount": "5.00", "currency": "USD"}]}
                ]
            }
        },
    )
    result = sync()
    errors = [e for e in result["errors"] if e["identifier"] == broken["identifier"]]
    assert errors and errors[0]["field"] == "price" and "EUR" in errors[0]["reason"]
    written = Shop(shop.url).products()
    assert broken["identifier"] not in written
    assert len(written) >= len(source) - 1


def test_rows_shopware_refuses_are_isolated_from_their_batch(shop, tmp_path):
    hook = Shopware6Hook()
    client = Shop(shop.url)
    tax = client.search("tax")[0]["id"]
    currency = next(c["id"] for c in client.search("currency") if c["isoCode"] == "EUR")
    rows = []
    for i in range(9):
        payload = {
            "id": shopware_id("product", f"isolation-{i}"),
            "productNumber": f"ISO-{i}",
            "stock": 1,
            "name": f"Isolated {i}",
            "taxId": tax if i != 4 else "0" * 31 + "1",  # an unknown tax: Shopware refuses it
            "price": [{"currencyId": currency, "gross": 10, "net": 8.4, "linked": True}],
        }
        rows.append(Row(payload["id"], f"ISO-{i}", payload))
    outcome = StageResult()
    store = StateStore(tmp_path / "state.sqlite")
    SyncWriter(hook, store, "t", outcome, batch_size=9).upsert("product", rows)
    assert outcome.counts["product"]["created"] == 8
    (error,) = outcome.errors
    assert error["identifier"] == "ISO-4" and "taxId" in error["field"]
    assert outcome.extra["sync_calls"] <= 3  # one refused call, then the rest at once
    assert set(client.products()) == {f"ISO-{i}" for i in range(9) if i != 4}
    store.close()


UPLOAD_TABLES = ("payload_hash", "id_map", "relations", "watermark")


def _upload_state() -> dict[str, list[tuple]]:
    """What the upload keeps in the state store, read from its file (the extraction's media
    manifest, written by the staging these tests do directly, left out)."""
    path = config.state_db_path()
    if not path.exists():
        return {}
    with sqlite3.connect(path) as db:
        return {
            table: sorted(db.execute(f"SELECT * FROM {table}").fetchall())
            for table in UPLOAD_TABLES
        }


def test_a_dry_run_counts_and_writes_nothing(akeneo, shop, sync):
    akeneo()
    client = Shop(shop.url)
    before = _upload_state()
    dry = sync(dry_run=True)
    assert dry["counts"]["product"]["created"] > 0
    assert client.sync_calls() == 0 and client.products() == {}
    assert list(read_rows(dry["staged"].folder, PRODUCTS))
    assert client.writes() == {}
    # Unchanged; on a first run the staging made the file, and the upload left it empty.
    assert _upload_state() == (before or dict.fromkeys(UPLOAD_TABLES, []))
    # What it announced is what the real run then does, call for call.
    real = sync()
    assert real["errors"] == dry["errors"] == []
    assert real["counts"] == dry["counts"]
    assert dry["would_write"]["POST /api/_action/sync"] == real["sync_calls"]
    assert sum(dry["would_write"].values()) == sum(client.writes().values())


def test_a_cross_selling_to_a_product_read_by_a_later_delta_is_completed_then(akeneo, shop, sync):
    """A delta reads a product whose association names one not in the shop yet: it is
    written without it, reported, and completed by the run that brings the other one."""
    import time
    from datetime import UTC, datetime, timedelta

    from pimflow.akeneo.catalog import SourceFilter, Window

    server = akeneo()
    reader, source, _ = akeneo_state(server.url)
    first, second = [p for p in source.values() if not p["parent"]][:2]
    locales = ["en_US", "de_DE", "fr_FR"]

    def since(moment: datetime) -> SourceFilter:
        return SourceFilter("ecommerce", locales, Window(moment, datetime.now(UTC)))

    before = datetime.now(UTC) - timedelta(seconds=1)
    patch(
        server, reader, first["uuid"], {"associations": {"X_SELL": {"products": [second["uuid"]]}}}
    )
    early = sync(full_read=False, source=since(before))
    assert early["counts"]["product"]["created"] == 1  # only the first product was read
    waiting = [e for e in early["errors"] if e["entity"] == "product_cross_selling"]
    assert waiting and waiting[0]["identifier"] == first["identifier"]
    assert second["identifier"] in waiting[0]["reason"] or second["uuid"] in waiting[0]["reason"]
    cross_id = shopware_id(
        "product_cross_selling", f"{shopware_id('product', first['uuid'])}:X_SELL"
    )

    def assigned() -> set[str]:
        product = Shop(shop.url).products()[first["identifier"]]
        cross = {c["id"]: c for c in product["crossSellings"]}
        return {a["productId"] for a in cross.get(cross_id, {}).get("assignedProducts", [])}

    assert shopware_id("product", second["uuid"]) not in assigned()

    time.sleep(2)  # Akeneo's `updated` filter has whole seconds
    later_start = datetime.now(UTC) - timedelta(seconds=1)
    patch(
        server,
        reader,
        second["uuid"],
        {"values": {"name": [{"locale": "en_US", "scope": None, "data": "Now in the shop"}]}},
    )
    later = sync(full_read=False, source=since(later_start))
    assert later["counts"]["product"]["created"] == 1  # only the second product was read
    assert not [e for e in later["errors"] if e["identifier"] == first["identifier"]]
    assert shopware_id("product", second["uuid"]) in assigned()
    # The first product waits no more (the second may, for its own associations, but
    # unchanged): a third run writes no cross-selling.
    third = sync(full_read=False, source=since(datetime.now(UTC)))
    assert third["counts"].get("product_cross_selling", {}).get("updated", 0) == 0
