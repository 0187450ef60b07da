"""pimflow.dag_run, the process `make sync` / `make demo` run a DAG in: it migrates the
metadata DB only when the DB is not at the installed Airflow's head."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import airflow

from pimflow import dag_run, run

VERSIONS = Path(airflow.__file__).parent / "migrations" / "versions"


def test_the_heads_read_from_the_scripts_text_are_alembics():
    from airflow.utils.db import _get_script_object

    assert dag_run.migration_heads(VERSIONS) == set(_get_script_object().get_heads())


def test_a_merge_revision_follows_both_its_parents(tmp_path):
    scripts = {
        "a.py": 'revision = "aaa1"\ndown_revision = None\n',
        "b.py": 'revision = "bbb2"\ndown_revision = "aaa1"\n',
        "c.py": "revision = 'ccc3'\ndown_revision = 'aaa1'\n",
        "merge.py": 'revision = "ddd4"\ndown_revision = ("bbb2", "ccc3")\n',
        "__init__.py": "",
    }
    for name, text in scripts.items():
        (tmp_path / name).write_text(text)
    assert dag_run.migration_heads(tmp_path) == {"ddd4"}
    (tmp_path / "e.py").write_text('revision = "eee5"\ndown_revision = "ccc3"\n')
    assert dag_run.migration_heads(tmp_path) == {"ddd4", "eee5"}  # two heads


def _migrate(env: dict[str, str], log: Path) -> str:
    """Run the migrate step as `make sync` does; the log lines it added."""
    before = log.read_text() if log.exists() else ""
    run.migrate(env, log)
    return log.read_text()[len(before) :]


def test_a_fresh_db_migrates_one_at_head_does_not_and_an_older_one_does(tmp_path):
    env = run.airflow_env(tmp_path / "pimflow")
    env["AIRFLOW_HOME"] = str(tmp_path / "airflow")
    log = tmp_path / "run.log"

    first = _migrate(env, log)
    assert "migrating the metadata DB (a new metadata DB)" in first, first
    assert (tmp_path / "airflow" / "airflow.db").is_file()

    again = _migrate(env, log)
    assert "the metadata DB is at Airflow's head; no migration" in again, again
    assert "migrating" not in again

    # One revision back, as a DB of the previous Airflow release would be.
    (head,) = dag_run.migration_heads(VERSIONS)
    previous = next(
        dag_run._REVISION_ID.findall(down)[0]
        for script in VERSIONS.glob("*.py")
        if f'revision = "{head}"' in (text := script.read_text())
        for down in dag_run._DOWN_REVISION.findall(text)
    )
    airflow_cli = str(Path(sys.executable).with_name("airflow"))
    subprocess.run(
        [airflow_cli, "db", "downgrade", "--to-revision", previous, "--yes"],
        env=env,
        check=True,
        capture_output=True,
    )
    older = _migrate(env, log)
    assert f"migrating the metadata DB (the metadata DB is at ['{previous}']" in older, older
    assert "no migration" in _migrate(env, log)  # and it is at head again


def test_a_dag_the_file_does_not_define_fails_naming_it_and_writes_no_result(tmp_path):
    env = run.airflow_env(tmp_path / "pimflow")
    env["AIRFLOW_HOME"] = str(tmp_path / "airflow")
    (tmp_path / "airflow").mkdir()
    log, result = tmp_path / "run.log", tmp_path / "result.json"
    args = ["--dag-id", "akeneo_to_nowhere", "--result", str(result)]
    assert run.airflow_process(env, log, *args) == 1
    text = log.read_text()
    assert "DAG akeneo_to_nowhere not found in " in text and "pimflow_sync.py" in text, text
    assert "pimflow phase import Airflow:" in text  # Airflow's output and ours: the log
    assert not result.exists()


def test_each_task_end_releases_memory_once_and_logs_the_rss(capsys):
    from types import SimpleNamespace

    from airflow.sdk.listener import get_listener_manager

    released = []
    memory = dag_run.TaskMemory(release=lambda: released.append(1))
    listener = memory.register()
    try:
        hook = get_listener_manager().hook
        hook.on_task_instance_success(
            previous_state=None, task_instance=SimpleNamespace(task_id="a.ok")
        )
        hook.on_task_instance_failed(
            previous_state=None, task_instance=SimpleNamespace(task_id="b.bad"), error="boom"
        )
    finally:
        get_listener_manager().pm.unregister(listener)
    assert len(released) == memory.releases == 2
    out = capsys.readouterr().out
    assert "pimflow memory after a.ok: RSS " in out and "pimflow memory after b.bad: RSS " in out


# In a fresh interpreter: ~200 MB of C-heap blocks, every 16th kept (the holes glibc does
# not give back by itself), the rest freed; then release_memory(). Prints both RSS in MB.
_FRAGMENTED_HEAP = """
import ctypes
from pimflow import dag_run
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
blocks = [libc.malloc(2048) for _ in range(100_000)]
for block in blocks:
    ctypes.memset(block, 1, 2048)
for index, block in enumerate(blocks):
    if index % 16:
        libc.free(block)
before = dag_run.current_rss_mb()
dag_run.release_memory()
print(before, dag_run.current_rss_mb())
"""


def test_release_memory_gives_the_freed_heap_back():
    out = subprocess.run(
        [sys.executable, "-c", _FRAGMENTED_HEAP], capture_output=True, text=True, check=True
    ).stdout
    before, after = map(float, out.split())
    assert before - after > 80, (before, after)  # ~185 MB freed; a wide bound


_PANDAS_PROBE = """
import sys
from pimflow import dag_run
assert dag_run.pyarrow_without_pandas()
import pyarrow as pa
pa.array([{"a": [1, None]}]), pa.array(["x", None]), pa.table({"n": [1, 2]}).to_pylist()
print("pandas" in sys.modules)
print(pa.table({"n": [1, 2]}).to_pandas()["n"].tolist())
"""


def test_pyarrow_runs_without_importing_pandas_and_pandas_still_works():
    out = subprocess.run(
        [sys.executable, "-c", _PANDAS_PROBE], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "False"  # converting rows never imported pandas
    assert out[1] == "[1, 2]"  # and a to_pandas() still finds it
