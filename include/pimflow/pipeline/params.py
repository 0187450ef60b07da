"""The trigger form of every sync DAG: what to read, how, and whether to write.

Scheduled runs take the defaults: a delta of the run's data interval. The target's
`params:` in the targets file preset channel, locales, families and the other read filters.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Param

MODES = ["delta", "full", "reconcile"]


def sync_params(presets: dict[str, Any] | None = None) -> dict[str, Param]:
    preset = dict(presets or {})
    return {
        "mode": Param(
            "delta",
            enum=MODES,
            description="delta: the products updated in the run's data interval (scheduled "
            "runs, backfills) or since the last successful run (triggered runs); full: every "
            "product; reconcile: every product, and what left Akeneo leaves the shop",
        ),
        "dry_run": Param(
            False,
            type="boolean",
            description="Compute and report what would be written, and write nothing",
        ),
        "channel": Param(
            preset.get("channel", "ecommerce"),
            type="string",
            minLength=1,
            description="Akeneo channel",
        ),
        "locales": Param(
            list(preset.get("locales", [])),
            type="array",
            items={"type": "string"},
            description="Akeneo locales to sync (empty: every locale of the channel)",
        ),
        "families": Param(
            list(preset.get("families", [])),
            type="array",
            items={"type": "string"},
            description="Akeneo families to sync (empty: all, and products without a family)",
        ),
        "enabled_only": Param(
            bool(preset.get("enabled_only", False)),
            type="boolean",
            description="Read enabled products only (disabled ones then count as removed)",
        ),
        "min_completeness": Param(
            preset.get("min_completeness"),
            type=["null", "integer"],
            minimum=0,
            maximum=100,
            description="Read only products at least this complete (%) on the channel's locales",
        ),
        "product_limit": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            description="Read about this many products at most (for trying things out; "
            "nothing is removed from the shop then)",
        ),
        "partitions": Param(
            int(preset.get("partitions", 4)),
            type="integer",
            minimum=1,
            maximum=32,
            description="Parallel reads of products (within the Akeneo pool's slots)",
        ),
    }
