"""The Shopware 6 mapping on catalogs unlike our demo: defaults taken from the catalog's own
structure (the family's label and images, the one price collection), the user's keys
checked against it before any write, every axis type an option, the one rule for empty
labels, and a product whose value has an odd shape refused alone."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pimflow.akeneo.profile import CatalogProfile
from pimflow.akeneo.values import AttributeInfo
from pimflow.errors import MappingError
from pimflow.shopware6.config import load_mapping, with_defaults
from pimflow.shopware6.mapping import (
    Catalog,
    ProductMapper,
    ShopContext,
    axis_option,
    option_codes,
    option_id,
)
from pimflow.shopware6.target import Shopware6Target

EN, DE = "1" * 32, "2" * 32
SHOP = ShopContext(
    default_currency="EUR",
    currency_ids={"EUR": "e" * 32},
    language_ids={"en_US": EN, "de_DE": DE},
    default_language_id=EN,
    tax_ids={Decimal("19"): "7" * 32},
    locales=("en_US", "de_DE"),
)
# The stranger's catalog (tests/stranger/catalog.py), as the structure stage stages it.
ATTRIBUTES = [
    {"code": "sku", "type": "pim_catalog_identifier"},
    {"code": "title", "type": "pim_catalog_text", "localizable": True},
    {"code": "photo_main", "type": "pim_catalog_image"},
    {"code": "gallery", "type": "pim_catalog_image"},
    {"code": "retail_price", "type": "pim_catalog_price_collection"},
    {"code": "maker", "type": "pim_catalog_simpleselect"},
    {"code": "screen_size", "type": "pim_catalog_metric", "metric_family": "Length"},
    {"code": "wireless", "type": "pim_catalog_boolean"},
]
COMMON = ["sku", "title", "photo_main", "gallery", "retail_price", "maker"]
FAMILIES = [
    {
        "code": "gadgets",
        "attribute_as_label": "title",
        "attribute_as_image": "photo_main",
        "attributes": COMMON,
    },
    {
        "code": "screens",
        "attribute_as_label": "title",
        "attribute_as_image": "photo_main",
        "attributes": [*COMMON, "screen_size"],
    },
    {
        "code": "headsets",
        "attribute_as_label": "title",
        "attribute_as_image": "photo_main",
        "attributes": [*COMMON, "wireless"],
    },
]
PROFILE = CatalogProfile.from_rows(ATTRIBUTES, FAMILIES)
LENGTH = {
    "code": "Length",
    "units": {
        "METER": {"symbol": "m", "convert_from_standard": [{"operator": "mul", "value": "1"}]},
        "INCH": {"symbol": "in", "convert_from_standard": [{"operator": "mul", "value": "0.0254"}]},
    },
}
MEDIA = {
    ("product", f"{name}.png"): {
        "sha256": name * 8,
        "path": f"file:///{name}.png",
        "filename": f"{name}.png",
        "mime_type": "image/png",
    }
    for name in ("main", "more")
}


def catalog(profile: CatalogProfile = PROFILE, **extra) -> Catalog:
    return Catalog(
        channel="ecommerce",
        attributes=profile.attributes,
        families=profile.families,
        family_attributes={code: list(f.attributes) for code, f in profile.families.items()},
        family_variants={
            "screens_by_screen_size": {
                "variant_attribute_sets": [{"level": 1, "axes": ["screen_size"]}]
            },
            "headsets_by_wireless": {
                "variant_attribute_sets": [{"level": 1, "axes": ["wireless"]}]
            },
        },
        measurement_families={"Length": LENGTH},
        media=MEDIA,
        **extra,
    )


def v(data, locale=None):
    return [{"locale": locale, "scope": None, "data": data}]


def titles(en, de):
    return v(en, "en_US") + v(de, "de_DE")


def item(identifier="GAD-1", family="gadgets", **values):
    return {
        "uuid": None,
        "identifier": identifier,
        "enabled": True,
        "family": family,
        "categories": [],
        "values": {"retail_price": v({"EUR": "19.90"}), **values},
    }


def mapper(overrides=None, profile=PROFILE) -> ProductMapper:
    mapping = with_defaults(overrides) if overrides else load_mapping()
    return ProductMapper(catalog(profile), SHOP, mapping)


def names(payload) -> dict[str, str]:
    return {language: t["name"] for language, t in payload["translations"].items()}


# -- defaults from the catalog ---------------------------------------------------------------
def test_the_default_mapping_takes_name_images_and_price_from_the_catalog():
    mapped = mapper().simple(
        item(
            title=titles("Pocket radio", "Taschenradio"),
            gallery=v({"code": "more.png"}),
            photo_main=v({"code": "main.png"}),
        )
    )
    payload = mapped.payload
    assert names(payload) == {EN: "Pocket radio", DE: "Taschenradio"}
    assert payload["price"][0]["gross"] == 19.9
    # the family's attribute_as_image first, then its other images in the family's order
    assert [f["filename"] for f in mapped.media] == ["main.png", "more.png"]
    assert payload["coverId"] == payload["media"][0]["id"]
    assert "manufacturerId" not in payload and "ean" not in payload  # defaults it lacks
    assert "pimflow_title" not in payload["customFields"]  # the label is the name
    assert mapped.warnings == []


def test_akeneos_demo_shape_shoes_by_variation_name_and_tvs_by_picture():
    profile = CatalogProfile.from_rows(
        [
            {"code": "sku", "type": "pim_catalog_identifier"},
            {"code": "name", "type": "pim_catalog_text", "localizable": True},
            {"code": "variation_name", "type": "pim_catalog_text", "localizable": True},
            {"code": "variation_image", "type": "pim_catalog_image"},
            {"code": "picture", "type": "pim_catalog_image"},
            {"code": "price", "type": "pim_catalog_price_collection"},
        ],
        [
            {
                "code": "shoes",
                "attribute_as_label": "variation_name",
                "attribute_as_image": "variation_image",
                "attributes": ["sku", "variation_name", "variation_image", "price"],
            },
            {
                "code": "led_tvs",
                "attribute_as_label": "name",
                "attribute_as_image": "picture",
                "attributes": ["sku", "name", "picture", "price"],
            },
        ],
    )
    m = mapper(profile=profile)
    price = {"price": v({"EUR": "90"})}
    shoe = m.simple(
        item(
            "SHOE-1",
            "shoes",
            **price,
            variation_name=titles("Runner", "Läufer"),
            variation_image=v({"code": "main.png"}),
        )
    )
    assert names(shoe.payload) == {EN: "Runner", DE: "Läufer"}
    assert shoe.payload["coverId"] == shoe.payload["media"][0]["id"]
    tv = m.simple(
        item("TV-1", "led_tvs", **price, name=titles("TV", "TV"), picture=v({"code": "more.png"}))
    )
    assert names(tv.payload) == {EN: "TV", DE: "TV"}
    assert [f["filename"] for f in tv.media] == ["more.png"]


def test_a_mapping_file_still_overrides_every_default():
    m = mapper({"translations": {"name": "sku"}, "media": {"attributes": ["gallery"]}})
    mapped = m.simple(
        item(sku=v("GAD-1"), photo_main=v({"code": "main.png"}), gallery=v({"code": "more.png"}))
    )
    assert names(mapped.payload) == {EN: "GAD-1", DE: "GAD-1"}
    assert [f["filename"] for f in mapped.media] == ["more.png"]


# -- check_mapping ---------------------------------------------------------------------------
def check(overrides=None, profile=PROFILE):
    mapping = with_defaults(overrides) if overrides else load_mapping()
    return Shopware6Target().check_mapping(mapping, "mine.yaml", profile)


def test_the_default_mapping_passes_with_notes_for_the_defaults_it_skips():
    result = check()
    assert result.problems == []
    assert "default manufacturer: brand: Akeneo has no attribute 'brand'" in "\n".join(result.notes)
    assert any(n.startswith("default metrics.weight: weight: ") for n in result.notes)
    assert all(n.endswith("; skipped") for n in result.notes)
    assert result.resolved["name"] == "family label (title)"
    assert result.resolved["cover"] == "photo_main, gallery (by family)"
    assert result.resolved["price"] == "retail_price"
    assert "manufacturer" not in result.resolved


def test_a_missing_attribute_the_user_wrote_is_a_problem_with_did_you_mean():
    result = check({"translations": {"name": "titel"}, "manufacturer": "maker"})
    (problem,) = result.problems
    assert (problem.key, problem.attribute) == ("translations.name", "titel")
    assert "no attribute 'titel'" in problem.reason and "did you mean 'title'" in problem.reason
    assert result.resolved["manufacturer"] == "maker"
    assert result.message().startswith("mapping mine.yaml: translations.name: ")
    brnd = check({"manufacturer": "brnd"}).problems[0]
    assert (brnd.key, brnd.attribute) == ("manufacturer", "brnd")
    assert "maker" in brnd.reason  # what exists instead


def test_an_attribute_of_the_wrong_type_is_a_problem_naming_the_fitting_ones():
    result = check(
        {
            "price": {"attribute": "title"},
            "metrics": {"weight": "maker"},
            "stock": {"attribute": "title"},
            "media": {"attributes": ["photo_main", "retail_price"]},
            "properties": ["maker", "title"],
        }
    )
    by_key = {p.key: p for p in result.problems}
    assert set(by_key) == {
        "price.attribute",
        "metrics.weight",
        "stock.attribute",
        "media.attributes",
        "properties",
    }
    assert "pim_catalog_text" in by_key["price.attribute"].reason
    assert "retail_price" in by_key["price.attribute"].reason
    assert by_key["media.attributes"].attribute == "retail_price"
    assert by_key["properties"].attribute == "title"


def test_price_auto_needs_exactly_one_price_collection():
    def with_prices(*codes):
        rows = [a for a in ATTRIBUTES if a["code"] != "retail_price"]
        rows += [{"code": c, "type": "pim_catalog_price_collection"} for c in codes]
        return CatalogProfile.from_rows(rows, FAMILIES)

    assert check(profile=with_prices("retail_price")).resolved["price"] == "retail_price"
    (none,) = check(profile=with_prices()).problems
    assert none.key == "price.attribute" and "no price collection" in none.reason
    (two,) = check(profile=with_prices("retail_price", "msrp")).problems
    assert two.key == "price.attribute"
    assert "msrp" in two.reason and "retail_price" in two.reason
    named = check({"price": {"attribute": "msrp"}}, profile=with_prices("retail_price", "msrp"))
    assert named.problems == [] and named.resolved["price"] == "msrp"


# -- every axis type an option -----------------------------------------------------------------
def test_metric_and_boolean_axes_become_readable_options_with_deterministic_ids():
    attributes = PROFILE.attributes
    inch = axis_option(
        attributes["screen_size"],
        {"amount": "46.0000", "unit": "INCH"},
        ["en_US", "de_DE"],
        {"Length": LENGTH},
    )
    assert inch == {"code": "46 INCH", "labels": {"en_US": "46 in", "de_DE": "46 in"}}
    yes = axis_option(attributes["wireless"], True, ["en_US", "de_DE", "fr_FR", "ja_JP"], {})
    assert yes["labels"] == {"en_US": "Yes", "de_DE": "Ja", "fr_FR": "Oui", "ja_JP": "Yes"}
    assert axis_option(attributes["wireless"], False, ["de_DE"], {})["labels"] == {"de_DE": "Nein"}
    # a reference entity single link: the record's code (its label comes from the record)
    record = AttributeInfo("designer", "akeneo_reference_entity")
    assert option_codes(record, "studio_x") == ["studio_x"]
    assert option_codes(attributes["screen_size"], {"amount": 46, "unit": "INCH"}) == ["46 INCH"]

    m = mapper()
    model = {
        "code": "TV-ONE",
        "family": "screens",
        "family_variant": "screens_by_screen_size",
        "categories": [],
        "values": {"title": titles("Vision TV", "Vision Fernseher")},
    }
    tv46 = item("TV-46", "screens", title=titles("Vision TV", "Vision Fernseher")) | {
        "parent": "TV-ONE"
    }
    tv46["values"]["screen_size"] = v({"amount": "46", "unit": "INCH"})
    options = m.variant_options(tv46, "screens_by_screen_size")
    assert options == [option_id("screen_size", "46 INCH")]  # same as the option's id
    parent = m.parent(model, {"EUR": "19.90"}, options)
    variant = m.variant(tv46, model, parent)
    assert variant.payload["options"] == [{"id": option_id("screen_size", "46 INCH")}]
    assert variant.payload["properties"] == []
    assert [s["optionId"] for s in parent.payload["configuratorSettings"]] == options
    wired = item("HS-WIRED", "headsets", title=titles("Calm", "Ruhig"), wireless=v(False))
    assert m.variant_options(wired, "headsets_by_wireless") == [option_id("wireless", "false")]


# -- empty labels: labels_with_fallback ------------------------------------------------------
def test_an_empty_locale_takes_the_first_run_locales_label_and_warns():
    mapped = mapper().simple(item(title=titles("Pocket radio", "  ")))
    assert names(mapped.payload) == {EN: "Pocket radio", DE: "Pocket radio"}
    ((field, reason),) = mapped.warnings
    assert field == "name"
    assert "de_DE" in reason and "en_US" in reason and "title" in reason
    # the run's order decides: the first locale with a label, not the alphabet
    mapped = mapper().simple(item(title=v("Taschenradio", "de_DE")))
    assert names(mapped.payload) == {EN: "Taschenradio", DE: "Taschenradio"}
    assert "en_US" in mapped.warnings[0][1]


def test_no_label_in_any_locale_refuses_the_product_never_names_it_by_its_identifier():
    for values in ({}, {"title": titles("", " ")}, {"title": v(None, "en_US")}):
        with pytest.raises(MappingError) as error:
            mapper().simple(item(**values))
        assert error.value.field == "name"
        assert error.value.reason == "no label in any locale (attribute title)"


def test_the_shops_default_language_always_gets_a_name():
    shop = ShopContext(
        default_currency="EUR",
        currency_ids={"EUR": "e" * 32},
        language_ids={"de_DE": DE},
        default_language_id=EN,
        tax_ids={Decimal("19"): "7" * 32},
        locales=("de_DE",),
    )
    mapped = ProductMapper(catalog(), shop, load_mapping()).simple(
        item(title=v("Taschenradio", "de_DE"))
    )
    assert names(mapped.payload) == {DE: "Taschenradio", EN: "Taschenradio"}


# -- one product's odd value --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "field", "attribute"),
    [
        ({"retail_price": v({"EUR": "19,90"})}, "price", "retail_price"),
        ({"photo_main": v(["main.png"])}, "media", ""),
        ({"screen_size": v("46 inches")}, "customFields", "screen_size"),
        ({"maker": v("zenith")}, "manufacturerId", "maker"),
    ],
)
def test_an_odd_value_is_that_products_mapping_error_naming_field_and_attribute(
    values, field, attribute
):
    m = mapper({"manufacturer": "maker"})
    with pytest.raises(MappingError) as error:
        m.simple(item("TV-1", "screens", title=titles("TV", "TV"), **values))
    assert error.value.field == field
    assert "cannot map the value" in error.value.reason
    if attribute:
        assert f"attribute {attribute!r}" in error.value.reason
