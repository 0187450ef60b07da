"""`make up` / `make down`: a local Airflow with the sandbox APIs, for clicking through the UI.

    python -m pimflow.local up        # start everything in the background, print the URL
    python -m pimflow.local status    # what runs, where, and the login
    python -m pimflow.local down      # stop everything `up` started

`airflow standalone` would do, but its log servers listen on 0.0.0.0; here each component
is started on its own so that every listener is on 127.0.0.1: the API server (UI, REST API,
execution API, the pimflow plugin page), the scheduler, the DAG processor and the
triggerer (the last three without log servers: task logs are files on this machine), and
the sandbox Akeneo, Shopware 6 and CS-Cart. Everything lives under `.airflow/local/`: the
SQLite metadata DB, `run/<name>.pid` and `run/<name>.log` per process, pimflow's staging
and reports. Login: user `admin`, with the password `up` prints (kept in
`.airflow/local/passwords.json`).

The tests reuse `start_component`, `stop_components`, `stack_env` and `ApiClient` to run a
real Airflow on free ports (LocalExecutor on SQLite, or CeleryExecutor on PostgreSQL).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from pimflow.config import xcom_settings
from pimflow.sandboxes import SANDBOX_CONNECTIONS, sandbox_default_urls, sandbox_names

REPO = Path(__file__).resolve().parents[2]
LOCAL_HOME = REPO / ".airflow" / "local"
DEFAULT_PORT = 8080
ADMIN_USER = "admin"


def bin_path(name: str) -> str:
    """A console script of this virtualenv (airflow, pimflow-sandbox)."""
    return str(Path(sys.executable).with_name(name))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def stack_env(
    home: Path,
    port: int,
    *,
    executor: str = "LocalExecutor",
    sql_alchemy_conn: str | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment every component of one local Airflow shares.

    Inherited `AIRFLOW__*` and `PIMFLOW_*` settings and the sandbox connections'
    `AIRFLOW_CONN_*` are dropped: this Airflow is defined here, whatever the calling shell
    had (`extra` adds to it). The JWT secret is shared by all components (the scheduler
    signs the tokens the execution API checks) and new on every start.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AIRFLOW__")
        and key not in {f"AIRFLOW_CONN_{name.upper()}_DEFAULT" for name in sandbox_names()}
        and not key.startswith("PIMFLOW_")
    }
    base_url = f"http://127.0.0.1:{port}"
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": executor,
            "AIRFLOW__CORE__PARALLELISM": "4",  # two cores here
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": base_url,
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "PIMFLOW_HOME": str(home / "pimflow"),
        }
    )
    if sql_alchemy_conn:
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = sql_alchemy_conn
    env.update(extra or {})
    staging = env.get("PIMFLOW_STAGING_URL") or (home / "pimflow" / "staging").as_uri()
    for key, value in xcom_settings(staging, env.get("PIMFLOW_STAGING_CONN_ID")).items():
        env.setdefault(key, value)
    return env


def create_pools(env: dict[str, str], log: Path) -> None:
    """The pools the targets' DAGs use (their tasks would wait forever without them), by
    the command docker-compose's init runs too: `python -m pimflow.targets pools`."""
    with log.open("a") as handle:
        handle.write("\n$ python -m pimflow.targets pools\n")
        handle.flush()
        code = subprocess.call(
            [sys.executable, "-m", "pimflow.targets", "pools"],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            timeout=300,
        )
    if code != 0:
        raise RuntimeError(f"creating the pools failed; see {log}")


def run_dir(home: Path) -> Path:
    return home / "run"


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, from its first byte (it holds a secret)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
        handle.write(text)


def airflow_cli(env: dict[str, str], *args: str, log: Path, timeout: float = 300) -> None:
    """Run one airflow command to completion, its output appended to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as handle:
        handle.write(f"\n$ airflow {' '.join(args)}\n")
        handle.flush()
        code = subprocess.call(
            [bin_path("airflow"), *args],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
    if code != 0:
        raise RuntimeError(
            f"`airflow {args[0]} {args[1] if len(args) > 1 else ''}` failed; see {log}"
        )


def start_component(name: str, argv: list[str], env: dict[str, str], home: Path) -> int:
    """Start one long-running process in its own session; its pid and log under run/."""
    folder = run_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{name}.log").open("a") as log:
        process = subprocess.Popen(
            argv,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopping it stops its children
        )
    (folder / f"{name}.pid").write_text(str(process.pid))
    return process.pid


def _ours(pid: int, pid_file: Path) -> bool:
    """Whether pid is alive and is the process we started for this pid file, not a recycled
    pid: a session leader (each is started in its own session) born when the file was
    written. (Its environment cannot tell: setproctitle overwrites it in the api-server.)"""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        written = pid_file.stat().st_mtime
    except (OSError, StopIteration, IndexError):
        return False
    # After the command: state(0) ppid(1) pgrp(2) session(3) ... starttime(19).
    session, born = int(fields[3]), boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    return fields[0] != "Z" and session == pid and written - 60 <= born <= written + 2


def running(home: Path) -> dict[str, int]:
    """{name: pid} of the components of this home that are still alive."""
    alive = {}
    for pid_file in sorted(run_dir(home).glob("*.pid")):
        with contextlib.suppress(OSError, ValueError):
            pid = int(pid_file.read_text().strip())
            if _ours(pid, pid_file):
                alive[pid_file.stem] = pid
    return alive


def listeners(home: Path) -> list[tuple[str, str, int]]:
    """(component, address, port) of every TCP socket listening in a component's session:
    the check that nothing this Airflow started listens beyond 127.0.0.1."""
    sessions = {pid: name for name, pid in running(home).items()}
    inodes: dict[str, str] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            session = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[3])
            if session not in sessions:
                continue
            for fd in (proc / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes[target[8:-1]] = sessions[session]
    found = []
    for table, family in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 6)):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] != "0A" or fields[9] not in inodes:  # 0A: LISTEN
                    continue
                address, port = fields[1].split(":")
                found.append((inodes[fields[9]], _address(address, family), int(port, 16)))
    return sorted(found)


def _address(hex_address: str, family: int) -> str:
    raw = bytes.fromhex(hex_address)
    if family == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    # /proc/net/tcp6 holds four little-endian 32-bit words.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)


def stop_components(
    home: Path, names: Iterable[str] | None = None, timeout: float = 30
) -> list[str]:
    """Stop what start_component started here: SIGTERM to each one's process group, SIGKILL
    to those still there after `timeout`. Only pids of live pid files that pass `_ours`."""
    wanted = set(names) if names is not None else None
    targets = {n: p for n, p in running(home).items() if wanted is None or n in wanted}
    for pid in targets.values():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for pid in targets.values():
        while _alive(pid) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.2)
    for pid in targets.values():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)  # the group's stragglers too, if any are left
        _reap(pid)
    for name in targets:
        (run_dir(home) / f"{name}.pid").unlink(missing_ok=True)
    return sorted(targets)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _reap(pid: int) -> None:
    """Collect our own child's exit status, so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def wait_for(check, what: str, timeout: float, home: Path | None = None, interval: float = 0.5):  # noqa: ANN001, ANN201
    """Poll `check()` until it returns something truthy; fail with the logs' location."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(requests.RequestException, OSError, ValueError):
            result = check()
            if result:
                return result
        if time.monotonic() > deadline:
            where = f"; logs in {run_dir(home)}" if home else ""
            raise TimeoutError(f"{what} not ready after {timeout:.0f} s{where}")
        time.sleep(interval)


@dataclass
class ApiClient:
    """Airflow's public REST API (v2) with a JWT from `POST /auth/token`."""

    base_url: str
    username: str
    password: str
    _token: str | None = None

    def token(self) -> str:
        if self._token is None:
            response = requests.post(
                f"{self.base_url}/auth/token",
                json={"username": self.username, "password": self.password},
                timeout=30,
            )
            response.raise_for_status()
            self._token = response.json()["access_token"]
        return self._token

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token()}", **kwargs.pop("headers", {})}
        return requests.request(
            method, f"{self.base_url}/api/v2{path}", headers=headers, timeout=60, **kwargs
        )

    def healthy(self) -> bool:
        response = requests.get(f"{self.base_url}/api/v2/monitor/health", timeout=5)
        return response.status_code == 200

    def dag_ready(self, dag_id: str) -> bool:
        return self.request("GET", f"/dags/{dag_id}").status_code == 200

    def trigger(self, dag_id: str, conf: dict[str, Any]) -> requests.Response:
        return self.request(
            "POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf}
        )

    def wait_run(self, dag_id: str, run_id: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            run = self.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}").json()
            if run.get("state") in ("success", "failed"):
                return run
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} still {run.get('state')} after {timeout:.0f} s")
            time.sleep(1)


def write_password(home: Path) -> str:
    """The admin's password: kept if set before, else a new one (the simple auth manager
    reads this file; it never prints what it did not generate itself)."""
    path = home / "passwords.json"
    passwords = json.loads(path.read_text()) if path.exists() else {}
    if ADMIN_USER not in passwords:
        passwords[ADMIN_USER] = secrets.token_urlsafe(12)
        write_private(path, json.dumps(passwords) + "\n")
    return passwords[ADMIN_USER]


def import_connections(env: dict[str, str], home: Path, connections: dict[str, dict]) -> None:
    """Store connections in the metadata DB (visible and testable in the UI)."""
    path = home / "connections.json"
    rows = {
        conn_id: {**conn, "extra": json.dumps(conn.get("extra") or {})}
        for conn_id, conn in connections.items()
    }
    write_private(path, json.dumps(rows))
    try:
        airflow_cli(
            env, "connections", "import", "--overwrite", str(path), log=run_dir(home) / "setup.log"
        )
    finally:
        path.unlink(missing_ok=True)


def sandbox_connections(urls: dict[str, str]) -> dict[str, dict]:
    return {f"{name}_default": SANDBOX_CONNECTIONS[name](url) for name, url in urls.items()}


def start_sandboxes(home: Path, env: dict[str, str], catalog: str = "demo") -> dict[str, str]:
    """Every sandbox API, on its default port when all are free, else on free ports."""
    ready = run_dir(home) / "sandbox-urls.json"
    ready.unlink(missing_ok=True)
    argv = [bin_path("pimflow-sandbox"), "all", "--catalog", catalog, "--ready-file", str(ready)]
    ports = [int(url.rsplit(":", 1)[1]) for url in sandbox_default_urls().values()]
    if not all(port_is_free(p) for p in ports):
        argv += ["--port", "0"]
    start_component("sandbox", argv, env, home)
    return wait_for(
        lambda: ready.exists() and json.loads(ready.read_text()), "the sandbox APIs", 120, home
    )


def start_airflow(
    home: Path,
    env: dict[str, str],
    components: Iterable[str] = ("api-server", "scheduler", "dag-processor", "triggerer"),
) -> None:
    """The long-running Airflow components, none with a listener off 127.0.0.1."""
    airflow = bin_path("airflow")
    argv = {
        "api-server": [
            airflow,
            "api-server",
            "-H",
            "127.0.0.1",
            "-p",
            env["AIRFLOW__API__PORT"],
            "-w",
            "1",
        ],
        "scheduler": [airflow, "scheduler", "--skip-serve-logs"],
        "dag-processor": [airflow, "dag-processor"],
        "triggerer": [airflow, "triggerer", "--skip-serve-logs"],
    }
    for name in components:
        start_component(name, argv[name], env, home)


def up(args: argparse.Namespace) -> int:
    home: Path = args.home
    if running(home):
        print("already running; `make down` first")
        return status(args)
    home.mkdir(parents=True, exist_ok=True)
    for old_log in run_dir(home).glob("*.log"):
        old_log.unlink()
    port = args.port if port_is_free(args.port) else free_port()
    env = stack_env(home, port)
    # The sandbox shop starts empty on every `up`: so must the change-detection state
    # (else unchanged products would never be sent to the fresh shop). Reports are kept.
    state = Path(env["PIMFLOW_HOME"]) / "state.sqlite"
    for path in state.parent.glob(state.name + "*"):
        path.unlink()
    started = time.monotonic()
    try:
        urls = start_sandboxes(home, env, args.catalog)
        print("sandbox APIs: " + ", ".join(f"{k} {v}" for k, v in urls.items()), flush=True)
        print("migrating the metadata DB …", flush=True)
        airflow_cli(env, "db", "migrate", log=run_dir(home) / "setup.log")
        create_pools(env, run_dir(home) / "setup.log")
        import_connections(env, home, sandbox_connections(urls))
        password = write_password(home)
        start_airflow(home, env)
        client = ApiClient(f"http://127.0.0.1:{port}", ADMIN_USER, password)
        wait_for(client.healthy, "the API server", 180, home)
    except BaseException:
        stop_components(home)
        raise
    (home / "url").write_text(client.base_url)
    print(f"Airflow is up in {time.monotonic() - started:.0f} s: {client.base_url}")
    print(f"  log in as {ADMIN_USER} / {password}   (kept in {home / 'passwords.json'})")
    print(f"  run reports: {client.base_url}/pimflow/ (also under Browse → pimflow in the UI)")
    print(f"  logs and pids: {run_dir(home)}   stop with: make down")
    return 0


def down(args: argparse.Namespace) -> int:
    stopped = stop_components(args.home)
    print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
    return 0


def status(args: argparse.Namespace) -> int:
    home: Path = args.home
    alive = running(home)
    for pid_file in sorted(run_dir(home).glob("*.pid")):
        name = pid_file.stem
        print(f"  {name:14} {'running, pid ' + str(alive[name]) if name in alive else 'stopped'}")
    if not alive:
        print("nothing is running (start with `make up`)")
        return 1
    url_file = home / "url"
    if url_file.exists():
        print(
            f"Airflow: {url_file.read_text()}  (log in as {ADMIN_USER}, password in "
            f"{home / 'passwords.json'})"
        )
    urls = run_dir(home) / "sandbox-urls.json"
    if urls.exists():
        print(
            "sandbox APIs: "
            + ", ".join(f"{k} {v}" for k, v in json.loads(urls.read_text()).items())
        )
    print(
        "listening: " + ", ".join(f"{name} {host}:{port}" for name, host, port in listeners(home))
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pimflow.local")
    parser.add_argument(
        "--home", type=Path, default=LOCAL_HOME, help="AIRFLOW_HOME of this Airflow"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    up_parser = sub.add_parser("up", help="start Airflow and the sandbox APIs in the background")
    up_parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="the API server's port")
    up_parser.add_argument("--catalog", default="demo", help="the sandbox Akeneo's catalog")
    up_parser.set_defaults(func=up)
    sub.add_parser("down", help="stop what `up` started").set_defaults(func=down)
    sub.add_parser("status", help="what runs, and where").set_defaults(func=status)
    args = parser.parse_args(argv)
    args.home = args.home.resolve()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
