"""The DAG run's note, from its report: Airflow's own views (the runs list, the run's
page) then say "completed with 3 refused", "DRY RUN — nothing was written" or why the
run failed, without opening pimflow's page.

A task cannot set its run's note in Airflow 3 (no route of the execution API does, and a
task may not use the metadata DB), so a listener does, in the process that marks the run
finished (the scheduler; `airflow dags test` itself): it reads the run's report from
object storage and adds the note, unless a person wrote one. Registered as a listener of
pimflow's plugin (plugins/pimflow_plugin.py), which `make sync`, `make demo`, `make up`
and docker-compose load from the repo's plugins folder. (Not through an `airflow.plugins`
entry point: with an editable install, Airflow finds the package's metadata twice, on
site-packages and beside the source, and reports the second registration as an import
error.)

The listener is called inside the caller's transaction (which holds the run's row, and on
SQLite the database) with a run object that may be detached from it, so the note is
written by a thread of its own, in its own session, once that transaction has committed.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from airflow.listeners import hookimpl

log = logging.getLogger(__name__)

NOTE_LENGTH = 1000  # Airflow's dag_run_note.content column
ATTEMPTS = 10  # a locked database (SQLite, while the caller commits) is tried again


def note_for(dag_id: str, run_id: str) -> str | None:
    """The note a run's report gives, or None when the run has no pimflow report."""
    from pimflow.report import run_note
    from pimflow.ui.reports import run_report

    report = run_report(dag_id, run_id)
    if report is None:
        return None
    note = run_note(report)
    return note if len(note) <= NOTE_LENGTH else note[: NOTE_LENGTH - 1] + "…"


def write_note(dag_run_id: int, dag_id: str, run_id: str) -> None:
    """Add the run's note from its report, unless the run has one already."""
    from airflow.models.dagrun import DagRunNote
    from airflow.utils.session import create_session
    from sqlalchemy.exc import OperationalError

    note = note_for(dag_id, run_id)
    if not note:
        return
    for attempt in range(ATTEMPTS):
        try:
            with create_session() as session:
                if session.get(DagRunNote, dag_run_id) is not None:
                    return  # a person's note stays as it is
                row = DagRunNote(content=note)
                row.dag_run_id = dag_run_id
                session.add(row)
            return
        except OperationalError:
            if attempt == ATTEMPTS - 1:
                raise
            time.sleep(0.5)


def _write_note_logged(dag_run_id: int, dag_id: str, run_id: str) -> None:
    try:
        write_note(dag_run_id, dag_id, run_id)
    except Exception:  # noqa: BLE001 - a note is never worth failing a run or the scheduler
        log.exception("pimflow: could not set the note of %s", run_id)


def _set_note(dag_run: Any) -> None:
    try:
        key = (dag_run.id, dag_run.dag_id, dag_run.run_id)
    except Exception:  # noqa: BLE001 - see above
        log.exception("pimflow: could not read the finished run")
        return
    # Not a daemon: a process that ends now (`airflow dags test`) waits for the note.
    threading.Thread(target=_write_note_logged, args=key, name="pimflow-run-note").start()


@hookimpl
def on_dag_run_success(dag_run: Any, msg: str) -> None:  # noqa: ARG001
    _set_note(dag_run)


@hookimpl
def on_dag_run_failed(dag_run: Any, msg: str) -> None:  # noqa: ARG001
    _set_note(dag_run)
