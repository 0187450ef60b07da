"""pimflow/verify.py: which rows a verifying reconcile reads back, and the comparison of a
payload pimflow wrote with the shop's record of it (Shopware's JSON, CS-Cart's strings)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from pimflow.report import summary_text
from pimflow.verify import Sample, differences, same
from tests.unit.test_report import build


def test_a_sample_takes_about_its_share_the_same_rows_for_the_same_run():
    keys = [f"product-{n}" for n in range(4000)]
    tenth = Sample(Fraction(1, 10), "run-1")
    chosen = {key for key in keys if key in tenth}
    assert 300 < len(chosen) < 500  # 400 expected; a hash, not a count
    assert chosen == {key for key in keys if key in Sample(Fraction(1, 10), "run-1")}
    other = {key for key in keys if key in Sample(Fraction(1, 10), "run-2")}
    assert other != chosen  # another run, another sample
    assert all(key in Sample(Fraction(1), "run-1") for key in keys)
    with pytest.raises(ValueError, match="share in"):
        Sample(Fraction(0), "run-1")


@pytest.mark.parametrize(
    ("ours", "theirs", "expected"),
    [
        (19.9, "19.90", True),  # CS-Cart answers amounts as strings
        (19.9, "19.99", False),
        (True, True, True),
        (True, False, False),
        ("Y", True, True),
        (None, "", True),  # emptied: the shop's empty string or null
        ("", None, True),
        ("Tent", "Tent", True),
        ("Tent", "Tent (edited)", False),
        ([], None, True),
        ([{"id": "a"}, {"id": "b"}], [{"id": "b", "extra": 1}, {"id": "a"}], True),
        ([{"id": "a"}, {"id": "b"}], [{"id": "a"}], False),  # a link removed in the shop
        ([{"id": "a"}], [{"id": "a"}, {"id": "c"}], False),  # one added there
        (
            [{"id": "m", "mediaId": "x", "position": 1}],
            [{"id": "m", "mediaId": "x", "position": 2}],
            False,
        ),
        ([{"currencyId": "eur", "gross": 10.0}], [{"currencyId": "eur", "gross": 10}], True),
        ({"a": 1}, {"a": 1, "b": 2}, True),  # what the shop has beyond the payload: not ours
        ({"a": 1}, {"a": 2}, False),
        ([1, 2], [1, 2], True),
        ([1, 2], [2, 1], False),
    ],
)
def test_same(ours, theirs, expected):
    assert same(ours, theirs) is expected


def test_differences_names_the_fields_that_differ():
    payload = {"price": [{"currencyId": "eur", "gross": 10.0}], "stock": 3, "ean": None}
    record = {"price": [{"currencyId": "eur", "gross": 1.0}], "stock": 3}
    assert differences(payload, record) == ["price"]
    assert differences(payload, record, lambda key: f"core.{key}") == ["core.price"]
    assert differences(payload, dict(payload)) == []


def _report(dry_run: bool) -> dict:
    products = {
        "counts": {
            "product": {"read": 3, "updated": 1, "unchanged": 2, "verified": 3, "repaired": 1}
        },
        "errors": [],
        "calls": 2,
        "dry_run": dry_run,
        "repairs": [{"entity": "product", "identifier": "SKU-1", "fields": ["name", "price"]}],
    }
    return build({"shopware6.products": products})


def test_the_report_counts_repairs_apart_and_names_each_with_its_fields():
    report = _report(dry_run=False)
    assert report["count_problems"] == []  # a repair is an updated item: the sum holds
    assert report["counts"]["product"]["repaired"] == 1
    assert report["repairs"] == [
        {
            "entity": "product",
            "identifier": "SKU-1",
            "fields": ["name", "price"],
            "stage": "shopware6.products",
        }
    ]
    text = summary_text(report)
    assert "1 updated" in text and "3 verified, 1 repaired" in text, text
    assert "    - SKU-1: name, price" in text
    dry = summary_text(_report(dry_run=True))
    assert "1 would repair" in dry and "would repair (1, edited in the shop):" in dry, dry
