"""The extraction bench's peer (pimflow/bench/peer.py): a plain akeneo-api-client reader
reads the same products and product models as pimflow's extraction, with its query."""

from __future__ import annotations

from pimflow.akeneo.catalog import SourceFilter, partition_queries
from pimflow.akeneo.search import MODELS_PATH, PRODUCTS_PATH
from pimflow.bench.peer import peer_query, read_all
from tests.akeneo.conftest import akeneo, stage_everything  # noqa: F401 - the fixture


def test_the_peer_sends_pimflows_query_without_the_partitions_families() -> None:
    source = SourceFilter("ecommerce", ["en_US", "de_DE"])
    for entity, for_products in (("products", True), ("product_models", False)):
        (pimflow,) = list(partition_queries("/x", source, [{"families": ["shoes"]}], for_products))
        expected = {k: v for k, v in pimflow.items() if k not in ("search", "limit")}
        expected.pop("pagination_type")  # the client sets it, and the limit
        assert peer_query(entity, "ecommerce", ["en_US", "de_DE"]) == expected


def test_the_peer_reads_what_pimflow_stages(akeneo) -> None:  # noqa: F811
    akeneo("1000", seed=7)
    staged = stage_everything(partitions=4)
    locales = staged.structure["locales"]
    for entity in ("products", "product_models"):
        pimflow = sum(s.get(entity, 0) for s in staged.partitions)
        peer = read_all(entity, "ecommerce", locales)
        assert peer["items"] == pimflow > 0
        assert peer["pages"] == -(-pimflow // 100)


def test_given_a_partitions_searches_the_peer_reads_what_that_partition_staged(akeneo) -> None:  # noqa: F811
    akeneo("1000", seed=7)
    staged = stage_everything(partitions=4)
    source = SourceFilter("ecommerce", staged.structure["locales"])
    plan = staged.structure["partitions"]
    assert len(plan) > 1
    for entity, path, for_products in (
        ("products", PRODUCTS_PATH, True),
        ("product_models", MODELS_PATH, False),
    ):
        counts = {s["partition"]: s[entity] for s in staged.partitions if entity in s}
        for partition in plan:
            queries = list(partition_queries(path, source, partition[entity], for_products))
            peer = read_all(entity, "ecommerce", source.locales, queries)
            assert peer["items"] == counts[partition["name"]]
            assert peer["pages"] >= len(queries)
        assert sum(counts.values()) > 0
