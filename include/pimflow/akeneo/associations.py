"""Which associated products and product models are outside the run's scope, and why.

An association may name a product that the run's scope excludes: disabled (when the run
reads enabled products only), not classified in the channel's category tree (the `scope`
parameter returns only those), of a family the run does not read, or deleted. The shop
never gets such a product, so a target must leave the link out for good rather than wait
for it. What the run read is known; for what it did not read, a few searches by uuid,
identifier or code, batched, tell the two cases apart: with the run's scope (found: in
scope, expected later, e.g. a delta that has not read it yet), then without (found: out of
scope, and its properties say why; not found: deleted).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from airflow.sdk import ObjectStoragePath

from pimflow.akeneo.catalog import MODELS_PATH, PRODUCTS_PATH, SourceFilter, scope_filters
from pimflow.akeneo.datasets import CATEGORIES, OUT_OF_SCOPE, PRODUCT_MODELS, PRODUCTS
from pimflow.akeneo.selection import identifier_attribute, in_queries
from pimflow.akeneo.structure import load_channel
from pimflow.hooks.akeneo import AkeneoHook
from pimflow.staging import ChunkWriter, read_rows

LINK_COLUMNS = ("associations", "quantified_associations")
PRODUCT_LINK_COLUMNS = ("uuid", "identifier", *LINK_COLUMNS)
MODEL_LINK_COLUMNS = ("code", *LINK_COLUMNS)


def _links(item: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(kind, code) of every product and model that `item` associates: kind "uuid",
    "identifier" (product models' associations name products by identifier) or "model"."""
    by = "uuid" if item.get("uuid") else "identifier"
    for links in (item.get("associations") or {}).values():
        for code in links.get("products") or []:
            yield by, code
        for code in links.get("product_models") or []:
            yield "model", code
    for links in (item.get("quantified_associations") or {}).values():
        for link in links.get("products") or []:
            if link.get("uuid"):
                yield "uuid", link["uuid"]
            elif link.get("identifier"):
                yield "identifier", link["identifier"]
        for link in links.get("product_models") or []:
            if link.get("identifier"):
                yield "model", link["identifier"]


def unread_associated(folder: ObjectStoragePath) -> dict[str, set[str]]:
    """What the staged products and models associate that this run did not read."""
    read: dict[str, set[str]] = {"uuid": set(), "identifier": set(), "model": set()}
    wanted: dict[str, set[str]] = {"uuid": set(), "identifier": set(), "model": set()}
    # Only the codes and the links: the values are most of a staged row's decoding.
    for item in read_rows(folder, PRODUCTS, PRODUCT_LINK_COLUMNS):
        read["uuid"].add(item.get("uuid") or "")
        read["identifier"].add(item.get("identifier") or "")
        for kind, code in _links(item):
            wanted[kind].add(code)
    for item in read_rows(folder, PRODUCT_MODELS, MODEL_LINK_COLUMNS):
        read["model"].add(item["code"])
        for kind, code in _links(item):
            wanted[kind].add(code)
    return {kind: wanted[kind] - read[kind] for kind in wanted}


def _found(
    hook: AkeneoHook, path: str, prop: str, codes: Iterable[str], common: dict, filters: dict
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for query in in_queries(path, prop, sorted(codes), common, filters):
        for page in hook.iter_pages(path, query):
            items += page
    return items


def _identifier(item: dict[str, Any], attribute: str | None) -> str:
    if item.get("identifier"):
        return item["identifier"]
    entries = (item.get("values") or {}).get(attribute or "") or [{}]
    return str(entries[0].get("data") or item.get("uuid") or "")


def why_out_of_scope(
    item: dict[str, Any],
    for_products: bool,
    source: SourceFilter,
    families: list[str],
    tree: str | None,
    tree_categories: set[str],
) -> str:
    """Why an item that Akeneo has is outside the run's scope, from its properties."""
    reasons = []
    family = item.get("family")
    if families and family not in families:
        reasons.append(
            f"its family {family!r} is not among the run's families ({', '.join(families)})"
            if family
            else f"it has no family and the run reads families {', '.join(families)}"
        )
    if for_products and source.enabled_only and not item.get("enabled", True):
        reasons.append("it is disabled (the run reads enabled products only)")
    if not set(item.get("categories") or []) & tree_categories:
        where = f"the category tree {tree!r}" if tree else "any category tree"
        reasons.append(f"it is not classified in {where} of channel {source.channel!r}")
    if not reasons and for_products and source.min_completeness is not None:
        reasons.append(
            f"it is less than {source.min_completeness}% complete on channel "
            f"{source.channel!r} in {', '.join(source.locales)}"
        )
    return "; ".join(reasons) or "it is outside the run's filters"


def extract_association_scope(
    hook: AkeneoHook, folder: ObjectStoragePath, source: SourceFilter | None = None
) -> dict[str, Any]:
    """Stage the associated products and models that are outside the run's scope, and why."""
    channel = load_channel(folder)
    source = replace(source or SourceFilter(channel["channel"], channel["locales"]), window=None)
    families = list(channel.get("families_filter") or [])
    tree_categories = {row["code"] for row in read_rows(folder, CATEGORIES)}
    identifier = identifier_attribute(folder)
    unread = unread_associated(folder)
    lean: dict[str, Any] = {"attributes": identifier} if identifier else {}  # no values needed
    scoped = {**lean, "scope": source.channel, "pagination_type": "search_after"}
    family = {"family": [{"operator": "IN", "value": families}]} if families else {}
    lookups = [  # kind, endpoint, the property searched, whether products
        ("uuid", PRODUCTS_PATH, "uuid", True),
        ("identifier", PRODUCTS_PATH, identifier, True),
        ("model", MODELS_PATH, "identifier", False),
    ]
    excluded = 0
    with ChunkWriter(folder, OUT_OF_SCOPE) as writer:
        for kind, path, prop, for_products in lookups:
            codes = unread[kind]
            if not codes or not prop:
                continue
            key = "uuid" if kind == "uuid" else ("code" if kind == "model" else None)

            def code_of(item: dict[str, Any], key: str | None = key) -> str:
                return item[key] if key else _identifier(item, identifier)

            filters = {**scope_filters(source, for_products), **family}
            in_scope = {
                code_of(i) for i in _found(hook, path, prop, codes, scoped, filters)
            }  # expected later: the target waits for them
            rest = codes - in_scope
            found = (
                {code_of(i): i for i in _found(hook, path, prop, rest, lean, {})} if rest else {}
            )
            for code in sorted(rest):
                item = found.get(code)
                name = _identifier(item, identifier) if item and kind != "model" else code
                reason = (
                    why_out_of_scope(
                        item,
                        for_products,
                        source,
                        families,
                        channel.get("category_tree"),
                        tree_categories,
                    )
                    if item
                    else "it is not in Akeneo (deleted)"
                )
                writer.add(
                    {
                        "kind": "product_model" if kind == "model" else "product",
                        "code": code,
                        "name": name,
                        "reason": reason,
                    }
                )
                excluded += 1
    return {
        "associated_unread": sum(len(codes) for codes in unread.values()),
        "out_of_scope": excluded,
    }


def load_out_of_scope(folder: ObjectStoragePath) -> dict[tuple[str, str], dict[str, str]]:
    """(kind, code) → {name, reason}, for a target's cross-sellings."""
    return {
        (row["kind"], row["code"]): {"name": row["name"], "reason": row["reason"]}
        for row in read_rows(folder, OUT_OF_SCOPE)
    }
