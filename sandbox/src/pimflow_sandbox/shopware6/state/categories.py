"""Categories: ancestors, tree, path, breadcrumb and child counts (computed fields)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pimflow_sandbox.shopware6.state.products import _product_links

if TYPE_CHECKING:
    from pimflow_sandbox.shopware6.state import Store
    from pimflow_sandbox.shopware6.state.core import ReadCtx


def _category_ancestors(store: Store, category_id: str) -> list[str]:
    chain = []
    current: str | None = category_id
    seen = set()
    while current and current not in seen and current in store.rows["category"]:
        seen.add(current)
        chain.append(current)
        current = store.rows["category"][current].get("parentId")
    return list(reversed(chain))


def _category_tree(store: Store, eid: str, ctx: ReadCtx) -> list[str] | None:
    categories = _product_links(store, eid, ctx, "categories")
    if not categories:
        return None
    tree: list[str] = []
    for category in categories:
        for ancestor in _category_ancestors(store, category):
            if ancestor not in tree:
                tree.append(ancestor)
    return tree


def _category_path(store: Store, eid: str, ctx: ReadCtx) -> str | None:
    ancestors = _category_ancestors(store, eid)[:-1]
    return "|" + "|".join(ancestors) + "|" if ancestors else None


def _category_breadcrumb(store: Store, eid: str, ctx: ReadCtx) -> list[str]:
    d = store.defs["category"]
    return [
        store.translated_value(d, cid, "name", ctx.chain) or ""
        for cid in _category_ancestors(store, eid)
    ]


def _visible_child_count(store: Store, eid: str, ctx: ReadCtx) -> int:
    rows = store.rows["category"]
    return sum(
        1
        for cid in store.fk_index[("category", "parentId")].get(eid, ())
        if rows[cid].get("visible")
    )
