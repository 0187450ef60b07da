"""`make up` / `make down` (pimflow.local): the whole local Airflow started and stopped for
real, every listener on 127.0.0.1; and the process bookkeeping that `down` relies on to
stop only what `up` started."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from pimflow import local
from pimflow.sandboxes import sandbox_default_urls

pytestmark = pytest.mark.e2e


def run_local(home, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pimflow.local", "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@contextlib.contextmanager
def default_sandbox_port_held() -> Iterator[None]:
    """One of the sandboxes' default ports bound here (unless another process holds it):
    `up` then serves every sandbox on free ports, as it does when a user's `make sandbox`
    holds them, so two suites on one machine never race each other for the defaults."""
    port = int(next(iter(sandbox_default_urls().values())).rsplit(":", 1)[1])
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with contextlib.suppress(OSError):  # held already: by whom does not matter
            holder.bind(("127.0.0.1", port))
            holder.listen()
        yield
    finally:
        holder.close()


def test_up_status_and_down(tmp_path):
    home = tmp_path / "local"
    port = local.free_port()
    with default_sandbox_port_held():
        started = run_local(home, "up", "--port", str(port))
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"http://127.0.0.1:{port}" in started.stdout
        components = set(local.running(home))
        assert components == {"api-server", "scheduler", "dag-processor", "triggerer", "sandbox"}

        # The documented login works, and the connections point at the sandboxes.
        password = json.loads((home / "passwords.json").read_text())["admin"]
        assert f"admin / {password}" in started.stdout
        client = local.ApiClient(f"http://127.0.0.1:{port}", "admin", password)
        sandboxes = json.loads((local.run_dir(home) / "sandbox-urls.json").read_text())
        for name in ("akeneo", "shopware6", "cscart"):
            conn = client.request("GET", f"/connections/{name}_default").json()
            assert conn["conn_type"] == name
            assert conn["host"] == sandboxes[name]
            assert requests.get(f"{sandboxes[name]}/_sandbox/stats", timeout=10).ok
        page = requests.get(
            f"{client.base_url}/pimflow/",
            headers={"Authorization": f"Bearer {client.token()}"},
            timeout=30,
        )
        assert page.status_code == 200 and "pimflow run reports" in page.text

        status = run_local(home, "status")
        assert status.returncode == 0
        assert "api-server     running" in status.stdout

        found = local.listeners(home)
        assert ("api-server", "127.0.0.1", port) in found, found
        assert {name for name, _, _ in found} == {"api-server", "sandbox"}, found
        assert all(host == "127.0.0.1" for _, host, _ in found), found

        again = run_local(home, "up")
        assert "already running" in again.stdout
    finally:
        stopped = run_local(home, "down")
    assert stopped.returncode == 0
    assert "api-server" in stopped.stdout
    assert local.running(home) == {}
    assert local.listeners(home) == []
    assert run_local(home, "status").returncode == 1


def test_stop_components_stops_a_process_group_and_nothing_else(tmp_path):
    home = tmp_path / "home"
    # A component with a child of its own: both must go.
    child_file = tmp_path / "child.pid"
    pid = local.start_component(
        "sleeper", ["sh", "-c", f"sleep 300 & echo $! > {child_file}; wait"], dict(os.environ), home
    )
    deadline = time.monotonic() + 60  # wide: a loaded machine starts processes slowly
    while not child_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert local.running(home) == {"sleeper": pid}

    # A pid file that names a process we did not start is left alone.
    outsider = subprocess.Popen(["sleep", "300"])
    try:
        (local.run_dir(home) / "outsider.pid").write_text(str(outsider.pid))
        (local.run_dir(home) / "init.pid").write_text("1")
        assert set(local.running(home)) == {"sleeper"}

        assert local.stop_components(home, timeout=10) == ["sleeper"]
        assert outsider.poll() is None, "a process that was not ours was stopped"
        child = int(child_file.read_text())
        stat = Path(f"/proc/{child}/stat")
        assert not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"
        assert not os.path.exists(f"/proc/{pid}")
    finally:
        outsider.kill()
        outsider.wait()


def test_the_environment_is_this_airflows_own(monkeypatch, tmp_path):
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "KubernetesExecutor")
    monkeypatch.setenv("AIRFLOW_CONN_AKENEO_DEFAULT", '{"conn_type": "akeneo", "host": "x"}')
    monkeypatch.setenv("PIMFLOW_STAGING_URL", "s3://elsewhere")
    first = local.stack_env(tmp_path, 8999)
    second = local.stack_env(tmp_path, 8999)
    assert first["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert "AIRFLOW_CONN_AKENEO_DEFAULT" not in first
    assert "PIMFLOW_STAGING_URL" not in first
    assert first["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert first["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8999/execution/"
    assert first["AIRFLOW__API_AUTH__JWT_SECRET"] != second["AIRFLOW__API_AUTH__JWT_SECRET"]
    assert first["AIRFLOW__CORE__PLUGINS_FOLDER"].endswith("/plugins")
