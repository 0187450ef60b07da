"""The in-memory Akeneo catalog and its rules: writes, validation, inheritance, reads.

Pure Python, no HTTP: `api.py` parses requests and renders what this package returns or
raises (see `errors.py`). Everything here runs under the app's lock. Split by resource, the
way moto splits its models: `core.py` holds the indexes and what every resource shares, and
each other module one resource's rules as a mixin; `Catalog` composes them.

Products are kept compact (`__slots__` objects whose values are one flat dict keyed by
shared `(attribute, locale, scope)` tuples) so a 100,000-product catalog fits comfortably
in memory; variant products and sub product models store only their own values and read
their parents' at render time, which is how Akeneo answers (values inherited from the
parent models, categories and associations merged with the ancestors').
"""

from __future__ import annotations

from pimflow_sandbox.akeneo.state.assets import AssetsMixin
from pimflow_sandbox.akeneo.state.attributes import AttributesMixin
from pimflow_sandbox.akeneo.state.categories import CategoriesMixin
from pimflow_sandbox.akeneo.state.channels import ChannelsMixin
from pimflow_sandbox.akeneo.state.core import (
    ASSET_STORAGE,
    CATALOG_STORAGE,
    MIME_TYPES,
    READ_ONLY_PRODUCT_FIELDS,
    REFERENCE_ENTITY_STORAGE,
    UUID_RE,
    CatalogCore,
    MediaFile,
    Product,
    ProductModel,
    format_datetime,
    media_key,
)
from pimflow_sandbox.akeneo.state.families import FamiliesMixin
from pimflow_sandbox.akeneo.state.media import MediaMixin
from pimflow_sandbox.akeneo.state.product_models import ProductModelsMixin
from pimflow_sandbox.akeneo.state.products import ProductsMixin
from pimflow_sandbox.akeneo.state.reads import ReadsMixin
from pimflow_sandbox.akeneo.state.records import RecordsMixin
from pimflow_sandbox.akeneo.state.reference_entities import ReferenceEntitiesMixin


class Catalog(
    ChannelsMixin,
    AttributesMixin,
    FamiliesMixin,
    CategoriesMixin,
    ReferenceEntitiesMixin,
    AssetsMixin,
    RecordsMixin,
    MediaMixin,
    ReadsMixin,
    ProductsMixin,
    ProductModelsMixin,
    CatalogCore,
):
    """The whole PIM: structure, products, product models, reference entities, assets, media."""


__all__ = [
    "ASSET_STORAGE",
    "CATALOG_STORAGE",
    "Catalog",
    "MIME_TYPES",
    "MediaFile",
    "Product",
    "ProductModel",
    "READ_ONLY_PRODUCT_FIELDS",
    "REFERENCE_ENTITY_STORAGE",
    "UUID_RE",
    "format_datetime",
    "media_key",
]
