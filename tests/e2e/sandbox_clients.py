"""Plain `requests` clients of the sandbox APIs, for checking what a sync did.

Deliberately independent of pimflow's hooks: a test that read the shop through the code
under test could not catch that code's mistakes.
"""

from __future__ import annotations

from typing import Any

import requests


class AkeneoReader:
    def __init__(self, url: str) -> None:
        self.url = url
        token = requests.post(
            f"{url}/api/oauth/v1/token",
            json={"grant_type": "password", "username": "admin", "password": "admin"},
            auth=("pimflow", "pimflow-secret"),
            timeout=30,
        )
        token.raise_for_status()
        self.headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

    def items(self, path: str, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        next_url: str | None = f"{self.url}/api/rest/v1/{path}"
        query: dict[str, Any] | None = {"limit": 100, **params}
        while next_url:
            response = requests.get(next_url, params=query, headers=self.headers, timeout=30)
            response.raise_for_status()
            body = response.json()
            items.extend(body["_embedded"]["items"])
            next_url = body["_links"].get("next", {}).get("href")
            query = None
        return items

    def products(self, **params: Any) -> list[dict[str, Any]]:
        return self.items("products-uuid", pagination_type="search_after", **params)


class ShopwareReader:
    def __init__(self, url: str) -> None:
        self.url = url
        token = requests.post(
            f"{url}/api/oauth/token",
            json={
                "grant_type": "client_credentials",
                "client_id": "pimflow",
                "client_secret": "pimflow-secret",
            },
            timeout=30,
        )
        token.raise_for_status()
        self.headers = {
            "Authorization": f"Bearer {token.json()['access_token']}",
            "Accept": "application/json",
        }

    def search(self, entity: str, criteria: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            body = {**(criteria or {}), "limit": 500, "page": page}
            response = requests.post(
                f"{self.url}/api/search/{entity}", json=body, headers=self.headers, timeout=60
            )
            response.raise_for_status()
            data = response.json()["data"]
            rows.extend(data)
            if len(data) < 500:
                return rows
            page += 1

    def stats(self) -> dict[str, Any]:
        return requests.get(f"{self.url}/_sandbox/stats", timeout=10).json()

    def writes(self) -> dict[str, int]:
        """Calls that change the catalog, by route, since the server started (searches
        and tokens are POSTs that do not)."""
        return {
            route: n
            for route, n in self.stats()["calls"].items()
            if route.split(" ")[0] in ("POST", "PATCH", "PUT", "DELETE")
            and "/api/search" not in route
            and "/oauth/token" not in route
        }
