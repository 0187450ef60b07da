"""What every task of a sync run needs to know: its run folder and its settings."""

from __future__ import annotations

from typing import Any

from airflow.sdk import get_current_context


def run_folder():  # noqa: ANN201 - an ObjectStoragePath
    from pimflow.staging import run_folder as folder_for

    context = get_current_context()
    return folder_for(context["dag"].dag_id, context["run_id"])


def params() -> dict[str, Any]:
    """The run's params. In the run's first task, a conf the DAG's params refuse (a key
    that is no param: `airflow dags trigger -c`, a backfill's conf, whatever went around
    the API server's check) fails the run at once, before anything is read or written."""
    context = get_current_context()
    if not context["task"].upstream_task_ids:
        _refuse_unknown_params(context)
    return dict(context["params"])


def _refuse_unknown_params(context: Any) -> None:
    from pimflow.pipeline.params import conf_problems

    conf = getattr(context.get("dag_run"), "conf", None) or {}
    declared = context["dag"].params
    schemas = {name: declared.get_param(name).schema for name in declared}
    problems = conf_problems(conf, schemas) if isinstance(conf, dict) else []
    if problems:
        refuse_run("; ".join(problems))


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


CAUSE_FILE = "cause.json"


def refuse_run(reason: str) -> None:
    """Fail the run at once for a mistake no retry can mend (a mapping naming what Akeneo
    lacks, a mode that cannot work): the reason is kept in the run folder, where the report
    finds it and puts it first, then the task fails without retries."""
    from airflow.sdk.exceptions import AirflowFailException

    from pimflow.staging import write_json

    task = get_current_context()["ti"].task_id
    write_json(run_folder() / CAUSE_FILE, {"task": task, "reason": reason})
    raise AirflowFailException(reason)


def run_cause(folder: Any) -> dict[str, str] | None:
    """What `refuse_run` recorded in this run folder, if anything."""
    from pimflow.staging import read_json

    path = folder / CAUSE_FILE
    return read_json(path) if path.exists() else None


def check_mapping(target: Any, folder: Any) -> dict[str, Any]:
    """The target's mapping against the staged structure: refused at once if a key the
    user wrote cannot work; the check's findings (notes, resolved fields) otherwise."""
    from pimflow.akeneo.profile import CatalogProfile
    from pimflow.staging import write_json

    shop = target.shop
    check = shop.check_mapping(
        shop.load_mapping(target.mapping),
        target.mapping or "(the default mapping)",
        CatalogProfile.from_folder(folder),
    )
    write_json(folder / "mapping_check.json", check.as_dict())
    reason = check.message()
    if reason:
        refuse_run(reason)
    return check.as_dict()
