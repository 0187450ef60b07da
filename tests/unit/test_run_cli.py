"""`make sync` / `make demo` (pimflow.run): what the user typed is checked before Airflow
starts (one line on stderr, exit 2, no traceback), and each run's log is a file of its own
under $AIRFLOW_HOME (else the repo's .airflow/), its path printed under the summary."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pimflow import run


@pytest.fixture
def no_airflow(monkeypatch):
    """Fail any test that would start Airflow; record the runs that would have started."""
    started: list[tuple[str, dict, Path]] = []

    def refuse_airflow(env, log_file, *args):  # noqa: ANN001, ARG001
        started.append(("airflow", {"args": args}, log_file))
        return 1

    def fake_run_dag(target, params, env, log_file):  # noqa: ANN001, ARG001
        started.append((target, params, log_file))
        return 0

    monkeypatch.setattr(run, "airflow_process", refuse_airflow)
    monkeypatch.setattr(run, "run_dag", fake_run_dag)
    monkeypatch.setattr(run, "sandboxes", None)  # the demo must not get that far
    return started


def _refused(capsys, argv: list[str]) -> str:
    assert run.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ('{"dry_run": true', ["PARAMS is not valid JSON", "column 17", '{"dry_run": true']),
        ("dry_run=true", ["PARAMS is not valid JSON"]),
        ("[1, 2]", ["PARAMS must be a JSON object", "[1, 2]"]),
        ('"full"', ["PARAMS must be a JSON object"]),
        ('{"dryrun": true}', ["unknown param 'dryrun': did you mean 'dry_run'?"]),
        ('{"partitions": "four"}', ["param partitions: 'four' is not of type 'integer'"]),
        ('{"max_refused": "lots"}', ["param max_refused: 'lots' is not a count"]),
    ],
)
def test_bad_params_are_refused_in_one_line_with_exit_2(capsys, no_airflow, params, words):
    line = _refused(capsys, ["sync", "--target", "shopware6", "--params", params])
    assert line.startswith("pimflow sync: PARAMS"), line
    for word in words:
        assert word in line, line
    assert no_airflow == []


def test_an_unknown_target_is_refused_naming_the_configured_ones(capsys, no_airflow):
    line = _refused(capsys, ["sync", "--target", "shopware", "--params", "{}"])
    assert "TARGET 'shopware' is not configured: did you mean 'shopware6'?" in line
    assert "(targets: shopware6, cscart;" in line
    line = _refused(capsys, ["demo", "--target", "magento"])
    assert line.startswith("pimflow demo: TARGET 'magento' is not configured (targets: ")
    assert no_airflow == []


def test_a_wrong_targets_file_is_refused_in_one_line(capsys, no_airflow, monkeypatch, tmp_path):
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        "targets:\n  - {name: eu, type: shopware6, connection: sw, params: {x: 1}}\n"
    )
    monkeypatch.setenv("PIMFLOW_TARGETS", str(targets))
    line = _refused(capsys, ["sync", "--params", "{}"])
    assert f"{targets}: target 'eu': params.x is not a param" in line
    assert no_airflow == []


def test_valid_params_run_with_a_log_of_their_own_under_airflow_home(
    capsys, no_airflow, monkeypatch, tmp_path
):
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "home"))
    argv = ["sync", "--target", "cscart", "--params", '{"dry_run": true, "max_refused": 3}']
    assert run.main(argv) == 0
    assert run.main(argv) == 0
    (target, params, first), (_, _, second) = no_airflow
    assert (target, params) == ("cscart", {"dry_run": True, "max_refused": 3})
    assert second != first  # one file per run
    folder = tmp_path / "home" / "logs" / "pimflow-sync"
    assert sorted(folder.iterdir()) == sorted([first, second])
    assert re.fullmatch(r"cscart-\d{8}T\d{6}Z(-\d+)?\.log", first.name), first.name


def test_without_airflow_home_the_log_goes_to_the_repos_airflow_folder(
    no_airflow, monkeypatch, tmp_path
):
    monkeypatch.delenv("AIRFLOW_HOME", raising=False)
    monkeypatch.setattr(run, "AIRFLOW_HOME", tmp_path / ".airflow")
    assert run.airflow_home() == tmp_path / ".airflow"
    assert run.main(["sync", "--params", ""]) == 0  # the first target, no params
    ((target, params, log),) = no_airflow
    assert (target, params) == ("shopware6", {})
    assert log.parent == tmp_path / ".airflow" / "logs" / "pimflow-sync"


def _child_writing(result: dict | None, code: int = 0):
    """A stand-in for the `pimflow.dag_run` process: writes `result` where it is asked to."""
    calls: list[tuple[str, ...]] = []

    def child(env, log_file, *args):  # noqa: ANN001, ARG001
        calls.append(args)
        if result is not None:
            Path(args[args.index("--result") + 1]).write_text(json.dumps(result))
        return code

    child.calls = calls
    return child


def test_the_summary_ends_with_the_logs_path(capsys, monkeypatch, tmp_path):
    log = run.new_log_file("demo", "shopware6", tmp_path)
    assert log.parent == tmp_path / "logs" / "pimflow-demo" and log.read_text() == ""
    report = {"status": "success", "summary": "SUMMARY", "path": "/reports"}
    child = _child_writing({"state": "success", "report": report})
    monkeypatch.setattr(run, "airflow_process", child)
    env = dict(run.os.environ, AIRFLOW_HOME=str(tmp_path))
    assert run.run_dag("shopware6", {"dry_run": True}, env, log) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-3:] == ["SUMMARY", "  report: /reports", f"  log: {log}"]
    assert f"(log: {log})" in out[0]
    (args,) = child.calls
    assert args[args.index("--dag-id") + 1] == "akeneo_to_shopware6"
    assert json.loads(args[args.index("--conf") + 1]) == {"dry_run": True}


@pytest.mark.parametrize(
    ("result", "code", "expected"),
    [
        ({"state": "success", "report": {"status": "completed_with_refusals"}}, 0, 0),
        ({"state": "failed", "report": {"status": "failed"}}, 1, 1),
        ({"state": "failed", "report": None}, 1, 1),  # failed before the report task
        (None, 1, 1),  # the process died before writing its result
    ],
)
def test_the_exit_code_follows_the_run_and_its_report(
    capsys, monkeypatch, tmp_path, result, code, expected
):
    if result and result["report"]:
        result["report"].update(summary="SUMMARY", path="/reports")
    monkeypatch.setattr(run, "airflow_process", _child_writing(result, code))
    log = run.new_log_file("sync", "shopware6", tmp_path)
    env = dict(run.os.environ, AIRFLOW_HOME=str(tmp_path))
    assert run.run_dag("shopware6", {}, env, log) == expected
    out, err = capsys.readouterr()
    if result is None or result["report"] is None:
        assert err.strip() == f"akeneo_to_shopware6: no report was written; see {log}"
    else:
        assert out.splitlines()[-1] == f"  log: {log}"


def test_parse_params_reads_an_object():
    assert run.parse_params("") == {} == run.parse_params("  ")
    assert run.parse_params(json.dumps({"mode": "full"})) == {"mode": "full"}


def test_the_run_process_gets_two_malloc_arenas_unless_the_user_set_them(monkeypatch, tmp_path):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert run.airflow_env(tmp_path)["MALLOC_ARENA_MAX"] == "2"
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    assert run.airflow_env(tmp_path)["MALLOC_ARENA_MAX"] == "8"
