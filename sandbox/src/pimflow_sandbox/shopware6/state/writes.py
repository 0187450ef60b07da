"""Writes of one row: nested writes of its relations, mapping rows, translations, required
and unique fields, category cycles; and the single-entity writes (POST/PATCH /api/{entity})."""

from __future__ import annotations

import copy
from typing import Any

from pimflow_sandbox.shopware6 import errors as E
from pimflow_sandbox.shopware6.errors import ApiError
from pimflow_sandbox.shopware6.schema import (
    LANGUAGE_SYSTEM,
    EntityDef,
    Relation,
)
from pimflow_sandbox.shopware6.state.core import (
    WriteCtx,
    camel,
    format_datetime,
    is_uuid,
    new_id,
    parse_datetime,
    snake,
)
from pimflow_sandbox.shopware6.state.violations import (
    _expected_array,
    _foreign_key,
    _invalid_uuid,
    _not_blank,
    _not_datetime,
    _unexpected_field,
    _write_protected,
)


class WritesMixin:
    """Writes of one row and what it brings along."""

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
            if (  # an id that is no uuid is refused by _write, as Shopware does
                create
                and isinstance(data, dict)
                and is_uuid(data.get("id"))
                and data["id"] in self.rows.get(d.name, {})
            ):
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
