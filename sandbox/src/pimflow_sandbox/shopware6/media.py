"""What the upload endpoint needs besides the store: recognising a file's type and size from
its bytes, and fetching a file by URL — from this machine only, as a sandbox must.
"""

from __future__ import annotations

import ipaddress
import mimetypes
import struct
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from pimflow_sandbox.shopware6.errors import ApiError

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
MAX_FETCH_BYTES = 64 * 1024 * 1024
# FileSaver refuses executable and script extensions.
BLOCKED_EXTENSIONS = {"php", "php3", "php4", "php5", "phtml", "phar", "pht", "cgi", "exe", "sh"}

_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
]


def sniff_mime(content: bytes) -> str | None:
    for magic, mime in _MAGIC:
        if content.startswith(magic):
            return mime
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    head = content[:256].lstrip()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in content[:1024]):
        return "image/svg+xml"
    return None


def mime_for(content: bytes, extension: str, declared: str | None) -> str:
    """The file's own type if its bytes say it, else the declared type, else the extension's."""
    sniffed = sniff_mime(content)
    if sniffed:
        return sniffed
    declared = (declared or "").split(";")[0].strip().lower()
    if declared and declared not in ("application/octet-stream", "application/json"):
        return declared
    guessed, _ = mimetypes.guess_type(f"file.{extension}")
    return guessed or "application/octet-stream"


def image_meta(content: bytes, mime: str) -> dict[str, Any] | None:
    """Width and height from the image header (Shopware's `metaData`), None for non-images."""
    size = None
    try:
        if mime == "image/png" and len(content) >= 24:
            size = struct.unpack(">II", content[16:24])
        elif mime == "image/gif" and len(content) >= 10:
            size = struct.unpack("<HH", content[6:10])
        elif mime == "image/jpeg":
            size = _jpeg_size(content)
        elif mime == "image/webp":
            size = _webp_size(content)
    except struct.error:
        size = None
    if not size:
        return None
    width, height = size
    return {"width": width, "height": height, "type": {"image/png": 3, "image/gif": 1}.get(mime, 2)}


def _jpeg_size(content: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(content):
        if content[index] != 0xFF:
            index += 1
            continue
        marker = content[index + 1]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE):
            height, width = struct.unpack(">HH", content[index + 5 : index + 9])
            return width, height
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        (length,) = struct.unpack(">H", content[index + 2 : index + 4])
        index += 2 + length
    return None


def _webp_size(content: bytes) -> tuple[int, int] | None:
    chunk = content[12:16]
    if chunk == b"VP8X" and len(content) >= 30:
        width = 1 + int.from_bytes(content[24:27], "little")
        height = 1 + int.from_bytes(content[27:30], "little")
        return width, height
    if chunk == b"VP8 " and len(content) >= 30:
        width, height = struct.unpack("<HH", content[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(content) >= 25:
        bits = int.from_bytes(content[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def media_type(mime: str) -> dict[str, Any]:
    major = mime.split("/")[0]
    name = {"image": "IMAGE", "video": "VIDEO", "audio": "AUDIO"}.get(major)
    if name is None:
        name = "DOCUMENT" if mime in ("application/pdf", "text/plain") else "BINARY"
    flags = []
    if mime == "image/svg+xml":
        flags.append("image/vector-graphic")
    return {
        "name": name,
        "flags": flags,
        "extensions": [],
        "apiAlias": f"media_type_{name.lower()}",
    }


class _LocalOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def check_url(url: Any) -> str:
    """Refuse what is not an http(s) URL on this machine (the sandbox never leaves it)."""
    if not isinstance(url, str) or not url:
        raise ApiError.single(
            400, "CONTENT__MEDIA_MISSING_URL_PARAMETER", "Parameter url is missing."
        )
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ApiError.single(
            400,
            "CONTENT__MEDIA_INVALID_URL",
            f'Provided URL "{url}" is invalid.',
            parameters={"url": url},
        )
    host = parts.hostname.lower()
    local = host in LOCAL_HOSTS
    if not local:
        try:
            local = ipaddress.ip_address(host).is_loopback
        except ValueError:
            local = False
    if not local:
        raise ApiError.single(
            400,
            "CONTENT__MEDIA_ILLEGAL_URL",
            f'Provided URL "{url}" is not allowed.',
            parameters={"url": url},
        )
    return url


def fetch(url: Any, timeout: float = 15.0) -> tuple[bytes, str | None]:
    """Download a file from 127.0.0.1/localhost; never through a proxy."""
    checked = check_url(url)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _LocalOnlyRedirects())
    try:
        with opener.open(checked, timeout=timeout) as response:  # noqa: S310 - scheme checked
            content = response.read(MAX_FETCH_BYTES + 1)
            declared = response.headers.get("Content-Type")
    except ApiError:
        raise
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ApiError.single(
            400,
            "CONTENT__MEDIA_CANNOT_OPEN_SOURCE_STREAM_TO_READ",
            f"Cannot open source stream to read from {checked}.",
            parameters={"url": checked, "reason": type(exc).__name__},
        ) from exc
    if len(content) > MAX_FETCH_BYTES:
        raise ApiError.single(
            400,
            "CONTENT__MEDIA_FILE_SIZE_LIMIT_EXCEEDED",
            "Source file exceeds maximum file size limit.",
        )
    return content, declared
