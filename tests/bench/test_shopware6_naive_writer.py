"""The Shopware bench's naive writer (pimflow/shopware6/bench.py) writes pimflow's own
payloads, parents included, one sync call per product; and the bench's check that both
shops hold the same products catches a product that differs."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from pimflow.sandboxes import SANDBOX_CONNECTIONS
from pimflow.shopware6.bench import _batched, _naive, same_products
from pimflow.shopware6.hook import Shopware6Hook
from pimflow_sandbox.cli import create_app
from pimflow_sandbox.server import SandboxServer
from tests.akeneo.conftest import akeneo, stage_everything  # noqa: F401 - the fixture


@pytest.fixture
def shops(monkeypatch) -> Iterator[dict[str, SandboxServer]]:
    servers = {name: SandboxServer(create_app("shopware6")).start() for name in ("ref", "naive")}
    for name, server in servers.items():
        monkeypatch.setenv(
            f"AIRFLOW_CONN_SHOPWARE6_{name.upper()}",
            json.dumps(SANDBOX_CONNECTIONS["shopware6"](server.url)),
        )
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture
def folder(akeneo, shops):  # noqa: ANN201, ARG001, F811 - both shops up, the demo catalog staged
    akeneo("demo")
    return stage_everything().folder


def test_the_naive_writer_writes_what_pimflow_writes_parents_included(folder, tmp_path) -> None:  # noqa: ANN001
    batched = _batched(folder, 250, tmp_path / "ref.sqlite", "shopware6_ref")
    naive = _naive(folder, 10_000, "shopware6_naive", tmp_path / "naive.sqlite")
    ids = naive.pop("ids")
    assert naive["refused"] == 0
    assert naive["parents"] > 0  # the old writer's mapping failed on every parent
    assert naive["products"] == batched["rows_written"]["product"] == len(ids)
    assert naive["sync_calls"] == naive["products"]
    same = same_products("shopware6_ref", "shopware6_naive", ids)
    assert same["same"], same
    assert same["naive_products_in_shop"] == same["reference_products_in_shop"] == len(ids)

    # One product written differently in the naive shop: the check says so, and which.
    status, _ = Shopware6Hook("shopware6_naive").sync(
        {"x": {"entity": "product", "action": "upsert", "payload": [{"id": ids[0], "stock": 4321}]}}
    )
    assert status < 400
    changed = same_products("shopware6_ref", "shopware6_naive", ids)
    assert not changed["same"] and changed["sample_differing"] == {
        ids[0]: ["availableStock", "stock"]
    }


def test_a_sample_of_the_naive_writer_starts_with_the_parents(folder, tmp_path) -> None:  # noqa: ANN001
    naive = _naive(folder, 3, "shopware6_naive", tmp_path / "naive.sqlite")
    assert naive["products"] == naive["sync_calls"] == 3
    assert naive["parents"] == 3 and naive["refused"] == 0
