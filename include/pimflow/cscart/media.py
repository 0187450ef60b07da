"""Where CS-Cart fetches product images from: URLs of the staged media files.

Media files are staged once, by content (`<staging>/media/ab/abcdef…`, see
pimflow.akeneo.media). A shop gets them by URL, in one of three ways:

1. `PIMFLOW_MEDIA_BASE_URL` (e.g. `https://cdn.example.com/pimflow/media`): the media
   folder is published there (a public bucket, a CDN, a web server); the URL of a blob is
   `<base>/ab/abcdef…`.
2. Object storage that can sign URLs (`s3://…`): a presigned GET URL per file, valid for
   `PIMFLOW_MEDIA_URL_EXPIRY` seconds (default a day).
3. `file://` staging and no base URL: a MediaServer on 127.0.0.1 for the duration of the
   upload, which only a shop on the same machine can reach (the sandbox, a local shop).

URLs differ between runs (ports, signatures); change detection hashes the content, so an
image is sent again only when its file changed.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

BASE_URL_ENV = "PIMFLOW_MEDIA_BASE_URL"
EXPIRY_ENV = "PIMFLOW_MEDIA_URL_EXPIRY"


class MediaUrls:
    """Turns a staged media row (sha256, path) into a URL the shop can fetch."""

    def __init__(self, base_url: str | None = None, signer: Any = None) -> None:
        self.base_url = base_url.rstrip("/") if base_url else None
        self.signer = signer  # an fsspec filesystem with sign(path, expiration)
        self.expiry = int(os.environ.get(EXPIRY_ENV) or 86400)

    def url(self, sha256: str, path: str) -> str:
        if self.base_url:
            return f"{self.base_url}/{sha256[:2]}/{sha256}"
        if self.signer is not None:
            protocol, _, key = path.partition("://")  # s3://bucket/key -> bucket/key
            try:
                return self.signer.sign(key or path, expiration=self.expiry)
            except NotImplementedError:
                raise RuntimeError(
                    f"{protocol}:// media cannot be signed: set {BASE_URL_ENV} to where the "
                    "media folder is published"
                ) from None
        raise RuntimeError("no way to give the shop a URL for media files")


class PlaceholderUrls:
    """Media URLs for a dry run: never fetched (no product is written), and only their
    content hash enters change detection."""

    def url(self, sha256: str, path: str) -> str:
        return f"https://dry-run.invalid/media/{sha256[:2]}/{sha256}"


@contextlib.contextmanager
def media_urls(root: Any = None, dry_run: bool = False) -> Iterator[Any]:
    """The URL builder for this run's media root (an ObjectStoragePath; staging's by
    default), starting a local MediaServer for file:// storage when no base URL is set.
    A dry run sends no image, so it needs no URL anyone could fetch: no server."""
    if dry_run:
        yield PlaceholderUrls()
        return
    base = os.environ.get(BASE_URL_ENV)
    if base:
        yield MediaUrls(base_url=base)
        return
    if root is None:
        from pimflow.akeneo.media import media_root

        root = media_root()
    protocol = getattr(root, "protocol", "file") or "file"
    if isinstance(protocol, (tuple, list)):
        protocol = protocol[0]
    if protocol not in ("file", "local"):
        yield MediaUrls(signer=root.fs)
        return
    from pimflow.media_server import MediaServer

    with MediaServer(Path(root.path)) as server:
        log.warning(
            "serving media from %s on %s: only a shop on this machine can fetch it; set %s "
            "for a shop elsewhere",
            root.path,
            server.url,
            BASE_URL_ENV,
        )
        yield MediaUrls(base_url=server.url)
