"""The Shopware 6 upload stages, as the stage runner calls them (pimflow/pipeline/upload.py).

structure (categories, properties, manufacturers) ─► media ─► products ─► cross_sellings
"""

from __future__ import annotations

from typing import Any

from pimflow.targets.base import StageContext


def _upload(context: StageContext, stage: str) -> dict[str, Any]:
    """Run one upload stage; removals only in a reconcile (a read of the target's scope)."""
    from pimflow.shopware6.upload import Shopware6Upload

    upload = Shopware6Upload(
        context.hook,
        context.store,
        context.folder,
        context.mapping,
        full_read=context.reconcile,
    )
    return getattr(upload, stage)()


def structure(context: StageContext) -> dict[str, Any]:
    return _upload(context, "structure")


def media(context: StageContext) -> dict[str, Any]:
    return _upload(context, "media")


def products(context: StageContext) -> dict[str, Any]:
    return _upload(context, "products")


def cross_sellings(context: StageContext) -> dict[str, Any]:
    return _upload(context, "cross_sellings")
