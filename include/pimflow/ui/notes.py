"""The DAG run's note, from its report: Airflow's own views (the runs list, the run's
page) then say "completed with 3 refused", "DRY RUN — nothing was written" or why the
run failed, without opening pimflow's page.

A task cannot set its run's note in Airflow 3 (no route of the execution API does, and a
task may not use the metadata DB), so a listener does, in the process that marks the run
finished (the scheduler; `airflow dags test` itself): it reads the run's report from
object storage and sets the note, unless a person wrote one. Registered through the
`airflow.plugins` entry point, so every Airflow process with pimflow installed has it,
whatever its plugins folder.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from airflow.listeners import hookimpl
from airflow.plugins_manager import AirflowPlugin

log = logging.getLogger(__name__)

NOTE_LENGTH = 1000  # Airflow's dag_run_note.content column


def note_for(dag_id: str, run_id: str) -> str | None:
    """The note a run's report gives, or None when the run has no pimflow report."""
    from pimflow.report import run_note
    from pimflow.ui.reports import run_report

    report = run_report(dag_id, run_id)
    if report is None:
        return None
    note = run_note(report)
    return note if len(note) <= NOTE_LENGTH else note[: NOTE_LENGTH - 1] + "…"


def _set_note(dag_run: Any) -> None:
    try:
        if dag_run.note:  # a person's note stays as it is
            return
        note = note_for(dag_run.dag_id, dag_run.run_id)
        if note:
            dag_run.note = note  # committed with the run's state, by the caller's session
    except Exception:  # noqa: BLE001 - a note is never worth failing the scheduler
        log.exception("pimflow: could not set the note of %s", dag_run.run_id)


@hookimpl
def on_dag_run_success(dag_run: Any, msg: str) -> None:  # noqa: ARG001
    _set_note(dag_run)


@hookimpl
def on_dag_run_failed(dag_run: Any, msg: str) -> None:  # noqa: ARG001
    _set_note(dag_run)


class PimflowRunNotes(AirflowPlugin):
    name = "pimflow_run_notes"
    listeners = [sys.modules[__name__]]
