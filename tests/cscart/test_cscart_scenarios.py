"""What happens to the shop when Akeneo changes, or pimflow's memory is lost.

The catalog is changed through the sandbox Akeneo's write API, staged again with the
extraction functions (as the DAG's tasks call them) and uploaded with the upload stages,
in this process; the shop is read back with a plain client. The tests build on each other
in file order, on one shop: the first sync happens in the module fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from pimflow.cscart.bench import STAGES, stage_catalog, upload_catalog
from pimflow.cscart.config import load_mapping
from pimflow_sandbox.server import SandboxServer
from tests.cscart.conftest import remove_state, sandboxed
from tests.cscart.expectations import AkeneoCatalog, check_counts, check_shop, value
from tests.cscart.shop_reader import ShopReader

pytestmark = pytest.mark.e2e


@dataclass
class World:
    akeneo: SandboxServer
    cscart: SandboxServer
    home: Path
    shop: ShopReader
    runs: int = 0
    failing: frozenset[str] = frozenset()  # products the sync must refuse, by identifier

    def catalog(self) -> AkeneoCatalog:
        return AkeneoCatalog(self.akeneo.url)

    def sync(
        self, mapping: Any = None, stages: tuple[str, ...] = STAGES, since: Any = None
    ) -> dict[str, Any]:
        """Stage Akeneo's catalog afresh (or what changed `since`) and upload it; the shop's
        writes are counted."""
        self.runs += 1
        folder, structure = stage_catalog(f"run{self.runs}", since=since)
        self.shop.reset_stats()
        results = upload_catalog(
            folder, structure, stages, complete_read=since is None, mapping=mapping
        )
        check_counts(results)
        return results

    # -- Akeneo's write API ------------------------------------------------------------------
    def akeneo_call(self, method: str, path: str, body: Any = None) -> None:
        reader = self.catalog().reader
        response = requests.request(
            method,
            f"{self.akeneo.url}/api/rest/v1/{path}",
            json=body,
            headers=reader.headers,
            timeout=30,
        )
        assert response.status_code < 300, response.text

    def patch_product(self, item: dict[str, Any], body: dict[str, Any]) -> None:
        self.akeneo_call("PATCH", f"products-uuid/{item['uuid']}", body)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    home = tmp_path_factory.mktemp("pimflow-scenarios")
    with sandboxed(home, akeneo_seed=7) as servers:
        world = World(servers["akeneo"], servers["cscart"], home, ShopReader(servers["cscart"].url))
        first = world.sync()
        assert all(not summary["errors"] for summary in first.values()), first
        yield world


def v_(data: Any) -> list[dict[str, Any]]:
    """A value without locale or channel, as Akeneo's API writes it."""
    return [{"locale": None, "scope": None, "data": data}]


def _counts(results: dict[str, Any], stage: str, entity: str) -> dict[str, int]:
    return results[stage]["counts"][entity]


def _simple(catalog: AkeneoCatalog, **wanted: Any) -> list[dict[str, Any]]:
    found = []
    for item in catalog.products:
        if item.get("parent") or not item["enabled"]:
            continue
        if wanted.get("two_categories") and len(item["categories"]) < 2:
            continue
        if wanted.get("image") and not value(item, "image"):
            continue
        if wanted.get("material") and not value(item, "material"):
            continue
        found.append(item)
    return found


def test_a_second_run_writes_nothing(world):
    results = world.sync()
    assert world.shop.writes() == {}
    assert _counts(results, "products", "product")["unchanged"] == len(world.catalog().products)
    for stage in STAGES:
        for entity, counts in results[stage]["counts"].items():
            assert counts["created"] == counts["updated"] == counts["failed"] == 0, (stage, entity)


def test_one_percent_changed_writes_only_those_products(world):
    catalog = world.catalog()
    first, second = _simple(catalog)[:2]
    with_images = [i for i in _simple(catalog, image=True) if i not in (first, second)]
    third, donor = with_images[0], with_images[1]  # 3 of ~200 products change
    world.patch_product(third, {"values": {"image": v_(value(donor, "image"))}})
    images_before = world.shop.images()
    shop_before = world.shop.products()
    world.patch_product(
        first, {"values": {"name": [{"locale": "en_US", "scope": None, "data": "Renamed"}]}}
    )
    world.patch_product(
        second,
        {
            "values": {
                "price": [
                    {
                        "locale": None,
                        "scope": None,
                        "data": [
                            {"amount": "12.34", "currency": "EUR"},
                            {"amount": "23.45", "currency": "USD"},
                        ],
                    }
                ]
            }
        },
    )
    results = world.sync()
    assert world.shop.writes() == {"PUT /api/products/{id}": 3}
    counts = _counts(results, "products", "product")
    assert (counts["updated"], counts["unchanged"]) == (3, len(catalog.products) - 3)
    assert _counts(results, "products", "image")["updated"] == 1
    products = world.shop.products()
    # Only the third product's images were sent again (the shop stored them anew); every
    # other product keeps the very images it had.
    images = world.shop.images()
    for identifier, product in products.items():
        before = shop_before[identifier]["main_pair"]
        if identifier == third["identifier"]:
            assert (
                product["main_pair"]["detailed"]["relative_path"]
                != before["detailed"]["relative_path"]
            )
            assert (
                images[product["main_pair"]["detailed"]["relative_path"]]
                == catalog.images(donor)[0]
            )
        elif before:
            assert (
                product["main_pair"]["detailed"]["relative_path"]
                == before["detailed"]["relative_path"]
            )
    assert len(images) == len(images_before)
    assert (
        world.shop.product(products[first["identifier"]]["product_id"], "en")["product"]
        == "Renamed"
    )
    assert products[second["identifier"]]["price"] == "23.45"
    check_shop(world.catalog(), world.shop)


def test_feature_variants_stay_complete_when_options_change(world):
    catalog = world.catalog()
    with_red = [i["identifier"] for i in catalog.products if value(i, "color") == "red"]
    assert with_red
    world.akeneo_call("PATCH", "attributes/color/options/red", {"labels": {"de_DE": "Knallrot"}})
    world.akeneo_call(
        "PATCH",
        "attributes/color/options/teal",
        {
            "code": "teal",
            "attribute": "color",
            "labels": {"en_US": "Teal", "de_DE": "Petrol", "fr_FR": "Sarcelle"},
        },
    )
    world.sync()
    writes = world.shop.writes()
    assert set(writes) == {"PUT /api/features/{id}"}, writes  # no product had to change
    color = world.shop.features("de")["color"]
    assert {"Knallrot", "Petrol"} <= {v["variant"] for v in color["variants"].values()}
    products = world.shop.products()
    for identifier in with_red:  # their value survived the variant PUTs
        values = products[identifier]["product_features"]
        assert any(v.get("variant") == "Red" for v in values.values()), identifier
    check_shop(world.catalog(), world.shop)


def test_disabled_deleted_emptied_and_recategorised_products_propagate(world):
    catalog = world.catalog()
    simple = _simple(catalog)
    disabled = simple[2]
    deleted = simple[3]
    no_usd = simple[4]
    emptied = _simple(catalog, image=True, material=True)[-1]
    recategorised = _simple(catalog, two_categories=True)[0]
    rooted = next(  # left in the tree's root only: no CS-Cart category
        i
        for i in simple[7:]
        if i["identifier"] not in (emptied["identifier"], recategorised["identifier"])
    )
    variant = next(i for i in catalog.products if i.get("parent"))
    moved_category = next(
        code
        for code in catalog.categories
        if not any(c["parent"] == code for c in catalog.categories.values())
        and code not in recategorised["categories"] + emptied["categories"]
        and any(code in i["categories"] for i in catalog.products)
    )

    world.patch_product(disabled, {"enabled": False})
    world.akeneo_call("DELETE", f"products-uuid/{deleted['uuid']}")
    world.akeneo_call("DELETE", f"products-uuid/{variant['uuid']}")
    world.patch_product(
        no_usd,
        {
            "values": {
                "price": [
                    {"locale": None, "scope": None, "data": [{"amount": "5", "currency": "EUR"}]}
                ]
            }
        },
    )
    world.patch_product(
        emptied,
        {
            "values": {
                "description": [{"locale": "de_DE", "scope": "ecommerce", "data": None}],
                "material": [{"locale": None, "scope": None, "data": []}],
                "ean": [{"locale": None, "scope": None, "data": None}],
                "image": [{"locale": None, "scope": None, "data": None}],
                "pictures": [{"locale": None, "scope": None, "data": []}],
            }
        },
    )
    kept_category = recategorised["categories"][0]
    world.patch_product(recategorised, {"categories": [kept_category]})
    world.patch_product(rooted, {"categories": [catalog.tree]})
    world.akeneo_call(
        "POST", "categories", {"code": "archive", "parent": None, "labels": {"en_US": "Archive"}}
    )
    world.akeneo_call("PATCH", f"categories/{moved_category}", {"parent": "archive"})

    results = world.sync()
    assert results["products"]["errors"] == [
        {
            "entity": "product",
            "identifier": no_usd["identifier"],
            "field": "price",
            "reason": "no price in USD (Akeneo has EUR)",
            "details": "",
        }
    ]
    # Gone: the deleted products, and those whose only category left the channel's tree
    # (Akeneo's `scope` filter no longer returns them).
    after = world.catalog()
    gone_ids = {i["identifier"] for i in catalog.products} - {
        i["identifier"] for i in after.products
    }
    assert {deleted["identifier"], variant["identifier"]} < gone_ids
    removed = _counts(results, "removals", "product")
    assert removed["deactivated"] == len(gone_ids) and removed["read"] == removed["deleted"] == 0
    removed_category = _counts(results, "removals", "category")
    assert (removed_category["deactivated"], removed_category["read"]) == (1, 0)
    planned = {
        (e["entity"], e["identifier"]): e["action"] for e in results["removals"]["plan"]["entries"]
    }
    assert planned == {
        **{("product", identifier): "deactivate" for identifier in gone_ids},
        ("category", f"category {moved_category}"): "deactivate",
    }

    shop = world.shop
    products = shop.products()
    assert products[disabled["identifier"]]["status"] == "D"
    for identifier in gone_ids:  # removed_products: disable
        assert products[identifier]["status"] == "D", identifier
    gone = products[emptied["identifier"]]
    assert gone["main_pair"] == [] and not gone.get("image_pairs")
    codes = {int(f["feature_id"]): code for code, f in shop.features("en").items()}
    assert {"material", "ean"}.isdisjoint(codes[fid] for fid in map(int, gone["product_features"]))
    assert shop.product(gone["product_id"], "de")["full_description"] == ""
    categories = shop.categories("en")
    names = {
        categories[cid]["category"] for cid in products[recategorised["identifier"]]["category_ids"]
    }
    assert names == {catalog.categories[kept_category]["labels"]["en_US"]}
    (fallback,) = [c for c in categories.values() if c["category"] == "Unclassified"]
    assert fallback["status"] == "H"  # made for the product that needed it, hidden
    assert products[rooted["identifier"]]["category_ids"] == [int(fallback["category_id"])]
    moved = [
        c
        for c in categories.values()
        if c["category"] == catalog.categories[moved_category]["labels"]["en_US"]
    ]
    assert [c["status"] for c in moved] == ["D"]
    world.failing = frozenset({no_usd["identifier"]})
    check_shop(world.catalog(), shop, skip=set(world.failing))  # the group lost its variant too


def test_delete_policies_delete_products_and_categories(world):
    catalog = world.catalog()
    target = [i for i in _simple(catalog) if i["identifier"] not in world.failing][5]
    category = next(
        code
        for code in catalog.categories
        if catalog.in_tree(code)
        and code != catalog.tree
        and not any(c["parent"] == code for c in catalog.categories.values())
    )
    world.akeneo_call("DELETE", f"products-uuid/{target['uuid']}")
    world.akeneo_call("PATCH", f"categories/{category}", {"parent": "archive"})
    before = world.shop.products()
    disabled_before = [c for c in world.shop.categories("en").values() if c["status"] == "D"]
    mapping = load_mapping().model_copy(
        update={"removed_products": "delete", "removed_categories": "delete"}
    )
    results = world.sync(mapping)
    # Every product Akeneo no longer gives (deleted, out of the tree, removed earlier and
    # disabled then) is deleted; the shop holds exactly Akeneo's products.
    still = {item["identifier"] for item in world.catalog().products}
    writes = world.shop.writes()
    assert writes["DELETE /api/products/{id}"] == len(set(before) - still) > 1
    # This category, and the one disabled by the test before (the policy is delete now).
    assert writes["DELETE /api/categories/{id}"] == 1 + len(disabled_before)
    assert all(c["status"] != "D" for c in world.shop.categories("en").values())
    assert set(world.shop.products()) == still
    assert target["identifier"] not in still
    assert _counts(results, "removals", "category")["deleted"] == 1 + len(disabled_before)
    assert _counts(results, "removals", "product")["deleted"] == len(set(before) - still)
    assert _counts(results, "removals", "product")["deactivated"] == 0
    label = catalog.categories[category]["labels"]["en_US"]
    assert label not in {c["category"] for c in world.shop.categories("en").values()}
    check_shop(world.catalog(), world.shop, skip=set(world.failing))


def test_a_lost_state_store_is_rebuilt_from_the_shop_without_duplicates(world):
    shop = world.shop
    before = {
        "products": len(shop.products()),
        "categories": len(shop.categories("en")),
        "features": len(shop.features("en")),
        "groups": len(shop.groups()),
    }
    remove_state(world.home)
    results = world.sync()
    writes = shop.writes()
    assert not any(route.startswith("POST") for route in writes), writes
    assert not any(route.startswith("DELETE") for route in writes), writes
    for stage in STAGES:
        for entity, counts in results[stage]["counts"].items():
            assert counts["created"] == 0, (stage, entity)
    # Each row found in the shop by its natural key: read, and counted as updated
    # (nothing remembered to compare with) or unchanged, never created.
    products = _counts(results, "products", "product")
    assert products["read"] == len(world.catalog().products)
    assert products["failed"] == len(world.failing)  # refused before any write, as before
    assert products["updated"] == products["read"] - products["failed"]
    for stage, entity in [
        ("categories", "category"),
        ("features", "feature"),
        ("variations", "variation_group"),
    ]:
        counts = _counts(results, stage, entity)
        assert counts["read"] == counts["updated"] + counts["unchanged"] > 0, (entity, counts)
    # The plan knows no old payload (it was lost with the store): every field is new.
    entries = results["products"]["plan"]["entries"]
    assert {e["action"] for e in entries} == {"update"}
    assert all(c["old"] is None for e in entries for c in e["changes"])
    after = {
        "products": len(shop.products()),
        "categories": len(shop.categories("en")),
        "features": len(shop.features("en")),
        "groups": len(shop.groups()),
    }
    assert after == before
    check_shop(world.catalog(), shop, skip=set(world.failing))
    world.sync()
    assert shop.writes() == {}


def test_a_delta_run_adds_new_variants_and_products_and_removes_nothing(world):
    """A delta read stages only what changed: a product with a new brand record and a new
    variant product of an existing model. The brand feature gains a variant and keeps all
    the others (the staged records are a part of them); the new variant joins its group."""
    catalog = world.catalog()
    since = datetime.now(UTC) - timedelta(seconds=1)
    world.akeneo_call(
        "PATCH",
        "reference-entities/brand/records/zenith",
        {
            "code": "zenith",
            "values": {
                "label": [
                    {"locale": locale, "channel": None, "data": "Zenith"}
                    for locale in ("en_US", "de_DE", "fr_FR")
                ]
            },
        },
    )
    rebranded = next(i for i in _simple(catalog) if i["identifier"] not in world.failing)
    world.patch_product(
        rebranded, {"values": {"brand": [{"locale": None, "scope": None, "data": "zenith"}]}}
    )
    root, model = next(
        (code, m)
        for code, m in catalog.models.items()
        if not m["parent"] and m["family_variant"] in ("shoes_size", "clothing_size")
    )
    siblings = [i for i in catalog.products if i.get("parent") == root]
    taken = {value(i, "size") for i in siblings}
    size = next(code for code in catalog.options["size"] if code not in taken)
    world.akeneo_call(
        "POST",
        "products-uuid",
        {
            "family": model["family"],
            "parent": root,
            "values": {
                "sku": [{"locale": None, "scope": None, "data": "NEW-VARIANT-1"}],
                "size": [{"locale": None, "scope": None, "data": size}],
                "price": [
                    {
                        "locale": None,
                        "scope": None,
                        "data": [
                            {"amount": "20.00", "currency": "EUR"},
                            {"amount": "21.60", "currency": "USD"},
                        ],
                    }
                ],
            },
        },
    )
    brands_before = {v["variant"] for v in world.shop.features("en")["brand"]["variants"].values()}
    results = world.sync(since=since)

    assert _counts(results, "products", "product")["read"] == 2
    assert _counts(results, "products", "product")["created"] == 1
    assert _counts(results, "products", "product")["updated"] == 1
    assert results["removals"]["skipped"]  # a delta read removes nothing
    writes = world.shop.writes()
    assert not any(route.startswith("DELETE") for route in writes), writes
    brands = {v["variant"] for v in world.shop.features("en")["brand"]["variants"].values()}
    assert brands == brands_before | {"Zenith"}  # none lost, though few records were staged
    products = world.shop.products()
    assert products[rebranded["identifier"]]["product_features"]
    group = next(g for g in world.shop.groups() if g["code"] == root)
    members = {p["product_id"] for p in group["products"]}
    assert int(products["NEW-VARIANT-1"]["product_id"]) in members
    assert {int(products[i["identifier"]]["product_id"]) for i in siblings} <= members
    # A complete read afterwards agrees with Akeneo everywhere.
    world.sync()
    check_shop(world.catalog(), world.shop, skip=set(world.failing))


def test_a_product_the_shop_refuses_is_reported_and_the_rest_lands(world):
    """A second shop that refuses images it cannot fetch (image_errors=reject): one product's
    image URL is broken; that product alone fails, with the field and CS-Cart's reason."""
    import json

    from pimflow import config, run
    from pimflow.cscart.categories import sync_categories
    from pimflow.cscart.features import sync_features
    from pimflow.cscart.hook import CsCartHook
    from pimflow.cscart.media import media_urls
    from pimflow.cscart.products import sync_products
    from pimflow.cscart.upload import load_languages, target_name
    from pimflow.state import StateStore
    from pimflow_sandbox.cli import create_app

    catalog = world.catalog()
    broken = next(i for i in _simple(catalog, image=True) if i["identifier"] not in world.failing)
    broken_sha = catalog.images(broken)[0]
    strict = SandboxServer(
        create_app("cscart", catalog="empty", seed=1, options={"image_errors": "reject"})
    ).start()
    patch = pytest.MonkeyPatch()
    try:
        patch.setenv(
            "AIRFLOW_CONN_CSCART_DEFAULT", json.dumps(run.SANDBOX_CONNECTIONS["cscart"](strict.url))
        )
        world.runs += 1
        folder, structure = stage_catalog(f"run{world.runs}")
        mapping = load_mapping()
        store = StateStore(config.state_db_path())
        hook = CsCartHook("cscart_default")
        languages = load_languages(hook, structure["locales"], mapping)
        target = target_name(hook)
        sync_categories(hook, store, target, folder, structure, languages, mapping)
        sync_features(hook, store, target, folder, languages, mapping)
        with media_urls() as urls:

            class Broken:
                def url(self, sha256: str, path: str) -> str:
                    if sha256 == broken_sha:
                        return urls.url(sha256, path) + "-missing"
                    return urls.url(sha256, path)

            result = sync_products(
                hook, store, target, folder, structure, languages, mapping, Broken()
            )
        store.close()
        errors = {e["identifier"]: e for e in result.errors}
        assert set(errors) == {broken["identifier"]} | set(world.failing)
        error = errors[broken["identifier"]]
        assert error["field"] == "main_pair"
        assert "image could not be uploaded" in error["reason"] and "400" in error["reason"]
        counts = result.counts["product"]
        assert counts["failed"] == 1 + len(world.failing)
        assert counts["created"] == len(catalog.products) - counts["failed"]
        assert broken["identifier"] not in ShopReader(strict.url).products()
    finally:
        patch.undo()
        strict.stop()


def test_weights_are_converted_with_akeneo_measurement_families(world):
    """A product weighed in grams arrives in the shop's unit (pounds by default)."""
    catalog = world.catalog()
    item = [i for i in _simple(catalog) if i["identifier"] not in world.failing][6]
    world.patch_product(
        item,
        {
            "values": {
                "weight": [
                    {"locale": None, "scope": None, "data": {"amount": "907.18474", "unit": "GRAM"}}
                ]
            }
        },
    )
    world.sync()
    assert Decimal(world.shop.products()[item["identifier"]]["weight"]) == Decimal("2.000")
