"""The state store on PostgreSQL behaves as on SQLite (the same SQL, written once)."""

from __future__ import annotations

import json

from pimflow.state import StateStore, open_state_store


def test_every_table_round_trips_on_postgres(postgres_database):
    store = StateStore(postgres=postgres_database)
    store.save("shop", "product", {"p1": "h1", "p2": "h2"})
    store.save("shop", "product", {"p2": "h2-new"})
    assert store.hashes("shop", "product", ["p1", "p2", "p3"]) == {"p1": "h1", "p2": "h2-new"}
    assert store.keys("shop", "product") == {"p1", "p2"}
    store.save_relations("shop", "product", {"p1": {"categories": ["c1"]}})
    store.save_relations("shop", "product", {"p1": {"categories": ["c2"]}})
    assert store.relations("shop", "product", ["p1"]) == {"p1": {"categories": ["c2"]}}
    store.save_media(
        "akeneo", "product", {"a/b.jpg": {"sha256": "ab", "size": 3, "mime_type": "image/jpeg"}}
    )
    assert store.media("akeneo", "product", ["a/b.jpg"])["a/b.jpg"]["sha256"] == "ab"
    store.save_remote_ids("cscart", "product", {"sku": "12"})
    store.save_remote_ids("cscart", "product", {"sku": "13"})
    assert store.remote_ids("cscart", "product") == {"sku": "13"}
    store.set_watermark("dag", "2026-01-01T00:00:00+00:00")
    store.set_watermark("dag", "2026-01-02T00:00:00+00:00")
    assert store.watermark("dag") == "2026-01-02T00:00:00+00:00"
    store.forget_keys("shop", "product", ["p1"])
    assert store.keys("shop", "product") == {"p2"}
    store.close()
    again = StateStore(postgres=postgres_database)  # the schema is created once, kept
    assert again.keys("shop", "product") == {"p2"}
    again.close()


def test_an_airflow_connection_selects_postgres(postgres_database, monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_PIMFLOW_STATE",
        json.dumps(
            {
                "conn_type": "postgres",
                "host": postgres_database["host"],
                "port": postgres_database["port"],
                "login": postgres_database["user"],
                "schema": postgres_database["dbname"],
            }
        ),
    )
    monkeypatch.setenv("PIMFLOW_STATE_CONN_ID", "pimflow_state")
    store = open_state_store()
    store.save("t", "e", {"k": "v"})
    assert StateStore(postgres=postgres_database).hashes("t", "e", ["k"]) == {"k": "v"}
    store.close()
