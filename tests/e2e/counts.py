"""What every report and stage summary must say of its counts (issue 14): each item read
ends in exactly one outcome; removals are counted apart; each write has its plan entry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pimflow.results import OUTCOMES, REMOVALS


def assert_counts_add_up(counts: Mapping[str, Mapping[str, int]], where: str = "") -> None:
    """read = created + updated + unchanged + skipped + failed, for every entity."""
    assert counts, f"{where}: no counts"
    for entity, figures in counts.items():
        outcomes = {key: figures.get(key, 0) for key in OUTCOMES}
        assert figures["read"] == sum(outcomes.values()), (where, entity, dict(figures))


def writes(counts: Mapping[str, Mapping[str, int]]) -> int:
    """The items a summary says it created, updated or removed (each one planned)."""
    return sum(
        figures.get(key, 0)
        for figures in counts.values()
        for key in ("created", "updated", *REMOVALS)
    )


def plan_entries(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The plan entries of a run report (gathered from its upload stages by build_report)."""
    return list((report.get("plan") or {}).get("entries") or [])
