"""The CS-Cart / Multi-Vendor REST API over HTTP: routes, auth, bodies and error shapes.

Requests are read as CS-Cart's `Tygh\\Api` reads them (Basic auth with e-mail and API key;
`/api/...`, `/api/2/...` and `/api.php?_d=...`; JSON bodies; trailing slashes ignored), the
work is done by `state.Store`, and answers are rendered by `views` in the documented shapes.
Errors look like CS-Cart's: `{"message": "Not Found", "status": 404}`, with the reason after
a colon when there is one (`"Bad Request: Required field \\"price\\" is missing"`).
"""

from __future__ import annotations

import base64
import binascii
import collections
import hmac
import http
import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from pimflow_sandbox.cscart import views
from pimflow_sandbox.cscart.images import FetchedImage, ImageFetchError, ImagesRequest, fetch
from pimflow_sandbox.cscart.images import parse_images as _parse_images
from pimflow_sandbox.cscart.state import ProductQuery, StateError, Store
from pimflow_sandbox.cscart.values import InvalidValue
from pimflow_sandbox.server import HttpError, Request, Response, SandboxApp

log = logging.getLogger(__name__)

DEFAULT_EMAIL = "admin@example.com"
DEFAULT_API_KEY = "pimflow-api-key"
API_VERSION = "2.1"

_STATE_STATUS = {"bad_request": 400, "not_found": 404, "forbidden": 403, "conflict": 409}
# Tygh\Api\Response::getAvailableCodes(), plus 429 for the sandbox's rate-limit switches.
_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
    507: "Insufficient Storage",
    509: "Bandwidth Limit Exceeded",
}
_ENTITIES = {
    "products",
    "categories",
    "features",
    "vendors",
    "stores",
    "languages",
    "product_variations",
    "product_variations_groups",
    "version",
}
_VERSION_SEGMENT = re.compile(r"^\d+(\.\d+)?$")
_ACCEPTED = ("application/json", "text/plain", "*/*", "application/*", "text/*")


def _php_int(text: str | None) -> int:
    """PHP's (int) cast of a query value: leading digits, else 0."""
    found = re.match(r"\s*([+-]?\d+)", text or "")
    return int(found.group(1)) if found else 0


class CsCartApp(SandboxApp):
    """The emulated shop; `store` holds the data, the rest is the API around it."""

    name = "cscart"

    def __init__(
        self,
        store: Store,
        *,
        email: str = DEFAULT_EMAIL,
        api_key: str = DEFAULT_API_KEY,
        hourly_limit: int = 0,
        items_per_page: int = 10,
        max_items_per_page: int = 0,
        image_errors: str = "skip",
        snapshot_path: str | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self._email = email
        self._api_key = api_key
        self.hourly_limit = hourly_limit  # requests per user per rolling hour; 0 = unlimited
        self.items_per_page = items_per_page  # Settings → Appearance → Elements per page
        self.max_items_per_page = max_items_per_page  # over it: 413; 0 = no maximum
        self.image_errors = image_errors  # skip (as CS-Cart) or reject (400)
        self.snapshot_path = snapshot_path
        self._hourly: dict[str, collections.deque[float]] = {}
        self._hourly_lock = threading.Lock()
        self._register_routes()

    # -- what the framework asks of an app ---------------------------------------------------
    def match(self, method: str, path: str) -> tuple[Any, dict[str, str]]:
        """Routes are written once for `/api/...`: the version segment of `/api/2/...` and a
        trailing slash are dropped first, as Tygh\\Api::getEntityFromPath does."""
        normalized = path
        if path.startswith("/api/") and "//" not in path:
            normalized = path.rstrip("/") if len(path) > 5 else path
            parts = normalized.split("/")
            if len(parts) > 2 and _VERSION_SEGMENT.match(parts[2]):
                normalized = "/".join(parts[:2] + parts[3:])
        try:
            return super().match(method, normalized)
        except HttpError as exc:
            if exc.status == 405:
                raise HttpError(405, headers=exc.headers) from None
            entity = normalized.split("/")[2] if normalized.startswith("/api/") else ""
            if normalized.startswith("/api/") and entity and entity not in _ENTITIES:
                raise HttpError(404, f"Entity {entity} was not found") from None
            raise HttpError(404) from None

    def authenticate(self, request: Request) -> None:
        email, key = _basic_credentials(request)
        if email is None or key is None:
            raise HttpError(401)
        email_ok = email.lower() == self._email.lower()  # MySQL compares e-mails case-blind
        key_ok = hmac.compare_digest(key.encode(), self._api_key.encode())
        if not (email_ok and key_ok):
            raise HttpError(401)
        self._count_hourly(email.lower())

    def limit_key(self, request: Request) -> str:
        email, _ = _basic_credentials(request)
        return (email or "anonymous").lower()

    def error_response(self, error: HttpError) -> Response:
        headers = dict(error.headers)
        if error.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="User email/API key"'
        if error.payload is not None:
            return Response.json(error.payload, error.status, headers)
        reason = _REASONS.get(error.status)
        if reason is None:
            try:
                reason = http.HTTPStatus(error.status).phrase
            except ValueError:
                reason = "Error"
        message = reason
        if error.message and error.message not in (reason, str(error.status)):
            message = f"{reason}: {error.message}"
        return Response.json({"message": message, "status": error.status}, error.status, headers)

    def too_many_requests(self, retry_after: int) -> Response:
        return self.error_response(HttpError(429, headers={"Retry-After": str(retry_after)}))

    def injected_failure(self) -> Response:
        return self.error_response(HttpError(500, "injected by the sandbox"))

    def close(self) -> None:
        """Called by the CLI on shutdown: keep the shop for the next start."""
        if self.snapshot_path:
            from pimflow_sandbox.cscart import save_snapshot

            with self.lock:
                save_snapshot(self.store, self.snapshot_path)

    # -- the hourly limit (509) --------------------------------------------------------------
    def _count_hourly(self, user: str) -> None:
        limit = self.hourly_limit
        if limit <= 0:
            return
        now = time.monotonic()
        with self._hourly_lock:
            window = self._hourly.setdefault(user, collections.deque())
            while window and window[0] <= now - 3600:
                window.popleft()
            if len(window) >= limit:
                retry = max(1, math.ceil(window[0] + 3600 - now))
                raise HttpError(509, headers={"Retry-After": str(retry)})
            window.append(now)

    def reset_hourly(self) -> None:
        with self._hourly_lock:
            self._hourly.clear()

    # -- request helpers ---------------------------------------------------------------------
    def _json_body(self, request: Request) -> dict[str, Any]:
        content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
        if content_type in ("", "text/plain"):
            raise HttpError(
                400, "the body must be JSON, sent with the header Content-Type: application/json"
            )
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise HttpError(415)
        data: Any = {}
        if request.body.strip():
            try:
                data = json.loads(request.body)
            except (ValueError, UnicodeDecodeError) as exc:
                raise HttpError(400, f"Invalid JSON: {exc.__class__.__name__}") from exc
        if data == []:
            data = {}
        if not isinstance(data, dict):
            raise HttpError(400, "the body must be a JSON object")
        if not data:  # Tygh\Api::exec: a create/update without data
            raise HttpError(405, "the request has no data")
        return data

    @staticmethod
    def _check_accept(request: Request) -> None:
        accept = request.header("accept")
        if not accept:
            return
        types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
        if not any(t in _ACCEPTED or t.endswith("+json") for t in types):
            raise HttpError(406)

    def _page(self, request: Request) -> tuple[int, int]:
        items_per_page = _php_int(request.arg("items_per_page"))
        if items_per_page <= 0:
            items_per_page = self.items_per_page
        if self.max_items_per_page and items_per_page > self.max_items_per_page:
            raise HttpError(413, f"items_per_page may be at most {self.max_items_per_page}")
        return max(1, _php_int(request.arg("page"))), items_per_page

    @staticmethod
    def _params(request: Request) -> dict[str, Any]:
        """The query as CS-Cart's $params: `a[]=1&a[]=2` is the list `a`, the last value wins."""
        params: dict[str, Any] = {}
        for name, values in request.query.items():
            key = name[:-2] if name.endswith("[]") else name
            params[key] = values if name.endswith("[]") or len(values) > 1 else values[-1]
        for internal in ("_d", "ajax_custom"):
            params.pop(internal, None)
        return params

    @staticmethod
    def _id(value: str) -> int:
        """An entity ID from the path: CS-Cart answers 404 for anything not numeric."""
        if not value.isdigit():
            raise HttpError(404)
        return int(value)

    def _lang(self, request: Request, data: dict[str, Any] | None = None) -> str:
        requested = (data or {}).get("lang_code") or request.arg("lang_code")
        return self.store.lang(str(requested) if requested else None)

    def _vendor_scope(self, request: Request) -> int | None:
        vendor = request.path_params.get("vendor_id")
        if vendor is None:
            return None
        vendor_id = self._id(vendor)
        if vendor_id not in self.store.companies:
            raise HttpError(404)
        return vendor_id

    # -- routing -------------------------------------------------------------------------------
    def _add(self, method: str, pattern: str, handler: Callable[[Request], Response]) -> None:
        def run(request: Request) -> Response:
            if method == "GET":
                self._check_accept(request)
            try:
                return handler(request)
            except StateError as exc:
                raise HttpError(_STATE_STATUS[exc.kind], exc.message) from exc
            except InvalidValue as exc:
                raise HttpError(400, str(exc)) from exc

        self.add_route(method, pattern, run)

    def _register_routes(self) -> None:
        add = self._add
        for base in ("/api/products", "/api/categories/{category_id}/products"):
            add("GET", base, self.list_products)
            add("POST", base, self.create_product)
            add("GET", base + "/{id}", self.get_product)
            add("PUT", base + "/{id}", self.update_product)
            add("DELETE", base + "/{id}", self.delete_product)
        for entity in ("vendors", "stores"):
            add("GET", f"/api/{entity}", self.list_companies)
            add("POST", f"/api/{entity}", self.create_company)
            add("GET", f"/api/{entity}/{{id}}", self.get_company)
            add("PUT", f"/api/{entity}/{{id}}", self.update_company)
            add("DELETE", f"/api/{entity}/{{id}}", self.delete_company)
            base = f"/api/{entity}/{{vendor_id}}/products"
            add("GET", base, self.list_products)
            add("POST", base, self.create_product)
            add("GET", base + "/{id}", self.get_product)
            add("PUT", base + "/{id}", self.update_product)
            add("DELETE", base + "/{id}", self.delete_product)
            add("GET", f"/api/{entity}/{{vendor_id}}/categories", self.list_categories)
            add("GET", f"/api/{entity}/{{vendor_id}}/categories/{{id}}", self.get_category)
        add("GET", "/api/products/{id}/features", self.list_product_features)
        add("GET", "/api/categories", self.list_categories)
        add("POST", "/api/categories", self.create_category)
        add("GET", "/api/categories/{id}", self.get_category)
        add("PUT", "/api/categories/{id}", self.update_category)
        add("DELETE", "/api/categories/{id}", self.delete_category)
        add("GET", "/api/features", self.list_features)
        add("POST", "/api/features", self.create_feature)
        add("GET", "/api/features/{id}", self.get_feature)
        add("PUT", "/api/features/{id}", self.update_feature)
        add("DELETE", "/api/features/{id}", self.delete_feature)
        add("GET", "/api/product_variations_groups", self.list_groups)
        add("POST", "/api/product_variations_groups", self.create_group)
        add("GET", "/api/product_variations_groups/{ref}", self.get_group)
        add("PUT", "/api/product_variations_groups/{ref}", self.update_group)
        add("DELETE", "/api/product_variations_groups/{ref}", self.delete_group)
        add("GET", "/api/product_variations_groups/{ref}/product_variations", self.list_variations)
        add("GET", "/api/product_variations", self.list_variations)
        add("POST", "/api/product_variations", self.create_variation)
        add("GET", "/api/product_variations/{id}", self.get_product)
        add("PUT", "/api/product_variations/{id}", self.update_variation)
        add("DELETE", "/api/product_variations/{id}", self.delete_product)
        add("GET", "/api/languages", self.list_languages)
        add("POST", "/api/languages", self.create_language)
        add("GET", "/api/languages/{id}", self.get_language)
        add("PUT", "/api/languages/{id}", self.update_language)
        add("DELETE", "/api/languages/{id}", self.delete_language)
        add("GET", "/api/version", lambda _: Response.json({"Version": API_VERSION}))
        for method in ("GET", "POST", "PUT", "DELETE"):
            self.add_route(method, "/api.php", self.api_php)
        self.add_route("GET", "/images/{path:path}", self.get_image, public=True)
        self.add_route("GET", "/_sandbox/cscart/images", self.admin_images, admin=True)
        self.add_route("GET", "/_sandbox/cscart/options", self.admin_options, admin=True)
        self.add_route("PATCH", "/_sandbox/cscart/options", self.admin_set_options, admin=True)

    def api_php(self, request: Request) -> Response:
        """`/api.php?_d=products/12&ajax_custom=1`: the same API without mod_rewrite."""
        resource = (request.arg("_d") or "").strip("/")
        if not resource:
            raise HttpError(404)
        route, params = self.match(request.method, "/api/" + resource)
        request.path_params = params
        return route.handler(request)

    # -- products ------------------------------------------------------------------------------
    def list_products(
        self, request: Request, variations: bool = False, group_ref: str | None = None
    ) -> Response:
        store = self.store
        params = self._params(request)
        page, items_per_page = self._page(request)
        with self.lock:
            lang = self._lang(request)
            query = ProductQuery.from_params(params, lang)
            scope = self._vendor_scope(request)
            if scope is not None:
                query.company_id = scope
            category = request.path_params.get("category_id")
            if category is not None:
                query.category_ids = [store.category(self._id(category)).category_id]
            if variations:  # ProductVariations::index: products that are in a group
                query.has_variation_group = True
                if group_ref is not None:
                    query.variation_group_id = store.find_group(group_ref).id
            found = store.search_products(query)
            descriptions = any(
                str(params.get(name, "")).upper() == "Y"
                for name in ("pshort", "pfull", "pkeywords")
            )
            urls = views.Urls(request.base_url)
            start = (page - 1) * items_per_page
            items = [
                views.product_item(store, product, lang, urls, descriptions)
                for product in found[start : start + items_per_page]
            ]
            block = views.products_params(
                {k: v for k, v in params.items() if isinstance(v, str)},
                query,
                page,
                items_per_page,
                len(found),
                descriptions,
            )
        return Response.json({"products": items, "params": block})

    def get_product(self, request: Request) -> Response:
        product_id = self._id(request.path_params["id"])
        with self.lock:
            scope = self._vendor_scope(request)
            product = self.store.product(product_id, scope)
            lang = self._lang(request)
            body = views.product_detail(self.store, product, lang, views.Urls(request.base_url))
        return Response.json(body)

    def _fetch_images(self, request_images: ImagesRequest | None) -> dict[str, FetchedImage]:
        """Download what the body names, before the store is locked (a URL may point back at
        this very sandbox)."""
        fetched: dict[str, FetchedImage] = {}
        if request_images is None:
            return fetched
        for source in request_images.sources:
            if source.url in fetched:
                continue
            try:
                fetched[source.url] = fetch(source.url)
            except ImageFetchError as exc:
                if self.image_errors == "reject":
                    raise HttpError(400, f"the image could not be uploaded: {exc}") from exc
                log.warning("cscart sandbox: image not stored: %s", exc)
        return fetched

    def _images(self, data: dict[str, Any]) -> ImagesRequest | None:
        if "main_pair" not in data and "image_pairs" not in data:
            return None
        try:
            return _parse_images(data)
        except InvalidValue as exc:
            raise HttpError(400, str(exc)) from exc

    def create_product(self, request: Request) -> Response:
        data = self._json_body(request)
        images = self._images(data)
        fetched = self._fetch_images(images)
        with self.lock:
            scope = self._vendor_scope(request)
            lang = self._lang(request, data)
            product_id = self.store.create_product(data, lang, scope, images, fetched)
        return Response.json({"product_id": product_id}, 201)

    def update_product(self, request: Request) -> Response:
        raw_id = request.path_params["id"]
        product_id = self._id(raw_id)
        data = self._json_body(request)
        images = self._images(data)
        with self.lock:
            scope = self._vendor_scope(request)
            self.store.product(product_id)  # 404 before any image is fetched
        fetched = self._fetch_images(images)
        with self.lock:
            lang = self._lang(request, data)
            self.store.update_product(product_id, data, lang, scope, images, fetched)
        return Response.json({"product_id": raw_id})

    def delete_product(self, request: Request) -> Response:
        product_id = self._id(request.path_params["id"])
        with self.lock:
            scope = self._vendor_scope(request)
            self.store.delete_product(product_id, scope)
        return Response.empty(204)

    def list_product_features(self, request: Request) -> Response:
        product_id = self._id(request.path_params["id"])
        page, items_per_page = self._page(request)
        with self.lock:
            product = self.store.product(product_id)
            lang = self._lang(request)
            features = views.product_feature_list(self.store, product, lang)
        start = (page - 1) * items_per_page
        return Response.json(
            {
                "features": features[start : start + items_per_page],
                "params": {
                    "product_id": str(product_id),
                    "page": page,
                    "items_per_page": items_per_page,
                    "total_items": str(len(features)),
                },
            }
        )

    # -- product variations (products in variation groups) ----------------------------------
    def list_variations(self, request: Request) -> Response:
        return self.list_products(request, True, request.path_params.get("ref"))

    def create_variation(self, request: Request) -> Response:
        data = self._json_body(request)
        images = self._images(data)
        fetched = self._fetch_images(images)
        with self.lock:
            lang = self._lang(request, data)
            group_id = self._group_id(data)
            product_id = self.store.create_product(data, lang, None, images, fetched)
            body: dict[str, Any] = {"product_id": product_id}
            if group_id:
                _, message = self.store.attach_to_group(group_id, product_id)
                if message:
                    body["message"] = message
        return Response.json(body, 201)

    def update_variation(self, request: Request) -> Response:
        raw_id = request.path_params["id"]
        product_id = self._id(raw_id)
        data = self._json_body(request)
        images = self._images(data)
        with self.lock:
            self.store.product(product_id)
        fetched = self._fetch_images(images)
        with self.lock:
            lang = self._lang(request, data)
            group_id = self._group_id(data)
            self.store.update_product(product_id, data, lang, None, images, fetched)
            body: dict[str, Any] = {"product_id": raw_id}
            if group_id:
                _, message = self.store.attach_to_group(group_id, product_id)
                if message:
                    body["message"] = message
        return Response.json(body)

    def _group_id(self, data: dict[str, Any]) -> int:
        value = data.get("variation_group_id")
        if value in (None, "", 0, "0"):
            return 0
        group = self.store.find_group(str(value))
        return group.id

    # -- categories ------------------------------------------------------------------------------
    def list_categories(self, request: Request) -> Response:
        params = self._params(request)
        page, items_per_page = self._page(request)
        with self.lock:
            scope = self._vendor_scope(request)
            if scope is not None:
                params["company_id"] = str(scope)
            lang = self._lang(request)
            found = self.store.search_categories(params, lang)
            start = (page - 1) * items_per_page
            items = [
                views.category(self.store, c, lang) for c in found[start : start + items_per_page]
            ]
        return Response.json(
            {
                "categories": items,
                "params": {
                    **{k: v for k, v in params.items() if isinstance(v, str)},
                    "page": page,
                    "items_per_page": items_per_page,
                    "total_items": str(len(found)),
                },
            }
        )

    def get_category(self, request: Request) -> Response:
        category_id = self._id(request.path_params["id"])
        with self.lock:
            scope = self._vendor_scope(request)
            category = self.store.category(category_id)
            if scope is not None and category.company_id != scope:
                raise HttpError(404)
            body = views.category(self.store, category, self._lang(request))
        return Response.json(body)

    def create_category(self, request: Request) -> Response:
        data = self._json_body(request)
        with self.lock:
            category_id = self.store.create_category(data)
        return Response.json({"category_id": category_id}, 201)

    def update_category(self, request: Request) -> Response:
        raw_id = request.path_params["id"]
        data = self._json_body(request)
        with self.lock:
            self.store.update_category(self._id(raw_id), data, self._lang(request, data))
        return Response.json({"category_id": raw_id})

    def delete_category(self, request: Request) -> Response:
        with self.lock:
            self.store.delete_category(self._id(request.path_params["id"]))
        return Response.empty(204)

    # -- features --------------------------------------------------------------------------------
    def list_features(self, request: Request) -> Response:
        params = self._params(request)
        page, items_per_page = self._page(request)
        with_variants = str(params.get("variants", "")).upper() in ("Y", "1", "TRUE")
        with self.lock:
            lang = self._lang(request)
            found = self.store.search_features(params, lang)
            start = (page - 1) * items_per_page
            items = [
                views.feature(f, lang, with_variants) for f in found[start : start + items_per_page]
            ]
        return Response.json(
            {
                "features": items,
                "params": {
                    **{k: v for k, v in params.items() if isinstance(v, str)},
                    "page": page,
                    "items_per_page": items_per_page,
                    "total_items": str(len(found)),
                },
            }
        )

    def get_feature(self, request: Request) -> Response:
        with self.lock:
            feature = self.store.feature(self._id(request.path_params["id"]))
            body = views.feature(feature, self._lang(request), with_variants=True)
        return Response.json(body)

    def create_feature(self, request: Request) -> Response:
        data = self._json_body(request)
        with self.lock:
            feature_id = self.store.create_feature(data, self._lang(request, data))
        return Response.json({"feature_id": feature_id}, 201)

    def update_feature(self, request: Request) -> Response:
        raw_id = request.path_params["id"]
        data = self._json_body(request)
        with self.lock:
            self.store.update_feature(self._id(raw_id), data, self._lang(request, data))
        return Response.json({"feature_id": raw_id})

    def delete_feature(self, request: Request) -> Response:
        with self.lock:
            self.store.delete_feature(self._id(request.path_params["id"]))
        return Response.empty(204)

    # -- variation groups --------------------------------------------------------------------
    def list_groups(self, request: Request) -> Response:
        params = self._params(request)
        items_per_page = _php_int(request.arg("items_per_page") or str(self.items_per_page))
        page = _php_int(request.arg("page") or "1")
        if self.max_items_per_page and items_per_page > self.max_items_per_page:
            raise HttpError(413, f"items_per_page may be at most {self.max_items_per_page}")
        with self.lock:
            found = self.store.search_groups(params)
            total = len(found)
            if items_per_page:  # ProductVariationsGroups::index slices only with a page size
                start = max(0, (page - 1) * items_per_page)
                found = found[start : start + items_per_page]
            groups = [views.group(self.store, g) for g in found]
        return Response.json(
            {
                "groups": groups,
                "params": {"items_per_page": items_per_page, "page": page, "total_items": total},
            }
        )

    def get_group(self, request: Request) -> Response:
        with self.lock:
            group = self.store.find_group(request.path_params["ref"])
            body = views.group(self.store, group)
        return Response.json(body)

    def create_group(self, request: Request) -> Response:
        data = self._json_body(request)
        with self.lock:
            group, statuses, message = self.store.create_group(data)
            body = {
                "message": message,
                "group": views.group(self.store, group),
                "products_status": {str(k): v for k, v in statuses.items()},
            }
        return Response.json(body, 201)

    def update_group(self, request: Request) -> Response:
        data = self._json_body(request)
        with self.lock:
            group = self.store.update_group(request.path_params["ref"], data)
            body = {"message": "", "group": views.group(self.store, group), "products_status": None}
        return Response.json(body)

    def delete_group(self, request: Request) -> Response:
        with self.lock:
            self.store.delete_group(request.path_params["ref"])
        return Response.empty(204)

    # -- vendors ---------------------------------------------------------------------------------
    def list_companies(self, request: Request) -> Response:
        params = self._params(request)
        page, items_per_page = self._page(request)
        key = (
            "stores"
            if request.path.startswith("/api/stores") or "stores" in (request.arg("_d") or "")
            else "vendors"
        )
        with self.lock:
            found = self.store.search_companies(params)
            start = (page - 1) * items_per_page
            items = [views.company(c) for c in found[start : start + items_per_page]]
        return Response.json(
            {
                key: items,
                "params": {
                    **{k: v for k, v in params.items() if isinstance(v, str)},
                    "page": page,
                    "items_per_page": items_per_page,
                    "total_items": str(len(found)),
                },
            }
        )

    def get_company(self, request: Request) -> Response:
        with self.lock:
            company = self.store.company(self._id(request.path_params["id"]))
            body = views.company(company)
        return Response.json(body)

    def create_company(self, request: Request) -> Response:
        data = self._json_body(request)
        with self.lock:
            company = self.store.create_company(data)
        return Response.json({"store_id": company.company_id}, 201)

    def update_company(self, request: Request) -> Response:
        raw_id = request.path_params["id"]
        data = self._json_body(request)
        with self.lock:
            self.store.update_company(self._id(raw_id), data)
        return Response.json({"store_id": raw_id})

    def delete_company(self, request: Request) -> Response:
        with self.lock:
            self.store.delete_company(self._id(request.path_params["id"]))
        return Response.empty(204)

    # -- languages -------------------------------------------------------------------------------
    def list_languages(self, request: Request) -> Response:
        page, items_per_page = self._page(request)
        with self.lock:
            found = list(self.store.languages.values())
            start = (page - 1) * items_per_page
            items = {
                lang.lang_code: views.language(lang)
                for lang in found[start : start + items_per_page]
            }
        return Response.json(
            {
                "languages": items,
                "params": {
                    "items_per_page": str(items_per_page),
                    "page": page,
                    "total_items": len(found),
                },
            }
        )

    def get_language(self, request: Request) -> Response:
        with self.lock:
            language = self.store.language_by_id(self._id(request.path_params["id"]))
            body = views.language(language)
        return Response.json(body)

    def create_language(self, request: Request) -> Response:
        data = self._json_body(request)
        with self.lock:
            language = self.store.create_language(data, copy_from=request.arg("sl"))
        return Response.json({"lang_id": language.lang_id}, 201)

    def update_language(self, request: Request) -> Response:
        raw_id = request.path_params["id"]
        data = self._json_body(request)
        with self.lock:
            self.store.update_language(self._id(raw_id), data)
        return Response.json({"lang_id": raw_id})

    def delete_language(self, request: Request) -> Response:
        with self.lock:
            self.store.delete_language(self._id(request.path_params["id"]))
        return Response.empty(204)

    # -- images and the sandbox's own routes -------------------------------------------------
    def get_image(self, request: Request) -> Response:
        with self.lock:
            found = self.store.image_file(request.path_params["path"])
        if found is None:
            raise HttpError(404)
        image, data = found
        return Response.raw(
            data,
            image.content_type,
            headers={"ETag": f'"{image.sha256}"', "X-Content-SHA256": image.sha256},
        )

    def admin_images(self, request: Request) -> Response:
        """Every stored image with its hash, size and type (for benchmarks and tests)."""
        urls = views.Urls(request.base_url)
        with self.lock:
            images = [
                {
                    "relative_path": image.relative_path,
                    "url": urls.image(image.relative_path),
                    "sha256": image.sha256,
                    "size": image.size,
                    "content_type": image.content_type,
                    "width": image.width,
                    "height": image.height,
                    "source_url": image.source_url,
                }
                for image in self.store.images_by_path.values()
            ]
        return Response.json({"images": images})

    def _options(self) -> dict[str, Any]:
        return {
            "hourly_limit": self.hourly_limit,
            "items_per_page": self.items_per_page,
            "max_items_per_page": self.max_items_per_page,
            "image_errors": self.image_errors,
        }

    def admin_options(self, _: Request) -> Response:
        return Response.json(self._options())

    def admin_set_options(self, request: Request) -> Response:
        try:
            changes = request.json()
            if not isinstance(changes, dict):
                raise ValueError("send a JSON object")
            apply_options(self, {k: str(v) for k, v in changes.items()})
        except ValueError as exc:
            raise HttpError(400, str(exc)) from exc
        if "hourly_limit" in changes:
            self.reset_hourly()
        return Response.json(self._options())


def apply_options(app: CsCartApp, options: dict[str, str]) -> None:
    """The `--set` options that may change while the shop runs; ValueError names a bad one."""
    for key, value in options.items():
        if key in ("hourly_limit", "items_per_page", "max_items_per_page"):
            number = int(value)
            if number < 0 or (key == "items_per_page" and number == 0):
                raise ValueError(f"option {key} must be a positive number")
            setattr(app, key, number)
        elif key == "image_errors":
            if value not in ("skip", "reject"):
                raise ValueError("option image_errors must be skip or reject")
            app.image_errors = value
        else:
            raise ValueError(f"unknown cscart option {key!r}")


def _basic_credentials(request: Request) -> tuple[str | None, str | None]:
    header = request.header("authorization") or ""
    if header[:6].lower() != "basic ":
        return None, None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    email, sep, key = decoded.partition(":")
    if not sep:
        return None, None
    return email, key
