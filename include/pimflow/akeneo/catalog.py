"""The products and product models stages (guide step 4), one partition of families each.

Filters are applied at the source: the channel (`scope`), its locales, the partition's
families, and in delta mode the `updated` window. Pages of 100 are read with
`search_after` and streamed into chunk files; every value is parsed by its attribute type,
and the records, assets and media files that values point to are gathered on the way.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import ObjectStoragePath

from pimflow.akeneo.datasets import PRODUCT_MODELS, PRODUCTS, REFERENCES
from pimflow.akeneo.search import (
    MODELS_PATH,
    NO_FAMILY,
    PRODUCTS_PATH,
    SourceFilter,
    Window,
    piece_filters,
    search_param,
    split_in,
)
from pimflow.akeneo.search import (
    scope_filters as scope_filters,  # for the modules that import it from here
)
from pimflow.akeneo.structure import (
    load_attributes,
    load_channel,
    load_family_variants,
    load_option_labels,
)
from pimflow.akeneo.values import (
    ASSET_TYPES,
    MEDIA_TYPES,
    MULTI_SELECT_TYPES,
    REFERENCE_ENTITY_TYPES,
    SELECT_TYPES,
    AttributeInfo,
    parse_values,
)
from pimflow.hooks.akeneo import AkeneoHook
from pimflow.staging import ChunkWriter, cyclic_gc_paused

log = logging.getLogger(__name__)

DELTA_OVERLAP = timedelta(minutes=5)


def partition_queries(
    path: str, source: SourceFilter, pieces: list[dict[str, Any]], for_products: bool
) -> Iterator[dict[str, Any]]:
    """The query params that read one partition's share of one kind: a query per piece of
    the plan (pimflow.akeneo.structure.plan_partitions), more than one when a piece's
    family list would make the URI too long."""
    common = {
        "scope": source.channel,
        "locales": ",".join(source.locales),
        "pagination_type": "search_after",
        "limit": 100,
    }
    if for_products:
        common["with_attribute_options"] = "true"
    for piece in pieces:
        if not for_products and piece["families"] == [NO_FAMILY]:
            continue  # every product model has a family
        created = piece.get("created")
        yield from split_in(
            path,
            piece["families"],
            lambda chunk, created=created: {
                **common,
                "search": search_param(piece_filters(source, for_products, chunk, created)),
            },
        )


# The types whose values name a record, an asset or a media file; and the option types.
REFERENCE_TYPES = REFERENCE_ENTITY_TYPES | ASSET_TYPES | MEDIA_TYPES
OPTION_TYPES = SELECT_TYPES | MULTI_SELECT_TYPES


class ReferenceCollector:
    """The guide's record/asset code lists and the media codes, deduplicated."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str, str]] = set()

    def collect(
        self, values: dict[str, list[dict[str, Any]]], attributes: dict[str, AttributeInfo]
    ) -> None:
        for code, entries in values.items():
            attribute = attributes.get(code)
            if attribute is None or attribute.type not in REFERENCE_TYPES:
                continue  # most values point to nothing: their entries are not walked
            kind = attribute.type
            for entry in entries:
                if entry.get("raw"):
                    continue
                data = entry["data"]
                if kind == "akeneo_reference_entity":
                    self.seen.add(("record", attribute.reference_data_name or "", data))
                elif kind == "akeneo_reference_entity_collection":
                    for record in data:
                        self.seen.add(("record", attribute.reference_data_name or "", record))
                elif kind in ASSET_TYPES:
                    for asset in data:
                        self.seen.add(("asset", attribute.reference_data_name or "", asset))
                elif kind in MEDIA_TYPES:
                    self.seen.add(("media", code, data["code"]))

    def rows(self) -> Iterator[dict[str, str]]:
        for kind, group, code in sorted(self.seen):
            yield {"kind": kind, "group": group, "code": code}


def _fill_option_labels(
    values: dict[str, list[dict[str, Any]]],
    attributes: dict[str, AttributeInfo],
    labels: dict[tuple[str, str], dict[str, str]],
) -> None:
    """Where `linked_data` did not come (older PIMs, product models), take the labels from
    the staged attribute options."""
    for code, entries in values.items():
        attribute = attributes.get(code)
        if attribute is None or attribute.type not in OPTION_TYPES:
            continue
        for entry in entries:
            if entry.get("raw"):
                continue
            options = entry["data"] if isinstance(entry["data"], list) else [entry["data"]]
            for option in options:
                if not option["labels"]:
                    option["labels"] = dict(labels.get((code, option["code"]), {}))


def _errors(parsed) -> list[dict[str, str]]:  # noqa: ANN001
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
    return errors


def canonical_product(
    item: dict[str, Any],
    attributes: dict[str, AttributeInfo],
    labels: dict[tuple[str, str], dict[str, str]] | None = None,
) -> dict[str, Any]:
    parsed = parse_values(item.get("values") or {}, attributes)
    _fill_option_labels(parsed.values, attributes, labels or {})
    identifier = item.get("identifier")
    if not identifier:  # older products-uuid answers leave it to the identifier attribute
        for code, info in attributes.items():
            if info.type == "pim_catalog_identifier" and code in parsed.values:
                identifier = parsed.values[code][0]["data"]
                break
    return {
        "uuid": item.get("uuid"),
        "identifier": identifier,
        "family": item.get("family"),
        "parent": item.get("parent"),
        "enabled": bool(item.get("enabled", True)),
        "categories": sorted(item.get("categories") or []),
        "groups": sorted(item.get("groups") or []),
        "values": parsed.values,
        "associations": item.get("associations") or {},
        "quantified_associations": item.get("quantified_associations") or {},
        "created": item.get("created"),
        "updated": item.get("updated"),
        "errors": _errors(parsed),
    }


def canonical_model(
    item: dict[str, Any],
    attributes: dict[str, AttributeInfo],
    variants: dict[str, dict[str, Any]],
    labels: dict[tuple[str, str], dict[str, str]] | None = None,
) -> dict[str, Any]:
    parsed = parse_values(item.get("values") or {}, attributes)
    _fill_option_labels(parsed.values, attributes, labels or {})
    level = 2 if item.get("parent") else 1
    variant = variants.get(item.get("family_variant") or "", {})
    axes: list[str] = []
    for attribute_set in variant.get("variant_attribute_sets") or []:
        if attribute_set.get("level") == level:
            axes = list(attribute_set.get("axes") or [])
    return {
        "code": item["code"],
        "family": item.get("family"),
        "family_variant": item.get("family_variant"),
        "parent": item.get("parent"),
        "level": level,
        "axes": axes,
        "categories": sorted(item.get("categories") or []),
        "values": parsed.values,
        "associations": item.get("associations") or {},
        "quantified_associations": item.get("quantified_associations") or {},
        "created": item.get("created"),
        "updated": item.get("updated"),
        "errors": _errors(parsed),
    }


def delta_window(
    mode: str,
    run_type: str,
    interval_start: datetime | None,
    interval_end: datetime | None,
    watermark: datetime | None,
    now: datetime,
    overlap: timedelta = DELTA_OVERLAP,
) -> Window | None:
    """What a run reads: None is everything (modes full and reconcile, or a delta with
    nothing to start from). A delta reads, widened by `overlap` so a product saved while
    the previous run was reading is not missed:

    - a backfill run: exactly its data interval, so a range re-syncs slice by slice;
    - a scheduled run: its data interval, reaching back to the last successful run when
      that ended earlier (the scheduler was down, or runs failed): nothing is skipped;
    - a triggered run: everything since the last successful run.
    """
    if mode != "delta":
        return None
    has_interval = bool(interval_start and interval_end and interval_start < interval_end)
    if run_type == "backfill" and has_interval:
        return Window(interval_start - overlap, interval_end)
    if watermark is None:
        return None  # never synced yet: a delta has nothing to start from, so read everything
    if run_type == "scheduled" and has_interval:
        return Window(min(interval_start, watermark) - overlap, interval_end)
    return Window(watermark - overlap, now)


# (search path, source filter, for products?) → the searches that read a partition.
PartitionQueries = Callable[[str, "SourceFilter", bool], Iterable[dict[str, Any]]]


def extract_partition(
    hook: AkeneoHook,
    folder: ObjectStoragePath,
    partition: dict[str, Any],
    entity: str,
    source: SourceFilter | None = None,
    queries: PartitionQueries | None = None,
) -> dict[str, Any]:
    """Read one partition of products (entity "products") or product models ("product_models")
    into the staged tables; gather what their values refer to. `queries`: what to search
    (default: the partition's families; a limited read passes the chosen trees',
    pimflow.akeneo.selection.selection_queries)."""
    channel = load_channel(folder)
    source = source or SourceFilter(channel["channel"], channel["locales"])
    for_products = entity == "products"
    path, dataset = (PRODUCTS_PATH, PRODUCTS) if for_products else (MODELS_PATH, PRODUCT_MODELS)
    searches = iter(
        queries(path, source, for_products)
        if queries is not None
        else partition_queries(path, source, partition[entity], for_products)
    )
    first = next(searches, None)
    # A share with nothing to search (a small catalog's models fill one partition) loads
    # no structure; it still clears its part's chunks below, as a retried task must.
    attributes, convert = _converter(folder, for_products) if first else ({}, None)
    searches = itertools.chain([first] if first else [], searches)

    keys = () if for_products else ("code",)  # what convert() indexes
    references = ReferenceCollector()
    part = f"{partition['name']}"
    with_errors = 0
    with ChunkWriter(folder, dataset, part=part) as writer:
        for query in searches:
            # The next page comes while this one is parsed and staged: one call in flight.
            for page in hook.iter_pages(path, query, read_ahead=True, keys=keys):
                with cyclic_gc_paused():  # new trees of dicts, no cycle (see staging)
                    for item in page:
                        row = convert(item)
                        with_errors += _log_errors(
                            row.get("identifier") or row.get("code"), row["errors"]
                        )
                        references.collect(row["values"], attributes)
                        writer.add(row)
    with ChunkWriter(folder, REFERENCES, part=f"{entity}_{part}") as refs:
        refs.extend(references.rows())
    return {
        "partition": part,
        entity: writer.count,
        "references": refs.count,
        "with_value_errors": with_errors,
    }


def _converter(
    folder: ObjectStoragePath, for_products: bool
) -> tuple[dict[str, AttributeInfo], Callable[[dict[str, Any]], dict[str, Any]]]:
    """The staged attributes, and what turns an API item into its staged row."""
    attributes = load_attributes(folder)
    labels = load_option_labels(folder)
    if for_products:
        return attributes, lambda item: canonical_product(item, attributes, labels)
    variants = load_family_variants(folder)
    return attributes, lambda item: canonical_model(item, attributes, variants, labels)


def _log_errors(code: str, errors: list[dict[str, str]]) -> int:
    for error in errors:
        log.warning(
            "%s: attribute %s (locale %s, scope %s): %s",
            code,
            error["attribute"] or "-",
            error["locale"] or "-",
            error["scope"] or "-",
            error["reason"],
        )
    return 1 if errors else 0
