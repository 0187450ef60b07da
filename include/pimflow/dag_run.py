"""The Airflow side of `make sync` / `make demo` (pimflow.run starts it as a child process).

One Python process, started with the run's environment already set, so Airflow reads its
configuration once: it brings the metadata DB to the installed Airflow's head only when it
is not there (a fresh DB, an older revision: a new Airflow), parses the pimflow DAG file
alone and runs the target's DAG once with `dag.test`. It replaces two `airflow` CLI
processes (`db migrate`, `dags test`) whose start-up was most of an unchanged rerun's wall.

    python -m pimflow.dag_run --dag-id akeneo_to_shopware6 --conf '{"mode": "full"}' \
        --result /tmp/result.json
    python -m pimflow.dag_run --migrate-only

Its stdout and stderr are the run's log file (Airflow's output, and one `pimflow phase`
line per phase with its seconds, so the log says where a run's wall went); what the
console shows goes back to the parent in the --result file (JSON): the run's id and
state, and its report's status, summary and folder.

After each task the process hands the memory the task freed back to the system (a
listener, `TaskMemory`): every task runs in this one process, so without it a task's
freed heap (glibc arenas, pyarrow's pool) stays in the process's RSS under every later
task. Each task's end logs one `pimflow memory` line (RSS before and after, the peak so far).

The process ends with `os._exit` once the result is written, the threads a normal exit
waits for (the run's note) are done and the log is flushed: tearing down the interpreter
that ran every task (a heap of the whole run) is no work anyone waits for.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

DAG_FILE = "pimflow_sync.py"  # the pimflow DAG file in the DAGs folder (dags/)
# `revision = "d2f4e1b3c5a7"` and `down_revision = "9ff64e1c35d3"` (or a tuple, for a
# merge) in each of Airflow's migration files; not every id is hex ("1b2c3d4e5f6g").
_REVISION = re.compile(r"^revision\s*=\s*['\"]([0-9A-Za-z_]+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*=\s*(.+)$", re.MULTILINE)
_REVISION_ID = re.compile(r"['\"]([0-9A-Za-z_]+)['\"]")


class Phases:
    """Seconds per phase of this process, each logged as it ends."""

    def __init__(self) -> None:
        self.started = self.last = time.monotonic()
        self.seconds: dict[str, float] = {}

    def done(self, name: str) -> None:
        from datetime import UTC, datetime

        now = time.monotonic()
        self.seconds[name] = round(now - self.last, 3)
        self.last = now
        until = datetime.now(UTC).isoformat(timespec="milliseconds")
        print(f"pimflow phase {name}: {self.seconds[name]:.2f} s (until {until})", flush=True)


def migration_heads(versions: Path) -> set[str]:
    """The head revisions of the migration scripts in `versions`: those no script follows.

    Read from the scripts' text, without importing them (alembic's own reading imports
    all of them, ~0.8 s here); the test compares it with alembic's answer."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for script in versions.glob("*.py"):
        text = script.read_text(encoding="utf-8")
        revision = _REVISION.search(text)
        if revision is None:
            continue
        revisions.add(revision.group(1))
        down = _DOWN_REVISION.search(text)
        if down is not None:
            followed.update(_REVISION_ID.findall(down.group(1)))
    return revisions - followed


def current_revisions(engine) -> set[str]:  # noqa: ANN001 - a SQLAlchemy engine
    """The revisions the metadata DB says it is at; empty for a fresh DB."""
    from sqlalchemy import inspect, text

    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return set()
        rows = connection.execute(text("SELECT version_num FROM alembic_version"))
        return {row[0] for row in rows}


def migration_reason() -> str | None:
    """Why the metadata DB must be migrated before a run, or None when it is at head."""
    import airflow
    from airflow import settings
    from airflow.configuration import conf

    if conf.get("database", "external_db_managers", fallback=""):
        # Providers' own tables (FAB, …) have migrations of their own: ask Airflow.
        from airflow.utils.db_manager import RunDBManager
        from airflow.utils.session import create_session

        with create_session() as session:
            if not RunDBManager().check_migration(session):
                return "an external DB manager's tables are not at their head"
    heads = migration_heads(Path(airflow.__file__).parent / "migrations" / "versions")
    current = current_revisions(settings.get_engine())
    if not current:
        return "a new metadata DB"
    if current != heads:
        return f"the metadata DB is at {sorted(current)}, Airflow {airflow.__version__} at {sorted(heads)}"
    return None


def migrate_if_needed() -> bool:
    """`airflow db migrate`, in this process, when the DB is not at head; True if it ran."""
    reason = migration_reason()
    if reason is None:
        print("pimflow: the metadata DB is at Airflow's head; no migration", flush=True)
        return False
    print(f"pimflow: migrating the metadata DB ({reason})", flush=True)
    from airflow.utils import db

    db.upgradedb()
    return True


def pimflow_dag(dag_id: str):  # noqa: ANN201 - an airflow.sdk DAG
    """The DAG `dag_id`, parsed from the pimflow DAG file only (the folder if it is not
    there: a DAGs folder of the user's own)."""
    from airflow.configuration import conf
    from airflow.dag_processing.dagbag import BundleDagBag

    folder = Path(conf.get("core", "dags_folder"))
    source = folder / DAG_FILE if (folder / DAG_FILE).is_file() else folder
    # The DAGs folder is Airflow's bundle "dags-folder", as for `airflow dags test`.
    bag = BundleDagBag(dag_folder=source, bundle_path=folder, bundle_name="dags-folder")
    dag = bag.dags.get(dag_id)
    if dag is None:
        problems = "; ".join(f"{path}: {error}" for path, error in bag.import_errors.items())
        raise SystemExit(
            f"DAG {dag_id} not found in {source}" + (f" ({problems})" if problems else "")
        )
    return dag


def current_rss_mb() -> float:
    """This process's resident set now (VmRSS), in MB; 0 where /proc is not there."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def peak_rss_mb() -> float:
    """This process's peak resident set so far (ru_maxrss, kB on Linux), in MB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def malloc_trim() -> bool:
    """Give the C heap's free pages back to the system (glibc's malloc_trim(0)); False
    where the C library has none (musl, macOS)."""
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim(0)
    return True


def release_memory() -> None:
    """Return what the finished task freed: pyarrow's pool (if loaded: it keeps freed
    buffers for reuse), then the C heap's free pages. No gc.collect(): a full collection
    of this process's heap (every module Airflow loads) took ~0.45 s per task."""
    pyarrow = sys.modules.get("pyarrow")
    if pyarrow is not None:
        pyarrow.default_memory_pool().release_unused()
    malloc_trim()


class _NoPandas:
    """An import finder that says pandas is not installed (while pyarrow asks)."""

    def find_spec(self, name: str, path=None, target=None) -> None:  # noqa: ANN001
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


def pyarrow_without_pandas() -> bool:
    """Let pyarrow find no pandas, once: its first `pa.array` imports pandas (~45 MB and
    500 modules, a tenth of this process) only to ask whether a value is a pandas object,
    and no pimflow stage hands it one. pyarrow remembers the answer; pandas itself stays
    importable, and `to_pandas()` (which asks again) still works. False if pandas was
    already imported or pyarrow is not installed."""
    if "pandas" in sys.modules:
        return False
    try:
        import pyarrow as pa
    except ImportError:
        return False
    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        pa.lib._pandas_api.have_pandas  # noqa: B018 - the shim's probe, answered now
        pa.array([{"probe": [None]}])  # the C++ converter's own probe
    except Exception:  # noqa: BLE001 - a private probe of pyarrow's: a saving, never a failure
        return False
    finally:
        sys.meta_path.remove(finder)
    return True


class TaskMemory:
    """An Airflow listener: after each task (success or failure) releases the memory it
    freed and logs this process's RSS before and after, and its peak so far."""

    def __init__(self, release=release_memory) -> None:  # noqa: ANN001 - a callable
        self.release = release
        self.releases = 0

    def task_ended(self, task_id: str) -> None:
        before = current_rss_mb()
        self.release()
        self.releases += 1
        print(
            f"pimflow memory after {task_id}: RSS {before:.0f} MB, {current_rss_mb():.0f} MB "
            f"released, peak {peak_rss_mb():.0f} MB",
            flush=True,
        )

    def register(self) -> object:
        """Add this listener to the task runner's (the process's own); the plugin added."""
        from airflow.sdk._shared.listeners import hookimpl
        from airflow.sdk.listener import get_listener_manager

        memory = self

        class _Listener:
            @hookimpl
            def on_task_instance_success(self, previous_state, task_instance) -> None:  # noqa: ANN001
                memory.task_ended(task_instance.task_id)

            @hookimpl
            def on_task_instance_failed(self, previous_state, task_instance, error) -> None:  # noqa: ANN001
                memory.task_ended(task_instance.task_id)

        listener = _Listener()
        get_listener_manager().add_listener(listener)
        return listener


def run_result(dag_id: str, run_id: str, state: str) -> dict:
    """What the parent prints: this run's report (its summary), if it wrote one."""
    from pimflow.report import latest_report, reports_folder, summary_text

    result: dict = {"dag_id": dag_id, "run_id": run_id, "state": state, "report": None}
    report = latest_report(dag_id)
    if report is not None and report.get("run_id") == run_id:
        result["report"] = {
            "status": report.get("status"),
            "summary": summary_text(report),
            "path": str(reports_folder(dag_id)),
        }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pimflow.dag_run")
    parser.add_argument("--dag-id")
    parser.add_argument("--conf", default="", help="the run's params, as JSON")
    parser.add_argument("--result", help="where to write the run's result (JSON)")
    parser.add_argument("--migrate-only", action="store_true")
    args = parser.parse_args(argv)
    phases = Phases()
    from airflow.configuration import write_default_airflow_configuration_if_needed
    from airflow.providers_manager import ProvidersManager

    write_default_airflow_configuration_if_needed()  # as the airflow CLI does
    ProvidersManager().initialize_providers_configuration()
    phases.done("import Airflow")
    migrate_if_needed()
    phases.done("migrate check")
    if args.migrate_only:
        return 0
    dag = pimflow_dag(args.dag_id)
    phases.done("parse the DAG file")
    pyarrow_without_pandas()
    TaskMemory().register()
    run = dag.test(run_conf=json.loads(args.conf) if args.conf else None)
    phases.done("DAG run")
    from airflow.utils.state import DagRunState

    result = run_result(args.dag_id, run.run_id, DagRunState(run.state).value)
    phases.done("read the report")
    result["phases"] = phases.seconds
    Path(args.result).write_text(json.dumps(result))
    return 0 if result["state"] == "success" else 1


def _exit_now(code: int) -> None:
    """Wait for the threads a normal exit waits for (the run's note is written by one:
    pimflow.ui.notes), flush what the log must hold, then leave without tearing the
    interpreter down."""
    import logging
    import threading

    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join(timeout=60)  # bounded: a stuck thread must not keep the run open
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    try:
        exit_code = main()
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
        exit_code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - the traceback goes to the run's log
        import traceback

        traceback.print_exc()
        exit_code = 1
    _exit_now(exit_code)
