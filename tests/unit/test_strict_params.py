"""The API server's middleware (pimflow.strict_params) on its own: which requests it
looks at, the 400 it answers, and that everything else reaches Airflow unchanged, body and
all. (tests/airflow/test_rest_api.py checks it in a real API server, with auth.)"""

from __future__ import annotations

import json

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from pimflow.pipeline.params import conf_problems, param_schemas
from pimflow.strict_params import StrictParamsMiddleware, requested_run


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("/api/v2/dags/akeneo_to_eu/dagRuns", {"conf": {"dryrun": 1}}, ("akeneo_to_eu", {"dryrun": 1})),
        ("/base/api/v2/dags/a.b-c/dagRuns/", {"conf": {"x": 1}}, ("a.b-c", {"x": 1})),
        ("/api/v2/backfills", {"dag_id": "d", "dag_run_conf": {"x": 1}}, ("d", {"x": 1})),
        ("/api/v2/backfills/dry_run", {"dag_id": "d", "dag_run_conf": {"x": 1}}, ("d", {"x": 1})),
        ("/api/v2/dags/d/dagRuns", {"conf": {}}, None),
        ("/api/v2/dags/d/dagRuns", {"conf": None}, None),
        ("/api/v2/dags/d/dagRuns", {"conf": [1]}, None),  # Airflow answers 422
        ("/api/v2/dags/d/dagRuns", [1], None),
        ("/api/v2/dags/d/dagRuns/list", {"conf": {"x": 1}}, None),
        ("/api/v2/dags/d/dagRuns/run_1/clear", {"conf": {"x": 1}}, None),
        ("/api/v2/backfills", {"dag_id": 3, "dag_run_conf": {"x": 1}}, None),
        ("/pimflow/api/v2/dagRuns", {"conf": {"x": 1}}, None),
    ],
)  # fmt: skip
def test_the_requests_that_create_runs_with_a_conf(path, body, expected):
    assert requested_run(path, json.dumps(body).encode()) == expected


def test_a_body_that_is_not_json_is_left_to_airflow():
    assert requested_run("/api/v2/dags/d/dagRuns", b"{conf") is None


def _client(checked: list) -> TestClient:
    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"reached": True, "body": (await request.body()).decode()})

    async def problem(scope, dag_id, conf):  # noqa: ANN001, ANN202
        checked.append((dag_id, conf))
        problems = conf_problems(conf, param_schemas()) if dag_id == "pimflow_dag" else []
        return "; ".join(problems) or None

    app = Starlette(
        routes=[
            Route("/api/v2/dags/{dag_id}/dagRuns", echo, methods=["GET", "POST"]),
            Route("/api/v2/backfills", echo, methods=["POST"]),
        ]
    )
    return TestClient(StrictParamsMiddleware(app, problem=problem))


def test_an_unknown_key_is_answered_400_with_the_near_miss_and_airflow_never_sees_it():
    checked: list = []
    client = _client(checked)
    response = client.post("/api/v2/dags/pimflow_dag/dagRuns", json={"conf": {"dryrun": True}})
    assert response.status_code == 400
    assert response.json() == {"detail": "unknown param 'dryrun': did you mean 'dry_run'?"}
    response = client.post(
        "/api/v2/backfills",
        json={"dag_id": "pimflow_dag", "from_date": "x", "dag_run_conf": {"partitions": "4"}},
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "param partitions: '4' is not of type 'integer'"
    assert checked == [("pimflow_dag", {"dryrun": True}), ("pimflow_dag", {"partitions": "4"})]


def test_everything_else_reaches_airflow_with_its_body_unchanged():
    checked: list = []
    client = _client(checked)
    fine = json.dumps({"conf": {"dry_run": True}, "note": "x" * 100_000})
    response = client.post("/api/v2/dags/pimflow_dag/dagRuns", content=fine)
    assert response.status_code == 200 and response.json() == {"reached": True, "body": fine}
    other = json.dumps({"conf": {"dryrun": True}})
    response = client.post("/api/v2/dags/another_dag/dagRuns", content=other)
    assert response.json() == {"reached": True, "body": other}
    for body in ("{not json", json.dumps({"conf": {}})):
        response = client.post("/api/v2/dags/pimflow_dag/dagRuns", content=body)
        assert response.json() == {"reached": True, "body": body}
    assert client.get("/api/v2/dags/pimflow_dag/dagRuns").json()["reached"]
    assert checked == [("pimflow_dag", {"dry_run": True}), ("another_dag", {"dryrun": True})]


def test_a_check_that_fails_itself_lets_the_request_through():
    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"reached": True})

    async def broken(scope, dag_id, conf):  # noqa: ANN001, ANN202
        raise RuntimeError("the metadata DB is gone")

    app = Starlette(routes=[Route("/api/v2/dags/{dag_id}/dagRuns", echo, methods=["POST"])])
    client = TestClient(StrictParamsMiddleware(app, problem=broken))
    response = client.post("/api/v2/dags/d/dagRuns", json={"conf": {"dryrun": True}})
    assert response.json() == {"reached": True}
