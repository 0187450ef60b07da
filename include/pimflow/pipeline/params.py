"""The params of every sync DAG: what to read, how, whether to write, and how many refused
products a run may have. Strict: a run takes these keys only, each of its type.

`PARAMS` is the one definition: the trigger form (`sync_params`, each param with a title
and a description), the check of a run's conf (`conf_problems`) and of a target's presets
(`preset_problem`) all read it. The checks name a near miss (`dryrun`: did you mean
`dry_run`?) and run wherever a run's params come from:

- the trigger form and the REST API: the API server's middleware (pimflow.strict_params,
  installed by pimflow's plugin) answers 400 before Airflow creates the run;
- `make sync` (pimflow.run): before Airflow starts, a one-line message and exit 2;
- scheduled runs: a target's `params:` in the targets file, when Airflow parses the DAG
  file (pimflow.targets.config);
- anything else that creates a run (`airflow dags trigger`, a backfill's conf): the run's
  first task refuses it (pimflow.pipeline.context.params), before anything is read or
  written.

Airflow checks each param's value against its JSON schema itself, but lets a key that is
no param through: `{"dryrun": true}` would be a real run, writing.

Pure Python except `sync_params` (Airflow's Param, imported when called), so the targets
file and the CLI check params without importing Airflow.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

MODES = ["delta", "full", "reconcile"]
# max_refused as a share of the products read: "5%", "0.5%", "100%".
PERCENTAGE = re.compile(r"^(100(\.0+)?|[0-9]{1,2}(\.[0-9]+)?)%$")
DEFAULT_MAX_REFUSED = "10%"


@dataclass(frozen=True)
class ParamSpec:
    """One param: its default, its form field's title and description, the JSON schema
    its value must satisfy, and whether a target may preset it in the targets file."""

    name: str
    default: Any
    title: str
    description: str
    schema: Mapping[str, Any] = field(default_factory=dict)
    presettable: bool = False
    # What a valid value is, said in words, where the schema's own would be cryptic.
    expects: str | None = None


PARAMS: tuple[ParamSpec, ...] = (
    ParamSpec(
        "mode",
        "delta",
        "Mode",
        "delta: the products updated in the run's data interval (scheduled runs, backfills) "
        "or since the last successful run (triggered runs); full: every product; reconcile: "
        "every product, and what left Akeneo leaves the shop",
        {"type": "string", "enum": MODES},
    ),
    ParamSpec(
        "dry_run",
        False,
        "Dry run",
        "Compute and report what would be written, and write nothing",
        {"type": "boolean"},
    ),
    ParamSpec(
        "channel",
        "ecommerce",
        "Akeneo channel",
        "The channel whose values are synced (its locales, currencies, category tree)",
        {"type": "string", "minLength": 1},
        presettable=True,
    ),
    ParamSpec(
        "locales",
        [],
        "Locales",
        "Akeneo locales to sync (empty: every locale of the channel)",
        {"type": "array", "items": {"type": "string"}},
        presettable=True,
    ),
    ParamSpec(
        "families",
        [],
        "Families",
        "Akeneo families to sync (empty: all, and products without a family)",
        {"type": "array", "items": {"type": "string"}},
        presettable=True,
    ),
    ParamSpec(
        "enabled_only",
        False,
        "Enabled products only",
        "Read enabled products only (disabled ones then count as removed)",
        {"type": "boolean"},
        presettable=True,
    ),
    ParamSpec(
        "min_completeness",
        None,
        "Minimum completeness (%)",
        "Read only products at least this complete (%) on the channel's locales "
        "(empty: any completeness)",
        {"type": ["null", "integer"], "minimum": 0, "maximum": 100},
        presettable=True,
    ),
    ParamSpec(
        "product_limit",
        None,
        "Product limit",
        "Read this many roots at most: simple products, and root product models with all "
        "their variants, so a limited run never cuts a product from its parent (for trying "
        "things out; nothing is removed from the shop then; empty: no limit)",
        {"type": ["null", "integer"], "minimum": 1},
    ),
    ParamSpec(
        "partitions",
        4,
        "Parallel product reads",
        "How many tasks read products in parallel (about as many products each, counted "
        "first; within the Akeneo pool's slots)",
        {"type": "integer", "minimum": 1, "maximum": 32},
        presettable=True,
    ),
    ParamSpec(
        "max_refused",
        DEFAULT_MAX_REFUSED,
        "Refused products allowed",
        "The run fails when the shop refused more products than this: a count (e.g. 0), "
        'a percentage of the products read (e.g. "5%", rounded down), or empty for no '
        f'limit. Default: "{DEFAULT_MAX_REFUSED}"',
        {"type": ["null", "integer", "string"], "minimum": 0, "pattern": PERCENTAGE.pattern},
        presettable=True,
        expects='a count (an integer >= 0), a percentage like "5%" (up to 100%) or null',
    ),
    ParamSpec(
        "verify",
        False,
        "Verify the shop (reconcile)",
        "With mode reconcile: read back what the shop holds for the synced products and "
        "re-send those edited in the shop since pimflow wrote them (counted as repaired, "
        "with the fields that differed), even though Akeneo did not change them",
        {"type": "boolean"},
    ),
    ParamSpec(
        "verify_sample",
        None,
        "Share of products verified",
        'When a reconcile verifies: the share of the synced products read back (e.g. "10%", '
        "a different sample each run); empty: all of them. Preset on a target, every "
        "reconcile of it (the scheduled one too) verifies that share",
        {"type": ["null", "string"], "pattern": PERCENTAGE.pattern},
        presettable=True,
        expects='a percentage like "10%" (up to 100%) or null',
    ),
)
SPECS: dict[str, ParamSpec] = {spec.name: spec for spec in PARAMS}
PRESETTABLE_PARAMS = frozenset(spec.name for spec in PARAMS if spec.presettable)


def defaults(presets: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every param's default, a target's presets over pimflow's (fresh lists each call)."""
    preset = dict(presets or {})
    return {spec.name: _copy(preset.get(spec.name, spec.default)) for spec in PARAMS}


def param_schemas() -> dict[str, Mapping[str, Any]]:
    """name → the JSON schema a value must satisfy: what `conf_problems` checks against
    when no DAG's params are at hand (the CLI)."""
    return {spec.name: spec.schema for spec in PARAMS}


def sync_params(presets: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The DAG's params (Airflow Params: the trigger form, in this order), with a target's
    presets as defaults. The presets are checked (`preset_problem`); a wrong one raises
    ValueError (the targets file checks them first and names the file and the target)."""
    from airflow.sdk import Param

    for key, value in (presets or {}).items():
        problem = preset_problem(key, value)
        if problem:
            raise ValueError(f"params.{key} {problem}")
    values = defaults(presets)
    return {
        spec.name: Param(
            values[spec.name], description=spec.description, title=spec.title, **spec.schema
        )
        for spec in PARAMS
    }


def near_miss(key: str, known: Iterable[str]) -> str | None:
    """The known key `key` most likely meant: the same but for case, `-`, `_` and spaces
    (`dryrun`, `Dry-Run` → `dry_run`), else the closest spelling; None if none is close."""
    names = list(known)
    squeezed = {_squeeze(name): name for name in names}
    if _squeeze(key) in squeezed:
        return squeezed[_squeeze(key)]
    close = difflib.get_close_matches(key.lower(), names, n=1, cutoff=0.6)
    return close[0] if close else None


def unknown_key_reason(key: str, known: Iterable[str]) -> str:
    """`unknown param 'dryrun': did you mean 'dry_run'?` (or the list of the params)."""
    names = list(known)
    meant = near_miss(str(key), names)
    if meant:
        return f"unknown param {key!r}: did you mean {meant!r}?"
    return f"unknown param {key!r} (the params: {', '.join(names)})"


def value_problem(key: str, value: Any, schema: Mapping[str, Any]) -> str | None:
    """Why `value` cannot be param `key`'s, or None: `param partitions: 'four' is not of
    type 'integer'`, `param locales[0]: 1 is not of type 'string'`."""
    error = _value_error(key, value, schema)
    return f"param {key}{error[0]}: {error[1]}" if error else None


def _value_error(key: str, value: Any, schema: Mapping[str, Any]) -> tuple[str, str] | None:
    """(where below the param, e.g. `[0]`; why) of `value`'s first error, or None."""
    from jsonschema import FormatChecker
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for

    validator = validator_for(schema)(schema, format_checker=FormatChecker())
    error = best_match(validator.iter_errors(value))
    if error is None:
        return None
    spec = SPECS.get(key)
    if spec is not None and spec.expects:
        return "", f"{_short(value)} is not {spec.expects}"
    return "".join(f"[{part!r}]" for part in error.absolute_path), error.message


def conf_problems(conf: Mapping[str, Any], schemas: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """What is wrong with a run's conf against its DAG's params (`schemas`: name → the
    param's JSON schema), one line each: unknown keys first (with the near miss), then
    values of the wrong type, in the params' order, then params that do not go together.
    Empty when the conf is fine."""
    problems = [unknown_key_reason(key, schemas) for key in conf if key not in schemas]
    for name, schema in schemas.items():
        if name in conf:
            problem = value_problem(name, conf[name], schema)
            if problem:
                problems.append(problem)
    if not problems and "verify" in schemas:
        problem = verify_problem(conf)
        if problem:
            problems.append(problem)
    return problems


def verify_problem(conf: Mapping[str, Any]) -> str | None:
    """`verify` asked of a run that does not reconcile: it would verify nothing (only a
    reconcile reads every product), so the run is refused rather than quietly not verifying."""
    if conf.get("verify") is not True:
        return None
    mode = conf.get("mode", SPECS["mode"].default)
    if mode == "reconcile":
        return None
    return (
        f"param verify: needs mode 'reconcile', not {mode!r} (verify reads back every "
        "synced product, and only a reconcile reads them all)"
    )


def verify_share(run_params: Mapping[str, Any], reconcile: bool) -> Fraction | None:
    """The share of the synced products a run reads back from the shop (pimflow/verify.py),
    or None when it verifies none: a reconcile verifies when `verify` is on (its sample, or
    all) or when a `verify_sample` is set (a target's preset: its scheduled reconcile)."""
    sample = run_params.get("verify_sample")
    if not reconcile or not (run_params.get("verify") or sample):
        return None
    if sample is None:
        return Fraction(1)
    if isinstance(sample, str) and PERCENTAGE.match(sample.strip()):
        share = Fraction(sample.strip()[:-1]) / 100
        return share or None  # "0%": none
    raise ValueError(f"verify_sample must be {SPECS['verify_sample'].expects}, got {sample!r}")


def check_conf(conf: Any, schemas: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """`conf` itself if it is a fine conf (an object of known params of the right types);
    else ParamsError with every problem on one line."""
    if not isinstance(conf, Mapping):
        raise ParamsError(
            f'the params must be a JSON object like {{"dry_run": true}}, not {_short(conf)}'
        )
    problems = conf_problems(conf, param_schemas() if schemas is None else schemas)
    if problems:
        raise ParamsError("; ".join(problems))
    return dict(conf)


def preset_problem(key: str, value: Any) -> str | None:
    """Why a target may not preset param `key` to `value` (in the phrasing of the targets
    file's errors: `params.<key> <problem>`), or None."""
    spec = SPECS.get(key)
    if spec is None:
        meant = near_miss(str(key), PRESETTABLE_PARAMS)
        hint = f"did you mean {meant!r}?" if meant else _presettable()
        return f"is not a param: {hint}"
    if not spec.presettable:
        return f"cannot be preset ({_presettable()})"
    error = _value_error(key, value, spec.schema)
    if error is None:
        return None
    where, why = error
    return f"is invalid{f' at {key}{where}' if where else ''}: {why}"


class ParamsError(ValueError):
    """A run's params that no run takes: the reason, on one line."""


def refused_limit(value: int | str | None, read: int) -> int | None:
    """How many refused products a run that read `read` products may have, per its
    `max_refused`: None (no limit) for None; a count as it is; a percentage ("5%") of
    `read`, rounded down (so "10%" of 25 allows 2). ValueError for anything else."""
    if isinstance(read, bool) or not isinstance(read, int) or read < 0:
        raise ValueError(f"read must be a count of products, got {read!r}")
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"max_refused must not be negative, got {value!r}")
        return value
    if isinstance(value, str) and PERCENTAGE.match(value.strip()):
        share = Fraction(value.strip()[:-1])
        return math.floor(share * read / 100)
    raise ValueError(f"max_refused must be {SPECS['max_refused'].expects}, got {value!r}")


def _presettable() -> str:
    return f"presettable: {', '.join(sorted(PRESETTABLE_PARAMS))}"


def _squeeze(name: str) -> str:
    return re.sub(r"[\s_-]+", "", name).lower()


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value
