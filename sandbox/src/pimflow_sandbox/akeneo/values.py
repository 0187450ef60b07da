"""Product values: parsing, validation and normalisation per attribute type, and rendering.

Values are stored as one flat dict per product or product model, keyed by interned
`(attribute, locale, scope)` tuples, with the data already in Akeneo's standard format
(numbers with decimals as strings with four decimals, prices with two, dates as ISO 8601
datetimes). That keeps a 100,000-product catalog compact and makes rendering a page cheap.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation, localcontext
from typing import TYPE_CHECKING, Any

from .errors import DocumentedUnprocessable, type_error, unknown_property, violation

if TYPE_CHECKING:
    from .state import Catalog

ValueKey = tuple[str, "str | None", "str | None"]

_KEYS: dict[ValueKey, ValueKey] = {}

IDENTIFIER = "pim_catalog_identifier"
TEXT = "pim_catalog_text"
TEXTAREA = "pim_catalog_textarea"
NUMBER = "pim_catalog_number"
METRIC = "pim_catalog_metric"
PRICE = "pim_catalog_price_collection"
BOOLEAN = "pim_catalog_boolean"
DATE = "pim_catalog_date"
SIMPLESELECT = "pim_catalog_simpleselect"
MULTISELECT = "pim_catalog_multiselect"
IMAGE = "pim_catalog_image"
FILE = "pim_catalog_file"
REF_ENTITY = "akeneo_reference_entity"
REF_ENTITY_COLLECTION = "akeneo_reference_entity_collection"
ASSET_COLLECTION = "pim_catalog_asset_collection"
TABLE = "pim_catalog_table"
PRODUCT_LINK = "pim_catalog_product_link"

ATTRIBUTE_TYPES = (
    IDENTIFIER, TEXT, TEXTAREA, NUMBER, METRIC, PRICE, BOOLEAN, DATE, SIMPLESELECT,
    MULTISELECT, IMAGE, FILE, REF_ENTITY, REF_ENTITY_COLLECTION, ASSET_COLLECTION, TABLE,
    PRODUCT_LINK,
)  # fmt: skip
SELECT_TYPES = (SIMPLESELECT, MULTISELECT)
MEDIA_TYPES = (IMAGE, FILE)
AXIS_TYPES = (SIMPLESELECT, BOOLEAN, METRIC, REF_ENTITY)


def vkey(attribute: str, locale: str | None, scope: str | None) -> ValueKey:
    """The shared key tuple of a value: one object per distinct key in the whole catalog."""
    key = (attribute, locale, scope)
    return _KEYS.setdefault(key, key)


def is_empty(data: Any) -> bool:
    return data is None or data == "" or data == [] or data == {}


# -- parsing -----------------------------------------------------------------------------------


def parse_values(
    catalog: Catalog, raw: Any, *, channel_key: str = "scope"
) -> list[tuple[dict[str, Any], str | None, str | None, Any]]:
    """The `values` property of a write, checked for shape: (attribute, locale, scope, data)."""
    if not isinstance(raw, dict):
        raise type_error("values", "an array", raw)
    parsed = []
    for code, entries in raw.items():
        attribute = catalog.attribute(code)
        if attribute is None:
            raise unknown_property(code)
        if not isinstance(entries, list):
            raise type_error(code, "an array", entries)
        for entry in entries:
            if not isinstance(entry, dict):
                raise type_error(code, "an array", entry)
            for key in ("locale", channel_key, "data"):
                if key not in entry:
                    raise DocumentedUnprocessable(
                        f'Property "{code}" expects an array with the key "{key}".'
                    )
            locale, scope = entry["locale"], entry[channel_key]
            if locale is not None and not isinstance(locale, str):
                raise type_error(code, 'a string for the key "locale"', locale)
            if scope is not None and not isinstance(scope, str):
                raise type_error(code, f'a string for the key "{channel_key}"', scope)
            parsed.append((attribute, locale, scope, entry["data"]))
    return parsed


def check_locale_scope(
    catalog: Catalog,
    attribute: dict[str, Any],
    locale: str | None,
    scope: str | None,
    errors: list[dict[str, Any]],
) -> bool:
    """Akeneo's localizable/scopable constraints; False when the value is not acceptable."""
    code = attribute["code"]
    before = len(errors)

    def fail(message: str) -> None:
        errors.append(violation("values", message, attribute=code, locale=locale, scope=scope))

    if attribute["scopable"]:
        if scope is None:
            fail(f'Attribute "{code}" expects a channel code, none given.')
        elif scope not in catalog.channels:
            fail(f'Attribute "{code}" expects an existing scope, "{scope}" given.')
    elif scope is not None:
        fail(f'Attribute "{code}" does not expect a scope, "{scope}" given.')
    if attribute["localizable"]:
        if locale is None:
            fail(f'Attribute "{code}" expects a locale, none given.')
        elif not catalog.locale_is_active(locale):
            fail(f'Attribute "{code}" expects an existing and activated locale, "{locale}" given.')
        elif (
            scope is not None
            and scope in catalog.channels
            and locale not in catalog.channels[scope]["locales"]
        ):
            fail(
                f'Attribute "{code}" expects a valid locale, "{locale}" is not bound to '
                f'channel "{scope}".'
            )
        available = attribute.get("available_locales") or []
        if locale is not None and available and locale not in available:
            fail(
                f'Attribute "{code}" is locale specific and expects one of its locales, '
                f'"{locale}" given.'
            )
    elif locale is not None:
        fail(f'Attribute "{code}" does not expect a locale, "{locale}" given.')
    return len(errors) == before


# -- normalisation -----------------------------------------------------------------------------


# PHP reads a numeric string as a double: past ~1.8e308 it is INF, which Akeneo refuses as not
# a number. Below that any size is kept (`"1e30"` is a valid amount).
_LARGEST_EXPONENT = 308


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = Decimal(str(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    if not number.is_finite() or number.adjusted() > _LARGEST_EXPONENT:
        return None
    return number


def format_decimal(number: Decimal, places: int) -> str:
    # Enough digits for the whole number: the default 28 fail (InvalidOperation) on 1e30.
    with localcontext() as context:
        context.prec = max(context.prec, number.adjusted() + places + 2)
        return f"{number.quantize(Decimal(1).scaleb(-places)):f}"


def _number_data(
    code: str,
    attribute: dict[str, Any],
    raw: Any,
    places: int,
    errors: list[dict[str, Any]],
    fail_key: tuple[str | None, str | None],
    prop: str | None = None,
) -> Any:
    number = _decimal(raw)
    if number is None:
        raise type_error(prop or code, "a numeric", raw)
    locale, scope = fail_key
    if not attribute.get("decimals_allowed") and number != number.to_integral_value():
        errors.append(
            violation(
                "values",
                "This value should not be a decimal.",
                attribute=code,
                locale=locale,
                scope=scope,
            )
        )
        return None
    if attribute.get("negative_allowed") is False and number < 0:
        errors.append(
            violation(
                "values",
                "This value should be 0 or more.",
                attribute=code,
                locale=locale,
                scope=scope,
            )
        )
        return None
    for bound, word, bad in (
        ("number_min", "more", lambda n, b: n < b),
        ("number_max", "less", lambda n, b: n > b),
    ):
        limit = _decimal(attribute.get(bound))
        if limit is not None and bad(number, limit):
            errors.append(
                violation(
                    "values",
                    f"This value should be {limit.normalize():f} or {word}.",
                    attribute=code,
                    locale=locale,
                    scope=scope,
                )
            )
            return None
    if attribute.get("decimals_allowed"):
        return format_decimal(number, places)
    return int(number)


def parse_date(raw: Any) -> dt.datetime | None:
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def normalize_data(
    catalog: Catalog,
    attribute: dict[str, Any],
    locale: str | None,
    scope: str | None,
    raw: Any,
    errors: list[dict[str, Any]],
) -> Any:
    """The standard-format data of one value, or None when it is empty (Akeneo drops it).

    Wrong JSON types raise (message-only 422, as Akeneo's updater does); business rule
    failures are appended to `errors` (Akeneo's validator) and give None.
    """
    if is_empty(raw):
        return None
    code, kind = attribute["code"], attribute["type"]

    def fail(message: str) -> None:
        errors.append(violation("values", message, attribute=code, locale=locale, scope=scope))

    if kind in (IDENTIFIER, TEXT, TEXTAREA):
        if not isinstance(raw, str):
            raise type_error(code, "a string", raw)
        limit = attribute.get("max_characters") or (65535 if kind == TEXTAREA else 255)
        if len(raw) > limit:
            fail(f"This value is too long. It should have {limit} characters or less.")
            return None
        if kind == IDENTIFIER and (raw != raw.strip() or re.search(r"[,;\n\r]", raw)):
            fail("This field should not contain any comma or semicolon or leading/trailing space")
            return None
        regexp = attribute.get("validation_regexp")
        if attribute.get("validation_rule") == "regexp" and regexp:
            pattern = regexp[1:-1] if len(regexp) > 1 and regexp[0] == regexp[-1] == "/" else regexp
            try:
                matched = re.search(pattern, raw)
            except re.error:
                matched = True
            if not matched:
                fail("This value is not valid.")
                return None
        return raw
    if kind == NUMBER:
        return _number_data(code, attribute, raw, 4, errors, (locale, scope))
    if kind == BOOLEAN:
        if not isinstance(raw, bool):
            raise type_error(code, "a boolean", raw)
        return raw
    if kind == DATE:
        parsed = parse_date(raw)
        if parsed is None:
            raise DocumentedUnprocessable(
                f'Property "{code}" expects a string with the format "yyyy-mm-dd" as data, '
                f'"{raw}" given.'
            )
        return parsed.strftime("%Y-%m-%dT00:00:00+00:00")
    if kind == METRIC:
        if not isinstance(raw, dict):
            raise type_error(code, "an array", raw)
        for key in ("amount", "unit"):
            if key not in raw:
                raise DocumentedUnprocessable(
                    f'Property "{code}" expects an array with the key "{key}".'
                )
        unit = raw["unit"]
        family = catalog.measurement_families.get(attribute.get("metric_family") or "")
        if not isinstance(unit, str) or family is None or unit not in family["units"]:
            fail(f'Please specify a valid metric unit, "{unit}" given.')
            return None
        amount = _number_data(code, attribute, raw["amount"], 4, errors, (locale, scope))
        if amount is None:
            return None
        return {"amount": amount, "unit": unit}
    if kind == PRICE:
        if not isinstance(raw, list):
            raise type_error(code, "an array", raw)
        prices = []
        seen = set()
        for price in raw:
            if not isinstance(price, dict):
                raise type_error(code, "an array", price)
            for key in ("amount", "currency"):
                if key not in price:
                    raise DocumentedUnprocessable(
                        f'Property "{code}" expects an array with the key "{key}".'
                    )
            currency = price["currency"]
            if not isinstance(currency, str) or not catalog.currency_is_active(currency):
                fail(f'The currency "{currency}" does not exist or is not activated.')
                return None
            if currency in seen:
                fail(f'The same currency "{currency}" must not be set twice in the same price.')
                return None
            seen.add(currency)
            if price["amount"] is None or price["amount"] == "":
                continue
            amount = _number_data(code, attribute, price["amount"], 2, errors, (locale, scope))
            if amount is None:
                return None
            prices.append({"amount": amount, "currency": currency})
        prices.sort(key=lambda item: item["currency"])
        return prices or None
    if kind == SIMPLESELECT:
        if not isinstance(raw, str):
            raise type_error(code, "a string", raw)
        option = catalog.option_code(code, raw)
        if option is None:
            fail(f"The {raw} value is not in the {code} attribute option list.")
            return None
        return option
    if kind == MULTISELECT:
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise type_error(code, "an array of strings", raw)
        options, missing = [], []
        for item in raw:
            option = catalog.option_code(code, item)
            if option is None:
                missing.append(item)
            elif option not in options:
                options.append(option)
        if missing:
            fail(f"The {', '.join(missing)} values are not in the {code} attribute option list.")
            return None
        return options or None
    if kind in MEDIA_TYPES:
        if not isinstance(raw, str):
            raise type_error(code, "a string", raw)
        media = catalog.media.get(raw)
        if media is None or media.storage != "catalogStorage":
            raise DocumentedUnprocessable(
                f'Property "{code}" expects a valid file key. The media does not exist, '
                f'"{raw}" given.'
            )
        allowed = attribute.get("allowed_extensions") or []
        if allowed and media.extension.lower() not in allowed:
            fail(
                f"The {media.extension} file extension is not allowed for the {code} attribute. "
                f"Allowed extensions are {', '.join(allowed)}."
            )
            return None
        return raw
    if kind in (REF_ENTITY, REF_ENTITY_COLLECTION):
        entity = attribute.get("reference_data_name")
        records = catalog.records.get(entity, {})
        items = [raw] if kind == REF_ENTITY else raw
        if kind == REF_ENTITY and not isinstance(raw, str):
            raise type_error(code, "a string", raw)
        if kind == REF_ENTITY_COLLECTION and (
            not isinstance(raw, list) or not all(isinstance(item, str) for item in raw)
        ):
            raise type_error(code, "an array of strings", raw)
        found = []
        for item in items:
            record = catalog.record_code(entity, item)
            if record is None:
                fail(
                    f'The record "{item}" does not exist in the reference entity "{entity}".'
                    if records is not None
                    else f'The reference entity "{entity}" does not exist.'
                )
                return None
            if record not in found:
                found.append(record)
        return found[0] if kind == REF_ENTITY else found
    if kind == ASSET_COLLECTION:
        family = attribute.get("reference_data_name")
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise type_error(code, "an array of strings", raw)
        found = []
        for item in raw:
            asset = catalog.asset_code(family, item)
            if asset is None:
                fail(f'The asset "{item}" does not exist in the asset family "{family}".')
                return None
            if asset not in found:
                found.append(asset)
        return found
    if kind == TABLE:
        return _table_data(catalog, attribute, raw, fail)
    if kind == PRODUCT_LINK:
        if not isinstance(raw, dict) or set(raw) != {"type", "id"}:
            raise DocumentedUnprocessable(
                f'Property "{code}" expects an array with the keys "type" and "id".'
            )
        if raw["type"] == "product":
            target = catalog.products.get(str(raw["id"]).lower())
            if target is None:
                fail(f'The product "{raw["id"]}" does not exist.')
                return None
            return {"type": "product", "id": target.uuid}
        if raw["type"] == "product_model":
            if catalog.product_models.get(raw["id"]) is None:
                fail(f'The product model "{raw["id"]}" does not exist.')
                return None
            return {"type": "product_model", "id": raw["id"]}
        fail(f'The product link type "{raw["type"]}" is not valid.')
        return None
    raise DocumentedUnprocessable(f'Attribute type "{kind}" is not supported.')


def _table_data(catalog: Catalog, attribute: dict[str, Any], raw: Any, fail: Any) -> Any:
    code = attribute["code"]
    if not isinstance(raw, list):
        raise type_error(code, "an array", raw)
    columns = {column["code"]: column for column in attribute.get("table_configuration") or []}
    first = (attribute.get("table_configuration") or [{}])[0].get("code")
    rows = []
    for row in raw:
        if not isinstance(row, dict):
            raise type_error(code, "an array of arrays", row)
        clean = {}
        for column_code, cell in row.items():
            column = columns.get(column_code)
            if column is None:
                fail(f'The "{column_code}" column does not exist in the "{code}" table.')
                return None
            if cell is None or cell == "":
                continue
            kind = column["data_type"]
            if kind == "select":
                options = {o["code"].lower(): o["code"] for o in column.get("options", [])}
                if not isinstance(cell, str) or cell.lower() not in options:
                    fail(f'The "{cell}" option does not exist in the "{column_code}" column.')
                    return None
                cell = options[cell.lower()]
            elif kind == "number":
                number = _decimal(cell)
                if number is None:
                    fail(f'The "{column_code}" column expects a number, "{cell}" given.')
                    return None
                cell = int(number) if number == number.to_integral_value() else float(number)
            elif kind == "boolean":
                if not isinstance(cell, bool):
                    fail(f'The "{column_code}" column expects a boolean.')
                    return None
            elif not isinstance(cell, str):
                fail(f'The "{column_code}" column expects a string.')
                return None
            clean[column_code] = cell
        if first not in clean:
            fail(f'The "{first}" column is required in every row of the "{code}" table.')
            return None
        rows.append(clean)
    return rows or None


# -- rendering ---------------------------------------------------------------------------------


def render_values(
    catalog: Catalog,
    values: dict[ValueKey, Any],
    base_url: str,
    *,
    locales: set[str] | None = None,
    scope: str | None = None,
    attributes: set[str] | None = None,
    linked_data: bool = False,
    skip: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Values in the API format, filtered like Akeneo's `locales`, `scope` and `attributes`."""
    rendered: dict[str, list[dict[str, Any]]] = {}
    attribute_of = catalog.attributes
    for (code, locale, value_scope), data in values.items():
        if code == skip:
            continue
        if attributes is not None and code not in attributes:
            continue
        if locales is not None and locale is not None and locale not in locales:
            continue
        if scope is not None and value_scope is not None and value_scope != scope:
            continue
        attribute = attribute_of.get(code)
        if attribute is None:
            continue
        item: dict[str, Any] = {"locale": locale, "scope": value_scope, "data": data}
        kind = attribute["type"]
        if kind in MEDIA_TYPES:
            item["_links"] = {
                "download": {"href": f"{base_url}/api/rest/v1/media-files/{data}/download"}
            }
        elif linked_data and kind == SIMPLESELECT:
            item["linked_data"] = catalog.option_linked_data(code, data)
        elif linked_data and kind == MULTISELECT:
            item["linked_data"] = {
                option: catalog.option_linked_data(code, option) for option in data
            }
        rendered.setdefault(code, []).append(item)
    return rendered
