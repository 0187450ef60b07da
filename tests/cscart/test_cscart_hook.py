"""The CS-Cart hook's list paging and how it reads CS-Cart's refusals."""

from __future__ import annotations

import json

import pytest

from pimflow.cscart.hook import CsCartHook, refusal
from pimflow.hooks.base import ApiError
from pimflow_sandbox.cli import create_app
from pimflow_sandbox.server import SandboxServer


@pytest.fixture
def hook(monkeypatch):
    with SandboxServer(create_app("cscart", catalog="empty", seed=1), port=0) as server:
        monkeypatch.setenv(
            "AIRFLOW_CONN_CSCART_DEFAULT",
            json.dumps(
                {
                    "conn_type": "cscart",
                    "host": server.url,
                    "login": "admin@example.com",
                    "password": "pimflow-api-key",
                    "extra": {"max_retries": 0},
                }
            ),
        )
        yield CsCartHook("cscart_default")


def test_list_calls_page_until_the_total_and_no_further(hook):
    for index in range(25):
        hook.send("POST", "categories", {"category": f"C{index}"})
    hook.calls.clear()
    pages = list(hook.iter_pages("categories", "categories", page_size=10))
    assert [len(page) for page in pages] == [10, 10, 5]
    assert hook.calls["GET /api/categories"] == 3
    assert hook.total("categories") == 25
    assert set(hook.languages()) == {"en", "de", "fr"}


def test_refusals_name_the_field_and_keep_cs_carts_reason(hook):
    with pytest.raises(ApiError) as error:
        hook.send("POST", "products", {"product": "x", "price": 1})
    assert refusal(error.value) == (
        "category_ids",
        'CS-Cart answered 400: Required field "category_ids" is missing',
    )
    with pytest.raises(ApiError) as error:
        hook.send("PUT", "categories/9999", {"category": "x"})
    assert error.value.status == 404
    status, body = hook.send("GET", "product_variations_groups/none", ok_statuses=(404,))
    assert status == 404 and body["status"] == 404
    bare = ApiError("PUT", "http://shop/api/products/1", 400, {"message": "Bad Request"})
    assert refusal(bare) == ("", "CS-Cart answered 400: Bad Request")
    typed = ApiError(
        "PUT", "u", 400, {"message": "Bad Request: field 'weight' must be a number, got 'x'"}
    )
    assert refusal(typed) == (
        "weight",
        "CS-Cart answered 400: field 'weight' must be a number, got 'x'",
    )


def test_reasons_never_carry_a_url_query_such_as_a_presigned_signature():
    error = ApiError(
        "PUT",
        "u",
        400,
        {
            "message": "Bad Request: the image could not be uploaded: cannot fetch "
            "https://bucket.s3.example.com/media/ab/abc?X-Amz-Signature=s3cr3t&X-Amz-Expires=60"
        },
    )
    field, reason = refusal(error)
    assert "s3cr3t" not in reason and "X-Amz" not in reason
    assert reason.endswith("cannot fetch https://bucket.s3.example.com/media/ab/abc")


def test_a_vendor_connection_writes_its_products_as_the_vendor_and_the_rest_as_the_shop(
    monkeypatch,
):
    with SandboxServer(create_app("cscart", catalog="empty", seed=1), port=0) as server:
        monkeypatch.setenv(
            "AIRFLOW_CONN_CSCART_VENDOR",
            json.dumps(
                {
                    "conn_type": "cscart",
                    "host": server.url,
                    "login": "admin@example.com",
                    "password": "pimflow-api-key",
                    "extra": {"company_id": 2, "api_prefix": "/api/2"},
                }
            ),
        )
        hook = CsCartHook("cscart_vendor")
        assert set(hook.languages()) == {"en", "de", "fr"}
        _, answer = hook.send("POST", "categories", {"category": "Shoes"})
        category = answer["category_id"]
        _, answer = hook.send(
            "POST", "products", {"product": "Boot", "price": 1, "category_ids": [category]}
        )
        product = server.app.store.products[int(answer["product_id"])]
        assert product.company_id == 2  # created as the vendor
        assert hook.calls["POST /api/2/vendors/2/products"] == 1
        assert hook.calls["POST /api/2/categories"] == 1
