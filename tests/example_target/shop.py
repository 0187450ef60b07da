"""A third shop, written from tests/ alone: proof that a target needs no edit in pimflow.

The "shop" is one JSON file (the connection's host): product identifier → name. It is
registered by the entry point in `registration/…dist-info/entry_points.txt`, found when
that folder is on the Python path, the way an installed target package would be.
"""

from __future__ import annotations

import json as _json
from pathlib import Path
from typing import Any

from pimflow.targets.base import MappingCheck, MappingProblem, ShopTarget, Stage, StageContext

# Like any target module, this one imports Airflow (and what imports it) only where used.


class JsonShopHook:
    """Reads and writes the shop file, one `request(method, path)` per call as the HTTP
    hooks have it (so the core's dry run records its writes: no dry-run code here); counts
    its calls like the real hooks."""

    def __init__(self, conn_id: str) -> None:
        from airflow.sdk import BaseHook

        self.path = Path(BaseHook.get_connection(conn_id).host)
        self.total_calls = 0

    def request(self, method: str, path: str, *, json: Any = None, **_: Any) -> Any:
        """`GET /products` (the file's products) or `PUT /products` (the file's new content),
        answered like an HTTP response."""
        from pimflow.dry_run import local_response

        self.total_calls += 1
        if (method, path) == ("GET", "/products"):
            text = self.path.read_text() if self.path.exists() else "{}"
            return local_response(200, _json.loads(text))
        if (method, path) == ("PUT", "/products"):
            self.path.write_text(_json.dumps(json, sort_keys=True))
            return local_response(200, {})
        return local_response(404, {"message": f"no {method} {path}"})

    def read(self) -> dict[str, str]:
        return self.request("GET", "/products").json()

    def write(self, products: dict[str, str]) -> None:
        self.request("PUT", "/products", json=products)


def write_products(context: StageContext) -> dict[str, Any]:
    """Each product's name (its first label value), sent only when it changed."""
    from pimflow.akeneo.datasets import PRODUCTS
    from pimflow.staging import read_rows
    from pimflow.state import payload_hash

    label = context.mapping["name_attribute"]
    names = {}
    for row in read_rows(context.folder, PRODUCTS):
        values = (row["values"] or {}).get(label) or [{"data": row["identifier"]}]
        names[row["identifier"]] = str(values[0]["data"])
    known = context.store.hashes("jsonshop", "product", names)
    changed = {k: v for k, v in names.items() if known.get(k) != payload_hash(v)}
    shop = context.hook.read()
    if changed:
        context.hook.write({**shop, **changed})
        context.store.save("jsonshop", "product", {k: payload_hash(v) for k, v in changed.items()})
    created = sum(1 for key in changed if key not in shop)
    counts = {
        "read": len(names),
        "created": created,
        "updated": len(changed) - created,
        "unchanged": len(names) - len(changed),
    }
    return {"counts": {"product": counts}, "errors": []}


class JsonShopTarget(ShopTarget):
    type_name = "jsonshop"
    title = "JSON file shop"
    hook_class = "tests.example_target.shop:JsonShopHook"
    connection_type = "jsonshop"
    dag_doc = "2. **jsonshop**: every product's name into one JSON file.\n"

    def load_mapping(self, path: str | None) -> dict[str, str]:
        """`name_attribute: <code>` in a YAML file; `name` by default."""
        import yaml

        return {
            "name_attribute": "name",
            **(yaml.safe_load(Path(path).read_text()) if path else {}),
        }

    def check_mapping(self, mapping: dict[str, str], source: str, profile: Any) -> MappingCheck:
        code = mapping["name_attribute"]
        check = MappingCheck(source, resolved={"name": code})
        reason = profile.check_attribute(code, {"pim_catalog_text", "pim_catalog_textarea"})
        if reason:
            check.problems.append(MappingProblem("name_attribute", code, reason))
        return check

    def stages(self) -> tuple[Stage, ...]:
        return (Stage("products", write_products, needs=("akeneo.products",)),)
