"""What the CS-Cart upload stages share: results, the run's languages, the staged tables.

The stages (categories, features, products, removals, variations) are thin shells around
the pure mapping: they read staged tables, ask the state store what was written before,
send only what changed, and remember what landed: payload hashes (change detection) and the
Akeneo code → CS-Cart id map (CS-Cart assigns ids; the map is rebuilt from CS-Cart by
product code, feature code and names when it is lost, so nothing is created twice).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pimflow.akeneo.datasets import (
    ASSETS,
    ATTRIBUTE_OPTIONS,
    ATTRIBUTES,
    CATEGORIES,
    FAMILY_VARIANTS,
    MEASUREMENT_FAMILIES,
    MEDIA,
    RECORDS,
)
from pimflow.akeneo.profile import CatalogProfile
from pimflow.akeneo.values import pick
from pimflow.cscart.config import CsCartMapping
from pimflow.cscart.defaults import CatalogMapping, resolve
from pimflow.cscart.hook import CsCartHook
from pimflow.cscart.mapping import (
    MediaRef,
    UnitConverter,
    VariantDef,
    axis_purposes,
    base_locale,
    language_map,
)
from pimflow.staging import read_rows

log = logging.getLogger(__name__)


# Entities of the id map and of the payload hashes.
PRODUCT = "product"
PRODUCT_TEXT = "product_text"  # key: "<product key>|<lang_code>"
PRODUCT_IMAGES = "product_images"
CATEGORY = "category"
CATEGORY_TEXT = "category_text"
FEATURE = "feature"
FEATURE_TEXT = "feature_text"
FEATURE_VARIANT = "feature_variant"  # key: "<attribute>/<option, record or number>"
VARIATION_GROUP = "variation_group"  # key: root product model code
VARIATION_SUBMODEL = "variation_submodel"  # key: sub-model code → its root's group
VARIATION_MEMBER = "variation_member"  # hash only: the group a product was put into

REMOVED = "removed"  # the hash of something pimflow disabled because Akeneo lost it


def plan_view(
    core: Mapping[str, Any] | None, texts: Mapping[str, Any] | None = None, **parts: Any
) -> dict[str, Any] | None:
    """One item's payloads as the plan compares them: the core's fields, each language's
    texts under `texts.<lang_code>`, and any other part by name; None if nothing is known
    (the plan then shows every field as new)."""
    if core is None and not texts and all(part is None for part in parts.values()):
        return None
    view: dict[str, Any] = dict(core or {})
    if texts:
        view["texts"] = dict(texts)
    view.update({name: part for name, part in parts.items() if part is not None})
    return view


def target_name(hook: CsCartHook) -> str:
    """The state store's name for this shop (ids are only meaningful within one shop)."""
    return f"cscart:{hook.base}"


# -- the run's languages --------------------------------------------------------------------


@dataclass(frozen=True)
class Languages:
    by_locale: dict[str, str]  # Akeneo locale -> CS-Cart lang_code
    base: str  # the base locale

    @property
    def base_lang(self) -> str:
        return self.by_locale[self.base]

    def others(self) -> dict[str, str]:
        """CS-Cart language -> locale, for every language but the base one."""
        return {lang: locale for locale, lang in self.by_locale.items() if locale != self.base}


def load_languages(hook: CsCartHook, locales: list[str], mapping: CsCartMapping) -> Languages:
    shop = hook.languages()
    by_locale = language_map(locales, shop, mapping.locale_map)
    unmatched = [locale for locale in locales if locale not in by_locale]
    if unmatched:
        log.warning(
            "Akeneo locales %s match no CS-Cart language (it has %s): their texts are not synced",
            unmatched,
            sorted(shop),
        )
    return Languages(by_locale, base_locale(by_locale, mapping.base_locale))


# -- staged tables --------------------------------------------------------------------------


def load_attribute_rows(folder: Any) -> dict[str, dict[str, Any]]:
    return {row["code"]: row for row in read_rows(folder, ATTRIBUTES)}


def load_converter(folder: Any) -> UnitConverter:
    return UnitConverter(list(read_rows(folder, MEASUREMENT_FAMILIES)))


def load_axes(folder: Any, mapping: CsCartMapping) -> dict[str, str]:
    if not mapping.variations:
        return {}
    return axis_purposes(read_rows(folder, FAMILY_VARIANTS), mapping)


def load_options(folder: Any, attributes: Iterable[str]) -> dict[str, list[VariantDef]]:
    wanted = set(attributes)
    rows = [row for row in read_rows(folder, ATTRIBUTE_OPTIONS) if row["attribute"] in wanted]
    rows.sort(key=lambda r: (r["attribute"], r.get("sort_order") or 0, r["code"]))
    options: dict[str, list[VariantDef]] = {code: [] for code in wanted}
    for row in rows:
        options[row["attribute"]].append(
            VariantDef(row["code"], dict(row.get("labels") or {}), row.get("sort_order") or 0)
        )
    return options


def load_records(
    folder: Any, entities: Iterable[str], label_attribute: str
) -> dict[str, list[VariantDef]]:
    """The staged records of the given reference entities, labelled per locale."""
    wanted = set(entities)
    records: dict[str, list[VariantDef]] = {entity: [] for entity in wanted}
    for row in read_rows(folder, RECORDS):
        entity = row["reference_entity"]
        if entity not in wanted:
            continue
        labels = {
            entry["locale"]: str(entry["data"])
            for entry in (row.get("values") or {}).get(label_attribute, [])
            if entry.get("locale") and entry.get("data") not in (None, "")
        }
        records[entity].append(VariantDef(row["code"], labels))
    for items in records.values():
        items.sort(key=lambda v: v.code)
    return records


def load_category_rows(
    folder: Any, tree: str | None, mapping: CsCartMapping
) -> list[dict[str, Any]]:
    """The channel's categories that become CS-Cart categories, parents first. Without
    include_root, the tree's root is left out and its children are top-level."""
    rows = []
    for row in read_rows(folder, CATEGORIES):
        if row.get("parent") is None and not mapping.include_root:
            continue
        rows.append(row)
    return rows


def load_catalog(folder: Any, mapping: CsCartMapping) -> CatalogMapping:
    """The mapping as it applies to the staged catalog (`auto` answered, defaults the
    catalog lacks dropped); akeneo.structure checked it already (CsCartTarget.check_mapping)."""
    return resolve(mapping, CatalogProfile.from_folder(folder))


def load_media(folder: Any, urls: Any) -> dict[tuple[str, str], MediaRef]:
    """(kind, code) → the staged file's hash and URL (image files only: CS-Cart refuses
    anything else as a product image)."""
    media: dict[tuple[str, str], MediaRef] = {}
    for row in read_rows(folder, MEDIA):
        mime = row.get("mime_type") or ""
        if not mime.startswith("image/"):
            continue
        media[(row["kind"], row["code"])] = MediaRef(
            row["sha256"], urls.url(row["sha256"], row["path"]), mime
        )
    return media


def load_assets(
    folder: Any, families: Iterable[str], file_attribute: str, locale: str, channel: str
) -> dict[tuple[str, str], str]:
    """(asset family, asset code) → the media file code of the asset's file attribute."""
    wanted = set(families)
    assets: dict[tuple[str, str], str] = {}
    if not wanted:
        return assets
    for row in read_rows(folder, ASSETS):
        if row["asset_family"] not in wanted:
            continue
        data = pick(row.get("values") or {}, file_attribute, locale, channel)
        if isinstance(data, Mapping) and data.get("code"):
            assets[(row["asset_family"], row["code"])] = str(data["code"])
    return assets
