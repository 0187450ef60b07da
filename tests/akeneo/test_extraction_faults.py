"""Extraction against a flaky, slow, rate-limited Akeneo: the same staged catalog as
against a healthy one, with Akeneo's limits honoured (the sandbox's fault switches)."""

from __future__ import annotations

import json
import threading

import requests

from pimflow.akeneo.datasets import PRODUCTS
from pimflow.akeneo.linked import _read_items
from pimflow.hooks.akeneo import AkeneoHook
from pimflow.staging import read_rows
from pimflow_sandbox.server import Switches
from tests.akeneo.conftest import stage_everything


def _products(staged) -> dict:
    return {row["uuid"]: row for row in read_rows(staged.folder, PRODUCTS)}


def test_injected_500s_and_dropped_connections_are_retried_to_the_same_result(akeneo):
    server = akeneo()
    clean = _products(stage_everything(run="clean"))
    server.switches.update(error_rate=0.15, drop_rate=0.05, seed=3)
    flaky = _products(stage_everything(run="flaky"))
    stats = server.stats.snapshot()
    assert stats["statuses"].get("500", 0) > 0 and stats["calls"].get("(dropped)", 0) > 0
    assert flaky == clean


def test_429_with_retry_after_is_honoured_under_a_concurrency_limit(akeneo):
    server = akeneo(switches=Switches(max_concurrent=1))
    hook = AkeneoHook()  # the media stage downloads with 4 threads: over the limit
    staged = stage_everything()
    statuses = server.stats.snapshot()["statuses"]
    assert statuses.get("429", 0) > 0, "the limit was never hit: the test proves nothing"
    assert staged.media["failed"] == [] and staged.media["downloaded"] > 0
    assert hook.max_concurrency == 4


def test_a_rate_limit_is_waited_out(akeneo):
    server = akeneo(switches=Switches(rate_per_second=15))
    limited = stage_everything(run="limited", partitions=1)
    assert server.stats.snapshot()["statuses"].get("429", 0) > 0
    assert limited.media["failed"] == [] and limited.media["downloaded"] > 0
    server.switches.update(rate_per_second=0)
    assert _products(limited) == _products(stage_everything(run="clean", partitions=1))


class CallClock:
    """Time that passes only as the sandbox serves: 1/16 s each time it reads the clock
    (once per API call, once per token granted). The hook reads it without moving it.
    Shared by both, it makes token expiry a matter of calls, not of how loaded the machine
    is: a 1 s token lasts 15 calls whatever the wall clock does (sixteenths add up exactly)."""

    STEP = 1 / 16

    def __init__(self) -> None:
        self.now = 1000.0
        self._lock = threading.Lock()

    def served(self) -> float:
        with self._lock:
            self.now += self.STEP
            return self.now

    def read(self) -> float:
        with self._lock:
            return self.now


def _read_all_products(hook: AkeneoHook) -> list[str]:
    pages = hook.iter_items("/products-uuid", {"limit": 5, "pagination_type": "search_after"})
    return [item["uuid"] for item in pages]


def test_tokens_expiring_mid_run_are_renewed_without_losing_a_page(akeneo):
    server = akeneo(token_lifetime="1")
    clock = CallClock()
    server.app.clock = clock.served
    hook = AkeneoHook()
    hook.clock = clock.read
    uuids = _read_all_products(hook)
    # 40 pages, 1/16 s each: 2.5 s of a 1 s token's life, so it expired twice.
    assert len(uuids) == len(set(uuids)) == 200
    assert hook.calls["POST /api/oauth/v1/token"] == 3
    statuses = server.stats.snapshot()["statuses"]
    assert statuses.get("401", 0) == 0  # renewed ahead of expiry, never refused


def test_a_token_expired_before_renewal_is_renewed_once_per_refusal(akeneo):
    """The same read by a hook whose clock stands still: it never renews ahead, so the
    sandbox refuses each expired token (expiry is enforced), and each refusal costs one
    renewal and one repeated call, no page."""
    server = akeneo(token_lifetime="1")
    clock = CallClock()
    server.app.clock = clock.served
    hook = AkeneoHook()
    hook.clock = lambda: 0.0
    uuids = _read_all_products(hook)
    assert len(uuids) == len(set(uuids)) == 200
    grants = hook.calls["POST /api/oauth/v1/token"]
    refused = server.stats.snapshot()["statuses"].get("401", 0)
    assert grants >= 3 and refused == grants - 1


def test_long_in_lists_are_split_below_the_uri_limit(akeneo):
    server = akeneo()
    hook = AkeneoHook()
    real = [item["code"] for item in hook.iter_items("/reference-entities/brand/records")]
    padding = [f"no_such_record_with_a_long_code_{i:05d}" for i in range(800)]
    found = [
        item["code"]
        for item in _read_items(
            hook,
            "/api/rest/v1/reference-entities/brand/records",
            padding + real,
            "ecommerce",
            ["en_US"],
        )
    ]
    assert sorted(found) == sorted(real)
    stats = server.stats.snapshot()
    assert stats["statuses"].get("414", 0) == 0
    record_calls = sum(n for route, n in stats["calls"].items() if route.endswith("/records"))
    assert record_calls > 2  # the list was cut into several requests
    # The sandbox does refuse such a URI in one piece: the split is what avoids it.
    search = json.dumps({"code": [{"operator": "IN", "value": padding + real}]})
    whole = requests.get(
        f"{server.url}/api/rest/v1/reference-entities/brand/records",
        params={"search": search},
        headers=hook.auth_headers(),
        timeout=30,
    )
    assert whole.status_code == 414
