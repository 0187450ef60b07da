"""Where pimflow keeps its files, from the environment, with defaults for one machine.

PIMFLOW_HOME          local home of pimflow's state  (default: $AIRFLOW_HOME/pimflow)
PIMFLOW_STAGING_URL   object storage for staged data and reports
                      (default: file://$PIMFLOW_HOME/staging; s3://bucket/prefix to share
                      it between workers, with an Airflow connection PIMFLOW_STAGING_CONN_ID)
PIMFLOW_STATE_DB      the change-detection state store, a SQLite file
                      (default: $PIMFLOW_HOME/state.sqlite)
"""

from __future__ import annotations

import os
from pathlib import Path


def pimflow_home() -> Path:
    explicit = os.environ.get("PIMFLOW_HOME")
    if explicit:
        return Path(explicit)
    airflow_home = os.environ.get("AIRFLOW_HOME") or str(Path.home() / "airflow")
    return Path(airflow_home) / "pimflow"


def staging_url() -> str:
    return os.environ.get("PIMFLOW_STAGING_URL") or (pimflow_home() / "staging").as_uri()


def staging_conn_id() -> str | None:
    return os.environ.get("PIMFLOW_STAGING_CONN_ID") or None


def state_db_path() -> Path:
    explicit = os.environ.get("PIMFLOW_STATE_DB")
    return Path(explicit) if explicit else pimflow_home() / "state.sqlite"


def state_conn_id() -> str | None:
    return os.environ.get("PIMFLOW_STATE_CONN_ID") or None
