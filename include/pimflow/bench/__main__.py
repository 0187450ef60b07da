"""python -m pimflow.bench extract|<target type> [--products N ...] (see each program's --help)

`extract` is the Akeneo extraction's bench; every registered target may add its own upload
bench under its type name (`ShopTarget.bench`).
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
    if args.bench in runners:
        return runners[args.bench](args)
    parser.error(f"target type {args.bench!r} has no benchmark")
    return 2


if __name__ == "__main__":
    sys.exit(main())
