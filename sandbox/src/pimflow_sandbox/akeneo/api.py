"""The Akeneo REST API over the sandbox catalog: routes, OAuth, query parsing, pagination
links and Akeneo's error bodies. The rules of the catalog live in `state/`; this module
only translates HTTP to calls on it and its answers (or errors) back to HTTP.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote

from pimflow_sandbox.server import HttpError, Request, Response, SandboxApp

from . import search as search_module
from .errors import (
    AkeneoError,
    BadRequest,
    DocumentedUnprocessable,
    NotFound,
    TooLarge,
    Unprocessable,
)
from .state import (
    ASSET_STORAGE,
    CATALOG_STORAGE,
    REFERENCE_ENTITY_STORAGE,
    Catalog,
    MediaFile,
    Product,
    ProductModel,
)
from .structure import (
    ASSET_FAMILY,
    ASSOCIATION_TYPE,
    ATTRIBUTE_GROUP,
    ATTRIBUTE_OPTION,
    CATEGORY,
    CHANNEL,
    FAMILY,
    FAMILY_VARIANT,
    REF_OPTION,
    REFERENCE_ENTITY,
    attribute_output,
    ref_attribute_output,
)
from .values import render_values

API = "/api/rest/v1"
JSON = "application/json"
COLLECTION = "application/vnd.akeneo.collection+json"
MAX_BATCH = 100
MAX_LINE = 1_000_000
OFFSET_WINDOW = 10_000
SEARCH_AFTER_PAGE = 100  # records, assets, reference entities, asset families: fixed page size
SEARCH_AFTER_DOC = "http://api.akeneo.com/documentation/pagination.html#the-search-after-method"

DEFAULT_OPTIONS: dict[str, str] = {
    "token_lifetime": "3600",
    "refresh_token_lifetime": "1209600",
    "client_id": "pimflow",
    "client_secret": "pimflow-secret",
    "username": "admin",
    "password": "admin",
    "max_uri_length": "8192",
}


def _quote(value: Any) -> str:
    # Symfony's router: RFC 3986 encoding, with / @ : ! ; , * ? left readable.
    return quote(str(value), safe="/@:!;,*?")


def build_url(base_url: str, path: str, params: list[tuple[str, Any]]) -> str:
    query = "&".join(f"{_quote(k)}={_quote(v)}" for k, v in params if v is not None)
    return f"{base_url}{path}" + (f"?{query}" if query else "")


def encode_cursor(key: str) -> str:
    """search_after cursors are opaque in Akeneo (an encrypted primary key)."""
    return base64.urlsafe_b64encode(key.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise Unprocessable(f'Parameter "search_after" is not valid, "{cursor}" given.') from exc


class ListQuery:
    """The pagination parameters of a list request, validated like Akeneo's validator."""

    def __init__(self, request: Request, *, search_after: bool, default_limit: int = 10) -> None:
        self.request = request
        self.pagination_type = request.arg("pagination_type", "page") or "page"
        if self.pagination_type not in ("page", "search_after"):
            raise Unprocessable("Pagination type does not exist.")
        if self.pagination_type == "search_after" and not search_after:
            raise Unprocessable("Pagination type is not supported.")
        raw_limit = request.arg("limit")
        self.limit = default_limit
        if raw_limit is not None:
            if not raw_limit.lstrip("-").isdigit() or int(raw_limit) < 1:
                raise Unprocessable(f'"{raw_limit}" is not a valid limit number.')
            if int(raw_limit) > 100:
                raise Unprocessable("You cannot request more than 100 items.")
            self.limit = int(raw_limit)
        self.page = 1
        self.with_count = False
        self.search_after = request.arg("search_after")
        if self.pagination_type == "page":
            raw_page = request.arg("page")
            if raw_page is not None:
                if not raw_page.lstrip("-").isdigit() or int(raw_page) < 1:
                    raise Unprocessable(f'"{raw_page}" is not a valid page number.')
                self.page = int(raw_page)
            raw_count = request.arg("with_count")
            if raw_count is not None:
                if raw_count not in ("true", "false"):
                    raise Unprocessable(
                        'Parameter "with_count" has to be a boolean. Only "true" or "false" '
                        f'allowed, "{raw_count}" given.'
                    )
                self.with_count = raw_count == "true"

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit

    def passthrough(self, skip: Iterable[str]) -> list[tuple[str, str]]:
        skipped = set(skip)
        return [
            (key, values[-1]) for key, values in self.request.query.items() if key not in skipped
        ]


@dataclass(frozen=True)
class Nested:
    """A resource nested under others: the options of an attribute, the variants of a
    family, the attributes, attribute options and records (or assets) of a reference entity
    (or asset family). What its handlers look up, render and write; `_nested_routes` makes
    the handlers, the same for each, from it.

    The callables take the values of `parents` (the path parameters of the route, outermost
    first), then what the operation adds: `find(*parents, code)`, `write(*parents, code or
    None, data, mode)` ("create" or "upsert")."""

    path: str  # the collection's route, e.g. f"{API}/attributes/{{attribute_code}}/options"
    parents: tuple[str, ...]
    operations: dict[str, str]  # list, post, collection, get, patch -> the OpenAPI operation id
    check: Callable[..., Any]  # NotFound unless the parents exist
    find: Callable[..., dict[str, Any] | None]
    missing: Callable[..., str]  # the 404's message: (*parents, code)
    output: Callable[[dict[str, Any], Request, tuple[str, ...]], dict[str, Any]]
    write: Callable[..., bool]  # True when it created the item
    items: Callable[..., list[dict[str, Any]]] | None = None  # what a list shows, in order
    paginated: bool = True  # a list in offset pages; else one JSON array of every item
    check_list: Callable[..., Any] | None = None  # a stricter `check` before a list
    list_handler: Callable[[Request], Response] | None = None  # a list of its own making
    json_array_collection: bool = False  # the collection PATCH takes a JSON array, not lines
    collection_accepts: str = COLLECTION

    def item_path(self, parents: tuple[str, ...], code: str) -> str:
        quoted = {name: _quote(value) for name, value in zip(self.parents, parents, strict=True)}
        return f"{self.path.format(**quoted)}/{_quote(code)}"


def _crud_operations(collection: str, item_suffix: str) -> dict[str, str]:
    """The OpenAPI operation ids of a nested resource with every operation: get_X, post_X,
    patch_X on the collection, get_X{suffix} and patch_X{suffix} on an item."""
    return {
        "list": f"get_{collection}",
        "post": f"post_{collection}",
        "collection": f"patch_{collection}",
        "get": f"get_{collection}{item_suffix}",
        "patch": f"patch_{collection}{item_suffix}",
    }


def _flag(request: Request, name: str) -> bool:
    return (request.arg(name) or "false").lower() == "true"


class AkeneoApp(SandboxApp):
    """The emulated Akeneo PIM (7.0 / Serenity, Enterprise features)."""

    name = "akeneo"

    def __init__(
        self,
        catalog: Catalog,
        options: dict[str, str] | None = None,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        unknown = set(options or {}) - set(DEFAULT_OPTIONS)
        if unknown:
            raise ValueError(
                f"unknown akeneo sandbox option(s) {', '.join(sorted(unknown))}; "
                f"known: {', '.join(DEFAULT_OPTIONS)}"
            )
        merged = {**DEFAULT_OPTIONS, **(options or {})}
        try:
            self.token_lifetime = float(merged["token_lifetime"])
            self.refresh_lifetime = float(merged["refresh_token_lifetime"])
            self.max_uri_length = int(merged["max_uri_length"])
        except ValueError as exc:
            raise ValueError(f"invalid akeneo sandbox option: {exc}") from None
        if self.token_lifetime <= 0 or self.refresh_lifetime <= 0 or self.max_uri_length < 64:
            raise ValueError("token lifetimes must be positive and max_uri_length at least 64")
        self.client_id = merged["client_id"]
        self._client_secret = merged["client_secret"]
        self.username = merged["username"]
        self._password = merged["password"]
        self.catalog = catalog
        self.clock: Callable[[], float] = time.monotonic
        self._tokens: dict[str, float] = {}  # access token -> expiry
        self._refresh: dict[str, float] = {}  # refresh token -> expiry
        self._token_lock = threading.Lock()
        self._on_close = on_close
        self.route_names: list[tuple[str, str, str]] = []
        self._register()

    def close(self) -> None:
        if self._on_close is not None:
            with self.lock:
                self._on_close()

    # -- framework hooks ---------------------------------------------------------------------
    def limit_key(self, request: Request) -> str:
        """Akeneo's limits hold per API connection (client id), however many tokens it
        took: every token of this sandbox is its one connection's; unknown ones count apart."""
        token = request.bearer_token
        if token:
            with self._token_lock:
                known = token in self._tokens
            return f"client:{self.client_id}" if known else "token:" + token
        client = self._basic_client(request)
        return f"client:{client[0]}" if client else "anonymous"

    def too_many_requests(self, retry_after: int) -> Response:
        return Response.json(
            {"code": 429, "message": "You have exceeded the limit of API requests per second."},
            429,
            {"Retry-After": str(retry_after)},
        )

    def injected_failure(self) -> Response:
        return Response.json({"code": 500, "message": "Internal Server Error"}, 500)

    def error_response(self, error: HttpError) -> Response:
        body = (
            error.payload
            if error.payload is not None
            else {"code": error.status, "message": error.message}
        )
        return Response.json(body, error.status, error.headers)

    def authenticate(self, request: Request) -> None:
        self._check_uri(request)
        token = request.bearer_token
        if not token:
            raise HttpError(401, "Authentication is required")
        with self._token_lock:
            expiry = self._tokens.get(token)
        if expiry is None:
            raise HttpError(401, "The access token provided is invalid.")
        if expiry <= self.clock():
            raise HttpError(401, "The access token provided has expired.")

    def _check_uri(self, request: Request) -> None:
        if len(request.raw_target) > self.max_uri_length:
            raise HttpError(414, "Request-URI Too Long")

    # -- routing helpers ---------------------------------------------------------------------
    def _route(
        self,
        method: str,
        pattern: str,
        handler: Callable[[Request], Response],
        operation: str,
        *,
        public: bool = False,
        accepts: str | None = None,
        json_response: bool = True,
    ) -> None:
        def endpoint(request: Request) -> Response:
            if public:
                self._check_uri(request)
            if method == "GET" and json_response:
                self._check_accept(request)
            if accepts is not None:
                self._check_content_type(request, accepts)
            try:
                return handler(request)
            except AkeneoError as error:
                raise HttpError(
                    error.status, error.message, payload=error.body(operation)
                ) from error

        self.add_route(method, pattern, endpoint, public=public)
        self.route_names.append((operation, method, pattern))

    @staticmethod
    def _check_accept(request: Request) -> None:
        accept = request.header("accept")
        if not accept:
            return
        for part in accept.split(","):
            media = part.split(";")[0].strip().lower()
            if media in ("*/*", "application/*", JSON, "application/hal+json") or media.endswith(
                "+json"
            ):
                return
        raise HttpError(
            406, f"‘{accept}’ in ‘Accept‘ header is not valid. Only ‘application/json‘ is allowed."
        )

    @staticmethod
    def _check_content_type(request: Request, expected: str) -> None:
        content_type = request.header("content-type")
        if not content_type:
            raise HttpError(
                415,
                f"The 'Content-type' header is missing. '{expected}' has to specified as value.",
            )
        media = content_type.split(";")[0].strip().lower()
        allowed = expected.split(" or ")
        if media not in allowed:
            raise HttpError(
                415,
                f"'{content_type}' in 'Content-type' header is not valid.  Only '{expected}' is allowed.",
            )

    def _register(self) -> None:
        r = self._route
        r(
            "POST",
            "/api/oauth/v1/token",
            self.token,
            "post_token",
            public=True,
            accepts=f"{JSON} or application/x-www-form-urlencoded",
        )
        r("GET", API, self.endpoints, "get_endpoints", public=True)
        r(
            "GET",
            f"{API}/system-information",
            self.system_information,
            "get_system_information",
            public=True,
        )

        self._structure_routes(
            "channels",
            "channel",
            self.catalog.channels,
            CHANNEL,
            self.catalog.write_channel,
            "channels",
        )
        self._structure_routes(
            "attribute-groups",
            "attribute_group",
            self.catalog.attribute_groups,
            ATTRIBUTE_GROUP,
            self.catalog.write_attribute_group,
            "attribute_groups",
        )
        self._structure_routes(
            "association-types",
            None,
            self.catalog.association_types,
            ASSOCIATION_TYPE,
            self.catalog.write_association_type,
            "association_types",
        )
        self._structure_routes(
            "families",
            "family",
            self.catalog.families,
            FAMILY,
            self.catalog.write_family,
            "families",
        )
        self._structure_routes(
            "categories",
            None,
            self.catalog.categories,
            CATEGORY,
            self.catalog.write_category,
            "categories",
        )
        self._structure_routes(
            "attributes",
            "attribute",
            self.catalog.attributes,
            None,
            self.catalog.write_attribute,
            "attributes",
        )

        r("GET", f"{API}/locales", self.list_locales, "get_locales")
        r("GET", f"{API}/locales/{{code}}", self.get_locale, "get_locales__code_")
        r("GET", f"{API}/currencies", self.list_currencies, "currencies_get_list")
        r("GET", f"{API}/currencies/{{code}}", self.get_currency, "currencies_get")
        r(
            "GET",
            f"{API}/measurement-families",
            self.list_measurement_families,
            "measurement_families_get_list",
        )

        self._nested_routes(self._attribute_options())
        self._nested_routes(self._family_variants())

        for by, base in (("uuid", "products-uuid"), ("identifier", "products")):
            suffix = "_uuid" if by == "uuid" else ""
            item = "uuid" if by == "uuid" else "code"
            r("GET", f"{API}/{base}", self._bind(self.list_products, by), f"get_products{suffix}")
            r(
                "POST",
                f"{API}/{base}",
                self._bind(self.create_product, by),
                f"post_products{suffix}",
                accepts=JSON,
            )
            r(
                "PATCH",
                f"{API}/{base}",
                self._bind(self.patch_products, by),
                f"patch_products{suffix}",
                accepts=COLLECTION,
            )
            r(
                "GET",
                f"{API}/{base}/{{key}}",
                self._bind(self.get_product, by),
                f"get_products{suffix}__{item}_",
            )
            r(
                "PATCH",
                f"{API}/{base}/{{key}}",
                self._bind(self.patch_product, by),
                f"patch_products{suffix}__{item}_",
                accepts=JSON,
            )
            r(
                "DELETE",
                f"{API}/{base}/{{key}}",
                self._bind(self.delete_product, by),
                f"delete_products{suffix}__{item}_",
            )

        r("GET", f"{API}/product-models", self.list_product_models, "get_product_models")
        r(
            "POST",
            f"{API}/product-models",
            self.create_product_model,
            "post_product_models",
            accepts=JSON,
        )
        r(
            "PATCH",
            f"{API}/product-models",
            self.patch_product_models,
            "patch_product_models",
            accepts=COLLECTION,
        )
        r(
            "GET",
            f"{API}/product-models/{{code}}",
            self.get_product_model,
            "get_product_models__code_",
        )
        r(
            "PATCH",
            f"{API}/product-models/{{code}}",
            self.patch_product_model,
            "patch_product_models__code_",
            accepts=JSON,
        )
        r(
            "DELETE",
            f"{API}/product-models/{{code}}",
            self.delete_product_model,
            "delete_product_models__code_",
        )

        r("GET", f"{API}/media-files", self.list_media, "get_media_files")
        r(
            "POST",
            f"{API}/media-files",
            self.upload_media,
            "post_media_files",
            accepts="multipart/form-data",
        )
        r(
            "GET",
            f"{API}/media-files/{{code:path}}/download",
            self.download_media,
            "get_media_files__code__download",
            json_response=False,
        )
        r("GET", f"{API}/media-files/{{code:path}}", self.get_media, "get_media_files__code_")

        for owner, base in (
            ("reference_entity", "reference-entities"),
            ("asset", "asset-families"),
        ):
            b = self._bind
            r(
                "GET",
                f"{API}/{base}",
                b(self.list_containers, owner),
                "get_reference_entities" if owner == "reference_entity" else "get_asset_families",
            )
            r(
                "GET",
                f"{API}/{base}/{{code}}",
                b(self.get_container, owner),
                "get_reference_entities__code_"
                if owner == "reference_entity"
                else "get_asset_family__code_",
            )
            r(
                "PATCH",
                f"{API}/{base}/{{code}}",
                b(self.patch_container, owner),
                "patch_reference_entity__code_"
                if owner == "reference_entity"
                else "patch_asset_family__code_",
                accepts=JSON,
            )
            for resource in self._container_resources(owner):
                self._nested_routes(resource)
        r(
            "DELETE",
            f"{API}/asset-families/{{container}}/assets/{{code}}",
            self.delete_asset,
            "delete_assets__code_",
        )
        r(
            "POST",
            f"{API}/reference-entities-media-files",
            self._bind(self.upload_container_media, REFERENCE_ENTITY_STORAGE),
            "post_reference_entity_media_files",
            accepts="multipart/form-data",
        )
        r(
            "GET",
            f"{API}/reference-entities-media-files/{{code:path}}",
            self._bind(self.download_container_media, REFERENCE_ENTITY_STORAGE),
            "get_reference_entity_media_files__code",
            json_response=False,
        )
        r(
            "POST",
            f"{API}/asset-media-files",
            self._bind(self.upload_container_media, ASSET_STORAGE),
            "post_asset_media_files",
            accepts="multipart/form-data",
        )
        r(
            "GET",
            f"{API}/asset-media-files/{{code:path}}",
            self._bind(self.download_container_media, ASSET_STORAGE),
            "get_asset_media_files__code",
            json_response=False,
        )

    @staticmethod
    def _bind(handler: Callable[..., Response], argument: str) -> Callable[[Request], Response]:
        return lambda request: handler(request, argument)

    # -- auth --------------------------------------------------------------------------------
    @staticmethod
    def _basic_client(request: Request) -> tuple[str, str] | None:
        header = request.header("authorization") or ""
        if header[:6].lower() != "basic ":
            return None
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, sep, secret = decoded.partition(":")
        return (client_id, secret) if sep else None

    def token(self, request: Request) -> Response:
        content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
        if content_type == JSON:
            try:
                body = json.loads(request.body or b"null")
            except (ValueError, UnicodeDecodeError) as exc:
                raise BadRequest("Invalid json message received") from exc
            if not isinstance(body, dict):
                body = {}
        else:
            body = {k: v[-1] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        grant = body.get("grant_type")
        client = self._basic_client(request)
        if (
            client is None
            or not secrets.compare_digest(client[0], self.client_id)
            or not secrets.compare_digest(client[1], self._client_secret)
        ):
            raise Unprocessable(
                'Parameter "client_id" is missing or does not match any client, or secret is invalid'
            )
        now = self.clock()
        with self._token_lock:
            if grant == "password":
                username, password = body.get("username"), body.get("password")
                if (
                    not isinstance(username, str)
                    or not isinstance(password, str)
                    or not username
                    or not password
                ):
                    raise Unprocessable(
                        'Parameter "grant_type", "username" or "password" is missing, empty or invalid'
                    )
                if not (
                    secrets.compare_digest(username, self.username)
                    and secrets.compare_digest(password, self._password)
                ):
                    raise Unprocessable("No user found for the given username and password")
            elif grant == "refresh_token":
                refresh = body.get("refresh_token")
                if not isinstance(refresh, str) or not refresh:
                    raise Unprocessable(
                        'Parameter "grant_type" or "refresh_token" is missing or empty'
                    )
                expiry = self._refresh.pop(refresh, None)
                if expiry is None or expiry <= now:
                    raise Unprocessable("Refresh token is invalid or has expired")
            else:
                raise Unprocessable("Invalid grant_type parameter or parameter missing")
            access = secrets.token_urlsafe(48)
            refresh_token = secrets.token_urlsafe(48)
            self._tokens = {t: e for t, e in self._tokens.items() if e > now - 86400}
            self._tokens[access] = now + self.token_lifetime
            self._refresh[refresh_token] = now + self.refresh_lifetime
        return Response.json(
            {
                "access_token": access,
                "expires_in": int(self.token_lifetime),
                "token_type": "bearer",
                "scope": None,
                "refresh_token": refresh_token,
            }
        )

    def endpoints(self, request: Request) -> Response:
        routes: dict[str, Any] = {}
        for operation, method, pattern in self.route_names:
            if pattern.startswith(API + "/"):
                route = pattern.replace(":path}", "}")
                entry = routes.setdefault("pim_api_" + operation, {"route": route, "methods": []})
                entry["methods"].append(method)
        return Response.json(
            {
                "host": request.base_url,
                "authentication": {
                    "fos_oauth_server_token": {"route": "/api/oauth/v1/token", "methods": ["POST"]}
                },
                "routes": routes,
            }
        )

    def system_information(self, request: Request) -> Response:
        return Response.json({"version": "7.0.0", "edition": "EE"})

    # -- generic pieces ----------------------------------------------------------------------
    def _offset_page(
        self,
        request: Request,
        query: ListQuery,
        items: Iterable[Any],
        render: Callable[[Any], dict[str, Any]],
        self_link: Callable[[Any], str],
        *,
        count: Callable[[], int] | None = None,
        front: list[tuple[str, Any]] | None = None,
        window: int | None = None,
    ) -> Response:
        if window is not None and query.offset + query.limit > window:
            raise HttpError(
                422,
                "",
                payload={
                    "code": 422,
                    "message": 'You have reached the maximum number of pages you can retrieve with the "page" '
                    "pagination type. Please use the search after pagination type instead",
                    "_links": {"documentation": {"href": SEARCH_AFTER_DOC}},
                },
            )
        page_items = []
        skipped = 0
        for item in items:
            if skipped < query.offset:
                skipped += 1
                continue
            page_items.append(item)
            if len(page_items) >= query.limit:
                break
        params = (
            front
            if front is not None
            else [
                ("page", query.page),
                ("limit", query.limit),
                ("with_count", "true" if query.with_count else "false"),
                *query.passthrough(("page", "limit", "with_count")),
            ]
        )
        path = request.path

        def link(page: int) -> dict[str, str]:
            return {
                "href": build_url(
                    request.base_url, path, [(k, page if k == "page" else v) for k, v in params]
                )
            }

        links: dict[str, Any] = {"self": link(query.page), "first": link(1)}
        if query.page > 1:
            links["previous"] = link(query.page - 1)
        if len(page_items) >= query.limit:
            links["next"] = link(query.page + 1)
        body: dict[str, Any] = {"_links": links, "current_page": query.page}
        if query.with_count:
            body["items_count"] = count() if count is not None else None
        body["_embedded"] = {
            "items": [
                {"_links": {"self": {"href": self_link(item)}}, **render(item)}
                for item in page_items
            ]
        }
        return Response.json(body)

    def _search_after_page(
        self,
        request: Request,
        limit: int,
        items: Iterable[Any],
        render: Callable[[Any], dict[str, Any]],
        self_link: Callable[[Any], str],
        cursor_of: Callable[[Any], str],
        params: list[tuple[str, Any]],
        extra_links: Callable[[Any], dict[str, Any]] | None = None,
    ) -> Response:
        page_items = []
        for item in items:
            page_items.append(item)
            if len(page_items) >= limit:
                break
        current = request.arg("search_after")
        path = request.path

        def link(cursor: str | None) -> dict[str, str]:
            return {"href": build_url(request.base_url, path, [*params, ("search_after", cursor)])}

        links: dict[str, Any] = {"self": link(current), "first": link(None)}
        if len(page_items) >= limit:
            links["next"] = link(cursor_of(page_items[-1]))
        rendered = []
        for item in page_items:
            item_links: dict[str, Any] = {"self": {"href": self_link(item)}}
            if extra_links is not None:
                item_links.update(extra_links(item))
            rendered.append({"_links": item_links, **render(item)})
        return Response.json({"_links": links, "_embedded": {"items": rendered}})

    def _body(self, request: Request) -> Any:
        return request.json()

    def _location(self, request: Request, path: str, status: int) -> Response:
        return Response.empty(status, {"Location": request.base_url + path})

    def _collection(
        self,
        request: Request,
        key_name: str,
        write: Callable[[dict[str, Any]], bool],
    ) -> Response:
        """The collection PATCH: one JSON object per line in, one status line per item out."""
        lines = [
            line for line in request.body.decode("utf-8", "replace").split("\n") if line.strip()
        ]
        if len(lines) > MAX_BATCH:
            raise HttpError(
                413,
                "",
                payload=TooLarge(
                    f"Too many resources to process, {MAX_BATCH} is the maximum allowed."
                ).body(),
            )
        out = []
        for number, line in enumerate(lines, start=1):
            status: dict[str, Any] = {"line": number}
            if len(line) > MAX_LINE:
                status.update({"status_code": 413, "message": "Line is too long."})
                out.append(status)
                continue
            try:
                data = json.loads(line)
            except ValueError:
                status.update({"status_code": 400, "message": "Invalid json message received"})
                out.append(status)
                continue
            key = data.get(key_name) if isinstance(data, dict) else None
            if key is None or key == "":
                status.update(
                    {"status_code": 422, "message": f"{key_name.capitalize()} is missing."}
                )
                out.append(status)
                continue
            status[key_name] = key
            try:
                with self.lock:
                    created = write(data)
                status["status_code"] = 201 if created else 204
            except AkeneoError as error:
                body = error.body(None)
                body.pop("code", None)
                status.update({"status_code": error.status, **body})
            out.append(status)
        payload = "\n".join(
            json.dumps(item, separators=(",", ":"), ensure_ascii=False) for item in out
        )
        return Response.raw(payload.encode("utf-8"), COLLECTION)

    def _json_array_collection(
        self, request: Request, write: Callable[[dict[str, Any]], bool]
    ) -> Response:
        """Records and assets: a JSON array in, a JSON array of statuses out."""
        data = request.json()
        if not isinstance(data, list):
            raise BadRequest("Invalid json message received")
        if len(data) > MAX_BATCH:
            raise HttpError(
                413,
                "",
                payload=TooLarge(
                    f"Too many resources to process, {MAX_BATCH} is the maximum allowed."
                ).body(),
            )
        out = []
        for item in data:
            code = item.get("code") if isinstance(item, dict) else None
            status: dict[str, Any] = {"code": code}
            try:
                if not isinstance(code, str) or not code:
                    raise Unprocessable("Code is missing.")
                with self.lock:
                    created = write(item)
                status["status_code"] = 201 if created else 204
            except AkeneoError as error:
                body = error.body(None)
                body.pop("code", None)
                status.update({"status_code": error.status, **body})
            out.append(status)
        return Response.json(out)

    def _nested_routes(self, spec: Nested) -> None:
        """list / POST / collection PATCH / get / PATCH of one nested resource (those of
        `spec.operations`), registered in that order."""

        def parents(request: Request) -> tuple[str, ...]:
            return tuple(request.path_params[name] for name in spec.parents)

        def list_handler(request: Request) -> Response:
            query = ListQuery(request, search_after=False) if spec.paginated else None
            values = parents(request)
            with self.lock:
                (spec.check_list or spec.check)(*values)
                assert spec.items is not None
                items = spec.items(*values)
                if query is None:
                    return Response.json([spec.output(i, request, values) for i in items])
                return self._offset_page(
                    request,
                    query,
                    items,
                    lambda i: spec.output(i, request, values),
                    lambda i: f"{request.base_url}{spec.item_path(values, i['code'])}",
                    count=lambda: len(items),
                )

        def post_handler(request: Request) -> Response:
            values = parents(request)
            data = self._body(request)
            with self.lock:
                spec.write(*values, None, data, "create")
            return self._location(request, spec.item_path(values, data["code"]), 201)

        def collection_handler(request: Request) -> Response:
            values = parents(request)
            with self.lock:
                spec.check(*values)
            if spec.json_array_collection:
                return self._json_array_collection(
                    request, lambda data: spec.write(*values, data["code"], data, "upsert")
                )
            return self._collection(
                request, "code", lambda data: spec.write(*values, data["code"], data, "upsert")
            )

        def get_handler(request: Request) -> Response:
            values, code = parents(request), request.path_params["code"]
            with self.lock:
                spec.check(*values)
                item = spec.find(*values, code)
                if item is None:
                    raise NotFound(spec.missing(*values, code))
                return Response.json(spec.output(item, request, values))

        def patch_handler(request: Request) -> Response:
            values, code = parents(request), request.path_params["code"]
            data = self._body(request)
            with self.lock:
                created = spec.write(*values, code, data, "upsert")
            return self._location(request, spec.item_path(values, code), 201 if created else 204)

        ops, r, item = spec.operations, self._route, f"{spec.path}/{{code}}"
        if "list" in ops:
            r("GET", spec.path, spec.list_handler or list_handler, ops["list"])
        if "post" in ops:
            r("POST", spec.path, post_handler, ops["post"], accepts=JSON)
        if "collection" in ops:
            r(
                "PATCH",
                spec.path,
                collection_handler,
                ops["collection"],
                accepts=spec.collection_accepts,
            )
        if "get" in ops:
            r("GET", item, get_handler, ops["get"])
        if "patch" in ops:
            r("PATCH", item, patch_handler, ops["patch"], accepts=JSON)

    def _structure_routes(
        self,
        base: str,
        touch_kind: str | None,
        store: dict[str, dict[str, Any]],
        kind: Any,
        write: Callable[[str | None, Any, str], bool],
        operation: str,
    ) -> None:
        """list / get / POST / PATCH / collection PATCH of one structure entity."""
        path = f"{API}/{base}"
        singular = {
            "channels": (
                "get_channels",
                "channels_post",
                "several_channels_patch",
                "get_channels__code_",
                "channels_patch",
            ),
            "attribute_groups": (
                "attribute_groups_get_list",
                "attribute_groups_post",
                "several_attribute_groups_patch",
                "attribute_groups_get",
                "attribute_groups_patch",
            ),
            "association_types": (
                "association_types_get_list",
                "association_types_post",
                "several_association_types_patch",
                "association_types_get",
                "association_types_patch",
            ),
            "families": (
                "get_families",
                "post_families",
                "patch_families",
                "get_families__code_",
                "patch_families__code_",
            ),
            "categories": (
                "get_categories",
                "post_categories",
                "patch_categories",
                "get_categories__code_",
                "patch_categories__code_",
            ),
            "attributes": (
                "get_attributes",
                "post_attributes",
                "patch_attributes",
                "get_attributes__code_",
                "patch_attributes__code_",
            ),
        }[operation]
        label = {
            "channels": "Channel",
            "attribute_groups": "Attribute group",
            "association_types": "Association type",
            "families": "Family",
            "categories": "Category",
            "attributes": "Attribute",
        }[operation]

        def render(entity: dict[str, Any], request: Request) -> dict[str, Any]:
            if operation == "attributes":
                return attribute_output(
                    entity, self.catalog, _flag(request, "with_table_select_options")
                )
            data = kind.output(entity)
            if operation == "categories" and _flag(request, "with_position"):
                data["position"] = self.catalog.category_position(entity["code"])
            return data

        def predicates(request: Request) -> list[Callable[[Any], bool]]:
            search = search_module.parse_search(request.arg("search"))
            updated = (
                (lambda e: self.catalog.updated_at.get((touch_kind or "", e["code"])))
                if touch_kind
                else (lambda e: e.get("updated"))
            )
            supported: dict[str, tuple[str, ...]] = {}
            getters: dict[str, Callable[[Any], Any]] = {
                "code": lambda e: e["code"],
                "updated": updated,
            }
            if operation in ("families", "attributes", "attribute_groups", "categories"):
                supported = {"code": ("IN",), "updated": (">",)}
            if operation == "families":
                supported["has_products"] = ("=",)
                families_with_products = (
                    {p.family for p in self.catalog.products.values()}
                    if "has_products" in search
                    else set()
                )
                getters["has_products"] = lambda e: e["code"] in families_with_products
            if operation == "attributes":
                supported["type"] = ("IN",)
                supported["is_main_identifier"] = ("=",)
                getters["type"] = lambda e: e["type"]
                getters["is_main_identifier"] = lambda e: (
                    e["code"] == self.catalog.identifier_attribute()
                )
            if operation == "categories":
                supported["parent"] = ("=",)
                supported["is_root"] = ("=",)
                getters["parent"] = lambda e: e["parent"]
                getters["is_root"] = lambda e: e["parent"] is None
                if "parent" in search:
                    for criterion in search["parent"] if isinstance(search["parent"], list) else []:
                        if (
                            isinstance(criterion, dict)
                            and criterion.get("value") not in self.catalog.categories
                        ):
                            raise Unprocessable(
                                f'Category "{criterion.get("value")}" does not exist.'
                            )
            return search_module.simple_predicates(search, supported, getters, self.catalog.clock())

        def list_handler(request: Request) -> Response:
            query = ListQuery(request, search_after=False)
            with self.lock:
                tests = predicates(request)
                matching = [e for e in store.values() if all(t(e) for t in tests)]
                return self._offset_page(
                    request,
                    query,
                    matching,
                    lambda e: render(e, request),
                    lambda e: f"{request.base_url}{path}/{_quote(e['code'])}",
                    count=lambda: len(matching),
                )

        def get_handler(request: Request) -> Response:
            code = request.path_params["code"]
            with self.lock:
                entity = store.get(code)
                if entity is None:
                    raise NotFound(f'{label} "{code}" does not exist.')
                return Response.json(render(entity, request))

        def post_handler(request: Request) -> Response:
            data = self._body(request)
            with self.lock:
                write(None, data, "create")
            return self._location(request, f"{path}/{_quote(data['code'])}", 201)

        def patch_handler(request: Request) -> Response:
            code = request.path_params["code"]
            data = self._body(request)
            with self.lock:
                created = write(code, data, "upsert")
            return self._location(request, f"{path}/{_quote(code)}", 201 if created else 204)

        def collection_handler(request: Request) -> Response:
            return self._collection(
                request, "code", lambda data: write(data["code"], data, "upsert")
            )

        r = self._route
        r("GET", path, list_handler, singular[0])
        r("POST", path, post_handler, singular[1], accepts=JSON)
        r("PATCH", path, collection_handler, singular[2], accepts=COLLECTION)
        r("GET", f"{path}/{{code}}", get_handler, singular[3])
        r("PATCH", f"{path}/{{code}}", patch_handler, singular[4], accepts=JSON)

    # -- locales, currencies, measurement families ----------------------------------------------
    def list_locales(self, request: Request) -> Response:
        query = ListQuery(request, search_after=False)
        search = search_module.parse_search(request.arg("search"))
        with self.lock:
            tests = search_module.simple_predicates(
                search,
                {"enabled": ("=",)},
                {"enabled": lambda e: e["enabled"]},
                self.catalog.clock(),
            )
            items = [dict(e) for e in self.catalog.locales.values() if all(t(e) for t in tests)]
        return self._offset_page(
            request,
            query,
            items,
            dict,
            lambda e: f"{request.base_url}{API}/locales/{e['code']}",
            count=lambda: len(items),
        )

    def get_locale(self, request: Request) -> Response:
        code = request.path_params["code"]
        with self.lock:
            locale = self.catalog.locales.get(code)
            if locale is None:
                raise NotFound(f'Locale "{code}" does not exist.')
            return Response.json(dict(locale))

    def list_currencies(self, request: Request) -> Response:
        query = ListQuery(request, search_after=False)
        search = search_module.parse_search(request.arg("search"))
        with self.lock:
            tests = search_module.simple_predicates(
                search,
                {"enabled": ("=",)},
                {"enabled": lambda e: e["enabled"]},
                self.catalog.clock(),
            )
            items = [dict(e) for e in self.catalog.currencies.values() if all(t(e) for t in tests)]
        return self._offset_page(
            request,
            query,
            items,
            dict,
            lambda e: f"{request.base_url}{API}/currencies/{e['code']}",
            count=lambda: len(items),
        )

    def get_currency(self, request: Request) -> Response:
        code = request.path_params["code"]
        with self.lock:
            currency = self.catalog.currencies.get(code)
            if currency is None:
                raise NotFound(f'Currency "{code}" does not exist.')
            return Response.json(dict(currency))

    def list_measurement_families(self, request: Request) -> Response:
        with self.lock:
            return Response.json(list(self.catalog.measurement_families.values()))

    # -- attribute options ---------------------------------------------------------------------
    def _select_attribute(self, code: str) -> dict[str, Any]:
        attribute = self.catalog.attributes.get(code)
        if attribute is None:
            raise NotFound(f'Attribute "{code}" does not exist.')
        if attribute["type"] not in ("pim_catalog_simpleselect", "pim_catalog_multiselect"):
            raise NotFound(
                f'Attribute "{code}" does not support options. Only attributes of type '
                '"pim_catalog_simpleselect", "pim_catalog_multiselect" support options.'
            )
        return attribute

    def _attribute_options(self) -> Nested:
        c = self.catalog
        return Nested(
            path=f"{API}/attributes/{{attribute_code}}/options",
            parents=("attribute_code",),
            operations=_crud_operations("attributes__attribute_code__options", "__code_"),
            check=self._select_attribute,
            items=lambda attribute: sorted(
                c.options.get(attribute, {}).values(), key=lambda o: (o["sort_order"], o["code"])
            ),
            find=lambda attribute, code: c.options.get(attribute, {}).get(code.lower()),
            missing=lambda attribute, code: (
                f'Attribute option "{code}" does not exist or is not an option of the attribute "{attribute}".'
            ),
            output=lambda option, request, parents: ATTRIBUTE_OPTION.output(option),
            write=c.write_option,
        )

    # -- family variants ---------------------------------------------------------------------
    def _family(self, code: str) -> dict[str, Any]:
        family = self.catalog.families.get(code)
        if family is None:
            raise NotFound(f'Family "{code}" does not exist.')
        return family

    @staticmethod
    def _variant_output(variant: dict[str, Any]) -> dict[str, Any]:
        data = FAMILY_VARIANT.output(variant)
        data["common_attributes"] = list(variant.get("common_attributes") or [])
        return data

    def _family_variants(self) -> Nested:
        c = self.catalog

        def find(family: str, code: str) -> dict[str, Any] | None:
            variant = c.family_variants.get(code)
            return variant if variant is not None and variant["family"] == family else None

        return Nested(
            path=f"{API}/families/{{family_code}}/variants",
            parents=("family_code",),
            operations=_crud_operations("families__family_code__variants", "__code__"),
            check=self._family,
            items=lambda family: [v for v in c.family_variants.values() if v["family"] == family],
            find=find,
            missing=lambda family, code: (
                f'Family variant "{code}" does not exist or is not a variant of the family "{family}".'
            ),
            output=lambda variant, request, parents: self._variant_output(variant),
            write=c.write_family_variant,
        )

    # -- products ----------------------------------------------------------------------------
    def _value_filters(
        self, request: Request
    ) -> tuple[set[str] | None, str | None, set[str] | None]:
        """The `attributes`, `scope` and `locales` parameters, checked as Akeneo does."""
        catalog = self.catalog
        attributes = None
        raw_attributes = request.arg("attributes")
        if raw_attributes is not None:
            codes = [c.strip() for c in raw_attributes.split(",")]
            missing = [c for c in codes if c not in catalog.attributes]
            if missing:
                template = (
                    'Attributes "%s" do not exist.'
                    if len(missing) > 1
                    else 'Attribute "%s" does not exist.'
                )
                raise Unprocessable(template % ", ".join(missing))
            attributes = set(codes)
        scope = request.arg("scope")
        if scope is not None and scope not in catalog.channels:
            raise Unprocessable(f'Scope "{scope}" does not exist.')
        locales = None
        raw_locales = request.arg("locales")
        if raw_locales is not None:
            codes = [c.strip() for c in raw_locales.split(",")]
            missing = [c for c in codes if not catalog.locale_is_active(c)]
            if missing:
                template = (
                    'Locales "%s" do not exist or are not activated.'
                    if len(missing) > 1
                    else 'Locale "%s" does not exist or is not activated.'
                )
                raise Unprocessable(template % ", ".join(missing))
            if scope is not None:
                diff = [c for c in codes if c not in catalog.channels[scope]["locales"]]
                if diff:
                    plural = (
                        f'Locales "{", ".join(diff)}" are'
                        if len(diff) > 1
                        else f'Locale "{diff[0]}" is'
                    )
                    raise Unprocessable(f'{plural} not activated for the scope "{scope}".')
            locales = set(codes)
        elif scope is not None:
            locales = set(catalog.channels[scope]["locales"])
        return attributes, scope, locales

    def _associations(
        self, entity: Product | ProductModel, by: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        catalog = self.catalog
        merged, merged_q = catalog.merged_associations(entity)
        associations: dict[str, Any] = {}
        quantified: dict[str, Any] = {}

        def product_key(uuid: str) -> str | None:
            product = catalog.products.get(uuid)
            if product is None:
                return None
            return product.uuid if by == "uuid" else product.identifier

        for code, association_type in catalog.association_types.items():
            if association_type["is_quantified"]:
                links = merged_q.get(code, {})
                key = "uuid" if by == "uuid" else "identifier"
                quantified[code] = {
                    "products": [
                        {key: product_key(u), "quantity": q}
                        for u, q in links.get("products", [])
                        if u in catalog.products
                    ],
                    "product_models": [
                        {"identifier": c, "quantity": q}
                        for c, q in links.get("product_models", [])
                        if c in catalog.product_models
                    ],
                }
            else:
                links = merged.get(code, {})
                associations[code] = {
                    "products": [
                        k
                        for k in (product_key(u) for u in links.get("products", []))
                        if k is not None
                    ],
                    "product_models": [
                        c for c in links.get("product_models", []) if c in catalog.product_models
                    ],
                    "groups": list(links.get("groups", [])),
                }
        return associations, quantified

    def render_product(
        self,
        product: Product,
        request: Request,
        by: str,
        filters: tuple[set[str] | None, str | None, set[str] | None],
    ) -> dict[str, Any]:
        catalog = self.catalog
        attributes, scope, locales = filters
        values = render_values(
            catalog,
            catalog.merged_values(product),
            request.base_url,
            locales=locales,
            scope=scope,
            attributes=attributes,
            linked_data=_flag(request, "with_attribute_options"),
            skip=catalog.identifier_attribute() if by == "identifier" else None,
        )
        associations, quantified = self._associations(product, by)
        data: dict[str, Any] = (
            {"uuid": product.uuid} if by == "uuid" else {"identifier": product.identifier}
        )
        data.update(
            {
                "enabled": product.enabled,
                "family": product.family,
                "categories": catalog.merged_categories(product),
                "groups": list(product.groups),
                "parent": product.parent,
                "values": values,
                "created": product.created,
                "updated": product.updated,
                "associations": associations,
                "quantified_associations": quantified,
            }
        )
        completeness = None
        if _flag(request, "with_quality_scores"):
            completeness = catalog.completeness(product)
            data["quality_scores"] = [
                {"scope": c["scope"], "locale": c["locale"], "data": _quality_letter(c["data"])}
                for c in completeness
                if (scope is None or c["scope"] == scope)
                and (locales is None or c["locale"] in locales)
            ]
        if _flag(request, "with_completenesses"):
            completeness = completeness or catalog.completeness(product)
            data["completenesses"] = [
                c
                for c in completeness
                if (scope is None or c["scope"] == scope)
                and (locales is None or c["locale"] in locales)
            ]
        data["metadata"] = {"workflow_status": "working_copy"}
        return data

    def _product_path(self, product: Product, by: str) -> str:
        if by == "uuid":
            return f"{API}/products-uuid/{product.uuid}"
        return f"{API}/products/{_quote(product.identifier or '')}"

    def list_products(self, request: Request, by: str) -> Response:
        query = ListQuery(request, search_after=True)
        catalog = self.catalog
        with self.lock:
            filters = self._value_filters(request)
            search = search_module.parse_search(request.arg("search"))
            predicates = search_module.product_predicates(
                catalog,
                search,
                search_locale=request.arg("search_locale"),
                search_scope=request.arg("search_scope"),
            )
            scope = filters[1]
            if scope is not None:
                tree = catalog.channels[scope]["category_tree"]
                roots = catalog.category_roots()
                predicates.insert(
                    0, lambda view: any(roots.get(c) == tree for c in view.categories())
                )
            start = None
            if query.pagination_type == "search_after" and query.search_after:
                start = decode_cursor(query.search_after)

            def matching() -> Iterator[Product]:
                for product in catalog.iter_products(start):
                    if by == "identifier" and product.identifier is None:
                        continue
                    view = search_module.View(catalog, product)
                    if all(test(view) for test in predicates):
                        yield product

            render = lambda p: self.render_product(p, request, by, filters)  # noqa: E731
            self_link = lambda p: request.base_url + self._product_path(p, by)  # noqa: E731
            params = self._product_params(request, query)
            if query.pagination_type == "search_after":
                return self._search_after_page(
                    request,
                    query.limit,
                    matching(),
                    render,
                    self_link,
                    lambda p: encode_cursor(p.uuid),
                    params,
                )
            return self._offset_page(
                request,
                query,
                matching(),
                render,
                self_link,
                count=lambda: sum(1 for _ in matching()),
                front=[("page", query.page), *params],
                window=OFFSET_WINDOW,
            )

    @staticmethod
    def _product_params(request: Request, query: ListQuery) -> list[tuple[str, Any]]:
        params: list[tuple[str, Any]] = []
        if query.pagination_type == "page":
            params.append(("with_count", "true" if query.with_count else "false"))
        params += [("pagination_type", query.pagination_type), ("limit", query.limit)]
        for name in ("search", "scope", "search_scope", "search_locale", "locales", "attributes"):
            value = request.arg(name)
            if value is not None:
                params.append((name, value))
        for name in ("with_attribute_options", "with_quality_scores", "with_completenesses"):
            if _flag(request, name):
                params.append((name, "true"))
        return params

    def _find_product(self, key: str, by: str) -> Product:
        product = self.catalog.find_product(key, by)
        if product is None:
            raise NotFound(
                f'Product "{key}" does not exist or you do not have permission to access it.'
            )
        return product

    def get_product(self, request: Request, by: str) -> Response:
        with self.lock:
            product = self._find_product(request.path_params["key"], by)
            return Response.json(self.render_product(product, request, by, (None, None, None)))

    def create_product(self, request: Request, by: str) -> Response:
        data = self._body(request)
        with self.lock:
            _, product = self.catalog.write_product(data, by=by, key=None, mode="create")
            return self._location(request, self._product_path(product, by), 201)

    def patch_product(self, request: Request, by: str) -> Response:
        data = self._body(request)
        key = request.path_params["key"]
        with self.lock:
            created, product = self.catalog.write_product(data, by=by, key=key, mode="upsert")
            return self._location(request, self._product_path(product, by), 201 if created else 204)

    def patch_products(self, request: Request, by: str) -> Response:
        key_name = "uuid" if by == "uuid" else "identifier"
        return self._collection(
            request,
            key_name,
            lambda data: self.catalog.write_product(data, by=by, key=data[key_name], mode="upsert")[
                0
            ],
        )

    def delete_product(self, request: Request, by: str) -> Response:
        with self.lock:
            self.catalog.delete_product(request.path_params["key"], by)
        return Response.empty(204)

    # -- product models ----------------------------------------------------------------------
    def render_product_model(
        self,
        model: ProductModel,
        request: Request,
        filters: tuple[set[str] | None, str | None, set[str] | None],
    ) -> dict[str, Any]:
        catalog = self.catalog
        attributes, scope, locales = filters
        values = render_values(
            catalog,
            catalog.merged_values(model),
            request.base_url,
            locales=locales,
            scope=scope,
            attributes=attributes,
            linked_data=_flag(request, "with_attribute_options"),
        )
        associations, quantified = self._associations(model, "identifier")
        data = {
            "code": model.code,
            "family": model.family,
            "family_variant": model.family_variant,
            "parent": model.parent,
            "categories": catalog.merged_categories(model),
            "values": values,
            "created": model.created,
            "updated": model.updated,
            "associations": associations,
            "quantified_associations": quantified,
            "metadata": {"workflow_status": "working_copy"},
        }
        return data

    def list_product_models(self, request: Request) -> Response:
        query = ListQuery(request, search_after=True)
        catalog = self.catalog
        with self.lock:
            filters = self._value_filters(request)
            search = search_module.parse_search(request.arg("search"))
            predicates = search_module.product_model_predicates(
                catalog,
                search,
                search_locale=request.arg("search_locale"),
                search_scope=request.arg("search_scope"),
            )
            scope = filters[1]
            if scope is not None:
                tree = catalog.channels[scope]["category_tree"]
                roots = catalog.category_roots()
                predicates.insert(
                    0, lambda view: any(roots.get(c) == tree for c in view.categories())
                )
            start = None
            if query.pagination_type == "search_after" and query.search_after:
                try:
                    start = int(decode_cursor(query.search_after))
                except ValueError as exc:
                    raise Unprocessable(
                        f'Parameter "search_after" is not valid, "{query.search_after}" given.'
                    ) from exc

            def matching() -> Iterator[ProductModel]:
                for model in catalog.iter_models(start):
                    view = search_module.View(catalog, model)
                    if all(test(view) for test in predicates):
                        yield model

            render = lambda m: self.render_product_model(m, request, filters)  # noqa: E731
            self_link = lambda m: f"{request.base_url}{API}/product-models/{_quote(m.code)}"  # noqa: E731
            params = self._product_params(request, query)
            if query.pagination_type == "search_after":
                return self._search_after_page(
                    request,
                    query.limit,
                    matching(),
                    render,
                    self_link,
                    lambda m: encode_cursor(str(m.seq)),
                    params,
                )
            return self._offset_page(
                request,
                query,
                matching(),
                render,
                self_link,
                count=lambda: sum(1 for _ in matching()),
                front=[("page", query.page), *params],
                window=OFFSET_WINDOW,
            )

    def get_product_model(self, request: Request) -> Response:
        code = request.path_params["code"]
        with self.lock:
            model = self.catalog.product_models.get(code)
            if model is None:
                raise NotFound(
                    f'Product model "{code}" does not exist or you do not have permission to access it.'
                )
            return Response.json(self.render_product_model(model, request, (None, None, None)))

    def create_product_model(self, request: Request) -> Response:
        data = self._body(request)
        with self.lock:
            _, model = self.catalog.write_product_model(data, key=None, mode="create")
        return self._location(request, f"{API}/product-models/{_quote(model.code)}", 201)

    def patch_product_model(self, request: Request) -> Response:
        code = request.path_params["code"]
        data = self._body(request)
        with self.lock:
            created, model = self.catalog.write_product_model(data, key=code, mode="upsert")
        return self._location(
            request, f"{API}/product-models/{_quote(model.code)}", 201 if created else 204
        )

    def patch_product_models(self, request: Request) -> Response:
        return self._collection(
            request,
            "code",
            lambda data: self.catalog.write_product_model(data, key=data["code"], mode="upsert")[0],
        )

    def delete_product_model(self, request: Request) -> Response:
        with self.lock:
            self.catalog.delete_product_model(request.path_params["code"])
        return Response.empty(204)

    # -- product media files -----------------------------------------------------------------
    def _media_output(self, media: MediaFile, request: Request) -> dict[str, Any]:
        return {
            "code": media.code,
            "original_filename": media.original_filename,
            "mime_type": media.mime_type,
            "size": media.size,
            "extension": media.extension,
        }

    def list_media(self, request: Request) -> Response:
        query = ListQuery(request, search_after=False)
        with self.lock:
            codes = list(self.catalog.catalog_media_order)
            medias = (self.catalog.media[c] for c in codes if c in self.catalog.media)
            response = self._offset_page(
                request,
                query,
                medias,
                lambda m: {**self._media_output(m, request)},
                lambda m: f"{request.base_url}{API}/media-files/{m.code}",
                count=lambda: len(codes),
            )
        body = json.loads(response.body)
        for item in body["_embedded"]["items"]:
            item["_links"]["download"] = {
                "href": f"{request.base_url}{API}/media-files/{item['code']}/download"
            }
        return Response.json(body)

    def _catalog_media(self, code: str) -> MediaFile:
        media = self.catalog.media.get(code)
        if media is None or media.storage != CATALOG_STORAGE:
            raise NotFound(f'Media file "{code}" does not exist.')
        return media

    def get_media(self, request: Request) -> Response:
        with self.lock:
            media = self._catalog_media(request.path_params["code"])
        body = {
            "_links": {
                "download": {"href": f"{request.base_url}{API}/media-files/{media.code}/download"}
            }
        }
        body.update(self._media_output(media, request))
        return Response.json(body)

    @staticmethod
    def _file_response(media: MediaFile) -> Response:
        return Response.raw(
            media.content(),
            media.mime_type,
            headers={"Content-Disposition": f'attachment; filename="{media.original_filename}"'},
        )

    def download_media(self, request: Request) -> Response:
        with self.lock:
            media = self._catalog_media(request.path_params["code"])
        return self._file_response(media)

    def upload_media(self, request: Request) -> Response:
        parts = request.multipart()
        has_product, has_model = "product" in parts, "product_model" in parts
        if has_product and has_model:
            raise Unprocessable('You should give either a "product" or a "product_model" key.')
        if not has_product and not has_model:
            raise Unprocessable(
                'You should at least give one of the following properties: "product" or "product_model".'
            )
        try:
            target = json.loads(parts["product" if has_product else "product_model"].text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest("Invalid json message received") from exc
        if not isinstance(target, dict):
            raise BadRequest("Invalid json message received")
        keys = ("attribute", "locale", "scope")
        if has_product:
            if not (
                ("identifier" in target or "uuid" in target) and all(k in target for k in keys)
            ):
                raise Unprocessable(
                    'Product property must contain "identifier", "attribute", "locale" and "scope" properties.'
                )
        elif not ("code" in target and all(k in target for k in keys)):
            raise Unprocessable(
                'Product model property must contain "code", "attribute", "locale" and "scope" properties.'
            )
        upload = parts.get("file")
        if upload is None or upload.filename is None:
            raise Unprocessable('Property "file" is required.')
        with self.lock:
            catalog = self.catalog
            if has_product:
                by = "uuid" if "uuid" in target else "identifier"
                product = catalog.find_product(str(target.get(by)), by)
                if product is None:
                    raise Unprocessable(f'Product "{target.get(by)}" does not exist.')
            elif target["code"] not in catalog.product_models:
                raise Unprocessable(f'Product model "{target["code"]}" does not exist.')
            media = catalog.store_upload(
                upload.filename, upload.data, CATALOG_STORAGE, upload.content_type
            )
            values = {
                target["attribute"]: [
                    {"locale": target["locale"], "scope": target["scope"], "data": media.code}
                ]
            }
            try:
                if has_product:
                    catalog.write_product(
                        {"values": values}, by="uuid", key=product.uuid, mode="update"
                    )
                else:
                    catalog.write_product_model(
                        {"values": values}, key=target["code"], mode="update"
                    )
            except AkeneoError:
                catalog.remove_media(media.code)
                raise
        return self._location(request, f"{API}/media-files/{media.code}", 201)

    # -- reference entities and asset families -----------------------------------------------
    def _owner_stores(self, owner: str) -> dict[str, Any]:
        c = self.catalog
        if owner == "reference_entity":
            return {
                "containers": c.reference_entities,
                "attributes": c.ref_attributes,
                "options": c.ref_options,
                "items": c.records,
                "kind": REFERENCE_ENTITY,
                "label": "Reference entity",
                "base": "reference-entities",
                "items_path": "records",
                "media": "reference-entities-media-files",
                "storage": REFERENCE_ENTITY_STORAGE,
            }
        return {
            "containers": c.asset_families,
            "attributes": c.asset_attributes,
            "options": c.asset_options,
            "items": c.assets,
            "kind": ASSET_FAMILY,
            "label": "Asset family",
            "base": "asset-families",
            "items_path": "assets",
            "media": "asset-media-files",
            "storage": ASSET_STORAGE,
        }

    def _container(self, owner: str, code: str) -> dict[str, Any]:
        stores = self._owner_stores(owner)
        container = stores["containers"].get(code)
        if container is None:
            raise NotFound(f'{stores["label"]} "{code}" does not exist.')
        return container

    def _container_output(
        self, owner: str, container: dict[str, Any], request: Request
    ) -> dict[str, Any]:
        stores = self._owner_stores(owner)
        data = stores["kind"].output(container)
        if owner == "reference_entity":
            links = {}
            if container.get("image"):
                links["image_download"] = {
                    "href": f"{request.base_url}{API}/reference-entities-media-files/{container['image']}"
                }
            return {"_links": links, **data} if links else data
        return data

    def list_containers(self, request: Request, owner: str) -> Response:
        stores = self._owner_stores(owner)
        with self.lock:
            after = request.arg("search_after")
            items = sorted(stores["containers"].values(), key=lambda e: e["code"].lower())
            if after:
                items = [e for e in items if e["code"].lower() > after.lower()]
            extra = None
            if owner == "reference_entity":

                def extra(entity: dict[str, Any]) -> dict[str, Any]:
                    if not entity.get("image"):
                        return {}
                    href = (
                        f"{request.base_url}{API}/reference-entities-media-files/{entity['image']}"
                    )
                    return {"image_download": {"href": href}}

            return self._search_after_page(
                request,
                SEARCH_AFTER_PAGE,
                items,
                stores["kind"].output,
                lambda e: f"{request.base_url}{API}/{stores['base']}/{_quote(e['code'])}",
                lambda e: e["code"],
                [],
                extra_links=extra,
            )

    def get_container(self, request: Request, owner: str) -> Response:
        with self.lock:
            container = self._container(owner, request.path_params["code"])
            return Response.json(self._container_output(owner, container, request))

    def patch_container(self, request: Request, owner: str) -> Response:
        code = request.path_params["code"]
        data = self._body(request)
        with self.lock:
            if owner == "reference_entity":
                created = self.catalog.write_reference_entity(code, data)
            else:
                created = self.catalog.write_asset_family(code, data)
        return self._location(
            request,
            f"{API}/{self._owner_stores(owner)['base']}/{_quote(code)}",
            201 if created else 204,
        )

    def _container_attribute(self, owner: str, container: str, code: str) -> dict[str, Any]:
        self._container(owner, container)
        attribute = self._owner_stores(owner)["attributes"].get(container, {}).get(code)
        if attribute is None:
            raise NotFound(
                f'Attribute "{code}" does not exist for the {self._owner_stores(owner)["label"].lower()} "{container}".'
            )
        return attribute

    def _container_resources(self, owner: str) -> list[Nested]:
        """The attributes, attribute options and records (or assets) of reference entities
        (owner "reference_entity") or asset families ("asset")."""
        c, stores = self.catalog, self._owner_stores(owner)
        base = f"{API}/{stores['base']}/{{container}}"

        def check_options(container: str, attribute: str) -> None:
            definition = self._container_attribute(owner, container, attribute)
            if definition["type"] not in ("single_option", "multiple_options"):
                raise NotFound(f'Attribute "{attribute}" does not support options.')

        reference = owner == "reference_entity"
        return [
            Nested(
                path=f"{base}/attributes",
                parents=("container",),
                operations={
                    "list": f"get_{owner}_attributes",
                    "get": f"get_{owner}_attributes__code_",
                    "patch": f"patch_{owner}_attributes__code_",
                },
                check=lambda container: self._container(owner, container),
                items=lambda container: list(stores["attributes"].get(container, {}).values()),
                paginated=False,
                find=lambda container, code: stores["attributes"].get(container, {}).get(code),
                missing=lambda container, code: (
                    f'Attribute "{code}" does not exist for the {stores["label"].lower()} "{container}".'
                ),
                output=lambda attribute, request, parents: ref_attribute_output(attribute),
                write=lambda container, code, data, mode: c.write_ref_attribute(
                    container, code, data, owner=owner
                ),
            ),
            Nested(
                path=f"{base}/attributes/{{attribute}}/options",
                parents=("container", "attribute"),
                operations={
                    "list": f"get_{owner}_attribute_options",
                    "get": f"get_{owner}_attribute_options__code_",
                    "patch": f"patch_{owner}_attribute_options__code_",
                },
                check=lambda container, attribute: self._container_attribute(
                    owner, container, attribute
                ),
                check_list=check_options,
                items=lambda container, attribute: list(
                    stores["options"].get((container, attribute), {}).values()
                ),
                paginated=False,
                find=lambda container, attribute, code: (
                    stores["options"].get((container, attribute), {}).get(code.lower())
                ),
                missing=lambda container, attribute, code: (
                    f'Option "{code}" does not exist for the attribute "{attribute}".'
                ),
                output=lambda option, request, parents: REF_OPTION.output(option),
                write=lambda container, attribute, code, data, mode: c.write_ref_option(
                    container, attribute, code, data, owner=owner
                ),
            ),
            Nested(
                path=f"{base}/{stores['items_path']}",
                parents=("container",),
                operations={
                    "list": "get_reference_entity_records" if reference else "get_assets",
                    "collection": "patch_reference_entity_records" if reference else "patch_assets",
                    "get": "get_reference_entity_records__code_"
                    if reference
                    else "get_assets__code_",
                    "patch": "patch_reference_entity_records__code_"
                    if reference
                    else "patch_asset__code_",
                },
                list_handler=self._bind(self.list_records, owner),
                check=lambda container: self._container(owner, container),
                find=lambda container, code: stores["items"].get(container, {}).get(code.lower()),
                missing=lambda container, code: (
                    f'{"Record" if reference else "Asset"} "{code}" does not exist.'
                ),
                output=lambda record, request, parents: self.render_record(
                    owner, parents[0], record, request, None, None
                ),
                write=lambda container, code, data, mode: c.write_record(
                    container, code, data, owner=owner
                ),
                json_array_collection=True,
                collection_accepts=JSON,
            ),
        ]

    def render_record(
        self,
        owner: str,
        container: str,
        record: dict[str, Any],
        request: Request,
        channel: str | None,
        locales: set[str] | None,
    ) -> dict[str, Any]:
        stores = self._owner_stores(owner)
        attributes = stores["attributes"].get(container, {})
        values: dict[str, list[dict[str, Any]]] = {}
        for (code, locale, value_channel), data in record["values"].items():
            if locales is not None and locale is not None and locale not in locales:
                continue
            if channel is not None and value_channel is not None and value_channel != channel:
                continue
            item: dict[str, Any] = {"locale": locale, "channel": value_channel, "data": data}
            kind = (attributes.get(code) or {}).get("type")
            if kind in ("image", "media_file"):
                item["_links"] = {
                    "download": {"href": f"{request.base_url}{API}/{stores['media']}/{data}"}
                }
            values.setdefault(code, []).append(item)
        return {
            "code": record["code"],
            "values": values,
            "created": record["created"],
            "updated": record["updated"],
        }

    def list_records(self, request: Request, owner: str) -> Response:
        stores = self._owner_stores(owner)
        container = request.path_params["container"]
        with self.lock:
            self._container(owner, container)
            channel = request.arg("channel")
            if channel is not None and channel not in self.catalog.channels:
                raise Unprocessable(f'Channel "{channel}" does not exist.')
            locales = None
            if request.arg("locales") is not None:
                codes = [c.strip() for c in (request.arg("locales") or "").split(",")]
                missing = [c for c in codes if not self.catalog.locale_is_active(c)]
                if missing:
                    raise Unprocessable(
                        f'Locale "{", ".join(missing)}" does not exist or is not activated.'
                    )
                locales = set(codes)
            search = search_module.parse_search(request.arg("search"))
            for prop in search:
                if prop == "complete":
                    raise Unprocessable(
                        'Filter on property "complete" is not supported by the sandbox.'
                    )
            tests = search_module.simple_predicates(
                search,
                {
                    "code": ("IN",),
                    "updated": (">", "<", "BETWEEN", "NOT BETWEEN", "SINCE LAST N DAYS"),
                },
                {"code": lambda r: r["code"], "updated": lambda r: r["updated"]},
                self.catalog.clock(),
            )
            after = request.arg("search_after")
            items = sorted(
                stores["items"].get(container, {}).values(), key=lambda r: r["code"].lower()
            )
            if after:
                items = [r for r in items if r["code"].lower() > after.lower()]
            items = [r for r in items if all(t(r) for t in tests)]
            params = [
                (k, request.arg(k))
                for k in ("search", "channel", "locales")
                if request.arg(k) is not None
            ]
            return self._search_after_page(
                request,
                SEARCH_AFTER_PAGE,
                items,
                lambda r: self.render_record(owner, container, r, request, channel, locales),
                lambda r: (
                    f"{request.base_url}{API}/{stores['base']}/{_quote(container)}/{stores['items_path']}/{_quote(r['code'])}"
                ),
                lambda r: r["code"].lower(),
                params,
            )

    def delete_asset(self, request: Request) -> Response:
        with self.lock:
            self.catalog.delete_asset(request.path_params["container"], request.path_params["code"])
        return Response.empty(204)

    def upload_container_media(self, request: Request, storage: str) -> Response:
        parts = request.multipart()
        upload = parts.get("file")
        if upload is None or upload.filename is None:
            raise Unprocessable('Property "file" is required.')
        if not upload.data:
            raise DocumentedUnprocessable("The file is empty.")
        with self.lock:
            media = self.catalog.store_upload(
                upload.filename, upload.data, storage, upload.content_type
            )
        if storage == ASSET_STORAGE:
            path, header = "asset-media-files", "Asset-media-file-code"
        else:
            path, header = "reference-entities-media-files", "Reference-entities-media-file-code"
        return Response.empty(
            201, {"Location": f"{request.base_url}{API}/{path}/{media.code}", header: media.code}
        )

    def download_container_media(self, request: Request, storage: str) -> Response:
        code = request.path_params["code"]
        with self.lock:
            media = self.catalog.media.get(code)
        if media is None or media.storage != storage:
            raise NotFound(f'Media file "{code}" does not exist.')
        return self._file_response(media)


def _quality_letter(ratio: int) -> str:
    """The quality score the sandbox derives from completeness (A best, E worst)."""
    if ratio >= 100:
        return "A"
    if ratio >= 80:
        return "B"
    if ratio >= 60:
        return "C"
    if ratio >= 40:
        return "D"
    return "E"
