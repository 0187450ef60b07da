"""create_app, its options, snapshots across restarts through the CLI, and entities.json."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
import requests

from pimflow_sandbox.shopware6 import create_app, fresh_store
from pimflow_sandbox.shopware6.schema import ENTITIES_JSON, LANGUAGE_SYSTEM, derive
from pimflow_sandbox.shopware6.state import Store

from .conftest import REPO, price, specs_dir, uid


def test_options_are_checked():
    with pytest.raises(ValueError, match="unknown shopware6 option"):
        create_app(options={"token_lifetme": "5"})
    with pytest.raises(ValueError):
        create_app(options={"token_lifetime": "soon"})
    app = create_app(options={"max_limit": "2"})
    assert app.max_limit == 2


def test_same_seed_same_ids_other_seed_other_ids():
    first, again, other = fresh_store(3), fresh_store(3), fresh_store(4)
    assert set(first.rows["tax"]) == set(again.rows["tax"])
    assert not set(first.rows["tax"]) & set(other.rows["tax"])
    assert set(first.rows["currency"]) & set(other.rows["currency"]) == {
        "b7d2554b0ce847cd82f3ac9bd1c0dfca"  # Defaults::CURRENCY is the same on every shop
    }


def test_snapshot_round_trip(tmp_path):
    store = fresh_store(5)
    tax = next(iter(store.rows["tax"]))
    status, _ = store.sync(
        [
            (
                "p",
                {
                    "entity": "product",
                    "action": "upsert",
                    "payload": [
                        {
                            "id": uid("SNAP-1"),
                            "productNumber": "SNAP-1",
                            "stock": 1,
                            "taxId": tax,
                            "name": "Kept",
                            "price": [price()],
                            "categories": [{"id": uid("snap-cat"), "name": "C"}],
                        }
                    ],
                },
            )
        ],
        language_id=LANGUAGE_SYSTEM,
    )
    assert status == 200
    path = tmp_path / "shop.json"
    store.save(path)
    loaded = Store.load(path)
    assert loaded.rows["product"][uid("SNAP-1")]["productNumber"] == "SNAP-1"
    assert loaded.unique[("product", ("productNumber",))][("snap-1",)] == uid("SNAP-1")
    assert loaded.links["product_category"]["productId"][uid("SNAP-1")] == {uid("snap-cat")}
    assert loaded.translations["product"][uid("SNAP-1")]


def test_cli_serves_and_keeps_a_snapshot(tmp_path):
    snapshot = tmp_path / "sw6.json"
    ready = tmp_path / "ready.json"

    def start() -> tuple[subprocess.Popen, str]:
        if ready.exists():
            ready.unlink()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pimflow_sandbox.cli",
                "shopware6",
                "--port",
                "0",
                "--snapshot",
                str(snapshot),
                "--ready-file",
                str(ready),
            ],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120  # wide: a loaded machine starts processes slowly
        while not ready.exists() or not ready.read_text():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        return process, json.loads(ready.read_text())["shopware6"]

    def stop(process: subprocess.Popen) -> None:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0

    process, url = start()
    try:
        session = requests.Session()
        session.trust_env = False
        token = session.post(
            f"{url}/api/oauth/token",
            json={
                "grant_type": "client_credentials",
                "client_id": "pimflow",
                "client_secret": "pimflow-secret",
            },
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        created = session.post(
            f"{url}/api/_action/sync",
            json={
                "m": {
                    "entity": "product_manufacturer",
                    "action": "upsert",
                    "payload": [{"id": uid("acme"), "name": "ACME"}],
                }
            },
            headers=headers,
        )
        assert created.status_code == 200
    finally:
        stop(process)
    assert snapshot.is_file()
    process, url = start()
    try:
        session = requests.Session()
        session.trust_env = False
        token = session.post(
            f"{url}/api/oauth/token",
            json={
                "grant_type": "client_credentials",
                "client_id": "pimflow",
                "client_secret": "pimflow-secret",
            },
        ).json()["access_token"]
        kept = session.get(
            f"{url}/api/product-manufacturer/{uid('acme')}",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
        assert kept.status_code == 200 and kept.json()["data"]["name"] == "ACME"
    finally:
        stop(process)


def test_entities_json_is_derived_from_the_spec():
    spec_file = specs_dir() / "shopware" / "adminapi.json"
    if not spec_file.is_file():
        pytest.skip(f"Shopware spec not found at {spec_file} (set PIMFLOW_SPECS_DIR)")
    derived = derive(json.loads(spec_file.read_text(encoding="utf-8")))
    committed = json.loads(ENTITIES_JSON.read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(derived)), (
        "entities.json is stale: python -m pimflow_sandbox.shopware6.schema --regenerate"
    )
    product = committed["entities"]["product"]
    assert product["fields"]["productNumber"] == {"type": "string"}
    assert product["fields"]["taxId"] == {"type": "id"}
    assert product["fields"]["price"] == {"type": "price_list"}
    assert product["associations"]["categories"] == {"target": "category", "many": True}
