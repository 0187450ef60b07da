"""The product search (`GET /api/products` and its filters, sortings, `pcode` index)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from pimflow_sandbox.cscart.values import (
    text_matches,
)

if TYPE_CHECKING:
    from pimflow_sandbox.cscart.state.records import Product, ProductQuery


class ProductSearchMixin:
    """Searching products."""

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
