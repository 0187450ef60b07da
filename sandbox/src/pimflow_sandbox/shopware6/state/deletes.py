"""Deletes: of rows and mapping rows, with the cascades and restrictions of the schema."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pimflow_sandbox.shopware6 import errors as E
from pimflow_sandbox.shopware6.errors import ApiError
from pimflow_sandbox.shopware6.schema import (
    CURRENCY_DEFAULT,
    LANGUAGE_SYSTEM,
    EntityDef,
)
from pimflow_sandbox.shopware6.state.core import WriteCtx, camel, is_uuid
from pimflow_sandbox.shopware6.state.violations import _expected_array, _invalid_uuid

if TYPE_CHECKING:
    from pimflow_sandbox.shopware6.state.core import Acc


class DeletesMixin:
    """Deletes and their cascades."""

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
