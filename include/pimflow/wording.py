"""How a run's outcome is said, the same in the summary, the report page and the run's
note: its status in words, and a dry run's counts as what the run would do. (Apart from
pimflow/report.py, which writes the HTML page with pimflow/ui, so both can use it.)"""

from __future__ import annotations

from typing import Any

from pimflow.results import COUNTS, FIGURES

SUCCESS, REFUSALS, FAILED = "success", "completed_with_refusals", "failed"
# A dry run's counts are what the run would do: said so wherever a count is shown.
DRY_RUN_WORDS = {
    "created": "would create",
    "updated": "would update",
    "deleted": "would delete",
    "deactivated": "would deactivate",
    "repaired": "would repair",
}
DRY_RUN_BANNER = "DRY RUN — nothing was written"


def refused_count(report: dict[str, Any]) -> int:
    """Items the shop (or the mapping) refused: every entity's `failed`."""
    return sum(int(c.get("failed", 0)) for c in (report.get("counts") or {}).values())


def status_text(report: dict[str, Any]) -> str:
    """The run's outcome in words: `success`, `completed with 3 refused`, `failed`."""
    status = str(report.get("status") or "unknown")
    if status == REFUSALS:
        return f"completed with {report.get('refused', refused_count(report))} refused"
    return status


def count_words(report: dict[str, Any]) -> dict[str, str]:
    """How each count is named: a dry run's say what the run would do."""
    words = {key: key for key in COUNTS + FIGURES}
    if report.get("dry_run"):
        words.update(DRY_RUN_WORDS)
    return words
