"""Canonical Akeneo product → Shopware 6 product payload. Pure: dict in, dict out.

Ids are uuid5 of a fixed namespace and `entity:code` (hex, as Shopware writes ids), so
every write is an upsert of the same row: re-runs, retries and backfills never duplicate.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pimflow.akeneo.values import pick

# Fixed forever: changing it would give every entity a new id in every shop.
NAMESPACE = uuid.UUID("6f0c4f5e-8a53-4d1e-9a2b-6d1f3c5e7a90")


def shopware_id(entity: str, code: str) -> str:
    return uuid.uuid5(NAMESPACE, f"{entity}:{code}").hex


@dataclass(frozen=True)
class ShopContext:
    """What the mapping needs to know of the shop (looked up once per run)."""

    default_currency: str  # ISO code, e.g. "EUR"
    currency_ids: Mapping[str, str]  # ISO code -> currency id
    language_ids: Mapping[str, str]  # Akeneo locale -> language id
    default_language_id: str
    tax_id: str
    tax_rate: Decimal


@dataclass(frozen=True)
class ProductMapping:
    """Which Akeneo attributes feed which Shopware fields (YAML-configurable later)."""

    name: str = "name"
    description: str = "description"
    price: str = "price"
    prices_are_gross: bool = True  # Akeneo's amounts are what the customer pays
    tax_rate: Decimal = Decimal("19")  # the shop's tax of this rate is assigned
    default_stock: int = 0
    price_decimals: int = 2
    extra_translated: Mapping[str, str] = field(default_factory=dict)  # shopware field -> attr


class MappingError(Exception):
    """A product Shopware would refuse, found before sending: names the field and why."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


def _money(value: Decimal, decimals: int) -> float:
    quantum = Decimal(1).scaleb(-decimals)
    return float(value.quantize(quantum, rounding=ROUND_HALF_UP))


def map_prices(
    prices: Mapping[str, str] | None, shop: ShopContext, mapping: ProductMapping
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
    factor = 1 + shop.tax_rate / 100
    result = []
    for currency, amount_text in sorted(prices.items()):
        currency_id = shop.currency_ids.get(currency)
        if currency_id is None:
            continue  # a currency the shop does not sell in
        amount = Decimal(amount_text)
        if amount < 0:
            raise MappingError("price", f"negative amount {amount_text} {currency}")
        gross, net = (
            (amount, amount / factor) if mapping.prices_are_gross else (amount * factor, amount)
        )
        result.append(
            {
                "currencyId": currency_id,
                "gross": _money(gross, mapping.price_decimals),
                "net": _money(net, mapping.price_decimals),
                "linked": True,
            }
        )
    return result


def map_translations(
    values: Mapping[str, Any],
    identifier: str,
    channel: str,
    shop: ShopContext,
    mapping: ProductMapping,
) -> dict[str, dict[str, Any]]:
    """Translated fields per Shopware language. Every language gets every field (None where
    Akeneo has no value) so a value emptied in Akeneo is emptied in the shop too."""
    fields = {"name": mapping.name, "description": mapping.description, **mapping.extra_translated}
    translations: dict[str, dict[str, Any]] = {}
    for locale, language_id in sorted(shop.language_ids.items()):
        translation = {}
        for shop_field, attribute in fields.items():
            translation[shop_field] = pick(values, attribute, locale, channel)
        translations[language_id] = translation
    # Shopware needs a name in its default language; fall back to another locale's name,
    # then the identifier, rather than refuse a product the PIM considers complete.
    default = translations.setdefault(shop.default_language_id, dict.fromkeys(fields))
    if not default.get("name"):
        others = [t["name"] for t in translations.values() if t.get("name")]
        default["name"] = others[0] if others else identifier
    return translations


def map_simple_product(
    product: Mapping[str, Any], channel: str, shop: ShopContext, mapping: ProductMapping
) -> dict[str, Any]:
    """The Shopware payload of a product without a parent model. Raises MappingError."""
    identifier = product["identifier"]
    if not identifier:
        raise MappingError("productNumber", "the product has no identifier")
    values = product.get("values") or {}
    prices = pick(values, mapping.price, None, channel)
    return {
        "id": product_id(product),
        "productNumber": identifier,
        "active": bool(product.get("enabled")),
        "stock": mapping.default_stock,
        "taxId": shop.tax_id,
        "price": map_prices(prices, shop, mapping),
        "translations": map_translations(values, identifier, channel, shop, mapping),
    }


def product_id(product: Mapping[str, Any]) -> str:
    """By Akeneo's uuid when there is one: it survives a change of identifier."""
    if product.get("uuid"):
        return shopware_id("product", product["uuid"])
    return shopware_id("product", product["identifier"])


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
