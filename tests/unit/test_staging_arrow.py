"""The staged chunks' columns, built into Arrow buffers directly (pimflow.staging
_plain_array): the same arrays pyarrow.array builds, and no pandas import for it."""

from __future__ import annotations

import random
import subprocess
import sys

import pyarrow as pa
import pytest

from pimflow import staging

VALUES = {
    "string": [None, "a", "", "é✓", "x" * 50],
    "json": [None, b'{"a":1}', '{"b":2}', b"[]"],
    "int": [None, 0, -5, 2**63 - 1, -(2**63), 7],
    "bool": [None, True, False],
    "string_list": [None, [], ["a"], ["a", None, "b"], ("c",)],
    "string_map": [None, {}, (), {"b": "1", "a": None}, {"z": "q"}],
}


def _filled(kind: str, values: list) -> staging._Column:
    column = staging._COLUMNS.get(kind, staging._Column)(kind)
    for value in values:
        column.append(column.check(value))
    return column


def _by_pyarrow_array(column: staging._Column):  # noqa: ANN202 - what the writer built before
    if column.kind == "string_list":
        offsets, nulls = column._arrow_parts()
        return pa.ListArray.from_arrays(offsets, pa.array(column.values, pa.string()), mask=nulls)
    if column.kind == "string_map":
        offsets, nulls = column._arrow_parts()
        keys, items = pa.array(column.values, pa.string()), pa.array(column.items, pa.string())
        return pa.MapArray.from_arrays(offsets, keys, items, mask=nulls)
    return pa.array(column.values, type=staging._arrow_type(column.kind))


@pytest.mark.parametrize("kind", sorted(VALUES))
@pytest.mark.parametrize("rows", [0, 1, 7, 8, 9, 2000])
def test_plain_columns_are_the_arrays_pyarrow_array_builds(kind: str, rows: int) -> None:
    chosen = random.Random(rows).choices(VALUES[kind], k=rows)
    for values in (chosen, [v for v in chosen if v is not None]):  # with nulls, and without
        built = _filled(kind, values).to_arrow()
        built.validate(full=True)
        expected = _by_pyarrow_array(_filled(kind, values))
        assert built.type == expected.type
        assert built.equals(expected)
        assert built.null_count == expected.null_count
        assert built.to_pylist() == expected.to_pylist()


def test_other_values_convert_or_fail_as_pyarrow_array_has_them() -> None:
    assert _filled("int", [1.0, None]).to_arrow().to_pylist() == [1, None]
    with pytest.raises(pa.ArrowInvalid):
        _filled("bool", [1, None]).to_arrow()
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError)):
        _filled("string", [3]).to_arrow()


def test_staging_a_chunk_imports_no_pandas() -> None:
    # In a fresh process: pyarrow.array would import pandas on its first call. (Without
    # Airflow's object storage, whose first use loads Airflow's plugins.)
    script = """
import io, sys
import pyarrow as pa, pyarrow.parquet as pq
from pimflow.akeneo.datasets import PRODUCTS
from pimflow.staging import _arrow_schema, _new_columns
assert "pandas" not in sys.modules, "imported before any chunk"
row = {"uuid": "u", "enabled": True, "categories": ["a"], "values": {"x": [1]}}
columns = _new_columns(PRODUCTS)
for name, column in zip(PRODUCTS.columns, columns):
    column.append(column.check(row.get(name)))
table = pa.Table.from_arrays([c.to_arrow() for c in columns], schema=_arrow_schema(PRODUCTS))
buffer = io.BytesIO()
pq.write_table(table, buffer, compression="zstd")
buffer.seek(0)
assert pq.ParquetFile(buffer).read().column("values").to_pylist() == ['{"x":[1]}']
print("pandas" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "False"
