"""The state store's SQLite file as a dry run must leave it: read with sqlite3, never
through pimflow's own StateStore."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any


def fingerprint(path: Path) -> dict[str, Any]:
    """The file's bytes (their hash) and every table's rows, schema included."""
    with sqlite3.connect(path) as db:
        dump = list(db.iterdump())
    db.close()
    return {"sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "dump": dump}


def rows(path: Path) -> int:
    """How many rows the store holds in all (a check that a real run did write there)."""
    with sqlite3.connect(path) as db:
        tables = [
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        count = sum(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in tables)
    db.close()
    return count
