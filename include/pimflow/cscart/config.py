"""The CS-Cart mapping configuration: YAML in, a validated, frozen `CsCartMapping` out.

Read when Airflow parses the DAG file (so it imports nothing but yaml): a mistake becomes an
import error naming the key and the reason (`features.types.rating: N is not ...`) before any
run starts. `default_mapping.yaml` beside this module documents every key; a deployment
points `PIMFLOW_CSCART_MAPPING` at its own copy.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pimflow.yaml_files import read_yaml

DEFAULT_MAPPING = Path(__file__).with_name("default_mapping.yaml")
ENV_VAR = "PIMFLOW_CSCART_MAPPING"

TEXT_FIELDS = (
    "product",
    "full_description",
    "short_description",
    "meta_description",
    "meta_keywords",
    "page_title",
    "search_words",
    "promo_text",
)
STATUSES = ("A", "D", "H")
FEATURE_TYPES = ("S", "M", "T", "N", "O", "C", "D", "E")
PURPOSES = ("group_catalog_item", "group_variation_catalog_item")
REMOVALS = ("disable", "delete", "keep")


class MappingConfigError(ValueError):
    """The mapping file is wrong: names the file, the key and the reason."""

    def __init__(self, source: str, key: str, reason: str) -> None:
        super().__init__(f"{source}: {key}: {reason}")
        self.key = key
        self.reason = reason


@dataclass(frozen=True)
class CsCartMapping:
    """Which Akeneo attributes feed which CS-Cart fields, and how (see the YAML)."""

    locale_map: Mapping[str, str] = field(default_factory=dict)
    base_locale: str | None = None
    texts: Mapping[str, str] = field(default_factory=lambda: {"product": "name"})
    price_attribute: str = "price"
    price_currency: str = "USD"
    list_price_attribute: str | None = None
    list_price_currency: str | None = None
    amount_attribute: str | None = None
    amount_default: int = 0
    weight_attribute: str | None = None
    weight_unit: str = "KILOGRAM"
    dimensions: Mapping[str, str] = field(default_factory=dict)  # length/width/height -> attr
    dimension_unit: str = "CENTIMETER"
    status_enabled: str = "A"
    status_disabled: str = "D"
    company_id: int | None = None
    company_attribute: str | None = None
    companies: Mapping[str, int] = field(default_factory=dict)
    tax_ids: tuple[int, ...] | None = None  # None: taxes are left to the shop
    tax_attribute: str | None = None
    tax_map: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    include_root: bool = False
    unclassified: str | None = "Unclassified"
    removed_categories: str = "disable"
    feature_attributes: tuple[str, ...] | None = None  # None: auto
    feature_exclude: tuple[str, ...] = ()
    feature_types: Mapping[str, str] = field(default_factory=dict)
    brand_attribute: str | None = None
    record_label: str = "label"
    display_on_product: bool = True
    display_on_catalog: bool = False
    variations: bool = True
    last_level_purpose: str = "group_variation_catalog_item"
    upper_level_purpose: str = "group_catalog_item"
    image_attributes: tuple[str, ...] = ()
    asset_file_attribute: str = "media"
    removed_products: str = "disable"
    page_size: int = 100
    source: str = "<defaults>"

    def attributes_used(self) -> dict[str, str]:
        """Attribute -> the key that uses it (what `features: auto` leaves out)."""
        used: dict[str, str] = {}
        for name, attribute in self.texts.items():
            used.setdefault(attribute, f"texts.{name}")
        for key, attribute in (
            ("price.attribute", self.price_attribute),
            ("list_price.attribute", self.list_price_attribute),
            ("amount.attribute", self.amount_attribute),
            ("weight.attribute", self.weight_attribute),
            ("vendor.attribute", self.company_attribute),
            ("taxes.attribute", self.tax_attribute),
        ):
            if attribute:
                used.setdefault(attribute, key)
        for name, attribute in self.dimensions.items():
            used.setdefault(attribute, f"dimensions.{name}")
        for attribute in self.image_attributes:
            used.setdefault(attribute, "images.attributes")
        return used


# -- reading --------------------------------------------------------------------------------


class _Reader:
    """Walks the parsed YAML, refusing unknown keys and wrong types with the key's path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, reason: str) -> MappingConfigError:
        return MappingConfigError(self.source, key, reason)

    def section(self, data: Mapping[str, Any], key: str, known: tuple[str, ...]) -> dict:
        value = data.get(key, {})
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            raise self.fail(key, f"must be a mapping, got {type(value).__name__}")
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise self.fail(
                f"{key}.{unknown[0]}", f"unknown key (known: {', '.join(sorted(known))})"
            )
        return dict(value)

    def code(self, data: Mapping[str, Any], key: str, path: str, default: Any = None) -> Any:
        """An Akeneo code (non-empty string) or null."""
        value = data.get(key, default)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, f"must be an attribute code or null, got {value!r}")
        return value.strip()

    def text(self, data: Mapping[str, Any], key: str, path: str, default: Any = None) -> Any:
        value = data.get(key, default)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, f"must be a non-empty string or null, got {value!r}")
        return value.strip()

    def choice(
        self, data: Mapping[str, Any], key: str, path: str, choices: tuple[str, ...], default: str
    ) -> str:
        value = data.get(key, default)
        if value not in choices:
            raise self.fail(path, f"must be one of {', '.join(choices)}, got {value!r}")
        return value

    def flag(self, data: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(path, f"must be true or false, got {value!r}")
        return value

    def integer(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        default: Any,
        minimum: int = 0,
        nullable: bool = False,
    ) -> Any:
        value = data.get(key, default)
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(path, f"must be a whole number of at least {minimum}, got {value!r}")
        return value

    def ids(self, value: Any, path: str) -> tuple[int, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value
        ):
            raise self.fail(path, f"must be a list of positive ids, got {value!r}")
        return tuple(value)

    def codes(self, value: Any, path: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(path, f"must be a list of attribute codes, got {value!r}")
        return tuple(value)

    def string_map(self, value: Any, path: str) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(path, f"must be a mapping, got {type(value).__name__}")
        result = {}
        for key, item in value.items():
            if not isinstance(item, str) or not item:
                raise self.fail(f"{path}.{key}", f"must be a non-empty string, got {item!r}")
            result[str(key)] = item
        return result


@functools.cache
def _defaults() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_MAPPING.read_text(encoding="utf-8"))


def _merged(defaults: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` over `defaults`: sections merge key by key, anything else is replaced."""
    merged = dict(defaults)
    for key, value in data.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping) and value:
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def parse_mapping(data: Any, source: str = "<mapping>") -> CsCartMapping:
    """Validate parsed YAML (keys it leaves out keep the packaged defaults); raise
    MappingConfigError naming the first wrong key."""
    read = _Reader(source)
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise read.fail("(top)", "the mapping file must hold a mapping of keys")
    data = _merged(_defaults(), data)
    top_keys = (
        "languages",
        "texts",
        "price",
        "list_price",
        "amount",
        "weight",
        "dimensions",
        "status",
        "vendor",
        "taxes",
        "categories",
        "features",
        "variations",
        "images",
        "removed_products",
        "api",
    )
    unknown = sorted(set(data) - set(top_keys))
    if unknown:
        raise read.fail(unknown[0], f"unknown key (known: {', '.join(sorted(top_keys))})")

    languages = read.section(data, "languages", ("map", "base"))
    locale_map = read.string_map(languages.get("map"), "languages.map")
    base_locale = read.text(languages, "base", "languages.base")

    texts_raw = read.section(data, "texts", TEXT_FIELDS)
    texts = {
        name: code
        for name in TEXT_FIELDS
        if (code := read.code(texts_raw, name, f"texts.{name}")) is not None
    }

    price = read.section(data, "price", ("attribute", "currency"))
    price_attribute = read.code(price, "attribute", "price.attribute", "price")
    if price_attribute is None:
        raise read.fail("price.attribute", "CS-Cart needs a price: name a price attribute")
    currency = read.text(price, "currency", "price.currency", "USD")
    if currency is None:
        raise read.fail("price.currency", "name the currency of CS-Cart's prices (e.g. USD)")
    list_price = read.section(data, "list_price", ("attribute", "currency"))

    amount = read.section(data, "amount", ("attribute", "default"))
    weight = read.section(data, "weight", ("attribute", "unit"))
    dimensions_raw = read.section(data, "dimensions", ("length", "width", "height", "unit"))
    dimensions = {
        name: code
        for name in ("length", "width", "height")
        if (code := read.code(dimensions_raw, name, f"dimensions.{name}")) is not None
    }
    status = read.section(data, "status", ("enabled", "disabled"))

    vendor = read.section(data, "vendor", ("company_id", "attribute", "companies"))
    company_id = read.integer(vendor, "company_id", "vendor.company_id", None, 1, nullable=True)
    company_attribute = read.code(vendor, "attribute", "vendor.attribute")
    if company_id is not None and company_attribute is not None:
        raise read.fail("vendor", "give company_id or attribute, not both")
    companies_raw = vendor.get("companies") or {}
    if not isinstance(companies_raw, Mapping):
        raise read.fail("vendor.companies", "must be a mapping of value -> company id")
    companies = {}
    for key, value in companies_raw.items():
        companies[str(key)] = read.integer(
            companies_raw, key, f"vendor.companies.{key}", value, minimum=1
        )

    taxes = read.section(data, "taxes", ("ids", "attribute", "map"))
    tax_map_raw = taxes.get("map") or {}
    if not isinstance(tax_map_raw, Mapping):
        raise read.fail("taxes.map", "must be a mapping of option code -> list of tax ids")
    tax_map = {str(k): read.ids(v, f"taxes.map.{k}") for k, v in tax_map_raw.items()}

    categories = read.section(data, "categories", ("include_root", "unclassified", "removed"))
    features = read.section(
        data,
        "features",
        (
            "attributes",
            "exclude",
            "types",
            "brand",
            "record_label",
            "display_on_product",
            "display_on_catalog",
        ),
    )
    feature_attributes_raw = features.get("attributes", "auto")
    feature_attributes = (
        None
        if feature_attributes_raw == "auto"
        else read.codes(feature_attributes_raw, "features.attributes")
    )
    feature_types = read.string_map(features.get("types"), "features.types")
    for code, kind in feature_types.items():
        if kind not in FEATURE_TYPES:
            raise read.fail(
                f"features.types.{code}",
                f"must be a CS-Cart feature type ({', '.join(FEATURE_TYPES)}), got {kind!r}",
            )
    record_label = read.code(features, "record_label", "features.record_label", "label")

    variations = read.section(data, "variations", ("enabled", "last_level", "upper_level"))
    images = read.section(data, "images", ("attributes", "asset_file_attribute"))
    api = read.section(data, "api", ("page_size",))

    mapping = CsCartMapping(
        locale_map=locale_map,
        base_locale=base_locale,
        texts=texts,
        price_attribute=price_attribute,
        price_currency=currency,
        list_price_attribute=read.code(list_price, "attribute", "list_price.attribute"),
        list_price_currency=read.text(list_price, "currency", "list_price.currency"),
        amount_attribute=read.code(amount, "attribute", "amount.attribute"),
        amount_default=read.integer(amount, "default", "amount.default", 0),
        weight_attribute=read.code(weight, "attribute", "weight.attribute"),
        weight_unit=read.text(weight, "unit", "weight.unit", "KILOGRAM") or "KILOGRAM",
        dimensions=dimensions,
        dimension_unit=read.text(dimensions_raw, "unit", "dimensions.unit", "CENTIMETER")
        or "CENTIMETER",
        status_enabled=read.choice(status, "enabled", "status.enabled", STATUSES, "A"),
        status_disabled=read.choice(status, "disabled", "status.disabled", STATUSES, "D"),
        company_id=company_id,
        company_attribute=company_attribute,
        companies=companies,
        tax_ids=None if taxes.get("ids") is None else read.ids(taxes["ids"], "taxes.ids"),
        tax_attribute=read.code(taxes, "attribute", "taxes.attribute"),
        tax_map=tax_map,
        include_root=read.flag(categories, "include_root", "categories.include_root", False),
        unclassified=read.text(
            categories, "unclassified", "categories.unclassified", "Unclassified"
        ),
        removed_categories=read.choice(
            categories, "removed", "categories.removed", REMOVALS, "disable"
        ),
        feature_attributes=feature_attributes,
        feature_exclude=read.codes(features.get("exclude"), "features.exclude"),
        feature_types=feature_types,
        brand_attribute=read.code(features, "brand", "features.brand"),
        record_label=record_label or "label",
        display_on_product=read.flag(
            features, "display_on_product", "features.display_on_product", True
        ),
        display_on_catalog=read.flag(
            features, "display_on_catalog", "features.display_on_catalog", False
        ),
        variations=read.flag(variations, "enabled", "variations.enabled", True),
        last_level_purpose=read.choice(
            variations,
            "last_level",
            "variations.last_level",
            PURPOSES,
            "group_variation_catalog_item",
        ),
        upper_level_purpose=read.choice(
            variations, "upper_level", "variations.upper_level", PURPOSES, "group_catalog_item"
        ),
        image_attributes=read.codes(images.get("attributes"), "images.attributes"),
        asset_file_attribute=read.code(
            images, "asset_file_attribute", "images.asset_file_attribute", "media"
        )
        or "media",
        removed_products=read.choice(
            data, "removed_products", "removed_products", REMOVALS, "disable"
        ),
        page_size=read.integer(api, "page_size", "api.page_size", 100, minimum=1),
        source=source,
    )
    _check_consistency(mapping, read)
    return mapping


def _check_consistency(mapping: CsCartMapping, read: _Reader) -> None:
    """What the keys cannot say alone: one attribute, one job."""
    used = mapping.attributes_used()
    if mapping.feature_attributes is not None:
        for code in mapping.feature_attributes:
            if code in used:
                raise read.fail("features.attributes", f"{code} is already used by {used[code]}")
    for code in mapping.feature_types:
        if code in used:
            raise read.fail(f"features.types.{code}", f"{code} is used by {used[code]}")
    if mapping.brand_attribute and mapping.brand_attribute in used:
        raise read.fail(
            "features.brand",
            f"{mapping.brand_attribute} is used by {used[mapping.brand_attribute]}",
        )
    if "product" not in mapping.texts:
        raise read.fail("texts.product", "CS-Cart needs a product name: name an attribute")


def load_mapping(path: str | os.PathLike[str] | None = None) -> CsCartMapping:
    """The mapping from `path`, else $PIMFLOW_CSCART_MAPPING, else the packaged defaults."""
    chosen = Path(path or os.environ.get(ENV_VAR) or DEFAULT_MAPPING)
    data = read_yaml(chosen, MappingConfigError)
    return parse_mapping(data, str(chosen))
