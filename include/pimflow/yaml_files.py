"""Reading pimflow's YAML files: kept for importers of `read_yaml`, which now lives in
pimflow.configuration with the rest of the configuration machinery."""

from __future__ import annotations

from pimflow.configuration import ErrorFactory, read_yaml

__all__ = ["ErrorFactory", "read_yaml"]
