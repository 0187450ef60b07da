"""Issue 16: a product edited in the shop by hand (a price, a name, a removed image) is put
right by a reconcile with `verify`, though Akeneo did not change it; the report names each
repaired product with the fields that differed. Edited and checked through Shopware's own
Admin API (a plain requests client), the products stage run as the stage runner runs it."""

from __future__ import annotations

from typing import Any

import requests

from tests.e2e.counts import assert_counts_add_up
from tests.e2e.reconcile_stage import run_reconcile_stage
from tests.e2e.sandbox_clients import ShopwareReader


class Shop(ShopwareReader):
    def products(self) -> dict[str, dict[str, Any]]:
        criteria = {"associations": {"media": {}, "translations": {}}}
        return {p["productNumber"]: p for p in self.search("product", criteria)}

    def patch(self, entity: str, id_: str, body: dict[str, Any]) -> None:
        response = requests.patch(
            f"{self.url}/api/{entity}/{id_}", json=body, headers=self.headers, timeout=30
        )
        assert response.status_code < 300, response.text

    def delete(self, entity: str, id_: str) -> None:
        response = requests.delete(
            f"{self.url}/api/{entity}/{id_}", headers=self.headers, timeout=30
        )
        assert response.status_code < 300, response.text


def products_stage(folder: Any, params: dict[str, Any], dry_run: bool = False) -> dict[str, Any]:
    return run_reconcile_stage("shopware6", "products", folder, {}, params, dry_run)


def edit_three(shop: Shop) -> dict[str, set[str]]:
    """A price, a name and an image changed by hand, on three simple products with an
    image and a name; the fields each repair should name."""
    products = shop.products()
    simple = [
        p
        for number, p in sorted(products.items())
        if not p.get("parentId") and p.get("media") and p.get("name") and p.get("price")
    ]
    priced, named, pictured = simple[0], simple[1], simple[2]
    price = [
        {key: entry[key] for key in ("currencyId", "gross", "net", "linked")}
        for entry in priced["price"]
    ]
    price[0].update(gross=1.0, net=0.84)
    shop.patch("product", priced["id"], {"price": price})
    shop.patch("product", named["id"], {"name": "Renamed by hand"})
    shop.delete("product-media", pictured["media"][0]["id"])
    return {
        priced["productNumber"]: {"price"},
        named["productNumber"]: {"name"},
        # The image removed was the cover: the shop has no cover since.
        pictured["productNumber"]: {"media", "coverId"},
    }


def test_a_verifying_reconcile_repairs_exactly_the_products_edited_in_the_shop(akeneo, shop, sync):
    akeneo()
    first = sync()
    assert first["errors"] == [], first["errors"][:3]
    client = Shop(shop.url)
    before = client.products()
    edited = edit_three(client)
    folder = first["staged"].folder

    # Without verify a reconcile trusts the hashes: nothing is sent, the edits stay.
    plain = products_stage(folder, {"verify": False})
    assert plain["counts"]["product"]["updated"] == 0
    assert "repaired" not in plain["counts"]["product"] and "repairs" not in plain

    # A dry run reads back and says what it would repair; the shop keeps the edits.
    dry = products_stage(folder, {"verify": True}, dry_run=True)
    assert {r["identifier"] for r in dry["repairs"]} == set(edited)
    assert client.products()[next(iter(edited))]["price"][0]["gross"] == 1.0
    # Its plan shows each repair as the shop has it → as pimflow writes it.
    changes = {
        e["identifier"]: {c["field"]: c for c in e["changes"]} for e in dry["plan"]["entries"]
    }
    priced, named = list(edited)[:2]
    assert '"gross": 1.0' in changes[priced]["price"]["old"], changes[priced]
    assert any(c["old"] == "Renamed by hand" for c in changes[named].values()), changes[named]

    summary = products_stage(folder, {"verify": True})
    counts = summary["counts"]["product"]
    assert_counts_add_up(summary["counts"], "products")
    assert counts["repaired"] == 3 and counts["updated"] == 3, counts
    assert counts["verified"] == counts["read"], counts
    repairs = {r["identifier"]: set(r["fields"]) for r in summary["repairs"]}
    assert repairs == edited
    # One read-back per batch of 250, not one per product (the parents are written in
    # batches of their own, before the variants and simple products).
    assert summary["verify_calls"] <= -(-counts["read"] // 250) + 1, summary["verify_calls"]

    after = client.products()
    for number in edited:
        ours, now = before[number], after[number]
        assert now["price"][0]["gross"] == ours["price"][0]["gross"]
        assert now["name"] == ours["name"]
        assert {m["mediaId"] for m in now["media"]} == {m["mediaId"] for m in ours["media"]}

    # Repaired: the next verifying reconcile finds nothing to repair.
    again = products_stage(folder, {"verify": True})
    assert again["counts"]["product"]["updated"] == 0 and "repairs" not in again


def test_a_sample_verifies_a_share_of_the_products(akeneo, shop, sync):
    akeneo()
    first = sync()
    folder = first["staged"].folder
    summary = products_stage(folder, {"verify": True, "verify_sample": "10%"})
    counts = summary["counts"]["product"]
    assert 0 < counts["verified"] < counts["read"] / 2, counts
    assert counts["updated"] == 0 and "repairs" not in summary
    # A delta (no reconcile) never verifies, whatever the sample.
    delta = run_reconcile_stage(
        "shopware6", "products", folder, {}, {"verify_sample": "10%"}, reconcile=False
    )
    assert "verified" not in delta["counts"]["product"] and "verify_calls" not in delta


def test_a_link_added_in_the_shop_goes_and_a_product_deleted_there_comes_back(akeneo, shop, sync):
    akeneo()
    first = sync()
    client = Shop(shop.url)
    categories = client.search("category")
    products = client.search("product", {"associations": {"categories": {}}})
    simple = [p for p in products if not p.get("parentId") and p["categories"]]
    product, deleted = simple[0], simple[-1]
    ours = {c["id"] for c in product["categories"]}
    extra = next(c["id"] for c in categories if c["id"] not in ours)
    client.patch("product", product["id"], {"categories": [{"id": extra}]})
    client.delete("product", deleted["id"])

    summary = products_stage(first["staged"].folder, {"verify": True})
    assert sorted((r["identifier"], r["fields"]) for r in summary["repairs"]) == sorted(
        [
            (product["productNumber"], ["categories"]),
            (deleted["productNumber"], ["product (deleted in the shop)"]),
        ]
    )
    assert deleted["productNumber"] in client.products()
    after = client.search(
        "product",
        {
            "filter": [{"type": "equals", "field": "id", "value": product["id"]}],
            "associations": {"categories": {}},
        },
    )
    assert {c["id"] for c in after[0]["categories"]} == ours
