"""Fixtures for the CS-Cart sandbox tests: one server for the session, a fresh shop per test.

Stopping a stdlib HTTP server waits for its poll loop (up to 0.5 s), so the tests share one
server and swap in a new `Store` (and default options and switches) for every test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cscart_support import REPO, Client, ImageHost, Shop

from pimflow_sandbox.cscart import create_app
from pimflow_sandbox.cscart.api import CsCartApp
from pimflow_sandbox.cscart.state import Store
from pimflow_sandbox.server import SandboxServer


@pytest.fixture(scope="session")
def _server() -> Iterator[SandboxServer]:
    server = SandboxServer(create_app(), port=0).start()
    yield server
    server.stop()


@pytest.fixture
def shop(_server: SandboxServer) -> Shop:
    app = _server.app
    assert isinstance(app, CsCartApp)
    app.store = Store(seed=42)
    app.hourly_limit = 0
    app.items_per_page = 10
    app.max_items_per_page = 0
    app.image_errors = "skip"
    app.reset_hourly()
    _server.switches.update(
        latency_ms=0, max_concurrent=0, rate_per_second=0, error_rate=0, drop_rate=0, seed=0
    )
    _server.stats.reset()
    return Shop(_server, app, Client(_server.url + "/api"))


@pytest.fixture(scope="session")
def image_host() -> Iterator[ImageHost]:
    host = ImageHost()
    yield host
    host.stop()


# -- the API docs ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def specs_dir() -> Path:
    """The CS-Cart docs the contract tests read: $PIMFLOW_SPECS_DIR or ../shared/specs."""
    base = Path(os.environ.get("PIMFLOW_SPECS_DIR") or REPO.parent / "shared" / "specs")
    folder = base / "cscart"
    if not (folder / "products.rst").is_file():
        pytest.skip(
            f"the CS-Cart API docs are not at {folder}: set PIMFLOW_SPECS_DIR to the folder "
            "that holds cscart/*.rst (seeds are read from its sibling ../seeds)"
        )
    return base


@pytest.fixture(scope="session")
def seeds_dir(specs_dir: Path) -> Path:
    folder = specs_dir.parent / "seeds"
    if not (folder / "cscart-products-api.rst").is_file():
        pytest.skip(f"the CS-Cart products seed is not at {folder}/cscart-products-api.rst")
    return folder
