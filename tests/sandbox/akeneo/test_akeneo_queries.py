"""Pagination, filters and the value parameters of the read endpoints."""

from __future__ import annotations

import json
from urllib.parse import quote

from .conftest import Client, items


def search(filters: dict) -> str:
    return quote(json.dumps(filters))


def test_search_after_walks_every_product_once(demo: Client) -> None:
    seen: list[str] = []
    url = "/api/rest/v1/products-uuid?pagination_type=search_after&limit=37"
    while url:
        page = demo.get(url).json()
        seen += [item["uuid"] for item in page["_embedded"]["items"]]
        url = page["_links"].get("next", {}).get("href")
        assert page["_links"]["first"]["href"].endswith(
            "products-uuid?pagination_type=search_after&limit=37"
        )
    assert len(seen) == len(set(seen)) == len(demo.app.catalog.products)
    assert seen == sorted(seen)


def test_page_pagination_counts_and_caps(demo: Client) -> None:
    first = demo.get("/api/rest/v1/products?limit=100&with_count=true").json()
    assert first["items_count"] == 200 and first["current_page"] == 1
    assert "previous" not in first["_links"]
    second = demo.get(first["_links"]["next"]["href"]).json()
    assert second["_links"]["previous"]["href"].endswith(
        "page=1&with_count=true&pagination_type=page&limit=100"
    )
    assert "next" in second["_links"]  # a full last page still links a next, empty page
    assert demo.get(second["_links"]["next"]["href"]).json()["_embedded"]["items"] == []
    capped = demo.get("/api/rest/v1/products-uuid?page=101&limit=100").json()
    assert capped["code"] == 422 and capped["_links"]["documentation"]["href"].endswith(
        "#the-search-after-method"
    )
    assert (
        demo.get("/api/rest/v1/products?limit=0").json()["message"]
        == '"0" is not a valid limit number.'
    )
    assert (
        demo.get("/api/rest/v1/families?pagination_type=search_after").json()["message"]
        == "Pagination type is not supported."
    )


def test_product_filters(demo: Client) -> None:
    catalog = demo.app.catalog
    products = list(catalog.products.values())

    def uuids(filters: dict, extra: str = "") -> set[str]:
        found: set[str] = set()
        url = f"/api/rest/v1/products-uuid?pagination_type=search_after&limit=100&search={search(filters)}{extra}"
        while url:
            page = demo.get(url).json()
            assert "_embedded" in page, page
            found |= {item["uuid"] for item in page["_embedded"]["items"]}
            url = page["_links"].get("next", {}).get("href")
        return found

    assert uuids({"enabled": [{"operator": "=", "value": False}]}) == {
        p.uuid for p in products if not p.enabled
    }
    assert uuids({"family": [{"operator": "IN", "value": ["shoes"]}]}) == {
        p.uuid for p in products if p.family == "shoes"
    }
    assert uuids({"parent": [{"operator": "EMPTY"}]}) == {
        p.uuid for p in products if p.parent is None
    }
    root = next(
        m
        for m in catalog.product_models.values()
        if m.family_variant == "clothing_color_size" and m.parent is None
    )
    assert uuids({"parent": [{"operator": "=", "value": root.code}]}) == {
        p.uuid for p in catalog.descendant_products(root.code)
    }
    assert uuids({"updated": [{"operator": ">", "value": "2025-02-01 00:00:00"}]}) >= {
        p.uuid for p in products if p.updated > "2025-02-01T00:00:00+00:00"
    }
    assert uuids(
        {
            "updated": [
                {"operator": "BETWEEN", "value": ["2024-01-01 00:00:00", "2024-03-01 00:00:00"]}
            ]
        }
    ) <= {p.uuid for p in products}
    assert uuids({"updated": [{"operator": "SINCE LAST N DAYS", "value": 1}]}) == set()
    some = [p.uuid for p in products[:5]]
    assert uuids({"uuid": [{"operator": "IN", "value": some}]}) == set(some)
    shoes = uuids({"categories": [{"operator": "IN CHILDREN", "value": ["shoes"]}]})
    assert shoes and shoes == uuids(
        {
            "categories": [
                {
                    "operator": "IN",
                    "value": catalog.descendants("shoes") and sorted(catalog.descendants("shoes")),
                }
            ]
        }
    )
    assert not shoes & uuids(
        {"categories": [{"operator": "NOT IN", "value": sorted(catalog.descendants("shoes"))}]}
    )
    red = uuids({"color": [{"operator": "IN", "value": ["red"]}]})
    assert red and all(
        catalog.merged_values(catalog.products[u])[("color", None, None)] == "red" for u in red
    )
    named = uuids({"name": [{"operator": "CONTAINS", "value": "Classic", "locale": "en_US"}]})
    assert named and all(
        "classic" in catalog.merged_values(catalog.products[u])[("name", "en_US", None)].lower()
        for u in named
    )
    complete = uuids({"completeness": [{"operator": "=", "value": 100, "scope": "ecommerce"}]})
    assert complete and complete < {p.uuid for p in products}
    cheap = uuids({"price": [{"operator": "<", "value": {"amount": 20, "currency": "EUR"}}]})
    assert cheap and all(
        float(
            next(
                x["amount"]
                for x in catalog.merged_values(catalog.products[u])[("price", None, None)]
                if x["currency"] == "EUR"
            )
        )
        < 20
        for u in cheap
    )


def test_search_errors(demo: Client) -> None:
    assert demo.get('/api/rest/v1/products?search={"enabled":[').json() == {
        "code": 400,
        "message": "Search query parameter should be valid JSON.",
    }
    bad_operator = demo.get(
        f"/api/rest/v1/products?search={search({'enabled': [{'operator': '~', 'value': True}]})}"
    )
    assert bad_operator.json() == {
        "code": 422,
        "message": 'Filter on property "enabled" is not supported or does not support operator "~"',
    }
    assert (
        demo.get(
            f"/api/rest/v1/products?search={search({'name': [{'operator': 'CONTAINS', 'value': 'x'}]})}"
        ).json()["message"]
        == 'Attribute "name" expects a locale, none given.'
    )
    assert (
        demo.get("/api/rest/v1/products?scope=web").json()["message"]
        == 'Scope "web" does not exist.'
    )
    assert (
        demo.get("/api/rest/v1/products?locales=fr_FR&scope=print").json()["message"]
        == 'Locale "fr_FR" is not activated for the scope "print".'
    )
    assert (
        demo.get(
            f"/api/rest/v1/product-models?search={search({'enabled': [{'operator': '=', 'value': True}]})}"
        ).status_code
        == 422
    )


def test_locales_scope_attributes_and_linked_data(demo: Client) -> None:
    product = items(
        demo.get(
            "/api/rest/v1/products?limit=1&scope=print&attributes=name,description,color&with_attribute_options=true"
        )
    )[0]
    assert set(product["values"]) <= {"name", "description", "color"}
    assert {v["locale"] for v in product["values"]["name"]} <= {"en_US", "de_DE"}
    assert {v["scope"] for v in product["values"].get("description", [])} <= {"print"}
    color = product["values"]["color"][0]
    assert (
        color["linked_data"]["attribute"] == "color"
        and color["linked_data"]["code"] == color["data"]
    )
    assert "sku" not in items(demo.get("/api/rest/v1/products?limit=1"))[0]["values"]
    assert "sku" in items(demo.get("/api/rest/v1/products-uuid?limit=1"))[0]["values"]
    unclassified = [
        p for p in demo.app.catalog.products.values() if not demo.app.catalog.merged_categories(p)
    ]
    scoped = set()
    url = "/api/rest/v1/products-uuid?pagination_type=search_after&limit=100&scope=ecommerce"
    while url:
        page = demo.get(url).json()
        scoped |= {i["uuid"] for i in page["_embedded"]["items"]}
        url = page["_links"].get("next", {}).get("href")
    assert scoped == {p.uuid for p in demo.app.catalog.products.values()} - {
        p.uuid for p in unclassified
    }


def test_created_ranges_cut_products_and_models_exactly_and_are_counted(demo: Client) -> None:
    """How pimflow cuts a big family: `created < X` and `created BETWEEN [X, 9999-…]`,
    two criteria on one property for a middle range; with_count counts each range."""
    catalog = demo.app.catalog
    latest = "9999-12-31 23:59:59"
    for path, every in (
        ("products-uuid", {p.uuid: p.created for p in catalog.products.values()}),
        ("product-models", {m.code: m.created for m in catalog.product_models.values()}),
    ):
        key = "uuid" if path == "products-uuid" else "code"
        moments = sorted(every.values())
        # Cut at stored creation moments: an item created at X is after, never before.
        cuts = [moments[len(moments) // 3], moments[2 * len(moments) // 3]]
        x, y = (c[:19].replace("T", " ") for c in cuts)
        ranges = [
            [{"operator": "<", "value": x}],
            [{"operator": "BETWEEN", "value": [x, latest]}, {"operator": "<", "value": y}],
            [{"operator": "BETWEEN", "value": [y, latest]}],
        ]
        seen: list[str] = []
        for criteria in ranges:
            query = f"search={search({'created': criteria})}"
            found = [
                item[key]
                for page in _pages(
                    demo, f"/api/rest/v1/{path}?pagination_type=search_after&{query}"
                )
                for item in page
            ]
            counted = demo.get(f"/api/rest/v1/{path}?limit=1&with_count=true&{query}").json()
            assert counted["items_count"] == len(found) > 0
            seen += found
        assert sorted(seen) == sorted(every)  # no item lost, none in two ranges
        assert all(every[code] >= cuts[1] for code in found)

    bad = demo.get(
        f"/api/rest/v1/products-uuid?search={search({'created': [{'operator': '<', 'value': 'soon'}]})}"
    ).json()
    assert bad == {
        "code": 422,
        "message": 'Property "created" expects a string with the format "yyyy-mm-dd H:i:s" as '
        'data, "soon" given.',
    }
    one_date = search({"created": [{"operator": "BETWEEN", "value": "2024-01-01 00:00:00"}]})
    assert demo.get(f"/api/rest/v1/product-models?search={one_date}").status_code == 422


def _pages(client: Client, url: str):
    while url:
        page = client.get(url).json()
        yield page["_embedded"]["items"]
        url = page["_links"].get("next", {}).get("href")
