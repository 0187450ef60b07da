"""The HTTP layer every sandbox API shares.

Each sandbox (Akeneo, Shopware 6, CS-Cart) is a `SandboxApp`: its routes, its auth and its
error bodies. `SandboxServer` serves one app on a threaded stdlib HTTP server and applies
the switches every sandbox has (latency, concurrency and rate limits, injected 5xx,
dropped connections, and lost answers: a call handled, its effects kept, its answer never
sent), so a test or a benchmark can make any API slow or flaky on demand.

The switches can be changed while the server runs, in-process (`server.switches`) or over
HTTP (`GET`/`PATCH /_sandbox/switches`), and `/_sandbox/stats` counts the calls per route
(and `peak_in_flight`: the most calls one client had in flight at once; `lost_answers`,
by route in `lost_answers_by_route`: the calls handled whose answer was not sent),
which is how benchmarks compare the calls a sync made against the minimum.
"""

from __future__ import annotations

import contextlib
import dataclasses
import email.parser
import email.policy
import json
import logging
import math
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger(__name__)

ADMIN_PREFIX = "/_sandbox/"


class HttpError(Exception):
    """Raised by a handler to answer with an error; the app renders the body."""

    def __init__(
        self,
        status: int,
        message: str = "",
        *,
        payload: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or str(status))
        self.status = status
        self.message = message
        self.payload = payload  # a ready body, when the API's error shape needs more than a message
        self.headers = headers or {}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    base_url: str  # scheme://host:port as the client addressed us, for absolute links
    path_params: dict[str, str] = field(default_factory=dict)
    raw_target: str = ""

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        """The body as JSON; a malformed body is the client's error (400)."""
        if not self.body:
            raise HttpError(400, "Invalid json message received")
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise HttpError(400, "Invalid json message received") from exc

    @property
    def bearer_token(self) -> str | None:
        auth = self.header("authorization") or ""
        if auth[:7].lower() == "bearer ":
            return auth[7:].strip() or None
        return None

    def multipart(self) -> dict[str, MultipartPart]:
        """The parts of a multipart/form-data body, by field name."""
        content_type = self.header("content-type") or ""
        if not content_type.lower().startswith("multipart/form-data"):
            raise HttpError(415, "Expected a multipart/form-data body")
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + self.body
        )
        if not message.is_multipart():
            raise HttpError(400, "Malformed multipart body")
        parts: dict[str, MultipartPart] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            parts[name] = MultipartPart(
                name=name,
                filename=part.get_filename(),
                content_type=part.get_content_type(),
                data=part.get_payload(decode=True) or b"",
            )
        return parts


@dataclass
class MultipartPart:
    name: str
    filename: str | None
    content_type: str
    data: bytes

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(
        cls,
        data: Any,
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Response:
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return cls(status, body, {"Content-Type": content_type, **(headers or {})})

    @classmethod
    def empty(cls, status: int = 204, headers: dict[str, str] | None = None) -> Response:
        return cls(status, b"", dict(headers or {}))

    @classmethod
    def raw(
        cls,
        data: bytes,
        content_type: str,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Response:
        return cls(status, data, {"Content-Type": content_type, **(headers or {})})


@dataclass
class LostAnswer(Response):
    """What a handler answered, never to be sent: the connection is closed instead
    (`Switches.lost_answer_rate`)."""


Handler = Callable[[Request], Response]


@dataclass
class Route:
    method: str
    pattern: str
    regex: re.Pattern[str]
    handler: Handler
    public: bool = False  # no auth, no limits, no faults (token endpoints are public but limited)
    admin: bool = False  # a /_sandbox/ control route


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """`/media-files/{code:path}/download` → a regex; `{name}` is one segment, `:path` any."""

    def replace(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2)
        return f"(?P<{name}>.+?)" if kind == "path" else f"(?P<{name}>[^/]+)"

    return re.compile("^" + re.sub(r"\{(\w+)(?::(\w+))?\}", replace, pattern) + "$")


@dataclass
class Switches:
    """What makes a sandbox slow or flaky; every field can change while it runs."""

    latency_ms: float = 0.0  # added to every API call
    max_concurrent: int = 0  # calls in flight per client (token); 0 = unlimited; over it: 429
    rate_per_second: float = 0.0  # calls per second per client; 0 = unlimited; over it: 429
    error_rate: float = 0.0  # share of calls answered with an injected 500
    drop_rate: float = 0.0  # share of calls whose connection is closed with no answer
    # Share of calls handled (their writes kept) whose connection is then closed with no
    # answer: the client cannot tell it from a dropped call, which is what makes a retried
    # create a duplicate when the API is not idempotent.
    lost_answer_rate: float = 0.0
    seed: int = 0  # makes the injected faults repeatable

    def update(self, **changes: Any) -> None:
        known = {f.name: f.type for f in dataclasses.fields(self)}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown sandbox switch {name!r}")
            setattr(self, name, int(value) if name in ("max_concurrent", "seed") else float(value))

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class SandboxApp:
    """One emulated API. Subclasses register routes and say how errors look."""

    name = "sandbox"

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.lock = threading.RLock()  # guards the app's state; handlers take it as needed

    # -- routing ---------------------------------------------------------------------------
    def add_route(
        self,
        method: str,
        pattern: str,
        handler: Handler,
        *,
        public: bool = False,
        admin: bool = False,
    ) -> None:
        self.routes.append(
            Route(method.upper(), pattern, compile_pattern(pattern), handler, public, admin)
        )

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        allowed: list[str] = []
        for route in self.routes:
            found = route.regex.match(path)
            if not found:
                continue
            if route.method != method:
                if route.method not in allowed:
                    allowed.append(route.method)
                continue
            return route, {k: unquote(v) for k, v in found.groupdict().items()}
        if allowed:  # the path exists, not with this method (TRACE, OPTIONS, a typo...)
            allow = ", ".join(allowed)
            raise HttpError(
                405,
                f'No route found for "{method} {path}": Method Not Allowed (Allow: {allow})',
                headers={"Allow": allow},
            )
        raise HttpError(404, f'No route found for "{method} {path}"')

    # -- what subclasses adapt -------------------------------------------------------------
    def authenticate(self, request: Request) -> None:
        """Raise HttpError(401) unless the request carries valid credentials."""

    def limit_key(self, request: Request) -> str:
        """Who the concurrency and rate limits count against (the token, by default)."""
        return request.header("authorization") or "anonymous"

    def error_response(self, error: HttpError) -> Response:
        body = (
            error.payload
            if error.payload is not None
            else {
                "code": error.status,
                "message": error.message,
            }
        )
        return Response.json(body, error.status, error.headers)

    def too_many_requests(self, retry_after: int) -> Response:
        return self.error_response(
            HttpError(429, "Too Many Requests", headers={"Retry-After": str(retry_after)})
        )

    def injected_failure(self) -> Response:
        return self.error_response(
            HttpError(500, "Internal Server Error (injected by the sandbox)")
        )


class _Limiter:
    """Per-client concurrency counter and token-bucket rate limiter."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight: Counter[str] = Counter()
        self.peak_in_flight = 0  # the most calls one client ever had in flight at once
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)

    def enter(self, key: str, switches: Switches) -> int | None:
        """Admit a call (None) or say how many seconds to wait (the Retry-After)."""
        with self._lock:
            if switches.max_concurrent and self._in_flight[key] >= switches.max_concurrent:
                return 1
            if switches.rate_per_second > 0:
                rate = switches.rate_per_second
                now = time.monotonic()
                tokens, last = self._buckets.get(key, (max(rate, 1.0), now))
                tokens = min(max(rate, 1.0), tokens + (now - last) * rate)
                if tokens < 1.0:
                    self._buckets[key] = (tokens, now)
                    return max(1, math.ceil((1.0 - tokens) / rate))
                self._buckets[key] = (tokens - 1.0, now)
            self._in_flight[key] += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight[key])
            return None

    def leave(self, key: str) -> None:
        with self._lock:
            self._in_flight[key] -= 1
            if self._in_flight[key] <= 0:
                del self._in_flight[key]


class _Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.bytes_out = 0
        self.lost_answers: Counter[str] = Counter()  # route -> handled calls left unanswered

    def record(self, route_name: str, status: int, size: int) -> None:
        with self._lock:
            self.calls[route_name] += 1
            self.statuses[status] += 1
            self.bytes_out += size

    def record_lost(self, route_name: str, status: int) -> None:
        """A call handled (answered `status`, its effects kept) whose answer was not sent."""
        with self._lock:
            self.calls[route_name] += 1
            self.statuses[status] += 1
            self.lost_answers[route_name] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": sum(self.calls.values()),
                "calls": dict(self.calls),
                "statuses": {str(k): v for k, v in self.statuses.items()},
                "bytes_out": self.bytes_out,
                "lost_answers": sum(self.lost_answers.values()),
                "lost_answers_by_route": dict(self.lost_answers),
            }

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.statuses.clear()
            self.lost_answers.clear()
            self.bytes_out = 0


class SandboxServer:
    """Serves a SandboxApp on 127.0.0.1 (by default) in a background thread or the foreground."""

    def __init__(
        self,
        app: SandboxApp,
        host: str = "127.0.0.1",
        port: int = 0,
        switches: Switches | None = None,
        access_log: bool = False,
    ) -> None:
        self.app = app
        self.switches = switches or Switches()
        self.stats = _Stats()
        self.access_log = access_log
        self._limiter = _Limiter()
        self._rng = random.Random(self.switches.seed)
        self._rng_seed = self.switches.seed
        self._rng_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._register_admin_routes()
        self._httpd = _HTTPServer((host, port), _make_handler(self))

    @property
    def host(self) -> str:
        return self._httpd.server_address[0]

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name=f"sandbox-{self.app.name}", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=10)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- faults ----------------------------------------------------------------------------
    def answer_lost(self) -> bool:
        """Whether the answer of a call its handler ran is to be lost (`lost_answer_rate`)."""
        rate = self.switches.lost_answer_rate
        return bool(rate) and self._roll() < rate

    def _roll(self) -> float:
        with self._rng_lock:
            if self._rng_seed != self.switches.seed:  # a new seed restarts the sequence
                self._rng = random.Random(self.switches.seed)
                self._rng_seed = self.switches.seed
            return self._rng.random()

    # -- the control routes ----------------------------------------------------------------
    def _register_admin_routes(self) -> None:
        def get_switches(_: Request) -> Response:
            return Response.json(self.switches.as_dict())

        def patch_switches(request: Request) -> Response:
            try:
                self.switches.update(**request.json())
            except (TypeError, ValueError) as exc:
                raise HttpError(400, str(exc)) from exc
            return Response.json(self.switches.as_dict())

        def get_stats(_: Request) -> Response:
            return Response.json(
                {**self.stats.snapshot(), "peak_in_flight": self._limiter.peak_in_flight}
            )

        def reset_stats(_: Request) -> Response:
            self.stats.reset()
            self._limiter.peak_in_flight = 0
            return Response.empty()

        self.app.add_route("GET", ADMIN_PREFIX + "switches", get_switches, admin=True)
        self.app.add_route("PATCH", ADMIN_PREFIX + "switches", patch_switches, admin=True)
        self.app.add_route("GET", ADMIN_PREFIX + "stats", get_stats, admin=True)
        self.app.add_route("DELETE", ADMIN_PREFIX + "stats", reset_stats, admin=True)

    # -- one call --------------------------------------------------------------------------
    def handle(self, request: Request) -> Response | None:
        """Answer one call; None means: drop the connection without an answer (a dropped
        call, never handled); a LostAnswer: the handler ran, its effects stay, but the
        connection is to be closed without sending its answer."""
        app = self.app
        try:
            route, params = app.match(request.method, request.path)
        except HttpError as exc:
            return app.error_response(exc)
        request.path_params = params
        if route.admin:
            return self._dispatch(route, request)

        switches = self.switches
        if switches.drop_rate and self._roll() < switches.drop_rate:
            return None
        key = app.limit_key(request)
        retry_after = self._limiter.enter(key, switches)
        if retry_after is not None:
            return app.too_many_requests(retry_after)
        try:
            if switches.latency_ms:
                time.sleep(switches.latency_ms / 1000.0)
            if switches.error_rate and self._roll() < switches.error_rate:
                return app.injected_failure()
            if not route.public:
                try:
                    app.authenticate(request)
                except HttpError as exc:
                    return app.error_response(exc)
            response = self._dispatch(route, request)
            if self.answer_lost():
                return LostAnswer(response.status, response.body, response.headers)
            return response
        finally:
            self._limiter.leave(key)

    def _dispatch(self, route: Route, request: Request) -> Response:
        try:
            return route.handler(request)
        except HttpError as exc:
            return self.app.error_response(exc)
        except Exception:  # a sandbox bug: answer 500, never crash the server
            # The traceback goes to the log only: an answer never shows code or server paths.
            log.exception("sandbox %s: %s %s failed", self.app.name, request.method, request.path)
            return self.app.error_response(HttpError(500, "Sandbox internal error"))


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def _make_handler(server: SandboxServer) -> type[BaseHTTPRequestHandler]:
    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real APIs behind nginx do
        # Headers and body go out in two writes: without TCP_NODELAY, Nagle plus the client's
        # delayed ACK hold every keep-alive answer ~40 ms.
        disable_nagle_algorithm = True
        server_version = f"pimflow-sandbox-{server.app.name}"
        sys_version = ""

        def _handle(self) -> None:
            body = self._read_body()
            split = urlsplit(self.path)
            host = self.headers.get("Host") or f"{server.host}:{server.port}"
            request = Request(
                method=self.command,
                path=split.path,
                query=parse_qs(split.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                base_url=f"http://{host}",
                raw_target=self.path,
            )
            response = server.handle(request)
            if response is None:  # an injected dropped connection
                self.close_connection = True
                server.stats.record("(dropped)", 0, 0)
                return
            route_name = f"{self.command} {split.path}"
            try:
                route, _ = server.app.match(self.command, split.path)
                route_name = f"{route.method} {route.pattern}"
            except HttpError:
                pass
            if isinstance(response, LostAnswer):  # handled, effects kept, no answer sent
                self.close_connection = True
                server.stats.record_lost(route_name, response.status)
                return
            if not split.path.startswith(ADMIN_PREFIX):
                server.stats.record(route_name, response.status, len(response.body))
            self._write(response)

        def _read_body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        break
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                return b"".join(chunks)
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _write(self, response: Response) -> None:
            self.send_response(response.status)
            headers = dict(response.headers)
            if response.status != 204 and response.status >= 200:
                headers["Content-Length"] = str(len(response.body))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if response.body and self.command != "HEAD" and response.status != 204:
                self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle
        # Methods no sandbox route has still reach the router, which answers 405 with an
        # Allow header (or 404 for an unknown path), as the real APIs do, not the stdlib 501.
        do_OPTIONS = do_TRACE = do_CONNECT = _handle

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            if server.access_log:  # the request line only: never headers, so never credentials
                log.info("%s %s", server.app.name, format % args)

        def send_error(
            self, code: int, message: str | None = None, explain: str | None = None
        ) -> None:
            # Malformed request lines and URIs over the size limit (414) land here, and any
            # method without a do_* (the stdlib's 501): the router answers those (405/404).
            if code == 501 and getattr(self, "command", None) and getattr(self, "headers", None):
                self._handle()
                return
            status = code
            text = message or self.responses.get(code, ("Error",))[0]
            response = server.app.error_response(HttpError(status, text))
            self.close_connection = True
            with contextlib.suppress(OSError):
                self._write(response)

    return RequestHandler
