"""`/api/_action/sync`: its operations, their validation, deletes by criteria."""

from __future__ import annotations

from typing import Any

from pimflow_sandbox.shopware6 import errors as E
from pimflow_sandbox.shopware6.errors import ApiError
from pimflow_sandbox.shopware6.schema import (
    EntityDef,
)
from pimflow_sandbox.shopware6.state.core import Acc, WriteCtx
from pimflow_sandbox.shopware6.state.violations import _invalid_sync_criteria


class SyncMixin:
    """The sync API's operations."""

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
