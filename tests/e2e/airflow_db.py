"""What Airflow's metadata DB (the SQLite file of an `airflow dags test` home) holds about
one DAG run: its note, its tasks' states, the Asset events it emitted."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class RunRecord:
    note: str | None
    states: dict[str, str]  # task id (and map index when mapped) → state
    asset_events: list[dict[str, Any]]  # each event's extra


def run_record(env: dict[str, str], dag_id: str, run_id: str) -> RunRecord:
    database = Path(env["AIRFLOW_HOME"]) / "airflow.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        note = db.execute(
            "SELECT n.content FROM dag_run r LEFT JOIN dag_run_note n ON n.dag_run_id = r.id"
            " WHERE r.dag_id = ? AND r.run_id = ?",
            (dag_id, run_id),
        ).fetchone()
        states = {
            task if index < 0 else f"{task}[{index}]": state
            for task, index, state in db.execute(
                "SELECT task_id, map_index, state FROM task_instance"
                " WHERE dag_id = ? AND run_id = ?",
                (dag_id, run_id),
            )
        }
        events = [
            json.loads(extra) if isinstance(extra, str) else (extra or {})
            for (extra,) in db.execute(
                "SELECT extra FROM asset_event WHERE source_dag_id = ? AND source_run_id = ?",
                (dag_id, run_id),
            )
        ]
    assert note is not None, f"no run {run_id!r} of {dag_id!r} in {database}"
    return RunRecord(note=note[0], states=states, asset_events=events)
