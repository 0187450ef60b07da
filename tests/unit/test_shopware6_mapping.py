from __future__ import annotations

from decimal import Decimal

import pytest

from pimflow.akeneo.profile import Family
from pimflow.akeneo.values import AttributeInfo
from pimflow.configuration import ConfigError
from pimflow.shopware6.config import load_mapping, parse_mapping, with_defaults
from pimflow.shopware6.mapping import (
    Catalog,
    MappingError,
    ProductMapper,
    ShopContext,
    language_for_locales,
    map_cross_sellings,
    model_product_id,
    option_id,
    product_id,
    relation_deletes,
    shopware_id,
)

EN, DE = "1" * 32, "2" * 32
SHOP = ShopContext(
    default_currency="EUR",
    currency_ids={"EUR": "e" * 32, "USD": "d" * 32},
    language_ids={"en_US": EN, "de_DE": DE},
    default_language_id=EN,
    tax_ids={Decimal("19"): "7" * 32, Decimal("7"): "8" * 32},
    sales_channel_ids={"Storefront": "5" * 32},
)
ATTRIBUTES = {
    "sku": AttributeInfo("sku", "pim_catalog_identifier"),
    "name": AttributeInfo("name", "pim_catalog_text", localizable=True),
    "description": AttributeInfo(
        "description", "pim_catalog_textarea", localizable=True, scopable=True
    ),
    "price": AttributeInfo("price", "pim_catalog_price_collection"),
    "weight": AttributeInfo("weight", "pim_catalog_metric"),
    "color": AttributeInfo("color", "pim_catalog_simpleselect"),
    "size": AttributeInfo("size", "pim_catalog_simpleselect"),
    "material": AttributeInfo("material", "pim_catalog_multiselect"),
    "warranty": AttributeInfo("warranty", "pim_catalog_number"),
    # The default mapping's other translations: mapped, so emptied where Akeneo has none.
    **{
        code: AttributeInfo(code, "pim_catalog_text", localizable=True)
        for code in ("meta_title", "meta_description", "keywords")
    },
}
WEIGHT = {
    "code": "Weight",
    "units": {
        "KILOGRAM": {"convert_from_standard": [{"operator": "mul", "value": "1"}]},
        "GRAM": {"convert_from_standard": [{"operator": "mul", "value": "0.001"}]},
    },
}
CATALOG = Catalog(
    channel="ecommerce",
    attributes=ATTRIBUTES,
    family_variants={
        "by_color_size": {
            "variant_attribute_sets": [
                {"level": 1, "axes": ["color"]},
                {"level": 2, "axes": ["size"]},
            ]
        }
    },
    measurement_families={"Weight": WEIGHT},
    category_codes=frozenset({"master", "shirts"}),
    # The demo's shape: the family's label attribute is `name`.
    families={"shirts": Family("shirts", "name", None, tuple(ATTRIBUTES))},
)


def v(data, locale=None, scope=None):
    return [{"locale": locale, "scope": scope, "data": data}]


def option(code):
    return {"code": code, "labels": {}}


def product(**values):
    return {
        "uuid": "8f1c1a2e-0000-4000-8000-000000000001",
        "identifier": "SKU-1",
        "enabled": True,
        "parent": None,
        "family": "shirts",
        "categories": ["shirts", "not_in_the_tree"],
        # a product needs a label (see test_shopware6_labels.py)
        "values": {"price": v({"EUR": "11.90", "USD": "14"}), "name": v("Tee", "en_US"), **values},
    }


def mapper(**overrides):
    return ProductMapper(CATALOG, SHOP, with_defaults({"media": {"attributes": []}, **overrides}))


def test_ids_are_deterministic_hex_and_differ_per_entity():
    assert shopware_id("product", "x") == shopware_id("product", "x")
    assert shopware_id("product", "x") != shopware_id("category", "x")
    assert len(shopware_id("product", "x")) == 32


def test_a_simple_product_payload():
    mapped = mapper().simple(
        product(
            name=v("Tee", "en_US") + v("T-Shirt", "de_DE"),
            description=v("<p>Soft</p>", "en_US", "ecommerce") + v("print", "en_US", "print"),
            weight=v({"amount": "1500", "unit": "GRAM"}),
            color=v(option("red")),
            material=v([option("cotton"), option("wool")]),
            warranty=v("2"),
        )
    )
    payload = mapped.payload
    assert payload["id"] == product_id({"uuid": "8f1c1a2e-0000-4000-8000-000000000001"})
    assert (payload["productNumber"], payload["active"], payload["taxId"]) == (
        "SKU-1",
        True,
        "7" * 32,
    )
    assert payload["price"] == [
        {"currencyId": "e" * 32, "gross": 11.9, "net": 10.0, "linked": True},
        {"currencyId": "d" * 32, "gross": 14.0, "net": 11.76, "linked": True},
    ]
    assert payload["translations"][EN]["name"] == "Tee"
    assert payload["translations"][EN]["description"] == "<p>Soft</p>"  # this channel's value
    assert payload["translations"][DE] == {
        "name": "T-Shirt",
        "description": None,  # no German description: emptied in the shop too
        "metaTitle": None,
        "metaDescription": None,
        "keywords": None,
    }
    assert payload["weight"] == 1.5  # grams → Shopware's kilograms
    assert payload["categories"] == [{"id": shopware_id("category", "shirts")}]
    assert sorted(p["id"] for p in payload["properties"]) == sorted(
        [option_id("color", "red"), option_id("material", "cotton"), option_id("material", "wool")]
    )
    assert payload["customFields"]["pimflow_warranty"] == 2.0
    assert [vis["visibility"] for vis in payload["visibilities"]] == [30]
    assert mapped.relations["categories"] == [shopware_id("category", "shirts")]


def test_missing_default_currency_price_names_the_field_and_reason():
    with pytest.raises(MappingError) as error:
        mapper().simple(product(price=v({"USD": "5"})))
    assert error.value.field == "price"
    assert "EUR" in error.value.reason and "USD" in error.value.reason


def test_tax_classes_pick_the_rate():
    mapping = {
        "tax": {"default_rate": 19, "attribute": "color", "rates": {"red": 7}},
        "properties": [],
    }
    assert mapper(**mapping).simple(product(color=v(option("red")))).payload["taxId"] == "8" * 32
    with pytest.raises(MappingError, match="no rate"):
        mapper(**mapping).simple(product(color=v(option("blue"))))


def test_variants_inherit_what_they_share_with_their_parent():
    m = mapper()
    model = {
        "code": "tee",
        "family": "shirts",
        "family_variant": "by_color_size",
        "categories": ["shirts"],
        "values": {"name": v("Tee", "en_US")},
    }
    parent = m.parent(model, {"EUR": "11.90"}, [option_id("color", "red"), option_id("size", "m")])
    assert parent.key == model_product_id("tee")
    assert len(parent.payload["configuratorSettings"]) == 2
    variant = m.variant(
        product(
            name=v("Tee", "en_US"),
            color=v(option("red")),
            size=v(option("m")),
            price=v({"EUR": "11.90"}),
        )
        | {"parent": "tee_red", "categories": ["shirts"]},
        model,
        parent,
    )
    payload = variant.payload
    assert payload["parentId"] == parent.key
    assert sorted(o["id"] for o in payload["options"]) == sorted(
        [option_id("color", "red"), option_id("size", "m")]
    )
    assert payload["price"] is None  # same as the parent's: inherited
    assert payload["translations"][EN]["name"] is None
    assert payload["categories"] == [] and variant.relations["categories"] == []
    assert "visibilities" not in payload
    assert payload["properties"] == []  # the axes are options, not properties
    with pytest.raises(MappingError, match="axis 'size'"):
        m.variant(product(color=v(option("red"))) | {"parent": "tee_red"}, model, parent)


def test_removed_links_become_deletes_in_the_same_call():
    old = {
        "categories": ["c1", "c2"],
        "media": ["m1"],
        "configurator": ["o1", "o2"],
        "visibilities": [],
    }
    new = {"categories": ["c2"], "media": [], "configurator": ["o2"], "visibilities": []}
    deletes = relation_deletes("p", old, new)
    assert deletes["product_category"] == [{"productId": "p", "categoryId": "c1"}]
    assert deletes["product_media"] == [{"id": "m1"}]
    assert deletes["product_configurator_setting"] == [
        {"id": shopware_id("product_configurator_setting", "p:o1")}
    ]
    assert relation_deletes("p", new, new) == {}


def test_cross_sellings_resolve_identifiers_and_sub_models_and_report_the_missing():
    item = {
        "associations": {"UPSELL": {"products": ["SKU-2", "SKU-9"], "product_models": ["tee_red"]}},
        "quantified_associations": {},
    }
    exists = {shopware_id("product", "uuid-2"), model_product_id("tee")}
    payloads, relations, missing = map_cross_sellings(
        "p", item, parse_mapping({}), exists, SHOP, {"tee_red": "tee"}, {"SKU-2": "uuid-2"}
    )
    (cross,) = payloads
    assert [a["productId"] for a in cross["assignedProducts"]] == [
        shopware_id("product", "uuid-2"),
        model_product_id("tee"),
    ]
    assert missing == [("UPSELL", "product", "SKU-9")]
    assert relations["cross_sellings"] == [cross["id"]]


def test_the_default_mapping_loads_and_mistakes_name_the_key(tmp_path):
    assert load_mapping().batch_size == 250
    for raw, message in (
        ({"price": {"entered_as": "both"}}, "price.entered_as"),
        ({"fields": {"colour": "color"}}, "fields.colour"),
        (
            {"visibilities": [{"sales_channel": "x", "visibility": 40}]},
            "visibilities[0].visibility",
        ),
        ({"batchsize": 10}, "mapping: batchsize: unknown key"),
        ({"batch_size": 0}, "batch_size"),
    ):
        with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
            parse_mapping(raw)
    broken = tmp_path / "mapping.yaml"
    partial = tmp_path / "partial.yaml"
    partial.write_text("removed_products: delete\n")
    assert load_mapping(partial).removed_products == "delete"
    # the rest stays default
    assert load_mapping(partial).translations["name"] == load_mapping().translations["name"]
    assert load_mapping(partial).translations["description"] == "description"
    broken.write_text("removed_products: archive\n")
    with pytest.raises(ConfigError, match=f"{broken}: removed_products"):
        load_mapping(broken)


def test_locales_map_to_languages_exactly_first_then_by_language():
    shop = {"en-GB": "en", "de-DE": "de", "fr-FR": "fr"}
    assert language_for_locales(["en_US", "de_DE", "fr_FR", "ja_JP"], shop) == {
        "en_US": "en",
        "de_DE": "de",
        "fr_FR": "fr",
    }
    assert language_for_locales(["en_US", "en_GB"], shop) == {"en_GB": "en"}
    assert language_for_locales(["de_AT"], shop, {"de_AT": "de_DE"}) == {"de_AT": "de"}
