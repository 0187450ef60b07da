"""pimflow's page in the Airflow UI: the run reports, read from object storage.

`reports` finds and reads the reports the DAGs' last task writes; `render` turns them into
HTML (escaped: reports quote Akeneo data and shop error messages); `app` is the FastAPI app
the plugin in `plugins/pimflow_plugin.py` mounts on Airflow's API server at `/pimflow`.
"""

from __future__ import annotations

from pimflow.ui.render import render_report_html

__all__ = ["render_report_html"]
