"""A target written in tests/ alone (shop.py) is registered through its entry point, built
into a DAG by the real builder and run end to end against the sandbox Akeneo."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import yaml

from pimflow import run
from pimflow.state import StateStore
from pimflow.targets import registry
from pimflow_sandbox.cli import create_app
from pimflow_sandbox.server import SandboxServer
from tests.e2e.sandbox_clients import AkeneoReader
from tests.e2e.state_file import fingerprint, rows
from tests.stranger.catalog import write_catalog

REPO = Path(__file__).resolve().parents[2]
REGISTRATION = Path(__file__).with_name("registration")


@pytest.fixture
def registered(monkeypatch):
    """The example target's entry point on the path, as if its package were installed."""
    monkeypatch.syspath_prepend(str(REGISTRATION))
    registry.refresh()
    yield
    registry.refresh()


def test_the_entry_point_registers_the_target_and_the_builder_makes_its_dag(
    registered, tmp_path, monkeypatch
):
    from pimflow.pipeline.dags import build_dag
    from pimflow.targets import load_targets

    assert "jsonshop" in registry.target_types()
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        yaml.safe_dump({"targets": [{"name": "files", "type": "jsonshop", "connection": "js"}]})
    )
    (target,) = load_targets(targets)
    dag = build_dag(target)
    assert dag.dag_id == "akeneo_to_files"
    assert "jsonshop.products" in dag.task_ids
    products = dag.get_task("jsonshop.products")
    assert products.pool == "pimflow.shop.files"
    assert {t.task_id for t in products.upstream_list} >= {"akeneo.products", "akeneo.structure"}
    assert "jsonshop.products" in {t.task_id for t in dag.get_task("report").upstream_list}
    assert "JSON file shop" in dag.doc_md


def test_without_its_entry_point_the_type_is_unknown(tmp_path):
    from pimflow.configuration import ConfigError
    from pimflow.targets import parse_targets

    registry.refresh()
    raw = {"targets": [{"name": "files", "type": "jsonshop", "connection": "js"}]}
    with pytest.raises(ConfigError, match="type must be one of"):
        parse_targets(raw, "targets.yaml", tmp_path)


@pytest.mark.e2e
def test_a_dag_of_the_example_target_dry_runs_syncs_the_catalog_and_then_writes_nothing(
    registered, tmp_path
):
    akeneo = SandboxServer(create_app("akeneo", catalog="demo", seed=42)).start()
    try:
        shop_file = tmp_path / "shop.json"
        targets = tmp_path / "targets.yaml"
        targets.write_text(
            yaml.safe_dump(
                {
                    "targets": [
                        {
                            "name": "files",
                            "type": "jsonshop",
                            "connection": "jsonshop_files",
                            "schedule": None,
                            "params": {"channel": "ecommerce"},
                        }
                    ]
                }
            )
        )
        env = run.airflow_env(tmp_path / "home")
        env["AIRFLOW_HOME"] = str(tmp_path / "airflow")
        env["PIMFLOW_TARGETS"] = str(targets)
        # The registration and the package on the path of every process the run starts.
        env["PYTHONPATH"] = os.pathsep.join([str(REGISTRATION), str(REPO), *sys.path])
        env["AIRFLOW_CONN_AKENEO_DEFAULT"] = json.dumps(
            run.SANDBOX_CONNECTIONS["akeneo"](akeneo.url)
        )
        env["AIRFLOW_CONN_JSONSHOP_FILES"] = json.dumps(
            {"conn_type": "jsonshop", "host": str(shop_file)}
        )
        log_file = tmp_path / "airflow.log"
        run.migrate(env, log_file)
        state_file = tmp_path / "home" / "state.sqlite"
        StateStore(state_file).close()  # an empty store, so the dry run has one to keep as is
        before = fingerprint(state_file)

        # A dry run: the core's recorder (the target has no dry-run code) keeps the write.
        code = run.run_dag("files", {"dry_run": True}, env, log_file)
        dry = run._report_since("akeneo_to_files", env, 0)
        assert code == 0, log_file.read_text()[-3000:]
        assert not shop_file.exists()
        assert fingerprint(state_file) == before
        source = AkeneoReader(akeneo.url).products(scope="ecommerce")
        assert dry["counts"]["product"]["created"] == len(source) > 0
        stage = dry["stages"]["jsonshop.products"]
        assert stage["dry_run"] is True and stage["would_write"] == {"PUT /products": 1}
        assert dry["calls"]["target"] == 1  # the read; the write was not made

        code = run.run_dag("files", {}, env, log_file)
        report = run._report_since("akeneo_to_files", env, 0)
        assert code == 0, log_file.read_text()[-3000:]
        shop = json.loads(shop_file.read_text())
        assert len(shop) == len(source) == report["read"]["products"] > 0
        assert report["counts"]["product"]["created"] == len(shop)
        assert report["counts"] == dry["counts"]
        assert report["calls"]["target"] == 2  # one read, one write
        assert rows(state_file) > 0

        code = run.run_dag("files", {"mode": "full"}, env, log_file)
        again = run._report_since("akeneo_to_files", env, 0)
        assert code == 0
        assert again["run_id"] != report["run_id"]
        assert again["counts"]["product"]["unchanged"] == len(shop)
        assert again["counts"]["product"]["created"] == again["counts"]["product"]["updated"] == 0
    finally:
        akeneo.stop()


def test_check_against_akeneo_prints_what_each_field_comes_from_and_refuses_what_cannot_work(
    registered, tmp_path, monkeypatch, capsys
):
    from pimflow.targets import main

    akeneo = SandboxServer(create_app("akeneo", catalog="empty", seed=1)).start()
    try:
        write_catalog(akeneo.url)  # a catalog whose label attribute is `title`, not `name`
        monkeypatch.setenv(
            "AIRFLOW_CONN_AKENEO_DEFAULT", json.dumps(run.SANDBOX_CONNECTIONS["akeneo"](akeneo.url))
        )
        targets = tmp_path / "targets.yaml"
        targets.write_text(
            yaml.safe_dump({"targets": [{"name": "files", "type": "jsonshop", "connection": "js"}]})
        )
        monkeypatch.setenv("PIMFLOW_TARGETS", str(targets))
        assert main(["check", "--against-akeneo"]) == 1
        out = capsys.readouterr().out
        assert "PROBLEM: name_attribute: Akeneo has no attribute 'name'" in out

        (tmp_path / "mine.yaml").write_text("name_attribute: title\n")
        targets.write_text(
            yaml.safe_dump(
                {
                    "targets": [
                        {
                            "name": "files",
                            "type": "jsonshop",
                            "connection": "js",
                            "mapping": "mine.yaml",
                        }
                    ]
                }
            )
        )
        assert main(["check", "--against-akeneo"]) == 0
        out = capsys.readouterr().out
        assert f"mapping: {tmp_path / 'mine.yaml'}" in out
        assert "name                 ← title" in out
        assert "PROBLEM" not in out
    finally:
        akeneo.stop()
