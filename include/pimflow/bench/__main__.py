"""python -m pimflow.bench extract [--products N ...] [--partitions P]"""

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
    args = parser.parse_args(argv)
    if args.bench == "extract":
        from pimflow.bench.extract import main as run

        return run(args.products, args.partitions, REPO / ".bench" / "extract.json")
    return 2


if __name__ == "__main__":
    sys.exit(main())
