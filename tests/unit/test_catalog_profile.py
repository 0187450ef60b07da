"""The catalog's own structure: label and image attributes per family, and the reasons a
mapping's attribute cannot be used, with what exists instead."""

from __future__ import annotations

from pimflow.akeneo.profile import CatalogProfile

ATTRIBUTES = [
    {"code": "sku", "type": "pim_catalog_identifier"},
    {"code": "title", "type": "pim_catalog_text", "localizable": True},
    {"code": "photo_main", "type": "pim_catalog_image"},
    {"code": "gallery", "type": "pim_catalog_image"},
    {"code": "packshots", "type": "pim_catalog_asset_collection", "reference_data_name": "shots"},
    {"code": "retail_price", "type": "pim_catalog_price_collection"},
    {"code": "maker", "type": "pim_catalog_simpleselect"},
]
FAMILIES = [
    {
        "code": "gadgets",
        "attribute_as_label": "title",
        "attribute_as_image": "gallery",
        "attributes": ["sku", "photo_main", "title", "packshots", "gallery", "maker"],
    },
    {"code": "bare", "attribute_as_label": "sku", "attribute_as_image": None, "attributes": []},
]
PROFILE = CatalogProfile.from_rows(ATTRIBUTES, FAMILIES)


def test_the_families_label_and_images_in_their_order_main_image_first():
    assert PROFILE.label_attribute("gadgets") == "title"
    assert PROFILE.image_attributes("gadgets") == ["gallery", "photo_main", "packshots"]
    assert PROFILE.image_attributes("bare") == []
    assert PROFILE.image_attributes(None) == [] and PROFILE.label_attribute("nope") is None


def test_attributes_by_type():
    assert PROFILE.of_types({"pim_catalog_price_collection"}) == ["retail_price"]


def test_a_missing_attribute_is_refused_with_the_near_misses():
    reason = PROFILE.check_attribute("maker_", {"pim_catalog_simpleselect"})
    assert reason == "Akeneo has no attribute 'maker_'; did you mean 'maker'?"
    far = PROFILE.check_attribute("brand", {"pim_catalog_simpleselect"})
    assert far == "Akeneo has no attribute 'brand' (attributes of that kind: maker)"


def test_an_attribute_of_the_wrong_type_is_refused_naming_those_that_fit():
    reason = PROFILE.check_attribute("title", {"pim_catalog_price_collection"})
    assert reason == (
        "attribute 'title' is a pim_catalog_text, not a pim_catalog_price_collection "
        "(attributes of that kind: retail_price)"
    )
    assert PROFILE.check_attribute("retail_price", {"pim_catalog_price_collection"}) is None
    assert PROFILE.check_attribute("title") is None


def test_an_empty_label_takes_the_first_locale_that_has_one_and_is_listed():
    import pytest

    from pimflow.akeneo.profile import NoLabel, labels_with_fallback

    labels, missing = labels_with_fallback(
        {"en_US": "Torch", "de_DE": "  ", "fr_FR": None}, ["de_DE", "en_US", "fr_FR"]
    )
    assert labels == {"de_DE": "Torch", "en_US": "Torch", "fr_FR": "Torch"}
    assert missing == ["de_DE", "fr_FR"]
    assert labels_with_fallback({"en_US": " Lamp "}, ["en_US"]) == ({"en_US": "Lamp"}, [])
    with pytest.raises(NoLabel):
        labels_with_fallback({"en_US": " ", "de_DE": ""}, ["en_US", "de_DE"])
