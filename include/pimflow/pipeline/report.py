"""The last tasks of every sync DAG: the report, whatever happened upstream, then the
target's Asset, updated only by a successful run that wrote to the shop."""

from __future__ import annotations

from typing import Any

from airflow.sdk import get_current_context, task

from pimflow.pipeline.context import params, run_cause, run_folder, state_store
from pimflow.targets import Target
from pimflow.targets.base import EXTRACTION_OUTPUTS as EXTRACTION_STAGES


def target_asset(target: Target):  # noqa: ANN201 - an Asset
    """The shop's catalog as an Airflow Asset: other DAGs can be scheduled on it. (An
    "x-" scheme: Airflow then loads no provider to normalise the URI while parsing.)"""
    from airflow.sdk import Asset

    return Asset(name=target.dag_id, uri=f"x-pimflow://targets/{target.name}", group="pimflow")


def report_tasks(target: Target, upload_stages: tuple[str, ...], after: list[Any]) -> None:
    """Add the report (after every task of `after`) and the Asset update."""

    @task(trigger_rule="all_done")
    def report() -> dict[str, Any]:
        """Write the run report (JSON in object storage) and log its summary; then fail the
        run if a stage failed, so Airflow shows it failed too. A successful run that read
        the target's whole scope and wrote (not a dry run) moves the delta watermark to
        where its read ended (never back: a backfill of old intervals leaves it there)."""
        import pendulum
        from airflow.sdk.exceptions import AirflowFailException

        from pimflow.report import build_report, save_report, summary_text

        context = get_current_context()
        ti = context["ti"]
        stages = {
            name: ti.xcom_pull(task_ids=name) for name in (*EXTRACTION_STAGES, *upload_stages)
        }
        dag_run = context["dag_run"]
        started = dag_run.start_date or pendulum.now("UTC")
        finished = pendulum.now("UTC")
        result = build_report(
            dag_id=dag_run.dag_id,
            run_id=dag_run.run_id,
            target=target.name,
            started=started.isoformat(),
            finished=finished.isoformat(),
            wall_seconds=(finished - started).total_seconds(),
            stages=stages,
            upload_stages=upload_stages,
            cause=run_cause(run_folder()),
        )
        path = save_report(result)
        print(summary_text(result))
        print(f"report: {path}")
        if result["failed_stages"]:
            cause = result.get("cause")
            raise AirflowFailException(
                (f"{cause['task']}: {cause['reason']}; " if cause else "")
                + "stages failed: "
                + ", ".join(result["failed_stages"])
            )
        structure = stages["akeneo.structure"]
        if structure.get("whole_scope", True) and not params().get("dry_run"):
            store = state_store()
            try:
                _advance_watermark(store, dag_run.dag_id, structure["read_until"])
            finally:
                store.close()
        return {"report": str(path), "status": result["status"], "counts": result["counts"]}

    asset = target_asset(target)

    @task(outlets=[asset])
    def shop_updated(outcome: dict[str, Any]) -> None:
        """Mark the target's Asset updated, with the run's counts (not for a dry run)."""
        from airflow.sdk.exceptions import AirflowSkipException

        if params().get("dry_run"):
            raise AirflowSkipException("dry run: the shop was not changed")
        get_current_context()["outlet_events"][asset].extra = {
            "report": outcome["report"],
            "counts": outcome["counts"],
        }

    outcome = report()
    after >> outcome
    shop_updated(outcome)


def _advance_watermark(store: Any, name: str, read_until: str) -> None:
    from datetime import datetime

    current = store.watermark(name)
    if current is None or datetime.fromisoformat(read_until) > datetime.fromisoformat(current):
        store.set_watermark(name, read_until)
