"""`make demo` and `make sync`: run a sync DAG once with `dag.test`, no deployment.

    python -m pimflow.run demo                      # sandbox APIs, generated catalog
    python -m pimflow.run sync --target shop_eu --params '{"channel": "ecommerce"}'

`--target` is a target's name in the targets file ($PIMFLOW_TARGETS, pimflow/targets);
without it, the file's first target.

The demo starts the sandbox servers on free ports on 127.0.0.1, points the connections at
them, runs the DAG, prints the report's summary and stops the servers. `sync` uses the
connections the environment sets (`AIRFLOW_CONN_AKENEO_DEFAULT`, ...), the sandbox
defaults where unset. The run itself is one child process, `python -m pimflow.dag_run`
started with the run's environment: it migrates Airflow's metadata DB only when it is not
at Airflow's head, runs the DAG with `dag.test` and hands the report's summary back.
The metadata DB is SQLite in `$AIRFLOW_HOME` (default: `.airflow/` in the repo), and each
run's log a file of its own there: `logs/pimflow-sync/<target>-<UTC time>.log`
(`logs/pimflow-demo/…` for the demo), all of Airflow's output in it, its path printed
under the summary.

Exit codes: 0 the run succeeded; 1 it failed (or Airflow could not run it); 2 it was never
started: the params are not JSON, not an object or not the DAG's params (an unknown key:
"did you mean …"; a value of the wrong type), or the target is unknown (the configured
ones are listed), or the targets file is wrong; one line on stderr says which.
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
from pimflow.configuration import ConfigError
from pimflow.sandboxes import SANDBOX_CONNECTIONS, sandbox_default_urls, stop_sandbox
from pimflow.targets import Target, load_targets, target_named
from pimflow.targets.config import DEFAULT_FILE as DEFAULT_TARGETS_FILE
from pimflow.targets.config import ENV_VAR as TARGETS_ENV_VAR

__all__ = ["SANDBOX_CONNECTIONS", "airflow_env", "migrate", "run_dag"]

REPO = Path(__file__).resolve().parents[2]
AIRFLOW_HOME = REPO / ".airflow"  # unless $AIRFLOW_HOME says otherwise (airflow_home())


class UsageError(Exception):
    """A run that cannot start as asked (params, target): one line for stderr, exit 2."""


def airflow_home() -> Path:
    """Where Airflow's DB and pimflow's logs go: $AIRFLOW_HOME, else `.airflow/` in the repo."""
    return Path(os.environ.get("AIRFLOW_HOME") or AIRFLOW_HOME)


def new_log_file(kind: str, target: str, home: Path | None = None) -> Path:
    """A new, empty log file for one run: `<home>/logs/pimflow-<kind>/<target>-<UTC>.log`."""
    from datetime import UTC, datetime

    folder = (home or airflow_home()) / "logs" / f"pimflow-{kind}"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path, n = folder / f"{target}-{stamp}.log", 1
    while path.exists():  # two runs in one second
        n += 1
        path = folder / f"{target}-{stamp}-{n}.log"
    path.write_text("")
    return path


def parse_params(text: str | None) -> dict:
    """The PARAMS a user typed, as a dict; UsageError saying what is wrong with it."""
    if not text or not text.strip():
        return {}
    try:
        params = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"PARAMS is not valid JSON ({exc.msg}, column {exc.colno}): {text.strip()}"
        ) from None
    if not isinstance(params, dict):
        raise UsageError(
            f"PARAMS must be a JSON object like '{{\"dry_run\": true}}', not {text.strip()}"
        )
    return params


def chosen_target(name: str | None, targets_file: str | None = None) -> Target:
    """The target of this name (else the file's first); UsageError for an unknown name
    (listing the configured ones) or a wrong targets file."""
    try:
        targets = load_targets(targets_file)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    if not name:
        return targets[0]
    for target in targets:
        if target.name == name:
            return target
    from pimflow.pipeline.params import near_miss

    meant = near_miss(name, [t.name for t in targets])
    raise UsageError(
        f"TARGET {name!r} is not configured"
        + (f": did you mean {meant!r}?" if meant else "")
        + f" (targets: {', '.join(t.name for t in targets)}; file: "
        f"{targets_file or os.environ.get(TARGETS_ENV_VAR) or DEFAULT_TARGETS_FILE})"
    )


def checked_params(params: dict, target: Target) -> dict:
    """`params` if the target's DAG takes them (keys, types); else UsageError."""
    from pimflow.pipeline.params import ParamsError, check_conf

    try:
        return check_conf(params)
    except ParamsError as exc:
        raise UsageError(f"PARAMS: {exc} (DAG {target.dag_id})") from None


def airflow_env(pimflow_home: Path, connections: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for the airflow CLI: repo-local home and SQLite, our DAGs only."""
    env = dict(os.environ)
    env.setdefault("AIRFLOW_HOME", str(AIRFLOW_HOME))
    env.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO / "dags"))
    # pimflow's plugin: its listener sets each run's note from the report.
    env.setdefault("AIRFLOW__CORE__PLUGINS_FOLDER", str(REPO / "plugins"))
    env.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    env.setdefault("AIRFLOW__CORE__PARALLELISM", "4")  # two cores here
    env.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "False")
    env.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "INFO")
    # glibc gives each thread that allocates an arena of its own (up to 8 per core), and
    # each keeps what it freed: the media stages' download and upload threads made the
    # run's one process hold several. Two arenas serve threads that mostly wait on I/O.
    env.setdefault("MALLOC_ARENA_MAX", "2")
    env["PIMFLOW_HOME"] = str(pimflow_home)
    staging = env.get("PIMFLOW_STAGING_URL") or (pimflow_home / "staging").as_uri()
    for key, value in xcom_settings(staging, env.get("PIMFLOW_STAGING_CONN_ID")).items():
        env.setdefault(key, value)
    for name, value in (connections or {}).items():
        env.setdefault(f"AIRFLOW_CONN_{name.upper()}", value)
    return env


def airflow_process(env: dict[str, str], log_file: Path, *args: str) -> int:
    """`python -m pimflow.dag_run <args>` with the run's environment, all its output
    appended to the run's log; its exit code."""
    command = [sys.executable, "-m", "pimflow.dag_run", *args]
    with log_file.open("a") as log:
        log.write(f"\n$ python -m pimflow.dag_run {' '.join(args)}\n")
        log.flush()
        return subprocess.call(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def migrate(env: dict[str, str], log_file: Path) -> None:
    """Bring the metadata DB to Airflow's head if it is not there (`run_dag` does it too,
    in the run's own process; this is for callers that run several DAG runs)."""
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    if airflow_process(env, log_file, "--migrate-only") != 0:
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
        stop_sandbox(process, timeout=20)
        shutil.rmtree(ready.parent, ignore_errors=True)


def dag_id_of(target: str, env: dict[str, str]) -> str:
    """The DAG of the target of this name, in the targets file the run will use."""
    return target_named(target, env.get("PIMFLOW_TARGETS")).dag_id


def run_dag(target: str, params: dict, env: dict[str, str], log_file: Path) -> int:
    """Run the target's DAG once (migrating the metadata DB first if it is not at head);
    print the report's summary; 0 only if the run succeeded."""
    dag_id = dag_id_of(target, env)
    print(f"running {dag_id} (log: {log_file}) …", flush=True)
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pimflow-run-") as folder:
        result_file = Path(folder) / "result.json"
        args = ["--dag-id", dag_id, "--result", str(result_file)]
        if params:
            args += ["--conf", json.dumps(params)]
        code = airflow_process(env, log_file, *args)
        result = json.loads(result_file.read_text()) if result_file.exists() else {}
    report = result.get("report")
    if report is None:
        print(f"{dag_id}: no report was written; see {log_file}", file=sys.stderr)
        return code or 1
    from pimflow.wording import REFUSALS, SUCCESS

    print(report["summary"])
    print(f"  report: {report['path']}")
    print(f"  log: {log_file}")
    # Refused items within max_refused: the run succeeded (in Airflow too); the summary's
    # first line says how many were refused.
    return 0 if code == 0 and report["status"] in (SUCCESS, REFUSALS) else 1


def _report_since(dag_id: str, env: dict[str, str], started: float) -> dict | None:
    """The DAG's latest report if it finished after `started` (for tests that read the
    whole report), read with the run's own settings (its staging URL), in this process."""
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
    target = chosen_target(args.target)
    home = airflow_home()
    log_file = new_log_file("demo", target.name, home)
    # The sandbox shop starts empty, so the demo's state store must start empty too.
    pimflow_home = home / "pimflow-demo"
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
        code = run_dag(target.name, {}, env, log_file)
    print(f"demo finished in {time.monotonic() - started:.1f} s (exit {code})")
    return code


def sync(args: argparse.Namespace) -> int:
    # Everything the user typed is checked before Airflow starts (exit 2, one line).
    target = chosen_target(args.target)
    params = checked_params(parse_params(args.params), target)
    home = airflow_home()
    log_file = new_log_file("sync", target.name, home)
    sandbox_defaults = {
        f"{name}_default": json.dumps(SANDBOX_CONNECTIONS[name](url))
        for name, url in sandbox_default_urls().items()
        if name in ("akeneo", target.shop.sandbox_name)
    }
    pimflow_home = Path(os.environ.get("PIMFLOW_HOME") or AIRFLOW_HOME / "pimflow")
    env = airflow_env(pimflow_home, sandbox_defaults)
    return run_dag(target.name, params, env, log_file)


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
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"pimflow {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
