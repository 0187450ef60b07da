"""Finding and reading run reports in object storage (file:// or s3://, as the DAGs wrote).

Reports live at `<staging>/reports/<dag_id>/<run file>.json` (see `pimflow.report`). The
most recent are found from the listing's modification times, so a page of the last runs
reads only those files, however many runs a DAG has had.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pimflow.report import reports_folder
from pimflow.staging import read_json, staging_root

# Airflow's own rule for dag ids; it also keeps '..' and '/' out of the paths built here.
DAG_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
LATEST = "latest.json"


@dataclass(frozen=True)
class ReportFile:
    dag_id: str
    name: str
    modified: float


def report_file_name(run_id: str) -> str:
    """The file a run's report is saved as (the rule of `pimflow.report.save_report`)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", run_id) + ".json"


def _modified(info: dict[str, Any]) -> float:
    """The modification time from an fsspec listing entry (keys differ per filesystem)."""
    for key in ("mtime", "LastModified", "last_modified", "updated", "created"):
        value = info.get(key)
        if value is None:
            continue
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
        return float(value)
    return 0.0


def report_dags() -> list[str]:
    """The dag ids that have reports, sorted."""
    root = staging_root() / "reports"
    root.fs.invalidate_cache(root.path)  # s3fs caches listings for the process's lifetime
    if not root.exists():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and DAG_ID.match(p.name))


def report_files(dag_id: str) -> list[ReportFile]:
    """The DAG's run reports, newest first (latest.json, a copy, is left out)."""
    if not DAG_ID.match(dag_id):
        return []
    folder = reports_folder(dag_id)
    folder.fs.invalidate_cache(folder.path)
    if not folder.exists():
        return []
    entries = folder.fs.ls(folder.path, detail=True)
    files = []
    for info in entries:
        name = str(info.get("name", "")).rstrip("/").rsplit("/", 1)[-1]
        if info.get("type") == "file" and name.endswith(".json") and name != LATEST:
            files.append(ReportFile(dag_id, name, _modified(info)))
    return sorted(files, key=lambda f: (f.modified, f.name), reverse=True)


def read_report(dag_id: str, name: str) -> dict[str, Any] | None:
    """One report by its file name; None when it is not there or not a report."""
    if not DAG_ID.match(dag_id) or not re.fullmatch(r"[A-Za-z0-9._-]+\.json", name):
        return None
    path = reports_folder(dag_id) / name
    if not path.exists():
        return None
    report = read_json(path)
    return report if isinstance(report, dict) and "run_id" in report else None


def recent_reports(dag_id: str, limit: int = 10) -> list[dict[str, Any]]:
    """The DAG's last `limit` run reports, newest first."""
    reports = []
    for ref in report_files(dag_id)[:limit]:
        report = read_report(dag_id, ref.name)
        if report is not None:
            reports.append(report)
    return reports


def run_report(dag_id: str, run_id: str) -> dict[str, Any] | None:
    """The report of one run, by its run id."""
    report = read_report(dag_id, report_file_name(run_id))
    if report is None or report.get("run_id") != run_id:
        return None
    return report
