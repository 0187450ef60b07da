"""`pimflow-sandbox`: start the emulated Akeneo, Shopware 6 and CS-Cart APIs.

    pimflow-sandbox akeneo --catalog 1000 --seed 7
    pimflow-sandbox all                      # every sandbox on its default port
    pimflow-sandbox shopware6 --port 0 --ready-file /tmp/urls.json

Each sandbox package exposes `create_app(catalog=..., seed=..., snapshot=..., options=...)`;
the servers run until interrupted (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import json
import logging
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from pimflow_sandbox.server import SandboxApp, SandboxServer, Switches


@dataclass(frozen=True)
class SandboxSpec:
    module: str
    port: int
    max_concurrent: int  # the real API's default concurrency limit per client
    credentials: str  # for --help and the startup banner


SANDBOXES: dict[str, SandboxSpec] = {
    "akeneo": SandboxSpec(
        "pimflow_sandbox.akeneo",
        8081,
        4,
        "client id pimflow, secret pimflow-secret, user admin, password admin",
    ),
    "shopware6": SandboxSpec(
        "pimflow_sandbox.shopware6", 8082, 0, "client id pimflow, secret pimflow-secret"
    ),
    "cscart": SandboxSpec(
        "pimflow_sandbox.cscart", 8083, 0, "user admin@example.com, API key pimflow-api-key"
    ),
}

DEMO_CATALOG = "demo"


def available() -> list[str]:
    """The sandboxes this installation has (each lives in its own package)."""
    return [name for name, spec in SANDBOXES.items() if importlib.util.find_spec(spec.module)]


def create_app(
    name: str,
    catalog: str = DEMO_CATALOG,
    seed: int = 42,
    snapshot: str | None = None,
    options: dict[str, str] | None = None,
) -> SandboxApp:
    module = importlib.import_module(SANDBOXES[name].module)
    return module.create_app(catalog=catalog, seed=seed, snapshot=snapshot, options=options or {})


def parse_options(pairs: list[str]) -> dict[str, str]:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--set takes KEY=VALUE, got {pair!r}")
        options[key.strip()] = value.strip()
    return options


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pimflow-sandbox",
        description="Emulated Akeneo, Shopware 6 and CS-Cart APIs for demos, tests and benchmarks.",
        epilog="Defaults: "
        + "; ".join(f"{n} on 127.0.0.1:{s.port} ({s.credentials})" for n, s in SANDBOXES.items()),
    )
    parser.add_argument("sandbox", choices=[*SANDBOXES, "all"], help="which API to start")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, help="port (default: the sandbox's own; 0 picks a free one)"
    )
    parser.add_argument(
        "--catalog",
        default=DEMO_CATALOG,
        help="Akeneo's catalog: 'demo', 'empty', a product count (10..100000) or a snapshot "
        "file; the shops always start as a fresh shop (default: demo)",
    )
    parser.add_argument("--seed", type=int, default=42, help="seed of the generated catalog")
    parser.add_argument("--snapshot", help="file that keeps the state across restarts")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every call")
    parser.add_argument(
        "--max-concurrency",
        type=int,
        help="calls in flight per client before 429 (default: the API's own; 0 = unlimited)",
    )
    parser.add_argument(
        "--rate-limit", type=float, default=0.0, help="calls/s per client (0 = off)"
    )
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of injected 500s")
    parser.add_argument("--drop-rate", type=float, default=0.0, help="share of dropped connections")
    parser.add_argument(
        "--lost-answer-rate",
        type=float,
        default=0.0,
        help="share of calls handled (their writes kept) whose answer is never sent",
    )
    parser.add_argument("--fault-seed", type=int, default=0, help="seed of the injected faults")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a sandbox-specific option, e.g. token_lifetime=3600 (see the README)",
    )
    parser.add_argument("--ready-file", help="write {sandbox: url} as JSON here once listening")
    parser.add_argument("--access-log", action="store_true", help="log each request line")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    names = available() if args.sandbox == "all" else [args.sandbox]
    if args.sandbox != "all" and args.sandbox not in available():
        raise SystemExit(f"the {args.sandbox} sandbox is not part of this installation")
    options = parse_options(args.set)

    servers: list[SandboxServer] = []
    for name in names:
        spec = SANDBOXES[name]
        switches = Switches(
            latency_ms=args.latency_ms,
            max_concurrent=spec.max_concurrent
            if args.max_concurrency is None
            else args.max_concurrency,
            rate_per_second=args.rate_limit,
            error_rate=args.error_rate,
            drop_rate=args.drop_rate,
            lost_answer_rate=args.lost_answer_rate,
            seed=args.fault_seed,
        )
        # With `all`, --port 0 gives every sandbox a free port; another --port fits one only.
        port = spec.port
        if args.port == 0 or (args.port is not None and args.sandbox != "all"):
            port = args.port
        snapshot = args.snapshot if args.sandbox != "all" else None
        app = create_app(name, args.catalog, args.seed, snapshot, options)
        server = SandboxServer(app, args.host, port, switches, access_log=args.access_log)
        servers.append(server)
        print(f"{name} sandbox listening on {server.url} ({spec.credentials})", flush=True)

    if args.ready_file:
        Path(args.ready_file).write_text(
            json.dumps({n: s.url for n, s in zip(names, servers, strict=True)})
        )

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    for server in servers:
        server.start()
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    for server in servers:
        server.stop()
        close = getattr(server.app, "close", None)
        if close:  # lets an app write its snapshot
            close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
