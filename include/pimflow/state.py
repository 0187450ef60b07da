"""The state store: what pimflow last wrote to each target, for change detection.

For each (target, entity type, key) it keeps the hash of the payload last written
successfully, so a run sends only what changed since. Losing it is safe: ids are derived
from Akeneo codes, so the next run re-sends everything as upserts and duplicates nothing.

SQLite by default (one file; WAL so a reader never blocks the writer).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS payload_hash (
    target  TEXT NOT NULL,
    entity  TEXT NOT NULL,
    key     TEXT NOT NULL,
    hash    TEXT NOT NULL,
    written TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (target, entity, key)
)
"""


def payload_hash(payload: Any) -> str:
    """Stable across runs and machines: canonical JSON, sorted keys."""
    text = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class StateStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=60, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(SCHEMA)
        self._db.commit()
        self._lock = threading.Lock()

    def hashes(self, target: str, entity: str, keys: Iterable[str]) -> dict[str, str]:
        keys = list(keys)
        found: dict[str, str] = {}
        with self._lock:
            for start in range(0, len(keys), 500):  # SQLite's bound-parameter limit
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, hash FROM payload_hash WHERE target=? AND entity=? AND key IN ({marks})",
                    (target, entity, *chunk),
                )
                found.update(rows.fetchall())
        return found

    def save(self, target: str, entity: str, hashes: dict[str, str]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT INTO payload_hash (target, entity, key, hash) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (target, entity, key) DO UPDATE SET hash=excluded.hash, "
                "written=datetime('now')",
                [(target, entity, key, value) for key, value in hashes.items()],
            )
            self._db.commit()

    def forget(self, target: str, entity: str | None = None) -> None:
        with self._lock:
            if entity is None:
                self._db.execute("DELETE FROM payload_hash WHERE target=?", (target,))
            else:
                self._db.execute(
                    "DELETE FROM payload_hash WHERE target=? AND entity=?", (target, entity)
                )
            self._db.commit()

    def close(self) -> None:
        self._db.close()
