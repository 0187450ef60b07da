"""
### Akeneo → Shopware 6

Reads the catalog of one Akeneo channel and writes it into a Shopware 6 shop.

1. **structure**: the channel's locales and currencies, the attributes with their types,
   the families (staged in object storage).
2. **products**: every product of the channel, values parsed by attribute type, staged as
   Parquet chunks (`search_after` paging, 100 per page).
3. **upload**: products mapped to Shopware payloads; only what changed since the last run
   is sent, in `/api/_action/sync` batches; refused products are reported, the rest lands.
4. **report**: counts and per-product errors as JSON in object storage, and in the log.

Connections: `akeneo_default`, `shopware6_default`. Staging: `PIMFLOW_STAGING_URL`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

DAG_ID = "akeneo_to_shopware6"
AKENEO_CONN_ID = "akeneo_default"
SHOPWARE_CONN_ID = "shopware6_default"


def _run_folder():  # noqa: ANN202 - an ObjectStoragePath; imports stay out of DAG parsing
    from pimflow.staging import run_folder

    context = get_current_context()
    return run_folder(context["dag"].dag_id, context["run_id"])


@dag(
    dag_id=DAG_ID,
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # two runs writing one shop would race
    tags=["pimflow", "akeneo", "shopware6"],
    doc_md=__doc__,
    default_args={"owner": "pimflow", "retries": 2, "retry_delay": pendulum.duration(seconds=30)},
    params={
        "channel": Param("ecommerce", type="string", minLength=1, description="Akeneo channel"),
        "locales": Param(
            [],
            type="array",
            items={"type": "string"},
            description="Akeneo locales to sync (empty: every locale of the channel)",
        ),
        "product_limit": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            description="Read at most this many products (for trying things out)",
        ),
    },
)
def akeneo_to_shopware6() -> None:
    @task
    def structure() -> dict:
        from pimflow.akeneo.extract import extract_structure
        from pimflow.hooks.akeneo import AkeneoHook

        params = get_current_context()["params"]
        folder = _run_folder()
        hook = AkeneoHook(AKENEO_CONN_ID)
        summary = extract_structure(hook, folder, params["channel"], params["locales"] or None)
        return {"folder": str(folder), "calls": hook.total_calls, **summary}

    @task
    def products(structure: dict) -> dict:
        from pimflow.akeneo.extract import extract_products
        from pimflow.hooks.akeneo import AkeneoHook

        params = get_current_context()["params"]
        hook = AkeneoHook(AKENEO_CONN_ID)
        counts = extract_products(hook, _run_folder(), params["product_limit"])
        return {"calls": hook.total_calls, **counts}

    @task
    def upload(structure: dict, products: dict) -> dict:
        from pimflow import config
        from pimflow.akeneo.extract import PRODUCTS
        from pimflow.hooks.shopware6 import Shopware6Hook
        from pimflow.shopware6.mapping import ProductMapping
        from pimflow.shopware6.upload import ProductUploader, load_shop_context
        from pimflow.staging import read_rows
        from pimflow.state import StateStore

        folder = _run_folder()
        mapping = ProductMapping()
        hook = Shopware6Hook(SHOPWARE_CONN_ID)
        shop = load_shop_context(hook, structure["locales"], mapping.tax_rate)
        store = StateStore(config.state_db_path())
        try:
            uploader = ProductUploader(
                hook, store, f"shopware6:{hook.base}", shop, structure["channel"], mapping
            )
            result = uploader.upload(read_rows(folder, PRODUCTS))
        finally:
            store.close()
        return {"calls": hook.total_calls, **result.as_dict()}

    @task(trigger_rule="all_done")
    def report() -> dict:
        """Runs whatever happened upstream, so a failed run is reported too; then fails
        the run if a stage failed."""
        from airflow.exceptions import AirflowFailException

        from pimflow.report import build_report, save_report, summary_text

        context = get_current_context()
        ti = context["ti"]
        stages = {name: ti.xcom_pull(task_ids=name) for name in ("structure", "products", "upload")}
        dag_run = context["dag_run"]
        started = dag_run.start_date or pendulum.now("UTC")
        finished = pendulum.now("UTC")
        result = build_report(
            dag_id=dag_run.dag_id,
            run_id=dag_run.run_id,
            target=SHOPWARE_CONN_ID,
            started=started.isoformat(),
            finished=finished.isoformat(),
            wall_seconds=(finished - started).total_seconds(),
            stages=stages,
        )
        path = save_report(result)
        print(summary_text(result))
        print(f"report: {path}")
        if result["failed_stages"]:
            raise AirflowFailException("stages failed: " + ", ".join(result["failed_stages"]))
        return {"report": str(path), "status": result["status"], "counts": result["counts"]}

    staged_structure = structure()
    staged_products = products(staged_structure)
    upload(staged_structure, staged_products) >> report()


akeneo_to_shopware6()
