"""What products and product models read: inheritance from the parents, completeness,
iteration in order, lookups by key."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pimflow_sandbox.akeneo.state.core import ProductModel
from pimflow_sandbox.akeneo.values import (
    PRICE,
    ValueKey,
    vkey,
)

if TYPE_CHECKING:
    from pimflow_sandbox.akeneo.state.core import Product


class ReadsMixin:
    """Reads of products and product models."""

    # -- products: reads -------------------------------------------------------------------------
    def ancestors(self, parent: str | None) -> list[ProductModel]:
        """The models above an entity, root first."""
        chain: list[ProductModel] = []
        while parent is not None:
            model = self.product_models.get(parent)
            if model is None:
                break
            chain.insert(0, model)
            parent = model.parent
        return chain

    def merged_values(self, entity: Product | ProductModel) -> dict[ValueKey, Any]:
        chain = self.ancestors(entity.parent)
        if not chain:
            return entity.values
        merged: dict[ValueKey, Any] = {}
        for model in chain:
            merged.update(model.values)
        merged.update(entity.values)
        return merged

    def merged_categories(self, entity: Product | ProductModel) -> list[str]:
        categories = list(entity.categories)
        for model in self.ancestors(entity.parent):
            for code in model.categories:
                if code not in categories:
                    categories.append(code)
        return sorted(categories)

    def merged_associations(
        self, entity: Product | ProductModel
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        chain = [*self.ancestors(entity.parent), entity]
        associations: dict[str, dict[str, list[str]]] = {}
        quantified: dict[str, dict[str, list[tuple[str, int]]]] = {}
        for item in chain:
            for type_code, links in item.associations.items():
                target = associations.setdefault(
                    type_code, {"products": [], "product_models": [], "groups": []}
                )
                for key, codes in links.items():
                    for code in codes:
                        if code not in target[key]:
                            target[key].append(code)
            for type_code, links in item.quantified.items():
                target_q = quantified.setdefault(type_code, {"products": [], "product_models": []})
                for key, pairs in links.items():
                    known = {code: i for i, (code, _) in enumerate(target_q[key])}
                    for code, quantity in pairs:
                        if code in known:
                            target_q[key][known[code]] = (code, quantity)
                        else:
                            target_q[key].append((code, quantity))
        return associations, quantified

    def variant_level_attributes(
        self, entity: Product | ProductModel, is_model: bool
    ) -> set[str] | None:
        """Attributes an entity may hold itself, or None when not constrained by a variant."""
        if is_model:
            assert isinstance(entity, ProductModel)
            variant = self.family_variants.get(entity.family_variant)
            if variant is None:
                return None
            sets = variant["variant_attribute_sets"]
            if entity.parent is None:
                return set(variant.get("common_attributes") or [])
            return set(sets[0]["attributes"])
        if entity.parent is None:
            family = self.families.get(entity.family or "")
            return set(family["attributes"]) if family else None
        parent = self.product_models.get(entity.parent)
        if parent is None:
            return None
        variant = self.family_variants.get(parent.family_variant)
        if variant is None:
            return None
        level = len(self.ancestors(entity.parent))
        sets = variant["variant_attribute_sets"]
        return set(sets[min(level, len(sets)) - 1]["attributes"])

    def completeness(self, product: Product) -> list[dict[str, Any]]:
        """Per channel and locale: the share of the family's required attributes filled."""
        family = self.families.get(product.family or "")
        if family is None:
            return []
        chain = self.ancestors(product.parent)
        stamp = (self._write_generation, product.updated, tuple(m.updated for m in chain))
        cached = self._completeness_cache.get(product.uuid)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        values = self.merged_values(product)
        result = []
        for channel_code, channel in self.channels.items():
            required = family["attribute_requirements"].get(channel_code, [])
            for locale in channel["locales"]:
                filled = 0
                for code in required:
                    attribute = self.attributes.get(code)
                    if attribute is None:
                        continue
                    key = vkey(
                        code,
                        locale if attribute["localizable"] else None,
                        channel_code if attribute["scopable"] else None,
                    )
                    data = values.get(key)
                    if data is None:
                        continue
                    if attribute["type"] == PRICE:
                        currencies = {price["currency"] for price in data}
                        if not set(channel["currencies"]) <= currencies:
                            continue
                    filled += 1
                ratio = 100 * filled // len(required) if required else 100
                result.append({"scope": channel_code, "locale": locale, "data": ratio})
        self._completeness_cache[product.uuid] = (stamp, result)
        return result

    def descendant_products(self, model_code: str) -> list[Product]:
        found = [
            self.products[u]
            for u in self.children_products.get(model_code, ())
            if u in self.products
        ]
        for child in self.children_models.get(model_code, ()):
            found.extend(self.descendant_products(child))
        return found

    def iter_products(self, start_after: str | None = None) -> Iterator[Product]:
        index = 0 if start_after is None else bisect.bisect_right(self.sorted_uuids, start_after)
        uuids = self.sorted_uuids
        products = self.products
        while index < len(uuids):
            product = products.get(uuids[index])
            index += 1
            if product is not None:
                yield product

    def iter_models(self, start_after: int | None = None) -> Iterator[ProductModel]:
        index = (
            0
            if start_after is None
            else bisect.bisect_right(self.sorted_models, (start_after, "\uffff"))
        )
        while index < len(self.sorted_models):
            seq, code = self.sorted_models[index]
            index += 1
            model = self.product_models.get(code)
            if model is not None:
                yield model

    def find_product(self, key: str, by: str) -> Product | None:
        if by == "uuid":
            return self.products.get(key.lower())
        found = self.by_identifier.get(key.lower())
        return self.products.get(found) if found else None
