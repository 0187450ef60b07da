"""How the CS-Cart stages count and plan what left Akeneo, and how a feature is shown in the
plan: without servers (a shop that answers each call as the test says, a real state store
in a temporary file)."""

from __future__ import annotations

from typing import Any

from pimflow.cscart.config import load_mapping
from pimflow.cscart.features import _added_to, _view
from pimflow.cscart.removals import Removals
from pimflow.cscart.upload import CATEGORY, PRODUCT, REMOVED
from pimflow.hooks.base import ApiError
from pimflow.plan import field_changes
from pimflow.state import StateStore
from tests.cscart.expectations import check_counts


class Shop:
    """Products 1 (disabled when asked), 2 (gone: 404), 3 (refuses: 400); 4 is never
    asked (pimflow disabled it before)."""

    max_concurrency = 2

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, method: str, path: str, body: Any = None, ok_statuses: Any = ()) -> Any:
        self.sent.append((method, path))
        if path.endswith("/2"):
            return 404, None
        if path.endswith("/3"):
            message = {"message": "Bad Request: field 'status' is locked"}
            raise ApiError(method, f"http://shop.invalid/api/{path}", 400, message)
        return (204 if method == "DELETE" else 200), {}


def _removals(tmp_path, policy: str) -> tuple[Removals, Shop, StateStore]:
    store = StateStore(tmp_path / "state.sqlite")
    ids = {"u1": "1", "u2": "2", "u3": "3", "u4": "4"}
    store.save_remote_ids("t", PRODUCT, ids)
    cores = {key: {"product_code": f"SKU-{key}", "price": 1} for key in ids}
    store.save("t", PRODUCT, {key: "h" for key in ids} | {"u4": REMOVED}, cores)
    shop = Shop()
    mapping = load_mapping().model_copy(update={"removed_products": policy})
    return Removals(shop, store, "t", mapping), shop, store


def test_products_that_left_akeneo_are_deactivated_apart_from_read(tmp_path):
    removals, shop, store = _removals(tmp_path, "disable")
    removals._apply(PRODUCT, "products", {"u1": 1, "u2": 2, "u3": 3, "u4": 4}, "disable", label)
    summary = removals.result.as_dict()
    # 1 disabled; 2 already gone from the shop and 4 disabled before: nothing to count;
    # 3 refused: the one removal that counts as read, and failed.
    assert summary["counts"][PRODUCT] == {
        "read": 1,
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "failed": 1,
        "deleted": 0,
        "deactivated": 1,
    }
    check_counts({"removals": summary})
    assert summary["errors"] == [
        {
            "entity": PRODUCT,
            "identifier": "SKU-u3",
            "field": "status",
            "reason": "CS-Cart answered 400: field 'status' is locked",
            "details": "",
        }
    ]
    assert summary["plan"]["entries"] == [
        {"entity": PRODUCT, "identifier": "SKU-u1", "action": "deactivate", "changes": []}
    ]
    assert sorted(shop.sent) == [("PUT", f"products/{n}") for n in (1, 2, 3)]
    assert store.hashes("t", PRODUCT, ["u1", "u2", "u3"]) == {
        "u1": REMOVED,
        "u2": REMOVED,
        "u3": "h",
    }
    assert set(store.remote_ids("t", PRODUCT)) == {"u1", "u3", "u4"}  # 2 forgotten
    store.close()


def test_deleted_products_count_deleted_and_kept_ones_nothing(tmp_path):
    removals, shop, store = _removals(tmp_path, "delete")
    removals._apply(PRODUCT, "products", {"u1": 1, "u4": 4}, "delete", label)
    removals._apply(CATEGORY, "categories", {"c9": 9}, "keep", label)
    summary = removals.result.as_dict()
    assert summary["counts"] == {PRODUCT: {**summary["counts"][PRODUCT], "deleted": 2}}
    assert summary["counts"][PRODUCT]["read"] == 0
    assert {e["identifier"]: e["action"] for e in summary["plan"]["entries"]} == {
        "SKU-u1": "delete",
        "SKU-u4": "delete",
    }
    assert summary["kept"] == {CATEGORY: 1}
    assert ("DELETE", "categories/9") not in shop.sent
    check_counts({"removals": summary})
    store.close()


def label(key: str, last: Any) -> str:
    return str((last or {}).get("product_code") or key)


def test_a_feature_is_planned_variant_by_variant():
    old = _view(
        {"description": "Colour", "variants": [{"code": "red", "variant": "Red", "position": 1}]},
        {"de": {"description": "Farbe", "variants": [{"code": "red", "variant": "Rot"}]}},
    )
    new = _view(
        {
            "description": "Colour",
            "variants": [
                {"code": "red", "variant": "Red", "position": 1},
                {"code": "teal", "variant": "Teal", "position": 2},
            ],
        },
        {
            "de": {
                "description": "Farbe",
                "variants": [
                    {"code": "red", "variant": "Rot"},
                    {"code": "teal", "variant": "Petrol"},
                ],
            }
        },
    )
    assert field_changes(old, new) == [
        {"field": "texts.de.variants.teal", "old": None, "new": "Petrol"},
        {"field": "variants.teal", "old": None, "new": "Teal"},
    ]
    # A partial read stages only the variants its products use: they add to the others.
    partial = _view(
        {"description": "Colour", "variants": [{"code": "teal", "variant": "Teal"}]},
        {"de": {"description": "Farbe", "variants": [{"code": "teal", "variant": "Petrol"}]}},
    )
    assert field_changes(old, _added_to(old, partial)) == field_changes(old, new)
    assert field_changes(old, partial) != field_changes(old, new)  # without: red "removed"
