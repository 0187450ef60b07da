"""A verifying reconcile's read-back from Shopware 6: the products whose payload is unchanged
since pimflow wrote them, compared with what the shop holds now (pimflow/verify.py).

One `POST /api/search/product` per batch of the writer (250 by default), with an `equalsAny`
filter on the ids and the associations the payload writes (translations, media, categories,
properties, options, visibilities, configurator settings), trimmed by `includes` to the
fields compared. Read raw (no `sw-inheritance`): a variant's payload leaves inherited fields
empty, and so does the shop's raw record.

A product that differs goes back to the writer to be sent again (`Row.repair`: the fields
that differed); the links the shop has and the payload has not (a category added by hand)
are deleted with it, as a link removed in Akeneo would be.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pimflow.results import StageResult
from pimflow.shopware6.hook import Shopware6Hook
from pimflow.shopware6.mapping import relation_deletes
from pimflow.shopware6.writer import Row
from pimflow.verify import Sample, differences, same

# The payload's to-many fields: the association read, and the fields of its rows compared.
ASSOCIATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "media": ("product_media", ("id", "mediaId", "position")),
    "categories": ("category", ("id",)),
    "properties": ("property_group_option", ("id",)),
    "options": ("property_group_option", ("id",)),
    "visibilities": ("product_visibility", ("id", "salesChannelId", "visibility")),
    "configuratorSettings": ("product_configurator_setting", ("id", "optionId", "position")),
}
TRANSLATION = "product_translation"
# The shop's record of a product deleted there by hand: the whole product differs.
GONE = "product (deleted in the shop)"


class ShopwareVerifier:
    """Reads back the sampled unchanged products of a batch and says which drifted."""

    entities = ("product",)

    def __init__(self, hook: Shopware6Hook, sample: Sample, outcome: StageResult) -> None:
        self.hook = hook
        self.sample = sample
        self.outcome = outcome

    def wants(self, entity: str, key: str) -> bool:
        return entity in self.entities and key in self.sample

    def drifted(self, entity: str, rows: list[tuple[Row, str]]) -> list[tuple[Row, str]]:
        """The rows (with their payload hash) the shop holds otherwise, each with its
        `repair` fields and the deletes of the links the shop has beyond the payload; the
        others are counted unchanged (verified)."""
        records = self._read([row for row, _ in rows])
        found = []
        for row, digest in rows:
            record = records.get(row.key)
            fields = [GONE] if record is None else drift(row.payload, record)
            self.outcome.count(entity, "verified")
            if not fields:
                self.outcome.count(entity, "unchanged")
                continue
            row.repair = fields
            row.shop = None if record is None else shop_view(row.payload, record)
            if record is not None and row.relations is not None:
                row.deletes = relation_deletes(
                    row.key, shop_relations(record, row.relations, fields), row.relations
                )
            found.append((row, digest))
        return found

    def _read(self, rows: list[Row]) -> dict[str, dict[str, Any]]:
        """The shop's records of `rows` by id: one search (the batch is the writer's)."""
        fields = sorted({key for row in rows for key in row.payload})
        translated = sorted(
            {
                name
                for row in rows
                for t in (row.payload.get("translations") or {}).values()
                for name in t
            }
        )
        includes: dict[str, list[str]] = {
            "product": fields,
            TRANSLATION: ["languageId", *translated],
        }
        associations: dict[str, Any] = {}
        if "translations" in fields:
            associations["translations"] = {}
        for name, (target, columns) in ASSOCIATIONS.items():
            if name in fields:
                associations[name] = {}
                includes[target] = sorted({*includes.get(target, []), *columns})
        criteria = {
            "limit": len(rows),
            "total-count-mode": 0,
            "filter": [{"type": "equalsAny", "field": "id", "value": [row.key for row in rows]}],
            "associations": associations,
            "includes": includes,
        }
        self.outcome.extra["verify_calls"] = self.outcome.extra.get("verify_calls", 0) + 1
        body = self.hook.search("product", criteria)
        return {str(record["id"]): record for record in body.get("data") or []}


def drift(payload: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
    """The fields of `payload` the shop's `record` holds otherwise: a translated field by its
    name (`name`, not `translations`), a custom field as `customFields.<name>`."""
    plain = {k: v for k, v in payload.items() if k not in ("id", "translations", "customFields")}
    fields = set(differences(plain, record))
    theirs = {
        str(t.get("languageId")): t
        for t in record.get("translations") or []
        if isinstance(t, Mapping)
    }
    for language, translation in (payload.get("translations") or {}).items():
        fields.update(differences(translation, theirs.get(language) or {}))
    custom = record.get("customFields") or {}
    for name, value in (payload.get("customFields") or {}).items():
        if not same(value, custom.get(name)):
            fields.add(f"customFields.{name}")
    return sorted(fields)


def shop_view(payload: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, Any]:
    """The shop's record in the shape of the payload (its keys, its translations by language,
    its rows' columns): what the plan shows as the old value of a repaired product."""
    view: dict[str, Any] = {}
    theirs = {
        str(t.get("languageId")): t
        for t in record.get("translations") or []
        if isinstance(t, Mapping)
    }
    for key, value in payload.items():
        found = record.get(key)
        if key == "translations" and isinstance(value, Mapping):
            found = {
                language: {name: (theirs.get(language) or {}).get(name) for name in fields}
                for language, fields in value.items()
            }
        elif isinstance(value, Mapping) and isinstance(found, Mapping):
            found = {name: found.get(name) for name in value}
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            columns = {name for row in value for name in row}
            key_of = "id" if all(row.get("id") for row in value) else "currencyId"
            order = {row.get(key_of): index for index, row in enumerate(value)}
            rows = [row for row in found or [] if isinstance(row, Mapping)]
            rows.sort(key=lambda row: order.get(row.get(key_of), len(order)))  # ours first
            found = [{name: row.get(name) for name in sorted(columns)} for row in rows]
        view[key] = found
    return view


# Row.relations' names (mapping.RELATIONS) → the payload field and the column of its rows.
RELATION_FIELDS = {
    "categories": ("categories", "id"),
    "properties": ("properties", "id"),
    "options": ("options", "id"),
    "media": ("media", "id"),
    "visibilities": ("visibilities", "id"),
    "configurator": ("configuratorSettings", "optionId"),
}


def shop_relations(
    record: Mapping[str, Any], ours: Mapping[str, list[str]], drifted: list[str]
) -> dict[str, list[str]]:
    """What the shop links the product to, as `Row.relations` says it, for the relations
    that drifted (the others as ours: nothing of theirs is deleted)."""
    relations = {name: list(ids) for name, ids in ours.items()}
    for name, (field_name, column) in RELATION_FIELDS.items():
        if field_name in drifted:
            relations[name] = sorted(
                str(row[column])
                for row in record.get(field_name) or []
                if isinstance(row, Mapping) and row.get(column)
            )
    return relations
