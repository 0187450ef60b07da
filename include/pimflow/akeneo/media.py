"""The media stage: product, asset and record media files, downloaded once.

Files are streamed into object storage under their content hash (`media/ab/abcdef…`), so
identical files are kept once however many codes point to them. Akeneo never changes the
content behind a media file code, so a code found in the state store's manifest, whose
file is still in storage, is not downloaded again: a second pass downloads 0 bytes.

What is in storage is learnt from one listing of the media root per run (StoredBlobs), not
one existence check per file: on object storage each check is a round trip. A blob deleted
from storage is missing from the listing, so its codes are downloaded again.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import threading
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

from airflow.sdk import ObjectStoragePath

from pimflow.akeneo.datasets import (
    ASSET_FAMILY_ATTRIBUTES,
    ASSETS,
    MEDIA,
    RECORDS,
    REFERENCE_ENTITY_ATTRIBUTES,
)
from pimflow.akeneo.linked import MEDIA_TYPES, referenced_codes
from pimflow.hooks.akeneo import AkeneoHook
from pimflow.staging import ChunkWriter, read_rows, staging_root
from pimflow.state import StateStore
from pimflow.threads import in_order

log = logging.getLogger(__name__)

DOWNLOAD_PATHS = {
    "product": "/api/rest/v1/media-files/{code}/download",
    "asset": "/api/rest/v1/asset-media-files/{code}",
    "record": "/api/rest/v1/reference-entities-media-files/{code}",
}
CHUNK = 1 << 20
MANIFEST_BATCH = 500
DOWNLOADS_AHEAD = 4  # per thread: files submitted ahead (memory flat with the catalog)
INCOMING = "incoming"  # the media root's folder of downloads not yet under their hash


def media_root() -> ObjectStoragePath:
    return staging_root() / "media"


def blob_path(sha256: str) -> ObjectStoragePath:
    return media_root() / sha256[:2] / sha256


def _codes_by_kind(folder: ObjectStoragePath) -> dict[str, set[str]]:
    """Every media code the run's products, assets and records point to."""
    codes: dict[str, set[str]] = {"product": set(), "asset": set(), "record": set()}
    for group_codes in referenced_codes(folder, "media").values():
        codes["product"].update(group_codes)
    for dataset, kind, owner in (
        (ASSET_FAMILY_ATTRIBUTES, "asset", "asset_family"),
        (REFERENCE_ENTITY_ATTRIBUTES, "record", "reference_entity"),
    ):
        media_attributes = {
            (row[owner], row["code"])
            for row in read_rows(folder, dataset)
            if row["type"] in MEDIA_TYPES
        }
        items = ASSETS if kind == "asset" else RECORDS
        for row in read_rows(folder, items, (owner, "values")):
            for attribute, entries in (row["values"] or {}).items():
                if (row[owner], attribute) in media_attributes:
                    codes[kind].update(entry["data"]["code"] for entry in entries)
    return codes


def _filename(code: str, response_headers: dict[str, str]) -> str:
    disposition = response_headers.get("Content-Disposition", "")
    if "filename=" in disposition:
        return disposition.split("filename=", 1)[1].strip().strip('"')
    # Akeneo codes end with "<hash>_<original name>"
    tail = code.rsplit("/", 1)[-1]
    return tail.split("_", 1)[1] if "_" in tail else tail


class StoredBlobs:
    """The content hashes in storage: one listing of the media root when made, then kept
    up to date as downloads land, so no file costs an existence check. Thread-safe.

    Downloads are written and moved with the root's fsspec filesystem and plain paths: the
    ObjectStoragePath layer parses and rebuilds a path for each step, which cost a
    download thread as much CPU as the move itself."""

    def __init__(self, root: ObjectStoragePath | None = None) -> None:
        root = root if root is not None else media_root()
        self.fs = root.fs
        self.base = root.path.rstrip("/")
        self._url = str(root).rstrip("/")  # with its protocol (and connection), for the rows
        self._lock = threading.Lock()
        self._hashes = set(_listed_hashes(self.fs, self.base))
        self._folders = {sha[:2] for sha in self._hashes}  # shard folders known to exist
        self._incoming_ready = False

    def url(self, sha256: str) -> str:
        """str(blob_path(sha256)), without building a path per file (most of the stage's
        main thread when each row made its own)."""
        return f"{self._url}/{sha256[:2]}/{sha256}"

    def __contains__(self, sha256: str) -> bool:
        with self._lock:
            return sha256 in self._hashes

    def incoming(self) -> str:
        """A new temporary path for a download (its folder made once per run)."""
        folder = f"{self.base}/{INCOMING}"
        with self._lock:
            if not self._incoming_ready:
                self.fs.makedirs(folder, exist_ok=True)
                self._incoming_ready = True
        return f"{folder}/{uuid.uuid4().hex}"

    def keep(self, temporary: str, sha256: str) -> None:
        """Move a finished download under its hash, or drop it if that content is stored."""
        folder = f"{self.base}/{sha256[:2]}"
        with self._lock:
            stored = sha256 in self._hashes
            # The shard folder is made under the lock: a thread that finds it listed moves
            # its file there at once, so the folder must exist before it is listed.
            if not stored and sha256[:2] not in self._folders:
                self.fs.makedirs(folder, exist_ok=True)
                self._folders.add(sha256[:2])
        if stored:
            self.fs.rm(temporary)
            return
        # Two threads downloading the same content both move it: the second replaces the
        # first with the same bytes, which is harmless.
        self.fs.mv(temporary, f"{folder}/{sha256}")
        with self._lock:
            self._hashes.add(sha256)


def _listed_hashes(fs: Any, base: str) -> Iterable[str]:
    """The hash-named files in the media root's shard folders (fsspec `find`: one
    recursive listing, paged by the store, however many files there are)."""
    try:
        paths = fs.find(base)
    except FileNotFoundError:  # no media stored yet
        return
    for path in paths:
        parts = path[len(base) :].strip("/").split("/")
        if len(parts) == 2 and parts[0] != INCOMING and parts[1].startswith(parts[0]):
            yield parts[1]


def download(hook: AkeneoHook, kind: str, code: str, blobs: StoredBlobs) -> dict[str, Any]:
    """Stream one file into storage under its hash; return its manifest entry."""
    path = DOWNLOAD_PATHS[kind].format(code=quote(code, safe="/"))
    response = hook.request("GET", path, stream=True)
    digest = hashlib.sha256()
    size = 0
    temporary = blobs.incoming()
    try:
        with blobs.fs.open(temporary, "wb") as handle:
            for block in response.iter_content(CHUNK):
                digest.update(block)
                size += len(block)
                handle.write(block)
    finally:
        response.close()
    sha = digest.hexdigest()
    blobs.keep(temporary, sha)
    filename = _filename(code, dict(response.headers))
    mime = (response.headers.get("Content-Type") or "").split(";")[0].strip()
    if not mime or mime == "application/octet-stream":
        mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return {"sha256": sha, "size": size, "mime_type": mime, "filename": filename}


def extract_media(hook: AkeneoHook, folder: ObjectStoragePath, store: StateStore) -> dict[str, Any]:
    """Download what is not in storage yet; stage the manifest of every file the run uses."""
    source = hook.base
    summary = {"files": 0, "downloaded": 0, "bytes_downloaded": 0, "reused": 0, "failed": []}
    blobs = StoredBlobs()
    with ChunkWriter(folder, MEDIA) as writer:
        for kind, codes in _codes_by_kind(folder).items():
            known = store.media(source, kind, codes)
            # Trust the manifest where storage still has the file (deleted blobs: again).
            wanted = sorted(c for c in codes if c not in known or known[c]["sha256"] not in blobs)
            for code in sorted(set(codes) - set(wanted)):
                summary["reused"] += 1
                writer.add(_row(kind, code, known[code], blobs))

            def fetch(code: str, kind: str = kind) -> tuple[str, dict[str, Any] | None, str]:
                try:
                    return code, download(hook, kind, code, blobs), ""
                except Exception as exc:  # reported per file; the other files go on
                    return code, None, str(exc)

            downloaded: dict[str, dict[str, Any]] = {}
            with ThreadPoolExecutor(max_workers=hook.max_concurrency) as pool:
                for code, info, error in in_order(
                    pool, fetch, wanted, DOWNLOADS_AHEAD * hook.max_concurrency
                ):
                    if info is None:
                        log.warning("media %s %s: %s", kind, code, error)
                        summary["failed"].append({"kind": kind, "code": code, "reason": error})
                        continue
                    summary["downloaded"] += 1
                    summary["bytes_downloaded"] += info["size"]
                    writer.add(_row(kind, code, info, blobs))
                    downloaded[code] = info
                    if len(downloaded) >= MANIFEST_BATCH:  # one commit per batch, not per file
                        store.save_media(source, kind, downloaded)
                        downloaded = {}
            store.save_media(source, kind, downloaded)
    summary["files"] = writer.count
    return summary


def _row(kind: str, code: str, info: dict[str, Any], blobs: StoredBlobs) -> dict[str, Any]:
    return {"kind": kind, "code": code, **info, "path": blobs.url(info["sha256"])}
