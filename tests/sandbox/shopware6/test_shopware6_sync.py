"""POST /api/_action/sync: upserts, deletes, validation, fail-on-error and the nested writes
pimflow relies on."""

from __future__ import annotations

from pimflow_sandbox.shopware6.schema import LANGUAGE_SYSTEM

from .conftest import assert_error, price, uid


def test_keyed_form_writes_and_reports_what_it_wrote(api, product):
    response = api.sync(
        {"write-product": {"entity": "product", "action": "upsert", "payload": [product("SW-1")]}}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"]["product"] == [uid("SW-1")]
    assert body["data"]["product_translation"] == [
        {"productId": uid("SW-1"), "languageId": LANGUAGE_SYSTEM}
    ]
    assert body["notFound"] == [] and body["deleted"] == []
    stored = api.one("product", uid("SW-1"))
    assert stored["productNumber"] == "SW-1"
    assert stored["name"] == "Product SW-1"
    assert stored["price"][0]["gross"] == 15.0


def test_list_form_is_accepted_too(api, product):
    response = api.sync(
        [
            {"entity": "product", "action": "upsert", "payload": [product("L-1"), product("L-2")]},
            {"entity": "product", "action": "delete", "payload": [{"id": uid("L-1")}]},
        ]
    )
    assert response.status_code == 200, response.text
    assert response.json()["deleted"]["product"] == [uid("L-1")]
    assert api.get("product", uid("L-1")).status_code == 404
    assert api.get("product", uid("L-2")).status_code == 200


def test_upsert_updates_an_existing_row(api, product):
    api.upsert("product", product("U-1")).raise_for_status()
    response = api.upsert("product", {"id": uid("U-1"), "stock": 42})
    assert response.status_code == 200
    stored = api.one("product", uid("U-1"))
    assert stored["stock"] == 42 and stored["name"] == "Product U-1"
    assert stored["updatedAt"] is not None


def test_fail_on_error_true_rolls_back_the_whole_request(api, product):
    bad = product("F-2", stock="many")
    response = api.sync(
        {
            "ok": {"entity": "product", "action": "upsert", "payload": [product("F-1")]},
            "bad": {"entity": "product", "action": "upsert", "payload": [product("F-3"), bad]},
        }
    )
    assert_error(response, 400, "ba785a8c-82cb-4283-967c-3cf342181b40", "/bad/1/stock")
    for number in ("F-1", "F-2", "F-3"):
        assert api.get("product", uid(number)).status_code == 404


def test_fail_on_error_false_keeps_the_valid_rows(api, product):
    rows = [
        product("P-1"),
        product("P-2", foo="bar"),
        product("P-3", taxId="0" * 32),
        product("P-4"),
    ]
    response = api.upsert("product", *rows, **{"fail-on-error": "false"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert sorted(body["data"]["product"]) == sorted([uid("P-1"), uid("P-4")])
    pointers = {e["source"]["pointer"]: e["code"] for e in body["errors"]}
    assert pointers == {
        "/write-product/1/foo": "FRAMEWORK__WRITE_UNEXPECTED_FIELD_ERROR",
        "/write-product/2/taxId": "1452",
    }
    assert api.get("product", uid("P-1")).status_code == 200
    assert api.get("product", uid("P-2")).status_code == 404
    assert api.get("product", uid("P-3")).status_code == 404
    # the same request with the default header writes nothing
    again = api.upsert("product", product("P-5"), product("P-6", foo="bar"))
    assert again.status_code == 400
    assert api.get("product", uid("P-5")).status_code == 404


def test_required_fields_on_create(api):
    response = api.upsert("product", {"id": uid("R-1"), "productNumber": "R-1"})
    errors = assert_error(response, 400, "c1051bb4-d103-4f74-8988-acbcafc7fdc3")
    pointers = {e["source"]["pointer"] for e in errors}
    assert pointers == {
        "/write-product/0/stock",
        "/write-product/0/taxId",
        "/write-product/0/price",
        f"/write-product/0/translations/{LANGUAGE_SYSTEM}/name",
    }


def test_unknown_field(api, product):
    response = api.upsert("product", product("X-1", colour="red"))
    (error,) = assert_error(
        response, 400, "FRAMEWORK__WRITE_UNEXPECTED_FIELD_ERROR", "/write-product/0/colour"
    )
    assert error["detail"] == "Unexpected field: colour"


def test_unknown_foreign_key(api, product):
    response = api.upsert("product", product("K-1", manufacturerId=uid("nobody")))
    (error,) = assert_error(response, 400, "1452", "/write-product/0/manufacturerId")
    assert "foreign key constraint fails" in error["detail"]


def test_invalid_ids_are_refused(api, product):
    response = api.upsert("product", product("I-1", id="ABC-not-hex"))
    assert_error(response, 400, "FRAMEWORK__INVALID_UUID", "/write-product/0/id")
    upper = api.upsert("product", product("I-2", id=uid("I-2").upper()))
    assert_error(upper, 400, "FRAMEWORK__INVALID_UUID", "/write-product/0/id")


def test_duplicate_product_number(api, product):
    api.upsert("product", product("D-1")).raise_for_status()
    again = api.upsert("product", product("d-1", id=uid("other")))  # MySQL compares without case
    (error,) = assert_error(
        again, 400, "CONTENT__DUPLICATE_PRODUCT_NUMBER", "/write-product/0/productNumber"
    )
    assert error["detail"] == 'Product with number "d-1" already exists.'
    same_request = api.upsert("product", product("D-2"), product("D-2", id=uid("twin")))
    assert_error(
        same_request, 400, "CONTENT__DUPLICATE_PRODUCT_NUMBER", "/write-product/1/productNumber"
    )
    # the owner itself may keep its number
    assert api.upsert("product", {"id": uid("D-1"), "productNumber": "D-1"}).status_code == 200


def test_price_needs_the_default_currency_and_all_its_fields(api, product):
    usd = api.currency_id("USD")
    only_usd = api.upsert("product", product("C-1", price=[price(currency=usd)]))
    (error,) = assert_error(
        response=only_usd, status=400, code="FRAMEWORK__WRITE_CONSTRAINT_VIOLATION"
    )
    assert error["detail"] == "No price for default currency defined"
    missing = api.upsert(
        "product", product("C-2", price=[{"currencyId": price()["currencyId"], "gross": 1}])
    )
    errors = assert_error(missing, 400, "2fa2158c-2a7f-484b-98aa-975522539ff8")
    assert {e["source"]["pointer"] for e in errors} == {
        "/write-product/0/price/0/net",
        "/write-product/0/price/0/linked",
    }
    both = api.upsert("product", product("C-3", price=[price(), price(20, 17, usd)]))
    assert both.status_code == 200
    assert {p["currencyId"] for p in api.one("product", uid("C-3"))["price"]} == {
        price()["currencyId"],
        usd,
    }


def test_translations_by_locale_code_and_language_id(api, product):
    german = api.language_id("de-DE")
    french = api.language_id("fr-FR")
    row = product(
        "T-1",
        translations={
            "de-DE": {"name": "Produkt", "description": "Beschreibung"},
            french: {"name": "Produit"},
        },
    )
    assert api.upsert("product", row).status_code == 200
    assert api.one("product", uid("T-1"))["name"] == "Product T-1"
    in_german = api.one("product", uid("T-1"), **{"sw-language-id": german})
    assert in_german["name"] == "Produkt"
    assert in_german["translated"]["name"] == "Produkt"
    in_french = api.one("product", uid("T-1"), **{"sw-language-id": french})
    assert in_french["description"] is None
    assert in_french["translated"]["description"] is None  # falls back to English: none there
    unknown = api.upsert("product", product("T-2", translations={"xx-XX": {"name": "?"}}))
    assert_error(
        unknown, 400, "FRAMEWORK__LANGUAGE_NOT_FOUND", "/write-product/0/translations/xx-XX"
    )


def test_top_level_translated_fields_go_to_the_request_language(api, product):
    german = api.language_id("de-DE")
    api.upsert("product", product("H-1")).raise_for_status()
    api.upsert(
        "product", {"id": uid("H-1"), "name": "Deutscher Name"}, **{"sw-language-id": german}
    )
    assert api.one("product", uid("H-1"))["name"] == "Product H-1"
    assert api.one("product", uid("H-1"), **{"sw-language-id": german})["name"] == "Deutscher Name"
    bad = api.call("POST", "/api/search/product", {}, {"sw-language-id": uid("no-language")})
    assert bad.status_code == 412


def test_to_many_associations_are_added_not_replaced(api, product):
    categories = [{"id": uid(f"cat-{i}"), "name": f"Category {i}"} for i in range(3)]
    api.upsert("category", *categories).raise_for_status()
    api.upsert("product", product("M-1", categories=[{"id": uid("cat-0")}, {"id": uid("cat-1")}]))
    api.upsert(
        "product", {"id": uid("M-1"), "categories": [{"id": uid("cat-2")}]}
    ).raise_for_status()
    stored = api.one("product", uid("M-1"))
    assert sorted(stored["categoryIds"]) == sorted(uid(f"cat-{i}") for i in range(3))


def test_mapping_entity_deletes_by_foreign_key_pairs(api, product):
    group = {
        "id": uid("colour"),
        "name": "Colour",
        "options": [{"id": uid("red"), "name": "Red"}, {"id": uid("blue"), "name": "Blue"}],
    }
    api.upsert("property_group", group).raise_for_status()
    api.upsert("category", {"id": uid("cat-a"), "name": "A"}, {"id": uid("cat-b"), "name": "B"})
    row = product(
        "MD-1",
        categories=[{"id": uid("cat-a")}, {"id": uid("cat-b")}],
        properties=[{"id": uid("red")}, {"id": uid("blue")}],
    )
    api.upsert("product", row).raise_for_status()
    response = api.sync(
        {
            "unassign-categories": {
                "entity": "product_category",
                "action": "delete",
                "payload": [
                    {"productId": uid("MD-1"), "categoryId": uid("cat-a")},
                    {"productId": uid("MD-1"), "categoryId": uid("nowhere")},
                ],
            },
            "unassign-properties": {
                "entity": "product_property",
                "action": "delete",
                "payload": [{"productId": uid("MD-1"), "optionId": uid("blue")}],
            },
        }
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["deleted"]["product_category"] == [
        {"productId": uid("MD-1"), "categoryId": uid("cat-a")}
    ]
    assert body["notFound"]["product_category"] == [
        {"productId": uid("MD-1"), "categoryId": uid("nowhere")}
    ]
    stored = api.one("product", uid("MD-1"))
    assert stored["categoryIds"] == [uid("cat-b")]
    assert stored["propertyIds"] == [uid("red")]
    incomplete = api.sync(
        {
            "x": {
                "entity": "product_category",
                "action": "delete",
                "payload": [{"productId": uid("MD-1")}],
            }
        }
    )
    assert_error(incomplete, 400, "FRAMEWORK__INCOMPLETE_PRIMARY_KEY", "/x/0")


def test_mapping_entity_delete_by_criteria(api, product):
    api.upsert("category", *[{"id": uid(f"cc-{i}"), "name": str(i)} for i in range(3)])
    for number in ("CR-1", "CR-2"):
        api.upsert(
            "product", product(number, categories=[{"id": uid(f"cc-{i}")} for i in range(3)])
        )
    response = api.sync(
        [
            {
                "entity": "product_category",
                "action": "delete",
                "criteria": [{"type": "equals", "field": "productId", "value": uid("CR-1")}],
            }
        ]
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["deleted"]["product_category"]) == 3
    assert api.one("product", uid("CR-1"))["categoryIds"] is None
    assert len(api.one("product", uid("CR-2"))["categoryIds"]) == 3
    not_mapping = api.sync(
        [
            {
                "entity": "product",
                "action": "delete",
                "criteria": [{"type": "equals", "field": "id", "value": uid("CR-2")}],
            }
        ]
    )
    assert_error(not_mapping, 400, "FRAMEWORK__INVALID_SYNC_CRITERIA")


def test_product_option_mapping_and_configurator(api, product):
    api.upsert(
        "property_group",
        {
            "id": uid("size"),
            "name": "Size",
            "options": [{"id": uid("s"), "name": "S"}, {"id": uid("m"), "name": "M"}],
        },
    ).raise_for_status()
    parent = product(
        "V-1",
        configuratorSettings=[
            {"id": uid("cs-s"), "optionId": uid("s")},
            {"id": uid("cs-m"), "optionId": uid("m")},
        ],
        children=[
            {
                "id": uid("V-1.S"),
                "productNumber": "V-1.S",
                "stock": 3,
                "options": [{"id": uid("s")}],
            },
            {
                "id": uid("V-1.M"),
                "productNumber": "V-1.M",
                "stock": 4,
                "options": [{"id": uid("m")}],
            },
        ],
    )
    response = api.upsert("product", parent)
    assert response.status_code == 200, response.text
    assert api.one("product", uid("V-1"))["childCount"] == 2
    assert api.one("product", uid("V-1.S"))["optionIds"] == [uid("s")]
    delete = api.sync(
        {
            "d": {
                "entity": "product_option",
                "action": "delete",
                "payload": [{"productId": uid("V-1.S"), "optionId": uid("s")}],
            }
        }
    )
    assert delete.status_code == 200
    assert api.one("product", uid("V-1.S"))["optionIds"] is None
    # a second setting for the same option breaks the unique key, as on MySQL
    twice = api.upsert(
        "product",
        {"id": uid("V-1"), "configuratorSettings": [{"id": uid("cs-s2"), "optionId": uid("s")}]},
    )
    assert_error(twice, 400, "1062", "/write-product/0/configuratorSettings/0/optionId")


def test_variant_inherits_from_its_parent(api, product):
    german = api.language_id("de-DE")
    api.upsert(
        "product",
        product("INH-1", translations={"de-DE": {"name": "Elternteil"}}, weight=1.5),
        {"id": uid("INH-1.a"), "parentId": uid("INH-1"), "productNumber": "INH-1.a", "stock": 1},
        {
            "id": uid("INH-1.b"),
            "parentId": uid("INH-1"),
            "productNumber": "INH-1.b",
            "stock": 2,
            "price": [price(99, 83.19)],
        },
    ).raise_for_status()
    raw = api.one("product", uid("INH-1.a"))
    assert raw["name"] is None and raw["price"] is None and raw["taxId"] is None
    resolved = api.one("product", uid("INH-1.a"), **{"sw-inheritance": "1"})
    parent = api.one("product", uid("INH-1"))
    assert resolved["name"] == "Product INH-1"
    assert resolved["taxId"] == parent["taxId"]
    assert resolved["price"] == parent["price"]
    assert resolved["weight"] == 1.5
    assert resolved["stock"] == 1  # not an inherited field
    own = api.one("product", uid("INH-1.b"), **{"sw-inheritance": "1"})
    assert own["price"][0]["gross"] == 99
    in_german = api.one(
        "product", uid("INH-1.a"), **{"sw-inheritance": "1", "sw-language-id": german}
    )
    assert in_german["translated"]["name"] == "Elternteil"
    # null restores inheritance
    api.upsert("product", {"id": uid("INH-1.b"), "price": None}).raise_for_status()
    assert api.one("product", uid("INH-1.b"), **{"sw-inheritance": "1"})["price"] == parent["price"]
    # a variant still needs its own number and stock
    missing = api.upsert("product", {"id": uid("INH-1.c"), "parentId": uid("INH-1")})
    errors = assert_error(missing, 400, "c1051bb4-d103-4f74-8988-acbcafc7fdc3")
    assert {e["source"]["pointer"] for e in errors} == {
        "/write-product/0/productNumber",
        "/write-product/0/stock",
    }


def test_cross_sellings_visibilities_media_and_prices(api, product):
    sales_channel = api.sales_channel_id()
    rule = api.rule_id()
    api.upsert("product", product("XS-2")).raise_for_status()
    row = product(
        "XS-1",
        visibilities=[{"id": uid("vis"), "salesChannelId": sales_channel, "visibility": 30}],
        prices=[{"id": uid("rp"), "ruleId": rule, "quantityStart": 1, "price": [price(9, 7.56)]}],
        media=[{"id": uid("pm"), "position": 1, "media": {"id": uid("m"), "alt": "front"}}],
        coverId=uid("pm"),
        crossSellings=[
            {
                "id": uid("xs"),
                "name": "Matching",
                "type": "productList",
                "assignedProducts": [{"id": uid("ap"), "productId": uid("XS-2"), "position": 1}],
            }
        ],
    )
    response = api.upsert("product", row)
    assert response.status_code == 200, response.text
    written = response.json()["data"]
    for entity in (
        "product_visibility",
        "product_price",
        "product_media",
        "media",
        "product_cross_selling",
        "product_cross_selling_assigned_products",
    ):
        assert entity in written, entity
    loaded = api.search(
        "product",
        {
            "ids": [uid("XS-1")],
            "associations": {
                "visibilities": {},
                "prices": {},
                "media": {},
                "cover": {},
                "crossSellings": {"associations": {"assignedProducts": {}}},
            },
        },
    )["data"][0]
    assert loaded["visibilities"][0]["visibility"] == 30
    assert loaded["prices"][0]["ruleId"] == rule
    assert loaded["media"][0]["media"]["alt"] == "front"  # product_media.media is autoloaded
    assert loaded["cover"]["id"] == uid("pm")
    assert loaded["crossSellings"][0]["assignedProducts"][0]["productId"] == uid("XS-2")


def test_deleting_a_product_cascades(api, product):
    api.upsert(
        "product",
        product(
            "DC-1",
            media=[{"id": uid("dc-pm"), "media": {"id": uid("dc-m")}}],
            children=[{"id": uid("DC-1.1"), "productNumber": "DC-1.1", "stock": 1}],
        ),
    ).raise_for_status()
    response = api.sync(
        {"d": {"entity": "product", "action": "delete", "payload": [{"id": uid("DC-1")}]}}
    )
    deleted = response.json()["deleted"]
    assert sorted(deleted["product"]) == sorted([uid("DC-1"), uid("DC-1.1")])
    assert deleted["product_media"] == [uid("dc-pm")]
    assert api.get("media", uid("dc-m")).status_code == 200  # the media itself stays
    missing = api.sync(
        {"d": {"entity": "product", "action": "delete", "payload": [{"id": uid("DC-1")}]}}
    )
    assert missing.json()["notFound"]["product"] == [uid("DC-1")]


def test_delete_restricted_while_in_use(api, product):
    api.upsert("product", product("RS-1")).raise_for_status()
    response = api.sync(
        {"d": {"entity": "tax", "action": "delete", "payload": [{"id": api.tax_id(19.0)}]}}
    )
    (error,) = assert_error(response, 400, "FRAMEWORK__DELETE_RESTRICTED", "/d/0")
    assert "product (1)" in error["detail"]


def test_invalid_operations(api, product):
    unknown = api.sync({"x": {"entity": "customer_wishes", "action": "upsert", "payload": [{}]}})
    assert_error(unknown, 400, "FRAMEWORK__DEFINITION_NOT_FOUND")
    no_payload = api.sync({"x": {"entity": "product", "action": "upsert", "payload": []}})
    assert_error(no_payload, 400, "FRAMEWORK__INVALID_SYNC_OPERATION")
    bad_action = api.sync({"x": {"entity": "product", "action": "merge", "payload": [{}]}})
    assert_error(bad_action, 400, "FRAMEWORK__INVALID_SYNC_OPERATION")
    malformed = api.call(
        "POST", "/api/_action/sync", headers={"Content-Type": "application/json"}, data=b"{nope"
    )
    assert malformed.status_code == 400
    not_object = api.upsert("product", "just-a-string")
    assert_error(not_object, 400, "FRAMEWORK__WRITE_MALFORMED_INPUT", "/write-product/0")


def test_write_protected_and_unsupported(api, product):
    protected = api.upsert("product", product("WP-1", childCount=3))
    assert_error(
        protected, 400, "FRAMEWORK__WRITE_CONSTRAINT_VIOLATION", "/write-product/0/childCount"
    )
    unsupported = api.upsert("product", product("WP-2", tags=[{"name": "sale"}]))
    assert_error(unsupported, 400, "SANDBOX__UNSUPPORTED_ASSOCIATION", "/write-product/0/tags")


def test_indexing_behavior_header_is_accepted(api, product):
    for behaviour in ("use-queue-indexing", "disable-indexing"):
        response = api.upsert(
            "product", product(f"IX-{behaviour}"), **{"indexing-behavior": behaviour}
        )
        assert response.status_code == 200


def test_single_entity_crud_routes(api, product):
    created = api.call("POST", "/api/product", product("CRUD-1"))
    assert created.status_code == 204
    assert created.headers["Location"].endswith(f"/api/product/{uid('CRUD-1')}")
    patched = api.call("PATCH", f"/api/product/{uid('CRUD-1')}", {"stock": 7})
    assert patched.status_code == 204
    assert api.one("product", uid("CRUD-1"))["stock"] == 7
    bad = api.call("PATCH", f"/api/product/{uid('CRUD-1')}", {"stock": "7"})
    assert_error(bad, 400, "ba785a8c-82cb-4283-967c-3cf342181b40", "/0/stock")
    api.upsert("category", {"id": uid("crud-cat"), "name": "C"})
    api.upsert("product", {"id": uid("CRUD-1"), "categories": [{"id": uid("crud-cat")}]})
    unassign = api.call("DELETE", f"/api/product/{uid('CRUD-1')}/categories/{uid('crud-cat')}")
    assert unassign.status_code == 204
    assert api.one("product", uid("CRUD-1"))["categoryIds"] is None
    assert api.call("DELETE", f"/api/product/{uid('CRUD-1')}").status_code == 204
    gone = api.call("DELETE", f"/api/product/{uid('CRUD-1')}")
    assert_error(gone, 404, "FRAMEWORK__RESOURCE_NOT_FOUND")
