"""What the pimflow API hooks share, on top of the HTTP provider's HttpHook.

HttpHook gives us the connection handling Airflow users know (host, schema, port, proxies,
verify, timeout from the extras, TCP keep-alive). On top of it this adds what a sync needs:
one session per thread reused across its calls (threads share no session, so none waits
on another's connection pool or cookie jar), bounded concurrency per connection, retries with
exponential backoff and jitter on 408/429/5xx and connection errors (honouring
`Retry-After`, with a bounded total), a call counter for the run report and benchmarks,
and errors that never carry a credential.

A connection error or timeout after a call was sent may hide a lost answer: the API did
the work, the answer never came back. Sending the call again is safe only when it is
idempotent (reads, PUTs and DELETEs of a given id, Shopware's sync upserts with the ids
pimflow chooses); a caller whose call is not (CS-Cart's creates) passes
`resend_unanswered=False`, gets `AnswerLost`, and looks the object up by its natural key
before it posts again (`CsCartHook.create`).
"""

from __future__ import annotations

import copy
import random
import threading
import time
from collections import Counter
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from airflow.providers.http.hooks.http import HttpHook
from airflow.sdk.exceptions import AirflowFailException
from urllib3.exceptions import NewConnectionError

RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
# What a requests.Session holds of its configuration (Session.__attrs__ without the
# adapters, which each session gets of its own, and the cookies, copied apart).
SESSION_SETTINGS = (
    "headers",
    "auth",
    "proxies",
    "hooks",
    "params",
    "verify",
    "cert",
    "stream",
    "trust_env",
    "max_redirects",
)

# Connection extras that configure pimflow itself; HttpHook would send every unknown extra
# as an HTTP header, which for `client_secret` would leak a secret to the server and logs.
PIMFLOW_EXTRAS = frozenset(
    {
        "client_id",
        "client_secret",
        "max_concurrency",
        "max_retries",
        "retry_max_wait",
        "api_prefix",
        "company_id",
        "timeout",
    }
)


class ApiError(Exception):
    """An API answered with an error we cannot retry away. Carries no credentials."""

    def __init__(self, method: str, url: str, status: int, body: Any) -> None:
        self.method = method
        self.url = _without_query_secrets(url)
        self.status = status
        self.body = body
        super().__init__(f"{method} {self.url} answered {status}: {_short(body)}")


class AnswerLost(ApiError):
    """A call got no answer after it may have reached the API (the connection failed or
    timed out once sent): it may have been applied. Raised instead of sending it again when
    the caller said a repeat is not safe (`request(..., resend_unanswered=False)`)."""


class AuthenticationError(ApiError, AirflowFailException):
    """The API refused the connection's credentials: retrying cannot help, so the task
    fails at once (AirflowFailException skips Airflow's retries)."""


def _short(body: Any, limit: int = 600) -> str:
    text = body if isinstance(body, str) else repr(body)
    return text if len(text) <= limit else text[:limit] + "…"


def _without_query_secrets(url: str) -> str:
    """URLs we report never include query strings (they can hold search terms or keys)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.scheme else parts.path


class PimflowHttpHook(HttpHook):
    """Base of the Akeneo, Shopware 6 and CS-Cart hooks."""

    default_max_concurrency = 4
    default_max_retries = 6
    retryable_statuses = RETRYABLE_STATUSES
    default_timeout = 60.0

    def __init__(self, conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(method="GET", http_conn_id=conn_id or self.default_conn_name, **kwargs)
        # Each thread's session lives in `_local`; `_sessions` holds them all with their
        # thread, for close() and to close those of threads that ended.
        self._local = threading.local()
        self._sessions: list[tuple[threading.Thread, requests.Session]] = []
        self._session_lock = threading.Lock()
        self._slots: threading.BoundedSemaphore | None = None
        self._extras: dict[str, Any] | None = None
        self._template: requests.Session | None = None  # see _new_session
        self.calls: Counter[str] = Counter()  # "GET /api/rest/v1/products-uuid" -> n
        self.retries = 0
        self._stats_lock = threading.Lock()

    # -- connection ----------------------------------------------------------------------
    @property
    def connection(self):  # noqa: ANN201 - airflow's Connection type differs across versions
        if not hasattr(self, "_connection"):
            self._connection = self.get_connection(self.http_conn_id)
        return self._connection

    @property
    def extras(self) -> dict[str, Any]:
        # Decoded once: Connection.extra_dejson parses the JSON and registers every value
        # with the secrets masker on each access, and every call reads the timeout.
        if self._extras is None:
            self._extras = self.connection.extra_dejson or {}
        return self._extras

    def _configure_session_from_extra(self, session, connection, extra_options):  # noqa: ANN001, ANN202
        # Strip pimflow's own extras (and the secret among them) before HttpHook turns the
        # rest into headers.
        clean = _ConnectionView(connection, PIMFLOW_EXTRAS)
        return super()._configure_session_from_extra(session, clean, extra_options)

    def _configure_session_from_auth(self, session, connection):  # noqa: ANN001, ANN202
        # Each API has its own auth (tokens); never send the connection's login as Basic auth
        # unless a subclass asks for it.
        return session

    @property
    def session(self) -> requests.Session:
        """The calling thread's session (made on its first call, with the connection's
        settings: HttpHook's extras, proxies, verify, auth)."""
        session = getattr(self._local, "session", None)
        if session is None:
            with self._session_lock:
                session = self._new_session()
                pool = requests.adapters.HTTPAdapter(
                    pool_connections=4, pool_maxsize=max(8, self.max_concurrency * 2)
                )
                session.mount("http://", pool)
                session.mount("https://", pool)
                if self._slots is None:  # one bound per connection, whatever the threads
                    self._slots = threading.BoundedSemaphore(self.max_concurrency)
                # A stage's thread pool ends with its stage: its sessions' connections are
                # closed when the next threads start, not kept open until close().
                ended = [s for thread, s in self._sessions if not thread.is_alive()]
                self._sessions = [(t, s) for t, s in self._sessions if t.is_alive()]
                self._sessions.append((threading.current_thread(), session))
            for old in ended:
                old.close()
            self._local.session = session
        return session

    def _new_session(self) -> requests.Session:
        """A session set up as HttpHook.get_conn sets one up (auth, headers from the extras,
        proxies, verify, cert). get_conn makes the first, kept as a template; the other
        threads' sessions are copies of it, so no worker thread looks the connection up
        again (in a task that is a request to Airflow's API server)."""
        if self._template is None:
            self._template = self.get_conn()
        session = _EnvironmentOnceSession()
        for name in SESSION_SETTINGS:
            setattr(session, name, copy.deepcopy(getattr(self._template, name)))
        session.cookies = self._template.cookies.copy()
        return session

    @property
    def max_concurrency(self) -> int:
        return max(1, int(self.extras.get("max_concurrency", self.default_max_concurrency)))

    @property
    def max_retries(self) -> int:
        return max(0, int(self.extras.get("max_retries", self.default_max_retries)))

    @property
    def timeout(self) -> float:
        return float(self.extras.get("timeout", self.default_timeout))

    @property
    def base(self) -> str:
        """The API's base URL (the connection's host, schema and port), no trailing slash."""
        self.session  # noqa: B018 - sets base_url from the connection
        return self.base_url.rstrip("/")

    def url(self, path_or_url: str) -> str:
        """Absolute URL for a path; an absolute or relative `_links` href is resolved too."""
        return urljoin(self.base + "/", path_or_url)

    # -- what subclasses adapt -----------------------------------------------------------
    def auth_headers(self) -> dict[str, str]:
        return {}

    def on_unauthorized(self, rejected: str | None = None) -> bool:
        """Called after a 401 for the Authorization header `rejected`; return True when
        new credentials are worth a second try."""
        return False

    # -- one call, with retries ----------------------------------------------------------
    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        stream: bool = False,
        ok_statuses: tuple[int, ...] = (),
        authenticated: bool = True,
        resend_unanswered: bool = True,
    ) -> requests.Response:
        """Send one call, retrying what is worth retrying; raise ApiError on a final error.

        `ok_statuses` lists error statuses the caller handles itself (returned, not raised).
        `resend_unanswered=False`: the call is not idempotent, so one that may have reached
        the API but got no answer raises AnswerLost at once instead of being sent again
        (one that never left, a refused or timed-out connect, is still retried).
        """
        url = self.url(path_or_url)
        route = f"{method} {urlsplit(url).path}"
        session = self.session
        attempt = 0
        reauthorized = False
        while True:
            call_headers = dict(headers or {})
            if authenticated:
                call_headers.update(self.auth_headers())
            try:
                with self._slots:
                    response = session.request(
                        method,
                        url,
                        params=params,
                        json=json,
                        data=data,
                        headers=call_headers,
                        stream=stream,
                        timeout=self.timeout,
                    )
                self._count(route)
            except (requests.ConnectionError, requests.Timeout) as exc:
                self._count(route)
                if not resend_unanswered and not _never_sent(exc):
                    raise AnswerLost(method, url, 0, f"no answer: {type(exc).__name__}") from None
                if attempt >= self.max_retries:
                    raise ApiError(
                        method, url, 0, f"connection failed: {type(exc).__name__}"
                    ) from None
                self._sleep_before_retry(attempt, None)
                attempt += 1
                continue

            status = response.status_code
            if status < 400 or status in ok_statuses:
                return response
            if (
                status == 401
                and authenticated
                and not reauthorized
                and self.on_unauthorized(call_headers.get("Authorization"))
            ):
                reauthorized = True
                response.close()
                continue
            if status in self.retryable_statuses and attempt < self.max_retries:
                retry_after = response.headers.get("Retry-After")
                response.close()
                self._sleep_before_retry(attempt, retry_after)
                attempt += 1
                continue
            raise ApiError(method, url, status, _body(response))

    def _count(self, route: str) -> None:
        with self._stats_lock:
            self.calls[route] += 1

    def _sleep_before_retry(self, attempt: int, retry_after: str | None) -> None:
        with self._stats_lock:
            self.retries += 1
        cap = float(self.extras.get("retry_max_wait", 60))
        if retry_after:
            try:
                delay = float(retry_after)
            except ValueError:  # an HTTP date; Akeneo and Shopware send seconds
                delay = 1.0
            delay = min(cap, max(0.0, delay)) + random.uniform(0, 0.25)
        else:
            delay = min(cap, 0.25 * 2**attempt) * random.uniform(0.5, 1.0)
        time.sleep(delay)

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def close(self) -> None:
        """Close every thread's session (a thread calling again afterwards gets a new one)."""
        with self._session_lock:
            sessions, self._sessions = self._sessions, []
            self._local = threading.local()
        for _, session in sessions:
            session.close()


class _EnvironmentOnceSession(requests.Session):
    """A Session that reads the environment's settings (proxies, no_proxy, CA bundle) once
    per host instead of on every call: requests scans os.environ and matches no_proxy for
    each request, a quarter of a download thread's time. The environment does not change
    while a task runs; a call with its own proxies is merged as requests would."""

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # noqa: ANN001, ANN201
        parts = urlsplit(url)
        key = (
            parts.scheme,
            parts.netloc,
            tuple(sorted((proxies or {}).items())),
            stream,
            verify,
            cert if not isinstance(cert, list) else tuple(cert),
        )
        cache = self.__dict__.setdefault("_environment_settings", {})
        settings = cache.get(key)
        if settings is None:
            settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
            cache[key] = settings
        return {**settings, "proxies": dict(settings["proxies"])}


def _never_sent(exc: Exception) -> bool:
    """Whether a failed call surely never reached the API: its connection was refused or
    timed out while connecting. (Anything else, a reset or a read timeout, may come after
    the API did the work.)"""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


def _body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:2000]


class _ConnectionView:
    """A connection whose extras lack the given keys (for HttpHook's header building)."""

    def __init__(self, connection: Any, hidden: frozenset[str]) -> None:
        self._connection = connection
        self.extra_dejson = {
            k: v for k, v in (connection.extra_dejson or {}).items() if k not in hidden
        }
        self.extra = bool(self.extra_dejson)
        self.host = connection.host

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)
