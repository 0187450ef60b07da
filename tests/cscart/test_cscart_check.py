"""CsCartTarget.check_mapping: the mapping against a catalog's structure, no server.

Keys the user's file wrote that cannot work are problems (the run is refused before any
write); defaults the catalog lacks are notes; `auto` is answered by the catalog."""

from __future__ import annotations

import pytest

from pimflow.akeneo.profile import CatalogProfile
from pimflow.cscart.config import parse_mapping
from pimflow.cscart.defaults import resolve
from pimflow.cscart.target import CsCartTarget


def attribute(code: str, kind: str, **extra) -> dict:
    return {"code": code, "type": kind, **extra}


STRANGER = [
    attribute("sku", "pim_catalog_identifier"),
    attribute("title", "pim_catalog_text", localizable=True),
    attribute("blurb", "pim_catalog_textarea", localizable=True),
    attribute("photo_main", "pim_catalog_image"),
    attribute("gallery", "pim_catalog_image"),
    attribute("shots", "pim_catalog_asset_collection", reference_data_name="shots"),
    attribute("retail_price", "pim_catalog_price_collection"),
    attribute("maker", "pim_catalog_simpleselect"),
    attribute("screen_size", "pim_catalog_metric", metric_family="Length"),
    attribute("wireless", "pim_catalog_boolean"),
]
FAMILIES = [
    {
        "code": "screens",
        "attribute_as_label": "title",
        "attribute_as_image": "gallery",
        "attributes": ["sku", "title", "photo_main", "shots", "gallery", "screen_size"],
    },
    {
        "code": "headsets",
        "attribute_as_label": "blurb",
        "attribute_as_image": "photo_main",
        "attributes": ["sku", "blurb", "photo_main", "wireless"],
    },
]


def profile(extra: list[dict] = (), drop: tuple[str, ...] = ()) -> CatalogProfile:
    rows = [row for row in STRANGER if row["code"] not in drop] + list(extra)
    return CatalogProfile.from_rows(rows, FAMILIES)


def check(data: dict, catalog: CatalogProfile | None = None):
    return CsCartTarget().check_mapping(
        parse_mapping(data, "mine.yaml"), "mine.yaml", catalog or profile()
    )


def test_the_default_mapping_fits_a_strangers_catalog_with_notes_for_what_it_lacks():
    result = check({})
    assert result.problems == [] and result.message() is None
    # weight, brand and the description are defaults that name codes this catalog lacks.
    notes = "\n".join(result.notes)
    assert "weight.attribute: the default 'weight' is skipped" in notes
    assert "features.brand: the default 'brand' is skipped" in notes
    assert "texts.full_description: the default 'description' is skipped" in notes
    assert len(result.notes) == 3  # each said once
    assert result.resolved["price"] == "retail_price (USD)"
    assert result.resolved["product"] == "headsets: blurb; screens: title"
    # attribute_as_image first, then the family's other images and assets in its order
    assert result.resolved["main_pair, image_pairs"] == (
        "headsets: photo_main; screens: gallery, photo_main, shots"
    )
    assert "weight" not in result.resolved


def test_auto_is_answered_per_family():
    catalog = resolve(parse_mapping({}), profile())
    assert catalog.label_attribute("screens") == "title"
    assert catalog.label_attribute("headsets") == "blurb"
    assert catalog.image_attributes("screens") == ("gallery", "photo_main", "shots")
    assert catalog.mapping.price_attribute == "retail_price"
    assert catalog.mapping.weight_attribute is None and catalog.mapping.brand_attribute is None
    # The label attributes feed the name: `features: auto` leaves them out.
    assert {"title", "blurb"} <= set(catalog.mapping.attributes_used())
    # A file that names the name attribute wins over the family's.
    named = resolve(parse_mapping({"texts": {"product": "title"}}), profile())
    assert named.label_attribute("headsets") == "title"


def test_a_missing_attribute_the_user_wrote_is_a_problem_with_did_you_mean():
    result = check({"images": {"attributes": ["photo_mian"]}})
    (problem,) = result.problems
    assert (problem.key, problem.attribute) == ("images.attributes", "photo_mian")
    assert "Akeneo has no attribute 'photo_mian'; did you mean 'photo_main'" in problem.reason
    assert result.message().startswith("mapping mine.yaml: images.attributes: Akeneo has no")


def test_a_default_code_the_user_writes_again_is_a_problem_not_a_note():
    result = check({"weight": {"attribute": "weight"}})
    assert [(p.key, p.attribute) for p in result.problems] == [("weight.attribute", "weight")]
    assert not any(note.startswith("weight.attribute") for note in result.notes)


@pytest.mark.parametrize(
    ("data", "key", "reason"),
    [
        ({"weight": {"attribute": "wireless"}}, "weight.attribute", "is a pim_catalog_boolean"),
        ({"price": {"attribute": "maker"}}, "price.attribute", "retail_price"),
        ({"images": {"attributes": ["title"]}}, "images.attributes", "not a"),
        ({"features": {"brand": "wireless"}}, "features.brand", "not a"),
        ({"amount": {"attribute": "title"}}, "amount.attribute", "pim_catalog_number"),
    ],
)
def test_an_attribute_of_the_wrong_type_is_a_problem_naming_what_fits(data, key, reason):
    (problem,) = check(data).problems
    assert problem.key == key and reason in problem.reason


def test_what_no_feature_can_hold_is_a_problem_before_the_run():
    result = check({"features": {"attributes": ["maker"], "types": {"maker": "M"}}})
    (problem,) = result.problems
    assert problem.key == "features.types.maker" and "cannot be a feature of type M" in (
        problem.reason
    )


def test_the_price_collection_none_one_or_two():
    one = check({})
    assert one.problems == [] and one.resolved["price"] == "retail_price (USD)"

    none = check({}, profile(drop=("retail_price",)))
    (problem,) = none.problems
    assert (problem.key, problem.attribute) == ("price.attribute", "auto")
    assert "0 price collection attributes (none)" in problem.reason

    two = check({}, profile([attribute("msrp", "pim_catalog_price_collection")]))
    (problem,) = two.problems
    assert problem.key == "price.attribute"
    assert "2 price collection attributes (msrp, retail_price): name the one" in problem.reason
    # Naming one settles it.
    named = check(
        {"price": {"attribute": "msrp"}},
        profile([attribute("msrp", "pim_catalog_price_collection")]),
    )
    assert named.problems == [] and named.resolved["price"] == "msrp (USD)"


def test_a_variant_axis_the_mapping_uses_for_another_field_is_refused_before_the_run():
    """An axis must stay a feature: found by the check (the family variants are part of
    the profile), not by the features stage, which would fail and be retried."""
    variants = [
        {
            "code": "screens_by_size",
            "family": "screens",
            "variant_attribute_sets": [{"level": 1, "axes": ["screen_size"], "attributes": []}],
        }
    ]
    catalog = CatalogProfile.from_rows(STRANGER, FAMILIES, variants)
    result = check({"dimensions": {"length": "screen_size"}}, catalog)
    assert [(p.key, p.attribute) for p in result.problems] == [("dimensions.length", "screen_size")]
    assert "variant axis" in result.problems[0].reason
    assert check({}, catalog).problems == []
