"""Snapshots: the whole shop to and from plain data (`--snapshot`)."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pimflow_sandbox.cscart.state.records import (
    Category,
    Company,
    Feature,
    FeatureValue,
    GroupFeature,
    ImagePair,
    Language,
    Product,
    StoredImage,
    Variant,
    VariationGroup,
)

if TYPE_CHECKING:
    from pimflow_sandbox.cscart.state import Store


class SnapshotMixin:
    """Saving and loading the shop."""

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
