"""The run report: what a sync read, wrote, left alone and could not write, and why.

Written as JSON to object storage (`reports/<dag_id>/<run_id>.json`, and `latest.json`
beside it) by the DAG's last task; `summary_text` is what the task log and `make demo`
print. Reports hold counts, identifiers and reasons: never credentials.
"""

from __future__ import annotations

import re
from typing import Any

from airflow.sdk import ObjectStoragePath

from pimflow.staging import read_json, staging_root, write_json

COUNTS = ("read", "created", "updated", "unchanged", "skipped", "failed")


def reports_folder(dag_id: str) -> ObjectStoragePath:
    return staging_root() / "reports" / dag_id


def build_report(
    *,
    dag_id: str,
    run_id: str,
    target: str,
    started: str,
    finished: str,
    wall_seconds: float,
    stages: dict[str, dict[str, Any] | None],
) -> dict[str, Any]:
    """Stage summaries (None for a stage that failed) → the report; `status` says whether
    every stage finished."""
    failed_stages = sorted(name for name, summary in stages.items() if summary is None)
    upload = stages.get("upload") or {}
    products = {key: int(upload.get(key, 0)) for key in COUNTS}
    if stages.get("products"):
        products["read"] = int(stages["products"].get("products", products["read"]))
    return {
        "dag_id": dag_id,
        "run_id": run_id,
        "target": target,
        "status": "failed" if failed_stages else "success",
        "failed_stages": failed_stages,
        "started": started,
        "finished": finished,
        "wall_seconds": round(wall_seconds, 2),
        "counts": {"product": products},
        "errors": list(upload.get("errors", [])),
        "calls": {
            "akeneo": int((stages.get("structure") or {}).get("calls", 0))
            + int((stages.get("products") or {}).get("calls", 0)),
            "target": int(upload.get("calls", 0)),
            "target_sync": int(upload.get("sync_calls", 0)),
        },
        "stages": stages,
    }


def save_report(report: dict[str, Any]) -> ObjectStoragePath:
    folder = reports_folder(report["dag_id"])
    path = folder / (re.sub(r"[^A-Za-z0-9._-]+", "_", report["run_id"]) + ".json")
    write_json(path, report)
    write_json(folder / "latest.json", report)
    return path


def latest_report(dag_id: str) -> dict[str, Any] | None:
    path = reports_folder(dag_id) / "latest.json"
    return read_json(path) if path.exists() else None


def summary_text(report: dict[str, Any], max_errors: int = 20) -> str:
    counts = report["counts"]["product"]
    lines = [
        f"pimflow sync {report['dag_id']} → {report['target']}: {report['status'].upper()}"
        f"  (run {report['run_id']})",
        "  products: " + ", ".join(f"{counts[key]} {key}" for key in COUNTS),
        f"  calls: {report['calls']['akeneo']} to Akeneo, {report['calls']['target']} to the shop"
        f" ({report['calls']['target_sync']} sync)",
        f"  wall time: {report['wall_seconds']:.1f} s",
    ]
    if report["failed_stages"]:
        lines.append("  failed stages: " + ", ".join(report["failed_stages"]))
    errors = report["errors"]
    if errors:
        lines.append(f"  errors ({len(errors)}):")
        for error in errors[:max_errors]:
            lines.append(f"    - {error['product']}: {error['field']}: {error['reason']}")
        if len(errors) > max_errors:
            lines.append(f"    … and {len(errors) - max_errors} more in the report file")
    return "\n".join(lines)
