"""
### Akeneo → CS-Cart / Multi-Vendor

Reads the catalog of one Akeneo channel and writes it into a CS-Cart shop through its REST
API.

1. **akeneo**: the same extraction as every pimflow DAG (structure, product models and
   products in partitions of families, records, assets, media files), staged in object
   storage.
2. **cscart**: the category tree with its translations; one feature per mapped attribute
   with all its variants; products (texts per language, prices, weight, features,
   categories, images) with bounded concurrency, only what changed; products and
   categories gone from Akeneo disabled or deleted; product models as variation groups.
3. **report**: counts and per-product errors as JSON in object storage, and in the log.

Connections: `akeneo_default`, `cscart_default`. Mapping: `PIMFLOW_CSCART_MAPPING`
(default: pimflow/cscart/default_mapping.yaml). Media URLs: `PIMFLOW_MEDIA_BASE_URL`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag

from pimflow.cscart.config import load_mapping
from pimflow.pipeline.cscart import UPLOAD_STAGES, cscart_group
from pimflow.pipeline.extraction import extraction_group
from pimflow.pipeline.params import extraction_params
from pimflow.pipeline.report import report_task

# Validated while Airflow parses this file: a wrong mapping is an import error naming the
# key and the reason, before any run starts.
load_mapping()


@dag(
    dag_id="akeneo_to_cscart",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # two runs writing one shop would race
    tags=["pimflow", "akeneo", "cscart"],
    doc_md=__doc__,
    default_args={"owner": "pimflow", "retries": 2, "retry_delay": pendulum.duration(seconds=30)},
    params=extraction_params(),
)
def akeneo_to_cscart() -> None:
    extracted = extraction_group()
    upload = cscart_group(extracted)
    upload >> report_task("cscart_default", UPLOAD_STAGES)


akeneo_to_cscart()
