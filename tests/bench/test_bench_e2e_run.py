"""One real, tiny run of the end-to-end bench (`python -m pimflow.bench e2e`): every field of
its JSON is there, the unchanged rerun writes nothing, and what it started is stopped."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pimflow.bench import e2e

pytestmark = pytest.mark.e2e

RUN_FIELDS = {
    "label",
    "exit_code",
    "status",
    "wall_seconds",
    "calls",
    "calls_by_route",
    "peak_in_flight",
    "floor",
    "wall_over_serial_floor",
    "wall_over_overlapped_floor",
    "shop_writes",
    "items_written",
    "media",
    "tasks",
    "biggest_tasks",
    "before_first_task_seconds",
    "after_last_task_seconds",
    "task_seconds",
    "between_tasks_seconds",
    "peak_rss",
}


def _children() -> set[int]:
    path = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children")
    return {int(p) for p in path.read_text().split()} if path.exists() else set()


def test_a_tiny_run_writes_every_figure(tmp_path: Path) -> None:
    before = _children()
    out = tmp_path / "e2e.json"
    # 1 ms per call: enough for a floor (and its ratios) to exist, no wait worth the name.
    assert e2e.main([30], 1.0, "shopware6", out) == 0
    assert _children() <= before  # both sandboxes and every run stopped

    (result,) = json.loads(out.read_text())["results"]
    assert result["products"] == 30 and result["target_type"] == "shopware6"
    assert result["concurrency"] == {"akeneo": 4, "shopware6": 2}
    assert result["unchanged_over_full"] > 0 and result["unchanged_delta_over_full"] > 0
    full, unchanged, delta = result["full"], result["unchanged"], result["unchanged_delta"]
    assert (full["params"], unchanged["params"], delta["params"]) == (
        {"mode": "full"},
        {"mode": "full"},
        {},
    )
    for run in (full, unchanged, delta):
        assert set(run) >= RUN_FIELDS, RUN_FIELDS - set(run)
        assert run["exit_code"] == 0
        assert run["calls"]["akeneo"] > 0 and run["calls"]["shopware6"] > 0
        floor = run["floor"]
        assert floor["serial_seconds"] == pytest.approx(
            sum(floor["per_api_seconds"].values()), abs=0.002
        )
        assert run["wall_over_serial_floor"] > 1 and run["wall_over_overlapped_floor"] > 1
        tasks = {(t["task_id"], t["map_index"]) for t in run["tasks"]}
        assert ("akeneo.structure", -1) in tasks and ("shopware6.products", -1) in tasks
        assert run["biggest_tasks"] and all(
            0 < t["share_of_wall"] < 1 for t in run["biggest_tasks"]
        )
        assert run["before_first_task_seconds"] > 0 and run["after_last_task_seconds"] > 0
        assert run["peak_rss"]["mb"] > 50  # an Airflow process, at least
    assert full["shop_writes"]["calls"] > 0 and full["media"]["bytes_downloaded"] > 0
    for rerun in (unchanged, delta):
        assert rerun["shop_writes"] == {"calls": 0, "by_route": {}}
        assert rerun["items_written"] == 0
        assert rerun["media"]["bytes_downloaded"] == 0
        assert rerun["media"]["download_calls"] == 0
    # The delta reads what changed since the full rerun: no product page beyond the first.
    assert delta["calls"]["akeneo"] < unchanged["calls"]["akeneo"]
    assert result["rerun_wrote_nothing"] is True


def test_a_size_that_fails_is_reported_and_the_others_go_on(tmp_path: Path) -> None:
    out = tmp_path / "e2e.json"
    # The sandbox refuses a catalog under 10 products: each size fails before any run, is
    # reported, and the next one is still tried.
    assert e2e.main([3, 4], 0.0, "shopware6", out) == 1
    results = json.loads(out.read_text())["results"]
    assert [r["products"] for r in results] == [3, 4]
    assert all("sandbox akeneo failed" in r["error"] for r in results)


def test_the_same_runs_through_a_local_executor_deployment(tmp_path: Path) -> None:
    before = _children()
    out = tmp_path / "e2e-local.json"
    assert e2e.main([30], 1.0, "shopware6", out, deployment="local") == 0
    assert _children() <= before  # the deployment's components and the sandboxes stopped

    (result,) = json.loads(out.read_text())["results"]
    assert result["deployment"] == "local"
    for label in ("full", "unchanged", "unchanged_delta"):
        run = result[label]
        assert set(run) >= RUN_FIELDS, RUN_FIELDS - set(run)
        assert run["exit_code"] == 0 and run["status"] is not None  # this run's own report
        tasks = {t["task_id"] for t in run["tasks"]}
        assert {"akeneo.structure", "shopware6.products", "report"} <= tasks
        # Tasks run in processes of the executor, not children of this program: sampled.
        assert run["peak_rss"]["sampled_mb"] > 50 and run["peak_rss"]["wait4_mb"] is None
    assert result["full"]["shop_writes"]["calls"] > 0
    assert result["rerun_wrote_nothing"] is True
