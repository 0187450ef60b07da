"""What a fresh Shopware 6 installation holds before anyone syncs into it.

Ids come from the seed and look random, as on a real shop, so a client has to look them up
(by ISO code, locale code, tax rate, ...) instead of hard-coding them. The exceptions are the
ids Shopware itself fixes in `Defaults` (system language, default currency, live version,
storefront sales-channel type, fallback customer group), which every real shop shares.
"""

from __future__ import annotations

import secrets
import string

from pimflow_sandbox.shopware6.schema import CURRENCY_DEFAULT, LANGUAGE_SYSTEM
from pimflow_sandbox.shopware6.state import Store

SALES_CHANNEL_TYPE_STOREFRONT = "8a243080f92e4c719546314b577cf82b"
FALLBACK_CUSTOMER_GROUP = "cfbd5018d38d41d8adca10d94fc8bdd6"

# (code, English name, English territory): a fresh shop ships hundreds; these cover the
# languages a PIM catalog is commonly translated into.
LOCALES = [
    ("en-GB", "English", "United Kingdom"),
    ("en-US", "English", "United States"),
    ("de-DE", "German", "Germany"),
    ("de-AT", "German", "Austria"),
    ("de-CH", "German", "Switzerland"),
    ("fr-FR", "French", "France"),
    ("fr-BE", "French", "Belgium"),
    ("fr-CH", "French", "Switzerland"),
    ("it-IT", "Italian", "Italy"),
    ("es-ES", "Spanish", "Spain"),
    ("pt-PT", "Portuguese", "Portugal"),
    ("pt-BR", "Portuguese", "Brazil"),
    ("nl-NL", "Dutch", "Netherlands"),
    ("nl-BE", "Dutch", "Belgium"),
    ("da-DK", "Danish", "Denmark"),
    ("sv-SE", "Swedish", "Sweden"),
    ("nb-NO", "Norwegian Bokmål", "Norway"),
    ("fi-FI", "Finnish", "Finland"),
    ("pl-PL", "Polish", "Poland"),
    ("cs-CZ", "Czech", "Czech Republic"),
    ("sk-SK", "Slovak", "Slovakia"),
    ("hu-HU", "Hungarian", "Hungary"),
    ("ro-RO", "Romanian", "Romania"),
    ("bg-BG", "Bulgarian", "Bulgaria"),
    ("el-GR", "Greek", "Greece"),
    ("tr-TR", "Turkish", "Turkey"),
    ("ru-RU", "Russian", "Russia"),
    ("uk-UA", "Ukrainian", "Ukraine"),
    ("ja-JP", "Japanese", "Japan"),
    ("zh-CN", "Chinese", "China"),
    ("ko-KR", "Korean", "South Korea"),
]

LANGUAGES = [  # (key, name, locale code)
    ("english", "English", "en-GB"),
    ("deutsch", "Deutsch", "de-DE"),
    ("french", "Français", "fr-FR"),
]

CURRENCIES = [  # (iso, factor, symbol, English name, German name)
    ("EUR", 1.0, "€", "Euro", "Euro"),
    ("USD", 1.17085, "$", "US-Dollar", "US-Dollar"),
    ("GBP", 0.89157, "£", "Pound", "Pfund"),
]

TAXES = [("Standard rate", 19.0), ("Reduced rate", 7.0), ("Reduced rate 2", 0.0)]

UNITS = [  # (short code, English name, German short code, German name)
    ("pcs", "Piece(s)", "Stk.", "Stück"),
    ("kg", "Kilogram", "kg", "Kilogramm"),
    ("g", "Gram", "g", "Gramm"),
    ("l", "Litre", "l", "Liter"),
    ("ml", "Millilitre", "ml", "Milliliter"),
    ("m", "Metre", "m", "Meter"),
]

DELIVERY_TIMES = [  # (English name, German name, min, max, unit)
    ("1-3 days", "1-3 Tage", 1, 3, "day"),
    ("2-5 days", "2-5 Tage", 2, 5, "day"),
    ("1-2 weeks", "1-2 Wochen", 1, 2, "week"),
    ("3-4 weeks", "3-4 Wochen", 3, 4, "week"),
]

RULES = [("Always valid (Default)", 100), ("Cart >= 0", 1)]

MEDIA_FOLDERS = [  # (default-folder entity, folder name)
    ("product", "Product Media"),
    ("category", "Category Media"),
    ("product_manufacturer", "Product Manufacturer Media"),
    ("property_group_option", "Property Group Option Media"),
]


def seed_fresh_shop(store: Store) -> None:
    """Fill an empty store like `bin/console system:install --basic-setup` does."""
    sid = store.seeded_id
    locale_ids = {}
    for code, name, territory in LOCALES:
        locale_ids[code] = store.seed_row(
            "locale",
            sid(f"locale:{code}"),
            {"code": code},
            {LANGUAGE_SYSTEM: {"name": name, "territory": territory}},
        )

    language_ids = {}
    for key, name, code in LANGUAGES:
        lid = LANGUAGE_SYSTEM if key == "english" else sid(f"language:{key}")
        language_ids[key] = lid
        store.seed_row(
            "language",
            lid,
            {
                "name": name,
                "localeId": locale_ids[code],
                "translationCodeId": locale_ids[code],
                "active": True,
            },
        )
    deutsch = language_ids["deutsch"]
    # German names of the locales, so `translated` differs per language as on a real shop.
    for code, german in (("en-GB", "Englisch"), ("de-DE", "Deutsch"), ("fr-FR", "Französisch")):
        store._put_translation(
            "locale", locale_ids[code], deutsch, {"name": german, "territory": None}
        )

    rounding = {"decimals": 2, "interval": 0.01, "roundForNet": True}
    currency_ids = []
    for position, (iso, factor, symbol, name, german) in enumerate(CURRENCIES, start=1):
        cid = CURRENCY_DEFAULT if iso == "EUR" else sid(f"currency:{iso}")
        currency_ids.append(cid)
        store.seed_row(
            "currency",
            cid,
            {
                "factor": factor,
                "symbol": symbol,
                "isoCode": iso,
                "position": position,
                "itemRounding": dict(rounding),
                "totalRounding": dict(rounding),
                "taxFreeFrom": 0.0,
            },
            {
                LANGUAGE_SYSTEM: {"shortName": iso, "name": name},
                deutsch: {"shortName": iso, "name": german},
            },
        )

    for position, (name, rate) in enumerate(TAXES, start=1):
        store.seed_row(
            "tax", sid(f"tax:{rate}"), {"name": name, "taxRate": rate, "position": position}
        )

    for short, name, de_short, de_name in UNITS:
        store.seed_row(
            "unit",
            sid(f"unit:{short}"),
            {},
            {
                LANGUAGE_SYSTEM: {"shortCode": short, "name": name},
                deutsch: {"shortCode": de_short, "name": de_name},
            },
        )

    for name, german, low, high, unit in DELIVERY_TIMES:
        store.seed_row(
            "delivery_time",
            sid(f"delivery_time:{name}"),
            {"min": low, "max": high, "unit": unit},
            {LANGUAGE_SYSTEM: {"name": name}, deutsch: {"name": german}},
        )

    for name, priority in RULES:
        store.seed_row("rule", sid(f"rule:{name}"), {"name": name, "priority": priority})

    for entity, name in MEDIA_FOLDERS:
        default_id = store.seed_row(
            "media_default_folder", sid(f"default_folder:{entity}"), {"entity": entity}
        )
        store.seed_row(
            "media_folder",
            sid(f"media_folder:{entity}"),
            {
                "name": name,
                "defaultFolderId": default_id,
                "configurationId": sid(f"media_folder_configuration:{entity}"),
                "useParentConfiguration": False,
            },
        )

    root = store.seed_row(
        "category",
        sid("category:root"),
        {"type": "page", "displayNestedProducts": True, "productAssignmentType": "product"},
        {LANGUAGE_SYSTEM: {"name": "Home"}, deutsch: {"name": "Startseite"}},
    )

    alphabet = string.ascii_uppercase + string.digits
    rng = secrets.SystemRandom()
    access_key = "SWSC" + "".join(rng.choice(alphabet) for _ in range(22))
    store.seed_row(
        "sales_channel",
        sid("sales_channel:storefront"),
        {
            "typeId": SALES_CHANNEL_TYPE_STOREFRONT,
            "languageId": LANGUAGE_SYSTEM,
            "customerGroupId": FALLBACK_CUSTOMER_GROUP,
            "currencyId": CURRENCY_DEFAULT,
            "paymentMethodId": sid("payment_method:invoice"),
            "shippingMethodId": sid("shipping_method:standard"),
            "countryId": sid("country:DE"),
            "navigationCategoryId": root,
            "navigationCategoryDepth": 2,
            "accessKey": access_key,
            "taxCalculationType": "horizontal",
            "homeEnabled": True,
        },
        {LANGUAGE_SYSTEM: {"name": "Storefront", "homeEnabled": True}},
        {"languages": list(language_ids.values()), "currencies": currency_ids},
    )
