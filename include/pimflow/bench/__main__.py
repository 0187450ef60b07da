"""python -m pimflow.bench extract|e2e|<target type> [--products N ...] (see each --help)

`extract` is the Akeneo extraction's bench (with a plain akeneo-api-client reader as its
peer: `make bench` installs the dev requirements for it); `e2e` runs a target's real DAG
through `python -m pimflow.run sync`, full then unchanged, against the floor the APIs'
latency sets; every registered target may add its own upload bench under its type name
(`ShopTarget.bench`).
"""

from __future__ import annotations

import argparse
import sys

from pimflow.run import REPO


def main(argv: list[str] | None = None) -> int:
    from pimflow.targets.registry import target_types

    parser = argparse.ArgumentParser(prog="python -m pimflow.bench")
    sub = parser.add_subparsers(dest="bench", required=True)
    extract = sub.add_parser("extract", help="Akeneo extraction: calls, time, memory, media")
    extract.add_argument("--products", type=int, nargs="+", default=[10_000, 100_000])
    extract.add_argument("--partitions", type=int, default=4)
    e2e = sub.add_parser(
        "e2e",
        help="the real DAG through `python -m pimflow.run sync`: full, then unchanged",
        description="Per size: the sandbox Akeneo on a generated catalog and the target's "
        "sandbox shop, empty, each with --latency-ms per call, in their own processes; a "
        "full `python -m pimflow.run sync`, then the same command unchanged. Prints and "
        "writes to .bench/e2e.json: wall time, calls and the floor per API, each task's "
        "time, peak RSS, and the rerun's writes and media bytes (both must be 0).",
        epilog="The issue's measurement (one size after the other; 100,000 products take "
        "far longer than 10,000): python -m pimflow.bench e2e --products 10000 100000 --latency-ms 20",
    )
    e2e.add_argument("--products", type=int, nargs="+", default=[10_000])
    e2e.add_argument("--latency-ms", type=float, default=20.0, help="every sandbox's per call")
    e2e.add_argument(
        "--target", default=None, help="a target's name in the targets file (default: the first)"
    )
    e2e.add_argument(
        "--keep", action="store_true", help="keep each size's temporary folder, and say where"
    )
    e2e.add_argument(
        "--deployment",
        choices=("sync", "local"),
        default="sync",
        help="sync: each run as `make sync` runs it (one process, tasks in series); local: "
        "triggered through the REST API of a LocalExecutor deployment started as `make up` "
        "starts one (mapped tasks in parallel within their pools)",
    )
    runners = {}
    for name, shop in target_types().items():
        bench_parser = sub.add_parser(name, help=f"{shop.title} upload")
        runner = shop.bench(bench_parser)
        if runner is not None:
            runners[name] = runner
    args = parser.parse_args(argv)
    args.output = REPO / ".bench"
    if args.bench == "extract":
        from pimflow.bench.extract import main as run

        return run(args.products, args.partitions, args.output / "extract.json")
    if args.bench == "e2e":
        from pimflow.bench.e2e import main as run_e2e

        name = "e2e.json" if args.deployment == "sync" else f"e2e-{args.deployment}.json"
        return run_e2e(
            args.products,
            args.latency_ms,
            args.target,
            args.output / name,
            args.keep,
            args.deployment,
        )
    if args.bench in runners:
        return runners[args.bench](args)
    parser.error(f"target type {args.bench!r} has no benchmark")
    return 2


if __name__ == "__main__":
    sys.exit(main())
