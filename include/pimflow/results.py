"""What a stage reports: counts per entity and per-item errors, one shape for every target.

Every upload stage of every target returns `StageResult.as_dict()` through XCom; the run
report (pimflow/report.py) adds them up, the UI (pimflow/ui) shows them, the Asset event
carries the counts. So one definition of the counts and of an error serves them all:

    counts: {entity: {read, created, updated, unchanged, skipped, failed, deleted, deactivated}}
            (and `repaired` where a verifying reconcile repaired some: see FIGURES)
    adopted: {entity: n}  (beside the counts, only when some: see `StageResult.adopt`)
    errors: [{entity, identifier, field, reason, details}]
    repairs: [{entity, identifier, fields}]  (only when some were repaired)
    plan:   {entries: [{entity, identifier, action, changes}], total}  (pimflow/plan.py)

`identifier` is what a person finds the item by (a product's identifier, a category's or
feature's code, with a word saying which when the entity does not); `field` the shop's or
Akeneo's field at fault ("" when the whole item was refused); `details` anything more
(a shop's error code), "" when there is nothing. No credential ever goes in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypedDict

from pimflow.plan import STAGE_PLAN_CAP, PlanEntry, plan_entry

COUNTS = (
    "read",
    "created",
    "updated",
    "unchanged",
    "skipped",
    "failed",
    "deleted",
    "deactivated",
)
# Every item read ends in exactly one of these (`count_problems` in pimflow/report.py):
#     read = created + updated + unchanged + skipped + failed
# `deleted` and `deactivated` count what left Akeneo (never read, so apart from the sum).
OUTCOMES = ("created", "updated", "unchanged", "skipped", "failed")
REMOVALS = ("deleted", "deactivated")
# Figures about items already counted in an outcome, apart from the sum and kept only where
# non-zero, from a verifying reconcile (pimflow/verify.py): `verified` rows, unchanged since
# pimflow wrote them, were read back from the shop; `repaired` ones held otherwise there
# (edited in the shop) and were sent again, so they are also counted as `updated`.
FIGURES = ("verified", "repaired")
# Creates whose answer was lost and that were found and adopted (`StageResult.adopt`): a
# stage summary's {entity: n}, apart from the counts.
ADOPTED = "adopted"

# How many plan entries a stage keeps: all a dry run can show (STAGE_PLAN_CAP), a real
# run's sample (REAL_RUN_PLAN). The stage runner sets it, so a real run does not compute
# (nor fetch old payloads for) thousands of entries only to drop them.
_plan_cap: ContextVar[int] = ContextVar("pimflow_plan_cap", default=STAGE_PLAN_CAP)


@contextmanager
def plan_cap(entries: int) -> Iterator[None]:
    """Within this block, every new StageResult keeps at most `entries` plan entries."""
    token = _plan_cap.set(entries)
    try:
        yield
    finally:
        _plan_cap.reset(token)


class ItemError(TypedDict):
    entity: str
    identifier: str
    field: str
    reason: str
    details: str


def item_error(
    entity: str, identifier: Any, field_name: str, reason: str, details: str = ""
) -> ItemError:
    return {
        "entity": entity,
        "identifier": str(identifier),
        "field": field_name,
        "reason": reason,
        "details": details,
    }


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(COUNTS, 0)


def add_counts(total: dict[str, dict[str, int]], counts: Mapping[str, Mapping[str, int]]) -> None:
    """Add one stage's counts into `total`, entity by entity."""
    for entity, entity_counts in counts.items():
        bucket = total.setdefault(entity, empty_counts())
        for key in COUNTS:
            bucket[key] += int(entity_counts.get(key, 0))
        for key in FIGURES:
            if entity_counts.get(key):
                bucket[key] = bucket.get(key, 0) + int(entity_counts[key])


@dataclass
class StageResult:
    """Counts per entity and every per-item error of one stage, for the run report."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[ItemError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # stage-specific figures
    planned: list[PlanEntry] = field(default_factory=list)  # the first `plan_cap`
    planned_total: int = 0
    plan_cap: int = field(default_factory=_plan_cap.get)
    repairs: list[dict[str, Any]] = field(default_factory=list)  # what `repaired` counts

    def count(self, entity: str, what: str, n: int = 1) -> None:
        if what not in COUNTS and what not in FIGURES:
            raise ValueError(f"{what!r} is not a count ({', '.join(COUNTS + FIGURES)})")
        bucket = self.counts.setdefault(entity, empty_counts())
        bucket[what] = bucket.get(what, 0) + n

    def repaired(self, entity: str, identifier: Any, fields: Iterable[str]) -> None:
        """The item, edited in the shop since pimflow wrote it, was sent again (counted in its
        outcome, `updated`, as well): which of its fields the shop held otherwise."""
        self.count(entity, "repaired")
        self.repairs.append(
            {"entity": entity, "identifier": str(identifier), "fields": sorted(set(fields))}
        )

    def adopt(self, entity: str, n: int = 1) -> None:
        """A create whose answer was lost, found in the shop by its natural key and adopted
        instead of being made twice. Still counted `created` (this run made it): `adopted`
        is a figure beside the counts, outside `read = created + ... + failed`."""
        adopted = self.extra.setdefault(ADOPTED, {})
        adopted[entity] = adopted.get(entity, 0) + n

    def fail(
        self, entity: str, identifier: Any, field_name: str, reason: str, details: str = ""
    ) -> None:
        """The item was not written: counted as failed, and why."""
        self.count(entity, "failed")
        self.errors.append(item_error(entity, identifier, field_name, reason, details))

    def warn(
        self, entity: str, identifier: Any, field_name: str, reason: str, details: str = ""
    ) -> None:
        """The item was written, but not all of it (or not yet): reported, not counted."""
        self.errors.append(item_error(entity, identifier, field_name, reason, details))

    def plan(
        self,
        entity: str,
        identifier: Any,
        action: str,
        old: Mapping[str, Any] | None = None,
        new: Mapping[str, Any] | None = None,
    ) -> None:
        """The item is written (or would be, in a dry run): which fields change, old → new
        (`old`: the payload last written, from the state store; None if unknown)."""
        self.planned_total += 1
        if self.wants_plan():
            self.planned.append(plan_entry(entity, identifier, action, old, new))

    def wants_plan(self) -> bool:
        """Whether another plan entry would be kept: if not, a stage need not fetch the old
        payload to compare with (the entry is only counted in the plan's total)."""
        return len(self.planned) < self.plan_cap

    def extend(self, errors: Iterable[ItemError]) -> None:
        self.errors.extend(errors)

    def as_dict(self, calls: int | None = None) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "counts": {entity: dict(counts) for entity, counts in self.counts.items()},
            "errors": list(self.errors),
            **self.extra,
        }
        if self.repairs:
            summary["repairs"] = list(self.repairs)
        if self.planned_total:
            summary["plan"] = {"entries": list(self.planned), "total": self.planned_total}
        if calls is not None:
            summary["calls"] = calls
        return summary
