"""End-to-end benchmark: the real DAG, run as `make sync` runs it, against the physical floor.

    python -m pimflow.bench e2e --products 10000 --latency-ms 20
    python -m pimflow.bench e2e --products 10000 100000 --latency-ms 20 --target <name>
    python -m pimflow.bench e2e --products 10000 --latency-ms 20 --deployment local

`--deployment local` triggers the same runs through the REST API of a LocalExecutor
deployment started as `make up` starts one (API server, scheduler, DAG processor on free
ports of 127.0.0.1, the pools created, only this target's DAG, unscheduled), so mapped
tasks run in parallel within their pools; each task is a process of the executor, so the
peak RSS is sampled from /proc under the scheduler.

For each size, one after the other: starts the sandbox Akeneo on a generated catalog of
that size and the target's sandbox shop empty, both with the given latency per call, each
in its own process on a free port of 127.0.0.1, with a fresh temporary AIRFLOW_HOME and
PIMFLOW_HOME. Runs the target's DAG through `python -m pimflow.run sync --params
'{"mode": "full"}'` (as a subprocess, through its command line only), then the same
command again on the same state (the unchanged rerun, which reads the whole catalog again
and must find nothing to write), then with no params (mode delta, what a scheduled or
triggered run of an unchanged catalog does: it reads what changed since the last run, so
nothing), and stops everything.

Per run it measures the wall time of the whole command; the calls each sandbox served
(its `/_sandbox/stats`, reset before each run); the floor each API's latency sets,
calls × latency / the calls pimflow keeps in flight to it (read from pimflow's hooks and
pool, not assumed), summed (serial floor) and overlapped (max); each task's time from
the run's Airflow metadata DB (task_instance); and the peak RSS of the largest process of
the run (see `peak_rss`). Both reruns must write nothing to the shop and download 0 media
bytes. Printed, and written to `.bench/e2e.json`; a size that fails is reported
and the others go on.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import requests

from pimflow.bench.extract import machine, start_sandbox
from pimflow.sandboxes import SANDBOX_CONNECTIONS, stop_sandbox

AKENEO = "akeneo"
FULL = {"mode": "full"}
DELTA: dict[str, Any] = {}  # the default mode: delta
RERUNS = (("unchanged", FULL), ("unchanged_delta", DELTA))  # (label, params)
LOCAL_STATE_VARIABLES = (
    "PIMFLOW_STAGING_URL",
    "PIMFLOW_STAGING_CONN_ID",
    "PIMFLOW_STATE_DB",
    "PIMFLOW_STATE_CONN_ID",
    "PIMFLOW_MEDIA_BASE_URL",
)


# -- the floor -------------------------------------------------------------------------------


def api_floor(
    calls: dict[str, int], concurrency: dict[str, int], latency_ms: float
) -> dict[str, Any]:
    """The least time the calls counted per API can take when each waits `latency_ms`
    and at most `concurrency[api]` are in flight: per API, serial (one API after the
    other, as tasks in series do) and overlapped (every API at once)."""
    per_api = {api: calls[api] * latency_ms / 1000 / concurrency[api] for api in calls}
    return {
        "per_api_seconds": {api: round(seconds, 3) for api, seconds in per_api.items()},
        "serial_seconds": round(sum(per_api.values()), 3),
        "overlapped_seconds": round(max(per_api.values(), default=0.0), 3),
    }


def floor_ratio(wall_seconds: float, floor_seconds: float) -> float | None:
    """wall / floor; None without latency (a floor of 0 has no ratio)."""
    return round(wall_seconds / floor_seconds, 2) if floor_seconds > 0 else None


# -- task times from Airflow's metadata DB ------------------------------------------------------


def task_times(db_path: Path, dag_id: str, run_id: str | None = None) -> list[dict[str, Any]]:
    """Each task instance of the run (the latest of `dag_id` if `run_id` is None), in the
    order they started: task_id, map_index, start and end (UTC ISO), duration in s."""
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        if run_id is None:
            row = connection.execute(
                "SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1",
                (dag_id,),
            ).fetchone()
            if row is None:
                return []
            run_id = row[0]
        rows = connection.execute(
            "SELECT task_id, map_index, start_date, end_date, state FROM task_instance "
            "WHERE dag_id = ? AND run_id = ? ORDER BY start_date IS NULL, start_date, task_id",
            (dag_id, run_id),
        ).fetchall()
    finally:
        connection.close()
    tasks = []
    for task_id, map_index, start, end, state in rows:
        started, ended = _utc(start), _utc(end)
        tasks.append(
            {
                "task_id": task_id,
                "map_index": map_index,
                "start": started.isoformat() if started else None,
                "end": ended.isoformat() if ended else None,
                "duration_seconds": round((ended - started).total_seconds(), 3)
                if started and ended
                else None,
                "state": state,
            }
        )
    return tasks


def _utc(value: str | None) -> datetime | None:
    # SQLAlchemy stores UTC as naive "YYYY-MM-DD HH:MM:SS.ffffff" in SQLite.
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def biggest_tasks(
    tasks: list[dict[str, Any]], wall_seconds: float, top: int = 5
) -> list[dict[str, Any]]:
    """The tasks that took longest (a mapped task's instances summed: they run in series
    under `airflow dags test`), with their share of the run's wall time."""
    seconds: Counter[str] = Counter()
    instances: Counter[str] = Counter()
    for task in tasks:
        if task["duration_seconds"] is not None:
            seconds[task["task_id"]] += task["duration_seconds"]
            instances[task["task_id"]] += 1
    return [
        {
            "task_id": task_id,
            "instances": instances[task_id],
            "seconds": round(total, 3),
            "share_of_wall": round(total / wall_seconds, 3) if wall_seconds > 0 else None,
        }
        for task_id, total in seconds.most_common(top)
    ]


def outside_tasks(tasks: list[dict[str, Any]], started: float, ended: float) -> dict[str, Any]:
    """Where the command's time went besides its tasks: before the first started and
    after the last ended (start-up, `db migrate`, parsing, the report's reading), and
    between them with no task running (scheduling); `task_seconds`: some task running."""
    spans = sorted(
        (_utc(t["start"]).timestamp(), _utc(t["end"]).timestamp())
        for t in tasks
        if t["start"] and t["end"]
    )
    if not spans:
        return {
            "before_first_task_seconds": None,
            "after_last_task_seconds": None,
            "task_seconds": None,
            "between_tasks_seconds": None,
        }
    busy, (current_start, current_end) = 0.0, spans[0]
    for start, end in spans[1:]:  # the union of the spans: tasks may overlap
        if start > current_end:
            busy += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    busy += current_end - current_start
    first, last = spans[0][0], max(end for _, end in spans)
    return {
        "before_first_task_seconds": round(first - started, 2),
        "after_last_task_seconds": round(ended - last, 2),
        "task_seconds": round(busy, 2),
        "between_tasks_seconds": round(last - first - busy, 2),
    }


# -- the peak memory of a run ------------------------------------------------------------------


@dataclass
class TreeSampler:
    """Samples the peak RSS (VmHWM, the kernel's own high-water mark) of every process
    under `root` from /proc, while it runs. A cross-check of wait4's figure for processes
    that wait4 cannot see: a descendant its parent never waits for (reparented to init)."""

    root: int
    interval: float = 0.5
    peaks: dict[int, tuple[float, str]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> TreeSampler:
        if Path("/proc").is_dir():
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        for pid in _descendants(self.root):
            peak = _vm_hwm_mb(pid)
            if peak is not None and peak > self.peaks.get(pid, (0.0, ""))[0]:
                self.peaks[pid] = (peak, _command(pid))

    def largest(self) -> tuple[float, str] | None:
        return max(self.peaks.values(), default=None)


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])  # the name may hold spaces
            children.setdefault(parent, []).append(int(entry))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children.get(pid, []))
    return found


def _vm_hwm_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _command(pid: int) -> str:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    return " ".join(w.decode(errors="replace") for w in words if w)[:120]


def run_command(command: list[str], env: dict[str, str], log: Path) -> dict[str, Any]:
    """Run `command` (its output into `log`); its exit code, wall time and peak memory.

    The peak RSS is wait4's: the kernel gives the waited child's max RSS folded with the
    max of every descendant it waited for, i.e. the largest single process of the tree,
    not a sum, and of this command only (unlike getrusage(RUSAGE_CHILDREN), which would
    also hold the sandboxes this program has already reaped). Airflow's CLI waits for
    what it starts, so that is the whole run; the /proc sampler covers what it does not.
    """
    with log.open("w") as out:
        wall_started, started = time.time(), time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        with TreeSampler(process.pid) as sampler:
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - started
            wall_ended = time.time()
        process.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
    sampled = sampler.largest()
    waited_mb = usage.ru_maxrss / 1024  # kB on Linux
    return {
        "exit_code": process.returncode,
        "wall_seconds": round(seconds, 2),
        "started": wall_started,
        "ended": wall_ended,
        "peak_rss": {
            "mb": round(max(waited_mb, sampled[0] if sampled else 0.0), 1),
            "wait4_mb": round(waited_mb, 1),
            "sampled_mb": round(sampled[0], 1) if sampled else None,
            "sampled_process": sampled[1] if sampled else None,
        },
    }


# -- one size ---------------------------------------------------------------------------------


@dataclass
class Setup:
    """What one size's runs talk to: the target, its sandboxes and the run's environment."""

    target: Any  # pimflow.targets.Target
    shop_sandbox: str
    urls: dict[str, str]  # sandbox name -> url
    env: dict[str, str]
    workdir: Path

    @property
    def apis(self) -> tuple[str, str]:
        return (AKENEO, self.shop_sandbox)


def concurrency_per_api(setup: Setup) -> tuple[dict[str, int], dict[str, str]]:
    """The calls pimflow keeps in flight to each API, from its own code: Akeneo's hook's
    max_concurrency, bounded by the Akeneo pool (AKENEO_CONCURRENT_CALLS slots, which
    every Akeneo task takes); the shop's hook's max_concurrency on the target's
    connection. Also where each figure comes from."""
    from pimflow.hooks.akeneo import AkeneoHook
    from pimflow.targets import AKENEO_CONCURRENT_CALLS
    from pimflow.targets.registry import target_type

    saved = dict(os.environ)
    os.environ.update({k: v for k, v in setup.env.items() if k.startswith("AIRFLOW_CONN_")})
    try:
        akeneo_hook = AkeneoHook(setup.target.akeneo_connection).max_concurrency
        shop_hook = target_type(setup.target.type).hook(setup.target.connection)
        shop = shop_hook.max_concurrency
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return (
        {AKENEO: min(akeneo_hook, AKENEO_CONCURRENT_CALLS), setup.shop_sandbox: shop},
        {
            AKENEO: f"min(AkeneoHook.max_concurrency {akeneo_hook}, "
            f"AKENEO_CONCURRENT_CALLS {AKENEO_CONCURRENT_CALLS})",
            setup.shop_sandbox: f"{type(shop_hook).__name__}.max_concurrency {shop}",
        },
    )


def served(url: str) -> dict[str, Any]:
    return requests.get(f"{url}/_sandbox/stats", timeout=30).json()


def reset(url: str) -> None:
    requests.delete(f"{url}/_sandbox/stats", timeout=30).raise_for_status()


def report_of(output: str) -> dict[str, Any] | None:
    """The report `run sync` printed the location of (`  report: <uri>`): its latest.json
    (the bench's staging is a local folder)."""
    for line in output.splitlines():
        if line.strip().startswith("report: "):
            parts = urlsplit(line.split("report: ", 1)[1].strip())
            folder = Path(unquote(parts.path)) if parts.scheme in ("", "file") else None
            if folder is not None:
                path = folder / "latest.json" if folder.is_dir() else folder
                if path.is_file():
                    return json.loads(path.read_text())
    return None


def shop_writes(calls: dict[str, int], target_type_name: str) -> dict[str, Any]:
    """The calls that changed the shop, by the target's own rule (`read_request`: a shop
    whose searches are POSTs says so)."""
    from pimflow.targets.registry import target_type

    shop = target_type(target_type_name)
    writes = {}
    for route, n in calls.items():
        method, _, path = route.partition(" ")
        if not shop.read_request(method, path):
            writes[route] = n
    return {"calls": sum(writes.values()), "by_route": writes}


def written_items(report: dict[str, Any] | None) -> int | None:
    if report is None:
        return None
    return sum(
        counts.get(kind, 0)
        for counts in report.get("counts", {}).values()
        for kind in ("created", "updated", "deleted", "deactivated")
    )


def media_downloads(report: dict[str, Any] | None, akeneo_calls: dict[str, int]) -> dict:
    media = (report or {}).get("stages", {}).get("akeneo.media") or {}  # keyed by task_id
    return {
        "bytes_downloaded": media.get("bytes_downloaded"),
        "files_downloaded": media.get("downloaded"),
        "download_calls": sum(n for route, n in akeneo_calls.items() if "media-files" in route),
    }


def rerun_wrote_nothing(run: dict[str, Any]) -> bool:
    """The unchanged rerun's promise: no shop write, no media byte downloaded."""
    media = run["media"]
    return (
        run["shop_writes"]["calls"] == 0
        and run["items_written"] == 0
        and media["bytes_downloaded"] == 0
        and media["download_calls"] == 0
    )


def run_figures(
    setup: Setup,
    latency_ms: float,
    concurrency: dict[str, int],
    report: dict[str, Any] | None,
    tasks: list[dict[str, Any]],
    measured: dict[str, Any],
) -> dict[str, Any]:
    """What every run reports, however it ran: its wall (`measured`: wall_seconds, and the
    started/ended epoch seconds), the calls each sandbox served since its reset and the
    floor they set, the shop writes and media downloads, the tasks' times."""
    stats = {api: served(setup.urls[api]) for api in setup.apis}
    calls = {api: stats[api]["total"] for api in setup.apis}
    floor = api_floor(calls, concurrency, latency_ms)
    wall = measured["wall_seconds"]
    return {
        "status": report.get("status") if report else None,
        "wall_seconds": wall,
        "calls": calls,
        "calls_by_route": {api: stats[api]["calls"] for api in setup.apis},
        "peak_in_flight": {api: stats[api].get("peak_in_flight") for api in setup.apis},
        "floor": floor,
        "wall_over_serial_floor": floor_ratio(wall, floor["serial_seconds"]),
        "wall_over_overlapped_floor": floor_ratio(wall, floor["overlapped_seconds"]),
        "shop_writes": shop_writes(stats[setup.shop_sandbox]["calls"], setup.target.type),
        "items_written": written_items(report),
        "media": media_downloads(report, stats[AKENEO]["calls"]),
        "tasks": tasks,
        "biggest_tasks": biggest_tasks(tasks, wall),
        **outside_tasks(tasks, measured["started"], measured["ended"]),
    }


def one_run(
    setup: Setup,
    label: str,
    latency_ms: float,
    concurrency: dict[str, int],
    params: dict[str, Any] = FULL,
) -> dict:
    """`python -m pimflow.run sync` once, with every figure of this run."""
    for api in setup.apis:
        reset(setup.urls[api])
    command = [
        sys.executable,
        "-m",
        "pimflow.run",
        "sync",
        "--target",
        setup.target.name,
        "--params",
        json.dumps(params),
    ]
    log = setup.workdir / f"run-{label}.log"
    measured = run_command(command, setup.env, log)
    output = log.read_text(errors="replace")
    report = report_of(output)
    db = Path(setup.env["AIRFLOW_HOME"]) / "airflow.db"
    run_id = report.get("run_id") if report else None
    tasks = task_times(db, setup.target.dag_id, run_id) if db.is_file() else []
    result = {
        "label": label,
        "params": params,
        "exit_code": measured["exit_code"],
        **run_figures(setup, latency_ms, concurrency, report, tasks, measured),
        "peak_rss": measured["peak_rss"],
    }
    if measured["exit_code"] != 0:
        result["output_tail"] = output[-2000:]
    return result


# -- the same runs under a LocalExecutor deployment --------------------------------------------


@dataclass
class Deployment:
    """A local Airflow (API server, scheduler with the LocalExecutor, DAG processor) on
    free ports of 127.0.0.1, as `make up` starts one, with the target's DAG unpaused."""

    home: Path
    env: dict[str, str]
    client: Any  # pimflow.local.ApiClient

    @property
    def scheduler_pid(self) -> int:
        from pimflow.local import running

        return running(self.home)["scheduler"]

    def report(self, dag_id: str) -> dict[str, Any] | None:
        path = Path(self.home, "pimflow", "staging", "reports", dag_id, "latest.json")
        return json.loads(path.read_text()) if path.is_file() else None


def start_deployment(setup: Setup) -> Deployment:
    """The deployment, with only this target, unscheduled: unpausing a scheduled DAG would
    start a scheduled run of its own that the measured run would queue behind."""
    import yaml

    from pimflow import local

    home = setup.workdir / "deployment"
    home.mkdir(parents=True, exist_ok=True)
    entry = setup.target.model_dump(exclude_none=True)
    entry.pop("reconcile_at", None)
    entry["schedule"] = None
    targets = home / "targets.yaml"
    targets.write_text(yaml.safe_dump({"targets": [entry]}))
    connections = {
        key: value for key, value in setup.env.items() if key.startswith("AIRFLOW_CONN_")
    }
    env = local.stack_env(
        home, local.free_port(), extra={**connections, "PIMFLOW_TARGETS": str(targets)}
    )
    deployment = Deployment(
        home,
        env,
        local.ApiClient(
            env["AIRFLOW__API__BASE_URL"], local.ADMIN_USER, local.write_password(home)
        ),
    )
    log = local.run_dir(home) / "setup.log"
    try:
        local.airflow_cli(env, "db", "migrate", log=log)
        local.create_pools(env, log)
        local.start_airflow(home, env, ("api-server", "scheduler", "dag-processor"))
        local.wait_for(deployment.client.healthy, "the API server", 180, home)
        dag_id = setup.target.dag_id
        local.wait_for(lambda: deployment.client.dag_ready(dag_id), f"the DAG {dag_id}", 180, home)
        response = deployment.client.request("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
        response.raise_for_status()
    except BaseException:
        local.stop_components(home)
        raise
    return deployment


def deployed_run(
    setup: Setup,
    deployment: Deployment,
    label: str,
    latency_ms: float,
    concurrency: dict[str, int],
    params: dict[str, Any],
) -> dict:
    """One run triggered through the deployment's REST API, with the figures of one_run.
    Its wall is from the trigger to the run's end as the scheduler recorded it; the peak
    RSS is the largest process under the scheduler (the executor's workers and each
    task's process), sampled from /proc: they are not this program's children."""
    for api in setup.apis:
        reset(setup.urls[api])
    dag_id = setup.target.dag_id
    started = time.time()
    with TreeSampler(deployment.scheduler_pid) as sampler:
        response = deployment.client.trigger(dag_id, params)
        response.raise_for_status()
        run_id = response.json()["dag_run_id"]
        run = deployment.client.wait_run(dag_id, run_id, timeout=7200)
    ended = _utc(run.get("end_date"))
    wall_ended = ended.timestamp() if ended else time.time()
    measured = {
        "wall_seconds": round(wall_ended - started, 2),
        "started": started,
        "ended": wall_ended,
    }
    report = deployment.report(dag_id)
    if report is not None and report.get("run_id") != run_id:
        report = None
    tasks = task_times(Path(deployment.home) / "airflow.db", dag_id, run_id)
    largest = sampler.largest()
    return {
        "label": label,
        "params": params,
        "exit_code": 0 if run.get("state") == "success" else 1,
        **run_figures(setup, latency_ms, concurrency, report, tasks, measured),
        "peak_rss": {
            "mb": round(largest[0], 1) if largest else None,
            "wait4_mb": None,
            "sampled_mb": round(largest[0], 1) if largest else None,
            "sampled_process": largest[1] if largest else None,
        },
    }


def run_env(workdir: Path, target: Any, urls: dict[str, str], shop_sandbox: str) -> dict:
    env = dict(os.environ)
    # The runs stage, keep their state and serve their media under their own fresh homes,
    # whatever this shell points at (the targets file and mappings stay the user's).
    for key in LOCAL_STATE_VARIABLES:
        env.pop(key, None)
    env["AIRFLOW_HOME"] = str(workdir / "airflow")
    env["PIMFLOW_HOME"] = str(workdir / "home")
    connections = {
        target.akeneo_connection: SANDBOX_CONNECTIONS[AKENEO](urls[AKENEO]),
        target.connection: SANDBOX_CONNECTIONS[shop_sandbox](urls[shop_sandbox]),
    }
    for conn_id, fields in connections.items():
        env[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(fields)
    return env


def bench_size(
    products: int,
    latency_ms: float,
    target_name: str | None,
    keep: bool = False,
    deployment: str = "sync",
) -> dict[str, Any]:
    from pimflow.targets import load_targets, target_named
    from pimflow.targets.registry import target_type

    # As `run sync` chooses: the target of that name, else the targets file's first.
    target = target_named(target_name) if target_name else load_targets()[0]
    shop_sandbox = target_type(target.type).sandbox_name
    if not shop_sandbox:
        raise SystemExit(f"target type {target.type!r} has no sandbox to bench against")
    workdir = Path(tempfile.mkdtemp(prefix=f"pimflow-bench-e2e-{products}-"))
    processes = []
    try:
        akeneo, akeneo_url, generation = start_sandbox(products, workdir, AKENEO, latency_ms)
        processes.append(akeneo)
        shop, shop_url, _ = start_sandbox(0, workdir, shop_sandbox, latency_ms)
        processes.append(shop)
        urls = {AKENEO: akeneo_url, shop_sandbox: shop_url}
        setup = Setup(
            target, shop_sandbox, urls, run_env(workdir, target, urls, shop_sandbox), workdir
        )
        concurrency, sources = concurrency_per_api(setup)
        if deployment == "local":
            deployed = start_deployment(setup)
            processes.append(deployed)

            def run(label: str, params: dict[str, Any]) -> dict:
                return deployed_run(setup, deployed, label, latency_ms, concurrency, params)
        else:

            def run(label: str, params: dict[str, Any]) -> dict:
                return one_run(setup, label, latency_ms, concurrency, params)

        full = run("full", FULL)
        if full["exit_code"] != 0:
            raise RuntimeError(
                f"the full run exited {full['exit_code']}:\n{full.get('output_tail', '')}"
            )
        reruns = {label: run(label, params) for label, params in RERUNS}
        return {
            "products": products,
            "deployment": deployment,
            "latency_ms": latency_ms,
            "target": target.name,
            "target_type": target.type,
            "catalog_generation_seconds": round(generation, 1),
            "concurrency": concurrency,
            "concurrency_from": sources,
            "full": full,
            **reruns,
            **{
                f"{label}_over_full": round(run["wall_seconds"] / full["wall_seconds"], 3)
                for label, run in reruns.items()
            },
            "rerun_wrote_nothing": all(rerun_wrote_nothing(run) for run in reruns.values()),
        }
    finally:
        for process in reversed(processes):  # Airflow first, the sandboxes after it
            if isinstance(process, Deployment):
                from pimflow.local import stop_components

                stop_components(process.home)
            else:
                stop_sandbox(process)
        if keep:
            print(f"   kept {workdir} (logs, Airflow DB, staging, reports)", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


# -- output -----------------------------------------------------------------------------------


def render(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"== e2e {result['products']:,} products: FAILED: {result['error']}"
    lines = [
        f"== e2e sync of {result['products']:,} products → {result['target']} "
        + ("under a LocalExecutor deployment " if result.get("deployment") == "local" else "")
        + f"({result['latency_ms']:g} ms per call; in flight: "
        + ", ".join(f"{api} {n}" for api, n in result["concurrency"].items())
        + f"; catalog generated in {result['catalog_generation_seconds']} s)"
    ]
    for label in ("full", *(label for label, _ in RERUNS)):
        run = result[label]
        floor = run["floor"]
        lines.append(
            f"   {label}: exit {run['exit_code']}, {run['wall_seconds']} s wall; calls "
            + ", ".join(f"{api} {n:,}" for api, n in run["calls"].items())
            + "; floor "
            + " + ".join(f"{api} {s:g} s" for api, s in floor["per_api_seconds"].items())
            + f" = {floor['serial_seconds']:g} s serial, {floor['overlapped_seconds']:g} s "
            f"overlapped → wall/serial floor {run['wall_over_serial_floor']}, "
            f"wall/overlapped floor {run['wall_over_overlapped_floor']}"
        )
        lines.append(
            f"      peak RSS {run['peak_rss']['mb']} MB (wait4 {run['peak_rss']['wait4_mb']} MB, "
            f"sampled {run['peak_rss']['sampled_mb']} MB: {run['peak_rss']['sampled_process']}); "
            f"before the first task {run['before_first_task_seconds']} s, tasks running "
            f"{run['task_seconds']} s, between tasks {run['between_tasks_seconds']} s, after "
            f"the last {run['after_last_task_seconds']} s"
        )
        lines.append(
            "      biggest tasks: "
            + ", ".join(
                f"{t['task_id']} {t['seconds']:g} s ({100 * (t['share_of_wall'] or 0):.0f} %)"
                for t in run["biggest_tasks"]
            )
        )
    for label, params in RERUNS:
        rerun = result[label]
        lines.append(
            f"   {label} rerun ({json.dumps(params)}): {result[f'{label}_over_full']:.3f} × the "
            f"full run's wall; shop writes {rerun['shop_writes']['calls']} calls / "
            f"{rerun['items_written']} items, media downloaded "
            f"{rerun['media']['bytes_downloaded']} bytes in {rerun['media']['download_calls']} "
            "calls: "
            + ("all 0, as they must be" if rerun_wrote_nothing(rerun) else "NOT 0: they must be")
        )
    return "\n".join(lines)


def main(
    sizes: list[int],
    latency_ms: float,
    target_name: str | None,
    out: Path,
    keep: bool = False,
    deployment: str = "sync",
) -> int:
    results = []
    for size in sizes:
        try:
            result = bench_size(size, latency_ms, target_name, keep, deployment)
        except (Exception, SystemExit) as exc:  # one size's failure must not stop the others
            result = {"products": size, "latency_ms": latency_ms, "error": str(exc)[-3000:]}
        print(render(result), flush=True)
        results.append(result)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"machine": machine(), "results": results}, indent=2))
    print(f"figures written to {out}")
    return 0 if all("error" not in r for r in results) else 1
