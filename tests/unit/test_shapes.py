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


def test_a_shape_error_survives_pickling_as_it_was():
    import pickle

    with pytest.raises(ShapeError) as caught:
        shapes.check_items(ENVELOPE, FAMILIES, ("code",))
    again = pickle.loads(pickle.dumps(caught.value))
    assert type(again) is ShapeError and str(again) == str(caught.value)
    made = caught.value
    assert (again.route, again.expected, again.got) == (made.route, made.expected, made.got)


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
    signed = {"image": "https://cdn.example.com/a.jpg?X-Amz-Signature=SECRET&X-Amz-Expires=60"}
    assert shapes.describe(signed) == "an object: {'image': 'https://cdn.example.com/a.jpg?…'}"
    big = [{"code": "x" * 500, "nested": {"deeper": {"deepest": list(range(100))}}}] * 50
    assert len(shapes.describe(big)) < shapes.EXCERPT_CHARS + 40
    assert shapes.describe(big).startswith("a list of 50 items: ")
    assert shapes.describe(None) == "null"


# -- the shops' answers, from sandbox shops reshaped into stand-ins -----------------------------
@pytest.fixture
def shop(monkeypatch):
    """start(name) → a sandbox shop, `<name>_default` pointing at it; stopped afterwards."""
    import json

    from pimflow.sandboxes import SANDBOX_CONNECTIONS
    from pimflow_sandbox.cli import create_app
    from pimflow_sandbox.server import SandboxServer

    servers = []

    def start(name: str) -> SandboxServer:
        server = SandboxServer(create_app(name, catalog="empty", seed=1)).start()
        servers.append(server)
        connection = SANDBOX_CONNECTIONS[name](server.url)
        monkeypatch.setenv(f"AIRFLOW_CONN_{name.upper()}_DEFAULT", json.dumps(connection))
        return server

    yield start
    for server in servers:
        server.stop()


def test_a_shopware_search_without_its_data_list_fails_the_shop_context(shop):
    from pimflow.shopware6.config import with_defaults
    from pimflow.shopware6.hook import Shopware6Hook
    from pimflow.shopware6.upload import load_shop_context
    from tests.standin import reshape

    server = shop("shopware6")

    def store_api_shape(body, request):  # noqa: ANN001, ANN202 - the Store API's answer
        if not request.path.endswith("/currency"):
            return body
        return {"total": len(body["data"]), "elements": body["data"]}

    reshape(server, "POST", "/api/search/{entity}", store_api_shape)
    with pytest.raises(ShapeError) as caught:
        load_shop_context(Shopware6Hook(), ["en_US"], with_defaults({}))
    assert str(caught.value).startswith(
        "unexpected answer from POST /api/search/currency: expected an object with 'data'"
    )


def test_a_shopware_token_answer_without_access_token_names_no_secret(shop):
    from pimflow.shopware6.hook import Shopware6Hook
    from tests.standin import reshape

    server = shop("shopware6")
    reshape(server, "POST", "/api/oauth/token", lambda body, _: {"token": body["access_token"]})
    with pytest.raises(ShapeError) as caught:
        Shopware6Hook().search("currency", {"limit": 1})
    message = str(caught.value)
    assert "POST /api/oauth/token" in message and "(missing 'access_token')" in message
    assert "'token': '***'" in message  # the token the stand-in sent is not shown


def test_a_cscart_create_answer_without_the_new_id_is_refused(shop):
    from pimflow.cscart.hook import CsCartHook
    from tests.standin import reshape

    server = shop("cscart")
    created = reshape(server, "POST", "/api/products", lambda body, _: {"id": body["product_id"]})
    hook = CsCartHook()
    _, category = hook.send("POST", "categories", {"category": "Mugs"}, keys=("category_id",))
    body = {"product": "Mug", "product_code": "MUG-1", "price": 5}
    body["category_ids"] = [category["category_id"]]
    with pytest.raises(ShapeError) as caught:
        hook.send("POST", "products", body, keys=("product_id",))
    assert str(caught.value).startswith(
        "unexpected answer from POST /api/products: expected an object with 'product_id'"
    )
    assert len(created) == 1


def test_a_cscart_list_of_another_shape_is_refused_with_its_key(shop):
    from pimflow.cscart.hook import CsCartHook
    from tests.standin import reshape

    server = shop("cscart")
    reshape(server, "GET", "/api/languages", lambda body, _: {**body, "languages": "en,de"})
    with pytest.raises(ShapeError, match=r"GET /api/languages \(languages\): expected a list"):
        CsCartHook().languages()


def test_the_cscart_products_stage_fails_on_it_instead_of_reporting_each_product(shop, tmp_path):
    """A product's own surprise is that product's error (test_cscart_isolation); an answer
    that is not CS-Cart's is the stage's: no product would land, so it fails at once."""
    from pimflow.cscart.hook import CsCartHook
    from pimflow.cscart.products import ProductUploader
    from pimflow.state import StateStore
    from tests.cscart.test_cscart_isolation import item
    from tests.cscart.test_cscart_mapping import context
    from tests.standin import reshape

    server = shop("cscart")
    created = reshape(server, "POST", "/api/products", lambda body, _: {"id": body["product_id"]})
    hook = CsCartHook()
    made = 0  # the categories the mapping's context names (ids up to 7), in the empty shop
    while made < max(context().category_ids.values()):
        _, answer = hook.send("POST", "categories", {"category": "c"}, keys=("category_id",))
        made = int(answer["category_id"])
    store = StateStore(tmp_path / "state.sqlite")
    try:
        uploader = ProductUploader(hook, store, "cscart:test", context())
        with pytest.raises(ShapeError, match="POST /api/products: expected an object with"):
            # No images: their host is none the sandbox fetches from.
            uploader.upload([item(code, image=None, pictures=None) for code in ("OK-1", "OK-2")])
    finally:
        store.close()
    assert 1 <= len(created) <= 2  # the stage stopped at the first (or the one in flight)


def test_a_cscart_answer_that_is_no_page_of_the_list_is_refused(shop):
    """A list answer without its list and without paging (another endpoint's answer, an
    error page in JSON) is not read as an empty list; nor is a total that is no number."""
    from pimflow.cscart.hook import CsCartHook
    from tests.standin import reshape

    server = shop("cscart")
    reshape(server, "GET", "/api/languages", lambda body, _: {"status": "ok"})
    with pytest.raises(ShapeError, match=r"GET /api/languages: expected a page of 'languages'"):
        CsCartHook().languages()
    reshape(server, "GET", "/api/languages", lambda b, _: {**b, "params": {"total_items": "x"}})
    with pytest.raises(ShapeError, match=r"\(params.total_items\): expected a number of items"):
        CsCartHook().languages()
