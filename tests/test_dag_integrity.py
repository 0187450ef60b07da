"""Every DAG file imports cleanly, parses fast, and does no heavy work at parse time.

Each file is parsed in a fresh interpreter with sockets disabled, so a network call at
import time fails loudly and heavy imports show up in sys.modules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[1] / "dags"
DAG_FILES = sorted(p for p in DAGS.glob("*.py") if not p.name.startswith("_"))

PROBE = r"""
import json, socket, sys, time
def refuse(*args, **kwargs):
    raise RuntimeError("network access while parsing a DAG file")
socket.socket.connect = refuse
socket.create_connection = refuse
import airflow.sdk  # the baseline every DAG file pays anyway
from airflow.dag_processing.dagbag import DagBag
before = set(sys.modules)
started = time.process_time()  # CPU time: what parsing costs, however loaded the machine
bag = DagBag(dag_folder=sys.argv[1])
elapsed = time.process_time() - started
heavy = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in ("pandas", "pyarrow", "requests"))
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()},
                  "dags": sorted(bag.dags), "seconds": elapsed, "heavy": heavy}))
"""


def test_there_are_dag_files():
    assert DAG_FILES, "no DAG files found"


def parse(dag_file: Path, **env: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(dag_file)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_parses_cleanly_quickly_and_lightly(dag_file):
    report = parse(dag_file)
    assert report["errors"] == {}
    assert report["dags"], f"{dag_file.name} defines no DAG"
    assert report["seconds"] < 2.0, (
        f"{dag_file.name} took {report['seconds']:.2f} s of CPU to parse"
    )
    assert report["heavy"] == [], f"{dag_file.name} imports {report['heavy']} at parse time"


def test_one_dag_per_target_of_the_targets_file(tmp_path):
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        "targets:\n"
        "  - {name: shop_de, type: shopware6, connection: shopware6_de}\n"
        "  - {name: shop_at, type: shopware6, connection: shopware6_at, schedule: null}\n"
        "  - {name: store_us, type: cscart, connection: cscart_us}\n"
    )
    report = parse(DAGS / "pimflow_sync.py", PIMFLOW_TARGETS=str(targets))
    assert report["errors"] == {}
    assert report["dags"] == ["akeneo_to_shop_at", "akeneo_to_shop_de", "akeneo_to_store_us"]


def test_a_wrong_targets_file_is_an_import_error_naming_the_target_and_key(tmp_path):
    targets = tmp_path / "targets.yaml"
    targets.write_text("targets:\n  - {name: shop_de, type: magento, connection: x}\n")
    report = parse(DAGS / "pimflow_sync.py", PIMFLOW_TARGETS=str(targets))
    assert report["dags"] == []
    (error,) = report["errors"].values()
    assert f"{targets}: target 'shop_de': type must be one of cscart, shopware6" in error
