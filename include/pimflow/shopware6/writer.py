"""Batched writes through `/api/_action/sync`, sending only what changed, losing nothing.

For each batch of rows of one entity the writer sends one sync call: the upserts, plus the
deletes of the links those rows no longer have. A row whose payload hash and links are
those of the last successful write is not sent. A refused call is narrowed down to the
rows Shopware names in its errors' `source.pointer` (or halved until they are found);
those rows are reported with Shopware's reason, the rest lands. A dry run needs nothing
here: the stage runner records the hook's writes (pimflow/dry_run.py).

Counts: every row given is `read` and ends in one outcome (unchanged, created, updated,
failed); "created" only for a row the shop did not have: rows the state store does not
know are looked up in the shop, one read per batch (`lookup_calls`). Removals are counted
apart (`deactivated`, `deleted`). Each write that lands has its plan entry (old → new,
the old payload the one the store kept from the last write), and the store keeps the new.
In a verifying reconcile, unchanged rows are read back (shopware6/verify.py) and those the
shop holds otherwise are sent again: `updated`, and `repaired` with the fields.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pimflow.results import StageResult
from pimflow.shopware6.hook import Shopware6Hook
from pimflow.state import StateStore, payload_hash

log = logging.getLogger(__name__)


@dataclass
class Row:
    key: str  # the Shopware id
    name: str  # what errors name (product identifier, category code, ...)
    payload: dict[str, Any]
    relations: dict[str, list[str]] | None = None
    deletes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    repair: list[str] | None = None  # unchanged, but the shop holds these fields otherwise
    shop: dict[str, Any] | None = None  # then: what the shop holds, as a payload (the plan's old)


# Entities written as a field of their owner (cross-sellings on their product): such a row
# was in the shop when one of its nested rows was.
WRITTEN_ON = {"product_cross_selling": "crossSellings"}


@dataclass
class _Change:
    """A row found changed: its payload's hash, whether the shop has it, what it had."""

    row: Row
    digest: str
    existed: bool
    old: dict[str, Any] | None


class SyncWriter:
    def __init__(
        self,
        hook: Shopware6Hook,
        store: StateStore,
        target: str,
        outcome: StageResult,
        batch_size: int = 250,
        relation_deletes: Any = None,  # (key, old, new) -> {entity: [payload]}
    ) -> None:
        self.hook = hook
        self.store = store
        self.target = target
        self.outcome = outcome
        self.batch_size = batch_size
        self.relation_deletes = relation_deletes
        self.written: dict[str, set[str]] = {}  # entity -> keys written or unchanged this run
        # A verifying reconcile's read-back (shopware6/verify.py): unchanged rows the shop
        # holds otherwise are sent again.
        self.verifier: Any = None

    def count_sync_call(self) -> None:
        self.outcome.extra["sync_calls"] = self.outcome.extra.get("sync_calls", 0) + 1

    # -- upserts ----------------------------------------------------------------------------
    def upsert(self, entity: str, rows: Iterable[Row], api_entity: str | None = None) -> None:
        """Write rows of `entity` (the state store's name for them); `api_entity` is the
        Shopware entity when it differs (cross-sellings are written on their product)."""
        batch: list[Row] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= self.batch_size:
                self._upsert_batch(entity, batch, api_entity or entity)
                batch = []
        if batch:
            self._upsert_batch(entity, batch, api_entity or entity)

    def _upsert_batch(self, entity: str, rows: list[Row], api_entity: str) -> None:
        keys = [row.key for row in rows]
        known = self.store.hashes(self.target, entity, keys)
        old_relations = (
            self.store.relations(self.target, entity, keys) if self.relation_deletes else {}
        )
        changed: list[tuple[Row, str]] = []
        steady: list[tuple[Row, str]] = []  # unchanged, to be verified against the shop
        seen = self.written.setdefault(entity, set())
        for row in rows:
            self.outcome.count(entity, "read")
            digest = payload_hash(row.payload)
            seen.add(row.key)
            if known.get(row.key) == digest:
                if self.verifier is not None and self.verifier.wants(entity, row.key):
                    steady.append((row, digest))
                else:
                    self.outcome.count(entity, "unchanged")
                continue
            if self.relation_deletes and row.relations is not None:
                row.deletes = self.relation_deletes(
                    row.key, old_relations.get(row.key, {}), row.relations
                )
            changed.append((row, digest))
        if steady:
            changed += self.verifier.drifted(entity, steady)
        if not changed:
            return
        # What the plan compares with: the payloads last written (only the changed rows',
        # and only while the plan keeps entries: past its cap an entry is only counted).
        old = (
            self.store.payloads(self.target, entity, [r.key for r, _ in changed if r.key in known])
            if self.outcome.wants_plan()
            else {}
        )
        # Rows the store does not know may still be in the shop (the store was lost, or
        # another tool wrote them): asked in one read, so "created" means new to the shop.
        in_shop = self._in_shop(entity, api_entity, [r for r, _ in changed if r.key not in known])
        self._send(
            entity,
            [
                _Change(
                    row,
                    digest,
                    row.key in known or row.key in in_shop,
                    old.get(row.key) if row.shop is None else row.shop,
                )
                for row, digest in changed
            ],
            api_entity,
        )

    def _in_shop(self, entity: str, api_entity: str, rows: list[Row]) -> set[str]:
        """The keys of `rows` the shop already has (one read per batch; none if no rows)."""
        nested = WRITTEN_ON.get(entity) if api_entity != entity else None
        if nested is None:
            return self._existing(api_entity, [row.key for row in rows])
        # Written on its owner (which always exists): it was there if a nested row was.
        ids = {
            row.key: {
                item["id"]
                for item in row.payload.get(nested) or []
                if isinstance(item, Mapping) and item.get("id")
            }
            for row in rows
        }
        found = self._existing(entity, sorted(set().union(*ids.values())))
        return {key for key, nested_ids in ids.items() if nested_ids & found}

    def _existing(self, entity: str, ids: list[str]) -> set[str]:
        if not ids:
            return set()
        chunk = max(1, self.batch_size)  # a batch's ids in one read
        calls = -(-len(ids) // chunk)
        self.outcome.extra["lookup_calls"] = self.outcome.extra.get("lookup_calls", 0) + calls
        return self.hook.existing_ids(entity, ids, chunk=chunk)

    def _send(self, entity: str, changes: list[_Change], api_entity: str) -> None:
        op = f"upsert-{api_entity}"
        operations: dict[str, dict[str, Any]] = {
            op: {
                "entity": api_entity,
                "action": "upsert",
                "payload": [c.row.payload for c in changes],
            }
        }
        owners: dict[str, list[int]] = {op: list(range(len(changes)))}
        for index, change in enumerate(changes):
            for delete_entity, payloads in change.row.deletes.items():
                op = operations.setdefault(
                    f"delete-{delete_entity}",
                    {"entity": delete_entity, "action": "delete", "payload": []},
                )
                op["payload"].extend(payloads)
                owners.setdefault(f"delete-{delete_entity}", []).extend([index] * len(payloads))
        self.count_sync_call()
        status, body = self.hook.sync(operations, fail_on_error=True)
        if status < 400:
            self._landed(entity, changes)
            return
        refused = _refused_rows(body, owners)
        if refused and len(refused) < len(changes):
            for index, (field_name, reason) in refused.items():
                self.outcome.fail(entity, changes[index].row.name, field_name, reason)
            rest = [c for i, c in enumerate(changes) if i not in refused]
            self._send(entity, rest, api_entity)
        elif len(changes) == 1:
            field_name, reason = next(iter(refused.values()), ("", _reason(body)))
            self.outcome.fail(entity, changes[0].row.name, field_name, reason)
        else:  # Shopware did not say which rows: halve until it does
            middle = len(changes) // 2
            self._send(entity, changes[:middle], api_entity)
            self._send(entity, changes[middle:], api_entity)

    def _landed(self, entity: str, changes: list[_Change]) -> None:
        for change in changes:
            action = "update" if change.existed else "create"
            self.outcome.count(entity, f"{action}d")
            if change.row.repair is not None:
                self.outcome.repaired(entity, change.row.name, change.row.repair)
            self.outcome.plan(entity, change.row.name, action, change.old, change.row.payload)
        self.store.save(
            self.target,
            entity,
            {c.row.key: c.digest for c in changes},
            payloads={c.row.key: c.row.payload for c in changes},
        )
        relations = {c.row.key: c.row.relations for c in changes if c.row.relations is not None}
        if relations:
            self.store.save_relations(self.target, entity, relations)

    # -- removals ----------------------------------------------------------------------------
    def remove(
        self, entity: str, keys: Iterable[str], names: Mapping[str, str], deactivate: bool
    ) -> None:
        """Products (or other entities) that left Akeneo: deactivated, or deleted. Counted
        apart from what was read (`deactivated`, `deleted`); one that the shop refuses to
        remove counts `read` and `failed` (a refused item, as CS-Cart's removals count it,
        so the identity holds) and stays in the store, so the next full run tries again."""
        keys = sorted(keys)
        for start in range(0, len(keys), self.batch_size):
            chunk = keys[start : start + self.batch_size]
            old = self.store.payloads(self.target, entity, chunk)
            rows = [Row(key, _name(key, names, old.get(key)), {"id": key}) for key in chunk]
            if deactivate:
                self._deactivate(entity, rows, old)
            else:
                self._delete(entity, rows, old)

    def _deactivate(self, entity: str, rows: list[Row], old: Mapping[str, Any]) -> None:
        for row in rows:
            row.payload["active"] = False
        known = self.store.hashes(self.target, entity, [row.key for row in rows])
        todo = [r for r in rows if known.get(r.key) != payload_hash(r.payload)]  # not yet
        if not todo:
            return
        op = f"deactivate-{entity}"
        self.count_sync_call()
        status, body = self.hook.sync(
            {op: {"entity": entity, "action": "upsert", "payload": [r.payload for r in todo]}}
        )
        if status >= 400:
            refused = _refused_rows(body, {op: list(range(len(todo)))})
            for index, row in enumerate(todo):
                if not refused or index in refused:
                    reason = refused[index][1] if refused else _reason(body)
                    self.outcome.count(entity, "read")
                    self.outcome.fail(entity, row.name, "active", f"not deactivated: {reason}")
            if refused and len(refused) < len(todo):
                self._deactivate(entity, [r for i, r in enumerate(todo) if i not in refused], old)
            return
        self.outcome.count(entity, "deactivated", len(todo))
        for row in todo:
            self.outcome.plan(entity, row.name, "deactivate", old.get(row.key), row.payload)
        self.store.save(
            self.target,
            entity,
            {r.key: payload_hash(r.payload) for r in todo},
            # What the shop now holds: the last payload, inactive (what a return compares with).
            payloads={r.key: {**(old.get(r.key) or {}), **r.payload} for r in todo},
        )

    def _delete(self, entity: str, rows: list[Row], old: Mapping[str, Any]) -> None:
        self.count_sync_call()
        status, body = self.hook.sync(
            {
                f"delete-{entity}": {
                    "entity": entity,
                    "action": "delete",
                    "payload": [row.payload for row in rows],
                }
            }
        )
        if status >= 400:
            for row in rows:
                self.outcome.count(entity, "read")
                self.outcome.fail(entity, row.name, "", f"not deleted: {_reason(body)}")
            return
        self.outcome.count(entity, "deleted", len(rows))
        for row in rows:
            self.outcome.plan(entity, row.name, "delete", old.get(row.key), None)
        self.store.forget_keys(self.target, entity, [row.key for row in rows])


def _name(key: str, names: Mapping[str, str], old: Mapping[str, Any] | None) -> str:
    """What a person knows a removed row by: the name given, else its product number or a
    name from the payload last written, else its id."""
    if names.get(key):
        return names[key]
    old = old or {}
    if old.get("productNumber"):
        return str(old["productNumber"])
    for translation in (old.get("translations") or {}).values():
        if isinstance(translation, Mapping) and translation.get("name"):
            return str(translation["name"])
    return str(old.get("name") or key)


def _reason(body: Any) -> str:
    errors = (body or {}).get("errors") if isinstance(body, Mapping) else None
    if errors:
        return "; ".join(str(e.get("detail") or e.get("title") or e) for e in errors)
    return str(body)[:500]


def _refused_rows(body: Any, owners: Mapping[str, list[int]]) -> dict[int, tuple[str, str]]:
    """Row index → (field, Shopware's message), from the errors' `source.pointer`s
    (`/upsert-product/3/price`): the operation and the entry name the row."""
    refused: dict[int, tuple[str, str]] = {}
    errors = body.get("errors") if isinstance(body, Mapping) else None
    for error in errors or []:
        parts = ((error.get("source") or {}).get("pointer") or "").strip("/").split("/")
        if len(parts) < 2 or parts[0] not in owners or not parts[1].isdigit():
            continue
        entries = owners[parts[0]]
        if int(parts[1]) >= len(entries):
            continue
        index = entries[int(parts[1])]
        field_name = "/".join(parts[2:])
        message = str(error.get("detail") or error.get("title") or error.get("code") or "refused")
        if index in refused:
            previous_field, previous = refused[index]
            refused[index] = (previous_field, f"{previous}; {field_name}: {message}")
        else:
            refused[index] = (field_name, message)
    return refused
