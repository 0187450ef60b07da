"""Product images: what a request asks for, fetching it, and recognising what arrived.

CS-Cart downloads an image given by URL (`main_pair.detailed.image_path`, or `image_url`)
and stores its own copy. The sandbox does the same but fetches from this machine only
(127.0.0.1, localhost, ::1): a URL on any other host is refused before anything is written,
so a test can never reach the internet through the shop.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import re
import ssl
import struct
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from pimflow_sandbox.cscart.values import InvalidValue, to_int

ALLOWED_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 3
FETCH_TIMEOUT = 10.0


class ImageFetchError(Exception):
    """The image could not be had: CS-Cart then keeps the product and drops the image."""


@dataclass(frozen=True)
class ImageSource:
    url: str
    alt: str


@dataclass(frozen=True)
class PairRequest:
    """One image pair as asked: the full image (`detailed`) and an optional thumbnail (`icon`)."""

    detailed: ImageSource | None
    icon: ImageSource | None
    position: int


@dataclass(frozen=True)
class ImagesRequest:
    """What a product write says about images; None means the key was not sent at all.

    Sending `main_pair` replaces the main image (an empty one removes it); sending
    `image_pairs` replaces every additional image, as CS-Cart's `prepareImages` does.
    """

    main: PairRequest | None
    main_sent: bool
    additional: list[PairRequest] | None

    @property
    def sources(self) -> list[ImageSource]:
        pairs = ([self.main] if self.main else []) + list(self.additional or [])
        found: list[ImageSource] = []
        for pair in pairs:
            found.extend(source for source in (pair.detailed, pair.icon) if source)
        return found


@dataclass(frozen=True)
class FetchedImage:
    source_url: str
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int
    filename: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def check_url(url: str) -> str:
    """The URL if the sandbox may fetch it; InvalidValue (a 400) otherwise."""
    if "://" not in url:
        raise InvalidValue(
            f"image path {url!r} is a file on the shop's server; the sandbox has no such "
            "files: give an http(s) URL on 127.0.0.1 or localhost"
        )
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidValue(f"image URL scheme {parts.scheme!r} is not supported")
    host = (parts.hostname or "").lower()
    if host not in ALLOWED_HOSTS:
        raise InvalidValue(
            f"image host {host or '(none)'!r} is refused: the sandbox fetches images from "
            "127.0.0.1 and localhost only"
        )
    return url


def _source(node: Any) -> ImageSource | None:
    if not isinstance(node, dict):
        return None
    url = ""
    for key in ("image_path", "image_url", "absolute_path"):
        value = node.get(key)
        if isinstance(value, str) and value.strip():
            url = value.strip()
            break
    if not url:
        return None
    alt = node.get("alt")
    return ImageSource(check_url(url), alt if isinstance(alt, str) else "")


def _pair(node: Any, default_position: int) -> PairRequest:
    if not isinstance(node, dict):
        return PairRequest(None, None, default_position)
    position = node.get("position")
    return PairRequest(
        detailed=_source(node.get("detailed")),
        icon=_source(node.get("icon")),
        position=to_int("position", position) if position not in (None, "") else default_position,
    )


def parse_images(data: dict[str, Any]) -> ImagesRequest:
    """Read `main_pair` and `image_pairs` from a product body (refusing foreign hosts)."""
    main_sent = "main_pair" in data and data["main_pair"] is not None
    main = _pair(data["main_pair"], 0) if main_sent else None
    additional: list[PairRequest] | None = None
    if "image_pairs" in data and data["image_pairs"] is not None:
        raw = data["image_pairs"]
        items = list(raw.values()) if isinstance(raw, dict) else raw
        if not isinstance(items, list):
            raise InvalidValue("field 'image_pairs' must be an object of image pairs")
        additional = [_pair(item, index) for index, item in enumerate(items)]
    return ImagesRequest(main=main, main_sent=main_sent, additional=additional)


def fetch(url: str, timeout: float = FETCH_TIMEOUT) -> FetchedImage:
    """Download an image from this machine; redirects are followed to allowed hosts only."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        check_url(current)
        status, headers, body = _get(current, timeout)
        if status in (301, 302, 303, 307, 308) and headers.get("location"):
            location = headers["location"]
            if location.startswith("/"):
                parts = urlsplit(current)
                location = f"{parts.scheme}://{parts.netloc}{location}"
            try:
                current = check_url(location)
            except InvalidValue as exc:
                raise ImageFetchError(f"redirected to a refused location: {exc}") from exc
            continue
        if status != 200:
            raise ImageFetchError(f"HTTP {status} from {_safe(current)}")
        kind = sniff(body)
        if kind is None:
            raise ImageFetchError(f"{_safe(current)} did not return an image")
        content_type, extension, width, height = kind
        return FetchedImage(
            source_url=url,
            data=body,
            content_type=content_type,
            extension=extension,
            width=width,
            height=height,
            filename=_filename(current, extension),
        )
    raise ImageFetchError(f"too many redirects from {_safe(url)}")


def _get(url: str, timeout: float) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    headers = {"User-Agent": "pimflow-sandbox-cscart", "Accept": "image/*, */*"}
    if parts.username is not None:
        token = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        headers["Authorization"] = "Basic " + base64.b64encode(token.encode()).decode("ascii")
    connection: http.client.HTTPConnection
    if parts.scheme.lower() == "https":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # a local test server's self-signed certificate
        connection = http.client.HTTPSConnection(host, parts.port, timeout=timeout, context=context)
    else:
        connection = http.client.HTTPConnection(host, parts.port, timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("GET", target, headers=headers)
        response = connection.getresponse()
        body = response.read(MAX_IMAGE_BYTES + 1)
        if len(body) > MAX_IMAGE_BYTES:
            raise ImageFetchError(f"{_safe(url)} is larger than {MAX_IMAGE_BYTES} bytes")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    except (OSError, http.client.HTTPException) as exc:
        raise ImageFetchError(f"cannot fetch {_safe(url)}: {exc.__class__.__name__}") from exc
    finally:
        connection.close()


def _safe(url: str) -> str:
    """The URL without user:password, fit for logs and messages."""
    parts = urlsplit(url)
    if parts.username is None:
        return url
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return parts._replace(netloc=netloc).geturl()


def _filename(url: str, extension: str) -> str:
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "image"
    stem, dot, ext = name.rpartition(".")
    if not dot or ext.lower() not in _EXTENSIONS:
        name = f"{name}.{extension}"
    return name


_EXTENSIONS = {"jpg", "jpeg", "png", "gif", "webp", "bmp", "svg"}


def sniff(data: bytes) -> tuple[str, str, int, int] | None:
    """(content type, extension, width, height) of an image, from its bytes; None if not one."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", "png", width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "image/gif", "gif", width, height
    if data.startswith(b"\xff\xd8"):
        size = _jpeg_size(data)
        if size:
            return "image/jpeg", "jpg", size[0], size[1]
        return None
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        size = _webp_size(data)
        if size:
            return "image/webp", "webp", size[0], size[1]
        return None
    if data[:2] == b"BM" and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return "image/bmp", "bmp", abs(width), abs(height)
    head = data[:2048].lstrip()
    if head.startswith(b"<?xml") or head.startswith(b"<svg") or b"<svg" in head[:512]:
        if b"<svg" not in head:
            return None
        return ("image/svg+xml", "svg", *_svg_size(head))
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            index += 1
            continue
        marker = data[index + 1]
        if marker == 0xFF:
            index += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        (length,) = struct.unpack(">H", data[index + 2 : index + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return width, height
        index += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _svg_size(head: bytes) -> tuple[int, int]:
    tag = head[head.find(b"<svg") :].split(b">", 1)[0].decode("utf-8", "replace")
    sizes = []
    for attribute in ("width", "height"):
        found = re.search(rf'\b{attribute}\s*=\s*["\']\s*([0-9.]+)', tag)
        sizes.append(int(float(found.group(1))) if found else 0)
    return sizes[0], sizes[1]
