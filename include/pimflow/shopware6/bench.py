"""Benchmark of the Shopware 6 upload: sync calls and wall time against the minimum.

    python -m pimflow.bench shopware6 --products 10000 100000

For each size: the catalog is staged from the sandbox Akeneo (without media files, whose
uploads cost one call per distinct file whatever the writer), then written into a fresh
sandbox Shopware (its own process) by pimflow's batched writer, whose minimum is one sync
call per batch; then by a naive writer (one sync call per product, parents first) in the
same run, on all products up to --naive-sample and timed per product. The naive writer
sends pimflow's own payloads (its products stage run with the sync calls recorded, not
sent), so only the calling pattern differs; the bench then checks that both shops hold
the same products (counts, and a sample read from both) and fails if they do not. At the
first size, the batched upload is repeated for each of --batch-sizes, which is how the
default batch size was chosen.
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
from pimflow.sandboxes import SANDBOX_CONNECTIONS, stop_sandbox

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
    stage_seconds: dict[str, float] = {}
    sync_calls, started = 0, time.perf_counter()
    for stage in STAGES:
        stage_started = time.perf_counter()
        summary = getattr(Shopware6Upload(hook, store, folder, mapping), stage)()
        stage_seconds[stage] = round(time.perf_counter() - stage_started, 2)
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
        "stage_seconds": stage_seconds,
    }


def _pimflow_product_payloads(hook, store, folder, mapping, limit: int) -> list[dict]:  # noqa: ANN001
    """The product payloads pimflow's writer sends to this shop, parents first, in its
    order: its products stage run with the hook's sync recording instead of sending (the
    writer is told every batch landed). Only its reads reach the shop."""
    from pimflow.shopware6.upload import Shopware6Upload

    sent: list[dict] = []

    def record(operations: dict[str, dict[str, Any]], *, fail_on_error: bool = True):  # noqa: ANN202, ARG001
        for operation in operations.values():
            if operation["entity"] == "product" and operation["action"] == "upsert":
                sent.extend(operation["payload"][: max(0, limit - len(sent))])
        return 200, {}

    hook.sync = record  # this hook instance only
    try:
        Shopware6Upload(hook, store, folder, mapping).products()
    finally:
        del hook.sync
    return sent


def _naive(folder, sample: int, conn_id: str, state_db: Path) -> dict[str, Any]:  # noqa: ANN001
    """One sync call per product (parents first), as a connector without batching does,
    with pimflow's own payloads: the same mapper output, only the calling pattern differs.
    The shop gets pimflow's structure first (untimed: both writers need it)."""
    from pimflow.shopware6.config import with_defaults
    from pimflow.shopware6.hook import Shopware6Hook
    from pimflow.shopware6.upload import Shopware6Upload
    from pimflow.state import StateStore

    hook = Shopware6Hook(conn_id)
    mapping = with_defaults({"media": {"attributes": []}})
    store = StateStore(state_db)
    try:
        Shopware6Upload(hook, store, folder, mapping).structure()
        payloads = _pimflow_product_payloads(hook, store, folder, mapping, sample)
    finally:
        store.close()
    refused: list[str] = []
    started = time.perf_counter()
    for payload in payloads:
        status, body = hook.sync(
            {"upsert-product": {"entity": "product", "action": "upsert", "payload": [payload]}}
        )
        if status >= 400:
            refused.append(f"{payload.get('productNumber')}: {str(body)[:200]}")
    seconds = time.perf_counter() - started
    return {
        "products": len(payloads),
        "parents": sum(1 for p in payloads if p.get("configuratorSettings")),
        "sync_calls": len(payloads),
        "refused": len(refused),
        "refused_sample": refused[:5],
        "wall_seconds": round(seconds, 1),
        "ms_per_product": round(1000 * seconds / max(1, len(payloads)), 2),
        "ids": [p["id"] for p in payloads],
    }


# Fields the shop sets itself, which differ between two shops however the rows were written.
SHOP_SET_FIELDS = ("createdAt", "updatedAt", "autoIncrement")


def same_products(
    reference_conn: str, naive_conn: str, ids: list[str], sample: int = 25
) -> dict[str, Any]:
    """Whether the naive writer's shop holds what pimflow's wrote: its product count is
    what it wrote, the batched shop has every one of them, and `sample` of them (spread
    over the list, so parents and variants) read the same from both shops."""
    from pimflow.shopware6.hook import Shopware6Hook

    reference, naive = Shopware6Hook(reference_conn), Shopware6Hook(naive_conn)

    def total(hook: Shopware6Hook) -> int:
        return int(hook.search("product", {"limit": 1, "total-count-mode": 1})["total"])

    naive_total, reference_total = total(naive), total(reference)
    # A sample (fewer products than pimflow wrote) leaves some variants out of the naive
    # shop by design, so a parent's childCount, which the shop counts, differs there.
    ignored = SHOP_SET_FIELDS + (("childCount",) if len(ids) < reference_total else ())

    def rows(hook: Shopware6Hook, chosen: list[str]) -> dict[str, dict[str, Any]]:
        found = hook.search("product", {"ids": chosen, "limit": len(chosen)}).get("data", [])
        return {row["id"]: {k: v for k, v in row.items() if k not in ignored} for row in found}

    step = max(1, len(ids) // sample)
    chosen = ids[::step][:sample]
    if ids and ids[-1] not in chosen:
        chosen.append(ids[-1])
    left, right = rows(reference, chosen), rows(naive, chosen)
    differing = {
        i: sorted(
            key
            for key in (left.get(i) or {}).keys() | (right.get(i) or {}).keys()
            if (left.get(i) or {}).get(key) != (right.get(i) or {}).get(key)
        )
        or ["(missing)"]
        for i in chosen
        if i not in left or i not in right or left[i] != right[i]
    }
    missing = len(ids) - len(reference.existing_ids("product", ids, chunk=500))
    return {
        "naive_products_in_shop": naive_total,
        "reference_products_in_shop": reference_total,
        "written_by_naive_missing_from_reference": missing,
        "sample_compared": len(chosen),
        "sample_differing": differing,
        "same": naive_total == len(ids) and missing == 0 and not differing,
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
        # The first batch size's shop stays up: the naive writer's is compared with it.
        shops = []
        try:
            for index, batch_size in enumerate(batch_sizes):
                shop, url, _ = start_sandbox(0, workdir, "shopware6", latency_ms)
                shops.append(shop)
                # A fresh shop, so a connection of its own (Airflow caches connections).
                conn_id = f"shopware6_batch_{batch_size}"
                _connect(conn_id, url)
                state = workdir / f"state-{batch_size}.sqlite"
                runs.append(_batched(folder, batch_size, state, conn_id))
                print(
                    f"   batch {batch_size}: {runs[-1]['sync_calls']} sync calls "
                    f"(minimum {runs[-1]['sync_calls_minimum']}), {runs[-1]['wall_seconds']} s",
                    flush=True,
                )
                if index > 0:
                    stop_sandbox(shops.pop())
            shop, url, _ = start_sandbox(0, workdir, "shopware6", latency_ms)
            shops.append(shop)
            _connect("shopware6_naive", url)
            naive = _naive(folder, naive_sample, "shopware6_naive", workdir / "state-naive.sqlite")
            ids = naive.pop("ids")
            comparison = same_products(f"shopware6_batch_{batch_sizes[0]}", "shopware6_naive", ids)
        finally:
            for shop in shops:
                stop_sandbox(shop)
        return {
            "products": products,
            "shop_latency_ms": latency_ms,
            "read": read,
            "staging_seconds": round(staging_seconds, 1),
            "batched": runs,
            "naive": naive,
            "same_products": comparison,
        }
    finally:
        stop_sandbox(akeneo)
        shutil.rmtree(workdir, ignore_errors=True)


def _connect(conn_id: str, url: str) -> None:
    os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(
        SANDBOX_CONNECTIONS["shopware6"](url)
    )


def render(result: dict[str, Any]) -> str:
    best = result["batched"][0]
    naive = result["naive"]
    same = result["same_products"]
    product_rows = best["rows_written"].get("product", 0)
    # The same payloads, written by pimflow's products stage: the like-for-like time.
    batched_products = best["stage_seconds"]["products"]
    naive_projection = naive["ms_per_product"] * product_rows / 1000
    return "\n".join(
        [
            f"== Shopware upload of {result['products']:,} products, shop latency "
            f"{result['shop_latency_ms']:g} ms per call "
            f"({result['read']['products']:,} products and {result['read']['product_models']:,} models staged)",
            f"   batched (batch {best['batch_size']}): {best['sync_calls']} sync calls vs "
            f"{best['sync_calls_minimum']} minimum (one per batch) → "
            f"{best['sync_calls'] / max(1, best['sync_calls_minimum']):.3f}×, {best['wall_seconds']} s "
            f"(products stage {batched_products} s); rows written {best['rows_written']}",
            f"   naive (one sync call per product, pimflow's payloads): {naive['products']:,} "
            f"products ({naive['parents']:,} parents, {naive['refused']} refused) in "
            f"{naive['wall_seconds']} s = {naive['ms_per_product']} ms each → "
            f"{product_rows:,} products ≈ {naive_projection:.0f} s and {product_rows:,} calls "
            f"({naive_projection / max(0.01, batched_products):.1f}× the products stage's time, "
            f"{product_rows / max(1, best['sync_calls']):.0f}× the calls)",
            f"   same products in both shops: {'yes' if same['same'] else 'NO'} (naive shop "
            f"{same['naive_products_in_shop']:,}, batched shop {same['reference_products_in_shop']:,}; "
            f"{same['written_by_naive_missing_from_reference']} missing from the batched shop; "
            f"{same['sample_compared']} compared, differing: {same['sample_differing'] or 'none'})",
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
    # Timings of two writers that did not write the same products compare nothing.
    return (
        0 if all(r["same_products"]["same"] and not r["naive"]["refused"] for r in results) else 1
    )
