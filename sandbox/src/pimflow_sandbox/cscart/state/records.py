"""The records as CS-Cart keeps them (languages, companies, categories, features and their
variants, products and their images, variation groups) and the product search query."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pimflow_sandbox.cscart.state.common import _checked
from pimflow_sandbox.cscart.values import (
    param_values,
    to_decimal,
    to_id_list,
    to_int,
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
