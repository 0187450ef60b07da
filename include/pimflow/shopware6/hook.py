"""Shopware6Hook: the Shopware 6 Admin API with client credentials and the sync endpoint.

Connection `shopware6_default` (type `shopware6`): host = the shop's base URL, login = the
integration's access key id, password = its secret access key.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from pimflow.hooks import shapes
from pimflow.hooks.base import ApiError, AuthenticationError, PimflowHttpHook

TOKEN_PATH = "/api/oauth/token"
RENEW_BEFORE_EXPIRY_S = 30

JSON_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}


class Shopware6Hook(PimflowHttpHook):
    conn_name_attr = "shopware6_conn_id"
    default_conn_name = "shopware6_default"
    conn_type = "shopware6"
    hook_name = "Shopware 6"
    default_max_concurrency = 2

    def __init__(self, shopware6_conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(conn_id=shopware6_conn_id, **kwargs)
        self._token_lock = threading.Lock()
        self._access_token: str | None = None
        self._expires_at = 0.0

    # -- auth ----------------------------------------------------------------------------
    def _authenticate(self) -> None:
        connection = self.connection
        if not connection.login or not connection.password:
            raise ValueError(
                f"connection {self.http_conn_id!r} needs the integration's access key id (login) "
                "and secret access key (password)"
            )
        try:
            # Safe to resend after a lost answer: the token that answer held is never used.
            response = self.request(
                "POST",
                TOKEN_PATH,
                json={
                    "grant_type": "client_credentials",
                    "client_id": connection.login,
                    "client_secret": connection.password,
                },
                headers=JSON_HEADERS,
                authenticated=False,
            )
        except ApiError as exc:
            if exc.status in (400, 401, 403):
                raise AuthenticationError(exc.method, exc.url, exc.status, exc.body) from None
            raise
        payload = shapes.check_object(
            response.json(), shapes.route("POST", TOKEN_PATH), ("access_token",)
        )
        self._access_token = payload["access_token"]
        lifetime = float(payload.get("expires_in", 600))
        self._expires_at = time.monotonic() + lifetime - min(RENEW_BEFORE_EXPIRY_S, lifetime / 10)

    def auth_headers(self) -> dict[str, str]:
        with self._token_lock:
            if (
                self._access_token is None
                or time.monotonic() >= self._expires_at - RENEW_BEFORE_EXPIRY_S
            ):
                self._authenticate()
            return {"Authorization": f"Bearer {self._access_token}"}

    def on_unauthorized(self, rejected: str | None = None) -> bool:
        with self._token_lock:
            if rejected is None or rejected == f"Bearer {self._access_token}":
                self._authenticate()
        return True

    # -- calls ---------------------------------------------------------------------------
    def search(
        self, entity: str, criteria: dict[str, Any], keys: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """`POST /api/search/{entity}` with a Criteria body; the plain-JSON answer, checked
        to hold a `data` list of rows with `keys` (else shapes.ShapeError)."""
        path = f"/api/search/{entity}"
        body = self.request("POST", path, json=criteria, headers=JSON_HEADERS).json()
        at = shapes.route("POST", path)
        shapes.check_items(shapes.check_object(body, at, ("data",))["data"], at, keys, "data")
        return body

    def search_all(
        self,
        entity: str,
        criteria: dict[str, Any] | None = None,
        page_size: int = 500,
        keys: tuple[str, ...] = (),
    ):
        """Every entity the criteria match, page by page (generator of rows with `keys`)."""
        page = 1
        while True:
            body = {**(criteria or {}), "limit": page_size, "page": page, "total-count-mode": 0}
            rows = self.search(entity, body, keys)["data"]
            yield from rows
            if len(rows) < page_size:
                return
            page += 1

    def existing_ids(
        self, entity: str, ids: list[str], fields: tuple[str, ...] = (), chunk: int = 250
    ) -> set[str]:
        """Which of `ids` the shop has (one read per `chunk` ids). With `fields`, only the
        rows where every one of them is set (e.g. a media entity that has its file)."""
        found: set[str] = set()
        route = entity.replace("_", "-")  # the Admin API's routes name entities with hyphens
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            criteria: dict[str, Any] = {
                "limit": len(part),
                "total-count-mode": 0,
                "filter": [{"type": "equalsAny", "field": "id", "value": part}],
            }
            if not fields:
                path = f"/api/search-ids/{route}"
                body = self.request("POST", path, json=criteria, headers=JSON_HEADERS).json()
                at = shapes.route("POST", path)
                ids_found = shapes.check_object(body, at, ("data",))["data"]
                if not isinstance(ids_found, list):
                    raise shapes.ShapeError(at, "a list of ids", ids_found, "data")
                found.update(str(i) for i in ids_found)
                continue
            criteria["includes"] = {entity: ["id", *fields]}
            for row in self.search(route, criteria, ("id",))["data"]:
                if all(row.get(name) not in (None, "") for name in fields):
                    found.add(str(row["id"]))
        return found

    def sync(
        self, operations: dict[str, dict[str, Any]], *, fail_on_error: bool = True
    ) -> tuple[int, Any]:
        """`POST /api/_action/sync`; returns (status, body). A 400 is returned, not raised,
        so the caller can isolate the rows Shopware refused.

        Safe to resend after a lost answer (the hook does): pimflow's syncs are upserts
        with the ids pimflow chooses (uuid5 of Akeneo's codes, mapping.shopware_id), so a
        second one writes the same rows again, and deletes of ids, whose resend finds the
        row gone, which Shopware's sync leaves alone (no error)."""
        headers = {
            **JSON_HEADERS,
            "fail-on-error": "true" if fail_on_error else "false",
            # Indexing every batch would make large imports crawl; the shop indexes later.
            "indexing-behavior": "use-queue-indexing",
        }
        response = self.request(
            "POST", "/api/_action/sync", json=operations, headers=headers, ok_statuses=(400,)
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        return response.status_code, body

    def test_connection(self) -> tuple[bool, str]:
        try:
            self.search("currency", {"limit": 1})
        except Exception as exc:
            return False, str(exc)
        return True, "Connected to Shopware 6: token granted and the Admin API answers."
