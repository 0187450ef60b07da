"""pimflow's Airflow plugin: the run reports page in the UI.

Airflow loads this file from its plugins folder (`AIRFLOW__CORE__PLUGINS_FOLDER` pointing at
this folder: `make up`, docker-compose.yml). The page's code is in `pimflow.ui`.

- `/pimflow/`: the last runs of each sync DAG with their counts and per-product errors,
  under *Browse → pimflow* in the UI;
- `/pimflow/runs/<dag_id>/<run_id>`: one run's report, also as a *pimflow report* tab of
  each DAG run;
- strict params: a run of a pimflow DAG triggered with a key that is no param, or a value
  of the wrong type, is answered 400 with the reason (`pimflow.strict_params`);
- run notes: a listener sets each finished run's note from its report ("completed with 3
  refused", "DRY RUN — nothing was written · success", the cause), so Airflow's own views
  say it (`pimflow.ui.notes`).
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from pimflow.strict_params import StrictParamsMiddleware
from pimflow.ui import notes as run_notes
from pimflow.ui.app import create_app


class PimflowPlugin(AirflowPlugin):
    name = "pimflow"
    listeners = [run_notes]
    fastapi_apps = [
        {"app": create_app(), "url_prefix": "/pimflow", "name": "pimflow run reports"},
    ]
    fastapi_root_middlewares = [
        {"middleware": StrictParamsMiddleware, "args": [], "kwargs": {}, "name": "strict params"},
    ]
    external_views = [
        {
            "name": "pimflow",
            "href": "pimflow/",
            "url_route": "pimflow",
            "destination": "nav",
            "category": "browse",
        },
        {
            "name": "pimflow report",
            "href": "pimflow/runs/{DAG_ID}/{RUN_ID}",
            "url_route": "pimflow-run",
            "destination": "dag_run",
        },
    ]
