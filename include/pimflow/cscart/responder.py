"""How CS-Cart answers a dry run's writes (the core's recorder, pimflow/dry_run.py, asks).

CS-Cart gives ids to what it creates, and the stages use them (a product names its
categories' and features' ids, a variation group its products'), so a write is answered
as CS-Cart would answer it: with a placeholder id for what it would create. Placeholders
are negative integers (-1, -2, ...): clearly fake, never a CS-Cart id; they live in the
dry run's snapshots (the run folder), never in the state store or the shop.

- A write to an existing product, category or feature is first checked with a GET (once
  per id), so what the shop no longer has is answered 404, as it would be; what the dry run
  deleted is answered 404 too.
- A feature's variants as the dry run wrote them are remembered, so reading the feature
  back (`GET features/:id`, which the features stage does after a write) shows them; a
  placeholder feature is answered here, any other placeholder read is refused.

What a later task needs (the next placeholder, what is known to exist, the variants) is
the responder's `state()`, saved with the task's snapshot.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from pimflow.dry_run import Answer, Call, DryRunViolation, Responder, Shop

# Collections whose items a dry-run write checks for (GET <collection>/<id>) first, because
# the stages treat a 404 there as "deleted in the shop since".
CHECKED = frozenset({"products", "categories", "features"})
# The id field CS-Cart answers a create with.
CREATED_ID = {"categories": "category_id", "features": "feature_id", "products": "product_id"}
NOT_FOUND = {"message": "Not Found: the object does not exist (dry run)", "status": 404}


def is_placeholder(remote_id: Any) -> bool:
    try:
        return int(remote_id) < 0
    except (TypeError, ValueError):
        return False


def split(resource: str) -> tuple[str, int | None, str]:
    """`vendors/3/products/12` or `products/12` → ("products", 12, ""); `features` →
    ("features", None, ""); `product_variations_groups/-2/x` → (..., -2, "x")."""
    parts = resource.strip("/").split("?", 1)[0].split("/")
    if len(parts) >= 2 and parts[0] in ("vendors", "stores"):
        parts = parts[2:]
    collection = parts[0] if parts else ""
    item = None
    if len(parts) > 1 and re.fullmatch(r"-?\d+", parts[1]):
        item = int(parts[1])
    return collection, item, "/".join(parts[2:])


class CsCartResponder(Responder):
    """A CS-Cart shop as a dry run sees it (see the module)."""

    def __init__(self, hook: Any, check_existing: bool = True) -> None:
        self._hook = hook
        self._check_existing = check_existing
        self._lock = threading.Lock()
        self._next = -1
        self._exists: dict[tuple[str, int], bool] = {}
        # feature id -> variant id -> lang -> name: the variants as this dry run wrote them
        self._variants: dict[int, dict[int, dict[str, str]]] = {}

    def placeholder(self) -> int:
        with self._lock:
            self._next -= 1
            return self._next + 1

    def _resource(self, call: Call) -> tuple[str, int | None, str]:
        return split(call.path.removeprefix(self._hook.api("")))

    # -- writes ------------------------------------------------------------------------------
    def write(self, call: Call, shop: Shop) -> Answer:
        collection, item, rest = self._resource(call)
        body = call.body or {}
        if item is not None and not rest and not self._still_there(collection, item, shop):
            return 404, NOT_FOUND
        if call.method == "POST" and item is None:
            return self._create(collection, body)
        if call.method == "PUT" and collection == "features" and item is not None:
            self._put_variants(item, body)
        if call.method == "DELETE":
            if item is not None and not rest:
                with self._lock:
                    self._exists[(collection, item)] = False
            return 204, None
        return 200, {CREATED_ID[collection]: str(item)} if collection in CREATED_ID else {}

    # -- reads -------------------------------------------------------------------------------
    def read(self, call: Call, shop: Shop) -> Answer:
        collection, item, rest = self._resource(call)
        if item is not None and item < 0:
            if collection == "features" and not rest and item in self._variants:
                return 200, self._feature_body(item, {"feature_id": str(item)}, call.params)
            raise DryRunViolation(f"dry run: {call.path} is a placeholder, not in the shop")
        if item is not None and not self._still_there(collection, item, shop):
            return 404, NOT_FOUND
        response = shop(call)
        status = response.status_code
        if item is not None and not rest:
            with self._lock:
                self._exists[(collection, item)] = status < 400
        if collection == "features" and item in self._variants and not rest and status < 400:
            return status, self._feature_body(item, response.json() or {}, call.params)
        return response

    def _still_there(self, collection: str, item: int, shop: Shop) -> bool:
        """False for what this dry run deleted, or (checked once) the shop does not have."""
        if item < 0:
            return True
        with self._lock:
            known = self._exists.get((collection, item))
        if known is not None:
            return known
        if not self._check_existing or collection not in CHECKED:
            return True
        path = self._hook.api(f"{collection}/{item}")
        status = shop(Call("GET", path, {"ok_statuses": (404,)})).status_code
        with self._lock:
            self._exists[(collection, item)] = status != 404
        return status != 404

    # -- what CS-Cart would create -----------------------------------------------------------
    def _create(self, collection: str, body: Mapping[str, Any]) -> Answer:
        new_id = self.placeholder()
        if collection == "product_variations_groups":
            group = {
                "id": new_id,
                "code": body.get("code", ""),
                "features": list(body.get("features") or []),
                "products": [{"product_id": pid} for pid in body.get("product_ids") or []],
            }
            return 201, {"message": "", "group": group, "products_status": {}}
        if collection == "features":
            lang = str(body.get("lang_code") or "")
            variants = {
                self.placeholder(): {lang: str(v.get("variant", ""))}
                for v in body.get("variants") or []
            }
            with self._lock:
                self._variants[new_id] = variants
        return 201, {CREATED_ID.get(collection, "id"): new_id}

    def _put_variants(self, feature_id: int, body: Mapping[str, Any]) -> None:
        """A feature PUT lists all its variants: the ones left out are gone, the ones
        without an id are new."""
        if "variants" not in body:
            return
        lang = str(body.get("lang_code") or "")
        with self._lock:
            before = self._variants.get(feature_id, {})
        after: dict[int, dict[str, str]] = {}
        for variant in body["variants"] or []:
            vid = variant.get("variant_id")
            vid = int(vid) if vid not in (None, "") else self.placeholder()
            names = dict(before.get(vid, {}))
            names[lang] = str(variant.get("variant", ""))
            after[vid] = names
        with self._lock:
            self._variants[feature_id] = after

    def _feature_body(
        self, feature_id: int, answer: Mapping[str, Any], params: Mapping[str, Any]
    ) -> dict[str, Any]:
        lang = str(params.get("lang_code") or "")
        shop = answer.get("variants") or {}
        shop_items = shop.values() if isinstance(shop, dict) else shop
        shop_names = {int(v["variant_id"]): str(v.get("variant", "")) for v in shop_items}
        with self._lock:
            variants = dict(self._variants.get(feature_id, {}))
        items = {}
        for position, (vid, names) in enumerate(variants.items()):
            name = names.get(lang) or shop_names.get(vid) or next(iter(names.values()), "")
            items[str(vid)] = {"variant_id": str(vid), "variant": name, "position": position}
        return {**answer, "variants": items}

    # -- across tasks ------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "next": self._next,
                "exists": [[c, i, there] for (c, i), there in sorted(self._exists.items())],
                # Lists, not objects: the variants' order is their position.
                "variants": [
                    [fid, [[vid, names] for vid, names in variants.items()]]
                    for fid, variants in self._variants.items()
                ],
            }

    def load(self, states: Sequence[Mapping[str, Any]]) -> None:
        with self._lock:
            for state in states:
                self._next = min(self._next, int(state["next"]))
                self._exists.update({(c, int(i)): there for c, i, there in state["exists"]})
                for fid, variants in state["variants"]:
                    self._variants[int(fid)] = {int(vid): dict(names) for vid, names in variants}
