"""The API server's check of a new run's params: a key that is no param, or a value of the
wrong type, is answered 400 with the reason before Airflow creates the run.

Airflow checks a triggered run's conf against the DAG's params itself (in the API server,
against the params of the DAG's serialized version), but a key that is no param passes:
each param's JSON schema sees its own value only, an unknown key becomes a param without a
schema, and neither a Param subclass nor a ParamsDict subclass survives serialization (the
API server rebuilds plain ones from the DB). A cluster policy cannot refuse it either
(`task_instance_mutation_hook` also runs in the scheduler on every run it looks at). So
this ASGI middleware, which pimflow's plugin (plugins/pimflow_plugin.py) installs in the
API server, reads the body of

- `POST /api/v2/dags/{dag_id}/dagRuns` (the REST API, and the UI's trigger form): `conf`;
- `POST /api/v2/backfills` and `/api/v2/backfills/dry_run`: `dag_id`, `dag_run_conf`;

and, when the DAG is tagged `pimflow` and the caller may trigger it (checked as Airflow's
own route checks it), holds the conf against the params of the DAG's latest serialized
version (pimflow.pipeline.params.conf_problems). A problem is answered
`400 {"detail": "<reason>"}`, as Airflow answers its own refusals; the run is not created.
Anything else goes through untouched: another DAG, an empty conf, a body that is not JSON
(Airflow answers 422), a caller who is not logged in or not allowed (Airflow answers 401
or 403, and learns nothing of the params), and, logged, a check that failed itself (the
run's first task then refuses a key that is no param: pimflow.pipeline.context.params).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import unquote

log = logging.getLogger(__name__)
TAG = "pimflow"
_TRIGGER = re.compile(r"/api/v2/dags/(?P<dag_id>[^/]+)/dagRuns/?$")
_BACKFILL = re.compile(r"/api/v2/backfills(/dry_run)?/?$")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def requested_run(path: str, body: bytes) -> tuple[str, dict[str, Any]] | None:
    """(dag_id, conf) of a request that creates runs with a conf, if `path` is one and the
    body holds a non-empty conf object; None otherwise."""
    trigger = _TRIGGER.search(path)
    if trigger is None and _BACKFILL.search(path) is None:
        return None
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    if trigger is not None:
        dag_id, conf = unquote(trigger["dag_id"]), payload.get("conf")
    else:
        dag_id, conf = payload.get("dag_id"), payload.get("dag_run_conf")
    if not isinstance(dag_id, str) or not isinstance(conf, dict) or not conf:
        return None
    return dag_id, conf


class StrictParamsMiddleware:
    """See the module's docstring. `problem` (for tests) replaces the check of a request:
    `(scope, dag_id, conf) → reason or None`."""

    def __init__(
        self,
        app: Callable[[Scope, Receive, Send], Awaitable[None]],
        problem: Callable[[Scope, str, dict[str, Any]], Awaitable[str | None]] | None = None,
    ) -> None:
        self.app = app
        self.problem = problem or _problem

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if _TRIGGER.search(path) is None and _BACKFILL.search(path) is None:
            await self.app(scope, receive, send)
            return
        body, receive = await _buffered(receive)
        run = requested_run(path, body)
        try:
            reason = await self.problem(scope, *run) if run else None
        except Exception:  # the check must never break triggering: the first task checks too
            log.exception("pimflow: could not check the params of a new run; let through")
            reason = None
        if reason is None:
            await self.app(scope, receive, send)
            return
        from starlette.responses import JSONResponse

        await JSONResponse({"detail": reason}, status_code=400)(scope, receive, send)


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The request's body, and a `receive` that hands it on unchanged."""
    chunks, messages = [], []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break

    async def replay() -> dict[str, Any]:
        return messages.pop(0) if messages else await receive()

    return b"".join(chunks), replay


async def _problem(scope: Scope, dag_id: str, conf: dict[str, Any]) -> str | None:
    from starlette.concurrency import run_in_threadpool

    if not await _may_trigger(scope, dag_id):
        return None
    schemas = await run_in_threadpool(_strict_params_of, scope, dag_id)
    if schemas is None:
        return None
    from pimflow.pipeline.params import conf_problems

    problems = conf_problems(conf, schemas)
    return "; ".join(problems) if problems else None


async def _may_trigger(scope: Scope, dag_id: str) -> bool:
    """Whether the caller may create runs of the DAG: Airflow's own checks of the route
    (the user from the bearer token or the session cookie, then the auth manager)."""
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
    from airflow.api_fastapi.core_api.security import bearer_scheme, get_user, requires_access_dag
    from fastapi import HTTPException
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request

    request = Request(scope)
    try:
        user = await get_user(request, None, await bearer_scheme(request))
        check = requires_access_dag("POST", DagAccessEntity.RUN, dag_id)
        await run_in_threadpool(check, request, user)
    except HTTPException:
        return False
    return True


def _strict_params_of(scope: Scope, dag_id: str) -> Mapping[str, Mapping[str, Any]] | None:
    """name → JSON schema of the params of the DAG's latest serialized version, if it is
    tagged `pimflow`; None for another DAG, or one Airflow does not know (it answers 404)."""
    from airflow.utils.session import create_session

    app = scope.get("app")
    dag_bag = getattr(getattr(app, "state", None), "dag_bag", None)
    if dag_bag is None:
        from airflow.models.dagbag import DBDagBag

        dag_bag = DBDagBag()
    with create_session() as session:
        dag = dag_bag.get_latest_version_of_dag(dag_id, session=session)
    if dag is None or TAG not in (dag.tags or ()):
        return None
    return {name: dict(dag.params.get_param(name).schema) for name in dag.params}
