"""Runs one extraction stage in its own process, as an Airflow task would, and prints its
summary with the process's peak memory (the benchmark's per-task figure)."""

from __future__ import annotations

import json
import resource
import sys
import time


def main() -> None:
    spec = json.loads(sys.argv[1])
    from pimflow.hooks.akeneo import AkeneoHook
    from pimflow.staging import run_folder

    hook = AkeneoHook("akeneo_default")
    folder = run_folder("bench", spec["run_id"])
    started = time.perf_counter()
    stage = spec["stage"]
    if stage == "structure":
        from pimflow.akeneo.structure import extract_structure

        result = extract_structure(hook, folder, "ecommerce", None, None, spec["partitions"])
    elif stage in ("products", "product_models"):
        from pimflow.akeneo.catalog import extract_partition

        result = extract_partition(hook, folder, spec["partition"], stage)
    elif stage == "reference_entities":
        from pimflow.akeneo.linked import extract_records

        result = extract_records(hook, folder)
    elif stage == "assets":
        from pimflow.akeneo.linked import extract_assets

        result = extract_assets(hook, folder)
    elif stage == "media":
        from pimflow.akeneo.media import extract_media
        from pimflow.state import open_state_store

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
