"""`make demo` and `make sync`: run a sync DAG once with `airflow dags test`, no deployment.

    python -m pimflow.run demo                      # sandbox APIs, generated catalog
    python -m pimflow.run sync --target shop_eu --params '{"channel": "ecommerce"}'

`--target` is a target's name in the targets file ($PIMFLOW_TARGETS, pimflow/targets);
without it, the file's first target.

The demo starts the sandbox servers on free ports on 127.0.0.1, points the connections at
them, runs the DAG, prints the report's summary and stops the servers. `sync` uses the
connections the environment sets (`AIRFLOW_CONN_AKENEO_DEFAULT`, ...), the sandbox
defaults where unset. Airflow's metadata DB is SQLite under `.airflow/` in the repo.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from pimflow.config import xcom_settings
from pimflow.sandboxes import SANDBOX_CONNECTIONS, sandbox_default_urls
from pimflow.targets import load_targets, target_named

__all__ = ["SANDBOX_CONNECTIONS", "airflow_env", "migrate", "run_dag"]

REPO = Path(__file__).resolve().parents[2]
AIRFLOW_HOME = REPO / ".airflow"


def airflow_env(pimflow_home: Path, connections: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for the airflow CLI: repo-local home and SQLite, our DAGs only."""
    env = dict(os.environ)
    env.setdefault("AIRFLOW_HOME", str(AIRFLOW_HOME))
    env.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO / "dags"))
    env.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    env.setdefault("AIRFLOW__CORE__PARALLELISM", "4")  # two cores here
    env.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "False")
    env.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "INFO")
    env["PIMFLOW_HOME"] = str(pimflow_home)
    staging = env.get("PIMFLOW_STAGING_URL") or (pimflow_home / "staging").as_uri()
    for key, value in xcom_settings(staging, env.get("PIMFLOW_STAGING_CONN_ID")).items():
        env.setdefault(key, value)
    for name, value in (connections or {}).items():
        env.setdefault(f"AIRFLOW_CONN_{name.upper()}", value)
    return env


def airflow(env: dict[str, str], *args: str, log_file: Path | None = None) -> int:
    command = [str(Path(sys.executable).with_name("airflow")), *args]
    if log_file is None:
        return subprocess.call(command, env=env)
    with log_file.open("a") as log:
        log.write(f"\n$ airflow {' '.join(args)}\n")
        log.flush()
        return subprocess.call(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def migrate(env: dict[str, str], log_file: Path) -> None:
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    if airflow(env, "db", "migrate", log_file=log_file) != 0:
        raise SystemExit(f"airflow db migrate failed; see {log_file}")


@contextlib.contextmanager
def sandboxes(catalog: str, log_file: Path) -> Iterator[dict[str, str]]:
    """Start every sandbox on free ports; yield {name: url}; stop them however we leave."""
    ready = Path(tempfile.mkdtemp(prefix="pimflow-sandbox-")) / "urls.json"
    command = [
        str(Path(sys.executable).with_name("pimflow-sandbox")),
        "all",
        "--port",
        "0",
        "--catalog",
        catalog,
        "--ready-file",
        str(ready),
    ]
    with log_file.open("a") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            if process.poll() is not None:
                raise SystemExit(f"the sandbox servers did not start; see {log_file}")
            if time.monotonic() > deadline:
                raise SystemExit(f"the sandbox servers took over 120 s to start; see {log_file}")
            time.sleep(0.1)
        yield json.loads(ready.read_text())
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(ready.parent, ignore_errors=True)


def dag_id_of(target: str, env: dict[str, str]) -> str:
    """The DAG of the target of this name, in the targets file the run will use."""
    return target_named(target, env.get("PIMFLOW_TARGETS")).dag_id


def run_dag(target: str, params: dict, env: dict[str, str], log_file: Path) -> int:
    """Run the target's DAG once; print the report's summary; 0 only if the run succeeded."""
    dag_id = dag_id_of(target, env)
    started = time.time()
    args = ["dags", "test", dag_id]
    if params:
        args += ["-c", json.dumps(params)]
    print(f"running {dag_id} (log: {log_file}) …", flush=True)
    code = airflow(env, *args, log_file=log_file)
    report = _report_since(dag_id, env, started)
    if report is None:
        print(f"{dag_id}: no report was written; see {log_file}", file=sys.stderr)
        return code or 1
    from pimflow.report import summary_text

    print(summary_text(report))
    print(f"  report: {report.get('_path')}")
    return 0 if code == 0 and report["status"] == "success" else 1


def _report_since(dag_id: str, env: dict[str, str], started: float) -> dict | None:
    # Read with the run's own settings (its staging URL), in this process.
    os.environ["PIMFLOW_HOME"] = env["PIMFLOW_HOME"]
    for key in ("PIMFLOW_STAGING_URL", "PIMFLOW_STAGING_CONN_ID"):
        if key in env:
            os.environ[key] = env[key]
    from pimflow.report import latest_report, reports_folder

    report = latest_report(dag_id)
    if report is None:
        return None
    finished = report.get("finished", "")
    from datetime import datetime

    try:
        if datetime.fromisoformat(finished).timestamp() < started:
            return None  # an older run's report: this run wrote none
    except ValueError:
        return None
    report["_path"] = str(reports_folder(dag_id))
    return report


def demo(args: argparse.Namespace) -> int:
    AIRFLOW_HOME.mkdir(parents=True, exist_ok=True)
    log_file = AIRFLOW_HOME / "demo.log"
    log_file.write_text("")
    # The sandbox shop starts empty, so the demo's state store must start empty too.
    pimflow_home = AIRFLOW_HOME / "pimflow-demo"
    shutil.rmtree(pimflow_home, ignore_errors=True)
    started = time.monotonic()
    with sandboxes(args.catalog, log_file) as urls:
        print("sandbox APIs: " + ", ".join(f"{k} {v}" for k, v in urls.items()), flush=True)
        connections = {
            f"{name}_default": json.dumps(SANDBOX_CONNECTIONS[name](url))
            for name, url in urls.items()
        }
        env = airflow_env(pimflow_home)
        for name, value in connections.items():  # the demo always uses its own sandboxes
            env[f"AIRFLOW_CONN_{name.upper()}"] = value
        migrate(env, log_file)
        code = run_dag(args.target or first_target(env), {}, env, log_file)
    print(f"demo finished in {time.monotonic() - started:.1f} s (exit {code})")
    return code


def first_target(env: dict[str, str]) -> str:
    """The name of the first target of the targets file the run will use."""
    return load_targets(env.get("PIMFLOW_TARGETS"))[0].name


def sync(args: argparse.Namespace) -> int:
    AIRFLOW_HOME.mkdir(parents=True, exist_ok=True)
    args.target = args.target or first_target(dict(os.environ))
    log_file = AIRFLOW_HOME / f"sync-{args.target}.log"
    log_file.write_text("")
    params = json.loads(args.params) if args.params else {}
    if not isinstance(params, dict):
        raise SystemExit('PARAMS must be a JSON object, e.g. \'{"channel": "ecommerce"}\'')
    sandbox_defaults = {
        f"{name}_default": json.dumps(SANDBOX_CONNECTIONS[name](url))
        for name, url in sandbox_default_urls().items()
        if name in ("akeneo", target_named(args.target).shop.sandbox_name)
    }
    pimflow_home = Path(os.environ.get("PIMFLOW_HOME") or AIRFLOW_HOME / "pimflow")
    env = airflow_env(pimflow_home, sandbox_defaults)
    migrate(env, log_file)
    return run_dag(args.target, params, env, log_file)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pimflow.run")
    sub = parser.add_subparsers(dest="command", required=True)
    demo_parser = sub.add_parser("demo", help="sync the sandbox catalog into the sandbox shop")
    demo_parser.add_argument("--catalog", default="demo", help="the sandbox Akeneo's catalog")
    demo_parser.add_argument("--target", default=None, help="a target's name (default: the first)")
    demo_parser.set_defaults(func=demo)
    sync_parser = sub.add_parser("sync", help="run one target's DAG once")
    sync_parser.add_argument("--target", default=None, help="a target's name (default: the first)")
    sync_parser.add_argument("--params", default="", help="the run's params, as JSON")
    sync_parser.set_defaults(func=sync)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
