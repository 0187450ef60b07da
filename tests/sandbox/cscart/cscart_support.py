"""Helpers of the CS-Cart sandbox tests: an HTTP client, the shop handle, a local image host.

Kept apart from conftest.py (which only holds fixtures) so test modules import them by a name
no other test folder uses.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
from PIL import Image

from pimflow_sandbox.cscart.api import CsCartApp
from pimflow_sandbox.cscart.state import Store
from pimflow_sandbox.server import SandboxServer

EMAIL = "admin@example.com"
API_KEY = "pimflow-api-key"
REPO = Path(__file__).resolve().parents[3]


class Client:
    """A plain HTTP client of the shop, as any CS-Cart integration would be."""

    def __init__(self, base_url: str, auth: tuple[str, str] | None = (EMAIL, API_KEY)) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.auth = auth

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.base_url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self("DELETE", path, **kwargs)


@dataclass
class Shop:
    server: SandboxServer
    app: CsCartApp
    api: Client  # authenticated, on <url>/api

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def store(self) -> Store:
        return self.app.store

    def category(self, name: str = "Shoes", **fields: Any) -> int:
        response = self.api.post("/categories", json={"category": name, **fields})
        assert response.status_code == 201, response.text
        return response.json()["category_id"]

    def feature(self, description: str, feature_type: str, **fields: Any) -> int:
        body = {"description": description, "feature_type": feature_type, **fields}
        response = self.api.post("/features", json=body)
        assert response.status_code == 201, response.text
        return response.json()["feature_id"]

    def variant_ids(self, feature_id: int) -> dict[str, int]:
        variants = self.api.get(f"/features/{feature_id}").json()["variants"]
        return {v["variant"]: int(v["variant_id"]) for v in variants.values()}

    def product(self, name: str = "Runner", **fields: Any) -> int:
        body = {"product": name, "price": "10", **fields}
        body.setdefault("category_ids", str(self.category()))
        response = self.api.post("/products", json=body)
        assert response.status_code == 201, response.text
        return response.json()["product_id"]


# -- a local image host ------------------------------------------------------------------------


class ImageHost:
    """Serves test images on 127.0.0.1, and counts what was fetched."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}
        self.redirects: dict[str, str] = {}
        self.hits: list[str] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                host.hits.append(self.path)
                if self.path in host.redirects:
                    self.send_response(302)
                    self.send_header("Location", host.redirects[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                found = host.files.get(self.path)
                if found is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data, content_type = found
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def add(self, path: str, data: bytes, content_type: str = "image/png") -> str:
        self.files[path] = (data, content_type)
        return self.url + path

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def make_image(width: int, height: int, fmt: str = "PNG", color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format=fmt)
    return buffer.getvalue()
