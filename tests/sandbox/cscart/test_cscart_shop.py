"""The shop as a whole: languages, vendors, start options, snapshots and outside clients."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from cscart_support import API_KEY, EMAIL, Client, ImageHost, Shop, make_image

from pimflow_sandbox import cli
from pimflow_sandbox.cscart import create_app
from pimflow_sandbox.server import SandboxServer


def test_a_fresh_shop_has_the_marketplace_owner_two_vendors_and_no_catalog(shop: Shop) -> None:
    vendors = shop.api.get("/vendors").json()["vendors"]
    assert sorted((v["company_id"], v["status"]) for v in vendors) == [
        ("1", "A"),
        ("2", "A"),
        ("3", "A"),
    ]
    assert shop.api.get("/vendors/1").json()["company"] == "Simtech"
    assert shop.api.get("/vendors/9").status_code == 404
    for entity in ("products", "categories", "features"):
        assert shop.api.get(f"/{entity}").json()["params"]["total_items"] == "0"
    assert list(shop.api.get("/languages").json()["languages"]) == ["en", "de", "fr"]


def test_vendors_are_created_updated_and_deleted_with_their_products(shop: Shop) -> None:
    vendor = {
        "company": "Boot Barn",
        "storefront": "boots",
        "email": "boots@example.com",
        "phone": "555",
        "address": "Main St 1",
        "city": "Boston",
        "country": "US",
        "state": "MA",
        "zipcode": "02125",
    }
    assert shop.api.post("/vendors", json={**vendor, "phone": ""}).status_code == 400
    created = shop.api.post("/vendors", json=vendor)
    assert created.status_code == 201
    vendor_id = created.json()["store_id"]
    assert shop.api.post("/vendors", json=vendor).status_code == 400  # storefront is taken
    assert (
        shop.api.put(
            f"/vendors/{vendor_id}", json={"company": "Boot Barn Ltd", "status": "D"}
        ).status_code
        == 200
    )
    assert shop.api.get(f"/vendors/{vendor_id}").json()["company"] == "Boot Barn Ltd"
    assert shop.api.get("/vendors", params={"status": "D"}).json()["vendors"][0][
        "company_id"
    ] == str(vendor_id)
    product_id = shop.product(company_id=vendor_id)

    assert shop.api.delete(f"/vendors/{vendor_id}").status_code == 204

    assert shop.api.get(f"/products/{product_id}").status_code == 404
    assert shop.api.delete("/vendors/1").status_code == 400
    assert shop.api.put("/vendors/99", json={"company": "x"}).status_code == 404


def test_languages_are_installed_with_copied_texts_and_removed(shop: Shop) -> None:
    product_id = shop.product("Boot")
    shop.api.put(f"/products/{product_id}", json={"lang_code": "de", "product": "Stiefel"})

    created = shop.api.post(
        "/languages", json={"lang_code": "nl", "name": "Nederlands", "from_lang_code": "de"}
    )
    assert created.status_code == 201
    lang_id = created.json()["lang_id"]
    assert (
        shop.api.get(f"/products/{product_id}", params={"lang_code": "nl"}).json()["product"]
        == "Stiefel"
    )
    assert shop.api.post("/languages", json={"lang_code": "nl", "name": "Again"}).status_code == 400
    assert shop.api.post("/languages", json={"lang_code": "dutch", "name": "x"}).status_code == 400
    no_code = shop.api.put(f"/languages/{lang_id}", json={"name": "Dutch"})
    assert no_code.status_code == 400  # a language update needs its lang_code
    assert (
        shop.api.put(f"/languages/{lang_id}", json={"lang_code": "nl", "status": "H"}).status_code
        == 200
    )
    assert shop.api.get(f"/languages/{lang_id}").json()["status"] == "H"

    assert shop.api.delete(f"/languages/{lang_id}").status_code == 204
    assert shop.api.get(f"/languages/{lang_id}").status_code == 404
    assert (
        shop.api.get(f"/products/{product_id}", params={"lang_code": "nl"}).json()["product"]
        == "Boot"
    )
    assert shop.api.delete("/languages/1").status_code == 400  # the default language stays


def test_start_options_and_the_cli_entry_point(tmp_path: Path) -> None:
    app = cli.create_app(
        "cscart", options={"languages": "en,ru", "hourly_limit": "7", "api_key": "k2"}
    )
    assert list(app.store.languages) == ["en", "ru"]
    assert app.hourly_limit == 7
    with pytest.raises(ValueError, match="unknown cscart option"):
        create_app(options={"colour": "red"})
    with pytest.raises(ValueError, match="image_errors"):
        create_app(options={"image_errors": "sometimes"})
    with SandboxServer(app, port=0) as server:
        assert (
            requests.get(server.url + "/api/version", auth=(EMAIL, "k2"), timeout=5).status_code
            == 200
        )
        assert (
            requests.get(server.url + "/api/version", auth=(EMAIL, API_KEY), timeout=5).status_code
            == 401
        )


def test_a_snapshot_keeps_the_shop_across_restarts(tmp_path: Path, image_host: ImageHost) -> None:
    snapshot = tmp_path / "shop.json"
    picture = make_image(30, 20)
    url = image_host.add("/snap/p.png", picture)
    first = create_app(snapshot=str(snapshot))
    with SandboxServer(first, port=0) as server:
        api = Client(server.url + "/api")
        category = api.post("/categories", json={"category": "Kept"}).json()["category_id"]
        color = api.post(
            "/features",
            json={
                "description": "Color",
                "feature_type": "S",
                "purpose": "group_catalog_item",
                "variants": [{"variant": "Red"}, {"variant": "Blue"}],
            },
        ).json()["feature_id"]
        variants = {
            v["variant"]: v["variant_id"]
            for v in api.get(f"/features/{color}").json()["variants"].values()
        }
        ids = [
            api.post(
                "/products",
                json={
                    "product": name,
                    "price": "9.99",
                    "category_ids": category,
                    "product_code": f"K-{name}",
                    "product_features": {str(color): variants[name]},
                    "main_pair": {"detailed": {"image_path": url}},
                },
            ).json()["product_id"]
            for name in ("Red", "Blue")
        ]
        grouped = api.post("/product_variations_groups", json={"product_ids": ids, "code": "KEPT"})
        assert grouped.status_code == 201, grouped.text
        api.put(f"/products/{ids[0]}", json={"lang_code": "de", "product": "Rot"})
        before = api.get(f"/products/{ids[0]}", params={"lang_code": "de"}).json()
    first.close()
    assert json.loads(snapshot.read_text())["version"] == 1

    second = create_app(snapshot=str(snapshot))
    with SandboxServer(second, port=0) as server:
        api = Client(server.url + "/api")
        after = api.get(f"/products/{ids[0]}", params={"lang_code": "de"}).json()
        image = requests.get(after["main_pair"]["detailed"]["image_path"], timeout=5)
        found = api.get("/products", params={"pcode": "K-Blue"}).json()["products"]
        new_id = api.post(
            "/products", json={"product": "New", "price": 1, "category_ids": category}
        ).json()["product_id"]
        group = api.get("/product_variations_groups/KEPT").json()
    for volatile in ("main_pair",):  # the image URLs carry the new port
        before.pop(volatile), after.pop(volatile)
    assert after == before
    assert image.content == picture
    assert [p["product"] for p in found] == ["Blue"]
    assert new_id == max(ids) + 1
    assert [p["product_id"] for p in group["products"]] == ids


def test_a_third_party_cscart_client_reads_the_shop(shop: Shop) -> None:
    """`cscart-api-client` from PyPI (pinned in requirements-dev.txt), as any integration."""
    cscart = pytest.importorskip("cscart", reason="cscart-api-client is not installed")
    category = shop.category("Outdoor")
    shop.product("Tent", category_ids=str(category), product_code="TENT-1")
    client = cscart.Client(shop.url + "/api/", EMAIL, API_KEY)

    products = client.get_products(params={"pcode": "TENT-1"}).json()
    in_category = client.get_products(category_id=category).json()
    categories = client.get_categories(params={"items_per_page": 5}).json()
    stores = client.get_stores().json()

    assert [p["product"] for p in products["products"]] == ["Tent"]
    assert in_category["params"]["total_items"] == "1"
    assert categories["categories"][0]["category"] == "Outdoor"
    assert len(stores["stores"]) == 3
    assert cscart.Client(shop.url + "/api/", EMAIL, "wrong").get_products().status_code == 401
