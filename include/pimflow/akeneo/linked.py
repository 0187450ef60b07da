"""The reference entities and assets stages (guide steps 5 and 6).

Only the records and assets that products and product models use are read: their codes
were gathered while parsing, and are asked for with `code IN` filters split so no URI is
too long. Values are parsed like product values, by the entity's attribute types.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from airflow.sdk import ObjectStoragePath

from pimflow.akeneo.datasets import (
    ASSET_FAMILY_ATTRIBUTES,
    ASSETS,
    RECORDS,
    REFERENCE_ENTITY_ATTRIBUTES,
    REFERENCES,
)
from pimflow.akeneo.search import search_param, split_in
from pimflow.akeneo.structure import load_channel
from pimflow.akeneo.values import InvalidValue, decimal_text
from pimflow.hooks.akeneo import AkeneoHook
from pimflow.staging import ChunkWriter, read_rows

OPTION_TYPES = frozenset({"single_option", "multiple_options"})
MEDIA_TYPES = frozenset({"image", "media_file"})


def referenced_codes(folder: ObjectStoragePath, kind: str) -> dict[str, list[str]]:
    """{reference entity or asset family: sorted codes} over every partition."""
    codes: dict[str, set[str]] = defaultdict(set)
    for row in read_rows(folder, REFERENCES):
        if row["kind"] == kind:
            codes[row["group"]].add(row["code"])
    return {group: sorted(values) for group, values in sorted(codes.items())}


def parse_linked_value(attribute_type: str, data: Any) -> Any:
    """Record and asset values: numbers exact, media as {"code"}, the rest as sent."""
    if attribute_type == "number":
        return decimal_text(data)
    if attribute_type in MEDIA_TYPES:
        if not isinstance(data, str):
            raise InvalidValue(f"expected a media file code, got {data!r}")
        return {"code": data}
    if attribute_type == "boolean" and not isinstance(data, bool):
        raise InvalidValue(f"expected a boolean, got {data!r}")
    return data


def parse_linked_values(
    values: dict[str, list[dict[str, Any]]], types: dict[str, str]
) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, str]]]:
    parsed: dict[str, list[dict[str, Any]]] = {}
    errors: list[dict[str, str]] = []
    for code, entries in (values or {}).items():
        kept = []
        for entry in entries:
            if entry.get("data") is None:
                continue
            locale, channel = entry.get("locale"), entry.get("channel")
            try:
                data = parse_linked_value(types.get(code, ""), entry["data"])
            except InvalidValue as exc:
                errors.append(
                    {
                        "attribute": code,
                        "locale": locale or "",
                        "scope": channel or "",
                        "reason": str(exc),
                    }
                )
                continue
            kept.append({"locale": locale, "scope": channel, "data": data})
        if kept:
            parsed[code] = kept
    return parsed, errors


def _attributes_with_options(
    hook: AkeneoHook, base: str, owner_field: str, owner: str, writer: ChunkWriter
) -> dict[str, str]:
    types: dict[str, str] = {}
    for attribute in hook.get_json(f"{base}/attributes", expect=list, keys=("code",)):
        options: list[dict[str, Any]] = []
        if attribute.get("type") in OPTION_TYPES:
            options = hook.get_json(
                f"{base}/attributes/{quote(attribute['code'])}/options", expect=list, keys=("code",)
            )
        types[attribute["code"]] = attribute.get("type", "")
        writer.add(
            {
                owner_field: owner,
                "code": attribute["code"],
                "type": attribute.get("type"),
                "value_per_locale": bool(attribute.get("value_per_locale")),
                "value_per_channel": bool(attribute.get("value_per_channel")),
                "media_type": attribute.get("media_type"),
                "labels": attribute.get("labels") or {},
                "options": [{"code": o["code"], "labels": o.get("labels") or {}} for o in options],
            }
        )
    return types


def _read_items(
    hook: AkeneoHook, path: str, codes: Iterable[str], channel: str, locales: list[str]
) -> Iterable[dict[str, Any]]:
    def build(chunk: list[str]) -> dict[str, Any]:
        return {
            "channel": channel,
            "locales": ",".join(locales),
            "search": search_param({"code": [{"operator": "IN", "value": chunk}]}),
        }

    for query in split_in(path, list(codes), build):
        yield from hook.iter_items(path, query, keys=("code",))


def _extract_items(
    hook: AkeneoHook,
    folder: ObjectStoragePath,
    kind: str,
    base_path: str,
    owner_field: str,
    attributes_dataset,  # noqa: ANN001
    items_dataset,  # noqa: ANN001
    items_path: str,
) -> dict[str, Any]:
    channel = load_channel(folder)
    missing: list[str] = []
    with (
        ChunkWriter(folder, attributes_dataset) as attributes,
        ChunkWriter(folder, items_dataset) as writer,
    ):
        for owner, codes in referenced_codes(folder, kind).items():
            base = base_path.format(quote(owner))
            types = _attributes_with_options(hook, base, owner_field, owner, attributes)
            found = set()
            items = _read_items(
                hook, f"{base}/{items_path}", codes, channel["channel"], channel["locales"]
            )
            for item in items:
                values, errors = parse_linked_values(item.get("values") or {}, types)
                found.add(item["code"])
                writer.add(
                    {
                        owner_field: owner,
                        "code": item["code"],
                        "values": values,
                        "created": item.get("created"),
                        "updated": item.get("updated"),
                        "errors": errors,
                    }
                )
            missing += [f"{owner}/{code}" for code in codes if code not in found]
    return {items_dataset.name: writer.count, "missing": missing}


def extract_records(hook: AkeneoHook, folder: ObjectStoragePath) -> dict[str, Any]:
    """Stage the reference-entity records that products use (guide step 5)."""
    return _extract_items(
        hook,
        folder,
        "record",
        "/api/rest/v1/reference-entities/{}",
        "reference_entity",
        REFERENCE_ENTITY_ATTRIBUTES,
        RECORDS,
        "records",
    )


def extract_assets(hook: AkeneoHook, folder: ObjectStoragePath) -> dict[str, Any]:
    """Stage the assets that products use (guide step 6)."""
    return _extract_items(
        hook,
        folder,
        "asset",
        "/api/rest/v1/asset-families/{}",
        "asset_family",
        ASSET_FAMILY_ATTRIBUTES,
        ASSETS,
        "assets",
    )
