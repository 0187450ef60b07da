"""The JSON shapes CS-Cart answers with, built from the store's records.

CS-Cart hands out MySQL rows as they come: numbers as strings (`"product_id": "12"`,
`"price": "30.00"`, `"weight": "0.000"`), IDs of lists as numbers (`"category_ids": [224]`),
and an empty PHP array as `[]` even where a filled one is an object. The key order and types
follow the examples in the API docs, which the contract tests read.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pimflow_sandbox.cscart.state import (
    CATEGORY_TEXTS,
    CREATE_CATALOG_ITEM,
    CREATE_VARIATION_OF_CATALOG_ITEM,
    PRODUCT_TEXTS,
    Category,
    Company,
    Feature,
    FeatureValue,
    ImagePair,
    Language,
    Product,
    Store,
    StoredImage,
    Variant,
    VariationGroup,
)
from pimflow_sandbox.cscart.values import fmt_decimal

IMAGES_ROOT = "/var/www/html/images"  # where a real shop keeps them; shown as absolute_path

# The product columns in the order of the docs' example, and how each is written.
_LIST_COLUMNS: list[tuple[str, str]] = [
    ("product_code", "str"),
    ("status", "str"),
    ("company_id", "company"),
    ("list_price", "dec2"),
    ("amount", "int"),
    ("weight", "dec3"),
    ("length", "int"),
    ("width", "int"),
    ("height", "int"),
    ("shipping_freight", "dec2"),
    ("low_avail_limit", "int"),
    ("timestamp", "int"),
    ("updated_timestamp", "updated"),
    ("usergroup_ids", "str"),
    ("is_edp", "str"),
    ("edp_shipping", "str"),
    ("unlimited_download", "str"),
    ("tracking", "str"),
    ("free_shipping", "str"),
    ("zero_price_action", "str"),
    ("is_pbp", "str"),
    ("is_op", "str"),
    ("is_oper", "str"),
    ("is_returnable", "str"),
    ("return_period", "int"),
    ("avail_since", "int"),
    ("out_of_stock_actions", "str"),
    ("localization", "str"),
    ("min_qty", "int"),
    ("max_qty", "int"),
    ("qty_step", "int"),
    ("list_qty_count", "int"),
    ("tax_ids", "str"),
    ("age_verification", "str"),
    ("age_limit", "int"),
    ("options_type", "str"),
    ("exceptions_type", "str"),
    ("details_layout", "str"),
]
_SHIPPING_PARAMS = (
    "min_items_in_box",
    "max_items_in_box",
    "box_length",
    "box_width",
    "box_height",
)


class Urls:
    """The shop's own address as the client used it, for image links."""

    def __init__(self, base_url: str) -> None:
        self.http = base_url.rstrip("/")
        self.https = "https://" + self.http.split("://", 1)[-1]

    def image(self, relative_path: str, secure: bool = False) -> str:
        return f"{self.https if secure else self.http}/images/{relative_path}"


def _php_serialize_ints(values: dict[str, int]) -> str:
    items = "".join(f's:{len(k.encode())}:"{k}";i:{v};' for k, v in values.items())
    return f"a:{len(values)}:{{{items}}}"


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


# -- images ----------------------------------------------------------------------------------


def _image_node(
    image: StoredImage, urls: Urls, object_id: int, object_type: str, pair_type: str | None
) -> dict[str, Any]:
    node: dict[str, Any] = {}
    if pair_type is not None:
        node.update(object_id=str(object_id), object_type=object_type, type=pair_type)
    node.update(
        image_path=urls.image(image.relative_path),
        alt=image.alt,
        image_x=str(image.width),
        image_y=str(image.height),
        http_image_path=urls.image(image.relative_path),
        https_image_path=urls.image(image.relative_path, secure=True),
        absolute_path=f"{IMAGES_ROOT}/{image.relative_path}",
        relative_path=image.relative_path,
        is_high_res=False,
    )
    return node


def image_pair(pair: ImagePair, urls: Urls, object_id: int) -> dict[str, Any]:
    node: dict[str, Any] = {
        "pair_id": str(pair.pair_id),
        "image_id": str(pair.icon.image_id if pair.icon else 0),
        "detailed_id": str(pair.detailed.image_id if pair.detailed else 0),
        "position": str(pair.position),
        "object_id": str(object_id),
        "object_type": "product",
    }
    if pair.icon:
        node["icon"] = _image_node(pair.icon, urls, object_id, "product", None)
    if pair.detailed:
        node["detailed"] = _image_node(pair.detailed, urls, object_id, "product", pair.pair_type)
    return node


# -- products --------------------------------------------------------------------------------


def _feature_entry(
    store: Store, feature: Feature, value: FeatureValue, lang: str
) -> dict[str, Any]:
    texts = feature.texts.get(lang, {})
    kind = feature.feature_type
    variants = [feature.variants[v] for v in value.variant_ids if v in feature.variants]
    first = variants[0] if variants and kind != "M" else None
    value_int: str | None = None
    if kind == "N" and first is not None:
        label = first.texts.get(lang, {}).get("variant", "") or "0"
        try:
            value_int = fmt_decimal(Decimal(label), 2)
        except ArithmeticError:
            value_int = None
    elif kind in ("O", "D") and value.value_int is not None:
        value_int = fmt_decimal(value.value_int, 2)
    text = value.texts.get(lang, "") if kind == "T" else value.value
    return {
        "feature_id": str(feature.feature_id),
        "value": text,
        "value_int": value_int,
        "variant_id": str(first.variant_id) if first else "0",
        "feature_type": kind,
        "internal_name": feature.internal_name,
        "description": texts.get("description", ""),
        "prefix": texts.get("prefix", ""),
        "suffix": texts.get("suffix", ""),
        "variant": first.texts.get(lang, {}).get("variant", "") if first else "",
        "parent_id": str(feature.parent_id),
        "display_on_header": feature.fields["display_on_header"],
        "display_on_catalog": feature.fields["display_on_catalog"],
        "display_on_product": feature.fields["display_on_product"],
        "feature_code": feature.fields["feature_code"],
        "purpose": feature.purpose,
        "features_hash": "",  # the sandbox has no product filters to hash
        "variants": {
            str(v.variant_id): {
                "value": "",
                "value_int": value_int if kind == "N" else None,
                "variant_id": str(v.variant_id),
                "variant": v.texts.get(lang, {}).get("variant", ""),
            }
            for v in variants
        }
        or [],
    }


def product_features(store: Store, product: Product, lang: str) -> dict[str, Any] | list[Any]:
    entries = []
    for feature_id, value in product.features.items():
        feature = store.features.get(feature_id)
        if feature is not None:
            entries.append((feature.fields["position"], feature_id, feature, value))
    entries.sort(key=lambda item: (item[0], item[1]))
    return {str(fid): _feature_entry(store, f, v, lang) for _, fid, f, v in entries} or []


def _variation_features(store: Store, product: Product, lang: str) -> dict[str, Any] | list[Any]:
    group = store.groups.get(product.variation_group_id)
    if group is None:
        return []
    result: dict[str, Any] = {}
    for group_feature in group.features:
        feature = store.features.get(group_feature.feature_id)
        value = product.features.get(group_feature.feature_id)
        if feature is None or value is None or not value.variant_ids:
            continue
        variant = feature.variants.get(value.variant_ids[0])
        result[str(feature.feature_id)] = {
            "feature_id": str(feature.feature_id),
            "feature_type": feature.feature_type,
            "description": feature.texts.get(lang, {}).get("description", ""),
            "internal_name": feature.internal_name,
            "purpose": group_feature.purpose,
            "feature_style": feature.feature_style,
            "filter_style": feature.filter_style,
            "variant_id": str(value.variant_ids[0]),
            "variant": variant.texts.get(lang, {}).get("variant", "") if variant else "",
        }
    return result or []


def product_item(
    store: Store, product: Product, lang: str, urls: Urls, descriptions: bool = False
) -> dict[str, Any]:
    """One product as GET /products lists it (and the core of GET /products/:id)."""
    fields = product.fields
    texts = product.texts.get(lang, {})
    item: dict[str, Any] = {
        "product_id": str(product.product_id),
        "product": texts.get("product", ""),
        "product_type": product.product_type,
        "parent_product_id": str(product.parent_product_id),
    }
    for name, kind in _LIST_COLUMNS:
        if kind == "company":
            item[name] = str(product.company_id)
        elif kind == "updated":
            item[name] = str(product.updated_timestamp)
        elif kind == "dec2":
            item[name] = fmt_decimal(fields[name], 2)
        elif kind == "dec3":
            item[name] = fmt_decimal(fields[name], 3)
        else:
            item[name] = str(fields[name])
    item["shipping_params"] = _php_serialize_ints({k: fields[k] for k in _SHIPPING_PARAMS})
    item["price"] = fmt_decimal(fields["price"], 2)
    if descriptions:
        item["short_description"] = texts.get("short_description", "")
        item["full_description"] = texts.get("full_description", "")
    main_category = store.categories.get(product.main_category)
    item.update(
        category_ids=list(product.category_ids),
        seo_name=product.seo_name,
        seo_path=main_category.id_path if main_category else "",
        main_category=product.main_category,
        options_type_raw=None,
        exceptions_type_raw=None,
        tracking_raw=None,
        zero_price_action_raw=None,
        min_qty_raw=None,
        max_qty_raw=None,
        qty_step_raw=None,
        list_qty_count_raw=None,
        details_layout_raw=fields["details_layout"],
        variation_features=_variation_features(store, product, lang),
    )
    if product.variation_group_id:
        group = store.groups.get(product.variation_group_id)
        item["variation_group_id"] = str(product.variation_group_id)
        item["variation_group_code"] = group.code if group else ""
    item["main_pair"] = (
        image_pair(product.main_pair, urls, product.product_id) if product.main_pair else []
    )
    if product.image_pairs:
        pairs = sorted(product.image_pairs, key=lambda p: (p.position, p.pair_id))
        item["image_pairs"] = {
            str(p.pair_id): image_pair(p, urls, product.product_id) for p in pairs
        }
    item.update(
        base_price=fmt_decimal(fields["price"], 2),
        selected_options=[],
        has_options=False,
        product_options=[],
    )
    if fields["list_price"] > fields["price"]:
        discount = fields["list_price"] - fields["price"]
        item["list_discount"] = _number(discount)
        item["list_discount_prc"] = str(round(discount * 100 / fields["list_price"]))
    item.update(
        discounts={"A": 0, "P": 0},
        product_features=product_features(store, product, lang),
        qty_content=[],
    )
    return item


def product_detail(store: Store, product: Product, lang: str, urls: Urls) -> dict[str, Any]:
    """GET /products/:id: the list item plus every text in the language and the box data."""
    item = product_item(store, product, lang, urls)
    texts = product.texts.get(lang, {})
    for name in PRODUCT_TEXTS:
        item[name] = texts.get(name, "")
    for name in _SHIPPING_PARAMS:
        item[name] = product.fields[name]
    for name in ("feature_comparison", "shared_product"):
        item[name] = product.fields[name]
    item["popularity"] = str(product.fields["popularity"])
    item["sales_amount"] = str(product.fields["sales_amount"])
    item["point_price"] = fmt_decimal(product.fields["point_price"], 2)
    item["lang_code"] = lang
    return item


def products_params(
    request_params: dict[str, str],
    query: Any,
    page: int,
    items_per_page: int,
    total: int,
    descriptions: bool,
) -> dict[str, Any]:
    """The `params` block of a product list: the search as fn_get_products ran it."""
    params: dict[str, Any] = dict(request_params)
    extend = ["product_name", "prices", "categories", "categories"]
    if descriptions:
        extend.append("description")
    yn = {True: "Y", False: "N"}
    params.update(
        area="A",
        use_caching=True,
        extend=extend,
        custom_extend=[],
        pname=yn[query.pname],
        pshort=yn[query.pshort],
        pfull=yn[query.pfull],
        pkeywords=yn[query.pkeywords],
        feature=[],
        type="simple",
        page=page,
        action="",
        filter_variants=[],
        features_hash="",
        limit=0,
        bid=0,
        match=query.match,
        tracking=[],
        get_frontend_urls=False,
        items_per_page=items_per_page,
        apply_disabled_filters="",
        load_products_extra_data=True,
        storefront=None,
        company_ids="",
        subcats=yn[query.subcats],
        pcode_from_q=yn[query.pcode_from_q],
        search_performed="Y",
        hide_out_of_stock_products=False,
        sort_by=query.sort_by,
        sort_order=query.sort_order,
        usergroup_ids=[],
        include_child_variations=True,
        group_child_variations=False,
        sort_order_rev="desc" if query.sort_order == "asc" else "asc",
        total_items=str(total),
    )
    return params


# -- catalog structure -----------------------------------------------------------------------


def category(store: Store, record: Category, lang: str) -> dict[str, Any]:
    texts = record.texts.get(lang, {})
    fields = record.fields
    parent = store.categories.get(record.parent_id)
    node: dict[str, Any] = {
        "category_id": str(record.category_id),
        "parent_id": str(record.parent_id),
        "id_path": record.id_path,
        "category": texts.get("category", ""),
        "description": texts.get("description", ""),
        "company_id": str(record.company_id),
        "status": fields["status"],
        "position": str(fields["position"]),
        "product_count": str(store.product_count(record.category_id)),
        "timestamp": str(fields["timestamp"]),
        "usergroup_ids": fields["usergroup_ids"],
        "age_limit": str(fields["age_limit"]),
        "age_verification": fields["age_verification"],
        "parent_age_limit": str(parent.fields["age_limit"]) if parent else "0",
        "parent_age_verification": parent.fields["age_verification"] if parent else "N",
        "default_layout": fields["default_layout"],
        "product_columns": str(fields["product_columns"]),
        "selected_layouts": fields["selected_layouts"],
        "product_details_layout": fields["product_details_layout"],
        "localization": fields["localization"],
        "seo_name": record.seo_name,
        "seo_path": record.id_path.rsplit("/", 1)[0] if "/" in record.id_path else "",
        "lang_code": lang,
    }
    for name in CATEGORY_TEXTS:
        node.setdefault(name, texts.get(name, ""))
    return node


def variant(record: Variant, lang: str) -> dict[str, Any]:
    texts = record.texts.get(lang, {})
    return {
        "variant_id": str(record.variant_id),
        "variant": texts.get("variant", ""),
        "description": texts.get("description", ""),
        "page_title": texts.get("page_title", ""),
        "meta_keywords": texts.get("meta_keywords", ""),
        "meta_description": texts.get("meta_description", ""),
        "lang_code": lang,
        "feature_id": str(record.feature_id),
        "url": record.url,
        "color": record.color,
        "position": str(record.position),
    }


def feature(record: Feature, lang: str, with_variants: bool) -> dict[str, Any]:
    texts = record.texts.get(lang, {})
    fields = record.fields
    node: dict[str, Any] = {
        "feature_id": str(record.feature_id),
        "feature_code": fields["feature_code"],
        "company_id": str(record.company_id),
        "feature_type": record.feature_type,
        "parent_id": str(record.parent_id),
        "display_on_product": fields["display_on_product"],
        "display_on_catalog": fields["display_on_catalog"],
        "display_on_header": fields["display_on_header"],
        "description": texts.get("description", ""),
        "internal_name": record.internal_name,
        "lang_code": lang,
        "prefix": texts.get("prefix", ""),
        "suffix": texts.get("suffix", ""),
        "categories_path": fields["categories_path"],
        "full_description": texts.get("full_description", ""),
        "status": fields["status"],
        "comparison": fields["comparison"],
        "position": str(fields["position"]),
        "group_position": str(fields["group_position"]),
        "purpose": record.purpose,
        "feature_style": record.feature_style,
        "filter_style": record.filter_style,
        "timestamp": str(record.timestamp),
        "updated_timestamp": str(record.updated_timestamp),
    }
    if with_variants:
        ordered = sorted(record.variants.values(), key=lambda v: (v.position, v.variant_id))
        node["variants"] = {str(v.variant_id): variant(v, lang) for v in ordered} or []
    return node


def product_feature_list(store: Store, product: Product, lang: str) -> list[dict[str, Any]]:
    """GET /products/:id/features: each feature the product has a value of, with the value."""
    result = []
    block = product_features(store, product, lang)
    for feature_id, entry in block.items() if isinstance(block, dict) else []:
        record = store.features[int(feature_id)]
        node = feature(record, lang, with_variants=True)
        node.update(
            value=entry["value"],
            value_int=entry["value_int"],
            variant_id=entry["variant_id"],
            variant=entry["variant"],
        )
        result.append(node)
    return result


# -- companies, languages, groups ------------------------------------------------------------


def company(record: Company) -> dict[str, Any]:
    return {
        "company_id": str(record.company_id),
        "lang_code": record.lang_code,
        "email": record.email,
        "company": record.company,
        "timestamp": str(record.timestamp),
        "status": record.status,
        "seo_name": record.seo_name,
        "seo_path": "",
        "average_rating": None,
        "company_thread_ids": f"{record.company_id}_0",
    }


def language(record: Language) -> dict[str, Any]:
    return {
        "lang_id": str(record.lang_id),
        "lang_code": record.lang_code,
        "name": record.name,
        "status": record.status,
        "country_code": record.country_code,
        "direction": record.direction,
    }


def group(store: Store, record: VariationGroup) -> dict[str, Any]:
    """A variation group as Group::toArray() gives it (IDs as numbers, variant IDs as text)."""
    products = []
    for product_id in record.product_ids:
        product = store.products[product_id]
        values = []
        for group_feature in record.features:
            value = product.features.get(group_feature.feature_id)
            variant_id = value.variant_ids[0] if value and value.variant_ids else 0
            values.append({"feature_id": group_feature.feature_id, "variant_id": str(variant_id)})
        products.append(
            {
                "product_id": product_id,
                "parent_product_id": product.parent_product_id,
                "company_id": product.company_id,
                "feature_values": values,
            }
        )
    return {
        "id": record.id,
        "code": record.code,
        "features": [
            {
                "feature_id": f.feature_id,
                "purpose": f.purpose,
                "is_purpose_create_catalog_item": f.purpose == CREATE_CATALOG_ITEM,
                "is_purpose_create_variation_of_catalog_item": (
                    f.purpose == CREATE_VARIATION_OF_CATALOG_ITEM
                ),
            }
            for f in record.features
        ],
        "products": products,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }
