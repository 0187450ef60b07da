"""A limited read (`product_limit`) by whole trees: which roots, then exactly their trees.

A root is a simple product, or a root product model with its sub-models and variant
products. Cutting a tree apart (a variant without its model, a model without its
variants) makes errors a full read would not (a parent without a price), so the limit
counts roots: the first N of the run's filter, alternating root models and simple
products, each in Akeneo's own order (stable for an unchanged catalog). The structure
task chooses them (a page of root models, a page of simple products, the chosen models'
sub-models: codes only); the partitions then read those trees by code, uuid and parent.
Trees are dealt to the partitions in turn, whatever their family: a partition reads its
trees by code, so each tree is read once, and the partitions get about as many each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import zip_longest
from typing import Any

from airflow.sdk import ObjectStoragePath

from pimflow.akeneo.search import (
    MODELS_PATH,
    PRODUCTS_PATH,
    SourceFilter,
    scope_filters,
    search_param,
    split_in,
)
from pimflow.akeneo.structure import load_attributes
from pimflow.hooks.akeneo import AkeneoHook
from pimflow.staging import read_json, write_json

SELECTION_FILE = "selection.json"
PAGE = 100
# Akeneo caps an IN list of product identifiers at 100 values; uuids and codes alike here.
IN_VALUES = 100


def identifier_attribute(folder: ObjectStoragePath) -> str | None:
    """The catalog's identifier attribute (`sku` on most PIMs), from the staged attributes."""
    for code, info in load_attributes(folder).items():
        if info.type == "pim_catalog_identifier":
            return code
    return None


def in_queries(
    path: str, prop: str, values: list[str], common: dict[str, Any], filters: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """Queries for `prop IN values` (with `filters`), at most IN_VALUES values and a safe
    URI length each."""
    for start in range(0, len(values), IN_VALUES):
        yield from split_in(
            path,
            values[start : start + IN_VALUES],
            lambda chunk: {
                **common,
                "search": search_param({**filters, prop: [{"operator": "IN", "value": chunk}]}),
            },
        )


def _roots(
    hook: AkeneoHook, path: str, common: dict[str, Any], filters: dict[str, Any], limit: int
) -> Iterator[dict[str, Any]]:
    """Root items of one kind, in Akeneo's order, paged no bigger than the limit needs."""
    search = {**filters, "parent": [{"operator": "EMPTY"}]}
    query = {**common, "limit": min(PAGE, limit), "search": search_param(search)}
    keys = ("uuid",) if path == PRODUCTS_PATH else ("code",)  # what choose_roots indexes
    for page in hook.iter_pages(path, query, keys=keys):
        yield from page


def choose_roots(
    hook: AkeneoHook,
    folder: ObjectStoragePath,
    source: SourceFilter,
    partitions: list[dict[str, Any]],
    families_filter: list[str],
    limit: int,
) -> dict[str, Any]:
    """Choose the run's `limit` roots and stage, per partition, the codes of their trees."""
    common: dict[str, Any] = {
        "scope": source.channel,
        "locales": ",".join(source.locales),
        "pagination_type": "search_after",
    }
    identifier = identifier_attribute(folder)
    if identifier:  # codes are all this needs: no values in the answers
        common["attributes"] = identifier
    family = {"family": [{"operator": "IN", "value": families_filter}]} if families_filter else {}
    models = _roots(hook, MODELS_PATH, common, {**scope_filters(source, False), **family}, limit)
    simple = _roots(hook, PRODUCTS_PATH, common, {**scope_filters(source, True), **family}, limit)
    chosen_models: list[dict[str, Any]] = []
    chosen_products: list[dict[str, Any]] = []
    # One of each in turn: a generator is read only as far as the roots it gives are taken.
    for model, product in zip_longest(models, simple):
        for item, chosen in ((model, chosen_models), (product, chosen_products)):
            if item is not None and len(chosen_models) + len(chosen_products) < limit:
                chosen.append(item)
        if len(chosen_models) + len(chosen_products) >= limit:
            break
    # Sub-models (two-level trees): their variants are read by parent, so their codes count.
    subs = []
    roots = [m["code"] for m in chosen_models]
    tree_common = {key: value for key, value in common.items() if key != "locales"}
    for query in in_queries(MODELS_PATH, "parent", roots, tree_common, {}):
        for page in hook.iter_pages(MODELS_PATH, query, keys=("code", "parent")):
            subs += page
    selection: dict[str, dict[str, list[str]]] = {
        p["name"]: {"models": [], "products": []} for p in partitions
    }
    names = list(selection)
    turn: dict[str, str] = {}  # a root model's partition, which its sub-models share
    for index, model in enumerate(chosen_models):
        turn[model["code"]] = names[index % len(names)]
        selection[turn[model["code"]]]["models"].append(model["code"])
    for sub in subs:  # read by `parent IN roots`: every parent is a chosen root
        selection[turn[sub["parent"]]]["models"].append(sub["code"])
    # Simple products go on from where the models stopped, so small limits spread too.
    for index, product in enumerate(chosen_products, start=len(chosen_models)):
        selection[names[index % len(names)]]["products"].append(product["uuid"])
    write_json(folder / SELECTION_FILE, {"limit": limit, "partitions": selection})
    return {
        "roots": len(chosen_models) + len(chosen_products),
        "root_models": len(chosen_models),
        "sub_models": len(subs),
        "simple_products": len(chosen_products),
    }


def load_selection(folder: ObjectStoragePath, partition: str) -> dict[str, list[str]]:
    """One partition's share of a limited read (empty lists: nothing to read)."""
    chosen = read_json(folder / SELECTION_FILE)["partitions"]
    return chosen.get(partition) or {"models": [], "products": []}


def selection_queries(
    selection: dict[str, list[str]],
) -> Callable[[str, SourceFilter, bool], Iterator[dict[str, Any]]]:
    """`extract_partition`'s queries for one partition's chosen trees (`load_selection`)."""

    def queries(path: str, source: SourceFilter, for_products: bool) -> Iterator[dict[str, Any]]:
        return _tree_queries(path, source, selection, for_products)

    return queries


def _tree_queries(
    path: str, source: SourceFilter, selection: dict[str, list[str]], for_products: bool
) -> Iterator[dict[str, Any]]:
    """The queries that read exactly the chosen trees of one partition: whole trees, so no
    `updated` window (a limited delta chooses its roots in the window, then reads them
    whole); the channel's scope and the product filters (enabled, completeness) still
    apply, as they do to a full read."""
    common: dict[str, Any] = {
        "scope": source.channel,
        "locales": ",".join(source.locales),
        "pagination_type": "search_after",
        "limit": PAGE,
    }
    filters = scope_filters(replace(source, window=None), for_products)
    if not for_products:
        yield from in_queries(path, "identifier", selection["models"], common, filters)
        return
    common["with_attribute_options"] = "true"
    yield from in_queries(path, "uuid", selection["products"], common, filters)
    # `parent IN` gives direct children: the root models' and the sub-models' variants.
    yield from in_queries(path, "parent", selection["models"], common, filters)
