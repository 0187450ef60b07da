"""Shape checks for the answers pimflow reads: a contract mismatch fails at once, named.

An endpoint that is not quite the API (a third-party stand-in, a proxy, another version)
can answer 200 with JSON of another shape than the contract: a paginated envelope where
Akeneo documents a plain list, a list where an object is due, an object without the key
pimflow indexes. Read on, that surfaces deep in a stage as a TypeError or KeyError, is
retried for nothing (the same call gives the same answer) and names no endpoint.

So each answer is checked where it is read, for what the reader needs of it, and a
mismatch raises ShapeError: an AirflowFailException (no retries), its message the reason
first, then the endpoint (method and path, never the query: it can hold search terms or
keys), what was expected and what came (its type and a short excerpt, values under
secret-looking keys masked). The checks are shallow and cheap: types and keys, no schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from airflow.sdk.exceptions import AirflowFailException

EXCERPT_CHARS = 160
# Keys whose values an excerpt never shows (a token endpoint's answer, an echoed header).
SECRET_KEY = re.compile(r"token|secret|password|passwd|authorization|api[_-]?key|credential", re.I)
URL_QUERY = re.compile(r"(\bhttps?://[^\s?#'\"]+)\?[^\s'\"]*")
# What `get_json(expect=PAGE)` asks for: Akeneo's list envelope (`_embedded.items`).
PAGE = "page"


class ShapeError(AirflowFailException):
    """An API answered with a body of another shape than its contract: retrying cannot
    help, so the task fails at once (AirflowFailException skips Airflow's retries)."""

    def __init__(self, route: str, expected: str, got: Any, where: str = "") -> None:
        self.route = route
        self.expected = expected
        self.got = describe(got)
        at = f" ({where})" if where else ""
        super().__init__(f"unexpected answer from {route}{at}: expected {expected}, got {self.got}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as made (a process pool or executor may carry it): the excerpt as it was.
        return (_restored, (str(self), self.route, self.expected, self.got))


def _restored(message: str, route: str, expected: str, got: str) -> ShapeError:
    error = ShapeError.__new__(ShapeError)
    Exception.__init__(error, message)
    error.route, error.expected, error.got = route, expected, got
    return error


def route(method: str, url: str) -> str:
    """'GET /api/rest/v1/measurement-families': the endpoint, without host or query."""
    return f"{method} {urlsplit(url).path or url.split('?', 1)[0]}"


def describe(value: Any) -> str:
    """A value's type and a short, masked excerpt: `a dict {'_links': …}`."""
    kind = {dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), f"a {type(value).__name__}"
    )
    if value is None:
        return kind
    if isinstance(value, list):
        kind = f"a list of {len(value)} item" + ("" if len(value) == 1 else "s")
    text = repr(_masked(value, 3))
    if len(text) > EXCERPT_CHARS:
        text = text[:EXCERPT_CHARS] + "…"
    return f"{kind}: {text}"


class _Cut:
    """What an excerpt shows for a container below its depth: `{…}` or `[…]`."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _masked(value: Any, depth: int) -> Any:
    """The value with secret-looking keys' values hidden, cut below `depth` levels."""
    if isinstance(value, dict):
        if depth <= 0:
            return _Cut("{…}") if value else {}
        return {
            key: "***" if SECRET_KEY.search(str(key)) else _masked(item, depth - 1)
            for key, item in list(value.items())[:8]
        }
    if isinstance(value, list):
        if depth <= 0:
            return _Cut("[…]") if value else []
        return [_masked(item, depth - 1) for item in value[:3]]
    if isinstance(value, str):
        value = URL_QUERY.sub(r"\1?…", value)  # a presigned URL's query is a credential
        return value[:60] + "…" if len(value) > 60 else value
    return value


def _keyed(what: str, keys: Iterable[str]) -> str:
    keys = list(keys)
    return f"{what} with {', '.join(repr(k) for k in keys)}" if keys else what


def check_object(value: Any, at: str, keys: Iterable[str] = (), where: str = "") -> dict:
    """`value` if it is an object holding every one of `keys`; else ShapeError."""
    keys = tuple(keys)
    if not isinstance(value, dict):
        raise ShapeError(at, _keyed("an object", keys), value, where)
    missing = [key for key in keys if key not in value]
    if missing:
        expected = _keyed("an object", keys) + f" (missing {', '.join(map(repr, missing))})"
        raise ShapeError(at, expected, value, where)
    return value


def check_items(items: Any, at: str, keys: Iterable[str] = (), where: str = "") -> list:
    """`items` if it is a list of objects each holding `keys`; else ShapeError."""
    keys = tuple(keys)
    if not isinstance(items, list):
        raise ShapeError(at, _keyed("a list of objects", keys), items, where)
    for index, item in enumerate(items):
        if not isinstance(item, dict) or any(key not in item for key in keys):
            inner = f"{where}, item {index}" if where else f"item {index}"
            check_object(item, at, keys, inner)
    return items


def check_page(payload: Any, at: str, keys: Iterable[str] = ()) -> tuple[list, str | None]:
    """Akeneo's list envelope: (its `_embedded.items`, checked as by check_items, and the
    `_links.next.href`, None on the last page)."""
    check_object(payload, at, ("_embedded",))
    embedded = check_object(payload["_embedded"], at, ("items",), "_embedded")
    items = check_items(embedded["items"], at, keys, "_embedded.items")
    links = payload.get("_links") or {}
    following = links.get("next") if isinstance(links, dict) else None
    if following is None:
        return items, None
    href = following.get("href") if isinstance(following, dict) else None
    if not isinstance(href, str):
        raise ShapeError(at, "a link {'href': '…'}", following, "_links.next")
    return items, href


def check(value: Any, expect: Any, at: str, keys: Iterable[str] = ()) -> Any:
    """`value` checked as `expect` says: list (of objects with `keys`), dict (with
    `keys`), PAGE (an Akeneo list envelope whose items have `keys`), None (unchecked)."""
    if expect is list:
        return check_items(value, at, keys)
    if expect is dict:
        return check_object(value, at, keys)
    if expect == PAGE:
        check_page(value, at, keys)
        return value
    if expect is None:
        return value
    raise ValueError(f"unknown answer shape {expect!r}")
