"""The structure stage: what a product's values mean (guide steps 1 and 2).

Stages the channel (locales, currencies, category tree), the attributes with their types
and properties, every select attribute's options (read through the API, so labels are
known even where `with_attribute_options` is not offered), families and family variants,
the channel's categories and the measurement families. Also plans how the products stage
is split into partitions of families for mapped tasks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from airflow.sdk import ObjectStoragePath

from pimflow.akeneo.datasets import (
    ATTRIBUTE_OPTIONS,
    ATTRIBUTES,
    CATEGORIES,
    FAMILIES,
    FAMILY_VARIANTS,
    MEASUREMENT_FAMILIES,
)
from pimflow.akeneo.values import MULTI_SELECT_TYPES, SELECT_TYPES, AttributeInfo
from pimflow.hooks.akeneo import AkeneoHook
from pimflow.staging import ChunkWriter, read_json, read_rows, write_json

OPTION_TYPES = frozenset({"pim_catalog_simpleselect", "pim_catalog_multiselect"})
NO_FAMILY = "__no_family__"  # the partition of products without a family


def extract_structure(
    hook: AkeneoHook,
    folder: ObjectStoragePath,
    channel: str,
    locales: list[str] | None = None,
    families: list[str] | None = None,
    partitions: int = 4,
) -> dict[str, Any]:
    """Stage the catalog structure; return a summary with the partition plan."""
    channel_item = hook.get_json(f"/channels/{channel}")
    channel_locales = list(channel_item.get("locales") or [])
    chosen_locales = list(locales or channel_locales)
    unknown_locales = sorted(set(chosen_locales) - set(channel_locales))
    if unknown_locales:
        raise ValueError(
            f"locales {unknown_locales} are not activated on channel {channel!r} "
            f"(it has {channel_locales})"
        )

    counts: dict[str, int] = {}
    option_attributes: list[str] = []
    with ChunkWriter(folder, ATTRIBUTES) as writer:
        for item in hook.iter_items("/attributes"):
            writer.add(item)
            if item["type"] in OPTION_TYPES:
                option_attributes.append(item["code"])
    counts["attributes"] = writer.count

    with ChunkWriter(folder, ATTRIBUTE_OPTIONS) as writer:
        for code in option_attributes:
            for option in hook.iter_items(f"/attributes/{code}/options"):
                writer.add({**option, "attribute": code})
    counts["attribute_options"] = writer.count

    family_codes: list[str] = []
    with ChunkWriter(folder, FAMILIES) as writer:
        for item in hook.iter_items("/families"):
            if families and item["code"] not in families:
                continue
            writer.add(item)
            family_codes.append(item["code"])
    counts["families"] = writer.count
    missing = sorted(set(families or ()) - set(family_codes))
    if missing:
        raise ValueError(f"families {missing} do not exist in Akeneo")

    with ChunkWriter(folder, FAMILY_VARIANTS) as writer:
        for family in family_codes:
            for variant in hook.iter_items(f"/families/{family}/variants"):
                writer.add({**variant, "family": family})
    counts["family_variants"] = writer.count

    tree = channel_item.get("category_tree")
    with ChunkWriter(folder, CATEGORIES) as writer:
        writer.extend(
            _category_tree(hook.iter_items("/categories", {"with_position": "true"}), tree)
        )
    counts["categories"] = writer.count

    with ChunkWriter(folder, MEASUREMENT_FAMILIES) as writer:
        for item in hook.get_json("/measurement-families"):
            writer.add(
                {
                    "code": item["code"],
                    "standard_unit_code": item.get("standard_unit_code"),
                    "units": item.get("units") or {},
                    "labels": item.get("labels") or {},
                }
            )
    counts["measurement_families"] = writer.count

    plan = plan_partitions(family_codes, partitions, include_no_family=not families)
    channel_info = {
        "channel": channel,
        "locales": chosen_locales,
        "currencies": list(channel_item.get("currencies") or []),
        "category_tree": tree,
        "families_filter": list(families or []),
    }
    write_json(folder / "channel.json", channel_info)
    return {**channel_info, "counts": counts, "partitions": plan}


def _category_tree(categories: Iterable[dict[str, Any]], root: str | None) -> list[dict[str, Any]]:
    """The categories of the channel's tree (all trees when the channel has none), parents
    before children so a writer can create them in order."""
    items = {c["code"]: c for c in categories}
    children: dict[str | None, list[str]] = {}
    for code, item in items.items():
        children.setdefault(item.get("parent"), []).append(code)
    for codes in children.values():
        codes.sort(key=lambda c: (items[c].get("position") or 0, c))
    starts = [root] if root in items else children.get(None, [])
    ordered, stack = [], list(reversed(starts))
    while stack:
        code = stack.pop()
        item = items[code]
        ordered.append(
            {
                "code": code,
                "parent": item.get("parent"),
                "position": item.get("position"),
                "labels": item.get("labels") or {},
            }
        )
        stack.extend(reversed(children.get(code, [])))
    return ordered


def plan_partitions(
    families: list[str], partitions: int, include_no_family: bool
) -> list[dict[str, Any]]:
    """Families dealt round-robin into at most `partitions` groups, for mapped tasks.

    Every partition costs at most one partly filled page, so few partitions keep the
    calls near the minimum while still putting several pages in flight at once.
    """
    count = max(1, min(partitions, len(families) or 1))
    groups: list[list[str]] = [[] for _ in range(count)]
    for index, family in enumerate(sorted(families)):
        groups[index % count].append(family)
    plan = [{"name": f"p{i}", "families": group} for i, group in enumerate(groups) if group]
    if include_no_family:
        plan.append({"name": "p_nofamily", "families": [NO_FAMILY]})
    return plan


# -- readers for later stages ---------------------------------------------------------------
def load_channel(folder: ObjectStoragePath) -> dict[str, Any]:
    return read_json(folder / "channel.json")


def load_attributes(folder: ObjectStoragePath) -> dict[str, AttributeInfo]:
    return {row["code"]: AttributeInfo.from_api(row) for row in read_rows(folder, ATTRIBUTES)}


def load_option_labels(folder: ObjectStoragePath) -> dict[tuple[str, str], dict[str, str]]:
    """(attribute, option code) → labels."""
    return {
        (row["attribute"], row["code"]): row.get("labels") or {}
        for row in read_rows(folder, ATTRIBUTE_OPTIONS)
    }


def load_family_variants(folder: ObjectStoragePath) -> dict[str, dict[str, Any]]:
    return {row["code"]: row for row in read_rows(folder, FAMILY_VARIANTS)}


def is_option_type(attribute_type: str) -> bool:
    return attribute_type in SELECT_TYPES or attribute_type in MULTI_SELECT_TYPES
