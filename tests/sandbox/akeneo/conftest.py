"""Fixtures of the sandbox Akeneo tests: servers started in-process on 127.0.0.1."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from pimflow_sandbox.akeneo import AkeneoApp, create_app
from pimflow_sandbox.server import SandboxServer, Switches

BASIC = "Basic " + base64.b64encode(b"pimflow:pimflow-secret").decode()


class Client:
    """A thin requests wrapper: authenticates like any Akeneo client, keeps the token."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.url = server.url
        self.session = requests.Session()
        self.token = self.new_token()

    def new_token(self) -> str:
        response = requests.post(
            self.url + "/api/oauth/v1/token",
            json={"grant_type": "password", "username": "admin", "password": "admin"},
            headers={"Authorization": BASIC},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        url = path if path.startswith("http") else self.url + path
        return self.session.request(method, url, headers=headers, timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json=body, **kwargs)

    def patch(self, path: str, body: Any, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, json=body, **kwargs)

    def patch_lines(self, path: str, items: list[Any]) -> requests.Response:
        import json

        payload = "\n".join(json.dumps(item) for item in items)
        return self.request(
            "PATCH",
            path,
            data=payload.encode(),
            headers={"Content-Type": "application/vnd.akeneo.collection+json"},
        )

    def delete(self, path: str) -> requests.Response:
        return self.request("DELETE", path)

    @property
    def app(self) -> AkeneoApp:
        app = self.server.app
        assert isinstance(app, AkeneoApp)
        return app


def start(catalog: str = "demo", seed: int = 42, **options: str) -> SandboxServer:
    app = create_app(catalog=catalog, seed=seed, options=options)
    return SandboxServer(app, port=0, switches=Switches()).start()


@pytest.fixture(scope="session")
def demo_server() -> Iterator[SandboxServer]:
    """A read-mostly demo catalog shared by tests that do not change it."""
    server = start("demo")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def demo(demo_server: SandboxServer) -> Client:
    return Client(demo_server)


@pytest.fixture
def fresh() -> Iterator[Client]:
    """A demo catalog of its own, for tests that write."""
    server = start("demo")
    yield Client(server)
    server.stop()


@pytest.fixture
def empty() -> Iterator[Client]:
    server = start("empty")
    yield Client(server)
    server.stop()


def items(response: requests.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return response.json()["_embedded"]["items"]
