"""Micro-benchmark of staged rows: write and read products and product models.

    python -m pimflow.bench.staging FOLDER [--compare OTHER_INCLUDE] [--rounds 3]

FOLDER is a staged run folder (file:// URL or path, e.g. `<staging>/test/run` of an
extraction). Its products and product models are written as chunks and read back by this
tree's `pimflow.staging`, and with --compare by another tree's too (the include folder of
an older checkout), each in its own process, the two interleaved round by round so that
the machine's noise hits both alike. Prints rows/s written, read, and read into one list
(as an upload keeps its lookups), the best round of each, the staged files' size, and the
ratios of this tree to the other.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENTITIES = ("products", "product_models")
RATES = ("write_rows_per_s", "read_rows_per_s", "read_and_keep_rows_per_s")


def measure(rows_file: str) -> dict[str, float]:
    """In this process's `pimflow`: write every entity's rows, then read them back."""
    from pimflow.akeneo import datasets
    from pimflow.staging import ChunkWriter, read_rows, run_folder

    with open(rows_file, "rb") as handle:
        rows = pickle.load(handle)  # noqa: S301 - the file this benchmark wrote
    folder = run_folder("bench_staging", f"r{os.getpid()}")
    dataset = {d.name: d for d in (datasets.PRODUCTS, datasets.PRODUCT_MODELS)}
    count = sum(len(rows[e]) for e in ENTITIES)
    warm_up = run_folder("bench_staging", f"warm{os.getpid()}")  # imports, first file opened
    for entity in ENTITIES:
        with ChunkWriter(warm_up, dataset[entity]) as writer:
            writer.extend(rows[entity][:50])
        sum(1 for _ in read_rows(warm_up, dataset[entity]))
    started = time.perf_counter()
    for entity in ENTITIES:
        with ChunkWriter(folder, dataset[entity]) as writer:
            writer.extend(rows[entity])
    written = time.perf_counter()
    read = sum(1 for e in ENTITIES for _ in read_rows(folder, dataset[e]))
    finished = time.perf_counter()
    kept = [row for e in ENTITIES for row in read_rows(folder, dataset[e])]  # as uploads do
    kept_at = time.perf_counter()
    assert read == len(kept) == count, (read, len(kept), count)
    size = sum(f.stat().st_size for e in ENTITIES for f in (folder / e).iterdir())
    return {
        "write_rows_per_s": count / (written - started),
        "read_rows_per_s": count / (finished - written),
        "read_and_keep_rows_per_s": count / (kept_at - finished),
        "megabytes": size / 1e6,
    }


def run_in(include: str, rows_file: str, staging: str) -> dict[str, float]:
    """`measure` in a process whose `pimflow` is the one in `include` (this file runs as a
    script there, so that an older tree without it can be measured too)."""
    environment = {**os.environ, "PYTHONPATH": include, "PIMFLOW_STAGING_URL": staging}
    output = subprocess.run(
        [sys.executable, __file__, "--measure", rows_file],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", help="a staged run folder (file:// URL or path)")
    parser.add_argument("--compare", help="the include folder of another pimflow")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # run_in's child process
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    if not args.folder:
        parser.error("the staged run folder to take the rows from is missing")

    from airflow.sdk import ObjectStoragePath

    from pimflow.akeneo import datasets
    from pimflow.staging import read_rows

    url = args.folder if "://" in args.folder else Path(args.folder).resolve().as_uri()
    source = ObjectStoragePath(url)
    rows = {e: list(read_rows(source, getattr(datasets, e.upper()))) for e in ENTITIES}
    ours = str(Path(__file__).parents[2])
    trees = {"this": ours, **({"other": args.compare} if args.compare else {})}
    with tempfile.TemporaryDirectory(prefix="bench-staging-") as workdir:
        rows_file = str(Path(workdir) / "rows.pickle")
        with open(rows_file, "wb") as handle:
            pickle.dump(rows, handle)
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        for index in range(args.rounds):
            for name, include in trees.items():
                staging = (Path(workdir) / f"{name}-{index}").as_uri()
                rounds[name].append(run_in(include, rows_file, staging))
    best = {  # the best round of each rate; the size is the same in every round
        name: {key: round(max(r[key] for r in results)) for key in RATES}
        | {"megabytes": round(results[0]["megabytes"], 2)}
        for name, results in rounds.items()
    }
    if args.compare:
        this, other = best["this"], best["other"]
        best["this/other"] = {k: round(this[k] / other[k], 2) for k in (*RATES, "megabytes")}
    print(json.dumps({"rows": sum(len(r) for r in rows.values()), **best}, indent=2))


if __name__ == "__main__":
    main()
