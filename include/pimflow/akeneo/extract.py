"""The extraction stages: Akeneo's structure and products, staged for the uploads.

Follows Akeneo's guide: read the channel (locales, currencies, category tree), the
attributes with their types and the families first, then collect products filtered at the
source (scope, locales) with `search_after` paging, and parse every value by its type.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from airflow.sdk import ObjectStoragePath

from pimflow.akeneo.values import AttributeInfo, parse_values
from pimflow.hooks.akeneo import AkeneoHook
from pimflow.staging import ChunkWriter, Dataset, read_json, write_json

log = logging.getLogger(__name__)

ATTRIBUTES = Dataset(
    "attributes",
    {
        "code": "string",
        "type": "string",
        "localizable": "bool",
        "scopable": "bool",
        "decimals_allowed": "bool",
        "reference_data_name": "string",
        "metric_family": "string",
        "default_metric_unit": "string",
        "labels": "json",
    },
)
FAMILIES = Dataset(
    "families",
    {"code": "string", "attribute_as_label": "string", "attributes": "json", "labels": "json"},
)
PRODUCTS = Dataset(
    "products",
    {
        "uuid": "string",
        "identifier": "string",
        "family": "string",
        "parent": "string",
        "enabled": "bool",
        "categories": "json",
        "values": "json",
        "associations": "json",
        "quantified_associations": "json",
        "created": "string",
        "updated": "string",
        "errors": "json",
    },
)


def extract_structure(
    hook: AkeneoHook, folder: ObjectStoragePath, channel: str, locales: list[str] | None
) -> dict[str, Any]:
    """Stage the channel's settings, the attributes and the families; return a summary."""
    channel_item = hook.get_json(f"/channels/{channel}")
    channel_locales = list(channel_item.get("locales") or [])
    if locales:
        unknown = sorted(set(locales) - set(channel_locales))
        if unknown:
            raise ValueError(
                f"locales {unknown} are not activated on channel {channel!r} "
                f"(it has {channel_locales})"
            )
    chosen_locales = list(locales or channel_locales)

    with ChunkWriter(folder, ATTRIBUTES) as attributes:
        for item in hook.iter_items("/attributes"):
            attributes.add(item)
    with ChunkWriter(folder, FAMILIES) as families:
        for item in hook.iter_items("/families"):
            families.add(item)

    channel_info = {
        "channel": channel,
        "locales": chosen_locales,
        "currencies": list(channel_item.get("currencies") or []),
        "category_tree": channel_item.get("category_tree"),
    }
    write_json(folder / "channel.json", channel_info)
    return {**channel_info, "attributes": attributes.count, "families": families.count}


def load_attributes(folder: ObjectStoragePath) -> dict[str, AttributeInfo]:
    from pimflow.staging import read_rows

    return {row["code"]: AttributeInfo.from_api(row) for row in read_rows(folder, ATTRIBUTES)}


def load_channel(folder: ObjectStoragePath) -> dict[str, Any]:
    return read_json(folder / "channel.json")


def product_query(channel: str, locales: list[str]) -> dict[str, str]:
    """The source filters of the guide: scope and locales (values of other channels and
    locales never cross the wire)."""
    return {
        "scope": channel,
        "locales": ",".join(locales),
        "with_attribute_options": "true",
        "pagination_type": "search_after",
    }


def canonical_product(item: dict[str, Any], attributes: dict[str, AttributeInfo]) -> dict[str, Any]:
    parsed = parse_values(item.get("values") or {}, attributes)
    identifier = item.get("identifier")
    if not identifier:  # products-uuid answers may leave it to the identifier attribute
        for code, info in attributes.items():
            if info.type == "pim_catalog_identifier" and code in parsed.values:
                identifier = parsed.values[code][0]["data"]
                break
    errors = list(parsed.errors)
    if parsed.unknown_types:
        errors.append(
            {
                "attribute": "",
                "locale": "",
                "scope": "",
                "reason": "attribute types kept raw (unknown to pimflow): "
                + ", ".join(sorted(parsed.unknown_types)),
            }
        )
    return {
        "uuid": item.get("uuid"),
        "identifier": identifier,
        "family": item.get("family"),
        "parent": item.get("parent"),
        "enabled": bool(item.get("enabled", True)),
        "categories": sorted(item.get("categories") or []),
        "values": parsed.values,
        "associations": item.get("associations") or {},
        "quantified_associations": item.get("quantified_associations") or {},
        "created": item.get("created"),
        "updated": item.get("updated"),
        "errors": errors,
    }


def extract_products(
    hook: AkeneoHook, folder: ObjectStoragePath, product_limit: int | None = None
) -> dict[str, Any]:
    """Stage every product the channel filter admits, parsed; return counts."""
    channel = load_channel(folder)
    attributes = load_attributes(folder)
    query = product_query(channel["channel"], channel["locales"])
    with_errors = 0
    with ChunkWriter(folder, PRODUCTS) as products:
        for page in hook.iter_pages("/products-uuid", query):
            for item in page:
                product = canonical_product(item, attributes)
                if product["errors"]:
                    with_errors += 1
                    log.warning(
                        "product %s: %s", product["identifier"], json.dumps(product["errors"])
                    )
                products.add(product)
                if product_limit and products.count >= product_limit:
                    break
            if product_limit and products.count >= product_limit:
                break
    return {"products": products.count, "products_with_value_errors": with_errors}
