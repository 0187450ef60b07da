"""Shopware's error bodies, built in one place so every route answers alike.

Shopware renders every failure as a JSON:API error list, `{"errors": [...]}`, each error
with `status` and `code` as strings, a `detail`, `meta.parameters` and, for write errors,
`source.pointer` (`/<operation key>/<row>/<field>` in a sync). Constraint violations carry
the Symfony constraint code (a uuid) as their `code`; the DAL's own failures a
`FRAMEWORK__*` / `CONTENT__*` code. One deliberate difference: real write errors also carry
`template` (the untranslated message), which the spec's `error` schema does not allow
(`additionalProperties: false`); the sandbox sticks to the spec and leaves it out.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

# Symfony constraint codes, as Shopware reports them for write violations.
NOT_BLANK = "c1051bb4-d103-4f74-8988-acbcafc7fdc3"
INVALID_TYPE = "ba785a8c-82cb-4283-967c-3cf342181b40"
NO_SUCH_CHOICE = "8e179f1b-97aa-4560-a02f-2a8b42e49df7"
MISSING_FIELD = "2fa2158c-2a7f-484b-98aa-975522539ff8"
INVALID_DATETIME = "1a9da513-2640-4f84-9b6a-4d99dcddc628"
CONSTRAINT_VIOLATION = "FRAMEWORK__WRITE_CONSTRAINT_VIOLATION"


def status_title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "unknown status"


def error(
    status: int,
    code: str,
    detail: str,
    *,
    pointer: str | None = None,
    parameters: dict[str, Any] | None = None,
    title: bool = True,
) -> dict[str, Any]:
    """One error object of a Shopware error body."""
    out: dict[str, Any] = {"status": str(status), "code": code}
    if title:
        out["title"] = status_title(status)
    out["detail"] = detail
    out["meta"] = {"parameters": parameters or {}}
    if pointer is not None:
        out["source"] = {"pointer": pointer}
    return out


def violation(
    pointer: str,
    detail: str,
    code: str = CONSTRAINT_VIOLATION,
    parameters: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A write constraint violation (WriteConstraintViolationException): no title, a pointer."""
    return error(400, code, detail, pointer=pointer, parameters=parameters, title=False)


def php_repr(value: Any) -> str:
    """How Symfony quotes a value in a violation's parameters."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (dict, list)):
        return "array"
    return json.dumps(value)


class ApiError(Exception):
    """A failure the API answers with `{"errors": [...]}` and the given status."""

    def __init__(
        self,
        status: int,
        errors: list[dict[str, Any]],
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(errors[0]["detail"] if errors else str(status))
        self.status = status
        self.errors = errors
        self.headers = headers or {}

    @classmethod
    def single(
        cls,
        status: int,
        code: str,
        detail: str,
        *,
        pointer: str | None = None,
        parameters: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> ApiError:
        return cls(
            status,
            [error(status, code, detail, pointer=pointer, parameters=parameters)],
            headers,
        )


def resource_not_found(entity: str, entity_id: str) -> ApiError:
    return ApiError.single(
        404,
        "FRAMEWORK__RESOURCE_NOT_FOUND",
        f"The {entity} resource with the following primary key was not found: id({entity_id})",
        parameters={"type": entity, "primaryKey": f"id({entity_id})"},
    )


def definition_not_found(entity: str, status: int = 404) -> ApiError:
    return ApiError.single(
        status,
        "FRAMEWORK__DEFINITION_NOT_FOUND",
        f'Definition for entity "{entity}" does not exist.'
        + " (The sandbox emulates the catalog entities pimflow writes; see its docs.)",
        parameters={"entityName": entity},
    )
