"""A plain `requests` client of the CS-Cart sandbox, for checking what a sync wrote.

Independent of pimflow's hook on purpose: a test that read the shop through the code under
test could not catch that code's mistakes.
"""

from __future__ import annotations

from typing import Any

import requests

EMAIL = "admin@example.com"
API_KEY = "pimflow-api-key"


class ShopReader:
    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.auth = (EMAIL, API_KEY)

    def get(self, path: str, **params: Any) -> Any:
        response = self.session.get(f"{self.url}/api/{path}", params=params, timeout=30)
        response.raise_for_status()
        return response.json()

    def items(self, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a list call, paging on `params.total_items`."""
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.get(path, page=page, items_per_page=100, **params)
            found = body[key]
            found = list(found.values()) if isinstance(found, dict) else found
            items.extend(found)
            total = int(body["params"]["total_items"])
            if not found or len(items) >= total:
                return items
            page += 1

    def products(self, **params: Any) -> dict[str, dict[str, Any]]:
        return {p["product_code"]: p for p in self.items("products", "products", **params)}

    def product(self, product_id: int | str, lang: str) -> dict[str, Any]:
        return self.get(f"products/{product_id}", lang_code=lang)

    def categories(self, lang: str) -> dict[int, dict[str, Any]]:
        return {
            int(c["category_id"]): c for c in self.items("categories", "categories", lang_code=lang)
        }

    def features(self, lang: str) -> dict[str, dict[str, Any]]:
        """By feature_code, with variants."""
        return {
            f["feature_code"]: f
            for f in self.items("features", "features", lang_code=lang, variants="Y")
        }

    def groups(self) -> list[dict[str, Any]]:
        return self.items("product_variations_groups", "groups")

    def languages(self) -> list[str]:
        return [lang["lang_code"] for lang in self.items("languages", "languages")]

    def images(self) -> dict[str, str]:
        """relative_path -> sha256 of every image the shop stored."""
        body = self.session.get(f"{self.url}/_sandbox/cscart/images", timeout=30).json()
        return {image["relative_path"]: image["sha256"] for image in body["images"]}

    def stats(self) -> dict[str, Any]:
        return self.session.get(f"{self.url}/_sandbox/stats", timeout=10).json()

    def reset_stats(self) -> None:
        self.session.delete(f"{self.url}/_sandbox/stats", timeout=10)

    def writes(self) -> dict[str, int]:
        """Calls that change something, by route, since the last reset."""
        calls = self.stats()["calls"]
        return {
            route: n
            for route, n in calls.items()
            if route.split(" ")[0] in ("POST", "PUT", "DELETE")
        }
