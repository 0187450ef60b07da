"""The params every sync DAG's trigger form shows: what the shared extraction reads."""

from __future__ import annotations

from airflow.sdk import Param


def extraction_params() -> dict[str, Param]:
    return {
        "mode": Param(
            "full",
            enum=["full", "delta"],
            description="full: every product; delta: those updated in the run's interval "
            "(or since the last successful run)",
        ),
        "channel": Param("ecommerce", type="string", minLength=1, description="Akeneo channel"),
        "locales": Param(
            [],
            type="array",
            items={"type": "string"},
            description="Akeneo locales to sync (empty: every locale of the channel)",
        ),
        "families": Param(
            [],
            type="array",
            items={"type": "string"},
            description="Akeneo families to sync (empty: all, and products without a family)",
        ),
        "enabled_only": Param(
            False,
            type="boolean",
            description="Read enabled products only (disabled ones then count as removed)",
        ),
        "min_completeness": Param(
            None,
            type=["null", "integer"],
            minimum=0,
            maximum=100,
            description="Read only products at least this complete (%) on the channel's locales",
        ),
        "product_limit": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            description="Read about this many products at most (for trying things out)",
        ),
        "partitions": Param(
            4, type="integer", minimum=1, maximum=32, description="Parallel reads of products"
        ),
    }
