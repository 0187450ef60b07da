"""
### Akeneo → Shopware 6

Reads the catalog of one Akeneo channel and writes it into a Shopware 6 shop.

1. **akeneo**: the structure (channel, attributes and options, families and variants,
   categories), then product models and products in partitions of families, the records
   and assets they use, and their media files, staged in object storage.
2. **shopware6**: categories, properties and manufacturers, then the images, then
   parents, variants and simple products, then cross-sellings; only what changed since the
   last run is sent, in `/api/_action/sync` batches, with the links Akeneo removed deleted
   in the same call; refused products are reported, the rest lands. After a full read,
   products that left Akeneo are deactivated (or deleted, per the mapping file).
3. **report**: counts and per-product errors as JSON in object storage, and in the log.

Connections: `akeneo_default`, `shopware6_default`. Mapping: `PIMFLOW_SHOPWARE6_MAPPING`
(default: pimflow/shopware6/default_mapping.yaml). Staging: `PIMFLOW_STAGING_URL`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag

from pimflow.pipeline.extraction import extraction_group
from pimflow.pipeline.params import extraction_params
from pimflow.pipeline.report import report_task
from pimflow.pipeline.shopware6 import UPLOAD_STAGES, shopware6_group
from pimflow.shopware6.config import load_mapping

# Validated now, while Airflow parses the file: a broken mapping is an import error that
# names the key and the reason, before any run starts.
load_mapping()


@dag(
    dag_id="akeneo_to_shopware6",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # two runs writing one shop would race
    tags=["pimflow", "akeneo", "shopware6"],
    doc_md=__doc__,
    default_args={"owner": "pimflow", "retries": 2, "retry_delay": pendulum.duration(seconds=30)},
    params={
        **extraction_params(),
        "dry_run": Param(
            False,
            type="boolean",
            description="Compute and report what would be written, and write nothing",
        ),
    },
)
def akeneo_to_shopware6() -> None:
    extracted = extraction_group()
    upload = shopware6_group(extracted)
    upload >> report_task("shopware6_default", UPLOAD_STAGES)


akeneo_to_shopware6()
