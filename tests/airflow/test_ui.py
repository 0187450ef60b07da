"""The pimflow page's app without a running Airflow: reports written to a file:// staging
folder in the documented layout, the app called through FastAPI's test client, the user's
permissions replaced by a plain predicate (the live tests use Airflow's auth manager)."""

from __future__ import annotations

import os
import re

import pytest
from fastapi.testclient import TestClient

from pimflow.report import save_report
from pimflow.ui import app as ui_app
from pimflow.ui import render_report_html, reports


def report(dag_id: str, run_id: str, **overrides) -> dict:
    """A report in the shape pimflow.report writes."""
    base = {
        "dag_id": dag_id,
        "run_id": run_id,
        "target": "shopware6_default",
        "status": "success",
        "failed_stages": [],
        "mode": "full",
        "window": None,
        "started": "2026-11-20T10:00:00+00:00",
        "finished": "2026-11-20T10:01:00+00:00",
        "wall_seconds": 60.0,
        "read": {"products": 7, "product_models": 2},
        "counts": {
            "product": {
                "read": 7,
                "created": 3,
                "updated": 1,
                "unchanged": 2,
                "deleted": 0,
                "skipped": 0,
                "failed": 1,
            },
            "category": {"read": 4, "created": 4, "updated": 0, "unchanged": 0, "failed": 0},
        },
        "errors": [
            {
                "product": "SKU-7",
                "entity": "product",
                "field": "price",
                "reason": "no price in the shop's default currency EUR",
            }
        ],
        "calls": {"akeneo": 9, "target": 3},
        "stages": {},
    }
    base.update(overrides)
    return base


def save(data: dict, modified: float) -> None:
    path = save_report(data)
    os.utime(path.path, (modified, modified))


@pytest.fixture
def staging(tmp_path, monkeypatch):
    monkeypatch.setenv("PIMFLOW_STAGING_URL", (tmp_path / "staging").as_uri())
    monkeypatch.delenv("PIMFLOW_STAGING_CONN_ID", raising=False)
    return tmp_path / "staging"


@pytest.fixture
def allowed_dags():
    return {"akeneo_to_shopware6", "akeneo_to_cscart"}


@pytest.fixture
def client(staging, allowed_dags):
    app = ui_app.create_app()
    app.dependency_overrides[ui_app.dag_filter] = lambda: allowed_dags.__contains__
    return TestClient(app)


def run_ids(html: str) -> list[str]:
    return re.findall(r'data-run-id="([^"]+)"', html)


def test_overview_shows_the_last_runs_newest_first_with_counts_and_errors(staging, client):
    for n, when in ((1, 1_000), (2, 3_000), (3, 2_000)):
        save(report("akeneo_to_shopware6", f"manual__run:{n}"), when)
    save(report("akeneo_to_cscart", "scheduled__x", target="cscart_default"), 500)

    page = client.get("/", params={"limit": 2})
    assert page.status_code == 200
    html = page.text
    assert run_ids(html) == ["scheduled__x", "manual__run:2", "manual__run:3"]
    assert "cscart_default" in html and "shopware6_default" in html
    # Counts per entity, columns in the reading order, unknown ones after.
    assert re.search(
        r"<th>read</th><th>created</th><th>updated</th><th>unchanged</th><th>skipped</th>"
        r"<th>failed</th><th>deleted</th>",
        html,
    )
    assert '<td class="num bad" data-count="failed">1</td>' in html
    assert "SKU-7" in html and "no price in the shop&#39;s default currency EUR" in html
    assert 'href="runs/akeneo_to_shopware6/manual__run%3A2"' in html

    only = client.get("/", params={"dag_id": "akeneo_to_cscart"}).text
    assert run_ids(only) == ["scheduled__x"]


def test_everything_from_a_report_is_escaped(staging, client):
    evil = report(
        "akeneo_to_shopware6",
        "manual__<i>run",
        target="<b>shop</b>",
        # An error as reports before 0.2 wrote it (`product`): still shown, and escaped.
        errors=[{"product": "<img src=x onerror=alert(1)>", "field": "name", "reason": "<script>"}],
        counts={"<svg>": {"read": 1, "<x>": 2}},
    )
    save(evil, 1_000)
    for html in (
        client.get("/").text,
        client.get("/runs/akeneo_to_shopware6/manual__<i>run").text,
    ):
        assert "<script>" not in html and "<img" not in html and "<svg>" not in html
        assert "<b>shop" not in html and "<i>run" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
        assert "&lt;script&gt;" in html


def test_the_run_page_has_every_error_the_overview_the_first_fifty(staging, client):
    errors = [
        {"identifier": f"SKU-{n:03d}", "field": "price", "reason": "no EUR price"}
        for n in range(120)
    ]
    save(report("akeneo_to_shopware6", "manual__big", errors=errors), 1_000)
    overview = client.get("/").text
    assert overview.count("<code>SKU-") == 50
    assert "120 errors (the first 50;" in overview
    page = client.get("/runs/akeneo_to_shopware6/manual__big")
    assert page.status_code == 200
    assert page.text.count("<code>SKU-") == 120
    assert 'href="../../"' in page.text
    raw = client.get("/runs/akeneo_to_shopware6/manual__big/json")
    assert raw.json()["errors"] == errors


def test_only_dags_the_user_may_read_are_shown(staging, client, allowed_dags):
    save(report("akeneo_to_shopware6", "manual__a"), 1_000)
    save(report("secret_dag", "manual__s", target="hidden_target"), 2_000)
    html = client.get("/").text
    assert run_ids(html) == ["manual__a"]
    assert "secret_dag" not in html and "hidden_target" not in html
    assert client.get("/runs/secret_dag/manual__s").status_code == 403
    assert client.get("/runs/secret_dag/manual__s/json").status_code == 403
    allowed_dags.add("secret_dag")
    assert client.get("/runs/secret_dag/manual__s").status_code == 200


@pytest.mark.parametrize(
    "run_id", ["manual__missing", "..", "latest"], ids=["missing", "dots", "latest"]
)
def test_missing_runs_are_not_found(staging, client, run_id):
    save(report("akeneo_to_shopware6", "manual__a"), 1_000)
    assert client.get(f"/runs/akeneo_to_shopware6/{run_id}").status_code == 404


def test_dag_ids_cannot_reach_outside_the_reports_folder(staging):
    save(report("akeneo_to_shopware6", "manual__a"), 1_000)
    # A report-shaped file one level up, where reports/../ would lead.
    (staging / "manual__a.json").write_text('{"run_id": "manual__a"}')
    assert reports.run_report("..", "manual__a") is None
    assert reports.report_files("..") == []
    assert reports.read_report("akeneo_to_shopware6", "../manual__a.json") is None


def test_no_reports_yet_says_so(staging, client):
    html = client.get("/").text
    assert "No run reports yet" in html
    assert run_ids(html) == []


def test_an_older_report_without_some_fields_still_renders(staging, client):
    sparse = {
        "dag_id": "akeneo_to_shopware6",
        "run_id": "manual__old",
        "status": "failed",
        "counts": {"product": {"read": 3, "archived": 1}},
        "errors": ["a plain message"],
        "failed_stages": ["shopware6.upload"],
    }
    save(sparse, 1_000)
    html = client.get("/runs/akeneo_to_shopware6/manual__old").text
    assert "<th>read</th><th>archived</th>" in html
    assert "a plain message" in html
    assert "shopware6.upload" in html


def test_render_report_html_is_a_standalone_page(staging):
    html = render_report_html(report("akeneo_to_shopware6", "manual__x"))
    assert html.startswith("<!doctype html>")
    assert "all run reports" not in html
    assert 'data-count="created">3<' in html and "SKU-7" in html


def test_the_staging_url_is_shown_without_user_info(monkeypatch):
    monkeypatch.setenv("PIMFLOW_STAGING_URL", "s3://key:secret@bucket/prefix")
    assert ui_app.staging_label() == "s3://bucket/prefix"


def test_listing_sorts_by_modification_time_and_leaves_latest_out(staging):
    save(report("akeneo_to_shopware6", "b"), 2_000)
    save(report("akeneo_to_shopware6", "a"), 3_000)
    files = reports.report_files("akeneo_to_shopware6")
    assert [f.name for f in files] == ["a.json", "b.json"]
    assert reports.report_dags() == ["akeneo_to_shopware6"]
    assert reports.run_report("akeneo_to_shopware6", "b")["run_id"] == "b"
    assert reports.run_report("akeneo_to_shopware6", "c") is None


PLAN = {
    "entries": [
        {
            "entity": "product",
            "identifier": "SKU-1",
            "action": "update",
            "changes": [
                {"field": "translations.de-DE.name", "old": "Tasche", "new": "<b>Große</b> Tasche"},
                {"field": "stock", "old": "3", "new": None},
            ],
        },
        {"entity": "product", "identifier": "SKU-22", "action": "create", "changes": []},
        {"entity": "category", "identifier": "bags", "action": "delete", "changes": []},
    ],
    "total": 5,
    "complete": False,
}


def plan_rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'class="plan-entry" data-entity="([^"]+)" data-identifier="([^"]+)"', html)


def test_a_dry_run_is_labelled_in_the_runs_list_and_on_its_page(staging, client):
    dry = report(
        "akeneo_to_shopware6",
        "manual__dry",
        dry_run=True,
        would_write={"POST /api/_action/sync": 4, "POST /api/_action/media/{id}/upload": 2},
    )
    save(dry, 2_000)
    save(report("akeneo_to_shopware6", "manual__real", dry_run=False), 1_000)
    overview = client.get("/").text
    articles = dict(re.findall(r'data-run-id="([^"]+)">(.*?)</article>', overview, re.S))
    assert ">DRY RUN</span>" in articles["manual__dry"]
    assert "DRY RUN" not in articles["manual__real"]
    page = client.get("/runs/akeneo_to_shopware6/manual__dry").text
    assert re.search(r"<h1>DRY RUN — nothing was written: akeneo_to_shopware6", page)
    assert "<title>pimflow · DRY RUN ·" in page
    assert "<th>would create</th><th>would update</th>" in page  # the counts say so too
    assert "<h2>Would write (6 calls)</h2>" in page
    assert '<code>POST /api/_action/sync</code></td><td class="num">4<' in page
    real = client.get("/runs/akeneo_to_shopware6/manual__real").text
    assert "DRY RUN" not in real and "<th>created</th>" in real and "Would write" not in real


def test_a_run_with_refused_items_is_amber_and_says_how_many(staging, client):
    save(report("akeneo_to_shopware6", "manual__r", status="completed_with_refusals", refused=1), 1)
    for html in (client.get("/").text, client.get("/runs/akeneo_to_shopware6/manual__r").text):
        assert re.search(
            r'<span class="status completed_with_refusals" data-status="completed_with_refusals">'
            r"completed with 1 refused</span>",
            html,
        )
    assert ".status.completed_with_refusals { background: #f39c1233" in html  # amber


def test_the_plan_is_on_the_run_page_filtered_by_product_and_entity(staging, client):
    save(report("akeneo_to_shopware6", "manual__p", dry_run=True, plan=PLAN), 1_000)
    url = "/runs/akeneo_to_shopware6/manual__p"
    page = client.get(url).text
    assert plan_rows(page) == [("product", "SKU-1"), ("product", "SKU-22"), ("category", "bags")]
    assert "<h2>Plan (5 items to write)</h2>" in page
    assert "keeps 3 of the 5" in page  # a sample: said so
    # old → new per field, escaped; an absent value is a dash
    assert "<code>translations.de-DE.name</code></td>" in page
    assert "Tasche</td>" in page and "&lt;b&gt;Große&lt;/b&gt; Tasche" in page
    assert "<b>Große" not in page
    assert re.search(r'<td class="new"><span class="muted">—</span></td>', page)
    # the filter: a GET form the server answers (no script needed) ...
    only = client.get(url, params={"plan_identifier": "sku-2"}).text
    assert plan_rows(only) == [("product", "SKU-22")]
    assert plan_rows(client.get(url, params={"plan_entity": "category"}).text) == [
        ("category", "bags")
    ]
    both = client.get(url, params={"plan_identifier": "SKU", "plan_entity": "category"}).text
    assert plan_rows(both) == []
    assert (
        '<option value="category" selected>'
        in client.get(url, params={"plan_entity": "category"}).text
    )
    # ... and a script that filters the rows in place, for the report's file on disk too
    assert "tbody.plan-entry" in page and "URLSearchParams" in page


def test_the_plan_page_shows_at_most_a_page_of_entries(staging):
    from pimflow.ui.render import plan_view

    many = {
        "entries": [
            {"entity": "product", "identifier": f"SKU-{n}", "action": "create", "changes": []}
            for n in range(30)
        ],
        "total": 30,
    }
    view = plan_view({"plan": many}, limit=10)
    assert [e["identifier"] for e in view["entries"]] == [f"SKU-{n}" for n in range(10)]
    assert (view["matching"], view["kept"], view["total"]) == (30, 30, 30)
    assert plan_view({"plan": many}, identifier="SKU-2", limit=10)["matching"] == 11
    html = render_report_html(report("d", "r", plan=many))
    assert len(plan_rows(html)) == 30


def test_the_run_page_lists_what_a_verifying_reconcile_repaired(staging):
    repairs = [
        {"entity": "product", "identifier": "SKU-<3>", "fields": ["name", "price"], "stage": "p"}
    ]
    html = render_report_html(report("akeneo_to_shopware6", "r", repairs=repairs))
    assert "Repaired (1, edited in the shop" in html
    assert "<code>SKU-&lt;3&gt;</code>" in html and "<code>name, price</code>" in html
    dry = render_report_html(report("akeneo_to_shopware6", "r", repairs=repairs, dry_run=True))
    assert "Would repair (1," in dry
    assert "Repaired" not in render_report_html(report("akeneo_to_shopware6", "r"))
