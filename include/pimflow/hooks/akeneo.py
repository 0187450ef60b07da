"""AkeneoHook: Akeneo's REST API with the password grant, token reuse and paging.

Connection `akeneo_default` (type `akeneo`): host = the PIM's base URL, login / password =
the API user, extras `client_id` and `client_secret` = the API connection's credentials.

Answers are decoded with msgspec (the standard library's decoder was a third of a
products task's time), into the same Python values `json` gives. A long read can fetch
its next page while the caller works on the current one (`iter_pages(read_ahead=True)`):
still one call in flight, so a task keeps to its one slot of the Akeneo pool.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import msgspec
import requests
from airflow.sdk.exceptions import AirflowFailException

from pimflow.hooks import shapes
from pimflow.hooks.base import ApiError, AuthenticationError, PimflowHttpHook
from pimflow.staging import cyclic_gc_paused

TOKEN_PATH = "/api/oauth/v1/token"
API = "/api/rest/v1"
PAGE_SIZE = 100  # Akeneo's maximum; fewer, fuller pages mean fewer calls
RENEW_BEFORE_EXPIRY_S = 60  # renew a token this long before Akeneo would reject it

_decoder = msgspec.json.Decoder()


def decode_json(response: requests.Response) -> Any:
    """An answer's JSON body, as `response.json()` would give it; msgspec decodes it in a
    fraction of the time. What msgspec refuses (the standard library's NaN, a text
    encoding other than UTF-8) is decoded by the standard library as before. A page of
    products is some 100,000 new objects, none in a cycle: the cyclic collector is paused
    meanwhile (in a task process it walked Airflow's objects for most of the decoding time)."""
    with cyclic_gc_paused():
        try:
            return _decoder.decode(response.content)
        except msgspec.DecodeError:
            return response.json()  # and its own error when the body is not JSON at all


class CredentialsRefused(AuthenticationError):
    """Akeneo's token endpoint refused the connection's credentials (a wrong password,
    user, client id or secret): a configuration mistake, so the task fails at once. The
    message names the connection and Akeneo's own words, never a credential."""

    def __init__(self, conn_id: str, error: ApiError) -> None:
        super().__init__(error.method, error.url, error.status, error.body)
        said = _token_error(error.body)
        self.args = (
            f"connection {conn_id!r}: Akeneo refused the credentials (HTTP {error.status}"
            + (f": {said}" if said else "")
            + "); check the connection's login, password, client_id and client_secret",
        )

    def __str__(self) -> str:
        return str(self.args[0])


def _token_error(body: Any) -> str:
    """What Akeneo said about a refused token request (`invalid_grant: …`), in short."""
    if not isinstance(body, dict):
        return ""
    words = [str(body[key]) for key in ("error", "error_description", "message") if body.get(key)]
    return ": ".join(words)[:200]


class AkeneoHook(PimflowHttpHook):
    conn_name_attr = "akeneo_conn_id"
    default_conn_name = "akeneo_default"
    conn_type = "akeneo"
    hook_name = "Akeneo PIM"
    default_max_concurrency = 4  # Akeneo's documented limit of parallel calls per connection

    def __init__(self, akeneo_conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(conn_id=akeneo_conn_id, **kwargs)
        self._token_lock = threading.Lock()
        self._access_token: str | None = None
        self._refresh_token: str | None = None
        self._expires_at = 0.0
        # What token expiry is measured by: a test shares a controllable clock with its
        # sandbox, so renewal ahead of expiry is checked without racing a loaded machine.
        self.clock: Callable[[], float] = time.monotonic

    # -- auth ----------------------------------------------------------------------------
    def _client_auth_header(self) -> str:
        client_id = self.extras.get("client_id")
        client_secret = self.extras.get("client_secret")
        if not client_id or not client_secret:
            raise AirflowFailException(  # a configuration mistake: no retry mends it
                f"connection {self.http_conn_id!r} needs the extras client_id and client_secret"
            )
        raw = f"{client_id}:{client_secret}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    def _grant(self, body: dict[str, str]) -> None:
        try:
            response = self.request(
                "POST",
                TOKEN_PATH,
                json=body,
                headers={"Authorization": self._client_auth_header()},
                authenticated=False,
            )
        except ApiError as exc:
            if exc.status in (400, 401, 403, 422):
                raise CredentialsRefused(self.http_conn_id, exc) from None
            raise
        payload = shapes.check_object(
            response.json(), shapes.route("POST", TOKEN_PATH), ("access_token",)
        )
        self._access_token = payload["access_token"]
        self._refresh_token = payload.get("refresh_token")
        lifetime = float(payload.get("expires_in", 3600))
        # Renew ahead of expiry, by at most a minute and by at most a tenth of the lifetime
        # (a short-lived token must not be renewed before every call).
        self._expires_at = self.clock() + lifetime - min(RENEW_BEFORE_EXPIRY_S, lifetime / 10)

    def _authenticate(self) -> None:
        connection = self.connection
        if not connection.login or not connection.password:
            raise AirflowFailException(
                f"connection {self.http_conn_id!r} needs a login and a password"
            )
        self._grant(
            {
                "grant_type": "password",
                "username": connection.login,
                "password": connection.password,
            }
        )

    def _renew(self) -> None:
        """Refresh grant if we hold a refresh token, else (or if refused) a new password grant."""
        if self._refresh_token:
            try:
                self._grant({"grant_type": "refresh_token", "refresh_token": self._refresh_token})
                return
            except ApiError as exc:
                if exc.status not in (400, 401, 422):
                    raise
        self._authenticate()

    def auth_headers(self) -> dict[str, str]:
        with self._token_lock:
            if self._access_token is None:
                self._authenticate()
            elif self.clock() >= self._expires_at:
                self._renew()
            return {"Authorization": f"Bearer {self._access_token}"}

    def on_unauthorized(self, rejected: str | None = None) -> bool:
        # The token was revoked or expired early: renew it once and try again (unless
        # another thread renewed it meanwhile).
        with self._token_lock:
            if rejected is None or rejected == f"Bearer {self._access_token}":
                self._renew()
        return True

    # -- reading -------------------------------------------------------------------------
    def get_json(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        expect: Any = None,
        keys: tuple[str, ...] = (),
    ) -> Any:
        """The answer's JSON; with `expect` (list, dict or shapes.PAGE) checked to be of
        that shape, its objects holding `keys` (a mismatch: shapes.ShapeError)."""
        url = _api_path(path)
        answer = decode_json(self.request("GET", url, params=params))
        return shapes.check(answer, expect, shapes.route("GET", url), keys)

    def _page(
        self, url: str, params: dict[str, Any] | None, keys: tuple[str, ...] = ()
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of a list: its items and the next page's link (None: the last)."""
        payload = decode_json(self.request("GET", url, params=params))
        return shapes.check_page(payload, shapes.route("GET", url), keys)

    def iter_pages(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        read_ahead: bool = False,
        keys: tuple[str, ...] = (),
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield a list endpoint page by page, following `_links.next.href` to the end.

        The first call takes `params` (limit 100 unless set); later ones follow the link as
        Akeneo built it, whether it is absolute or relative.

        `read_ahead`: the next page is fetched (by one helper thread) while the caller
        works on the current one. Its link comes with the current page, so the order is
        Akeneo's and there is never more than one call in flight. For a caller that reads
        to the end: one that stops early has had one page more fetched than it used.

        Each page is checked to be Akeneo's envelope, its items objects holding `keys`
        (what the caller indexes); a mismatch raises shapes.ShapeError.
        """
        query = {"limit": PAGE_SIZE, **(params or {})}
        items, next_url = self._page(_api_path(path), query, keys)
        if not (read_ahead and next_url):
            yield items
            while next_url:
                items, next_url = self._page(next_url, None, keys)
                yield items
            return
        # The first page came on the caller's thread: a one-page list costs no thread.
        helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="akeneo-read-ahead")
        try:
            while True:
                pending = helper.submit(self._page, next_url, None, keys) if next_url else None
                yield items
                if pending is None:
                    return
                items, next_url = pending.result()
        finally:  # a caller that stopped early: the call in flight ends before we return
            helper.shutdown(wait=True, cancel_futures=True)

    def iter_items(
        self, path: str, params: dict[str, Any] | None = None, *, keys: tuple[str, ...] = ()
    ) -> Iterator[dict[str, Any]]:
        for page in self.iter_pages(path, params, keys=keys):
            yield from page

    def test_connection(self) -> tuple[bool, str]:
        """Used by the connection form's Test button."""
        try:
            self.get_json("/channels", {"limit": 1})
        except Exception as exc:  # the UI shows the message; ApiError carries no secret
            return False, str(exc)
        return True, "Connected to Akeneo: token granted and channels readable."


def _api_path(path: str) -> str:
    """'/products-uuid' → '/api/rest/v1/products-uuid'; full paths and URLs pass as they are."""
    if path.startswith(("http://", "https://", "/api/")):
        return path
    return API + "/" + path.lstrip("/")
