"""Dry runs of the CS-Cart upload: counted like a real run, nothing written anywhere.

The stages are called directly (as the DAG's tasks call them, each with its own hook) on a
catalog staged from the sandbox Akeneo, against a sandbox CS-Cart that starts empty. What
the shop received is read from its `/_sandbox/stats` and its API with a plain client, and
the state store from its SQLite file, never through the code under test. The tests build
on each other in file order, on one shop. Unit tests of CS-Cart's answers to a dry run
(cscart/responder.py, behind the core's recorder) and of the store's overlay come last.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from pimflow.cscart.bench import stage_catalog, upload_catalog
from pimflow.cscart.hook import CsCartHook
from pimflow.cscart.target import CsCartTarget
from pimflow.dry_run import DryRun, DryRunViolation, OverlayStore, local_response, record
from pimflow.hooks.base import ApiError
from pimflow.state import StateStore
from pimflow_sandbox.server import SandboxServer
from tests.cscart.conftest import sandboxed
from tests.cscart.expectations import AkeneoCatalog, check_counts, value
from tests.cscart.shop_reader import ShopReader

WRITES = ("POST", "PUT", "DELETE")


@dataclass
class World:
    akeneo: SandboxServer
    cscart: SandboxServer
    home: Path
    shop: ShopReader
    runs: int = 0

    def stage(self) -> tuple[Any, dict[str, Any]]:
        self.runs += 1
        return stage_catalog(f"run{self.runs}")

    def upload(self, folder: Any, structure: dict[str, Any], dry_run: bool) -> dict[str, Any]:
        """Every upload stage, each with its own hook (as the tasks have); the shop's call
        counters are reset first."""
        self.shop.reset_stats()
        results = upload_catalog(folder, structure, dry_run=dry_run)
        check_counts(results)
        return results

    def state(self) -> dict[str, list[tuple]]:
        """What the state store holds for the upload, read from its file."""
        with sqlite3.connect(self.home / "state.sqlite") as db:
            return {
                table: sorted(db.execute(f"SELECT {columns} FROM {table}").fetchall())
                for table, columns in (
                    ("payload_hash", "target, entity, key, hash"),
                    ("payload", "target, entity, key, body"),
                    ("id_map", "target, entity, key, remote_id"),
                    ("relations", "target, entity, key, ids"),
                    ("watermark", "name, value"),
                )
            }

    def shop_items(self) -> dict[str, int]:
        return {
            "products": len(self.shop.products()),
            "categories": len(self.shop.categories("en")),
            "features": len(self.shop.features("en")),
            "groups": len(self.shop.groups()),
        }

    def akeneo_call(self, method: str, path: str, body: Any = None) -> None:
        reader = AkeneoCatalog(self.akeneo.url).reader
        response = requests.request(
            method,
            f"{self.akeneo.url}/api/rest/v1/{path}",
            json=body,
            headers=reader.headers,
            timeout=30,
        )
        assert response.status_code < 300, response.text


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    home = tmp_path_factory.mktemp("pimflow-dry-run")
    with sandboxed(home, akeneo_seed=11) as servers:
        yield World(servers["akeneo"], servers["cscart"], home, ShopReader(servers["cscart"].url))


def _counts(results: dict[str, Any]) -> dict[str, dict[str, dict[str, int]]]:
    return {stage: summary["counts"] for stage, summary in results.items()}


def _would_write(results: dict[str, Any]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for summary in results.values():
        total.update(summary["would_write"])
    return dict(total)


def _nonzero(results: dict[str, Any], *keys: str) -> dict[tuple[str, str, str], int]:
    return {
        (stage, entity, key): counts[key]
        for stage, summary in results.items()
        for entity, counts in summary["counts"].items()
        for key in keys
        if counts[key]
    }


def _plan(results: dict[str, Any], stage: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(entity, identifier) → its plan entry, with its changes by field."""
    entries = (results[stage].get("plan") or {}).get("entries", [])
    return {
        (e["entity"], e["identifier"]): {**e, "changes": {c["field"]: c for c in e["changes"]}}
        for e in entries
    }


def _report(results: dict[str, Any], dry_run: bool) -> dict[str, Any]:
    """The run report these stage summaries make (as the DAG's report task builds it)."""
    from pimflow.report import build_report

    stages = {f"cscart.{stage}": summary for stage, summary in results.items()}
    return build_report(
        dag_id="akeneo_to_cscart",
        run_id="dry" if dry_run else "real",
        target="cscart",
        started="2026-12-01T10:00:00+00:00",
        finished="2026-12-01T10:01:00+00:00",
        wall_seconds=60.0,
        stages=stages,
        upload_stages=tuple(stages),
        dry_run=dry_run,
    )


def _check_dry(results: dict[str, Any]) -> None:
    for stage, summary in results.items():
        assert summary["dry_run"] is True, stage
        assert not summary["errors"], (stage, summary["errors"])


def test_a_dry_run_on_an_empty_shop_counts_what_a_real_run_then_creates(world):
    folder, structure = world.stage()
    state_before = world.state()
    assert state_before["id_map"] == state_before["payload_hash"] == []

    dry = world.upload(folder, structure, dry_run=True)
    _check_dry(dry)
    stats = world.shop.stats()["calls"]
    assert world.shop.writes() == {}, stats
    assert any(route.startswith("GET ") for route in stats)  # reads do happen
    assert world.shop_items() == {"products": 0, "categories": 0, "features": 0, "groups": 0}
    assert world.state() == state_before  # nothing remembered, placeholders least of all
    # The plan: every product to create, each with all its fields new.
    planned = _plan(dry, "products")
    catalog = AkeneoCatalog(world.akeneo.url)
    assert {key for key in planned if key[0] == "product"} == {
        ("product", item["identifier"]) for item in catalog.products
    }
    first = planned[("product", catalog.products[0]["identifier"])]
    assert first["action"] == "create"
    assert first["changes"]["product_code"] == {
        "field": "product_code",
        "old": None,
        "new": catalog.products[0]["identifier"],
    }
    assert all(change["old"] is None for change in first["changes"].values())
    assert {"texts.de.product", "texts.en.product", "price"} <= set(first["changes"])
    created = _nonzero(dry, "created")
    for stage, entity in [
        ("categories", "category"),
        ("features", "feature"),
        ("products", "product"),
        ("products", "image"),
        ("variations", "variation_group"),
    ]:
        assert created.get((stage, entity, "created")), (stage, entity, created)
    assert _nonzero(dry, "updated", "deleted", "failed") == {}
    from pimflow.report import DRY_RUN_BANNER, changed_the_shop, summary_text

    dry_report = _report(dry, dry_run=True)
    assert dry_report["dry_run"] is True and dry_report["would_write"] == dict(
        sorted(_would_write(dry).items())
    )
    assert summary_text(dry_report).splitlines()[0] == DRY_RUN_BANNER
    assert not changed_the_shop(dry_report)  # so no Asset event for it

    real = world.upload(folder, structure, dry_run=False)
    assert changed_the_shop(_report(real, dry_run=False))
    assert all(not summary["errors"] for summary in real.values()), real
    assert _counts(real) == _counts(dry)
    # The same entries (the dry run's ids of new rows were placeholders, so not the values).
    assert {k: v["action"] for k, v in _plan(real, "products").items()} == {
        k: v["action"] for k, v in planned.items()
    }
    # Call for call, the dry run announced what the real run sent.
    assert world.shop.writes() == _would_write(dry)
    items = world.shop_items()
    assert items["products"] == dry["products"]["counts"]["product"]["created"]
    assert items["groups"] == dry["variations"]["counts"]["variation_group"]["created"]


def test_after_one_change_a_dry_run_counts_one_update_and_writes_nothing(world):
    catalog = AkeneoCatalog(world.akeneo.url)
    item = next(i for i in catalog.products if not i.get("parent") and i["enabled"])
    (old_name,) = [v["data"] for v in item["values"]["name"] if v["locale"] == "en_US"]
    world.akeneo_call(
        "PATCH",
        f"products-uuid/{item['uuid']}",
        {"values": {"name": [{"locale": "en_US", "scope": None, "data": "Dry-run rename"}]}},
    )
    folder, structure = world.stage()
    state_before = world.state()
    assert state_before["id_map"]  # the first real run's

    dry = world.upload(folder, structure, dry_run=True)
    _check_dry(dry)
    assert world.shop.writes() == {}
    assert world.state() == state_before
    assert _nonzero(dry, "created", "updated", "deleted", "failed") == {
        ("products", "product", "updated"): 1
    }
    assert dry["products"]["would_write"] == {"PUT /api/products/{id}": 1}
    assert _would_write(dry) == {"PUT /api/products/{id}": 1}
    # The plan says which field changes, from what the last real run wrote.
    assert _plan(dry, "products") == {
        ("product", item["identifier"]): {
            "entity": "product",
            "identifier": item["identifier"],
            "action": "update",
            "changes": {
                "texts.en.product": {
                    "field": "texts.en.product",
                    "old": old_name,
                    "new": "Dry-run rename",
                }
            },
        }
    }
    assert all("plan" not in dry[stage] for stage in dry if stage != "products")

    real = world.upload(folder, structure, dry_run=False)
    assert world.shop.writes() == {"PUT /api/products/{id}": 1}
    assert _counts(real) == _counts(dry)
    assert _plan(real, "products") == _plan(dry, "products")
    product_id = world.shop.products()[item["identifier"]]["product_id"]
    assert world.shop.product(product_id, "en")["product"] == "Dry-run rename"


def test_removals_and_products_gone_from_the_shop_are_counted_as_a_real_run_does(world):
    """A product deleted in the shop behind pimflow's back and changed in Akeneo is created
    again (the dry run asks the shop before it pretends to update); a product deleted in
    Akeneo is disabled."""
    catalog = AkeneoCatalog(world.akeneo.url)
    simple = [i for i in catalog.products if not i.get("parent") and i["enabled"]]
    vanished, removed = simple[1], simple[2]
    world.akeneo_call(
        "PATCH",
        f"products-uuid/{vanished['uuid']}",
        {"values": {"name": [{"locale": "en_US", "scope": None, "data": "Back again"}]}},
    )
    world.akeneo_call("DELETE", f"products-uuid/{removed['uuid']}")
    in_shop = world.shop.products()[vanished["identifier"]]["product_id"]
    response = world.shop.session.delete(f"{world.cscart.url}/api/products/{in_shop}", timeout=30)
    assert response.status_code == 204
    folder, structure = world.stage()
    state_before = world.state()

    dry = world.upload(folder, structure, dry_run=True)
    _check_dry(dry)
    assert world.shop.writes() == {}
    assert world.state() == state_before
    changes = _nonzero(dry, "created", "updated", "deleted", "deactivated", "failed")
    changes.pop(("products", "image", "created"), None)  # if the product has images
    assert changes == {
        ("products", "product", "created"): 1,
        ("removals", "product", "deactivated"): 1,
    }
    assert dry["removals"]["counts"]["product"]["read"] == 0  # it left Akeneo: not read
    assert _plan(dry, "products")[("product", vanished["identifier"])]["action"] == "create"
    assert _plan(dry, "removals") == {
        ("product", removed["identifier"]): {
            "entity": "product",
            "identifier": removed["identifier"],
            "action": "deactivate",
            "changes": {},
        }
    }

    real = world.upload(folder, structure, dry_run=False)
    assert _counts(real) == _counts(dry)
    writes = world.shop.writes()
    assert writes == _would_write(dry)
    assert writes["POST /api/products"] == 1
    assert writes["PUT /api/products/{id}"] >= 1  # the disabled one (and translations)
    shop = world.shop.products()
    assert shop[removed["identifier"]]["status"] == "D"
    assert shop[vanished["identifier"]]["product_id"] != in_shop


def test_a_new_option_and_a_new_category_used_by_a_product_count_as_a_real_run_does(world):
    """The feature's new variant and the new category get placeholder ids in the dry run's
    earlier stages, which the products stage reads from their snapshots, so the product
    counts as updated."""
    catalog = AkeneoCatalog(world.akeneo.url)
    item = next(
        i
        for i in catalog.products
        if not i.get("parent") and i["enabled"] and "color" in i["values"] and i["categories"]
    )
    world.akeneo_call(
        "PATCH",
        "attributes/color/options/dryrun_teal",
        {
            "code": "dryrun_teal",
            "attribute": "color",
            "labels": {"en_US": "Dry teal", "de_DE": "Trockenpetrol", "fr_FR": "Sarcelle sec"},
        },
    )
    world.akeneo_call(
        "PATCH",
        "categories/dryrun_new",
        {"code": "dryrun_new", "parent": item["categories"][0], "labels": {"en_US": "Dry new"}},
    )
    world.akeneo_call(
        "PATCH",
        f"products-uuid/{item['uuid']}",
        {
            "categories": [*item["categories"], "dryrun_new"],
            "values": {"color": [{"locale": None, "scope": None, "data": "dryrun_teal"}]},
        },
    )
    folder, structure = world.stage()
    state_before = world.state()

    dry = world.upload(folder, structure, dry_run=True)
    _check_dry(dry)
    assert world.shop.writes() == {}
    assert world.state() == state_before
    assert _nonzero(dry, "created", "updated", "deleted", "failed") == {
        ("categories", "category", "created"): 1,
        ("features", "feature", "updated"): 1,
        ("products", "product", "updated"): 1,
    }
    (category,) = _plan(dry, "categories").values()
    assert category["identifier"] == "category dryrun_new" and category["action"] == "create"
    assert category["changes"]["category"]["new"] == "Dry new"
    feature = _plan(dry, "features")[("feature", "feature color")]
    assert feature["action"] == "update"
    assert feature["changes"]["variants.dryrun_teal"] == {
        "field": "variants.dryrun_teal",
        "old": None,
        "new": "Dry teal",
    }
    assert feature["changes"]["texts.de.variants.dryrun_teal"]["new"] == "Trockenpetrol"
    assert len(feature["changes"]) == 3  # the new variant in each language, nothing else
    product = _plan(dry, "products")[("product", item["identifier"])]
    # Named as in Akeneo (codes), not by CS-Cart's ids (placeholders in a dry run).
    assert set(product["changes"]) == {"category_ids", "product_features.color"}
    assert product["changes"]["product_features.color"] == {
        "field": "product_features.color",
        "old": value(item, "color"),
        "new": "dryrun_teal",
    }
    assert json.loads(product["changes"]["category_ids"]["new"]) == [
        *item["categories"],
        "dryrun_new",
    ]

    real = world.upload(folder, structure, dry_run=False)
    assert _counts(real) == _counts(dry)
    assert world.shop.writes() == _would_write(dry)
    product = world.shop.products()[item["identifier"]]
    assert len(product["category_ids"]) == len(item["categories"]) + 1


# -- CS-Cart's answers, without servers ------------------------------------------------------


class FakeHook(CsCartHook):
    """A CsCartHook whose shop has product 7 and feature 5 only; every call that reaches
    it is recorded (the real `send` and `iter_pages`, on top of a fake `request`)."""

    def __init__(self) -> None:
        super().__init__("cscart_fake")
        self.sent: list[tuple[str, str]] = []

    @property
    def extras(self) -> dict[str, Any]:
        return {}

    def url(self, path_or_url: str) -> str:
        return "http://shop.invalid" + path_or_url

    def request(self, method, path_or_url, *, params=None, ok_statuses=(), **_):  # noqa: ANN001, ANN003, ANN201
        self.sent.append((method, path_or_url))
        assert method == "GET", "a write reached the shop"
        if path_or_url == "/api/products/7":
            return local_response(200, {"product_id": "7"})
        if path_or_url == "/api/features/5":
            lang = (params or {}).get("lang_code")
            body = {"feature_id": "5", "variants": {"50": {"variant_id": "50", "variant": lang}}}
            return local_response(200, body)
        if 404 in ok_statuses:
            return local_response(404, {"message": "Not Found"})
        raise ApiError(method, self.url(path_or_url), 404, {"message": "Not Found"})


def test_the_cscart_responder_answers_writes_itself_with_placeholders():
    hook = FakeHook()
    recorder = record(hook, CsCartTarget().read_request, CsCartTarget().dry_run_responder(hook))
    _, answer = hook.send("POST", "categories", {"category": "Shoes", "parent_id": 0})
    category_id = answer["category_id"]
    assert category_id < 0
    _, answer = hook.send("POST", "categories", {"category": "Boots", "parent_id": category_id})
    assert answer["category_id"] < 0 and answer["category_id"] != category_id
    assert hook.send("PUT", f"categories/{category_id}", {"category": "Schuhe"})[0] == 200
    # A new feature reads back with the variants it was created with.
    _, answer = hook.send(
        "POST",
        "features",
        {"variants": [{"variant": "red"}, {"variant": "blue"}], "lang_code": "en"},
    )
    _, body = hook.send("GET", f"features/{answer['feature_id']}", params={"lang_code": "en"})
    assert sorted(v["variant"] for v in body["variants"].values()) == ["blue", "red"]
    assert all(int(v) < 0 for v in body["variants"])
    # A real feature's PUT: the variants left out are gone, the new one gets a placeholder;
    # names in another language come from the shop.
    hook.send("PUT", "features/5", {"variants": [{"variant_id": 50}, {"variant": "green"}]})
    _, body = hook.send("GET", "features/5", params={"lang_code": "de"})
    names = {int(k): v["variant"] for k, v in body["variants"].items()}
    assert names[50] == "de" and len(names) == 2
    assert [name for vid, name in names.items() if vid < 0] == ["green"]
    # Writes to an existing id are checked once; a missing one answers 404 as CS-Cart would.
    hook.send("PUT", "products/7", {"price": 1})
    hook.send("PUT", "products/7", {"lang_code": "de"})
    with pytest.raises(ApiError) as gone:
        hook.send("PUT", "products/8", {"price": 1})
    assert gone.value.status == 404
    assert hook.send("DELETE", "products/8", ok_statuses=(404,))[0] == 404
    assert hook.send("DELETE", "products/7", ok_statuses=(404,))[0] == 204
    assert hook.send("PUT", "products/7", {"status": "D"}, ok_statuses=(404,))[0] == 404
    assert all(method == "GET" for method, _ in hook.sent)
    assert hook.sent.count(("GET", "/api/products/7")) == 1
    with pytest.raises(DryRunViolation):
        hook.send("GET", f"categories/{category_id}")
    with pytest.raises(DryRunViolation):
        hook.run  # noqa: B018 - HttpHook's own way to send
    assert recorder.would_write() == {
        "DELETE /api/products/{id}": 2,
        "POST /api/categories": 2,
        "POST /api/features": 1,
        "PUT /api/categories/{id}": 1,
        "PUT /api/features/{id}": 1,
        "PUT /api/products/{id}": 4,
    }
    # `request`, the one way out, is the recorder's: a write there never reaches the shop.
    created = hook.request("POST", "/api/products", json={"product": "x"}).json()
    assert created["product_id"] < 0 and hook.sent[-1][0] == "GET"
    assert recorder.would_write()["POST /api/products"] == 1


def test_the_cscart_responder_hands_its_placeholders_to_the_next_task(tmp_path):
    """What the features task created is there for the products task (another process):
    its variants read back, its placeholders not given again."""
    target = CsCartTarget()
    first = DryRun(tmp_path, "features")
    first.record(features_hook := FakeHook(), target)
    _, created = features_hook.send(
        "POST", "features", {"variants": [{"variant": "red"}], "lang_code": "en"}
    )
    first.save()

    second = DryRun(tmp_path, "products", upstream=["features"])
    second.record(products_hook := FakeHook(), target)
    _, body = products_hook.send("GET", f"features/{created['feature_id']}")
    assert [v["variant"] for v in body["variants"].values()] == ["red"]
    (variant,) = body["variants"]
    _, product = products_hook.send("POST", "products", {"product": "Shirt"})
    assert product["product_id"] < min(created["feature_id"], int(variant))
    assert products_hook.sent == []  # nothing asked of the shop, nothing sent


def test_the_store_stand_in_keeps_writes_in_memory_only(tmp_path):
    real = StateStore(tmp_path / "state.sqlite")
    try:
        real.save("t", "product", {"a": "1", "b": "2"})
        real.save_remote_ids("t", "product", {"a": "10", "b": "20"})
        store = DryRun(tmp_path, "task").overlay(real)
        assert isinstance(store, OverlayStore)
        store.save("t", "product", {"b": "changed", "c": "3"})
        store.save_remote_ids("t", "product", {"c": "-1"})
        store.forget_remote_ids("t", "product", ["a"])
        store.forget_keys("t", "product", ["a"])
        store.save_relations("t", "product", {"c": {"category": ["x"]}})
        assert store.hashes("t", "product", ["a", "b", "c"]) == {"b": "changed", "c": "3"}
        assert store.keys("t", "product") == {"b", "c"}
        assert store.remote_ids("t", "product") == {"b": "20", "c": "-1"}
        assert store.remote_ids("t", "product", ["a", "c"]) == {"c": "-1"}
        assert store.relations("t", "product", ["c"]) == {"c": {"category": ["x"]}}
        store.forget("t", "product")
        assert store.hashes("t", "product", ["a", "b", "c"]) == {}
        store.set_watermark("dag", "2024")
        assert store.watermark("dag") == "2024"
        with pytest.raises(AttributeError):
            store.execute  # noqa: B018 - nothing but the StateStore calls
        assert real.hashes("t", "product", ["a", "b", "c"]) == {"a": "1", "b": "2"}
        assert real.remote_ids("t", "product") == {"a": "10", "b": "20"}
        assert real.relations("t", "product", ["c"]) == {}
        assert real.watermark("dag") is None
    finally:
        real.close()
