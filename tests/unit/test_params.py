"""Strict params: the DAG's params schema refuses unknown keys (naming the near miss) and
values of the wrong type; every param has a title and a description in the form;
`max_refused` and `refused_limit`; the runtime guard of a run's first task."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import pytest

from pimflow.pipeline import params as p

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_param_has_a_title_and_a_description_in_the_form():
    form = p.sync_params()
    assert list(form) == [spec.name for spec in p.PARAMS]
    for name, param in form.items():
        assert param.schema.get("title"), name
        assert param.description and len(param.description) > 20, name
        # The default is one the param's own schema takes.
        assert param.resolve() == p.SPECS[name].default


def test_the_defaults_and_max_refused_default_documented():
    assert p.defaults()["max_refused"] == "10%" == p.DEFAULT_MAX_REFUSED
    assert '"10%"' in p.SPECS["max_refused"].description
    assert p.defaults() == {
        "mode": "delta",
        "dry_run": False,
        "channel": "ecommerce",
        "locales": [],
        "families": [],
        "enabled_only": False,
        "min_completeness": None,
        "product_limit": None,
        "partitions": 4,
        "max_refused": "10%",
        "verify": False,
        "verify_sample": None,
    }


def test_the_readme_params_table_lists_every_param_with_its_title_and_default():
    text = README.read_text()
    section = text[text.index("### Params of a run") :]
    section = section[: section.index("\n### ", 1)]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([a-z_]+)` \|.*$", section, re.M)}
    assert list(rows) == [spec.name for spec in p.PARAMS]
    for spec in p.PARAMS:
        assert spec.title in rows[spec.name], spec.name
    assert '`"10%"`' in rows["max_refused"]


@pytest.mark.parametrize(
    ("key", "meant"),
    [
        ("dryrun", "dry_run"),
        ("Dry-Run", "dry_run"),
        ("dry run", "dry_run"),
        ("chanel", "channel"),
        ("locale", "locales"),
        ("product_limits", "product_limit"),
        ("maxrefused", "max_refused"),
        ("partition", "partitions"),
    ],
)
def test_an_unknown_key_is_refused_naming_the_near_miss(key, meant):
    (problem,) = p.conf_problems({key: True}, p.param_schemas())
    assert problem == f"unknown param {key!r}: did you mean {meant!r}?"


def test_an_unknown_key_without_a_near_miss_lists_the_params():
    (problem,) = p.conf_problems({"colour": "red"}, p.param_schemas())
    assert problem.startswith("unknown param 'colour' (the params: mode, dry_run, channel")
    assert "max_refused" in problem


@pytest.mark.parametrize(
    ("conf", "expected"),
    [
        ({"partitions": "four"}, "param partitions: 'four' is not of type 'integer'"),
        ({"partitions": 0}, "param partitions: 0 is less than the minimum of 1"),
        ({"partitions": 33}, "param partitions: 33 is greater than the maximum of 32"),
        ({"partitions": True}, "param partitions: True is not of type 'integer'"),
        ({"mode": "sideways"}, "param mode: 'sideways' is not one of"),
        ({"dry_run": "yes"}, "param dry_run: 'yes' is not of type 'boolean'"),
        ({"channel": ""}, "param channel: '' should be non-empty"),
        ({"locales": "de_DE"}, "param locales: 'de_DE' is not of type 'array'"),
        ({"families": [1]}, "param families[0]: 1 is not of type 'string'"),
        ({"min_completeness": 101}, "param min_completeness: 101 is greater than the maximum"),
        ({"product_limit": "twenty"}, "param product_limit: 'twenty' is not of type"),
        ({"max_refused": "lots"}, "param max_refused: 'lots' is not a count"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_with_the_reason(conf, expected):
    (problem,) = p.conf_problems(conf, p.param_schemas())
    assert problem.startswith(expected), problem


def test_a_fine_conf_has_no_problem_and_every_problem_is_reported():
    fine = {"dry_run": True, "mode": "full", "families": ["tents"], "max_refused": "5%"}
    assert p.conf_problems(fine, p.param_schemas()) == []
    assert p.check_conf(fine) == fine
    problems = p.conf_problems({"dryrun": True, "partitions": "x"}, p.param_schemas())
    assert [q.split(":")[0] for q in problems] == ["unknown param 'dryrun'", "param partitions"]
    with pytest.raises(p.ParamsError) as caught:
        p.check_conf({"dryrun": True, "partitions": "x"})
    assert "\n" not in str(caught.value) and "; param partitions" in str(caught.value)
    with pytest.raises(p.ParamsError, match="must be a JSON object"):
        p.check_conf(["dry_run"])


@pytest.mark.parametrize("value", [None, 0, 7, "0%", "5%", "0.5%", "100%", "100.0%"])
def test_max_refused_takes_a_count_a_percentage_or_null(value):
    assert p.conf_problems({"max_refused": value}, p.param_schemas()) == []
    limit = p.refused_limit(value, 100)
    assert (limit is None) == (value is None)


@pytest.mark.parametrize("value", [-1, "150%", "100.5%", "5", "%", "5 %x", 1.5, True, [5]])
def test_max_refused_refuses_anything_else(value):
    (problem,) = p.conf_problems({"max_refused": value}, p.param_schemas())
    assert problem.startswith("param max_refused: ") and '"5%"' in problem, problem
    with pytest.raises(ValueError):
        p.refused_limit(value, 100)


@pytest.mark.parametrize(
    ("value", "read", "allowed"),
    [
        (None, 1000, None),
        (0, 1000, 0),
        (3, 0, 3),
        ("10%", 25, 2),  # rounded down: 2.5 → 2
        ("10%", 20, 2),
        ("10%", 9, 0),
        ("0%", 500, 0),
        ("100%", 37, 37),
        ("0.5%", 1000, 5),
        ("33.3%", 3, 0),
        ("5%", 0, 0),
    ],
)
def test_refused_limit_is_the_number_of_refused_products_allowed(value, read, allowed):
    assert p.refused_limit(value, read) == allowed


def test_refused_limit_of_the_default_and_of_a_wrong_read_count():
    assert p.refused_limit(p.DEFAULT_MAX_REFUSED, 200) == 20
    for read in (-1, 2.0, True, None):
        with pytest.raises(ValueError, match="read"):
            p.refused_limit("5%", read)


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("chanel", "print", "is not a param: did you mean 'channel'?"),
        ("dryrun", True, "is not a param: presettable: channel"),
        ("mode", "full", "cannot be preset (presettable: channel"),
        ("dry_run", True, "cannot be preset"),
        ("partitions", "four", "is invalid: 'four' is not of type 'integer'"),
        ("locales", [1], "is invalid at locales[0]: 1 is not of type 'string'"),
        ("max_refused", "150%", "is invalid: '150%' is not a count (an integer >= 0), a perc"),
    ],
)
def test_a_preset_is_checked_like_a_run_conf(key, value, problem):
    assert p.preset_problem(key, value).startswith(problem)


def test_presets_become_the_forms_defaults_and_wrong_ones_are_refused():
    form = p.sync_params({"channel": "print", "max_refused": 5, "families": ["tents"]})
    assert form["channel"].value == "print"
    assert form["max_refused"].value == 5
    assert form["families"].value == ["tents"]
    assert form["mode"].value == "delta"
    with pytest.raises(ValueError, match="params.partitions is invalid"):
        p.sync_params({"partitions": "four"})


# The runtime guard: the run's first task refuses a conf that went around the API's check.


def _context(conf, *, upstream=()):
    from airflow.sdk.definitions.param import ParamsDict

    return {
        "dag": SimpleNamespace(params=ParamsDict(p.sync_params())),
        "dag_run": SimpleNamespace(conf=conf),
        "task": SimpleNamespace(upstream_task_ids=set(upstream)),
        "params": {**p.defaults(), **conf},
    }


def test_the_first_task_of_a_run_refuses_an_unknown_key(monkeypatch):
    from pimflow.pipeline import context

    refused = []
    monkeypatch.setattr(context, "refuse_run", refused.append)
    monkeypatch.setattr(context, "get_current_context", lambda: _context({"dryrun": True}))
    context.params()
    assert refused == ["unknown param 'dryrun': did you mean 'dry_run'?"]


def test_later_tasks_and_fine_confs_are_not_refused(monkeypatch):
    from pimflow.pipeline import context

    refused = []
    monkeypatch.setattr(context, "refuse_run", refused.append)
    later = _context({"dryrun": True}, upstream=["akeneo.structure"])
    monkeypatch.setattr(context, "get_current_context", lambda: later)
    assert context.params()["dryrun"] is True  # the report still reads the params
    fine = _context({"dry_run": True})
    monkeypatch.setattr(context, "get_current_context", lambda: fine)
    assert context.params()["dry_run"] is True
    assert refused == []


@pytest.mark.parametrize(
    "conf",
    [{"verify": True}, {"verify": True, "mode": "delta"}, {"verify": True, "mode": "full"}],
)
def test_verify_without_a_reconcile_is_refused_at_once(conf):
    (problem,) = p.conf_problems(conf, p.param_schemas())
    mode = conf.get("mode", "delta")
    assert problem.startswith(f"param verify: needs mode 'reconcile', not {mode!r}"), problem
    with pytest.raises(p.ParamsError, match="param verify: needs mode 'reconcile'"):
        p.check_conf(conf)


def test_verify_with_a_reconcile_and_a_sample_anywhere_are_fine():
    assert p.conf_problems({"verify": True, "mode": "reconcile"}, p.param_schemas()) == []
    assert p.conf_problems({"verify": False, "mode": "delta"}, p.param_schemas()) == []
    # A sample alone only says how much a reconcile verifies: a delta run may carry it
    # (the trigger form sends a target's preset with every run).
    assert p.conf_problems({"verify_sample": "10%"}, p.param_schemas()) == []
    (problem,) = p.conf_problems({"verify_sample": "ten"}, p.param_schemas())
    assert "is not a percentage like" in problem


def test_verify_sample_may_be_preset_and_verify_may_not():
    assert p.preset_problem("verify_sample", "10%") is None
    assert p.preset_problem("verify", True).startswith("cannot be preset")
    assert "not a percentage" in p.preset_problem("verify_sample", 10)


@pytest.mark.parametrize(
    ("run_params", "reconcile", "share"),
    [
        ({"verify": True}, True, 1),
        ({"verify": True, "verify_sample": "10%"}, True, Fraction(1, 10)),
        ({"verify": False, "verify_sample": "2.5%"}, True, Fraction(1, 40)),  # a preset
        ({"verify": False, "verify_sample": None}, True, None),
        ({"verify": True, "verify_sample": "0%"}, True, None),
        ({"verify": True}, False, None),  # a delta never verifies
        ({"verify_sample": "10%"}, False, None),
        ({}, True, None),
    ],
)
def test_the_share_a_run_verifies(run_params, reconcile, share):
    assert p.verify_share(run_params, reconcile) == share
