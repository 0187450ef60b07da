"""Products through the HTTP API: CRUD, validation, languages, lists, paths and vendors."""

from __future__ import annotations

from typing import Any

import pytest
from cscart_support import Shop


def test_product_lifecycle_with_cscart_types_and_statuses(shop: Shop) -> None:
    category = shop.category()
    created = shop.api.post(
        "/products",
        json={"product": "Trail runner", "category_ids": category, "price": 99.5, "amount": 4},
    )
    assert created.status_code == 201
    product_id = created.json()["product_id"]
    assert isinstance(product_id, int)

    product = shop.api.get(f"/products/{product_id}").json()
    assert product["product_id"] == str(product_id)
    assert (product["price"], product["amount"], product["weight"]) == ("99.50", "4", "0.000")
    assert (product["status"], product["company_id"], product["main_category"]) == (
        "A",
        "1",
        category,
    )

    updated = shop.api.put(f"/products/{product_id}/", json={"price": "120", "status": "H"})
    assert (updated.status_code, updated.json()) == (200, {"product_id": str(product_id)})
    product = shop.api.get(f"/products/{product_id}").json()
    assert (product["price"], product["status"], product["amount"]) == ("120.00", "H", "4")

    deleted = shop.api.delete(f"/products/{product_id}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    missing = shop.api.get(f"/products/{product_id}")
    assert (missing.status_code, missing.json()) == (404, {"message": "Not Found", "status": 404})
    assert shop.api.delete(f"/products/{product_id}").status_code == 404
    assert shop.api.put(f"/products/{product_id}", json={"price": 1}).status_code == 404


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"product": "x", "price": 1}, "category_ids"),
        ({"product": "x", "category_ids": "{category}"}, "price"),
        ({"product": "x"}, "price"),  # both missing: CS-Cart reports the last check, the price
        ({"category_ids": "{category}", "price": 1}, "product"),
        ({"product": "x", "price": 1, "category_ids": "999"}, "category 999"),
        (
            {"product": "x", "price": 1, "category_ids": "{category}", "company_id": 77},
            "company_id 77",
        ),
        ({"product": "x", "price": "ten", "category_ids": "{category}"}, "price"),
        ({"product": "x", "price": 1, "category_ids": "{category}", "status": "X"}, "status"),
        ({"product": "x", "price": 1, "category_ids": "{category}", "amount": "1.5"}, "amount"),
    ],
)
def test_invalid_products_are_refused_and_nothing_is_written(
    shop: Shop, body: dict[str, Any], words: str
) -> None:
    category = shop.category()
    body = {k: (str(category) if v == "{category}" else v) for k, v in body.items()}

    response = shop.api.post("/products", json=body)

    assert response.status_code == 400
    assert response.json()["status"] == 400
    assert words in response.json()["message"]
    assert shop.api.get("/products").json()["params"]["total_items"] == "0"


def test_fields_the_docs_do_not_list_are_ignored(shop: Shop) -> None:
    product_id = shop.product(color_of_the_box="teal")
    assert "color_of_the_box" not in shop.api.get(f"/products/{product_id}").json()


def test_bodies_that_are_not_json_objects_fail_as_in_cscart(shop: Shop) -> None:
    product_id = shop.product()
    url = f"/products/{product_id}"

    empty = shop.api.put(url, json={})
    plain = shop.api.put(url, data='{"price": 1}', headers={"Content-Type": "text/plain"})
    xml = shop.api.put(url, data="<price/>", headers={"Content-Type": "application/xml"})
    broken = shop.api.put(url, data="{price", headers={"Content-Type": "application/json"})
    listed = shop.api.put(url, json=[1, 2])

    assert empty.status_code == 405  # Tygh\Api: an update without data
    assert plain.status_code == 400 and "Content-Type: application/json" in plain.json()["message"]
    assert xml.status_code == 415
    assert broken.status_code == 400 and "Invalid JSON" in broken.json()["message"]
    assert listed.status_code == 400
    assert shop.api.get(url).json()["price"] == "10.00"


def test_texts_are_kept_per_language(shop: Shop) -> None:
    product_id = shop.product("Running shoe", full_description="Light and fast")
    url = f"/products/{product_id}"

    german = shop.api.put(
        url, json={"lang_code": "de", "product": "Laufschuh", "full_description": "Leicht"}
    )
    french = shop.api.put(url + "?lang_code=fr", json={"product": "Chaussure"})

    assert german.status_code == french.status_code == 200
    assert shop.api.get(url).json()["product"] == "Running shoe"
    assert shop.api.get(url, params={"lang_code": "de"}).json()["full_description"] == "Leicht"
    assert shop.api.get(url, params={"lang_code": "de"}).json()["product"] == "Laufschuh"
    assert shop.api.get(url, params={"lang_code": "fr"}).json()["product"] == "Chaussure"
    # a create writes every language; fr kept the English description
    assert (
        shop.api.get(url, params={"lang_code": "fr"}).json()["full_description"] == "Light and fast"
    )
    listed = shop.api.get("/products", params={"lang_code": "de", "q": "laufschuh"}).json()
    assert [p["product"] for p in listed["products"]] == ["Laufschuh"]
    # an unknown language falls back to the default one, as AEntity::getLanguageCode does
    shop.api.put(url, json={"lang_code": "xx", "product": "Runner"})
    assert shop.api.get(url).json()["product"] == "Runner"
    assert shop.api.get(url, params={"lang_code": "xx"}).json()["lang_code"] == "en"


def test_categories_of_a_product_and_its_main_category(shop: Shop) -> None:
    parent = shop.category("Sports")
    shoes = shop.category("Shoes", parent_id=parent)
    socks = shop.category("Socks")
    product_id = shop.product(category_ids=f"{shoes},{socks}")
    product = shop.api.get(f"/products/{product_id}").json()
    assert (product["category_ids"], product["main_category"]) == ([shoes, socks], shoes)
    assert product["seo_path"] == f"{parent}/{shoes}"

    shop.api.put(f"/products/{product_id}", json={"main_category": socks})
    assert shop.api.get(f"/products/{product_id}").json()["main_category"] == socks
    shop.api.put(f"/products/{product_id}", json={"category_ids": [parent]})
    product = shop.api.get(f"/products/{product_id}").json()
    assert (product["category_ids"], product["main_category"]) == ([parent], parent)
    assert shop.api.put(f"/products/{product_id}", json={"category_ids": []}).status_code == 400


def test_lists_page_with_total_items_and_sort(shop: Shop) -> None:
    category = shop.category()
    for index in range(25):
        shop.product(f"Item {index:02d}", category_ids=str(category), price=str(index))

    default = shop.api.get("/products").json()
    third = shop.api.get("/products", params={"items_per_page": 10, "page": 3}).json()
    beyond = shop.api.get("/products", params={"items_per_page": 10, "page": 9}).json()
    junk = shop.api.get("/products", params={"items_per_page": "lots"}).json()

    assert len(default["products"]) == 10 and default["params"]["total_items"] == "25"
    assert [p["product"] for p in third["products"]] == [f"Item {i}" for i in range(20, 25)]
    assert third["params"]["page"] == 3 and third["params"]["items_per_page"] == 10
    assert beyond["products"] == [] and beyond["params"]["total_items"] == "25"
    assert len(junk["products"]) == 10  # PHP's (int) of "lots" is 0: the default page size
    cheapest = shop.api.get("/products", params={"sort_by": "price", "sort_order": "desc"}).json()
    assert cheapest["products"][0]["product"] == "Item 24"


def test_pcode_is_a_like_search_as_in_cscart(shop: Shop) -> None:
    """`pcode` is `LIKE '%code%'`: a substring, case-blind, with `_` a wildcard."""
    for code in ("AB_1", "ABX1", "ab-10", "ZZ-9"):
        shop.product(code, product_code=code)

    def codes(pcode: str) -> list[str]:
        found = shop.api.get("/products", params={"pcode": pcode, "sort_by": "code"}).json()
        return [p["product_code"] for p in found["products"]]

    assert codes("AB_1") == ["ab-10", "AB_1", "ABX1"]  # `_` matches any one character
    assert codes("b-1") == ["ab-10"]
    assert codes("zz") == ["ZZ-9"]
    assert codes("nothing") == []
    assert shop.store.product_ids_by_code("ab_1") == [1]


def test_list_filters_by_status_company_ids_and_text(shop: Shop) -> None:
    first = shop.product("Red boot", status="A", short_description="for rain")
    second = shop.product("Blue sandal", status="D", company_id=2)
    third = shop.product("Green boot", status="H", company_id=2, meta_keywords="forest")

    def ids(**query: Any) -> list[int]:
        return sorted(
            int(p["product_id"]) for p in shop.api.get("/products", params=query).json()["products"]
        )

    assert ids(status="D") == [second]
    assert ids(**{"status[]": ["A", "H"]}) == [first, third]
    assert ids(company_id=2) == [second, third]
    assert ids(pid=f"{first},{third}") == [first, third]
    assert ids(q="boot") == [first, third]
    assert ids(q="rain") == [first]
    assert ids(q="rain", pshort="N") == []
    assert ids(q="forest") == [third]
    assert ids(q="red sandal", match="any") == [first, second]
    assert ids(q="red sandal") == []


def test_every_documented_path_form_reaches_the_same_api(shop: Shop) -> None:
    product_id = shop.product("Paths")
    forms = [
        f"/api/products/{product_id}",
        f"/api/products/{product_id}/",
        f"/api/2/products/{product_id}",
        f"/api/2.0/products/{product_id}",
        f"/api/4.0/products/{product_id}",
        f"/api.php?_d=products/{product_id}&ajax_custom=1",
    ]
    for form in forms:
        response = shop.api.session.get(shop.url + form)
        assert response.status_code == 200, form
        assert response.json()["product"] == "Paths"
    assert shop.api.session.get(shop.url + "/api//products").status_code == 404
    unknown = shop.api.session.get(shop.url + "/api/orders")
    assert unknown.json() == {"message": "Not Found: Entity orders was not found", "status": 404}
    created = shop.api.session.post(
        shop.url + "/api.php?_d=products",
        json={"product": "Via api.php", "price": 1, "category_ids": shop.category()},
    )
    assert created.status_code == 201
    assert (
        shop.api.get(f"/products/{created.json()['product_id']}").json()["product"] == "Via api.php"
    )
    assert shop.api.post(f"/products/{product_id}", json={"price": 1}).status_code == 405
    assert shop.api.put("/products", json={"price": 1}).status_code == 405
    assert shop.api.get("/products/abc").status_code == 404


@pytest.mark.parametrize("entity", ["vendors", "stores"])
def test_multi_vendor_and_store_builder_paths_scope_products(shop: Shop, entity: str) -> None:
    category = shop.category()
    own = shop.api.post(
        f"/{entity}/2/products",
        json={"product": "Vendor item", "price": 5, "category_ids": category, "company_id": 3},
    )
    assert own.status_code == 201
    own_id = own.json()["product_id"]
    foreign = shop.product("Other vendor item", company_id=3)
    mine = shop.product("Owner item")

    listed = shop.api.get(f"/{entity}/2/products").json()
    assert [p["product"] for p in listed["products"]] == ["Vendor item"]
    assert shop.api.get(f"/products/{own_id}").json()["company_id"] == "2"
    assert shop.api.get(f"/{entity}/2/products/{own_id}").status_code == 200
    assert shop.api.get(f"/{entity}/2/products/{foreign}").status_code == 404
    assert shop.api.put(f"/{entity}/2/products/{foreign}", json={"price": 1}).status_code == 403
    assert shop.api.delete(f"/{entity}/2/products/{foreign}").status_code == 403
    assert shop.api.put(f"/{entity}/2/products/{own_id}", json={"price": 7}).status_code == 200
    assert shop.api.get(f"/{entity}/99/products").status_code == 404
    assert shop.api.delete(f"/{entity}/2/products/{own_id}").status_code == 204
    assert shop.api.get(f"/products/{mine}").status_code == 200


def test_company_id_is_validated_and_changes_the_vendor(shop: Shop) -> None:
    product_id = shop.product()
    assert shop.api.put(f"/products/{product_id}", json={"company_id": 9}).status_code == 400
    assert shop.api.put(f"/products/{product_id}", json={"company_id": "2"}).status_code == 200
    assert (
        shop.api.get("/products", params={"company_id": 2}).json()["params"]["total_items"] == "1"
    )


def test_category_paths_list_a_subtree(shop: Shop) -> None:
    root = shop.category("Root")
    leaf = shop.category("Leaf", parent_id=root)
    shop.product("In leaf", category_ids=str(leaf))
    shop.product("Elsewhere", category_ids=str(shop.category("Other")))

    listed = shop.api.get(f"/categories/{root}/products").json()
    single = shop.api.get(f"/categories/{root}/products/1")

    assert [p["product"] for p in listed["products"]] == ["In leaf"]
    assert single.status_code == 200
    assert shop.api.get("/categories/999/products").status_code == 404


def test_categories_are_a_tree_with_texts_per_language(shop: Shop) -> None:
    root = shop.category("Clothes")
    child = shop.category("Shirts", parent_id=root)
    grandchild = shop.category("Polo", parent_id=child)
    assert (
        shop.api.get(f"/categories/{grandchild}").json()["id_path"]
        == f"{root}/{child}/{grandchild}"
    )

    assert (
        shop.api.put(
            f"/categories/{child}", json={"lang_code": "de", "category": "Hemden"}
        ).status_code
        == 200
    )
    assert (
        shop.api.get(f"/categories/{child}", params={"lang_code": "de"}).json()["category"]
        == "Hemden"
    )
    assert shop.api.get(f"/categories/{child}").json()["category"] == "Shirts"
    assert shop.api.put(f"/categories/{root}", json={"parent_id": grandchild}).status_code == 400

    other = shop.category("Outlet")
    assert shop.api.put(f"/categories/{child}", json={"parent_id": other}).json() == {
        "category_id": str(child)
    }
    assert (
        shop.api.get(f"/categories/{grandchild}").json()["id_path"]
        == f"{other}/{child}/{grandchild}"
    )
    listed = shop.api.get("/categories", params={"parent_id": other}).json()
    assert [c["category"] for c in listed["categories"]] == ["Shirts"]
    assert listed["params"]["total_items"] == "1"
    assert shop.api.post("/categories", json={"category": "x", "parent_id": 999}).status_code == 400
    assert shop.api.post("/categories", json={"description": "no name"}).status_code == 400


def test_deleting_a_category_takes_its_subtree_and_orphaned_products(shop: Shop) -> None:
    root = shop.category("Root")
    child = shop.category("Child", parent_id=root)
    keep = shop.category("Keep")
    only_here = shop.product("Only here", category_ids=str(child))
    also_elsewhere = shop.product("Also elsewhere", category_ids=f"{child},{keep}")

    assert shop.api.delete(f"/categories/{root}").status_code == 204

    assert shop.api.get(f"/categories/{child}").status_code == 404
    assert shop.api.get(f"/products/{only_here}").status_code == 404
    survivor = shop.api.get(f"/products/{also_elsewhere}").json()
    assert (survivor["category_ids"], survivor["main_category"]) == ([keep], keep)
    assert shop.api.get(f"/categories/{keep}").json()["product_count"] == "1"
