"""Canonical Akeneo catalog → CS-Cart payloads. Pure: data in, payloads out, no I/O.

CS-Cart assigns its own ids, so the payloads refer to categories, features and variants by
the ids the upload learnt (passed in as maps keyed by Akeneo codes). Texts are per
language: CS-Cart writes a created product's texts into every language, and a `PUT` with
`lang_code` changes that language only, so a product maps to a language-neutral *core*
and one *texts* payload per CS-Cart language. Anything CS-Cart would refuse, or that
cannot be expressed, raises `MappingError` naming the field and the reason.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pimflow.akeneo.profile import NoLabel, labels_with_fallback
from pimflow.akeneo.values import (
    ASSET_TYPES,
    MULTI_SELECT_TYPES,
    SELECT_TYPES,
    TEXT_TYPES,
    pick,
)
from pimflow.configuration import ConfigError as MappingConfigError
from pimflow.cscart.config import AUTO, CsCartMapping
from pimflow.errors import MappingError

UNCLASSIFIED_KEY = "__unclassified__"  # the id map key of the fallback category
GROUP_CODE = re.compile(r"^[-_a-z0-9]+$", re.IGNORECASE)
FEATURE_CODE_LENGTH = 32  # cscart_product_features.feature_code is a VARCHAR(32)

REFERENCE_ENTITY = "akeneo_reference_entity"
REFERENCE_ENTITY_COLLECTION = "akeneo_reference_entity_collection"
REFERENCE_DATA_TYPES = frozenset(
    {"pim_catalog_reference_data_simpleselect", "pim_catalog_reference_data_multiselect"}
)
NUMBER = "pim_catalog_number"
METRIC = "pim_catalog_metric"
BOOLEAN = "pim_catalog_boolean"
DATE = "pim_catalog_date"
IMAGE = "pim_catalog_image"

# A boolean variant axis's two variants: their codes and names by language (others: English).
BOOLEAN_VARIANTS = {
    True: ("yes", "Yes", {"de": "Ja", "fr": "Oui", "es": "Sí", "it": "Sì", "nl": "Ja"}),
    False: ("no", "No", {"de": "Nein", "fr": "Non", "es": "No", "it": "No", "nl": "Nee"}),
}


def run_config_error(key: str, reason: str) -> MappingConfigError:
    """The mapping does not fit this Akeneo (an attribute it names is missing or mistyped)."""
    return MappingConfigError("mapping vs. Akeneo", key, reason)


# -- languages ------------------------------------------------------------------------------


def language_map(
    locales: Iterable[str], shop_languages: Iterable[str], overrides: Mapping[str, str]
) -> dict[str, str]:
    """Akeneo locale → CS-Cart lang_code: the override, else the whole locale (`pt_br`), else
    its language (`de_DE` → `de`). One CS-Cart language takes one locale, the first that
    claims it (overrides and exact matches first)."""
    available = {code.lower() for code in shop_languages}
    locales = list(locales)
    result: dict[str, str] = {}
    taken: set[str] = set()
    for pass_number in (0, 1, 2):
        for locale in locales:
            if locale in result:
                continue
            if pass_number == 0:
                wanted = overrides.get(locale, "").lower() if locale in overrides else None
            elif pass_number == 1:
                wanted = locale.lower()
            else:
                wanted = locale.split("_")[0].lower()
            if wanted and wanted in available and wanted not in taken:
                result[locale] = wanted
                taken.add(wanted)
    return {locale: result[locale] for locale in locales if locale in result}


def base_locale(languages: Mapping[str, str], configured: str | None) -> str:
    """The locale a product is created in (its texts land in every CS-Cart language)."""
    if configured:
        if configured not in languages:
            raise run_config_error(
                "languages.base",
                f"{configured} is not a synced locale that matches a CS-Cart language "
                f"(those are {sorted(languages) or 'none'})",
            )
        return configured
    if not languages:
        raise run_config_error(
            "languages", "no Akeneo locale of the run matches a CS-Cart language"
        )
    return next(iter(languages))


def label(labels: Mapping[str, str] | None, locale: str, base: str, code: str) -> str:
    """A label in the locale, else in the base locale, else `[code]` as Akeneo shows it."""
    labels = labels or {}
    return labels.get(locale) or labels.get(base) or f"[{code}]"


# -- measures -------------------------------------------------------------------------------


class UnitConverter:
    """Akeneo's measure conversion: a unit's `convert_from_standard` operations turn its value
    into the standard unit (in order); the inverse operations, reversed, turn it back."""

    def __init__(self, families: Iterable[Mapping[str, Any]]) -> None:
        self.units: dict[str, dict[str, list[dict[str, str]]]] = {}
        for family in families:
            units = family.get("units") or {}
            self.units[family["code"]] = {
                code: list(unit.get("convert_from_standard") or []) for code, unit in units.items()
            }
        self.symbols = {
            (family["code"], code): (unit.get("symbol") or "")
            for family in families
            for code, unit in (family.get("units") or {}).items()
        }

    def has_unit(self, family: str, unit: str) -> bool:
        return unit in self.units.get(family, {})

    def convert(self, family: str, amount: str | Decimal, unit: str, target: str) -> Decimal:
        units = self.units.get(family)
        if units is None:
            raise ValueError(f"measurement family {family} is unknown")
        if unit not in units:
            raise ValueError(f"unit {unit} is not a unit of {family}")
        if target not in units:
            raise ValueError(f"unit {target} is not a unit of {family}")
        value = Decimal(str(amount))
        if unit == target:
            return value
        for operation in units[unit]:
            value = _operate(value, operation["operator"], Decimal(str(operation["value"])))
        for operation in reversed(units[target]):
            value = _operate(
                value, _INVERSE[operation["operator"]], Decimal(str(operation["value"]))
            )
        return value


_INVERSE = {"mul": "div", "div": "mul", "add": "sub", "sub": "add"}


def _operate(value: Decimal, operator: str, operand: Decimal) -> Decimal:
    if operator == "mul":
        return value * operand
    if operator == "div":
        if operand == 0:
            raise ValueError("a unit conversion divides by zero")
        return value / operand
    if operator == "add":
        return value + operand
    if operator == "sub":
        return value - operand
    raise ValueError(f"unknown conversion operator {operator!r}")


def number_text(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent: 12.5000 → "12.5", 1E+1 → "10"."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def money(value: str | Decimal, field_name: str) -> str:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise MappingError(field_name, f"{value!r} is not a number") from None
    if amount < 0:
        raise MappingError(field_name, f"negative amount {value}")
    return str(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# -- features -------------------------------------------------------------------------------

_AUTO_TYPES = {
    **dict.fromkeys(SELECT_TYPES, "S"),
    **dict.fromkeys(MULTI_SELECT_TYPES, "M"),
    **dict.fromkeys(TEXT_TYPES - {"pim_catalog_identifier"}, "T"),
    NUMBER: "O",
    METRIC: "O",
    BOOLEAN: "C",
    DATE: "D",
    REFERENCE_ENTITY: "S",
    REFERENCE_ENTITY_COLLECTION: "M",
}
# What an attribute of each type may become (overrides must stay in these).
_ALLOWED_TYPES = {
    "S": {"S", "E", "N"},
    "M": {"M"},
    "T": {"T"},
    "O": {"O", "N"},
    "C": {"C"},
    "D": {"D"},
}


@dataclass(frozen=True)
class FeatureSpec:
    """One CS-Cart feature and the Akeneo attribute behind it."""

    attribute: str
    attribute_type: str
    feature_type: str  # C M S N E T O D
    labels: Mapping[str, str]
    localizable: bool = False
    scopable: bool = False
    purpose: str | None = None  # a variation purpose when the attribute is a variant axis
    reference_entity: str | None = None
    metric_family: str | None = None
    metric_unit: str | None = None  # metrics are converted into the attribute's default unit

    @property
    def has_variants(self) -> bool:
        return self.feature_type in ("S", "M", "N", "E")

    @property
    def variant_source(self) -> str:
        """Where the variants come from: the options (complete every run), the records, or
        the values the products hold (numbers, reference data)."""
        if not self.has_variants:
            return "none"
        if self.attribute_type in (REFERENCE_ENTITY, REFERENCE_ENTITY_COLLECTION):
            return "records"
        if self.attribute_type == BOOLEAN:
            return "boolean"  # always the same two: yes and no
        if self.feature_type == "N" or self.attribute_type in (REFERENCE_DATA_TYPES | {METRIC}):
            return "values"
        return "options"

    @property
    def numeric(self) -> bool:
        """Its variants are numbers (a metric axis's are named with the unit: "46 in")."""
        return self.feature_type == "N" or self.attribute_type == METRIC

    @property
    def feature_code(self) -> str:
        return feature_code(self.attribute)


def feature_code(attribute: str) -> str:
    """The attribute code as CS-Cart's `feature_code` (how a lost id map is rebuilt)."""
    if len(attribute) <= FEATURE_CODE_LENGTH:
        return attribute
    digest = hashlib.sha1(attribute.encode()).hexdigest()[:8]
    return f"{attribute[: FEATURE_CODE_LENGTH - 9]}_{digest}"


def plan_features(
    attributes: Mapping[str, Mapping[str, Any]],
    mapping: CsCartMapping,
    axes: Mapping[str, str],
) -> list[FeatureSpec]:
    """The features to keep in CS-Cart. `attributes` are the staged attribute rows by code;
    `axes` maps each variant-axis attribute to its purpose (axes are always features)."""
    used = mapping.attributes_used()
    if mapping.feature_attributes is None:
        chosen = [
            code
            for code, row in attributes.items()
            if row["type"] in _AUTO_TYPES and code not in used
        ]
    else:
        chosen = list(mapping.feature_attributes)
    chosen = [code for code in chosen if code not in mapping.feature_exclude]
    if mapping.brand_attribute and mapping.brand_attribute not in chosen:
        chosen.append(mapping.brand_attribute)
    for axis in axes:
        if axis in used:
            raise run_config_error(
                used[axis], f"{axis} is a variant axis in Akeneo: it must stay a feature"
            )
        if axis not in chosen:
            chosen.append(axis)
    specs = []
    for code in chosen:
        row = attributes.get(code)
        if row is None:
            raise run_config_error("features", f"Akeneo has no attribute {code!r}")
        kind = row["type"]
        auto = _AUTO_TYPES.get(kind)
        if auto is None:
            raise run_config_error("features", f"{code} ({kind}) cannot be a CS-Cart feature")
        feature_type = mapping.feature_types.get(code, auto)
        if code == mapping.brand_attribute and code not in mapping.feature_types:
            if auto != "S":
                raise run_config_error(
                    "features.brand", f"{code} ({kind}) is not a single choice: it cannot be E"
                )
            feature_type = "E"
        if code in axes and feature_type not in ("S", "N", "E"):
            # A variation feature must be a select box: a number's variants are the numbers,
            # a metric's the amount with its unit ("46 in"), a boolean's yes and no.
            if kind in (METRIC, BOOLEAN):
                feature_type = "S"
            elif auto == "O":
                feature_type = "N"
            else:
                raise run_config_error(
                    "variations",
                    f"{code} ({kind}) is a variant axis, which CS-Cart cannot group by "
                    "(it needs a select box feature)",
                )
        if feature_type not in _ALLOWED_TYPES[auto] and not (
            code in axes and feature_type == "S" and kind in (METRIC, BOOLEAN)
        ):
            raise run_config_error(
                f"features.types.{code}",
                f"{code} ({kind}) cannot be a feature of type {feature_type}",
            )
        specs.append(
            FeatureSpec(
                attribute=code,
                attribute_type=kind,
                feature_type=feature_type,
                labels=dict(row.get("labels") or {}),
                localizable=bool(row.get("localizable")),
                scopable=bool(row.get("scopable")),
                purpose=axes.get(code),
                reference_entity=row.get("reference_data_name"),
                metric_family=row.get("metric_family") if kind == METRIC else None,
                metric_unit=row.get("default_metric_unit") if kind == METRIC else None,
            )
        )
    return specs


@dataclass(frozen=True)
class VariantDef:
    """A feature variant as Akeneo defines it: its code and labels per locale."""

    code: str
    labels: Mapping[str, str]  # by Akeneo locale, or by language (`de`) for made-up names
    position: int = 0
    name: str | None = None  # the name where `labels` has none ("46 in", "Yes")


def variant_label(variant: VariantDef, locale: str, base: str, numeric: bool) -> str:
    if variant.name is not None:
        labels = variant.labels
        return labels.get(locale) or labels.get(locale.split("_")[0]) or variant.name
    if numeric:
        return variant.code  # a number feature's variant is the number itself
    return label(variant.labels, locale, base, variant.code)


def boolean_variants() -> list[VariantDef]:
    """A boolean axis's variants: Yes and No, named in each language we know."""
    return [
        VariantDef(code, names, position, name)
        for position, (code, name, names) in enumerate(
            BOOLEAN_VARIANTS[value] for value in (True, False)
        )
    ]


def metric_variant(code: str, symbol: str) -> VariantDef:
    """A metric axis's variant: the amount in the attribute's default unit, with its
    symbol (`46` INCH → "46 in")."""
    return VariantDef(code, {}, name=f"{code} {symbol}".strip())


def feature_core(
    spec: FeatureSpec,
    variants: list[VariantDef],
    base: str,
    mapping: CsCartMapping,
    symbol: str = "",
) -> dict[str, Any]:
    """The feature in the base language, its variants named, without CS-Cart ids (the
    upload adds them); also what its hash is taken of."""
    body: dict[str, Any] = {
        "feature_type": spec.feature_type,
        "description": label(spec.labels, base, base, spec.attribute),
        "feature_code": spec.feature_code,
        "status": "A",
        "display_on_product": "Y" if mapping.display_on_product else "N",
        "display_on_catalog": "Y" if mapping.display_on_catalog else "N",
    }
    if spec.purpose:
        body["purpose"] = spec.purpose
    if mapping.company_id is not None:
        body["company_id"] = mapping.company_id
    if symbol and spec.feature_type != "S":  # a select box's variants carry the unit
        body["suffix"] = symbol
    if spec.has_variants:
        numeric = spec.feature_type == "N"
        body["variants"] = [
            {"code": v.code, "variant": variant_label(v, base, base, numeric), "position": index}
            for index, v in enumerate(variants)
        ]
    return body


def feature_texts(
    spec: FeatureSpec, variants: list[VariantDef], locale: str, base: str
) -> dict[str, Any]:
    """What one language of the feature says: its name and its variants' names."""
    body: dict[str, Any] = {"description": label(spec.labels, locale, base, spec.attribute)}
    if spec.has_variants:
        numeric = spec.feature_type == "N"
        body["variants"] = [
            {"code": v.code, "variant": variant_label(v, locale, base, numeric)} for v in variants
        ]
    return body


def variant_value_code(spec: FeatureSpec, data: Any, converter: UnitConverter | None) -> str:
    """The variant code of one value of a select-like attribute (option, record, number)."""
    if isinstance(data, Mapping) and "code" in data:
        return str(data["code"])
    if spec.attribute_type == BOOLEAN:
        if not isinstance(data, bool):
            raise MappingError(spec.attribute, f"{data!r} is not a yes/no value")
        return BOOLEAN_VARIANTS[data][0]
    if spec.numeric:
        return number_text(_numeric(spec, data, converter))
    return str(data)


def _numeric(spec: FeatureSpec, data: Any, converter: UnitConverter | None) -> Decimal:
    if spec.attribute_type == METRIC:
        if not isinstance(data, Mapping) or data.get("amount") is None:
            raise MappingError(spec.attribute, f"metric without an amount: {data!r}")
        if converter is None or not spec.metric_family or not spec.metric_unit:
            raise MappingError(spec.attribute, "the metric's unit cannot be converted")
        try:
            return converter.convert(
                spec.metric_family, data["amount"], data["unit"], spec.metric_unit
            )
        except (ValueError, InvalidOperation, ArithmeticError) as exc:
            raise MappingError(spec.attribute, str(exc)) from None
    try:
        return Decimal(str(data))
    except InvalidOperation:
        raise MappingError(spec.attribute, f"{data!r} is not a number") from None


def collect_variant_values(
    spec: FeatureSpec,
    values: Mapping[str, list[Mapping[str, Any]]],
    converter: UnitConverter | None,
) -> dict[str, dict[str, str]]:
    """Variant code → labels for what a product's values hold (for `values` sources)."""
    found: dict[str, dict[str, str]] = {}
    for entry in values.get(spec.attribute, ()):
        if entry.get("raw"):
            continue
        data = entry.get("data")
        items = data if isinstance(data, list) else [data]
        for item in items:
            try:
                code = variant_value_code(spec, item, converter)
            except MappingError:
                continue
            labels = dict(item.get("labels") or {}) if isinstance(item, Mapping) else {}
            found.setdefault(code, labels)
    return found


# -- categories -----------------------------------------------------------------------------


def category_core(row: Mapping[str, Any], parent_id: int, base: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": label(row.get("labels"), base, base, row["code"]),
        "parent_id": parent_id,
        "status": "A",
    }
    if row.get("position") is not None:
        body["position"] = int(row["position"])
    return body


def category_texts(row: Mapping[str, Any], locale: str, base: str) -> dict[str, Any]:
    return {"category": label(row.get("labels"), locale, base, row["code"])}


# -- variation groups -----------------------------------------------------------------------


def group_code(root_model: str) -> str:
    """The variation group code of a root product model (CS-Cart allows [-_a-z0-9])."""
    if GROUP_CODE.match(root_model) and len(root_model) <= 64:
        return root_model
    cleaned = re.sub(r"[^-_a-zA-Z0-9]+", "-", root_model).strip("-")[:48] or "model"
    digest = hashlib.sha1(root_model.encode()).hexdigest()[:10]
    return f"{cleaned}-{digest}"


def group_features(
    family_variant: Mapping[str, Any] | None, mapping: CsCartMapping
) -> list[tuple[str, str]]:
    """(axis attribute, purpose) of a family variant, upper level first."""
    if not family_variant:
        return []
    sets = sorted(
        family_variant.get("variant_attribute_sets") or [], key=lambda s: s.get("level", 0)
    )
    result: list[tuple[str, str]] = []
    for index, attribute_set in enumerate(sets):
        last = index == len(sets) - 1
        purpose = mapping.last_level_purpose if last else mapping.upper_level_purpose
        for axis in attribute_set.get("axes") or []:
            result.append((axis, purpose))
    return result


def axis_purposes(
    family_variants: Iterable[Mapping[str, Any]], mapping: CsCartMapping
) -> dict[str, str]:
    """Axis attribute → the purpose its feature gets (the last level's where it is both)."""
    purposes: dict[str, str] = {}
    for variant in family_variants:
        for axis, purpose in group_features(variant, mapping):
            if purposes.get(axis) != mapping.last_level_purpose:
                purposes[axis] = purpose
    return purposes


# -- products -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MediaRef:
    """A staged media file: its content hash (what change detection sees) and the URL
    CS-Cart fetches it from."""

    sha256: str
    url: str
    mime_type: str = ""


@dataclass
class ProductContext:
    """What mapping a product needs to know, gathered once per run."""

    channel: str
    languages: Mapping[str, str]  # Akeneo locale -> CS-Cart lang_code
    base: str  # the base locale
    mapping: CsCartMapping
    attributes: Mapping[str, Mapping[str, Any]]  # staged attribute rows by code
    features: list[FeatureSpec]
    feature_ids: Mapping[str, int]  # attribute -> feature_id
    variant_ids: Mapping[str, int]  # "attribute/code" -> variant_id
    category_ids: Mapping[str, int]  # Akeneo category code -> category_id
    category_order: Mapping[str, int]  # Akeneo category code -> position in the tree
    converter: UnitConverter
    media: Mapping[tuple[str, str], MediaRef] = field(default_factory=dict)
    assets: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (family, code) -> media
    unclassified_id: int | None = None
    # The mapping's `auto` answered by the catalog (None: the mapping names every code): a
    # cscart.defaults.CatalogMapping, which plans features with this module's functions.
    catalog: Any = None

    @property
    def base_lang(self) -> str:
        return self.languages[self.base]

    def label_attribute(self, family: str | None) -> str | None:
        if self.catalog is not None:
            return self.catalog.label_attribute(family)
        named = self.mapping.texts.get("product")
        return None if named == AUTO else named

    def image_attributes(self, family: str | None) -> tuple[str, ...]:
        if self.catalog is not None:
            return self.catalog.image_attributes(family)
        return tuple(self.mapping.image_attributes or ())


@dataclass
class MappedProduct:
    key: str  # the Akeneo uuid (identifier without one): the id map's key
    identifier: str
    core: dict[str, Any]  # language-neutral fields
    texts: dict[str, dict[str, Any]]  # CS-Cart lang_code -> texts of that language
    images: dict[str, Any]  # main_pair and image_pairs
    image_digest: list[str]  # sha256 of each image, in order
    parent: str | None = None
    # (field, reason): written, but not all as Akeneo has it (a name from another locale)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def create_body(self, base_lang: str, amount_default: int | None) -> dict[str, Any]:
        """The POST: core, the base language's texts (CS-Cart copies them into every
        language) and the images."""
        body = merge_bodies(self.core, self.texts[base_lang])
        if amount_default is not None and "amount" not in body:
            body["amount"] = amount_default
        if self.image_digest:
            body.update(self.images)
        body["lang_code"] = base_lang
        return body


def merge_bodies(*bodies: Mapping[str, Any]) -> dict[str, Any]:
    """Payload parts in one body; `product_features` of each part are merged."""
    merged: dict[str, Any] = {}
    features: dict[str, Any] = {}
    for body in bodies:
        for key, value in body.items():
            if key == "product_features":
                features.update(value)
            else:
                merged[key] = value
    if features:
        merged["product_features"] = features
    return merged


def product_key(product: Mapping[str, Any]) -> str:
    return str(product.get("uuid") or product["identifier"])


@contextmanager
def about(field_name: str) -> Iterator[None]:
    """Any failure while mapping `field_name` becomes a MappingError naming it: a value of
    an unexpected shape refuses its product, not the stage."""
    try:
        yield
    except MappingError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever the value's shape broke
        raise MappingError(field_name, f"unexpected value: {type(exc).__name__}: {exc}") from exc


def map_product(product: Mapping[str, Any], ctx: ProductContext) -> MappedProduct:
    """The CS-Cart payloads of one staged product (simple or variant). Raises MappingError."""
    identifier = product.get("identifier")
    if not identifier:
        raise MappingError("product_code", "the product has no identifier")
    values = product.get("values") or {}
    mapping = ctx.mapping
    channel, base = ctx.channel, ctx.base

    core: dict[str, Any] = {
        "product_code": identifier,
        "status": mapping.status_enabled if product.get("enabled") else mapping.status_disabled,
    }
    with about("price"):
        core["price"] = _price(values, mapping.price_attribute, mapping.price_currency, ctx, True)
    if mapping.list_price_attribute:
        with about("list_price"):
            core["list_price"] = _price(
                values,
                mapping.list_price_attribute,
                mapping.list_price_currency or mapping.price_currency,
                ctx,
                False,
            )
    if mapping.amount_attribute:
        with about("amount"):
            core["amount"] = _whole(values, mapping.amount_attribute, ctx, "amount")
    if mapping.weight_attribute:
        with about("weight"):
            weight = _measure(values, mapping.weight_attribute, mapping.weight_unit, ctx, "weight")
            core["weight"] = str(weight.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))
    for name, attribute in mapping.dimensions.items():
        with about(name):
            size = _measure(values, attribute, mapping.dimension_unit, ctx, name)
            core[name] = int(size.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    with about("company_id"):
        company = _company(values, ctx)
    if company is not None:
        core["company_id"] = company
    with about("tax_ids"):
        taxes = _taxes(values, ctx)
    if taxes is not None:
        core["tax_ids"] = taxes
    with about("category_ids"):
        core["category_ids"] = _categories(product, ctx)
    core["main_category"] = core["category_ids"][0]

    neutral, per_locale = _feature_values(values, ctx)
    if neutral:
        core["product_features"] = neutral

    names, warnings = product_names(product, ctx)
    texts: dict[str, dict[str, Any]] = {}
    for locale, lang in ctx.languages.items():
        body: dict[str, Any] = {}
        for name, attribute in mapping.texts.items():
            if name == "product":
                body[name] = names[locale]
                continue
            with about(name):
                body[name] = _text(pick(values, attribute, locale, channel), locale, base)
        localized = per_locale.get(locale)
        if localized:
            body["product_features"] = localized
        texts[lang] = body

    images, digest = _images(values, ctx, product.get("family"))
    return MappedProduct(
        key=product_key(product),
        identifier=identifier,
        core=core,
        texts=texts,
        images=images,
        image_digest=digest,
        parent=product.get("parent"),
        warnings=warnings,
    )


def product_names(
    product: Mapping[str, Any], ctx: ProductContext
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The name per run locale by the one rule of both targets (labels_with_fallback): a
    locale without its own gets the first locale's that has one, with a warning; a product
    with none in any locale is refused (CS-Cart refuses an empty name, and naming it by
    its identifier would hide the gap)."""
    attribute = ctx.label_attribute(product.get("family"))
    if attribute is None:
        raise MappingError("product", f"family {product.get('family')!r} names no label attribute")
    with about(attribute):
        by_locale = {
            locale: _text(
                pick(product.get("values") or {}, attribute, locale, ctx.channel), locale, ctx.base
            )
            for locale in ctx.languages
        }
    try:
        names, missing = labels_with_fallback(by_locale, ctx.languages)
    except NoLabel:
        raise MappingError("product", f"no label in any locale (attribute {attribute})") from None
    warnings = []
    if missing:
        source = next(locale for locale in ctx.languages if locale not in missing)
        warnings.append(
            (
                "product",
                f"no label in {', '.join(missing)} (attribute {attribute}): "
                f"the {source} label is used",
            )
        )
    return names, warnings


def _text(value: Any, locale: str, base: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, Mapping) and "code" in value:
        return label(value.get("labels"), locale, base, str(value["code"]))
    if isinstance(value, list):
        return ", ".join(_text(item, locale, base) for item in value)
    return str(value)


def _price(
    values: Mapping[str, Any], attribute: str, currency: str, ctx: ProductContext, required: bool
) -> str:
    prices = pick(values, attribute, ctx.base, ctx.channel)
    if not isinstance(prices, Mapping) or currency not in prices:
        if not required:
            return "0.00"  # an emptied list price is cleared
        have = sorted(prices) if isinstance(prices, Mapping) else []
        raise MappingError(
            "price" if required else "list_price",
            f"no price in {currency} (Akeneo has {', '.join(have) or 'none'})",
        )
    return money(prices[currency], "price" if required else "list_price")


def _whole(values: Mapping[str, Any], attribute: str, ctx: ProductContext, name: str) -> int:
    value = pick(values, attribute, ctx.base, ctx.channel)
    if value is None:
        return 0
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise MappingError(name, f"{value!r} is not a number") from None
    if number != number.to_integral_value() or number < 0:
        raise MappingError(name, f"{value} is not a whole number of at least 0")
    return int(number)


def _measure(
    values: Mapping[str, Any], attribute: str, unit: str, ctx: ProductContext, name: str
) -> Decimal:
    """A metric converted into the configured unit; 0 when the value is empty."""
    value = pick(values, attribute, ctx.base, ctx.channel)
    if value is None or not isinstance(value, Mapping) or value.get("amount") is None:
        return Decimal(0)
    family = (ctx.attributes.get(attribute) or {}).get("metric_family") or ""
    try:
        converted = ctx.converter.convert(family, value["amount"], value["unit"], unit)
    except (ValueError, InvalidOperation, ArithmeticError) as exc:
        raise MappingError(name, str(exc)) from None
    if converted < 0:
        raise MappingError(name, f"negative {name} {value['amount']} {value['unit']}")
    return converted


def _scalar_code(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return str(value.get("code")) if value.get("code") is not None else None
    return str(value)


def _company(values: Mapping[str, Any], ctx: ProductContext) -> int | None:
    mapping = ctx.mapping
    if mapping.company_attribute is None:
        return mapping.company_id
    code = _scalar_code(pick(values, mapping.company_attribute, ctx.base, ctx.channel))
    if code is None:
        raise MappingError("company_id", f"{mapping.company_attribute} is empty: no vendor")
    if code in mapping.companies:
        return mapping.companies[code]
    try:
        number = Decimal(code)
    except InvalidOperation:
        number = Decimal(-1)
    if number <= 0 or number != number.to_integral_value():
        raise MappingError("company_id", f"{code!r} is neither a vendor id nor in vendor.companies")
    return int(number)


def _taxes(values: Mapping[str, Any], ctx: ProductContext) -> list[int] | None:
    mapping = ctx.mapping
    if mapping.tax_attribute is None:
        return None if mapping.tax_ids is None else list(mapping.tax_ids)
    code = _scalar_code(pick(values, mapping.tax_attribute, ctx.base, ctx.channel))
    if code is None:
        return list(mapping.tax_ids or ())
    if code not in mapping.tax_map:
        raise MappingError("tax_ids", f"{mapping.tax_attribute} {code!r} is not in taxes.map")
    return list(mapping.tax_map[code])


def _categories(product: Mapping[str, Any], ctx: ProductContext) -> list[int]:
    codes = [code for code in product.get("categories") or () if code in ctx.category_ids]
    codes.sort(key=lambda code: ctx.category_order.get(code, 0))
    ids: list[int] = []
    for code in codes:
        if ctx.category_ids[code] not in ids:
            ids.append(ctx.category_ids[code])
    if ids:
        return ids
    if ctx.unclassified_id is not None:
        return [ctx.unclassified_id]
    raise MappingError(
        "category_ids", "the product is in no category of the channel's tree (CS-Cart needs one)"
    )


def _feature_values(
    values: Mapping[str, Any], ctx: ProductContext
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(language-neutral feature values, text feature values per locale). An empty value is
    sent as "" so that CS-Cart removes the product's value."""
    neutral: dict[str, Any] = {}
    per_locale: dict[str, dict[str, Any]] = {locale: {} for locale in ctx.languages}
    for spec in ctx.features:
        feature_id = ctx.feature_ids.get(spec.attribute)
        if feature_id is None:
            raise MappingError(
                spec.attribute, "its feature is not in CS-Cart (see the features stage)"
            )
        key = str(feature_id)
        with about(spec.attribute):
            _feature_value_into(spec, key, values, ctx, neutral, per_locale)
    return neutral, {locale: body for locale, body in per_locale.items() if body}


def _feature_value_into(
    spec: FeatureSpec,
    key: str,
    values: Mapping[str, Any],
    ctx: ProductContext,
    neutral: dict[str, Any],
    per_locale: dict[str, dict[str, Any]],
) -> None:
    """One feature's value: in `per_locale` for a text (CS-Cart keeps one per language,
    every language gets its own), else in `neutral`."""
    if spec.feature_type == "T":
        for locale in ctx.languages:
            text = _text(pick(values, spec.attribute, locale, ctx.channel), locale, ctx.base)
            per_locale[locale][key] = {"feature_type": "T", "value": text} if text else ""
        return
    data = pick(values, spec.attribute, ctx.base, ctx.channel)
    neutral[key] = _feature_value(spec, data, ctx)


def _variant_id(spec: FeatureSpec, code: str, ctx: ProductContext) -> int:
    variant_id = ctx.variant_ids.get(f"{spec.attribute}/{code}")
    if variant_id is None:
        raise MappingError(spec.attribute, f"{code!r} has no variant in CS-Cart")
    return variant_id


def _feature_value(spec: FeatureSpec, data: Any, ctx: ProductContext) -> Any:
    if data is None or data == [] or data == "":
        return ""
    kind = spec.feature_type
    if kind in ("S", "N", "E"):
        code = variant_value_code(spec, data, ctx.converter)
        return {"feature_type": kind, "variant_id": _variant_id(spec, code, ctx)}
    if kind == "M":
        items = data if isinstance(data, list) else [data]
        ids = []
        for item in items:
            variant_id = _variant_id(spec, variant_value_code(spec, item, ctx.converter), ctx)
            if variant_id not in ids:
                ids.append(variant_id)
        return {
            "feature_type": "M",
            "variants": {str(v): {"variant_id": v} for v in ids},
        }
    if kind == "C":
        if not isinstance(data, bool):
            raise MappingError(spec.attribute, f"{data!r} is not a yes/no value")
        return {"feature_type": "C", "value": "Y" if data else "N"}
    if kind == "O":
        return {"feature_type": "O", "value_int": number_text(_numeric(spec, data, ctx.converter))}
    if kind == "D":
        try:
            day = datetime.strptime(str(data)[:10], "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise MappingError(spec.attribute, f"{data!r} is not a date") from None
        return {"feature_type": "D", "value_int": int(day.timestamp())}
    raise MappingError(spec.attribute, f"feature type {kind} has no product value")


def _images(
    values: Mapping[str, Any], ctx: ProductContext, family: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    """main_pair and image_pairs from the image attributes (the family's, for `auto`), in
    order; each file once."""
    refs: list[MediaRef] = []
    seen: set[str] = set()
    for attribute in ctx.image_attributes(family):
        with about(attribute):
            found = _media_refs(attribute, pick(values, attribute, ctx.base, ctx.channel), ctx)
        for ref in found:
            if ref is None or not ref.mime_type.startswith("image/") or ref.sha256 in seen:
                continue
            seen.add(ref.sha256)
            refs.append(ref)
    if not refs:
        return {"main_pair": {}, "image_pairs": []}, []
    images = {
        "main_pair": {"position": 0, "detailed": {"image_path": refs[0].url}},
        "image_pairs": [
            {"position": index, "detailed": {"image_path": ref.url}}
            for index, ref in enumerate(refs[1:], start=1)
        ],
    }
    return images, [ref.sha256 for ref in refs]


def _media_refs(attribute: str, data: Any, ctx: ProductContext) -> list[MediaRef | None]:
    """The staged files an image or asset collection value names."""
    if data is None:
        return []
    row = ctx.attributes.get(attribute) or {}
    if row.get("type") == IMAGE or (isinstance(data, Mapping) and "code" in data):
        return [ctx.media.get(("product", data["code"]))]
    if row.get("type") in ASSET_TYPES:
        asset_family = row.get("reference_data_name") or ""
        codes = [ctx.assets.get((asset_family, asset)) for asset in data]
        return [ctx.media.get(("asset", code)) if code else None for code in codes]
    return []
