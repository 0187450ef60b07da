"""Snapshots: the whole catalog as one JSON document, so a restart keeps what was written.

Generated media files are stored as their recipe (kind and seed), uploaded ones as base64;
product values keep their `(attribute, locale, scope)` keys as `[attribute, locale, scope,
data]` rows. Files are written atomically (temporary file, then rename).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .state import Catalog, MediaFile, Product, ProductModel
from .values import vkey

FORMAT = "pimflow-akeneo-snapshot"
VERSION = 1


def _values_out(values: dict[Any, Any]) -> list[list[Any]]:
    return [[key[0], key[1], key[2], data] for key, data in values.items()]


def _values_in(rows: list[list[Any]]) -> dict[Any, Any]:
    return {vkey(a, locale, scope): data for a, locale, scope, data in rows}


def _quantified_out(quantified: dict[str, Any]) -> dict[str, Any]:
    return {
        t: {k: [list(pair) for pair in v] for k, v in links.items()}
        for t, links in quantified.items()
    }


def _quantified_in(quantified: dict[str, Any]) -> dict[str, Any]:
    return {
        t: {k: [(a, b) for a, b in v] for k, v in links.items()} for t, links in quantified.items()
    }


def _records_out(stores: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return {
        container: [
            {**record, "values": _values_out(record["values"])} for record in records.values()
        ]
        for container, records in stores.items()
    }


def _records_in(stores: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    return {
        container: {r["code"].lower(): {**r, "values": _values_in(r["values"])} for r in records}
        for container, records in stores.items()
    }


def dump(catalog: Catalog) -> dict[str, Any]:
    """The catalog as JSON-ready data."""
    media = []
    for item in catalog.media.values():
        entry: dict[str, Any] = {
            "code": item.code,
            "original_filename": item.original_filename,
            "storage": item.storage,
            "mime_type": item.mime_type,
        }
        if item.data is not None:
            entry["data"] = base64.b64encode(item.data).decode("ascii")
        else:
            entry.update({"kind": item.kind, "seed": item.seed, "title": item.title})
        media.append(entry)
    return {
        "format": FORMAT,
        "version": VERSION,
        "locales": list(catalog.locales.values()),
        "currencies": list(catalog.currencies.values()),
        "channels": list(catalog.channels.values()),
        "measurement_families": list(catalog.measurement_families.values()),
        "attribute_groups": list(catalog.attribute_groups.values()),
        "attributes": list(catalog.attributes.values()),
        "options": {code: list(options.values()) for code, options in catalog.options.items()},
        "families": list(catalog.families.values()),
        "family_variants": list(catalog.family_variants.values()),
        "categories": list(catalog.categories.values()),
        "association_types": list(catalog.association_types.values()),
        "updated_at": [[kind, key, when] for (kind, key), when in catalog.updated_at.items()],
        "reference_entities": list(catalog.reference_entities.values()),
        "ref_attributes": {c: list(a.values()) for c, a in catalog.ref_attributes.items()},
        "ref_options": [[c, a, list(o.values())] for (c, a), o in catalog.ref_options.items()],
        "records": _records_out(catalog.records),
        "asset_families": list(catalog.asset_families.values()),
        "asset_attributes": {c: list(a.values()) for c, a in catalog.asset_attributes.items()},
        "asset_options": [[c, a, list(o.values())] for (c, a), o in catalog.asset_options.items()],
        "assets": _records_out(catalog.assets),
        "media": media,
        "catalog_media_order": catalog.catalog_media_order,
        "product_models": [
            {
                "code": m.code, "seq": m.seq, "family": m.family, "family_variant": m.family_variant,
                "parent": m.parent, "categories": list(m.categories), "values": _values_out(m.values),
                "associations": m.associations, "quantified": _quantified_out(m.quantified),
                "created": m.created, "updated": m.updated,
            }
            for _, code in catalog.sorted_models
            for m in [catalog.product_models[code]]
        ],
        "products": [
            {
                "uuid": p.uuid, "identifier": p.identifier, "family": p.family, "parent": p.parent,
                "categories": list(p.categories), "groups": list(p.groups), "enabled": p.enabled,
                "values": _values_out(p.values), "associations": p.associations,
                "quantified": _quantified_out(p.quantified), "created": p.created, "updated": p.updated,
            }
            for p in catalog.iter_products()
        ],
    }  # fmt: skip


def load(data: dict[str, Any], clock: Any = None) -> Catalog:
    """A catalog from `dump` output (a snapshot file, or a hand-written JSON catalog)."""
    if data.get("format") != FORMAT:
        raise ValueError(
            'not a pimflow Akeneo snapshot (missing "format": "pimflow-akeneo-snapshot")'
        )
    if data.get("version") != VERSION:
        raise ValueError(f"unsupported snapshot version {data.get('version')!r}")
    catalog = Catalog(clock)
    catalog.locales = {e["code"]: e for e in data["locales"]}
    catalog.currencies = {e["code"]: e for e in data["currencies"]}
    catalog.channels = {e["code"]: e for e in data["channels"]}
    catalog.measurement_families = {e["code"]: e for e in data["measurement_families"]}
    catalog.attribute_groups = {e["code"]: e for e in data["attribute_groups"]}
    catalog.attributes = {e["code"]: e for e in data["attributes"]}
    catalog.options = {
        code: {o["code"].lower(): o for o in options} for code, options in data["options"].items()
    }
    catalog.families = {e["code"]: e for e in data["families"]}
    catalog.family_variants = {e["code"]: e for e in data["family_variants"]}
    catalog.categories = {e["code"]: e for e in data["categories"]}
    catalog.association_types = {e["code"]: e for e in data["association_types"]}
    catalog.updated_at = {(kind, key): when for kind, key, when in data["updated_at"]}
    catalog.reference_entities = {e["code"]: e for e in data["reference_entities"]}
    catalog.ref_attributes = {
        c: {a["code"]: a for a in attrs} for c, attrs in data["ref_attributes"].items()
    }
    catalog.ref_options = {
        (c, a): {o["code"].lower(): o for o in opts} for c, a, opts in data["ref_options"]
    }
    catalog.records = _records_in(data["records"])
    catalog.asset_families = {e["code"]: e for e in data["asset_families"]}
    catalog.asset_attributes = {
        c: {a["code"]: a for a in attrs} for c, attrs in data["asset_attributes"].items()
    }
    catalog.asset_options = {
        (c, a): {o["code"].lower(): o for o in opts} for c, a, opts in data["asset_options"]
    }
    catalog.assets = _records_in(data["assets"])
    for entry in data["media"]:
        raw = base64.b64decode(entry["data"]) if "data" in entry else None
        catalog.media[entry["code"]] = MediaFile(
            entry["code"], entry["original_filename"], entry["storage"],
            kind=entry.get("kind"), seed=entry.get("seed", ""), title=entry.get("title", ""),
            data=raw, mime_type=entry.get("mime_type"),
        )  # fmt: skip
    catalog.catalog_media_order = list(data["catalog_media_order"])
    for entry in data["product_models"]:
        model = ProductModel(entry["code"], entry["seq"])
        model.family, model.family_variant, model.parent = (
            entry["family"],
            entry["family_variant"],
            entry["parent"],
        )
        model.categories = tuple(entry["categories"])
        model.values = _values_in(entry["values"])
        model.associations = entry["associations"]
        model.quantified = _quantified_in(entry["quantified"])
        model.created, model.updated = entry["created"], entry["updated"]
        catalog.add_generated_model(model)
    for entry in data["products"]:
        product = Product(entry["uuid"])
        product.identifier, product.family, product.parent = (
            entry["identifier"],
            entry["family"],
            entry["parent"],
        )
        product.categories, product.groups = tuple(entry["categories"]), tuple(entry["groups"])
        product.enabled = entry["enabled"]
        product.values = _values_in(entry["values"])
        product.associations = entry["associations"]
        product.quantified = _quantified_in(entry["quantified"])
        product.created, product.updated = entry["created"], entry["updated"]
        catalog.add_generated_product(product)
    catalog.finish_bulk_load()
    catalog.refresh_activation()
    return catalog


def read(path: str | Path, clock: Any = None) -> Catalog:
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return load(json.loads(raw), clock)


def write(catalog: Catalog, path: str | Path) -> None:
    """Write atomically: a crash while writing never leaves a half snapshot behind."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(dump(catalog), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if target.suffix == ".gz":
        payload = gzip.compress(payload, 6)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
