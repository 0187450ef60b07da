"""The removals stage: what left Akeneo leaves the shop (after a complete read only).

A product the id map knows but this run did not read is gone from Akeneo (or from the run's
filter): it is disabled, deleted or kept, per `removed_products`. A category gone from the
channel's tree likewise, per `categories.removed` — after the products stage moved pimflow's
products out of it, because CS-Cart deletes the products a deleted category leaves without
one. A delta read or a `product_limit` sees only part of the catalog: nothing is removed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pimflow.akeneo.datasets import PRODUCTS
from pimflow.cscart.config import CsCartMapping
from pimflow.cscart.hook import CsCartHook, refusal
from pimflow.cscart.mapping import UNCLASSIFIED_KEY, product_key
from pimflow.cscart.upload import (
    CATEGORY,
    PRODUCT,
    REMOVED,
    load_category_rows,
)
from pimflow.hooks.base import ApiError
from pimflow.results import StageResult
from pimflow.staging import read_rows
from pimflow.state import StateStore

log = logging.getLogger(__name__)


class Removals:
    def __init__(
        self, hook: CsCartHook, store: StateStore, target: str, mapping: CsCartMapping
    ) -> None:
        self.hook = hook
        self.store = store
        self.target = target
        self.mapping = mapping
        self.result = StageResult()

    def _apply(
        self,
        entity: str,
        resource: str,
        gone: Mapping[str, int],
        policy: str,
        label: Callable[[str, Any], str],
    ) -> None:
        """Disable (PUT status D, once) or delete each of `gone`; keep does nothing.

        What left Akeneo was not read, so it counts apart from `read`: `deactivated` or
        `deleted`. Only a removal that fails counts `read` and `failed`, so that every
        entity's `read = created + updated + unchanged + skipped + failed` holds. One already
        disabled, or already gone from the shop, costs nothing and counts nothing."""
        if policy == "keep" or not gone:
            if gone:
                self.result.extra.setdefault("kept", {})[entity] = len(gone)
            return
        known = self.store.hashes(self.target, entity, list(gone))
        last = self.store.payloads(self.target, entity, list(gone))

        def remove(item: tuple[str, int]) -> tuple[str, str, str]:
            key, remote_id = item
            # Both are safe to resend after a lost answer: a DELETE again meets 404 (gone,
            # as wanted), a PUT of the status writes it again.
            try:
                if policy == "delete":
                    self.hook.send("DELETE", f"{resource}/{remote_id}", ok_statuses=(404,))
                    return key, "deleted", ""
                if known.get(key) == REMOVED:
                    return key, "unchanged", ""
                status, _ = self.hook.send(
                    "PUT", f"{resource}/{remote_id}", {"status": "D"}, ok_statuses=(404,)
                )
                return key, "gone" if status == 404 else "deactivated", ""
            except ApiError as exc:
                field_name, reason = refusal(exc)
                return key, "failed", f"{field_name or 'status'}\0{reason}"

        # Recorded item after item, committed a batch at a time (and at the end, however it ends).
        with self.store.batched(), ThreadPoolExecutor(self.hook.max_concurrency) as pool:
            for key, status, error in pool.map(remove, sorted(gone.items())):
                identifier = label(key, last.get(key))
                if status == "failed":
                    field_name, reason = error.split("\0", 1)
                    self.result.count(entity, "read")
                    self.result.fail(entity, identifier, field_name, reason)
                elif status in ("deleted", "gone"):
                    # Forget it: should it come back to Akeneo, it is created anew.
                    self.store.forget_remote_ids(self.target, entity, [key])
                    self.store.save(self.target, entity, {key: REMOVED})
                    if status == "deleted":
                        self.result.count(entity, "deleted")
                        self.result.plan(entity, identifier, "delete", last.get(key))
                    else:
                        log.info("%s is gone from CS-Cart already: forgotten", identifier)
                elif status == "deactivated":
                    self.store.save(self.target, entity, {key: REMOVED})
                    self.result.count(entity, "deactivated")
                    self.result.plan(entity, identifier, "deactivate", last.get(key))

    def products(self, folder: Any) -> None:
        read = {product_key(row) for row in read_rows(folder, PRODUCTS)}
        known = {k: int(v) for k, v in self.store.remote_ids(self.target, PRODUCT).items()}
        gone = {key: pid for key, pid in known.items() if key not in read}
        self._apply(
            PRODUCT,
            "products",
            gone,
            self.mapping.removed_products,
            lambda key, last: str((last or {}).get("product_code") or f"product {key}"),
        )

    def categories(self, folder: Any, structure: Mapping[str, Any]) -> None:
        staged = {
            row["code"]
            for row in load_category_rows(folder, structure.get("category_tree"), self.mapping)
        }
        known = {k: int(v) for k, v in self.store.remote_ids(self.target, CATEGORY).items()}
        gone = {
            key: cid for key, cid in known.items() if key not in staged and key != UNCLASSIFIED_KEY
        }
        self._apply(
            CATEGORY,
            "categories",
            gone,
            self.mapping.removed_categories,
            lambda key, last: f"category {key}",
        )


def sync_removals(
    hook: CsCartHook,
    store: StateStore,
    target: str,
    folder: Any,
    structure: Mapping[str, Any],
    mapping: CsCartMapping,
    complete_read: bool,
) -> StageResult:
    removals = Removals(hook, store, target, mapping)
    if not complete_read:
        removals.result.extra["skipped"] = "not a reconcile run (only mode reconcile removes)"
        return removals.result
    removals.products(folder)
    removals.categories(folder, structure)
    return removals.result
