"""Counts that add up and a plan that says what changed (issue 14), for the Shopware writer
and stages against the sandbox shop in-process: "created" only for rows new to the shop,
even after the state store is lost; deactivations counted as such; a refused product read
and failed; the plan's old → new values from the payload last written."""

from __future__ import annotations

from pimflow import config
from pimflow.results import OUTCOMES, StageResult, plan_cap
from pimflow.shopware6.hook import Shopware6Hook
from pimflow.shopware6.mapping import shopware_id
from pimflow.shopware6.writer import Row, SyncWriter
from pimflow.state import StateStore, payload_hash
from tests.e2e.sandbox_clients import ShopwareReader
from tests.shopware6.test_shopware6_sync import Shop, akeneo_state, patch


def _products(client: ShopwareReader, n: int, name: str = "Thing") -> list[Row]:
    tax = client.search("tax")[0]["id"]
    currency = next(c["id"] for c in client.search("currency") if c["isoCode"] == "EUR")
    rows = []
    for i in range(n):
        payload = {
            "id": shopware_id("product", f"counts-{i}"),
            "productNumber": f"CNT-{i}",
            "stock": 1,
            "name": f"{name} {i}",
            "taxId": tax,
            "price": [{"currencyId": currency, "gross": 10, "net": 8.4, "linked": True}],
        }
        rows.append(Row(payload["id"], f"CNT-{i}", payload))
    return rows


def _lookups(client: ShopwareReader) -> int:
    return sum(n for route, n in client.stats()["calls"].items() if "/api/search-ids/" in route)


def _write(store: StateStore, rows: list[Row], batch_size: int = 4) -> StageResult:
    outcome = StageResult()
    SyncWriter(Shopware6Hook(), store, "t", outcome, batch_size=batch_size).upsert("product", rows)
    return outcome


def test_rows_already_in_the_shop_are_not_counted_created_after_the_store_is_lost(shop, tmp_path):
    client = ShopwareReader(shop.url)
    store = StateStore(tmp_path / "state.sqlite")
    first = _write(store, _products(client, 10))
    assert first.counts["product"]["created"] == 10
    assert _lookups(client) == 3  # one read per batch of 4: 3 for 10 rows, never per row
    store.close()

    lost = StateStore(tmp_path / "lost.sqlite")  # a new, empty store: the old one is gone
    rows = _products(client, 12)  # the 10 in the shop, and 2 new ones
    again = _write(lost, rows)
    counts = again.counts["product"]
    assert (counts["read"], counts["created"], counts["updated"]) == (12, 2, 10), counts
    assert _lookups(client) == 3 + 3
    # The plan says which: the two new ones created, the others updated (from nothing known).
    actions = {entry["identifier"]: entry["action"] for entry in again.planned}
    assert actions == {f"CNT-{i}": "create" if i >= 10 else "update" for i in range(12)}

    # Known to the store now: no lookup, and nothing to write.
    before = _lookups(client)
    third = _write(lost, rows)
    assert third.counts["product"]["unchanged"] == 12 and third.planned_total == 0
    assert _lookups(client) == before
    lost.close()


def test_the_plan_shows_old_and_new_values_and_the_store_keeps_the_payload(shop, tmp_path):
    client = ShopwareReader(shop.url)
    store = StateStore(tmp_path / "state.sqlite")
    rows = _products(client, 3)
    created = _write(store, rows)
    (entry, *_) = created.planned
    assert entry["action"] == "create"
    assert {"field": "name", "old": None, "new": "Thing 0"} in entry["changes"]
    assert store.payloads("t", "product", [rows[1].key]) == {rows[1].key: rows[1].payload}

    renamed = _products(client, 3)
    renamed[1].payload["name"] = "Renamed thing"
    result = _write(store, renamed)
    assert result.counts["product"] == {
        **result.counts["product"],
        "read": 3,
        "updated": 1,
        "unchanged": 2,
        "created": 0,
    }
    assert result.planned == [
        {
            "entity": "product",
            "identifier": "CNT-1",
            "action": "update",
            "changes": [{"field": "name", "old": "Thing 1", "new": "Renamed thing"}],
        }
    ]
    assert store.payloads("t", "product", [rows[1].key])[rows[1].key]["name"] == "Renamed thing"
    store.close()


def test_past_the_plans_cap_the_writer_reads_no_old_payloads(shop, tmp_path, monkeypatch):
    client = ShopwareReader(shop.url)
    store = StateStore(tmp_path / "state.sqlite")
    _write(store, _products(client, 8))
    read = []
    payloads = store.payloads
    monkeypatch.setattr(store, "payloads", lambda *a: read.append(a[2]) or payloads(*a))
    with plan_cap(3):  # a real run's sample, small: the first batch of 4 fills it
        result = _write(store, _products(client, 8, name="Renamed"))
    assert result.counts["product"]["updated"] == 8
    assert [len(keys) for keys in read] == [4]  # the second batch's entries are only counted
    assert len(result.planned) == 3 and result.planned_total == 8
    assert result.planned[0]["changes"][0]["old"] == "Thing 0"
    store.close()


def test_a_deactivation_is_counted_as_one_and_a_refused_removal_as_read_and_failed(shop, tmp_path):
    client = ShopwareReader(shop.url)
    hook = Shopware6Hook()
    store = StateStore(tmp_path / "state.sqlite")
    rows = _products(client, 3)
    _write(store, rows)
    # One of them was deleted in the shop by hand: deactivating it would create a husk,
    # which Shopware refuses; the other two are deactivated.
    gone = rows[2].key
    status, _ = hook.sync(
        {"d": {"entity": "product", "action": "delete", "payload": [{"id": gone}]}}
    )
    assert status < 400
    outcome = StageResult()
    writer = SyncWriter(hook, store, "t", outcome, batch_size=10)
    writer.remove("product", [r.key for r in rows], {}, deactivate=True)
    counts = outcome.counts.get("product", {})
    assert counts.get("deactivated") == 2 and counts.get("deleted", 0) == 0, counts
    assert counts.get("failed") == 1 == counts.get("read")  # only the refused one is "read"
    assert [(e["identifier"], e["field"]) for e in outcome.errors] == [("CNT-2", "active")]
    assert outcome.errors[0]["reason"].startswith("not deactivated")
    # The plan names them by product number; the store keeps their payload, inactive.
    assert {(e["identifier"], e["action"]) for e in outcome.planned} == {
        ("CNT-0", "deactivate"),
        ("CNT-1", "deactivate"),
    }
    kept = store.payloads("t", "product", [rows[0].key])[rows[0].key]
    assert kept["active"] is False and kept["productNumber"] == "CNT-0"
    assert store.hashes("t", "product", [gone])[gone] != payload_hash({"id": gone, "active": False})
    shop_rows = {p["productNumber"]: p for p in client.search("product")}
    assert shop_rows["CNT-0"]["active"] is False and "CNT-2" not in shop_rows

    # A second removal leaves the deactivated ones be (already so): nothing counted.
    again = StageResult()
    SyncWriter(hook, store, "t", again).remove("product", [rows[0].key], {}, deactivate=True)
    assert again.counts == {} and again.planned_total == 0

    # A delete the shop refuses is reported, not counted deleted, and stays in the store.
    refused = StageResult()
    SyncWriter(hook, store, "t", refused).remove("product", ["not-an-id"], {}, deactivate=False)
    assert refused.counts["product"]["deleted"] == 0
    assert refused.counts["product"]["read"] == 1 == refused.counts["product"]["failed"]
    assert refused.errors and refused.errors[0]["reason"].startswith("not deleted")
    deleted = StageResult()
    SyncWriter(hook, store, "t", deleted).remove("product", [rows[1].key], {}, deactivate=False)
    assert deleted.counts["product"]["deleted"] == 1
    assert deleted.planned == [
        {"entity": "product", "identifier": "CNT-1", "action": "delete", "changes": []}
    ]
    assert store.payloads("t", "product", [rows[1].key]) == {}
    store.close()


def _remove_state() -> None:
    path = config.state_db_path()
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def test_after_the_state_store_is_lost_a_run_creates_nothing_and_writes_no_duplicate(
    akeneo, shop, sync
):
    akeneo()
    client = Shop(shop.url)
    first = sync()
    assert first["errors"] == [], first["errors"][:3]
    created = {entity: counts["created"] for entity, counts in first["counts"].items()}
    assert created["product"] > 0 and created["product_cross_selling"] > 0, created
    # A first run looks up what the shop has once per batch of 250 rows (and media), no more.
    assert 0 < first["lookup_calls"] <= 12, first["lookup_calls"]
    in_shop = len(client.products())

    _remove_state()
    lost = sync()
    assert lost["errors"] == [], lost["errors"][:3]
    for entity, counts in lost["counts"].items():
        assert counts["created"] == 0, (entity, counts)
        assert counts["read"] == sum(counts[k] for k in OUTCOMES), (entity, counts)
    products = lost["counts"]["product"]
    assert (
        products["updated"] == created["product"]
        and products["read"] == first["counts"]["product"]["read"]
    )
    assert lost["counts"]["product_cross_selling"]["updated"] == created["product_cross_selling"]
    assert lost["counts"]["media"]["unchanged"] == first["counts"]["media"]["created"]
    assert len(client.products()) == in_shop  # upserts on the same ids: no duplicate
    # What the lost run wrote is known again: a third run writes and looks up nothing.
    calls = client.sync_calls()
    third = sync()
    assert client.sync_calls() == calls and third["lookup_calls"] == 0
    assert all(c["created"] == c["updated"] == 0 for c in third["counts"].values())


def test_a_product_the_mapping_refuses_is_read_and_failed_and_an_edit_is_planned(
    akeneo, shop, sync
):
    server = akeneo()
    reader, source, _ = akeneo_state(server.url)
    broken, edited = [p for p in source.values() if not p["parent"]][:2]
    usd_only = [{"locale": None, "scope": None, "data": [{"amount": "5.00", "currency": "USD"}]}]
    patch(server, reader, broken["uuid"], {"values": {"price": usd_only}})
    first = sync()
    products = first["counts"]["product"]
    assert products["failed"] == 1, products  # counted read too (check_counts in conftest)
    refused = [e["identifier"] for e in first["errors"] if e["entity"] == "product"]
    assert refused == [broken["identifier"]]

    name = [{"locale": "en_US", "scope": None, "data": "A name for the plan"}]
    patch(server, reader, edited["uuid"], {"values": {"name": name}})
    dry = sync(dry_run=True)
    entries = [e for e in dry["plan"] if e["identifier"] == edited["identifier"]]
    assert [e["action"] for e in entries] == ["update"], dry["plan"][:3]
    changes = {c["field"]: c for c in entries[0]["changes"]}
    (field,) = [f for f, c in changes.items() if c["new"] == "A name for the plan"]
    assert field.startswith("translations.") and field.endswith(".name")
    assert changes[field]["old"] not in (None, "A name for the plan")
    assert dry["counts"]["product"]["updated"] == 1 and dry["counts"]["product"]["created"] == 0
    assert dry["counts"]["product"]["failed"] == 1  # still refused, still read


def test_a_media_entity_without_its_file_is_not_taken_for_an_uploaded_image(shop):
    """A failed upload leaves the media entity without a file: the next run (its store
    lost or not) must upload the file, not count the image as in the shop."""
    hook = Shopware6Hook()
    with_file, without = shopware_id("media", "with-file"), shopware_id("media", "no-file")
    status, _ = hook.sync(
        {
            "m": {
                "entity": "media",
                "action": "upsert",
                "payload": [{"id": with_file}, {"id": without}],
            }
        }
    )
    assert status < 400
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
    hook.request(
        "POST",
        f"/api/_action/media/{with_file}/upload",
        params={"extension": "png", "fileName": "with-file"},
        data=png,
        headers={"Content-Type": "image/png"},
    )
    ids = [with_file, without, shopware_id("media", "never")]
    assert hook.existing_ids("media", ids) == {with_file, without}
    assert hook.existing_ids("media", ids, fields=("fileName",)) == {with_file}
    assert hook.existing_ids("media", ids, chunk=1) == {with_file, without}  # 3 reads
