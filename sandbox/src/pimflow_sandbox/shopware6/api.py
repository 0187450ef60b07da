"""The HTTP face of the sandbox Shopware 6: the Admin API routes pimflow and other clients use,
OAuth client-credentials tokens that expire, Shopware's error bodies, and both response
formats (plain JSON with `Accept: application/json`, JSON:API otherwise).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from pimflow_sandbox.server import HttpError, Request, Response, SandboxApp
from pimflow_sandbox.shopware6 import search
from pimflow_sandbox.shopware6.errors import (
    ApiError,
    definition_not_found,
    error,
    resource_not_found,
    status_title,
)
from pimflow_sandbox.shopware6.media import BLOCKED_EXTENSIONS, fetch, image_meta, mime_for
from pimflow_sandbox.shopware6.schema import LANGUAGE_SYSTEM, EntityDef
from pimflow_sandbox.shopware6.state import ReadCtx, Store, is_uuid

SHOPWARE_VERSION = "6.7.9.1"
JSON_API = "application/vnd.api+json"
ACCESS_DENIED = "The resource owner or authorization server denied the request."


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _oauth_error(status: int, code: int, title: str, hint: str) -> ApiError:
    # ErrorResponseFactory renders league/oauth2-server errors with the message as title and
    # the hint as detail.
    return ApiError(
        status, [{"code": str(code), "status": str(status), "title": title, "detail": hint}]
    )


def _handles_api_errors(handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
    def wrapped(request: Request) -> Response:
        try:
            return handler(request)
        except ApiError as exc:
            raise HttpError(
                exc.status, str(exc), payload={"errors": exc.errors}, headers=exc.headers
            ) from exc

    return wrapped


class Shopware6App(SandboxApp):
    """The Admin API on a `Store`."""

    name = "shopware6"

    def __init__(
        self,
        store: Store,
        *,
        client_id: str = "pimflow",
        client_secret: str = "pimflow-secret",
        token_lifetime: int = 600,
        max_limit: int = 0,
        snapshot: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.store = store
        self.lock = store.lock
        self.client_id = client_id
        self._client_secret = client_secret
        self.token_lifetime = token_lifetime
        self.max_limit = max_limit
        self.snapshot = snapshot
        self.clock = clock
        self._signing_key = os.urandom(32)
        self._register()

    # -- routes ----------------------------------------------------------------------------
    def _register(self) -> None:
        add = self.add_route
        add("POST", "/api/oauth/token", _handles_api_errors(self.token), public=True)
        add("GET", "/media/{path:path}", _handles_api_errors(self.media_file), public=True)
        add("GET", "/api/_info/version", _handles_api_errors(self.version))
        add("POST", "/api/_action/sync", _handles_api_errors(self.sync))
        add("POST", "/api/_action/media/{mediaId}/upload", _handles_api_errors(self.upload))
        add("POST", "/api/_action/index", _handles_api_errors(self.index))
        add("POST", "/api/_action/indexing", _handles_api_errors(self.index))
        add("POST", "/api/_action/indexing/{indexer}", _handles_api_errors(self.index))
        add("POST", "/api/search/{entity}", _handles_api_errors(self.search))
        add("POST", "/api/search-ids/{entity}", _handles_api_errors(self.search_ids))
        add("GET", "/api/{entity}", _handles_api_errors(self.list))
        add("POST", "/api/{entity}", _handles_api_errors(self.create))
        add("GET", "/api/{entity}/{id}", _handles_api_errors(self.detail))
        add("PATCH", "/api/{entity}/{id}", _handles_api_errors(self.update))
        add("DELETE", "/api/{entity}/{id}", _handles_api_errors(self.delete))
        add("GET", "/api/{entity}/{id}/{association}", _handles_api_errors(self.related))
        add(
            "DELETE",
            "/api/{entity}/{id}/{association}/{ref}",
            _handles_api_errors(self.delete_related),
        )

    # -- what the framework asks of an app -------------------------------------------------
    def authenticate(self, request: Request) -> None:
        try:
            self.verify_token(request.bearer_token)
        except ApiError as exc:
            raise HttpError(401, str(exc), payload={"errors": exc.errors}) from exc

    def limit_key(self, request: Request) -> str:
        token = request.bearer_token
        if token:
            return "token:" + hashlib.sha256(token.encode()).hexdigest()[:16]
        return "anonymous"

    def error_response(self, error_: HttpError) -> Response:
        if error_.payload is not None:
            return Response.json(error_.payload, error_.status, error_.headers)
        body = {
            "errors": [
                {
                    "code": "0",
                    "status": str(error_.status),
                    "title": status_title(error_.status),
                    "detail": error_.message or status_title(error_.status),
                }
            ]
        }
        return Response.json(body, error_.status, error_.headers)

    def too_many_requests(self, retry_after: int) -> Response:
        body = {
            "errors": [
                error(
                    429,
                    "FRAMEWORK__RATE_LIMIT_EXCEEDED",
                    f"Too many requests, try again in {retry_after} seconds.",
                    parameters={"seconds": retry_after},
                )
            ]
        }
        return Response.json(body, 429, {"Retry-After": str(retry_after)})

    def injected_failure(self) -> Response:
        body = {
            "errors": [
                {
                    "code": "0",
                    "status": "500",
                    "title": "Internal Server Error",
                    "detail": "Internal Server Error (injected by the sandbox)",
                }
            ]
        }
        return Response.json(body, 500)

    def close(self) -> None:
        """Called by the CLI on shutdown: keep the state for the next start."""
        if self.snapshot:
            self.store.save(self.snapshot)

    # -- OAuth -----------------------------------------------------------------------------
    def issue_token(self) -> str:
        now = int(self.clock())
        header = {"typ": "JWT", "alg": "HS256"}
        claims = {
            "aud": self.client_id,
            "jti": os.urandom(20).hex(),
            "iat": now,
            "nbf": now,
            "exp": now + self.token_lifetime,
            "sub": "",
            "scopes": ["write"],
        }
        signing_input = (
            _b64(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + _b64(json.dumps(claims, separators=(",", ":")).encode())
        )
        signature = hmac.new(self._signing_key, signing_input.encode(), hashlib.sha256).digest()
        return signing_input + "." + _b64(signature)

    def verify_token(self, token: str | None) -> dict[str, Any]:
        if not token:
            raise _oauth_error(401, 9, ACCESS_DENIED, 'Missing "Authorization" header')
        try:
            head, body, signature = token.split(".")
            expected = hmac.new(
                self._signing_key, f"{head}.{body}".encode(), hashlib.sha256
            ).digest()
            if not hmac.compare_digest(expected, _unb64(signature)):
                raise ValueError("signature")
            claims = json.loads(_unb64(body))
        except (ValueError, TypeError):
            raise _oauth_error(
                401, 9, ACCESS_DENIED, "Access token could not be verified"
            ) from None
        if claims.get("exp", 0) <= self.clock():
            raise _oauth_error(401, 9, ACCESS_DENIED, "Access token could not be verified")
        return claims

    def token(self, request: Request) -> Response:
        params = self._token_params(request)
        grant = params.get("grant_type")
        if not grant:
            raise _oauth_error(
                400,
                3,
                "The request is missing a required parameter, includes an invalid parameter "
                "value, includes a parameter more than once, or is otherwise malformed.",
                "Check the `grant_type` parameter",
            )
        if grant != "client_credentials":
            raise _oauth_error(
                400,
                2,
                "The authorization grant type is not supported by the authorization server.",
                "Check that all required parameters have been provided",
            )
        client_id, client_secret = params.get("client_id"), params.get("client_secret")
        basic = request.header("authorization") or ""
        if basic[:6].lower() == "basic ":
            try:
                decoded = base64.b64decode(basic[6:].strip()).decode("utf-8")
                client_id, _, client_secret = decoded.partition(":")
            except (ValueError, UnicodeDecodeError):
                client_id = client_secret = None
        if not client_id:
            raise _oauth_error(
                400,
                3,
                "The request is missing a required parameter, includes an invalid parameter "
                "value, includes a parameter more than once, or is otherwise malformed.",
                "Check the `client_id` parameter",
            )
        valid = hmac.compare_digest(str(client_id), self.client_id) and hmac.compare_digest(
            str(client_secret or ""), self._client_secret
        )
        if not valid:
            raise _oauth_error(
                401, 4, "Client authentication failed", "Client authentication failed"
            )
        return Response.json(
            {
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
                "access_token": self.issue_token(),
            }
        )

    @staticmethod
    def _token_params(request: Request) -> dict[str, Any]:
        content_type = (request.header("content-type") or "").lower()
        if "application/x-www-form-urlencoded" in content_type:
            parsed = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
            return {k: v[-1] for k, v in parsed.items()}
        if not request.body:
            return {}
        try:
            data = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise ApiError.single(
                400, "FRAMEWORK__INVALID_REQUEST_BODY", "The JSON payload is malformed."
            ) from None
        return data if isinstance(data, dict) else {}

    # -- helpers ---------------------------------------------------------------------------
    def _entity(self, request: Request, *, status: int = 404) -> EntityDef:
        name = request.path_params["entity"].replace("-", "_")
        d = self.store.defs.get(name)
        if d is None or d.mapping:
            raise definition_not_found(name, status)
        return d

    def _language(self, request: Request) -> str:
        language = request.header("sw-language-id")
        if language is None:
            return LANGUAGE_SYSTEM
        language = language.strip().lower()
        if not is_uuid(language) or not self.store.exists("language", language):
            raise ApiError.single(
                412,
                "FRAMEWORK__LANGUAGE_NOT_FOUND",
                f'The language "{language}" was not found.',
                parameters={"languageId": language},
            )
        return language

    def _read_ctx(self, request: Request) -> ReadCtx:
        inherit = (request.header("sw-inheritance") or "").strip().lower() in ("1", "true")
        return self.store.read_ctx(self._language(request), inherit, request.base_url)

    @staticmethod
    def _plain(request: Request) -> bool:
        accept = (request.header("accept") or "").lower()
        return "application/json" in accept and JSON_API not in accept

    @staticmethod
    def _body(request: Request, *, required: bool = False) -> Any:
        if not request.body.strip():
            if required:
                raise ApiError.single(
                    400, "FRAMEWORK__INVALID_REQUEST_BODY", "The request body is empty."
                )
            return None
        try:
            return json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise ApiError.single(
                400, "FRAMEWORK__INVALID_REQUEST_BODY", "The JSON payload is malformed."
            ) from None

    def _criteria(self, d: EntityDef, body: Any) -> search.Criteria:
        crit = search.parse_criteria(self.store, d, body)
        if self.max_limit and (crit.limit is None or crit.limit > self.max_limit):
            crit.limit = self.max_limit
        return crit

    # -- reads -----------------------------------------------------------------------------
    def _list_response(
        self, request: Request, d: EntityDef, crit: search.Criteria, within: list[str] | None
    ) -> Response:
        ctx = self._read_ctx(request)
        with self.lock:
            ids, total = search.select(self.store, d, crit, ctx, within)
            data = search.load(self.store, d, ids, crit, ctx)
        if self._plain(request):
            return Response.json({"total": total, "data": data, "aggregations": []})
        resources, included = self._to_json_api(data, request.base_url)
        base = f"{request.base_url}/api/{d.api_path}"
        links: dict[str, str] = {"self": request.base_url + request.raw_target}
        if crit.limit:
            pages = search.page_count(total, crit.limit)
            links["first"] = f"{base}?limit={crit.limit}&page=1"
            links["last"] = f"{base}?limit={crit.limit}&page={pages}"
            if crit.page > 1:
                links["prev"] = f"{base}?limit={crit.limit}&page={crit.page - 1}"
            if crit.page < pages:
                links["next"] = f"{base}?limit={crit.limit}&page={crit.page + 1}"
        body = {
            "data": resources,
            "included": included,
            "links": links,
            "meta": {"totalCountMode": crit.total_count_mode, "total": total},
            "aggregations": [],
        }
        return Response.json(body, content_type=JSON_API)

    def search(self, request: Request) -> Response:
        d = self._entity(request)
        crit = self._criteria(d, self._body(request))
        return self._list_response(request, d, crit, None)

    def search_ids(self, request: Request) -> Response:
        d = self._entity(request)
        crit = self._criteria(d, self._body(request))
        ctx = self._read_ctx(request)
        with self.lock:
            ids, total = search.select(self.store, d, crit, ctx)
        return Response.json({"total": total, "data": ids})

    def list(self, request: Request) -> Response:
        d = self._entity(request)
        crit = self._criteria(d, search.criteria_from_query(request.query))
        return self._list_response(request, d, crit, None)

    def related(self, request: Request) -> Response:
        d = self._entity(request)
        eid, name = request.path_params["id"], request.path_params["association"]
        relation = d.relations.get(name)
        if relation is None:
            raise ApiError.single(
                404,
                "FRAMEWORK__ASSOCIATION_NOT_FOUND",
                f"Can not find association by name {name}",
                parameters={"association": name},
            )
        ctx = self._read_ctx(request)
        with self.lock:
            if not self.store.exists(d.name, eid):
                raise _not_found(d, eid)
            within = self.store.related_ids(d, eid, relation, ctx)
        target = self.store.defs[relation.target]
        crit = self._criteria(target, search.criteria_from_query(request.query))
        return self._list_response(request, target, crit, within)

    def detail(self, request: Request) -> Response:
        d = self._entity(request)
        eid = request.path_params["id"]
        ctx = self._read_ctx(request)
        crit = search.Criteria()
        with self.lock:
            if not self.store.exists(d.name, eid):
                raise _not_found(d, eid)
            entity = search.load(self.store, d, [eid], crit, ctx)[0]
        return self._detail_response(request, d, entity)

    def _detail_response(self, request: Request, d: EntityDef, entity: dict[str, Any]) -> Response:
        if self._plain(request):
            return Response.json({"data": entity})
        resources, included = self._to_json_api([entity], request.base_url)
        body = {
            "data": resources[0],
            "included": included,
            "links": {"self": f"{request.base_url}/api/{d.api_path}/{entity['id']}"},
        }
        return Response.json(body, content_type=JSON_API)

    def _to_json_api(
        self, entities: list[dict[str, Any]], base_url: str
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        included: dict[tuple[str, str], dict[str, Any]] = {}

        def convert(entity: dict[str, Any]) -> dict[str, Any]:
            d = self.store.defs.get(entity["apiAlias"])
            if d is None:  # a translation row: no definition, no relationships
                attributes = {k: v for k, v in entity.items() if k != "apiAlias"}
                return {
                    "id": _translation_id(entity),
                    "type": entity["apiAlias"],
                    "attributes": attributes,
                }
            eid = entity.get("id")
            attributes: dict[str, Any] = {}
            relationships: dict[str, Any] = {}
            for key, value in entity.items():
                if key in ("id", "apiAlias"):
                    continue
                if key in d.relations or key in d.unsupported:
                    rel: dict[str, Any] = {
                        "links": {"related": f"{base_url}/api/{d.api_path}/{eid}/{key}"}
                    }
                    if isinstance(value, list):
                        rel["data"] = [link(v) for v in value]
                    elif isinstance(value, dict):
                        rel["data"] = link(value)
                    relationships[key] = rel
                    continue
                attributes[key] = value
            return {
                "id": eid,
                "type": d.name,
                "attributes": attributes,
                "links": {"self": f"{base_url}/api/{d.api_path}/{eid}"},
                "relationships": relationships,
            }

        def link(value: dict[str, Any]) -> dict[str, str]:
            eid = value["id"] if "id" in value else _translation_id(value)
            key = (value["apiAlias"], eid)
            if key not in included:
                included[key] = {}
                included[key] = convert(value)
            return {"type": value["apiAlias"], "id": eid}

        resources = [convert(e) for e in entities]
        return resources, list(included.values())

    # -- writes ----------------------------------------------------------------------------
    def sync(self, request: Request) -> Response:
        body = self._body(request, required=True)
        if isinstance(body, dict):
            operations = [(str(k), v) for k, v in body.items()]
        elif isinstance(body, list):
            operations = [(str(i), v) for i, v in enumerate(body)]
        else:
            raise ApiError.single(
                400,
                "FRAMEWORK__API_BAD_REQUEST",
                "Invalid payload format. Expected an array of operations.",
            )
        fail_header = (request.header("fail-on-error") or "true").strip().lower()
        fail_on_error = fail_header not in ("false", "0", "no", "off")
        status, result = self.store.sync(
            operations, language_id=self._language(request), fail_on_error=fail_on_error
        )
        return Response.json(result, status)

    def create(self, request: Request) -> Response:
        d = self._entity(request)
        eid = self.store.write_one(
            d.name, self._body(request, required=True), self._language(request), create=True
        )
        return self._write_response(request, d, eid)

    def update(self, request: Request) -> Response:
        d = self._entity(request)
        eid = request.path_params["id"]
        if not is_uuid(eid):
            raise _not_found(d, eid)
        self.store.write_one(
            d.name, self._body(request, required=True), self._language(request), eid=eid
        )
        return self._write_response(request, d, eid)

    def _write_response(self, request: Request, d: EntityDef, eid: str) -> Response:
        location = f"{request.base_url}/api/{d.api_path}/{eid}"
        if request.arg("_response"):
            ctx = self._read_ctx(request)
            with self.lock:
                entity = search.load(self.store, d, [eid], search.Criteria(), ctx)[0]
            response = self._detail_response(request, d, entity)
            response.headers["Location"] = location
            return response
        return Response.empty(204, {"Location": location})

    def delete(self, request: Request) -> Response:
        d = self._entity(request)
        eid = request.path_params["id"]
        self.store.delete_one(d.name, eid, self._language(request))
        return Response.empty(204)

    def delete_related(self, request: Request) -> Response:
        d = self._entity(request)
        eid, name, ref = (request.path_params[k] for k in ("id", "association", "ref"))
        relation = d.relations.get(name)
        if relation is None:
            raise ApiError.single(
                404,
                "FRAMEWORK__ASSOCIATION_NOT_FOUND",
                f"Can not find association by name {name}",
                parameters={"association": name},
            )
        if not self.store.exists(d.name, eid):
            raise _not_found(d, eid)
        if relation.kind == "m2m":
            pk = {relation.own_fk: eid, relation.target_fk: ref}
            if not self.store.unlink(relation.mapping, pk):
                raise _not_found(self.store.defs[relation.mapping], ref)
            return Response.empty(204)
        target = self.store.defs[relation.target]
        with self.lock:
            row = self.store.rows[target.name].get(ref)
            owned = row is not None and (
                row.get(relation.fk) == eid if relation.kind != "m2o" else False
            )
        if not owned:
            raise _not_found(target, ref)
        self.store.delete_one(target.name, ref, self._language(request))
        return Response.empty(204)

    # -- media -----------------------------------------------------------------------------
    def upload(self, request: Request) -> Response:
        media_id = request.path_params["mediaId"]
        extension = (request.arg("extension") or "").strip().lower()
        if not extension:
            raise ApiError.single(
                400,
                "CONTENT__MEDIA_MISSING_FILE_EXTENSION",
                'No file extension provided. Please use the "extension" query parameter to '
                "specify the extension of the uploaded file.",
            )
        if extension in BLOCKED_EXTENSIONS:
            raise ApiError.single(
                400,
                "CONTENT__MEDIA_FILE_TYPE_NOT_SUPPORTED",
                f'The file extension "{extension}" for media object with id {media_id} is not '
                "supported.",
                parameters={"mediaId": media_id, "extension": extension},
            )
        if not is_uuid(media_id) or not self.store.exists("media", media_id):
            raise ApiError.single(
                404,
                "CONTENT__MEDIA_NOT_FOUND",
                f'Could not find media with id "{media_id}".',
                parameters={"entity": "media", "field": "id", "value": media_id},
            )
        content_type = (request.header("content-type") or "").lower()
        if content_type.startswith("application/json"):
            body = self._body(request, required=True)
            url = body.get("url") if isinstance(body, dict) else None
            content, declared = fetch(url)  # outside the lock: the URL may be this server
        else:
            content, declared = request.body, request.header("content-type")
        if not content:
            raise ApiError.single(
                400,
                "CONTENT__MEDIA_EMPTY_FILE",
                "Expected a file but the request body is empty.",
            )
        mime = mime_for(content, extension, declared)
        self.store.attach_file(
            media_id,
            content,
            extension,
            request.arg("fileName"),
            mime,
            image_meta(content, mime),
        )
        location = f"{request.base_url}/api/media/{media_id}"
        return Response.empty(204, {"Location": location})

    def media_file(self, request: Request) -> Response:
        found = self.store.file_by_path("media/" + request.path_params["path"])
        if found is None:
            raise HttpError(404, f'No route found for "GET {request.path}"')
        content, mime = found
        return Response.raw(content, mime)

    # -- the rest --------------------------------------------------------------------------
    def index(self, request: Request) -> Response:
        """Indexing is synchronous in the sandbox: computed fields are always current."""
        return Response.empty(204)

    def version(self, request: Request) -> Response:
        return Response.json({"version": SHOPWARE_VERSION})


def _translation_id(row: dict[str, Any]) -> str:
    keys = sorted(k for k in row if k.endswith("Id") and k != "languageId")
    return "-".join([*(str(row[k]) for k in keys), str(row.get("languageId"))])


def _not_found(d: EntityDef, eid: str) -> ApiError:
    return resource_not_found(d.name, eid)
