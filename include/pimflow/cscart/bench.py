"""Benchmark of the CS-Cart upload: calls and wall time, at concurrency 1 and the default.

    python -m pimflow.bench cscart --products 10000 --latency-ms 20

Starts the sandbox Akeneo (a generated catalog) and stages it once, with the same
extraction functions the DAG's tasks call; then, for each concurrency, starts a fresh
sandbox CS-Cart with the given latency per call and runs the upload stages (categories,
features, products, removals, variations) in this process, as the tasks would, serving
the media files to the shop from a local MediaServer. Prints and writes (under `.bench/`)
the calls per route and the wall time of each stage; then runs the upload a second time
against the same shop, which must send no write.

`stage_catalog` and `upload_catalog` are also what the CS-Cart tests use to stage a catalog
and upload it without an Airflow run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pimflow.sandboxes import SANDBOX_CONNECTIONS, stop_sandbox

BIN = Path(sys.executable).parent
STAGES = ("categories", "features", "products", "removals", "variations")


def connect(name: str, url: str, **extra: Any) -> None:
    """Point the Airflow connection `<name>_default` at a sandbox (this process's env)."""
    connection = SANDBOX_CONNECTIONS[name](url)
    if extra:
        connection = {**connection, "extra": {**connection.get("extra", {}), **extra}}
    os.environ[f"AIRFLOW_CONN_{name.upper()}_DEFAULT"] = json.dumps(connection)


def stage_catalog(
    run_id: str,
    channel: str = "ecommerce",
    partitions: int = 2,
    dag_id: str = "akeneo_to_cscart",
    since: datetime | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Stage the catalog of `akeneo_default` (every extraction stage, in order); return the
    run folder and the structure summary the upload stages take. `since`: a delta read of
    what was updated after it."""
    from pimflow import config
    from pimflow.akeneo.catalog import SourceFilter, Window, extract_partition
    from pimflow.akeneo.linked import extract_assets, extract_records
    from pimflow.akeneo.media import extract_media
    from pimflow.akeneo.structure import extract_structure
    from pimflow.hooks.akeneo import AkeneoHook
    from pimflow.staging import run_folder
    from pimflow.state import StateStore

    hook = AkeneoHook("akeneo_default")
    folder = run_folder(dag_id, run_id)
    structure = extract_structure(hook, folder, channel, None, None, partitions)
    window = Window(since, datetime.now(UTC)) if since else None
    source = SourceFilter(channel, structure["locales"], window)
    for partition in structure["partitions"]:
        for entity in ("product_models", "products"):
            extract_partition(hook, folder, partition, entity, source)
    extract_records(hook, folder)
    extract_assets(hook, folder)
    store = StateStore(config.state_db_path())
    try:
        extract_media(hook, folder, store)
    finally:
        store.close()
    structure = {**structure, "folder": str(folder), "mode": "delta" if since else "full"}
    return folder, structure


def upload_catalog(
    folder: Any,
    structure: dict[str, Any],
    stages: tuple[str, ...] = STAGES,
    complete_read: bool = True,
    mapping: Any = None,
    dry_run: bool = False,
) -> dict[str, dict[str, Any]]:
    """Run the upload stages (cscart/stages.py, as the stage runner calls them) against
    `cscart_default`, each with its own hook (as the tasks do); return each stage's summary
    with its calls and seconds. `complete_read`: a full read, and removals done (as in a
    reconcile). `dry_run`: each stage on the core's stand-ins, as the runner gives them
    (pimflow/dry_run.py), each seeing what the stages before it saved in `folder`."""
    from pimflow import config
    from pimflow.cscart import stages as stage_functions
    from pimflow.cscart.config import load_mapping
    from pimflow.cscart.hook import CsCartHook
    from pimflow.dry_run import DryRun
    from pimflow.state import StateStore
    from pimflow.targets.base import StageContext
    from pimflow.targets.registry import target_type

    mapping = mapping or load_mapping()
    read = {"mode": "full" if complete_read else "delta", "reconcile": complete_read}
    results: dict[str, dict[str, Any]] = {}
    real_store = StateStore(config.state_db_path())
    try:
        for stage in stages:
            hook = CsCartHook("cscart_default")
            store: Any = real_store
            session = DryRun(folder, stage, upstream=results) if dry_run else None
            if session is not None:
                store = session.overlay(real_store)
                session.record(hook, target_type("cscart"))
            started = time.perf_counter()
            context = StageContext(
                target=None,
                hook=hook,
                store=store,
                folder=folder,
                structure={**structure, **read},
                inputs={},
                params={},
                mapping=mapping,
                dry_run=dry_run,
            )
            summary = getattr(stage_functions, stage)(context)
            summary["seconds"] = round(time.perf_counter() - started, 2)
            summary["by_route"] = dict(hook.calls)
            if session is not None:
                session.save()  # not store.close(): the real store serves every stage
                summary.update(dry_run=True, would_write=session.would_write())
            results[stage] = summary
            hook.close()
    finally:
        real_store.close()
    return results


# -- the benchmark program ------------------------------------------------------------------


def _start(args: list[str], workdir: Path, name: str) -> tuple[subprocess.Popen, str]:
    ready = workdir / f"{name}-ready.json"
    log = (workdir / f"{name}.log").open("w")
    process = subprocess.Popen(
        [str(BIN / "pimflow-sandbox"), *args, "--port", "0", "--ready-file", str(ready)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    while not ready.exists():
        if process.poll() is not None:
            raise SystemExit(f"the {name} sandbox did not start; see {workdir / (name + '.log')}")
        time.sleep(0.1)
    return process, json.loads(ready.read_text())[args[0]]


def route_pattern(route: str) -> str:
    """`PUT /api/products/12` → `PUT /api/products/{id}` (and a group's code → {ref})."""
    route = re.sub(r"/\d+(?=/|$)", "/{id}", route)
    return re.sub(r"(/product_variations_groups/)[^/{]+", r"\1{ref}", route)


def _totals(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    routes: Counter[str] = Counter()
    for summary in results.values():
        for route, count in summary["by_route"].items():
            routes[route_pattern(route)] += count
    writes = sum(n for route, n in routes.items() if not route.startswith("GET "))
    return {
        "calls": sum(s["calls"] for s in results.values()),
        "writes": writes,
        "seconds": round(sum(s["seconds"] for s in results.values()), 1),
        "by_route": dict(sorted(routes.items())),
        "counts": {stage: s["counts"] for stage, s in results.items()},
        "errors": sum(len(s["errors"]) for s in results.values()),
    }


def bench(products: int, latency_ms: float, concurrencies: list[int]) -> dict[str, Any]:
    from pimflow.cscart.hook import CsCartHook

    workdir = Path(tempfile.mkdtemp(prefix="pimflow-bench-cscart-"))
    os.environ["PIMFLOW_HOME"] = str(workdir / "home")
    os.environ.setdefault("AIRFLOW_HOME", str(workdir / "airflow"))
    os.environ.pop("PIMFLOW_MEDIA_BASE_URL", None)
    akeneo, akeneo_url = _start(["akeneo", "--catalog", str(products)], workdir, "akeneo")
    runs = []
    try:
        connect("akeneo", akeneo_url)
        started = time.perf_counter()
        folder, structure = stage_catalog("bench_cscart", partitions=4)
        staging_seconds = round(time.perf_counter() - started, 1)
        for concurrency in concurrencies:
            shop, shop_url = _start(
                ["cscart", "--latency-ms", str(latency_ms)], workdir, f"cscart-{concurrency}"
            )
            try:
                extra = {"max_concurrency": concurrency} if concurrency else {}
                connect("cscart", shop_url, **extra)
                effective = CsCartHook("cscart_default").max_concurrency
                # Each shop starts empty: so must the state store.
                state = workdir / "home" / "state.sqlite"
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{state}{suffix}").unlink(missing_ok=True)
                first = _totals(upload_catalog(folder, structure))
                second = _totals(upload_catalog(folder, structure))
                runs.append({"concurrency": effective, "first_run": first, "second_run": second})
                print(render(products, latency_ms, runs[-1]), flush=True)
            finally:
                stop_sandbox(shop)
    finally:
        stop_sandbox(akeneo)
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "products": products,
        "latency_ms": latency_ms,
        "staging_seconds": staging_seconds,
        "runs": runs,
    }


def render(products: int, latency_ms: float, run: dict[str, Any]) -> str:
    first, second = run["first_run"], run["second_run"]
    counts = first["counts"]["products"]["product"]
    routes = ", ".join(f"{route} {n}" for route, n in first["by_route"].items())
    return "\n".join(
        [
            f"== CS-Cart upload of {products:,} products, {latency_ms:g} ms per call, "
            f"concurrency {run['concurrency']}",
            f"   first run: {first['calls']:,} calls ({first['writes']:,} writes) in "
            f"{first['seconds']} s; products {counts['created']:,} created, "
            f"{counts['failed']} failed; {first['errors']} errors",
            f"   calls by route: {routes}",
            f"   second run: {second['calls']:,} calls ({second['writes']} writes) in "
            f"{second['seconds']} s",
        ]
    )


def main(products: int, latency_ms: float, concurrencies: list[int], out: Path) -> int:
    result = bench(products, latency_ms, concurrencies)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"figures written to {out} (staging took {result['staging_seconds']} s)")
    return 0
