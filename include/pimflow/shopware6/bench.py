"""Benchmark of the Shopware 6 upload: sync calls and wall time against the minimum.

    python -m pimflow.bench shopware6 --products 10000 100000

For each size: the catalog is staged from the sandbox Akeneo (without media files, whose
uploads cost one call per distinct file whatever the writer), then written into a fresh
sandbox Shopware (its own process) by pimflow's batched writer, whose minimum is one sync
call per batch; then by a naive writer (one sync call per product, parents first) in the
same run, on all products up to --naive-sample and timed per product. At the first size,
the batched upload is repeated for each of --batch-sizes, which is how the default batch
size was chosen.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pimflow.bench.extract import run_stage, start_sandbox
from pimflow.sandboxes import SANDBOX_CONNECTIONS

STAGES = ("structure", "products", "cross_sellings")


def _stage_catalog(env: dict[str, str], run_id: str) -> dict[str, Any]:
    structure = run_stage(env, {"stage": "structure", "run_id": run_id, "partitions": 4})
    specs = [
        {"stage": entity, "run_id": run_id, "partition": partition}
        for entity in ("product_models", "products")
        for partition in structure["result"]["partitions"]
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        staged = list(pool.map(lambda spec: run_stage(env, spec), specs))
    for stage in ("reference_entities", "assets"):
        run_stage(env, {"stage": stage, "run_id": run_id})
    return {
        "products": sum(s["result"].get("products", 0) for s in staged),
        "product_models": sum(s["result"].get("product_models", 0) for s in staged),
    }


def _batched(folder, batch_size: int, state_db: Path, conn_id: str) -> dict[str, Any]:  # noqa: ANN001
    from pimflow.shopware6.config import with_defaults
    from pimflow.shopware6.hook import Shopware6Hook
    from pimflow.shopware6.upload import Shopware6Upload
    from pimflow.state import StateStore

    mapping = with_defaults({"batch_size": batch_size, "media": {"attributes": []}})
    store = StateStore(state_db)
    hook = Shopware6Hook(conn_id)
    counts: dict[str, int] = {}
    sync_calls, started = 0, time.perf_counter()
    for stage in STAGES:
        summary = getattr(Shopware6Upload(hook, store, folder, mapping), stage)()
        sync_calls += summary["sync_calls"]
        for entity, entity_counts in summary["counts"].items():
            counts[entity] = (
                counts.get(entity, 0) + entity_counts["created"] + entity_counts["updated"]
            )
    store.close()
    minimum = sum(math.ceil(n / batch_size) for n in counts.values() if n)
    return {
        "batch_size": batch_size,
        "rows_written": counts,
        "sync_calls": sync_calls,
        "sync_calls_minimum": minimum,
        "calls_total": hook.total_calls,
        "wall_seconds": round(time.perf_counter() - started, 1),
    }


def _naive(folder, sample: int, conn_id: str) -> dict[str, Any]:  # noqa: ANN001
    """One sync call per product (parents first), as a connector without batching does."""
    from pimflow.akeneo.datasets import PRODUCT_MODELS, PRODUCTS
    from pimflow.akeneo.structure import load_channel
    from pimflow.shopware6.config import with_defaults
    from pimflow.shopware6.hook import Shopware6Hook
    from pimflow.shopware6.mapping import MappingError, ProductMapper
    from pimflow.shopware6.upload import load_catalog, load_shop_context
    from pimflow.staging import read_rows

    hook = Shopware6Hook(conn_id)
    mapping = with_defaults({"media": {"attributes": []}})
    shop = load_shop_context(hook, load_channel(folder)["locales"], mapping)
    mapper = ProductMapper(load_catalog(folder), shop, mapping)
    models = {m["code"]: m for m in read_rows(folder, PRODUCT_MODELS)}
    parents = {}
    for code, model in models.items():
        if not model["parent"]:
            try:
                parents[code] = mapper.parent(model, None, [])
            except MappingError:
                continue
    payloads = [p.payload for p in parents.values()]
    for product in read_rows(folder, PRODUCTS):
        if len(payloads) >= sample:
            break
        root = product["parent"]
        while root and models.get(root, {}).get("parent"):
            root = models[root]["parent"]
        try:
            mapped = (
                mapper.variant(product, models[root], parents[root])
                if root in parents
                else mapper.simple(product)
            )
        except MappingError:
            continue
        payloads.append(mapped.payload)
    calls, started = 0, time.perf_counter()
    for payload in payloads[:sample]:
        hook.sync({"upsert": {"entity": "product", "action": "upsert", "payload": [payload]}})
        calls += 1
    seconds = time.perf_counter() - started
    return {
        "products": calls,
        "sync_calls": calls,
        "wall_seconds": round(seconds, 1),
        "ms_per_product": round(1000 * seconds / max(1, calls), 2),
    }


def bench_size(
    products: int, batch_sizes: list[int], naive_sample: int, latency_ms: float
) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"pimflow-bench-sw-{products}-"))
    akeneo, akeneo_url, _ = start_sandbox(products, workdir)
    try:
        env = dict(os.environ)
        env.update(
            PIMFLOW_HOME=str(workdir / "home"),
            AIRFLOW_HOME=str(workdir / "airflow"),
            AIRFLOW_CONN_AKENEO_DEFAULT=json.dumps(SANDBOX_CONNECTIONS["akeneo"](akeneo_url)),
        )
        os.environ.update({k: env[k] for k in ("PIMFLOW_HOME", "AIRFLOW_HOME")})
        started = time.perf_counter()
        read = _stage_catalog(env, "bench")
        staging_seconds = time.perf_counter() - started
        from pimflow.staging import run_folder

        folder = run_folder("bench", "bench")
        runs = []
        for batch_size in batch_sizes:
            shop, url, _ = start_sandbox(0, workdir, "shopware6", latency_ms)
            try:
                # A fresh shop, so a connection of its own (Airflow caches connections).
                conn_id = f"shopware6_batch_{batch_size}"
                os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(
                    SANDBOX_CONNECTIONS["shopware6"](url)
                )
                state = workdir / f"state-{batch_size}.sqlite"
                runs.append(_batched(folder, batch_size, state, conn_id))
                print(
                    f"   batch {batch_size}: {runs[-1]['sync_calls']} sync calls "
                    f"(minimum {runs[-1]['sync_calls_minimum']}), {runs[-1]['wall_seconds']} s",
                    flush=True,
                )
            finally:
                shop.terminate()
                shop.wait(timeout=30)
        shop, url, _ = start_sandbox(0, workdir, "shopware6", latency_ms)
        try:
            os.environ["AIRFLOW_CONN_SHOPWARE6_NAIVE"] = json.dumps(
                SANDBOX_CONNECTIONS["shopware6"](url)
            )
            naive = _naive(folder, naive_sample, "shopware6_naive")
        finally:
            shop.terminate()
            shop.wait(timeout=30)
        return {
            "products": products,
            "shop_latency_ms": latency_ms,
            "read": read,
            "staging_seconds": round(staging_seconds, 1),
            "batched": runs,
            "naive": naive,
        }
    finally:
        akeneo.terminate()
        akeneo.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


def render(result: dict[str, Any]) -> str:
    best = result["batched"][0]
    naive = result["naive"]
    product_rows = best["rows_written"].get("product", 0)
    naive_projection = naive["ms_per_product"] * product_rows / 1000
    return "\n".join(
        [
            f"== Shopware upload of {result['products']:,} products, shop latency "
            f"{result['shop_latency_ms']:g} ms per call "
            f"({result['read']['products']:,} products and {result['read']['product_models']:,} models staged)",
            f"   batched (batch {best['batch_size']}): {best['sync_calls']} sync calls vs "
            f"{best['sync_calls_minimum']} minimum (one per batch) → "
            f"{best['sync_calls'] / max(1, best['sync_calls_minimum']):.3f}×, {best['wall_seconds']} s; "
            f"rows written {best['rows_written']}",
            f"   naive (one sync call per product): {naive['products']:,} products in "
            f"{naive['wall_seconds']} s = {naive['ms_per_product']} ms each → "
            f"{product_rows:,} products ≈ {naive_projection:.0f} s and {product_rows:,} calls "
            f"({naive_projection / max(0.1, best['wall_seconds']):.1f}× the time, "
            f"{product_rows / max(1, best['sync_calls']):.0f}× the calls)",
        ]
    )


def main(
    sizes: list[int], batch_sizes: list[int], naive_sample: int, latency_ms: float, out: Path
) -> int:
    results = []
    for index, size in enumerate(sizes):
        chosen = batch_sizes if index == 0 else batch_sizes[:1]
        result = bench_size(size, chosen, naive_sample, latency_ms)
        print(render(result), flush=True)
        results.append(result)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"results": results}, indent=2))
    print(f"figures written to {out}")
    return 0
