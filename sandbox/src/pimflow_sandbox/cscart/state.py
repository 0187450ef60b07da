"""The shop behind the CS-Cart sandbox: its records and the rules CS-Cart applies to them.

Pure Python, no HTTP (the moto split): `api.py` parses requests, calls a `Store` method and
renders the result with `views.py`. A rule the shop enforces raises `StateError`, whose
`kind` the HTTP layer maps to CS-Cart's status codes.

What it keeps, as CS-Cart keeps it:
- languages, companies (Multi-Vendor vendors; company 1 owns the marketplace);
- categories (a tree by `parent_id`, names per language);
- product features of every type with their variants (names per language);
- products: scalar columns, texts per language (a create writes every language, an update
  with `lang_code` only that one), categories with a main one, feature values, image pairs;
- product variation groups, whose products must have distinct values of the group's features.

Look-ups are by dict; product codes have a trigram index, because `pcode` is CS-Cart's
`LIKE '%code%'` and pimflow looks up thousands of products by code.
"""

from __future__ import annotations

import base64
import random
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pimflow_sandbox.cscart.images import FetchedImage, ImagesRequest, PairRequest
from pimflow_sandbox.cscart.values import (
    InvalidValue,
    TrigramIndex,
    param_values,
    slugify,
    text_matches,
    to_choice,
    to_decimal,
    to_id_list,
    to_int,
    to_str,
)

DEFAULT_COMPANY_ID = 1
YN = ("Y", "N")
STATUSES = ("A", "D", "H")

FEATURE_TYPES = ("C", "M", "S", "N", "E", "T", "O", "D", "G")
SELECTABLE_TYPES = ("S", "N", "E", "M")  # features whose values are variants
VARIATION_TYPES = ("S", "N", "E")  # features a variation group may be built on
CREATE_CATALOG_ITEM = "group_catalog_item"  # variations as separate products
CREATE_VARIATION_OF_CATALOG_ITEM = "group_variation_catalog_item"  # variations as one product
VARIATION_PURPOSES = (CREATE_CATALOG_ITEM, CREATE_VARIATION_OF_CATALOG_ITEM)
PURPOSES = ("find_products", *VARIATION_PURPOSES, "organize_catalog", "describe_product")

# Group attach results, as Tygh\Addons\ProductVariations\Product\Group\Group numbers them.
RESULT_NOTHING = 0
RESULT_ADDED = 1
RESULT_COMPANY_MISMATCH = 253
RESULT_COMBINATION_EXISTS = 254
RESULT_INVALID_FEATURE_VALUES = 255
GROUP_CODE = re.compile(r"^[-_a-z0-9]+$", re.IGNORECASE)


class StateError(Exception):
    """A request the shop refuses; `kind` is bad_request, not_found, forbidden or conflict."""

    def __init__(self, kind: str, message: str = "") -> None:
        super().__init__(message or kind)
        self.kind = kind
        self.message = message


def bad(message: str) -> StateError:
    return StateError("bad_request", message)


def not_found(message: str = "") -> StateError:
    return StateError("not_found", message)


def _checked(function: Callable[[], Any]) -> Any:
    try:
        return function()
    except InvalidValue as exc:
        raise bad(str(exc)) from exc


# -- field tables ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """A scalar column: its kind (str, int, dec, choice), default, and decimals or choices."""

    kind: str
    default: Any
    extra: Any = None

    def coerce(self, name: str, value: Any) -> Any:
        if self.kind == "int":
            return to_int(name, value)
        if self.kind == "dec":
            return to_decimal(name, value, self.extra)
        if self.kind == "choice":
            return to_choice(name, value, self.extra)
        if self.kind == "ids":  # an array of IDs, kept as CS-Cart's comma-separated column
            return ",".join(str(i) for i in to_id_list(name, value))
        return to_str(name, value)


def _yn(default: str) -> Spec:
    return Spec("choice", default, YN)


PRODUCT_FIELDS: dict[str, Spec] = {
    "product_code": Spec("str", ""),
    "status": Spec("choice", "A", STATUSES),
    "list_price": Spec("dec", Decimal("0"), 2),
    "price": Spec("dec", Decimal("0"), 2),
    "amount": Spec("int", 1),
    "weight": Spec("dec", Decimal("0"), 3),
    "length": Spec("int", 0),
    "width": Spec("int", 0),
    "height": Spec("int", 0),
    "shipping_freight": Spec("dec", Decimal("0"), 2),
    "low_avail_limit": Spec("int", 0),
    "usergroup_ids": Spec("str", "0"),
    "is_edp": _yn("N"),
    "edp_shipping": _yn("N"),
    "unlimited_download": _yn("N"),
    "tracking": Spec("choice", "B", ("B", "D")),
    "free_shipping": _yn("N"),
    "zero_price_action": Spec("choice", "R", ("R", "P", "A")),
    "is_pbp": _yn("Y"),
    "is_op": _yn("N"),
    "is_oper": _yn("N"),
    "is_returnable": _yn("Y"),
    "return_period": Spec("int", 10),
    "avail_since": Spec("int", 0),
    "out_of_stock_actions": Spec("choice", "N", ("N", "B", "S")),
    "localization": Spec("str", ""),
    "min_qty": Spec("int", 0),
    "max_qty": Spec("int", 0),
    "qty_step": Spec("int", 0),
    "list_qty_count": Spec("int", 0),
    "tax_ids": Spec("ids", ""),
    "age_verification": _yn("N"),
    "age_limit": Spec("int", 0),
    "options_type": Spec("choice", "P", ("P", "S")),
    "exceptions_type": Spec("choice", "F", ("F", "A")),
    "details_layout": Spec("str", "default"),
    "feature_comparison": _yn("N"),
    "shared_product": _yn("N"),
    "popularity": Spec("int", 0),
    "sales_amount": Spec("int", 0),
    "point_price": Spec("dec", Decimal("0"), 2),
    "min_items_in_box": Spec("int", 0),
    "max_items_in_box": Spec("int", 0),
    "box_length": Spec("int", 0),
    "box_width": Spec("int", 0),
    "box_height": Spec("int", 0),
    "timestamp": Spec("int", 0),
}
PRODUCT_TEXTS = (
    "product",
    "shortname",
    "short_description",
    "full_description",
    "meta_keywords",
    "meta_description",
    "search_words",
    "page_title",
    "age_warning_message",
    "promo_text",
)

CATEGORY_FIELDS: dict[str, Spec] = {
    "status": Spec("choice", "A", STATUSES),
    "position": Spec("int", 0),
    "usergroup_ids": Spec("str", "0"),
    "age_limit": Spec("int", 0),
    "age_verification": _yn("N"),
    "default_layout": Spec("str", ""),
    "product_columns": Spec("int", 0),
    "selected_layouts": Spec("str", ""),
    "product_details_layout": Spec("str", "default"),
    "localization": Spec("str", ""),
    "timestamp": Spec("int", 0),
}
CATEGORY_TEXTS = (
    "category",
    "description",
    "meta_keywords",
    "meta_description",
    "page_title",
    "age_warning_message",
)

FEATURE_FIELDS: dict[str, Spec] = {
    "status": Spec("choice", "A", STATUSES),
    "position": Spec("int", 0),
    "comparison": _yn("N"),
    "display_on_product": _yn("N"),
    "display_on_catalog": _yn("N"),
    "display_on_header": _yn("N"),
    "feature_code": Spec("str", ""),
    "categories_path": Spec("str", ""),
    "group_position": Spec("int", 0),
}
FEATURE_TEXTS = ("description", "full_description", "prefix", "suffix")
VARIANT_TEXTS = ("variant", "description", "page_title", "meta_keywords", "meta_description")

# feature type -> (purpose, feature_style, filter_style) when the client names none.
_FEATURE_DEFAULTS = {
    "C": ("find_products", "checkbox", "checkbox"),
    "M": ("find_products", "multiple_checkbox", "checkbox"),
    "S": ("find_products", "text", "checkbox"),
    "N": ("find_products", "text", "slider"),
    "O": ("find_products", "text", "slider"),
    "D": ("find_products", "text", "date"),
    "E": ("organize_catalog", "brand", "checkbox"),
    "T": ("describe_product", "text", ""),
    "G": ("", "", ""),
}

COMPANY_FIELDS = (
    "phone",
    "url",
    "fax",
    "address",
    "city",
    "state",
    "country",
    "zipcode",
    "company_description",
    "pre_moderation",
    "pre_moderation_edit",
    "pre_moderation_edit_vendors",
    "categories",
    "commission",
    "commission_type",
    "terms",
)
COMPANY_STATUSES = ("A", "N", "P", "D")
COMPANY_REQUIRED = (
    "company",
    "storefront",
    "email",
    "phone",
    "address",
    "city",
    "country",
    "state",
    "zipcode",
)


# -- records ---------------------------------------------------------------------------------


@dataclass
class Language:
    lang_id: int
    lang_code: str
    name: str
    status: str = "A"
    country_code: str = ""
    direction: str = "ltr"


@dataclass
class Company:
    company_id: int
    company: str
    email: str
    storefront: str
    status: str = "A"
    lang_code: str = "en"
    timestamp: int = 0
    seo_name: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Category:
    category_id: int
    parent_id: int
    id_path: str
    company_id: int
    fields: dict[str, Any]
    texts: dict[str, dict[str, str]]
    seo_name: str = ""


@dataclass
class Variant:
    variant_id: int
    feature_id: int
    position: int = 0
    url: str = ""
    color: str = ""
    texts: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class Feature:
    feature_id: int
    feature_type: str
    company_id: int
    parent_id: int
    purpose: str
    feature_style: str
    filter_style: str
    internal_name: str
    fields: dict[str, Any]
    texts: dict[str, dict[str, str]]
    variants: dict[int, Variant] = field(default_factory=dict)
    timestamp: int = 0
    updated_timestamp: int = 0


@dataclass
class FeatureValue:
    """A product's value of one feature: variants (S, N, E, M), a letter (C), a number (O, D)
    or, for text features (T), a text per language."""

    variant_ids: list[int] = field(default_factory=list)
    value: str = ""
    value_int: Decimal | None = None
    texts: dict[str, str] = field(default_factory=dict)


@dataclass
class StoredImage:
    image_id: int
    relative_path: str
    sha256: str
    size: int
    content_type: str
    width: int
    height: int
    alt: str
    source_url: str


@dataclass
class ImagePair:
    pair_id: int
    pair_type: str  # M main, A additional
    position: int
    detailed: StoredImage | None
    icon: StoredImage | None


@dataclass
class Product:
    product_id: int
    company_id: int
    fields: dict[str, Any]
    texts: dict[str, dict[str, str]]
    category_ids: list[int]
    main_category: int
    features: dict[int, FeatureValue] = field(default_factory=dict)
    main_pair: ImagePair | None = None
    image_pairs: list[ImagePair] = field(default_factory=list)
    seo_name: str = ""
    updated_timestamp: int = 0
    product_type: str = "P"
    parent_product_id: int = 0
    variation_group_id: int = 0


@dataclass
class GroupFeature:
    feature_id: int
    purpose: str


@dataclass
class VariationGroup:
    id: int
    code: str
    features: list[GroupFeature]
    product_ids: list[int]
    created_at: int
    updated_at: int


@dataclass
class ProductQuery:
    """The filters of GET /products, with the defaults CS-Cart's API merges in."""

    lang: str
    product_ids: list[int] | None = None
    company_id: int | None = None
    category_ids: list[int] | None = None
    subcats: bool = True
    statuses: list[str] = field(default_factory=list)
    pcode: str = ""
    q: str = ""
    match: str = "all"
    pname: bool = True
    pshort: bool = True
    pfull: bool = True
    pkeywords: bool = True
    pcode_from_q: bool = True
    price_from: Decimal | None = None
    price_to: Decimal | None = None
    amount_from: int | None = None
    amount_to: int | None = None
    free_shipping: str = ""
    is_edp: str = ""
    product_types: list[str] = field(default_factory=list)
    parent_product_ids: list[int] | None = None
    variation_group_id: int | None = None
    has_variation_group: bool = False
    order_ids: list[str] = field(default_factory=list)
    sort_by: str = "product"
    sort_order: str = "asc"

    SORTINGS = (
        "product",
        "price",
        "list_price",
        "code",
        "amount",
        "status",
        "date",
        "timestamp",
        "updated_timestamp",
        "popularity",
    )

    @classmethod
    def from_params(cls, params: dict[str, Any], lang: str) -> ProductQuery:
        def flag(name: str, default: bool) -> bool:
            value = params.get(name)
            if value is None or value == "":
                return default
            text = str(value[-1] if isinstance(value, list) else value).upper()
            return text in ("Y", "1", "TRUE")

        def one(name: str) -> str:
            value = params.get(name)
            if isinstance(value, list):
                value = value[-1] if value else ""
            return str(value).strip() if value is not None else ""

        def number(name: str, kind: Callable[[str, Any], Any]) -> Any:
            text = one(name)
            return _checked(lambda: kind(name, text)) if text else None

        query = cls(lang=lang)
        ids = param_values(params.get("pid"))
        if ids:
            query.product_ids = _checked(lambda: to_id_list("pid", ids))
        if one("company_id"):
            query.company_id = _checked(lambda: to_int("company_id", one("company_id")))
        cids = param_values(params.get("cid"))
        if cids:
            query.category_ids = _checked(lambda: to_id_list("cid", cids))
        query.subcats = flag("subcats", True)
        query.statuses = [s.upper() for s in param_values(params.get("status"))]
        query.pcode = one("pcode")
        query.q = one("q")
        match = one("match").lower()
        query.match = match if match in ("all", "any", "exact") else "all"
        for name in ("pname", "pshort", "pfull", "pkeywords", "pcode_from_q"):
            setattr(query, name, flag(name, True))
        query.price_from = number("price_from", lambda n, v: to_decimal(n, v, 2))
        query.price_to = number("price_to", lambda n, v: to_decimal(n, v, 2))
        query.amount_from = number("amount_from", to_int)
        query.amount_to = number("amount_to", to_int)
        query.free_shipping = one("free_shipping").upper()
        query.is_edp = one("is_edp").upper()
        query.product_types = [t.upper() for t in param_values(params.get("product_type"))]
        parents = param_values(params.get("parent_product_id"))
        if parents:
            query.parent_product_ids = _checked(
                lambda: [to_int("parent_product_id", p) for p in parents]
            )
        query.order_ids = param_values(params.get("order_ids"))
        sort_by = one("sort_by")
        query.sort_by = sort_by if sort_by in cls.SORTINGS else "product"
        sort_order = one("sort_order").lower()
        query.sort_order = sort_order if sort_order in ("asc", "desc") else "asc"
        return query


# -- the store -------------------------------------------------------------------------------


class Store:
    """Every record of one shop, with CS-Cart's rules for changing them."""

    def __init__(
        self,
        languages: Iterable[str] = ("en", "de", "fr"),
        seed: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.clock = clock
        self.rng = random.Random(seed)
        self.languages: dict[str, Language] = {}
        self.companies: dict[int, Company] = {}
        self.categories: dict[int, Category] = {}
        self.features: dict[int, Feature] = {}
        self.variants: dict[int, Variant] = {}
        self.products: dict[int, Product] = {}
        self.groups: dict[int, VariationGroup] = {}
        self.blobs: dict[str, bytes] = {}  # image bytes by sha256
        self.images_by_path: dict[str, StoredImage] = {}
        self._blob_refs: dict[str, int] = {}
        self._ids: dict[str, int] = {}
        self._codes = TrigramIndex()
        self._by_company: dict[int, set[int]] = {}
        self._by_category: dict[int, set[int]] = {}
        self._seo: dict[str, tuple[str, int]] = {}
        self._group_codes: dict[str, int] = {}
        names = {"en": ("English", "US"), "de": ("Deutsch", "DE"), "fr": ("Français", "FR")}
        names.update({"ru": ("Русский", "RU"), "es": ("Español", "ES"), "it": ("Italiano", "IT")})
        for code in languages:
            code = code.strip().lower()
            if not code or code in self.languages:
                continue
            name, country = names.get(code, (code.upper(), code.upper()))
            self.languages[code] = Language(self._next("language"), code, name, "A", country)
        if not self.languages:
            raise ValueError("the shop needs at least one language")
        self.default_language = next(iter(self.languages))
        now = self.now()
        for name, email, store in (
            ("Simtech", "simtech@example.com", "simtech"),
            ("ACME Corp", "acme_corp@example.com", "acme"),
            ("Global Gadgets", "gadgets@example.com", "gadgets"),
        ):
            company_id = self._next("company")
            seo = self._claim_seo(slugify(name), "company", company_id)
            self.companies[company_id] = Company(
                company_id, name, email, store, "A", self.default_language, now, seo
            )
            self._by_company[company_id] = set()

    # -- small helpers ---------------------------------------------------------------------
    def now(self) -> int:
        return int(self.clock())

    def _next(self, kind: str) -> int:
        self._ids[kind] = self._ids.get(kind, 0) + 1
        return self._ids[kind]

    def lang(self, requested: str | None) -> str:
        """The language a request works in: CS-Cart falls back to the default language when
        `lang_code` names no active (or hidden) language."""
        if requested:
            language = self.languages.get(requested.strip().lower())
            if language and language.status in ("A", "H"):
                return language.lang_code
        return self.default_language

    def _all_langs(self) -> list[str]:
        return list(self.languages)

    def _claim_seo(self, wanted: str, kind: str, object_id: int) -> str:
        base = slugify(wanted) if wanted else kind
        name, suffix = base, 1
        while name in self._seo and self._seo[name] != (kind, object_id):
            suffix += 1
            name = f"{base}-{suffix}"
        self._seo[name] = (kind, object_id)
        return name

    def _release_seo(self, name: str) -> None:
        self._seo.pop(name, None)

    def company(self, company_id: int) -> Company:
        company = self.companies.get(company_id)
        if company is None:
            raise not_found(f"company {company_id} does not exist")
        return company

    def _valid_company(self, value: Any) -> int:
        company_id = _checked(lambda: to_int("company_id", value))
        if company_id not in self.companies:
            raise bad(f"company_id {company_id} does not exist")
        return company_id

    @staticmethod
    def _set_texts(
        texts: dict[str, dict[str, str]],
        data: dict[str, Any],
        names: Iterable[str],
        langs: Iterable[str],
    ) -> None:
        for name in names:
            if name in data:
                value = _checked(lambda name=name: to_str(name, data[name]))
                for lang in langs:
                    texts.setdefault(lang, {})[name] = value

    @staticmethod
    def _coerce_fields(specs: dict[str, Spec], data: dict[str, Any]) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for name, spec in specs.items():
            if name in data:
                changes[name] = _checked(lambda spec=spec, name=name: spec.coerce(name, data[name]))
        return changes

    # -- languages ---------------------------------------------------------------------------
    def language_by_id(self, lang_id: int) -> Language:
        for language in self.languages.values():
            if language.lang_id == lang_id:
                return language
        raise not_found()

    def create_language(self, data: dict[str, Any], copy_from: str | None = None) -> Language:
        code = str(data.get("lang_code") or "").strip().lower()
        name = str(data.get("name") or "").strip()
        if not code:
            raise bad('Required field "lang_code" is missing')
        if not name:
            raise bad('Required field "name" is missing')
        if not re.fullmatch(r"[a-z]{2}", code):
            raise bad("lang_code must be a two-letter language code")
        if code in self.languages:
            raise bad(f"the language {code} is already installed")
        language = Language(self._next("language"), code, name)
        self._language_details(language, data)
        source = self.lang(str(data.get("from_lang_code") or copy_from or ""))
        self.languages[code] = language
        self._copy_texts(source, code)
        return language

    def _language_details(self, language: Language, data: dict[str, Any]) -> None:
        if "status" in data:
            language.status = _checked(lambda: to_choice("status", data["status"], ("A", "H", "D")))
        if "country_code" in data:
            country = str(data["country_code"] or "").strip()
            if country and not re.fullmatch(r"[A-Z]{2}", country):
                raise bad("country_code must be two capital letters")
            language.country_code = country
        if "direction" in data:
            language.direction = _checked(
                lambda: to_choice("direction", data["direction"], ("LTR", "RTL"))
            ).lower()

    def update_language(self, lang_id: int, data: dict[str, Any]) -> Language:
        language = self.language_by_id(lang_id)
        code = str(data.get("lang_code") or "").strip().lower()
        if not code:
            raise bad('Required field "lang_code" is missing')
        if code != language.lang_code:
            if not re.fullmatch(r"[a-z]{2}", code):
                raise bad("lang_code must be a two-letter language code")
            if code in self.languages:
                raise bad(f"the language {code} is already installed")
            if language.lang_code == self.default_language:
                raise bad("the lang_code of the default language cannot be changed")
        self._language_details(language, data)
        if "name" in data and str(data["name"]).strip():
            language.name = str(data["name"]).strip()
        if code != language.lang_code:
            # CS-Cart keeps the texts under the old code: they come back if the code does.
            del self.languages[language.lang_code]
            language.lang_code = code
            self.languages[code] = language
        return language

    def delete_language(self, lang_id: int) -> None:
        language = self.language_by_id(lang_id)
        if language.lang_code == self.default_language:
            raise bad("the default language cannot be deleted")
        code = language.lang_code
        del self.languages[code]
        for record in self._text_holders():
            record.pop(code, None)
        for product in self.products.values():
            for value in product.features.values():
                value.texts.pop(code, None)

    def _text_holders(self) -> Iterable[dict[str, dict[str, str]]]:
        for product in self.products.values():
            yield product.texts
        for category in self.categories.values():
            yield category.texts
        for feature in self.features.values():
            yield feature.texts
        for variant in self.variants.values():
            yield variant.texts

    def _copy_texts(self, source: str, target: str) -> None:
        for texts in self._text_holders():
            if source in texts:
                texts[target] = dict(texts[source])
        for product in self.products.values():
            for value in product.features.values():
                if source in value.texts:
                    value.texts[target] = value.texts[source]

    # -- companies ---------------------------------------------------------------------------
    def create_company(self, data: dict[str, Any]) -> Company:
        for name in COMPANY_REQUIRED:
            if not str(data.get(name) or "").strip():
                raise bad(f'Required field "{name}" is missing')
        storefront = str(data["storefront"]).strip()
        if any(c.storefront == storefront for c in self.companies.values()):
            raise bad(f"the storefront {storefront!r} is used by another vendor")
        company_id = self._next("company")
        company = Company(
            company_id=company_id,
            company=str(data["company"]).strip(),
            email=str(data["email"]).strip(),
            storefront=storefront,
            timestamp=self.now(),
            lang_code=self.default_language,
        )
        self._company_details(company, data)
        company.seo_name = self._claim_seo(company.company, "company", company_id)
        self.companies[company_id] = company
        self._by_company[company_id] = set()
        return company

    def _company_details(self, company: Company, data: dict[str, Any]) -> None:
        if "status" in data:
            company.status = _checked(lambda: to_choice("status", data["status"], COMPANY_STATUSES))
        if "lang_code" in data:
            company.lang_code = self.lang(str(data["lang_code"]))
        if str(data.get("company") or "").strip():
            company.company = str(data["company"]).strip()
        if str(data.get("email") or "").strip():
            company.email = str(data["email"]).strip()
        for name in COMPANY_FIELDS:
            if name in data:
                company.details[name] = data[name]
        if "shippings" in data:
            company.details["shippings"] = data["shippings"]

    def update_company(self, company_id: int, data: dict[str, Any]) -> Company:
        company = self.companies.get(company_id)
        if company is None:
            raise not_found()
        if str(data.get("storefront") or "").strip():
            storefront = str(data["storefront"]).strip()
            if any(
                c.storefront == storefront and c.company_id != company_id
                for c in self.companies.values()
            ):
                raise bad(f"the storefront {storefront!r} is used by another vendor")
            company.storefront = storefront
        self._company_details(company, data)
        return company

    def delete_company(self, company_id: int) -> None:
        if company_id not in self.companies:
            raise not_found()
        if company_id == DEFAULT_COMPANY_ID:
            raise bad("the marketplace owner (company 1) cannot be deleted")
        for product_id in sorted(self._by_company.get(company_id, set())):
            self.delete_product(product_id)
        company = self.companies.pop(company_id)
        self._by_company.pop(company_id, None)
        self._release_seo(company.seo_name)

    def search_companies(self, params: dict[str, Any]) -> list[Company]:
        def one(name: str) -> str:
            value = params.get(name)
            if isinstance(value, list):
                value = value[-1] if value else ""
            return str(value or "").strip()

        found = list(self.companies.values())
        if one("email"):
            found = [c for c in found if c.email.lower() == one("email").lower()]
        if one("status"):
            found = [c for c in found if c.status == one("status").upper()]
        if one("company"):
            found = [c for c in found if one("company").lower() in c.company.lower()]
        if one("timestamp"):
            found = [c for c in found if str(c.timestamp) == one("timestamp")]
        keys: dict[str, Callable[[Company], Any]] = {
            "name": lambda c: (c.company.lower(), c.company_id),
            "timestamp": lambda c: (c.timestamp, c.company_id),
            "email": lambda c: (c.email.lower(), c.company_id),
            "status": lambda c: (c.status, c.company_id),
        }
        sort_by = one("sort_by") if one("sort_by") in keys else "name"
        found.sort(key=keys[sort_by], reverse=one("sort_order").lower() == "desc")
        return found

    # -- categories --------------------------------------------------------------------------
    def category(self, category_id: int) -> Category:
        category = self.categories.get(category_id)
        if category is None:
            raise not_found()
        return category

    def _category_descendants(self, roots: Iterable[int]) -> set[int]:
        wanted = set(roots)
        result = set(wanted)
        for category in self.categories.values():
            if any(int(part) in wanted for part in category.id_path.split("/")):
                result.add(category.category_id)
        return result

    def create_category(self, data: dict[str, Any], company_scope: int | None = None) -> int:
        name = str(data.get("category") or "").strip()
        if not name:
            raise bad('Required field "category" is missing')
        parent_id = _checked(lambda: to_int("parent_id", data.get("parent_id") or 0))
        if parent_id and parent_id not in self.categories:
            raise bad(f"parent category {parent_id} does not exist")
        if company_scope is not None:
            company_id = company_scope
        elif data.get("company_id") not in (None, ""):
            company_id = self._valid_company(data["company_id"])
        else:
            company_id = DEFAULT_COMPANY_ID
        fields = {name: spec.default for name, spec in CATEGORY_FIELDS.items()}
        fields.update(self._coerce_fields(CATEGORY_FIELDS, data))
        if not fields["position"]:
            siblings = [
                c.fields["position"] for c in self.categories.values() if c.parent_id == parent_id
            ]
            fields["position"] = (max(siblings) if siblings else 0) + 10
        fields["timestamp"] = fields["timestamp"] or self.now()
        category_id = self._next("category")
        texts: dict[str, dict[str, str]] = {
            lang: dict.fromkeys(CATEGORY_TEXTS, "") for lang in self._all_langs()
        }
        self._set_texts(texts, data, CATEGORY_TEXTS, self._all_langs())
        id_path = (
            f"{self.categories[parent_id].id_path}/{category_id}" if parent_id else str(category_id)
        )
        seo = self._claim_seo(str(data.get("seo_name") or name), "category", category_id)
        self.categories[category_id] = Category(
            category_id, parent_id, id_path, company_id, fields, texts, seo
        )
        self._by_category[category_id] = set()
        return category_id

    def update_category(self, category_id: int, data: dict[str, Any], lang: str) -> None:
        category = self.category(category_id)
        changes = self._coerce_fields(CATEGORY_FIELDS, data)
        company_id = (
            self._valid_company(data["company_id"])
            if data.get("company_id") not in (None, "")
            else None
        )
        parent_id = category.parent_id
        if "parent_id" in data:
            parent_id = _checked(lambda: to_int("parent_id", data["parent_id"] or 0))
            if parent_id and parent_id not in self.categories:
                raise bad(f"parent category {parent_id} does not exist")
            if parent_id in self._category_descendants([category_id]):
                raise bad("a category cannot be moved into itself or its subcategories")
        if "category" in data and not str(data["category"] or "").strip():
            raise bad("the category name cannot be empty")
        # validated: apply
        category.fields.update(changes)
        if company_id is not None:
            category.company_id = company_id
        self._set_texts(category.texts, data, CATEGORY_TEXTS, [lang])
        if str(data.get("seo_name") or "").strip():
            self._release_seo(category.seo_name)
            category.seo_name = self._claim_seo(str(data["seo_name"]), "category", category_id)
        if parent_id != category.parent_id:
            subtree = self._category_descendants([category_id])
            old_prefix = category.id_path
            new_prefix = (
                f"{self.categories[parent_id].id_path}/{category_id}"
                if parent_id
                else str(category_id)
            )
            category.parent_id = parent_id
            for other_id in subtree:
                other = self.categories[other_id]
                other.id_path = new_prefix + other.id_path[len(old_prefix) :]

    def delete_category(self, category_id: int) -> None:
        """Deletes the subtree; products left with no category go too, as in CS-Cart."""
        self.category(category_id)
        subtree = self._category_descendants([category_id])
        affected: set[int] = set()
        for cid in subtree:
            affected |= self._by_category.get(cid, set())
        for cid in subtree:
            category = self.categories.pop(cid)
            self._by_category.pop(cid, None)
            self._release_seo(category.seo_name)
        for product_id in sorted(affected):
            product = self.products[product_id]
            remaining = [cid for cid in product.category_ids if cid not in subtree]
            if not remaining:
                self.delete_product(product_id)
                continue
            product.category_ids = remaining
            if product.main_category not in remaining:
                product.main_category = remaining[0]
        for feature in self.features.values():
            path = [p for p in feature.fields["categories_path"].split(",") if p.strip()]
            kept = [p for p in path if int(p) not in subtree]
            if len(kept) != len(path):
                feature.fields["categories_path"] = ",".join(kept)

    def product_count(self, category_id: int) -> int:
        return len(self._by_category.get(category_id, ()))

    def search_categories(self, params: dict[str, Any], lang: str) -> list[Category]:
        found = list(self.categories.values())
        parents = param_values(params.get("parent_id"))
        if parents:
            wanted = set(_checked(lambda: [to_int("parent_id", p) for p in parents]))
            found = [c for c in found if c.parent_id in wanted]
        statuses = [s.upper() for s in param_values(params.get("status"))]
        if statuses:
            found = [c for c in found if c.fields["status"] in statuses]
        companies = param_values(params.get("company_id"))
        if companies:
            wanted = set(_checked(lambda: [to_int("company_id", c) for c in companies]))
            found = [c for c in found if c.company_id in wanted]
        found.sort(
            key=lambda c: (
                c.fields["position"],
                c.texts.get(lang, {}).get("category", "").lower(),
                c.category_id,
            )
        )
        return found

    # -- features ----------------------------------------------------------------------------
    def feature(self, feature_id: int) -> Feature:
        feature = self.features.get(feature_id)
        if feature is None:
            raise not_found()
        return feature

    def _groups_using_feature(self, feature_id: int) -> list[VariationGroup]:
        return [
            g for g in self.groups.values() if any(f.feature_id == feature_id for f in g.features)
        ]

    def create_feature(self, data: dict[str, Any], lang: str) -> int:
        feature_type = str(data.get("feature_type") or "").strip().upper()
        description = str(data.get("description") or data.get("internal_name") or "").strip()
        if not feature_type:
            raise bad('Required field "feature_type" is missing')
        if not description:
            raise bad('Required field "description" is missing')
        if feature_type not in FEATURE_TYPES:
            raise bad(f"feature_type must be one of {', '.join(FEATURE_TYPES)}")
        company_id = (
            self._valid_company(data["company_id"])
            if data.get("company_id") not in (None, "")
            else DEFAULT_COMPANY_ID
        )
        parent_id = self._valid_feature_parent(data.get("parent_id"), feature_type)
        purpose, style, filter_style = self._purpose_and_styles(feature_type, data, None)
        fields = {name: spec.default for name, spec in FEATURE_FIELDS.items()}
        fields.update(self._coerce_fields(FEATURE_FIELDS, data))
        self._check_categories_path(fields["categories_path"])
        variants = self._variant_specs(data) if feature_type in SELECTABLE_TYPES else []
        feature_id = self._next("feature")
        now = self.now()
        texts: dict[str, dict[str, str]] = {
            code: dict.fromkeys(FEATURE_TEXTS, "") for code in self._all_langs()
        }
        self._set_texts(
            texts, {**data, "description": description}, FEATURE_TEXTS, self._all_langs()
        )
        internal = str(data.get("internal_name") or description)
        feature = Feature(
            feature_id,
            feature_type,
            company_id,
            parent_id,
            purpose,
            style,
            filter_style,
            internal,
            fields,
            texts,
            timestamp=now,
            updated_timestamp=now,
        )
        self.features[feature_id] = feature
        self._apply_variants(feature, variants, lang)
        return feature_id

    def _valid_feature_parent(self, value: Any, feature_type: str) -> int:
        parent_id = _checked(lambda: to_int("parent_id", value or 0))
        if parent_id:
            parent = self.features.get(parent_id)
            if parent is None or parent.feature_type != "G":
                raise bad(f"parent_id {parent_id} is not a feature group")
            if feature_type == "G":
                raise bad("a feature group cannot be put into another group")
        return parent_id

    def _purpose_and_styles(
        self, feature_type: str, data: dict[str, Any], old: Feature | None
    ) -> tuple[str, str, str]:
        purpose = str(data.get("purpose") or "").strip()
        if purpose and purpose not in PURPOSES:
            raise bad(f"purpose must be one of {', '.join(PURPOSES)}")
        if purpose in VARIATION_PURPOSES and feature_type not in VARIATION_TYPES:
            raise bad("variation purposes need a feature of type S, N or E (select box)")
        default_purpose, default_style, default_filter = _FEATURE_DEFAULTS[feature_type]
        if not purpose:
            purpose = old.purpose if old and old.feature_type == feature_type else default_purpose
        style = str(data.get("feature_style") or "").strip()
        filter_style = str(data.get("filter_style") or "").strip()
        if purpose in VARIATION_PURPOSES:
            default_style = "dropdown"
        if not style:
            style = old.feature_style if old and old.feature_type == feature_type else default_style
        if not filter_style:
            filter_style = (
                old.filter_style if old and old.feature_type == feature_type else default_filter
            )
        return purpose, style, filter_style

    def _check_categories_path(self, path: str) -> None:
        for part in path.split(","):
            if part.strip():
                category_id = _checked(lambda part=part: to_int("categories_path", part))
                if category_id not in self.categories:
                    raise bad(f"categories_path names category {category_id}, which does not exist")

    @staticmethod
    def _variant_specs(data: dict[str, Any]) -> list[dict[str, Any]]:
        raw = data.get("variants")
        if raw in (None, "", [], {}):
            return []
        items = list(raw.values()) if isinstance(raw, dict) else raw
        if not isinstance(items, list) or not all(isinstance(v, dict) for v in items):
            raise bad("field 'variants' must be a list (or object) of variant objects")
        return items

    def _apply_variants(
        self, feature: Feature, specs: list[dict[str, Any]], lang: str
    ) -> list[int]:
        """fn_update_product_feature_variant for each: an ID updates, a known name is reused,
        anything else is a new variant (with its texts in every language)."""
        kept: list[int] = []
        for spec in specs:
            name = spec.get("variant")
            name = "" if name is None else str(name)
            if name.strip() == "" and name != "0":
                continue  # CS-Cart skips a variant without a name
            variant_id = 0
            if spec.get("variant_id") not in (None, ""):
                wanted = _checked(lambda spec=spec: to_int("variant_id", spec["variant_id"]))
                if wanted in feature.variants:
                    variant_id = wanted
            same_name = next(
                (
                    v.variant_id
                    for v in feature.variants.values()
                    if v.texts.get(lang, {}).get("variant", "").lower() == name.lower()
                    and v.variant_id != variant_id
                ),
                0,
            )
            if same_name and variant_id:
                kept.append(variant_id)  # a duplicate name: CS-Cart warns and changes nothing
                continue
            variant_id = variant_id or same_name
            if variant_id:
                variant = feature.variants[variant_id]
                self._set_texts(variant.texts, spec, VARIANT_TEXTS, [lang])
            else:
                variant_id = self._next("variant")
                variant = Variant(variant_id, feature.feature_id)
                variant.texts = {
                    code: dict.fromkeys(VARIANT_TEXTS, "") for code in self._all_langs()
                }
                self._set_texts(variant.texts, spec, VARIANT_TEXTS, self._all_langs())
                feature.variants[variant_id] = variant
                self.variants[variant_id] = variant
            if "position" in spec:
                variant.position = _checked(lambda spec=spec: to_int("position", spec["position"]))
            for name_ in ("url", "color"):
                if name_ in spec:
                    setattr(variant, name_, _checked(lambda n=name_, s=spec: to_str(n, s[n])))
            if feature.feature_type == "N":
                _checked(lambda name=name: to_decimal("variant", name, 2))  # a number feature
            kept.append(variant_id)
        return kept

    def update_feature(self, feature_id: int, data: dict[str, Any], lang: str) -> None:
        feature = self.feature(feature_id)
        feature_type = str(data.get("feature_type") or feature.feature_type).strip().upper()
        if feature_type not in FEATURE_TYPES:
            raise bad(f"feature_type must be one of {', '.join(FEATURE_TYPES)}")
        if feature_type != feature.feature_type and self._groups_using_feature(feature_id):
            raise bad("the feature is used by a variation group; its type cannot change")
        company_id = (
            self._valid_company(data["company_id"])
            if data.get("company_id") not in (None, "")
            else feature.company_id
        )
        parent_id = (
            self._valid_feature_parent(data.get("parent_id"), feature_type)
            if "parent_id" in data
            else feature.parent_id
        )
        purpose, style, filter_style = self._purpose_and_styles(feature_type, data, feature)
        if purpose not in VARIATION_PURPOSES and self._groups_using_feature(feature_id):
            raise bad("the feature is used by a variation group; it must keep a variation purpose")
        changes = self._coerce_fields(FEATURE_FIELDS, data)
        if "categories_path" in changes:
            self._check_categories_path(changes["categories_path"])
        specs = self._variant_specs(data) if feature_type in SELECTABLE_TYPES else []
        if "description" in data and not str(data["description"] or "").strip():
            raise bad("the feature name (description) cannot be empty")
        # validated: apply
        old_type = feature.feature_type
        feature.feature_type = feature_type
        feature.company_id = company_id
        feature.parent_id = parent_id
        feature.purpose, feature.feature_style, feature.filter_style = purpose, style, filter_style
        feature.fields.update(changes)
        if str(data.get("internal_name") or "").strip():
            feature.internal_name = str(data["internal_name"]).strip()
        self._set_texts(feature.texts, data, FEATURE_TEXTS, [lang])
        feature.updated_timestamp = self.now()
        if old_type != feature_type and (
            old_type not in SELECTABLE_TYPES or feature_type not in SELECTABLE_TYPES
        ):
            self._drop_variants(feature, list(feature.variants))
            self._drop_values(feature_id)
        if specs:
            # Features::update passes every existing variant as original_var_ids: a variant
            # the request leaves out is deleted, with the product values that used it.
            kept = self._apply_variants(feature, specs, lang)
            self._drop_variants(feature, [v for v in feature.variants if v not in kept])
        if "categories_path" in changes and changes["categories_path"]:
            allowed = self._category_descendants(
                int(p) for p in changes["categories_path"].split(",") if p.strip()
            )
            for product in self.products.values():
                if feature_id in product.features and not set(product.category_ids) & allowed:
                    del product.features[feature_id]

    def _drop_variants(self, feature: Feature, variant_ids: list[int]) -> None:
        gone = set(variant_ids)
        if not gone:
            return
        for variant_id in gone:
            feature.variants.pop(variant_id, None)
            self.variants.pop(variant_id, None)
        for product in self.products.values():
            value = product.features.get(feature.feature_id)
            if value and set(value.variant_ids) & gone:
                value.variant_ids = [v for v in value.variant_ids if v not in gone]
                if not value.variant_ids:
                    del product.features[feature.feature_id]

    def _drop_values(self, feature_id: int) -> None:
        for product in self.products.values():
            product.features.pop(feature_id, None)

    def delete_feature(self, feature_id: int) -> None:
        feature = self.feature(feature_id)
        if self._groups_using_feature(feature_id):
            raise bad("the feature is used by a variation group and cannot be deleted")
        if feature.feature_type == "G":
            for child in [f for f in self.features.values() if f.parent_id == feature_id]:
                self.delete_feature(child.feature_id)
        self._drop_variants(feature, list(feature.variants))
        self._drop_values(feature_id)
        del self.features[feature_id]

    def search_features(self, params: dict[str, Any], lang: str) -> list[Feature]:
        found = list(self.features.values())
        types = [t.upper() for t in param_values(params.get("feature_types"))]
        if types:
            found = [f for f in found if f.feature_type in types]
        ids = param_values(params.get("feature_id"))
        if ids:
            wanted = set(_checked(lambda: to_id_list("feature_id", ids)))
            found = [f for f in found if f.feature_id in wanted]
        parents = param_values(params.get("parent_id"))
        if parents:
            wanted = set(_checked(lambda: [to_int("parent_id", p) for p in parents]))
            found = [f for f in found if f.parent_id in wanted]
        statuses = [s.upper() for s in param_values(params.get("status"))]
        if statuses:
            found = [f for f in found if f.fields["status"] in statuses]
        exclude_group = str(params.get("exclude_group") or "").upper() in ("Y", "1", "TRUE")
        if exclude_group:
            found = [f for f in found if f.feature_type != "G"]
        found.sort(
            key=lambda f: (
                f.fields["position"],
                f.texts.get(lang, {}).get("description", "").lower(),
                f.feature_id,
            )
        )
        return found

    # -- products ----------------------------------------------------------------------------
    def product(self, product_id: int, company_scope: int | None = None) -> Product:
        product = self.products.get(product_id)
        if product is None or (company_scope is not None and product.company_id != company_scope):
            raise not_found()
        return product

    def product_ids_by_code(self, code: str) -> list[int]:
        """Products whose code is exactly `code` (case-insensitive, as MySQL compares)."""
        return sorted(
            pid
            for pid in self._codes.search_like(code)  # a superset: `_` and `%` are wildcards
            if self.products[pid].fields["product_code"].lower() == code.lower()
        )

    def create_product(
        self,
        data: dict[str, Any],
        lang: str,
        company_scope: int | None = None,
        images: ImagesRequest | None = None,
        fetched: dict[str, FetchedImage] | None = None,
    ) -> int:
        data = {k: v for k, v in data.items() if k != "product_id"}
        missing = ""  # Products::create checks category_ids, then price; the last one speaks
        if not _ids_present(data.get("category_ids")):
            missing = "category_ids"
        if "price" not in data or data["price"] is None:
            missing = "price"
        if missing:
            raise bad(f'Required field "{missing}" is missing')
        if not str(data.get("product") or "").strip():
            raise bad('Required field "product" is missing')
        company_id = DEFAULT_COMPANY_ID
        if company_scope is not None:
            company_id = company_scope
        elif data.get("company_id") not in (None, ""):
            company_id = self._valid_company(data["company_id"])
        fields = {name: spec.default for name, spec in PRODUCT_FIELDS.items()}
        fields.update(self._coerce_fields(PRODUCT_FIELDS, data))
        category_ids, main_category = self._product_categories(data, None)
        features = self._feature_changes(data, category_ids, None, self._all_langs())
        # validated: apply
        product_id = self._next("product")
        now = self.now()
        fields["timestamp"] = fields["timestamp"] or now
        texts: dict[str, dict[str, str]] = {
            code: dict.fromkeys(PRODUCT_TEXTS, "") for code in self._all_langs()
        }
        self._set_texts(texts, data, PRODUCT_TEXTS, self._all_langs())
        product = Product(
            product_id=product_id,
            company_id=company_id,
            fields=fields,
            texts=texts,
            category_ids=category_ids,
            main_category=main_category,
            updated_timestamp=now,
        )
        name = texts[self.default_language]["product"]
        product.seo_name = self._claim_seo(str(data.get("seo_name") or name), "product", product_id)
        self.products[product_id] = product
        self._by_company.setdefault(company_id, set()).add(product_id)
        for category_id in category_ids:
            self._by_category.setdefault(category_id, set()).add(product_id)
        self._codes.set(product_id, fields["product_code"])
        self._apply_feature_changes(product, features)
        if images is not None:
            self._apply_images(product, images, fetched or {})
        return product_id

    def update_product(
        self,
        product_id: int,
        data: dict[str, Any],
        lang: str,
        company_scope: int | None = None,
        images: ImagesRequest | None = None,
        fetched: dict[str, FetchedImage] | None = None,
    ) -> None:
        product = self.products.get(product_id)
        if product is None:
            raise not_found()
        if company_scope is not None and product.company_id != company_scope:
            raise StateError("forbidden", "the product belongs to another vendor")
        changes = self._coerce_fields(PRODUCT_FIELDS, data)
        company_id = product.company_id
        if company_scope is None and data.get("company_id") not in (None, ""):
            company_id = self._valid_company(data["company_id"])
        if product.variation_group_id and company_id != product.company_id:
            raise bad("a product in a variation group cannot move to another vendor")
        if "product" in data and not str(data["product"] or "").strip():
            raise bad("the product name cannot be empty")
        category_ids, main_category = self._product_categories(data, product)
        features = self._feature_changes(data, category_ids, product, [lang])
        self._check_group_after(product, features)
        # validated: apply
        product.fields.update(changes)
        product.updated_timestamp = self.now()
        if company_id != product.company_id:
            self._by_company[product.company_id].discard(product_id)
            self._by_company.setdefault(company_id, set()).add(product_id)
            product.company_id = company_id
        if category_ids != product.category_ids:
            for category_id in product.category_ids:
                self._by_category.get(category_id, set()).discard(product_id)
            for category_id in category_ids:
                self._by_category.setdefault(category_id, set()).add(product_id)
        product.category_ids, product.main_category = category_ids, main_category
        self._set_texts(product.texts, data, PRODUCT_TEXTS, [lang])
        if str(data.get("seo_name") or "").strip():
            self._release_seo(product.seo_name)
            product.seo_name = self._claim_seo(str(data["seo_name"]), "product", product_id)
        if "product_code" in changes:
            self._codes.set(product_id, changes["product_code"])
        self._apply_feature_changes(product, features)
        if images is not None:
            self._apply_images(product, images, fetched or {})

    def delete_product(self, product_id: int, company_scope: int | None = None) -> None:
        product = self.products.get(product_id)
        if product is None:
            raise not_found()
        if company_scope is not None and product.company_id != company_scope:
            raise StateError("forbidden", "the product belongs to another vendor")
        if product.variation_group_id:
            self._detach_from_group(product)
        for pair in [product.main_pair, *product.image_pairs]:
            self._free_pair(pair)
        del self.products[product_id]
        self._by_company.get(product.company_id, set()).discard(product_id)
        for category_id in product.category_ids:
            self._by_category.get(category_id, set()).discard(product_id)
        self._codes.discard(product_id)
        self._release_seo(product.seo_name)

    def _product_categories(
        self, data: dict[str, Any], product: Product | None
    ) -> tuple[list[int], int]:
        if "category_ids" in data:
            category_ids = _checked(lambda: to_id_list("category_ids", data["category_ids"]))
            if not category_ids:
                raise bad("a product needs at least one category (category_ids)")
        elif product is not None:
            category_ids = list(product.category_ids)
        else:
            category_ids = []
        main = product.main_category if product is not None else 0
        if data.get("main_category") not in (None, "", 0, "0"):
            main = _checked(lambda: to_int("main_category", data["main_category"]))
            if main not in category_ids:
                category_ids.insert(0, main)
        for category_id in category_ids:
            if category_id not in self.categories:
                raise bad(f"category {category_id} does not exist")
        if main not in category_ids:
            main = category_ids[0]
        return category_ids, main

    # -- product feature values --------------------------------------------------------------
    def _feature_changes(
        self,
        data: dict[str, Any],
        category_ids: list[int],
        product: Product | None,
        langs: list[str],
    ) -> dict[int, FeatureValue | None]:
        """What `product_features` will change: feature → new value, or None to remove it.

        As CS-Cart's `prepareFeature` then `fn_update_product_features_value`: the sent
        `feature_type` says which key holds the value; the feature's own type says how to
        store it; an unknown feature, a group, or a feature not available in the product's
        categories is skipped; an empty value removes the product's value.
        """
        raw = data.get("product_features")
        if raw in (None, "", [], {}):
            return {}
        if not isinstance(raw, dict):
            raise bad("field 'product_features' must be an object keyed by feature ID")
        ancestors: set[int] = set()
        for category_id in category_ids:
            ancestors |= {int(p) for p in self.categories[category_id].id_path.split("/")}
        changes: dict[int, FeatureValue | None] = {}
        for key, item in raw.items():
            feature_id = _checked(lambda key=key: to_int("product_features", key))
            feature = self.features.get(feature_id)
            if feature is None or feature.feature_type == "G":
                continue
            path = {int(p) for p in feature.fields["categories_path"].split(",") if p.strip()}
            if path and not path & ancestors:
                continue
            sent_type = ""
            if isinstance(item, dict) and item.get("feature_type"):
                sent_type = str(item["feature_type"]).upper()
            skip, raw_value = _prepared_value(item, sent_type, feature.feature_type)
            if skip:
                continue
            old = product.features.get(feature_id) if product else None
            changes[feature_id] = self._feature_value(feature, raw_value, old, langs)
        return changes

    def _feature_value(
        self, feature: Feature, raw: Any, old: FeatureValue | None, langs: list[str]
    ) -> FeatureValue | None:
        kind = feature.feature_type
        name = f"product_features.{feature.feature_id}"
        if kind in ("S", "N", "E", "M"):
            variant_ids = _checked(lambda: to_id_list(name, raw)) if not _empty(raw) else []
            if kind != "M":
                variant_ids = variant_ids[:1]
            for variant_id in variant_ids:
                if variant_id not in feature.variants:
                    raise bad(
                        f"variant {variant_id} is not a variant of feature {feature.feature_id}"
                    )
            return FeatureValue(variant_ids=variant_ids) if variant_ids else None
        if kind == "T":
            texts = dict(old.texts) if old else {}
            text = _checked(lambda: to_str(name, raw))
            for lang in langs:
                if text == "":
                    texts.pop(lang, None)
                else:
                    texts[lang] = text
            return FeatureValue(texts=texts) if texts else None
        if raw is None or raw == "" or raw == [] or raw == {}:
            return None
        if kind == "C":
            return FeatureValue(value=_checked(lambda: to_choice(name, raw, YN)))
        if kind == "O":
            return FeatureValue(value_int=_checked(lambda: to_decimal(name, raw, 2)))
        return FeatureValue(value_int=Decimal(_parse_date(name, raw)))  # D

    def _apply_feature_changes(
        self, product: Product, changes: dict[int, FeatureValue | None]
    ) -> None:
        for feature_id, value in changes.items():
            if value is None:
                product.features.pop(feature_id, None)
            else:
                product.features[feature_id] = value

    # -- images ------------------------------------------------------------------------------
    def _apply_images(
        self, product: Product, request: ImagesRequest, fetched: dict[str, FetchedImage]
    ) -> None:
        """Replace what the request names; an image that could not be fetched is left out,
        as CS-Cart keeps the product and reports the failed upload only as a notice."""
        if request.main_sent:
            self._free_pair(product.main_pair)
            product.main_pair = self._new_pair(request.main, "M", fetched)
        if request.additional is not None:
            for pair in product.image_pairs:
                self._free_pair(pair)
            pairs = [self._new_pair(spec, "A", fetched) for spec in request.additional]
            product.image_pairs = [pair for pair in pairs if pair is not None]

    def _new_pair(
        self, spec: PairRequest | None, pair_type: str, fetched: dict[str, FetchedImage]
    ) -> ImagePair | None:
        if spec is None:
            return None
        detailed = self._store_image(spec.detailed, fetched, "detailed")
        icon = self._store_image(spec.icon, fetched, "product")
        if detailed is None and icon is None:
            return None
        return ImagePair(self._next("pair"), pair_type, spec.position, detailed, icon)

    def _store_image(
        self, source: Any, fetched: dict[str, FetchedImage], folder: str
    ) -> StoredImage | None:
        if source is None or source.url not in fetched:
            return None
        image = fetched[source.url]
        image_id = self._next("image")
        directory = f"{folder}/{image_id // 1000}"
        path = f"{directory}/{image.filename}"
        if path in self.images_by_path:
            stem, _, ext = image.filename.rpartition(".")
            path = f"{directory}/{stem}_{image_id}.{ext}"
        sha = image.sha256
        self.blobs.setdefault(sha, image.data)
        self._blob_refs[sha] = self._blob_refs.get(sha, 0) + 1
        stored = StoredImage(
            image_id=image_id,
            relative_path=path,
            sha256=sha,
            size=len(image.data),
            content_type=image.content_type,
            width=image.width,
            height=image.height,
            alt=source.alt,
            source_url=image.source_url,
        )
        self.images_by_path[path] = stored
        return stored

    def _free_pair(self, pair: ImagePair | None) -> None:
        if pair is None:
            return
        for image in (pair.detailed, pair.icon):
            if image is None:
                continue
            self.images_by_path.pop(image.relative_path, None)
            refs = self._blob_refs.get(image.sha256, 0) - 1
            if refs <= 0:
                self._blob_refs.pop(image.sha256, None)
                self.blobs.pop(image.sha256, None)
            else:
                self._blob_refs[image.sha256] = refs

    def image_file(self, relative_path: str) -> tuple[StoredImage, bytes] | None:
        image = self.images_by_path.get(relative_path)
        if image is None:
            return None
        return image, self.blobs[image.sha256]

    # -- searching products ------------------------------------------------------------------
    def search_products(self, query: ProductQuery) -> list[Product]:
        """Every product the query matches, in its order (the caller takes one page)."""
        if query.order_ids:
            return []  # the sandbox shop has no orders, so no product is in one
        candidates: set[int] | None = None

        def narrow(ids: Iterable[int]) -> None:
            nonlocal candidates
            found = set(ids)
            candidates = found if candidates is None else candidates & found

        if query.product_ids is not None:
            narrow(pid for pid in query.product_ids if pid in self.products)
        if query.company_id is not None:
            narrow(self._by_company.get(query.company_id, set()))
        if query.category_ids is not None:
            wanted = (
                self._category_descendants(query.category_ids)
                if query.subcats
                else set(query.category_ids)
            )
            ids: set[int] = set()
            for category_id in wanted:
                ids |= self._by_category.get(category_id, set())
            narrow(ids)
        if query.pcode:
            narrow(self._codes.search_like(query.pcode))
        if query.variation_group_id is not None:
            group = self.groups.get(query.variation_group_id)
            narrow(group.product_ids if group else [])
        pool = (
            self.products.values()
            if candidates is None
            else (self.products[pid] for pid in candidates)
        )
        lang = query.lang
        found = []
        for product in pool:
            fields = product.fields
            if query.statuses and fields["status"] not in query.statuses:
                continue
            if query.price_from is not None and fields["price"] < query.price_from:
                continue
            if query.price_to is not None and fields["price"] > query.price_to:
                continue
            if query.amount_from is not None and fields["amount"] < query.amount_from:
                continue
            if query.amount_to is not None and fields["amount"] > query.amount_to:
                continue
            if query.free_shipping and fields["free_shipping"] != query.free_shipping:
                continue
            if query.is_edp and fields["is_edp"] != query.is_edp:
                continue
            if query.product_types and product.product_type not in query.product_types:
                continue
            if (
                query.parent_product_ids is not None
                and product.parent_product_id not in query.parent_product_ids
            ):
                continue
            if query.has_variation_group and not product.variation_group_id:
                continue
            if query.q and not self._q_matches(product, query, lang):
                continue
            found.append(product)
        found.sort(key=self._sort_key(query.sort_by, lang), reverse=query.sort_order == "desc")
        return found

    def _q_matches(self, product: Product, query: ProductQuery, lang: str) -> bool:
        texts = product.texts.get(lang, {})
        haystacks = []
        if query.pname:
            haystacks.append(texts.get("product", ""))
        if query.pshort:
            haystacks.append(texts.get("short_description", ""))
        if query.pfull:
            haystacks.append(texts.get("full_description", ""))
        if query.pkeywords:
            haystacks += [texts.get("meta_keywords", ""), texts.get("search_words", "")]
        if query.pcode_from_q:
            haystacks.append(product.fields["product_code"])
        return text_matches(query.q, query.match, haystacks)

    @staticmethod
    def _sort_key(sort_by: str, lang: str) -> Callable[[Product], Any]:
        def name(p: Product) -> Any:
            return (p.texts.get(lang, {}).get("product", "").lower(), p.product_id)

        keys: dict[str, Callable[[Product], Any]] = {
            "product": name,
            "price": lambda p: (p.fields["price"], p.product_id),
            "list_price": lambda p: (p.fields["list_price"], p.product_id),
            "code": lambda p: (p.fields["product_code"].lower(), p.product_id),
            "amount": lambda p: (p.fields["amount"], p.product_id),
            "status": lambda p: (p.fields["status"], p.product_id),
            "date": lambda p: (p.fields["timestamp"], p.product_id),
            "timestamp": lambda p: (p.fields["timestamp"], p.product_id),
            "updated_timestamp": lambda p: (p.updated_timestamp, p.product_id),
            "popularity": lambda p: (p.fields["popularity"], p.product_id),
        }
        return keys.get(sort_by, name)

    # -- variation groups --------------------------------------------------------------------
    def find_group(self, ref: str) -> VariationGroup:
        """A group by its numeric ID or by its code, as /product_variations_groups/:id|:code."""
        ref = str(ref).strip()
        group_id = int(ref) if ref.isdigit() else self._group_codes.get(ref.lower(), 0)
        group = self.groups.get(group_id)
        if group is None:
            raise not_found()
        return group

    def _check_code(self, code: Any, group_id: int | None = None, required: bool = False) -> str:
        text = "" if code is None else str(code).strip()
        if not text:
            if required:
                raise bad("The variation group code is required")
            return ""
        if not GROUP_CODE.match(text):
            raise bad("The variation group code may contain only Latin letters, digits, - and _")
        owner = self._group_codes.get(text.lower())
        if owner is not None and owner != group_id:
            raise bad(f"A variation group with the code {text} already exists")
        return text

    def _generate_code(self) -> str:
        while True:
            code = "PV-" + "".join(self.rng.choice("0123456789ABCDEF") for _ in range(9))
            if code.lower() not in self._group_codes:
                return code

    def _group_features(self, raw: Any, base: Product | None) -> list[GroupFeature]:
        result: list[GroupFeature] = []
        if raw in (None, "", [], {}):
            if base is not None:
                for feature_id in sorted(base.features):
                    feature = self.features.get(feature_id)
                    if (
                        feature
                        and feature.purpose in VARIATION_PURPOSES
                        and feature.feature_type in VARIATION_TYPES
                    ):
                        result.append(GroupFeature(feature_id, feature.purpose))
            if not result:
                raise bad(
                    "The variation group has no features: give features, or give the first "
                    "product values of features whose purpose is a variation purpose"
                )
            return result
        items = list(raw.values()) if isinstance(raw, dict) else raw
        if not isinstance(items, list):
            raise bad("field 'features' must be a list of {feature_id, purpose}")
        seen: set[int] = set()
        for item in items:
            if not isinstance(item, dict):
                raise bad("field 'features' must be a list of {feature_id, purpose}")
            feature_id = _checked(lambda item=item: to_int("feature_id", item.get("feature_id")))
            feature = self.features.get(feature_id)
            if feature is None:
                raise bad(f"feature {feature_id} does not exist")
            if feature.feature_type not in VARIATION_TYPES:
                raise bad(f"feature {feature_id} is not a select box (type S, N or E)")
            purpose = str(item.get("purpose") or feature.purpose)
            if purpose not in VARIATION_PURPOSES:
                raise bad(
                    f"feature {feature_id}: the purpose must be {CREATE_CATALOG_ITEM} or "
                    f"{CREATE_VARIATION_OF_CATALOG_ITEM}"
                )
            if feature_id not in seen:
                seen.add(feature_id)
                result.append(GroupFeature(feature_id, purpose))
        return result

    @staticmethod
    def _combination(product: Product, features: list[GroupFeature]) -> tuple[int, ...] | None:
        values = []
        for feature in features:
            value = product.features.get(feature.feature_id)
            if value is None or not value.variant_ids:
                return None
            values.append(value.variant_ids[0])
        return tuple(values)

    def _attach_check(
        self, features: list[GroupFeature], product: Product, others: list[tuple[Product, int]]
    ) -> tuple[int, int]:
        """Group::attachProduct's verdict and the parent it would give, changing nothing:
        distinct combinations, one vendor per group, and for "variations as one product" the
        first product of each catalog-item combination is the parent of the others."""
        combination = self._combination(product, features)
        if combination is None:
            return RESULT_INVALID_FEATURE_VALUES, 0
        if any(self._combination(member, features) == combination for member, _ in others):
            return RESULT_COMBINATION_EXISTS, 0
        if others and others[0][0].company_id != product.company_id:
            return RESULT_COMPANY_MISMATCH, 0
        parent_id = 0
        if any(f.purpose == CREATE_VARIATION_OF_CATALOG_ITEM for f in features):
            catalog = [f for f in features if f.purpose == CREATE_CATALOG_ITEM]
            key = self._combination(product, catalog)
            for member, member_parent in others:
                if member_parent == 0 and self._combination(member, catalog) == key:
                    parent_id = member.product_id
                    break
        return RESULT_ADDED, parent_id

    def _plan_attach(
        self, group: VariationGroup, product_ids: list[int]
    ) -> tuple[dict[int, int], dict[int, int], list[str]]:
        """(result per product, parent per added product, warnings) of attaching in order."""
        simulated = [
            (self.products[pid], self.products[pid].parent_product_id) for pid in group.product_ids
        ]
        statuses: dict[int, int] = {}
        parents: dict[int, int] = {}
        warnings: list[str] = []
        reasons = {
            RESULT_COMBINATION_EXISTS: "a product with the same combination of feature values "
            "is already in the group",
            RESULT_INVALID_FEATURE_VALUES: "it has no value for some of the group's features",
            RESULT_COMPANY_MISMATCH: "it belongs to another vendor than the group's products",
        }
        for product_id in product_ids:
            product = self.products.get(product_id)
            if product is None or product_id in statuses:
                continue
            if product_id in group.product_ids:
                statuses[product_id] = RESULT_NOTHING
                continue
            result, parent_id = self._attach_check(group.features, product, simulated)
            statuses[product_id] = result
            if result == RESULT_ADDED:
                simulated.append((product, parent_id))
                parents[product_id] = parent_id
                continue
            name = product.texts.get(self.default_language, {}).get("product", "")
            warnings.append(
                f'The product "{name}" (ID {product_id}) was not added to the variation group: '
                + reasons[result]
            )
        return statuses, parents, warnings

    def _commit_attach(self, group: VariationGroup, parents: dict[int, int]) -> None:
        for product_id, parent_id in parents.items():
            product = self.products[product_id]
            if product.variation_group_id and product.variation_group_id != group.id:
                self._detach_from_group(product)
            group.product_ids.append(product_id)
            product.variation_group_id = group.id
            product.parent_product_id = parent_id
            product.product_type = "V" if parent_id else "P"
        if parents:
            group.updated_at = self.now()

    def create_group(self, data: dict[str, Any]) -> tuple[VariationGroup, dict[int, int], str]:
        raw_ids = data.get("product_ids")
        product_ids = _checked(lambda: to_id_list("product_ids", raw_ids or []))
        if not product_ids:
            raise bad("The list of product IDs is empty")
        code = self._check_code(data.get("code"))
        features = self._group_features(data.get("features"), self.products.get(product_ids[0]))
        if not any(pid in self.products for pid in product_ids):
            raise bad("The list of product IDs is empty: none of the products exists")
        now = self.now()
        group = VariationGroup(
            id=self._ids.get("group", 0) + 1,
            code=code or self._generate_code(),
            features=features,
            product_ids=[],
            created_at=now,
            updated_at=now,
        )
        statuses, parents, warnings = self._plan_attach(group, product_ids)
        if not parents:
            raise bad("\n".join(warnings) or "No product could be added to the variation group")
        self._next("group")
        self.groups[group.id] = group
        self._group_codes[group.code.lower()] = group.id
        self._commit_attach(group, parents)
        return group, statuses, "\n".join(warnings)

    def attach_to_group(self, group_id: int, product_id: int) -> tuple[dict[int, int], str]:
        """moveProductsToGroup for one product (POST/PUT /product_variations)."""
        group = self.groups.get(group_id)
        if group is None:
            raise bad(f"The variation group {group_id} was not found")
        statuses, parents, warnings = self._plan_attach(group, [product_id])
        self._commit_attach(group, parents)
        return statuses, "\n".join(warnings)

    def update_group(self, ref: str, data: dict[str, Any]) -> VariationGroup:
        group = self.find_group(ref)
        code = self._check_code(data.get("code"), group.id, required=True)
        del self._group_codes[group.code.lower()]
        group.code = code
        self._group_codes[code.lower()] = group.id
        group.updated_at = self.now()
        return group

    def delete_group(self, ref: str) -> None:
        group = self.find_group(ref)
        for product_id in group.product_ids:
            product = self.products[product_id]
            product.variation_group_id = 0
            product.parent_product_id = 0
            product.product_type = "P"
        del self.groups[group.id]
        del self._group_codes[group.code.lower()]

    def _detach_from_group(self, product: Product) -> None:
        """Group::detachProductById: the first child of a leaving parent takes its place."""
        group = self.groups.get(product.variation_group_id)
        product.variation_group_id = 0
        product.parent_product_id = 0
        product.product_type = "P"
        if group is None:
            return
        group.product_ids = [pid for pid in group.product_ids if pid != product.product_id]
        children = [
            self.products[pid]
            for pid in group.product_ids
            if self.products[pid].parent_product_id == product.product_id
        ]
        if children:
            heir = children[0]
            heir.parent_product_id, heir.product_type = 0, "P"
            for child in children[1:]:
                child.parent_product_id = heir.product_id
        group.updated_at = self.now()
        if not group.product_ids:
            del self.groups[group.id]
            self._group_codes.pop(group.code.lower(), None)

    def _check_group_after(self, product: Product, changes: dict[int, FeatureValue | None]) -> None:
        """A grouped product keeps a complete combination, distinct from its group's others."""
        group = self.groups.get(product.variation_group_id)
        if group is None or not any(f.feature_id in changes for f in group.features):
            return
        after = Product(
            product.product_id,
            product.company_id,
            {},
            {},
            [],
            0,
            features={**product.features},
        )
        for feature_id, value in changes.items():
            if value is None:
                after.features.pop(feature_id, None)
            else:
                after.features[feature_id] = value
        combination = self._combination(after, group.features)
        if combination is None:
            raise bad(
                f"product {product.product_id} is in variation group {group.code}: it must keep "
                "a value for each of the group's features"
            )
        for pid in group.product_ids:
            if pid != product.product_id and (
                self._combination(self.products[pid], group.features) == combination
            ):
                raise bad(
                    f"product {pid} in variation group {group.code} already has this combination "
                    "of feature values"
                )

    def search_groups(self, params: dict[str, Any]) -> list[VariationGroup]:
        groups = sorted(self.groups.values(), key=lambda g: g.id)
        product_ids = param_values(params.get("product_ids"))
        if product_ids:
            wanted = set(_checked(lambda: to_id_list("product_ids", product_ids)))
            groups = [g for g in groups if wanted & set(g.product_ids)]
        elif param_values(params.get("feature_ids")):
            wanted = set(
                _checked(lambda: to_id_list("feature_ids", param_values(params["feature_ids"])))
            )
            groups = [g for g in groups if wanted & {f.feature_id for f in g.features}]
        return groups

    # -- snapshots ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Everything, as JSON-ready data (image bytes base64), for `--snapshot`."""
        return {
            "version": 1,
            "ids": dict(self._ids),
            "default_language": self.default_language,
            "languages": [_plain(v) for v in self.languages.values()],
            "companies": [_plain(v) for v in self.companies.values()],
            "categories": [_plain(v) for v in self.categories.values()],
            "features": [_plain(v) for v in self.features.values()],
            "products": [_plain(v) for v in self.products.values()],
            "groups": [_plain(v) for v in self.groups.values()],
            "blobs": {
                sha: base64.b64encode(data).decode("ascii") for sha, data in self.blobs.items()
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], seed: int = 0) -> Store:
        store = cls(languages=[item["lang_code"] for item in data["languages"]], seed=seed)
        store.languages = {item["lang_code"]: Language(**item) for item in data["languages"]}
        store.default_language = data["default_language"]
        store.companies = {}
        store._by_company = {}
        store._seo = {}
        for item in data["companies"]:
            company = Company(**item)
            store.companies[company.company_id] = company
            store._by_company[company.company_id] = set()
            store._seo[company.seo_name] = ("company", company.company_id)
        for item in data["categories"]:
            category = Category(**{**item, "fields": dict(item["fields"])})
            store.categories[category.category_id] = category
            store._by_category[category.category_id] = set()
            store._seo[category.seo_name] = ("category", category.category_id)
        for item in data["features"]:
            variants = {int(v["variant_id"]): Variant(**v) for v in item["variants"].values()}
            feature = Feature(**{**item, "variants": variants})
            store.features[feature.feature_id] = feature
            store.variants.update(variants)
        store.blobs = {sha: base64.b64decode(text) for sha, text in data["blobs"].items()}
        for item in data["products"]:
            product = _product_from_plain(item)
            store.products[product.product_id] = product
            store._by_company.setdefault(product.company_id, set()).add(product.product_id)
            for category_id in product.category_ids:
                store._by_category.setdefault(category_id, set()).add(product.product_id)
            store._codes.set(product.product_id, product.fields["product_code"])
            store._seo[product.seo_name] = ("product", product.product_id)
            for pair in [product.main_pair, *product.image_pairs]:
                for image in (pair.detailed, pair.icon) if pair else ():
                    if image is not None:
                        store.images_by_path[image.relative_path] = image
                        store._blob_refs[image.sha256] = store._blob_refs.get(image.sha256, 0) + 1
        for item in data["groups"]:
            group = VariationGroup(
                id=item["id"],
                code=item["code"],
                features=[GroupFeature(**f) for f in item["features"]],
                product_ids=list(item["product_ids"]),
                created_at=item["created_at"],
                updated_at=item["updated_at"],
            )
            store.groups[group.id] = group
            store._group_codes[group.code.lower()] = group.id
        store._ids = {key: int(value) for key, value in data["ids"].items()}
        return store


# -- module helpers --------------------------------------------------------------------------


def _ids_present(value: Any) -> list[int]:
    try:
        return to_id_list("category_ids", value)
    except InvalidValue:
        return [0]  # present but malformed: let the full check say what is wrong


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {} or value in (0, "0")


def _prepared_value(item: Any, sent_type: str, actual_type: str) -> tuple[bool, Any]:
    """(skip, value) as Products::prepareFeature hands it on. With a `feature_type`, the key
    read depends on that type; a multiple-checkbox with no variants is skipped, so the
    stored value stays; without one, the item itself is the value."""
    if not sent_type:
        if isinstance(item, dict):
            # Lenient: an object without feature_type is read by the feature's own type.
            return _prepared_value(item, actual_type, actual_type)
        return False, item
    if sent_type in ("S", "N", "E"):
        return False, item.get("variant_id")
    if sent_type in ("O", "D"):
        return False, item.get("value_int")
    if sent_type == "M":
        variants = item.get("variants")
        if not variants:
            return True, None
        values = variants.values() if isinstance(variants, dict) else variants
        ids = [v.get("variant_id") if isinstance(v, dict) else v for v in values]
        return False, [i for i in ids if i not in (None, "")]
    return False, item.get("value")  # T and C


def _parse_date(name: str, value: Any) -> int:
    """A date feature's value: a UNIX time, or a date as `YYYY-MM-DD` or `MM/DD/YYYY`."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    text = str(value).strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return int(float(text))
    for pattern in ("%Y-%m-%d", "%m/%d/%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            parsed = datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
        return int(parsed.timestamp())
    raise bad(f"field '{name}' must be a date (a UNIX time or YYYY-MM-DD), got {value!r}")


def _plain(record: Any) -> Any:
    """A record as JSON-ready data (dataclasses to dicts, Decimals to strings)."""
    if hasattr(record, "__dataclass_fields__"):
        return {name: _plain(getattr(record, name)) for name in record.__dataclass_fields__}
    if isinstance(record, dict):
        return {str(k): _plain(v) for k, v in record.items()}
    if isinstance(record, list):
        return [_plain(v) for v in record]
    if isinstance(record, Decimal):
        return {"__decimal__": str(record)}
    return record


def _unplain(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__decimal__"}:
            return Decimal(value["__decimal__"])
        return {k: _unplain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unplain(v) for v in value]
    return value


def _image(item: dict[str, Any] | None) -> StoredImage | None:
    return StoredImage(**item) if item else None


def _pair(item: dict[str, Any] | None) -> ImagePair | None:
    if not item:
        return None
    return ImagePair(
        item["pair_id"],
        item["pair_type"],
        item["position"],
        _image(item["detailed"]),
        _image(item["icon"]),
    )


def _product_from_plain(item: dict[str, Any]) -> Product:
    item = _unplain(item)
    features = {
        int(fid): FeatureValue(
            variant_ids=list(value["variant_ids"]),
            value=value["value"],
            value_int=value["value_int"],
            texts=dict(value["texts"]),
        )
        for fid, value in item["features"].items()
    }
    return Product(
        **{
            **item,
            "features": features,
            "main_pair": _pair(item["main_pair"]),
            "image_pairs": [p for p in (_pair(i) for i in item["image_pairs"]) if p],
        }
    )
