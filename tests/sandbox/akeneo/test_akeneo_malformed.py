"""Issue #16's reproductions: malformed writes and unknown methods get Akeneo's 4xx, not a 500."""

from __future__ import annotations

import requests

from .conftest import Client


def test_non_string_codes_are_a_type_error(fresh: Client) -> None:
    for body in (
        {"code": "x", "attributes": [1.5, None]},
        {"code": "x", "attribute_requirements": {"ecommerce": [None, 1.5]}},
        {"code": "x", "attribute_requirements": {"no_such_channel": [{}]}},
    ):
        response = fresh.post("/api/rest/v1/families", body)
        assert response.status_code == 422, response.text
        assert "expects an array of strings" in response.json()["message"]


def test_a_huge_price_is_kept_in_full(fresh: Client) -> None:
    product = fresh.get("/api/rest/v1/products?limit=1").json()["_embedded"]["items"][0]
    path = "/api/rest/v1/products/" + product["identifier"]
    price = {"locale": None, "scope": None, "data": [{"amount": "1e30", "currency": "EUR"}]}
    assert fresh.patch(path, {"values": {"price": [price]}}).status_code == 204
    amounts = [p["amount"] for p in fresh.get(path).json()["values"]["price"][0]["data"]]
    assert "1000000000000000000000000000000.00" in amounts
    price["data"][0]["amount"] = "1e400"  # past PHP's doubles: not a number
    assert fresh.patch(path, {"values": {"price": [price]}}).status_code == 422


def test_unsupported_methods_are_405_with_allow(fresh: Client) -> None:
    for method in ("TRACE", "OPTIONS", "BREW"):
        response = fresh.request(method, "/api/rest/v1/families")
        assert response.status_code == 405, (method, response.text)
        assert response.headers["Allow"] == "GET, POST, PATCH"
        assert response.json()["code"] == 405
    unknown = requests.request("TRACE", fresh.url + "/api/rest/v1/no-such-thing", timeout=10)
    assert unknown.status_code == 404
