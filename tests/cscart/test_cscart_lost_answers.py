"""CS-Cart's creates are not idempotent: a create whose answer was lost is looked up by its
natural key and adopted, never posted twice (issue #16). The sandbox's `lost_answer_rate`
handles the call, keeps its effects, and closes the connection without an answer."""

from __future__ import annotations

import json

import pytest

from pimflow.cscart.hook import CsCartHook
from pimflow.hooks.base import AnswerLost, ApiError
from pimflow.sandboxes import SANDBOX_CONNECTIONS
from pimflow_sandbox.cli import create_app
from pimflow_sandbox.server import SandboxServer


@pytest.fixture
def shop(monkeypatch):
    """An empty CS-Cart sandbox and a hook of it that retries twice, with short waits."""
    with SandboxServer(create_app("cscart", catalog="empty", seed=1), port=0) as server:
        connection = SANDBOX_CONNECTIONS["cscart"](server.url)
        connection["extra"] = {"max_retries": 2, "retry_max_wait": 0.05}
        monkeypatch.setenv("AIRFLOW_CONN_CSCART_DEFAULT", json.dumps(connection))
        yield server, CsCartHook("cscart_default")


def names(hook: CsCartHook) -> list[str]:
    return [c["category"] for page in hook.iter_pages("categories", "categories") for c in page]


def test_a_post_whose_answer_was_lost_is_not_sent_again(shop):
    server, hook = shop
    server.switches.update(lost_answer_rate=1.0)
    with pytest.raises(AnswerLost):
        hook.send("POST", "categories", {"category": "Shoes"})
    server.switches.update(lost_answer_rate=0.0)
    assert names(hook) == ["Shoes"]
    assert hook.calls["POST /api/categories"] == 1


def test_a_lost_create_is_found_and_adopted(shop):
    server, hook = shop
    server.switches.update(lost_answer_rate=1.0)
    looked: list[str] = []

    def find():
        server.switches.update(lost_answer_rate=0.0)
        looked.append("Shoes")
        (found,) = [c for page in hook.iter_pages("categories", "categories") for c in page]
        return int(found["category_id"])

    answer, adopted = hook.create("categories", {"category": "Shoes"}, find)
    assert answer is None and adopted is not None and looked == ["Shoes"]
    assert names(hook) == ["Shoes"]  # one, not two
    assert hook.calls["POST /api/categories"] == 1


def test_a_create_that_never_landed_is_posted_again(shop):
    server, hook = shop
    server.switches.update(drop_rate=1.0)  # dropped before the handler: nothing made

    def find():
        server.switches.update(drop_rate=0.0)
        return None  # nothing there: the create is sent again

    answer, adopted = hook.create("categories", {"category": "Shoes"}, find)
    assert adopted is None and int(answer["category_id"]) > 0
    assert names(hook) == ["Shoes"]
    assert hook.calls["POST /api/categories"] == 2


def test_the_retry_budget_bounds_the_lookups(shop):
    server, hook = shop
    server.switches.update(drop_rate=1.0)
    with pytest.raises(AnswerLost):
        hook.create("categories", {"category": "Shoes"}, lambda: None)
    assert hook.calls["POST /api/categories"] == 3  # the first and max_retries (2) more


def test_a_create_that_could_not_connect_is_retried_without_a_lookup(monkeypatch):
    """A refused connection never reached the shop: no answer was lost, nothing to look up."""
    with SandboxServer(create_app("cscart", catalog="empty", seed=1), port=0) as server:
        url = server.url
    # stopped: nothing listens there any more
    connection = SANDBOX_CONNECTIONS["cscart"](url)
    connection["extra"] = {"max_retries": 2, "retry_max_wait": 0.05}
    monkeypatch.setenv("AIRFLOW_CONN_CSCART_DEFAULT", json.dumps(connection))
    hook = CsCartHook("cscart_default")
    looked: list[bool] = []
    with pytest.raises(ApiError) as error:
        hook.create("categories", {"category": "Shoes"}, lambda: looked.append(True))
    assert not isinstance(error.value, AnswerLost) and "connection failed" in str(error.value)
    assert looked == [] and hook.calls["POST /api/categories"] == 3
