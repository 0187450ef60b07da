"""What every task of a sync run needs to know: its run folder and its settings."""

from __future__ import annotations

from typing import Any

from airflow.sdk import get_current_context


def run_folder():  # noqa: ANN201 - an ObjectStoragePath
    from pimflow.staging import run_folder as folder_for

    context = get_current_context()
    return folder_for(context["dag"].dag_id, context["run_id"])


def params() -> dict[str, Any]:
    return dict(get_current_context()["params"])


def state_store():  # noqa: ANN201 - a StateStore
    from pimflow.state import open_state_store

    return open_state_store()
