"""The Shopware 6 mapping file: loaded and validated when the DAG is parsed.

`default_mapping.yaml` beside this module documents every key; a user's copy is named by
`PIMFLOW_SHOPWARE6_MAPPING`. Validation is strict (unknown keys, wrong types and values
are refused) and every error names the key path and the reason, so a typo shows up as a
DAG import error before any run starts, not as a silently ignored setting.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

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


class MappingConfigError(ValueError):
    """A mapping file that cannot work; the message names the key and the reason."""


@dataclass(frozen=True)
class Shopware6Mapping:
    locales: dict[str, str] = field(default_factory=dict)
    translations: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, str] = field(default_factory=dict)
    manufacturer: str | None = None
    price_attribute: str = "price"
    prices_are_gross: bool = True
    tax_rate: Decimal = Decimal("19")
    tax_attribute: str | None = None
    tax_rates: dict[str, Decimal] = field(default_factory=dict)
    stock_attribute: str | None = None
    default_stock: int = 0
    properties: list[str] | None = None  # None: every select attribute not mapped elsewhere
    custom_fields: list[str] | None = None  # None: every other attribute
    media_attributes: list[str] = field(default_factory=list)
    asset_file_attribute: str = "media"
    visibilities: dict[str, int] = field(default_factory=dict)  # sales channel name -> 10/20/30
    cross_selling: dict[str, str] = field(default_factory=dict)  # association type -> name
    removed_products: str = "deactivate"
    batch_size: int = 250

    def mapped_attributes(self) -> set[str]:
        """Attributes that feed a dedicated Shopware field (not properties or custom fields)."""
        used = {*self.translations.values(), *self.fields.values(), *self.metrics.values()}
        used |= {self.price_attribute, *self.media_attributes}
        used |= {a for a in (self.manufacturer, self.tax_attribute, self.stock_attribute) if a}
        return used


def _expect(value: Any, kind: type | tuple[type, ...], path: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise MappingConfigError(f"{path}: expected {names}, got {value!r}")
    return value


def _string_map(value: Any, path: str, allowed: frozenset[str] | None = None) -> dict[str, str]:
    mapping = _expect(value or {}, dict, path)
    for key, attribute in mapping.items():
        _expect(key, str, f"{path} key")
        _expect(attribute, str, f"{path}.{key}")
        if allowed is not None and key not in allowed:
            raise MappingConfigError(
                f"{path}.{key}: not a field pimflow writes (choose from {sorted(allowed)})"
            )
    return dict(mapping)


def _auto_or_list(value: Any, path: str) -> list[str] | None:
    if value == "auto":
        return None
    items = _expect(value if value is not None else [], list, path)
    for index, item in enumerate(items):
        _expect(item, str, f"{path}[{index}]")
    return list(items)


def parse_mapping(raw: dict[str, Any], source: str = "mapping") -> Shopware6Mapping:
    """Validate a loaded YAML document into a Shopware6Mapping."""
    raw = _expect(raw, dict, source)
    known = {
        "locales", "translations", "fields", "metrics", "manufacturer", "price", "tax", "stock",
        "properties", "custom_fields", "media", "visibilities", "cross_selling",
        "removed_products", "batch_size",
    }  # fmt: skip
    unknown = sorted(set(raw) - known)
    if unknown:
        raise MappingConfigError(f"{source}: unknown keys {unknown} (known: {sorted(known)})")

    price = _expect(raw.get("price") or {}, dict, "price")
    entered_as = price.get("entered_as", "gross")
    if entered_as not in ("gross", "net"):
        raise MappingConfigError(f"price.entered_as: 'gross' or 'net', got {entered_as!r}")
    tax = _expect(raw.get("tax") or {}, dict, "tax")
    try:
        rates = {str(k): Decimal(str(v)) for k, v in (tax.get("rates") or {}).items()}
        default_rate = Decimal(str(tax.get("default_rate", 19)))
    except ArithmeticError as exc:
        raise MappingConfigError(f"tax: rates must be numbers ({exc})") from None
    stock = _expect(raw.get("stock") or {}, dict, "stock")
    media = _expect(raw.get("media") or {}, dict, "media")
    visibilities = {}
    for index, entry in enumerate(_expect(raw.get("visibilities") or [], list, "visibilities")):
        entry = _expect(entry, dict, f"visibilities[{index}]")
        name = _expect(entry.get("sales_channel"), str, f"visibilities[{index}].sales_channel")
        level = entry.get("visibility", 30)
        if level not in (10, 20, 30):
            raise MappingConfigError(
                f"visibilities[{index}].visibility: 10, 20 or 30, got {level!r}"
            )
        visibilities[name] = level
    removed = raw.get("removed_products", "deactivate")
    if removed not in ("deactivate", "delete"):
        raise MappingConfigError(f"removed_products: 'deactivate' or 'delete', got {removed!r}")
    batch_size = _expect(raw.get("batch_size", 250), int, "batch_size")
    if not 1 <= batch_size <= 1000:
        raise MappingConfigError(f"batch_size: between 1 and 1000, got {batch_size}")

    return Shopware6Mapping(
        locales=_string_map(raw.get("locales"), "locales"),
        translations=_string_map(raw.get("translations"), "translations", TRANSLATED_FIELDS),
        fields=_string_map(raw.get("fields"), "fields", PLAIN_FIELDS),
        metrics=_string_map(raw.get("metrics"), "metrics", frozenset(METRIC_UNITS)),
        manufacturer=raw.get("manufacturer") and _expect(raw["manufacturer"], str, "manufacturer"),
        price_attribute=_expect(price.get("attribute", "price"), str, "price.attribute"),
        prices_are_gross=entered_as == "gross",
        tax_rate=default_rate,
        tax_attribute=tax.get("attribute") and _expect(tax["attribute"], str, "tax.attribute"),
        tax_rates=rates,
        stock_attribute=stock.get("attribute")
        and _expect(stock["attribute"], str, "stock.attribute"),
        default_stock=_expect(stock.get("default", 0), int, "stock.default"),
        properties=_auto_or_list(raw.get("properties", "auto"), "properties"),
        custom_fields=_auto_or_list(raw.get("custom_fields", "auto"), "custom_fields"),
        media_attributes=_auto_or_list(media.get("attributes", []), "media.attributes") or [],
        asset_file_attribute=_expect(
            media.get("asset_file_attribute", "media"), str, "media.asset_file_attribute"
        ),
        visibilities=visibilities,
        cross_selling=_string_map(raw.get("cross_selling"), "cross_selling"),
        removed_products=removed,
        batch_size=batch_size,
    )


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        raw = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise MappingConfigError(f"cannot read the Shopware 6 mapping {path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise MappingConfigError(f"{path}: not valid YAML: {exc}") from None
    if raw is not None and not isinstance(raw, dict):
        raise MappingConfigError(f"{path}: expected a mapping of keys, got {type(raw).__name__}")
    return raw or {}


def with_defaults(overrides: dict[str, Any]) -> Shopware6Mapping:
    """The default mapping with some top-level keys replaced (what a user's file does)."""
    return parse_mapping({**_read_yaml(DEFAULT_FILE), **overrides})


def load_mapping(path: str | Path | None = None) -> Shopware6Mapping:
    """The mapping in force: `path`, else $PIMFLOW_SHOPWARE6_MAPPING, else the default.
    A user's file replaces the default's top-level keys it names; the others stay."""
    chosen = Path(path or os.environ.get(ENV_VAR) or DEFAULT_FILE)
    raw = _read_yaml(chosen)
    try:
        return with_defaults(raw)
    except MappingConfigError as exc:
        raise MappingConfigError(f"{chosen}: {exc}") from None
