"""Run reports as HTML: the overview of the last runs per DAG, and one run's full report.

Jinja with autoescaping on: product identifiers, field names and reasons come from Akeneo
and from the shops' error messages, so every value is escaped. Only what a report holds is
shown (counts, identifiers, reasons), never connection settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader

from pimflow.results import COUNTS as COUNT_ORDER  # known counts first, in a sync's order
from pimflow.wording import count_words, status_text

ERROR_COLUMNS = ("identifier", "entity", "field", "reason")
OVERVIEW_ERRORS = 50  # per run on the overview; the run's own page shows every one
PLAN_PAGE = 1000  # plan entries a run's page shows (the filter finds the others)
STATUSES = ("success", "completed_with_refusals", "failed")  # each has its colour

_env = Environment(
    loader=PackageLoader("pimflow.ui", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def count_columns(reports: Iterable[dict[str, Any]]) -> list[str]:
    """The count columns the reports have: the known ones in order, then any others."""
    seen: set[str] = set()
    for report in reports:
        for entity_counts in (report.get("counts") or {}).values():
            seen.update(entity_counts)
    return [k for k in COUNT_ORDER if k in seen] + sorted(seen - set(COUNT_ORDER))


def error_rows(report: dict[str, Any]) -> list[dict[str, str]]:
    """Each error as identifier / entity / field / reason / details (pimflow/results.py);
    keys an error has beyond those are added to its details."""
    rows = []
    for error in report.get("errors") or []:
        if not isinstance(error, dict):
            rows.append({"identifier": "", "entity": "", "field": "", "reason": str(error)})
            continue
        if "identifier" not in error and "product" in error:  # a report from before 0.2
            error = {**error, "identifier": error["product"]}
            del error["product"]
        row = {key: "" if error.get(key) is None else str(error[key]) for key in ERROR_COLUMNS}
        others = {k: v for k, v in error.items() if k not in (*ERROR_COLUMNS, "details") and v}
        details = [str(error["details"])] if error.get("details") else []
        details += [f"{k}: {v}" for k, v in sorted(others.items())]
        row["details"] = ", ".join(details)
        rows.append(row)
    return rows


def repair_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """What a verifying reconcile repaired (pimflow/results.py `repairs`): identifier,
    entity, the fields the shop held otherwise, the stage."""
    return [
        {
            "identifier": str(r.get("identifier", "")),
            "entity": str(r.get("entity", "")),
            "fields": [str(f) for f in r.get("fields") or []],
            "stage": str(r.get("stage", "")),
        }
        for r in report.get("repairs") or []
        if isinstance(r, dict)
    ]


def run_href(report: dict[str, Any], prefix: str = "") -> str:
    return f"{prefix}runs/{quote(report['dag_id'], safe='')}/{quote(report['run_id'], safe='')}"


def _view(report: dict[str, Any]) -> dict[str, Any]:
    """What the templates show of a report, with defaults for fields an older one lacks."""
    counts = report.get("counts") or {}
    calls = report.get("calls") or {}
    return {
        "dag_id": report.get("dag_id", ""),
        "run_id": report.get("run_id", ""),
        "target": report.get("target", ""),
        "status": str(report.get("status") or "unknown"),
        "status_text": status_text(report),
        "dry_run": bool(report.get("dry_run")),
        "words": count_words(report),
        "refused": report.get("refused", 0),
        "would_write": report.get("would_write") or {},
        "count_problems": report.get("count_problems") or [],
        "adopted": dict(sorted((report.get("adopted") or {}).items())),
        "mode": report.get("requested_mode") or report.get("mode") or "full",
        "window": report.get("window"),
        "started": report.get("started", ""),
        "finished": report.get("finished", ""),
        "wall_seconds": report.get("wall_seconds"),
        "read": report.get("read") or {},
        "counts": {entity: counts[entity] for entity in sorted(counts)},
        "calls": calls,
        "failed_stages": report.get("failed_stages") or [],
        "cause": report.get("cause"),
        "notes": report.get("notes") or [],
        "errors": error_rows(report),
        "repairs": repair_rows(report),
    }


def render_overview(
    reports_by_dag: dict[str, list[dict[str, Any]]],
    *,
    staging: str,
    limit: int,
    href: Callable[[dict[str, Any]], str] = run_href,
) -> str:
    """The page of the last runs of every DAG (newest first), their counts and errors."""
    dags = [
        {
            "dag_id": dag_id,
            "target": reports[0].get("target", "") if reports else "",
            "columns": count_columns(reports),
            "runs": [{**_view(r), "href": href(r)} for r in reports],
        }
        for dag_id, reports in sorted(reports_by_dag.items())
    ]
    return _env.get_template("overview.html").render(
        dags=dags, staging=staging, limit=limit, overview_errors=OVERVIEW_ERRORS
    )


def status_class(status: str) -> str:
    return status if status in STATUSES else "unknown"


_env.filters["status_class"] = status_class


def plan_view(
    report: dict[str, Any], identifier: str = "", entity: str = "", limit: int = PLAN_PAGE
) -> dict[str, Any]:
    """The report's plan as the run page shows it: the entries matching the filter (an
    identifier's part, an entity), the first `limit` of them, and the entities to pick."""
    plan = report.get("plan") or {}
    entries = [e for e in plan.get("entries") or [] if isinstance(e, dict)]
    needle = identifier.strip().casefold()
    matching = [
        e
        for e in entries
        if (not needle or needle in str(e.get("identifier", "")).casefold())
        and (not entity or e.get("entity") == entity)
    ]
    return {
        "entries": matching[:limit],
        "matching": len(matching),
        "kept": len(entries),
        "total": int(plan.get("total", len(entries))),
        "complete": bool(plan.get("complete", True)),
        "entities": sorted({str(e.get("entity", "")) for e in entries}),
        "identifier": identifier,
        "entity": entity,
        "limit": limit,
    }


def render_report_html(
    report: dict[str, Any],
    *,
    back_href: str | None = None,
    plan_identifier: str = "",
    plan_entity: str = "",
) -> str:
    """One run's report as a standalone HTML page: counts per entity, every error, the
    plan (filtered by the page's script, or by the server from the query string).

    Used by the plugin's run page, and fit to be saved beside the report's JSON.
    """
    return _env.get_template("run.html").render(
        run=_view(report),
        columns=count_columns([report]),
        back_href=back_href,
        plan=plan_view(report, plan_identifier, plan_entity),
    )
