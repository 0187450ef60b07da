"""Benchmark of the Akeneo extraction: calls against the minimum, wall time, memory.

    python -m pimflow.bench extract --products 10000 100000

For each size: starts the sandbox Akeneo on a generated catalog (its default limit of 4
concurrent calls per token), runs every extraction stage in its own process (as Airflow
tasks), counts the calls the sandbox served, and compares them with the minimum the API
allows: one call per page of 100 of every list read, plus one per item endpoint. Then
runs the media stage a second time, which must download 0 bytes.

In the same run, the products and product models stages are timed against a plain reader
of the same items on the PyPI client `akeneo-api-client` (bench/peer.py: pages of 100,
search_after, the same scope and locales), one process at a time, and the ratio
pimflow / peer printed per stage: against a peer reading each partition's searches (the
same pages), and against its one search of every family (compare_with_peer). The client is a dev requirement: `make bench` installs
the dev requirements (`make install-dev`) first.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from pimflow.sandboxes import SANDBOX_CONNECTIONS, stop_sandbox

BIN = Path(sys.executable).parent


def pages(count: int) -> int:
    """Pages of 100 to read `count` items; an empty list still costs one call."""
    return max(1, math.ceil(count / 100))


def start_sandbox(
    products: int, workdir: Path, name: str = "akeneo", latency_ms: float = 0
) -> tuple[subprocess.Popen, str, float]:
    """A sandbox in its own process (so its CPU is not ours); (process, url, start-up s)."""
    ready = workdir / f"ready-{name}.json"
    ready.unlink(missing_ok=True)  # a previous server's address must not be taken for this one
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            str(BIN / "pimflow-sandbox"),
            name,
            "--port",
            "0",
            "--catalog",
            str(products) if name == "akeneo" else "empty",
            "--ready-file",
            str(ready),
            "--latency-ms",
            str(latency_ms),
        ],
        stdout=(workdir / f"sandbox-{name}.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    while not ready.exists():
        if process.poll() is not None:
            raise SystemExit(f"sandbox {name} failed; see {workdir / f'sandbox-{name}.log'}")
        time.sleep(0.2)
    return process, json.loads(ready.read_text())[name], time.perf_counter() - started


def run_program(module: str, env: dict[str, str], spec: dict[str, Any], what: str) -> dict:
    """`python -m <module> '<spec as JSON>'` in its own process; its last line, as JSON."""
    output = subprocess.run(
        [sys.executable, "-m", module, json.dumps(spec)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if output.returncode != 0:
        raise SystemExit(f"{what} failed:\n{output.stderr[-3000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def run_stage(env: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    return run_program("pimflow.bench.stage", env, spec, f"stage {spec['stage']}")


def minimum_calls(
    url: str, structure: dict[str, Any], read: dict[str, int], linked: dict
) -> dict[str, int]:
    """The fewest calls any client needs for the same data, from what the API holds."""
    auth = requests.post(
        f"{url}/api/oauth/v1/token",
        json={"grant_type": "password", "username": "admin", "password": "admin"},
        auth=("pimflow", "pimflow-secret"),
        timeout=30,
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {auth}"}

    def count(path: str) -> int:
        body = requests.get(
            f"{url}/api/rest/v1/{path}",
            params={"limit": 1, "with_count": "true"},
            headers=headers,
            timeout=30,
        ).json()
        return int(body["items_count"])

    counts = structure["counts"]
    option_attributes = _option_counts(structure)
    minimum = {
        "token": 1,
        "channel": 1,
        "attributes": pages(counts["attributes"]),
        "attribute_options": sum(pages(n) for n in option_attributes.values()),
        "families": pages(counts["families"]),
        "family_variants": sum(pages(n) for n in structure["_variants_per_family"].values()),
        "categories": pages(count("categories")),
        "measurement_families": 1,
        "products": pages(read["products"]),
        "product_models": pages(read["product_models"]),
    }
    minimum.update(linked)
    return minimum


def _option_counts(structure: dict[str, Any]) -> dict[str, int]:
    return structure["_options_per_attribute"]


def bench_size(products: int, partitions: int) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"pimflow-bench-{products}-"))
    process, url, startup = start_sandbox(products, workdir)
    try:
        env = dict(os.environ)
        env["PIMFLOW_HOME"] = str(workdir / "home")
        env["AIRFLOW_HOME"] = str(workdir / "airflow")
        env["AIRFLOW_CONN_AKENEO_DEFAULT"] = json.dumps(SANDBOX_CONNECTIONS["akeneo"](url))
        requests.delete(f"{url}/_sandbox/stats", timeout=10)
        run_id = f"bench_{products}"
        wall = time.perf_counter()
        structure = run_stage(
            env, {"stage": "structure", "run_id": run_id, "partitions": partitions}
        )
        plan = structure["result"]["partitions"]
        stages: list[dict[str, Any]] = [structure]

        # Mapped tasks: up to 4 at once, like the Akeneo pool.
        specs = [
            {"stage": entity, "run_id": run_id, "partition": partition}
            for entity in ("product_models", "products")
            for partition in plan
        ]
        with ThreadPoolExecutor(max_workers=4) as pool:
            stages += list(pool.map(lambda spec: run_stage(env, spec), specs))
        for stage in ("reference_entities", "assets", "media"):
            stages.append(run_stage(env, {"stage": stage, "run_id": run_id}))
        wall = time.perf_counter() - wall
        served = requests.get(f"{url}/_sandbox/stats", timeout=10).json()
        peer = compare_with_peer(env, run_id, plan, structure["result"])

        requests.delete(f"{url}/_sandbox/stats", timeout=10)
        second_media = run_stage(env, {"stage": "media", "run_id": run_id})

        read = {
            "products": sum(
                s["result"].get("products", 0) for s in stages if s["stage"] == "products"
            ),
            "product_models": sum(
                s["result"].get("product_models", 0)
                for s in stages
                if s["stage"] == "product_models"
            ),
        }
        by_route: Counter[str] = Counter()
        for stage in stages:
            by_route.update(stage["calls"])
        structure_result = _structure_details(env, run_id, structure["result"])
        linked = {
            "records": _route_calls(by_route, "/records"),
            "assets": _route_calls(by_route, "/assets"),
            "linked attributes": _route_calls(
                by_route, "/attributes", exclude="/api/rest/v1/attributes"
            ),
            "media downloads": stages[-1]["result"]["downloaded"],
        }
        minimum = minimum_calls(url, structure_result, read, linked)
        token_calls = by_route.get("POST /api/oauth/v1/token", 0)
        made = served["total"]
        minimum_total = sum(minimum.values())
        return {
            "products": products,
            "read": read,
            "partitions": len(plan),
            "catalog_generation_seconds": round(startup, 1),
            "wall_seconds": round(wall, 1),
            "calls": made,
            "calls_minimum": minimum_total,
            "calls_ratio": round(made / minimum_total, 3),
            "token_calls": token_calls,
            "data_calls_ratio": round((made - token_calls) / (minimum_total - 1), 3),
            "minimum_breakdown": minimum,
            "peak_rss_mb": {
                "products_task_max": round(
                    max(s["peak_rss_mb"] for s in stages if s["stage"] == "products"), 1
                ),
                "any_task_max": round(max(s["peak_rss_mb"] for s in stages), 1),
            },
            "media_first_pass": stages[-1]["result"],
            "media_second_pass": {
                "downloaded": second_media["result"]["downloaded"],
                "bytes_downloaded": second_media["result"]["bytes_downloaded"],
                "reused": second_media["result"]["reused"],
                "calls": requests.get(f"{url}/_sandbox/stats", timeout=10).json()["total"],
            },
            "statuses": served["statuses"],
            "peer": peer,
        }
    finally:
        stop_sandbox(process)
        shutil.rmtree(workdir, ignore_errors=True)


def compare_with_peer(
    env: dict[str, str], run_id: str, plan: list[dict[str, Any]], structure: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """pimflow's product and model stages against a plain akeneo-api-client reader
    (bench/peer.py), per entity, one process at a time on an otherwise idle sandbox (the
    4-at-once pass above shares 2 cores, which would weigh on pimflow alone).

    The ratio compares the same work: per partition, pimflow's task and then a peer
    process reading that partition's searches (the same pages, the same query, each side
    with its own token and clock), both summed; partition by partition, so a load that
    comes and goes on the machine weighs on both. The peer's one read of every family in
    a single search (the fewest pages) is timed as well, as `one_read`."""
    from pimflow.akeneo.catalog import SourceFilter, partition_queries
    from pimflow.akeneo.search import MODELS_PATH, PRODUCTS_PATH

    source = SourceFilter(structure["channel"], structure["locales"])
    compared = {}
    for entity in ("product_models", "products"):
        for_products = entity == "products"
        path = PRODUCTS_PATH if for_products else MODELS_PATH
        spec = {"entity": entity, "channel": structure["channel"], "locales": structure["locales"]}
        stages, peers = [], []
        for partition in plan:
            stages.append(
                run_stage(env, {"stage": entity, "run_id": run_id, "partition": partition})
            )
            queries = list(partition_queries(path, source, partition[entity], for_products))
            peers.append(
                run_program("pimflow.bench.peer", env, {**spec, "queries": queries}, "the peer")
            )
        one_read = run_program("pimflow.bench.peer", env, spec, "the peer reader")
        pimflow_seconds = sum(s["seconds"] for s in stages)
        peer_seconds = sum(p["seconds"] for p in peers)
        compared[entity] = {
            "pimflow_items": sum(s["result"].get(entity, 0) for s in stages),
            "pimflow_seconds": round(pimflow_seconds, 2),
            "pimflow_peak_rss_mb": round(max(s["peak_rss_mb"] for s in stages), 1),
            "peer_items": sum(p["items"] for p in peers),
            "peer_pages": sum(p["pages"] for p in peers),
            "peer_seconds": round(peer_seconds, 2),
            "peer_peak_rss_mb": round(max(p["peak_rss_mb"] for p in peers), 1),
            "ratio": _ratio(pimflow_seconds, peer_seconds),
            "one_read": {
                "items": one_read["items"],
                "pages": one_read["pages"],
                "seconds": round(one_read["seconds"], 2),
                "ratio": _ratio(pimflow_seconds, one_read["seconds"]),
            },
        }
    return compared


def _ratio(seconds: float, peer_seconds: float) -> float | None:
    return round(seconds / peer_seconds, 2) if peer_seconds else None


def _route_calls(by_route: Counter[str], fragment: str, exclude: str | None = None) -> int:
    return sum(
        n
        for route, n in by_route.items()
        if fragment in route
        and (exclude is None or exclude not in route)
        and route.startswith("GET")
        and "/download" not in route
    )


def _structure_details(env: dict[str, str], run_id: str, result: dict[str, Any]) -> dict[str, Any]:
    """Options per select attribute and variants per family, from the staged tables."""
    os.environ["PIMFLOW_HOME"] = env["PIMFLOW_HOME"]
    from pimflow.akeneo.datasets import ATTRIBUTE_OPTIONS, ATTRIBUTES, FAMILIES, FAMILY_VARIANTS
    from pimflow.akeneo.structure import OPTION_TYPES
    from pimflow.staging import read_rows, run_folder

    folder = run_folder("bench", run_id)
    options: Counter[str] = Counter(
        row["attribute"] for row in read_rows(folder, ATTRIBUTE_OPTIONS)
    )
    selects = [r["code"] for r in read_rows(folder, ATTRIBUTES) if r["type"] in OPTION_TYPES]
    variants: Counter[str] = Counter(row["family"] for row in read_rows(folder, FAMILY_VARIANTS))
    families = [r["code"] for r in read_rows(folder, FAMILIES)]
    return {
        **result,
        "_options_per_attribute": {code: options.get(code, 0) for code in selects},
        "_variants_per_family": {code: variants.get(code, 0) for code in families},
    }


def render(result: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"== extraction of {result['products']:,} products ({result['read']['products']:,} read, "
            f"{result['read']['product_models']:,} product models; {result['partitions']} partitions)",
            f"   calls: {result['calls']} made vs {result['calls_minimum']} minimum → "
            f"{result['calls_ratio']:.3f}× ({result['token_calls']} token grants, one per task; "
            f"data calls {result['data_calls_ratio']:.3f}×)",
            f"   wall time: {result['wall_seconds']} s (catalog generated in "
            f"{result['catalog_generation_seconds']} s)",
            f"   peak memory: products task {result['peak_rss_mb']['products_task_max']} MB, "
            f"any task {result['peak_rss_mb']['any_task_max']} MB",
            f"   media: first pass {result['media_first_pass']['downloaded']} files / "
            f"{result['media_first_pass']['bytes_downloaded']:,} bytes; second pass "
            f"{result['media_second_pass']['downloaded']} files / "
            f"{result['media_second_pass']['bytes_downloaded']} bytes "
            f"({result['media_second_pass']['calls']} calls)",
            *(
                f"   {entity} vs a plain akeneo-api-client reader of the same searches: "
                f"pimflow {peer['pimflow_items']:,} in {peer['pimflow_seconds']} s, peer "
                f"{peer['peer_items']:,} in {peer['peer_seconds']} s → {peer['ratio']}× "
                f"(the peer in one search of every family: {peer['one_read']['items']:,} "
                f"in {peer['one_read']['seconds']} s → {peer['one_read']['ratio']}×)"
                for entity, peer in result["peer"].items()
            ),
        ]
    )


def main(sizes: list[int], partitions: int, out: Path) -> int:
    results = []
    for size in sizes:
        result = bench_size(size, partitions)
        print(render(result), flush=True)
        results.append(result)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": machine(), "results": results}, indent=2))
    print(f"figures written to {out}")
    return 0


def machine() -> dict[str, Any]:
    import platform

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
