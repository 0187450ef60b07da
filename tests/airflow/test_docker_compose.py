"""docker-compose.yml, checked without a Docker engine (none runs here): its services,
images, environment and volumes are read as Compose would read them (YAML merge keys,
`${VAR:-default}` interpolation) and checked against what the code and Airflow expect;
every connection it defines is parsed by Airflow's own Connection class."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pimflow_sandbox.cli import SANDBOXES

REPO = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
AIRFLOW = [
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
]
# What a user puts in .env (the required secrets); everything else has a default.
DOTENV = {"AIRFLOW_JWT_SECRET": "x" * 32, "AIRFLOW_API_SECRET_KEY": "y" * 32}
VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def interpolate(value: str, env: dict[str, str] = DOTENV) -> str:
    """Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error}, $$."""

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, argument = match.groups()
        if env.get(name):
            return env[name]
        if operator and operator.endswith("?"):
            raise KeyError(f"{name} is required: {argument}")
        return argument or "" if operator else ""

    return VARIABLE.sub(replace, value)


def environment(service: str) -> dict[str, str]:
    return {k: interpolate(str(v)) for k, v in SERVICES[service]["environment"].items()}


def connection(env: dict[str, str], conn_id: str) -> Any:
    from airflow.models.connection import Connection

    value = env[f"AIRFLOW_CONN_{conn_id.upper()}"]
    if value.lstrip().startswith("{"):
        return Connection.from_json(value, conn_id=conn_id)
    return Connection(conn_id=conn_id, uri=value)


def test_the_services():
    expected = {"postgres", "redis", "minio", "sandbox", *AIRFLOW}
    assert set(SERVICES) == expected
    assert SERVICES["sandbox"]["profiles"] == ["sandbox"]
    assert all("profiles" not in SERVICES[name] for name in expected - {"sandbox"})
    assert SERVICES["airflow-worker"]["deploy"]["replicas"] >= 2
    commands = {name: SERVICES[name].get("command") for name in AIRFLOW}
    assert commands["airflow-apiserver"][0] == "api-server"
    assert commands["airflow-scheduler"][0] == "scheduler"
    assert commands["airflow-dag-processor"] == ["dag-processor"]
    assert commands["airflow-triggerer"][0] == "triggerer"
    assert commands["airflow-worker"][:2] == ["celery", "worker"]
    # Task logs live on a shared volume: no component starts a log server.
    for name in ("airflow-scheduler", "airflow-triggerer", "airflow-worker"):
        assert "--skip-serve-logs" in commands[name], name


def test_images_are_pinned_and_airflow_is_the_one_pimflow_pins():
    pins = dict(
        line.split("==")
        for line in (REPO / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    for name, service in SERVICES.items():
        image = service["image"]
        assert ":" in image and not image.endswith(":latest"), (name, image)
    images = {SERVICES[name]["image"] for name in [*AIRFLOW, "sandbox"]}
    assert images == {f"pimflow-airflow:{pins['apache-airflow']}"}
    dockerfile = SERVICES["airflow-apiserver"]["build"]["dockerfile_inline"]
    assert f"FROM apache/airflow:{pins['apache-airflow']}-python3.11" in dockerfile
    assert "pip install --no-cache-dir -r /opt/pimflow/requirements.txt" in dockerfile
    assert "pip install --no-cache-dir --no-deps -e /opt/pimflow" in dockerfile
    # The sandbox service's console script comes from the sandbox distribution.
    assert "pip install --no-cache-dir --no-deps -e /opt/pimflow/sandbox" in dockerfile
    assert SERVICES["sandbox"]["entrypoint"] == ["pimflow-sandbox"]
    for copied in re.findall(r"^COPY \S+ (.+) /opt/pimflow/", dockerfile, re.M):
        for source in copied.split():
            assert (REPO / source).exists(), source


@pytest.mark.parametrize("name", AIRFLOW)
def test_every_airflow_component_shares_one_celery_deployment(name):
    env = environment(name)
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert "@postgres:5432/airflow" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql+psycopg2://")
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:6379/")
    api_port = SERVICES["airflow-apiserver"]["command"][-1]
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == (
        f"http://airflow-apiserver:{api_port}/execution/"
    )
    # Secrets come from .env: required, never a value in the file.
    raw = SERVICES[name]["environment"]
    for key in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY"):
        assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]+\}", raw[key]), raw[key]
        with pytest.raises(KeyError):
            interpolate(raw[key], {})


def test_pimflow_stages_in_minio_and_keeps_its_state_in_postgres():
    env = environment("airflow-worker")
    assert env["PIMFLOW_STAGING_URL"].startswith("s3://")
    staging = connection(env, env["PIMFLOW_STAGING_CONN_ID"])
    assert staging.conn_type == "aws"
    assert staging.extra_dejson["endpoint_url"] == "http://minio:9000"
    minio = SERVICES["minio"]["environment"]
    assert staging.login == interpolate(minio["MINIO_ROOT_USER"])
    assert staging.password == interpolate(minio["MINIO_ROOT_PASSWORD"])
    assert "--address" in SERVICES["minio"]["command"]

    state = connection(env, env["PIMFLOW_STATE_CONN_ID"])
    assert (state.conn_type, state.host, state.port) == ("postgres", "postgres", 5432)
    assert state.password == interpolate(SERVICES["postgres"]["environment"]["POSTGRES_PASSWORD"])
    init_sql = COMPOSE["configs"]["pimflow-state-db"]["content"]
    assert f"CREATE DATABASE {state.schema}" in init_sql
    mounted = SERVICES["postgres"]["configs"][0]
    assert mounted["source"] == "pimflow-state-db"
    assert mounted["target"].startswith("/docker-entrypoint-initdb.d/")

    init = " ".join(SERVICES["airflow-init"]["command"])
    assert "airflow db migrate" in init and "create_bucket" in init
    # The pools the DAGs' tasks wait for (without them they would wait forever).
    assert init.index("airflow db migrate") < init.index("python -m pimflow.targets pools")


def test_large_xcoms_go_to_minio_beside_the_staged_data():
    from pimflow.config import XCOM_BACKEND

    env = environment("airflow-worker")
    assert env["AIRFLOW__CORE__XCOM_BACKEND"] == XCOM_BACKEND
    path = env["AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH"]
    # s3://<connection>@<bucket>/...: the staging connection reaches MinIO.
    assert path.startswith(f"s3://{env['PIMFLOW_STAGING_CONN_ID']}@")
    assert path.split("@", 1)[1].startswith(env["PIMFLOW_STAGING_URL"].removeprefix("s3://"))
    assert int(env["AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_THRESHOLD"]) > 0


def test_the_sandbox_connections_reach_the_sandbox_service():
    env = environment("airflow-worker")
    command = [interpolate(part) for part in SERVICES["sandbox"]["command"]]
    assert command[0] == "all" and command[command.index("--host") + 1] == "0.0.0.0"
    published = {int(p.rsplit(":", 1)[1]) for p in SERVICES["sandbox"]["ports"]}
    from pimflow.run import SANDBOX_CONNECTIONS

    for name, spec in SANDBOXES.items():
        conn = connection(env, f"{name}_default")
        expected = SANDBOX_CONNECTIONS[name]("http://sandbox")
        assert (conn.conn_type, conn.host, conn.port) == (name, "sandbox", spec.port)
        assert (conn.login, conn.password) == (expected["login"], expected["password"])
        assert conn.extra_dejson == expected.get("extra", {})
        assert spec.port in published


def test_volumes_mount_this_repository_where_airflow_and_the_package_look():
    declared = set(COMPOSE["volumes"])
    for name in [*AIRFLOW, "sandbox"]:
        service = SERVICES[name]
        env = environment(name)
        mounts = dict(v.split(":")[:2] for v in service["volumes"])
        assert mounts["./dags"] == env["AIRFLOW__CORE__DAGS_FOLDER"]
        assert mounts["./plugins"] == env["AIRFLOW__CORE__PLUGINS_FOLDER"]
        assert mounts["./include"] == "/opt/pimflow/include"  # the editable install's path
        assert mounts["airflow-logs"] == "/opt/airflow/logs"
        if name == "sandbox":
            assert mounts["./sandbox"] == "/opt/pimflow/sandbox"
        for source in mounts:
            if source.startswith("./"):
                assert (REPO / source).is_dir(), source
            else:
                assert source in declared, source
    assert (REPO / "plugins" / "pimflow_plugin.py").exists()
    api = dict(v.split(":")[:2] for v in SERVICES["airflow-apiserver"]["volumes"])
    passwords = environment("airflow-apiserver")[
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"
    ]
    assert passwords.startswith(api["airflow-auth"] + "/")
    for name in ("postgres", "minio"):
        for volume in SERVICES[name]["volumes"]:
            assert volume.split(":")[0] in declared


def test_published_ports_bind_the_hosts_loopback_only():
    published = [p for s in SERVICES.values() for p in s.get("ports", [])]
    assert published
    assert all(str(p).startswith("127.0.0.1:") for p in published), published
    assert "127.0.0.1:8080:8080" in SERVICES["airflow-apiserver"]["ports"]


def test_start_order_and_health():
    for name in ("postgres", "redis", "minio", "airflow-apiserver"):
        assert SERVICES[name]["healthcheck"]["test"], name
    init = SERVICES["airflow-init"]["depends_on"]
    assert {k: v["condition"] for k, v in init.items()} == dict.fromkeys(
        ("postgres", "redis", "minio"), "service_healthy"
    )
    for name in AIRFLOW[1:]:
        depends = SERVICES[name]["depends_on"]
        assert depends["airflow-init"]["condition"] == "service_completed_successfully", name


def test_every_required_variable_is_documented():
    text = (REPO / "docker-compose.yml").read_text()
    required = set(re.findall(r"\$\{([A-Z_]+):\?", text))
    assert required == set(DOTENV)
    docs = (REPO / "docs" / "airflow.md").read_text()
    for name in required:
        assert name in docs, name
    json.dumps(COMPOSE)  # plain data: no YAML tags Compose would not understand
