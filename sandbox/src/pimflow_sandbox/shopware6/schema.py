"""The entity definitions of the sandbox Shopware 6.

Two halves, like the real DAL's definitions:

* what the official contract (`adminapi.json`, Shopware 6.7.9.1) says about each entity —
  its fields, their types, which are read-only, which are required and which associations
  exist — is *derived* from the spec into `entities.json` by
  `python -m pimflow_sandbox.shopware6.schema --regenerate [SPEC]`, so the package needs no
  spec at run time and a newer spec is one command away;
* what the spec cannot say (how an association is stored — foreign key, reference field or
  mapping table —, which fields are translated or inherited, defaults on create, what a
  delete does to the rows that point at the deleted one, unique keys) is the `OVERLAY` below,
  written from Shopware's entity definitions. The generator checks the overlay against the
  spec, so a field that the spec does not know cannot slip in.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

ENTITIES_JSON = Path(__file__).with_name("entities.json")

# Shopware's fixed ids (`Defaults::*`); every other seeded id is derived from the seed.
LANGUAGE_SYSTEM = "2fbb5fe2e29a4d70aa5854ce7ce3e20b"
CURRENCY_DEFAULT = "b7d2554b0ce847cd82f3ac9bd1c0dfca"
LIVE_VERSION = "0fa91ce3e96a4bc2be4bd9ce752c3425"

UUID_PATTERN = "^[0-9a-f]{32}$"

# Mapping (many-to-many) entities have no search route, so the spec's path list does not name
# them; their schemas are in the spec all the same.
MAPPING_SCHEMAS = {
    "product_category": "ProductCategory",
    "product_property": "ProductProperty",
    "product_option": "ProductOption",
    "sales_channel_language": "SalesChannelLanguage",
    "sales_channel_currency": "SalesChannelCurrency",
}

# Relation kinds:
#   ("m2o", target, fk_field)                      the fk lives on this entity
#   ("o2m", target, reference_field)               the target's rows point at this one
#   ("o2o_reverse", target, reference_field)       like o2m, at most one row (a single object)
#   ("m2m", target, mapping, own_fk, target_fk)    a mapping entity links both
# An association the spec lists but the overlay does not is kept as "unsupported": reads show
# it as null, writes into it are refused with a clear message.
Overlay = dict[str, Any]

OVERLAY: dict[str, Overlay] = {
    "product": {
        "translated": [
            "metaDescription",
            "name",
            "keywords",
            "description",
            "metaTitle",
            "packUnit",
            "packUnitPlural",
            "customFields",
            "slotConfig",
            "customSearchKeywords",
        ],
        # ProductDefinition's fields flagged Inherited: a variant that leaves them empty shows
        # its parent's value when read with `sw-inheritance: 1`.
        "inherited": [
            "manufacturerId",
            "unitId",
            "taxId",
            "coverId",
            "deliveryTimeId",
            "featureSetId",
            "canonicalProductId",
            "cmsPageId",
            "price",
            "restockTime",
            "active",
            "isCloseout",
            "purchaseSteps",
            "maxPurchase",
            "minPurchase",
            "purchaseUnit",
            "referenceUnit",
            "shippingFree",
            "purchasePrices",
            "markAsTopseller",
            "weight",
            "width",
            "height",
            "length",
            "releaseDate",
            "categoryTree",
            "propertyIds",
            "tagIds",
            "categoryIds",
            "manufacturerNumber",
            "ean",
            "customFieldSetSelectionActive",
            "variantListingConfig",
            "metaDescription",
            "name",
            "keywords",
            "description",
            "metaTitle",
            "packUnit",
            "packUnitPlural",
            "customFields",
            "slotConfig",
            "customSearchKeywords",
            "tax",
            "manufacturer",
            "unit",
            "cover",
            "deliveryTime",
            "prices",
            "media",
            "crossSellings",
            "visibilities",
            "properties",
            "categories",
            "categoriesRo",
        ],
        "defaults": {
            "active": True,
            "isCloseout": False,
            "minPurchase": 1,
            "purchaseSteps": 1,
            "shippingFree": False,
            "markAsTopseller": False,
            "customFieldSetSelectionActive": False,
            "type": "physical",
        },
        "relations": {
            "parent": ("m2o", "product", "parentId"),
            "children": ("o2m", "product", "parentId"),
            "tax": ("m2o", "tax", "taxId"),
            "manufacturer": ("m2o", "product_manufacturer", "manufacturerId"),
            "unit": ("m2o", "unit", "unitId"),
            "cover": ("m2o", "product_media", "coverId"),
            "deliveryTime": ("m2o", "delivery_time", "deliveryTimeId"),
            "canonicalProduct": ("m2o", "product", "canonicalProductId"),
            "prices": ("o2m", "product_price", "productId"),
            "media": ("o2m", "product_media", "productId"),
            "crossSellings": ("o2m", "product_cross_selling", "productId"),
            "crossSellingAssignedProducts": (
                "o2m",
                "product_cross_selling_assigned_products",
                "productId",
            ),
            "configuratorSettings": ("o2m", "product_configurator_setting", "productId"),
            "visibilities": ("o2m", "product_visibility", "productId"),
            "options": ("m2m", "property_group_option", "product_option", "productId", "optionId"),
            "properties": (
                "m2m",
                "property_group_option",
                "product_property",
                "productId",
                "optionId",
            ),
            "categories": ("m2m", "category", "product_category", "productId", "categoryId"),
        },
        "on_delete": {
            "parentId": "cascade",
            "taxId": "restrict",
            "manufacturerId": "set_null",
            "unitId": "set_null",
            "coverId": "set_null",
            "deliveryTimeId": "set_null",
            "canonicalProductId": "set_null",
        },
        "unique": [["productNumber"]],
        # Fields the DAL fills itself (indexers, Computed, WriteProtected): writing them is an
        # error, as on a real shop through the Admin API.
        "computed": [
            "categoryTree",
            "propertyIds",
            "optionIds",
            "streamIds",
            "tagIds",
            "categoryIds",
            "childCount",
            "available",
            "availableStock",
            "ratingAverage",
            "sales",
            "displayGroup",
            "autoIncrement",
            "states",
            "variation",
        ],
    },
    "product_price": {
        "relations": {
            "product": ("m2o", "product", "productId"),
            "rule": ("m2o", "rule", "ruleId"),
        },
        "on_delete": {"productId": "cascade", "ruleId": "cascade"},
    },
    "product_media": {
        "relations": {
            "product": ("m2o", "product", "productId"),
            "media": ("m2o", "media", "mediaId"),
            "coverProducts": ("o2m", "product", "coverId"),
        },
        "on_delete": {"productId": "cascade", "mediaId": "cascade"},
    },
    "product_visibility": {
        "relations": {
            "product": ("m2o", "product", "productId"),
            "salesChannel": ("m2o", "sales_channel", "salesChannelId"),
        },
        "on_delete": {"productId": "cascade", "salesChannelId": "cascade"},
        "unique": [["productId", "salesChannelId"]],
    },
    "product_configurator_setting": {
        "relations": {
            "product": ("m2o", "product", "productId"),
            "media": ("m2o", "media", "mediaId"),
            "option": ("m2o", "property_group_option", "optionId"),
        },
        "on_delete": {"productId": "cascade", "optionId": "cascade", "mediaId": "set_null"},
        "unique": [["productId", "optionId"]],
    },
    "product_cross_selling": {
        "translated": ["name"],
        "defaults": {
            "position": 1,
            "type": "productList",
            "sortBy": "name",
            "sortDirection": "ASC",
            "active": False,
            "limit": 24,
        },
        "relations": {
            "product": ("m2o", "product", "productId"),
            "assignedProducts": (
                "o2m",
                "product_cross_selling_assigned_products",
                "crossSellingId",
            ),
        },
        "on_delete": {"productId": "cascade"},
    },
    "product_cross_selling_assigned_products": {
        "relations": {
            "product": ("m2o", "product", "productId"),
            "crossSelling": ("m2o", "product_cross_selling", "crossSellingId"),
        },
        "on_delete": {"productId": "cascade", "crossSellingId": "cascade"},
    },
    "product_manufacturer": {
        "translated": ["name", "description", "customFields"],
        "relations": {
            "media": ("m2o", "media", "mediaId"),
            "products": ("o2m", "product", "manufacturerId"),
        },
        "on_delete": {"mediaId": "set_null"},
    },
    "product_category": {
        "mapping": ("productId", "categoryId"),
        "relations": {
            "product": ("m2o", "product", "productId"),
            "category": ("m2o", "category", "categoryId"),
        },
    },
    "product_property": {
        "mapping": ("productId", "optionId"),
        "relations": {
            "product": ("m2o", "product", "productId"),
            "option": ("m2o", "property_group_option", "optionId"),
        },
    },
    "product_option": {
        "mapping": ("productId", "optionId"),
        "relations": {
            "product": ("m2o", "product", "productId"),
            "option": ("m2o", "property_group_option", "optionId"),
        },
    },
    "property_group": {
        "translated": ["name", "description", "position", "customFields"],
        "defaults": {
            "displayType": "text",
            "sortingType": "alphanumeric",
            "filterable": True,
            "visibleOnProductDetailPage": True,
        },
        "relations": {"options": ("o2m", "property_group_option", "groupId")},
    },
    "property_group_option": {
        "translated": ["name", "position", "customFields"],
        "relations": {
            "group": ("m2o", "property_group", "groupId"),
            "media": ("m2o", "media", "mediaId"),
            "productConfiguratorSettings": ("o2m", "product_configurator_setting", "optionId"),
            "productProperties": ("m2m", "product", "product_property", "optionId", "productId"),
            "productOptions": ("m2m", "product", "product_option", "optionId", "productId"),
        },
        "on_delete": {"groupId": "cascade", "mediaId": "set_null"},
    },
    "category": {
        "translated": [
            "name",
            "breadcrumb",
            "slotConfig",
            "linkType",
            "internalLink",
            "externalLink",
            "linkNewTab",
            "description",
            "metaTitle",
            "metaDescription",
            "keywords",
            "customFields",
        ],
        "defaults": {
            "displayNestedProducts": True,
            "type": "page",
            "productAssignmentType": "product",
            "active": True,
            "visible": True,
        },
        "relations": {
            "parent": ("m2o", "category", "parentId"),
            "children": ("o2m", "category", "parentId"),
            "media": ("m2o", "media", "mediaId"),
            "products": ("m2m", "product", "product_category", "categoryId", "productId"),
            "navigationSalesChannels": ("o2m", "sales_channel", "navigationCategoryId"),
            "footerSalesChannels": ("o2m", "sales_channel", "footerCategoryId"),
            "serviceSalesChannels": ("o2m", "sales_channel", "serviceCategoryId"),
        },
        "on_delete": {"parentId": "cascade", "mediaId": "set_null", "afterCategoryId": "set_null"},
        "computed": [
            "autoIncrement",
            "breadcrumb",
            "level",
            "path",
            "childCount",
            "visibleChildCount",
        ],
    },
    "media": {
        "translated": ["alt", "title", "customFields"],
        "defaults": {"private": False},
        "relations": {
            "mediaFolder": ("m2o", "media_folder", "mediaFolderId"),
            "productMedia": ("o2m", "product_media", "mediaId"),
            "categories": ("o2m", "category", "mediaId"),
            "productManufacturers": ("o2m", "product_manufacturer", "mediaId"),
            "propertyGroupOptions": ("o2m", "property_group_option", "mediaId"),
            "productConfiguratorSettings": ("o2m", "product_configurator_setting", "mediaId"),
        },
        "on_delete": {"mediaFolderId": "set_null"},
        # Filled by the upload (FileSaver), write-protected on a real shop.
        "computed": [
            "mimeType",
            "fileExtension",
            "uploadedAt",
            "fileName",
            "fileSize",
            "metaData",
            "mediaType",
            "url",
            "path",
            "hasFile",
            "fileHash",
        ],
        # Not a database key: FileSaver refuses a second file with the same name (the index
        # also lets the upload find the owner fast).
        "unique": [["fileName", "fileExtension"]],
    },
    "media_folder": {
        "relations": {
            "parent": ("m2o", "media_folder", "parentId"),
            "children": ("o2m", "media_folder", "parentId"),
            "media": ("o2m", "media", "mediaFolderId"),
            "defaultFolder": ("m2o", "media_default_folder", "defaultFolderId"),
        },
        "on_delete": {"parentId": "cascade", "defaultFolderId": "set_null"},
        "defaults": {"useParentConfiguration": True},
        "computed": ["childCount", "path"],
    },
    "media_default_folder": {
        "relations": {"folder": ("o2o_reverse", "media_folder", "defaultFolderId")},
    },
    "tax": {
        "relations": {"products": ("o2m", "product", "taxId")},
    },
    "rule": {
        "relations": {"productPrices": ("o2m", "product_price", "ruleId")},
        "computed": ["invalid", "areas", "moduleTypes"],
    },
    "delivery_time": {
        "translated": ["name", "customFields"],
        "relations": {"products": ("o2m", "product", "deliveryTimeId")},
    },
    "unit": {
        "translated": ["shortCode", "name", "customFields"],
        "relations": {"products": ("o2m", "product", "unitId")},
    },
    "currency": {
        "translated": ["shortName", "name", "customFields"],
        "defaults": {"isSystemDefault": False, "position": 1},
        "relations": {
            "salesChannels": (
                "m2m",
                "sales_channel",
                "sales_channel_currency",
                "currencyId",
                "salesChannelId",
            ),
            "salesChannelDefaultAssignments": ("o2m", "sales_channel", "currencyId"),
        },
        "computed": ["isSystemDefault"],
    },
    "locale": {
        "translated": ["name", "territory", "customFields"],
        "relations": {"languages": ("o2m", "language", "localeId")},
        "unique": [["code"]],
    },
    "language": {
        "defaults": {"active": True},
        "relations": {
            "parent": ("m2o", "language", "parentId"),
            "locale": ("m2o", "locale", "localeId"),
            "translationCode": ("m2o", "locale", "translationCodeId"),
            "children": ("o2m", "language", "parentId"),
            "salesChannels": (
                "m2m",
                "sales_channel",
                "sales_channel_language",
                "languageId",
                "salesChannelId",
            ),
            "salesChannelDefaultAssignments": ("o2m", "sales_channel", "languageId"),
        },
        "on_delete": {
            "parentId": "restrict",
            "localeId": "restrict",
            "translationCodeId": "restrict",
        },
    },
    "sales_channel": {
        "translated": [
            "name",
            "homeSlotConfig",
            "homeEnabled",
            "homeName",
            "homeMetaTitle",
            "homeMetaDescription",
            "homeKeywords",
            "customFields",
        ],
        "defaults": {"active": True, "homeEnabled": True, "maintenance": False},
        "relations": {
            "language": ("m2o", "language", "languageId"),
            "currency": ("m2o", "currency", "currencyId"),
            "navigationCategory": ("m2o", "category", "navigationCategoryId"),
            "footerCategory": ("m2o", "category", "footerCategoryId"),
            "serviceCategory": ("m2o", "category", "serviceCategoryId"),
            "languages": (
                "m2m",
                "language",
                "sales_channel_language",
                "salesChannelId",
                "languageId",
            ),
            "currencies": (
                "m2m",
                "currency",
                "sales_channel_currency",
                "salesChannelId",
                "currencyId",
            ),
            "productVisibilities": ("o2m", "product_visibility", "salesChannelId"),
        },
        "on_delete": {
            "languageId": "restrict",
            "currencyId": "restrict",
            "navigationCategoryId": "restrict",
            "footerCategoryId": "set_null",
            "serviceCategoryId": "set_null",
        },
        "computed": ["paymentMethodIds"],
    },
    "sales_channel_language": {
        "mapping": ("salesChannelId", "languageId"),
        "relations": {
            "salesChannel": ("m2o", "sales_channel", "salesChannelId"),
            "language": ("m2o", "language", "languageId"),
        },
    },
    "sales_channel_currency": {
        "mapping": ("salesChannelId", "currencyId"),
        "relations": {
            "salesChannel": ("m2o", "sales_channel", "salesChannelId"),
            "currency": ("m2o", "currency", "currencyId"),
        },
    },
}


# -- the derived half -------------------------------------------------------------------------


def _field_spec(prop: dict[str, Any], entity_schemas: set[str]) -> dict[str, Any] | None:
    """One spec property → a compact field type, or None when it is an association."""
    ref = prop.get("$ref")
    if ref:
        target = ref.rsplit("/", 1)[-1]
        if target in entity_schemas:
            return None
        return {"type": "json"}
    kind = prop.get("type")
    out: dict[str, Any]
    if kind == "string":
        if prop.get("pattern") == UUID_PATTERN:
            out = {"type": "id"}
        elif prop.get("format") == "date-time":
            out = {"type": "datetime"}
        elif "enum" in prop:
            out = {"type": "enum", "enum": list(prop["enum"])}
        else:
            out = {"type": "string"}
    elif kind == "integer":
        out = {"type": "int"}
    elif kind == "number":
        out = {"type": "float"}
    elif kind == "boolean":
        out = {"type": "bool"}
    elif kind == "array":
        items = prop.get("items") or {}
        item_ref = items.get("$ref", "").rsplit("/", 1)[-1]
        if item_ref in entity_schemas:
            return None
        if item_ref == "Price":
            out = {"type": "price_list"}
        elif items.get("pattern") == UUID_PATTERN:
            out = {"type": "id_list"}
        elif items.get("type") == "string":
            out = {"type": "string_list"}
        else:
            out = {"type": "json_list"}
    elif kind == "object" or kind is None:
        out = {"type": "json"}
    else:  # pragma: no cover - the spec has no other types
        raise ValueError(f"unexpected property type {kind!r}")
    if prop.get("readOnly"):
        out["readOnly"] = True
    return out


def derive(spec: dict[str, Any]) -> dict[str, Any]:
    """The compact entity definitions of the overlay's entities, read from the spec."""
    schemas = spec["components"]["schemas"]
    entity_to_schema: dict[str, str] = dict(MAPPING_SCHEMAS)
    for path, item in spec["paths"].items():
        if not path.startswith("/search/"):
            continue
        response = item["post"]["responses"]["200"]["content"]["application/json"]["schema"]
        ref = response["properties"]["data"]["items"]["$ref"]
        entity_to_schema[path[len("/search/") :].replace("-", "_")] = ref.rsplit("/", 1)[-1]
    schema_to_entity = {v: k for k, v in entity_to_schema.items()}
    entity_schemas = set(schema_to_entity)

    out: dict[str, Any] = {"source": spec["info"].get("version", "?"), "entities": {}}
    for entity in sorted(OVERLAY):
        schema_name = entity_to_schema.get(entity)
        if not schema_name or schema_name not in schemas:
            raise ValueError(f"{entity}: no schema in the spec")
        schema = schemas[schema_name]
        fields: dict[str, Any] = {}
        associations: dict[str, Any] = {}
        for name, prop in schema.get("properties", {}).items():
            if name == "extensions":
                continue
            spec_field = _field_spec(prop, entity_schemas)
            if spec_field is not None:
                fields[name] = spec_field
                continue
            many = prop.get("type") == "array"
            ref = (prop.get("items") if many else prop).get("$ref", "").rsplit("/", 1)[-1]
            associations[name] = {"target": schema_to_entity.get(ref), "many": many}
        out["entities"][entity] = {
            "schema": schema_name,
            "required": list(schema.get("required", [])),
            "fields": fields,
            "associations": associations,
        }
    check_overlay(out)
    return out


def check_overlay(derived: dict[str, Any]) -> None:
    """Fail loudly where the overlay names what the spec does not have."""
    entities = derived["entities"]
    for entity, over in OVERLAY.items():
        spec = entities[entity]
        fields, assocs = spec["fields"], spec["associations"]
        for name in over.get("translated", []):
            if name not in fields:
                raise ValueError(f"{entity}.{name}: translated field missing from the spec")
        for name in over.get("computed", []):
            if name not in fields:
                raise ValueError(f"{entity}.{name}: computed field missing from the spec")
        for name in over.get("defaults", {}):
            if name not in fields:
                raise ValueError(f"{entity}.{name}: default for a field missing from the spec")
        for name in over.get("inherited", []):
            if name not in fields and name not in assocs:
                raise ValueError(f"{entity}.{name}: inherited field missing from the spec")
        for name, rel in over.get("relations", {}).items():
            if name not in assocs:
                raise ValueError(f"{entity}.{name}: association missing from the spec")
            kind, target = rel[0], rel[1]
            if assocs[name]["target"] != target:
                raise ValueError(f"{entity}.{name}: the spec says {assocs[name]['target']}")
            if assocs[name]["many"] != (kind in ("o2m", "m2m")):
                raise ValueError(f"{entity}.{name}: cardinality differs from the spec")
            if target not in OVERLAY:
                raise ValueError(f"{entity}.{name}: target {target} is not emulated")
            if kind == "m2o" and rel[2] not in fields:
                raise ValueError(f"{entity}.{name}: fk {rel[2]} missing from the spec")
            if kind in ("o2m", "o2o_reverse") and rel[2] not in entities[target]["fields"]:
                raise ValueError(f"{entity}.{name}: reference {target}.{rel[2]} missing")
            if kind == "m2m" and rel[2] not in OVERLAY:
                raise ValueError(f"{entity}.{name}: mapping {rel[2]} is not emulated")
        for fk in over.get("on_delete", {}):
            if fk not in fields:
                raise ValueError(f"{entity}.{fk}: on_delete for a field missing from the spec")


def regenerate(spec_path: Path, out_path: Path = ENTITIES_JSON) -> dict[str, Any]:
    """Write `entities.json` from the spec (the only step that needs /work/shared)."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    derived = derive(spec)
    out_path.write_text(json.dumps(derived, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return derived


# -- the definitions the store works with -----------------------------------------------------


@dataclass(frozen=True)
class Relation:
    name: str
    kind: str  # m2o, o2m, o2o_reverse, m2m
    target: str
    fk: str = ""  # m2o: own fk field; o2m/o2o_reverse: the target's reference field
    mapping: str = ""  # m2m: the mapping entity
    own_fk: str = ""  # m2m: the mapping's field pointing at this entity
    target_fk: str = ""  # m2m: the mapping's field pointing at the target


@dataclass
class EntityDef:
    name: str
    schema: str
    fields: dict[str, dict[str, Any]]
    required: list[str]
    relations: dict[str, Relation]
    unsupported: set[str]  # associations the spec lists that the sandbox does not emulate
    translated: set[str] = field(default_factory=set)
    inherited: set[str] = field(default_factory=set)
    defaults: dict[str, Any] = field(default_factory=dict)
    on_delete: dict[str, str] = field(default_factory=dict)
    unique: list[tuple[str, ...]] = field(default_factory=list)
    computed: set[str] = field(default_factory=set)
    mapping: tuple[str, str] | None = None
    fk_targets: dict[str, str] = field(default_factory=dict)  # fk field -> target entity

    @property
    def api_path(self) -> str:
        return self.name.replace("_", "-")

    @property
    def version_aware(self) -> bool:
        return "versionId" in self.fields

    def is_writable(self, name: str) -> bool:
        spec = self.fields.get(name)
        return bool(spec) and not spec.get("readOnly") and name not in self.computed


@lru_cache(maxsize=1)
def load_definitions() -> dict[str, EntityDef]:
    """The entity definitions: `entities.json` merged with the overlay."""
    derived = json.loads(ENTITIES_JSON.read_text(encoding="utf-8"))["entities"]
    defs: dict[str, EntityDef] = {}
    for name, spec in derived.items():
        over = OVERLAY[name]
        relations: dict[str, Relation] = {}
        fk_targets: dict[str, str] = {}
        for rel_name, rel in over.get("relations", {}).items():
            kind = rel[0]
            if kind == "m2m":
                relation = Relation(rel_name, kind, rel[1], "", rel[2], rel[3], rel[4])
            else:
                relation = Relation(rel_name, kind, rel[1], rel[2])
            relations[rel_name] = relation
            if kind == "m2o":
                fk_targets[rel[2]] = rel[1]
        unsupported = set(spec["associations"]) - set(relations)
        defs[name] = EntityDef(
            name=name,
            schema=spec["schema"],
            fields=spec["fields"],
            required=spec["required"],
            relations=relations,
            unsupported=unsupported,
            translated=set(over.get("translated", [])),
            inherited=set(over.get("inherited", [])),
            defaults=dict(over.get("defaults", {})),
            on_delete=dict(over.get("on_delete", {})),
            unique=[tuple(u) for u in over.get("unique", [])],
            computed=set(over.get("computed", [])),
            mapping=tuple(over["mapping"]) if "mapping" in over else None,
            fk_targets=fk_targets,
        )
    return defs


def default_spec_path() -> Path:
    """Where the shared specs live (`PIMFLOW_SPECS_DIR`, else `../shared/specs` of the repo)."""
    base = os.environ.get("PIMFLOW_SPECS_DIR")
    root = Path(base) if base else Path(__file__).resolve().parents[4].parent / "shared" / "specs"
    return root / "shopware" / "adminapi.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regenerate", action="store_true", help="rewrite entities.json")
    parser.add_argument("spec", nargs="?", type=Path, help="adminapi.json (default: shared specs)")
    args = parser.parse_args(argv)
    if not args.regenerate:
        parser.print_help()
        return 2
    spec_path = args.spec or default_spec_path()
    derived = regenerate(spec_path)
    print(f"wrote {ENTITIES_JSON} ({len(derived['entities'])} entities, spec {derived['source']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
