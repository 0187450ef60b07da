"""Batched writes through `/api/_action/sync`, sending only what changed, losing nothing.

For each batch of rows of one entity the writer sends one sync call: the upserts, plus the
deletes of the links those rows no longer have. A row whose payload hash and links are
those of the last successful write is not sent. A refused call is narrowed down to the
rows Shopware names in its errors' `source.pointer` (or halved until they are found);
those rows are reported with Shopware's reason, the rest lands. A dry run needs nothing
here: the stage runner records the hook's writes (pimflow/dry_run.py).
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
        changed: list[tuple[Row, str, bool]] = []
        seen = self.written.setdefault(entity, set())
        for row in rows:
            self.outcome.count(entity, "read")
            digest = payload_hash(row.payload)
            seen.add(row.key)
            if known.get(row.key) == digest:
                self.outcome.count(entity, "unchanged")
                continue
            if self.relation_deletes and row.relations is not None:
                row.deletes = self.relation_deletes(
                    row.key, old_relations.get(row.key, {}), row.relations
                )
            changed.append((row, digest, row.key in known))
        if changed:
            self._send(entity, changed, api_entity)

    def _send(self, entity: str, rows: list[tuple[Row, str, bool]], api_entity: str) -> None:
        op = f"upsert-{api_entity}"
        operations: dict[str, dict[str, Any]] = {
            op: {
                "entity": api_entity,
                "action": "upsert",
                "payload": [r.payload for r, _, _ in rows],
            }
        }
        owners: dict[str, list[int]] = {op: list(range(len(rows)))}
        for index, (row, _, _) in enumerate(rows):
            for delete_entity, payloads in row.deletes.items():
                op = operations.setdefault(
                    f"delete-{delete_entity}",
                    {"entity": delete_entity, "action": "delete", "payload": []},
                )
                op["payload"].extend(payloads)
                owners.setdefault(f"delete-{delete_entity}", []).extend([index] * len(payloads))
        self.count_sync_call()
        status, body = self.hook.sync(operations, fail_on_error=True)
        if status < 400:
            self._landed(entity, rows)
            return
        refused = _refused_rows(body, owners)
        if refused and len(refused) < len(rows):
            for index, (field_name, reason) in refused.items():
                self.outcome.fail(entity, rows[index][0].name, field_name, reason)
            self._send(entity, [r for i, r in enumerate(rows) if i not in refused], api_entity)
        elif len(rows) == 1:
            field_name, reason = next(iter(refused.values()), ("", _reason(body)))
            self.outcome.fail(entity, rows[0][0].name, field_name, reason)
        else:  # Shopware did not say which rows: halve until it does
            middle = len(rows) // 2
            self._send(entity, rows[:middle], api_entity)
            self._send(entity, rows[middle:], api_entity)

    def _landed(self, entity: str, rows: list[tuple[Row, str, bool]]) -> None:
        for _, _, known in rows:
            self.outcome.count(entity, "updated" if known else "created")
        self.store.save(self.target, entity, {row.key: digest for row, digest, _ in rows})
        relations = {row.key: row.relations for row, _, _ in rows if row.relations is not None}
        if relations:
            self.store.save_relations(self.target, entity, relations)

    # -- deletions ---------------------------------------------------------------------------
    def remove(
        self, entity: str, keys: Iterable[str], names: Mapping[str, str], deactivate: bool
    ) -> None:
        """Products (or other entities) that left Akeneo: deactivated, or deleted."""
        keys = sorted(keys)
        for start in range(0, len(keys), self.batch_size):
            chunk = keys[start : start + self.batch_size]
            if deactivate:
                rows = [
                    Row(key, names.get(key, key), {"id": key, "active": False}) for key in chunk
                ]
                known = self.store.hashes(self.target, entity, chunk)
                todo = [r for r in rows if known.get(r.key) != payload_hash(r.payload)]
                self.outcome.count(entity, "deleted", len(todo))
                if todo:
                    self.count_sync_call()
                    status, body = self.hook.sync(
                        {
                            f"deactivate-{entity}": {
                                "entity": entity,
                                "action": "upsert",
                                "payload": [r.payload for r in todo],
                            }
                        }
                    )
                    if status >= 400:
                        for row in todo:
                            self.outcome.fail(entity, row.name, "active", _reason(body))
                        continue
                    self.store.save(
                        self.target, entity, {r.key: payload_hash(r.payload) for r in todo}
                    )
                continue
            self.outcome.count(entity, "deleted", len(chunk))
            self.count_sync_call()
            status, body = self.hook.sync(
                {
                    f"delete-{entity}": {
                        "entity": entity,
                        "action": "delete",
                        "payload": [{"id": k} for k in chunk],
                    }
                }
            )
            if status >= 400:
                for key in chunk:
                    self.outcome.fail(entity, names.get(key, key), "", _reason(body))
                continue
            self.store.forget_keys(self.target, entity, chunk)


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
