"""Catalog structure entities (channels, attributes, families, categories...): their fields,
Akeneo's PATCH rules and their validation.

Every structure entity is a plain dict in Akeneo's standard format. A write goes through
`apply_patch`, which implements the documented update rules (objects are merged, anything
else replaced, non-scalar types must match, unknown properties are refused) and then through
the entity's validator, which reports violations like Akeneo's validator does.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import DocumentedUnprocessable, type_error, unknown_property, violation
from .values import (
    ASSET_COLLECTION,
    ATTRIBUTE_TYPES,
    AXIS_TYPES,
    IDENTIFIER,
    IMAGE,
    METRIC,
    REF_ENTITY,
    REF_ENTITY_COLLECTION,
    SELECT_TYPES,
    TABLE,
    TEXT,
)

if TYPE_CHECKING:
    from .state import Catalog


@dataclass(frozen=True)
class Field:
    """One property: its JSON kind, default on creation, and whether it can change."""

    # str, str?, bool, bool?, int, int?, num?, labels, list, list?, codes (a list of strings),
    # codes?, object, object?
    kind: str
    default: Any = None
    immutable: bool = False
    read_only: bool = False  # accepted and ignored on write (e.g. `updated`)


@dataclass
class EntityKind:
    name: str  # for messages: "family", "attribute"...
    fields: dict[str, Field]
    validate: Callable[[Catalog, dict[str, Any], dict[str, Any] | None], list[dict[str, Any]]]
    order: list[str] = field(default_factory=list)  # output order; default: fields order

    def output(self, entity: dict[str, Any]) -> dict[str, Any]:
        keys = self.order or [k for k, f in self.fields.items() if not f.read_only]
        return {k: copy.deepcopy(entity[k]) for k in keys if k in entity}


def _check_kind(prop: str, kind: str, value: Any) -> None:
    nullable = kind.endswith("?")
    base = kind.rstrip("?")
    if value is None:
        if nullable:
            return
        expected = {
            "labels": "an array",
            "list": "an array",
            "codes": "an array",
            "object": "an array",
            "str": "a scalar",
            "bool": "a boolean",
            "int": "an integer",
            "num": "a number",
        }[base]
        raise type_error(prop, expected, value)
    if base == "str" and not isinstance(value, str):
        raise type_error(
            prop, "a scalar" if not isinstance(value, list | dict) else "a string", value
        )
    if base == "bool" and not isinstance(value, bool):
        raise type_error(prop, "a boolean", value)
    if base == "int" and (isinstance(value, bool) or not isinstance(value, int)):
        raise type_error(prop, "an integer", value)
    if base == "num" and (isinstance(value, bool) or not isinstance(value, int | float | str)):
        raise type_error(prop, "a number", value)
    if base == "list" and not isinstance(value, list):
        raise type_error(prop, "an array", value)
    if base == "codes":
        check_codes(prop, value)
    if base in ("labels", "object") and not isinstance(value, dict):
        raise type_error(prop, "an array", value)
    if base == "labels":
        for _locale, label in value.items():
            if label is not None and not isinstance(label, str):
                raise type_error(f"{prop}", "a string for each label", label)


def check_codes(prop: str, value: Any) -> None:
    """A list of codes (attributes, locales...): anything but strings is refused at update, as
    Akeneo's updaters refuse a non-scalar item, before validation looks the codes up."""
    if not isinstance(value, list):
        raise type_error(prop, "an array", value)
    for item in value:
        if not isinstance(item, str):
            raise type_error(prop, "an array of strings", item)


def apply_patch(
    kind: EntityKind, current: dict[str, Any] | None, data: Any, key_field: str = "code"
) -> dict[str, Any]:
    """A new version of the entity with `data` applied by Akeneo's PATCH rules."""
    if not isinstance(data, dict):
        raise DocumentedUnprocessable("Invalid json message received")
    if current is None:
        entity = {name: copy.deepcopy(f.default) for name, f in kind.fields.items()}
    else:
        entity = copy.deepcopy(current)
    for prop, value in data.items():
        spec = kind.fields.get(prop)
        if spec is None:
            raise unknown_property(prop)
        if spec.read_only:
            continue
        _check_kind(prop, spec.kind, value)
        if spec.immutable and current is not None and value != current.get(prop):
            raise DocumentedUnprocessable(f'Property "{prop}" cannot be modified, "{value}" given.')
        if isinstance(value, dict) and spec.kind.rstrip("?") in ("labels", "object"):
            merged = dict(entity.get(prop) or {})
            for sub_key, sub_value in value.items():
                if spec.kind.startswith("labels") and sub_value in (None, ""):
                    merged.pop(sub_key, None)
                else:
                    merged[sub_key] = copy.deepcopy(sub_value)
            entity[prop] = merged
        else:
            entity[prop] = copy.deepcopy(value)
    return entity


def _labels_errors(catalog: Catalog, entity: dict[str, Any]) -> list[dict[str, Any]]:
    errors = []
    for locale in entity.get("labels") or {}:
        if locale not in catalog.locales:
            errors.append(violation("labels", f'The locale "{locale}" does not exist.'))
    return errors


def _code_errors(entity: dict[str, Any], key: str = "code") -> list[dict[str, Any]]:
    import re

    code = entity.get(key)
    if not code:
        return [violation(key, "This value should not be blank.")]
    if not re.fullmatch(r"[A-Za-z0-9_]+", code) or len(code) > 100:
        return [
            violation(
                key,
                "Code may contain only letters, numbers and underscores and be at most 100 "
                "characters long.",
            )
        ]
    return []


# -- channels ----------------------------------------------------------------------------------


def _validate_channel(
    catalog: Catalog, entity: dict[str, Any], current: dict[str, Any] | None
) -> list[dict[str, Any]]:
    errors = _code_errors(entity) + _labels_errors(catalog, entity)
    if not entity["locales"]:
        errors.append(violation("locales", "This collection should contain 1 element or more."))
    for locale in entity["locales"]:
        if not isinstance(locale, str) or locale not in catalog.locales:
            errors.append(violation("locales", f'The locale "{locale}" does not exist.'))
    if not entity["currencies"]:
        errors.append(violation("currencies", "This collection should contain 1 element or more."))
    for currency in entity["currencies"]:
        if not isinstance(currency, str) or currency not in catalog.currencies:
            errors.append(violation("currencies", f'The currency "{currency}" does not exist.'))
    tree = entity.get("category_tree")
    category = catalog.categories.get(tree or "")
    if category is None or category["parent"] is not None:
        errors.append(violation("category_tree", f'The category tree "{tree}" does not exist.'))
    for attribute_code, unit in (entity.get("conversion_units") or {}).items():
        attribute = catalog.attributes.get(attribute_code)
        family = catalog.measurement_families.get((attribute or {}).get("metric_family") or "")
        if attribute is None or attribute["type"] != METRIC or family is None:
            errors.append(
                violation(
                    "conversion_units",
                    f'The attribute "{attribute_code}" is not a measurement attribute.',
                )
            )
        elif unit not in family["units"]:
            errors.append(violation("conversion_units", f'The unit "{unit}" does not exist.'))
    return errors


CHANNEL = EntityKind(
    "channel",
    {
        "code": Field("str", immutable=True),
        "currencies": Field("codes", []),
        "locales": Field("codes", []),
        "category_tree": Field("str?"),
        "conversion_units": Field("object", {}),
        "labels": Field("labels", {}),
    },
    _validate_channel,
)


# -- attribute groups --------------------------------------------------------------------------


def _validate_attribute_group(
    catalog: Catalog, entity: dict[str, Any], current: dict[str, Any] | None
) -> list[dict[str, Any]]:
    errors = _code_errors(entity) + _labels_errors(catalog, entity)
    for code in entity["attributes"]:
        if code not in catalog.attributes:
            errors.append(violation("attributes", f'The attribute "{code}" does not exist.'))
    return errors


ATTRIBUTE_GROUP = EntityKind(
    "attribute group",
    {
        "code": Field("str", immutable=True),
        "sort_order": Field("int", 0),
        "attributes": Field("codes", []),
        "labels": Field("labels", {}),
    },
    _validate_attribute_group,
)


# -- attributes --------------------------------------------------------------------------------

_ATTRIBUTE_FIELDS: dict[str, Field] = {
    "code": Field("str", immutable=True),
    "type": Field("str", immutable=True),
    "group": Field("str", "other"),
    "unique": Field("bool", False),
    "useable_as_grid_filter": Field("bool", False),
    "allowed_extensions": Field("codes", []),
    "metric_family": Field("str?", None),
    "default_metric_unit": Field("str?", None),
    "reference_data_name": Field("str?", None),
    "available_locales": Field("codes", []),
    "max_characters": Field("int?", None),
    "validation_rule": Field("str?", None),
    "validation_regexp": Field("str?", None),
    "wysiwyg_enabled": Field("bool?", None),
    "number_min": Field("num?", None),
    "number_max": Field("num?", None),
    "decimals_allowed": Field("bool?", None),
    "negative_allowed": Field("bool?", None),
    "date_min": Field("str?", None),
    "date_max": Field("str?", None),
    "max_file_size": Field("num?", None),
    "minimum_input_length": Field("int?", None),
    "sort_order": Field("int", 0),
    "localizable": Field("bool", False),
    "scopable": Field("bool", False),
    "labels": Field("labels", {}),
    "guidelines": Field("labels", {}),
    "auto_option_sorting": Field("bool?", None),
    "default_value": Field("bool?", None),
    "group_labels": Field("labels", {}, read_only=True),
    "is_main_identifier": Field("bool", False),
    "is_mandatory": Field("bool", False),
    "table_configuration": Field("list?", None),
    "decimal_places_strategy": Field("str?", None),
    "decimal_places": Field("int?", None),
}


def _validate_attribute(
    catalog: Catalog, entity: dict[str, Any], current: dict[str, Any] | None
) -> list[dict[str, Any]]:
    errors = _code_errors(entity) + _labels_errors(catalog, entity)
    kind = entity.get("type")
    if kind not in ATTRIBUTE_TYPES:
        errors.append(violation("type", f'The attribute type "{kind}" does not exist.'))
        return errors
    if entity.get("group") not in catalog.attribute_groups:
        errors.append(
            violation("group", f'The attribute group "{entity.get("group")}" does not exist.')
        )
    for locale in entity["available_locales"]:
        if locale not in catalog.locales:
            errors.append(violation("available_locales", f'The locale "{locale}" does not exist.'))
    if kind == IDENTIFIER and (entity["localizable"] or entity["scopable"]):
        errors.append(
            violation("localizable", "An identifier attribute can not be localizable or scopable.")
        )
    if entity["unique"] and (entity["localizable"] or entity["scopable"]):
        errors.append(violation("unique", "A unique attribute can not be localizable or scopable."))
    if kind == METRIC:
        family = catalog.measurement_families.get(entity.get("metric_family") or "")
        if family is None:
            errors.append(violation("metric_family", "Please specify a valid metric family."))
        elif entity.get("default_metric_unit") not in family["units"]:
            errors.append(violation("default_metric_unit", "Please specify a valid metric unit."))
    if (
        kind in (REF_ENTITY, REF_ENTITY_COLLECTION)
        and entity.get("reference_data_name") not in catalog.reference_entities
    ):
        errors.append(violation("reference_data_name", "The reference entity does not exist."))
    if kind == ASSET_COLLECTION and entity.get("reference_data_name") not in catalog.asset_families:
        errors.append(violation("reference_data_name", "The asset family does not exist."))
    if kind == TABLE:
        columns = entity.get("table_configuration")
        if not isinstance(columns, list) or len(columns) < 2:
            errors.append(
                violation("table_configuration", "A table attribute needs at least two columns.")
            )
        else:
            for index, column in enumerate(columns):
                if (
                    not isinstance(column, dict)
                    or not column.get("code")
                    or column.get("data_type")
                    not in (
                        "select",
                        "text",
                        "number",
                        "boolean",
                        "measurement",
                        "reference_entity",
                        "product_link",
                        "date",
                    )
                ):
                    errors.append(violation("table_configuration", "Invalid column."))
                elif index == 0 and column["data_type"] != "select":
                    errors.append(
                        violation(
                            "table_configuration", "The first column must be a select column."
                        )
                    )
    elif entity.get("table_configuration") is not None:
        errors.append(
            violation("table_configuration", "Only table attributes have a configuration.")
        )
    if current is not None and current["type"] != kind:
        errors.append(violation("type", "This value cannot be changed."))
    return errors


ATTRIBUTE = EntityKind("attribute", _ATTRIBUTE_FIELDS, _validate_attribute)


def attribute_output(
    attribute: dict[str, Any], catalog: Catalog, with_table_options: bool
) -> dict[str, Any]:
    data = ATTRIBUTE.output(attribute)
    group = catalog.attribute_groups.get(attribute["group"])
    data["group_labels"] = dict(group["labels"]) if group else {}
    if data.get("default_value") is None:
        data.pop("default_value", None)
    for key in ("table_configuration", "decimal_places_strategy", "decimal_places"):
        if data.get(key) is None:
            data.pop(key, None)
    if data.get("table_configuration") is not None:
        columns = copy.deepcopy(data["table_configuration"])
        for column in columns:
            if not with_table_options:
                column.pop("options", None)
        data["table_configuration"] = columns
    return data


# -- attribute options -------------------------------------------------------------------------


def _validate_option(
    catalog: Catalog, entity: dict[str, Any], current: dict[str, Any] | None
) -> list[dict[str, Any]]:
    return _code_errors(entity) + _labels_errors(catalog, entity)


ATTRIBUTE_OPTION = EntityKind(
    "attribute option",
    {
        "code": Field("str", immutable=True),
        "attribute": Field("str", immutable=True),
        "sort_order": Field("int", 0),
        "labels": Field("labels", {}),
    },
    _validate_option,
)


# -- families ----------------------------------------------------------------------------------


def _validate_family(
    catalog: Catalog, entity: dict[str, Any], current: dict[str, Any] | None
) -> list[dict[str, Any]]:
    errors = _code_errors(entity) + _labels_errors(catalog, entity)
    identifier = catalog.identifier_attribute()
    attributes = entity["attributes"]
    for code in attributes:
        if code not in catalog.attributes:
            errors.append(violation("attributes", f'The attribute "{code}" does not exist.'))
    if identifier and identifier not in attributes:
        attributes.append(identifier)
    label = entity.get("attribute_as_label")
    label_attribute = catalog.attributes.get(label or "")
    if label_attribute is None or label not in attributes:
        errors.append(
            violation(
                "attribute_as_label",
                'Property "attribute_as_label" must belong to the family',
            )
        )
    elif label_attribute["type"] not in (TEXT, IDENTIFIER):
        errors.append(
            violation(
                "attribute_as_label",
                'Property "attribute_as_label" only supports "pim_catalog_text" and '
                '"pim_catalog_identifier" attribute types for the family',
            )
        )
    image = entity.get("attribute_as_image")
    if image is not None:
        image_attribute = catalog.attributes.get(image)
        if image_attribute is None or image not in attributes:
            errors.append(
                violation(
                    "attribute_as_image", 'Property "attribute_as_image" must belong to the family'
                )
            )
        elif image_attribute["type"] not in (IMAGE, ASSET_COLLECTION):
            errors.append(
                violation(
                    "attribute_as_image",
                    'Property "attribute_as_image" only supports "pim_catalog_image" and '
                    '"pim_catalog_asset_collection" attribute types for the family',
                )
            )
    requirements = entity["attribute_requirements"]
    for channel, required in list(requirements.items()):
        check_codes("attribute_requirements", required)  # also for an unknown channel
        if channel not in catalog.channels:
            errors.append(
                violation("attribute_requirements", f'The channel "{channel}" does not exist.')
            )
            continue
        for code in required:
            if code not in attributes:
                errors.append(
                    violation(
                        "attribute_requirements",
                        f'The attribute "{code}" does not belong to the family.',
                    )
                )
    if identifier:
        for channel in catalog.channels:
            required = requirements.setdefault(channel, [])
            if identifier not in required:
                required.insert(0, identifier)
    attributes.sort()
    for channel in requirements:
        requirements[channel] = sorted(dict.fromkeys(requirements[channel]))
    return errors


FAMILY = EntityKind(
    "family",
    {
        "code": Field("str", immutable=True),
        "attributes": Field("codes", []),
        "attribute_as_label": Field("str?"),
        "attribute_as_image": Field("str?"),
        "attribute_requirements": Field("object", {}),
        "labels": Field("labels", {}),
    },
    _validate_family,
)


# -- family variants ---------------------------------------------------------------------------


def _validate_family_variant(
    catalog: Catalog, entity: dict[str, Any], current: dict[str, Any] | None
) -> list[dict[str, Any]]:
    errors = _code_errors(entity) + _labels_errors(catalog, entity)
    family = catalog.families.get(entity["family"])
    sets = entity["variant_attribute_sets"]
    if not sets or len(sets) > 2:
        errors.append(
            violation(
                "variant_attribute_sets", "A family variant has one or two levels of variation."
            )
        )
        return errors
    used: set[str] = set()
    identifier = catalog.identifier_attribute()
    for index, item in enumerate(sets):
        if not isinstance(item, dict):
            raise type_error("variant_attribute_sets", "an array", item)
        item.setdefault("attributes", [])
        check_codes("variant_attribute_sets", item["attributes"])
        if item.get("axes") is not None:
            check_codes("variant_attribute_sets", item["axes"])
        if item.get("level") != index + 1:
            errors.append(violation("variant_attribute_sets", "Levels must be 1 and 2, in order."))
        axes = item.get("axes") or []
        if not axes or len(axes) > 5:
            errors.append(
                violation("variant_attribute_sets", "A level needs between 1 and 5 axes.")
            )
        for axis in axes:
            attribute = catalog.attributes.get(axis)
            if attribute is None or family is None or axis not in family["attributes"]:
                errors.append(
                    violation(
                        "variant_attribute_sets",
                        f'The attribute "{axis}" does not belong to the family "{entity["family"]}".',
                    )
                )
            elif (
                attribute["type"] not in AXIS_TYPES
                or attribute["localizable"]
                or attribute["scopable"]
            ):
                errors.append(
                    violation(
                        "variant_attribute_sets",
                        f'Variant axes "{axis}" must be a boolean, a simple select, a simple '
                        "reference data, a reference entity single link or a measurement attribute.",
                    )
                )
        for code in item["attributes"]:
            if family is None or code not in family["attributes"]:
                errors.append(
                    violation(
                        "variant_attribute_sets",
                        f'The attribute "{code}" does not belong to the family "{entity["family"]}".',
                    )
                )
        for axis in axes:
            if axis not in item["attributes"]:
                item["attributes"].append(axis)
        if index == len(sets) - 1 and identifier and identifier not in item["attributes"]:
            item["attributes"].append(identifier)
        duplicated = used.intersection(item["attributes"])
        if duplicated:
            errors.append(
                violation(
                    "variant_attribute_sets",
                    f"Attributes must be unique across levels: {', '.join(sorted(duplicated))}.",
                )
            )
        used.update(item["attributes"])
        item["attributes"].sort()
    if current is not None:
        before = [s.get("axes") for s in current["variant_attribute_sets"]]
        after = [s.get("axes") for s in sets]
        if before != after:
            errors.append(violation("variant_attribute_sets", "Variant axes cannot be modified."))
    return errors


FAMILY_VARIANT = EntityKind(
    "family variant",
    {
        "code": Field("str", immutable=True),
        "family": Field("str?", read_only=True),
        "labels": Field("labels", {}),
        "variant_attribute_sets": Field("list", []),
        "common_attributes": Field("list?", None, read_only=True),
    },
    _validate_family_variant,
    order=["code", "labels", "variant_attribute_sets"],
)


# -- categories --------------------------------------------------------------------------------


def _validate_category(
    catalog: Catalog, entity: dict[str, Any], current: dict[str, Any] | None
) -> list[dict[str, Any]]:
    errors = _code_errors(entity) + _labels_errors(catalog, entity)
    parent = entity.get("parent")
    if parent is not None:
        if parent not in catalog.categories:
            raise DocumentedUnprocessable(
                f'Property "parent" expects a valid category code. The category does not exist, '
                f'"{parent}" given.'
            )
        cursor: str | None = parent
        while cursor is not None:
            if cursor == entity["code"]:
                errors.append(violation("parent", "A category can not be its own ancestor."))
                break
            cursor = catalog.categories[cursor]["parent"]
    elif current is not None and current["parent"] is not None:
        errors.append(violation("parent", "A category can not become a root category."))
    return errors


CATEGORY = EntityKind(
    "category",
    {
        "code": Field("str", immutable=True),
        "parent": Field("str?"),
        "updated": Field("str?", read_only=True),
        "position": Field("int?", read_only=True),
        "labels": Field("labels", {}),
    },
    _validate_category,
    order=["code", "parent", "updated", "labels"],
)


# -- association types -------------------------------------------------------------------------


def _validate_association_type(
    catalog: Catalog, entity: dict[str, Any], current: dict[str, Any] | None
) -> list[dict[str, Any]]:
    errors = _code_errors(entity) + _labels_errors(catalog, entity)
    if entity["is_quantified"] and entity["is_two_way"]:
        errors.append(violation("is_two_way", "A quantified association type can not be two-way."))
    return errors


ASSOCIATION_TYPE = EntityKind(
    "association type",
    {
        "code": Field("str", immutable=True),
        "labels": Field("labels", {}),
        "is_quantified": Field("bool", False, immutable=True),
        "is_two_way": Field("bool", False),
    },
    _validate_association_type,
)


# -- reference entities and asset families ------------------------------------------------------

REF_ATTRIBUTE_TYPES = (
    "text", "image", "number", "single_option", "multiple_options",
    "reference_entity_single_link", "reference_entity_multiple_links",
)  # fmt: skip
ASSET_ATTRIBUTE_TYPES = (
    "text", "media_link", "number", "media_file", "single_option", "multiple_options",
    "boolean", "date", "record",
)  # fmt: skip

_TYPE_SPECIFIC = {
    "text": ["max_characters", "is_textarea", "is_rich_text_editor", "validation_rule", "validation_regexp"],
    "image": ["allowed_extensions", "max_file_size"],
    "media_file": ["media_type", "allowed_extensions", "max_file_size"],
    "media_link": ["media_type", "prefix", "suffix"],
    "number": ["decimals_allowed", "min_value", "max_value"],
    "reference_entity_single_link": ["reference_entity_code"],
    "reference_entity_multiple_links": ["reference_entity_code"],
    "record": ["reference_entity"],
}  # fmt: skip


def _validate_ref_attribute(
    catalog: Catalog, entity: dict[str, Any], current: dict[str, Any] | None
) -> list[dict[str, Any]]:
    errors = _code_errors(entity) + _labels_errors(catalog, entity)
    allowed = ASSET_ATTRIBUTE_TYPES if entity.get("_owner") == "asset" else REF_ATTRIBUTE_TYPES
    if entity.get("type") not in allowed:
        errors.append(
            violation("type", f'The attribute type "{entity.get("type")}" does not exist.')
        )
    if entity.get("type") in ("media_file", "media_link") and not entity.get("media_type"):
        errors.append(violation("media_type", "This value should not be blank."))
    for key in ("reference_entity_code", "reference_entity"):
        target = entity.get(key)
        if target is not None and target not in catalog.reference_entities:
            errors.append(violation(key, f'The reference entity "{target}" does not exist.'))
    return errors


REF_ATTRIBUTE = EntityKind(
    "attribute",
    {
        "code": Field("str", immutable=True),
        "labels": Field("labels", {}),
        "type": Field("str", immutable=True),
        "value_per_locale": Field("bool", False),
        "value_per_channel": Field("bool", False),
        "is_required_for_completeness": Field("bool", False),
        "is_read_only": Field("bool?", None),
        "max_characters": Field("int?", None),
        "is_textarea": Field("bool?", None),
        "is_rich_text_editor": Field("bool?", None),
        "validation_rule": Field("str?", None),
        "validation_regexp": Field("str?", None),
        "allowed_extensions": Field("list?", None),
        "max_file_size": Field("str?", None),
        "decimals_allowed": Field("bool?", None),
        "min_value": Field("str?", None),
        "max_value": Field("str?", None),
        "reference_entity_code": Field("str?", None),
        "reference_entity": Field("str?", None),
        "media_type": Field("str?", None),
        "prefix": Field("str?", None),
        "suffix": Field("str?", None),
    },
    _validate_ref_attribute,
)


def ref_attribute_output(attribute: dict[str, Any]) -> dict[str, Any]:
    """Only the properties of the attribute's type, and no nulls, as the docs' examples show."""
    keys = [
        "code",
        "labels",
        "type",
        "value_per_locale",
        "value_per_channel",
        "is_required_for_completeness",
    ]
    if attribute.get("is_read_only") is not None:
        keys.append("is_read_only")
    keys += _TYPE_SPECIFIC.get(attribute["type"], [])
    return {k: copy.deepcopy(attribute[k]) for k in keys if attribute.get(k) is not None}


REF_OPTION = EntityKind(
    "option",
    {"code": Field("str", immutable=True), "labels": Field("labels", {})},
    lambda catalog, entity, current: _code_errors(entity) + _labels_errors(catalog, entity),
)


def _validate_reference_entity(
    catalog: Catalog, entity: dict[str, Any], current: dict[str, Any] | None
) -> list[dict[str, Any]]:
    errors = _code_errors(entity) + _labels_errors(catalog, entity)
    image = entity.get("image")
    if image is not None:
        media = catalog.media.get(image)
        if media is None or media.storage != "referenceEntityStorage":
            errors.append(violation("image", f'The media file "{image}" does not exist.'))
    return errors


REFERENCE_ENTITY = EntityKind(
    "reference entity",
    {
        "code": Field("str", immutable=True),
        "labels": Field("labels", {}),
        "image": Field("str?"),
    },
    _validate_reference_entity,
)


def _validate_asset_family(
    catalog: Catalog, entity: dict[str, Any], current: dict[str, Any] | None
) -> list[dict[str, Any]]:
    errors = _code_errors(entity) + _labels_errors(catalog, entity)
    main = entity.get("attribute_as_main_media")
    if current is not None and main is not None:
        attribute = catalog.asset_attributes.get(entity["code"], {}).get(main)
        if attribute is None or attribute["type"] not in ("media_file", "media_link"):
            errors.append(
                violation(
                    "attribute_as_main_media",
                    f'The attribute "{main}" is not a media file or media link attribute of the family.',
                )
            )
    return errors


ASSET_FAMILY = EntityKind(
    "asset family",
    {
        "code": Field("str", immutable=True),
        "labels": Field("labels", {}),
        "attribute_as_main_media": Field("str?"),
        "naming_convention": Field("object", {}),
        "product_link_rules": Field("list", []),
        "transformations": Field("list", []),
    },
    _validate_asset_family,
)


def check_selects(kind: str) -> None:
    """Select options can only be managed on select attributes (used by the option routes)."""
    if kind not in SELECT_TYPES:
        raise DocumentedUnprocessable(
            "Attribute does not support options. Only attributes of type "
            '"pim_catalog_simpleselect", "pim_catalog_multiselect" support options.'
        )
