from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

from pimflow.akeneo.catalog import (
    NO_FAMILY,
    ReferenceCollector,
    SourceFilter,
    Window,
    canonical_model,
    delta_window,
    partition_queries,
)
from pimflow.akeneo.search import akeneo_datetime, split_in, uri_length
from pimflow.akeneo.structure import _category_tree, plan_partitions
from pimflow.akeneo.values import AttributeInfo

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_split_in_keeps_every_uri_under_the_limit_with_the_fewest_requests():
    codes = [f"family_with_a_long_code_{i:04d}" for i in range(600)]

    def build(chunk):
        return {"search": json.dumps({"family": [{"operator": "IN", "value": chunk}]})}

    queries = list(split_in("/api/rest/v1/products-uuid", codes, build, max_length=4000))
    assert len(queries) > 1
    assert all(uri_length("/api/rest/v1/products-uuid", q) <= 4000 for q in queries)
    back = [c for q in queries for c in json.loads(q["search"])["family"][0]["value"]]
    assert back == codes
    # Greedy: every chunk but the last is full (one more code would not fit).
    first = json.loads(queries[0]["search"])["family"][0]["value"]
    assert uri_length("/api/rest/v1/products-uuid", build(codes[: len(first) + 1])) > 4000
    assert list(split_in("/p", ["a", "b"], build)) == [build(["a", "b"])]


def test_delta_window_reads_a_backfill_slice_a_schedule_since_the_last_success():
    start, end = NOW - timedelta(hours=1), NOW
    overlap = timedelta(minutes=5)
    mark = NOW - timedelta(days=2)
    # A backfill run reads exactly its interval, whatever ran before.
    assert delta_window("delta", "backfill", start, end, None, NOW) == Window(start - overlap, end)
    assert delta_window("delta", "backfill", start, end, mark, NOW) == Window(start - overlap, end)
    # A scheduled run reaches back to the last success when that is older than its interval.
    assert delta_window("delta", "scheduled", start, end, mark, NOW) == Window(mark - overlap, end)
    recent = NOW - timedelta(minutes=30)
    assert delta_window("delta", "scheduled", start, end, recent, NOW) == Window(
        start - overlap, end
    )
    # A triggered run reads since the last success; never synced: everything.
    assert delta_window("delta", "manual", start, end, mark, NOW) == Window(mark - overlap, NOW)
    assert delta_window("delta", "manual", None, None, None, NOW) is None
    assert delta_window("delta", "scheduled", start, end, None, NOW) is None
    for mode in ("full", "reconcile"):
        assert delta_window(mode, "scheduled", start, end, mark, NOW) is None
    assert akeneo_datetime(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02 03:04:05"


def test_partition_queries_filter_at_the_source():
    source = SourceFilter("ecommerce", ["en_US", "de_DE"], Window(NOW - timedelta(hours=1), NOW))
    (query,) = partition_queries("/api/rest/v1/products-uuid", source, ["shirts", "shoes"], True)
    assert query["scope"] == "ecommerce" and query["locales"] == "en_US,de_DE"
    assert query["pagination_type"] == "search_after" and query["limit"] == 100
    search = json.loads(query["search"])
    assert search["family"] == [{"operator": "IN", "value": ["shirts", "shoes"]}]
    assert search["updated"][0]["operator"] == "BETWEEN"
    (no_family,) = partition_queries("/x", source, [NO_FAMILY], True)
    assert json.loads(no_family["search"])["family"] == [{"operator": "EMPTY"}]
    assert list(partition_queries("/x", source, [NO_FAMILY], False)) == []  # models have one


def test_partitions_deal_families_evenly_and_add_the_family_less_products():
    plan = plan_partitions([f"f{i}" for i in range(10)], 4, include_no_family=True)
    assert [len(p["families"]) for p in plan] == [3, 3, 2, 2, 1]
    assert plan[-1]["families"] == [NO_FAMILY]
    assert sorted(f for p in plan[:-1] for f in p["families"]) == sorted(f"f{i}" for i in range(10))
    assert plan_partitions(["a"], 4, include_no_family=False) == [{"name": "p0", "families": ["a"]}]


def test_category_tree_is_the_channels_tree_parents_first_in_position_order():
    categories = [
        {"code": "shoes", "parent": "master", "position": 2, "labels": {}},
        {"code": "master", "parent": None, "position": 1, "labels": {"en_US": "Master"}},
        {"code": "boots", "parent": "shoes", "position": 1, "labels": {}},
        {"code": "shirts", "parent": "master", "position": 1, "labels": {}},
        {"code": "other_root", "parent": None, "position": 1, "labels": {}},
    ]
    assert [c["code"] for c in _category_tree(categories, "master")] == [
        "master",
        "shirts",
        "shoes",
        "boots",
    ]


def test_models_keep_their_level_and_axes_and_references_are_gathered():
    attributes = {
        "color": AttributeInfo("color", "pim_catalog_simpleselect"),
        "brand": AttributeInfo("brand", "akeneo_reference_entity", reference_data_name="brands"),
        "pictures": AttributeInfo(
            "pictures", "pim_catalog_asset_collection", reference_data_name="packshots"
        ),
        "image": AttributeInfo("image", "pim_catalog_image"),
    }
    variants = {
        "shirt_by_color_size": {
            "variant_attribute_sets": [
                {"level": 1, "axes": ["color"], "attributes": ["color"]},
                {"level": 2, "axes": ["size"], "attributes": ["size", "sku"]},
            ]
        }
    }
    root = canonical_model(
        {
            "code": "tee",
            "family": "shirts",
            "family_variant": "shirt_by_color_size",
            "parent": None,
            "values": {
                "brand": [{"locale": None, "scope": None, "data": "acme"}],
                "pictures": [{"locale": None, "scope": None, "data": ["p1", "p2"]}],
                "image": [{"locale": None, "scope": None, "data": "a/b/c/img.jpg"}],
            },
        },
        attributes,
        variants,
        {("color", "red"): {"en_US": "Red"}},
    )
    sub = canonical_model(
        {
            "code": "tee_red",
            "family": "shirts",
            "family_variant": "shirt_by_color_size",
            "parent": "tee",
            "values": {"color": [{"locale": None, "scope": None, "data": "red"}]},
        },
        attributes,
        variants,
        {("color", "red"): {"en_US": "Red"}},
    )
    assert (root["level"], root["axes"]) == (1, ["color"])
    assert (sub["level"], sub["axes"]) == (2, ["size"])
    assert sub["values"]["color"][0]["data"] == {"code": "red", "labels": {"en_US": "Red"}}
    collector = ReferenceCollector()
    collector.collect(root["values"], attributes)
    assert list(collector.rows()) == [
        {"kind": "asset", "group": "packshots", "code": "p1"},
        {"kind": "asset", "group": "packshots", "code": "p2"},
        {"kind": "media", "group": "image", "code": "a/b/c/img.jpg"},
        {"kind": "record", "group": "brands", "code": "acme"},
    ]


def test_query_strings_survive_encoding():
    # Sanity: what split_in measures is what requests will send.
    params = {"search": json.dumps({"code": [{"operator": "IN", "value": ["a&b", "ü"]}]})}
    from urllib.parse import urlencode

    assert parse_qs(urlencode(params))["search"][0] == params["search"]
