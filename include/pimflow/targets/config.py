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
        params: {channel: ecommerce, locales: [de_DE], families: []}

Everything is checked when Airflow parses the DAG file: a wrong file is an import error
that names the target, the key and the reason.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pimflow.targets.base import ShopTarget
from pimflow.yaml_files import read_yaml

ENV_VAR = "PIMFLOW_TARGETS"
DEFAULT_FILE = Path(__file__).with_name("default_targets.yaml")
# Akeneo answers at most 4 calls in parallel per API connection (its documented limit);
# every task that calls Akeneo takes slots of its connection's pool, in every DAG.
AKENEO_CONCURRENT_CALLS = 4
# One task at a time writes a shop: max_active_runs=1 does not hold between a backfill's
# runs, nor between a backfill and the schedule; the shop's pool of one slot does.
SHOP_WRITERS = 1
# The params a target may preset; the trigger form validates them (pipeline/params.py).
PRESETTABLE_PARAMS = frozenset(
    {"channel", "locales", "families", "enabled_only", "min_completeness", "partitions"}
)
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


class TargetsConfigError(ValueError):
    def __init__(self, source: str, where: str, reason: str) -> None:
        super().__init__(f"{source}: {where} {reason}")


@dataclass(frozen=True)
class Target:
    name: str
    type: str
    connection: str
    akeneo_connection: str = "akeneo_default"
    mapping: str | None = None  # None: the type's default mapping (or its env variable)
    schedule: str | None = "@hourly"
    reconcile_at: str | None = None  # "HH:MM" UTC: the scheduled run holding it reconciles
    owner: str = "pimflow"
    params: dict[str, Any] = field(default_factory=dict)

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
    where = f"targets[{index}]"
    if not isinstance(raw, dict):
        raise TargetsConfigError(source, where, "must be a mapping with name, type, connection")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise TargetsConfigError(
            source,
            f"{where}.{unknown[0]}",
            f"is not a key of a target ({', '.join(sorted(_KEYS))})",
        )
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise TargetsConfigError(
            source, f"{where}.name", f"must be lower-case letters, digits and _ (got {name!r})"
        )
    where = f"target {name!r}:"
    kind = raw.get("type")
    types = known_target_types()
    if kind not in types:
        raise TargetsConfigError(
            source, f"{where} type", f"must be one of {', '.join(types)} (got {kind!r})"
        )
    strings = {}
    defaults = {"connection": None, "akeneo_connection": "akeneo_default", "owner": "pimflow"}
    for key, default in defaults.items():
        value = raw.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise TargetsConfigError(
                source, f"{where} {key}", f"must be a non-empty string (got {value!r})"
            )
        strings[key] = value.strip()
    schedule = raw.get("schedule", "@hourly")
    if schedule is not None:
        if not isinstance(schedule, str) or not schedule.strip():
            raise TargetsConfigError(
                source,
                f"{where} schedule",
                f"must be a cron expression, a preset like @hourly, or null (got {schedule!r})",
            )
        schedule = schedule.strip()
        _check_cron(schedule, source, f"{where} schedule")
    reconcile_at = raw.get("reconcile_at")
    if reconcile_at is not None:
        if not isinstance(reconcile_at, str) or not _TIME_OF_DAY.match(reconcile_at):
            raise TargetsConfigError(
                source, f"{where} reconcile_at", f"must be a UTC time HH:MM (got {reconcile_at!r})"
            )
        if schedule is None:
            raise TargetsConfigError(
                source,
                f"{where} reconcile_at",
                "needs a schedule (the runs it turns into reconciles)",
            )
    mapping = raw.get("mapping")
    if mapping is not None:
        if not isinstance(mapping, str) or not mapping.strip():
            raise TargetsConfigError(
                source, f"{where} mapping", f"must be a file path (got {mapping!r})"
            )
        path = Path(mapping)
        mapping = str(path if path.is_absolute() else base / path)
    params = raw.get("params") or {}
    if not isinstance(params, dict):
        raise TargetsConfigError(source, f"{where} params", "must be a mapping of param → default")
    for key in params:
        if key not in PRESETTABLE_PARAMS:
            raise TargetsConfigError(
                source,
                f"{where} params.{key}",
                f"cannot be preset (presettable: {', '.join(sorted(PRESETTABLE_PARAMS))})",
            )
    return Target(
        name=name,
        type=kind,
        connection=strings["connection"],
        akeneo_connection=strings["akeneo_connection"],
        mapping=mapping,
        schedule=schedule,
        reconcile_at=reconcile_at,
        owner=strings["owner"],
        params=dict(params),
    )


def _check_cron(expression: str, source: str, where: str) -> None:
    from croniter import croniter

    presets = {"@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually", "@midnight"}
    if expression in presets:
        return
    if not croniter.is_valid(expression):
        raise TargetsConfigError(
            source, where, f"is not a valid cron expression (got {expression!r})"
        )


def parse_targets(raw: Any, source: str = "targets", base: Path | None = None) -> list[Target]:
    if not isinstance(raw, dict) or not isinstance(raw.get("targets"), list) or not raw["targets"]:
        raise TargetsConfigError(source, "targets", "must be a non-empty list of targets")
    targets = [
        _target(item, i, base or Path.cwd(), source) for i, item in enumerate(raw["targets"])
    ]
    seen_names: set[str] = set()
    seen_shops: dict[str, str] = {}  # shop connection → the target writing it
    for target in targets:
        if target.name in seen_names:
            raise TargetsConfigError(source, f"target {target.name!r}:", "is configured twice")
        seen_names.add(target.name)
        other = seen_shops.get(target.connection)
        if other:
            # Two DAGs writing one shop would race (max_active_runs holds per DAG only).
            raise TargetsConfigError(
                source,
                f"target {target.name!r}: connection",
                f"{target.connection!r} is already the shop of target {other!r}",
            )
        seen_shops[target.connection] = target.name
    return targets


def load_targets(path: str | os.PathLike[str] | None = None) -> list[Target]:
    """The targets from `path`, else $PIMFLOW_TARGETS, else the packaged default."""
    chosen = Path(path or os.environ.get(ENV_VAR) or DEFAULT_FILE)
    data = read_yaml(chosen, TargetsConfigError)
    return parse_targets(data, str(chosen), chosen.parent)


def target_named(name: str, path: str | os.PathLike[str] | None = None) -> Target:
    targets = load_targets(path)
    for target in targets:
        if target.name == name:
            return target
    known = ", ".join(t.name for t in targets)
    raise TargetsConfigError(
        str(path or os.environ.get(ENV_VAR) or DEFAULT_FILE),
        f"target {name!r}",
        f"is not configured (configured: {known})",
    )


def known_target_types() -> tuple[str, ...]:
    """The types a target may have: those registered (pimflow/targets/registry.py)."""
    from pimflow.targets.registry import target_types

    return tuple(target_types())


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
