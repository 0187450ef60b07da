from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest

from pimflow.akeneo.catalog import (
    NO_FAMILY,
    ReferenceCollector,
    SourceFilter,
    Window,
    canonical_model,
    delta_window,
    partition_queries,
)
from pimflow.akeneo.search import LATEST, akeneo_datetime, split_in, uri_length
from pimflow.akeneo.structure import (
    EPOCH,
    MAX_PROBES,
    CreatedCuts,
    _category_tree,
    balance,
    deal_partitions,
)
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
    pieces = [
        {"families": ["shirts", "shoes"]},
        {"families": ["big"], "created": ["2024-01-01 00:00:00", "2024-06-01 00:00:00"]},
        {"families": ["big"], "created": ["2024-06-01 00:00:00", None]},
    ]
    whole, middle, last = partition_queries("/api/rest/v1/products-uuid", source, pieces, True)
    assert whole["scope"] == "ecommerce" and whole["locales"] == "en_US,de_DE"
    assert whole["pagination_type"] == "search_after" and whole["limit"] == 100
    search = json.loads(whole["search"])
    assert search["family"] == [{"operator": "IN", "value": ["shirts", "shoes"]}]
    assert search["updated"][0]["operator"] == "BETWEEN"
    assert "created" not in search
    # [since, before): BETWEEN is inclusive, `<` is not, so neighbours share their end.
    middle_search, last_search = json.loads(middle["search"]), json.loads(last["search"])
    assert middle_search["created"] == [
        {"operator": "BETWEEN", "value": ["2024-01-01 00:00:00", LATEST]},
        {"operator": "<", "value": "2024-06-01 00:00:00"},
    ]
    assert last_search["created"] == [
        {"operator": "BETWEEN", "value": ["2024-06-01 00:00:00", LATEST]}
    ]
    assert last_search["family"] == [{"operator": "IN", "value": ["big"]}]
    assert last_search["updated"] == search["updated"]  # the window applies to every piece
    (no_family,) = partition_queries("/x", source, [{"families": [NO_FAMILY]}], True)
    assert json.loads(no_family["search"])["family"] == [{"operator": "EMPTY"}]
    assert list(partition_queries("/x", source, [{"families": [NO_FAMILY]}], False)) == []


def test_a_limited_read_deals_families_without_counting_and_keeps_the_family_less():
    plan = deal_partitions([f"f{i}" for i in range(10)], 4, include_no_family=True)
    assert [p["name"] for p in plan] == ["p0", "p1", "p2", "p3"]
    assert [len(p["families"]) for p in plan] == [3, 3, 2, 3]
    assert plan[-1]["products"][-1] == {"families": [NO_FAMILY]}
    dealt = [f for p in plan for piece in p["product_models"] for f in piece["families"]]
    assert sorted(dealt) == sorted([*(f"f{i}" for i in range(10)), NO_FAMILY])
    (only,) = deal_partitions(["a"], 4, include_no_family=False)
    assert only["products"] == only["product_models"] == [{"families": ["a"]}]


# -- balanced plans, on a catalog simulated in memory --------------------------------------
T0 = int((datetime(2024, 1, 1, tzinfo=UTC) - EPOCH).total_seconds())


def _catalog(sizes: dict[str | None, int], seed: int = 1, span: int = 30_000_000):
    """(family, created second) items; trees of up to 15 items share their second."""
    rng = random.Random(seed)
    items = []
    for family, size in sizes.items():
        while sum(1 for f, _ in items if f == family) < size:
            created = T0 + rng.randrange(span)
            tree = min(rng.randint(1, 15), size - sum(1 for f, _ in items if f == family))
            items += [(family, created)] * tree
    rng.shuffle(items)  # Akeneo's page order knows nothing of the creation dates
    return items


class FakeCounts:
    """What KindCounter asks Akeneo, answered from the simulated items (and counted)."""

    def __init__(self, items):
        self.items, self.calls = items, 0

    def _family(self, code):
        return [c for f, c in self.items if (f or NO_FAMILY) == code]

    def count_before(self, family, second):
        self.calls += 1
        return sum(1 for c in self._family(family) if c < second)

    def sample(self, family):
        self.calls += 1
        return sorted(self._family(family)[:100])


def _stamp(second):
    return akeneo_datetime(EPOCH + timedelta(seconds=second))


def _shares_of(item, shares):
    """The shares whose pieces select `item`, as Akeneo's filters would."""
    family, created = item[0] or NO_FAMILY, _stamp(item[1])
    found = []
    for index, share in enumerate(shares):
        for piece in share["pieces"]:
            since, before = piece.get("created") or (None, None)
            if (
                family in piece["families"]
                and (since is None or since <= created)  # BETWEEN [since, LATEST]
                and (before is None or created < before)
            ):
                found.append(index)
    return found


def _plan(items, bins):
    counts: dict[str, int] = {}
    for family, _ in items:
        counts[family or NO_FAMILY] = counts.get(family or NO_FAMILY, 0) + 1
    fake = FakeCounts(items)
    latest = int((NOW - EPOCH).total_seconds())
    shares = balance(counts, bins, CreatedCuts(fake.count_before, fake.sample, latest).cut)
    return shares, fake.calls


@pytest.mark.parametrize("bins", [2, 4, 6])
def test_a_dominant_family_is_cut_so_no_partition_exceeds_1_3_times_the_mean(bins):
    sizes = {"clothing": 5400, "shoes": 1500, "electronics": 1400, "home": 700, None: 300}
    sizes |= {f"small{i}": 40 + 30 * i for i in range(6)}
    items = _catalog(sizes)
    shares, calls = _plan(items, bins)
    assert len(shares) == bins
    read = [0] * bins
    for item in items:
        (where,) = _shares_of(item, shares)  # exactly one partition reads each item
        read[where] += 1
    assert read == [share["count"] for share in shares]  # the counts reported are exact
    assert max(read) <= 1.3 * len(items) / bins, read
    # Few calls: at most bins - 1 cuts, each a page of dates and a few counts.
    cuts = sum(1 for share in shares for piece in share["pieces"] if piece.get("created"))
    assert cuts <= 2 * (bins - 1)
    assert calls <= (bins - 1) * (1 + MAX_PROBES)


def test_families_that_fit_are_not_cut_and_zero_counts_still_have_a_partition():
    counts = {"a": 500, "b": 480, "c": 520, "d": 510, "empty": 0}

    def no_cut(*args):
        raise AssertionError(f"no family needs a cut: {args}")

    shares = balance(counts, 4, no_cut)
    placed = sorted(f for share in shares for piece in share["pieces"] for f in piece["families"])
    assert placed == sorted(counts)
    assert [share["count"] for share in shares] == [520, 510, 500, 480]


def test_a_family_created_in_one_second_is_read_once_though_it_cannot_be_cut():
    items = [("bulk", T0)] * 3000 + _catalog({"other": 1000})
    shares, _ = _plan(items, 4)
    for item in items:
        assert len(_shares_of(item, shares)) == 1
    assert sum(share["count"] for share in shares) == len(items)


def test_a_cut_stops_at_the_probe_budget_and_returns_its_best_point():
    items = _catalog({"big": 4000}, seed=3)
    fake = FakeCounts(items)
    cuts = CreatedCuts(fake.count_before, lambda family: [], T0 + 40_000_000)  # no sample
    moment, before = cuts.cut("big", 4000, 1000, slack=0)  # exactness asks every probe
    assert fake.calls <= MAX_PROBES
    assert before == sum(1 for _, c in items if c < moment)
    guided = FakeCounts(items)
    moment, before = CreatedCuts(guided.count_before, guided.sample, T0 + 40_000_000).cut(
        "big", 4000, 1000, slack=100
    )
    assert abs(before - 1000) <= 100 and guided.calls <= 4  # the sample's quantile is close


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
