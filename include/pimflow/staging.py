"""Staged data: Parquet chunks under one object-storage folder per run.

Tasks hand data over through object storage (`ObjectStoragePath`: file:// on one machine,
s3:// when workers are spread out); XCom carries only the folder and counts. Writers
stream rows into chunks of bounded size, so no task holds a whole catalog in memory.

Column kinds: "string", "bool", "int"; "string_list" (a list of strings: categories,
axes, ...) and "string_map" (a dict of string to string: labels), stored as Arrow list
and map columns, so they cost no JSON at all; "json" for what has no fixed shape. Akeneo
values are heterogeneous per attribute type, which a fixed Parquet schema cannot hold
without losing exactness (decimals are strings in the canonical form for the same reason).

JSON text is written with sorted keys, so the dicts read back iterate in one canonical
order whatever order the API answered in (what mappers build from them, and so payload
hashes, does not depend on it). It is encoded with msgspec (Airflow's own dependency),
falling back to the standard library for what msgspec refuses, and decoded one column of
a chunk at a time. `read_rows` returns the same Python values as stdlib `json` would:
lists, dicts, None, strings for decimals. (Two differences no staged row meets: msgspec
writes a float NaN or infinity as null, and writes sets and bytes where the standard
library refused them; Akeneo answers in strict JSON, which has neither.)
"""

from __future__ import annotations

import array
import gc
import itertools
import json
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import msgspec
from airflow.sdk import ObjectStoragePath

from pimflow import config

ROWS_PER_CHUNK = 2000
COLUMN_KINDS = ("string", "bool", "int", "string_list", "string_map", "json")

_encoder = msgspec.json.Encoder(order="sorted")
_decoder = msgspec.json.Decoder()


@dataclass(frozen=True)
class Dataset:
    """A staged table: its name and column kinds (see COLUMN_KINDS)."""

    name: str
    columns: dict[str, str]

    def __post_init__(self) -> None:
        unknown = {n: k for n, k in self.columns.items() if k not in COLUMN_KINDS}
        if unknown:
            raise ValueError(f"dataset {self.name}: unknown column kinds {unknown}")


def staging_root() -> ObjectStoragePath:
    return ObjectStoragePath(config.staging_url(), conn_id=config.staging_conn_id())


def run_folder(dag_id: str, run_id: str) -> ObjectStoragePath:
    """One folder per DAG run; run ids carry ':' and '+', which object stores dislike."""
    safe_run = re.sub(r"[^A-Za-z0-9._-]+", "_", run_id)
    return staging_root() / dag_id / safe_run


def _arrow_type(kind: str):  # noqa: ANN202 - pyarrow is imported lazily
    import pyarrow as pa

    return {
        "string": pa.string(),
        "json": pa.string(),
        "bool": pa.bool_(),
        "int": pa.int64(),
        "string_list": pa.list_(pa.string()),
        "string_map": pa.map_(pa.string(), pa.string()),
    }[kind]


def _arrow_schema(dataset: Dataset):  # noqa: ANN202
    import pyarrow as pa

    return pa.schema([(name, _arrow_type(kind)) for name, kind in dataset.columns.items()])


# -- Arrow arrays without pyarrow.array ------------------------------------------------------
# pyarrow.array() imports pandas on its first call (to ask whether a list is a Series):
# 0.15-0.35 s of every task process that stages rows, more than a product models partition
# takes to read. The columns' plain values (str, int, bool, None) are built into Arrow
# buffers directly instead; anything else goes through pyarrow.array as before, with its
# conversions and its errors.
INT64_RANGE = range(-(2**63), 2**63)


def _bitmap(flags: Sequence[bool]):  # noqa: ANN202 - a pyarrow Buffer
    """Arrow's bit-packed booleans (bit i of byte i // 8, least significant first)."""
    import pyarrow as pa

    packed = bytearray((len(flags) + 7) // 8)
    for index, flag in enumerate(flags):
        if flag:
            packed[index >> 3] |= 1 << (index & 7)
    return pa.py_buffer(bytes(packed))


def _validity(values: Sequence[Any]):  # noqa: ANN202
    """The validity bitmap of `values` (None where every value is there, as Arrow allows)."""
    if all(value is not None for value in values):
        return None
    return _bitmap([value is not None for value in values])


def _plain_strings(values: Sequence[Any], also_bytes: bool = False):  # noqa: ANN202
    """A string array of str (and, for JSON text, bytes) and None; None if another type.

    Built from one joined buffer of UTF-8 and its offsets: no call per value into pyarrow."""
    import pyarrow as pa

    encoded: list[bytes] = []
    try:
        for value in values:
            if value is None:
                encoded.append(b"")
            elif type(value) is str:
                encoded.append(value.encode())
            elif also_bytes and type(value) is bytes:
                encoded.append(value)
            else:
                return None
    except UnicodeEncodeError:  # a lone surrogate: pyarrow.array says what it says of it
        return None
    offsets = array.array("i", [0])
    ends = list(itertools.accumulate(map(len, encoded)))
    if ends and ends[-1] >= 2**31:  # beyond 32-bit offsets: pyarrow.array's own way
        return None
    offsets.extend(ends)
    buffers = [_validity(values), pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    return pa.Array.from_buffers(pa.string(), len(values), buffers)


def _plain_array(kind: str, values: Sequence[Any]):  # noqa: ANN202 - pa.Array or None
    """`values` as an Arrow array of `kind` when they are the plain Python values of it;
    None otherwise (the caller then converts them with pyarrow.array)."""
    import pyarrow as pa

    if kind in ("string", "json"):
        return _plain_strings(values, also_bytes=kind == "json")
    if kind == "int":
        if not all(
            value is None or (type(value) is int and value in INT64_RANGE) for value in values
        ):
            return None
        data = array.array("q", [0 if value is None else value for value in values])
        return pa.Array.from_buffers(
            pa.int64(), len(values), [_validity(values), pa.py_buffer(data)]
        )
    if kind == "bool":
        if not all(value is None or type(value) is bool for value in values):
            return None
        return pa.Array.from_buffers(
            pa.bool_(), len(values), [_validity(values), _bitmap([bool(v) for v in values])]
        )
    return None


def _nested_array(kind: str, offsets: list[int], nulls: list[bool], children: list[Any]):  # noqa: ANN202
    """A list or map array from its offsets, null rows and child arrays."""
    import pyarrow as pa

    valid = None if not any(nulls) else _bitmap([not null for null in nulls])
    buffers = [valid, pa.py_buffer(array.array("i", offsets))]
    arrow_type = _arrow_type(kind)
    if kind == "string_map":
        entries = pa.Array.from_buffers(
            pa.struct([arrow_type.key_field, arrow_type.item_field]),
            len(children[0]),
            [None],
            children=children,
        )
        children = [entries]
    return pa.Array.from_buffers(arrow_type, len(nulls), buffers, children=children)


def _encode_json(value: Any) -> bytes | str:
    """JSON text with sorted keys; msgspec refuses non-string keys and lone surrogates,
    which the standard library writes as before."""
    try:
        return _encoder.encode(value)
    except (TypeError, UnicodeEncodeError):
        return json.dumps(value, sort_keys=True)


def _decode_json_column(texts: Sequence[str | None]) -> list[Any]:
    """One column of a chunk, decoded in one call (None stays None).

    Joined into one JSON array, so msgspec decodes the whole column at once; text it
    refuses (the standard library's NaN, say) is decoded value by value as before.
    """
    try:
        return _decoder.decode("[" + ",".join("null" if t is None else t for t in texts) + "]")
    except msgspec.DecodeError:
        return [None if t is None else json.loads(t) for t in texts]


class _BadValue(ValueError):
    pass


class _Column:
    """A chunk's values of one column, buffered as Arrow will take them.

    `check` refuses a value that does not fit (before any column of the row is touched)
    and returns what `append` keeps; lists and maps are kept flat (offsets and items, no
    container per row), so the buffered chunk adds no objects for the cyclic collector.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.values: list[Any] = []

    def check(self, value: Any) -> Any:  # noqa: ANN401
        return value

    def append(self, value: Any) -> None:  # noqa: ANN401
        self.values.append(value)

    def to_arrow(self):  # noqa: ANN201
        import pyarrow as pa

        plain = _plain_array(self.kind, self.values)
        return plain if plain is not None else pa.array(self.values, type=_arrow_type(self.kind))


class _JsonColumn(_Column):
    def check(self, value: Any) -> Any:  # noqa: ANN401
        if value is None:
            return None
        try:
            return _encode_json(value)
        except (TypeError, ValueError, RecursionError) as exc:  # an object, a cycle, ...
            raise _BadValue(f"not JSON-serialisable: {exc}") from None


class _NestedColumn(_Column):
    """Offsets into flat items, and which rows are None."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.offsets = [0]
        self.nulls: list[bool] = []

    def append(self, value: Any) -> None:  # noqa: ANN401
        self.nulls.append(value is None)
        if value is not None:
            self.values.extend(value)
        self.offsets.append(len(self.values))

    def _arrow_parts(self):  # noqa: ANN202
        import pyarrow as pa

        return pa.array(self.offsets, pa.int32()), pa.array(self.nulls, pa.bool_())


class _StringListColumn(_NestedColumn):
    def check(self, value: Any) -> Any:  # noqa: ANN401
        if value is None:
            return None
        if not isinstance(value, (list, tuple)):
            raise _BadValue(f"a list of strings expected, got {type(value).__name__}")
        for item in value:
            if item is not None and not isinstance(item, str):
                raise _BadValue(f"a list of strings expected, it holds a {type(item).__name__}")
        return value

    def to_arrow(self):  # noqa: ANN201
        import pyarrow as pa

        items = _plain_strings(self.values)
        if items is not None:
            return _nested_array(self.kind, self.offsets, self.nulls, [items])
        offsets, nulls = self._arrow_parts()
        return pa.ListArray.from_arrays(offsets, pa.array(self.values, pa.string()), mask=nulls)


class _StringMapColumn(_NestedColumn):
    """Keys in sorted order, the order JSON text with sorted keys gave."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.items: list[str | None] = []

    def check(self, value: Any) -> Any:  # noqa: ANN401
        if value is None:
            return None
        if isinstance(value, (list, tuple)) and not value:
            return ()  # PHP serialises an empty object as []
        if not isinstance(value, dict):
            raise _BadValue(f"a dict of strings expected, got {type(value).__name__}")
        for key, item in value.items():
            if not isinstance(key, str) or (item is not None and not isinstance(item, str)):
                raise _BadValue(f"a dict of strings expected, it holds {key!r}: {item!r}")
        return value

    def append(self, value: Any) -> None:  # noqa: ANN401
        keys = sorted(value) if value else ()
        super().append(None if value is None else keys)
        self.items.extend(value[key] for key in keys)

    def to_arrow(self):  # noqa: ANN201
        import pyarrow as pa

        keys, items = _plain_strings(self.values), _plain_strings(self.items)
        if keys is not None and items is not None:
            return _nested_array(self.kind, self.offsets, self.nulls, [keys, items])
        offsets, nulls = self._arrow_parts()
        keys, items = pa.array(self.values, pa.string()), pa.array(self.items, pa.string())
        return pa.MapArray.from_arrays(offsets, keys, items, mask=nulls)


_COLUMNS = {"json": _JsonColumn, "string_list": _StringListColumn, "string_map": _StringMapColumn}


def _new_columns(dataset: Dataset) -> list[_Column]:
    return [_COLUMNS.get(kind, _Column)(kind) for kind in dataset.columns.values()]


def _row_name(row: dict[str, Any]) -> str:
    for key in ("identifier", "code", "uuid"):
        if row.get(key):
            return f"{key} {row[key]!r}"
    return "a row"


class ChunkWriter:
    """Streams rows into `<folder>/<dataset>/<part>-NNNNN.parquet` chunks.

    Several writers (mapped tasks, one per partition) can fill one dataset, each with its
    own `part` name; a writer replaces only its own part's chunks (a retried task starts
    its part afresh and leaves the others alone). Rows are buffered column by column,
    already encoded, and a value that does not fit its column's kind is refused at `add`
    with the row, the column and the reason.
    """

    def __init__(
        self,
        folder: ObjectStoragePath,
        dataset: Dataset,
        rows_per_chunk: int = ROWS_PER_CHUNK,
        part: str = "part",
    ) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_]+", part):
            raise ValueError(f"a part name is letters, digits and _: {part!r}")
        self.folder = folder / dataset.name
        self.dataset = dataset
        self.rows_per_chunk = rows_per_chunk
        self.part = part
        self._names = list(dataset.columns)
        self._columns = _new_columns(dataset)
        self._buffered = 0
        self._chunks = 0
        self.count = 0
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.folder.exists():  # object stores (S3, MinIO) have no empty folders
            for stale in self.folder.iterdir():
                if stale.name.startswith(f"{part}-"):
                    stale.unlink()

    def add(self, row: dict[str, Any]) -> None:
        checked = []  # every column checked before any is touched: a refused row leaves none
        for name, column in zip(self._names, self._columns, strict=True):
            try:
                checked.append(column.check(row.get(name)))
            except _BadValue as exc:
                raise ValueError(
                    f"{self.dataset.name}: {_row_name(row)}: column {name!r}: {exc}"
                ) from None
        for column, value in zip(self._columns, checked, strict=True):
            column.append(value)
        self._buffered += 1
        self.count += 1
        if self._buffered >= self.rows_per_chunk:
            self._flush()

    def extend(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.add(row)

    def _flush(self) -> None:
        if not self._buffered:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrays = [column.to_arrow() for column in self._columns]
        table = pa.Table.from_arrays(arrays, schema=_arrow_schema(self.dataset))
        target = self.folder / f"{self.part}-{self._chunks:05d}.parquet"
        # Dictionary pages only where values repeat (codes, families, ...): JSON text is
        # mostly distinct per row, where a dictionary costs time and saves nothing.
        dictionary = [n for n, kind in self.dataset.columns.items() if kind != "json"]
        with target.open("wb") as handle:
            pq.write_table(table, handle, compression="zstd", use_dictionary=dictionary)
        self._chunks += 1
        self._columns = _new_columns(self.dataset)
        self._buffered = 0

    def close(self) -> int:
        self._flush()
        return self.count

    def __enter__(self) -> ChunkWriter:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.close()


_gc_pause_lock = threading.Lock()
_gc_pauses = 0  # regions paused now, in any thread
_gc_was_enabled = False  # whether the first of them found the collector on


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Run a region that builds many new objects without the cyclic garbage collector.

    Decoded rows and pages are trees of new dicts and lists, none in a cycle, but each
    thousand of them starts a collection that walks the tracked objects, and a process
    holding many already (Airflow's modules, an upload's lookups) makes each walk long:
    measured on 10,000 staged products, 80 % of the decoding time, and in an extraction
    task 0.8 s of the 1 s its pages took to decode. Meant for a bounded region (a chunk,
    a page), never across a `yield` (the caller's code runs with the collector as it
    found it). Regions may overlap across threads (a page decoded by the read-ahead
    thread while the last one is staged): the collector is back on when the last ends,
    and stays off if it was off before the first began.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_pause_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_pause_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def _python_column(kind: str, column: Any) -> list[Any]:  # noqa: ANN401 - a ChunkedArray
    """One Arrow column as the Python values the kind stands for.

    A "string_list" or "string_map" column a chunk holds as text is JSON: chunks staged
    before those kinds existed (a task retried after an upgrade) still read the same.
    """
    import pyarrow as pa

    values = column.to_pylist()
    if kind == "json" or (kind != "string" and pa.types.is_string(column.type)):
        return _decode_json_column(values)
    if kind == "string_map":
        return [None if pairs is None else dict(pairs) for pairs in values]
    return values


def read_rows(
    folder: ObjectStoragePath, dataset: Dataset, columns: Sequence[str] | None = None
) -> Iterator[dict[str, Any]]:
    """The rows of a staged dataset, chunk by chunk (memory bounded by one chunk).

    `columns`: read only these (the others are not even read from the files).
    """
    import pyarrow.parquet as pq

    names = list(dataset.columns) if columns is None else list(columns)
    unknown = [n for n in names if n not in dataset.columns]
    if unknown:
        raise ValueError(f"dataset {dataset.name} has no columns {unknown}")
    directory = folder / dataset.name
    if not directory.exists():
        return
    for chunk in sorted(directory.iterdir(), key=lambda p: p.name):
        if not chunk.name.endswith(".parquet"):
            continue
        with chunk.open("rb") as handle:  # ParquetFile: read_table loads pyarrow.dataset
            table = pq.ParquetFile(handle).read(columns=names)
        if not names:  # no columns, still one (empty) row per staged row
            yield from ({} for _ in range(table.num_rows))
            continue
        with cyclic_gc_paused():
            decoded = [_python_column(dataset.columns[n], table.column(n)) for n in names]
            rows = [dict(zip(names, values, strict=True)) for values in zip(*decoded, strict=True)]
        del table, decoded
        yield from rows


def write_json(path: ObjectStoragePath, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True, default=str)


def read_json(path: ObjectStoragePath) -> Any:
    with path.open("r") as handle:
        return json.load(handle)
