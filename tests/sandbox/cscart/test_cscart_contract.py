"""Contract tests: the sandbox against the examples and tables of CS-Cart's own API docs.

Every expectation here is read out of the .rst files (the seed `cscart-products-api.rst` and
`shared/specs/cscart/*.rst`): JSON examples give the keys, value types and number formats an
answer must have; list-tables give the fields a client may write and must be able to read back.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from cscart_docs import inline_json, json_examples, shape_problems, table_field_names, table_rows
from cscart_support import ImageHost, Shop, make_image

# Feature variants' logos: the docs say the REST API cannot set a feature's image pairs.
_NOT_SETTABLE = frozenset({"image_pairs"})


def _example(path: Path, test: Any) -> Any:
    found = [data for _, data in json_examples(path) if test(data)]
    assert found, f"no such example in {path.name}"
    return found[0]


def _documented_product(shop: Shop, image_host: ImageHost) -> tuple[int, str]:
    """A product like the docs' `100g Pants`: an image, a list-price discount, a brand."""
    parent = shop.category("Apparel")
    category = shop.category("Pants", parent_id=parent)
    brand = shop.feature("Brand", "E", variants=[{"variant": "Adidas"}])
    adidas = shop.variant_ids(brand)["Adidas"]
    image = image_host.add("/contract/pants.jpg", make_image(500, 500, "JPEG"), "image/jpeg")
    product_id = shop.product(
        "100g Pants",
        category_ids=str(category),
        product_code="U0012O5AF0",
        price="30",
        list_price="31",
        amount="10",
        tax_ids="6",
        main_pair={"detailed": {"image_path": image}},
        product_features={str(brand): {"feature_type": "E", "variant_id": str(adidas)}},
    )
    return product_id, f"{parent}/{category}"  # and the seo_path CS-Cart shows for it


def test_product_list_answers_like_the_documented_example(
    shop: Shop, seeds_dir: Path, image_host: ImageHost
) -> None:
    doc = _example(seeds_dir / "cscart-products-api.rst", lambda d: "products" in d)
    _documented_product(shop, image_host)
    shop.product("Second product", price="11.16")

    response = shop.api.get("/products", params={"items_per_page": 2})

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    pants = next(p for p in body["products"] if p["product"] == "100g Pants")
    assert shape_problems(doc["products"][0], pants, "$.products[0]", _NOT_SETTABLE) == []
    # `ajax_custom` is only in the params of /api.php calls (mod_rewrite off).
    assert (
        shape_problems(doc["params"], body["params"], "$.params", frozenset({"ajax_custom"})) == []
    )
    assert body["params"]["total_items"] == "2"


def test_product_detail_answers_like_the_documented_example(
    shop: Shop, seeds_dir: Path, image_host: ImageHost
) -> None:
    doc = _example(
        seeds_dir / "cscart-products-api.rst",
        lambda d: d.get("product_id") == "12" and "products" not in d,
    )
    product_id, seo_path = _documented_product(shop, image_host)

    body = shop.api.get(f"/products/{product_id}").json()

    assert shape_problems(doc, body, "$", _NOT_SETTABLE) == []
    assert (body["price"], body["list_price"], body["list_discount_prc"]) == ("30.00", "31.00", "3")
    assert (body["seo_path"], body["seo_name"]) == (seo_path, "100g-pants")


def test_create_and_update_answer_with_the_documented_id_types(
    shop: Shop, seeds_dir: Path, specs_dir: Path
) -> None:
    created_doc = _example(
        seeds_dir / "cscart-products-api.rst", lambda d: list(d) == ["product_id"]
    )
    updated_doc = next(
        d for d in inline_json(specs_dir / "cscart" / "index.rst") if "product_id" in d
    )
    category = shop.category()

    created = shop.api.post(
        "/products", json={"product": "A", "category_ids": category, "price": 1}
    )
    updated = shop.api.put(f"/products/{created.json()['product_id']}", json={"price": "2"})

    assert created.status_code == 201 and updated.status_code == 200
    assert shape_problems(created_doc, created.json()) == []  # {"product_id": 391}
    assert shape_problems(updated_doc, updated.json()) == []  # {"product_id": "1"}


def test_documented_request_examples_are_accepted(
    shop: Shop, seeds_dir: Path, specs_dir: Path, image_host: ImageHost
) -> None:
    """Each 'Example JSON' of the docs, with the docs' IDs mapped to this shop's and image
    URLs moved to 127.0.0.1 (the sandbox fetches from this machine only)."""
    category = shop.category("Example category")
    brand = shop.feature("Brand", "E", variants=[{"variant": "Adidas"}])
    adidas = shop.variant_ids(brand)["Adidas"]
    image_host.add(
        "/stores/images/detailed/0/main_image.jpg", make_image(60, 60, "JPEG"), "image/jpeg"
    )
    image_host.add(
        "/stores/images/detailed/8/additional_image.jpg", make_image(60, 39, "JPEG"), "image/jpeg"
    )
    image_host.add("/to/image.jpg", make_image(40, 40, "JPEG"), "image/jpeg")  # https://path/to/

    def local(data: Any) -> Any:
        text = json.dumps(data)
        text = re.sub(r"https?://(example\.com|path)", image_host.url, text)
        text = text.replace('"166"', f'"{category}"').replace('"86"', f'"{adidas}"')
        text = text.replace('"18"', f'"{brand}"')
        return json.loads(text)

    examples = [
        (title, data)
        for path in (seeds_dir / "cscart-products-api.rst", specs_dir / "cscart" / "products.rst")
        for title, data in json_examples(path)
        if title.startswith("Example JSON")
    ]
    assert len(examples) >= 8
    product_id = shop.product("Base")
    for title, data in examples:
        body = local(data)
        if "Create" in title:
            body.setdefault("product", "Example")
            body.setdefault("price", "1")
            body.setdefault("category_ids", str(category))
            response = shop.api.post("/products", json=body)
            assert response.status_code == 201, (title, response.text)
        else:
            response = shop.api.put(f"/products/{product_id}", json=body)
            assert response.status_code == 200, (title, response.text)

    product = shop.api.get(f"/products/{product_id}").json()
    assert product["product_features"][str(brand)]["variant"] == "Adidas"
    assert product["main_pair"]["detailed"]["image_x"] == "40"  # the last image example


def test_documented_image_urls_on_other_hosts_are_refused(shop: Shop, seeds_dir: Path) -> None:
    example = next(
        data
        for title, data in json_examples(seeds_dir / "cscart-products-api.rst")
        if title == "Example JSON: Update a Product Image"
    )
    product_id = shop.product()

    response = shop.api.put(f"/products/{product_id}", json=example)

    assert response.status_code == 400
    assert "example.com" in response.json()["message"]
    assert shop.api.get(f"/products/{product_id}").json()["main_pair"] == []


def test_documented_product_fields_are_written_and_read_back(shop: Shop, seeds_dir: Path) -> None:
    rows = table_rows(seeds_dir / "cscart-products-api.rst", "Product Fields")
    handled_elsewhere = {
        "product",
        "category_ids",
        "main_category",
        "company_id",
        "image_pairs",
        "main_pair",
        "product_features",
        "lang_code",
        "product_id",
        "updated_timestamp",
        "shipping_params",
    }
    product_id = shop.product()
    before = shop.api.get(f"/products/{product_id}").json()
    body: dict[str, Any] = {}
    for name, values, *_ in rows:
        if name in handled_elsewhere:
            continue
        choices = re.findall(r"``(\w+)``", values)
        if choices:
            body[name] = next(c for c in reversed(choices) if c != before.get(name))
        elif values == "integer":
            body[name] = "7"
        elif values == "float":
            body[name] = "12.5"
        elif values in ("string", "Valid product template name"):
            body[name] = f"{name}-value"
        elif "UNIX" in values:
            body[name] = "1600000000"
        elif values == "array":
            body[name] = [6, 7]
        elif "comma-separated" in values:
            body[name] = "0,1"
        else:
            raise AssertionError(f"the docs name a field type this test does not know: {values}")

    response = shop.api.put(f"/products/{product_id}", json=body)
    assert response.status_code == 200, response.text
    after = shop.api.get(f"/products/{product_id}").json()

    for name, sent in body.items():
        assert name in after, f"{name} is written but cannot be read back"
        got = after[name]
        if name == "seo_name":
            assert got == "seo-name-value"
        elif isinstance(sent, list):
            assert got == ",".join(str(v) for v in sent)
        elif sent == "12.5":
            assert Decimal(got) == Decimal("12.5") and "." in got, (name, got)
        else:
            assert str(got) == sent, (name, got)


def test_list_filters_of_the_docs_are_understood(shop: Shop, seeds_dir: Path) -> None:
    """The documented filters narrow the list; sort names sort it."""
    params = set(
        table_field_names(
            seeds_dir / "cscart-products-api.rst", "Pagination, Sorting and Filtering"
        )
    )
    assert {"pcode", "cid", "subcats", "price_from", "price_to", "pname", "q"} - params == {"q"}
    root = shop.category("Root")
    child = shop.category("Child", parent_id=root)
    shop.product("Alpha boot", category_ids=str(child), price="5", product_code="AB-1", amount="3")
    shop.product("Beta shoe", category_ids=str(root), price="50", product_code="BS-2", amount="9")

    def names(**query: Any) -> list[str]:
        response = shop.api.get("/products", params=query)
        assert response.status_code == 200, response.text
        return [p["product"] for p in response.json()["products"]]

    assert names(pcode="ab-") == ["Alpha boot"]
    assert names(cid=root) == ["Alpha boot", "Beta shoe"]
    assert names(cid=root, subcats="N") == ["Beta shoe"]
    assert names(price_from=10) == ["Beta shoe"]
    assert names(price_to=10) == ["Alpha boot"]
    assert names(amount_from=5) == ["Beta shoe"]
    assert names(q="boot", pname="Y") == ["Alpha boot"]
    assert names(sort_by="price", sort_order="desc") == ["Beta shoe", "Alpha boot"]
    assert names(sort_by="amount", sort_order="asc") == ["Alpha boot", "Beta shoe"]
    assert names(order_ids="1,13") == []  # the sandbox shop has no orders


def test_variation_groups_answer_like_the_documented_examples(shop: Shop, specs_dir: Path) -> None:
    path = specs_dir / "cscart" / "product_variation_groups.rst"
    listed_doc = _example(path, lambda d: "groups" in d)
    single_doc = _example(path, lambda d: "code" in d and "groups" not in d)
    color = shop.feature(
        "Color",
        "S",
        purpose="group_variation_catalog_item",
        variants=[{"variant": "Red"}, {"variant": "Blue"}],
    )
    size = shop.feature(
        "Size", "S", purpose="group_catalog_item", variants=[{"variant": "S"}, {"variant": "M"}]
    )
    colors, sizes = shop.variant_ids(color), shop.variant_ids(size)
    ids = [
        shop.product(
            f"T-shirt {c} {s}",
            product_features={str(color): str(colors[c]), str(size): str(sizes[s])},
        )
        for c in colors
        for s in sizes
    ]
    created = shop.api.post(
        "/product_variations_groups", json={"product_ids": ids, "code": "MY_GROUP_1"}
    )
    assert created.status_code == 201, created.text

    listed = shop.api.get("/product_variations_groups").json()
    single = shop.api.get("/product_variations_groups/MY_GROUP_1").json()

    assert shape_problems(listed_doc, listed) == []
    assert shape_problems(single_doc, single) == []
    assert shape_problems(single_doc, created.json()["group"]) == []


def test_languages_answer_like_the_documented_examples(shop: Shop, specs_dir: Path) -> None:
    path = specs_dir / "cscart" / "languages.rst"
    listed_doc = _example(path, lambda d: "languages" in d)
    single_doc = _example(path, lambda d: "name" in d and "lang_id" in d)
    create_doc, update_doc = [d for _, d in json_examples(path) if list(d) == ["lang_id"]]
    new = _example(path, lambda d: d.get("name") == "Test")

    created = shop.api.post("/languages", json=new)
    updated = shop.api.put(
        f"/languages/{created.json()['lang_id']}", json={"lang_code": "ts", "name": "Test2"}
    )

    assert created.status_code == 201 and updated.status_code == 200
    assert shape_problems(create_doc, created.json()) == []
    assert shape_problems(update_doc, updated.json()) == []
    listed = shop.api.get("/languages").json()
    # `languages` is keyed by language code: compare the English entries.
    assert shape_problems(listed_doc["languages"]["en"], listed["languages"]["en"]) == []
    assert shape_problems(listed_doc["params"], listed["params"]) == []
    assert shape_problems(single_doc, shop.api.get("/languages/1").json()) == []


def test_vendors_answer_like_the_documented_examples(shop: Shop, specs_dir: Path) -> None:
    path = specs_dir / "cscart" / "vendors.rst"
    listed_doc = _example(path, lambda d: "vendors" in d)
    single_doc = _example(path, lambda d: d.get("company") == "Simtech")
    create_doc, update_doc = [d for _, d in json_examples(path) if list(d) == ["store_id"]]
    new_vendor = _example(path, lambda d: d.get("company") == "New Vendor")
    changes = _example(path, lambda d: d.get("company") == "Example")

    listed = shop.api.get("/vendors").json()
    created = shop.api.post("/vendors", json=new_vendor)
    updated = shop.api.put(f"/vendors/{created.json()['store_id']}", json=changes)

    # The docs show `"params": [0]`, an artefact; CS-Cart hands back its search params.
    assert shape_problems(listed_doc["vendors"], listed["vendors"]) == []
    assert shape_problems(single_doc, shop.api.get("/vendors/1").json()) == []
    assert created.status_code == 201 and updated.status_code == 200
    assert shape_problems(create_doc, created.json()) == []
    assert shape_problems(update_doc, updated.json()) == []
    assert [v["company"] for v in listed["vendors"]][:2] == ["ACME Corp", "Global Gadgets"]


def test_error_answers_use_the_documented_codes_and_cscart_body(
    shop: Shop, specs_dir: Path
) -> None:
    documented = {
        int(row.split()[0]): row.split('"')[1]
        for row in table_field_names(specs_dir / "cscart" / "errors.rst", "API Response Errors")
    }
    product_id = shop.product()
    other_vendor = shop.product("Vendor 3 product", company_id=3)
    shop.app.max_items_per_page = 50
    produced = {
        400: shop.api.post("/products", json={"product": "x", "category_ids": "1"}),
        401: shop.api.session.get(
            shop.api.base_url + "/products", auth=("admin@example.com", "wrong")
        ),
        403: shop.api.put(f"/vendors/2/products/{other_vendor}", json={"price": 1}),
        404: shop.api.get("/products/999999"),
        405: shop.api.post(f"/products/{product_id}", json={"price": 1}),
        406: shop.api.get("/products", headers={"Accept": "text/html"}),
        413: shop.api.get("/products", params={"items_per_page": 51}),
        415: shop.api.put(
            f"/products/{product_id}",
            data="<price>1</price>",
            headers={"Content-Type": "application/xml"},
        ),
    }
    shop.server.switches.update(error_rate=1.0)
    produced[500] = shop.api.get("/products")
    shop.server.switches.update(error_rate=0)
    shop.app.hourly_limit = 1
    shop.api.get("/version")
    produced[509] = shop.api.get("/version")

    for status, response in produced.items():
        assert response.status_code == status, (status, response.text)
        assert status in documented
        body = response.json()
        assert set(body) == {"message", "status"} and body["status"] == status
        reason = documented[status].replace("Acceptible", "Acceptable")  # a typo in the docs
        assert body["message"].startswith(reason), body


def test_the_shape_check_catches_what_the_docs_rule_out() -> None:
    doc = {
        "product_id": "12",
        "price": "30.00",
        "category_ids": [224],
        "main_pair": {"pair_id": "823"},
        "product_features": {"18": {"variant_id": "86"}},
    }
    good = {
        "product_id": "7",
        "price": "1.50",
        "category_ids": [3],
        "main_pair": {"pair_id": "1"},
        "product_features": {"4": {"variant_id": "9"}},
        "an_add_on_field": True,
    }
    assert shape_problems(doc, good) == []
    assert shape_problems(doc, {**good, "price": "1.5"}) == [
        "$.price: docs write '30.00', the sandbox '1.5'"
    ]
    assert shape_problems(doc, {**good, "product_id": 7})[0].startswith(
        "$.product_id: docs have str"
    )
    assert shape_problems(doc, {**good, "category_ids": ["3"]})[0].startswith("$.category_ids[0]")
    assert shape_problems(doc, {k: v for k, v in good.items() if k != "main_pair"}) == [
        "$.main_pair: missing"
    ]
    assert shape_problems(doc, {**good, "product_features": {"color": {}}})[0].startswith(
        "$.product_features: docs have an object keyed by IDs"
    )
