"""The field-level plan: for each item a run writes, which fields change, old → new.

Derived from the payload the state store kept from the last write of the item
(`StateStore.payloads`), never from a second read of the shop. The stage that finds an
item changed calls `StageResult.plan(entity, identifier, action, old, new)`; the report
gathers the entries (all of them in a dry run, the first `REAL_RUN_PLAN` of each stage in
a real run) and the report page shows them with a filter by product and entity.

    {"entity": "product", "identifier": "1111111171", "action": "update",
     "changes": [{"field": "translations.<language>.name", "old": "Bag", "new": "Big bag"}]}

Nested objects are compared key by key (dotted paths); a list is one field, shown as
compact JSON. Values are text, cut at `MAX_TEXT` characters; a field absent on one side is
`None` there. `action` is `create` (nothing was written before: every field is new),
`update`, `delete` or `deactivate`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypedDict

ACTIONS = ("create", "update", "delete", "deactivate")
MAX_TEXT = 120  # characters of a value shown in the plan
STAGE_PLAN_CAP = 10_000  # entries one stage keeps (beyond: counted in `total` only)
REAL_RUN_PLAN = 200  # entries one stage of a real (not dry) run reports


class FieldChange(TypedDict):
    field: str
    old: str | None
    new: str | None


class PlanEntry(TypedDict):
    entity: str
    identifier: str
    action: str
    changes: list[FieldChange]


def flatten(payload: Any, prefix: str = "") -> dict[str, Any]:
    """`{"a": {"b": 1}, "c": [1]}` → `{"a.b": 1, "c": [1]}`: one entry per leaf field."""
    if not isinstance(payload, Mapping):
        return {prefix: payload} if prefix else {}
    flat: dict[str, Any] = {}
    for key, value in payload.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, path))
        else:
            flat[path] = value
    return flat


def shown(value: Any) -> str | None:
    """A value as the plan shows it: text, compact JSON for anything else, cut short."""
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def field_changes(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> list[FieldChange]:
    """The fields whose value differs between two payloads, sorted by field."""
    before, after = flatten(old or {}), flatten(new or {})
    return [
        {"field": name, "old": shown(before.get(name)), "new": shown(after.get(name))}
        for name in sorted(before.keys() | after.keys())
        if _comparable(before.get(name)) != _comparable(after.get(name))
    ]


def _comparable(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def plan_entry(
    entity: str,
    identifier: Any,
    action: str,
    old: Mapping[str, Any] | None = None,
    new: Mapping[str, Any] | None = None,
) -> PlanEntry:
    if action not in ACTIONS:
        raise ValueError(f"{action!r} is not a plan action ({', '.join(ACTIONS)})")
    return {
        "entity": entity,
        "identifier": str(identifier),
        "action": action,
        "changes": field_changes(old, new) if action in ("create", "update") else [],
    }
