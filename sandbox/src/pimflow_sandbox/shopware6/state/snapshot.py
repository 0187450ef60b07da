"""Snapshots: the whole shop to and from JSON (`--snapshot`)."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pimflow_sandbox.shopware6.state.core import SNAPSHOT_VERSION

if TYPE_CHECKING:
    from pimflow_sandbox.shopware6.state import Store


class SnapshotMixin:
    """Saving and loading the shop."""

    # ======================================================================================
    # snapshot
    # ======================================================================================
    def to_snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "version": SNAPSHOT_VERSION,
                "seed": self.seed,
                "rows": self.rows,
                "translations": self.translations,
                "links": {
                    m: {f: {k: sorted(v) for k, v in side.items()} for f, side in sides.items()}
                    for m, sides in self.links.items()
                },
                "files": {k: base64.b64encode(v).decode("ascii") for k, v in self.files.items()},
                "counters": self.counters,
            }

    def save(self, path: str | Path) -> None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + f".tmp-{os.getpid()}")
        tmp.write_text(json.dumps(self.to_snapshot(), separators=(",", ":")), encoding="utf-8")
        tmp.replace(target)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> Store:
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unsupported snapshot version {data.get('version')!r}")
        store = cls(seed=int(data.get("seed", 42)))
        for entity, rows in data["rows"].items():
            for eid, row in rows.items():
                store._put(entity, eid, row)
        for entity, by_id in data["translations"].items():
            for eid, langs in by_id.items():
                for language, values in langs.items():
                    store._put_translation(entity, eid, language, values)
        for mapping, sides in data["links"].items():
            first = store.defs[mapping].mapping[0]  # type: ignore[index]
            second = store.defs[mapping].mapping[1]  # type: ignore[index]
            for a, others in sides.get(first, {}).items():
                for b in others:
                    store._link(mapping, {first: a, second: b}, True)
        store.files = {k: base64.b64decode(v) for k, v in data.get("files", {}).items()}
        store.counters = dict(data.get("counters", {}))
        return store

    @classmethod
    def load(cls, path: str | Path) -> Store:
        return cls.from_snapshot(json.loads(Path(path).read_text(encoding="utf-8")))
