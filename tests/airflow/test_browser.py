"""The pimflow page as a person sees it: headless Chromium logs in to Airflow's UI, opens
*pimflow* and finds the run's counts and the error of the product broken on purpose; then
the run's own report page, and the *pimflow report* tab of the DAG run.

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
        context.set_default_timeout(30_000)
        try:
            yield context.new_page()
        finally:
            context.close()


def test_the_pimflow_page_shows_the_runs_counts_and_the_failing_products_error(
    local_run, broken_product, browser_page, tmp_path
):
    import json

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
    assert frame.locator("table.errors tr").count() == len(report["errors"]) + 1  # + header
    assert frame.locator("table.errors tr", has_text=broken_product["identifier"]).count() == 1

    # The same report as a tab of the DAG run in Airflow's own run view.
    page.goto(f"{base}/dags/{DAG_ID}/runs/{quote(local_run.run_id, safe='')}/plugin/pimflow-run")
    tab = page.frame_locator("iframe")
    tab.locator("code.run-id").wait_for()
    assert tab.locator("code.run-id").inner_text() == local_run.run_id
    assert tab.locator("table.errors tr", has_text=broken_product["identifier"]).count() == 1
    run_tab_png = tmp_path / "pimflow-run-tab.png"
    page.screenshot(path=str(run_tab_png), full_page=True)
    print(f"screenshots: {overview_png} {run_tab_png}")
