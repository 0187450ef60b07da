from __future__ import annotations

import pytest

from pimflow.akeneo.values import AttributeInfo, InvalidValue, parse_data, parse_values, pick


def attr(kind: str, **kw) -> AttributeInfo:
    return AttributeInfo(code=kw.pop("code", "a"), type=kind, **kw)


@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [
        ("pim_catalog_identifier", "SKU-1", "SKU-1"),
        ("pim_catalog_text", "Tee", "Tee"),
        ("pim_catalog_textarea", "Long\ntext", "Long\ntext"),
        ("pim_catalog_number", 40, "40"),
        ("pim_catalog_number", "89.8970", "89.8970"),  # decimals kept exactly
        ("pim_catalog_boolean", True, True),
        ("pim_catalog_boolean", "false", False),  # the docs' example sends a string
        ("pim_catalog_date", "2016-06-13T00:00:00+02:00", "2016-06-13"),
        (
            "pim_catalog_metric",
            {"amount": "25.45", "unit": "CENTIMETER"},
            {"amount": "25.45", "unit": "CENTIMETER"},
        ),
        (
            "pim_catalog_metric",
            {"amount": 10, "unit": "KILOWATT"},
            {"amount": "10", "unit": "KILOWATT"},
        ),
        (
            "pim_catalog_price_collection",
            [
                {"amount": "15.50", "currency": "EUR"},
                {"amount": "15", "currency": "USD"},
                {"amount": None, "currency": "GBP"},
            ],
            {"EUR": "15.50", "USD": "15"},
        ),
        ("pim_catalog_price", {"amount": "25.50", "unit": "EUR"}, {"EUR": "25.50"}),
        ("pim_catalog_image", "a/b/c/d/abc_img.jpg", {"code": "a/b/c/d/abc_img.jpg"}),
        ("pim_catalog_file", "f/2/e/6/f2e_myFile.pdf", {"code": "f/2/e/6/f2e_myFile.pdf"}),
        ("akeneo_reference_entity", "bouroullec", "bouroullec"),
        (
            "akeneo_reference_entity_collection",
            ["winter_2019", "spring_2020"],
            ["winter_2019", "spring_2020"],
        ),
        ("pim_catalog_asset_collection", ["packshot_1"], ["packshot_1"]),
        (
            "pim_catalog_table",
            [{"ingredient": "salt", "qty": 2}],
            [{"ingredient": "salt", "qty": 2}],
        ),
        (
            "pim_catalog_product_link",
            {"type": "product", "id": "0b9d7b8a-1a2b-4c3d-9e8f-001122334455"},
            {"type": "product", "id": "0b9d7b8a-1a2b-4c3d-9e8f-001122334455"},
        ),
    ],
)
def test_every_documented_type_parses(kind, data, expected):
    assert parse_data(attr(kind), data) == expected


def test_select_values_carry_their_labels_from_linked_data():
    linked = {"attribute": "color", "code": "blue", "labels": {"en_US": "Blue", "de_DE": "Blau"}}
    assert parse_data(attr("pim_catalog_simpleselect"), "blue", linked) == {
        "code": "blue",
        "labels": {"en_US": "Blue", "de_DE": "Blau"},
    }
    multi = parse_data(
        attr("pim_catalog_multiselect"),
        ["cotton", "wool"],
        {"cotton": {"labels": {"en_US": "Cotton"}}},
    )
    assert multi == [
        {"code": "cotton", "labels": {"en_US": "Cotton"}},
        {"code": "wool", "labels": {}},
    ]


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("pim_catalog_number", "twelve"),
        ("pim_catalog_number", True),
        ("pim_catalog_boolean", "yes"),
        ("pim_catalog_date", "13/06/2016"),
        ("pim_catalog_metric", {"amount": "1"}),
        ("pim_catalog_price_collection", [{"amount": "1"}]),
        ("pim_catalog_text", 12),
        ("pim_catalog_multiselect", "not-a-list"),
    ],
)
def test_data_that_does_not_fit_its_type_is_refused(kind, data):
    with pytest.raises(InvalidValue):
        parse_data(attr(kind), data)


def test_parse_values_reports_bad_values_keeps_unknown_types_raw_and_drops_emptied_ones():
    attributes = {
        "name": attr("pim_catalog_text", code="name", localizable=True),
        "weight": attr("pim_catalog_number", code="weight"),
        "shiny": attr("pim_catalog_future_type", code="shiny"),
    }
    parsed = parse_values(
        {
            "name": [
                {"locale": "en_US", "scope": None, "data": "Tee"},
                {"locale": "de_DE", "scope": None, "data": None},  # emptied in Akeneo
            ],
            "weight": [{"locale": None, "scope": None, "data": "heavy"}],
            "shiny": [{"locale": None, "scope": None, "data": {"x": 1}}],
            "ghost": [{"locale": None, "scope": None, "data": "?"}],
        },
        attributes,
    )
    assert parsed.values["name"] == [{"locale": "en_US", "scope": None, "data": "Tee"}]
    assert parsed.values["shiny"] == [
        {"locale": None, "scope": None, "data": {"x": 1}, "raw": True}
    ]
    assert parsed.unknown_types == {"pim_catalog_future_type"}
    assert "weight" not in parsed.values
    reasons = {e["attribute"]: e["reason"] for e in parsed.errors}
    assert "heavy" in reasons["weight"]
    assert "ghost" in reasons


def test_pick_matches_locale_and_scope_and_treats_global_values_as_matching_all():
    values = {
        "description": [
            {"locale": "en_US", "scope": "print", "data": "print text"},
            {"locale": "en_US", "scope": "ecommerce", "data": "web text"},
        ],
        "ean": [{"locale": None, "scope": None, "data": "123"}],
    }
    assert pick(values, "description", "en_US", "ecommerce") == "web text"
    assert pick(values, "description", "de_DE", "ecommerce") is None
    assert pick(values, "ean", "fr_FR", "print") == "123"
    assert pick(values, "missing", "en_US", "ecommerce") is None
