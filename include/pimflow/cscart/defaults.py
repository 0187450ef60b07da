"""The CS-Cart mapping against one catalog: `auto` answered by its structure, and checked.

A stranger's Akeneo has its own attribute codes, so the default mapping names as few as
it can: `texts.product: auto` is each family's `attribute_as_label` (a product model's:
its family's), `images.attributes: auto` each family's image and asset collection
attributes (`attribute_as_image` first), `price.attribute: auto` the catalog's one price
collection. The defaults that still name a code (`weight.attribute: weight`,
`features.brand: brand`) are skipped, with a note, where the catalog lacks them.

What the user's file wrote (`CsCartMapping.wrote`) is held to it: a code Akeneo lacks,
or of the wrong type, is a `MappingProblem`, and the run is refused in akeneo.structure
before any shop write (pimflow/pipeline/context.py). Pure: the mapping and a
CatalogProfile in, a `CatalogMapping` out; the stages resolve the same way, so what the
check said is what they do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pimflow.akeneo.profile import (
    IMAGE_TYPES,
    METRIC_TYPES,
    NUMBER_TYPES,
    PRICE_TYPES,
    REFERENCE_SINGLE_TYPES,
    SIMPLE_SELECT_TYPES,
    CatalogProfile,
)
from pimflow.akeneo.values import ASSET_TYPES
from pimflow.configuration import ConfigError
from pimflow.cscart.config import AUTO, CsCartMapping
from pimflow.targets.base import MappingCheck, MappingProblem

FILE_TYPES = frozenset({"pim_catalog_file"})
MEDIA_TYPES = IMAGE_TYPES | FILE_TYPES | ASSET_TYPES
BRAND_TYPES = SIMPLE_SELECT_TYPES | REFERENCE_SINGLE_TYPES

# (key path, model field, shop field, the attribute types it takes; None: any)
_SINGLE_KEYS: tuple[tuple[str, str, str, frozenset[str] | None], ...] = (
    ("list_price.attribute", "list_price_attribute", "list_price", PRICE_TYPES),
    ("amount.attribute", "amount_attribute", "amount", NUMBER_TYPES),
    ("weight.attribute", "weight_attribute", "weight", METRIC_TYPES),
    ("vendor.attribute", "company_attribute", "company_id", None),
    ("taxes.attribute", "tax_attribute", "tax_ids", None),
    ("features.brand", "brand_attribute", "brand feature (E)", BRAND_TYPES),
)


@dataclass(frozen=True)
class CatalogMapping:
    """The mapping as it applies to one catalog."""

    mapping: CsCartMapping  # `price: auto` answered, inapplicable defaults dropped
    labels: Mapping[str, str] = field(default_factory=dict)  # family → label attribute
    images: Mapping[str, tuple[str, ...]] | None = None  # family → images (None: the file's)
    check: MappingCheck = field(default_factory=lambda: MappingCheck("(the default mapping)"))

    def label_attribute(self, family: str | None) -> str | None:
        """The attribute a product of `family` is named by."""
        named = self.mapping.texts.get("product")
        if named != AUTO:
            return named
        return self.labels.get(family or "")

    def image_attributes(self, family: str | None) -> tuple[str, ...]:
        """The attributes a product of `family` takes its images from, in order."""
        if self.images is None:
            return tuple(self.mapping.image_attributes or ())
        return self.images.get(family or "", ())

    def all_image_attributes(self) -> tuple[str, ...]:
        if self.images is None:
            return tuple(self.mapping.image_attributes or ())
        return tuple(dict.fromkeys(code for codes in self.images.values() for code in codes))


class _Checker:
    """Collects problems (keys the user wrote) and notes (defaults that do not apply)."""

    def __init__(self, mapping: CsCartMapping, profile: CatalogProfile, source: str) -> None:
        self.mapping = mapping
        self.profile = profile
        self.check = MappingCheck(source)

    def usable(self, key: str, code: str, types: Iterable[str] | None) -> bool:
        """Whether `code` can serve `key`; if not, a problem or a note says why."""
        reason = self.profile.check_attribute(code, types)
        if reason is None:
            return True
        if self.mapping.wrote(key):
            self.check.problems.append(MappingProblem(key, code, reason))
        else:
            self.check.notes.append(f"{key}: the default {code!r} is skipped: {reason}")
        return False


def resolve(
    mapping: CsCartMapping, profile: CatalogProfile, source: str = "(the default mapping)"
) -> CatalogMapping:
    """The mapping for this catalog, with what was wrong (problems), what was skipped
    (notes) and where each shop field comes from (resolved)."""
    checker = _Checker(mapping, profile, source)
    check, update = checker.check, {}
    used: dict[str, str] = {}

    # The name and the other texts.
    labels: dict[str, str] = {}
    texts = dict(mapping.texts)
    for name, code in mapping.texts.items():
        if code == AUTO:
            continue
        if not checker.usable(f"texts.{name}", code, None):
            texts.pop(name)
    if texts.get("product") == AUTO:
        for family, info in sorted(profile.families.items()):
            if info.attribute_as_label and info.attribute_as_label in profile.attributes:
                labels[family] = info.attribute_as_label
                used.setdefault(info.attribute_as_label, "texts.product")
            else:
                check.notes.append(
                    f"texts.product: family {family} has no label attribute: its products "
                    "are refused"
                )
        check.resolved["product"] = _per_family(labels) or "(no family has a label)"
    elif "product" in texts:
        check.resolved["product"] = texts["product"]
    for name, code in texts.items():
        if name != "product":
            check.resolved[name] = code
    update["texts"] = texts

    # The price: named, or the catalog's one price collection.
    price = mapping.price_attribute
    if price == AUTO:
        prices = profile.of_types(PRICE_TYPES)
        if len(prices) == 1:
            price = prices[0]
        else:
            listing = ", ".join(prices) if prices else "none"
            check.problems.append(
                MappingProblem(
                    "price.attribute",
                    AUTO,
                    f"the catalog has {len(prices)} price collection attributes ({listing}): "
                    "name the one CS-Cart's price comes from",
                )
            )
    elif not checker.usable("price.attribute", price, PRICE_TYPES):
        price = AUTO
    update["price_attribute"] = price
    if price != AUTO:
        check.resolved["price"] = f"{price} ({mapping.price_currency})"

    # Single attributes: a default the catalog lacks is dropped (weight, brand).
    for key, name, shop_field, types in _SINGLE_KEYS:
        code = getattr(mapping, name)
        if code is None:
            continue
        if checker.usable(key, code, types):
            check.resolved[shop_field] = code
        else:
            update[name] = None
    dimensions = {}
    for name, code in mapping.dimensions.items():
        if checker.usable(f"dimensions.{name}", code, METRIC_TYPES):
            dimensions[name] = code
            check.resolved[name] = code
    update["dimensions"] = dimensions

    # Images: the file's list, or each family's.
    images: dict[str, tuple[str, ...]] | None = None
    if mapping.image_attributes is None:
        images = {family: tuple(profile.image_attributes(family)) for family in profile.families}
        for codes in images.values():
            for code in codes:
                used.setdefault(code, "images.attributes")
        check.resolved["main_pair, image_pairs"] = _per_family(
            {family: ", ".join(codes) for family, codes in images.items() if codes}
        )
    else:
        kept = tuple(
            code
            for code in mapping.image_attributes
            if checker.usable("images.attributes", code, MEDIA_TYPES)
        )
        update["image_attributes"] = kept
        check.resolved["main_pair, image_pairs"] = ", ".join(kept) or "(none)"

    # Features: each named attribute must exist (plan_features says what else is wrong).
    if mapping.feature_attributes is not None:
        update["feature_attributes"] = tuple(
            code
            for code in mapping.feature_attributes
            if checker.usable("features.attributes", code, None)
        )
    types = {
        code: kind
        for code, kind in mapping.feature_types.items()
        if checker.usable(f"features.types.{code}", code, None)
    }
    update["feature_types"] = types

    resolved = mapping.with_catalog(update, used)
    _check_features(resolved, profile, check)
    return CatalogMapping(resolved, labels, images, check)


def _check_features(mapping: CsCartMapping, profile: CatalogProfile, check: MappingCheck) -> None:
    """What plan_features would refuse (a type no feature can hold, a wrong feature type),
    said before the run writes anything."""
    from pimflow.cscart.mapping import axis_purposes, plan_features

    rows = {code: attribute_row(info) for code, info in profile.attributes.items()}
    axes = axis_purposes(profile.family_variants, mapping) if mapping.variations else {}
    try:
        specs = plan_features(rows, mapping, axes)
    except ConfigError as exc:
        attribute = next((code for code in rows if repr(code) in exc.reason), "")
        attribute = attribute or exc.reason.split(" ", 1)[0]
        check.problems.append(MappingProblem(exc.key, attribute, exc.reason))
        return
    if specs:
        check.resolved["product_features"] = ", ".join(spec.attribute for spec in specs)


def attribute_row(info: Any) -> dict[str, Any]:
    """A profile's AttributeInfo as the staged attribute row plan_features reads."""
    return {
        "code": info.code,
        "type": info.type,
        "labels": {},
        "localizable": info.localizable,
        "scopable": info.scopable,
        "reference_data_name": info.reference_data_name,
        "metric_family": info.metric_family,
        "default_metric_unit": info.default_metric_unit,
    }


def _per_family(by_family: Mapping[str, str]) -> str:
    """`title` when every family agrees, else `family: code; …`."""
    distinct = sorted(set(by_family.values()))
    if len(distinct) == 1:
        return distinct[0]
    return "; ".join(f"{family}: {code}" for family, code in sorted(by_family.items()))


def check_mapping(mapping: CsCartMapping, source: str, profile: CatalogProfile) -> MappingCheck:
    """CsCartTarget.check_mapping: the mapping against the catalog, before any write."""
    return resolve(mapping, profile, source).check
