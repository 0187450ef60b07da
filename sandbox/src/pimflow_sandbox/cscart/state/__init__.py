"""The shop behind the CS-Cart sandbox: its records and the rules CS-Cart applies to them.

Pure Python, no HTTP (the moto split): `api.py` parses requests, calls a `Store` method and
renders the result with `views.py`. A rule the shop enforces raises `StateError`, whose
`kind` the HTTP layer maps to CS-Cart's status codes. Split by resource, as moto splits its
models: `core.py` holds the indexes and shared helpers, `records.py` and `fields.py` the
records and their field tables, and each other module one resource's rules as a mixin;
`Store` composes them.

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

from pimflow_sandbox.cscart.state.categories import CategoriesMixin
from pimflow_sandbox.cscart.state.common import (
    CREATE_CATALOG_ITEM,
    CREATE_VARIATION_OF_CATALOG_ITEM,
    DEFAULT_COMPANY_ID,
    FEATURE_TYPES,
    GROUP_CODE,
    PURPOSES,
    RESULT_ADDED,
    RESULT_COMBINATION_EXISTS,
    RESULT_COMPANY_MISMATCH,
    RESULT_INVALID_FEATURE_VALUES,
    RESULT_NOTHING,
    SELECTABLE_TYPES,
    STATUSES,
    VARIATION_PURPOSES,
    VARIATION_TYPES,
    YN,
    StateError,
    bad,
    not_found,
)
from pimflow_sandbox.cscart.state.companies import CompaniesMixin
from pimflow_sandbox.cscart.state.core import StoreCore
from pimflow_sandbox.cscart.state.features import FeaturesMixin
from pimflow_sandbox.cscart.state.fields import (
    CATEGORY_FIELDS,
    CATEGORY_TEXTS,
    COMPANY_FIELDS,
    COMPANY_REQUIRED,
    COMPANY_STATUSES,
    FEATURE_FIELDS,
    FEATURE_TEXTS,
    PRODUCT_FIELDS,
    PRODUCT_TEXTS,
    VARIANT_TEXTS,
    Spec,
)
from pimflow_sandbox.cscart.state.images import ImagesMixin
from pimflow_sandbox.cscart.state.languages import LanguagesMixin
from pimflow_sandbox.cscart.state.product_search import ProductSearchMixin
from pimflow_sandbox.cscart.state.products import ProductsMixin
from pimflow_sandbox.cscart.state.records import (
    Category,
    Company,
    Feature,
    FeatureValue,
    GroupFeature,
    ImagePair,
    Language,
    Product,
    ProductQuery,
    StoredImage,
    Variant,
    VariationGroup,
)
from pimflow_sandbox.cscart.state.snapshot import SnapshotMixin
from pimflow_sandbox.cscart.state.variation_groups import VariationGroupsMixin


class Store(
    LanguagesMixin,
    CompaniesMixin,
    CategoriesMixin,
    FeaturesMixin,
    ProductsMixin,
    ImagesMixin,
    ProductSearchMixin,
    VariationGroupsMixin,
    SnapshotMixin,
    StoreCore,
):
    """Every record of one shop, with CS-Cart's rules for changing them."""


__all__ = [
    "CATEGORY_FIELDS",
    "CATEGORY_TEXTS",
    "COMPANY_FIELDS",
    "COMPANY_REQUIRED",
    "COMPANY_STATUSES",
    "CREATE_CATALOG_ITEM",
    "CREATE_VARIATION_OF_CATALOG_ITEM",
    "Category",
    "Company",
    "DEFAULT_COMPANY_ID",
    "FEATURE_FIELDS",
    "FEATURE_TEXTS",
    "FEATURE_TYPES",
    "Feature",
    "FeatureValue",
    "GROUP_CODE",
    "GroupFeature",
    "ImagePair",
    "Language",
    "PRODUCT_FIELDS",
    "PRODUCT_TEXTS",
    "PURPOSES",
    "Product",
    "ProductQuery",
    "RESULT_ADDED",
    "RESULT_COMBINATION_EXISTS",
    "RESULT_COMPANY_MISMATCH",
    "RESULT_INVALID_FEATURE_VALUES",
    "RESULT_NOTHING",
    "SELECTABLE_TYPES",
    "STATUSES",
    "Spec",
    "StateError",
    "Store",
    "StoredImage",
    "VARIANT_TEXTS",
    "VARIATION_PURPOSES",
    "VARIATION_TYPES",
    "Variant",
    "VariationGroup",
    "YN",
    "bad",
    "not_found",
]
