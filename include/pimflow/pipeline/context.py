"""What every task of a sync run needs to know: its run folder and its settings."""

from __future__ import annotations

from typing import Any

from airflow.sdk import get_current_context


def run_folder():  # noqa: ANN201 - an ObjectStoragePath
    from pimflow.staging import run_folder as folder_for

    context = get_current_context()
    return folder_for(context["dag"].dag_id, context["run_id"])


def params() -> dict[str, Any]:
    return dict(get_current_context()["params"])


def dry_run():  # noqa: ANN201 - a pimflow.dry_run.DryRun, or None
    """This task's part of the run's dry run (None in a real run): it sees what the tasks
    upstream of it in the DAG "wrote" (pimflow/dry_run.py)."""
    if not params().get("dry_run"):
        return None
    from pimflow.dry_run import DryRun, snapshot_name

    context = get_current_context()
    task = context["task"]
    return DryRun(
        run_folder(),
        snapshot_name(task.task_id, getattr(context["ti"], "map_index", None)),
        task.get_flat_relative_ids(upstream=True),
    )


def state_store(session: Any = None):  # noqa: ANN201 - a StateStore
    """The state store; in a dry run its overlay (`session`: this task's DryRun, if the
    caller has it already), so that nothing a dry run does reaches the real store."""
    from pimflow.state import open_state_store

    store = open_state_store()
    session = session or dry_run()
    return store if session is None else session.overlay(store)
