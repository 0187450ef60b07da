"""The CS-Cart mapping configuration: YAML in, a validated, frozen `CsCartMapping` out.

Read when Airflow parses the DAG file (so it imports nothing but yaml and pydantic): a mistake becomes an
import error naming the key and the reason (`features.types.rating: N is not ...`) before any
run starts. `default_mapping.yaml` beside this module documents every key; a deployment
points `PIMFLOW_CSCART_MAPPING` at its own copy.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AliasPath,
    BeforeValidator,
    Field,
    PrivateAttr,
    model_validator,
)

from pimflow.configuration import (
    Invalid,
    MappingModel,
    document,
    key_paths,
    over_default,
    read_yaml,
    values_of,
)

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
# A value that the catalog's own structure decides (pimflow.cscart.defaults): the family's
# label attribute (`texts.product`), its image attributes (`images.attributes`), the one
# price collection (`price.attribute`).
AUTO = "auto"


# -- value types: YAML in, checked with today's reasons -----------------------------------


def _stripped(what: str) -> Callable[[Any], str | None]:
    """A non-empty string (stripped) or null; anything else is refused as not `what`."""

    def check(value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise Invalid(f"must be {what} or null, got {value!r}")
        return value.strip()

    return check


_code = _stripped("an attribute code")  # an Akeneo code
_text = _stripped("a non-empty string")


def _ids(value: Any) -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value
    ):
        raise Invalid(f"must be a list of positive ids, got {value!r}")
    return tuple(value)


def _codes(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise Invalid(f"must be a list of attribute codes, got {value!r}")
    return tuple(value)


def _or(default: str | None, check: Callable[[Any], str | None]) -> Callable[[Any], Any]:
    """null → `default`, anything else checked by `check`."""
    return lambda value: default if value is None else check(value)


def _needed(check: Callable[[Any], str | None], reason: str) -> Callable[[Any], str]:
    """`check`ed, and null refused with `reason` (what CS-Cart cannot do without)."""

    def needed(value: Any) -> str:
        checked = check(value)
        if checked is None:
            raise Invalid(reason)
        return checked

    return needed


def _section(known: tuple[str, ...]) -> Callable[[Any], dict[str, Any]]:
    """A section a field takes whole: a mapping (null: empty) of `known` keys."""

    def check(value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise Invalid(f"must be a mapping, got {type(value).__name__}")
        if unknown := sorted(set(value) - set(known), key=str):
            raise Invalid(f"unknown key (known: {', '.join(sorted(known))})", str(unknown[0]))
        return dict(value)

    return check


def _codes_of(known: tuple[str, ...], also: tuple[str, ...] = ()) -> Callable[[Any], Any]:
    """`{field: attribute code or null}` → the fields that have a code, in `known`'s order
    (`also`: other keys of the section, read by other fields)."""

    def check(value: Any) -> dict[str, str]:
        section = _section(known + also)(value)
        codes = {}
        for name in known:
            try:
                code = _code(section.get(name))
            except Invalid as exc:
                raise Invalid(exc.reason, name) from None
            if code is not None:
                codes[name] = code
        return codes

    return check


def _non_empty(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise Invalid(f"must be a non-empty string, got {value!r}")
    return value


_string_map = values_of(_non_empty, "key -> string")


def _feature_types(value: Any) -> dict[str, str]:
    types = _string_map(value)
    for code, kind in types.items():
        if kind not in FEATURE_TYPES:
            raise Invalid(
                f"must be a CS-Cart feature type ({', '.join(FEATURE_TYPES)}), got {kind!r}", code
            )
    return types


Code = Annotated[str | None, BeforeValidator(_code)]
Text = Annotated[str | None, BeforeValidator(_text)]
Codes = Annotated[tuple[str, ...], BeforeValidator(_codes)]
Status = Literal["A", "D", "H"]
Purpose = Literal["group_catalog_item", "group_variation_catalog_item"]
Removal = Literal["disable", "delete", "keep"]
Id = Annotated[int, Field(ge=1)]


def _at(*path: str) -> AliasPath:
    return AliasPath(*path)


class CsCartMapping(MappingModel):
    """Which Akeneo attributes feed which CS-Cart fields, and how (see the YAML).

    Each attribute reads the key of the file its alias names (`price.attribute`)."""

    locale_map: Annotated[Mapping[str, str], BeforeValidator(_string_map)] = Field(
        default_factory=dict, validation_alias=_at("languages", "map")
    )
    base_locale: Text = Field(None, validation_alias=_at("languages", "base"))
    texts: Annotated[Mapping[str, str], BeforeValidator(_codes_of(TEXT_FIELDS))] = Field(
        default_factory=lambda: {"product": AUTO}
    )
    # AUTO: the catalog's price collection attribute, when it has exactly one
    price_attribute: Annotated[
        str, BeforeValidator(_needed(_code, "CS-Cart needs a price: name a price attribute"))
    ] = Field(AUTO, validation_alias=_at("price", "attribute"))
    price_currency: Annotated[
        str, BeforeValidator(_needed(_text, "name the currency of CS-Cart's prices (e.g. USD)"))
    ] = Field("USD", validation_alias=_at("price", "currency"))
    list_price_attribute: Code = Field(None, validation_alias=_at("list_price", "attribute"))
    list_price_currency: Text = Field(None, validation_alias=_at("list_price", "currency"))
    amount_attribute: Code = Field(None, validation_alias=_at("amount", "attribute"))
    amount_default: Annotated[int, Field(ge=0)] = Field(
        0, validation_alias=_at("amount", "default")
    )
    weight_attribute: Code = Field(None, validation_alias=_at("weight", "attribute"))
    weight_unit: Annotated[str, BeforeValidator(_or("KILOGRAM", _text))] = Field(
        "KILOGRAM", validation_alias=_at("weight", "unit")
    )
    # length/width/height -> attribute; the section's `unit` is dimension_unit
    dimensions: Annotated[
        Mapping[str, str], BeforeValidator(_codes_of(("length", "width", "height"), ("unit",)))
    ] = Field(default_factory=dict)
    dimension_unit: Annotated[str, BeforeValidator(_or("CENTIMETER", _text))] = Field(
        "CENTIMETER", validation_alias=_at("dimensions", "unit")
    )
    status_enabled: Status = Field("A", validation_alias=_at("status", "enabled"))
    status_disabled: Status = Field("D", validation_alias=_at("status", "disabled"))
    company_id: Id | None = Field(None, validation_alias=_at("vendor", "company_id"))
    company_attribute: Code = Field(None, validation_alias=_at("vendor", "attribute"))
    companies: Annotated[
        Mapping[str, Id], BeforeValidator(values_of(lambda v: v, "value -> company id"))
    ] = Field(default_factory=dict, validation_alias=_at("vendor", "companies"))
    # None: taxes are left to the shop
    tax_ids: Annotated[tuple[int, ...] | None, BeforeValidator(_or(None, _ids))] = Field(
        None, validation_alias=_at("taxes", "ids")
    )
    tax_attribute: Code = Field(None, validation_alias=_at("taxes", "attribute"))
    tax_map: Annotated[
        Mapping[str, tuple[int, ...]],
        BeforeValidator(values_of(_ids, "option code -> list of tax ids")),
    ] = Field(default_factory=dict, validation_alias=_at("taxes", "map"))
    include_root: bool = Field(False, validation_alias=_at("categories", "include_root"))
    unclassified: Text = Field("Unclassified", validation_alias=_at("categories", "unclassified"))
    removed_categories: Removal = Field("disable", validation_alias=_at("categories", "removed"))
    # None: auto
    feature_attributes: Annotated[
        tuple[str, ...] | None, BeforeValidator(lambda v: None if v == "auto" else _codes(v))
    ] = Field(None, validation_alias=_at("features", "attributes"))
    feature_exclude: Codes = Field((), validation_alias=_at("features", "exclude"))
    feature_types: Annotated[Mapping[str, str], BeforeValidator(_feature_types)] = Field(
        default_factory=dict, validation_alias=_at("features", "types")
    )
    brand_attribute: Code = Field(None, validation_alias=_at("features", "brand"))
    record_label: Annotated[str, BeforeValidator(_or("label", _code))] = Field(
        "label", validation_alias=_at("features", "record_label")
    )
    display_on_product: bool = Field(True, validation_alias=_at("features", "display_on_product"))
    display_on_catalog: bool = Field(False, validation_alias=_at("features", "display_on_catalog"))
    variations: bool = Field(True, validation_alias=_at("variations", "enabled"))
    last_level_purpose: Purpose = Field(
        "group_variation_catalog_item", validation_alias=_at("variations", "last_level")
    )
    upper_level_purpose: Purpose = Field(
        "group_catalog_item", validation_alias=_at("variations", "upper_level")
    )
    # None: auto, each family's image attributes (CatalogProfile.image_attributes)
    image_attributes: Annotated[
        tuple[str, ...] | None, BeforeValidator(lambda v: None if v == AUTO else _codes(v))
    ] = Field(None, validation_alias=_at("images", "attributes"))
    asset_file_attribute: Annotated[str, BeforeValidator(_or("media", _code))] = Field(
        "media", validation_alias=_at("images", "asset_file_attribute")
    )
    removed_products: Removal = "disable"
    page_size: Annotated[int, Field(ge=1)] = Field(100, validation_alias=_at("api", "page_size"))
    _source: str = PrivateAttr("<defaults>")
    # Attributes the catalog's defaults use (labels, images): kept out of `features: auto`.
    _auto_used: Mapping[str, str] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        super().model_post_init(context)
        self._source = (context or {}).get("source", "<defaults>")

    def with_catalog(self, update: Mapping[str, Any], used: Mapping[str, str]) -> CsCartMapping:
        """A copy with the catalog's answers to `auto` (pimflow.cscart.defaults)."""
        copy = self.model_copy(update=dict(update))
        copy._auto_used = dict(used)
        return copy

    @property
    def source(self) -> str:
        """The file the mapping was read from (its errors name it)."""
        return self._source

    @model_validator(mode="after")
    def _check_consistency(self) -> Self:
        """What the keys cannot say alone: one attribute, one job."""
        if self.company_id is not None and self.company_attribute is not None:
            raise Invalid("give company_id or attribute, not both", "vendor")
        used = self.attributes_used()
        for code in self.feature_attributes or ():
            if code in used:
                raise Invalid(f"{code} is already used by {used[code]}", "features.attributes")
        for code in self.feature_types:
            if code in used:
                raise Invalid(f"{code} is used by {used[code]}", f"features.types.{code}")
        if self.brand_attribute and self.brand_attribute in used:
            raise Invalid(
                f"{self.brand_attribute} is used by {used[self.brand_attribute]}",
                "features.brand",
            )
        if "product" not in self.texts:
            raise Invalid("CS-Cart needs a product name: name an attribute", "texts.product")
        return self

    def attributes_used(self) -> dict[str, str]:
        """Attribute -> the key that uses it (what `features: auto` leaves out)."""
        used: dict[str, str] = dict(self._auto_used)
        for name, attribute in self.texts.items():
            if attribute != AUTO:
                used.setdefault(attribute, f"texts.{name}")
        for key, attribute in (
            ("price.attribute", self.price_attribute),
            ("list_price.attribute", self.list_price_attribute),
            ("amount.attribute", self.amount_attribute),
            ("weight.attribute", self.weight_attribute),
            ("vendor.attribute", self.company_attribute),
            ("taxes.attribute", self.tax_attribute),
        ):
            if attribute and attribute != AUTO:
                used.setdefault(attribute, key)
        for name, attribute in self.dimensions.items():
            used.setdefault(attribute, f"dimensions.{name}")
        for attribute in self.image_attributes or ():
            used.setdefault(attribute, "images.attributes")
        return used


def parse_mapping(data: Any, source: str = "<mapping>") -> CsCartMapping:
    """Validate parsed YAML merged over the packaged defaults (the one rule of
    pimflow.configuration); raise ConfigError naming the first wrong key. The key paths
    `data` wrote are kept (`CsCartMapping.wrote`)."""
    user = document(data, source)
    return CsCartMapping.parse(
        over_default(DEFAULT_MAPPING, user), source, user_keys=key_paths(user)
    )


def load_mapping(path: str | os.PathLike[str] | None = None) -> CsCartMapping:
    """The mapping from `path`, else $PIMFLOW_CSCART_MAPPING, else the packaged defaults
    (then no key is the user's)."""
    chosen = path or os.environ.get(ENV_VAR)
    if not chosen or Path(chosen).resolve() == DEFAULT_MAPPING.resolve():
        return parse_mapping({}, str(DEFAULT_MAPPING))
    return parse_mapping(read_yaml(Path(chosen)), str(chosen))
