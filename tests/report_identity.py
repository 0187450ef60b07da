"""A pytest plugin: every run report the suite produced must have counts that add up.

For each entity of each report, `read = created + updated + unchanged + skipped + failed`
(pimflow.report.count_problems). At the session's end the plugin finds the reports the
runs wrote (`<staging>/reports/<dag_id>/<run>.json`, under pytest's base temporary
folder, where the tests' PIMFLOW_HOME and staging folders live, and under the suite's
own PIMFLOW_HOME from tests/conftest.py), lists every report and entity that does not
add up, and fails the session. Reports a DAG run wrote carry its stage summaries; the
hand-made ones of the UI tests (odd counts on purpose, no stages) are left alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pimflow.report import count_problems

LATEST = "latest.json"  # a copy of the newest report, not a run of its own


def report_files(roots: Iterable[Path]) -> Iterator[Path]:
    """The run reports under these folders (each found once)."""
    seen: set[Path] = set()
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("reports/*/*.json")):
            if path.name != LATEST and path.resolve() not in seen:
                seen.add(path.resolve())
                yield path


def run_report(path: Path) -> dict[str, Any] | None:
    """The report in this file, if a DAG run wrote it (it has the run's stages)."""
    try:
        report = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(report, dict) or "run_id" not in report or not report.get("stages"):
        return None
    return report


def identity_problems(roots: Iterable[Path]) -> tuple[int, list[str]]:
    """How many run reports were checked, and one line per report and entity that does
    not add up."""
    checked, problems = 0, []
    for path in report_files(roots):
        report = run_report(path)
        if report is None:
            continue
        checked += 1
        where = f"{report.get('dag_id')} {report['run_id']} ({path})"
        problems += [f"{where}: {problem}" for problem in count_problems(report)]
    return checked, problems


def _roots(session: pytest.Session) -> list[Path]:
    roots = []
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is not None:
        roots.append(factory.getbasetemp())
    from tests import conftest

    roots.append(Path(conftest._HOME))
    return roots


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's: a worker finished
def pytest_testnodedown(node: Any, error: Any) -> None:  # noqa: ARG001
    """Under pytest-xdist each worker checks the reports of its own runs (its temporary
    folders and its suite home go with it) and sends the result here, to the controller."""
    checked, problems = node.workeroutput.get("report_identity", (0, []))
    workers = node.config.stash.setdefault(_WORKERS, [])
    workers.append((checked, list(problems)))


@pytest.hookimpl(tryfirst=True)  # before tests/conftest.py removes the suite's home
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:  # noqa: ARG001
    config = session.config
    workers = config.stash.get(_WORKERS, None)
    if workers is not None:  # the controller of workers: their results, added up
        checked = sum(n for n, _ in workers)
        problems = [line for _, lines in workers for line in lines]
    else:
        checked, problems = identity_problems(_roots(session))
    if hasattr(config, "workeroutput"):  # a worker: the controller reports and fails
        config.workeroutput["report_identity"] = (checked, problems)
        return
    config.stash[_RESULT] = (checked, problems)
    if problems and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    checked, problems = config.stash.get(_RESULT, (0, []))
    if not checked:
        return
    if problems:
        terminalreporter.section("run reports whose counts do not add up", red=True, bold=True)
        terminalreporter.line(
            "read = created + updated + unchanged + skipped + failed, per entity:"
        )
        for line in problems:
            terminalreporter.line(f"  {line}")
        terminalreporter.line(f"{len(problems)} problem(s) in {checked} run report(s)")
    else:
        terminalreporter.write_line(f"run reports: counts add up in all {checked}")


_RESULT = pytest.StashKey[tuple[int, list[str]]]()
_WORKERS = pytest.StashKey[list[tuple[int, list[str]]]]()
