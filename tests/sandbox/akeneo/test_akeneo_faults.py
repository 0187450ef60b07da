"""Auth, token expiry, and every limit and fault switch, with Akeneo's answers."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from .conftest import BASIC, Client, start

TOKEN = "/api/oauth/v1/token"


def test_password_and_refresh_grants_with_json_and_form_bodies(demo: Client) -> None:
    form = requests.post(
        demo.url + TOKEN,
        data={"grant_type": "password", "username": "admin", "password": "admin"},
        headers={"Authorization": BASIC},
        timeout=10,
    )
    assert form.status_code == 200
    body = form.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600 and body["scope"] is None
    refreshed = requests.post(
        demo.url + TOKEN,
        json={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
        headers={"Authorization": BASIC},
        timeout=10,
    )
    assert refreshed.status_code == 200 and refreshed.json()["access_token"] != body["access_token"]
    reused = requests.post(
        demo.url + TOKEN,
        json={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
        headers={"Authorization": BASIC},
        timeout=10,
    )
    assert reused.json() == {"code": 422, "message": "Refresh token is invalid or has expired"}
    wrong_client = requests.post(
        demo.url + TOKEN,
        json={"grant_type": "password", "username": "admin", "password": "admin"},
        headers={"Authorization": "Basic cGltZmxvdzpub3BlCg=="},
        timeout=10,
    )
    assert wrong_client.json() == {
        "code": 422,
        "message": 'Parameter "client_id" is missing or does not match any client, or secret is invalid',
    }
    assert "pimflow-secret" not in wrong_client.text


def test_missing_invalid_and_expired_tokens_get_401() -> None:
    server = start("empty", token_lifetime="1")
    try:
        client = Client(server)
        assert client.get("/api/rest/v1/channels").status_code == 200
        invalid = requests.get(
            client.url + "/api/rest/v1/channels",
            headers={"Authorization": "Bearer nope"},
            timeout=10,
        )
        assert invalid.json() == {"code": 401, "message": "The access token provided is invalid."}
        time.sleep(1.2)
        expired = client.get("/api/rest/v1/channels")
        assert expired.status_code == 401
        assert expired.json() == {"code": 401, "message": "The access token provided has expired."}
    finally:
        server.stop()


def test_rate_limit_answers_429_with_retry_after(fresh: Client) -> None:
    fresh.server.switches.update(rate_per_second=1)
    statuses = [fresh.get("/api/rest/v1/channels") for _ in range(3)]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited, [r.status_code for r in statuses]
    assert int(limited[0].headers["Retry-After"]) >= 1
    assert limited[0].json() == {
        "code": 429,
        "message": "You have exceeded the limit of API requests per second.",
    }


def test_concurrency_is_limited_per_api_connection_whatever_its_tokens(fresh: Client) -> None:
    fresh.server.switches.update(max_concurrent=1, latency_ms=1500)
    other = Client(fresh.server)  # a second token of the same connection
    results: dict[str, int] = {}

    def call(name: str, client: Client) -> None:
        results[name] = client.get("/api/rest/v1/channels").status_code

    requests.delete(f"{fresh.url}/_sandbox/stats", timeout=30)  # peak_in_flight back to 0
    first = threading.Thread(target=call, args=("first", fresh))
    first.start()
    # Until the first call holds its slot (on a loaded machine a fixed pause may end first);
    # its 1.5 s latency then leaves the other two calls ample time to meet it.
    deadline = time.monotonic() + 60
    while fresh.get("/_sandbox/stats").json()["peak_in_flight"] < 1:
        assert time.monotonic() < deadline, "the first call never started"
        time.sleep(0.01)
    call("same_token", fresh)
    call("other_token", other)
    first.join()
    assert results == {"first": 200, "same_token": 429, "other_token": 429}
    assert fresh.get("/_sandbox/stats").json()["peak_in_flight"] == 1


def test_injected_500_dropped_connections_and_latency(fresh: Client) -> None:
    fresh.server.switches.update(error_rate=1.0)
    failed = fresh.get("/api/rest/v1/channels")
    assert failed.status_code == 500 and failed.json() == {
        "code": 500,
        "message": "Internal Server Error",
    }
    fresh.server.switches.update(error_rate=0.0, drop_rate=1.0)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(
            fresh.url + "/api/rest/v1/channels",
            headers={"Authorization": f"Bearer {fresh.token}"},
            timeout=10,
        )
    fresh.server.switches.update(drop_rate=0.0, latency_ms=300)
    started = time.monotonic()
    assert fresh.get("/api/rest/v1/channels").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_uri_over_8192_characters_gets_414(demo: Client) -> None:
    codes = ",".join(f"attribute_{i:05d}" for i in range(600))
    response = demo.get(
        f'/api/rest/v1/attributes?search={{"code":[{{"operator":"IN","value":["{codes}"]}}]}}'
    )
    assert response.status_code == 414
    assert demo.get("/api/rest/v1/attributes?limit=1").status_code == 200


def test_a_lost_answer_keeps_the_write(fresh: Client) -> None:
    """`lost_answer_rate`: the call is handled, then its connection closes with no answer."""
    fresh.server.switches.update(lost_answer_rate=1.0)
    body = {"identifier": "lost-1", "family": "electronics", "categories": ["speakers"]}
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(
            fresh.url + "/api/rest/v1/products",
            json=body,
            headers={"Authorization": f"Bearer {fresh.token}"},
            timeout=10,
        )
    fresh.server.switches.update(lost_answer_rate=0.0)
    stats = requests.get(fresh.url + "/_sandbox/stats", timeout=10).json()
    assert stats["lost_answers"] == 1
    assert stats["lost_answers_by_route"] == {"POST /api/rest/v1/products": 1}
    assert fresh.get("/api/rest/v1/products/lost-1").json()["family"] == "electronics"
