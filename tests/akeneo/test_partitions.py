"""Partitions balanced by count on the sandbox: each holds about as many products, and
every product and model is read by exactly one partition, whatever the run's filters
(pimflow.akeneo.structure.plan_partitions)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from pimflow.akeneo.catalog import SourceFilter, Window, extract_partition
from pimflow.akeneo.datasets import PRODUCT_MODELS, PRODUCTS
from pimflow.akeneo.selection import choose_roots, load_selection, selection_queries
from pimflow.akeneo.structure import PAGE, extract_structure
from pimflow.hooks.akeneo import AkeneoHook
from pimflow.staging import read_rows, run_folder
from tests.e2e.sandbox_clients import AkeneoReader

KEYS = {"products": "uuid", "product_models": "code"}


def _read(
    run: str,
    partitions: int,
    window: Window | None = None,
    limit: int | None = None,
    families: list[str] | None = None,
    **filters,
) -> dict[str, Any]:
    """Plan and read every partition as the DAG's tasks do; what each partition read."""
    folder = run_folder("test", run)
    hook = AkeneoHook()
    structure = extract_structure(
        hook,
        folder,
        "ecommerce",
        None,
        families,
        partitions,
        window=window,
        plan_by_count=not limit,
        **filters,
    )
    source = SourceFilter("ecommerce", structure["locales"], window, **filters)
    if limit:
        choose_roots(hook, folder, source, structure["partitions"], families or [], limit)
    read: dict[str, dict[str, int]] = {"products": {}, "product_models": {}}
    for partition in structure["partitions"]:
        queries = selection_queries(load_selection(folder, partition["name"])) if limit else None
        for entity in read:
            summary = extract_partition(AkeneoHook(), folder, partition, entity, source, queries)
            read[entity][partition["name"]] = summary[entity]
    rows = {
        entity: Counter(row[KEYS[entity]] for row in read_rows(folder, dataset))
        for entity, dataset in (("products", PRODUCTS), ("product_models", PRODUCT_MODELS))
    }
    return {"structure": structure, "read": read, "rows": rows}


def _once(run: dict[str, Any], entity: str) -> set[str]:
    """The codes read, checked read once each."""
    twice = [code for code, n in run["rows"][entity].items() if n > 1]
    assert not twice, f"{entity} read by more than one partition: {twice[:5]}"
    return set(run["rows"][entity])


def _assert_balanced(run: dict[str, Any], entity: str, partitions: int) -> None:
    """At most 1.3 × the mean, over as many partitions as two pages each fill."""
    sizes = list(run["read"][entity].values())
    reported = [p["counts"][entity] for p in run["structure"]["partitions"]]
    assert reported == sizes  # the plan's counts are what the partitions read
    shares = [p for p in run["structure"]["partitions"] if p[entity]]
    assert len(shares) == max(1, min(partitions, sum(sizes) // (2 * PAGE))), sizes
    used = sizes[: len(shares)]
    assert max(used) <= 1.3 * sum(used) / len(used), sizes


def _cuts(run: dict[str, Any], entity: str) -> list[dict[str, Any]]:
    return [
        piece
        for partition in run["structure"]["partitions"]
        for piece in partition[entity]
        if piece.get("created")
    ]


def test_a_dominant_family_is_cut_and_every_item_is_read_once(akeneo):
    server = akeneo(catalog="1000", seed=7)
    whole = _read("whole", 1)
    assert whole["structure"]["planning"]["calls"] == 2  # a total of each kind: no cut
    parts = _read("parts", 4)
    structure = parts["structure"]
    for entity in KEYS:
        assert _once(parts, entity) == _once(whole, entity)
        _assert_balanced(parts, entity, 4)
    by_family = Counter(p["family"] for p in read_rows(run_folder("test", "whole"), PRODUCTS))
    dominant, size = by_family.most_common(1)[0]
    assert size > 0.4 * sum(by_family.values())  # the catalog this is about
    assert dominant in {piece["families"][0] for piece in _cuts(parts, "products")}
    # Few planning calls: a total and a count per family for each kind, a few per cut.
    families = structure["counts"]["families"]
    planning = structure["planning"]
    assert planning["calls"] <= 2 * (1 + families + 1) + 2 * 3 * 4, planning
    assert planning["products"]["sizes"] == list(parts["read"]["products"].values())

    # The run's families only, the dominant one cut: the family filter and the cuts agree.
    chosen = [dominant, "shoes"]
    filtered = _read("families", 3, families=chosen)
    assert dominant in {piece["families"][0] for piece in _cuts(filtered, "products")}
    expected = {
        p["uuid"] for p in read_rows(run_folder("test", "whole"), PRODUCTS) if p["family"] in chosen
    }
    assert _once(filtered, "products") == expected
    _assert_balanced(filtered, "products", 3)

    # A product created after planning lands in the open end of one range: read once.
    reader = AkeneoReader(server.url)
    model = next(p for p in reader.products(scope="ecommerce") if p["family"] == dominant)
    body = {
        "identifier": "created-during-the-run",
        "family": dominant,
        "categories": model["categories"],
    }
    response = requests.post(
        f"{server.url}/api/rest/v1/products", json=body, headers=reader.headers, timeout=30
    )
    assert response.status_code == 201, response.text
    folder = run_folder("test", "late")
    extract_structure(AkeneoHook(), folder, "ecommerce", plan_by_count=False)  # its files
    for partition in structure["partitions"]:  # the plan made before the product existed
        extract_partition(AkeneoHook(), folder, partition, "products")
    late = Counter(p["identifier"] for p in read_rows(folder, PRODUCTS))
    assert late["created-during-the-run"] == 1
    assert sum(late.values()) == sum(whole["rows"]["products"].values()) + 1


def test_a_delta_window_and_product_filters_are_balanced_and_read_once(akeneo):
    akeneo(catalog="1000", seed=7)
    _read("all", 1)
    full = list(read_rows(run_folder("test", "all"), PRODUCTS))
    updated = sorted(p["updated"] for p in full)
    # A window over the later half of the updates: big enough to cut, small enough to filter.
    after = datetime.fromisoformat(updated[len(updated) // 2])
    window = Window(after, datetime.now(UTC) + timedelta(minutes=1))
    whole = _read("delta-whole", 1, window)
    parts = _read("delta-parts", 4, window)
    assert 200 < len(_once(whole, "products")) < len(full)
    for entity in KEYS:
        assert _once(parts, entity) == _once(whole, entity)
    _assert_balanced(parts, "products", 4)
    assert _cuts(parts, "products")  # the window's share of the big family is cut too
    assert parts["structure"]["planning"]["products"]["total"] == len(whole["rows"]["products"])

    # An unchanged rerun: nothing in the window, so one partition, planned by two counts
    # (the mapped tasks shrink from `partitions` to one of each kind).
    now = datetime.now(UTC)
    quiet = _read("delta-quiet", 4, Window(now + timedelta(days=1), now + timedelta(days=2)))
    assert [p["name"] for p in quiet["structure"]["partitions"]] == ["p0"]
    assert quiet["structure"]["planning"]["calls"] == 2
    assert not quiet["rows"]["products"] and not quiet["rows"]["product_models"]

    filters = {"enabled_only": True, "min_completeness": 50}
    filtered_whole = _read("filtered-whole", 1, **filters)
    filtered = _read("filtered-parts", 3, **filters)
    assert 0 < len(_once(filtered_whole, "products")) < len(full)
    assert _once(filtered, "products") == _once(filtered_whole, "products")
    _assert_balanced(filtered, "products", 3)
    assert _cuts(filtered, "products")


def test_a_limited_read_deals_whole_trees_to_partitions_without_counting(akeneo):
    akeneo(catalog="1000", seed=7)
    limited = _read("limited", 4, limit=40)
    assert limited["structure"]["planning"] == {"calls": 0}
    products, models = _once(limited, "products"), _once(limited, "product_models")
    assert products and models
    # Trees dealt in turn: every partition has some, none has most.
    sizes = list(limited["read"]["products"].values())
    assert min(sizes) > 0 and max(sizes) < 0.6 * sum(sizes), sizes


def test_without_items_count_the_families_are_dealt_and_still_read_once(akeneo, monkeypatch):
    akeneo(catalog="1000", seed=7)
    whole = _read("whole", 1)
    answer = AkeneoHook.get_json

    def without_count(self, path, params=None, **shape):  # noqa: ANN001, ANN003, ANN202 - an older API
        body = answer(self, path, params, **shape)
        if isinstance(body, dict):
            body.pop("items_count", None)
        return body

    monkeypatch.setattr(AkeneoHook, "get_json", without_count)
    dealt = _read("dealt", 4)
    assert "without items_count" in dealt["structure"]["planning"]["not_balanced"]
    assert len(dealt["structure"]["partitions"]) == 4
    for entity in KEYS:
        assert _once(dealt, entity) == _once(whole, entity)
