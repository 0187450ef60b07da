"""The hooks' own behaviour against a scripted API on the sandbox server framework:
token reuse and renewal, paging by links, retries, and no secret in any header."""

from __future__ import annotations

import json
import time

import pytest

from pimflow.hooks.akeneo import AkeneoHook
from pimflow.hooks.base import ApiError
from pimflow.shopware6.hook import Shopware6Hook
from pimflow_sandbox.server import HttpError, Request, Response, SandboxApp, SandboxServer


class ScriptedAkeneo(SandboxApp):
    def __init__(self) -> None:
        super().__init__()
        self.grants: list[str] = []
        self.seen_headers: list[dict[str, str]] = []
        self.script: list[int] = []  # statuses to answer before the real page
        self.valid_tokens: set[str] = set()
        self.add_route("POST", "/api/oauth/v1/token", self.token, public=True)
        self.add_route("GET", "/api/rest/v1/things", self.things)

    def token(self, request: Request) -> Response:
        body = request.json()
        self.grants.append(body["grant_type"])
        token = f"t{len(self.grants)}"
        self.valid_tokens.add(token)
        return Response.json(
            {
                "access_token": token,
                "refresh_token": "r",
                "expires_in": 3600,
                "token_type": "bearer",
            }
        )

    def authenticate(self, request: Request) -> None:
        self.seen_headers.append(dict(request.headers))
        if request.bearer_token not in self.valid_tokens:
            raise HttpError(401, "The access token provided is invalid.")

    def things(self, request: Request) -> Response:
        if self.script:
            status = self.script.pop(0)
            raise HttpError(
                status, "scripted", headers={"Retry-After": "1"} if status == 429 else {}
            )
        page = int(request.arg("page", "1"))
        links = {"self": {"href": f"/api/rest/v1/things?page={page}"}}
        if page < 3:  # a relative next link, then an absolute one
            href = f"/api/rest/v1/things?page={page + 1}"
            links["next"] = {"href": href if page == 1 else request.base_url + href}
        return Response.json({"_links": links, "_embedded": {"items": [{"n": page}]}})


@pytest.fixture
def akeneo(monkeypatch):
    app = ScriptedAkeneo()
    with SandboxServer(app) as server:
        monkeypatch.setenv(
            "AIRFLOW_CONN_AKENEO_TEST",
            json.dumps(
                {
                    "conn_type": "akeneo",
                    "host": server.url,
                    "login": "admin",
                    "password": "s3cret-password",
                    "extra": {
                        "client_id": "pimflow",
                        "client_secret": "s3cret-client",
                        "max_retries": 3,
                    },
                }
            ),
        )
        yield app, AkeneoHook("akeneo_test")


def test_pages_follow_relative_and_absolute_links_with_one_token(akeneo):
    app, hook = akeneo
    assert [item["n"] for item in hook.iter_items("/things")] == [1, 2, 3]
    assert app.grants == ["password"]  # the token is reused across calls
    assert hook.total_calls == 4  # one grant, three pages


def test_no_secret_travels_in_api_call_headers(akeneo):
    app, hook = akeneo
    list(hook.iter_items("/things"))
    for headers in app.seen_headers:
        text = json.dumps(headers)
        assert "s3cret" not in text
        assert "client_secret" not in text and "client_id" not in text


def test_429_waits_for_retry_after_and_5xx_is_retried(akeneo):
    app, hook = akeneo
    app.script = [429, 503]
    started = time.monotonic()
    assert [item["n"] for item in hook.iter_items("/things")] == [1, 2, 3]
    assert time.monotonic() - started >= 1.0  # Retry-After: 1 was honoured
    assert hook.retries == 2


def test_retries_are_bounded_and_the_error_names_the_call_without_secrets(akeneo):
    app, hook = akeneo
    app.script = [500] * 10
    with pytest.raises(ApiError) as error:
        list(hook.iter_items("/things"))
    assert error.value.status == 500
    assert "/api/rest/v1/things" in str(error.value)
    assert "s3cret" not in str(error.value)
    assert hook.retries == 3


def test_a_revoked_token_is_renewed_once_and_the_call_repeated(akeneo):
    app, hook = akeneo
    list(hook.iter_items("/things"))
    app.valid_tokens.clear()  # the server forgets every token (e.g. expired early)
    assert [item["n"] for item in hook.iter_items("/things")] == [1, 2, 3]
    assert app.grants == ["password", "refresh_token"]


def test_unauthorized_twice_is_an_error_not_a_loop(akeneo):
    app, hook = akeneo
    list(hook.iter_items("/things"))
    app.valid_tokens.clear()
    app.token = lambda request: Response.json({"access_token": "never-valid", "expires_in": 3600})  # type: ignore[method-assign]
    app.routes = [r for r in app.routes if r.pattern != "/api/oauth/v1/token"]
    app.add_route("POST", "/api/oauth/v1/token", app.token, public=True)
    with pytest.raises(ApiError) as error:
        list(hook.iter_items("/things"))
    assert error.value.status == 401


def test_missing_client_credentials_is_a_clear_error(monkeypatch):
    from airflow.sdk.exceptions import AirflowFailException  # a mistake no retry mends

    monkeypatch.setenv(
        "AIRFLOW_CONN_AKENEO_BARE",
        json.dumps(
            {"conn_type": "akeneo", "host": "http://127.0.0.1:9", "login": "a", "password": "b"}
        ),
    )
    with pytest.raises(AirflowFailException, match="'akeneo_bare' needs the extras client_id and"):
        AkeneoHook("akeneo_bare").get_json("/channels")


def test_shopware_hook_sends_client_credentials_and_returns_sync_400s(monkeypatch):
    class ScriptedShop(SandboxApp):
        def __init__(self) -> None:
            super().__init__()
            self.token_bodies: list[dict] = []
            self.add_route("POST", "/api/oauth/token", self.token, public=True)
            self.add_route("POST", "/api/_action/sync", self.sync)

        def token(self, request: Request) -> Response:
            self.token_bodies.append(request.json())
            return Response.json({"access_token": "tok", "expires_in": 600, "token_type": "Bearer"})

        def sync(self, request: Request) -> Response:
            assert request.header("fail-on-error") == "true"
            return Response.json(
                {"errors": [{"detail": "bad", "source": {"pointer": "/upsert/0/price"}}]}, 400
            )

    app = ScriptedShop()
    with SandboxServer(app) as server:
        monkeypatch.setenv(
            "AIRFLOW_CONN_SHOPWARE6_TEST",
            json.dumps(
                {"conn_type": "shopware6", "host": server.url, "login": "key", "password": "secret"}
            ),
        )
        hook = Shopware6Hook("shopware6_test")
        status, body = hook.sync(
            {"upsert": {"entity": "product", "action": "upsert", "payload": [{}]}}
        )
    assert status == 400 and body["errors"][0]["detail"] == "bad"
    assert app.token_bodies == [
        {"grant_type": "client_credentials", "client_id": "key", "client_secret": "secret"}
    ]


def test_cscart_hook_uses_basic_auth_vendor_paths_and_retries_509(monkeypatch):
    from pimflow.cscart.hook import CsCartHook

    class ScriptedStore(SandboxApp):
        def __init__(self) -> None:
            super().__init__()
            self.answers = [509]
            self.seen: list[tuple[str, str | None]] = []
            self.add_route("GET", "/api/2/vendors/{company}/products", self.products)

        def products(self, request: Request) -> Response:
            self.seen.append((request.path, request.header("authorization")))
            if self.answers:
                raise HttpError(self.answers.pop(0), "Bandwidth Limit Exceeded")
            return Response.json({"products": [], "params": {"total_items": "0"}})

    app = ScriptedStore()
    with SandboxServer(app) as server:
        monkeypatch.setenv(
            "AIRFLOW_CONN_CSCART_TEST",
            json.dumps(
                {
                    "conn_type": "cscart",
                    "host": server.url,
                    "login": "admin@example.com",
                    "password": "api-key",
                    "extra": {"api_prefix": "/api/2", "company_id": 3, "retry_max_wait": 0.1},
                }
            ),
        )
        hook = CsCartHook("cscart_test")
        ok, message = hook.test_connection()
    assert ok, message
    assert [path for path, _ in app.seen] == ["/api/2/vendors/3/products"] * 2
    assert all(auth and auth.startswith("Basic ") for _, auth in app.seen)


def test_refused_credentials_fail_the_task_at_once_without_naming_them(akeneo, monkeypatch):
    from airflow.sdk.exceptions import AirflowFailException

    from pimflow.hooks.base import AuthenticationError

    app, hook = akeneo

    def refuse(request: Request) -> Response:
        raise HttpError(401, "Invalid credentials.")

    app.routes = [r for r in app.routes if r.pattern != "/api/oauth/v1/token"]
    app.add_route("POST", "/api/oauth/v1/token", refuse, public=True)
    with pytest.raises(AuthenticationError) as error:
        hook.get_json("/things")
    assert isinstance(error.value, AirflowFailException)  # Airflow does not retry it
    assert hook.total_calls == 1 and hook.retries == 0  # and neither does the hook
    assert "s3cret" not in str(error.value)


def test_a_wrong_akeneo_password_is_a_configuration_mistake_naming_the_connection(monkeypatch):
    """Against the sandbox Akeneo, which answers a wrong password as Akeneo does (422): the
    task fails at once, the reason names the connection and never the password."""
    from airflow.sdk.exceptions import AirflowFailException

    from pimflow.sandboxes import akeneo_sandbox_connection
    from pimflow_sandbox.cli import create_app

    with SandboxServer(create_app("akeneo", catalog="empty")) as server:
        connection = akeneo_sandbox_connection(server.url)
        connection["password"] = "wr0ng-passw0rd"
        monkeypatch.setenv("AIRFLOW_CONN_AKENEO_WRONG", json.dumps(connection))
        hook = AkeneoHook("akeneo_wrong")
        with pytest.raises(AirflowFailException) as error:
            hook.get_json("/channels")
    message = str(error.value)
    assert message.startswith("connection 'akeneo_wrong': Akeneo refused the credentials"), message
    assert "wr0ng-passw0rd" not in message and "pimflow-secret" not in message
    assert hook.total_calls == 1 and hook.retries == 0  # one token request, no retry


def test_each_thread_has_its_own_session_and_close_closes_them_all(akeneo, monkeypatch):
    import threading

    import requests

    app, hook = akeneo
    closed: list[requests.Session] = []
    monkeypatch.setattr(requests.Session, "close", lambda self: closed.append(self), raising=True)
    sessions: dict[str, requests.Session] = {}
    start, done, release = threading.Barrier(2), threading.Barrier(3), threading.Event()

    def work(name: str) -> None:
        start.wait()  # both threads alive at once: no thread reuse by accident
        list(hook.iter_items("/things"))
        sessions[name] = hook.session
        done.wait()
        release.wait()  # still alive while the hook is closed

    threads = [threading.Thread(target=work, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    done.wait()
    try:
        assert sessions["a"] is not sessions["b"]
        main_session = hook.session  # the main thread gets a third one
        assert main_session not in (sessions["a"], sessions["b"])
        assert closed == []  # no thread ended: every session open
        assert hook.calls["GET /api/rest/v1/things"] == 6  # both threads' calls counted
        assert app.grants == ["password"]  # one token, shared by the threads
        hook.close()
        assert {id(s) for s in closed} == {id(s) for s in (*sessions.values(), main_session)}
        assert hook.session is not main_session  # after close, a call opens a new session
    finally:
        release.set()
        for thread in threads:
            thread.join()


def test_threads_sessions_are_copies_of_the_first_and_the_connection_is_looked_up_once(
    akeneo, monkeypatch
):
    """In a task a connection lookup is a call to Airflow's API server: worker threads
    copy the first session's settings instead of looking the connection up again."""
    from concurrent.futures import ThreadPoolExecutor

    app, hook = akeneo
    lookups: list[str] = []
    real = type(hook).get_connection

    def counted(conn_id):  # noqa: ANN001, ANN202
        lookups.append(conn_id)
        return real(conn_id)

    monkeypatch.setattr(hook, "get_connection", counted)
    with ThreadPoolExecutor(max_workers=4) as pool:
        sessions = list(
            pool.map(lambda _: (list(hook.iter_items("/things")), hook.session)[1], range(8))
        )
    assert len({id(s) for s in sessions}) >= 2  # several threads, several sessions
    # Once for the hook's own use (extras, credentials), once by get_conn: not per thread.
    assert lookups == ["akeneo_test"] * 2
    first = hook._template
    for session in sessions:  # the same settings: proxies, verify, headers (no secret)
        assert (session.verify, session.proxies, dict(session.headers)) == (
            first.verify,
            first.proxies,
            dict(first.headers),
        )
    hook.close()


def test_the_sessions_of_threads_that_ended_are_closed_when_new_threads_start(akeneo, monkeypatch):
    import threading

    import requests

    app, hook = akeneo
    closed: list[requests.Session] = []
    monkeypatch.setattr(requests.Session, "close", lambda self: closed.append(self), raising=True)
    made: list[requests.Session] = []

    def work() -> None:
        list(hook.iter_items("/things"))
        made.append(hook.session)

    for _ in range(3):  # three stages' thread pools, one after another
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
    assert len({id(s) for s in made}) == 3
    assert [id(s) for s in closed] == [id(s) for s in made[:2]]  # the last one still open


def test_a_session_reads_the_environment_once_per_host_and_still_honours_it(akeneo, monkeypatch):
    import requests.sessions

    app, hook = akeneo
    reads: list[str] = []
    real = requests.sessions.get_environ_proxies

    def counted(url, no_proxy=None):  # noqa: ANN001, ANN202
        reads.append(url)
        return real(url, no_proxy=no_proxy)

    monkeypatch.setattr(requests.sessions, "get_environ_proxies", counted)
    list(hook.iter_items("/things"))
    list(hook.iter_items("/things"))
    assert hook.total_calls == 7 and len(reads) == 1  # one host: the environment read once

    # What the environment says still applies (here a proxy for another host).
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    settings = hook.session.merge_environment_settings(
        "https://pim.example.com/api", {}, None, None, None
    )
    assert settings["proxies"]["https"] == "http://proxy.invalid:3128"


def test_a_dry_run_sees_every_call_of_every_thread(akeneo):
    """The recorder stands in for `request`: the threads' own sessions change nothing."""
    from concurrent.futures import ThreadPoolExecutor

    from pimflow.dry_run import record

    app, hook = akeneo
    # Reads (and the token request, which changes nothing) reach the server.
    recorder = record(hook, lambda method, path: method == "GET" or path.endswith("/token"))

    def read_and_write(n: int) -> int:
        items = list(hook.iter_items("/things"))
        hook.request("PATCH", f"/api/rest/v1/things/{n}", json={"n": n})
        return len(items)

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(read_and_write, range(8))) == [3] * 8
    assert recorder.would_write() == {"PATCH /api/rest/v1/things/{id}": 8}
    assert hook.calls["GET /api/rest/v1/things"] == 24  # every read sent, and counted
    hook.close()
