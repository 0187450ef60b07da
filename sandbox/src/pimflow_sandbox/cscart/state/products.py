"""Products: columns, texts, categories, and their feature values."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pimflow_sandbox.cscart.images import FetchedImage, ImagesRequest
from pimflow_sandbox.cscart.state.common import (
    DEFAULT_COMPANY_ID,
    YN,
    StateError,
    _checked,
    _empty,
    _ids_present,
    _parse_date,
    _prepared_value,
    bad,
    not_found,
)
from pimflow_sandbox.cscart.state.fields import PRODUCT_FIELDS, PRODUCT_TEXTS
from pimflow_sandbox.cscart.state.records import FeatureValue, Product
from pimflow_sandbox.cscart.values import (
    to_choice,
    to_decimal,
    to_id_list,
    to_int,
    to_str,
)

if TYPE_CHECKING:
    from pimflow_sandbox.cscart.state.records import Feature


class ProductsMixin:
    """Products and their feature values."""

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
