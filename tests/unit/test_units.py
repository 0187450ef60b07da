from __future__ import annotations

from decimal import Decimal

import pytest

from pimflow.akeneo.units import UnitError, convert

WEIGHT = {
    "code": "Weight",
    "standard_unit_code": "KILOGRAM",
    "units": {
        "KILOGRAM": {"convert_from_standard": [{"operator": "mul", "value": "1"}]},
        "GRAM": {"convert_from_standard": [{"operator": "mul", "value": "0.001"}]},
        "POUND": {"convert_from_standard": [{"operator": "mul", "value": "0.45359237"}]},
    },
}
TEMPERATURE = {
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


def test_conversions_go_through_the_standard_unit_exactly():
    assert convert(Decimal("1500"), "GRAM", "KILOGRAM", WEIGHT) == Decimal("1.5")
    assert convert(Decimal("1.5"), "KILOGRAM", "GRAM", WEIGHT) == Decimal("1500")
    assert convert(Decimal("1"), "POUND", "GRAM", WEIGHT) == Decimal("453.59237")
    assert convert(Decimal("100"), "CELSIUS", "FAHRENHEIT", TEMPERATURE) == Decimal("212")
    assert convert(Decimal("2"), "GRAM", "GRAM", WEIGHT) == Decimal("2")


def test_an_unknown_unit_is_named():
    with pytest.raises(UnitError, match="STONE"):
        convert(Decimal("1"), "STONE", "KILOGRAM", WEIGHT)
