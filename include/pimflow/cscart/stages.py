"""The CS-Cart upload stages, as the stage runner calls them (pimflow/pipeline/upload.py).

    structure ───────────────► categories ─┐
    records, products, models ► features ──┴► products ─► removals ─► variations

Categories need only the structure, so they are written while Akeneo's products are still
being read. Each stage returns `{"counts", "errors", ...}` for the run report. A dry run is
the runner's business (pimflow/dry_run.py, with CS-Cart's answers from cscart/responder.py).
"""

from __future__ import annotations

from typing import Any

from pimflow.targets.base import StageContext


def _shop(context: StageContext) -> tuple[Any, Any, str, Any]:
    """What every stage function takes first: (hook, state store, target name, run folder)."""
    from pimflow.cscart.upload import target_name

    return context.hook, context.store, target_name(context.hook), context.folder


def _languages(context: StageContext) -> Any:
    from pimflow.cscart.upload import load_languages

    return load_languages(context.hook, context.structure["locales"], context.mapping)


def categories(context: StageContext) -> dict[str, Any]:
    """The channel's category tree, with its translations."""
    from pimflow.cscart.categories import sync_categories

    result = sync_categories(
        *_shop(context),
        dict(context.structure),
        _languages(context),
        context.mapping,
    )
    return result.as_dict(context.hook.total_calls)


def features(context: StageContext) -> dict[str, Any]:
    """One feature per mapped attribute, every variant kept."""
    from pimflow.cscart.features import sync_features

    result = sync_features(
        *_shop(context),
        _languages(context),
        context.mapping,
        context.complete_read,
    )
    return result.as_dict(context.hook.total_calls)


def products(context: StageContext) -> dict[str, Any]:
    """Products mapped and written with bounded concurrency; only what changed."""
    from pimflow.cscart.media import media_urls
    from pimflow.cscart.products import sync_products
    from pimflow.verify import run_sample

    with media_urls(dry_run=context.dry_run) as urls:
        result = sync_products(
            *_shop(context),
            context.structure,
            _languages(context),
            context.mapping,
            urls,
            verify=run_sample(context),
        )
    return result.as_dict(context.hook.total_calls)


def removals(context: StageContext) -> dict[str, Any]:
    """Products and categories gone from Akeneo: disabled, deleted or kept."""
    from pimflow.cscart.removals import sync_removals

    result = sync_removals(
        *_shop(context),
        context.structure,
        context.mapping,
        context.reconcile,
    )
    return result.as_dict(context.hook.total_calls)


def variations(context: StageContext) -> dict[str, Any]:
    """Product models as variation groups of their variant products."""
    from pimflow.cscart.variations import sync_variations

    result = sync_variations(
        *_shop(context),
        context.structure,
        context.mapping,
        context.complete_read,
    )
    return result.as_dict(context.hook.total_calls)
