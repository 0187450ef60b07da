"""The framework's switches on the Shopware sandbox: Shopware's 429/500 bodies, limits per token."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from .conftest import Api


def test_latency(server, api):
    server.switches.update(latency_ms=150)
    started = time.perf_counter()
    assert api.call("POST", "/api/search/tax", {}).status_code == 200
    assert time.perf_counter() - started >= 0.15


def test_rate_limit_answers_429_with_retry_after(server, api):
    server.switches.update(rate_per_second=2)
    statuses = [api.call("POST", "/api/search/tax", {}) for _ in range(5)]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited, [r.status_code for r in statuses]
    response = limited[0]
    assert int(response.headers["Retry-After"]) >= 1
    (error,) = response.json()["errors"]
    assert error["code"] == "FRAMEWORK__RATE_LIMIT_EXCEEDED" and error["status"] == "429"
    # the limit counts per token: another client is not slowed down by the first one
    other = Api(server.url).authenticate()
    assert other.call("POST", "/api/search/tax", {}).status_code == 200


def test_max_concurrent_per_token(server, api):
    server.switches.update(max_concurrent=1, latency_ms=300)
    results: list[int] = []

    def call() -> None:
        results.append(api.call("POST", "/api/search/tax", {}).status_code)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results)[0] == 200 and 429 in results, results


def test_injected_errors_have_shopware_bodies(server, api):
    server.switches.update(error_rate=1.0)
    response = api.call("POST", "/api/search/tax", {})
    assert response.status_code == 500
    (error,) = response.json()["errors"]
    assert error["status"] == "500" and error["title"] == "Internal Server Error"
    server.switches.update(error_rate=0.0)
    assert api.call("POST", "/api/search/tax", {}).status_code == 200


def test_dropped_connections(server, api):
    server.switches.update(drop_rate=1.0)
    with pytest.raises(requests.exceptions.ConnectionError):
        api.call("POST", "/api/search/tax", {})
    server.switches.update(drop_rate=0.0)
    api.http.close()
    assert api.call("POST", "/api/search/tax", {}).status_code == 200


def test_switches_and_stats_over_http(server, api):
    patched = requests.patch(f"{server.url}/_sandbox/switches", json={"latency_ms": 5})
    assert patched.json()["latency_ms"] == 5
    requests.delete(f"{server.url}/_sandbox/stats")
    api.call(
        "POST",
        "/api/_action/sync",
        [{"entity": "tax", "action": "upsert", "payload": [{"name": "x", "taxRate": 5}]}],
    )
    stats = requests.get(f"{server.url}/_sandbox/stats").json()
    assert stats["calls"] == {"POST /api/_action/sync": 1}


def test_a_lost_answer_keeps_the_write(server, api):
    """`lost_answer_rate`: the sync is applied, its answer never sent; seeded by `seed`."""
    server.switches.update(lost_answer_rate=1.0)
    row = {"id": "a" * 32, "name": "Lost answer", "taxRate": 5}
    with pytest.raises(requests.exceptions.ConnectionError):
        api.call(
            "POST", "/api/_action/sync", [{"entity": "tax", "action": "upsert", "payload": [row]}]
        )
    server.switches.update(lost_answer_rate=0.0)
    api.http.close()
    assert api.one("tax", "a" * 32)["name"] == "Lost answer"
    assert requests.get(f"{server.url}/_sandbox/stats").json()["lost_answers"] >= 1


def test_lost_answers_follow_the_fault_seed(server):
    rolls = []
    for seed in (7, 8, 7):  # a new seed restarts the sequence
        server.switches.update(lost_answer_rate=0.5, seed=seed)
        rolls.append([server.answer_lost() for _ in range(20)])
    server.switches.update(lost_answer_rate=0.0, seed=0)
    assert rolls[0] == rolls[2] != rolls[1] and True in rolls[0] and False in rolls[0]
