"""The core's dry run (pimflow/dry_run.py), without servers: the hook's recorder, the state
store's overlay, and the snapshots that carry one dry run across tasks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pimflow.dry_run import (
    DryRun,
    DryRunViolation,
    OverlayStore,
    Responder,
    local_response,
    record,
    route_of,
    snapshot_name,
)
from pimflow.hooks.base import ApiError
from pimflow.shopware6.target import Shopware6Target
from pimflow.state import StateStore
from pimflow.targets.base import ShopTarget


class FakeHook:
    """A hook shaped like PimflowHttpHook: `request` is the one way out; what reaches the
    'shop' is recorded."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, Any]] = []

    def url(self, path: str) -> str:
        return "http://shop.invalid" + path

    def request(self, method: str, path_or_url: str, **options: Any) -> Any:
        self.sent.append((method, path_or_url, options.get("json")))
        return local_response(200, {"from": "shop", "path": path_or_url})

    def write_product(self, product_id: str) -> Any:
        """Like a hook's helpers (send, sync, search): built on `request`."""
        return self.request("PUT", f"/api/product/{product_id}", json={"name": "x"}).json()

    def run(self) -> None:
        raise AssertionError("never called in a dry run")


class Target(ShopTarget):
    type_name = "fake"
    title = "Fake"
    hook_class = "tests.unit.test_dry_run:FakeHook"
    connection_type = "fake"

    def load_mapping(self, path: str | None) -> Any:
        return {}

    def stages(self) -> tuple:
        return ()


def test_a_read_reaches_the_shop_a_write_is_recorded_and_answered_here():
    hook = FakeHook()
    recorder = record(hook, Target().read_request, Target().dry_run_responder(hook))
    assert isinstance(hook, FakeHook)  # the same object, still its class's
    assert hook.request("GET", "/api/product", params={"page": 1}).json()["from"] == "shop"
    assert hook.write_product("0" * 32) == {}  # the default answer: 200, empty JSON
    assert hook.request("DELETE", "/api/product/12").status_code == 200
    assert [(m, p) for m, p, _ in hook.sent] == [("GET", "/api/product")]
    assert recorder.would_write() == {"DELETE /api/product/{id}": 1, "PUT /api/product/{id}": 1}
    with pytest.raises(DryRunViolation):
        hook.run  # noqa: B018 - a way to send around `request`
    assert record(hook, Target().read_request) is recorder  # not wrapped twice


def test_the_targets_read_request_decides_what_is_a_read():
    """Shopware's searches are POSTs: they reach the shop; its sync POST does not."""
    hook = FakeHook()
    recorder = record(hook, Shopware6Target().read_request)
    hook.request("POST", "/api/search/product", json={"limit": 1})
    hook.request("POST", "/api/search-ids/media", json={"ids": []})
    hook.request("POST", "/api/_action/sync", json={"upsert": {}})
    # The token request changes no catalog: Shopware calls it a read, so it is sent.
    hook.request("POST", "/api/oauth/token", json={"client_secret": "s"}, authenticated=False)
    assert [p for _, p, _ in hook.sent] == [
        "/api/search/product",
        "/api/search-ids/media",
        "/api/oauth/token",
    ]
    assert recorder.would_write() == {"POST /api/_action/sync": 1}
    # The plain default: only GET and HEAD are reads.
    plain = FakeHook()
    record(plain, Target().read_request)
    plain.request("POST", "/api/search/product")
    plain.request("POST", "/api/oauth/token", authenticated=False)  # the target did not say
    assert plain.sent == []


def test_a_responders_error_is_raised_as_the_hook_would_unless_the_caller_takes_it():
    class Refusing(Responder):
        def write(self, call: Any, shop: Any) -> Any:
            return 404, {"message": "gone"}

    hook = FakeHook()
    record(hook, Target().read_request, Refusing())
    assert hook.request("PUT", "/api/product/1", ok_statuses=(404,)).status_code == 404
    with pytest.raises(ApiError) as refused:
        hook.request("PUT", "/api/product/1")
    assert refused.value.status == 404 and refused.value.url.endswith("/api/product/1")


def test_route_of_names_ids_of_both_kinds():
    assert route_of("put", "/api/products/-3") == "PUT /api/products/{id}"
    uuid = "a" * 32
    assert route_of("POST", f"/api/_action/media/{uuid}/upload?x=1") == (
        "POST /api/_action/media/{id}/upload"
    )


def test_the_overlay_merges_reads_keeps_writes_in_memory_and_leaves_the_file_as_is(tmp_path):
    path = tmp_path / "state.sqlite"
    real = StateStore(path)
    real.save("t", "product", {"a": "1", "b": "2"}, {"a": {"name": "A"}, "b": {"name": "B"}})
    real.save_relations("t", "product", {"a": {"category": ["c1"]}})
    real.save_media("akeneo", "product", {"m1": {"sha256": "s1", "size": 1}})
    real.set_watermark("dag", "2024-01-01")
    real.close()
    before = path.read_bytes()

    store = DryRun(tmp_path, "task").overlay(StateStore(path))
    store.save("t", "product", {"b": "changed", "c": "3"})
    store.forget_keys("t", "product", ["a"])
    store.save_media("akeneo", "product", {"m2": {"sha256": "s2", "size": 2}})
    store.set_watermark("dag", "2025-01-01")
    assert store.hashes("t", "product", ["a", "b", "c"]) == {"b": "changed", "c": "3"}
    store.save("t", "product", {"b": "again"}, {"b": {"name": "B2"}})
    assert store.payloads("t", "product", ["a", "b"]) == {"b": {"name": "B2"}}
    assert store.relations("t", "product", ["a"]) == {}
    assert set(store.media("akeneo", "product", ["m1", "m2"])) == {"m1", "m2"}
    assert store.watermark("dag") == "2025-01-01"
    assert store.watermark("other") is None
    store.forget("t")  # every hash of the target
    assert store.keys("t", "product") == set()
    assert store.payloads("t", "product", ["b"]) == {}
    assert store.wrapped.hashes("t", "product", ["a", "b"]) == {"a": "1", "b": "2"}
    assert store.wrapped.payloads("t", "product", ["a"]) == {"a": {"name": "A"}}
    store.close()
    assert path.read_bytes() == before


def _task(folder: Any, name: str, upstream: tuple[str, ...] = ()) -> tuple[DryRun, OverlayStore]:
    session = DryRun(folder, name, upstream)
    return session, session.overlay(StateStore(folder / "state.sqlite"))


def test_one_dry_run_across_tasks_sees_what_upstream_tasks_wrote_and_nothing_else(tmp_path):
    _, store = _task(tmp_path, "categories")
    store.save_remote_ids("t", "category", {"shoes": "-1"})
    store.close()  # a task's end: its snapshot is saved
    _, store = _task(tmp_path, "features")
    store.save_remote_ids("t", "feature", {"color": "-2"})
    store.close()

    _, products = _task(tmp_path, "products", ("categories", "features"))
    assert products.remote_ids("t", "category") == {"shoes": "-1"}
    assert products.remote_ids("t", "feature") == {"color": "-2"}
    products.save("t", "product", {"p1": "h1"})
    products.forget_remote_ids("t", "category", ["shoes"])
    products.close()
    _, alone = _task(tmp_path, "removals", ("features",))  # not downstream of products
    assert alone.hashes("t", "product", ["p1"]) == {}
    alone.close()

    # A later task applies the snapshots in dependency order, whatever their names.
    _, variations = _task(tmp_path, "variations", ("categories", "features", "products"))
    assert variations.hashes("t", "product", ["p1"]) == {"p1": "h1"}
    assert variations.remote_ids("t", "category") == {}
    variations.save("t", "product", {"p1": "first attempt"})
    variations.close()
    # A retry sees what the first attempt saw, not what the first attempt wrote.
    _, retry = _task(tmp_path, "variations", ("categories", "features", "products"))
    assert retry.hashes("t", "product", ["p1"]) == {"p1": "h1"}
    retry.close()
    assert StateStore(tmp_path / "state.sqlite").remote_ids("t", "category") == {}


def test_mapped_tasks_each_have_a_snapshot_and_a_downstream_task_loads_them_all(tmp_path):
    for index in (0, 1):
        _, store = _task(tmp_path, snapshot_name("akeneo.products", index))
        store.save_media("akeneo", "product", {f"m{index}": {"sha256": "s", "size": 1}})
        store.close()
    assert snapshot_name("akeneo.media", -1) == "akeneo.media"
    _, store = _task(tmp_path, "akeneo.media", ("akeneo.products",))
    assert set(store.media("akeneo", "product", ["m0", "m1"])) == {"m0", "m1"}
    store.close()


def test_snapshots_hold_what_was_written_never_what_was_sent(tmp_path):
    session, store = _task(tmp_path, "upload")
    hook = FakeHook()
    session.record(hook, Target())
    hook.request("POST", "/api/write", json={"password": "a-secret"}, headers={"X": "a-secret"})
    store.save("t", "product", {"k": "hash"})
    store.close()
    snapshot = json.loads((tmp_path / "dry_run" / "upload.json").read_text())
    assert "a-secret" not in json.dumps(snapshot)
    assert snapshot["task"] == "upload" and snapshot["responders"] == {"fake": {}}
    assert session.would_write() == {"POST /api/write": 1}
