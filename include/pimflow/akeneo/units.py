"""Unit conversion with Akeneo's measurement families (pure).

Akeneo defines each unit by the operations that turn an amount in that unit into the
family's standard unit (its `convert_from_standard` list, applied in order: 1 GRAM
"mul 0.001" → 0.001 KILOGRAM). Going the other way applies the inverse operations in
reverse order, as Akeneo's own converter does. Amounts stay Decimal: exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

_APPLY = {
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
}
_INVERSE = {"mul": "div", "div": "mul", "add": "sub", "sub": "add"}


class UnitError(ValueError):
    """A unit the measurement family does not define."""


def _operations(family: Mapping[str, Any], unit: str) -> list[dict[str, str]]:
    definition = (family.get("units") or {}).get(unit)
    if definition is None:
        raise UnitError(f"unit {unit!r} is not part of measurement family {family.get('code')!r}")
    return list(definition.get("convert_from_standard") or [])


def convert(amount: Decimal, from_unit: str, to_unit: str, family: Mapping[str, Any]) -> Decimal:
    """`amount` in `from_unit` expressed in `to_unit`, both units of `family`."""
    if from_unit == to_unit:
        return amount
    value = amount
    for step in _operations(family, from_unit):
        value = _APPLY[step["operator"]](value, Decimal(str(step["value"])))
    for step in reversed(_operations(family, to_unit)):
        value = _APPLY[_INVERSE[step["operator"]]](value, Decimal(str(step["value"])))
    return value


def family_of_unit(
    families: Mapping[str, Mapping[str, Any]], unit: str
) -> Mapping[str, Any] | None:
    """The measurement family that defines `unit` (unit codes are unique across families)."""
    for family in families.values():
        if unit in (family.get("units") or {}):
            return family
    return None
