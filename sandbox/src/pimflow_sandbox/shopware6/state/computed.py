"""The table of computed (read-only) fields, by entity."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pimflow_sandbox.shopware6.schema import (
    CURRENCY_DEFAULT,
)
from pimflow_sandbox.shopware6.state.categories import (
    _category_ancestors,
    _category_breadcrumb,
    _category_path,
    _category_tree,
    _visible_child_count,
)
from pimflow_sandbox.shopware6.state.core import ReadCtx
from pimflow_sandbox.shopware6.state.media import _media_folder_path, _media_url
from pimflow_sandbox.shopware6.state.products import (
    _display_group,
    _product_available,
    _product_links,
)

if TYPE_CHECKING:
    from pimflow_sandbox.shopware6.state import Store


def _child_count(entity: str) -> Callable[[Store, str, ReadCtx], int]:
    def count(store: Store, eid: str, ctx: ReadCtx) -> int:
        return len(store.fk_index[(entity, "parentId")].get(eid, ()))

    return count


COMPUTED: dict[str, dict[str, Callable[[Store, str, ReadCtx], Any]]] = {
    "product": {
        "childCount": _child_count("product"),
        "availableStock": lambda s, i, c: s.field_value(
            s.defs["product"], i, "stock", ReadCtx(c.language_id, True, c.base_url, c.chain)
        ),
        "available": _product_available,
        "categoryTree": _category_tree,
        "categoryIds": lambda s, i, c: _product_links(s, i, c, "categories"),
        "propertyIds": lambda s, i, c: _product_links(s, i, c, "properties"),
        "optionIds": lambda s, i, c: (
            s._own_related(s.defs["product"], i, s.defs["product"].relations["options"]) or None
        ),
        "displayGroup": _display_group,
        "sales": lambda s, i, c: 0,
        "variation": lambda s, i, c: [],
        "states": lambda s, i, c: [],
    },
    "category": {
        "path": _category_path,
        "level": lambda s, i, c: len(_category_ancestors(s, i)),
        "breadcrumb": _category_breadcrumb,
        "childCount": _child_count("category"),
        "visibleChildCount": _visible_child_count,
    },
    "media": {
        "url": _media_url,
        "hasFile": lambda s, i, c: s.rows["media"][i].get("path") is not None,
    },
    "media_folder": {"childCount": _child_count("media_folder"), "path": _media_folder_path},
    "currency": {"isSystemDefault": lambda s, i, c: i == CURRENCY_DEFAULT},
    "rule": {"invalid": lambda s, i, c: False, "areas": lambda s, i, c: []},
    "sales_channel": {
        "paymentMethodIds": lambda s, i, c: [
            x for x in [s.rows["sales_channel"][i].get("paymentMethodId")] if x
        ]
    },
}
