"""The `search` query parameter: Akeneo's filters on products, product models and the rest.

A search is compiled once per request into a list of predicates; listing then walks the
catalog in its sort order and keeps what passes. Errors carry Akeneo's messages (422, or
400 for a `search` that is not JSON).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from .errors import BadRequest, Unprocessable, php_type
from .values import (
    ASSET_COLLECTION,
    BOOLEAN,
    DATE,
    FILE,
    IDENTIFIER,
    IMAGE,
    METRIC,
    MULTISELECT,
    NUMBER,
    PRICE,
    PRODUCT_LINK,
    REF_ENTITY,
    REF_ENTITY_COLLECTION,
    SIMPLESELECT,
    TABLE,
    TEXT,
    TEXTAREA,
    parse_date,
    vkey,
)

if TYPE_CHECKING:
    from .state import Catalog, Product, ProductModel

Predicate = Callable[[Any], bool]


def parse_search(raw: str | None) -> dict[str, Any]:
    """The decoded `search` parameter (400 when it is not JSON, 422 when not an object)."""
    if raw is None or raw == "":
        return {}
    try:
        search = json.loads(raw)
    except ValueError as exc:
        raise BadRequest("Search query parameter should be valid JSON.") from exc
    if not isinstance(search, dict):
        raise Unprocessable(
            f'Search query parameter has to be an array, "{php_type(search)}" given.'
        )
    return search


def _filters(search: dict[str, Any], prop: str) -> list[dict[str, Any]]:
    filters = search[prop]
    if isinstance(filters, dict) and "operator" in filters:
        filters = [filters]
    if not isinstance(filters, list) or not filters:
        raise Unprocessable(
            f'Structure of filter "{prop}" should respect this structure: '
            f'{{"{prop}":[{{"operator": "my_operator", "value": "my_value"}}]}}'
        )
    for item in filters:
        if not isinstance(item, dict) or "operator" not in item:
            raise Unprocessable(f'Operator is missing for the property "{prop}".')
        if not isinstance(item["operator"], str):
            raise Unprocessable(
                f'Operator has to be a string, "{php_type(item["operator"])}" given.'
            )
    return filters


def _unsupported(prop: str, operator: str) -> Unprocessable:
    return Unprocessable(
        f'Filter on property "{prop}" is not supported or does not support operator "{operator}"'
    )


def _expects(prop: str, expected: str, value: Any) -> Unprocessable:
    return Unprocessable(
        f'Property "{prop}" expects {expected} as data, "{php_type(value)}" given.'
    )


def _string_list(prop: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _expects(prop, "an array", value)
    return value


def _number(prop: str, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _expects(prop, "a numeric", value)
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise _expects(prop, "a numeric", value) from exc


_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


def _datetime(prop: str, value: Any) -> dt.datetime:
    """A date filter value: `YYYY-MM-DD hh:mm:ss` (products) or ISO 8601 (the others)."""
    if isinstance(value, str):
        for fmt in _DATETIME_FORMATS:
            try:
                return dt.datetime.strptime(value, fmt).replace(tzinfo=dt.UTC)
            except ValueError:
                pass
        parsed = parse_date(value)
        if parsed is not None:
            return parsed
    raise Unprocessable(
        f'Property "{prop}" expects a string with the format "yyyy-mm-dd H:i:s" as data, '
        f'"{value}" given.'
    )


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def date_predicate(
    prop: str, operator: str, value: Any, now: dt.datetime, getter: Callable[[Any], str | None]
) -> Predicate:
    """created / updated filters; stored dates are UTC ISO strings, so they compare as text."""
    if operator == "SINCE LAST N DAYS":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _expects(prop, "an integer", value)
        bound = _stamp(now - dt.timedelta(days=value))
        return lambda item: (getter(item) or "") >= bound
    if operator in ("BETWEEN", "NOT BETWEEN"):
        if not isinstance(value, list) or len(value) != 2:
            raise _expects(prop, "an array with 2 dates", value)
        low, high = (_stamp(_datetime(prop, v)) for v in value)
        if operator == "BETWEEN":
            return lambda item: low <= (getter(item) or "") <= high
        return lambda item: not (low <= (getter(item) or "") <= high)
    if operator in ("=", "!="):
        day = _stamp(_datetime(prop, value))[:10]
        if operator == "=":
            return lambda item: (getter(item) or "")[:10] == day
        return lambda item: (getter(item) or "")[:10] != day
    if operator in ("<", ">"):
        bound = _stamp(_datetime(prop, value))
        if operator == "<":
            return lambda item: (getter(item) or "") < bound
        return lambda item: (getter(item) or "") > bound
    raise _unsupported(prop, operator)


def _category_predicate(catalog: Catalog, operator: str, value: Any) -> Predicate:
    if operator == "UNCLASSIFIED":
        return lambda view: not view.categories()
    codes = _string_list("categories", value)
    missing = [code for code in codes if code not in catalog.categories]
    if missing:
        template = (
            'Categories "%s" do not exist.' if len(missing) > 1 else 'Category "%s" does not exist.'
        )
        raise Unprocessable(template % ", ".join(missing))
    wanted = set(codes)
    if operator in ("IN CHILDREN", "NOT IN CHILDREN"):
        for code in codes:
            wanted |= catalog.descendants(code)
    if operator in ("IN", "IN CHILDREN"):
        return lambda view: bool(wanted.intersection(view.categories()))
    if operator in ("NOT IN", "NOT IN CHILDREN"):
        return lambda view: not wanted.intersection(view.categories())
    if operator == "IN OR UNCLASSIFIED":
        return lambda view: not view.categories() or bool(wanted.intersection(view.categories()))
    raise _unsupported("categories", operator)


class View:
    """What a filter sees of a product or model: computed lazily, once per item."""

    __slots__ = ("catalog", "item", "_values", "_categories")

    def __init__(self, catalog: Catalog, item: Product | ProductModel) -> None:
        self.catalog = catalog
        self.item = item
        self._values: dict[Any, Any] | None = None
        self._categories: list[str] | None = None

    def values(self) -> dict[Any, Any]:
        if self._values is None:
            self._values = self.catalog.merged_values(self.item)
        return self._values

    def categories(self) -> list[str]:
        if self._categories is None:
            self._categories = self.catalog.merged_categories(self.item)
        return self._categories


def _text_ops(operator: str, value: Any, prop: str, *, allow_lists: bool) -> Callable[[Any], bool]:
    if operator in ("IN", "NOT IN") and allow_lists:
        wanted = {item.casefold() for item in _string_list(prop, value)}
        if operator == "IN":
            return lambda data: data is not None and str(data).casefold() in wanted
        return lambda data: data is not None and str(data).casefold() not in wanted
    if operator in ("STARTS WITH", "CONTAINS", "DOES NOT CONTAIN", "=", "!="):
        if not isinstance(value, str):
            raise _expects(prop, "a string", value)
        needle = value.casefold()
        if operator == "STARTS WITH":
            return lambda data: data is not None and str(data).casefold().startswith(needle)
        if operator == "CONTAINS":
            return lambda data: data is not None and needle in str(data).casefold()
        if operator == "DOES NOT CONTAIN":
            return lambda data: data is not None and needle not in str(data).casefold()
        if operator == "=":
            return lambda data: data is not None and str(data).casefold() == needle
        return lambda data: data is not None and str(data).casefold() != needle
    raise _unsupported(prop, operator)


_COMPARE: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
}


def _to_standard(catalog: Catalog, family_code: str | None, amount: Decimal, unit: str) -> Decimal:
    family = catalog.measurement_families.get(family_code or "")
    unit_def = (family or {}).get("units", {}).get(unit)
    if unit_def is None:
        return amount
    result = amount
    for step in unit_def.get("convert_from_standard", []):
        operand = Decimal(step["value"])
        if step["operator"] == "mul":
            result = result * operand
        elif step["operator"] == "div":
            result = result / operand
        elif step["operator"] == "add":
            result = result + operand
        elif step["operator"] == "sub":
            result = result - operand
    return result


def attribute_predicate(
    catalog: Catalog,
    attribute: dict[str, Any],
    criterion: dict[str, Any],
    search_locale: str | None,
    search_scope: str | None,
) -> Predicate:
    """One filter on product values, with Akeneo's operators for the attribute's type."""
    code, kind = attribute["code"], attribute["type"]
    operator = criterion["operator"]
    value = criterion.get("value")
    locale = criterion.get("locale", search_locale)
    scope = criterion.get("scope", search_scope)
    if attribute["localizable"]:
        if locale is None:
            raise Unprocessable(f'Attribute "{code}" expects a locale, none given.')
        if not catalog.locale_is_active(locale):
            raise Unprocessable(
                f'Attribute "{code}" expects an existing and activated locale, "{locale}" given.'
            )
    elif "locale" in criterion and criterion["locale"] is not None:
        raise Unprocessable(f'Attribute "{code}" does not expect a locale, "{locale}" given.')
    else:
        locale = None
    if attribute["scopable"]:
        if scope is None:
            raise Unprocessable(f'Attribute "{code}" expects a scope, none given.')
        if scope not in catalog.channels:
            raise Unprocessable(f'Attribute "{code}" expects an existing scope, "{scope}" given.')
    elif "scope" in criterion and criterion["scope"] is not None:
        raise Unprocessable(f'Attribute "{code}" does not expect a scope, "{scope}" given.')
    else:
        scope = None
    key = vkey(code, locale, scope)

    if operator == "EMPTY":
        return lambda view: view.values().get(key) is None
    if operator == "NOT EMPTY":
        return lambda view: view.values().get(key) is not None

    test: Callable[[Any], bool]
    if kind in (TEXT, TEXTAREA, IDENTIFIER):
        test = _text_ops(operator, value, code, allow_lists=True)
    elif kind in (IMAGE, FILE):
        inner = _text_ops(operator, value, code, allow_lists=False)

        def test(data: Any) -> bool:
            media = catalog.media.get(data) if data is not None else None
            return inner(media.original_filename if media else None)

    elif kind == NUMBER:
        if operator not in _COMPARE:
            raise _unsupported(code, operator)
        bound = _number(code, value)
        compare = _COMPARE[operator]

        def test(data: Any) -> bool:
            return data is not None and compare(Decimal(str(data)), bound)

    elif kind == METRIC:
        if operator not in _COMPARE:
            raise _unsupported(code, operator)
        family = attribute.get("metric_family")
        if isinstance(value, dict):
            if "amount" not in value or "unit" not in value:
                raise _expects(code, 'an array with the keys "amount" and "unit"', value)
            bound = _to_standard(catalog, family, _number(code, value["amount"]), value["unit"])
        else:
            bound = _to_standard(
                catalog, family, _number(code, value), attribute.get("default_metric_unit") or ""
            )
        compare = _COMPARE[operator]

        def test(data: Any) -> bool:
            if data is None:
                return False
            amount = _to_standard(catalog, family, Decimal(str(data["amount"])), data["unit"])
            return compare(amount, bound)

    elif kind == PRICE:
        if operator not in _COMPARE:
            raise _unsupported(code, operator)
        if not isinstance(value, dict) or "amount" not in value or "currency" not in value:
            raise _expects(code, 'an array with the keys "amount" and "currency"', value)
        bound = _number(code, value["amount"])
        currency = value["currency"]
        compare = _COMPARE[operator]

        def test(data: Any) -> bool:
            for price in data or ():
                if price["currency"] == currency and compare(Decimal(str(price["amount"])), bound):
                    return True
            return False

    elif kind in (SIMPLESELECT, MULTISELECT):
        if operator not in ("IN", "NOT IN"):
            raise _unsupported(code, operator)
        codes = _string_list(code, value)
        wanted = set()
        for item in codes:
            option = catalog.option_code(code, item)
            if option is None:
                raise Unprocessable(f'Object "option" with code "{item}" does not exist')
            wanted.add(option)

        def as_set(data: Any) -> set[str]:
            if data is None:
                return set()
            return {data} if isinstance(data, str) else set(data)

        if operator == "IN":
            return lambda view: bool(wanted & as_set(view.values().get(key)))
        return lambda view: not wanted & as_set(view.values().get(key))
    elif kind == BOOLEAN:
        if operator not in ("=", "!="):
            raise _unsupported(code, operator)
        if not isinstance(value, bool):
            raise _expects(code, "a boolean", value)
        if operator == "=":
            return lambda view: view.values().get(key) is value
        return lambda view: view.values().get(key) is (not value)
    elif kind == DATE:
        if operator in ("BETWEEN", "NOT BETWEEN"):
            if not isinstance(value, list) or len(value) != 2:
                raise _expects(code, "an array with 2 dates", value)
            low, high = (_date_only(code, v) for v in value)
            inside = operator == "BETWEEN"
            test = lambda data: data is not None and (low <= data[:10] <= high) == inside  # noqa: E731
        elif operator in ("<", "=", "!=", ">"):
            bound_day = _date_only(code, value)
            compare_text = {
                "<": lambda a, b: a < b,
                "=": lambda a, b: a == b,
                "!=": lambda a, b: a != b,
                ">": lambda a, b: a > b,
            }[operator]
            test = lambda data: data is not None and compare_text(data[:10], bound_day)  # noqa: E731
        else:
            raise _unsupported(code, operator)
    elif kind in (REF_ENTITY, REF_ENTITY_COLLECTION, ASSET_COLLECTION):
        if operator not in ("IN", "NOT IN"):
            raise _unsupported(code, operator)
        wanted_codes = {item.lower() for item in _string_list(code, value)}

        def codes_of(data: Any) -> set[str]:
            if data is None:
                return set()
            return {data.lower()} if isinstance(data, str) else {item.lower() for item in data}

        if operator == "IN":
            return lambda view: bool(wanted_codes & codes_of(view.values().get(key)))
        return lambda view: not wanted_codes & codes_of(view.values().get(key))
    elif kind == PRODUCT_LINK:
        if operator not in ("IN", "NOT IN") or not isinstance(value, list):
            raise _unsupported(code, operator)
        links = {
            (item.get("type"), str(item.get("id")).lower())
            for item in value
            if isinstance(item, dict)
        }

        def linked(data: Any) -> bool:
            return data is not None and (data["type"], str(data["id"]).lower()) in links

        if operator == "IN":
            return lambda view: linked(view.values().get(key))
        return lambda view: not linked(view.values().get(key))
    elif kind == TABLE:
        if not isinstance(value, dict) or "column" not in value:
            raise _expects(code, 'an array with the keys "column" and "value"', value)
        first = (attribute.get("table_configuration") or [{}])[0].get("code")
        column, row = value["column"], value.get("row")
        cell_value = value.get("value")

        def cell_matches(cell: Any) -> bool:
            if operator in _COMPARE:
                try:
                    return _COMPARE[operator](Decimal(str(cell)), Decimal(str(cell_value)))
                except InvalidOperation:
                    return False
            if operator in ("IN", "NOT IN") and isinstance(cell_value, list):
                return (cell in cell_value) == (operator == "IN")
            if operator in ("STARTS WITH", "CONTAINS"):
                text = str(cell).casefold()
                needle = str(cell_value).casefold()
                return text.startswith(needle) if operator == "STARTS WITH" else needle in text
            raise _unsupported(code, operator)

        def test(data: Any) -> bool:
            for line in data or ():
                if row is not None and line.get(first) != row:
                    continue
                if column in line and cell_matches(line[column]):
                    return True
            return False

    else:
        raise _unsupported(code, operator)
    return lambda view: test(view.values().get(key))


def _date_only(prop: str, value: Any) -> str:
    parsed = parse_date(value)
    if parsed is None:
        raise Unprocessable(
            f'Property "{prop}" expects a string with the format "yyyy-mm-dd" as data, "{value}" given.'
        )
    return parsed.strftime("%Y-%m-%d")


def _completeness_ratios(
    catalog: Catalog, product: Product, scope: str, locales: list[str] | None
) -> list[int]:
    return [
        entry["data"]
        for entry in catalog.completeness(product)
        if entry["scope"] == scope and (locales is None or entry["locale"] in locales)
    ]


def _criterion_scope(
    catalog: Catalog, criterion: dict[str, Any], search_scope: str | None, prop: str
) -> str:
    scope = criterion.get("scope", search_scope)
    if scope is None:
        raise Unprocessable(f'Property "{prop}" expects a scope, none given.')
    if scope not in catalog.channels:
        raise Unprocessable(f'Property "{prop}" expects an existing scope, "{scope}" given.')
    return scope


def _criterion_locales(criterion: dict[str, Any], search_locale: str | None) -> list[str] | None:
    if isinstance(criterion.get("locales"), list):
        return criterion["locales"]
    if criterion.get("locale") is not None:
        return [criterion["locale"]]
    return [search_locale] if search_locale else None


def product_predicates(
    catalog: Catalog,
    search: dict[str, Any],
    *,
    search_locale: str | None = None,
    search_scope: str | None = None,
) -> list[Predicate]:
    """Predicates over `View`s of products, in the order cheapest first."""
    if search_locale is not None and not catalog.locale_is_active(search_locale):
        raise Unprocessable(f'Locale "{search_locale}" does not exist or is not activated.')
    now = catalog.clock()
    predicates: list[tuple[int, Predicate]] = []
    for prop, _ in search.items():
        for criterion in _filters(search, prop):
            operator, value = criterion["operator"], criterion.get("value")
            if prop == "uuid":
                if operator not in ("IN", "NOT IN"):
                    raise _unsupported(prop, operator)
                wanted = {item.lower() for item in _string_list(prop, value)}
                inside = operator == "IN"
                predicates.append((0, lambda view, w=wanted, i=inside: (view.item.uuid in w) == i))
            elif prop == "identifier":
                if operator == "IN":
                    items = _string_list(prop, value)
                    if len(set(items)) > 100:
                        raise BadRequest(
                            "The identifier filter can't contain more than 100 product identifiers."
                        )
                test = _text_ops(operator, value, prop, allow_lists=True) if operator not in (
                    "EMPTY", "NOT EMPTY"
                ) else (lambda data, o=operator: (data is None) == (o == "EMPTY"))  # fmt: skip
                predicates.append((0, lambda view, t=test: t(view.item.identifier)))
            elif prop == "enabled":
                if operator not in ("=", "!="):
                    raise _unsupported(prop, operator)
                if not isinstance(value, bool):
                    raise _expects(prop, "a boolean", value)
                expected = value if operator == "=" else not value
                predicates.append((0, lambda view, e=expected: view.item.enabled is e))
            elif prop == "family":
                predicates.append((0, _family_predicate(catalog, operator, value)))
            elif prop == "categories":
                predicates.append((1, _category_predicate(catalog, operator, value)))
            elif prop in ("created", "updated"):
                if prop == "updated":
                    # variants match when one of their parent models was updated in the range
                    own = date_predicate(prop, operator, value, now, lambda item: item.updated)

                    def updated(view: View, own: Predicate = own) -> bool:
                        if own(view.item):
                            return True
                        return any(own(model) for model in catalog.ancestors(view.item.parent))

                    predicates.append((0, updated))
                else:
                    own = date_predicate(prop, operator, value, now, lambda item: item.created)
                    predicates.append((0, lambda view, p=own: p(view.item)))
            elif prop == "parent":
                predicates.append((0, _parent_predicate(catalog, operator, value, models=False)))
            elif prop == "groups":
                if operator == "EMPTY":
                    predicates.append((0, lambda view: not view.item.groups))
                elif operator == "NOT EMPTY":
                    predicates.append((0, lambda view: bool(view.item.groups)))
                elif operator in ("IN", "NOT IN"):
                    for group in _string_list(prop, value):
                        raise Unprocessable(f'Object "group" with code "{group}" does not exist')
                    predicates.append((0, lambda view, o=operator: o == "NOT IN"))
                else:
                    raise _unsupported(prop, operator)
            elif prop == "completeness":
                predicates.append(
                    (2, _product_completeness(catalog, criterion, search_locale, search_scope))
                )
            elif prop in catalog.attributes:
                attribute = catalog.attributes[prop]
                predicates.append(
                    (
                        2,
                        attribute_predicate(
                            catalog, attribute, criterion, search_locale, search_scope
                        ),
                    )
                )
            else:
                raise _unsupported(prop, operator)
    predicates.sort(key=lambda item: item[0])
    return [predicate for _, predicate in predicates]


def _family_predicate(catalog: Catalog, operator: str, value: Any) -> Predicate:
    if operator == "EMPTY":
        return lambda view: view.item.family is None
    if operator == "NOT EMPTY":
        return lambda view: view.item.family is not None
    if operator not in ("IN", "NOT IN"):
        raise _unsupported("family", operator)
    codes = _string_list("family", value)
    for code in codes:
        if code not in catalog.families:
            raise Unprocessable(f'Object "family" with code "{code}" does not exist')
    wanted = set(codes)
    if operator == "IN":
        return lambda view: view.item.family in wanted
    return lambda view: view.item.family not in wanted


def _parent_predicate(catalog: Catalog, operator: str, value: Any, *, models: bool) -> Predicate:
    if operator == "EMPTY":
        return lambda view: view.item.parent is None
    if operator == "NOT EMPTY":
        return lambda view: view.item.parent is not None
    if operator == "IN":
        codes = set(_string_list("parent", value))
        return lambda view: view.item.parent in codes
    if operator == "=" and not models:
        if not isinstance(value, str):
            raise _expects("parent", "a string", value)
        if value not in catalog.product_models:
            raise Unprocessable(f'Object "product model" with code "{value}" does not exist')
        return lambda view: (
            view.item.parent is not None
            and value in {m.code for m in catalog.ancestors(view.item.parent)}
        )
    raise _unsupported("parent", operator)


_ALL_LOCALES = {
    "GREATER THAN ON ALL LOCALES": ">",
    "GREATER OR EQUALS THAN ON ALL LOCALES": ">=",
    "LOWER THAN ON ALL LOCALES": "<",
    "LOWER OR EQUALS THAN ON ALL LOCALES": "<=",
}


def _product_completeness(
    catalog: Catalog, criterion: dict[str, Any], search_locale: str | None, search_scope: str | None
) -> Predicate:
    operator = criterion["operator"]
    if operator not in _COMPARE and operator not in _ALL_LOCALES:
        raise _unsupported("completeness", operator)
    value = criterion.get("value")
    if isinstance(value, bool) or not isinstance(value, int):
        raise _expects("completeness", "an integer", value)
    scope = _criterion_scope(catalog, criterion, search_scope, "completeness")
    locales = _criterion_locales(criterion, search_locale)
    if operator in _ALL_LOCALES:
        if not locales:
            raise Unprocessable('Property "completeness" expects a list of locales, none given.')
        compare = _COMPARE[_ALL_LOCALES[operator]]

        def all_locales(view: View) -> bool:
            ratios = _completeness_ratios(catalog, view.item, scope, locales)
            return bool(ratios) and all(compare(Decimal(r), Decimal(value)) for r in ratios)

        return all_locales
    compare = _COMPARE[operator]

    def any_locale(view: View) -> bool:
        ratios = _completeness_ratios(catalog, view.item, scope, locales)
        return any(compare(Decimal(r), Decimal(value)) for r in ratios)

    return any_locale


def product_model_predicates(
    catalog: Catalog,
    search: dict[str, Any],
    *,
    search_locale: str | None = None,
    search_scope: str | None = None,
) -> list[Predicate]:
    now = catalog.clock()
    predicates: list[Predicate] = []
    for prop in search:
        for criterion in _filters(search, prop):
            operator, value = criterion["operator"], criterion.get("value")
            if prop == "identifier":
                if operator not in ("IN", "NOT IN"):
                    raise _unsupported(prop, operator)
                wanted = set(_string_list(prop, value))
                inside = operator == "IN"
                predicates.append(lambda view, w=wanted, i=inside: (view.item.code in w) == i)
            elif prop == "family":
                predicates.append(_family_predicate(catalog, operator, value))
            elif prop == "categories":
                predicates.append(_category_predicate(catalog, operator, value))
            elif prop in ("created", "updated"):
                getter = (
                    (lambda item: item.created)
                    if prop == "created"
                    else (lambda item: item.updated)
                )
                own = date_predicate(prop, operator, value, now, getter)
                predicates.append(lambda view, p=own: p(view.item))
            elif prop == "parent":
                predicates.append(_parent_predicate(catalog, operator, value, models=True))
            elif prop == "completeness":
                predicates.append(
                    _model_completeness(catalog, criterion, search_locale, search_scope)
                )
            elif prop in catalog.attributes:
                predicates.append(
                    attribute_predicate(
                        catalog, catalog.attributes[prop], criterion, search_locale, search_scope
                    )
                )
            else:
                raise _unsupported(prop, operator)
    return predicates


def _model_completeness(
    catalog: Catalog, criterion: dict[str, Any], search_locale: str | None, search_scope: str | None
) -> Predicate:
    operator = criterion["operator"]
    if operator not in (
        "AT LEAST COMPLETE",
        "AT LEAST INCOMPLETE",
        "ALL COMPLETE",
        "ALL INCOMPLETE",
    ):
        raise _unsupported("completeness", operator)
    scope = _criterion_scope(catalog, criterion, search_scope, "completeness")
    locales = _criterion_locales(criterion, search_locale)

    def complete(product: Product) -> bool:
        ratios = _completeness_ratios(catalog, product, scope, locales)
        return bool(ratios) and all(r == 100 for r in ratios)

    def check(view: View) -> bool:
        flags = [complete(p) for p in catalog.descendant_products(view.item.code)]
        if not flags:
            return False
        if operator == "AT LEAST COMPLETE":
            return any(flags)
        if operator == "AT LEAST INCOMPLETE":
            return not all(flags)
        if operator == "ALL COMPLETE":
            return all(flags)
        return not any(flags)

    return check


# -- structure lists ---------------------------------------------------------------------------


def simple_predicates(
    search: dict[str, Any],
    supported: dict[str, tuple[str, ...]],
    getters: dict[str, Callable[[Any], Any]],
    now: dt.datetime,
) -> list[Predicate]:
    """Filters of the structure lists: `code IN`, `updated >`, booleans, `parent =`."""
    predicates: list[Predicate] = []
    for prop in search:
        for criterion in _filters(search, prop):
            operator, value = criterion["operator"], criterion.get("value")
            if prop not in supported or operator not in supported[prop]:
                raise _unsupported(prop, operator)
            getter = getters[prop]
            if prop == "updated":
                predicates.append(date_predicate(prop, operator, value, now, getter))
            elif operator == "IN":
                wanted = set(_string_list(prop, value))
                predicates.append(lambda item, g=getter, w=wanted: g(item) in w)
            elif operator == "=" and isinstance(value, bool):
                predicates.append(lambda item, g=getter, v=value: bool(g(item)) is v)
            elif operator == "=":
                if not isinstance(value, str):
                    raise _expects(prop, "a string", value)
                predicates.append(lambda item, g=getter, v=value: g(item) == v)
            else:
                raise _expects(prop, "a boolean", value)
    return predicates


def valid_code(value: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9_]+", value))
