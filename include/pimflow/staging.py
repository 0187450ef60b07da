"""Staged data: Parquet chunks under one object-storage folder per run.

Tasks hand data over through object storage (`ObjectStoragePath`: file:// on one machine,
s3:// when workers are spread out); XCom carries only the folder and counts. Writers
stream rows into chunks of bounded size, so no task holds a whole catalog in memory.

Nested fields (values, categories, ...) are stored as JSON text: Akeneo values are
heterogeneous per attribute type, which a fixed Parquet schema cannot hold without
losing exactness (decimals are strings in the canonical form for the same reason).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from airflow.sdk import ObjectStoragePath

from pimflow import config

ROWS_PER_CHUNK = 2000


@dataclass(frozen=True)
class Dataset:
    """A staged table: its name and column kinds ("string", "bool", "int", "json")."""

    name: str
    columns: dict[str, str]


def staging_root() -> ObjectStoragePath:
    return ObjectStoragePath(config.staging_url(), conn_id=config.staging_conn_id())


def run_folder(dag_id: str, run_id: str) -> ObjectStoragePath:
    """One folder per DAG run; run ids carry ':' and '+', which object stores dislike."""
    safe_run = re.sub(r"[^A-Za-z0-9._-]+", "_", run_id)
    return staging_root() / dag_id / safe_run


def _arrow_schema(dataset: Dataset):  # noqa: ANN202 - pyarrow is imported lazily
    import pyarrow as pa

    kinds = {"string": pa.string(), "json": pa.string(), "bool": pa.bool_(), "int": pa.int64()}
    return pa.schema([(name, kinds[kind]) for name, kind in dataset.columns.items()])


class ChunkWriter:
    """Streams rows into `<folder>/<dataset>/<part>-NNNNN.parquet` chunks.

    Several writers (mapped tasks, one per partition) can fill one dataset, each with its
    own `part` name; a writer replaces only its own part's chunks (a retried task starts
    its part afresh and leaves the others alone).
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
        self._rows: list[dict[str, Any]] = []
        self._chunks = 0
        self.count = 0
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.folder.exists():  # object stores (S3, MinIO) have no empty folders
            for stale in self.folder.iterdir():
                if stale.name.startswith(f"{part}-"):
                    stale.unlink()

    def add(self, row: dict[str, Any]) -> None:
        encoded = {}
        for name, kind in self.dataset.columns.items():
            value = row.get(name)
            encoded[name] = json.dumps(value, sort_keys=True) if kind == "json" else value
        self._rows.append(encoded)
        self.count += 1
        if len(self._rows) >= self.rows_per_chunk:
            self._flush()

    def extend(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.add(row)

    def _flush(self) -> None:
        if not self._rows:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist(self._rows, schema=_arrow_schema(self.dataset))
        target = self.folder / f"{self.part}-{self._chunks:05d}.parquet"
        with target.open("wb") as handle:
            pq.write_table(table, handle, compression="zstd")
        self._chunks += 1
        self._rows = []

    def close(self) -> int:
        self._flush()
        return self.count

    def __enter__(self) -> ChunkWriter:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.close()


def read_rows(folder: ObjectStoragePath, dataset: Dataset) -> Iterator[dict[str, Any]]:
    """The rows of a staged dataset, chunk by chunk (memory bounded by one chunk)."""
    import pyarrow.parquet as pq

    directory = folder / dataset.name
    if not directory.exists():
        return
    json_columns = [n for n, kind in dataset.columns.items() if kind == "json"]
    for chunk in sorted(directory.iterdir(), key=lambda p: p.name):
        if not chunk.name.endswith(".parquet"):
            continue
        with chunk.open("rb") as handle:
            table = pq.read_table(handle)
        for row in table.to_pylist():
            for name in json_columns:
                if row.get(name) is not None:
                    row[name] = json.loads(row[name])
            yield row


def write_json(path: ObjectStoragePath, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True, default=str)


def read_json(path: ObjectStoragePath) -> Any:
    with path.open("r") as handle:
        return json.load(handle)
