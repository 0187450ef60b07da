"""Categories: the tree by `parent_id`, names per language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pimflow_sandbox.cscart.state.common import DEFAULT_COMPANY_ID, _checked, bad, not_found
from pimflow_sandbox.cscart.state.fields import CATEGORY_FIELDS, CATEGORY_TEXTS
from pimflow_sandbox.cscart.state.records import Category
from pimflow_sandbox.cscart.values import (
    param_values,
    to_int,
)


class CategoriesMixin:
    """Categories and their tree."""

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
