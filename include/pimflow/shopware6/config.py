"""The Shopware 6 mapping file: loaded and validated when the DAG is parsed.

`default_mapping.yaml` beside this module documents every key; a user's copy is named by
`PIMFLOW_SHOPWARE6_MAPPING`; it is merged over the default by the one rule of
pimflow.configuration (mappings key by key, anything else replaced). Validation is strict
(unknown keys, wrong types and values are refused) and every error names the key path and
the reason, so a typo shows up as a DAG import error before any run starts, not as a
silently ignored setting.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasPath, BeforeValidator, Field

from pimflow.akeneo.profile import (
    BOOLEAN_TYPES,
    IMAGE_TYPES,
    METRIC_TYPES,
    NUMBER_TYPES,
    PRICE_TYPES,
    REFERENCE_SINGLE_TYPES,
    SIMPLE_SELECT_TYPES,
    TEXT_TYPES,
    CatalogProfile,
)
from pimflow.akeneo.values import ASSET_TYPES, MULTI_SELECT_TYPES, SELECT_TYPES
from pimflow.configuration import (
    Invalid,
    MappingModel,
    document,
    key_paths,
    over_default,
    read_yaml,
    values_of,
)
from pimflow.targets.base import MappingCheck, MappingProblem

DEFAULT_FILE = Path(__file__).with_name("default_mapping.yaml")
ENV_VAR = "PIMFLOW_SHOPWARE6_MAPPING"
# `translations.name: auto`: the product's family's label attribute (`attribute_as_label`);
# `price.attribute: auto`: the catalog's one price collection. (`media.attributes: auto`,
# `properties: auto` and `custom_fields: auto` are None in the model.)
AUTO = "auto"

TRANSLATED_FIELDS = frozenset(
    {
        "name",
        "description",
        "metaTitle",
        "metaDescription",
        "keywords",
        "packUnit",
        "packUnitPlural",
    }
)
PLAIN_FIELDS = frozenset({"ean", "manufacturerNumber", "releaseDate", "isCloseout", "shippingFree"})
# The attribute types each key accepts (checked against the catalog before any write).
FIELD_TYPES = {
    "ean": TEXT_TYPES | NUMBER_TYPES,
    "manufacturerNumber": TEXT_TYPES | NUMBER_TYPES,
    "releaseDate": frozenset({"pim_catalog_date"}),
    "isCloseout": BOOLEAN_TYPES,
    "shippingFree": BOOLEAN_TYPES,
}
MANUFACTURER_TYPES = SIMPLE_SELECT_TYPES | REFERENCE_SINGLE_TYPES | SELECT_TYPES
OPTION_TYPES = SIMPLE_SELECT_TYPES | MULTI_SELECT_TYPES
MEDIA_ATTRIBUTE_TYPES = IMAGE_TYPES | {"pim_catalog_file"} | ASSET_TYPES
# Shopware's unit for each measurable field, as Akeneo's standard unit codes.
METRIC_UNITS = {
    "weight": "KILOGRAM",
    "width": "MILLIMETER",
    "height": "MILLIMETER",
    "length": "MILLIMETER",
}


def _string_map(allowed: frozenset[str] | None = None) -> Callable[[Any], Any]:
    """A mapping of strings (null: empty); with `allowed`, only those keys."""

    def check(value: Any) -> Any:
        if value is None:
            return {}
        if allowed is not None and isinstance(value, Mapping):
            for key in value:
                if key not in allowed:
                    raise Invalid(
                        f"not a field pimflow writes (choose from {sorted(allowed)})", str(key)
                    )
        return value

    return check


def _translations(value: Any) -> Any:
    value = _string_map(TRANSLATED_FIELDS)(value)
    if isinstance(value, Mapping):
        for key, code in value.items():
            if code == AUTO and key != "name":
                raise Invalid("auto is for name only (the family's label attribute)", str(key))
    return value


def _auto_or_list(value: Any) -> Any:
    """ "auto" → None (the mapper picks), null → none, else the list."""
    if value == "auto":
        return None
    return [] if value is None else value


def _attribute(value: Any) -> Any:
    """An optional attribute: null or empty means none."""
    return value or None


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise Invalid(f"must be a number, got {value!r}")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise Invalid(f"must be a number, got {value!r}") from None


def _gross(value: Any) -> bool:
    if value not in ("gross", "net"):
        raise Invalid(f"must be one of gross, net, got {value!r}")
    return value == "gross"


def _visibilities(value: Any) -> Any:
    """`[{sales_channel, visibility}]` → sales channel name → 10/20/30."""
    if value is None:
        return {}
    if not isinstance(value, list):
        raise Invalid(f"must be a list, got {value!r}")
    levels = {}
    for index, entry in enumerate(value):
        if not isinstance(entry, Mapping):
            raise Invalid(f"must be a mapping, got {type(entry).__name__}", f"[{index}]")
        if unknown := sorted(set(entry) - {"sales_channel", "visibility"}, key=str):
            raise Invalid(
                "unknown key (known: sales_channel, visibility)", f"[{index}].{unknown[0]}"
            )
        name, level = entry.get("sales_channel"), entry.get("visibility", 30)
        if not isinstance(name, str):
            raise Invalid(f"must be a string, got {name!r}", f"[{index}].sales_channel")
        if isinstance(level, bool) or level not in (10, 20, 30):
            raise Invalid(f"must be one of 10, 20, 30, got {level!r}", f"[{index}].visibility")
        levels[name] = level
    return levels


StringMap = Annotated[dict[str, str], BeforeValidator(_string_map())]
Attribute = Annotated[str | None, BeforeValidator(_attribute)]
AutoOrList = Annotated[list[str] | None, BeforeValidator(_auto_or_list)]


class Shopware6Mapping(MappingModel):
    """Which Akeneo attributes feed which Shopware fields (see default_mapping.yaml).

    Each attribute reads the key of the file its alias names (`price.attribute`)."""

    locales: StringMap = Field(default_factory=dict)
    translations: Annotated[dict[str, str], BeforeValidator(_translations)] = Field(
        default_factory=dict
    )
    fields: Annotated[dict[str, str], BeforeValidator(_string_map(PLAIN_FIELDS))] = Field(
        default_factory=dict
    )
    metrics: Annotated[dict[str, str], BeforeValidator(_string_map(frozenset(METRIC_UNITS)))] = (
        Field(default_factory=dict)
    )
    manufacturer: Attribute = None
    price_attribute: str = Field(AUTO, validation_alias=AliasPath("price", "attribute"))
    prices_are_gross: Annotated[bool, BeforeValidator(_gross)] = Field(
        True, validation_alias=AliasPath("price", "entered_as")
    )
    tax_rate: Annotated[Decimal, BeforeValidator(_decimal)] = Field(
        Decimal("19"), validation_alias=AliasPath("tax", "default_rate")
    )
    tax_attribute: Attribute = Field(None, validation_alias=AliasPath("tax", "attribute"))
    tax_rates: Annotated[
        dict[str, Decimal], BeforeValidator(values_of(_decimal, "code -> rate"))
    ] = Field(default_factory=dict, validation_alias=AliasPath("tax", "rates"))
    stock_attribute: Attribute = Field(None, validation_alias=AliasPath("stock", "attribute"))
    default_stock: int = Field(0, validation_alias=AliasPath("stock", "default"))
    properties: AutoOrList = None  # None: every select attribute not mapped elsewhere
    custom_fields: AutoOrList = None  # None: every other attribute
    # None: by family, its `attribute_as_image` then its other image and asset attributes
    media_attributes: AutoOrList = Field(None, validation_alias=AliasPath("media", "attributes"))
    asset_file_attribute: str = Field(
        "media", validation_alias=AliasPath("media", "asset_file_attribute")
    )
    # sales channel name -> 10/20/30
    visibilities: Annotated[dict[str, int], BeforeValidator(_visibilities)] = Field(
        default_factory=dict
    )
    cross_selling: StringMap = Field(default_factory=dict)  # association type -> name
    removed_products: Literal["deactivate", "delete"] = "deactivate"
    batch_size: int = Field(250, ge=1, le=1000)

    def mapped_attributes(self) -> set[str]:
        """Attributes that feed a dedicated Shopware field (not properties or custom fields);
        what `auto` stands for is the mapper's to add (it knows the catalog)."""
        used = {*self.translations.values(), *self.fields.values(), *self.metrics.values()}
        used |= {self.price_attribute, *(self.media_attributes or ())}
        used |= {a for a in (self.manufacturer, self.tax_attribute, self.stock_attribute) if a}
        return used - {AUTO}


def parse_mapping(
    raw: Any, source: str = "mapping", user_keys: set[str] | None = None
) -> Shopware6Mapping:
    """Validate a loaded YAML document into a Shopware6Mapping (keys it leaves out get the
    code's defaults, not the default file's: see with_defaults)."""
    return Shopware6Mapping.parse(document(raw, source), source, user_keys=user_keys or set())


def with_defaults(overrides: dict[str, Any], source: str = "mapping") -> Shopware6Mapping:
    """The default mapping with `overrides` merged over it (what a user's file does); the
    keys of `overrides` are the user's."""
    return parse_mapping(over_default(DEFAULT_FILE, overrides), source, key_paths(overrides))


def load_mapping(path: str | Path | None = None) -> Shopware6Mapping:
    """The mapping in force: `path`, else $PIMFLOW_SHOPWARE6_MAPPING, else the default,
    merged over the default by the one rule of pimflow.configuration."""
    chosen = Path(path or os.environ.get(ENV_VAR) or DEFAULT_FILE)
    raw = document(read_yaml(chosen), str(chosen))
    if chosen.resolve() == DEFAULT_FILE.resolve():
        return parse_mapping(over_default(DEFAULT_FILE, {}), str(chosen))
    return with_defaults(raw, str(chosen))


# -- the mapping against the catalog -------------------------------------------------------
def resolve(
    mapping: Shopware6Mapping, profile: CatalogProfile, source: str = "mapping"
) -> tuple[Shopware6Mapping, MappingCheck]:
    """The mapping as this catalog can use it, and the check saying why.

    A key the user wrote whose attribute is missing or of the wrong type is a problem (the
    run is refused); a default that does not apply is dropped and noted; `price.attribute:
    auto` becomes the one price collection. Resolving twice changes nothing more."""
    check = MappingCheck(source)

    def usable(key: str, code: str, types: frozenset[str] | None) -> bool:
        reason = profile.check_attribute(code, types)
        if reason is None:
            return True
        if mapping.wrote(key):
            check.problems.append(MappingProblem(key, code, reason))
        else:
            check.notes.append(f"default {key}: {code}: {reason}; skipped")
        return False

    def kept(section: str, pairs: Mapping[str, str], types: Callable[[str], Any]) -> dict:
        return {
            name: code
            for name, code in pairs.items()
            if code == AUTO or usable(f"{section}.{name}", code, types(name))
        }

    translations = kept("translations", mapping.translations, lambda _: TEXT_TYPES)
    fields = kept("fields", mapping.fields, lambda name: FIELD_TYPES[name])
    metrics = kept("metrics", mapping.metrics, lambda _: METRIC_TYPES)

    def single(key: str, code: str | None, types: frozenset[str]) -> str | None:
        return code if code and usable(key, code, types) else None

    manufacturer = single("manufacturer", mapping.manufacturer, MANUFACTURER_TYPES)
    tax = single("tax.attribute", mapping.tax_attribute, SIMPLE_SELECT_TYPES | SELECT_TYPES)
    stock = single("stock.attribute", mapping.stock_attribute, NUMBER_TYPES)
    price = mapping.price_attribute
    if price == AUTO:
        found = profile.of_types(PRICE_TYPES)
        if len(found) == 1:
            price = found[0]
        else:
            kind = (
                f"{len(found)} price collection attributes ({', '.join(found)})"
                if found
                else ("no price collection attribute")
            )
            check.problems.append(
                MappingProblem(
                    "price.attribute",
                    AUTO,
                    f"auto needs exactly one price collection, and Akeneo has {kind}: "
                    "name the one Shopware's price comes from",
                )
            )
    elif not usable("price.attribute", price, PRICE_TYPES):
        price = AUTO  # refused above; the mapper finds no price
    properties = mapping.properties
    if properties is not None:
        properties = [code for code in properties if usable("properties", code, OPTION_TYPES)]
    custom_fields = mapping.custom_fields
    if custom_fields is not None:
        custom_fields = [code for code in custom_fields if usable("custom_fields", code, None)]
    media = mapping.media_attributes
    if media is not None:
        media = [code for code in media if usable("media.attributes", code, MEDIA_ATTRIBUTE_TYPES)]

    effective = mapping.model_copy(
        update={
            "translations": translations,
            "fields": fields,
            "metrics": metrics,
            "manufacturer": manufacturer,
            "tax_attribute": tax,
            "stock_attribute": stock,
            "price_attribute": price,
            "properties": properties,
            "custom_fields": custom_fields,
            "media_attributes": media,
        }
    )
    check.resolved = _resolved(effective, profile)
    return effective, check


def _resolved(mapping: Shopware6Mapping, profile: CatalogProfile) -> dict[str, str]:
    """Shop field → where it comes from, in words (for `check --against-akeneo`)."""
    resolved: dict[str, str] = {}
    for shop_field, code in mapping.translations.items():
        if code == AUTO:
            labels = sorted({f.attribute_as_label for f in profile.families.values()} - {None})
            code = f"family label ({', '.join(labels) or 'none'})"
        resolved[shop_field] = code
    if mapping.media_attributes is None:
        by_family = {
            family: ", ".join(profile.image_attributes(family)) for family in profile.families
        }
        shown = sorted(set(by_family.values()) - {""})
        if len(shown) == 1:
            resolved["cover"] = f"{shown[0]} (by family)"
        else:
            resolved["cover"] = "by family: " + (
                "; ".join(f"{f}: {a}" for f, a in sorted(by_family.items()) if a) or "none"
            )
    else:
        resolved["cover"] = ", ".join(mapping.media_attributes) or "none"
    if mapping.price_attribute != AUTO:
        resolved["price"] = mapping.price_attribute
    resolved.update(mapping.fields)
    resolved.update(mapping.metrics)
    for shop_field, code in (
        ("manufacturer", mapping.manufacturer),
        ("tax", mapping.tax_attribute),
        ("stock", mapping.stock_attribute),
    ):
        if code:
            resolved[shop_field] = code
    resolved["properties"] = (
        "every select attribute not mapped above"
        if mapping.properties is None
        else ", ".join(mapping.properties) or "none"
    )
    resolved["customFields"] = (
        "every other attribute"
        if mapping.custom_fields is None
        else ", ".join(mapping.custom_fields) or "none"
    )
    return resolved


def check_mapping(mapping: Shopware6Mapping, source: str, profile: CatalogProfile) -> MappingCheck:
    """Shopware6Target.check_mapping: the problems, notes and resolved fields of `resolve`."""
    return resolve(mapping, profile, source)[1]
