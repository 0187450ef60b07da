"""A static, read-only HTTP server for the staged media files, on 127.0.0.1.

CS-Cart takes product images by URL and fetches them itself. With object storage that a
shop can reach (a public bucket, a CDN: `PIMFLOW_MEDIA_BASE_URL`) nothing else is needed;
with `file://` staging on one machine, this server lets a shop on the same machine (the
CS-Cart sandbox, which fetches from 127.0.0.1 only) read the files. Whoever starts it stops
it (a context manager); it serves files under its root only, never directory listings.

    with MediaServer(Path("/srv/pimflow/staging/media")) as server:
        server.url  # http://127.0.0.1:PORT; a blob ab/abcdef… is at {url}/ab/abcdef…
"""

from __future__ import annotations

import logging
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class _Handler(SimpleHTTPRequestHandler):
    """GET and HEAD of files; directories, other methods and paths outside the root: 404/405."""

    protocol_version = "HTTP/1.1"

    def list_directory(self, path: Any) -> None:  # noqa: ARG002 - never list a folder
        self.send_error(404, "Not Found")
        return None

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.send_error(405, "Method Not Allowed")

    do_PUT = do_DELETE = do_PATCH = do_POST

    def guess_type(self, path: Any) -> str:
        # Blobs are named by their hash, without an extension: the shop sniffs the bytes.
        guessed = super().guess_type(path)
        return guessed or "application/octet-stream"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("media server: " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class MediaServer:
    """Serves `root` on host:port (127.0.0.1, a free port by default) in a daemon thread."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        handler = partial(_Handler, directory=str(self.root))
        self._httpd = _Server((host, port), handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> MediaServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="pimflow-media", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> MediaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
