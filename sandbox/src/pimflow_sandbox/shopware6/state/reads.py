"""Reads: rows, relations, translated and inherited values, computed fields, serialization."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from pimflow_sandbox.shopware6.schema import (
    LIVE_VERSION,
    EntityDef,
    Relation,
)
from pimflow_sandbox.shopware6.state.computed import COMPUTED
from pimflow_sandbox.shopware6.state.core import ReadCtx, camel
from pimflow_sandbox.shopware6.state.products import render_price


class ReadsMixin:
    """Reads of rows as the Admin API renders them."""

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
