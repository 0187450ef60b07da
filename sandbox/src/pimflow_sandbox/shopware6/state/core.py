"""The shop's shared core: ids and times, the write/read contexts, and the base class with
the indexes, the four primitives every change goes through (`_put`, `_put_translation`,
`_link`, `_put_file`, each logging its inverse), transactions and languages."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pimflow_sandbox.shopware6.schema import (
    LANGUAGE_SYSTEM,
    EntityDef,
    load_definitions,
)

UUID_RE = re.compile(r"^[0-9a-f]{32}$")
PRICE_KEYS = {"currencyId", "gross", "net", "linked", "listPrice", "regulationPrice", "percentage"}
SNAPSHOT_VERSION = 1


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and UUID_RE.match(value) is not None


def new_id() -> str:
    return uuid.uuid4().hex


def camel(entity: str) -> str:
    head, *rest = entity.split("_")
    return head + "".join(p.title() for p in rest)


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def format_datetime(value: dt.datetime) -> str:
    """Shopware's date format: `2024-05-01T10:20:30.123+00:00`."""
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+00:00"


def parse_datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace(" ", "T", 1) if "T" not in value else value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@dataclass
class Acc:
    """What one row (or one operation) wrote, deleted and did not find."""

    written: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted: dict[str, dict[str, Any]] = field(default_factory=dict)
    not_found: dict[str, dict[str, Any]] = field(default_factory=dict)

    @staticmethod
    def _add(target: dict[str, dict[str, Any]], entity: str, pk: Any) -> None:
        key = pk if isinstance(pk, str) else json.dumps(pk, sort_keys=True)
        target.setdefault(entity, {})[key] = pk

    def write(self, entity: str, pk: Any) -> None:
        self._add(self.written, entity, pk)

    def delete(self, entity: str, pk: Any) -> None:
        self._add(self.deleted, entity, pk)

    def miss(self, entity: str, pk: Any) -> None:
        self._add(self.not_found, entity, pk)

    def merge(self, other: Acc) -> None:
        for mine, theirs in (
            (self.written, other.written),
            (self.deleted, other.deleted),
            (self.not_found, other.not_found),
        ):
            for entity, pks in theirs.items():
                mine.setdefault(entity, {}).update(pks)

    @staticmethod
    def render(target: dict[str, dict[str, Any]]) -> dict[str, list[Any]] | list[Any]:
        # PHP serialises an empty array as [] — real responses carry `"deleted": []`.
        if not target:
            return []
        return {entity: list(pks.values()) for entity, pks in sorted(target.items())}


@dataclass
class WriteCtx:
    language_id: str
    now: str
    errors: list[dict[str, Any]] = field(default_factory=list)
    acc: Acc = field(default_factory=Acc)


@dataclass
class ReadCtx:
    language_id: str = LANGUAGE_SYSTEM
    inherit: bool = False
    base_url: str = "http://127.0.0.1"
    chain: tuple[str, ...] = (LANGUAGE_SYSTEM,)


class StoreCore:
    """The indexes of the shop and the primitives that keep them right."""

    def __init__(self, seed: int = 42, now: Callable[[], dt.datetime] | None = None) -> None:
        self.defs: dict[str, EntityDef] = load_definitions()
        self.lock = threading.RLock()
        self.seed = seed
        self._now = now or (lambda: dt.datetime.now(dt.UTC))
        self.rows: dict[str, dict[str, dict[str, Any]]] = {}
        self.translations: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
        self.links: dict[str, dict[str, dict[str, set[str]]]] = {}
        self.fk_index: dict[tuple[str, str], dict[str, set[str]]] = {}
        self.unique: dict[tuple[str, tuple[str, ...]], dict[tuple[Any, ...], str]] = {}
        self.files: dict[str, bytes] = {}
        self.counters: dict[str, int] = {}
        self._undo: list[tuple[Any, ...]] | None = None
        # Who points at whom: target entity -> [(entity, fk field, on-delete policy)].
        self.referrers: dict[str, list[tuple[str, str, str]]] = {name: [] for name in self.defs}
        # Mapping entities each entity takes part in: entity -> [(mapping, own field)].
        self.mapping_sides: dict[str, list[tuple[str, str]]] = {name: [] for name in self.defs}
        for name, d in self.defs.items():
            if d.mapping:
                self.links[name] = {d.mapping[0]: {}, d.mapping[1]: {}}
                for fk in d.mapping:
                    self.mapping_sides[d.fk_targets[fk]].append((name, fk))
                continue
            self.rows[name] = {}
            if d.translated:
                self.translations[name] = {}
            for fk, target in d.fk_targets.items():
                self.fk_index[(name, fk)] = {}
                self.referrers[target].append((name, fk, d.on_delete.get(fk, "restrict")))
            for fields in d.unique:
                self.unique[(name, fields)] = {}

    # -- time and ids ----------------------------------------------------------------------
    def _stamp(self, d: EntityDef, row: dict[str, Any]) -> None:
        """Insertion order (`_seq`, internal) and Shopware's `autoIncrement` of a new row."""
        self.counters["_seq"] = self.counters.get("_seq", 0) + 1
        row["_seq"] = self.counters["_seq"]
        if "autoIncrement" in d.fields:
            self.counters[d.name] = self.counters.get(d.name, 0) + 1
            row["autoIncrement"] = self.counters[d.name]

    def seed_row(
        self,
        entity: str,
        eid: str,
        row: dict[str, Any],
        translations: dict[str, dict[str, Any]] | None = None,
        links: dict[str, list[str]] | None = None,
    ) -> str:
        """Put a row of the fresh shop (no validation: the seed is trusted data)."""
        d = self.defs[entity]
        full = {**copy.deepcopy(d.defaults), **row, "createdAt": self.now(), "updatedAt": None}
        self._stamp(d, full)
        self._put(entity, eid, full)
        for language, values in (translations or {}).items():
            self._put_translation(entity, eid, language, dict(values))
        for relation_name, targets in (links or {}).items():
            relation = d.relations[relation_name]
            for target in targets:
                self._link(
                    relation.mapping, {relation.own_fk: eid, relation.target_fk: target}, True
                )
        return eid

    # -- time and ids (continued) ----------------------------------------------------------
    def now(self) -> str:
        return format_datetime(self._now())

    def seeded_id(self, key: str) -> str:
        """A random-looking id that a seed makes repeatable (clients must look ids up)."""
        return hashlib.sha256(f"pimflow-shopware6:{self.seed}:{key}".encode()).hexdigest()[:32]

    # -- the primitives --------------------------------------------------------------------
    def _log(self, entry: tuple[Any, ...]) -> None:
        if self._undo is not None:
            self._undo.append(entry)

    def _put(self, entity: str, eid: str, row: dict[str, Any] | None) -> None:
        table = self.rows[entity]
        old = table.get(eid)
        self._log(("row", entity, eid, old))
        d = self.defs[entity]
        for fk in d.fk_targets:
            before = old.get(fk) if old else None
            after = row.get(fk) if row else None
            if before == after:
                continue
            index = self.fk_index[(entity, fk)]
            if before is not None:
                members = index.get(before)
                if members is not None:
                    members.discard(eid)
                    if not members:
                        del index[before]
            if after is not None:
                index.setdefault(after, set()).add(eid)
        for fields in d.unique:
            index = self.unique[(entity, fields)]
            before_key = self._unique_key(old, fields)
            after_key = self._unique_key(row, fields)
            if before_key == after_key:
                continue
            if before_key is not None and index.get(before_key) == eid:
                del index[before_key]
            if after_key is not None:
                index[after_key] = eid
        if row is None:
            table.pop(eid, None)
        else:
            table[eid] = row

    @staticmethod
    def _unique_key(row: dict[str, Any] | None, fields: tuple[str, ...]) -> tuple[Any, ...] | None:
        if row is None:
            return None
        # MySQL's unique keys compare strings case-insensitively (utf8mb4_unicode_ci).
        key = tuple(v.casefold() if isinstance(v, str) else v for v in (row.get(f) for f in fields))
        return None if any(v is None for v in key) else key

    def _put_translation(
        self, entity: str, eid: str, language: str, values: dict[str, Any] | None
    ) -> None:
        by_id = self.translations[entity]
        old = by_id.get(eid, {}).get(language)
        self._log(("tr", entity, eid, language, old))
        if values is None:
            langs = by_id.get(eid)
            if langs is not None:
                langs.pop(language, None)
                if not langs:
                    del by_id[eid]
        else:
            by_id.setdefault(eid, {})[language] = values

    def _link(self, mapping: str, pk: dict[str, str], add: bool) -> bool:
        first, second = self.defs[mapping].mapping  # type: ignore[misc]
        a, b = pk[first], pk[second]
        side_a = self.links[mapping][first]
        side_b = self.links[mapping][second]
        present = b in side_a.get(a, ())
        if present == add:
            return False
        self._log(("link", mapping, dict(pk), not add))
        if add:
            side_a.setdefault(a, set()).add(b)
            side_b.setdefault(b, set()).add(a)
        else:
            for side, key, other in ((side_a, a, b), (side_b, b, a)):
                members = side.get(key)
                if members is not None:
                    members.discard(other)
                    if not members:
                        del side[key]
        return True

    def _put_file(self, media_id: str, content: bytes | None) -> None:
        self._log(("file", media_id, self.files.get(media_id)))
        if content is None:
            self.files.pop(media_id, None)
        else:
            self.files[media_id] = content

    # -- transactions ----------------------------------------------------------------------
    def begin(self) -> None:
        self._undo = []

    def savepoint(self) -> int:
        assert self._undo is not None, "no transaction"
        return len(self._undo)

    def rollback_to(self, savepoint: int) -> None:
        assert self._undo is not None, "no transaction"
        log, self._undo = self._undo, None
        try:
            while len(log) > savepoint:
                entry = log.pop()
                kind = entry[0]
                if kind == "row":
                    self._put(entry[1], entry[2], entry[3])
                elif kind == "tr":
                    self._put_translation(entry[1], entry[2], entry[3], entry[4])
                elif kind == "link":
                    self._link(entry[1], entry[2], entry[3])
                elif kind == "file":
                    self._put_file(entry[1], entry[2])
        finally:
            self._undo = log

    def rollback(self) -> None:
        self.rollback_to(0)
        self._undo = None

    def commit(self) -> None:
        self._undo = None

    # -- languages -------------------------------------------------------------------------
    def resolve_language(self, key: Any) -> str | None:
        """A language id, or the id of the language whose locale has this code (`de-DE`)."""
        if not isinstance(key, str):
            return None
        if is_uuid(key):
            return key if key in self.rows["language"] else None
        locale_id = self.unique[("locale", ("code",))].get((key.casefold(),))
        if locale_id is None:
            return None
        languages = self.fk_index[("language", "localeId")].get(locale_id)
        if not languages:
            return None
        return min(languages, key=lambda lid: self.rows["language"][lid].get("createdAt") or "")

    def language_chain(self, language_id: str) -> tuple[str, ...]:
        chain = [language_id]
        parent = self.rows["language"].get(language_id, {}).get("parentId")
        if parent and parent not in chain:
            chain.append(parent)
        if LANGUAGE_SYSTEM not in chain:
            chain.append(LANGUAGE_SYSTEM)
        return tuple(chain)

    def read_ctx(self, language_id: str | None, inherit: bool, base_url: str) -> ReadCtx:
        lang = language_id or LANGUAGE_SYSTEM
        return ReadCtx(lang, inherit, base_url, self.language_chain(lang))
