"""The state store: what pimflow last wrote to each target, for change detection.

For each (target, entity type, key) it keeps the hash of the payload last written
successfully, so a run sends only what changed since, and the payload itself (compressed),
so a run can say field by field what it changes (pimflow/plan.py). Losing it is safe: ids are derived
from Akeneo codes, so the next run re-sends everything as upserts and duplicates nothing.

SQLite by default (one file; WAL so a reader never blocks the writer). Where tasks run on
several machines, PostgreSQL: set PIMFLOW_STATE_CONN_ID to an Airflow connection of type
postgres (host, port, login, password, schema = the database).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

# Writes per transaction inside StateStore.batched.
BATCH_WRITES = 100

SCHEMA = """
CREATE TABLE IF NOT EXISTS payload_hash (
    target  TEXT NOT NULL,
    entity  TEXT NOT NULL,
    key     TEXT NOT NULL,
    hash    TEXT NOT NULL,
    written TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (target, entity, key)
);
CREATE TABLE IF NOT EXISTS payload (
    target  TEXT NOT NULL,
    entity  TEXT NOT NULL,
    key     TEXT NOT NULL,
    body    TEXT NOT NULL,  -- the payload last written: zlib-compressed JSON, base64
    PRIMARY KEY (target, entity, key)
);
CREATE TABLE IF NOT EXISTS media_file (
    source    TEXT NOT NULL,  -- the Akeneo instance (its base URL)
    kind      TEXT NOT NULL,  -- product, asset or record
    code      TEXT NOT NULL,  -- Akeneo's media file code: a given code never changes content
    sha256    TEXT NOT NULL,
    size      INTEGER NOT NULL,
    mime_type TEXT,
    filename  TEXT,
    PRIMARY KEY (source, kind, code)
);
CREATE TABLE IF NOT EXISTS relations (
    target TEXT NOT NULL,
    entity TEXT NOT NULL,
    key    TEXT NOT NULL,
    ids    TEXT NOT NULL,  -- JSON {relation: [ids]}: what the entity was last linked to
    PRIMARY KEY (target, entity, key)
);
CREATE TABLE IF NOT EXISTS id_map (
    target    TEXT NOT NULL,
    entity    TEXT NOT NULL,  -- product, category, feature, feature_variant, ...
    key       TEXT NOT NULL,  -- the Akeneo code (or code pair) the row stands for
    remote_id TEXT NOT NULL,  -- the id the target assigned
    PRIMARY KEY (target, entity, key)
);
CREATE TABLE IF NOT EXISTS watermark (
    name  TEXT PRIMARY KEY,  -- e.g. the DAG id: where its last successful read ended
    value TEXT NOT NULL
);
"""


def payload_hash(payload: Any) -> str:
    """Stable across runs and machines: canonical JSON, sorted keys."""
    text = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pack_payload(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return base64.b64encode(zlib.compress(text.encode("utf-8"), 6)).decode("ascii")


def unpack_payload(body: str) -> Any:
    return json.loads(zlib.decompress(base64.b64decode(body)))


class _Database:
    """The little of DB-API the store uses, the same for SQLite and PostgreSQL; queries are
    written once with `?` placeholders and portable SQL (ON CONFLICT upserts)."""

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        raise NotImplementedError

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _SQLite(_Database):
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(path, timeout=60, check_same_thread=False)
        self._connection.execute("PRAGMA journal_mode=WAL")  # readers never block the writer

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        return self._connection.execute(sql, params).fetchall()

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        self._connection.executemany(sql, rows)

    def commit(self) -> None:
        self._connection.commit()

    def close(self) -> None:
        self._connection.close()


class _Postgres(_Database):
    def __init__(self, settings: dict[str, Any]) -> None:
        import psycopg2

        self._connection = psycopg2.connect(**settings)

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._connection.cursor() as cursor:
            cursor.execute(self._sql(sql), params)
            return cursor.fetchall() if cursor.description else []

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        from psycopg2.extras import execute_batch

        with self._connection.cursor() as cursor:
            execute_batch(cursor, self._sql(sql), rows, page_size=500)

    def commit(self) -> None:
        self._connection.commit()

    def close(self) -> None:
        self._connection.close()


class StateStore:
    def __init__(self, path: Path | None = None, *, postgres: dict[str, Any] | None = None) -> None:
        """A SQLite file at `path`, or PostgreSQL with psycopg2's connect() arguments."""
        if postgres is not None:
            self._db: _Database = _Postgres(postgres)
        else:
            if path is None:
                raise ValueError("a state store needs a SQLite path or PostgreSQL settings")
            self._db = _SQLite(path)
        for statement in SCHEMA.split(";"):
            if statement.strip():
                self._db.execute(statement)
        self._db.commit()
        self._lock = threading.Lock()
        self._deferred: int | None = None  # writes not yet committed, inside `batched`

    def _commit(self) -> None:
        """Commit a write (the lock held), or count it inside `batched`: there, one
        commit per BATCH_WRITES writes and one at the end."""
        if self._deferred is None:
            self._db.commit()
            return
        self._deferred += 1
        if self._deferred >= BATCH_WRITES:
            self._db.commit()
            self._deferred = 0

    @contextlib.contextmanager
    def batched(self) -> Iterator[None]:
        """Writes inside are committed together (a few per transaction), not one each: for
        a loop that records item after item. What was written is committed when the block
        ends, however it ends, so a failure keeps what came before it."""
        if self._deferred is not None:  # already batching: the outer block commits
            yield
            return
        with self._lock:
            self._deferred = 0
        try:
            yield
        finally:
            with self._lock:
                self._deferred = None
                self._db.commit()

    def _select_in(self, sql: str, params: tuple, keys: Iterable[str]) -> list[tuple]:
        """`sql` ending in `IN` for many keys, in chunks under SQLite's parameter limit."""
        keys = list(keys)
        rows: list[tuple] = []
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows += self._db.execute(f"{sql} ({marks})", (*params, *chunk))
        return rows

    def hashes(self, target: str, entity: str, keys: Iterable[str]) -> dict[str, str]:
        sql = "SELECT key, hash FROM payload_hash WHERE target=? AND entity=? AND key IN"
        return dict(self._select_in(sql, (target, entity), keys))

    def save(
        self,
        target: str,
        entity: str,
        hashes: dict[str, str],
        payloads: dict[str, Any] | None = None,
    ) -> None:
        """Record what was written: each key's payload hash and, where given, the payload
        (what the next run's plan compares with)."""
        with self._lock:
            self._db.executemany(
                "INSERT INTO payload_hash (target, entity, key, hash) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (target, entity, key) DO UPDATE SET hash=excluded.hash, "
                "written=CURRENT_TIMESTAMP",
                [(target, entity, key, value) for key, value in hashes.items()],
            )
            if payloads:
                self._db.executemany(
                    "INSERT INTO payload VALUES (?, ?, ?, ?) ON CONFLICT (target, entity, key) "
                    "DO UPDATE SET body=excluded.body",
                    [(target, entity, k, pack_payload(v)) for k, v in payloads.items()],
                )
            self._commit()

    def payloads(self, target: str, entity: str, keys: Iterable[str]) -> dict[str, Any]:
        """The payloads last written for these keys (those recorded), by key."""
        sql = "SELECT key, body FROM payload WHERE target=? AND entity=? AND key IN"
        return {
            key: unpack_payload(body) for key, body in self._select_in(sql, (target, entity), keys)
        }

    def keys(self, target: str, entity: str) -> set[str]:
        """Every key written for the entity (what a full run compares against)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT key FROM payload_hash WHERE target=? AND entity=?", (target, entity)
            )
            return {row[0] for row in rows}

    def relations(
        self, target: str, entity: str, keys: Iterable[str]
    ) -> dict[str, dict[str, list[str]]]:
        sql = "SELECT key, ids FROM relations WHERE target=? AND entity=? AND key IN"
        return {key: json.loads(ids) for key, ids in self._select_in(sql, (target, entity), keys)}

    def save_relations(
        self, target: str, entity: str, relations: dict[str, dict[str, list[str]]]
    ) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT INTO relations VALUES (?, ?, ?, ?) ON CONFLICT (target, entity, key) "
                "DO UPDATE SET ids=excluded.ids",
                [
                    (target, entity, key, json.dumps(ids, sort_keys=True))
                    for key, ids in relations.items()
                ],
            )
            self._commit()

    def forget_keys(self, target: str, entity: str, keys: Iterable[str]) -> None:
        """Forget what was written for these keys (after they were deleted in the target)."""
        rows = [(target, entity, key) for key in keys]
        with self._lock:
            self._db.executemany(
                "DELETE FROM payload_hash WHERE target=? AND entity=? AND key=?", rows
            )
            self._db.executemany(
                "DELETE FROM relations WHERE target=? AND entity=? AND key=?", rows
            )
            self._db.executemany("DELETE FROM payload WHERE target=? AND entity=? AND key=?", rows)
            self._commit()

    def forget(self, target: str, entity: str | None = None) -> None:
        with self._lock:
            for table in ("payload_hash", "payload"):
                if entity is None:
                    self._db.execute(f"DELETE FROM {table} WHERE target=?", (target,))
                else:
                    self._db.execute(
                        f"DELETE FROM {table} WHERE target=? AND entity=?", (target, entity)
                    )
            self._commit()

    def media(self, source: str, kind: str, codes: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The media files already downloaded, by code."""
        sql = (
            "SELECT code, sha256, size, mime_type, filename FROM media_file "
            "WHERE source=? AND kind=? AND code IN"
        )
        return {
            code: {"sha256": sha, "size": size, "mime_type": mime, "filename": filename}
            for code, sha, size, mime, filename in self._select_in(sql, (source, kind), codes)
        }

    def save_media(self, source: str, kind: str, files: dict[str, dict[str, Any]]) -> None:
        """Record downloaded files (code → info), in one transaction."""
        rows = [
            (source, kind, code, i["sha256"], i["size"], i.get("mime_type"), i.get("filename"))
            for code, i in files.items()
        ]
        with self._lock:
            self._db.executemany(
                "INSERT INTO media_file VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, kind, code) "
                "DO UPDATE SET sha256=excluded.sha256, size=excluded.size, "
                "mime_type=excluded.mime_type, filename=excluded.filename",
                rows,
            )
            self._commit()

    def remote_ids(
        self, target: str, entity: str, keys: Iterable[str] | None = None
    ) -> dict[str, str]:
        """Akeneo key → the id the target gave it (all of the entity's when keys is None)."""
        with self._lock:
            if keys is None:
                rows = self._db.execute(
                    "SELECT key, remote_id FROM id_map WHERE target=? AND entity=?",
                    (target, entity),
                )
                return dict(rows)
        sql = "SELECT key, remote_id FROM id_map WHERE target=? AND entity=? AND key IN"
        return dict(self._select_in(sql, (target, entity), keys))

    def save_remote_ids(self, target: str, entity: str, ids: dict[str, str]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT INTO id_map VALUES (?, ?, ?, ?) ON CONFLICT (target, entity, key) "
                "DO UPDATE SET remote_id=excluded.remote_id",
                [(target, entity, key, str(remote)) for key, remote in ids.items()],
            )
            self._commit()

    def forget_remote_ids(self, target: str, entity: str, keys: Iterable[str]) -> None:
        with self._lock:
            self._db.executemany(
                "DELETE FROM id_map WHERE target=? AND entity=? AND key=?",
                [(target, entity, key) for key in keys],
            )
            self._commit()

    def watermark(self, name: str) -> str | None:
        with self._lock:
            rows = self._db.execute("SELECT value FROM watermark WHERE name=?", (name,))
        return rows[0][0] if rows else None

    def set_watermark(self, name: str, value: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO watermark VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value=excluded.value",
                (name, value),
            )
            self._commit()

    def close(self) -> None:
        self._db.close()


def open_state_store() -> StateStore:
    """The state store the environment configures (see pimflow.config)."""
    from pimflow import config

    conn_id = config.state_conn_id()
    if not conn_id:
        return StateStore(config.state_db_path())
    from airflow.sdk import BaseHook

    connection = BaseHook.get_connection(conn_id)
    return StateStore(
        postgres={
            "host": connection.host,
            "port": connection.port or 5432,
            "user": connection.login,
            "password": connection.password,
            "dbname": connection.schema or "postgres",
        }
    )
