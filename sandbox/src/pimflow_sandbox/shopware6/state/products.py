"""Products: prices as rendered, and the product entity's computed fields."""

from __future__ import annotations

import copy
import hashlib
from typing import TYPE_CHECKING, Any

from pimflow_sandbox.shopware6.state.core import ReadCtx

if TYPE_CHECKING:
    from pimflow_sandbox.shopware6.state import Store


# -- computed fields ---------------------------------------------------------------------------


def render_price(price: dict[str, Any]) -> dict[str, Any]:
    out = {
        "currencyId": price.get("currencyId"),
        "net": price.get("net"),
        "gross": price.get("gross"),
        "linked": price.get("linked"),
        "listPrice": copy.deepcopy(price.get("listPrice")),
        "percentage": None,
        "regulationPrice": copy.deepcopy(price.get("regulationPrice")),
        "apiAlias": "price",
    }
    list_price = price.get("listPrice")
    if list_price and list_price.get("gross") and list_price.get("net"):
        out["percentage"] = {
            "net": round(100 - price["net"] / list_price["net"] * 100, 2),
            "gross": round(100 - price["gross"] / list_price["gross"] * 100, 2),
        }
    return out


def _product_links(store: Store, eid: str, ctx: ReadCtx, relation: str) -> list[str] | None:
    d = store.defs["product"]
    ids = store.related_ids(
        d, eid, d.relations[relation], ReadCtx(ctx.language_id, True, ctx.base_url, ctx.chain)
    )
    return ids or None


def _product_available(store: Store, eid: str, ctx: ReadCtx) -> bool:
    d = store.defs["product"]
    inherit = ReadCtx(ctx.language_id, True, ctx.base_url, ctx.chain)
    stock = store.field_value(d, eid, "stock", inherit) or 0
    closeout = store.field_value(d, eid, "isCloseout", inherit) or False
    minimum = store.field_value(d, eid, "minPurchase", inherit) or 1
    return (not closeout) or stock >= minimum


def _display_group(store: Store, eid: str, ctx: ReadCtx) -> str:
    row = store.rows["product"][eid]
    options = store._own_related(
        store.defs["product"], eid, store.defs["product"].relations["options"]
    )
    base = (row.get("parentId") or eid) + ("".join(sorted(options)) if row.get("parentId") else "")
    return hashlib.md5(base.encode()).hexdigest()  # noqa: S324 - an id, not security
