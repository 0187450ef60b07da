"""Issue #16: against an Akeneo stand-in whose answers are not of the contract's shape, the
structure stage fails at once, naming the endpoint and what it expected: not a TypeError
retried three times. In-process first, then as the DAG runs it (the run's first task
fails, without retries, the reason first in the summary)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pimflow import run
from pimflow.akeneo.structure import extract_structure
from pimflow.hooks.akeneo import AkeneoHook
from pimflow.hooks.shapes import ShapeError
from pimflow.staging import run_folder
from pimflow_sandbox.cli import create_app
from pimflow_sandbox.server import SandboxServer
from tests.standin import as_page, reshape

FAMILIES = "/api/rest/v1/measurement-families"


def _structure() -> None:
    extract_structure(AkeneoHook(), run_folder("test", "shapes"), "ecommerce", partitions=1)


def test_measurement_families_as_a_page_fail_at_once_naming_the_endpoint(akeneo):
    server = akeneo()
    answered = reshape(server, "GET", FAMILIES, as_page)
    with pytest.raises(ShapeError) as caught:
        _structure()
    message = str(caught.value)
    assert message.startswith(f"unexpected answer from GET {FAMILIES}: expected a list")
    assert "got an object" in message and "_embedded" in message
    assert "TypeError" not in message and "admin" not in message  # no login, no secret
    assert len(answered) == 1  # asked once: a shape mismatch is not retried


def test_an_attribute_without_its_type_is_named_by_its_place_in_the_page(akeneo):
    server = akeneo()

    def without_type(page, request):  # noqa: ANN001, ANN202
        page["_embedded"]["items"][2].pop("type")
        return page

    reshape(server, "GET", "/api/rest/v1/attributes", without_type)
    with pytest.raises(
        ShapeError, match=r"GET /api/rest/v1/attributes \(_embedded.items, item 2\)"
    ):
        _structure()


@pytest.mark.e2e
def test_the_run_fails_at_its_first_task_without_retries_the_reason_first(tmp_path):
    akeneo = SandboxServer(create_app("akeneo", catalog="demo", seed=42)).start()
    shop = SandboxServer(create_app("shopware6", catalog="demo", seed=42)).start()
    try:
        answered = reshape(akeneo, "GET", FAMILIES, as_page)
        env = run.airflow_env(tmp_path)
        env["AIRFLOW_HOME"] = str(tmp_path / "airflow")
        for name, server in (("akeneo", akeneo), ("shopware6", shop)):
            env[f"AIRFLOW_CONN_{name.upper()}_DEFAULT"] = json.dumps(
                run.SANDBOX_CONNECTIONS[name](server.url)
            )
        log_file = Path(tmp_path) / "airflow.log"
        run.migrate(env, log_file)
        code = run.run_dag("shopware6", {}, env, log_file)
        report = run._report_since(run.dag_id_of("shopware6", env), env, 0)
        shop_calls = shop.stats.snapshot()["calls"]
    finally:
        akeneo.stop()
        shop.stop()
    assert code != 0 and report is not None and report["status"] == "failed"
    assert report["cause"]["task"] == "akeneo.structure"
    expected = f"unexpected answer from GET {FAMILIES}: expected a list"
    assert report["cause"]["reason"].startswith(expected)
    from pimflow.report import summary_text

    assert summary_text(report).splitlines()[0].startswith(f"FAILED: {expected}")
    assert len(answered) == 1  # one try: the task failed for good
    log = log_file.read_text()
    assert "up_for_retry" not in log.lower() and "TypeError" not in log
    assert not any(route.split(" ")[0] in ("POST", "PATCH", "DELETE") for route in shop_calls)
