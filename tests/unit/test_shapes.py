"""The answer shape checks (pimflow.hooks.shapes): what they accept, what they refuse and
how a refusal reads: reason first, the endpoint, expected against what came, no secret."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException

from pimflow.hooks import shapes
from pimflow.hooks.shapes import ShapeError

FAMILIES = "GET /api/rest/v1/measurement-families"
ENVELOPE = {
    "_links": {"self": {"href": "http://pim/api/rest/v1/measurement-families?page=1"}},
    "current_page": 1,
    "_embedded": {"items": [{"code": "Length", "units": {}}]},
}


def test_a_page_envelope_where_a_list_is_due_is_refused_naming_the_endpoint():
    with pytest.raises(ShapeError) as caught:
        shapes.check_items(ENVELOPE, FAMILIES, ("code",))
    message = str(caught.value)
    assert message.startswith(f"unexpected answer from {FAMILIES}: expected a list")
    assert "got an object" in message and "'_embedded'" in message
    assert isinstance(caught.value, AirflowFailException)  # no retries


def test_what_a_reader_indexes_is_checked_item_by_item():
    good = [{"code": "Length"}, {"code": "Weight", "units": {}}]
    assert shapes.check_items(good, FAMILIES, ("code",)) is good
    with pytest.raises(ShapeError, match=r"item 1\): expected an object with 'code' \(missing"):
        shapes.check_items([{"code": "Length"}, {"label": "Weight"}], FAMILIES, ("code",))
    with pytest.raises(ShapeError, match="item 0.*got a string: 'Length'"):
        shapes.check_items(["Length"], FAMILIES, ("code",))


def test_a_page_needs_its_embedded_items_and_a_next_link_that_is_a_link():
    items, following = shapes.check_page(ENVELOPE, "GET /x", ("code",))
    assert items == [{"code": "Length", "units": {}}] and following is None
    linked = {**ENVELOPE, "_links": {"next": {"href": "/x?page=2"}}}
    assert shapes.check_page(linked, "GET /x")[1] == "/x?page=2"
    with pytest.raises(ShapeError, match="expected an object with '_embedded'"):
        shapes.check_page([{"code": "Length"}], "GET /x")
    with pytest.raises(ShapeError, match=r"\(_embedded\): expected an object with 'items'"):
        shapes.check_page({"_embedded": []}, "GET /x")
    with pytest.raises(ShapeError, match=r"\(_links.next\): expected a link"):
        shapes.check_page({**ENVELOPE, "_links": {"next": "/x?page=2"}}, "GET /x")


def test_check_dispatches_on_the_expected_shape():
    assert shapes.check({"a": 1}, dict, "GET /x", ("a",)) == {"a": 1}
    assert shapes.check(ENVELOPE, shapes.PAGE, "GET /x") is ENVELOPE
    assert shapes.check("anything", None, "GET /x") == "anything"
    with pytest.raises(ShapeError, match="expected an object"):
        shapes.check([], dict, "GET /x")
    with pytest.raises(ValueError, match="unknown answer shape"):
        shapes.check([], tuple, "GET /x")


def test_the_endpoint_is_named_without_host_or_query():
    url = "https://pim.example/api/rest/v1/products-uuid?search=%7B%7D&access_token=abc"
    assert shapes.route("GET", url) == "GET /api/rest/v1/products-uuid"
    assert shapes.route("POST", "/api/oauth/token") == "POST /api/oauth/token"


def test_an_excerpt_masks_secret_looking_values_and_stays_short():
    answer = {"token": "tok-SECRET-1", "refresh_token": "tok-SECRET-2", "user": "admin"}
    with pytest.raises(ShapeError) as caught:
        shapes.check_object(answer, "POST /api/oauth/token", ("access_token",))
    message = str(caught.value)
    assert "SECRET" not in message and "'token': '***'" in message and "'user': 'admin'" in message
    assert "(missing 'access_token')" in message
    big = [{"code": "x" * 500, "nested": {"deeper": {"deepest": list(range(100))}}}] * 50
    assert len(shapes.describe(big)) < shapes.EXCERPT_CHARS + 40
    assert shapes.describe(big).startswith("a list of 50 items: ")
    assert shapes.describe(None) == "null"
