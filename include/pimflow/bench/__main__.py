"""python -m pimflow.bench extract|shopware6|cscart [--products N ...] (see each program's --help)"""

from __future__ import annotations

import argparse
import sys

from pimflow.run import REPO


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pimflow.bench")
    sub = parser.add_subparsers(dest="bench", required=True)
    extract = sub.add_parser("extract", help="Akeneo extraction: calls, time, memory, media")
    extract.add_argument("--products", type=int, nargs="+", default=[10_000, 100_000])
    extract.add_argument("--partitions", type=int, default=4)
    shopware6 = sub.add_parser("shopware6", help="Shopware upload: sync calls vs minimum and naive")
    shopware6.add_argument("--products", type=int, nargs="+", default=[10_000, 100_000])
    shopware6.add_argument("--batch-sizes", type=int, nargs="+", default=[250, 50, 100, 500])
    shopware6.add_argument("--naive-sample", type=int, default=10_000)
    shopware6.add_argument(
        "--latency-ms", type=float, default=20, help="the shop's per-call latency"
    )
    cscart = sub.add_parser("cscart", help="CS-Cart upload: calls and wall time per concurrency")
    cscart.add_argument("--products", type=int, default=10_000)
    cscart.add_argument("--latency-ms", type=float, default=20.0)
    cscart.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        default=[1, 0],
        help="calls in flight to the shop; 0: the connection's default",
    )
    args = parser.parse_args(argv)
    if args.bench == "cscart":
        from pimflow.bench.cscart import main as run_cscart

        return run_cscart(
            args.products, args.latency_ms, args.concurrency, REPO / ".bench" / "cscart.json"
        )
    if args.bench == "extract":
        from pimflow.bench.extract import main as run

        return run(args.products, args.partitions, REPO / ".bench" / "extract.json")
    if args.bench == "shopware6":
        from pimflow.bench.shopware6 import main as run_shopware6

        return run_shopware6(
            args.products,
            args.batch_sizes,
            args.naive_sample,
            args.latency_ms,
            REPO / ".bench" / "shopware6.json",
        )
    return 2


if __name__ == "__main__":
    sys.exit(main())
