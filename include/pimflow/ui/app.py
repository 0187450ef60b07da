"""The FastAPI app behind pimflow's page in the Airflow UI (mounted at `/pimflow`).

Airflow does not guard a plugin's FastAPI app: this one authenticates like Airflow's own
API (the UI's `_token` cookie, or an `Authorization: Bearer` JWT) and shows only the DAGs
whose runs the user may read, as the configured auth manager decides. Pages are rendered
on the server; links are relative, so the pages work behind a proxy and inside the UI's
iframe alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from pimflow.ui import reports
from pimflow.ui.render import render_overview, render_report_html

log = logging.getLogger(__name__)

DagFilter = Callable[[str], bool]


class LoginRequired(Exception):
    """No valid credentials: the browser is sent to Airflow's login page."""


async def dag_filter(request: Request) -> DagFilter:
    """The current user's permission to read a DAG's runs (401 → login, 403 as is)."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import (
        DagAccessEntity,
        DagDetails,
    )
    from airflow.api_fastapi.core_api.security import bearer_scheme, get_user

    credentials = await bearer_scheme(request)
    try:
        user = await get_user(request, None, credentials)
    except HTTPException as exc:
        if exc.status_code == 401:
            raise LoginRequired from None
        raise
    manager = get_auth_manager()

    def allowed(dag_id: str) -> bool:
        return manager.is_authorized_dag(
            method="GET",
            access_entity=DagAccessEntity.RUN,
            details=DagDetails(id=dag_id),
            user=user,
        )

    return allowed


Allowed = Annotated[DagFilter, Depends(dag_filter)]


def staging_label() -> str:
    """The staging URL for display, without any user info a URL could carry."""
    from pimflow import config

    parts = urlsplit(config.staging_url())
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]))


def create_app() -> FastAPI:
    app = FastAPI(
        title="pimflow run reports",
        description="The run reports of pimflow's sync DAGs: counts and per-product errors.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _: LoginRequired) -> RedirectResponse:
        from airflow.api_fastapi.app import get_auth_manager

        return RedirectResponse(get_auth_manager().get_url_login(next_url=str(request.url)), 303)

    @app.exception_handler(OSError)
    async def _storage(request: Request, exc: OSError) -> HTMLResponse:
        # Storage errors can name endpoints and buckets: the log gets them, the page not.
        log.exception("pimflow: reading run reports failed (%s)", request.url.path)
        return HTMLResponse(
            f"<!doctype html><title>pimflow</title><p>Could not read the run reports "
            f"({type(exc).__name__}); the API server's log has the details.</p>",
            status_code=503,
        )

    @app.get("/", response_class=HTMLResponse)
    def overview(
        allowed: Allowed,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        dag_id: Annotated[str | None, Query()] = None,
    ) -> HTMLResponse:
        """The last runs of every DAG the user may read."""
        dag_ids = [d for d in reports.report_dags() if (dag_id is None or d == dag_id)]
        by_dag = {d: reports.recent_reports(d, limit) for d in dag_ids if allowed(d)}
        return HTMLResponse(render_overview(by_dag, staging=staging_label(), limit=limit))

    def _report(allowed: DagFilter, dag_id: str, run_id: str) -> dict[str, Any]:
        if not allowed(dag_id):
            raise HTTPException(403, "You may not read this DAG's runs")
        report = reports.run_report(dag_id, run_id)
        if report is None:
            raise HTTPException(404, f"No report for run {run_id!r} of {dag_id!r} (yet)")
        return report

    @app.get("/runs/{dag_id}/{run_id}", response_class=HTMLResponse)
    def run_page(
        allowed: Allowed,
        dag_id: str,
        run_id: str,
        plan_identifier: Annotated[str, Query(max_length=200)] = "",
        plan_entity: Annotated[str, Query(max_length=100)] = "",
    ) -> HTMLResponse:
        """One run's full report: every count, every error, the plan (filtered by product
        identifier and entity when the query says so)."""
        report = _report(allowed, dag_id, run_id)
        return HTMLResponse(
            render_report_html(
                report,
                back_href="../../",
                plan_identifier=plan_identifier,
                plan_entity=plan_entity,
            )
        )

    @app.get("/runs/{dag_id}/{run_id}/json")
    def run_json(allowed: Allowed, dag_id: str, run_id: str) -> JSONResponse:
        """The report as the DAG wrote it."""
        return JSONResponse(_report(allowed, dag_id, run_id))

    return app
