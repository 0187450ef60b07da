"""Cross-sells to products the run's scope excludes are left out for good and reported
once; products in scope but not in the shop yet are waited for (see also the delta test
in test_shopware6_sync.py)."""

from __future__ import annotations

from pimflow import config
from pimflow.shopware6.mapping import shopware_id
from pimflow.shopware6.upload import EXCLUDED_CROSS_SELLINGS, PENDING_CROSS_SELLINGS
from pimflow.state import StateStore
from tests.shopware6.test_shopware6_sync import Shop, akeneo_state, patch


def _stored(shop_url: str, entity: str) -> dict[str, str]:
    store = StateStore(config.state_db_path())
    try:
        return store.remote_ids(f"shopware6:{shop_url}", entity)
    finally:
        store.close()


def _cross_errors(result: dict) -> list[dict]:
    return [e for e in result["errors"] if e["entity"] == "product_cross_selling"]


def test_a_link_to_a_product_outside_the_channel_tree_is_left_out_and_reported_once(
    akeneo, shop, sync
):
    server = akeneo()
    reader, source, _ = akeneo_state(server.url)
    first, second = [p for p in source.values() if not p["parent"]][:2]
    leaf = second["categories"]
    # `second` leaves the channel's tree (unclassified): the `scope` read never returns it.
    patch(server, reader, second["uuid"], {"categories": []})
    patch(
        server, reader, first["uuid"], {"associations": {"X_SELL": {"products": [second["uuid"]]}}}
    )
    run = sync()
    mine = [e for e in _cross_errors(run) if e["identifier"] == first["identifier"]]
    assert len(mine) == 1, mine
    reason = mine[0]["reason"]
    assert "X_SELL" in reason and second["identifier"] in reason
    assert "not classified in the category tree 'master' of channel 'ecommerce'" in reason
    key = shopware_id("product", first["uuid"])
    assert key not in _stored(shop.url, PENDING_CROSS_SELLINGS)  # nothing waits for it
    assert any(k.startswith(key) for k in _stored(shop.url, EXCLUDED_CROSS_SELLINGS))
    counts = run["counts"]["product_cross_selling"]
    assert counts["read"] == sum(
        counts[k] for k in ("created", "updated", "unchanged", "skipped", "failed")
    )

    again = sync()  # reported once: the next run is quiet and writes no cross-selling
    assert not [e for e in _cross_errors(again) if e["identifier"] == first["identifier"]]
    assert again["counts"]["product_cross_selling"]["created"] == 0
    assert again["counts"]["product_cross_selling"]["updated"] == 0

    # Back in the tree: read, written, and the link made by the same run's cross-sells.
    patch(server, reader, second["uuid"], {"categories": leaf})
    back = sync()
    assert not [e for e in _cross_errors(back) if e["identifier"] == first["identifier"]]
    product = Shop(shop.url).products()[first["identifier"]]
    assigned = {a["productId"] for c in product["crossSellings"] for a in c["assignedProducts"]}
    assert shopware_id("product", second["uuid"]) in assigned
    assert not any(k.startswith(key) for k in _stored(shop.url, EXCLUDED_CROSS_SELLINGS))
