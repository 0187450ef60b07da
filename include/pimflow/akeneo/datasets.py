"""The staged tables the extraction writes and the uploads read (the guide's lists).

Each run has one folder in object storage; each table is a folder of Parquet chunks.
Lists of codes are "string_list" columns and labels "string_map" columns (Arrow list and
map types); nested fields of no fixed shape are JSON (see pimflow.staging).
"""

from __future__ import annotations

from pimflow.staging import Dataset

ATTRIBUTES = Dataset(
    "attributes",
    {
        "code": "string",
        "type": "string",
        "group": "string",
        "localizable": "bool",
        "scopable": "bool",
        "unique": "bool",
        "decimals_allowed": "bool",
        "reference_data_name": "string",
        "metric_family": "string",
        "default_metric_unit": "string",
        "labels": "string_map",
        "table_configuration": "json",
    },
)
ATTRIBUTE_OPTIONS = Dataset(
    "attribute_options",
    {"attribute": "string", "code": "string", "sort_order": "int", "labels": "string_map"},
)
FAMILIES = Dataset(
    "families",
    {
        "code": "string",
        "attribute_as_label": "string",
        "attribute_as_image": "string",
        "attributes": "string_list",
        "labels": "string_map",
    },
)
FAMILY_VARIANTS = Dataset(
    "family_variants",
    {
        "family": "string",
        "code": "string",
        "variant_attribute_sets": "json",
        "labels": "string_map",
    },
)
CATEGORIES = Dataset(
    "categories",
    {"code": "string", "parent": "string", "position": "int", "labels": "string_map"},
)
MEASUREMENT_FAMILIES = Dataset(
    "measurement_families",
    {"code": "string", "standard_unit_code": "string", "units": "json", "labels": "string_map"},
)

# One row per product / product model, values parsed by type (pimflow.akeneo.values).
PRODUCTS = Dataset(
    "products",
    {
        "uuid": "string",
        "identifier": "string",
        "family": "string",
        "parent": "string",
        "enabled": "bool",
        "categories": "string_list",
        "groups": "string_list",
        "values": "json",
        "associations": "json",
        "quantified_associations": "json",
        "created": "string",
        "updated": "string",
        "errors": "json",
    },
)
PRODUCT_MODELS = Dataset(
    "product_models",
    {
        "code": "string",
        "family": "string",
        "family_variant": "string",
        "parent": "string",
        "level": "int",  # 1: root model, 2: sub-model (variant products are level 3 or 2)
        "axes": "string_list",  # the axes whose values distinguish this model's children
        "categories": "string_list",
        "values": "json",
        "associations": "json",
        "quantified_associations": "json",
        "created": "string",
        "updated": "string",
        "errors": "json",
    },
)

# What products refer to, gathered while parsing (the guide's
# record_codes_by_reference_entity_code_list, asset_codes_by_asset_family_code_list and
# media codes): kind is "record", "asset" or "media"; group the entity/family/attribute.
REFERENCES = Dataset("references", {"kind": "string", "group": "string", "code": "string"})

REFERENCE_ENTITY_ATTRIBUTES = Dataset(
    "reference_entity_attributes",
    {
        "reference_entity": "string",
        "code": "string",
        "type": "string",
        "value_per_locale": "bool",
        "value_per_channel": "bool",
        "labels": "string_map",
        "options": "json",
    },
)
RECORDS = Dataset(
    "records",
    {
        "reference_entity": "string",
        "code": "string",
        "values": "json",
        "created": "string",
        "updated": "string",
        "errors": "json",
    },
)
ASSET_FAMILY_ATTRIBUTES = Dataset(
    "asset_family_attributes",
    {
        "asset_family": "string",
        "code": "string",
        "type": "string",
        "value_per_locale": "bool",
        "value_per_channel": "bool",
        "media_type": "string",
        "labels": "string_map",
        "options": "json",
    },
)
ASSETS = Dataset(
    "assets",
    {
        "asset_family": "string",
        "code": "string",
        "values": "json",
        "created": "string",
        "updated": "string",
        "errors": "json",
    },
)

# Downloaded media files: where their bytes are kept (content-addressed) and what they are.
MEDIA = Dataset(
    "media",
    {
        "kind": "string",  # product, asset or record
        "code": "string",
        "sha256": "string",
        "size": "int",
        "mime_type": "string",
        "filename": "string",
        "path": "string",
    },
)

# Products and product models that the run's products associate but the run did not read
# because they are outside its scope (pimflow.akeneo.associations): kind is "product" (code
# a uuid or an identifier) or "product_model"; name is what a person finds it by; reason why
# it is out of scope. Associated items in scope but not read (a delta, a limit) are not here.
OUT_OF_SCOPE = Dataset(
    "out_of_scope",
    {"kind": "string", "code": "string", "name": "string", "reason": "string"},
)
