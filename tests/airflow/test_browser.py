"""The pimflow page as a person sees it: headless Chromium logs in to Airflow's UI, opens
*pimflow* and finds the run's counts and the error of the product broken on purpose; then
the run's own report page, and the *pimflow report* tab of the DAG run. And the trigger
form: every param with its title and description, and a wrong value or a key that is no
param refused with the reason, no run created.

Debian's chromium (`/usr/bin/chromium`; `tests/airflow/install-browser.sh` installs it),
driven by Playwright with that executable: Playwright's own browser download is not used.
Screenshots are saved in the test's tmp folder; their paths are printed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.airflow.conftest import DAG_ID, report_file_name, unavailable

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser_page(tmp_path):
    if not Path(CHROMIUM).exists():
        unavailable("Chromium is not installed: sh tests/airflow/install-browser.sh")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (requirements-dev.txt)")
    profile = tmp_path / "chromium-profile"  # new and empty
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        context.set_default_timeout(60_000)  # wide: other suites may share the 2 cores
        try:
            yield context.new_page()
        finally:
            context.close()


def test_the_pimflow_page_shows_the_runs_counts_and_the_failing_products_error(
    local_run, broken_product, browser_page, tmp_path
):
    import json

    from playwright.sync_api import expect

    page = browser_page
    deployment = local_run.deployment
    base = deployment.client.base_url
    report_path = (
        deployment.pimflow_home
        / "staging"
        / "reports"
        / DAG_ID
        / report_file_name(local_run.run_id)
    )
    report = json.loads(report_path.read_text())

    # Airflow's UI sends us to its login page first; log in as a person would, then
    # find pimflow in the Browse menu.
    page.goto(base)
    page.locator("input[name=username]").fill("admin")
    page.locator("input[name=password]").fill(deployment.client.password)
    page.get_by_role("button", name="Sign in").click()
    # Signed in once the form is gone: a page asked for before that lands on the login
    # form again (seen on a loaded machine, where the sign-in takes seconds).
    page.locator("input[name=username]").wait_for(state="detached")
    page.get_by_role("button", name="Browse").click()
    page.get_by_role("menuitem", name="pimflow").click()
    page.wait_for_url("**/plugin/pimflow")

    # The plugin page is an iframe inside Airflow's UI.
    frame = page.frame_locator("iframe")
    run = frame.locator(f'article.run[data-run-id="{local_run.run_id}"]')
    run.wait_for()
    # the product broken on purpose: completed with its refusal, in amber
    status = run.locator(".status")
    assert status.inner_text() == f"completed with {report['refused']} refused"
    assert "completed_with_refusals" in (status.get_attribute("class") or "")
    for entity, counts in report["counts"].items():
        row = run.locator(f'table.counts tr[data-entity="{entity}"]')
        for key, value in counts.items():
            assert row.locator(f'td[data-count="{key}"]').inner_text() == str(value), (entity, key)
    details = run.locator("details")  # open for the newest run only: a later one may exist
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    error = run.locator("table.errors tr", has_text=broken_product["identifier"])
    assert error.count() == 1
    cells = error.locator("td").all_inner_texts()
    assert cells[2] == "price" and "EUR" in cells[3], cells
    overview_png = tmp_path / "pimflow-overview.png"
    page.screenshot(path=str(overview_png), full_page=True)

    # The run's own page: every error, the broken product's among them.
    run.locator("h3 a").click()
    frame.locator("code.run-id").wait_for()
    assert frame.locator("code.run-id").inner_text() == local_run.run_id
    # The page may still be loading below its head (the plan is long): wait for the rows.
    expect(frame.locator("table.errors tr")).to_have_count(len(report["errors"]) + 1)  # + header
    assert frame.locator("table.errors tr", has_text=broken_product["identifier"]).count() == 1

    # The same report as a tab of the DAG run in Airflow's own run view.
    page.goto(f"{base}/dags/{DAG_ID}/runs/{quote(local_run.run_id, safe='')}/plugin/pimflow-run")
    tab = page.frame_locator("iframe")
    tab.locator("code.run-id").wait_for()
    assert tab.locator("code.run-id").inner_text() == local_run.run_id
    expect(tab.locator("table.errors tr", has_text=broken_product["identifier"])).to_have_count(1)
    run_tab_png = tmp_path / "pimflow-run-tab.png"
    page.screenshot(path=str(run_tab_png), full_page=True)
    print(f"screenshots: {overview_png} {run_tab_png}")


def _log_in(page, deployment) -> None:  # noqa: ANN001
    page.goto(deployment.client.base_url)
    page.locator("input[name=username]").fill("admin")
    page.locator("input[name=password]").fill(deployment.client.password)
    page.get_by_role("button", name="Sign in").click()
    # Signed in once the form is gone: a page asked for before that lands on the login
    # form again (seen on a loaded machine, where the sign-in takes seconds).
    page.locator("input[name=username]").wait_for(state="detached")


def test_the_trigger_form_has_every_params_title_and_refuses_what_no_run_takes(
    local_airflow, browser_page, tmp_path
):
    from pimflow.pipeline.params import PARAMS

    page = browser_page
    client = local_airflow.client
    before = client.request("GET", f"/dags/{DAG_ID}/dagRuns").json()["total_entries"]
    _log_in(page, local_airflow)
    page.goto(f"{client.base_url}/dags/{DAG_ID}")
    page.get_by_role("button", name="Trigger").first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Run Parameters").wait_for()
    text = dialog.inner_text()
    for spec in PARAMS:
        assert spec.title in text, spec.name
        assert spec.description in text, spec.name
    form_png = tmp_path / "trigger-form.png"
    dialog.screenshot(path=str(form_png))

    # A value of the wrong type, typed into its field: Airflow's UI sends it, the API
    # server answers 400, the form shows why.
    dialog.locator("#element_max_refused").fill("lots")
    dialog.get_by_role("button", name="Trigger").click()
    alert = dialog.get_by_text("param max_refused: 'lots' is not a count")
    alert.wait_for()

    # A key that is no param, typed into the configuration JSON.
    dialog.locator("#element_max_refused").fill("5%")
    dialog.get_by_role("button", name="Advanced Options").click()
    dialog.locator(".monaco-editor").click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text('{"dryrun": true}')
    dialog.get_by_role("button", name="Trigger").click()
    dialog.get_by_text("unknown param 'dryrun': did you mean 'dry_run'?").wait_for()
    refused_png = tmp_path / "trigger-refused.png"
    dialog.screenshot(path=str(refused_png))
    print(f"screenshots: {form_png} {refused_png}")
    after = client.request("GET", f"/dags/{DAG_ID}/dagRuns").json()["total_entries"]
    assert after == before, "a refused trigger created a run"
