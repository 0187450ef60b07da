from __future__ import annotations

import gc
import threading

from pimflow.staging import ChunkWriter, Dataset, cyclic_gc_paused, read_rows, run_folder
from pimflow.state import StateStore, payload_hash

DATASET = Dataset("things", {"code": "string", "enabled": "bool", "n": "int", "values": "json"})


def test_chunks_round_trip_in_order_and_a_rewrite_replaces_stale_chunks(tmp_path, monkeypatch):
    monkeypatch.setenv("PIMFLOW_STAGING_URL", tmp_path.as_uri())
    folder = run_folder("dag", "manual__2026-01-01T00:00:00+00:00")
    assert ":" not in folder.name and "+" not in folder.name
    rows = [
        {"code": f"c{i}", "enabled": i % 2 == 0, "n": i, "values": {"a": [i, "1.10"]}}
        for i in range(25)
    ]
    with ChunkWriter(folder, DATASET, rows_per_chunk=10) as writer:
        writer.extend(rows)
    assert writer.count == 25
    assert sorted(p.name for p in (folder / "things").iterdir()) == [
        "part-00000.parquet",
        "part-00001.parquet",
        "part-00002.parquet",
    ]
    assert list(read_rows(folder, DATASET)) == rows
    with ChunkWriter(folder, DATASET, rows_per_chunk=10) as writer:  # a retried task
        writer.extend(rows[:3])
    assert list(read_rows(folder, DATASET)) == rows[:3]


def test_state_store_keeps_hashes_per_target_and_entity(tmp_path):
    store = StateStore(tmp_path / "state.sqlite")
    store.save("shop-a", "product", {"p1": "h1", "p2": "h2"})
    store.save("shop-b", "product", {"p1": "other"})
    store.save("shop-a", "product", {"p2": "h2-new"})
    assert store.hashes("shop-a", "product", ["p1", "p2", "p3"]) == {"p1": "h1", "p2": "h2-new"}
    assert store.hashes("shop-a", "category", ["p1"]) == {}
    keys = [f"k{i}" for i in range(1200)]  # more than one SQL statement's parameters
    store.save("shop-a", "bulk", {k: "h" for k in keys})
    assert len(store.hashes("shop-a", "bulk", keys)) == 1200
    store.forget("shop-a")
    assert store.hashes("shop-a", "product", ["p1"]) == {}
    assert store.hashes("shop-b", "product", ["p1"]) == {"p1": "other"}
    store.close()


def test_payload_hash_ignores_key_order_but_not_values():
    assert payload_hash({"a": 1, "b": [1, 2]}) == payload_hash({"b": [1, 2], "a": 1})
    assert payload_hash({"a": 1}) != payload_hash({"a": 2})
    assert payload_hash({"a": None}) != payload_hash({})


def test_id_map_keeps_the_targets_ids_per_entity(tmp_path):
    store = StateStore(tmp_path / "state.sqlite")
    store.save_remote_ids("cscart:a", "product", {"sku-1": "12", "sku-2": "13"})
    store.save_remote_ids("cscart:a", "category", {"master": "1"})
    assert store.remote_ids("cscart:a", "product", ["sku-1", "sku-9"]) == {"sku-1": "12"}
    assert store.remote_ids("cscart:a", "product") == {"sku-1": "12", "sku-2": "13"}
    store.forget_remote_ids("cscart:a", "product", ["sku-1"])
    assert store.remote_ids("cscart:a", "product") == {"sku-2": "13"}
    assert store.remote_ids("cscart:b", "product") == {}
    store.close()


def test_the_gc_pause_holds_while_any_overlapping_region_runs_and_restores_what_it_found():
    assert gc.isenabled()
    inside, leave = threading.Event(), threading.Event()

    def other_region() -> None:  # the read-ahead thread decoding while the caller stages
        with cyclic_gc_paused():
            inside.set()
            leave.wait(10)

    with cyclic_gc_paused():
        thread = threading.Thread(target=other_region)
        thread.start()
        inside.wait(10)
    assert not gc.isenabled()  # the first region ended, the other still runs
    leave.set()
    thread.join(10)
    assert gc.isenabled()
    gc.disable()  # a caller that turned the collector off keeps it off
    try:
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
