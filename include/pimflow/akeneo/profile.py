"""What a catalog's own structure says about it, for defaults that fit any Akeneo.

A stranger's PIM does not use our demo's attribute codes. But every Akeneo family names its
label attribute (`attribute_as_label`) and its main image (`attribute_as_image`), and the
attribute list says which attributes are prices, metrics, selects, images and asset
collections. Targets take their defaults from here, and check a user's mapping against it
before anything is written (`check_attribute`: the reason, with "did you mean …").
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pimflow.akeneo.values import ASSET_TYPES, AttributeInfo

IMAGE_TYPES = frozenset({"pim_catalog_image"})
PRICE_TYPES = frozenset({"pim_catalog_price_collection"})
METRIC_TYPES = frozenset({"pim_catalog_metric"})
NUMBER_TYPES = frozenset({"pim_catalog_number"})
BOOLEAN_TYPES = frozenset({"pim_catalog_boolean"})
SIMPLE_SELECT_TYPES = frozenset({"pim_catalog_simpleselect"})
REFERENCE_SINGLE_TYPES = frozenset({"akeneo_reference_entity", "pim_reference_data_simpleselect"})
TEXT_TYPES = frozenset({"pim_catalog_text", "pim_catalog_textarea", "pim_catalog_identifier"})
# The types Akeneo allows as variant axes (family variants' `axes`).
AXIS_TYPES = SIMPLE_SELECT_TYPES | REFERENCE_SINGLE_TYPES | METRIC_TYPES | BOOLEAN_TYPES


@dataclass(frozen=True)
class Family:
    code: str
    attribute_as_label: str | None
    attribute_as_image: str | None
    attributes: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Family:
        """From a staged (or API) family row."""
        return cls(
            row["code"],
            row.get("attribute_as_label") or None,
            row.get("attribute_as_image") or None,
            tuple(row.get("attributes") or ()),
        )


@dataclass(frozen=True)
class CatalogProfile:
    attributes: Mapping[str, AttributeInfo]
    families: Mapping[str, Family] = field(default_factory=dict)
    # The family variants as Akeneo gives them (code, family, variant_attribute_sets).
    family_variants: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_rows(
        cls,
        attributes: Iterable[Mapping[str, Any]],
        families: Iterable[Mapping[str, Any]],
        family_variants: Iterable[Mapping[str, Any]] = (),
    ) -> CatalogProfile:
        """From the staged (or API) attribute, family and family variant rows."""
        return cls(
            family_variants=tuple(family_variants),
            attributes={row["code"]: AttributeInfo.from_api(row) for row in attributes},
            families={row["code"]: Family.from_row(row) for row in families},
        )

    @classmethod
    def from_folder(cls, folder: Any) -> CatalogProfile:
        from pimflow.akeneo.datasets import ATTRIBUTES, FAMILIES, FAMILY_VARIANTS
        from pimflow.staging import read_rows

        return cls.from_rows(
            read_rows(folder, ATTRIBUTES),
            read_rows(folder, FAMILIES),
            read_rows(folder, FAMILY_VARIANTS),
        )

    def of_types(self, types: Iterable[str]) -> list[str]:
        """The attributes of these types, by code."""
        wanted = frozenset(types)
        return sorted(code for code, info in self.attributes.items() if info.type in wanted)

    def label_attribute(self, family: str | None) -> str | None:
        info = self.families.get(family or "")
        return info.attribute_as_label if info else None

    def image_attributes(self, family: str | None) -> list[str]:
        """The family's main image (`attribute_as_image`) first, then its other image and
        asset collection attributes in the family's order."""
        info = self.families.get(family or "")
        if info is None:
            return []
        media = IMAGE_TYPES | ASSET_TYPES
        ordered = [info.attribute_as_image] if info.attribute_as_image else []
        ordered += [
            code
            for code in info.attributes
            if code not in ordered
            and code in self.attributes
            and self.attributes[code].type in media
        ]
        return [code for code in ordered if code in self.attributes]

    def check_attribute(self, code: str, types: Iterable[str] | None = None) -> str | None:
        """Why `code` cannot be used where an attribute of `types` is wanted; None if it can.

        The reason says what exists instead: the near misses by name ("did you mean"), and
        for a wrong type, the attributes of the wanted types."""
        wanted = frozenset(types) if types is not None else None
        info = self.attributes.get(code)
        if info is None:
            candidates = list(self.attributes) if wanted is None else self.of_types(wanted)
            close = difflib.get_close_matches(code, candidates or list(self.attributes), n=3)
            hint = f"; did you mean {_either(close)}?" if close else _listing(candidates)
            return f"Akeneo has no attribute {code!r}{hint}"
        if wanted is not None and info.type not in wanted:
            fitting = self.of_types(wanted)
            return (
                f"attribute {code!r} is a {info.type}, not a {_either(sorted(wanted))}"
                + _listing(fitting)
            )
        return None


def _either(items: list[str]) -> str:
    quoted = [repr(item) if not item.startswith("pim_") else item for item in items]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _listing(codes: list[str], limit: int = 8) -> str:
    if not codes:
        return ""
    shown = ", ".join(codes[:limit]) + (" …" if len(codes) > limit else "")
    return f" (attributes of that kind: {shown})"


class NoLabel(ValueError):
    """A product or model whose label attribute is empty in every locale of the run."""


def labels_with_fallback(
    by_locale: Mapping[str, Any], locales: Iterable[str]
) -> tuple[dict[str, str], list[str]]:
    """The label for each of `locales`, and the locales that had none of their own.

    The one rule of both targets for an empty label (None, "" or only spaces): the locale
    gets the label of the first of `locales` (the run's order, the channel's) that has
    one, and is listed so that the report warns about it per product and locale. With no
    label in any locale, NoLabel: the product is refused, never named by its identifier
    behind the user's back."""
    ordered = list(locales)
    own = {
        locale: str(by_locale[locale]).strip()
        for locale in ordered
        if by_locale.get(locale) is not None and str(by_locale[locale]).strip()
    }
    if not own:
        raise NoLabel("no label in any locale")
    first = next(own[locale] for locale in ordered if locale in own)
    missing = [locale for locale in ordered if locale not in own]
    return {locale: own.get(locale, first) for locale in ordered}, missing
