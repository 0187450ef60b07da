"""Where pimflow keeps its files, from the environment, with defaults for one machine.

PIMFLOW_HOME          local home of pimflow's state  (default: $AIRFLOW_HOME/pimflow)
PIMFLOW_STAGING_URL   object storage for staged data and reports
                      (default: file://$PIMFLOW_HOME/staging; s3://bucket/prefix to share
                      it between workers, with an Airflow connection PIMFLOW_STAGING_CONN_ID)
PIMFLOW_STATE_DB      the change-detection state store, a SQLite file
                      (default: $PIMFLOW_HOME/state.sqlite)

`xcom_settings()` gives the Airflow settings that keep large XComs (a stage's list of
errors on a bad day) in the same object storage, through common-io's XCom backend.
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


XCOM_BACKEND = "airflow.providers.common.io.xcom.backend.XComObjectStorageBackend"
XCOM_THRESHOLD_BYTES = 65536  # smaller XComs stay in the metadata DB


def xcom_settings(staging: str, conn_id: str | None = None) -> dict[str, str]:
    """AIRFLOW__* settings for XComs over XCOM_THRESHOLD_BYTES under `<staging>/xcom`."""
    url = staging.rstrip("/") + "/xcom"
    scheme, _, rest = url.partition("://")
    if conn_id and scheme != "file" and "@" not in rest.split("/", 1)[0]:
        url = f"{scheme}://{conn_id}@{rest}"  # ObjectStoragePath's way of naming the connection
    return {
        "AIRFLOW__CORE__XCOM_BACKEND": XCOM_BACKEND,
        "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH": url,
        "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_THRESHOLD": str(XCOM_THRESHOLD_BYTES),
    }
