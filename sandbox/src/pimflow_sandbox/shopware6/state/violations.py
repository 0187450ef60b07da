"""Builders of the error entries Shopware answers with (`errors[]` of a 400)."""

from __future__ import annotations

import json
from typing import Any

from pimflow_sandbox.shopware6 import errors as E
from pimflow_sandbox.shopware6.errors import ApiError
from pimflow_sandbox.shopware6.schema import (
    EntityDef,
)
from pimflow_sandbox.shopware6.state.core import snake

# -- error builders ----------------------------------------------------------------------------


def _invalid_uuid(pointer: str, value: Any) -> dict[str, Any]:
    shown = value if isinstance(value, str) else json.dumps(value)
    return E.error(
        400,
        "FRAMEWORK__INVALID_UUID",
        f"Value is not a valid UUID: {shown}",
        pointer=pointer,
        parameters={"input": shown},
    )


def _unexpected_field(pointer: str, name: str) -> dict[str, Any]:
    return E.error(
        400,
        "FRAMEWORK__WRITE_UNEXPECTED_FIELD_ERROR",
        f"Unexpected field: {name}",
        pointer=pointer,
        parameters={"field": name},
    )


def _expected_array(pointer: str) -> dict[str, Any]:
    return E.error(
        400,
        "FRAMEWORK__WRITE_MALFORMED_INPUT",
        f"Expected data at {pointer} to be an array.",
        pointer=pointer,
        parameters={"path": pointer},
    )


def _not_blank(pointer: str) -> dict[str, Any]:
    return E.violation(
        pointer, "This value should not be blank.", E.NOT_BLANK, {"{{ value }}": "null"}
    )


def _wrong_type(pointer: str, value: Any, kind: str) -> dict[str, Any]:
    return E.violation(
        pointer,
        f"This value should be of type {kind}.",
        E.INVALID_TYPE,
        {"{{ value }}": E.php_repr(value), "{{ type }}": kind},
    )


def _not_datetime(pointer: str, value: Any) -> dict[str, Any]:
    return E.violation(
        pointer,
        "This value is not a valid datetime.",
        E.INVALID_DATETIME,
        {"{{ value }}": E.php_repr(value)},
    )


def _write_protected(pointer: str) -> dict[str, Any]:
    return E.violation(
        pointer,
        'This field is write-protected. (Got: "crud" scope and "system" is required)',
        E.CONSTRAINT_VIOLATION,
        {"{{ scope }}": "crud"},
    )


def _foreign_key(d: EntityDef, fk: str, target: str, value: str, pointer: str) -> dict[str, Any]:
    """Real Shopware lets MySQL refuse this (a 500 for the whole request); see the docs."""
    column = snake(fk)
    return E.error(
        400,
        "1452",
        "SQLSTATE[23000]: Integrity constraint violation: 1452 Cannot add or update a child "
        f"row: a foreign key constraint fails (`shopware`.`{d.name}`, CONSTRAINT "
        f"`fk.{d.name}.{column}` FOREIGN KEY (`{column}`) REFERENCES `{target}` (`id`))",
        pointer=pointer,
        parameters={"entity": target, "field": fk, "value": value},
    )


def _invalid_sync_criteria(key: str) -> ApiError:
    return ApiError.single(
        400,
        "FRAMEWORK__INVALID_SYNC_CRITERIA",
        f'Sync operation {key}, with action "delete", requires a criteria with at least one '
        "filter and can only be applied for mapping entities",
        parameters={"key": key},
    )
