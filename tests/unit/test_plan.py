"""The field-level plan: what changes, field by field, from the payload last written."""

from __future__ import annotations

import pytest

from pimflow.plan import MAX_TEXT, REAL_RUN_PLAN, STAGE_PLAN_CAP, field_changes, plan_entry
from pimflow.results import StageResult, plan_cap
from pimflow.state import StateStore


def test_nested_fields_are_compared_by_path_and_lists_as_a_whole():
    old = {"name": "Bag", "translations": {"de": {"name": "Tasche"}}, "price": [{"gross": 10}]}
    new = {
        "name": "Bag",
        "translations": {"de": {"name": "Große Tasche"}},
        "price": [{"gross": 12}],
    }
    assert field_changes(old, new) == [
        {"field": "price", "old": '[{"gross": 10}]', "new": '[{"gross": 12}]'},
        {"field": "translations.de.name", "old": "Tasche", "new": "Große Tasche"},
    ]


def test_a_field_on_one_side_only_is_none_on_the_other_and_long_text_is_cut():
    changes = field_changes({"gone": 1}, {"description": "x" * 500})
    assert changes[0] == {"field": "description", "old": None, "new": changes[0]["new"]}
    assert len(changes[0]["new"]) == MAX_TEXT and changes[0]["new"].endswith("…")
    assert changes[1] == {"field": "gone", "old": "1", "new": None}


def test_an_unchanged_payload_has_no_changes_and_a_create_lists_every_field():
    assert field_changes({"a": {"b": [1, 2]}}, {"a": {"b": [1, 2]}}) == []
    entry = plan_entry("product", 42, "create", None, {"name": "Bag", "active": True})
    assert entry["identifier"] == "42" and [c["field"] for c in entry["changes"]] == [
        "active",
        "name",
    ]
    assert plan_entry("product", "x", "delete")["changes"] == []
    with pytest.raises(ValueError, match="not a plan action"):
        plan_entry("product", "x", "upsert")


def test_a_stage_keeps_the_first_entries_and_counts_them_all():
    result = StageResult()
    for index in range(STAGE_PLAN_CAP + 5):
        result.plan("product", index, "update", {"n": 0}, {"n": 1})
    plan = result.as_dict()["plan"]
    assert plan["total"] == STAGE_PLAN_CAP + 5 and len(plan["entries"]) == STAGE_PLAN_CAP
    assert "plan" not in StageResult().as_dict()


def test_a_real_runs_stage_computes_only_the_sample_it_keeps(monkeypatch):
    computed = []
    monkeypatch.setattr(
        "pimflow.results.plan_entry", lambda *args: computed.append(args) or {"args": args}
    )
    with plan_cap(REAL_RUN_PLAN):
        result = StageResult()
    for index in range(REAL_RUN_PLAN + 50):
        assert result.wants_plan() == (index < REAL_RUN_PLAN)
        result.plan("product", index, "update", {"n": 0}, {"n": 1})
    assert len(computed) == REAL_RUN_PLAN
    assert result.as_dict()["plan"]["total"] == REAL_RUN_PLAN + 50
    assert StageResult().plan_cap == STAGE_PLAN_CAP  # outside the block: a dry run's cap


def test_the_state_store_keeps_the_last_payload_and_forgets_it_with_the_key(tmp_path):
    store = StateStore(tmp_path / "state.sqlite")
    store.save("shop", "product", {"a": "h1", "b": "h2"}, {"a": {"name": "Bag", "n": 1}})
    store.save("shop", "product", {"a": "h3"}, {"a": {"name": "Big bag"}})
    assert store.payloads("shop", "product", ["a", "b", "c"]) == {"a": {"name": "Big bag"}}
    store.forget_keys("shop", "product", ["a"])
    assert store.payloads("shop", "product", ["a"]) == {}
    store.save("shop", "product", {"a": "h4"}, {"a": {"name": "Bag"}})
    store.forget("shop")
    assert store.payloads("shop", "product", ["a"]) == {}
    store.close()
