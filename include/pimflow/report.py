"""The run report: what a sync read, wrote, left alone and could not write, and why.

Written as JSON to object storage (`reports/<dag_id>/<run_id>.json`, and `latest.json`
beside it) by the DAG's last task; `summary_text` is what the task log and `make demo`
print. Reports hold counts, identifiers and reasons: never credentials.
"""

from __future__ import annotations

import re
from typing import Any

from airflow.sdk import ObjectStoragePath

from pimflow.results import COUNTS, add_counts
from pimflow.staging import read_json, staging_root, write_json


def reports_folder(dag_id: str) -> ObjectStoragePath:
    return staging_root() / "reports" / dag_id


def _as_list(summary: Any) -> list[dict[str, Any]]:
    """A mapped stage's XCom is a list of its tasks' summaries; a plain one, one summary."""
    if summary is None:
        return []
    if isinstance(summary, dict):
        return [summary]
    return [s for s in summary if s is not None]


def build_report(
    *,
    dag_id: str,
    run_id: str,
    target: str,
    started: str,
    finished: str,
    wall_seconds: float,
    stages: dict[str, Any],
    upload_stages: tuple[str, ...],
    cause: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Stage summaries (None for a stage that did not finish) → the report. `cause`: why
    the run was refused (a task's `refuse_run`), which the report puts first."""
    failed_stages = sorted(name for name, summary in stages.items() if summary is None)
    counts: dict[str, dict[str, int]] = {}
    errors: list[dict[str, Any]] = []
    target_calls = 0
    for name in upload_stages:
        for summary in _as_list(stages.get(name)):
            target_calls += int(summary.get("calls", 0))
            add_counts(counts, summary.get("counts") or {})
            errors.extend(summary.get("errors") or [])
    akeneo_calls = sum(
        int(summary.get("calls", 0))
        for name, value in stages.items()
        if name not in upload_stages
        for summary in _as_list(value)
    )
    read = {
        "products": sum(int(s.get("products", 0)) for s in _as_list(stages.get("akeneo.products"))),
        "product_models": sum(
            int(s.get("product_models", 0)) for s in _as_list(stages.get("akeneo.product_models"))
        ),
    }
    structure = stages.get("akeneo.structure") or {}
    return {
        "dag_id": dag_id,
        "run_id": run_id,
        "target": target,
        "status": "failed" if failed_stages else "success",
        "cause": cause,
        "failed_stages": failed_stages,
        # Defaults that did not apply to this catalog (attributes it lacks): said once.
        "notes": list(structure.get("mapping_notes") or []),
        "mode": structure.get("mode"),  # what was read: full, or delta (a window)
        "requested_mode": structure.get("requested_mode"),  # delta, full or reconcile
        "window": structure.get("window"),
        "started": started,
        "finished": finished,
        "wall_seconds": round(wall_seconds, 2),
        "read": read,
        "counts": counts,
        "errors": errors,
        "calls": {"akeneo": akeneo_calls, "target": target_calls},
        "stages": stages,
    }


def save_report(report: dict[str, Any]) -> ObjectStoragePath:
    folder = reports_folder(report["dag_id"])
    path = folder / (re.sub(r"[^A-Za-z0-9._-]+", "_", report["run_id"]) + ".json")
    write_json(path, report)
    write_json(folder / "latest.json", report)
    from pimflow.ui import render_report_html  # the same page the Airflow UI plugin shows

    with path.with_name(path.name[: -len(".json")] + ".html").open("w") as handle:
        handle.write(render_report_html(report))
    return path


def latest_report(dag_id: str) -> dict[str, Any] | None:
    path = reports_folder(dag_id) / "latest.json"
    return read_json(path) if path.exists() else None


def mode_text(report: dict[str, Any]) -> str:
    """What the run read, in words: `mode delta: updated <after> → <before>`, ..."""
    requested = report.get("requested_mode") or report.get("mode") or "full"
    window = report.get("window")
    if requested != "delta":
        return f"mode {requested}"
    if window:
        return f"mode delta: updated {window['after']} → {window['before']}"
    return "mode delta: every product (no successful run before)"


def summary_text(report: dict[str, Any], max_errors: int = 20) -> str:
    read = report.get("read") or {}
    cause = report.get("cause")
    lines = [f"FAILED: {cause['reason']}  (task {cause['task']})"] if cause else []
    lines += [
        f"pimflow sync {report['dag_id']} → {report['target']}: {report['status'].upper()}"
        f"  (run {report['run_id']}, {mode_text(report)})",
        f"  read from Akeneo: {read.get('products', 0)} products, "
        f"{read.get('product_models', 0)} product models",
    ]
    for entity, counts in sorted(report["counts"].items()):
        lines.append(f"  {entity}: " + ", ".join(f"{counts[key]} {key}" for key in COUNTS))
    lines += [
        f"  calls: {report['calls']['akeneo']} to Akeneo, {report['calls']['target']} to the shop",
        f"  wall time: {report['wall_seconds']:.1f} s",
    ]
    if report["failed_stages"]:
        lines.append("  failed stages: " + ", ".join(report["failed_stages"]))
    for note in report.get("notes") or []:
        lines.append(f"  note: {note}")
    errors = report["errors"]
    if errors:
        lines.append(f"  errors ({len(errors)}):")
        for error in errors[:max_errors]:
            lines.append(f"    - {error['identifier']}: {error['field']}: {error['reason']}")
        if len(errors) > max_errors:
            lines.append(f"    … and {len(errors) - max_errors} more in the report file")
    return "\n".join(lines)
