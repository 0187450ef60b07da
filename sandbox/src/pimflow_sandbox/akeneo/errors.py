"""The errors of the Akeneo catalog, shaped like Akeneo's own so the HTTP layer only renders them.

Akeneo answers a bad write in two ways, and clients rely on the difference:
- a malformed or unknown piece of data found while *updating* the entity (unknown property,
  wrong JSON type, unknown family or category) is a 422 with a `message` and a link to the
  documentation of the endpoint (`_links.documentation.href`);
- an entity that was updated but does not *validate* (unknown option, wrong locale or channel
  for a value, duplicate identifier, too long text...) is a 422 `Validation failed.` with one
  entry per violation in `errors[]` (`property`, `message`, and for values `attribute`,
  `locale`, `scope`).
"""

from __future__ import annotations

from typing import Any

DOCUMENTATION_URL = "http://api.akeneo.com/api-reference.html"


class AkeneoError(Exception):
    """An error answered to the client; `body()` is what Akeneo would send."""

    status = 500

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def body(self, operation: str | None = None) -> dict[str, Any]:
        return {"code": self.status, "message": self.message}


class BadRequest(AkeneoError):
    status = 400


class NotFound(AkeneoError):
    status = 404


class Unprocessable(AkeneoError):
    """A 422 with a plain message (query errors, pagination errors)."""

    status = 422


class DocumentedUnprocessable(Unprocessable):
    """A 422 raised while updating an entity: message plus a link to the endpoint's docs."""

    def __init__(self, message: str, anchor: str | None = None) -> None:
        suffix = " Check the expected format on the API documentation."
        super().__init__(message if message.endswith(suffix) else message + suffix)
        self.anchor = anchor

    def body(self, operation: str | None = None) -> dict[str, Any]:
        href = DOCUMENTATION_URL + "#" + (self.anchor or operation or "")
        return {
            "code": self.status,
            "message": self.message,
            "_links": {"documentation": {"href": href.rstrip("#")}},
        }


class ValidationFailed(Unprocessable):
    """A 422 `Validation failed.` with its violations."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("Validation failed.")
        self.errors = errors

    def body(self, operation: str | None = None) -> dict[str, Any]:
        return {"code": self.status, "message": self.message, "errors": self.errors}


class TooLarge(AkeneoError):
    status = 413


def php_type(value: Any) -> str:
    """The PHP type name Akeneo puts in its messages (`"NULL" given`)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    return "array"


def type_error(prop: str, expected: str, value: Any) -> DocumentedUnprocessable:
    """Akeneo's InvalidPropertyTypeException: `Property "x" expects a y as data, "z" given.`"""
    return DocumentedUnprocessable(
        f'Property "{prop}" expects {expected} as data, "{php_type(value)}" given.'
    )


def unknown_property(prop: str) -> DocumentedUnprocessable:
    return DocumentedUnprocessable(f'Property "{prop}" does not exist.')


def violation(
    prop: str,
    message: str,
    *,
    attribute: str | None = None,
    locale: str | None = None,
    scope: str | None = None,
    value_key: str = "scope",
) -> dict[str, Any]:
    """One entry of `errors[]`; product values carry attribute, locale and scope."""
    entry: dict[str, Any] = {"property": prop, "message": message}
    if prop == "values" or attribute is not None:
        entry.update({"attribute": attribute, "locale": locale, value_key: scope})
    return entry
