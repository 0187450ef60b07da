"""A third-party Akeneo client from PyPI (akeneo-api-client) against the sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from akeneo_api_client.client_builder import ClientBuilder

from pimflow_sandbox.server import SandboxServer

from .conftest import start


@pytest.fixture(scope="module")
def thousand() -> Iterator[SandboxServer]:
    server = start("1000", seed=11)
    yield server
    server.stop()


def test_third_party_client_pages_and_writes(thousand: SandboxServer) -> None:
    client = ClientBuilder(thousand.url).build_authenticated_by_password(
        "admin", "admin", "pimflow", "pimflow-secret"
    )
    seen = []
    for page in client.product_uuid_api.all(page_size=100, query_params={}):
        seen += [product["uuid"] for product in page]
    assert len(seen) == len(set(seen)) == 1000
    statuses = client.product_uuid_api.upsert_list(
        [
            {
                "uuid": "0f8f2a3e-8a7b-4c4e-9d63-1b2c3d4e5f60",
                "family": "home",
                "values": {"sku": [{"locale": None, "scope": None, "data": "client-made"}]},
            },
            {"uuid": seen[0], "enabled": False},
        ]
    )
    assert [s["status_code"] for s in statuses] == [201, 204]
    created = client.product_uuid_api.get("0f8f2a3e-8a7b-4c4e-9d63-1b2c3d4e5f60")
    assert created["values"]["sku"][0]["data"] == "client-made" and created["family"] == "home"
    assert client.product_uuid_api.get(seen[0])["enabled"] is False
    families = client.family_api
    assert families is not None
