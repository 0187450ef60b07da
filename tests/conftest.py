"""Test-wide setup: a throwaway Airflow and pimflow home, so tests never touch a user's.

Set before anything imports Airflow (pytest imports conftest first).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_HOME = Path(tempfile.mkdtemp(prefix="pimflow-tests-"))

os.environ["AIRFLOW_HOME"] = str(_HOME / "airflow")
os.environ["PIMFLOW_HOME"] = str(_HOME / "pimflow")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ.pop("PIMFLOW_STAGING_URL", None)
os.environ.pop("PIMFLOW_STATE_DB", None)

# Every run report the suite produces must have counts that add up (checked at the end).
pytest_plugins = ["tests.report_identity"]


def pytest_sessionfinish(session, exitstatus):  # noqa: ANN001, ARG001
    shutil.rmtree(_HOME, ignore_errors=True)
