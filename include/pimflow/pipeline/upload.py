"""The upload stages of any target as one task group, and the runner of one stage.

    akeneo (extraction) ─► <type_name>.<stage> … (the target's `stages()`, each after what
                           it `needs`) ─► report

Every stage is an Airflow task of its own (its own process, maybe its own machine), in the
target's shop pool, so one task at a time writes a shop. The runner gives the stage what
every stage needs (a hook on the target's connection, the state store, the run folder,
the validated mapping, the run's params) and closes them after it, whatever happened.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from airflow.sdk import TaskGroup, task

from pimflow.pipeline.context import dry_run, params, run_folder, state_store
from pimflow.plan import REAL_RUN_PLAN, STAGE_PLAN_CAP
from pimflow.results import plan_cap
from pimflow.targets import Target
from pimflow.targets.base import EXTRACTION_OUTPUTS, Stage, StageContext


def stage_task_ids(target: Target) -> tuple[str, ...]:
    """The task ids of the target's upload stages, in order (what the report reads)."""
    return tuple(f"{target.shop.type_name}.{stage.name}" for stage in target.shop.stages())


@contextmanager
def stage_context(
    target: Target, structure: Mapping[str, Any], inputs: Mapping[str, Any]
) -> Iterator[StageContext]:
    """One stage's context, inside a task; hook and store closed afterwards. In a dry run
    both are recorded (pimflow/dry_run.py): the stage cannot tell, and need not."""
    shop = target.shop
    run_params = params()
    mapping = shop.load_mapping(target.mapping)
    session = dry_run()
    hook = shop.hook(target.connection)
    store = state_store(session)
    if session is not None:
        session.record(hook, shop)
    try:
        yield StageContext(
            target=target,
            hook=hook,
            store=store,
            folder=run_folder(),
            structure=structure,
            inputs=inputs,
            params=run_params,
            mapping=mapping,
            dry_run=session is not None,
        )
    finally:
        store.close()  # a dry run's: saves the task's snapshot for the stages after it
        close = getattr(hook, "close", None)
        if close is not None:
            close()


def run_stage(target: Target, stage: Stage, structure: Mapping[str, Any], inputs: Any) -> dict:
    """Run one stage; its summary, with the calls the stage made to the shop (and in a dry
    run, the writes it would have sent, by route)."""
    with stage_context(target, structure, inputs) as context:
        # A real run's report keeps a sample of its plan; a dry run's, all it can show.
        with plan_cap(STAGE_PLAN_CAP if context.dry_run else REAL_RUN_PLAN):
            summary = dict(stage.function()(context))
        summary.setdefault("calls", context.hook.total_calls)
        summary.setdefault("dry_run", context.dry_run)
        if context.dry_run:
            summary.setdefault("would_write", context.hook.dry_run_recorder.would_write())
    return summary


def _stage_task(target: Target, stage: Stage) -> Any:
    @task(task_id=stage.name, pool=target.shop_pool, doc_md=stage.doc or None)
    def run(staged_structure: dict[str, Any], **inputs: Any) -> dict[str, Any]:
        upstream = {need: inputs[_argument(need)] for need in stage.needs}
        return run_stage(target, stage, staged_structure, upstream)

    return run


def upload_group(extracted: Mapping[str, Any], target: Target) -> list[Any]:
    """Add the target's upload task group after the extraction; return its tasks."""
    shop = target.shop
    outputs: dict[str, Any] = {
        name: extracted[name.removeprefix("akeneo.")] for name in EXTRACTION_OUTPUTS
    }
    tasks = []
    with TaskGroup(shop.type_name, tooltip=shop.tooltip or f"Write the catalog into {shop.title}"):
        for stage in shop.stages():
            unknown = [need for need in stage.needs if need not in outputs]
            if unknown:
                raise ValueError(
                    f"target type {shop.type_name!r}: stage {stage.name!r} needs "
                    f"{', '.join(unknown)}, which no earlier stage or extraction output is"
                )
            inputs = {_argument(need): outputs[need] for need in stage.needs}
            outputs[stage.name] = _stage_task(target, stage)(outputs["akeneo.structure"], **inputs)
            tasks.append(outputs[stage.name])
    return tasks


def _argument(need: str) -> str:
    """`akeneo.media` → `after_akeneo_media`: the keyword an upstream XCom is passed as."""
    return "after_" + need.replace(".", "_")
