"""The registered shop targets: entry points of the group `pimflow.targets`.

A target package registers its `ShopTarget` subclass in its distribution's metadata:

    [project.entry-points."pimflow.targets"]
    magento2 = "pimflow_magento2.target:Magento2Target"

pimflow's own two targets are registered by pimflow's pyproject.toml, a third party's by
its own; the core only ever asks this module. Loading a target imports its `target`
module only, which must not import Airflow (or pandas, or its hook) at module level: DAG
parsing stays cheap, and Airflow's own provider discovery (pimflow/provider.py) asks for
the targets while Airflow is being imported.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from pimflow.targets.base import ShopTarget

GROUP = "pimflow.targets"


class UnknownTargetType(LookupError):
    pass


_loading: list[str] = []  # the entry point being loaded, while it is


@cache
def _registered() -> dict[str, ShopTarget]:
    if _loading:
        # Importing a target's module imported Airflow, whose provider discovery asks for
        # the targets again (provider.py): the module must import Airflow lazily.
        raise RuntimeError(
            f"target {_loading[0]!r} is being registered: its module must not import Airflow "
            "(or pimflow modules that do) at module level; import them where they are used"
        )
    found: dict[str, ShopTarget] = {}
    for entry in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        _loading.append(entry.name)
        try:
            target_class = entry.load()
        finally:
            _loading.pop()
        if not (isinstance(target_class, type) and issubclass(target_class, ShopTarget)):
            raise TypeError(f"entry point {GROUP}:{entry.name} is not a ShopTarget subclass")
        target = target_class()
        if target.type_name != entry.name:
            raise TypeError(
                f"entry point {GROUP}:{entry.name} names a target of type {target.type_name!r}"
            )
        found[entry.name] = target
    return found


def target_types() -> dict[str, ShopTarget]:
    """Every registered target type, by name."""
    return dict(_registered())


def target_type(name: str) -> ShopTarget:
    try:
        return _registered()[name]
    except KeyError:
        known = ", ".join(sorted(_registered())) or "none"
        raise UnknownTargetType(f"no target type {name!r} is registered ({known})") from None


def refresh() -> None:
    """Forget what was found (after installing a target package in this process)."""
    _registered.cache_clear()
