"""What every module of the shop shares: constants, `StateError`, and value helpers."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pimflow_sandbox.cscart.values import (
    InvalidValue,
    to_id_list,
)

DEFAULT_COMPANY_ID = 1
YN = ("Y", "N")
STATUSES = ("A", "D", "H")

FEATURE_TYPES = ("C", "M", "S", "N", "E", "T", "O", "D", "G")
SELECTABLE_TYPES = ("S", "N", "E", "M")  # features whose values are variants
VARIATION_TYPES = ("S", "N", "E")  # features a variation group may be built on
CREATE_CATALOG_ITEM = "group_catalog_item"  # variations as separate products
CREATE_VARIATION_OF_CATALOG_ITEM = "group_variation_catalog_item"  # variations as one product
VARIATION_PURPOSES = (CREATE_CATALOG_ITEM, CREATE_VARIATION_OF_CATALOG_ITEM)
PURPOSES = ("find_products", *VARIATION_PURPOSES, "organize_catalog", "describe_product")

# Group attach results, as Tygh\Addons\ProductVariations\Product\Group\Group numbers them.
RESULT_NOTHING = 0
RESULT_ADDED = 1
RESULT_COMPANY_MISMATCH = 253
RESULT_COMBINATION_EXISTS = 254
RESULT_INVALID_FEATURE_VALUES = 255
GROUP_CODE = re.compile(r"^[-_a-z0-9]+$", re.IGNORECASE)


class StateError(Exception):
    """A request the shop refuses; `kind` is bad_request, not_found, forbidden or conflict."""

    def __init__(self, kind: str, message: str = "") -> None:
        super().__init__(message or kind)
        self.kind = kind
        self.message = message


def bad(message: str) -> StateError:
    return StateError("bad_request", message)


def not_found(message: str = "") -> StateError:
    return StateError("not_found", message)


def _checked(function: Callable[[], Any]) -> Any:
    try:
        return function()
    except InvalidValue as exc:
        raise bad(str(exc)) from exc


# -- module helpers --------------------------------------------------------------------------


def _ids_present(value: Any) -> list[int]:
    try:
        return to_id_list("category_ids", value)
    except InvalidValue:
        return [0]  # present but malformed: let the full check say what is wrong


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {} or value in (0, "0")


def _prepared_value(item: Any, sent_type: str, actual_type: str) -> tuple[bool, Any]:
    """(skip, value) as Products::prepareFeature hands it on. With a `feature_type`, the key
    read depends on that type; a multiple-checkbox with no variants is skipped, so the
    stored value stays; without one, the item itself is the value."""
    if not sent_type:
        if isinstance(item, dict):
            # Lenient: an object without feature_type is read by the feature's own type.
            return _prepared_value(item, actual_type, actual_type)
        return False, item
    if sent_type in ("S", "N", "E"):
        return False, item.get("variant_id")
    if sent_type in ("O", "D"):
        return False, item.get("value_int")
    if sent_type == "M":
        variants = item.get("variants")
        if not variants:
            return True, None
        values = variants.values() if isinstance(variants, dict) else variants
        ids = [v.get("variant_id") if isinstance(v, dict) else v for v in values]
        return False, [i for i in ids if i not in (None, "")]
    return False, item.get("value")  # T and C


def _parse_date(name: str, value: Any) -> int:
    """A date feature's value: a UNIX time, or a date as `YYYY-MM-DD` or `MM/DD/YYYY`."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    text = str(value).strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return int(float(text))
    for pattern in ("%Y-%m-%d", "%m/%d/%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            parsed = datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
        return int(parsed.timestamp())
    raise bad(f"field '{name}' must be a date (a UNIX time or YYYY-MM-DD), got {value!r}")
