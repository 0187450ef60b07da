"""The sandbox shop's state and its rules: rows, translations, mappings, files, and the DAL
behaviour around them (validation, nested writes, deletes with cascades, reads).

Pure Python, no HTTP: `api.py` turns requests into calls of `Store.sync`, `Store.read`, ...
Every change goes through four primitives (`_put`, `_put_translation`, `_link`, `_put_file`)
that keep the indexes right and log their inverse, so a request (or a single row of it) can
be rolled back — that is how `fail-on-error` gets its all-or-nothing semantics. Lookups that
a sync of 100,000 products leans on (primary keys, foreign keys, `productNumber`, mapping
rows) are dictionary hits, never scans.

Split the way moto splits its models: `core.py` holds the indexes and the primitives, each
other module one concern (sync, writes, field checks, deletes, media, reads, snapshots) as a
mixin, or one entity's computed fields (products, categories, media); `Store` composes them.
The entities themselves are data (`entities.json`, read by `schema.py`), not classes.
"""

from __future__ import annotations

from pimflow_sandbox.shopware6.state.computed import COMPUTED
from pimflow_sandbox.shopware6.state.core import (
    PRICE_KEYS,
    SNAPSHOT_VERSION,
    UUID_RE,
    Acc,
    ReadCtx,
    StoreCore,
    WriteCtx,
    camel,
    format_datetime,
    is_uuid,
    new_id,
    parse_datetime,
    snake,
)
from pimflow_sandbox.shopware6.state.deletes import DeletesMixin
from pimflow_sandbox.shopware6.state.fields import FieldsMixin
from pimflow_sandbox.shopware6.state.media import MediaMixin
from pimflow_sandbox.shopware6.state.products import render_price
from pimflow_sandbox.shopware6.state.reads import ReadsMixin
from pimflow_sandbox.shopware6.state.snapshot import SnapshotMixin
from pimflow_sandbox.shopware6.state.sync import SyncMixin
from pimflow_sandbox.shopware6.state.writes import WritesMixin


class Store(
    SyncMixin,
    WritesMixin,
    FieldsMixin,
    DeletesMixin,
    MediaMixin,
    ReadsMixin,
    SnapshotMixin,
    StoreCore,
):
    """The shop: every emulated entity, indexed for O(1) writes and key lookups."""


__all__ = [
    "Acc",
    "COMPUTED",
    "PRICE_KEYS",
    "ReadCtx",
    "SNAPSHOT_VERSION",
    "Store",
    "UUID_RE",
    "WriteCtx",
    "camel",
    "format_datetime",
    "is_uuid",
    "new_id",
    "parse_datetime",
    "render_price",
    "snake",
]
