"""Targets: the shops pimflow writes into.

- `config`: the targets file (which shops, their connections, mappings, schedules);
- `base`: the interface a shop's package implements (`ShopTarget`, `Stage`);
- `registry`: the registered implementations (entry points `pimflow.targets`).
"""

from __future__ import annotations

from pimflow.targets.cli import main
from pimflow.targets.config import (
    AKENEO_CONCURRENT_CALLS,
    DEFAULT_FILE,
    ENV_VAR,
    PRESETTABLE_PARAMS,
    SHOP_WRITERS,
    Target,
    load_target_mapping,
    load_targets,
    parse_targets,
    pools,
    scheduled_mode,
    target_named,
)

__all__ = [
    "AKENEO_CONCURRENT_CALLS",
    "DEFAULT_FILE",
    "ENV_VAR",
    "PRESETTABLE_PARAMS",
    "SHOP_WRITERS",
    "Target",
    "load_target_mapping",
    "load_targets",
    "main",
    "parse_targets",
    "pools",
    "scheduled_mode",
    "target_named",
]
