"""Auth, the hourly limit (509), and the framework's switches with CS-Cart's error bodies."""

from __future__ import annotations

import base64
import concurrent.futures
import time

import pytest
import requests
from cscart_support import API_KEY, EMAIL, Client, Shop


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Basic " + base64.b64encode(f"{EMAIL}:wrong".encode()).decode(),
        "Basic " + base64.b64encode(f"other@example.com:{API_KEY}".encode()).decode(),
        "Basic " + base64.b64encode(API_KEY.encode()).decode(),
        "Basic not-base64!",
        "Bearer " + API_KEY,
    ],
)
def test_requests_without_valid_credentials_get_401(shop: Shop, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}

    response = requests.get(shop.url + "/api/products", headers=headers, timeout=5)

    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized", "status": 401}
    assert response.headers["WWW-Authenticate"] == 'Basic realm="User email/API key"'
    assert API_KEY not in response.text


def test_the_email_is_case_blind_and_credentials_work_in_the_url(shop: Shop) -> None:
    upper = Client(shop.url + "/api", auth=(EMAIL.upper(), API_KEY))
    assert upper.get("/products").status_code == 200
    inline = shop.url.replace("http://", f"http://{EMAIL.replace('@', '%40')}:{API_KEY}@")
    assert requests.get(inline + "/api/products", timeout=5).status_code == 200


def test_the_hourly_limit_answers_509_until_the_hour_has_passed(shop: Shop) -> None:
    shop.app.hourly_limit = 3
    anonymous = Client(shop.url + "/api", auth=None)

    statuses = [shop.api.get("/version").status_code for _ in range(3)]
    assert anonymous.get("/version").status_code == 401  # not counted: nobody was authenticated
    blocked = shop.api.get("/products")

    assert statuses == [200, 200, 200]
    assert blocked.status_code == 509
    assert blocked.json() == {"message": "Bandwidth Limit Exceeded", "status": 509}
    assert 3500 <= int(blocked.headers["Retry-After"]) <= 3600
    # images are the web server's, not the API's: they do not count
    assert requests.get(shop.url + "/images/none.png", timeout=5).status_code == 404

    reset = shop.api.session.patch(shop.url + "/_sandbox/cscart/options", json={"hourly_limit": 5})
    assert reset.json()["hourly_limit"] == 5
    assert shop.api.get("/products").status_code == 200


def test_latency_is_added_to_every_call(shop: Shop) -> None:
    shop.server.switches.update(latency_ms=150)
    start = time.perf_counter()
    assert shop.api.get("/version").status_code == 200
    assert time.perf_counter() - start >= 0.15


def test_the_concurrency_limit_counts_per_user_and_answers_429(shop: Shop) -> None:
    shop.server.switches.update(max_concurrent=1, latency_ms=1500)
    other = Client(shop.url + "/api", auth=("someone-else@example.com", "nope"))

    requests.delete(f"{shop.url}/_sandbox/stats", timeout=30)  # peak_in_flight back to 0
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        slow = pool.submit(shop.api.get, "/version")
        # Until the slow call holds its slot (on a loaded machine a fixed pause may end
        # first); its 1.5 s latency then leaves the others ample time to meet it.
        deadline = time.monotonic() + 60
        while requests.get(f"{shop.url}/_sandbox/stats", timeout=30).json()["peak_in_flight"] < 1:
            assert time.monotonic() < deadline, "the slow call never started"
            time.sleep(0.01)
        second = pool.submit(shop.api.get, "/version")
        stranger = pool.submit(other.get, "/version")
        results = [slow.result(), second.result(), stranger.result()]

    assert results[0].status_code == 200
    assert results[1].status_code == 429
    assert results[1].json() == {"message": "Too Many Requests", "status": 429}
    assert results[1].headers["Retry-After"] == "1"
    assert results[2].status_code == 401  # another user's slot: not limited, then refused


def test_the_rate_limit_answers_429_with_retry_after(shop: Shop) -> None:
    shop.server.switches.update(rate_per_second=2)
    statuses = [shop.api.get("/version").status_code for _ in range(5)]
    assert statuses[:2] == [200, 200]
    assert 429 in statuses[2:]


def test_injected_errors_look_like_cscart_500s(shop: Shop) -> None:
    shop.server.switches.update(error_rate=1.0)
    response = shop.api.get("/products")
    assert response.status_code == 500
    assert response.json() == {
        "message": "Internal Server Error: injected by the sandbox",
        "status": 500,
    }


def test_dropped_connections_close_without_an_answer(shop: Shop) -> None:
    shop.server.switches.update(drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        requests.get(shop.url + "/api/version", auth=(EMAIL, API_KEY), timeout=5)
    shop.server.switches.update(drop_rate=0)
    assert shop.api.get("/version").json() == {"Version": "2.1"}


def test_page_size_limit_accept_and_method_errors(shop: Shop) -> None:
    shop.app.max_items_per_page = 100
    assert shop.api.get("/products", params={"items_per_page": 100}).status_code == 200
    too_many = shop.api.get("/products", params={"items_per_page": 101})
    assert too_many.status_code == 413
    assert (
        too_many.json()["message"] == "Request Entity Too Large: items_per_page may be at most 100"
    )
    assert shop.api.get("/categories", params={"items_per_page": 500}).status_code == 413
    assert shop.api.get("/products", headers={"Accept": "application/xml"}).status_code == 406
    assert shop.api.get("/products", headers={"Accept": "text/html, */*;q=0.1"}).status_code == 200
    patched = shop.api("PATCH", "/products", json={"price": 1})
    assert patched.json() == {"message": "Method Not Allowed", "status": 405}


def test_stats_count_calls_per_route(shop: Shop) -> None:
    shop.api.get("/products")
    shop.api.get("/2/products/")
    shop.api.get("/products/5")
    stats = shop.api.session.get(shop.url + "/_sandbox/stats").json()
    assert stats["calls"] == {"GET /api/products": 2, "GET /api/products/{id}": 1}
    assert stats["statuses"] == {"200": 2, "404": 1}


def test_options_are_checked(shop: Shop) -> None:
    url = shop.url + "/_sandbox/cscart/options"
    assert shop.api.session.patch(url, json={"image_errors": "maybe"}).status_code == 400
    assert shop.api.session.patch(url, json={"colour": "red"}).status_code == 400
    assert shop.api.session.patch(url, json={"items_per_page": 25}).json()["items_per_page"] == 25
    assert len(shop.api.get("/products").json()["products"]) == 0
    assert shop.api.get("/products").json()["params"]["items_per_page"] == 25


def test_a_lost_answer_keeps_the_write(shop: Shop) -> None:
    """`lost_answer_rate`: the product is created, the client gets no answer; switchable
    over HTTP and counted in the stats."""
    switches = shop.url + "/_sandbox/switches"
    category = shop.category()
    patched = shop.api.session.patch(switches, json={"lost_answer_rate": 1})
    assert patched.json()["lost_answer_rate"] == 1.0
    try:
        with pytest.raises(requests.ConnectionError):
            requests.post(
                shop.url + "/api/products",
                json={
                    "product": "Lost",
                    "product_code": "LOST-1",
                    "price": 5,
                    "category_ids": [category],
                },
                auth=(EMAIL, API_KEY),
                timeout=5,
            )
    finally:
        shop.api.session.patch(switches, json={"lost_answer_rate": 0})
    assert shop.api.session.get(switches).json()["lost_answer_rate"] == 0.0
    found = shop.api.get("/products", params={"pcode": "LOST-1"}).json()["products"]
    assert [p["product_code"] for p in found] == ["LOST-1"]
    stats = shop.api.session.get(shop.url + "/_sandbox/stats").json()
    assert stats["lost_answers"] == 1
    assert stats["lost_answers_by_route"] == {"POST /api/products": 1}
