"""An Akeneo sandbox per test and a staging area per test, and a helper that runs every
extraction stage as the DAG's tasks would."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from pimflow import config
from pimflow.akeneo.associations import extract_association_scope
from pimflow.akeneo.catalog import SourceFilter, extract_partition
from pimflow.akeneo.linked import extract_assets, extract_records
from pimflow.akeneo.media import extract_media
from pimflow.akeneo.structure import extract_structure
from pimflow.hooks.akeneo import AkeneoHook
from pimflow.run import SANDBOX_CONNECTIONS
from pimflow.staging import run_folder
from pimflow.state import StateStore
from pimflow_sandbox.cli import create_app
from pimflow_sandbox.server import SandboxServer, Switches


@dataclass
class Staged:
    folder: Any
    structure: dict[str, Any]
    partitions: list[dict[str, Any]]
    media: dict[str, Any]


@pytest.fixture
def akeneo(monkeypatch, tmp_path) -> Iterator[Callable[..., SandboxServer]]:
    """Start a sandbox Akeneo (catalog, options) and point `akeneo_default` at it."""
    servers: list[SandboxServer] = []
    monkeypatch.setenv("PIMFLOW_STAGING_URL", (tmp_path / "staging").as_uri())
    monkeypatch.setenv("PIMFLOW_STATE_DB", str(tmp_path / "state.sqlite"))

    def start(
        catalog: str = "demo", seed: int = 42, switches: Switches | None = None, **options: str
    ):
        app = create_app("akeneo", catalog=catalog, seed=seed, options=options)
        server = SandboxServer(app, switches=switches).start()
        servers.append(server)
        connection = SANDBOX_CONNECTIONS["akeneo"](server.url)
        connection["extra"]["retry_max_wait"] = 2
        monkeypatch.setenv("AIRFLOW_CONN_AKENEO_DEFAULT", json.dumps(connection))
        return server

    yield start
    for server in servers:
        server.stop()


def stage_everything(
    run: str = "run", partitions: int = 3, source: SourceFilter | None = None
) -> Staged:
    hook = AkeneoHook()
    folder = run_folder("test", run)
    structure = extract_structure(hook, folder, "ecommerce", None, None, partitions)
    summaries = []
    for partition in structure["partitions"]:
        for entity in ("product_models", "products"):
            summaries.append(extract_partition(AkeneoHook(), folder, partition, entity, source))
    extract_records(AkeneoHook(), folder)
    extract_assets(AkeneoHook(), folder)
    extract_association_scope(AkeneoHook(), folder, source)
    store = StateStore(config.state_db_path())
    try:
        media = extract_media(AkeneoHook(), folder, store)
    finally:
        store.close()
    return Staged(folder, structure, summaries, media)
