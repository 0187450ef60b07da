"""The targets file: one DAG per shop, checked with errors that name the target and key."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pimflow.configuration import ConfigError
from pimflow.targets import (
    AKENEO_CONCURRENT_CALLS,
    load_targets,
    parse_targets,
    pools,
    scheduled_mode,
)

TWO_SHOPS_AND_A_STORE = {
    "targets": [
        {"name": "shop_eu", "type": "shopware6", "connection": "shopware6_eu",
         "params": {"locales": ["de_DE"]}, "reconcile_at": "03:00"},
        {"name": "shop_uk", "type": "shopware6", "connection": "shopware6_uk",
         "akeneo_connection": "akeneo_uk", "schedule": None, "owner": "uk-team",
         "mapping": "uk.yaml"},
        {"name": "store", "type": "cscart", "connection": "cscart_default",
         "schedule": "*/30 * * * *", "params": {"families": ["tents"]}},
    ]
}  # fmt: skip


def test_the_default_file_has_the_shopware_and_cscart_targets():
    targets = {t.name: t for t in load_targets()}
    assert {t.dag_id for t in targets.values()} == {"akeneo_to_shopware6", "akeneo_to_cscart"}
    assert targets["shopware6"].connection == "shopware6_default"
    assert targets["cscart"].type == "cscart" and targets["cscart"].schedule == "@hourly"


def test_each_target_has_its_dag_connections_mapping_and_pools(tmp_path):
    targets = parse_targets(TWO_SHOPS_AND_A_STORE, "targets.yaml", tmp_path)
    eu, uk, store = targets
    assert [t.dag_id for t in targets] == [
        "akeneo_to_shop_eu",
        "akeneo_to_shop_uk",
        "akeneo_to_store",
    ]
    assert (eu.akeneo_connection, eu.schedule, eu.owner) == ("akeneo_default", "@hourly", "pimflow")
    assert uk.mapping == str(tmp_path / "uk.yaml")  # relative to the targets file
    assert uk.schedule is None and uk.owner == "uk-team"
    assert store.schedule == "*/30 * * * *"
    slots = {name: n for name, (n, _) in pools(targets).items()}
    assert slots == {
        "pimflow.akeneo.akeneo_default": AKENEO_CONCURRENT_CALLS,  # shared by two targets
        "pimflow.akeneo.akeneo_uk": AKENEO_CONCURRENT_CALLS,
        "pimflow.shop.shop_eu": 1,
        "pimflow.shop.shop_uk": 1,
        "pimflow.shop.store": 1,
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "targets[0].colour is not a key of a target"),
        ({"name": "Shop EU"}, "targets[0].name must be lower-case letters"),
        ({"type": "magento"}, "target 'shop_eu': type must be one of cscart, shopware6"),
        ({"connection": ""}, "target 'shop_eu': connection must be a non-empty string"),
        ({"schedule": "every hour"}, "target 'shop_eu': schedule is not a valid cron expression"),
        ({"reconcile_at": "3am"}, "target 'shop_eu': reconcile_at must be a UTC time HH:MM"),
        ({"schedule": None}, "target 'shop_eu': reconcile_at needs a schedule"),
        ({"params": {"mode": "full"}}, "target 'shop_eu': params.mode cannot be preset"),
        # Presets are checked like a run's conf, at parse time, near misses named.
        (
            {"params": {"chanel": "print"}},
            "target 'shop_eu': params.chanel is not a param: did you mean 'channel'?",
        ),
        (
            {"params": {"maxrefused": 5}},
            "target 'shop_eu': params.maxrefused is not a param: did you mean 'max_refused'?",
        ),
        (
            {"params": {"partitions": "four"}},
            "target 'shop_eu': params.partitions is invalid: 'four' is not of type 'integer'",
        ),
        (
            {"params": {"locales": "de_DE"}},
            "target 'shop_eu': params.locales is invalid: 'de_DE' is not of type 'array'",
        ),
        (
            {"params": {"max_refused": "lots"}},
            "target 'shop_eu': params.max_refused is invalid: 'lots' is not a count",
        ),
        ({"params": ["channel"]}, "target 'shop_eu': params must be a mapping"),
        (
            {"connection": "shopware6_uk"},
            "target 'shop_uk': connection 'shopware6_uk' is already the shop of target 'shop_eu'",
        ),
        ({"name": "shop_uk"}, "target 'shop_uk': is configured twice"),
    ],
)
def test_a_wrong_target_is_refused_naming_the_target_key_and_reason(tmp_path, change, message):
    raw = {"targets": [dict(t) for t in TWO_SHOPS_AND_A_STORE["targets"]]}
    raw["targets"][0].update(change)
    with pytest.raises(ConfigError) as refused:
        parse_targets(raw, "targets.yaml", tmp_path)
    assert str(refused.value).startswith("targets.yaml: ")
    assert message in str(refused.value)


def test_an_unreadable_or_empty_file_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="cannot be read"):
        load_targets(tmp_path / "missing.yaml")
    (tmp_path / "empty.yaml").write_text("targets: []\n")
    with pytest.raises(ConfigError, match="must be a non-empty list"):
        load_targets(tmp_path / "empty.yaml")


def test_the_scheduled_run_holding_reconcile_at_reconciles(tmp_path):
    eu = parse_targets(TWO_SHOPS_AND_A_STORE, "t", tmp_path)[0]  # reconcile_at 03:00

    def hour(h: int) -> datetime:
        return datetime(2026, 11, 22, h, tzinfo=UTC)

    assert scheduled_mode(eu, "delta", "scheduled", hour(3), hour(4)) == "reconcile"
    assert scheduled_mode(eu, "delta", "scheduled", hour(2), hour(3)) == "delta"  # ends at 3
    assert scheduled_mode(eu, "delta", "scheduled", hour(4), hour(5)) == "delta"
    # Backfills re-sync their slice; triggered runs do what they are told.
    assert scheduled_mode(eu, "delta", "backfill", hour(3), hour(4)) == "delta"
    assert scheduled_mode(eu, "full", "scheduled", hour(3), hour(4)) == "full"
    # A daily interval always holds it.
    day = datetime(2026, 11, 23, tzinfo=UTC)
    assert scheduled_mode(eu, "delta", "scheduled", hour(0), day) == "reconcile"


def test_the_dag_of_each_target(tmp_path):
    from pimflow.pipeline.dags import build_dag

    (tmp_path / "uk.yaml").write_text("batch_size: 100\n")
    targets = parse_targets(TWO_SHOPS_AND_A_STORE, "t", tmp_path)
    dags = {t.name: build_dag(t) for t in targets}
    eu, uk, store = dags["shop_eu"], dags["shop_uk"], dags["store"]
    assert eu.dag_id == "akeneo_to_shop_eu" and eu.max_active_runs == 1
    assert set(eu.tags) == {"pimflow", "akeneo", "shopware6", "shop_eu"}
    assert eu.params["locales"] == ["de_DE"] and eu.params["mode"] == "delta"
    assert store.params["families"] == ["tents"]
    assert eu.params["max_refused"] == "10%"  # pimflow's default
    assert type(uk.timetable).__name__ == "NullTimetable"  # only triggered
    # Data intervals: the run at 11:00 covers 10:00–11:00 (a delta reads that hour).
    assert type(eu.timetable).__name__ == "CronDataIntervalTimetable"
    assert type(store.timetable).__name__ == "CronDataIntervalTimetable"
    assert uk.default_args["owner"] == "uk-team"
    tasks = {t.task_id: t for t in eu.tasks}
    assert tasks["akeneo.products"].pool == "pimflow.akeneo.akeneo_default"
    assert tasks["akeneo.media"].pool_slots == AKENEO_CONCURRENT_CALLS
    assert tasks["shopware6.products"].pool == "pimflow.shop.shop_eu"
    assert {t.task_id for t in store.tasks} >= {"cscart.products", "report", "shop_updated"}
    assert uk.get_task("akeneo.structure").pool == "pimflow.akeneo.akeneo_uk"
    (asset,) = eu.get_task("shop_updated").outlets
    assert asset.uri == "x-pimflow://targets/shop_eu"


def test_the_check_command_lists_the_dags_of_the_targets_file(tmp_path, monkeypatch, capsys):
    import yaml

    from pimflow.targets import main

    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(TWO_SHOPS_AND_A_STORE))
    (tmp_path / "uk.yaml").write_text("batch_size: 100\n")  # shop_uk's mapping
    monkeypatch.setenv("PIMFLOW_TARGETS", str(path))
    assert main(["check"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "akeneo_to_shop_eu: shopware6 → shopware6_eu, schedule @hourly"
    assert lines[1].startswith("akeneo_to_shop_uk: ") and lines[1].endswith("schedule None")
    assert main(["sideways"]) == 2

    # A target's mapping is checked too: the error names the file, the key and the reason.
    (tmp_path / "uk.yaml").write_text("batch_size: lots\n")
    assert main(["check"]) == 1
    error = capsys.readouterr().err
    assert str(tmp_path / "uk.yaml") in error and "batch_size" in error


def test_max_refused_may_be_preset_per_target_as_a_count_or_a_percentage(tmp_path):
    from pimflow.pipeline.dags import build_dag

    (tmp_path / "targets.yaml").write_text(
        "targets:\n"
        "  - {name: eu, type: shopware6, connection: sw_eu, params: {max_refused: 5%}}\n"
        "  - {name: uk, type: shopware6, connection: sw_uk, params: {max_refused: 0}}\n"
        "  - {name: us, type: cscart, connection: cs_us, params: {max_refused: null}}\n"
    )
    targets = {t.name: t for t in load_targets(tmp_path / "targets.yaml")}
    assert {name: t.params["max_refused"] for name, t in targets.items()} == {
        "eu": "5%",
        "uk": 0,
        "us": None,
    }
    assert build_dag(targets["eu"]).params["max_refused"] == "5%"
    assert build_dag(targets["us"]).params["max_refused"] is None
