"""The variations stage: Akeneo product models become CS-Cart variation groups.

A root product model is one variation group (code: the model's code), whose products are
its variant products (of both levels for a two-level model) and whose features are the
family variant's axes: an upper-level axis as "variations as separate products", the last
level's as "variations as one product" (configurable).

After a full read, each group is made exact: a group whose features or products differ is
topped up (products attached one by one) or, when something must leave it, disbanded and
created again (CS-Cart has no call to take one product out); groups of models gone from
Akeneo are disbanded. A delta read only adds its variant products to their groups. What was
reconciled is remembered by hash, so an unchanged group costs no call.

A group create whose answer was lost is looked up by its code (CS-Cart's codes are unique)
before it is posted again, and the group found is adopted (counted in `adopted`), its
missing products attached. Attaching (a PUT) and disbanding (a DELETE, whose resend meets
404) are safe to send again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pimflow.akeneo.datasets import PRODUCT_MODELS, PRODUCTS
from pimflow.akeneo.structure import load_family_variants
from pimflow.cscart.config import CsCartMapping
from pimflow.cscart.hook import CsCartHook, refusal
from pimflow.cscart.mapping import group_code, group_features, product_key
from pimflow.cscart.upload import (
    FEATURE,
    PRODUCT,
    VARIATION_GROUP,
    VARIATION_MEMBER,
    VARIATION_SUBMODEL,
)
from pimflow.hooks.base import ApiError
from pimflow.results import StageResult
from pimflow.staging import read_rows
from pimflow.state import StateStore, payload_hash

log = logging.getLogger(__name__)

GROUP = "variation_group"
# Group::attachProduct's results (Tygh\Addons\ProductVariations\Product\Group\Group).
ATTACH_REASONS = {
    "253": "it belongs to another vendor than the group's other products",
    "254": "another product of the group has the same values of the variant axes",
    "255": "it has no value for some of the variant axes",
}


@dataclass
class _Group:
    """One root model's group as Akeneo defines it."""

    root: str
    code: str
    features: list[tuple[int, str]] | None  # (feature_id, purpose); None: not known this run
    members: list[tuple[str, str, int]] = field(default_factory=list)  # identifier, key, pid
    submodels: set[str] = field(default_factory=set)
    group_id: int | None = None  # known from the id map
    error: str = ""

    @property
    def product_ids(self) -> list[int]:
        return [pid for _, _, pid in sorted(self.members)]


class VariationSync:
    def __init__(
        self, hook: CsCartHook, store: StateStore, target: str, mapping: CsCartMapping
    ) -> None:
        self.hook = hook
        self.store = store
        self.target = target
        self.mapping = mapping
        self.result = StageResult()
        self.groups = {k: int(v) for k, v in store.remote_ids(target, VARIATION_GROUP).items()}
        self.submodels = {
            k: int(v) for k, v in store.remote_ids(target, VARIATION_SUBMODEL).items()
        }

    # -- what Akeneo says ------------------------------------------------------------------
    def collect(self, folder: Any) -> tuple[dict[str, _Group], dict[int, list]]:
        """Groups by root model from the staged models and variant products; variant
        products whose model this run did not read, by the group their model is in."""
        models = {
            row["code"]: {
                "level": row.get("level") or 1,
                "parent": row.get("parent"),
                "family_variant": row.get("family_variant"),
            }
            for row in read_rows(folder, PRODUCT_MODELS)
        }
        variants = load_family_variants(folder)
        feature_ids = {k: int(v) for k, v in self.store.remote_ids(self.target, FEATURE).items()}
        product_ids = {k: int(v) for k, v in self.store.remote_ids(self.target, PRODUCT).items()}
        groups: dict[str, _Group] = {}

        def group_of(model: str) -> _Group:
            info = models[model]
            root = model if info["level"] == 1 or not info["parent"] else info["parent"]
            group = groups.get(root)
            if group is None:
                group = _Group(root, group_code(root), None, group_id=self.groups.get(root))
                axes = group_features(variants.get(info["family_variant"] or ""), self.mapping)
                missing = [axis for axis, _ in axes if axis not in feature_ids]
                if not axes:
                    group.error = f"family variant {info['family_variant']} has no axes"
                elif missing:
                    group.error = f"the variant axes {missing} have no feature in CS-Cart"
                else:
                    group.features = [(feature_ids[axis], purpose) for axis, purpose in axes]
                groups[root] = group
            if model != root:
                group.submodels.add(model)
            return group

        for code in models:
            group_of(code)
        orphans: dict[int, list[tuple[str, str, int]]] = {}
        ungrouped: set[str] = set()  # models neither read nor grouped before
        for row in read_rows(folder, PRODUCTS):
            parent = row.get("parent")
            if not parent:
                continue
            key = product_key(row)
            product_id = product_ids.get(key)
            if product_id is None:
                continue  # not in CS-Cart: the products stage reported why
            member = (str(row.get("identifier") or key), key, product_id)
            if parent in models:
                group_of(parent).members.append(member)
                continue
            group_id = self.groups.get(parent) or self.submodels.get(parent)
            if group_id is None:
                if parent not in ungrouped:  # one group would be: counted once
                    ungrouped.add(parent)
                    self.result.count(GROUP, "read")
                    self.result.count(GROUP, "skipped")
                log.info(
                    "%s: its model %s was not read in this run nor grouped before", key, parent
                )
                continue
            orphans.setdefault(group_id, []).append(member)
        return groups, orphans

    # -- one group -------------------------------------------------------------------------
    def load_current(self) -> None:
        """The shop's groups by id and by code: one list call per 100 groups, instead of a
        call per group (they come with their features and products)."""
        self._by_id: dict[int, dict[str, Any]] = {}
        self._by_code: dict[str, dict[str, Any]] = {}
        for page in self.hook.iter_pages(
            "product_variations_groups", "groups", None, self.mapping.page_size, keys=("id", "code")
        ):
            for group in page:
                self._by_id[int(group["id"])] = group
                self._by_code[str(group["code"]).lower()] = group

    def _get(self, group: _Group) -> dict[str, Any] | None:
        if group.group_id and group.group_id in self._by_id:
            return self._by_id[group.group_id]
        return self._by_code.get(group.code.lower())

    def _attach(
        self, group_id: int, members: list[tuple[str, str, int]], outcome: dict[str, Any]
    ) -> None:
        for identifier, _, product_id in members:
            _, answer = self.hook.send(
                "PUT", f"product_variations/{product_id}", {"variation_group_id": group_id}
            )
            message = (answer or {}).get("message") if isinstance(answer, dict) else None
            if message:
                outcome["errors"].append((identifier, str(message)))

    def _create(self, group: _Group, outcome: dict[str, Any]) -> int:
        body = {
            "product_ids": group.product_ids,
            "code": group.code,
            "features": [
                {"feature_id": fid, "purpose": purpose} for fid, purpose in group.features or []
            ],
        }
        answer, adopted = self.hook.create(
            "product_variations_groups",
            body,
            lambda: self._lookup(group.code),
            keys=("group",),
        )
        if adopted is not None:
            outcome["adopted"] = True
            have = {int(p["product_id"]) for p in adopted.get("products") or []}
            # What the lost answer said of each product is lost too: attaching the missing
            # ones again says why CS-Cart refused them.
            self._attach(
                int(adopted["id"]), [m for m in sorted(group.members) if m[2] not in have], outcome
            )
            return int(adopted["id"])
        statuses = (answer or {}).get("products_status") or {}
        names = {str(pid): identifier for identifier, _, pid in group.members}
        for product_id, status in statuses.items():
            reason = ATTACH_REASONS.get(str(status))
            if reason:
                outcome["errors"].append((names.get(str(product_id), product_id), reason))
        return int(answer["group"]["id"])

    def _lookup(self, code: str) -> dict[str, Any] | None:
        """The group a lost create made, by its code (`/product_variations_groups/:code`)."""
        status, body = self.hook.send(
            "GET", f"product_variations_groups/{code}", ok_statuses=(404,)
        )
        return body if status == 200 and isinstance(body, dict) and body.get("id") else None

    def reconcile(self, group: _Group, exact: bool) -> dict[str, Any]:
        """Make the CS-Cart group hold the members (exactly, after a full read)."""
        outcome: dict[str, Any] = {"group": group, "errors": [], "status": "unchanged"}
        try:
            current = self._get(group)
            wanted = group.product_ids
            features = sorted(group.features or [])
            if current is not None:
                group_id = int(current["id"])
                have = [int(p["product_id"]) for p in current.get("products") or []]
                have_features = sorted(
                    (int(f["feature_id"]), str(f["purpose"])) for f in current.get("features") or []
                )
                missing = [m for m in sorted(group.members) if m[2] not in have]
                extra = [pid for pid in have if pid not in wanted]
                if group.features is None:
                    features = have_features  # a delta run: the group's own features stand
                if have_features == features and not (exact and extra):
                    if missing:
                        self._attach(group_id, missing, outcome)
                        outcome["status"] = "updated"
                    outcome["group_id"] = group_id
                    return outcome
                # 404: a resend after a lost answer (the group is gone, as wanted).
                self.hook.send(
                    "DELETE", f"product_variations_groups/{group_id}", ok_statuses=(404,)
                )
                outcome["status"] = "updated"
            elif group.features is None:
                outcome.update(status="skipped")
                return outcome
            if not wanted:
                outcome.update(group_id=None, status="updated" if current else "skipped")
                return outcome
            outcome["group_id"] = self._create(group, outcome)
            if current is None:
                outcome["status"] = "created"
        except ApiError as exc:
            field_name, reason = refusal(exc)
            outcome.update(status="failed", field=field_name or "product_ids", reason=reason)
        return outcome

    def disband(self, root: str, group_id: int) -> dict[str, Any]:
        outcome: dict[str, Any] = {"root": root, "status": "updated"}
        try:
            self.hook.send("DELETE", f"product_variations_groups/{group_id}", ok_statuses=(404,))
        except ApiError as exc:
            field_name, reason = refusal(exc)
            outcome.update(status="failed", field=field_name or "group", reason=reason)
        return outcome

    # -- the run ---------------------------------------------------------------------------
    def sync(self, folder: Any, exact: bool) -> StageResult:
        groups, orphans = self.collect(folder)
        work: list[tuple[_Group, bool]] = []
        for group in groups.values():
            self.result.count(GROUP, "read")
            if group.error:
                if group.members:
                    self.result.fail(GROUP, f"model {group.root}", "features", group.error)
                else:
                    self.result.count(GROUP, "skipped")
                continue
            if not group.members and not (exact and group.group_id):
                self.result.count(GROUP, "skipped")  # nothing to group (its variants failed?)
                continue
            digest = payload_hash(
                {"features": sorted(group.features or []), "products": group.product_ids}
            )
            if exact:
                known = self.store.hashes(self.target, VARIATION_GROUP, [group.root])
                if group.group_id and known.get(group.root) == digest:
                    self.result.count(GROUP, "unchanged")
                    continue
            else:
                keys = [key for _, key, _ in group.members]
                known = self.store.hashes(self.target, VARIATION_MEMBER, keys)
                expected = payload_hash(group.root)
                if group.group_id and all(known.get(k) == expected for k in keys):
                    self.result.count(GROUP, "unchanged")
                    continue
            work.append((group, exact))
        for group_id, members in orphans.items():
            self.result.count(GROUP, "read")
            root = next((r for r, g in self.groups.items() if g == group_id), None)
            if root is None:
                root = next(r for r, g in self.submodels.items() if g == group_id)
            work.append((_Group(root, group_code(root), None, members, group_id=group_id), False))
        if work:
            self.load_current()
        # Recorded group after group, committed a batch at a time (and at the end).
        with self.store.batched(), ThreadPoolExecutor(self.hook.max_concurrency) as pool:
            for outcome in pool.map(lambda item: self.reconcile(*item), work):
                self._record(outcome, exact)
        if exact:
            gone = {root: gid for root, gid in self.groups.items() if root not in groups}
            last = self.store.payloads(self.target, VARIATION_GROUP, list(gone))
            with self.store.batched(), ThreadPoolExecutor(self.hook.max_concurrency) as pool:
                for outcome in pool.map(lambda item: self.disband(*item), gone.items()):
                    root = outcome["root"]
                    if outcome["status"] == "failed":
                        # Its model left Akeneo (not read): only a failure counts as read.
                        self.result.count(GROUP, "read")
                        self.result.fail(
                            GROUP, f"model {root}", outcome["field"], outcome["reason"]
                        )
                        continue
                    self.store.forget_remote_ids(self.target, VARIATION_GROUP, [root])
                    self.result.count(GROUP, "deleted")
                    self.result.plan(GROUP, f"model {root}", "delete", last.get(root))
            self.result.extra["disbanded"] = len(gone)
        return self.result

    def _record(self, outcome: dict[str, Any], exact: bool) -> None:
        group: _Group = outcome["group"]
        for identifier, reason in outcome["errors"]:
            self.result.warn(PRODUCT, identifier, "variation_group", reason)
        if outcome["status"] == "failed":
            self.result.fail(GROUP, f"model {group.root}", outcome["field"], outcome["reason"])
            return
        self.result.count(GROUP, outcome["status"])
        if outcome.get("adopted"):
            self.result.adopt(GROUP)
        new = self._plan(group, outcome, exact)
        group_id = outcome.get("group_id")
        if group_id is None:
            if group.group_id:
                self.store.forget_remote_ids(self.target, VARIATION_GROUP, [group.root])
            return
        self.store.save_remote_ids(self.target, VARIATION_GROUP, {group.root: str(group_id)})
        if group.submodels:
            self.store.save_remote_ids(
                self.target, VARIATION_SUBMODEL, dict.fromkeys(group.submodels, str(group_id))
            )
        refused = {str(identifier) for identifier, _ in outcome["errors"]}
        members = {
            key: payload_hash(group.root) for ident, key, _ in group.members if ident not in refused
        }
        self.store.save(self.target, VARIATION_MEMBER, members)
        if exact and group.features is not None and not refused:
            digest = payload_hash(
                {"features": sorted(group.features), "products": group.product_ids}
            )
            self.store.save(self.target, VARIATION_GROUP, {group.root: digest}, {group.root: new})
        elif new is not None:  # a delta's members join the group's last complete picture
            self.store.save(self.target, VARIATION_GROUP, {}, {group.root: new})

    def _plan(self, group: _Group, outcome: dict[str, Any], exact: bool) -> dict[str, Any] | None:
        """The group as the plan shows it (features, product codes), planned if written;
        what a delta adds is added to what the group held."""
        old = self.store.payloads(self.target, VARIATION_GROUP, [group.root]).get(group.root)
        products = {identifier for identifier, _, _ in group.members}
        features = [f"{fid} {purpose}" for fid, purpose in sorted(group.features or [])]
        if not exact or group.features is None:
            products |= set((old or {}).get("products") or [])
            features = features or list((old or {}).get("features") or [])
        new = {"code": group.code, "features": features, "products": sorted(products)}
        if outcome["status"] == "created":
            self.result.plan(GROUP, f"model {group.root}", "create", None, new)
        elif outcome["status"] == "updated":
            self.result.plan(GROUP, f"model {group.root}", "update", old, new)
        return new if outcome["status"] in ("created", "updated", "unchanged") else None


def sync_variations(
    hook: CsCartHook,
    store: StateStore,
    target: str,
    folder: Any,
    structure: Mapping[str, Any],
    mapping: CsCartMapping,
    complete_read: bool,
) -> StageResult:
    """`complete_read`: a full read of every product (no delta window, no limit)."""
    sync = VariationSync(hook, store, target, mapping)
    if not mapping.variations:
        sync.result.extra["skipped"] = "variations.enabled is false"
        return sync.result
    return sync.sync(folder, exact=complete_read)
