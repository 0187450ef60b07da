"""The hook's read-ahead (`iter_pages(read_ahead=True)`), against a scripted list endpoint:
the next page is asked for while the caller holds the current one, pages come in
Akeneo's order, and one task never has two calls in flight."""

from __future__ import annotations

import json
import threading
import time

import pytest

from pimflow.hooks.akeneo import AkeneoHook
from pimflow.hooks.base import ApiError
from pimflow.sandboxes import akeneo_sandbox_connection
from pimflow_sandbox.server import HttpError, Request, Response, SandboxApp, SandboxServer

PAGES = 6


class CountingList(SandboxApp):
    """A list of PAGES pages that records the order pages were asked for and the most
    calls it ever served at once; each page takes a moment, so overlapping calls meet."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[int] = []
        self.requested = {page: threading.Event() for page in range(1, PAGES + 1)}
        self.in_flight = self.peak_in_flight = 0
        self.fail_page: int | None = None
        self._lock = threading.Lock()
        self.add_route("POST", "/api/oauth/v1/token", self.token, public=True)
        self.add_route("GET", "/api/rest/v1/things", self.things)

    def token(self, request: Request) -> Response:
        return Response.json({"access_token": "t", "expires_in": 3600, "token_type": "bearer"})

    def authenticate(self, request: Request) -> None:
        if request.bearer_token != "t":
            raise HttpError(401, "The access token provided is invalid.")

    def things(self, request: Request) -> Response:
        page = int(request.arg("page", "1"))
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            self.asked.append(page)
        self.requested[page].set()
        try:
            time.sleep(0.02)  # long enough for a second call, were one sent, to overlap
            if page == self.fail_page:
                raise HttpError(404, "scripted")
            links = {"self": {"href": f"/api/rest/v1/things?page={page}"}}
            if page < PAGES:
                links["next"] = {"href": f"/api/rest/v1/things?page={page + 1}"}
            items = [{"page": page, "n": n} for n in range(3)]
            return Response.json({"_links": links, "_embedded": {"items": items}})
        finally:
            with self._lock:
                self.in_flight -= 1


@pytest.fixture
def counting(monkeypatch):
    app = CountingList()
    with SandboxServer(app) as server:
        connection = akeneo_sandbox_connection(server.url)
        monkeypatch.setenv("AIRFLOW_CONN_AKENEO_AHEAD", json.dumps(connection))
        hook = AkeneoHook("akeneo_ahead")
        yield app, hook
        hook.close()


def test_the_next_page_is_asked_for_while_the_caller_holds_the_current_one(counting):
    app, hook = counting
    seen = []
    for page in hook.iter_pages("/things", read_ahead=True):
        number = page[0]["page"]
        seen.append(number)
        if number < PAGES:  # the helper asks for the next page without waiting for us
            assert app.requested[number + 1].wait(timeout=30)
    assert seen == list(range(1, PAGES + 1))
    assert app.asked == list(range(1, PAGES + 1))  # each page once, in Akeneo's order
    assert app.peak_in_flight == 1
    assert hook.calls["GET /api/rest/v1/things"] == PAGES


def test_read_ahead_gives_what_a_plain_read_gives(counting):
    app, hook = counting
    plain = list(hook.iter_pages("/things"))
    ahead = list(hook.iter_pages("/things", read_ahead=True))
    assert ahead == plain and len(plain) == PAGES
    assert app.peak_in_flight == 1


def test_a_caller_that_stops_early_leaves_no_call_running(counting):
    app, hook = counting
    pages = hook.iter_pages("/things", read_ahead=True)
    assert next(pages)[0]["page"] == 1
    pages.close()  # page 2 was in flight: close waits for it, and asks for nothing more
    assert app.asked == [1, 2]
    assert app.in_flight == 0
    time.sleep(0.1)  # a helper still running would ask for page 3 meanwhile
    assert app.asked == [1, 2]


def test_an_error_on_a_page_read_ahead_reaches_the_caller_after_the_pages_before(counting):
    app, hook = counting
    app.fail_page = 3
    seen = []
    with pytest.raises(ApiError) as error:
        for page in hook.iter_pages("/things", read_ahead=True):
            seen.append(page[0]["page"])
    assert seen == [1, 2]
    assert error.value.status == 404
    assert app.asked == [1, 2, 3]


def test_two_downloads_into_a_new_shard_folder_both_land(tmp_path, monkeypatch):
    """The second of two threads keeping files in a shard folder the first is still making
    moved its file into a folder not there yet (FileNotFoundError, a file failed)."""
    import threading

    from airflow.sdk import ObjectStoragePath

    from pimflow.akeneo.media import StoredBlobs

    blobs = StoredBlobs(ObjectStoragePath(f"file://{tmp_path}/media"))
    made = threading.Event()
    real_makedirs = blobs.fs.makedirs

    def slow_makedirs(path, exist_ok=False):  # noqa: ANN001, ANN202
        if path.endswith("/ab"):
            made.wait(timeout=2)  # the other thread's keep runs meanwhile (if it can)
        return real_makedirs(path, exist_ok=exist_ok)

    monkeypatch.setattr(blobs.fs, "makedirs", slow_makedirs)
    first, second = blobs.incoming(), blobs.incoming()
    for name in (first, second):
        blobs.fs.pipe_file(name, b"x")
    errors: list[BaseException] = []

    def keep(name: str, sha: str) -> None:
        try:
            blobs.keep(name, sha)
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)
        finally:
            made.set()

    one = threading.Thread(target=keep, args=(first, "ab" + "1" * 62))
    one.start()
    keep(second, "ab" + "2" * 62)
    one.join()
    assert errors == []
    assert "ab" + "1" * 62 in blobs and "ab" + "2" * 62 in blobs
    assert sorted(p.name for p in (tmp_path / "media" / "ab").iterdir()) == [
        "ab" + "1" * 62,
        "ab" + "2" * 62,
    ]
