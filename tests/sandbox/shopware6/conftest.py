"""Fixtures for the sandbox Shopware 6 tests: one in-process server per module (starting and
stopping a server costs half a second), a fresh shop for every test, and a small client."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from pimflow_sandbox.server import SandboxServer, Switches
from pimflow_sandbox.shopware6 import create_app, fresh_store
from pimflow_sandbox.shopware6.schema import CURRENCY_DEFAULT

REPO = Path(__file__).resolve().parents[3]
SEED = 7


def specs_dir() -> Path:
    return Path(os.environ.get("PIMFLOW_SPECS_DIR") or REPO.parent / "shared" / "specs")


def uid(name: str) -> str:
    """Deterministic ids, like pimflow derives them from Akeneo codes."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"test:{name}").hex


def price(gross: float = 15.0, net: float = 12.61, currency: str = CURRENCY_DEFAULT) -> dict:
    return {"currencyId": currency, "gross": gross, "net": net, "linked": False}


class Api:
    """A tiny Admin API client: a bearer token and the calls the tests make."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.http = requests.Session()
        self.http.trust_env = False  # never a proxy for 127.0.0.1
        self.token: str | None = None

    def authenticate(self) -> Api:
        response = self.http.post(
            f"{self.base}/api/oauth/token",
            json={
                "grant_type": "client_credentials",
                "client_id": "pimflow",
                "client_secret": "pimflow-secret",
            },
        )
        response.raise_for_status()
        self.token = response.json()["access_token"]
        return self

    def headers(self, extra: dict[str, str] | None = None, plain: bool = True) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if plain:
            headers["Accept"] = "application/json"
        headers.update(extra or {})
        return headers

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        plain: bool = True,
        **kwargs: Any,
    ) -> requests.Response:
        if body is not None:
            kwargs["data"] = json.dumps(body)
            headers = {"Content-Type": "application/json", **(headers or {})}
        return self.http.request(
            method, f"{self.base}{path}", headers=self.headers(headers, plain), **kwargs
        )

    def sync(self, body: Any, **headers: str) -> requests.Response:
        return self.call("POST", "/api/_action/sync", body, headers)

    def upsert(self, entity: str, *rows: dict, **headers: str) -> requests.Response:
        return self.sync(
            {f"write-{entity}": {"entity": entity, "action": "upsert", "payload": list(rows)}},
            **headers,
        )

    def search(self, entity: str, criteria: dict | None = None, **headers: str) -> dict:
        response = self.call("POST", f"/api/search/{entity}", criteria or {}, headers)
        assert response.status_code == 200, response.text
        return response.json()

    def get(self, entity: str, eid: str, **headers: str) -> requests.Response:
        return self.call("GET", f"/api/{entity}/{eid}", headers=headers)

    def one(self, entity: str, eid: str, **headers: str) -> dict:
        response = self.get(entity, eid, **headers)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def find_id(self, entity: str, field: str, value: Any) -> str:
        found = self.search(
            entity, {"filter": [{"type": "equals", "field": field, "value": value}]}
        )
        assert found["total"] == 1, found
        return found["data"][0]["id"]

    # lookups a client does on a fresh shop (ids are not well-known)
    def tax_id(self, rate: float = 19.0) -> str:
        return self.find_id("tax", "taxRate", rate)

    def currency_id(self, iso: str) -> str:
        return self.find_id("currency", "isoCode", iso)

    def language_id(self, code: str) -> str:
        return self.find_id("language", "locale.code", code)

    def sales_channel_id(self) -> str:
        return self.search("sales-channel")["data"][0]["id"]

    def rule_id(self) -> str:
        return self.search("rule")["data"][0]["id"]


@pytest.fixture(scope="module")
def app():
    return create_app(seed=SEED)


@pytest.fixture(scope="module")
def server(app):
    srv = SandboxServer(app, port=0).start()
    yield srv
    srv.stop()


@pytest.fixture
def shop(app, server):
    """A fresh shop behind the module's server, and default switches."""
    app.store = fresh_store(SEED)
    app.lock = app.store.lock
    server.switches.update(**Switches().as_dict())
    return app.store


@pytest.fixture
def api(server, shop) -> Api:
    return Api(server.url).authenticate()


@pytest.fixture
def product(api):
    """A valid simple product payload (tax looked up, as a client must)."""
    tax = api.tax_id(19.0)

    def make(number: str, **extra: Any) -> dict:
        row = {
            "id": uid(number),
            "productNumber": number,
            "stock": 10,
            "taxId": tax,
            "name": f"Product {number}",
            "price": [price()],
        }
        row.update(extra)
        return row

    return make


def assert_error(response: requests.Response, status: int, code: str, pointer: str | None = None):
    assert response.status_code == status, response.text
    errors = response.json()["errors"]
    matching = [e for e in errors if e["code"] == code]
    assert matching, errors
    if pointer is not None:
        assert pointer in [e.get("source", {}).get("pointer") for e in matching], errors
    return matching
