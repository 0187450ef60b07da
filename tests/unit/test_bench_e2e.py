"""The end-to-end bench's arithmetic (pimflow/bench/e2e.py): the floor from counted calls,
the task times from Airflow's task_instance table, the shop's writes by the target's rule,
the peak memory of a command's process tree."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from pimflow.bench.e2e import (
    api_floor,
    biggest_tasks,
    floor_ratio,
    media_downloads,
    outside_tasks,
    report_of,
    run_command,
    shop_writes,
    task_times,
    written_items,
)


def test_the_floor_is_calls_times_latency_over_the_calls_in_flight() -> None:
    # The 10k figures: 9,315 Akeneo calls 4 at a time, 5,662 shop calls 2 at a time.
    floor = api_floor({"akeneo": 9315, "shopware6": 5662}, {"akeneo": 4, "shopware6": 2}, 20)
    assert floor["per_api_seconds"] == {"akeneo": 46.575, "shopware6": 56.62}
    assert floor["serial_seconds"] == 103.195
    assert floor["overlapped_seconds"] == 56.62
    assert floor_ratio(229, floor["serial_seconds"]) == 2.22
    assert floor_ratio(229, floor["overlapped_seconds"]) == 4.04


def test_no_latency_no_floor_and_no_ratio() -> None:
    floor = api_floor({"akeneo": 100, "cscart": 7}, {"akeneo": 4, "cscart": 4}, 0)
    assert floor == {
        "per_api_seconds": {"akeneo": 0.0, "cscart": 0.0},
        "serial_seconds": 0.0,
        "overlapped_seconds": 0.0,
    }
    assert floor_ratio(12.5, 0.0) is None


def _airflow_db(path: Path) -> Path:
    """The two tables the bench reads, with the columns Airflow 3 gives them."""
    db = path / "airflow.db"
    connection = sqlite3.connect(db)
    connection.executescript(
        """
        CREATE TABLE dag_run (id INTEGER PRIMARY KEY, dag_id TEXT, run_id TEXT);
        CREATE TABLE task_instance (
            id TEXT PRIMARY KEY, task_id TEXT, dag_id TEXT, run_id TEXT,
            map_index INTEGER DEFAULT -1, start_date TIMESTAMP, end_date TIMESTAMP,
            duration FLOAT, state TEXT);
        INSERT INTO dag_run (dag_id, run_id) VALUES ('d', 'first'), ('d', 'second'), ('e', 'x');
        """
    )
    rows = [
        ("a", "akeneo.structure", "d", "first", -1, "2026-12-01 16:00:00", "2026-12-01 16:00:04"),
        ("b", "akeneo.structure", "d", "second", -1, "2026-12-01 17:00:01", "2026-12-01 17:00:03"),
        ("c", "akeneo.products", "d", "second", 1, "2026-12-01 17:00:05.500000",
         "2026-12-01 17:00:07"),
        ("d", "akeneo.products", "d", "second", 0, "2026-12-01 17:00:03.500000",
         "2026-12-01 17:00:05.500000"),
        ("e", "shopware6.media", "d", "second", -1, "2026-12-01 17:00:07", "2026-12-01 17:00:13"),
        ("f", "shop_updated", "d", "second", -1, None, None),
        ("g", "akeneo.structure", "e", "x", -1, "2026-12-01 17:00:00", "2026-12-01 18:00:00"),
    ]  # fmt: skip
    connection.executemany(
        "INSERT INTO task_instance (id, task_id, dag_id, run_id, map_index, start_date, "
        "end_date, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'success')",
        rows,
    )
    connection.commit()
    connection.close()
    return db


def test_task_times_of_the_latest_run_in_the_order_they_started(tmp_path: Path) -> None:
    tasks = task_times(_airflow_db(tmp_path), "d")
    assert [(t["task_id"], t["map_index"], t["duration_seconds"]) for t in tasks] == [
        ("akeneo.structure", -1, 2.0),
        ("akeneo.products", 0, 2.0),
        ("akeneo.products", 1, 1.5),
        ("shopware6.media", -1, 6.0),
        ("shop_updated", -1, None),  # never ran (skipped): no time
    ]
    assert tasks[0]["start"] == "2026-12-01T17:00:01+00:00"
    assert tasks[3]["end"] == "2026-12-01T17:00:13+00:00"
    named = task_times(tmp_path / "airflow.db", "d", "first")
    assert [(t["task_id"], t["duration_seconds"]) for t in named] == [("akeneo.structure", 4.0)]
    assert task_times(tmp_path / "airflow.db", "no such dag") == []


def test_the_biggest_tasks_sum_a_mapped_tasks_instances_and_share_the_wall(
    tmp_path: Path,
) -> None:
    tasks = task_times(_airflow_db(tmp_path), "d")
    assert biggest_tasks(tasks, wall_seconds=20.0, top=2) == [
        {"task_id": "shopware6.media", "instances": 1, "seconds": 6.0, "share_of_wall": 0.3},
        {"task_id": "akeneo.products", "instances": 2, "seconds": 3.5, "share_of_wall": 0.175},
    ]
    started = tasks[0]["start"]  # the command started 5 s before its first task
    from datetime import datetime

    start = datetime.fromisoformat(started).timestamp()
    end = datetime.fromisoformat(tasks[3]["end"]).timestamp()
    # Tasks from :01 to :13, running all along but for :03 → :03.5 (one at a time here).
    assert outside_tasks(tasks, start - 5, end + 7.25) == {
        "before_first_task_seconds": 5.0,
        "after_last_task_seconds": 7.25,
        "task_seconds": 11.5,
        "between_tasks_seconds": 0.5,
    }
    overlapping = [
        {"start": "2026-12-01T10:00:00+00:00", "end": "2026-12-01T10:00:10+00:00"},
        {"start": "2026-12-01T10:00:02+00:00", "end": "2026-12-01T10:00:04+00:00"},
        {"start": "2026-12-01T10:00:12+00:00", "end": "2026-12-01T10:00:13+00:00"},
        {"start": None, "end": None},
    ]
    at = datetime.fromisoformat("2026-12-01T10:00:00+00:00").timestamp()
    assert outside_tasks(overlapping, at - 1, at + 13) == {
        "before_first_task_seconds": 1.0,
        "after_last_task_seconds": 0.0,
        "task_seconds": 11.0,
        "between_tasks_seconds": 2.0,
    }
    assert outside_tasks([], 0, 1)["task_seconds"] is None


def test_shop_writes_by_the_targets_own_rule() -> None:
    calls = {
        "POST /api/oauth/token": 3,
        "POST /api/search/{entity}": 10,
        "POST /api/search-ids/{entity}": 4,
        "POST /api/_action/sync": 7,
        "POST /api/_action/media/{mediaId}/upload": 19,
    }
    writes = shop_writes(calls, "shopware6")
    assert writes == {
        "calls": 26,
        "by_route": {"POST /api/_action/sync": 7, "POST /api/_action/media/{mediaId}/upload": 19},
    }
    assert shop_writes({"GET /api/products": 9, "PUT /api/products/{id}": 2}, "cscart") == {
        "calls": 2,
        "by_route": {"PUT /api/products/{id}": 2},
    }


def test_the_report_run_sync_printed_gives_writes_and_media(tmp_path: Path) -> None:
    folder = tmp_path / "reports" / "akeneo_to_shopware6"
    folder.mkdir(parents=True)
    (folder / "latest.json").write_text(
        '{"run_id": "r", "counts": {"product": {"read": 5, "created": 1, "updated": 2, '
        '"unchanged": 2, "deleted": 0, "deactivated": 1}}, '
        '"stages": {"akeneo.media": {"bytes_downloaded": 123, "downloaded": 2}}}'
    )
    output = f"pimflow sync …: SUCCESS\n  report: {folder.as_uri()}\n  log: /x.log\n"
    report = report_of(output)
    assert report is not None and report["run_id"] == "r"
    assert written_items(report) == 4
    assert media_downloads(report, {"GET /api/rest/v1/media-files/{code:path}/download": 2}) == {
        "bytes_downloaded": 123,
        "files_downloaded": 2,
        "download_calls": 2,
    }
    assert report_of("no report line\n") is None


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="the tree is sampled from /proc")
def test_peak_rss_sees_the_child_the_command_waits_for(tmp_path: Path) -> None:
    # A parent (~10 MB) that waits for a child holding ~200 MB: the run's peak is the
    # child's, which the parent's own RSS alone would miss. (No upper bound: the kernel
    # reports the largest process, yet a loaded CI machine once read 401 MB here.)
    child = "b = bytearray(200 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"
    measured = run_command([sys.executable, "-c", parent], {}, tmp_path / "log")
    assert measured["exit_code"] == 0
    peak = measured["peak_rss"]
    assert peak["wait4_mb"] >= 200
    assert peak["mb"] >= peak["wait4_mb"]
    failing = run_command([sys.executable, "-c", "raise SystemExit(3)"], {}, tmp_path / "log")
    assert failing["exit_code"] == 3


def test_a_rerun_wrote_nothing_only_if_every_write_and_download_is_0() -> None:
    from pimflow.bench.e2e import rerun_wrote_nothing

    clean = {
        "shop_writes": {"calls": 0, "by_route": {}},
        "items_written": 0,
        "media": {"bytes_downloaded": 0, "files_downloaded": 0, "download_calls": 0},
    }
    assert rerun_wrote_nothing(clean)
    assert not rerun_wrote_nothing({**clean, "shop_writes": {"calls": 1, "by_route": {}}})
    assert not rerun_wrote_nothing({**clean, "items_written": 2})
    assert not rerun_wrote_nothing({**clean, "media": {**clean["media"], "download_calls": 1}})
    assert not rerun_wrote_nothing({**clean, "media": {**clean["media"], "bytes_downloaded": None}})
