"""Validation of one field's value by its type (prices included)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from pimflow_sandbox.shopware6 import errors as E
from pimflow_sandbox.shopware6.schema import (
    CURRENCY_DEFAULT,
    EntityDef,
)
from pimflow_sandbox.shopware6.state.core import (
    PRICE_KEYS,
    format_datetime,
    is_uuid,
    parse_datetime,
)
from pimflow_sandbox.shopware6.state.violations import (
    _expected_array,
    _invalid_uuid,
    _not_datetime,
    _unexpected_field,
    _wrong_type,
)

if TYPE_CHECKING:
    from pimflow_sandbox.shopware6.state.core import WriteCtx


class FieldsMixin:
    """Checks of field values by type."""

    # -- field types -----------------------------------------------------------------------
    def _check(
        self, d: EntityDef, name: str, value: Any, pointer: str, ctx: WriteCtx
    ) -> tuple[bool, Any]:
        if value is None:
            return True, None
        kind = d.fields[name]["type"]
        problem: dict[str, Any] | None = None
        if kind == "id":
            if not is_uuid(value):
                problem = _invalid_uuid(pointer, value)
        elif kind == "string":
            if not isinstance(value, str):
                problem = _wrong_type(pointer, value, "string")
        elif kind == "int":
            if not isinstance(value, int) or isinstance(value, bool):
                problem = _wrong_type(pointer, value, "int")
        elif kind == "float":
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                problem = _wrong_type(pointer, value, "numeric")
            else:
                value = float(value)
        elif kind == "bool":
            if not isinstance(value, bool):
                problem = _wrong_type(pointer, value, "bool")
        elif kind == "datetime":
            parsed = parse_datetime(value)
            if parsed is None:
                problem = _not_datetime(pointer, value)
            else:
                value = format_datetime(parsed)
        elif kind == "enum":
            if value not in d.fields[name]["enum"]:
                problem = E.violation(
                    pointer,
                    "The value you selected is not a valid choice.",
                    E.NO_SUCH_CHOICE,
                    {
                        "{{ value }}": E.php_repr(value),
                        "{{ choices }}": ", ".join(f'"{c}"' for c in d.fields[name]["enum"]),
                    },
                )
        elif kind == "json":
            if not isinstance(value, (dict, list)):
                problem = _wrong_type(pointer, value, "array")
        elif kind in ("json_list", "string_list", "id_list"):
            if not isinstance(value, list):
                problem = _wrong_type(pointer, value, "array")
            elif kind == "string_list" and not all(isinstance(v, str) for v in value):
                problem = _wrong_type(pointer, value, "string[]")
            elif kind == "id_list":
                bad = next((v for v in value if not is_uuid(v)), None)
                if bad is not None:
                    problem = _invalid_uuid(pointer, bad)
        elif kind == "price_list":
            return self._check_prices(value, pointer, ctx)
        if problem is not None:
            ctx.errors.append(problem)
            return False, None
        return True, copy.deepcopy(value) if isinstance(value, (dict, list)) else value

    def _check_prices(self, value: Any, pointer: str, ctx: WriteCtx) -> tuple[bool, Any]:
        if not isinstance(value, list):
            ctx.errors.append(_wrong_type(pointer, value, "array"))
            return False, None
        before = len(ctx.errors)
        prices = []
        for index, item in enumerate(value):
            item_pointer = f"{pointer}/{index}"
            if not isinstance(item, dict):
                ctx.errors.append(_expected_array(item_pointer))
                continue
            for key in item:
                if key not in PRICE_KEYS:
                    ctx.errors.append(_unexpected_field(f"{item_pointer}/{key}", key))
            for key in ("currencyId", "gross", "net", "linked"):
                if key not in item:
                    ctx.errors.append(
                        E.violation(
                            f"{item_pointer}/{key}",
                            "This field is missing.",
                            E.MISSING_FIELD,
                            {"{{ field }}": f'"{key}"'},
                        )
                    )
            price = {"currencyId": item.get("currencyId")}
            if "currencyId" in item and not is_uuid(item["currencyId"]):
                ctx.errors.append(_invalid_uuid(f"{item_pointer}/currencyId", item["currencyId"]))
            for key in ("gross", "net"):
                amount = item.get(key)
                if key in item and (
                    not isinstance(amount, (int, float)) or isinstance(amount, bool)
                ):
                    ctx.errors.append(_wrong_type(f"{item_pointer}/{key}", amount, "numeric"))
                elif key in item:
                    price[key] = float(amount)
            if "linked" in item and not isinstance(item["linked"], bool):
                ctx.errors.append(_wrong_type(f"{item_pointer}/linked", item["linked"], "bool"))
            price["linked"] = item.get("linked")
            for key in ("listPrice", "regulationPrice"):
                nested = item.get(key)
                if nested is None:
                    price[key] = None
                    continue
                if not isinstance(nested, dict):
                    ctx.errors.append(_expected_array(f"{item_pointer}/{key}"))
                    continue
                clean: dict[str, Any] = {"currencyId": nested.get("currencyId")}
                for sub in ("gross", "net"):
                    amount = nested.get(sub)
                    if not isinstance(amount, (int, float)) or isinstance(amount, bool):
                        ctx.errors.append(
                            _wrong_type(f"{item_pointer}/{key}/{sub}", amount, "numeric")
                        )
                    else:
                        clean[sub] = float(amount)
                clean["linked"] = bool(nested.get("linked", False))
                price[key] = clean
            prices.append(price)
        if len(ctx.errors) > before:
            return False, None
        if not any(p["currencyId"] == CURRENCY_DEFAULT for p in prices):
            ctx.errors.append(
                E.violation(
                    pointer,
                    "No price for default currency defined",
                    E.CONSTRAINT_VIOLATION,
                )
            )
            return False, None
        return True, prices
