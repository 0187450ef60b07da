"""Runs one extraction stage in its own process, as an Airflow task would, and prints its
summary with the process's peak memory (the benchmark's per-task figure)."""

from __future__ import annotations

import json
import os
import resource
import sys
import time


def main() -> None:
    spec = json.loads(sys.argv[1])
    from pimflow.akeneo.catalog import extract_partition
    from pimflow.akeneo.linked import extract_assets, extract_records
    from pimflow.akeneo.media import extract_media
    from pimflow.akeneo.structure import extract_structure
    from pimflow.hooks.akeneo import AkeneoHook
    from pimflow.staging import read_json, run_folder, write_json
    from pimflow.state import open_state_store

    hook = AkeneoHook("akeneo_default")
    folder = run_folder("bench", spec["run_id"])
    import pyarrow.parquet  # noqa: F401 - what the staged tables are read with, see below

    # The clock starts with the libraries loaded, the storage opened (its first file
    # loads Airflow's plugins) and the connection read (its lookup loads Airflow's task
    # supervisor, which a worker's task process has loaded already), as in a worker that
    # has run a task before: `seconds` is the stage's own work, which the peer reader is
    # compared on, not the process's start; the peer reads its connection before its
    # clock too.
    warm_up = run_folder("bench", "warm_up") / f"{os.getpid()}.json"  # stages run 4 at once
    write_json(warm_up, {})
    read_json(warm_up)
    warm_up.unlink()
    hook.connection  # noqa: B018 - the lookup, not yet a call to Akeneo
    started = time.perf_counter()
    stage = spec["stage"]
    if stage == "structure":
        result = extract_structure(hook, folder, "ecommerce", None, None, spec["partitions"])
    elif stage in ("products", "product_models"):
        result = extract_partition(hook, folder, spec["partition"], stage)
    elif stage == "reference_entities":
        result = extract_records(hook, folder)
    elif stage == "assets":
        result = extract_assets(hook, folder)
    elif stage == "media":
        store = open_state_store()
        result = extract_media(hook, folder, store)
        store.close()
    else:
        raise SystemExit(f"unknown stage {stage}")
    print(
        json.dumps(
            {
                "stage": stage,
                "result": result,
                "seconds": time.perf_counter() - started,
                "calls": dict(hook.calls),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            },
            default=str,
        )
    )


if __name__ == "__main__":
    main()
