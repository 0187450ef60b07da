"""Asset families and the deletion of assets."""

from __future__ import annotations

from typing import Any

from pimflow_sandbox.akeneo.errors import (
    NotFound,
)
from pimflow_sandbox.akeneo.structure import (
    ASSET_FAMILY,
)


class AssetsMixin:
    """Writes of asset families; deletion of assets."""

    def write_asset_family(self, code: str, data: Any) -> bool:
        created, _ = self._write(ASSET_FAMILY, self.asset_families, code, data, mode="upsert")
        if created:
            self.asset_attributes.setdefault(code, {})
            self.assets.setdefault(code, {})
        return created

    def delete_asset(self, family: str, code: str) -> None:
        if family not in self.asset_families:
            raise NotFound(f'Asset family "{family}" does not exist.')
        if self.assets.get(family, {}).pop(code.lower(), None) is None:
            raise NotFound(f'Asset "{code}" does not exist.')
