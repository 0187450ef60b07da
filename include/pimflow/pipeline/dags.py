"""One sync DAG per configured target (pimflow/targets), built the same way for each.

akeneo (extraction) ─► <type> (the target's upload stages) ─► report ─► shop_updated (Asset)
"""

from __future__ import annotations

from typing import Any

import pendulum

from pimflow.targets import Target, load_target_mapping

EXTRACTION_DOC = """
1. **akeneo**: the structure (channel, attributes and options, families and variants,
   categories), then product models and products in partitions of families, the records
   and assets they use, and their media files, staged in object storage.
"""


def _doc(target: Target) -> str:
    shop = target.shop
    schedule = (
        f"`{target.schedule}`: each run reads the products updated in its data interval"
        if target.schedule
        else "none: runs only when triggered"
    )
    return (
        f"### Akeneo → {shop.title}: `{target.name}`\n{EXTRACTION_DOC}{shop.dag_doc}"
        "3. **report**: counts, every per-product error and the plan (field by field, old "
        "→ new), as JSON and HTML in object storage (Browse → pimflow); the first failure's "
        "cause, if any; then, if the run changed the shop, the Asset "
        f"`{target.dag_id}` is updated.\n\n"
        f"Connections: `{target.akeneo_connection}` (pool `{target.akeneo_pool}`), "
        f"`{target.connection}`. Mapping: `{target.mapping or 'the default mapping'}`. "
        f"Schedule: {schedule}. Modes: `delta`, `full`, `reconcile` (see the trigger form)."
    )


def _timetable(schedule: str | None) -> Any:
    if schedule is None:
        return None
    # Data intervals, not trigger times: an hourly run covers the hour before it, and a
    # backfill of a range re-syncs it interval by interval.
    from airflow.timetables.interval import CronDataIntervalTimetable

    return CronDataIntervalTimetable(schedule, timezone="UTC")


def build_dag(target: Target) -> Any:
    """The DAG `akeneo_to_<name>` for one target, of whatever registered type."""
    from airflow.sdk import DAG

    from pimflow.pipeline.extraction import extraction_group
    from pimflow.pipeline.params import sync_params
    from pimflow.pipeline.report import record_failure, report_tasks
    from pimflow.pipeline.upload import stage_task_ids, upload_group

    # Validated now, while Airflow parses the file: a broken mapping is an import error
    # that names the file, the key and the reason, before any run starts.
    load_target_mapping(target)

    with DAG(
        dag_id=target.dag_id,
        schedule=_timetable(target.schedule),
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,  # after an outage the next run reaches back itself; or backfill
        max_active_runs=1,  # two runs writing one shop would race
        tags=["pimflow", "akeneo", target.type, target.name],
        doc_md=_doc(target),
        default_args={
            "owner": target.owner,
            "retries": 2,
            "retry_delay": pendulum.duration(seconds=30),
            # Whatever fails, its reason reaches the report (and `make sync`), not only
            # the task's log.
            "on_failure_callback": record_failure,
        },
        params=sync_params(target.params),
    ) as dag:
        extracted = extraction_group(target)
        uploads = upload_group(extracted, target)
        # The report waits for every task, whatever each stage waits for.
        report_tasks(target, stage_task_ids(target), [*extracted.values(), *uploads])
    return dag
