"""Issue 16 on CS-Cart: a product edited in the shop by hand (a price, a name, removed
images) is put right by a reconcile with `verify`, though Akeneo did not change it; the
report names each repaired product with the fields that differed. Edited and checked with
a plain client of CS-Cart's API; the products stage run as the stage runner runs it."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from pimflow.cscart.bench import stage_catalog, upload_catalog
from tests.cscart.conftest import sandboxed
from tests.cscart.shop_reader import ShopReader
from tests.e2e.counts import assert_counts_add_up
from tests.e2e.reconcile_stage import run_reconcile_stage

pytestmark = pytest.mark.e2e


class Shop(ShopReader):
    def put(self, product_id: Any, body: dict[str, Any]) -> None:
        response = self.session.put(f"{self.url}/api/products/{product_id}", json=body, timeout=30)
        assert response.status_code < 300, response.text


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> Iterator[tuple[Shop, Any, dict[str, Any]]]:
    home = tmp_path_factory.mktemp("pimflow-cscart-verify")
    with sandboxed(home, akeneo_seed=7) as servers:
        folder, structure = stage_catalog("run1")
        first = upload_catalog(folder, structure)
        assert all(not summary["errors"] for summary in first.values()), first
        yield Shop(servers["cscart"].url), folder, structure


def products_stage(
    folder: Any, structure: dict[str, Any], params: dict[str, Any], dry_run: bool = False
) -> dict[str, Any]:
    return run_reconcile_stage("cscart", "products", folder, structure, params, dry_run)


def edit_three(shop: Shop) -> dict[str, set[str]]:
    """A price, a name and the additional images changed by hand, on three products; the
    fields each repair should name."""
    products = shop.products()
    with_images = [
        p for _, p in sorted(products.items()) if p.get("image_pairs") and p["status"] == "A"
    ]
    priced, named, pictured = with_images[0], with_images[1], with_images[2]
    shop.put(priced["product_id"], {"price": "1.00"})
    shop.put(named["product_id"], {"product": "Renamed by hand", "lang_code": "en"})
    shop.put(pictured["product_id"], {"image_pairs": {}})  # every additional image removed
    return {
        priced["product_code"]: {"price"},
        named["product_code"]: {"product"},
        pictured["product_code"]: {"images"},
    }


def test_a_verifying_reconcile_repairs_exactly_the_products_edited_in_the_shop(synced):
    shop, folder, structure = synced
    before = shop.products(pshort="Y", pfull="Y", lang_code="en")
    edited = edit_three(shop)

    # Without verify a reconcile trusts the hashes: nothing is sent, the edits stay.
    plain = products_stage(folder, structure, {"verify": False})
    assert plain["counts"]["product"]["updated"] == 0
    assert "repairs" not in plain and "verified" not in plain["counts"]["product"]

    # A dry run reads back and says what it would repair; the shop keeps the edits.
    dry = products_stage(folder, structure, {"verify": True}, dry_run=True)
    assert {r["identifier"]: set(r["fields"]) for r in dry["repairs"]} == edited
    assert set(dry["would_write"]) == {"PUT /api/products/{id}"}, dry["would_write"]
    assert shop.products()[next(iter(edited))]["price"] == "1.00"
    # Its plan shows each repair as the shop has it → as pimflow writes it.
    changes = {
        e["identifier"]: {c["field"]: c for c in e["changes"]} for e in dry["plan"]["entries"]
    }
    priced, named, pictured = edited
    assert changes[priced]["price"]["old"] == "1.00", changes[priced]
    assert changes[named]["texts.en.product"]["old"] == "Renamed by hand", changes[named]
    assert set(changes[pictured]) == {"images"}, changes[pictured]

    summary = products_stage(folder, structure, {"verify": True})
    counts = summary["counts"]["product"]
    assert_counts_add_up(summary["counts"], "products")
    assert counts["repaired"] == 3 and counts["updated"] == 3, counts
    assert counts["verified"] == counts["read"], counts
    assert {r["identifier"]: set(r["fields"]) for r in summary["repairs"]} == edited
    # One read-back call per 250 products and per language, not one per product.
    languages = 3
    assert summary["verify_calls"] == -(-counts["read"] // 250) * languages, summary

    after = shop.products(pshort="Y", pfull="Y", lang_code="en")
    for code in edited:
        ours, now = before[code], after[code]
        assert Decimal(now["price"]) == Decimal(ours["price"])
        assert now["product"] == ours["product"]
        assert len(now.get("image_pairs") or {}) == len(ours["image_pairs"])

    # Repaired: the next verifying reconcile finds nothing to repair.
    again = products_stage(folder, structure, {"verify": True})
    assert again["counts"]["product"]["updated"] == 0 and "repairs" not in again


def test_a_product_deleted_in_the_shop_is_written_again(synced):
    shop, folder, structure = synced
    code, product = sorted(shop.products().items())[-1]
    response = shop.session.delete(f"{shop.url}/api/products/{product['product_id']}", timeout=30)
    assert response.status_code < 300, response.text
    summary = products_stage(folder, structure, {"verify": True})
    assert [(r["identifier"], r["fields"]) for r in summary["repairs"]] == [
        (code, ["product (deleted in the shop)"])
    ]
    assert code in shop.products()


def test_the_dag_takes_verify_with_a_reconcile_and_refuses_it_without(
    cscart_sandboxes, run_cscart_dag
):
    code, first = run_cscart_dag()
    assert code == 0 and first["status"] == "success", first and first.get("cause")
    shop = Shop(cscart_sandboxes["cscart"].url)
    code_, product = next((c, p) for c, p in sorted(shop.products().items()) if p["status"] == "A")
    shop.put(product["product_id"], {"price": "1.00"})

    # verify with a delta: refused by the run's first task, before anything is read.
    code, refused = run_cscart_dag({"verify": True})
    assert code != 0 and refused["status"] == "failed", refused
    assert "param verify: needs mode 'reconcile'" in refused["cause"]["reason"], refused["cause"]
    assert shop.products()[code_]["price"] == "1.00"

    code, report = run_cscart_dag({"mode": "reconcile", "verify": True})
    assert code == 0 and report["status"] == "success", report and report.get("cause")
    assert report["counts"]["product"]["repaired"] == 1, report["counts"]["product"]
    assert report["count_problems"] == []
    assert [(r["identifier"], r["fields"]) for r in report["repairs"]] == [(code_, ["price"])]
    assert shop.products()[code_]["price"] == product["price"]
