from __future__ import annotations

from decimal import Decimal

import pytest

from pimflow.shopware6.mapping import (
    MappingError,
    ProductMapping,
    ShopContext,
    language_for_locales,
    map_simple_product,
    shopware_id,
)

SHOP = ShopContext(
    default_currency="EUR",
    currency_ids={"EUR": "e" * 32, "USD": "d" * 32, "GBP": "b" * 32},
    language_ids={"en_US": "1" * 32, "de_DE": "2" * 32},
    default_language_id="1" * 32,
    tax_id="7" * 32,
    tax_rate=Decimal("19"),
)


def product(**values):
    return {
        "uuid": "8f1c1a2e-0000-4000-8000-000000000001",
        "identifier": "SKU-1",
        "enabled": True,
        "parent": None,
        "values": values,
    }


def price(**amounts):
    return [{"locale": None, "scope": None, "data": amounts}]


def test_ids_are_deterministic_hex_and_differ_per_entity():
    assert shopware_id("product", "x") == shopware_id("product", "x")
    assert shopware_id("product", "x") != shopware_id("category", "x")
    assert len(shopware_id("product", "x")) == 32 and shopware_id("product", "x").islower()


def test_simple_product_payload():
    payload = map_simple_product(
        product(
            price=price(EUR="11.90", USD="14", CHF="12"),
            name=[
                {"locale": "en_US", "scope": None, "data": "Tee"},
                {"locale": "de_DE", "scope": None, "data": "T-Shirt"},
            ],
            description=[{"locale": "en_US", "scope": "ecommerce", "data": "<p>Soft</p>"}],
        ),
        "ecommerce",
        SHOP,
        ProductMapping(),
    )
    assert payload["productNumber"] == "SKU-1"
    assert payload["active"] is True
    assert payload["taxId"] == "7" * 32
    assert payload["id"] == shopware_id("product", "8f1c1a2e-0000-4000-8000-000000000001")
    # Gross as entered; net from the 19 % rate; CHF is not a shop currency.
    assert payload["price"] == [
        {"currencyId": "e" * 32, "gross": 11.9, "net": 10.0, "linked": True},
        {"currencyId": "d" * 32, "gross": 14.0, "net": 11.76, "linked": True},
    ]
    assert payload["translations"]["1" * 32] == {"name": "Tee", "description": "<p>Soft</p>"}
    # No German description in Akeneo: sent as None so the shop's old one is cleared.
    assert payload["translations"]["2" * 32] == {"name": "T-Shirt", "description": None}


def test_net_prices_from_akeneo_get_gross_computed():
    payload = map_simple_product(
        product(price=price(EUR="10")), "ecommerce", SHOP, ProductMapping(prices_are_gross=False)
    )
    assert payload["price"][0] == {
        "currencyId": "e" * 32,
        "gross": 11.9,
        "net": 10.0,
        "linked": True,
    }


def test_missing_default_currency_price_names_the_field_and_reason():
    with pytest.raises(MappingError) as error:
        map_simple_product(product(price=price(USD="5")), "ecommerce", SHOP, ProductMapping())
    assert error.value.field == "price"
    assert "EUR" in error.value.reason and "USD" in error.value.reason


def test_a_product_without_name_in_the_default_language_gets_a_fallback_name():
    payload = map_simple_product(
        product(price=price(EUR="1"), name=[{"locale": "de_DE", "scope": None, "data": "Hemd"}]),
        "ecommerce",
        SHOP,
        ProductMapping(),
    )
    assert payload["translations"]["1" * 32]["name"] == "Hemd"
    nameless = map_simple_product(
        product(price=price(EUR="1")), "ecommerce", SHOP, ProductMapping()
    )
    assert nameless["translations"]["1" * 32]["name"] == "SKU-1"


def test_locales_map_to_languages_exactly_first_then_by_language():
    shop = {"en-GB": "en", "de-DE": "de", "fr-FR": "fr"}
    assert language_for_locales(["en_US", "de_DE", "fr_FR", "ja_JP"], shop) == {
        "en_US": "en",
        "de_DE": "de",
        "fr_FR": "fr",
    }
    # en_GB takes en-GB exactly, so en_US does not also write to it.
    assert language_for_locales(["en_US", "en_GB"], shop) == {"en_GB": "en"}
    assert language_for_locales(["de_AT"], shop, {"de_AT": "de_DE"}) == {"de_AT": "de"}
