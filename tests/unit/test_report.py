"""The run report from hand-made stage summaries: dry runs labelled, the plan gathered,
refused items visible, counts that must add up, the cause of a failure."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from pimflow.report import (
    DRY_RUN_BANNER,
    build_report,
    changed_the_shop,
    count_problems,
    fail_report,
    run_note,
    summary_text,
)

UPLOADS = ("shopware6.categories", "shopware6.products")


def counts(**given: int) -> dict[str, int]:
    keys = ("read", "created", "updated", "unchanged", "skipped", "failed")
    return {key: given.get(key, 0) for key in (*keys, "deleted", "deactivated")}


def entry(identifier: str, entity: str = "product", action: str = "update") -> dict:
    return {
        "entity": entity,
        "identifier": identifier,
        "action": action,
        "changes": [{"field": "name", "old": "a", "new": "b"}] if action == "update" else [],
    }


def stages(*, dry_run: bool = False, products: dict | None = None, **extra) -> dict:
    products_summary = {
        "counts": {"product": products or counts(read=3, created=1, updated=1, unchanged=1)},
        "errors": [],
        "calls": 2,
        "dry_run": dry_run,
        "plan": {"entries": [entry("SKU-1", action="create"), entry("SKU-2")], "total": 2},
    }
    categories_summary = {
        "counts": {"category": counts(read=2, unchanged=2)},
        "errors": [],
        "calls": 1,
        "dry_run": dry_run,
        "plan": {"entries": [entry("bags", "category")], "total": 4},  # a sample of 4
    }
    if dry_run:
        products_summary["would_write"] = {"POST /api/_action/sync": 2}
        categories_summary["would_write"] = {"POST /api/_action/sync": 1, "DELETE /x/{id}": 1}
    return {
        "akeneo.structure": {"mode": "full", "requested_mode": "full", "calls": 5},
        "akeneo.products": [{"products": 3, "calls": 2}],
        "akeneo.product_models": {"product_models": 0, "calls": 1},
        "shopware6.categories": categories_summary,
        "shopware6.products": products_summary,
        **extra,
    }


def build(stage_summaries: dict, **options) -> dict:
    return build_report(
        dag_id="akeneo_to_shopware6",
        run_id="manual__1",
        target="shopware6",
        started="2026-12-01T10:00:00+00:00",
        finished="2026-12-01T10:01:00+00:00",
        wall_seconds=60.0,
        stages=stage_summaries,
        upload_stages=UPLOADS,
        **options,
    )


def test_a_dry_run_is_labelled_and_its_counts_say_would():
    report = build(stages(dry_run=True))
    assert report["dry_run"] is True
    assert report["would_write"] == {"DELETE /x/{id}": 1, "POST /api/_action/sync": 3}
    text = summary_text(report)
    lines = text.splitlines()
    assert lines[0] == DRY_RUN_BANNER == "DRY RUN — nothing was written"
    assert "  product: 3 read, 1 would create, 1 would update, 1 unchanged" in text
    assert "0 would delete, 0 would deactivate" in text
    assert "  would write: 4 calls" in text and "    3 POST /api/_action/sync" in text
    assert not changed_the_shop(report)  # however many it would create
    assert run_note(report).startswith("DRY RUN — nothing was written · success")
    # The run's param decides when given; the stages' flag otherwise.
    assert build(stages(dry_run=True), dry_run=False)["dry_run"] is False


def test_a_real_run_says_what_it_did():
    report = build(stages())
    assert report["dry_run"] is False and report["would_write"] is None
    text = summary_text(report)
    assert "DRY RUN" not in text and "would" not in text
    assert "  product: 3 read, 1 created, 1 updated, 1 unchanged, 0 skipped, 0 failed" in text
    assert changed_the_shop(report)
    unchanged = stages(products=counts(read=3, unchanged=3))
    unchanged["shopware6.categories"]["counts"] = {"category": counts(read=2, unchanged=2)}
    assert not changed_the_shop(build(unchanged))
    removed = stages(products=counts(read=0))
    removed["shopware6.products"]["counts"]["product"]["deactivated"] = 1
    assert changed_the_shop(build(removed))  # a deactivation changes the shop too


def test_the_plan_gathers_every_upload_stage_and_says_when_it_is_a_sample():
    report = build(stages(dry_run=True))
    plan = report["plan"]
    assert [e["identifier"] for e in plan["entries"]] == ["bags", "SKU-1", "SKU-2"]
    assert plan["total"] == 6 and plan["complete"] is False
    # The entries are kept once: the stage summaries in the report keep their totals.
    assert report["stages"]["shopware6.categories"]["plan"] == {"total": 4}
    assert "  plan: 6 items to write (the first 3 in the report)" in summary_text(report)
    whole = stages()
    whole["shopware6.categories"]["plan"]["total"] = 1
    assert build(whole)["plan"]["complete"] is True
    assert build({"akeneo.structure": {}}, dry_run=False)["plan"] == {
        "entries": [],
        "total": 0,
        "complete": True,
    }


def test_refused_items_without_a_failed_stage_end_completed_with_refusals():
    report = build(stages(products=counts(read=3, created=1, failed=2)))
    assert report["status"] == "completed_with_refusals" and report["refused"] == 2
    lines = summary_text(report).splitlines()
    assert lines[0].startswith(
        "pimflow sync akeneo_to_shopware6 → shopware6: COMPLETED WITH 2 REFUSED  (run"
    )
    assert run_note(report) == "completed with 2 refused"
    failed = build(stages(products=counts(read=3, failed=3), **{"shopware6.products": None}))
    assert failed["status"] == "failed"  # a failed stage outranks refusals


def test_count_problems_finds_an_entity_whose_counts_do_not_add_up():
    good = build(stages())
    assert count_problems(good) == [] and good["count_problems"] == []
    bad = build(stages(products=counts(read=20, updated=7, unchanged=13, failed=13)))
    problem = "product: 20 read ≠ 0 created + 7 updated + 13 unchanged + 0 skipped + 13 failed = 33"
    assert count_problems(bad) == [problem]
    assert bad["count_problems"] == [problem]  # not hidden: in the report ...
    assert f"  counts do not add up: {problem}" in summary_text(bad)  # ... and the summary
    # Removals are counted apart from what was read.
    removals = counts(read=2, created=2)
    removals["deleted"] = 5
    assert count_problems({"counts": {"product": removals}}) == []


def test_a_cause_is_printed_under_the_first_lines_and_fail_report_keeps_the_first():
    cause = {"task": "akeneo.structure", "reason": "connection 'akeneo_default': refused"}
    report = build(stages(), cause=cause)
    lines = summary_text(report).splitlines()
    assert lines[0] == "FAILED: connection 'akeneo_default': refused  (task akeneo.structure)"
    dry = build(stages(dry_run=True), cause=cause)
    assert summary_text(dry).splitlines()[:2] == [DRY_RUN_BANNER, lines[0]]
    limited = fail_report(build(stages()), "report", "9 items refused")
    assert limited["status"] == "failed"
    assert limited["cause"] == {"task": "report", "reason": "9 items refused"}
    assert fail_report(report, "report", "later")["cause"] == cause


@pytest.mark.parametrize(
    ("value", "refused", "breach"),
    [
        ("10%", 2, False),  # 10% of 20 read
        ("10%", 3, True),
        (2, 2, False),
        (2, 3, True),
        ("0", 1, True),
        (None, 20, False),  # no limit
        ("lots", 0, True),  # a value that is no limit is a refused run, with the reason
    ],
)
def test_max_refused_takes_a_count_a_percentage_or_none(value, refused, breach):
    from pimflow.pipeline.report import refusal_breach

    report = {"refused": refused, "read": {"products": 20}}
    reason = refusal_breach(report, value)
    assert (reason is not None) is breach, reason
    if breach and value == "10%":
        assert reason == "3 items refused, more than max_refused allows (10% of 20 products read)"


def test_a_failed_task_leaves_its_cause_one_line_redacted_and_the_earliest_wins(
    tmp_path, monkeypatch
):
    from airflow.sdk._shared.secrets_masker import mask_secret
    from airflow.sdk.exceptions import AirflowFailException

    from pimflow.pipeline.report import first_failure, record_failure
    from pimflow.staging import run_folder

    monkeypatch.setenv("PIMFLOW_STAGING_URL", (tmp_path / "staging").as_uri())
    mask_secret("hunter2-secret")

    def fail(task_id: str, exc: BaseException, map_index: int = -1) -> None:
        record_failure(
            {
                "ti": SimpleNamespace(task_id=task_id, map_index=map_index),
                "dag": SimpleNamespace(dag_id="akeneo_to_shopware6"),
                "run_id": "manual__2026-12-01T10:00:00+00:00",
                "exception": exc,
            }
        )

    folder = run_folder("akeneo_to_shopware6", "manual__2026-12-01T10:00:00+00:00")
    assert first_failure(folder) is None
    fail("akeneo.products", KeyError("values\nin line two with hunter2-secret"), map_index=1)
    fail("shopware6.products", AirflowFailException("later"))
    first = first_failure(folder)
    assert first["task"] == "akeneo.products[1]"
    assert first["reason"] == "KeyError: 'values\\nin line two with ***'"
    assert "\n" not in first["reason"] and "hunter2" not in first["reason"]
    kept = json.loads((folder / "failures" / "shopware6.products.json").read_text())
    assert kept["reason"] == "later"  # Airflow's fail exceptions carry a reason as it is
    fail("report", ValueError("two\n   lines"))
    kept = json.loads((folder / "failures" / "report.json").read_text())
    assert kept["reason"] == "ValueError: two lines"
    # A callback that cannot write never raises: the task has failed already.
    record_failure({"ti": None})


def test_the_session_check_finds_every_run_report_that_does_not_add_up():
    import tempfile
    from pathlib import Path

    # Outside pytest's temporary folders, which the session check itself reads.
    with tempfile.TemporaryDirectory(prefix="pimflow-identity-") as scratch:
        check_a_bad_report_is_found(Path(scratch))


def check_a_bad_report_is_found(tmp_path) -> None:
    from tests.report_identity import identity_problems

    def write(path, report) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report))

    folder = tmp_path / "home" / "staging" / "reports" / "akeneo_to_shopware6"
    good, bad = build(stages()), build(stages(products=counts(read=22, created=22, failed=2)))
    write(folder / "good.json", good)
    write(folder / "bad.json", bad)
    write(folder / "latest.json", bad)  # the newest report's copy: not counted twice
    write(folder / "hand-made.json", {"run_id": "x", "counts": {"p": {"read": 1}}})  # no stages
    checked, problems = identity_problems([tmp_path, tmp_path / "home"])  # found once
    assert checked == 2
    assert problems == [
        f"akeneo_to_shopware6 manual__1 ({folder / 'bad.json'}): "
        "product: 22 read ≠ 22 created + 0 updated + 0 unchanged + 0 skipped + 2 failed = 24"
    ]


def test_the_run_note_comes_from_the_report_and_fits_airflow_s_column(tmp_path, monkeypatch):
    from pimflow.report import save_report
    from pimflow.ui.notes import NOTE_LENGTH, note_for

    monkeypatch.setenv("PIMFLOW_STAGING_URL", (tmp_path / "staging").as_uri())
    assert note_for("akeneo_to_shopware6", "manual__1") is None  # not a pimflow run
    report = build(stages(dry_run=True, products=counts(read=3, created=2, failed=1)))
    save_report(report)
    assert note_for("akeneo_to_shopware6", "manual__1") == (
        "DRY RUN — nothing was written · completed with 1 refused"
    )
    save_report(fail_report(report, "report", "x" * 2000))
    note = note_for("akeneo_to_shopware6", "manual__1")
    assert len(note) == NOTE_LENGTH and note.endswith("…")
    assert note.startswith("DRY RUN — nothing was written · failed · report: xxx")


def test_adopted_creates_are_summed_per_entity_beside_the_counts():
    """Creates whose answer was lost and that were found in the shop (StageResult.adopt):
    each stage's figure summed per entity, shown in the summary and the HTML page, and
    outside `read = created + ...` (they are counted created)."""
    from pimflow.results import StageResult
    from pimflow.ui import render_report_html

    products = StageResult()
    products.count("product", "read", 3)
    products.count("product", "created", 3)
    products.adopt("product", 2)
    products.adopt("category")
    given = stages(products=products.counts["product"])
    given["shopware6.products"]["adopted"] = products.as_dict()["adopted"]
    given["shopware6.categories"]["adopted"] = {"category": 2}
    report = build(given)
    assert report["adopted"] == {"category": 3, "product": 2}
    assert count_problems(report) == []
    text = summary_text(report)
    assert "found in the shop instead of made twice): 3 category, 2 product" in text
    assert "2 product" in render_report_html(report).split("adopted", 1)[1]
    assert build(stages())["adopted"] == {}
    assert "adopted" not in summary_text(build(stages()))
