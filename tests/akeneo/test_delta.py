"""A delta run reads only what changed since the last run (Akeneo's `updated` filter)."""

from __future__ import annotations

from datetime import UTC, datetime

import requests

from pimflow.akeneo.catalog import SourceFilter, delta_window, extract_partition
from pimflow.akeneo.datasets import PRODUCTS
from pimflow.akeneo.structure import extract_structure
from pimflow.hooks.akeneo import AkeneoHook
from pimflow.staging import read_rows, run_folder
from tests.e2e.sandbox_clients import AkeneoReader


def _read(run: str, source: SourceFilter | None = None) -> list[dict]:
    folder = run_folder("test", run)
    structure = extract_structure(AkeneoHook(), folder, "ecommerce", None, None, 2)
    for partition in structure["partitions"]:
        extract_partition(AkeneoHook(), folder, partition, "products", source)
    return list(read_rows(folder, PRODUCTS))


def test_a_delta_after_changing_one_percent_reads_only_those(akeneo):
    server = akeneo(catalog="1000", seed=7)
    full = _read("full")
    assert len(full) > 900
    last_run_ended = datetime.now(UTC)

    reader = AkeneoReader(server.url)
    simple = [p for p in full if not p["parent"]]
    changed = simple[:: max(1, len(simple) // 10)][:10]  # 1 % of 1,000
    new_ean = {p["uuid"]: f"{2990000000000 + i}" for i, p in enumerate(changed)}  # valid, unique
    for product in changed:
        response = requests.patch(
            f"{server.url}/api/rest/v1/products-uuid/{product['uuid']}",
            json={
                "values": {
                    "ean": [{"locale": None, "scope": None, "data": new_ean[product["uuid"]]}]
                }
            },
            headers=reader.headers,
            timeout=30,
        )
        assert response.status_code == 204, response.text

    window = delta_window("delta", "manual", None, None, last_run_ended, datetime.now(UTC))
    delta = _read("delta", SourceFilter("ecommerce", ["en_US", "de_DE", "fr_FR"], window))
    assert sorted(p["uuid"] for p in delta) == sorted(p["uuid"] for p in changed)
    for product in delta:
        assert product["values"]["ean"][0]["data"] == new_ean[product["uuid"]]
