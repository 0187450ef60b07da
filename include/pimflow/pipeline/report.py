"""The last tasks of every sync DAG: the report, whatever happened upstream, then the
target's Asset, updated only by a run that changed the shop.

Also the DAG's `on_failure_callback` (`record_failure`): any task that fails keeps its
exception's message (redacted, one line) in the run folder, so the report can name the
first failure as the run's cause without anyone opening a task log.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from airflow.sdk import get_current_context, task

from pimflow.pipeline.context import params, run_cause, run_folder, state_store
from pimflow.targets import Target
from pimflow.targets.base import EXTRACTION_OUTPUTS as EXTRACTION_STAGES

log = logging.getLogger(__name__)

FAILURES = "failures"  # <run folder>/failures/<task>.json, one per failed task
MAX_REASON = 500  # characters of an exception message kept as a cause


def target_asset(target: Target):  # noqa: ANN201 - an Asset
    """The shop's catalog as an Airflow Asset: other DAGs can be scheduled on it. (An
    "x-" scheme: Airflow then loads no provider to normalise the URI while parsing.)"""
    from airflow.sdk import Asset

    return Asset(name=target.dag_id, uri=f"x-pimflow://targets/{target.name}", group="pimflow")


def one_line(text: str, limit: int = MAX_REASON) -> str:
    """A message as one line of at most `limit` characters."""
    line = re.sub(r"\s+", " ", text).strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def failure_reason(exc: BaseException | None) -> str:
    """An exception as a cause: its message without traceback, secrets masked. Airflow's
    fail exceptions carry a reason meant for people; others get their type in front."""
    from airflow.sdk._shared.secrets_masker import redact
    from airflow.sdk.exceptions import AirflowFailException

    if exc is None:
        return "the task failed (no exception was given)"
    message = str(redact(str(exc)))
    if not isinstance(exc, AirflowFailException):
        message = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return one_line(message or type(exc).__name__)


def record_failure(context: Any) -> None:
    """`on_failure_callback` of every task: keep the task's failure for the report. Never
    raises (a failing callback would only hide the failure it reports)."""
    try:
        import pendulum

        from pimflow.staging import run_folder as folder_for
        from pimflow.staging import write_json

        ti = context["ti"]
        map_index = getattr(ti, "map_index", None)
        name = ti.task_id + (f"[{map_index}]" if map_index is not None and map_index >= 0 else "")
        folder = folder_for(context["dag"].dag_id, context["run_id"]) / FAILURES
        write_json(
            folder / (re.sub(r"[^A-Za-z0-9._-]+", "_", name) + ".json"),
            {
                "task": name,
                "reason": failure_reason(context.get("exception")),
                "at": pendulum.now("UTC").isoformat(),
            },
        )
    except Exception:  # noqa: BLE001 - logged; the task has failed already
        log.exception("pimflow: could not record the task's failure for the report")


def first_failure(folder: Any) -> dict[str, str] | None:
    """The earliest failure `record_failure` kept in this run folder, if any."""
    from pimflow.staging import read_json

    path = folder / FAILURES
    if not path.exists():
        return None
    found = [read_json(p) for p in path.iterdir() if p.name.endswith(".json")]
    found = [f for f in found if isinstance(f, dict) and f.get("task")]
    if not found:
        return None
    first = min(found, key=lambda f: (str(f.get("at", "")), f["task"]))
    return {"task": first["task"], "reason": first.get("reason", "")}


def refusal_breach(report: dict[str, Any], value: Any) -> str | None:
    """Why the run's refused items are more than `max_refused` allows, or None."""
    refused = int(report.get("refused", 0))
    read = int((report.get("read") or {}).get("products", 0))
    from pimflow.pipeline.params import refused_limit

    try:
        limit = refused_limit(value, read)
    except ValueError as exc:
        return str(exc)
    if limit is None or refused <= limit:
        return None
    allowed = f"{value} of {read} products read" if "%" in str(value) else f"{value}"
    return f"{refused} items refused, more than max_refused allows ({allowed})"


def report_tasks(target: Target, upload_stages: tuple[str, ...], after: list[Any]) -> None:
    """Add the report (after every task of `after`) and the Asset update."""

    @task(trigger_rule="all_done")
    def report() -> dict[str, Any]:
        """Write the run report (JSON in object storage) and log its summary; then fail the
        run if a stage failed, or more items were refused than `max_refused` allows, so
        Airflow shows it failed too. A successful run that read the target's whole scope
        and wrote (not a dry run) moves the delta watermark to where its read ended (never
        back: a backfill of old intervals leaves it there)."""
        import pendulum
        from airflow.sdk.exceptions import AirflowFailException

        from pimflow.report import FAILED, build_report, fail_report, save_report, summary_text

        context = get_current_context()
        ti = context["ti"]
        stages = {
            name: ti.xcom_pull(task_ids=name) for name in (*EXTRACTION_STAGES, *upload_stages)
        }
        dag_run = context["dag_run"]
        started = dag_run.start_date or pendulum.now("UTC")
        finished = pendulum.now("UTC")
        folder = run_folder()
        run_params = params()
        result = build_report(
            dag_id=dag_run.dag_id,
            run_id=dag_run.run_id,
            target=target.name,
            started=started.isoformat(),
            finished=finished.isoformat(),
            wall_seconds=(finished - started).total_seconds(),
            stages=stages,
            upload_stages=upload_stages,
            # A failure kept from an attempt that a later one mended (a cleared task) is no
            # cause of a run whose stages all finished.
            cause=run_cause(folder)
            or (first_failure(folder) if any(v is None for v in stages.values()) else None),
            dry_run=bool(run_params.get("dry_run")),
        )
        # Until the params define it (pipeline/params.py), 10% when a run does not say.
        breach = refusal_breach(result, run_params.get("max_refused", "10%"))
        if breach and not result["failed_stages"]:
            fail_report(result, ti.task_id, breach)
        path = save_report(result)
        print(summary_text(result))
        print(f"report: {path}")
        if result["status"] == FAILED:
            cause = result.get("cause")
            stages_text = ", ".join(result["failed_stages"])
            raise AirflowFailException(
                (f"{cause['task']}: {cause['reason']}" if cause else "")
                + ("; " if cause and stages_text else "")
                + (f"stages failed: {stages_text}" if stages_text else "")
            )
        structure = stages["akeneo.structure"]
        if structure.get("whole_scope", True) and not result["dry_run"]:
            store = state_store()
            try:
                _advance_watermark(store, dag_run.dag_id, structure["read_until"])
            finally:
                store.close()
        from pimflow.report import changed_the_shop

        return {
            "report": str(path),
            "status": result["status"],
            "counts": result["counts"],
            "refused": result["refused"],
            "dry_run": result["dry_run"],
            "changed": changed_the_shop(result),
        }

    asset = target_asset(target)

    @task(outlets=[asset])
    def shop_updated(outcome: dict[str, Any]) -> None:
        """Mark the target's Asset updated, with the run's counts: only when the run
        changed the shop (a dry run, or a run that wrote nothing, leaves it as it was, so
        that DAGs scheduled on the Asset do not run for nothing)."""
        from airflow.sdk.exceptions import AirflowSkipException

        if outcome.get("dry_run", params().get("dry_run")):
            raise AirflowSkipException("dry run: the shop was not changed")
        if not outcome.get("changed", True):
            raise AirflowSkipException(
                "nothing changed in the shop: no item created, updated, deleted or deactivated"
            )
        get_current_context()["outlet_events"][asset].extra = {
            "report": outcome["report"],
            "status": outcome["status"],
            "counts": outcome["counts"],
            "refused": outcome.get("refused", 0),
        }

    outcome = report()
    after >> outcome
    shop_updated(outcome)


def _advance_watermark(store: Any, name: str, read_until: str) -> None:
    from datetime import datetime

    current = store.watermark(name)
    if current is None or datetime.fromisoformat(read_until) > datetime.fromisoformat(current):
        store.set_watermark(name, read_until)
