"""The field tables: each resource's columns, their types and defaults, and its texts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pimflow_sandbox.cscart.state.common import STATUSES, YN
from pimflow_sandbox.cscart.values import (
    to_choice,
    to_decimal,
    to_id_list,
    to_int,
    to_str,
)

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
