"""Parse Akeneo product values by attribute type into one canonical, typed form.

The guide (specs/akeneo/guide/products.md, "The data format") says what `data` holds for
each attribute type; this module turns it into a form the shop mappers can rely on:

    text, textarea, identifier      str
    number                          str holding an exact decimal ("12.5000" stays "12.5000")
    boolean                         bool ("true"/"false" strings included, as the docs show)
    date                            "YYYY-MM-DD"
    metric                          {"amount": decimal str, "unit": str}
    price collection                {"EUR": decimal str, ...}
    simple select / ref. data       {"code": str, "labels": {locale: label}}
    multi select / ref. data multi  [{"code": str, "labels": {...}}, ...]
    image, file                     {"code": media file code}
    reference entity                str record code;  collection: [str, ...]
    asset collection                [str asset code, ...]
    table                           [{column: cell, ...}, ...] as Akeneo sends it
    product link                    {"type": "product"|"product_model", "id": uuid or code}

A type this module does not know is kept raw with `"raw": True`, and the caller reports
it: nothing is dropped silently. Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

TEXT_TYPES = frozenset({"pim_catalog_identifier", "pim_catalog_text", "pim_catalog_textarea"})
SELECT_TYPES = frozenset({"pim_catalog_simpleselect", "pim_catalog_reference_data_simpleselect"})
MULTI_SELECT_TYPES = frozenset(
    {"pim_catalog_multiselect", "pim_catalog_reference_data_multiselect"}
)
MEDIA_TYPES = frozenset({"pim_catalog_image", "pim_catalog_file"})
REFERENCE_ENTITY_TYPES = frozenset(
    {"akeneo_reference_entity", "akeneo_reference_entity_collection"}
)
ASSET_TYPES = frozenset({"pim_catalog_asset_collection", "pim_assets_collection"})


class InvalidValue(ValueError):
    """A value whose data does not fit its attribute's type."""


@dataclass(frozen=True)
class AttributeInfo:
    """What parsing needs to know of an attribute (from the structure stage)."""

    code: str
    type: str
    localizable: bool = False
    scopable: bool = False
    decimals_allowed: bool = True
    reference_data_name: str | None = None  # reference entity or asset family code
    metric_family: str | None = None
    default_metric_unit: str | None = None

    @classmethod
    def from_api(cls, item: Mapping[str, Any]) -> AttributeInfo:
        return cls(
            code=item["code"],
            type=item["type"],
            localizable=bool(item.get("localizable")),
            scopable=bool(item.get("scopable")),
            decimals_allowed=bool(item.get("decimals_allowed", True)),
            reference_data_name=item.get("reference_data_name"),
            metric_family=item.get("metric_family"),
            default_metric_unit=item.get("default_metric_unit"),
        )


def decimal_text(value: Any) -> str:
    """An exact decimal as text; floats go through repr so 0.1 stays "0.1"."""
    if isinstance(value, bool):
        raise InvalidValue(f"expected a number, got a boolean {value!r}")
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise InvalidValue(f"expected a number, got {value!r}") from exc
    if not number.is_finite():
        raise InvalidValue(f"expected a finite number, got {value!r}")
    return str(number)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "1", 1):
        return True
    if value in ("false", "0", 0):
        return False
    raise InvalidValue(f"expected a boolean, got {value!r}")


def _date(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidValue(f"expected an ISO-8601 date, got {value!r}")
    try:
        if len(value) == 10:
            return date.fromisoformat(value).isoformat()
        # Akeneo sends "2016-06-13T00:00:00+02:00": the calendar date is what it means.
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError as exc:
        raise InvalidValue(f"expected an ISO-8601 date, got {value!r}") from exc


def _is_mapping(value: Any) -> bool:
    # Decoded JSON objects are dicts: the ABC check (slow) only for anything else.
    return type(value) is dict or isinstance(value, Mapping)


def _option(code: Any, linked: Mapping[str, Any] | None) -> dict[str, Any]:
    if not isinstance(code, str):
        raise InvalidValue(f"expected an option code, got {code!r}")
    labels = dict((linked or {}).get("labels") or {})
    return {"code": code, "labels": labels}


def _string_list(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidValue(f"expected a list of {what} codes, got {value!r}")
    return list(value)


def _prices(value: Any) -> dict[str, str]:
    # The API sends a list of {amount, currency}; the docs' single-price example uses
    # {amount, unit}. Both parse; amounts stay exact.
    entries = value if isinstance(value, list) else [value]
    prices: dict[str, str] = {}
    for entry in entries:
        if not _is_mapping(entry):
            raise InvalidValue(f"expected prices as {{amount, currency}}, got {entry!r}")
        currency = entry.get("currency") or entry.get("unit")
        if not currency:
            raise InvalidValue(f"price without a currency: {entry!r}")
        if entry.get("amount") is None:
            continue  # Akeneo keeps an empty amount for a currency nobody filled in
        prices[currency] = decimal_text(entry["amount"])
    return prices


# -- one parser per attribute type: (data, linked_data) → the canonical form ----------------
def _text(data: Any, _linked: Any) -> str:
    if not isinstance(data, str):
        raise InvalidValue(f"expected text, got {data!r}")
    return data


def _metric(data: Any, _linked: Any) -> dict[str, Any]:
    if not _is_mapping(data) or "unit" not in data:
        raise InvalidValue(f"expected a metric {{amount, unit}}, got {data!r}")
    amount = data.get("amount")
    return {"amount": None if amount is None else decimal_text(amount), "unit": data["unit"]}


def _simple_select(data: Any, linked: Any) -> dict[str, Any]:
    return _option(data, linked if _is_mapping(linked) else None)


def _multi_select(data: Any, linked: Any) -> list[dict[str, Any]]:
    codes = _string_list(data, "option")
    linked = linked if _is_mapping(linked) else {}
    return [_option(code, linked.get(code)) for code in codes]


def _media(data: Any, _linked: Any) -> dict[str, str]:
    if not isinstance(data, str):
        raise InvalidValue(f"expected a media file code, got {data!r}")
    return {"code": data}


def _record(data: Any, _linked: Any) -> str:
    if not isinstance(data, str):
        raise InvalidValue(f"expected a record code, got {data!r}")
    return data


def _table(data: Any, _linked: Any) -> list[dict[str, Any]]:
    if not isinstance(data, list) or not all(_is_mapping(row) for row in data):
        raise InvalidValue(f"expected table rows, got {data!r}")
    return [dict(row) for row in data]


def _product_link(data: Any, _linked: Any) -> dict[str, Any]:
    if not _is_mapping(data) or "type" not in data:
        raise InvalidValue(f"expected a product link {{type, id}}, got {data!r}")
    return {"type": data["type"], "id": data.get("id") or data.get("uuid") or data.get("code")}


Parser = Callable[[Any, Any], Any]
# Looked up once per attribute of a product, not tested type by type for each value.
PARSERS: dict[str, Parser] = {
    **dict.fromkeys(TEXT_TYPES, _text),
    "pim_catalog_number": lambda data, _linked: decimal_text(data),
    "pim_catalog_boolean": lambda data, _linked: _bool(data),
    "pim_catalog_date": lambda data, _linked: _date(data),
    "pim_catalog_metric": _metric,
    "pim_catalog_price_collection": lambda data, _linked: _prices(data),
    "pim_catalog_price": lambda data, _linked: _prices(data),
    **dict.fromkeys(SELECT_TYPES, _simple_select),
    **dict.fromkeys(MULTI_SELECT_TYPES, _multi_select),
    **dict.fromkeys(MEDIA_TYPES, _media),
    "akeneo_reference_entity": _record,
    "akeneo_reference_entity_collection": lambda data, _linked: _string_list(data, "record"),
    **dict.fromkeys(ASSET_TYPES, lambda data, _linked: _string_list(data, "asset")),
    "pim_catalog_table": _table,
    "pim_catalog_product_link": _product_link,
}


def parse_data(attribute: AttributeInfo, data: Any, linked_data: Any = None) -> Any:
    """The canonical form of one value's `data` (see the module docstring)."""
    parser = PARSERS.get(attribute.type)
    if parser is None:
        raise UnknownType(attribute.type)
    return parser(data, linked_data)


class UnknownType(Exception):
    """An attribute type this version does not know: keep the value raw and report it."""


@dataclass
class ParsedValues:
    values: dict[str, list[dict[str, Any]]]  # attribute -> [{locale, scope, data}, ...]
    errors: list[dict[str, str]]  # {"attribute", "locale", "scope", "reason"}
    unknown_types: set[str]


def parse_values(
    raw_values: Mapping[str, list[Mapping[str, Any]]],
    attributes: Mapping[str, AttributeInfo],
) -> ParsedValues:
    """Parse a product's `values`; bad values are reported, never silently dropped."""
    values: dict[str, list[dict[str, Any]]] = {}
    errors: list[dict[str, str]] = []
    unknown: set[str] = set()
    for code, entries in raw_values.items():
        attribute = attributes.get(code)
        if attribute is None:
            errors.append(
                {
                    "attribute": code,
                    "locale": "",
                    "scope": "",
                    "reason": "attribute unknown to the structure stage",
                }
            )
            continue
        parser = PARSERS.get(attribute.type)
        parsed_entries = []
        for entry in entries:
            data = entry.get("data")
            if data is None:
                continue  # an emptied value: absent from the canonical form, so it gets cleared
            locale, scope = entry.get("locale"), entry.get("scope")
            if parser is None:
                unknown.add(attribute.type)
                parsed_entries.append({"locale": locale, "scope": scope, "data": data, "raw": True})
                continue
            try:
                parsed = parser(data, entry.get("linked_data"))
            except InvalidValue as exc:
                errors.append(
                    {
                        "attribute": code,
                        "locale": locale or "",
                        "scope": scope or "",
                        "reason": str(exc),
                    }
                )
                continue
            parsed_entries.append({"locale": locale, "scope": scope, "data": parsed})
        if parsed_entries:
            values[code] = parsed_entries
    return ParsedValues(values, errors, unknown)


def pick(
    values: Mapping[str, list[Mapping[str, Any]]],
    attribute: str,
    locale: str | None = None,
    scope: str | None = None,
) -> Any:
    """The data of one attribute for a locale and channel (None where it has none).

    A non-localizable (non-scopable) value matches every locale (channel), as in Akeneo.
    """
    for entry in values.get(attribute, ()):
        if entry.get("locale") not in (None, locale):
            continue
        if entry.get("scope") not in (None, scope):
            continue
        return entry.get("data")
    return None
