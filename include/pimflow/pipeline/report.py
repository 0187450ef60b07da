"""The report task: the last task of every sync DAG, whatever happened upstream."""

from __future__ import annotations

from typing import Any

from airflow.sdk import get_current_context, task

from pimflow.pipeline.context import state_store

EXTRACTION_STAGES = (
    "akeneo.structure",
    "akeneo.product_models",
    "akeneo.products",
    "akeneo.reference_entities",
    "akeneo.assets",
    "akeneo.media",
)


def report_task(target: str, upload_stages: tuple[str, ...]):  # noqa: ANN201 - a task
    @task(trigger_rule="all_done")
    def report() -> dict[str, Any]:
        """Write the run report (JSON in object storage) and log its summary; then fail the
        run if a stage failed, so Airflow shows it failed too. A successful run moves the
        delta watermark to where its read ended."""
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
            target=target,
            started=started.isoformat(),
            finished=finished.isoformat(),
            wall_seconds=(finished - started).total_seconds(),
            stages=stages,
            upload_stages=upload_stages,
        )
        path = save_report(result)
        print(summary_text(result))
        print(f"report: {path}")
        if result["failed_stages"]:
            raise AirflowFailException("stages failed: " + ", ".join(result["failed_stages"]))
        structure = stages["akeneo.structure"]
        store = state_store()
        try:
            store.set_watermark(dag_run.dag_id, structure["read_until"])
        finally:
            store.close()
        return {"report": str(path), "status": result["status"], "counts": result["counts"]}

    return report()
