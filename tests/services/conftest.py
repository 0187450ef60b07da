"""Services on 127.0.0.1 (PostgreSQL, Redis): tests make their own database and drop it.

Absent services skip their tests with a message, unless PIMFLOW_REQUIRE_SERVICES=1 (CI),
where an absent service is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

POSTGRES = {
    "host": "127.0.0.1",
    "port": 5432,
    "user": os.environ.get("PIMFLOW_TEST_PG_USER", "postgres"),
}


def _unavailable(what: str, error: Exception) -> None:
    message = f"{what} is not reachable on 127.0.0.1 ({error})"
    if os.environ.get("PIMFLOW_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " and PIMFLOW_REQUIRE_SERVICES=1")
    pytest.skip(message)


@pytest.fixture
def postgres_database() -> Iterator[dict]:
    """A fresh database (its psycopg2 connect() settings), dropped afterwards."""
    import psycopg2

    try:
        admin = psycopg2.connect(dbname="postgres", connect_timeout=5, **POSTGRES)
    except psycopg2.OperationalError as exc:
        _unavailable("PostgreSQL", exc)
    admin.autocommit = True
    name = f"pimflow_test_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**POSTGRES, "dbname": name}
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
