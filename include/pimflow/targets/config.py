"""The sync targets: the shops pimflow keeps in step with Akeneo, one DAG each.

The targets file (`PIMFLOW_TARGETS`, default: `default_targets.yaml` beside this module)
lists every shop. Each target becomes the DAG `akeneo_to_<name>`, with its own
connections, mapping file, schedule and trigger-form defaults:

    targets:
      - name: shop_eu                   # DAG id akeneo_to_shop_eu
        type: <type>                    # a registered target type (pimflow.targets)
        connection: shop_eu             # the shop's Airflow connection
        akeneo_connection: akeneo_default
        mapping: mappings/shop_eu.yaml  # relative to this file; default: the type's default
        schedule: "@hourly"             # cron or preset; null: runs only when triggered
        reconcile_at: "03:00"           # the scheduled run holding 03:00 UTC reconciles
        owner: ecommerce-team
        params: {channel: ecommerce, locales: [de_DE], families: [], max_refused: 5%}

Everything is checked when Airflow parses the DAG file (`Target`, a pydantic model on
pimflow.configuration's base): a wrong file is an import error, a ConfigError that names
the file, the target, the key and the reason.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import (
    BeforeValidator,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from pimflow.configuration import ConfigError, ConfigModel, Invalid, describe, read_yaml
from pimflow.pipeline.params import PRESETTABLE_PARAMS, preset_problem  # noqa: F401 - re-exported
from pimflow.targets.base import ShopTarget

ENV_VAR = "PIMFLOW_TARGETS"
DEFAULT_FILE = Path(__file__).with_name("default_targets.yaml")
# Akeneo answers at most 4 calls in parallel per API connection (its documented limit);
# every task that calls Akeneo takes slots of its connection's pool, in every DAG.
AKENEO_CONCURRENT_CALLS = 4
# One task at a time writes a shop: max_active_runs=1 does not hold between a backfill's
# runs, nor between a backfill and the schedule; the shop's pool of one slot does.
SHOP_WRITERS = 1
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_KEYS = frozenset(
    {
        "name",
        "type",
        "connection",
        "akeneo_connection",
        "mapping",
        "schedule",
        "reconcile_at",
        "owner",
        "params",
    }
)
_TIME_OF_DAY = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


def known_target_types() -> tuple[str, ...]:
    """The types a target may have: those registered (pimflow/targets/registry.py)."""
    from pimflow.targets.registry import target_types

    return tuple(target_types())


def _check_type(kind: Any) -> str:
    if kind not in known_target_types():
        raise Invalid(f"must be one of {', '.join(known_target_types())} (got {kind!r})")
    return kind


def _name(value: Any) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise Invalid(f"must be lower-case letters, digits and _ (got {value!r})")
    return value


def _non_empty(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"must be a non-empty string (got {value!r})")
    return value.strip()


def _schedule(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"must be a cron expression, a preset like @hourly, or null (got {value!r})")
    _check_cron(value.strip())
    return value.strip()


def _time_of_day(value: Any) -> str | None:
    if value is not None and (not isinstance(value, str) or not _TIME_OF_DAY.match(value)):
        raise Invalid(f"must be a UTC time HH:MM (got {value!r})")
    return value


def _params(value: Any) -> dict[str, Any]:
    """A target's presets of the run params (PRESETTABLE_PARAMS): each a param that may be
    preset, of its type (the same schema as the trigger form's), near misses named."""
    params = value or {}
    if not isinstance(params, dict):
        raise Invalid("must be a mapping of param → default")
    for key, preset in params.items():
        problem = preset_problem(key, preset)
        if problem:
            raise Invalid(problem, str(key))
    return dict(params)


NonEmpty = Annotated[str, BeforeValidator(_non_empty)]


class Target(ConfigModel):
    """One shop the targets file lists; its fields are checked in the order of the file's
    documentation, and the first wrong one is reported."""

    name: Annotated[str, BeforeValidator(_name)] = Field(None, validate_default=True)
    type: Annotated[str, BeforeValidator(_check_type)] = Field(None, validate_default=True)
    connection: NonEmpty = Field(None, validate_default=True)
    akeneo_connection: NonEmpty = "akeneo_default"
    owner: NonEmpty = "pimflow"
    schedule: Annotated[str | None, BeforeValidator(_schedule)] = "@hourly"
    # "HH:MM" UTC: the scheduled run holding it reconciles
    reconcile_at: Annotated[str | None, BeforeValidator(_time_of_day)] = None
    # None: the type's default mapping (or its env variable); else relative to the file
    mapping: str | None = None
    params: Annotated[dict[str, Any], BeforeValidator(_params)] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and (unknown := sorted(set(data) - _KEYS, key=str)):
            raise Invalid(f"is not a key of a target ({', '.join(sorted(_KEYS))})", unknown[0])
        return data

    @field_validator("mapping", mode="before")
    @classmethod
    def _resolve_mapping(cls, value: Any, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise Invalid(f"must be a file path (got {value!r})")
        path = Path(value)
        base = (info.context or {}).get("base") or Path.cwd()
        return str(path if path.is_absolute() else base / path)

    @model_validator(mode="after")
    def _reconcile_needs_a_schedule(self) -> Self:
        if self.reconcile_at is not None and self.schedule is None:
            raise Invalid("needs a schedule (the runs it turns into reconciles)", "reconcile_at")
        return self

    @property
    def dag_id(self) -> str:
        return f"akeneo_to_{self.name}"

    @property
    def akeneo_pool(self) -> str:
        """The pool of every task, of every DAG, that calls this Akeneo connection."""
        return f"pimflow.akeneo.{self.akeneo_connection}"

    @property
    def shop(self) -> ShopTarget:
        """The implementation of this target's type."""
        from pimflow.targets.registry import target_type

        return target_type(self.type)

    @property
    def shop_pool(self) -> str:
        """The pool of every task that writes this target's shop."""
        return f"pimflow.shop.{self.name}"


def _target(raw: Any, index: int, base: Path, source: str) -> Target:
    """The target at `index`; its errors name it by name once that is valid, else by position."""
    if not isinstance(raw, dict):
        raise ConfigError(source, "", "must be a mapping with name, type, connection", target=index)
    try:
        return Target.model_validate(raw, context={"base": base})
    except ValidationError as exc:
        key, reason = describe(exc)
        field = key.split(".")[0].split("[")[0]
        named = field in Target.model_fields and field != "name"
        target = raw["name"] if named else index
        raise ConfigError(source, key, reason, target=target) from None


def _check_cron(expression: str) -> None:
    from croniter import croniter

    presets = {"@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually", "@midnight"}
    if expression in presets:
        return
    if not croniter.is_valid(expression):
        raise Invalid(f"is not a valid cron expression (got {expression!r})")


def parse_targets(raw: Any, source: str = "targets", base: Path | None = None) -> list[Target]:
    if not isinstance(raw, dict) or not isinstance(raw.get("targets"), list) or not raw["targets"]:
        raise ConfigError(source, "targets", "must be a non-empty list of targets")
    targets = [
        _target(item, i, base or Path.cwd(), source) for i, item in enumerate(raw["targets"])
    ]
    seen_names: set[str] = set()
    seen_shops: dict[str, str] = {}  # shop connection → the target writing it
    for target in targets:
        if target.name in seen_names:
            raise ConfigError(source, "", "is configured twice", target=target.name)
        seen_names.add(target.name)
        other = seen_shops.get(target.connection)
        if other:
            # Two DAGs writing one shop would race (max_active_runs holds per DAG only).
            raise ConfigError(
                source,
                "connection",
                f"{target.connection!r} is already the shop of target {other!r}",
                target=target.name,
            )
        seen_shops[target.connection] = target.name
    return targets


def load_targets(path: str | os.PathLike[str] | None = None) -> list[Target]:
    """The targets from `path`, else $PIMFLOW_TARGETS, else the packaged default."""
    chosen = Path(path or os.environ.get(ENV_VAR) or DEFAULT_FILE)
    data = read_yaml(chosen)
    return parse_targets(data, str(chosen), chosen.parent)


def target_named(name: str, path: str | os.PathLike[str] | None = None) -> Target:
    targets = load_targets(path)
    for target in targets:
        if target.name == name:
            return target
    known = ", ".join(t.name for t in targets)
    raise ConfigError(
        str(path or os.environ.get(ENV_VAR) or DEFAULT_FILE),
        "",
        f"is not configured (configured: {known})",
        target=name,
    )


def load_target_mapping(target: Target) -> Any:
    """The target's mapping file, parsed and checked by its type's rules."""
    return target.shop.load_mapping(target.mapping)


def scheduled_mode(
    target: Target, requested: str, run_type: str, start: datetime | None, end: datetime | None
) -> str:
    """The mode a run takes: the one requested, except a scheduled delta whose data interval
    holds the target's `reconcile_at` time of day, which reconciles (the nightly full read
    that propagates deletions)."""
    if requested != "delta" or run_type != "scheduled" or not target.reconcile_at:
        return requested
    if start is None or end is None or start >= end:
        return requested
    hour, minute = map(int, target.reconcile_at.split(":"))
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    moment = start.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if moment < start:
        moment += timedelta(days=1)
    return "reconcile" if moment < end else requested


def pools(targets: list[Target]) -> dict[str, tuple[int, str]]:
    """Every pool the targets' DAGs use: name → (slots, description)."""
    found: dict[str, tuple[int, str]] = {}
    for target in targets:
        found[target.akeneo_pool] = (
            AKENEO_CONCURRENT_CALLS,
            f"pimflow: calls in flight to Akeneo connection {target.akeneo_connection}",
        )
        found[target.shop_pool] = (SHOP_WRITERS, f"pimflow: writers of target {target.name}")
    return found
