"""The staged canonical catalog → Shopware 6 payloads. Pure: dicts in, dicts out.

Ids are uuid5 of a fixed namespace and `entity:code` (hex, as Shopware writes ids), so
every write is an upsert of the same row: re-runs, retries and backfills never duplicate.

Each product payload comes with the ids of what it links to (`relations`), so the writer
can delete, in the same sync call, the links Akeneo no longer has (a category, a property,
an image, a sales channel, a variant option): Shopware's upserts add links, never remove.

Variants: a root product model becomes a parent product; variant products become its
children (`parentId`, `options` from the family variant's axes of every level), with the
sub-model's values already merged in (Akeneo returns a variant's inherited values).
Wherever a variant's value equals its parent's, the variant leaves it empty, so Shopware's
inheritance shows the parent's, and a change on the model is written once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache
from typing import Any

from pimflow.akeneo.profile import CatalogProfile, Family, NoLabel, labels_with_fallback
from pimflow.akeneo.units import UnitError, convert, family_of_unit
from pimflow.akeneo.values import (
    ASSET_TYPES,
    MEDIA_TYPES,
    MULTI_SELECT_TYPES,
    SELECT_TYPES,
    AttributeInfo,
    pick,
)
from pimflow.errors import MappingError
from pimflow.shopware6.config import AUTO, METRIC_UNITS, Shopware6Mapping, resolve

# Fixed forever: changing it would give every entity a new id in every shop.
NAMESPACE = uuid.UUID("6f0c4f5e-8a53-4d1e-9a2b-6d1f3c5e7a90")
OPTION_TYPES = frozenset({"pim_catalog_simpleselect", "pim_catalog_multiselect"})
CUSTOM_FIELD_PREFIX = "pimflow_"
RELATIONS = ("categories", "properties", "options", "media", "visibilities", "configurator")
# A boolean axis's option labels, by the language of the locale (else English).
YES_NO = {"de": ("Ja", "Nein"), "fr": ("Oui", "Non"), "en": ("Yes", "No")}


@lru_cache(maxsize=8192)
def shopware_id(entity: str, code: str) -> str:
    # Cached: the same option, category, group and currency ids come back for every
    # product (uuid5 was a fifth of an unchanged rerun's products stage); unique product
    # ids pass through the cache without pushing out those that recur.
    return uuid.uuid5(NAMESPACE, f"{entity}:{code}").hex


def product_id(product: Mapping[str, Any]) -> str:
    """By Akeneo's uuid when there is one: it survives a change of identifier."""
    if product.get("uuid"):
        return shopware_id("product", product["uuid"])
    return shopware_id("product", product["identifier"])


def model_product_id(model_code: str) -> str:
    return shopware_id("product", f"model:{model_code}")


def category_id(code: str) -> str:
    return shopware_id("category", code)


def property_group_id(attribute: str) -> str:
    return shopware_id("property_group", attribute)


def option_id(attribute: str, option: str) -> str:
    return shopware_id("property_group_option", f"{attribute}:{option}")


def manufacturer_id(source: str, code: str) -> str:
    return shopware_id("product_manufacturer", f"{source}:{code}")


def media_id(sha256: str) -> str:
    """By content: one file is one media entity, however many products show it."""
    return shopware_id("media", sha256)


@dataclass(frozen=True)
class ShopContext:
    """What the mapping needs to know of the shop (looked up once per run)."""

    default_currency: str  # ISO code, e.g. "EUR"
    currency_ids: Mapping[str, str]  # ISO code -> currency id
    language_ids: Mapping[str, str]  # Akeneo locale -> language id
    default_language_id: str
    tax_ids: Mapping[Decimal, str]  # rate -> tax id
    sales_channel_ids: Mapping[str, str] = field(default_factory=dict)  # name -> id
    # The run's Akeneo locales in the channel's order: the order of the empty-label fallback
    # (empty: language_ids' order).
    locales: tuple[str, ...] = ()


@dataclass
class Catalog:
    """What mapping a product needs from the staged structure (loaded once per task)."""

    channel: str
    attributes: Mapping[str, AttributeInfo]
    attribute_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    family_attributes: Mapping[str, list[str]] = field(default_factory=dict)
    family_variants: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    measurement_families: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    media: Mapping[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)
    asset_files: Mapping[tuple[str, str], list[str]] = field(default_factory=dict)
    category_codes: frozenset[str] = frozenset()
    # Families with their label and image attributes (the defaults `auto` stands for).
    families: Mapping[str, Family] = field(default_factory=dict)

    @cached_property
    def profile(self) -> CatalogProfile:
        return CatalogProfile(self.attributes, self.families)

    def axes(self, family_variant: str | None) -> list[str]:
        """Every level's axes of a family variant (a variant's options in Shopware)."""
        variant = self.family_variants.get(family_variant or "") or {}
        sets = sorted(variant.get("variant_attribute_sets") or [], key=lambda s: s.get("level", 0))
        return [axis for attribute_set in sets for axis in attribute_set.get("axes") or []]


@dataclass
class MappedProduct:
    key: str  # the Shopware product id
    identifier: str  # what errors name: the identifier, or the model code
    payload: dict[str, Any]
    relations: dict[str, list[str]]
    media: list[dict[str, Any]]  # media files to upload first: sha256, path, filename, mime
    # (field, reason): written, but the report warns (a label taken from another locale)
    warnings: list[tuple[str, str]] = field(default_factory=list)


# -- structure entities -------------------------------------------------------------------
def translations_of(labels: Mapping[str, str], shop: ShopContext, fallback: str) -> dict[str, Any]:
    """Akeneo labels per locale → Shopware translations {language id: {"name": ...}}; the
    default language always gets a name (Shopware requires one)."""
    result = {
        language: {"name": labels.get(locale) or None}
        for locale, language in shop.language_ids.items()
    }
    default = result.setdefault(shop.default_language_id, {"name": None})
    if not default["name"]:
        default["name"] = next((t["name"] for t in result.values() if t["name"]), None) or fallback
    return result


def map_category(row: Mapping[str, Any], shop: ShopContext) -> dict[str, Any]:
    return {
        "id": category_id(row["code"]),
        "parentId": category_id(row["parent"]) if row.get("parent") else None,
        "active": True,
        "translations": translations_of(row.get("labels") or {}, shop, row["code"]),
    }


def map_property_group(
    attribute: str,
    labels: Mapping[str, str],
    options: Iterable[Mapping[str, Any]],
    shop: ShopContext,
) -> dict[str, Any]:
    return {
        "id": property_group_id(attribute),
        "displayType": "text",
        "sortingType": "position",
        "filterable": True,
        "translations": translations_of(labels, shop, attribute),
        "options": [
            {
                "id": option_id(attribute, option["code"]),
                "position": option.get("sort_order") or index,
                "translations": translations_of(option.get("labels") or {}, shop, option["code"]),
            }
            for index, option in enumerate(options, start=1)
        ],
    }


def map_manufacturer(
    source: str, code: str, labels: Mapping[str, str], shop: ShopContext
) -> dict[str, Any]:
    return {
        "id": manufacturer_id(source, code),
        "translations": translations_of(labels, shop, code),
    }


# -- products -----------------------------------------------------------------------------
def _money(value: Decimal, decimals: int = 2) -> float:
    return float(value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def map_prices(
    prices: Mapping[str, str] | None, tax_rate: Decimal, shop: ShopContext, gross: bool
) -> list[dict[str, Any]]:
    """Akeneo's price collection → Shopware `price`, one entry per currency the shop has.

    The amount entered in Akeneo is gross (or net, by configuration); the other is computed
    from the tax rate and `linked` is set, as the Administration does for computed prices.
    """
    if not prices or shop.default_currency not in prices:
        raise MappingError(
            "price",
            f"no price in the shop's default currency {shop.default_currency} "
            f"(Akeneo has {sorted(prices or {}) or 'none'})",
        )
    factor = 1 + tax_rate / 100
    result = []
    for currency, amount_text in sorted(prices.items()):
        currency_id = shop.currency_ids.get(currency)
        if currency_id is None:
            continue  # a currency the shop does not sell in
        amount = Decimal(amount_text)
        if amount < 0:
            raise MappingError("price", f"negative amount {amount_text} {currency}")
        net, gross_amount = (amount / factor, amount) if gross else (amount, amount * factor)
        result.append(
            {
                "currencyId": currency_id,
                "gross": _money(gross_amount),
                "net": _money(net),
                "linked": True,
            }
        )
    return result


def _amount_text(amount: Any) -> str:
    """46, "46", "46.0000" → "46": one value, one option id, however Akeneo wrote it."""
    return format(Decimal(str(amount)).normalize(), "f")


def option_codes(info: AttributeInfo | None, data: Any) -> list[str]:
    """The option codes a select, multi-select, record, metric or boolean value stands for
    (a variant's axis value or a property); an unexpected shape raises."""
    if data is None:
        return []
    kind = info.type if info else ""
    if kind == "pim_catalog_metric":
        if data["amount"] is None:
            return []
        return [f"{_amount_text(data['amount'])} {data['unit']}"]
    if kind == "pim_catalog_boolean":
        if not isinstance(data, bool):
            raise ValueError(f"expected a boolean, got {data!r}")
        return ["true" if data else "false"]
    if isinstance(data, str):
        return [data]  # a record code
    if isinstance(data, list):
        return [o if isinstance(o, str) else o["code"] for o in data]
    return [data["code"]]


def axis_option(
    info: AttributeInfo,
    data: Any,
    locales: Iterable[str],
    measurement_families: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any] | None:
    """A metric or boolean axis value as a property group option row (the shape of an
    Akeneo attribute option: code, labels), labelled as people read it: "46 in", "Ja"."""
    codes = option_codes(info, data)
    if not codes:
        return None
    if info.type == "pim_catalog_boolean":
        labels = {
            locale: YES_NO.get(locale.split("_")[0], YES_NO["en"])[0 if data else 1]
            for locale in locales
        }
    else:
        family = family_of_unit(measurement_families, data["unit"]) or {}
        unit = (family.get("units") or {}).get(data["unit"]) or {}
        text = f"{_amount_text(data['amount'])} {unit.get('symbol') or data['unit']}"
        labels = dict.fromkeys(locales, text)
    return {"code": codes[0], "labels": labels}


def _custom_value(attribute: AttributeInfo, data: Any) -> Any:
    kind = attribute.type
    if kind == "pim_catalog_number":
        return float(Decimal(data))
    if kind == "pim_catalog_metric":
        return {
            "amount": None if data["amount"] is None else float(Decimal(data["amount"])),
            "unit": data["unit"],
        }
    if kind in ("pim_catalog_price_collection", "pim_catalog_price"):
        return {currency: float(Decimal(amount)) for currency, amount in data.items()}
    if kind in SELECT_TYPES:
        return data["code"]
    if kind in MULTI_SELECT_TYPES:
        return [o["code"] for o in data]
    return data  # text, boolean, date, record codes, table rows: JSON as they are


class mapping_field:  # noqa: N801 - used as a function: `with mapping_field(...)`
    """Whatever goes wrong mapping one field (a value of a shape nobody expected) is that
    product's MappingError, naming the field and the attribute: the product is reported
    and skipped, the rest of the stage lands. A class, not a @contextmanager: it wraps
    ~20 fields of every product, and a generator per field was a tenth of the mapping."""

    __slots__ = ("attribute", "field_name")

    def __init__(self, field_name: str, attribute: str | None = None) -> None:
        self.field_name = field_name
        self.attribute = attribute

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, traceback) -> bool:  # noqa: ANN001
        if exc is None or isinstance(exc, MappingError) or not isinstance(exc, Exception):
            return False
        where = f"attribute {self.attribute!r}: " if self.attribute else ""
        raise MappingError(
            self.field_name, f"{where}cannot map the value ({type(exc).__name__}: {exc})"
        ) from exc


class ProductMapper:
    """Maps simple products, product models (parents) and variant products."""

    def __init__(
        self,
        catalog: Catalog,
        shop: ShopContext,
        mapping: Shopware6Mapping,
    ) -> None:
        self.catalog = catalog
        self.shop = shop
        # Defaults the catalog lacks dropped, `auto` resolved where it is one attribute.
        self.mapping = mapping = resolve(mapping, catalog.profile)[0]
        mapped = mapping.mapped_attributes()
        if mapping.translations.get("name") == AUTO:
            mapped |= {f.attribute_as_label for f in catalog.families.values()} - {None}
        if mapping.media_attributes is None:
            mapped |= {a for f in catalog.families for a in catalog.profile.image_attributes(f)}
        attributes = catalog.attributes
        self.properties = (
            [a for a in mapping.properties if a in attributes]
            if mapping.properties is not None
            else sorted(
                c for c, a in attributes.items() if a.type in OPTION_TYPES and c not in mapped
            )
        )
        excluded_types = MEDIA_TYPES | ASSET_TYPES | {"pim_catalog_identifier"}
        self.custom_field_attributes = (
            [a for a in mapping.custom_fields if a in attributes]
            if mapping.custom_fields is not None
            else sorted(
                c
                for c, a in attributes.items()
                if c not in mapped and c not in self.properties and a.type not in excluded_types
            )
        )

    # -- pieces ---------------------------------------------------------------------------
    def value(
        self, values: Mapping[str, Any], attribute: str | None, locale: str | None = None
    ) -> Any:
        if not attribute:
            return None
        return pick(values, attribute, locale, self.catalog.channel)

    def tax(self, values: Mapping[str, Any]) -> tuple[Decimal, str]:
        rate = self.mapping.tax_rate
        if self.mapping.tax_attribute:
            option = self.value(values, self.mapping.tax_attribute)
            if option is not None:
                code = option["code"]
                if code not in self.mapping.tax_rates:
                    raise MappingError(
                        "taxId", f"tax class {code!r} has no rate in the mapping file"
                    )
                rate = self.mapping.tax_rates[code]
        tax_id = self.shop.tax_ids.get(rate)
        if tax_id is None:
            raise MappingError("taxId", f"the shop has no tax rate of {rate} %")
        return rate, tax_id

    def label_attribute(self, family: str | None) -> str | None:
        """The attribute the product's name comes from: the mapping's, or its family's label."""
        attribute = self.mapping.translations.get("name")
        return self.catalog.profile.label_attribute(family) if attribute == AUTO else attribute

    def translations(
        self, values: Mapping[str, Any], family: str | None, warnings: list[tuple[str, str]]
    ) -> dict[str, dict[str, Any]]:
        """Every language gets every mapped field (None where Akeneo has none), so a value
        emptied in Akeneo is emptied in the shop. The name follows labels_with_fallback:
        an empty locale takes the first run locale's label (and `warnings` says so); no
        label in any locale refuses the product."""
        fields = dict(self.mapping.translations)
        translations = {}
        for locale, language in sorted(self.shop.language_ids.items()):
            translations[language] = {}
            for shop_field, attribute in fields.items():
                if shop_field != "name":
                    with mapping_field(shop_field, attribute):
                        translations[language][shop_field] = self.value(values, attribute, locale)
        if "name" in fields:
            self._names(values, family, translations, warnings)
        return translations

    def _names(
        self,
        values: Mapping[str, Any],
        family: str | None,
        translations: dict[str, dict[str, Any]],
        warnings: list[tuple[str, str]],
    ) -> None:
        attribute = self.label_attribute(family)
        if not attribute:
            raise MappingError(
                "name", f"its family {family!r} has no label attribute: map translations.name"
            )
        locales = list(self.shop.locales or self.shop.language_ids)
        locales += [locale for locale in self.shop.language_ids if locale not in locales]
        with mapping_field("name", attribute):
            by_locale = {locale: self.value(values, attribute, locale) for locale in locales}
        try:
            names, missing = labels_with_fallback(by_locale, locales)
        except NoLabel:
            raise MappingError("name", f"no label in any locale (attribute {attribute})") from None
        source = next(locale for locale in locales if locale not in missing)
        for locale, language in self.shop.language_ids.items():
            translations[language]["name"] = names[locale]
        shown = [locale for locale in missing if locale in self.shop.language_ids]
        if shown:
            warnings.append(
                (
                    "name",
                    f"no label in {', '.join(shown)} (attribute {attribute}): "
                    f"the {source} label {names[source]!r} is used",
                )
            )
        default = translations.setdefault(
            self.shop.default_language_id, dict.fromkeys(self.mapping.translations)
        )
        if not default.get("name"):  # Shopware's default language always gets a name
            default["name"] = names[source]

    def metric(self, values: Mapping[str, Any], shop_field: str, attribute: str) -> float | None:
        data = self.value(values, attribute)
        if not data or data.get("amount") is None:
            return None
        target = METRIC_UNITS[shop_field]
        family = family_of_unit(self.catalog.measurement_families, data["unit"])
        if family is None:
            raise MappingError(shop_field, f"unit {data['unit']} is in no measurement family")
        try:
            return float(convert(Decimal(data["amount"]), data["unit"], target, family))
        except UnitError as exc:
            raise MappingError(
                shop_field, f"cannot convert {data['unit']} to {target}: {exc}"
            ) from None

    def manufacturer(self, values: Mapping[str, Any]) -> str | None:
        attribute = self.mapping.manufacturer
        data = self.value(values, attribute)
        if data is None:
            return None
        info = self.catalog.attributes[attribute]
        if info.type in SELECT_TYPES:
            return manufacturer_id(attribute, data["code"])
        return manufacturer_id(info.reference_data_name or attribute, data)  # a record code

    def media_attributes(self, family: str | None) -> list[str]:
        """The mapping's media attributes, or (auto) the family's images, main one first."""
        if self.mapping.media_attributes is not None:
            return self.mapping.media_attributes
        return self.catalog.profile.image_attributes(family)

    def media_files(self, values: Mapping[str, Any], family: str | None) -> list[dict[str, Any]]:
        """The files of the media attributes, in the mapping's order, each once."""
        files, seen = [], set()
        for attribute in self.media_attributes(family):
            info = self.catalog.attributes.get(attribute)
            data = self.value(values, attribute)
            if info is None or data is None:
                continue
            if info.type in MEDIA_TYPES:
                codes = [("product", data["code"])]
            else:  # an asset collection: each asset's file
                codes = [
                    ("asset", code)
                    for asset in data
                    for code in self.catalog.asset_files.get(
                        (info.reference_data_name or "", asset), []
                    )
                ]
            for key in codes:
                entry = self.catalog.media.get(key)
                if entry is None or entry["sha256"] in seen:
                    continue
                if not str(entry.get("mime_type", "")).startswith("image/"):
                    continue  # product media in Shopware are images
                seen.add(entry["sha256"])
                files.append(dict(entry))
        return files

    def custom_fields(
        self, values: Mapping[str, Any], family: str | None, item: Mapping[str, Any]
    ) -> dict[str, Any]:
        allowed = set(
            self.catalog.family_attributes.get(family or "", self.custom_field_attributes)
        )
        result = {}
        for attribute in self.custom_field_attributes:
            if attribute not in allowed:
                continue
            data = self.value(values, attribute)
            info = self.catalog.attributes[attribute]
            with mapping_field("customFields", attribute):
                result[CUSTOM_FIELD_PREFIX + attribute] = (
                    None if data is None else _custom_value(info, data)
                )
        for kind, links in sorted((item.get("quantified_associations") or {}).items()):
            quantities = [
                {
                    "product": link.get("uuid") or link.get("identifier"),
                    "quantity": link.get("quantity"),
                }
                for link in links.get("products") or []
            ] + [
                {"product_model": link.get("identifier"), "quantity": link.get("quantity")}
                for link in links.get("product_models") or []
            ]
            result[f"{CUSTOM_FIELD_PREFIX}quantities_{kind}"] = quantities or None
        return result

    # -- whole products ---------------------------------------------------------------------
    def _base(
        self,
        key: str,
        number: str,
        values: Mapping[str, Any],
        item: Mapping[str, Any],
        family: str | None,
        warnings: list[tuple[str, str]],
        price_required: bool = True,
    ) -> tuple[dict[str, Any], dict[str, list[str]], list[dict[str, Any]]]:
        mapping = self.mapping
        with mapping_field("taxId", mapping.tax_attribute):
            rate, tax_id = self.tax(values)
        payload: dict[str, Any] = {"id": key, "productNumber": number, "taxId": tax_id}
        with mapping_field("price", mapping.price_attribute):
            prices = self.value(values, mapping.price_attribute)
            # A variant without a price of its own shows its parent's.
            payload["price"] = (
                map_prices(prices, rate, self.shop, mapping.prices_are_gross)
                if prices or price_required
                else None
            )
        payload["translations"] = self.translations(values, family, warnings)
        with mapping_field("stock", mapping.stock_attribute):
            stock = self.value(values, mapping.stock_attribute)
            payload["stock"] = int(Decimal(stock)) if stock is not None else mapping.default_stock
        for shop_field, attribute in mapping.fields.items():
            with mapping_field(shop_field, attribute):
                payload[shop_field] = self.value(values, attribute)
        for shop_field, attribute in mapping.metrics.items():
            with mapping_field(shop_field, attribute):
                payload[shop_field] = self.metric(values, shop_field, attribute)
        if mapping.manufacturer:
            with mapping_field("manufacturerId", mapping.manufacturer):
                payload["manufacturerId"] = self.manufacturer(values)
        payload["customFields"] = self.custom_fields(values, family, item)

        relations: dict[str, list[str]] = {name: [] for name in RELATIONS}
        categories = [c for c in item.get("categories") or [] if c in self.catalog.category_codes]
        relations["categories"] = sorted(category_id(c) for c in categories)
        payload["categories"] = [{"id": i} for i in relations["categories"]]

        with mapping_field("media"):
            files = self.media_files(values, family)
        media = [
            {
                "id": shopware_id("product_media", f"{key}:{f['sha256']}"),
                "mediaId": media_id(f["sha256"]),
                "position": position,
            }
            for position, f in enumerate(files, start=1)
        ]
        relations["media"] = [m["id"] for m in media]
        payload["media"] = media
        payload["coverId"] = media[0]["id"] if media else None
        return payload, relations, files

    def _properties(self, values: Mapping[str, Any], exclude: Iterable[str] = ()) -> list[str]:
        excluded = set(exclude)
        ids = []
        for attribute in self.properties:
            if attribute in excluded:
                continue
            with mapping_field("properties", attribute):
                codes = option_codes(
                    self.catalog.attributes.get(attribute), self.value(values, attribute)
                )
            ids += [option_id(attribute, code) for code in codes]
        return sorted(ids)

    def _visibilities(self, key: str) -> list[dict[str, Any]]:
        channels = self.shop.sales_channel_ids
        wanted = self.mapping.visibilities or dict.fromkeys(channels, 30)
        result = []
        for name, level in sorted(wanted.items()):
            if name not in channels:
                raise MappingError("visibilities", f"the shop has no sales channel named {name!r}")
            result.append(
                {
                    "id": shopware_id("product_visibility", f"{key}:{channels[name]}"),
                    "salesChannelId": channels[name],
                    "visibility": level,
                }
            )
        return result

    def simple(self, product: Mapping[str, Any], price_required: bool = True) -> MappedProduct:
        identifier = product.get("identifier")
        if not identifier:
            raise MappingError("productNumber", "the product has no identifier")
        key = product_id(product)
        values = product.get("values") or {}
        warnings: list[tuple[str, str]] = []
        payload, relations, files = self._base(
            key, identifier, values, product, product.get("family"), warnings, price_required
        )
        payload["active"] = bool(product.get("enabled"))
        relations["properties"] = self._properties(values)
        payload["properties"] = [{"id": i} for i in relations["properties"]]
        visibilities = self._visibilities(key)
        relations["visibilities"] = [v["id"] for v in visibilities]
        payload["visibilities"] = visibilities
        return MappedProduct(key, identifier, payload, relations, files, warnings)

    def parent(
        self,
        model: Mapping[str, Any],
        variant_prices: Mapping[str, str] | None,
        option_ids: Iterable[str],
    ) -> MappedProduct:
        """A root product model as the parent of its variants. Its price is the cheapest
        variant's (Shopware needs one), which variants with the same price inherit."""
        key = model_product_id(model["code"])
        values = dict(model.get("values") or {})
        if variant_prices is not None:
            values[self.mapping.price_attribute] = [
                {"locale": None, "scope": None, "data": dict(variant_prices)}
            ]
        warnings: list[tuple[str, str]] = []
        payload, relations, files = self._base(
            key, model["code"], values, model, model.get("family"), warnings
        )
        payload["active"] = True
        relations["properties"] = self._properties(
            values, self.catalog.axes(model.get("family_variant"))
        )
        payload["properties"] = [{"id": i} for i in relations["properties"]]
        visibilities = self._visibilities(key)
        relations["visibilities"] = [v["id"] for v in visibilities]
        payload["visibilities"] = visibilities
        settings = [
            {
                "id": shopware_id("product_configurator_setting", f"{key}:{option}"),
                "optionId": option,
                "position": index,
            }
            for index, option in enumerate(sorted(set(option_ids)), start=1)
        ]
        relations["configurator"] = sorted(set(option_ids))  # options, so a delta can keep them
        payload["configuratorSettings"] = settings
        return MappedProduct(key, model["code"], payload, relations, files, warnings)

    def variant_options(self, product: Mapping[str, Any], family_variant: str | None) -> list[str]:
        values = product.get("values") or {}
        ids = []
        for axis in self.catalog.axes(family_variant):
            with mapping_field("options", axis):
                codes = option_codes(self.catalog.attributes.get(axis), self.value(values, axis))
            if not codes:
                raise MappingError("options", f"no value for the variant axis {axis!r}")
            ids += [option_id(axis, code) for code in codes]
        return ids

    def variant(
        self, product: Mapping[str, Any], root: Mapping[str, Any], parent: MappedProduct
    ) -> MappedProduct:
        """A variant product under its root model's parent product, empty where it inherits."""
        options = self.variant_options(product, root.get("family_variant"))
        own = self.simple(product, price_required=False)
        payload, relations = own.payload, own.relations
        payload["parentId"] = parent.key
        relations["options"] = sorted(options)
        payload["options"] = [{"id": i} for i in relations["options"]]
        # Children inherit visibilities; properties on the axes are options, not properties.
        payload.pop("visibilities")
        relations["visibilities"] = []
        relations["properties"] = self._properties(
            product.get("values") or {}, self.catalog.axes(root.get("family_variant"))
        )
        payload["properties"] = [{"id": i} for i in relations["properties"]]
        _inherit(payload, relations, parent)
        return MappedProduct(own.key, own.identifier, payload, relations, own.media, own.warnings)

    def variant_alone(
        self, product: Mapping[str, Any], root: str | None, family_variant: str | None
    ) -> MappedProduct:
        """A variant whose model this (delta) run did not read: written whole, under the
        parent product a previous run created (the next full run restores inheritance)."""
        if not root or not family_variant:
            raise MappingError(
                "parentId",
                f"its product model {product.get('parent')!r} is unknown: run a full sync",
            )
        options = self.variant_options(product, family_variant)
        own = self.simple(product, price_required=False)
        payload, relations = own.payload, own.relations
        payload["parentId"] = model_product_id(root)
        relations["options"] = sorted(options)
        payload["options"] = [{"id": i} for i in relations["options"]]
        payload.pop("visibilities")
        relations["visibilities"] = []
        relations["properties"] = self._properties(
            product.get("values") or {}, self.catalog.axes(family_variant)
        )
        payload["properties"] = [{"id": i} for i in relations["properties"]]
        return MappedProduct(own.key, own.identifier, payload, relations, own.media, own.warnings)


def _inherit(
    payload: dict[str, Any], relations: dict[str, list[str]], parent: MappedProduct
) -> None:
    """Leave empty what the variant shares with its parent: Shopware shows the parent's."""
    mother = parent.payload
    for field_name in (
        "price",
        "taxId",
        "manufacturerId",
        "ean",
        "manufacturerNumber",
        "weight",
        "width",
        "height",
        "length",
    ):
        if field_name in payload and payload[field_name] == mother.get(field_name):
            payload[field_name] = None
    if payload.get("taxId") is None:
        payload.pop("taxId", None)  # a variant without its own tax inherits it (no null tax)
    for language, translation in payload.get("translations", {}).items():
        theirs = mother.get("translations", {}).get(language, {})
        for field_name, value in translation.items():
            if value is not None and value == theirs.get(field_name):
                translation[field_name] = None
    custom, theirs = payload.get("customFields") or {}, mother.get("customFields") or {}
    for key, value in custom.items():
        if value is not None and value == theirs.get(key):
            custom[key] = None
    for relation in ("categories", "properties"):
        if relations[relation] and relations[relation] == parent.relations[relation]:
            relations[relation] = []
            payload[relation] = []
    own_files = [m["mediaId"] for m in payload.get("media", [])]
    parent_files = [m["mediaId"] for m in mother.get("media", [])]
    if own_files and own_files == parent_files:
        relations["media"] = []
        payload["media"] = []
        payload["coverId"] = None


def relation_deletes(
    key: str, old: Mapping[str, list[str]], new: Mapping[str, list[str]]
) -> dict[str, list[dict[str, str]]]:
    """The sync delete payloads for links a product had and no longer has."""
    deletes: dict[str, list[dict[str, str]]] = {}

    def removed(name: str) -> list[str]:
        return sorted(set(old.get(name) or []) - set(new.get(name) or []))

    for name, entity, column in (
        ("categories", "product_category", "categoryId"),
        ("properties", "product_property", "optionId"),
        ("options", "product_option", "optionId"),
    ):
        gone = removed(name)
        if gone:
            deletes[entity] = [{"productId": key, column: i} for i in gone]
    gone = removed("configurator")
    if gone:
        deletes["product_configurator_setting"] = [
            {"id": shopware_id("product_configurator_setting", f"{key}:{option}")}
            for option in gone
        ]
    for name, entity in (
        ("media", "product_media"),
        ("visibilities", "product_visibility"),
        ("cross_sellings", "product_cross_selling"),
        ("assigned", "product_cross_selling_assigned_products"),
    ):
        gone = removed(name)
        if gone:
            deletes[entity] = [{"id": i} for i in gone]
    return deletes


def map_cross_sellings(
    key: str,
    item: Mapping[str, Any],
    mapping: Shopware6Mapping,
    exists: set[str],
    shop: ShopContext,
    root_models: Mapping[str, str] | None = None,
    product_uuids: Mapping[str, str] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, list[str]], list[tuple[str, str, str]]]:
    """Akeneo associations → cross-sellings with assigned products. An associated sub-model
    stands for its root model's parent product (`root_models`: model code → root code).
    Returns the payloads, their relations, and the links left out because their product is
    not in the shop, as (association type, "product" or "product_model", Akeneo code).
    Associated products come as uuids (products) or identifiers (product models);
    `product_uuids` maps identifiers to uuids."""
    roots, uuids = root_models or {}, product_uuids or {}
    associations = dict(item.get("associations") or {})
    for kind, links in (item.get("quantified_associations") or {}).items():
        merged = associations.setdefault(kind, {"products": [], "product_models": []})
        merged["products"] = list(merged.get("products") or []) + [
            link.get("uuid") or link.get("identifier") for link in links.get("products") or []
        ]
        merged["product_models"] = list(merged.get("product_models") or []) + [
            link.get("identifier") for link in links.get("product_models") or []
        ]
    wanted = mapping.cross_selling or {kind: kind for kind in associations}
    payloads, missing = [], []
    relations: dict[str, list[str]] = {"cross_sellings": [], "assigned": []}
    for position, (kind, name) in enumerate(sorted(wanted.items()), start=1):
        links = associations.get(kind) or {}
        targets = {
            shopware_id("product", uuids.get(code, code)): ("product", code)
            for code in links.get("products") or []
        }
        for code in links.get("product_models") or []:
            targets.setdefault(model_product_id(roots.get(code, code)), ("product_model", code))
        assigned = []
        for index, (target, (entity, code)) in enumerate(targets.items(), start=1):
            if target == key:
                continue  # a variant's model associated with itself
            if target not in exists:
                missing.append((kind, entity, code))
                continue
            assigned.append(
                {
                    "id": shopware_id(
                        "product_cross_selling_assigned_products", f"{key}:{kind}:{target}"
                    ),
                    "productId": target,
                    "position": index,
                }
            )
        if not assigned:
            continue
        cross_id = shopware_id("product_cross_selling", f"{key}:{kind}")
        payloads.append(
            {
                "id": cross_id,
                "productId": key,
                "type": "productList",
                "active": True,
                "position": position,
                "translations": translations_of({}, shop, name),
                "assignedProducts": assigned,
            }
        )
        relations["cross_sellings"].append(cross_id)
        relations["assigned"] += [a["id"] for a in assigned]
    return payloads, relations, missing


def language_for_locales(
    akeneo_locales: list[str],
    shop_languages: Mapping[str, str],
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Akeneo locale → Shopware language id, by locale code: exact (en_US ↔ en-US) first,
    then the same language (en_US → en-GB); `overrides` maps locale → shop locale code."""
    by_code = {code.lower(): lang_id for code, lang_id in shop_languages.items()}
    wanted = {
        locale: (overrides or {}).get(locale, locale).replace("_", "-").lower()
        for locale in akeneo_locales
    }
    result = {locale: by_code[code] for locale, code in wanted.items() if code in by_code}
    taken = set(result.values())  # one language, one source locale: exact matches win
    for locale, code in wanted.items():
        if locale in result:
            continue
        prefix = code.split("-")[0]
        for shop_code in sorted(by_code):
            if shop_code.split("-")[0] == prefix and by_code[shop_code] not in taken:
                result[locale] = by_code[shop_code]
                taken.add(by_code[shop_code])
                break
    return result
