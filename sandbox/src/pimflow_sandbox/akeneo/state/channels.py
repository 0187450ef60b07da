"""Channels and association types: the small structure entities."""

from __future__ import annotations

from typing import Any

from pimflow_sandbox.akeneo.structure import (
    ASSOCIATION_TYPE,
    CHANNEL,
)


class ChannelsMixin:
    """Writes of channels and association types."""

    def write_channel(self, code: str | None, data: Any, mode: str) -> bool:
        created, _ = self._write(
            CHANNEL, self.channels, code, data, mode=mode, touch_kind="channel"
        )
        self.refresh_activation()
        self._tree_cache = None
        return created

    def write_association_type(self, code: str | None, data: Any, mode: str) -> bool:
        created, _ = self._write(ASSOCIATION_TYPE, self.association_types, code, data, mode=mode)
        return created
