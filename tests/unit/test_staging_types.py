"""Staged column kinds: native Arrow lists and maps, JSON for the rest, and `read_rows`
giving back exactly what the former all-JSON staging gave (the same values, the same
types, dict keys in the same order), for every dataset an extraction stages."""

from __future__ import annotations

import gc
import json
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pimflow.akeneo import datasets
from pimflow.staging import ChunkWriter, Dataset, read_rows, run_folder
from tests.akeneo.conftest import akeneo, stage_everything  # noqa: F401 - the fixture

ALL_DATASETS = [d for d in vars(datasets).values() if isinstance(d, Dataset)]
NESTED_KINDS = ("json", "string_list", "string_map")


def former_staging(dataset: Dataset, row: dict[str, Any]) -> dict[str, Any]:
    """What the all-JSON staging read back: nested columns through json with sorted keys."""
    return {
        name: (
            json.loads(json.dumps(row.get(name), sort_keys=True))
            if kind in NESTED_KINDS
            else row.get(name)
        )
        for name, kind in dataset.columns.items()
    }


def exact(value: Any) -> Any:  # noqa: ANN401
    """A value with its types and dict key order made comparable (== ignores both)."""
    if isinstance(value, dict):
        return ("dict", [(key, exact(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("list", [exact(item) for item in value])
    return (type(value).__name__, value)


def in_any_order(rows: list[dict[str, Any]]) -> list[str]:
    """Rows as comparable text, sorted: mapped parts are read back in part-name order."""
    return sorted(json.dumps(exact(row)) for row in rows)


@pytest.fixture
def staging(tmp_path, monkeypatch):
    monkeypatch.setenv("PIMFLOW_STAGING_URL", tmp_path.as_uri())
    return run_folder("dag", "run")


@pytest.mark.parametrize("catalog", ["demo", "300"])
def test_every_dataset_reads_back_what_the_json_staging_gave(akeneo, monkeypatch, catalog):  # noqa: F811
    """A whole extraction of a sandbox catalog (the demo one has every attribute type; a
    generated one has product models at two levels, out-of-scope associations, ...)."""
    akeneo(catalog)
    added: dict[str, list[dict[str, Any]]] = {d.name: [] for d in ALL_DATASETS}
    real_add = ChunkWriter.add

    def spy(writer: ChunkWriter, row: dict[str, Any]) -> None:
        added[writer.dataset.name].append(former_staging(writer.dataset, row))
        real_add(writer, row)

    monkeypatch.setattr(ChunkWriter, "add", spy)
    staged = stage_everything()
    if catalog == "300":
        assert all(added.values()), [n for n, rows in added.items() if not rows]
    for dataset in ALL_DATASETS:
        read = list(read_rows(staged.folder, dataset))
        assert len(read) == len(added[dataset.name]), dataset.name
        assert in_any_order(read) == in_any_order(added[dataset.name]), dataset.name


def test_lists_and_maps_are_arrow_types_not_json_text(staging):
    dataset = datasets.PRODUCTS
    with ChunkWriter(staging, dataset) as writer:
        writer.add({"uuid": "u1", "identifier": "p1", "categories": ["b", "a"], "groups": []})
    schema = pq.read_schema(next((staging / "products").iterdir()).open("rb"))
    assert schema.field("categories").type == pa.list_(pa.string())
    assert schema.field("values").type == pa.string()
    with ChunkWriter(staging, datasets.CATEGORIES) as writer:
        writer.add({"code": "c", "labels": {"en_US": "Shoes"}})
    schema = pq.read_schema(next((staging / "categories").iterdir()).open("rb"))
    assert schema.field("labels").type == pa.map_(pa.string(), pa.string())


def test_none_empty_and_order_are_kept_as_they_were(staging):
    dataset = Dataset(
        "things", {"code": "string", "list": "string_list", "map": "string_map", "doc": "json"}
    )
    rows = [
        {"code": "a", "list": None, "map": None, "doc": None},
        {"code": "b", "list": [], "map": {}, "doc": {}},
        {"code": "c", "list": ["z", None, "a"], "map": {"z": "1", "a": None}, "doc": []},
        {"code": "d", "list": ("x",), "map": {"é": "ü"}, "doc": {"z": [1, 2.5], "a": (True,)}},
        {"code": "e"},  # columns missing from the row are None
    ]
    with ChunkWriter(staging, dataset, rows_per_chunk=2) as writer:
        writer.extend(rows)
    read = list(read_rows(staging, dataset))
    assert [exact(r) for r in read] == [exact(former_staging(dataset, r)) for r in rows]
    assert list(read[2]["map"]) == ["a", "z"]  # sorted keys, as json.dumps(sort_keys=True)
    assert list(read[3]["doc"]) == ["a", "z"]


def test_an_empty_php_array_as_labels_is_an_empty_dict(staging):
    """Akeneo's PHP writes an empty object as []; a map column reads it back as {}."""
    with ChunkWriter(staging, datasets.CATEGORIES) as writer:
        writer.add({"code": "master", "labels": []})
    assert next(read_rows(staging, datasets.CATEGORIES))["labels"] == {}


def test_json_the_fast_encoder_refuses_is_written_as_the_standard_library_writes_it(staging):
    dataset = Dataset("things", {"code": "string", "doc": "json"})
    docs = [{1: "integer key"}, {"text": "lone surrogate \ud800"}, {"big": 2**80}]
    with ChunkWriter(staging, dataset) as writer:
        writer.extend({"code": str(i), "doc": doc} for i, doc in enumerate(docs))
    read = [row["doc"] for row in read_rows(staging, dataset)]
    assert read == [json.loads(json.dumps(doc, sort_keys=True)) for doc in docs]


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("categories", "shoes", "a list of strings expected, got str"),
        ("categories", ["shoes", 3], "a list of strings expected, it holds a int"),
        ("values", {"weight": object()}, "not JSON-serialisable"),
    ],
)
def test_a_value_of_the_wrong_shape_names_row_column_and_reason(staging, column, value, reason):
    with ChunkWriter(staging, datasets.PRODUCTS) as writer:
        writer.add({"uuid": "u1", "identifier": "good-1", "categories": ["a"]})
        with pytest.raises(ValueError, match=reason) as refused:
            writer.add({"uuid": "u2", "identifier": "bad", column: value})
        assert "products: identifier 'bad': column" in str(refused.value)
        assert repr(column) in str(refused.value)
        writer.add({"uuid": "u3", "identifier": "good-2", "categories": ["b"]})
    read = list(read_rows(staging, datasets.PRODUCTS))  # the refused row left nothing behind
    assert [(r["identifier"], r["categories"]) for r in read] == [
        ("good-1", ["a"]),
        ("good-2", ["b"]),
    ]
    assert writer.count == 2


def test_a_map_of_non_strings_is_refused(staging):
    with ChunkWriter(staging, datasets.CATEGORIES) as writer:
        with pytest.raises(ValueError, match="categories: code 'c': column 'labels': a dict"):
            writer.add({"code": "c", "labels": {"en_US": 3}})
        with pytest.raises(ValueError, match="column 'labels': a dict of strings expected"):
            writer.add({"code": "c", "labels": ["en_US"]})


def test_read_only_some_columns(staging):
    with ChunkWriter(staging, datasets.PRODUCTS, rows_per_chunk=2) as writer:
        writer.extend({"uuid": f"u{i}", "identifier": f"p{i}", "values": {}} for i in range(5))
    assert list(read_rows(staging, datasets.PRODUCTS, columns=["identifier"])) == [
        {"identifier": f"p{i}"} for i in range(5)
    ]
    assert list(read_rows(staging, datasets.PRODUCTS, columns=[])) == [{}] * 5
    with pytest.raises(ValueError, match=r"products has no columns \['sku'\]"):
        list(read_rows(staging, datasets.PRODUCTS, columns=["identifier", "sku"]))


def test_chunks_staged_as_json_text_before_still_read_the_same(staging):
    """A task retried after an upgrade reads chunks its run staged with the former code,
    where lists and labels were JSON text."""
    row = {"code": "shoes", "parent": "master", "position": 2, "labels": {"fr": "Chaussures"}}
    former = pa.table(
        {
            "code": ["shoes"],
            "parent": ["master"],
            "position": pa.array([2], pa.int64()),
            "labels": [json.dumps(row["labels"], sort_keys=True)],
        }
    )
    (staging / "categories").mkdir(parents=True, exist_ok=True)
    with (staging / "categories" / "part-00000.parquet").open("wb") as handle:
        pq.write_table(former, handle)
    assert list(read_rows(staging, datasets.CATEGORIES)) == [row]


def test_the_garbage_collector_is_back_as_it_was_while_the_caller_runs(staging):
    dataset = Dataset("things", {"code": "string", "doc": "json"})
    with ChunkWriter(staging, dataset, rows_per_chunk=3) as writer:
        writer.extend({"code": str(i), "doc": {"i": [i]}} for i in range(7))
    assert gc.isenabled()
    assert all(gc.isenabled() for _ in read_rows(staging, dataset))
    gc.disable()
    try:
        assert not any(gc.isenabled() for _ in read_rows(staging, dataset))
    finally:
        gc.enable()


def test_a_dataset_with_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match=r"dataset things: unknown column kinds \{'x': 'list'\}"):
        Dataset("things", {"code": "string", "x": "list"})
