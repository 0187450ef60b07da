"""CsCartHook: the CS-Cart / Multi-Vendor REST API with HTTP Basic auth.

Connection `cscart_default` (type `cscart`): host = the store's base URL, login = the
administrator's e-mail, password = the API key. Extras: `api_prefix` (`/api` or `/api/2`),
`company_id` for a Multi-Vendor vendor or a Store Builder store (requests then go to
`/api/vendors/<id>/...`).

CS-Cart's creates (`POST` of products, categories, features, variation groups) are not
idempotent: posted twice, an object exists twice. So a create whose answer was lost (the
connection failed after the call was sent) is not simply sent again: `create` looks the
object up by its natural key first and adopts it when it is there. PUTs and DELETEs of an
id are retried as they are (the same body twice leaves the same object).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from typing import Any

from requests.auth import HTTPBasicAuth

from pimflow.hooks import shapes
from pimflow.hooks.base import RETRYABLE_STATUSES, AnswerLost, ApiError, PimflowHttpHook

# CS-Cart answers 509 when the hourly API request limit is reached: wait and retry.
CSCART_RETRYABLE = RETRYABLE_STATUSES | {509}
# What a Multi-Vendor vendor (or Store Builder store) has under /api/vendors/<id>/.
VENDOR_RESOURCES = frozenset({"products"})


class CsCartHook(PimflowHttpHook):
    conn_name_attr = "cscart_conn_id"
    default_conn_name = "cscart_default"
    conn_type = "cscart"
    hook_name = "CS-Cart"
    default_max_concurrency = 4
    retryable_statuses = CSCART_RETRYABLE

    def __init__(self, cscart_conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(conn_id=cscart_conn_id, **kwargs)

    def _configure_session_from_auth(self, session, connection):  # noqa: ANN001, ANN202
        if not connection.login or not connection.password:
            raise ValueError(
                f"connection {self.http_conn_id!r} needs the admin e-mail (login) and the API "
                "key (password)"
            )
        session.auth = HTTPBasicAuth(connection.login, connection.password)
        return session

    @property
    def api_prefix(self) -> str:
        prefix = str(self.extras.get("api_prefix") or "/api").rstrip("/")
        company = self.extras.get("company_id")
        return f"{prefix}/vendors/{int(company)}" if company else prefix

    def api(self, resource: str) -> str:
        """The path of a resource. Only products are a vendor's own (`/vendors/<id>/products`);
        languages, categories, features and variation groups are the marketplace's."""
        resource = resource.lstrip("/")
        if resource.split("/", 1)[0].split("?", 1)[0] in VENDOR_RESOURCES:
            return f"{self.api_prefix}/{resource}"
        return f"{str(self.extras.get('api_prefix') or '/api').rstrip('/')}/{resource}"

    def get_json(self, resource: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """A read's answer, checked to be an object (every CS-Cart read answers one)."""
        path = self.api(resource)
        answer = self.request("GET", path, params=params).json()
        return shapes.check_object(answer, shapes.route("GET", path))

    def send(
        self,
        method: str,
        resource: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        ok_statuses: tuple[int, ...] = (),
        keys: tuple[str, ...] = (),
    ) -> tuple[int, Any]:
        """One write (or read) with a JSON body; (status, decoded answer). Errors other than
        `ok_statuses` raise ApiError, whose `reason` and `field` say what CS-Cart refused.
        `keys`: what a successful answer must hold, else ShapeError.
        A POST whose answer is lost raises AnswerLost rather than being sent twice (a
        create is not idempotent): creates go through `create`."""
        path = self.api(resource)
        response = self.request(
            method,
            path,
            params=params,
            json=body,
            ok_statuses=ok_statuses,
            resend_unanswered=method.upper() != "POST",
        )
        answer = _decoded(response)
        if keys and response.status_code < 400:
            shapes.check_object(answer, shapes.route(method, path), keys)
        return response.status_code, answer

    def create(
        self,
        resource: str,
        body: dict[str, Any],
        find: Callable[[], Any | None],
        keys: tuple[str, ...] = (),
    ) -> tuple[Any, Any | None]:
        """POST a new object: (its answer, None); or, when an answer was lost and `find`
        (a lookup by the object's natural key, returning what identifies it or None) finds
        it in the shop, (None, what `find` returned): the object is adopted, not made twice.
        `find` finding nothing means the lost call never landed: it is posted again, within
        the connection's retry budget (`max_retries`). `keys`: what the answer of a create
        must hold (its new id), else ShapeError."""
        path = self.api(resource)
        attempt = 0
        while True:
            try:
                response = self.request("POST", path, json=body, resend_unanswered=False)
            except AnswerLost:
                if attempt >= self.max_retries:
                    raise
                # The same backoff as any retry: also gives a call still being processed
                # (a read timeout) the time to land before we look.
                self._sleep_before_retry(attempt, None)
                attempt += 1
                found = find()
                if found is not None:
                    return None, found
                continue
            answer = _decoded(response)
            if keys:
                shapes.check_object(answer, shapes.route("POST", path), keys)
            return answer, None

    def iter_pages(
        self,
        resource: str,
        key: str,
        params: dict[str, Any] | None = None,
        page_size: int = 100,
        keys: tuple[str, ...] = (),
    ) -> Iterator[list[dict[str, Any]]]:
        """Every page of a list call, until `params.total_items` are read. CS-Cart answers a
        page past the end with an empty list (and the real total), so paging stops on the
        total, not on a short page. Each page's `key` is checked to be a list (or an object
        by code) of objects with `keys` (what the caller indexes), else ShapeError."""
        page = 1
        read = 0
        at = shapes.route("GET", self.api(resource))
        while True:
            body = self.get_json(
                resource, {**(params or {}), "page": page, "items_per_page": page_size}
            )
            if key not in body and "params" not in body:  # not a page of this list at all
                raise shapes.ShapeError(at, f"a page of '{key}' with its 'params'", body)
            items = body.get(key) or []
            if isinstance(items, dict):  # languages come keyed by code
                items = list(items.values())
            shapes.check_items(items, at, keys, key)
            if items:
                yield items
            read += len(items)
            total = _total(body, at)
            if not items or read >= total or page >= math.ceil(total / page_size):
                return
            page += 1

    def total(self, resource: str, params: dict[str, Any] | None = None) -> int:
        """How many items a list call would give (one call of one item)."""
        body = self.get_json(resource, {**(params or {}), "items_per_page": 1})
        return _total(body, shapes.route("GET", self.api(resource)))

    def languages(self) -> dict[str, dict[str, Any]]:
        """The installed languages by lang_code, without the disabled ones."""
        found = {}
        for page in self.iter_pages("languages", "languages", keys=("lang_code",)):
            for item in page:
                if item.get("status", "A") != "D":
                    found[str(item["lang_code"]).lower()] = item
        return found

    def test_connection(self) -> tuple[bool, str]:
        try:
            self.get_json("products", {"items_per_page": 1})
        except Exception as exc:
            return False, str(exc)
        return True, "Connected to CS-Cart: the API key is accepted."


def _total(body: dict[str, Any], at: str) -> int:
    """A list answer's `params.total_items` (0 when absent); anything but a count is a
    ShapeError: paging on it would stop early or never."""
    params = body.get("params") or {}
    if not isinstance(params, dict):
        raise shapes.ShapeError(at, "'params' as an object", params, "params")
    total = params.get("total_items") or 0
    try:
        return int(total)
    except (TypeError, ValueError):
        raise shapes.ShapeError(at, "a number of items", total, "params.total_items") from None


def _decoded(response: Any) -> Any:
    """An answer's JSON (None when empty, its start when not JSON)."""
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text[:2000]


_QUERY = re.compile(r"(\bhttps?://[^\s?#'\"]+)\?[^\s'\"]*")
_FIELD_PATTERNS = (
    re.compile(r"[Rr]equired field [\"']?([A-Za-z_]+)"),
    re.compile(r"field '([A-Za-z_][\w.]*)'"),
    re.compile(r"\b(category_ids|main_category|product_features|main_pair|image_pairs|price)\b"),
)


def refusal(error: ApiError) -> tuple[str, str]:
    """(field, reason) of an error CS-Cart answered: `{"message": "Bad Request: field
    'price' must be a number", "status": 400}` → ("price", "field 'price' must be ...")."""
    body = error.body
    message = body.get("message") if isinstance(body, dict) else None
    text = str(message or body or "")
    reason = text.split(": ", 1)[1] if ": " in text else text
    # URLs lose their query: a presigned image URL's signature is a credential.
    reason = _QUERY.sub(r"\1", reason)
    reason = (
        f"CS-Cart answered {error.status}: {reason}"
        if reason
        else f"CS-Cart answered {error.status}"
    )
    for pattern in _FIELD_PATTERNS:
        found = pattern.search(text)
        if found:
            return found.group(1), reason
    return "", reason
