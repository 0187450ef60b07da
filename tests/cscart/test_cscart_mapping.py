"""The pure mapping: canonical Akeneo data in, CS-Cart payloads out, no server."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from pimflow.configuration import ConfigError
from pimflow.cscart.config import CsCartMapping, parse_mapping
from pimflow.cscart.mapping import (
    GROUP_CODE,
    FeatureSpec,
    MappingError,
    MediaRef,
    ProductContext,
    UnitConverter,
    VariantDef,
    axis_purposes,
    base_locale,
    category_core,
    feature_code,
    feature_core,
    feature_texts,
    group_code,
    group_features,
    language_map,
    map_product,
    merge_bodies,
    plan_features,
)

WEIGHT = {
    "code": "Weight",
    "standard_unit_code": "KILOGRAM",
    "units": {
        "GRAM": {"convert_from_standard": [{"operator": "mul", "value": "0.001"}], "symbol": "g"},
        "KILOGRAM": {"convert_from_standard": [{"operator": "mul", "value": "1"}], "symbol": "kg"},
        "POUND": {
            "convert_from_standard": [{"operator": "mul", "value": "0.45359237"}],
            "symbol": "lb",
        },
    },
}
TEMPERATURE = {  # Akeneo's own definition: operations are applied in order, then reversed
    "code": "Temperature",
    "standard_unit_code": "KELVIN",
    "units": {
        "KELVIN": {"convert_from_standard": [{"operator": "mul", "value": "1"}]},
        "CELSIUS": {"convert_from_standard": [{"operator": "add", "value": "273.15"}]},
        "FAHRENHEIT": {
            "convert_from_standard": [
                {"operator": "sub", "value": "32"},
                {"operator": "div", "value": "1.8"},
                {"operator": "add", "value": "273.15"},
            ]
        },
    },
}
LENGTH = {
    "code": "Length",
    "standard_unit_code": "METER",
    "units": {
        "MILLIMETER": {"convert_from_standard": [{"operator": "mul", "value": "0.001"}]},
        "CENTIMETER": {"convert_from_standard": [{"operator": "mul", "value": "0.01"}]},
        "METER": {"convert_from_standard": [{"operator": "mul", "value": "1"}]},
    },
}


def attr(code: str, kind: str, **extra) -> dict:
    return {"code": code, "type": kind, "labels": {"en_US": code.title()}, **extra}


ATTRIBUTES = {
    "sku": attr("sku", "pim_catalog_identifier"),
    "name": attr("name", "pim_catalog_text", localizable=True),
    "description": attr("description", "pim_catalog_textarea", localizable=True, scopable=True),
    "price": attr("price", "pim_catalog_price_collection"),
    "msrp": attr("msrp", "pim_catalog_price_collection"),
    "stock": attr("stock", "pim_catalog_number"),
    "weight": attr("weight", "pim_catalog_metric", metric_family="Weight"),
    "depth": attr("depth", "pim_catalog_metric", metric_family="Length"),
    "color": attr("color", "pim_catalog_simpleselect"),
    "material": attr("material", "pim_catalog_multiselect"),
    "brand": attr("brand", "akeneo_reference_entity", reference_data_name="brand"),
    "eco": attr("eco", "pim_catalog_boolean"),
    "released": attr("released", "pim_catalog_date", scopable=True),
    "rating": attr("rating", "pim_catalog_number"),
    "shoe_size": attr("shoe_size", "pim_catalog_number"),
    "power": attr(
        "power", "pim_catalog_metric", metric_family="Weight", default_metric_unit="KILOGRAM"
    ),
    "care": attr("care", "pim_catalog_text", localizable=True),
    "image": attr("image", "pim_catalog_image"),
    "pictures": attr("pictures", "pim_catalog_asset_collection", reference_data_name="pics"),
    "table": attr("table", "pim_catalog_table"),
}

MAPPING = parse_mapping(
    {
        "texts": {"product": "name", "full_description": "description"},
        "price": {"attribute": "price", "currency": "USD"},
        "list_price": {"attribute": "msrp"},
        "amount": {"attribute": "stock"},
        "weight": {"attribute": "weight", "unit": "POUND"},
        "dimensions": {"length": "depth", "unit": "CENTIMETER"},
        "taxes": {"ids": [6]},
        "features": {
            "attributes": [
                "color",
                "material",
                "brand",
                "eco",
                "released",
                "rating",
                "care",
                "power",
            ],
            "brand": "brand",
        },
        "images": {"attributes": ["image", "pictures"], "asset_file_attribute": "media"},
    }
)


def specs(mapping: CsCartMapping = MAPPING) -> list[FeatureSpec]:
    return plan_features(ATTRIBUTES, mapping, {})


def context(mapping: CsCartMapping = MAPPING, **changes) -> ProductContext:
    features = specs(mapping)
    ctx = ProductContext(
        channel="ecommerce",
        languages={"en_US": "en", "de_DE": "de"},
        base="en_US",
        mapping=mapping,
        attributes=ATTRIBUTES,
        features=features,
        feature_ids={spec.attribute: index for index, spec in enumerate(features, start=10)},
        variant_ids={
            "color/red": 101,
            "color/blue": 102,
            "material/wool": 201,
            "material/silk": 202,
            "brand/acme": 301,
        },
        category_ids={"shoes": 5, "sale": 7, "women": 3},
        category_order={"master": 0, "women": 1, "shoes": 2, "sale": 3},
        converter=UnitConverter([WEIGHT, LENGTH]),
        media={
            ("product", "a/b/main.jpg"): MediaRef("aaa", "http://media/aa/aaa", "image/jpeg"),
            ("asset", "x/pic1.png"): MediaRef("bbb", "http://media/bb/bbb", "image/png"),
            ("asset", "x/manual.pdf"): MediaRef("ccc", "http://media/cc/ccc", "application/pdf"),
        },
        assets={("pics", "pic1"): "x/pic1.png", ("pics", "manual"): "x/manual.pdf"},
        unclassified_id=99,
    )
    return replace(ctx, **changes) if changes else ctx


def v(data, locale=None, scope=None) -> list[dict]:
    return [{"locale": locale, "scope": scope, "data": data}]


def product(**values) -> dict:
    base = {
        "name": [
            {"locale": "en_US", "scope": None, "data": "Boot"},
            {"locale": "de_DE", "scope": None, "data": "Stiefel"},
        ],
        "description": [
            {"locale": "en_US", "scope": "ecommerce", "data": "<p>Warm</p>"},
            {"locale": "en_US", "scope": "print", "data": "Warm (print)"},
        ],
        "price": v({"EUR": "10.00", "USD": "10.805"}),
        "msrp": v({"USD": "15"}),
        "stock": v("7"),
        "weight": v({"amount": "907.18474", "unit": "GRAM"}),
        "depth": v({"amount": "123", "unit": "MILLIMETER"}),
        "color": v({"code": "red", "labels": {"en_US": "Red"}}),
        "material": v([{"code": "wool", "labels": {}}, {"code": "silk", "labels": {}}]),
        "brand": v("acme"),
        "eco": v(True),
        "released": v("2024-03-01", scope="ecommerce"),
        "rating": v("4.5000"),
        "care": [
            {"locale": "en_US", "scope": None, "data": "Hand wash"},
            {"locale": "de_DE", "scope": None, "data": "Handwäsche"},
        ],
        "power": v({"amount": "1500", "unit": "GRAM"}),
        "image": v({"code": "a/b/main.jpg"}),
        "pictures": v(["pic1", "manual"]),
    }
    base.update(values)
    return {
        "uuid": "u-1",
        "identifier": "BOOT-1",
        "enabled": True,
        "categories": ["sale", "shoes", "elsewhere"],
        "values": {k: val for k, val in base.items() if val is not None},
    }


def feature_id(attribute: str) -> str:
    return str(context().feature_ids[attribute])


def test_a_product_maps_to_a_core_texts_per_language_and_images():
    mapped = map_product(product(), context())
    core = mapped.core
    assert mapped.key == "u-1" and mapped.identifier == "BOOT-1"
    assert core["product_code"] == "BOOT-1"
    assert core["status"] == "A"
    assert core["price"] == "10.81"  # rounded half up to cents
    assert core["list_price"] == "15.00"
    assert core["amount"] == 7
    assert core["weight"] == "2.000"  # 907.18474 g is 2 lb
    assert core["length"] == 12  # 123 mm in whole centimetres
    assert core["tax_ids"] == [6]
    # Categories in tree order, outside the tree left out; the first is the main one.
    assert core["category_ids"] == [5, 7] and core["main_category"] == 5
    features = core["product_features"]
    assert features[feature_id("color")] == {"feature_type": "S", "variant_id": 101}
    assert features[feature_id("material")] == {
        "feature_type": "M",
        "variants": {"201": {"variant_id": 201}, "202": {"variant_id": 202}},
    }
    assert features[feature_id("brand")] == {"feature_type": "E", "variant_id": 301}
    assert features[feature_id("eco")] == {"feature_type": "C", "value": "Y"}
    assert features[feature_id("released")] == {"feature_type": "D", "value_int": 1709251200}
    assert features[feature_id("rating")] == {"feature_type": "O", "value_int": "4.5"}
    assert features[feature_id("power")] == {"feature_type": "O", "value_int": "1.5"}  # in kg
    assert feature_id("care") not in features  # text features are per language
    assert mapped.texts == {
        "en": {
            "product": "Boot",
            "full_description": "<p>Warm</p>",
            "product_features": {feature_id("care"): {"feature_type": "T", "value": "Hand wash"}},
        },
        "de": {
            "product": "Stiefel",
            "full_description": "",  # no German description: emptied, not left stale
            "product_features": {feature_id("care"): {"feature_type": "T", "value": "Handwäsche"}},
        },
    }
    # The image attribute, then the picture assets; the PDF is no image.
    assert mapped.image_digest == ["aaa", "bbb"]
    assert mapped.images == {
        "main_pair": {"position": 0, "detailed": {"image_path": "http://media/aa/aaa"}},
        "image_pairs": [{"position": 1, "detailed": {"image_path": "http://media/bb/bbb"}}],
    }


def test_the_create_body_carries_base_texts_images_and_the_default_stock():
    mapped = map_product(product(), context())
    body = mapped.create_body("en", amount_default=None)
    assert body["lang_code"] == "en"
    assert body["product"] == "Boot" and "main_pair" in body
    assert set(body["product_features"]) == set(mapped.core["product_features"]) | {
        feature_id("care")
    }
    no_stock = MAPPING.model_copy(update={"amount_attribute": None})
    mapped = map_product(product(), context(no_stock))
    assert "amount" not in mapped.core  # the shop owns the stock...
    assert mapped.create_body("en", 3)["amount"] == 3  # ...after a new product gets one


def test_emptied_values_are_sent_empty_so_that_cs_cart_clears_them():
    mapped = map_product(
        product(
            color=None,
            material=v([]),
            brand=None,
            eco=None,
            released=None,
            rating=None,
            care=None,
            weight=None,
            msrp=None,
            description=None,
            image=None,
            pictures=None,
        ),
        context(),
    )
    features = mapped.core["product_features"]
    for attribute in ("color", "material", "brand", "eco", "released", "rating"):
        assert features[feature_id(attribute)] == "", attribute
    assert mapped.texts["en"]["product_features"] == {feature_id("care"): ""}
    assert mapped.texts["en"]["full_description"] == ""
    assert mapped.core["weight"] == "0.000" and mapped.core["list_price"] == "0.00"
    assert mapped.images == {"main_pair": {}, "image_pairs": []} and mapped.image_digest == []


def test_a_missing_translation_of_the_name_falls_back_to_the_first_locale_with_a_warning():
    """The one rule of both targets (pimflow.akeneo.profile.labels_with_fallback)."""
    mapped = map_product(product(name=v("Boot", locale="en_US")), context())
    assert mapped.texts["de"]["product"] == "Boot"
    assert mapped.warnings == [
        ("product", "no label in de_DE (attribute name): the en_US label is used")
    ]
    # Empty or only spaces is no label; the first run locale that has one is used.
    spaces = [
        {"locale": "en_US", "scope": None, "data": "   "},
        {"locale": "de_DE", "scope": None, "data": "Stiefel"},
    ]
    mapped = map_product(product(name=spaces), context())
    assert mapped.texts["en"]["product"] == mapped.texts["de"]["product"] == "Stiefel"
    assert "no label in en_US" in mapped.warnings[0][1]
    assert map_product(product(), context()).warnings == []


@pytest.mark.parametrize("name", [None, v("", locale="en_US"), v("  ", locale="de_DE")])
def test_a_product_with_no_name_in_any_locale_is_refused_not_named_by_its_code(name):
    with pytest.raises(MappingError) as error:
        map_product(product(name=name), context())
    assert error.value.field == "product"
    assert error.value.reason == "no label in any locale (attribute name)"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"price": v(["not", "a", "mapping"])}, "price"),
        ({"image": v("not-a-mapping")}, "image"),
        ({"pictures": v(12)}, "pictures"),
        ({"weight": v({"amount": "1", "unit": ["GRAM"]})}, "weight"),
    ],
)
def test_a_value_of_an_unexpected_shape_is_a_mapping_error_naming_its_attribute(values, field):
    """Not only MappingError: whatever a value's shape breaks refuses that product only."""
    with pytest.raises(MappingError) as error:
        map_product(product(**values), context())
    assert error.value.field == field, error.value


def test_disabled_products_and_unclassified_ones():
    item = product()
    item["enabled"] = False
    item["categories"] = ["elsewhere"]
    mapped = map_product(item, context())
    assert mapped.core["status"] == "D"
    assert mapped.core["category_ids"] == [99] and mapped.core["main_category"] == 99
    with pytest.raises(MappingError) as error:
        map_product(item, context(unclassified_id=None))
    assert error.value.field == "category_ids"


@pytest.mark.parametrize(
    ("values", "field", "reason"),
    [
        ({"price": v({"EUR": "10"})}, "price", "no price in USD (Akeneo has EUR)"),
        ({"price": None}, "price", "no price in USD (Akeneo has none)"),
        ({"price": v({"USD": "-1"})}, "price", "negative amount -1"),
        ({"stock": v("2.5")}, "amount", "2.5 is not a whole number of at least 0"),
        (
            {"color": v({"code": "green", "labels": {}})},
            "color",
            "'green' has no variant in CS-Cart",
        ),
        (
            {"weight": v({"amount": "1", "unit": "PARSEC"})},
            "weight",
            "unit PARSEC is not a unit of Weight",
        ),
    ],
)
def test_what_cs_cart_would_refuse_is_a_mapping_error_naming_the_field(values, field, reason):
    with pytest.raises(MappingError) as error:
        map_product(product(**values), context())
    assert (error.value.field, error.value.reason) == (field, reason)


def test_a_product_without_identifier_is_refused():
    item = product()
    item["identifier"] = ""
    with pytest.raises(MappingError, match="product_code"):
        map_product(item, context())


def test_the_vendor_from_an_attribute_and_taxes_by_option():
    mapping = MAPPING.model_copy(
        update={
            "company_attribute": "color",
            "companies": {"red": 2},
            "tax_ids": (),
            "tax_attribute": "color",
            "tax_map": {"red": (6, 7)},
        }
    )
    mapped = map_product(product(), context(mapping))
    assert mapped.core["company_id"] == 2 and mapped.core["tax_ids"] == [6, 7]
    with pytest.raises(MappingError) as error:
        map_product(product(color=v({"code": "blue", "labels": {}})), context(mapping))
    assert error.value.field == "company_id"
    numbers = MAPPING.model_copy(update={"company_attribute": "stock", "companies": {}})
    assert map_product(product(), context(numbers)).core["company_id"] == 7
    fixed = MAPPING.model_copy(update={"company_id": 3, "tax_ids": None})
    core = map_product(product(), context(fixed)).core
    assert core["company_id"] == 3 and "tax_ids" not in core  # taxes left to the shop


def test_measure_conversion_follows_akeneo_operations_both_ways():
    converter = UnitConverter([WEIGHT, TEMPERATURE])
    assert converter.convert("Temperature", "100", "CELSIUS", "FAHRENHEIT") == Decimal("212")
    assert converter.convert("Temperature", "212", "FAHRENHEIT", "CELSIUS") == Decimal("100")
    assert converter.convert("Weight", "2", "KILOGRAM", "GRAM") == Decimal("2000")
    assert converter.has_unit("Weight", "POUND") and not converter.has_unit("Weight", "METER")
    with pytest.raises(ValueError, match="not a unit of Weight"):
        converter.convert("Weight", "1", "KILOGRAM", "METER")


def test_locales_match_shop_languages_by_code_then_by_language_one_each():
    shop = ["en", "de", "pt", "pt_br"]
    assert language_map(["en_US", "en_GB", "de_DE", "pt_BR", "ja_JP"], shop, {}) == {
        "en_US": "en",
        "de_DE": "de",
        "pt_BR": "pt_br",
    }
    assert language_map(["en_US", "en_GB", "pt_PT"], shop, {"en_GB": "en"}) == {
        "en_GB": "en",
        "pt_PT": "pt",
    }
    assert base_locale({"de_DE": "de", "en_US": "en"}, None) == "de_DE"
    assert base_locale({"de_DE": "de", "en_US": "en"}, "en_US") == "en_US"
    with pytest.raises(ConfigError, match="languages.base: fr_FR is not a synced locale"):
        base_locale({"de_DE": "de"}, "fr_FR")
    with pytest.raises(ConfigError, match="no Akeneo locale"):
        base_locale({}, None)


def test_features_auto_leave_out_what_other_keys_use_and_what_no_feature_can_hold():
    auto = parse_mapping(
        {
            "texts": {"product": "name"},
            "price": {"attribute": "price"},
            "images": {"attributes": ["image", "pictures"]},
            "features": {"brand": "brand", "exclude": ["care"]},
        }
    )
    planned = {spec.attribute: spec.feature_type for spec in plan_features(ATTRIBUTES, auto, {})}
    assert planned == {
        "stock": "O",
        "depth": "O",
        "color": "S",
        "material": "M",
        "brand": "E",
        "eco": "C",
        "released": "D",
        "rating": "O",
        "shoe_size": "O",
        "power": "O",
    }  # not name, description, price, weight, image, pictures (used) nor sku, msrp, table
    typed = auto.model_copy(update={"feature_types": {"rating": "N"}})
    planned = {spec.attribute: spec for spec in plan_features(ATTRIBUTES, typed, {})}
    assert planned["rating"].feature_type == "N" and planned["rating"].variant_source == "values"
    assert planned["color"].variant_source == "options"
    assert planned["brand"].variant_source == "records"
    assert planned["power"].metric_unit == "KILOGRAM"


def test_variant_axes_become_select_box_features_with_their_purpose():
    axes = {"shoe_size": "group_variation_catalog_item", "color": "group_catalog_item"}
    mapping = MAPPING.model_copy(update={"feature_attributes": ("material",)})
    planned = {spec.attribute: spec for spec in plan_features(ATTRIBUTES, mapping, axes)}
    assert planned["shoe_size"].feature_type == "N"  # a number axis: a select box of numbers
    assert planned["shoe_size"].purpose == "group_variation_catalog_item"
    assert planned["color"].feature_type == "S" and planned["color"].purpose == "group_catalog_item"
    # Every axis type Akeneo allows is a select box: a boolean's variants are Yes and No.
    eco = plan_features(ATTRIBUTES, mapping, {"eco": "group_catalog_item"})[-1]
    assert (eco.attribute, eco.feature_type, eco.variant_source) == ("eco", "S", "boolean")
    with pytest.raises(ConfigError, match="care .* is a variant axis"):
        plan_features(ATTRIBUTES, mapping, {"care": "group_catalog_item"})
    with pytest.raises(ConfigError, match="weight is a variant axis"):
        plan_features(ATTRIBUTES, mapping, {"weight": "group_catalog_item"})


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"features": {"attributes": ["nope"]}}, "Akeneo has no attribute 'nope'"),
        ({"features": {"attributes": ["table"]}}, "table .* cannot be a CS-Cart feature"),
        (
            {"features": {"attributes": ["material"], "types": {"material": "S"}}},
            "cannot be a feature of type S",
        ),
        ({"features": {"attributes": [], "brand": "eco"}}, "features.brand: eco .* cannot be E"),
    ],
)
def test_features_that_cannot_be_are_refused_with_the_key(mapping, message):
    with pytest.raises(ConfigError, match=message):
        plan_features(ATTRIBUTES, parse_mapping(mapping), {})


def test_feature_payloads_name_every_variant_in_each_language():
    spec = next(s for s in specs() if s.attribute == "color")
    spec = replace(spec, labels={"en_US": "Color", "de_DE": "Farbe"})
    variants = [
        VariantDef("red", {"en_US": "Red", "de_DE": "Rot"}),
        VariantDef("blue", {"en_US": "Blue"}),
        VariantDef("odd", {}),
    ]
    core = feature_core(spec, variants, "en_US", MAPPING)
    assert core["feature_type"] == "S" and core["description"] == "Color"
    assert core["feature_code"] == "color" and core["display_on_product"] == "Y"
    assert [(x["code"], x["variant"], x["position"]) for x in core["variants"]] == [
        ("red", "Red", 0),
        ("blue", "Blue", 1),
        ("odd", "[odd]", 2),
    ]
    german = feature_texts(spec, variants, "de_DE", "en_US")
    assert german == {
        "description": "Farbe",
        "variants": [
            {"code": "red", "variant": "Rot"},
            {"code": "blue", "variant": "Blue"},
            {"code": "odd", "variant": "[odd]"},
        ],
    }
    rating = replace(next(s for s in specs() if s.attribute == "rating"), feature_type="N")
    core = feature_core(rating, [VariantDef("4.5", {})], "en_US", MAPPING)
    assert core["variants"] == [{"code": "4.5", "variant": "4.5", "position": 0}]


def test_codes_cs_cart_allows_for_groups_and_features():
    assert group_code("clothing_model_00001") == "clothing_model_00001"
    odd = group_code("shirt/model.1 (blue)")
    assert GROUP_CODE.match(odd) and odd != group_code("shirt/model.1 (red)")
    assert len(group_code("m" * 200)) <= 64
    assert feature_code("material") == "material"
    long = feature_code("a_very_long_attribute_code_that_goes_on_and_on")
    assert len(long) == 32 and long != feature_code(
        "a_very_long_attribute_code_that_goes_on_and_off"
    )


def test_two_level_variants_group_by_both_axes_with_their_purposes():
    two = {
        "code": "clothing_color_size",
        "variant_attribute_sets": [
            {"level": 2, "axes": ["size"]},
            {"level": 1, "axes": ["color"]},
        ],
    }
    one = {"code": "shoes_size", "variant_attribute_sets": [{"level": 1, "axes": ["size"]}]}
    assert group_features(two, MAPPING) == [
        ("color", "group_catalog_item"),
        ("size", "group_variation_catalog_item"),
    ]
    assert group_features(one, MAPPING) == [("size", "group_variation_catalog_item")]
    assert axis_purposes([two, one], MAPPING) == {
        "color": "group_catalog_item",
        "size": "group_variation_catalog_item",
    }


def test_categories_and_bodies():
    row = {"code": "shoes", "position": 3, "labels": {"en_US": "Shoes", "de_DE": "Schuhe"}}
    assert category_core(row, 4, "en_US") == {
        "category": "Shoes",
        "parent_id": 4,
        "status": "A",
        "position": 3,
    }
    # A label missing in the base locale: Akeneo's `[code]`.
    assert category_core({"code": "x", "labels": {"de_DE": "X"}}, 0, "en_US")["category"] == "[x]"
    assert merge_bodies(
        {"price": "1", "product_features": {"1": ""}},
        {"product": "x", "product_features": {"2": "y"}},
    ) == {"price": "1", "product": "x", "product_features": {"1": "", "2": "y"}}
