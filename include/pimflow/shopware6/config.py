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

from pimflow.configuration import ConfigModel, Invalid, document, over_default, read_yaml, values_of

DEFAULT_FILE = Path(__file__).with_name("default_mapping.yaml")
ENV_VAR = "PIMFLOW_SHOPWARE6_MAPPING"

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


class Shopware6Mapping(ConfigModel):
    """Which Akeneo attributes feed which Shopware fields (see default_mapping.yaml).

    Each attribute reads the key of the file its alias names (`price.attribute`)."""

    locales: StringMap = Field(default_factory=dict)
    translations: Annotated[dict[str, str], BeforeValidator(_string_map(TRANSLATED_FIELDS))] = (
        Field(default_factory=dict)
    )
    fields: Annotated[dict[str, str], BeforeValidator(_string_map(PLAIN_FIELDS))] = Field(
        default_factory=dict
    )
    metrics: Annotated[dict[str, str], BeforeValidator(_string_map(frozenset(METRIC_UNITS)))] = (
        Field(default_factory=dict)
    )
    manufacturer: Attribute = None
    price_attribute: str = Field("price", validation_alias=AliasPath("price", "attribute"))
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
    media_attributes: Annotated[list[str], BeforeValidator(lambda v: _auto_or_list(v) or [])] = (
        Field(default_factory=list, validation_alias=AliasPath("media", "attributes"))
    )
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
        """Attributes that feed a dedicated Shopware field (not properties or custom fields)."""
        used = {*self.translations.values(), *self.fields.values(), *self.metrics.values()}
        used |= {self.price_attribute, *self.media_attributes}
        used |= {a for a in (self.manufacturer, self.tax_attribute, self.stock_attribute) if a}
        return used


def parse_mapping(raw: Any, source: str = "mapping") -> Shopware6Mapping:
    """Validate a loaded YAML document into a Shopware6Mapping (keys it leaves out get the
    code's defaults, not the default file's: see with_defaults)."""
    return Shopware6Mapping.parse(document(raw, source), source)


def with_defaults(overrides: dict[str, Any], source: str = "mapping") -> Shopware6Mapping:
    """The default mapping with `overrides` merged over it (what a user's file does)."""
    return parse_mapping(over_default(DEFAULT_FILE, overrides), source)


def load_mapping(path: str | Path | None = None) -> Shopware6Mapping:
    """The mapping in force: `path`, else $PIMFLOW_SHOPWARE6_MAPPING, else the default,
    merged over the default by the one rule of pimflow.configuration."""
    chosen = Path(path or os.environ.get(ENV_VAR) or DEFAULT_FILE)
    return with_defaults(document(read_yaml(chosen), str(chosen)), str(chosen))
