"""The Shopware 6 upload stages, as the stage runner calls them (pimflow/pipeline/upload.py).

structure (categories, properties, manufacturers) ─► media ─► products ─► cross_sellings
"""

from __future__ import annotations

from typing import Any

from pimflow.targets.base import StageContext


def _upload(context: StageContext, stage: str) -> dict[str, Any]:
    """Run one upload stage; removals only in a reconcile (a read of the target's scope)."""
    from pimflow.shopware6.mapping import shopware_id
    from pimflow.shopware6.upload import Shopware6Upload
    from pimflow.verify import run_sample

    upload = Shopware6Upload(
        context.hook,
        context.store,
        context.folder,
        context.mapping,
        full_read=context.reconcile,
        verify=run_sample(context) if stage == "products" else None,
    )
    try:
        return getattr(upload, stage)()
    finally:
        # The id cache's entries are made all through the stage, between its short-lived
        # rows: kept, they pin the memory those rows used (~17 MB at 10k after products).
        shopware_id.cache_clear()


def structure(context: StageContext) -> dict[str, Any]:
    return _upload(context, "structure")


def media(context: StageContext) -> dict[str, Any]:
    return _upload(context, "media")


def products(context: StageContext) -> dict[str, Any]:
    return _upload(context, "products")


def cross_sellings(context: StageContext) -> dict[str, Any]:
    return _upload(context, "cross_sellings")
