"""The sandbox shop's state and its rules: rows, translations, mappings, files, and the DAL
behaviour around them (validation, nested writes, deletes with cascades, reads).

Pure Python, no HTTP: `api.py` turns requests into calls of `Store.sync`, `Store.read`, ...
Every change goes through four primitives (`_put`, `_put_translation`, `_link`, `_put_file`)
that keep the indexes right and log their inverse, so a request (or a single row of it) can
be rolled back — that is how `fail-on-error` gets its all-or-nothing semantics. Lookups that
a sync of 100,000 products leans on (primary keys, foreign keys, `productNumber`, mapping
rows) are dictionary hits, never scans.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pimflow_sandbox.shopware6 import errors as E
from pimflow_sandbox.shopware6.errors import ApiError
from pimflow_sandbox.shopware6.schema import (
    CURRENCY_DEFAULT,
    LANGUAGE_SYSTEM,
    LIVE_VERSION,
    EntityDef,
    Relation,
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


class Store:
    """The shop: every emulated entity, indexed for O(1) writes and key lookups."""

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

    # ======================================================================================
    # writes
    # ======================================================================================
    def sync(
        self,
        operations: list[tuple[str, dict[str, Any]]],
        *,
        language_id: str,
        fail_on_error: bool = True,
    ) -> tuple[int, dict[str, Any]]:
        """Run a sync request; returns (status, body). Raises ApiError for malformed ones."""
        ops = [self._validate_operation(key, op) for key, op in operations]
        with self.lock:
            ctx = WriteCtx(language_id, self.now())
            total = Acc()
            self.begin()
            try:
                for key, entity, action, payload, criteria in ops:
                    d = self.defs[entity]
                    if action == "delete" and criteria is not None:
                        payload = self._criteria_delete_payload(key, d, criteria)
                    for index, row in enumerate(payload):
                        pointer = f"/{key}/{index}"
                        savepoint = self.savepoint()
                        before = len(ctx.errors)
                        ctx.acc = Acc()
                        if action == "upsert":
                            self._write(d, row, pointer, ctx)
                        else:
                            self._delete_row(d, row, pointer, ctx)
                        if len(ctx.errors) > before:
                            self.rollback_to(savepoint)
                        else:
                            total.merge(ctx.acc)
                if ctx.errors and fail_on_error:
                    self.rollback()
                    return 400, {"errors": ctx.errors}
                self.commit()
            except BaseException:
                self.rollback()
                raise
        body: dict[str, Any] = {
            "extensions": [],
            "data": Acc.render(total.written),
            "notFound": Acc.render(total.not_found),
            "deleted": Acc.render(total.deleted),
        }
        if ctx.errors:
            body["errors"] = ctx.errors
        return 200, body

    def _validate_operation(
        self, key: str, op: Any
    ) -> tuple[str, str, str, list[Any], list[Any] | None]:
        if not isinstance(op, dict):
            raise ApiError.single(
                400,
                "FRAMEWORK__API_BAD_REQUEST",
                "Invalid payload format. Expected an array of operations.",
            )
        entity, action = op.get("entity"), op.get("action")
        payload, criteria = op.get("payload"), op.get("criteria")
        problems = []
        if not entity or not isinstance(entity, str):
            problems.append(
                f'Missing "entity" argument for operation with key "{key}". '
                "It needs to be a non-empty string."
            )
        if action not in ("upsert", "delete"):
            problems.append(
                f'Missing or invalid "action" argument for operation with key "{key}". '
                "Supported actions are [upsert, delete]"
            )
        has_criteria = action == "delete" and criteria not in (None, [])
        if not has_criteria and (not isinstance(payload, list) or not payload):
            problems.append(
                f'Missing "payload" argument for operation with key "{key}". '
                "It needs to be a non-empty array."
            )
        if problems:
            raise ApiError.single(
                400,
                "FRAMEWORK__INVALID_SYNC_OPERATION",
                "Invalid sync operation. " + " ".join(problems),
            )
        if entity not in self.defs:
            raise E.definition_not_found(entity, 400)
        if has_criteria and payload:
            raise ApiError.single(
                400,
                "FRAMEWORK__INVALID_SYNC_OPERATION",
                f'Invalid sync operation. Operation "{key}" cannot combine "payload" and '
                '"criteria".',
            )
        if has_criteria and not isinstance(criteria, list):
            raise _invalid_sync_criteria(key)
        return key, entity, action, payload or [], criteria if has_criteria else None

    def _criteria_delete_payload(
        self, key: str, d: EntityDef, criteria: list[Any]
    ) -> list[dict[str, str]]:
        """Shopware resolves a criteria delete to primary keys; only mapping entities allow it."""
        from pimflow_sandbox.shopware6.search import compile_filters, evaluate

        if not d.mapping:
            raise _invalid_sync_criteria(key)
        filters = compile_filters(self, d, criteria, f"/{key}/criteria")
        if not filters:
            raise _invalid_sync_criteria(key)
        first, second = d.mapping
        rows = []
        for a, others in self.links[d.name][first].items():
            for b in others:
                pk = {first: a, second: b}
                if all(evaluate(f, lambda path, pk=pk: [pk.get(path[-1][2])]) for f in filters):
                    rows.append(pk)
        return rows

    # -- one row ---------------------------------------------------------------------------
    def _write(
        self,
        d: EntityDef,
        data: Any,
        path: str,
        ctx: WriteCtx,
        forced: dict[str, Any] | None = None,
    ) -> str | None:
        """Upsert one row of `d` (and what it nests); returns its id, None when it failed."""
        if not isinstance(data, dict):
            ctx.errors.append(_expected_array(path))
            return None
        if d.mapping:
            return self._write_mapping(d, data, path, ctx, forced)
        raw_id = data.get("id")
        if raw_id is None:
            eid = new_id()
        elif not is_uuid(raw_id):
            ctx.errors.append(_invalid_uuid(f"{path}/id", raw_id))
            return None
        else:
            eid = raw_id
        table = self.rows[d.name]
        old = table.get(eid)
        if old is not None and not forced and set(data) == {"id"}:
            return eid  # a bare reference to an existing row: nothing to write
        create = old is None
        row: dict[str, Any] = dict(old) if old else {}
        translations: dict[str, dict[str, Any]] = {}
        deferred: list[tuple[Relation, Any, str]] = []
        explicit: set[str] = set()
        invalid: set[str] = set()  # fields already refused: no second error for them
        errors_before = len(ctx.errors)

        for key, value in data.items():
            if key == "id" or (forced and key in forced):
                continue
            pointer = f"{path}/{key}"
            if key in d.translated:
                ok, norm = self._check(d, key, value, pointer, ctx)
                if ok:
                    translations.setdefault(ctx.language_id, {})[key] = norm
                else:
                    invalid.add(key)
                continue
            if key == "translations" and d.translated:
                self._parse_translations(d, value, pointer, ctx, translations)
                continue
            if key in d.fields and key != "translated":
                if key == "versionId" or key.endswith("VersionId"):
                    if value is not None and not is_uuid(value):
                        ctx.errors.append(_invalid_uuid(pointer, value))
                    continue
                if key in ("createdAt", "updatedAt"):
                    parsed = parse_datetime(value)
                    if value is not None and parsed is None:
                        ctx.errors.append(_not_datetime(pointer, value))
                    elif key == "createdAt" and parsed is not None:
                        row["createdAt"] = format_datetime(parsed)
                    continue
                if not d.is_writable(key):
                    ctx.errors.append(_write_protected(pointer))
                    continue
                ok, norm = self._check(d, key, value, pointer, ctx)
                if ok:
                    row[key] = norm
                    explicit.add(key)
                else:
                    invalid.add(key)
                continue
            relation = d.relations.get(key)
            if relation is not None:
                if relation.kind == "m2o":
                    if value is None:
                        row[relation.fk] = None
                        explicit.add(relation.fk)
                        continue
                    target_id = self._write(self.defs[relation.target], value, pointer, ctx)
                    if target_id is not None:
                        row[relation.fk] = target_id
                        explicit.add(relation.fk)
                    else:
                        invalid.add(relation.fk)
                else:
                    deferred.append((relation, value, pointer))
                continue
            if key in d.unsupported:
                ctx.errors.append(
                    E.violation(
                        pointer,
                        f'The association "{key}" of {d.name} is not emulated by the sandbox '
                        "Shopware; write it on a real shop.",
                        "SANDBOX__UNSUPPORTED_ASSOCIATION",
                        {"field": key},
                    )
                )
                continue
            if key == "extensions" and value in ({}, []):
                continue
            ctx.errors.append(_unexpected_field(pointer, key))

        if forced:
            row.update(forced)
            explicit.update(forced)
        variant = bool(d.inherited) and bool(row.get("parentId"))
        if create and not variant:
            for name, default in d.defaults.items():
                if name not in row:
                    row[name] = copy.deepcopy(default)
        self._check_required(
            d, row, translations, explicit | invalid, create, variant, path, ctx, invalid
        )
        self._check_unique(d, eid, row, path, ctx)
        if len(ctx.errors) > errors_before:
            return None

        if create:
            row.setdefault("createdAt", ctx.now)
            row["updatedAt"] = None
            self._stamp(d, row)
        else:
            row["updatedAt"] = ctx.now
        self._put(d.name, eid, row)
        ctx.acc.write(d.name, eid)
        for language, values in translations.items():
            merged = dict(self.translations[d.name].get(eid, {}).get(language) or {})
            merged.update(values)
            self._put_translation(d.name, eid, language, merged)
            ctx.acc.write(
                f"{d.name}_translation", {f"{camel(d.name)}Id": eid, "languageId": language}
            )

        for relation, value, pointer in deferred:
            self._write_related(d, eid, relation, value, pointer, ctx)

        # Foreign keys are checked last, so a row may point at what it nests (coverId → media).
        for fk, target in d.fk_targets.items():
            value = row.get(fk)
            if value is None or (old is not None and old.get(fk) == value):
                continue
            if value not in self.rows[target]:
                ctx.errors.append(_foreign_key(d, fk, target, value, f"{path}/{fk}"))
        if d.name == "category" and row.get("parentId"):
            self._check_category_cycle(eid, row["parentId"], f"{path}/parentId", ctx)
        return eid if len(ctx.errors) == errors_before else None

    def _write_related(
        self, d: EntityDef, eid: str, relation: Relation, value: Any, path: str, ctx: WriteCtx
    ) -> None:
        target = self.defs[relation.target]
        if relation.kind == "o2o_reverse":
            if value is not None:
                self._write(target, value, path, ctx, forced={relation.fk: eid})
            return
        if not isinstance(value, list):
            ctx.errors.append(_expected_array(path))
            return
        for index, item in enumerate(value):
            pointer = f"{path}/{index}"
            if relation.kind == "o2m":
                self._write(target, item, pointer, ctx, forced={relation.fk: eid})
                continue
            target_id = self._write(target, item, pointer, ctx)
            if target_id is None:
                continue
            pk = {relation.own_fk: eid, relation.target_fk: target_id}
            self._link(relation.mapping, pk, True)
            ctx.acc.write(relation.mapping, self._mapping_pk(relation.mapping, pk))

    def _mapping_pk(self, mapping: str, pk: dict[str, str]) -> dict[str, str]:
        first, second = self.defs[mapping].mapping  # type: ignore[misc]
        return {first: pk[first], second: pk[second]}

    def _write_mapping(
        self,
        d: EntityDef,
        data: dict[str, Any],
        path: str,
        ctx: WriteCtx,
        forced: dict[str, Any] | None,
    ) -> str | None:
        first, second = d.mapping  # type: ignore[misc]
        values: dict[str, str] = {}
        errors_before = len(ctx.errors)
        for key, value in data.items():
            pointer = f"{path}/{key}"
            if key in (first, second):
                if not is_uuid(value):
                    ctx.errors.append(_invalid_uuid(pointer, value))
                else:
                    values[key] = value
            elif key in d.fields and (key == "id" or key.endswith("VersionId")):
                if value is not None and not is_uuid(value):
                    ctx.errors.append(_invalid_uuid(pointer, value))
            elif key in d.relations and d.relations[key].kind == "m2o":
                relation = d.relations[key]
                target_id = self._write(self.defs[relation.target], value, pointer, ctx)
                if target_id is not None:
                    values[relation.fk] = target_id
            else:
                ctx.errors.append(_unexpected_field(pointer, key))
        if forced:
            values.update(forced)
        for key in (first, second):
            if key not in values and len(ctx.errors) == errors_before:
                ctx.errors.append(_not_blank(f"{path}/{key}"))
        if len(ctx.errors) > errors_before:
            return None
        for key in (first, second):
            target = d.fk_targets[key]
            if values[key] not in self.rows[target]:
                ctx.errors.append(_foreign_key(d, key, target, values[key], f"{path}/{key}"))
        if len(ctx.errors) > errors_before:
            return None
        pk = {first: values[first], second: values[second]}
        self._link(d.name, pk, True)
        ctx.acc.write(d.name, pk)
        return values[first]

    def _parse_translations(
        self,
        d: EntityDef,
        value: Any,
        path: str,
        ctx: WriteCtx,
        out: dict[str, dict[str, Any]],
    ) -> None:
        if isinstance(value, dict):
            entries = [(str(k), k, v) for k, v in value.items()]
        elif isinstance(value, list):
            entries = [
                (str(i), item.get("languageId") if isinstance(item, dict) else None, item)
                for i, item in enumerate(value)
            ]
        else:
            ctx.errors.append(_expected_array(path))
            return
        own_fk = f"{camel(d.name)}Id"
        for segment, key, item in entries:
            pointer = f"{path}/{segment}"
            language = self.resolve_language(key)
            if language is None:
                ctx.errors.append(
                    E.violation(
                        pointer,
                        f'The language "{key}" was not found.',
                        "FRAMEWORK__LANGUAGE_NOT_FOUND",
                        {"languageId": key},
                    )
                )
                continue
            if not isinstance(item, dict):
                ctx.errors.append(_expected_array(pointer))
                continue
            for name, field_value in item.items():
                if name in ("languageId", own_fk):
                    continue
                if name not in d.translated:
                    ctx.errors.append(_unexpected_field(f"{pointer}/{name}", name))
                    continue
                ok, norm = self._check(d, name, field_value, f"{pointer}/{name}", ctx)
                if ok:
                    out.setdefault(language, {})[name] = norm

    def _check_required(
        self,
        d: EntityDef,
        row: dict[str, Any],
        translations: dict[str, dict[str, Any]],
        explicit: set[str],
        create: bool,
        variant: bool,
        path: str,
        ctx: WriteCtx,
        invalid: set[str],
    ) -> None:
        for name in d.required:
            if name in ("id", "versionId") or name.endswith("VersionId") or name in invalid:
                continue
            if variant and name in d.inherited:
                continue
            if name in d.translated:
                system = translations.get(LANGUAGE_SYSTEM, {})
                if create:
                    if system.get(name) in (None, ""):
                        ctx.errors.append(
                            _not_blank(f"{path}/translations/{LANGUAGE_SYSTEM}/{name}")
                        )
                elif name in system and system[name] in (None, ""):
                    ctx.errors.append(_not_blank(f"{path}/{name}"))
                continue
            if create or name in explicit:
                value = row.get(name)
                if value is None or value == "":
                    ctx.errors.append(_not_blank(f"{path}/{name}"))

    def _check_unique(
        self, d: EntityDef, eid: str, row: dict[str, Any], path: str, ctx: WriteCtx
    ) -> None:
        for fields in d.unique:
            key = self._unique_key(row, fields)
            if key is None:
                continue
            owner = self.unique[(d.name, fields)].get(key)
            if owner is None or owner == eid:
                continue
            if d.name == "product":
                number = row["productNumber"]
                ctx.errors.append(
                    E.error(
                        400,
                        "CONTENT__DUPLICATE_PRODUCT_NUMBER",
                        f'Product with number "{number}" already exists.',
                        pointer=f"{path}/productNumber",
                        parameters={"number": number},
                    )
                )
            else:
                index_name = f"uniq.{d.name}." + "__".join(snake(f) for f in fields)
                entry = "-".join(str(v) for v in key)
                ctx.errors.append(
                    E.error(
                        400,
                        "1062",
                        "SQLSTATE[23000]: Integrity constraint violation: 1062 Duplicate entry "
                        f"'{entry}' for key '{d.name}.{index_name}'",
                        pointer=f"{path}/{fields[-1]}",
                        parameters={"fields": list(fields)},
                    )
                )

    def _check_category_cycle(self, eid: str, parent: str, pointer: str, ctx: WriteCtx) -> None:
        seen = {eid}
        current: str | None = parent
        while current:
            if current in seen:
                ctx.errors.append(E.violation(pointer, "A category cannot be its own ancestor."))
                return
            seen.add(current)
            current = self.rows["category"].get(current, {}).get("parentId")

    # -- field types -----------------------------------------------------------------------
    def _check(
        self, d: EntityDef, name: str, value: Any, pointer: str, ctx: WriteCtx
    ) -> tuple[bool, Any]:
        if value is None:
            return True, None
        kind = d.fields[name]["type"]
        problem: dict[str, Any] | None = None
        if kind == "id":
            if not is_uuid(value):
                problem = _invalid_uuid(pointer, value)
        elif kind == "string":
            if not isinstance(value, str):
                problem = _wrong_type(pointer, value, "string")
        elif kind == "int":
            if not isinstance(value, int) or isinstance(value, bool):
                problem = _wrong_type(pointer, value, "int")
        elif kind == "float":
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                problem = _wrong_type(pointer, value, "numeric")
            else:
                value = float(value)
        elif kind == "bool":
            if not isinstance(value, bool):
                problem = _wrong_type(pointer, value, "bool")
        elif kind == "datetime":
            parsed = parse_datetime(value)
            if parsed is None:
                problem = _not_datetime(pointer, value)
            else:
                value = format_datetime(parsed)
        elif kind == "enum":
            if value not in d.fields[name]["enum"]:
                problem = E.violation(
                    pointer,
                    "The value you selected is not a valid choice.",
                    E.NO_SUCH_CHOICE,
                    {
                        "{{ value }}": E.php_repr(value),
                        "{{ choices }}": ", ".join(f'"{c}"' for c in d.fields[name]["enum"]),
                    },
                )
        elif kind == "json":
            if not isinstance(value, (dict, list)):
                problem = _wrong_type(pointer, value, "array")
        elif kind in ("json_list", "string_list", "id_list"):
            if not isinstance(value, list):
                problem = _wrong_type(pointer, value, "array")
            elif kind == "string_list" and not all(isinstance(v, str) for v in value):
                problem = _wrong_type(pointer, value, "string[]")
            elif kind == "id_list":
                bad = next((v for v in value if not is_uuid(v)), None)
                if bad is not None:
                    problem = _invalid_uuid(pointer, bad)
        elif kind == "price_list":
            return self._check_prices(value, pointer, ctx)
        if problem is not None:
            ctx.errors.append(problem)
            return False, None
        return True, copy.deepcopy(value) if isinstance(value, (dict, list)) else value

    def _check_prices(self, value: Any, pointer: str, ctx: WriteCtx) -> tuple[bool, Any]:
        if not isinstance(value, list):
            ctx.errors.append(_wrong_type(pointer, value, "array"))
            return False, None
        before = len(ctx.errors)
        prices = []
        for index, item in enumerate(value):
            item_pointer = f"{pointer}/{index}"
            if not isinstance(item, dict):
                ctx.errors.append(_expected_array(item_pointer))
                continue
            for key in item:
                if key not in PRICE_KEYS:
                    ctx.errors.append(_unexpected_field(f"{item_pointer}/{key}", key))
            for key in ("currencyId", "gross", "net", "linked"):
                if key not in item:
                    ctx.errors.append(
                        E.violation(
                            f"{item_pointer}/{key}",
                            "This field is missing.",
                            E.MISSING_FIELD,
                            {"{{ field }}": f'"{key}"'},
                        )
                    )
            price = {"currencyId": item.get("currencyId")}
            if "currencyId" in item and not is_uuid(item["currencyId"]):
                ctx.errors.append(_invalid_uuid(f"{item_pointer}/currencyId", item["currencyId"]))
            for key in ("gross", "net"):
                amount = item.get(key)
                if key in item and (
                    not isinstance(amount, (int, float)) or isinstance(amount, bool)
                ):
                    ctx.errors.append(_wrong_type(f"{item_pointer}/{key}", amount, "numeric"))
                elif key in item:
                    price[key] = float(amount)
            if "linked" in item and not isinstance(item["linked"], bool):
                ctx.errors.append(_wrong_type(f"{item_pointer}/linked", item["linked"], "bool"))
            price["linked"] = item.get("linked")
            for key in ("listPrice", "regulationPrice"):
                nested = item.get(key)
                if nested is None:
                    price[key] = None
                    continue
                if not isinstance(nested, dict):
                    ctx.errors.append(_expected_array(f"{item_pointer}/{key}"))
                    continue
                clean: dict[str, Any] = {"currencyId": nested.get("currencyId")}
                for sub in ("gross", "net"):
                    amount = nested.get(sub)
                    if not isinstance(amount, (int, float)) or isinstance(amount, bool):
                        ctx.errors.append(
                            _wrong_type(f"{item_pointer}/{key}/{sub}", amount, "numeric")
                        )
                    else:
                        clean[sub] = float(amount)
                clean["linked"] = bool(nested.get("linked", False))
                price[key] = clean
            prices.append(price)
        if len(ctx.errors) > before:
            return False, None
        if not any(p["currencyId"] == CURRENCY_DEFAULT for p in prices):
            ctx.errors.append(
                E.violation(
                    pointer,
                    "No price for default currency defined",
                    E.CONSTRAINT_VIOLATION,
                )
            )
            return False, None
        return True, prices

    # -- deletes ---------------------------------------------------------------------------
    def _delete_row(self, d: EntityDef, item: Any, path: str, ctx: WriteCtx) -> None:
        if not isinstance(item, dict):
            ctx.errors.append(_expected_array(path))
            return
        keys = d.mapping or ("id",)
        missing = [k for k in keys if k not in item]
        if missing:
            ctx.errors.append(
                E.error(
                    400,
                    "FRAMEWORK__INCOMPLETE_PRIMARY_KEY",
                    f"The primary key consists of {len(keys)} fields. Please provide values "
                    f"for the following fields: {', '.join(keys)}",
                    pointer=path,
                    parameters={"fields": list(keys), "missingFields": missing},
                )
            )
            return
        for key in keys:
            if not is_uuid(item[key]):
                ctx.errors.append(_invalid_uuid(f"{path}/{key}", item[key]))
                return
        if d.mapping:
            pk = {k: item[k] for k in keys}
            if self._link(d.name, pk, False):
                ctx.acc.delete(d.name, pk)
            else:
                ctx.acc.miss(d.name, pk)
            return
        eid = item["id"]
        if eid not in self.rows[d.name]:
            ctx.acc.miss(d.name, eid)
            return
        self._delete_entity(d, eid, path, ctx, set())

    def delete_one(self, entity: str, eid: str, language_id: str) -> Acc:
        """DELETE /api/{entity}/{id}: one entity with its cascades, or a 404."""
        d = self.defs[entity]
        with self.lock:
            if eid not in self.rows[d.name]:
                raise E.resource_not_found(d.name, eid)
            ctx = WriteCtx(language_id, self.now())
            self.begin()
            try:
                self._delete_entity(d, eid, "", ctx, set())
                if ctx.errors:
                    self.rollback()
                    raise ApiError(int(ctx.errors[0]["status"]), ctx.errors)
                self.commit()
            except BaseException:
                if self._undo is not None:
                    self.rollback()
                raise
        return ctx.acc

    def unlink(self, mapping: str, pk: dict[str, str]) -> bool:
        with self.lock:
            return self._link(mapping, pk, False)

    def _delete_entity(
        self, d: EntityDef, eid: str, path: str, ctx: WriteCtx, seen: set[tuple[str, str]]
    ) -> None:
        if (d.name, eid) in seen or eid not in self.rows[d.name]:
            return
        seen.add((d.name, eid))
        if d.name == "language" and eid == LANGUAGE_SYSTEM:
            ctx.errors.append(
                E.error(
                    400,
                    "FRAMEWORK__LANGUAGE_FORBIDDEN_DELETE",
                    f'The language "{eid}" cannot be deleted.',
                    pointer=path,
                    parameters={"languageId": eid},
                )
            )
            return
        if d.name == "currency" and eid == CURRENCY_DEFAULT:
            ctx.errors.append(
                E.error(
                    400,
                    "CORE__CURRENCY_DELETION_OF_DEFAULT",
                    f"The default currency {eid} cannot be deleted.",
                    pointer=path,
                    parameters={"currencyId": eid},
                )
            )
            return
        usages = []
        for child, fk, policy in self.referrers[d.name]:
            if policy == "restrict":
                users = self.fk_index[(child, fk)].get(eid)
                if users:
                    usages.append(f"{child} ({len(users)})")
        if usages:
            ctx.errors.append(
                E.error(
                    400,
                    "FRAMEWORK__DELETE_RESTRICTED",
                    f"The delete request for {d.name} was denied due to a conflict. The entity "
                    f"is currently in use by: {', '.join(usages)}",
                    pointer=path,
                    parameters={"entity": d.name, "usages": usages},
                )
            )
            return
        for child, fk, policy in self.referrers[d.name]:
            users = sorted(self.fk_index[(child, fk)].get(eid, ()))
            child_def = self.defs[child]
            for user in users:
                if policy == "cascade":
                    self._delete_entity(child_def, user, path, ctx, seen)
                elif policy == "set_null":
                    row = dict(self.rows[child][user])
                    row[fk] = None
                    self._put(child, user, row)
        for mapping, own in self.mapping_sides[d.name]:
            first, second = self.defs[mapping].mapping  # type: ignore[misc]
            other_field = second if own == first else first
            for other in sorted(self.links[mapping][own].get(eid, ())):
                pk = {own: eid, other_field: other}
                self._link(mapping, pk, False)
                ctx.acc.delete(mapping, self._mapping_pk(mapping, pk))
        if d.translated:
            for language in sorted(self.translations[d.name].get(eid, {})):
                self._put_translation(d.name, eid, language, None)
                ctx.acc.delete(
                    f"{d.name}_translation", {f"{camel(d.name)}Id": eid, "languageId": language}
                )
        if d.name == "media" and eid in self.files:
            self._put_file(eid, None)
        self._put(d.name, eid, None)
        ctx.acc.delete(d.name, eid)

    # -- single-entity writes (POST / PATCH /api/{entity}) ---------------------------------
    def write_one(
        self, entity: str, data: Any, language_id: str, eid: str | None = None, create: bool = False
    ) -> str:
        d = self.defs[entity]
        with self.lock:
            if eid is not None and eid not in self.rows.get(d.name, {}):
                raise E.resource_not_found(d.name, eid)
            if isinstance(data, dict) and eid is not None:
                data = {**data, "id": eid}
            if create and isinstance(data, dict) and data.get("id") in self.rows.get(d.name, {}):
                raise ApiError.single(
                    400,
                    "FRAMEWORK__WRITE_INSERT_EXISTING",
                    f"The {d.name} with id {data['id']} already exists.",
                    pointer="/0/id",
                )
            ctx = WriteCtx(language_id, self.now())
            self.begin()
            try:
                written = self._write(d, data, "/0", ctx)
                if ctx.errors or written is None:
                    self.rollback()
                    raise ApiError(400, ctx.errors)
                self.commit()
            except BaseException:
                if self._undo is not None:
                    self.rollback()
                raise
            return written

    # -- media files -----------------------------------------------------------------------
    def attach_file(
        self,
        media_id: str,
        content: bytes,
        extension: str,
        file_name: str | None,
        mime_type: str,
        meta: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Store an uploaded file on a media row (FileSaver's checks included)."""
        from pimflow_sandbox.shopware6.media import media_type

        with self.lock:
            row = self.rows["media"].get(media_id)
            if row is None:
                raise ApiError.single(
                    404,
                    "CONTENT__MEDIA_NOT_FOUND",
                    f'Could not find media with id "{media_id}".',
                    parameters={"entity": "media", "field": "id", "value": media_id},
                )
            name = file_name if file_name is not None else media_id
            if not name.strip():
                raise ApiError.single(
                    400, "CONTENT__MEDIA_EMPTY_FILE_NAME", "A valid filename must be provided."
                )
            if any(c in name for c in "/\\") or name in (".", ".."):
                raise ApiError.single(
                    400,
                    "CONTENT__MEDIA_ILLEGAL_FILE_NAME",
                    f'Provided filename "{name}" is not permitted: contains a path separator',
                    parameters={"fileName": name, "cause": "contains a path separator"},
                )
            if len(name) > 255:
                raise ApiError.single(
                    400,
                    "CONTENT__MEDIA_FILE_NAME_IS_TOO_LONG",
                    "The provided file name is too long, the maximum length is 255 characters.",
                    parameters={"maxLength": 255},
                )
            fields = ("fileName", "fileExtension")
            key = self._unique_key({"fileName": name, "fileExtension": extension}, fields)
            owner = self.unique[("media", fields)].get(key)  # type: ignore[arg-type]
            if owner is not None and owner != media_id:
                raise ApiError.single(
                    400,
                    "CONTENT__MEDIA_DUPLICATED_FILE_NAME",
                    f'A file with the name "{name}.{extension}" already exists.',
                    parameters={"fileName": name, "fileExtension": extension},
                )
            digest = hashlib.sha256(content).hexdigest()
            now = self._now()
            stamp = int(now.timestamp())
            # Shopware's physical path: media/<3 hash pairs>/<timestamp>/<name>.<ext>
            path_hash = hashlib.md5(media_id.encode()).hexdigest()  # noqa: S324 - a path, not security
            path = f"media/{path_hash[0:2]}/{path_hash[2:4]}/{path_hash[4:6]}/{stamp}/{name}.{extension}"
            updated = dict(row)
            updated.update(
                {
                    "mimeType": mime_type,
                    "fileExtension": extension,
                    "fileName": name,
                    "fileSize": len(content),
                    "fileHash": digest,
                    "metaData": meta,
                    "mediaType": media_type(mime_type),
                    "uploadedAt": format_datetime(now),
                    "path": path,
                    "updatedAt": format_datetime(now),
                }
            )
            self._put("media", media_id, updated)
            self._put_file(media_id, content)
            return updated

    def file_by_path(self, path: str) -> tuple[bytes, str] | None:
        with self.lock:
            for media_id, row in self.rows["media"].items():
                if row.get("path") == path and media_id in self.files:
                    return self.files[media_id], row.get("mimeType") or "application/octet-stream"
        return None

    # ======================================================================================
    # reads
    # ======================================================================================
    def exists(self, entity: str, eid: str) -> bool:
        return eid in self.rows.get(entity, {})

    def ids(self, entity: str) -> Iterable[str]:
        return self.rows[entity].keys()

    def parent_of(self, d: EntityDef, eid: str) -> str | None:
        if not d.inherited:
            return None
        return self.rows[d.name].get(eid, {}).get("parentId")

    def related_ids(self, d: EntityDef, eid: str, relation: Relation, ctx: ReadCtx) -> list[str]:
        """The ids an association of one row leads to (inheritance resolved if asked)."""
        ids = self._own_related(d, eid, relation)
        if not ids and ctx.inherit and relation.name in d.inherited:
            parent = self.parent_of(d, eid)
            if parent:
                ids = self._own_related(d, parent, relation)
        return ids

    def _own_related(self, d: EntityDef, eid: str, relation: Relation) -> list[str]:
        if relation.kind == "m2o":
            value = self.rows[d.name].get(eid, {}).get(relation.fk)
            return [value] if value is not None and value in self.rows[relation.target] else []
        if relation.kind in ("o2m", "o2o_reverse"):
            members = self.fk_index[(relation.target, relation.fk)].get(eid)
            if not members:
                return []
            table = self.rows[relation.target]
            return sorted(members, key=lambda i: table[i].get("_seq", 0))
        links = self.links[relation.mapping][relation.own_fk].get(eid)
        return sorted(links) if links else []

    def field_value(self, d: EntityDef, eid: str, name: str, ctx: ReadCtx) -> Any:
        """One field as the API shows it (translation chain for filters and sorting)."""
        if name == "id":
            return eid
        row = self.rows[d.name][eid]
        if name in d.translated:
            value = self.translated_value(d, eid, name, ctx.chain)
        elif name in d.computed or name in COMPUTED.get(d.name, {}):
            value = self.computed(d, eid, name, ctx)
        else:
            value = row.get(name)
        if value is None and ctx.inherit and name in d.inherited:
            parent = self.parent_of(d, eid)
            if parent and parent in self.rows[d.name]:
                return self.field_value(
                    d, parent, name, ReadCtx(ctx.language_id, False, ctx.base_url, ctx.chain)
                )
        return value

    def translated_value(self, d: EntityDef, eid: str, name: str, chain: tuple[str, ...]) -> Any:
        langs = self.translations[d.name].get(eid)
        if not langs:
            return None
        for language in chain:
            value = langs.get(language, {}).get(name)
            if value is not None:
                return value
        return None

    def computed(self, d: EntityDef, eid: str, name: str, ctx: ReadCtx) -> Any:
        handler = COMPUTED.get(d.name, {}).get(name)
        if handler is not None:
            return handler(self, eid, ctx)
        return self.rows[d.name][eid].get(name)

    def translation_rows(self, d: EntityDef, eid: str) -> list[dict[str, Any]]:
        """The `translations` association: one row per language the entity has."""
        own_fk = f"{camel(d.name)}Id"
        rows = []
        for language, values in self.translations[d.name].get(eid, {}).items():
            row: dict[str, Any] = {own_fk: eid, "languageId": language}
            for name in d.fields:
                if name in d.translated:
                    value = values.get(name)
                    row[name] = copy.deepcopy(value) if isinstance(value, (dict, list)) else value
            row["apiAlias"] = f"{d.name}_translation"
            rows.append(row)
        return rows

    def serialize(
        self,
        d: EntityDef,
        eid: str,
        ctx: ReadCtx,
        loaded: dict[str, list[dict[str, Any]] | dict[str, Any] | None] | None = None,
    ) -> dict[str, Any]:
        """One entity in Shopware's plain JSON form (`Accept: application/json`)."""
        row = self.rows[d.name][eid]
        parent = self.parent_of(d, eid) if ctx.inherit else None
        parent_row = self.rows[d.name].get(parent) if parent else None
        own_langs = self.translations.get(d.name, {}).get(eid, {})
        out: dict[str, Any] = {}
        for name, spec in d.fields.items():
            if name == "translated":
                continue
            if name == "id":
                out["id"] = eid
            elif name == "versionId" or name.endswith("VersionId"):
                out[name] = LIVE_VERSION
            elif name in d.translated:
                value = own_langs.get(ctx.language_id, {}).get(name)
                if value is None and parent_row is not None and name in d.inherited:
                    value = (
                        self.translations[d.name].get(parent, {}).get(ctx.language_id, {}).get(name)
                    )
                out[name] = value
            elif name in d.computed or name in COMPUTED.get(d.name, {}):
                out[name] = self.computed(d, eid, name, ctx)
            else:
                value = row.get(name)
                if value is None and parent_row is not None and name in d.inherited:
                    value = parent_row.get(name)
                if spec["type"] == "price_list" and value is not None:
                    value = [render_price(p) for p in value]
                out[name] = copy.deepcopy(value) if isinstance(value, (dict, list)) else value
        if "translated" in d.fields:
            translated = {}
            for name in d.translated:
                value = self.translated_value(d, eid, name, ctx.chain)
                if value is None and parent_row is not None and name in d.inherited:
                    value = self.translated_value(d, parent, name, ctx.chain)  # type: ignore[arg-type]
                translated[name] = value
            out["translated"] = translated
        for name in d.relations:
            out[name] = None
        for name in d.unsupported:
            out[name] = None
        if loaded:
            out.update(loaded)
        out["apiAlias"] = d.name
        return out

    # ======================================================================================
    # snapshot
    # ======================================================================================
    def to_snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "version": SNAPSHOT_VERSION,
                "seed": self.seed,
                "rows": self.rows,
                "translations": self.translations,
                "links": {
                    m: {f: {k: sorted(v) for k, v in side.items()} for f, side in sides.items()}
                    for m, sides in self.links.items()
                },
                "files": {k: base64.b64encode(v).decode("ascii") for k, v in self.files.items()},
                "counters": self.counters,
            }

    def save(self, path: str | Path) -> None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + f".tmp-{os.getpid()}")
        tmp.write_text(json.dumps(self.to_snapshot(), separators=(",", ":")), encoding="utf-8")
        tmp.replace(target)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> Store:
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unsupported snapshot version {data.get('version')!r}")
        store = cls(seed=int(data.get("seed", 42)))
        for entity, rows in data["rows"].items():
            for eid, row in rows.items():
                store._put(entity, eid, row)
        for entity, by_id in data["translations"].items():
            for eid, langs in by_id.items():
                for language, values in langs.items():
                    store._put_translation(entity, eid, language, values)
        for mapping, sides in data["links"].items():
            first = store.defs[mapping].mapping[0]  # type: ignore[index]
            second = store.defs[mapping].mapping[1]  # type: ignore[index]
            for a, others in sides.get(first, {}).items():
                for b in others:
                    store._link(mapping, {first: a, second: b}, True)
        store.files = {k: base64.b64decode(v) for k, v in data.get("files", {}).items()}
        store.counters = dict(data.get("counters", {}))
        return store

    @classmethod
    def load(cls, path: str | Path) -> Store:
        return cls.from_snapshot(json.loads(Path(path).read_text(encoding="utf-8")))


# -- computed fields ---------------------------------------------------------------------------


def render_price(price: dict[str, Any]) -> dict[str, Any]:
    out = {
        "currencyId": price.get("currencyId"),
        "net": price.get("net"),
        "gross": price.get("gross"),
        "linked": price.get("linked"),
        "listPrice": copy.deepcopy(price.get("listPrice")),
        "percentage": None,
        "regulationPrice": copy.deepcopy(price.get("regulationPrice")),
        "apiAlias": "price",
    }
    list_price = price.get("listPrice")
    if list_price and list_price.get("gross") and list_price.get("net"):
        out["percentage"] = {
            "net": round(100 - price["net"] / list_price["net"] * 100, 2),
            "gross": round(100 - price["gross"] / list_price["gross"] * 100, 2),
        }
    return out


def _product_links(store: Store, eid: str, ctx: ReadCtx, relation: str) -> list[str] | None:
    d = store.defs["product"]
    ids = store.related_ids(
        d, eid, d.relations[relation], ReadCtx(ctx.language_id, True, ctx.base_url, ctx.chain)
    )
    return ids or None


def _category_ancestors(store: Store, category_id: str) -> list[str]:
    chain = []
    current: str | None = category_id
    seen = set()
    while current and current not in seen and current in store.rows["category"]:
        seen.add(current)
        chain.append(current)
        current = store.rows["category"][current].get("parentId")
    return list(reversed(chain))


def _category_tree(store: Store, eid: str, ctx: ReadCtx) -> list[str] | None:
    categories = _product_links(store, eid, ctx, "categories")
    if not categories:
        return None
    tree: list[str] = []
    for category in categories:
        for ancestor in _category_ancestors(store, category):
            if ancestor not in tree:
                tree.append(ancestor)
    return tree


def _product_available(store: Store, eid: str, ctx: ReadCtx) -> bool:
    d = store.defs["product"]
    inherit = ReadCtx(ctx.language_id, True, ctx.base_url, ctx.chain)
    stock = store.field_value(d, eid, "stock", inherit) or 0
    closeout = store.field_value(d, eid, "isCloseout", inherit) or False
    minimum = store.field_value(d, eid, "minPurchase", inherit) or 1
    return (not closeout) or stock >= minimum


def _display_group(store: Store, eid: str, ctx: ReadCtx) -> str:
    row = store.rows["product"][eid]
    options = store._own_related(
        store.defs["product"], eid, store.defs["product"].relations["options"]
    )
    base = (row.get("parentId") or eid) + ("".join(sorted(options)) if row.get("parentId") else "")
    return hashlib.md5(base.encode()).hexdigest()  # noqa: S324 - an id, not security


def _category_path(store: Store, eid: str, ctx: ReadCtx) -> str | None:
    ancestors = _category_ancestors(store, eid)[:-1]
    return "|" + "|".join(ancestors) + "|" if ancestors else None


def _category_breadcrumb(store: Store, eid: str, ctx: ReadCtx) -> list[str]:
    d = store.defs["category"]
    return [
        store.translated_value(d, cid, "name", ctx.chain) or ""
        for cid in _category_ancestors(store, eid)
    ]


def _child_count(entity: str) -> Callable[[Store, str, ReadCtx], int]:
    def count(store: Store, eid: str, ctx: ReadCtx) -> int:
        return len(store.fk_index[(entity, "parentId")].get(eid, ()))

    return count


def _visible_child_count(store: Store, eid: str, ctx: ReadCtx) -> int:
    rows = store.rows["category"]
    return sum(
        1
        for cid in store.fk_index[("category", "parentId")].get(eid, ())
        if rows[cid].get("visible")
    )


def _media_url(store: Store, eid: str, ctx: ReadCtx) -> str | None:
    path = store.rows["media"][eid].get("path")
    return f"{ctx.base_url}/{path}" if path else None


def _media_folder_path(store: Store, eid: str, ctx: ReadCtx) -> str | None:
    chain = []
    current = store.rows["media_folder"][eid].get("parentId")
    while current and current not in chain and current in store.rows["media_folder"]:
        chain.append(current)
        current = store.rows["media_folder"][current].get("parentId")
    return "|" + "|".join(reversed(chain)) + "|" if chain else None


COMPUTED: dict[str, dict[str, Callable[[Store, str, ReadCtx], Any]]] = {
    "product": {
        "childCount": _child_count("product"),
        "availableStock": lambda s, i, c: s.field_value(
            s.defs["product"], i, "stock", ReadCtx(c.language_id, True, c.base_url, c.chain)
        ),
        "available": _product_available,
        "categoryTree": _category_tree,
        "categoryIds": lambda s, i, c: _product_links(s, i, c, "categories"),
        "propertyIds": lambda s, i, c: _product_links(s, i, c, "properties"),
        "optionIds": lambda s, i, c: (
            s._own_related(s.defs["product"], i, s.defs["product"].relations["options"]) or None
        ),
        "displayGroup": _display_group,
        "sales": lambda s, i, c: 0,
        "variation": lambda s, i, c: [],
        "states": lambda s, i, c: [],
    },
    "category": {
        "path": _category_path,
        "level": lambda s, i, c: len(_category_ancestors(s, i)),
        "breadcrumb": _category_breadcrumb,
        "childCount": _child_count("category"),
        "visibleChildCount": _visible_child_count,
    },
    "media": {
        "url": _media_url,
        "hasFile": lambda s, i, c: s.rows["media"][i].get("path") is not None,
    },
    "media_folder": {"childCount": _child_count("media_folder"), "path": _media_folder_path},
    "currency": {"isSystemDefault": lambda s, i, c: i == CURRENCY_DEFAULT},
    "rule": {"invalid": lambda s, i, c: False, "areas": lambda s, i, c: []},
    "sales_channel": {
        "paymentMethodIds": lambda s, i, c: [
            x for x in [s.rows["sales_channel"][i].get("paymentMethodId")] if x
        ]
    },
}


# -- error builders ----------------------------------------------------------------------------


def _invalid_uuid(pointer: str, value: Any) -> dict[str, Any]:
    shown = value if isinstance(value, str) else json.dumps(value)
    return E.error(
        400,
        "FRAMEWORK__INVALID_UUID",
        f"Value is not a valid UUID: {shown}",
        pointer=pointer,
        parameters={"input": shown},
    )


def _unexpected_field(pointer: str, name: str) -> dict[str, Any]:
    return E.error(
        400,
        "FRAMEWORK__WRITE_UNEXPECTED_FIELD_ERROR",
        f"Unexpected field: {name}",
        pointer=pointer,
        parameters={"field": name},
    )


def _expected_array(pointer: str) -> dict[str, Any]:
    return E.error(
        400,
        "FRAMEWORK__WRITE_MALFORMED_INPUT",
        f"Expected data at {pointer} to be an array.",
        pointer=pointer,
        parameters={"path": pointer},
    )


def _not_blank(pointer: str) -> dict[str, Any]:
    return E.violation(
        pointer, "This value should not be blank.", E.NOT_BLANK, {"{{ value }}": "null"}
    )


def _wrong_type(pointer: str, value: Any, kind: str) -> dict[str, Any]:
    return E.violation(
        pointer,
        f"This value should be of type {kind}.",
        E.INVALID_TYPE,
        {"{{ value }}": E.php_repr(value), "{{ type }}": kind},
    )


def _not_datetime(pointer: str, value: Any) -> dict[str, Any]:
    return E.violation(
        pointer,
        "This value is not a valid datetime.",
        E.INVALID_DATETIME,
        {"{{ value }}": E.php_repr(value)},
    )


def _write_protected(pointer: str) -> dict[str, Any]:
    return E.violation(
        pointer,
        'This field is write-protected. (Got: "crud" scope and "system" is required)',
        E.CONSTRAINT_VIOLATION,
        {"{{ scope }}": "crud"},
    )


def _foreign_key(d: EntityDef, fk: str, target: str, value: str, pointer: str) -> dict[str, Any]:
    """Real Shopware lets MySQL refuse this (a 500 for the whole request); see the docs."""
    column = snake(fk)
    return E.error(
        400,
        "1452",
        "SQLSTATE[23000]: Integrity constraint violation: 1452 Cannot add or update a child "
        f"row: a foreign key constraint fails (`shopware`.`{d.name}`, CONSTRAINT "
        f"`fk.{d.name}.{column}` FOREIGN KEY (`{column}`) REFERENCES `{target}` (`id`))",
        pointer=pointer,
        parameters={"entity": target, "field": fk, "value": value},
    )


def _invalid_sync_criteria(key: str) -> ApiError:
    return ApiError.single(
        400,
        "FRAMEWORK__INVALID_SYNC_CRITERIA",
        f'Sync operation {key}, with action "delete", requires a criteria with at least one '
        "filter and can only be applied for mapping entities",
        parameters={"key": key},
    )
