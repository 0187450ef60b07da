"""One product's surprise is that product's error: the products stage maps and writes the
rest, and reports the product with its identifier, field and reason (no server: a fake
hook records the writes)."""

from __future__ import annotations

import itertools
import threading
from typing import Any

import pytest

from pimflow.cscart import products as products_stage
from pimflow.cscart.products import ProductUploader
from pimflow.state import StateStore
from tests.cscart.test_cscart_mapping import context, product, v


class FakeHook:
    max_concurrency = 2

    def __init__(self, broken: str | None = None) -> None:
        self.ids = itertools.count(1000)
        self.lock = threading.Lock()
        self.created: list[str] = []
        self.broken = broken

    def send(self, method: str, path: str, body: Any = None, **_: Any) -> tuple[int, Any]:
        if self.broken and body.get("product_code") == self.broken:
            raise ValueError("the connection broke in an odd way")
        with self.lock:
            if method == "POST":
                self.created.append(body["product_code"])
                return 201, {"product_id": next(self.ids)}
        return 200, {}

    def create(
        self, resource: str, body: Any, find: Any, keys: tuple[str, ...] = ()
    ) -> tuple[Any, None]:
        """CsCartHook.create with every answer there: a plain POST."""
        return self.send("POST", resource, body)[1], None


def item(identifier: str, **values: Any) -> dict[str, Any]:
    row = product(**values)
    return {**row, "uuid": f"u-{identifier}", "identifier": identifier}


@pytest.fixture
def store(tmp_path) -> StateStore:
    return StateStore(tmp_path / "state.sqlite")


def test_a_value_of_an_unexpected_shape_refuses_its_product_only(store):
    hook = FakeHook()
    uploader = ProductUploader(hook, store, "cscart:test", context())
    result = uploader.upload(
        [item("OK-1"), item("ODD-1", pictures=v(12)), item("OK-2", image=v("a-string"))]
    )
    assert hook.created == ["OK-1"]
    assert result.counts["product"]["created"] == 1
    assert result.counts["product"]["failed"] == 2
    by_product = {error["identifier"]: error for error in result.errors}
    assert by_product["ODD-1"]["field"] == "pictures"
    assert "TypeError" in by_product["ODD-1"]["reason"]
    assert by_product["OK-2"]["field"] == "image"


def test_any_exception_while_mapping_or_writing_one_product_is_reported_and_the_rest_lands(
    store, monkeypatch
):
    real = products_stage.map_product

    def flaky(row, ctx):
        if row["identifier"] == "BOOM-1":
            raise RuntimeError("something nobody foresaw")
        return real(row, ctx)

    monkeypatch.setattr(products_stage, "map_product", flaky)
    hook = FakeHook(broken="BROKEN-1")
    uploader = ProductUploader(hook, store, "cscart:test", context())
    result = uploader.upload([item("BOOM-1"), item("OK-1"), item("BROKEN-1"), item("OK-2")])
    assert sorted(hook.created) == ["OK-1", "OK-2"]
    assert result.counts["product"] == {**result.counts["product"], "created": 2, "failed": 2}
    reasons = {error["identifier"]: error["reason"] for error in result.errors}
    assert reasons == {
        "BOOM-1": "RuntimeError: something nobody foresaw",
        "BROKEN-1": "ValueError: the connection broke in an odd way",
    }


def test_a_name_taken_from_another_locale_is_written_with_a_warning_none_is_refused(store):
    hook = FakeHook()
    uploader = ProductUploader(hook, store, "cscart:test", context())
    result = uploader.upload(
        [item("HALF-1", name=v("Boot", locale="en_US")), item("NONE-1", name=None)]
    )
    assert hook.created == ["HALF-1"]
    assert result.counts["product"]["created"] == 1 and result.counts["product"]["failed"] == 1
    assert result.errors == [
        {
            "entity": "product",
            "identifier": "HALF-1",
            "field": "product",
            "reason": "no label in de_DE (attribute name): the en_US label is used",
            "details": "",
        },
        {
            "entity": "product",
            "identifier": "NONE-1",
            "field": "product",
            "reason": "no label in any locale (attribute name)",
            "details": "",
        },
    ]
