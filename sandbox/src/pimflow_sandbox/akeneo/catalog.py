"""The sandbox catalogs: a fresh Akeneo (`empty`), the `demo` catalog and generated ones.

Everything is derived from a seed with one `random.Random`, so the same seed and product
count always give the same catalog (uuids, codes, dates, values, media bytes). Structure is
written through the same entity rules as the API (it is small); products and product models
take a fast path (they are valid by construction) so 100,000 products generate in seconds.

Shape of a generated catalog (N products = simple + variant products):
- channels `ecommerce` (en_US, de_DE, fr_FR; EUR, USD) and `print` (en_US, de_DE; EUR),
  both on the `master` tree (root, 3 levels below it);
- attributes of every type (see ATTRIBUTES), localizable and scopable ones among them;
- families clothing, shoes, electronics, home, accessories; family variants
  `clothing_color_size` (root model -> colour sub model -> size variants),
  `clothing_size` and `shoes_size` (root model -> size variants);
- reference entities `brand` and `color` with records, asset families `product_pictures`
  (JPEG/PNG) and `manuals` (PDF) with assets;
- associations and quantified associations, some disabled products, some emptied values.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid as uuid_module
from typing import Any

from .state import (
    ASSET_STORAGE,
    CATALOG_STORAGE,
    REFERENCE_ENTITY_STORAGE,
    Catalog,
    MediaFile,
    Product,
    ProductModel,
    format_datetime,
    media_key,
)
from .values import vkey

DEMO_PRODUCTS = 200
MIN_PRODUCTS = 10
MAX_PRODUCTS = 100_000
EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
CATALOG_LOCALES = ("en_US", "de_DE", "fr_FR")

LOCALES = (
    "en_US", "en_GB", "en_AU", "en_CA", "de_DE", "de_AT", "de_CH", "fr_FR", "fr_BE", "fr_CA",
    "fr_CH", "it_IT", "es_ES", "es_MX", "nl_NL", "nl_BE", "pt_PT", "pt_BR", "pl_PL", "sv_SE",
    "da_DK", "fi_FI", "nb_NO", "cs_CZ", "ja_JP", "zh_CN", "ru_RU", "tr_TR",
)  # fmt: skip
CURRENCIES = {
    "EUR": "Euro", "USD": "US dollar", "GBP": "British pound", "CHF": "Swiss franc",
    "JPY": "Japanese yen", "CAD": "Canadian dollar", "AUD": "Australian dollar",
    "SEK": "Swedish krona", "DKK": "Danish krone", "PLN": "Polish zloty", "CNY": "Chinese yuan",
    "BRL": "Brazilian real",
}  # fmt: skip


def _units(standard: str, units: dict[str, tuple[str, str, str]]) -> dict[str, Any]:
    return {
        code: {
            "code": code,
            "labels": {"en_US": label},
            "convert_from_standard": [{"operator": "mul", "value": factor}],
            "symbol": symbol,
        }
        for code, (label, factor, symbol) in units.items()
    }


MEASUREMENT_FAMILIES: dict[str, dict[str, Any]] = {
    "Weight": {
        "code": "Weight",
        "labels": {"en_US": "Weight", "de_DE": "Gewicht", "fr_FR": "Poids"},
        "standard_unit_code": "KILOGRAM",
        "units": _units(
            "KILOGRAM",
            {
                "MILLIGRAM": ("Milligram", "0.000001", "mg"),
                "GRAM": ("Gram", "0.001", "g"),
                "KILOGRAM": ("Kilogram", "1", "kg"),
                "OUNCE": ("Ounce", "0.028349523", "oz"),
                "POUND": ("Pound", "0.45359237", "lb"),
            },
        ),
    },
    "Length": {
        "code": "Length",
        "labels": {"en_US": "Length", "de_DE": "Länge", "fr_FR": "Longueur"},
        "standard_unit_code": "METER",
        "units": _units(
            "METER",
            {
                "MILLIMETER": ("Millimeter", "0.001", "mm"),
                "CENTIMETER": ("Centimeter", "0.01", "cm"),
                "METER": ("Meter", "1", "m"),
                "INCH": ("Inch", "0.0254", "in"),
                "FOOT": ("Foot", "0.3048", "ft"),
            },
        ),
    },
    "Volume": {
        "code": "Volume",
        "labels": {"en_US": "Volume", "de_DE": "Volumen", "fr_FR": "Volume"},
        "standard_unit_code": "CUBIC_METER",
        "units": _units(
            "CUBIC_METER",
            {
                "MILLILITER": ("Milliliter", "0.000001", "ml"),
                "LITER": ("Liter", "0.001", "l"),
                "CUBIC_METER": ("Cubic meter", "1", "m³"),
            },
        ),
    },
    "Power": {
        "code": "Power",
        "labels": {"en_US": "Power", "de_DE": "Leistung", "fr_FR": "Puissance"},
        "standard_unit_code": "WATT",
        "units": _units(
            "WATT",
            {"WATT": ("Watt", "1", "W"), "KILOWATT": ("Kilowatt", "1000", "kW")},
        ),
    },
}

ASSOCIATION_TYPES = {
    "X_SELL": ("Cross sell", "Vente croisée", "Cross-Selling", False),
    "UPSELL": ("Upsell", "Vente incitative", "Upselling", False),
    "SUBSTITUTION": ("Substitution", "Remplacement", "Ersatz", False),
    "PACK": ("Pack", "Pack", "Paket", False),
}


def _labels(en: str, de: str | None = None, fr: str | None = None) -> dict[str, str]:
    return {"en_US": en, "de_DE": de or en, "fr_FR": fr or en}


def build_base(catalog: Catalog) -> None:
    """What a fresh Akeneo has: locales, currencies, measurement families, the `master` tree,
    the `ecommerce` channel (en_US, USD), the `other` attribute group, the `sku` identifier
    and the default association types."""
    when = format_datetime(EPOCH)
    for code in LOCALES:
        catalog.add_locale(code)
    for code, label in CURRENCIES.items():
        catalog.add_currency(code, label)
    for code, family in MEASUREMENT_FAMILIES.items():
        catalog.measurement_families[code] = family
    catalog.write_category(
        None, {"code": "master", "labels": {"en_US": "Master catalog"}}, "create"
    )
    catalog.categories["master"]["updated"] = when
    catalog.write_channel(
        None,
        {
            "code": "ecommerce",
            "locales": ["en_US"],
            "currencies": ["USD"],
            "category_tree": "master",
            "labels": {"en_US": "Ecommerce"},
        },
        "create",
    )
    catalog.write_attribute_group(
        None, {"code": "other", "labels": {"en_US": "Other"}, "sort_order": 100}, "create"
    )
    catalog.write_attribute(
        None,
        {
            "code": "sku",
            "type": "pim_catalog_identifier",
            "group": "other",
            "unique": True,
            "useable_as_grid_filter": True,
            "labels": {"en_US": "SKU"},
            "is_main_identifier": True,
            "is_mandatory": True,
            "max_characters": 255,
        },
        "create",
    )
    for code, (en, fr, de, quantified) in ASSOCIATION_TYPES.items():
        catalog.write_association_type(
            None,
            {
                "code": code,
                "labels": {"en_US": en, "fr_FR": fr, "de_DE": de},
                "is_quantified": quantified,
            },
            "create",
        )
    for key in list(catalog.updated_at):
        catalog.updated_at[key] = when


def empty_catalog(clock: Any = None) -> Catalog:
    catalog = Catalog(clock)
    build_base(catalog)
    return catalog


# -- the generated catalog ---------------------------------------------------------------------

GROUPS = {
    "marketing": _labels("Marketing", "Marketing", "Marketing"),
    "technical": _labels("Technical", "Technisch", "Technique"),
    "media": _labels("Media", "Medien", "Médias"),
    "erp": _labels("ERP", "ERP", "ERP"),
}

COLORS = {
    "black": _labels("Black", "Schwarz", "Noir"), "white": _labels("White", "Weiß", "Blanc"),
    "red": _labels("Red", "Rot", "Rouge"), "blue": _labels("Blue", "Blau", "Bleu"),
    "green": _labels("Green", "Grün", "Vert"), "yellow": _labels("Yellow", "Gelb", "Jaune"),
    "grey": _labels("Grey", "Grau", "Gris"), "navy": _labels("Navy", "Marineblau", "Marine"),
    "beige": _labels("Beige", "Beige", "Beige"), "pink": _labels("Pink", "Rosa", "Rose"),
}  # fmt: skip
CLOTHING_SIZES = ["xs", "s", "m", "l", "xl", "xxl"]
SHOE_SIZES = ["36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46"]
MATERIALS = {
    "cotton": _labels("Cotton", "Baumwolle", "Coton"), "wool": _labels("Wool", "Wolle", "Laine"),
    "leather": _labels("Leather", "Leder", "Cuir"), "polyester": _labels("Polyester"),
    "linen": _labels("Linen", "Leinen", "Lin"), "steel": _labels("Steel", "Stahl", "Acier"),
    "aluminium": _labels("Aluminium"), "wood": _labels("Wood", "Holz", "Bois"),
    "plastic": _labels("Plastic", "Kunststoff", "Plastique"), "glass": _labels("Glass", "Glas", "Verre"),
}  # fmt: skip
COMPONENTS = {
    "cable": _labels("Cable", "Kabel", "Câble"), "charger": _labels("Charger", "Ladegerät", "Chargeur"),
    "manual": _labels("Manual", "Anleitung", "Manuel"), "battery": _labels("Battery", "Akku", "Batterie"),
    "case": _labels("Case", "Etui", "Étui"),
}  # fmt: skip
BRANDS = [
    "acme", "northwind", "globex", "initech", "umbrella", "stark", "wayne", "tyrell", "cyberdyne",
    "soylent", "hooli", "vandelay", "aperture", "wonka", "oscorp", "gringotts", "monarch",
    "pied_piper", "dunder", "prestige", "massive", "nakatomi", "virtucon", "zorg",
]  # fmt: skip
COUNTRIES = {
    "de": _labels("Germany", "Deutschland", "Allemagne"), "fr": _labels("France", "Frankreich", "France"),
    "us": _labels("United States", "Vereinigte Staaten", "États-Unis"),
    "it": _labels("Italy", "Italien", "Italie"), "jp": _labels("Japan", "Japan", "Japon"),
}  # fmt: skip

NOUNS = {
    "clothing": (["T-shirt", "Sweater", "Jacket", "Shirt", "Hoodie"], ["T-Shirt", "Pullover", "Jacke", "Hemd", "Kapuzenpullover"], ["T-shirt", "Pull", "Veste", "Chemise", "Sweat"]),
    "shoes": (["Sneaker", "Boot", "Loafer", "Sandal"], ["Sneaker", "Stiefel", "Slipper", "Sandale"], ["Basket", "Botte", "Mocassin", "Sandale"]),
    "electronics": (["Headphones", "Speaker", "Camera", "Charger", "Keyboard"], ["Kopfhörer", "Lautsprecher", "Kamera", "Ladegerät", "Tastatur"], ["Casque", "Enceinte", "Appareil photo", "Chargeur", "Clavier"]),
    "home": (["Lamp", "Chair", "Vase", "Table", "Cushion"], ["Lampe", "Stuhl", "Vase", "Tisch", "Kissen"], ["Lampe", "Chaise", "Vase", "Table", "Coussin"]),
    "accessories": (["Backpack", "Wallet", "Belt", "Cap", "Scarf"], ["Rucksack", "Geldbörse", "Gürtel", "Mütze", "Schal"], ["Sac à dos", "Portefeuille", "Ceinture", "Casquette", "Écharpe"]),
}  # fmt: skip
ADJECTIVES = (
    ["Classic", "Urban", "Premium", "Essential", "Sport", "Vintage", "Compact", "Modern"],
    ["Klassisch", "Urban", "Premium", "Essenziell", "Sport", "Vintage", "Kompakt", "Modern"],
    ["classique", "urbain", "premium", "essentiel", "sport", "vintage", "compact", "moderne"],
)
SENTENCES = (
    ["Designed for everyday use.", "Made to last, with carefully chosen materials.", "A favourite of our customers.", "Easy to care for and to combine.", "Tested in our own workshop."],
    ["Für den täglichen Gebrauch entworfen.", "Langlebig, aus sorgfältig gewählten Materialien.", "Ein Liebling unserer Kunden.", "Pflegeleicht und vielseitig kombinierbar.", "In unserer eigenen Werkstatt getestet."],
    ["Conçu pour un usage quotidien.", "Fait pour durer, avec des matériaux choisis.", "Un favori de nos clients.", "Facile à entretenir et à associer.", "Testé dans notre propre atelier."],
)  # fmt: skip

CATEGORY_TREE = {
    "clothing": (_labels("Clothing", "Kleidung", "Vêtements"), {
        "men": ["men_tops", "men_outerwear"], "women": ["women_tops", "women_dresses"], "kids": ["kids_tops", "kids_bottoms"]}),
    "shoes": (_labels("Shoes", "Schuhe", "Chaussures"), {
        "sneakers": ["running", "casual_sneakers"], "boots": ["winter_boots", "hiking_boots"], "sandals": ["beach_sandals", "city_sandals"]}),
    "electronics": (_labels("Electronics", "Elektronik", "Électronique"), {
        "audio": ["headphones", "speakers"], "photo": ["cameras", "lenses"], "computing": ["keyboards", "chargers"]}),
    "home": (_labels("Home", "Wohnen", "Maison"), {
        "furniture": ["chairs", "tables"], "lighting": ["lamps", "ceiling_lights"], "decoration": ["vases", "cushions"]}),
    "accessories": (_labels("Accessories", "Accessoires", "Accessoires"), {
        "bags": ["backpacks", "wallets"], "headwear": ["caps", "beanies"], "small_leather": ["belts", "card_holders"]}),
    "highlights": (_labels("Highlights", "Highlights", "À la une"), {
        "new_arrivals": ["new_this_week", "new_this_month"], "sale": ["sale_20", "sale_50"], "bestsellers": ["top_rated", "most_viewed"]}),
}  # fmt: skip
FAMILY_LEAVES = {
    "clothing": ["men_tops", "men_outerwear", "women_tops", "women_dresses", "kids_tops", "kids_bottoms"],
    "shoes": ["running", "casual_sneakers", "winter_boots", "hiking_boots", "beach_sandals", "city_sandals"],
    "electronics": ["headphones", "speakers", "cameras", "lenses", "keyboards", "chargers"],
    "home": ["chairs", "tables", "lamps", "ceiling_lights", "vases", "cushions"],
    "accessories": ["backpacks", "wallets", "caps", "beanies", "belts", "card_holders"],
}  # fmt: skip
HIGHLIGHT_LEAVES = [
    "new_this_week",
    "new_this_month",
    "sale_20",
    "sale_50",
    "top_rated",
    "most_viewed",
]


def _attribute(
    code: str, kind: str, group: str, labels: dict[str, str], **extra: Any
) -> dict[str, Any]:
    return {"code": code, "type": kind, "group": group, "labels": labels, **extra}


ATTRIBUTES: list[dict[str, Any]] = [
    _attribute("name", "pim_catalog_text", "marketing", _labels("Name", "Name", "Nom"), localizable=True, max_characters=255, useable_as_grid_filter=True),
    _attribute("description", "pim_catalog_textarea", "marketing", _labels("Description", "Beschreibung", "Description"), localizable=True, scopable=True, wysiwyg_enabled=True),
    _attribute("price", "pim_catalog_price_collection", "marketing", _labels("Price", "Preis", "Prix"), decimals_allowed=True, negative_allowed=False, number_min="0.0000"),
    _attribute("ean", "pim_catalog_text", "erp", _labels("EAN", "EAN", "EAN"), unique=True, max_characters=13, validation_rule="regexp", validation_regexp="/^[0-9]{13}$/"),
    _attribute("weight", "pim_catalog_metric", "technical", _labels("Weight", "Gewicht", "Poids"), metric_family="Weight", default_metric_unit="KILOGRAM", decimals_allowed=True, negative_allowed=False),
    _attribute("brand", "akeneo_reference_entity", "marketing", _labels("Brand", "Marke", "Marque"), reference_data_name="brand"),
    _attribute("color", "pim_catalog_simpleselect", "marketing", _labels("Color", "Farbe", "Couleur"), useable_as_grid_filter=True),
    _attribute("size", "pim_catalog_simpleselect", "marketing", _labels("Size", "Größe", "Taille"), useable_as_grid_filter=True),
    _attribute("material", "pim_catalog_multiselect", "technical", _labels("Material", "Material", "Matière")),
    _attribute("eco_friendly", "pim_catalog_boolean", "marketing", _labels("Eco-friendly", "Umweltfreundlich", "Écologique"), default_value=False),
    _attribute("release_date", "pim_catalog_date", "marketing", _labels("Release date", "Erscheinungsdatum", "Date de sortie"), scopable=True, date_min="2015-01-01T00:00:00+00:00"),
    _attribute("warranty_months", "pim_catalog_number", "technical", _labels("Warranty (months)", "Garantie (Monate)", "Garantie (mois)"), decimals_allowed=False, negative_allowed=False, number_min="0.0000", number_max="120.0000"),
    _attribute("rating", "pim_catalog_number", "marketing", _labels("Rating", "Bewertung", "Note"), decimals_allowed=True, negative_allowed=False, number_min="0.0000", number_max="5.0000"),
    _attribute("power", "pim_catalog_metric", "technical", _labels("Power", "Leistung", "Puissance"), metric_family="Power", default_metric_unit="WATT", decimals_allowed=False, negative_allowed=False),
    _attribute("image", "pim_catalog_image", "media", _labels("Image", "Bild", "Image"), allowed_extensions=["jpg", "jpeg", "png"], max_file_size="10.00"),
    _attribute("datasheet", "pim_catalog_file", "media", _labels("Datasheet", "Datenblatt", "Fiche technique"), allowed_extensions=["pdf"], max_file_size="20.00"),
    _attribute("pictures", "pim_catalog_asset_collection", "media", _labels("Pictures", "Bilder", "Photos"), reference_data_name="product_pictures"),
    _attribute("manuals", "pim_catalog_asset_collection", "media", _labels("Manuals", "Anleitungen", "Manuels"), reference_data_name="manuals"),
    _attribute("colors", "akeneo_reference_entity_collection", "marketing", _labels("Colour palette", "Farbpalette", "Palette de couleurs"), reference_data_name="color"),
    _attribute("package_contents", "pim_catalog_table", "technical", _labels("Package contents", "Lieferumfang", "Contenu du colis"), table_configuration=[
        {"code": "component", "data_type": "select", "labels": _labels("Component", "Bestandteil", "Composant"), "validations": {}, "is_required_for_completeness": True,
         "options": [{"code": code, "labels": labels} for code, labels in COMPONENTS.items()]},
        {"code": "quantity", "data_type": "number", "labels": _labels("Quantity", "Menge", "Quantité"), "validations": {"min": 1, "max": 100, "decimals_allowed": False}, "is_required_for_completeness": False},
        {"code": "note", "data_type": "text", "labels": _labels("Note", "Hinweis", "Remarque"), "validations": {"max_length": 100}, "is_required_for_completeness": False},
    ]),
    _attribute("main_accessory", "pim_catalog_product_link", "marketing", _labels("Main accessory", "Hauptzubehör", "Accessoire principal")),
]  # fmt: skip

COMMON = [
    "sku",
    "name",
    "description",
    "price",
    "ean",
    "weight",
    "brand",
    "color",
    "image",
    "pictures",
    "release_date",
    "eco_friendly",
]
FAMILIES: dict[str, dict[str, Any]] = {
    "clothing": {"labels": _labels("Clothing", "Kleidung", "Vêtements"), "extra": ["size", "material", "colors"]},
    "shoes": {"labels": _labels("Shoes", "Schuhe", "Chaussures"), "extra": ["size", "material"]},
    "electronics": {"labels": _labels("Electronics", "Elektronik", "Électronique"), "extra": ["warranty_months", "rating", "power", "datasheet", "manuals", "package_contents", "main_accessory"]},
    "home": {"labels": _labels("Home", "Wohnen", "Maison"), "extra": ["material", "colors", "rating", "manuals"]},
    "accessories": {"labels": _labels("Accessories", "Accessoires", "Accessoires"), "extra": ["material", "rating"]},
}  # fmt: skip
FAMILY_VARIANTS = {
    "clothing_color_size": ("clothing", _labels("Clothing by color and size", "Kleidung nach Farbe und Größe", "Vêtements par couleur et taille"), [
        {"level": 1, "axes": ["color"], "attributes": ["color", "image", "colors"]},
        {"level": 2, "axes": ["size"], "attributes": ["size", "sku", "ean", "weight", "price"]},
    ]),
    "clothing_size": ("clothing", _labels("Clothing by size", "Kleidung nach Größe", "Vêtements par taille"), [
        {"level": 1, "axes": ["size"], "attributes": ["size", "sku", "ean", "weight", "price"]},
    ]),
    "shoes_size": ("shoes", _labels("Shoes by size", "Schuhe nach Größe", "Chaussures par pointure"), [
        {"level": 1, "axes": ["size"], "attributes": ["size", "sku", "ean", "weight", "price"]},
    ]),
}  # fmt: skip


class Generator:
    """Builds one catalog from a seed; see the module docstring for its shape."""

    def __init__(self, catalog: Catalog, seed: int, products: int) -> None:
        self.catalog = catalog
        self.rng = random.Random(seed)
        self.seed = seed
        self.target = products
        self.count = 0
        self.product_uuids: list[str] = []
        self.model_codes: list[str] = []
        self.pictures: list[str] = []
        self.manual_codes: list[str] = []
        self.record_codes: dict[str, list[str]] = {}
        self.brand_labels: dict[str, str] = {}
        self._price_cache: dict[tuple[int, int], list[dict[str, str]]] = {}
        self._weight_cache: dict[str, dict[str, str]] = {}
        self.ean_counter = 0

    # -- helpers ---------------------------------------------------------------------------------
    def uuid(self) -> str:
        return str(uuid_module.UUID(int=self.rng.getrandbits(128), version=4))

    def moment(self, start_days: float, span_days: float) -> str:
        offset = start_days + self.rng.random() * span_days
        return format_datetime(EPOCH + dt.timedelta(days=offset))

    def media(self, filename: str, storage: str, kind: str, title: str = "") -> str:
        seed = f"{self.seed}:{storage}:{filename}"
        media = MediaFile(
            media_key(seed, filename), filename, storage, kind=kind, seed=seed, title=title
        )
        self.catalog.add_media(media)
        return media.code

    def ean(self) -> str:
        self.ean_counter += 1
        body = f"40{self.seed % 1000:03d}{self.ean_counter:07d}"[:12]
        checksum = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10) % 10
        return body + str(checksum)

    def price(self) -> list[dict[str, str]]:
        euros = self.rng.choice((9, 14, 19, 24, 29, 39, 49, 59, 79, 99, 129, 149, 199, 249, 399))
        cents = self.rng.choice((0, 50, 90, 99))
        key = (euros, cents)
        cached = self._price_cache.get(key)
        if cached is None:
            eur = euros + cents / 100
            cached = [
                {"amount": f"{eur:.2f}", "currency": "EUR"},
                {"amount": f"{eur * 1.08:.2f}", "currency": "USD"},
            ]
            self._price_cache[key] = cached
        return cached

    def weight(self, low: float, high: float) -> dict[str, str]:
        amount = f"{low + self.rng.random() * (high - low):.1f}"
        cached = self._weight_cache.get(amount)
        if cached is None:
            cached = {"amount": f"{float(amount):.4f}", "unit": "KILOGRAM"}
            self._weight_cache[amount] = cached
        return cached

    # -- structure -------------------------------------------------------------------------------
    def structure(self) -> None:
        catalog = self.catalog
        catalog.currencies["EUR"]["enabled"] = True
        for l1, (labels, children) in CATEGORY_TREE.items():
            catalog.write_category(
                None, {"code": l1, "parent": "master", "labels": labels}, "create"
            )
            for l2, leaves in children.items():
                name = l2.replace("_", " ").capitalize()
                catalog.write_category(
                    None, {"code": l2, "parent": l1, "labels": _labels(name)}, "create"
                )
                for leaf in leaves:
                    leaf_name = leaf.replace("_", " ").capitalize()
                    catalog.write_category(
                        None, {"code": leaf, "parent": l2, "labels": _labels(leaf_name)}, "create"
                    )
        catalog.write_channel(
            "ecommerce",
            {
                "locales": list(CATALOG_LOCALES),
                "currencies": ["EUR", "USD"],
                "conversion_units": {},
                "labels": _labels("Ecommerce", "E-Commerce", "E-commerce"),
            },
            "update",
        )
        catalog.write_channel(
            None,
            {
                "code": "print",
                "locales": ["en_US", "de_DE"],
                "currencies": ["EUR"],
                "category_tree": "master",
                "labels": _labels("Print", "Druck", "Impression"),
            },
            "create",
        )
        catalog.write_association_type(
            None,
            {
                "code": "PRODUCT_SET",
                "labels": _labels("Product set", "Produktset", "Lot de produits"),
                "is_quantified": True,
            },
            "create",
        )
        for index, (code, labels) in enumerate(GROUPS.items()):
            catalog.write_attribute_group(
                None, {"code": code, "labels": labels, "sort_order": index}, "create"
            )
        catalog.write_attribute("sku", {"group": "erp", "labels": _labels("SKU")}, "update")
        self.reference_entities()
        self.asset_families()
        for index, definition in enumerate(ATTRIBUTES, start=2):
            catalog.write_attribute(None, {**definition, "sort_order": index}, "create")
        options = {
            "color": COLORS,
            "size": {s: _labels(s.upper()) for s in CLOTHING_SIZES}
            | {s: _labels(s) for s in SHOE_SIZES},
            "material": MATERIALS,
        }
        for attribute, values in options.items():
            for index, (code, labels) in enumerate(values.items(), start=1):
                catalog.write_option(
                    attribute, None, {"code": code, "labels": labels, "sort_order": index}, "create"
                )
        for code, definition in FAMILIES.items():
            attributes = COMMON + definition["extra"]
            catalog.write_family(
                None,
                {
                    "code": code,
                    "labels": definition["labels"],
                    "attributes": attributes,
                    "attribute_as_label": "name",
                    "attribute_as_image": "image",
                    "attribute_requirements": {
                        "ecommerce": ["sku", "name", "description", "price", "image"],
                        "print": ["sku", "name", "description"],
                    },
                },
                "create",
            )
        for code, (family, labels, sets) in FAMILY_VARIANTS.items():
            catalog.write_family_variant(
                family,
                None,
                {"code": code, "labels": labels, "variant_attribute_sets": sets},
                "create",
            )
        when = format_datetime(EPOCH)
        for key in list(catalog.updated_at):
            catalog.updated_at[key] = when
        for category in catalog.categories.values():
            category["updated"] = when

    def reference_entities(self) -> None:
        catalog = self.catalog
        catalog.write_reference_entity(
            "brand",
            {
                "labels": _labels("Brands", "Marken", "Marques"),
                "image": self.media("brand.png", REFERENCE_ENTITY_STORAGE, "png"),
            },
        )
        catalog.write_ref_attribute(
            "brand",
            "description",
            {
                "type": "text",
                "labels": _labels("Description"),
                "value_per_locale": True,
                "is_textarea": True,
                "max_characters": 1000,
            },
        )
        catalog.write_ref_attribute(
            "brand",
            "country",
            {"type": "single_option", "labels": _labels("Country", "Land", "Pays")},
        )
        catalog.write_ref_attribute(
            "brand",
            "founded",
            {
                "type": "number",
                "labels": _labels("Founded", "Gegründet", "Fondée"),
                "min_value": "1800",
                "max_value": "2100",
            },
        )
        for code, labels in COUNTRIES.items():
            catalog.write_ref_option("brand", "country", code, {"code": code, "labels": labels})
        brands = []
        for code in BRANDS:
            label = code.replace("_", " ").title()
            self.brand_labels[code] = label
            catalog.write_record(
                "brand",
                code,
                {
                    "values": {
                        "label": [
                            {"locale": loc, "channel": None, "data": label}
                            for loc in CATALOG_LOCALES
                        ],
                        "image": [
                            {
                                "locale": None,
                                "channel": None,
                                "data": self.media(
                                    f"{code}_logo.png", REFERENCE_ENTITY_STORAGE, "png"
                                ),
                            }
                        ],
                        "description": [
                            {
                                "locale": "en_US",
                                "channel": None,
                                "data": f"{label} makes products people keep for years.",
                            },
                            {
                                "locale": "fr_FR",
                                "channel": None,
                                "data": f"{label} fabrique des produits que l'on garde longtemps.",
                            },
                        ],
                        "country": [
                            {
                                "locale": None,
                                "channel": None,
                                "data": self.rng.choice(list(COUNTRIES)),
                            }
                        ],
                        "founded": [
                            {
                                "locale": None,
                                "channel": None,
                                "data": str(self.rng.randint(1890, 2015)),
                            }
                        ],
                    }
                },
            )
            brands.append(code)
        self.record_codes["brand"] = brands
        catalog.write_reference_entity(
            "color",
            {
                "labels": _labels("Colours", "Farben", "Couleurs"),
                "image": self.media("color.png", REFERENCE_ENTITY_STORAGE, "png"),
            },
        )
        catalog.write_ref_attribute(
            "color",
            "hex_code",
            {
                "type": "text",
                "labels": _labels("Hex code"),
                "max_characters": 7,
                "validation_rule": "regexp",
                "validation_regexp": "^#[0-9a-f]{6}$",
            },
        )
        colors = []
        for code, labels in COLORS.items():
            hex_code = f"#{self.rng.randrange(256):02x}{self.rng.randrange(256):02x}{self.rng.randrange(256):02x}"
            catalog.write_record(
                "color",
                code,
                {
                    "values": {
                        "label": [
                            {"locale": loc, "channel": None, "data": text}
                            for loc, text in labels.items()
                        ],
                        "hex_code": [{"locale": None, "channel": None, "data": hex_code}],
                        "image": [
                            {
                                "locale": None,
                                "channel": None,
                                "data": self.media(
                                    f"{code}_swatch.png", REFERENCE_ENTITY_STORAGE, "png"
                                ),
                            }
                        ],
                    }
                },
            )
            colors.append(code)
        self.record_codes["color"] = colors
        for store in catalog.records.values():
            for record in store.values():
                record["created"] = record["updated"] = self.moment(0, 30)

    def asset_families(self) -> None:
        catalog = self.catalog
        catalog.write_asset_family(
            "product_pictures",
            {"labels": _labels("Product pictures", "Produktbilder", "Photos produit")},
        )
        catalog.write_ref_attribute(
            "product_pictures",
            "media",
            {
                "type": "media_file",
                "media_type": "image",
                "labels": _labels("Media"),
                "allowed_extensions": ["jpg", "jpeg", "png"],
            },
            owner="asset",
        )
        catalog.write_ref_attribute(
            "product_pictures",
            "alt_text",
            {
                "type": "text",
                "value_per_locale": True,
                "labels": _labels("Alternative text"),
                "max_characters": 255,
            },
            owner="asset",
        )
        catalog.write_ref_attribute(
            "product_pictures",
            "photographer",
            {"type": "text", "labels": _labels("Photographer"), "max_characters": 100},
            owner="asset",
        )
        catalog.write_asset_family("product_pictures", {"attribute_as_main_media": "media"})
        catalog.write_asset_family(
            "manuals", {"labels": _labels("Manuals", "Anleitungen", "Manuels")}
        )
        catalog.write_ref_attribute(
            "manuals",
            "file",
            {
                "type": "media_file",
                "media_type": "pdf",
                "labels": _labels("File"),
                "allowed_extensions": ["pdf"],
            },
            owner="asset",
        )
        catalog.write_ref_attribute(
            "manuals",
            "language",
            {"type": "single_option", "labels": _labels("Language")},
            owner="asset",
        )
        for code in ("en", "de", "fr"):
            catalog.write_ref_option(
                "manuals", "language", code, {"labels": _labels(code.upper())}, owner="asset"
            )
        catalog.write_asset_family("manuals", {"attribute_as_main_media": "file"})
        store = catalog.assets["product_pictures"]
        pictures = max(12, min(20_000, self.target // 4))
        for index in range(pictures):
            code = f"picture_{index + 1:05d}"
            extension = "jpg" if index % 3 else "png"
            media = self.media(
                f"{code}.{extension}", ASSET_STORAGE, "jpeg" if extension == "jpg" else "png"
            )
            values = {
                vkey("media", None, None): media,
                vkey("alt_text", "en_US", None): f"Product picture {index + 1}",
                vkey("alt_text", "de_DE", None): f"Produktbild {index + 1}",
                vkey("photographer", None, None): self.rng.choice(
                    ("Ada", "Ben", "Chloé", "Dmitri")
                ),
            }
            moment = self.moment(0, 300)
            store[code] = {"code": code, "values": values, "created": moment, "updated": moment}
            self.pictures.append(code)
        store = catalog.assets["manuals"]
        for index in range(max(4, min(2_000, self.target // 40))):
            code = f"manual_{index + 1:04d}"
            language = ("en", "de", "fr")[index % 3]
            media = self.media(f"{code}.pdf", ASSET_STORAGE, "pdf", title=f"Manual {index + 1}")
            moment = self.moment(0, 300)
            store[code] = {
                "code": code,
                "values": {vkey("file", None, None): media, vkey("language", None, None): language},
                "created": moment,
                "updated": moment,
            }
            self.manual_codes.append(code)

    # -- products ----------------------------------------------------------------------------------
    def texts(self, family: str, brand: str) -> tuple[dict[str, str], list[str]]:
        rng = self.rng
        noun_index = rng.randrange(len(NOUNS[family][0]))
        adjective_index = rng.randrange(len(ADJECTIVES[0]))
        brand_label = self.brand_labels.get(brand, brand)
        names = {
            "en_US": f"{brand_label} {ADJECTIVES[0][adjective_index]} {NOUNS[family][0][noun_index]}",
            "de_DE": f"{brand_label} {ADJECTIVES[1][adjective_index]} {NOUNS[family][1][noun_index]}",
            "fr_FR": f"{NOUNS[family][2][noun_index]} {ADJECTIVES[2][adjective_index]} {brand_label}",
        }
        picks = rng.sample(range(len(SENTENCES[0])), 2)
        return names, picks

    def marketing_values(
        self, values: dict[Any, Any], family: str, brand: str, empties: bool
    ) -> None:
        rng = self.rng
        names, picks = self.texts(family, brand)
        for index, locale in enumerate(CATALOG_LOCALES):
            values[vkey("name", locale, None)] = names[locale]
            sentences = " ".join(SENTENCES[index][i] for i in picks)
            if not (empties and locale == "fr_FR"):
                values[vkey("description", locale, "ecommerce")] = (
                    f"<p>{names[locale]}. {sentences}</p>"
                )
            if locale != "fr_FR":
                values[vkey("description", locale, "print")] = (
                    f"{names[locale]}. {SENTENCES[index][picks[0]]}"
                )
        values[vkey("brand", None, None)] = brand
        values[vkey("release_date", None, "ecommerce")] = (
            self.moment(-400, 500)[:10] + "T00:00:00+00:00"
        )
        if rng.random() < 0.5:
            values[vkey("release_date", None, "print")] = (
                self.moment(-300, 500)[:10] + "T00:00:00+00:00"
            )
        values[vkey("eco_friendly", None, None)] = rng.random() < 0.3
        values[vkey("pictures", None, None)] = rng.sample(
            self.pictures, k=min(len(self.pictures), rng.randint(1, 3))
        )

    def family_values(self, values: dict[Any, Any], family: str, empties: bool) -> None:
        rng = self.rng
        if family in ("clothing", "shoes", "home", "accessories"):
            values[vkey("material", None, None)] = rng.sample(list(MATERIALS), k=rng.randint(1, 2))
        if family in ("clothing", "home") and rng.random() < 0.6:
            values[vkey("colors", None, None)] = rng.sample(
                self.record_codes["color"], k=rng.randint(1, 3)
            )
        if family in ("electronics", "home", "accessories") and not empties:
            values[vkey("rating", None, None)] = f"{rng.randint(10, 50) / 10:.4f}"
        if family == "electronics":
            values[vkey("warranty_months", None, None)] = rng.choice((12, 24, 36))
            values[vkey("power", None, None)] = {
                "amount": rng.choice((5, 10, 20, 45, 65, 100)),
                "unit": "WATT",
            }
            if rng.random() < 0.7:
                values[vkey("package_contents", None, None)] = [
                    {"component": component, "quantity": rng.randint(1, 2)}
                    | ({"note": "USB-C"} if component == "cable" else {})
                    for component in rng.sample(list(COMPONENTS), k=rng.randint(1, 3))
                ]
        if family in ("electronics", "home") and self.manual_codes and rng.random() < 0.5:
            values[vkey("manuals", None, None)] = [rng.choice(self.manual_codes)]

    def add_product(
        self,
        family: str,
        sku: str,
        values: dict[Any, Any],
        *,
        parent: str | None,
        categories: tuple[str, ...],
        created: str,
    ) -> Product:
        rng = self.rng
        product = Product(self.uuid())
        product.identifier = sku
        product.family = family
        product.parent = parent
        product.categories = categories
        product.enabled = rng.random() >= 0.06
        values[vkey("sku", None, None)] = sku
        product.values = values
        product.created = created
        product.updated = created if rng.random() < 0.3 else self.moment(420, 120)
        if self.product_uuids and rng.random() < 0.3:
            links = rng.sample(
                self.product_uuids, k=min(len(self.product_uuids), rng.randint(1, 3))
            )
            product.associations["X_SELL"] = {"products": links, "product_models": [], "groups": []}
        if self.model_codes and rng.random() < 0.15:
            product.associations["UPSELL"] = {
                "products": [],
                "product_models": [rng.choice(self.model_codes)],
                "groups": [],
            }
        if len(self.product_uuids) > 2 and rng.random() < 0.05:
            pack = rng.sample(self.product_uuids, k=2)
            product.quantified["PRODUCT_SET"] = {
                "products": [(u, rng.randint(1, 4)) for u in pack],
                "product_models": [],
            }
        if family == "electronics" and self.product_uuids and rng.random() < 0.3:
            values[vkey("main_accessory", None, None)] = {
                "type": "product",
                "id": rng.choice(self.product_uuids),
            }
        self.catalog.add_generated_product(product)
        self.product_uuids.append(product.uuid)
        self.count += 1
        return product

    def simple(self, number: int) -> None:
        rng = self.rng
        family = rng.choice(
            ("electronics", "home", "accessories", "electronics", "shoes", "clothing")
        )
        empties = rng.random() < 0.08
        values: dict[Any, Any] = {}
        brand = rng.choice(self.record_codes["brand"])
        self.marketing_values(values, family, brand, empties)
        self.family_values(values, family, empties)
        values[vkey("price", None, None)] = self.price()
        if not empties:
            values[vkey("ean", None, None)] = self.ean()
        values[vkey("weight", None, None)] = self.weight(0.1, 12)
        values[vkey("color", None, None)] = rng.choice(list(COLORS))
        if family in ("clothing", "shoes"):
            values[vkey("size", None, None)] = rng.choice(
                CLOTHING_SIZES if family == "clothing" else SHOE_SIZES
            )
        sku = f"{family[:3].upper()}-{number:06d}"
        if not empties or rng.random() < 0.5:
            extension = "jpg" if rng.random() < 0.6 else "png"
            values[vkey("image", None, None)] = self.media(
                f"{sku}.{extension}", CATALOG_STORAGE, "jpeg" if extension == "jpg" else "png"
            )
        if family == "electronics" and rng.random() < 0.6:
            values[vkey("datasheet", None, None)] = self.media(
                f"{sku}_datasheet.pdf", CATALOG_STORAGE, "pdf", title=f"Datasheet {sku}"
            )
        categories = (rng.choice(FAMILY_LEAVES[family]),)
        if rng.random() < 0.25:
            categories += (rng.choice(HIGHLIGHT_LEAVES),)
        if rng.random() < 0.02:
            categories = ()  # unclassified products exist in every real catalog
        self.add_product(
            family, sku, values, parent=None, categories=categories, created=self.moment(0, 400)
        )

    def model(
        self,
        code: str,
        variant: str,
        parent: str | None,
        values: dict[Any, Any],
        categories: tuple[str, ...],
        created: str,
    ) -> ProductModel:
        family = FAMILY_VARIANTS[variant][0]
        model = ProductModel(code, self.catalog.model_seq + 1)
        model.family = family
        model.family_variant = variant
        model.parent = parent
        model.categories = categories
        model.values = values
        model.created = created
        model.updated = created if self.rng.random() < 0.5 else self.moment(400, 100)
        if parent is None and self.product_uuids and self.rng.random() < 0.2:
            model.associations["X_SELL"] = {
                "products": self.rng.sample(self.product_uuids, k=1),
                "product_models": [],
                "groups": [],
            }
        self.catalog.add_generated_model(model)
        self.model_codes.append(code)
        return model

    def variant_group(self, number: int, two_levels: bool, budget: int) -> None:
        rng = self.rng
        variant = (
            "clothing_color_size" if two_levels else rng.choice(("clothing_size", "shoes_size"))
        )
        family = FAMILY_VARIANTS[variant][0]
        brand = rng.choice(self.record_codes["brand"])
        root_values: dict[Any, Any] = {}
        empties = rng.random() < 0.08
        self.marketing_values(root_values, family, brand, empties)
        self.family_values(root_values, family, empties)
        code = f"{family}_model_{number:05d}"
        created = self.moment(0, 380)
        if not two_levels:
            root_values[vkey("color", None, None)] = rng.choice(list(COLORS))
            root_values[vkey("image", None, None)] = self.media(
                f"{code}.jpg", CATALOG_STORAGE, "jpeg"
            )
        categories = (rng.choice(FAMILY_LEAVES[family]),)
        if rng.random() < 0.2:
            categories += (rng.choice(HIGHLIGHT_LEAVES),)
        self.model(code, variant, None, root_values, categories, created)
        sizes = CLOTHING_SIZES if family == "clothing" else SHOE_SIZES
        if two_levels:
            colors = rng.sample(list(COLORS), k=min(rng.randint(2, 3), max(1, budget // 2)))
            per_color = max(1, min(rng.randint(3, 5), budget // len(colors)))
            for color in colors:
                sub_code = f"{code}_{color}"
                extension = "jpg" if rng.random() < 0.7 else "png"
                kind = "jpeg" if extension == "jpg" else "png"
                sub_values: dict[Any, Any] = {
                    vkey("color", None, None): color,
                    vkey("image", None, None): self.media(
                        f"{sub_code}.{extension}", CATALOG_STORAGE, kind
                    ),
                }
                if rng.random() < 0.5:
                    sub_values[vkey("colors", None, None)] = (
                        [color] if color in self.record_codes["color"] else []
                    )
                sub_categories = (rng.choice(HIGHLIGHT_LEAVES),) if rng.random() < 0.15 else ()
                self.model(sub_code, variant, code, sub_values, sub_categories, created)
                for size in sorted(
                    rng.sample(sizes, k=min(per_color, len(sizes))), key=sizes.index
                ):
                    if self.count >= self.target:
                        return
                    self.variant_product(
                        family,
                        f"{sub_code}_{size}".upper().replace("_MODEL_", "-"),
                        sub_code,
                        size,
                        created,
                    )
        else:
            count = max(1, min(rng.randint(3, 6), budget))
            for size in sorted(rng.sample(sizes, k=min(count, len(sizes))), key=sizes.index):
                if self.count >= self.target:
                    return
                self.variant_product(
                    family, f"{code}_{size}".upper().replace("_MODEL_", "-"), code, size, created
                )

    def variant_product(self, family: str, sku: str, parent: str, size: str, created: str) -> None:
        rng = self.rng
        values: dict[Any, Any] = {
            vkey("size", None, None): size,
            vkey("price", None, None): self.price(),
            vkey("weight", None, None): self.weight(0.2, 2),
        }
        if rng.random() >= 0.05:
            values[vkey("ean", None, None)] = self.ean()
        self.add_product(family, sku, values, parent=parent, categories=(), created=created)

    def products(self) -> None:
        rng = self.rng
        number = 0
        plan = ["two", "one"]  # every catalog, even a tiny one, has both kinds of models
        while self.count < self.target:
            number += 1
            remaining = self.target - self.count
            kind = (
                plan.pop(0)
                if plan
                else rng.choices(("simple", "one", "two"), weights=(85, 8, 7))[0]
            )
            if kind == "simple" or remaining < 2:
                self.simple(number)
            else:
                self.variant_group(number, kind == "two", min(remaining, 15))
        self.catalog.finish_bulk_load()


def generated_catalog(products: int, seed: int, clock: Any = None) -> Catalog:
    """A catalog of `products` products (simple and variant), the same for the same seed."""
    if not MIN_PRODUCTS <= products <= MAX_PRODUCTS:
        raise ValueError(
            f"a generated catalog has {MIN_PRODUCTS} to {MAX_PRODUCTS} products, not {products}"
        )
    catalog = Catalog(clock)
    build_base(catalog)
    generator = Generator(catalog, seed, products)
    generator.structure()
    generator.products()
    return catalog


def demo_catalog(seed: int, clock: Any = None) -> Catalog:
    return generated_catalog(DEMO_PRODUCTS, seed, clock)
