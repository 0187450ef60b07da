"""POST /api/_action/media/{id}/upload: binary bodies and URLs, and what the media shows after."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading

import pytest
from PIL import Image

from .conftest import assert_error, uid


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30), colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture
def media(api):
    def make(name: str) -> str:
        api.upsert("media", {"id": uid(name), "alt": name}).raise_for_status()
        return uid(name)

    return make


def upload(api, media_id: str, content: bytes, content_type: str, **params: str):
    return api.http.post(
        f"{api.base}/api/_action/media/{media_id}/upload",
        params=params,
        data=content,
        headers=api.headers({"Content-Type": content_type}),
    )


@pytest.fixture
def file_server():
    """A local web server, the only kind of host the sandbox fetches from."""
    files = {"/front.jpg": image_bytes("JPEG", (64, 48), "blue")}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            content = files.get(self.path)
            self.send_response(200 if content else 404)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(content or b"")))
            self.end_headers()
            self.wfile.write(content or b"")

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", files
    httpd.shutdown()
    httpd.server_close()


def test_binary_upload_keeps_hash_size_and_type(api, media):
    media_id = media("front")
    content = image_bytes("PNG", (40, 30))
    response = upload(api, media_id, content, "image/png", extension="png", fileName="front-shot")
    assert response.status_code == 204, response.text
    assert response.headers["Location"].endswith(f"/api/media/{media_id}")
    stored = api.one("media", media_id)
    assert stored["fileHash"] == hashlib.sha256(content).hexdigest()
    assert stored["fileSize"] == len(content)
    assert stored["mimeType"] == "image/png"
    assert stored["fileExtension"] == "png" and stored["fileName"] == "front-shot"
    assert stored["metaData"]["width"] == 40 and stored["metaData"]["height"] == 30
    assert stored["hasFile"] is True and stored["uploadedAt"]
    assert stored["mediaType"]["name"] == "IMAGE"
    downloaded = api.http.get(stored["url"])
    assert downloaded.status_code == 200 and downloaded.content == content


def test_upload_by_url_from_this_machine(api, media, file_server):
    base, files = file_server
    media_id = media("by-url")
    response = api.call(
        "POST",
        f"/api/_action/media/{media_id}/upload?extension=jpg&fileName=from-url",
        {"url": f"{base}/front.jpg"},
    )
    assert response.status_code == 204, response.text
    stored = api.one("media", media_id)
    assert stored["fileHash"] == hashlib.sha256(files["/front.jpg"]).hexdigest()
    assert stored["mimeType"] == "image/jpeg"
    assert (stored["metaData"]["width"], stored["metaData"]["height"]) == (64, 48)
    missing = api.call(
        "POST", f"/api/_action/media/{media_id}/upload?extension=jpg", {"url": f"{base}/nope.jpg"}
    )
    assert_error(missing, 400, "CONTENT__MEDIA_CANNOT_OPEN_SOURCE_STREAM_TO_READ")


def test_upload_by_url_refuses_other_hosts(api, media):
    media_id = media("remote")
    for url in ("http://example.com/a.jpg", "http://10.0.0.8/a.jpg", "https://192.168.1.2/x.png"):
        response = api.call(
            "POST", f"/api/_action/media/{media_id}/upload?extension=jpg", {"url": url}
        )
        assert_error(response, 400, "CONTENT__MEDIA_ILLEGAL_URL")
    bad = api.call(
        "POST", f"/api/_action/media/{media_id}/upload?extension=jpg", {"url": "ftp://127.0.0.1/a"}
    )
    assert_error(bad, 400, "CONTENT__MEDIA_INVALID_URL")
    assert api.one("media", media_id)["hasFile"] is False


def test_upload_errors(api, media):
    media_id = media("err")
    content = image_bytes()
    no_extension = upload(api, media_id, content, "image/png")
    assert_error(no_extension, 400, "CONTENT__MEDIA_MISSING_FILE_EXTENSION")
    unknown = upload(api, uid("no-such-media"), content, "image/png", extension="png")
    assert_error(unknown, 404, "CONTENT__MEDIA_NOT_FOUND")
    empty = upload(api, media_id, b"", "image/png", extension="png")
    assert_error(empty, 400, "CONTENT__MEDIA_EMPTY_FILE")
    upload(api, media_id, content, "image/png", extension="png", fileName="same").raise_for_status()
    other = media("other")
    duplicate = upload(api, other, content, "image/png", extension="png", fileName="same")
    assert_error(duplicate, 400, "CONTENT__MEDIA_DUPLICATED_FILE_NAME")
    # re-uploading to the same media under its own name replaces the file
    replaced = upload(
        api, media_id, image_bytes(colour="green"), "image/png", extension="png", fileName="same"
    )
    assert replaced.status_code == 204
    written = api.upsert("media", {"id": media_id, "fileSize": 3})
    assert_error(written, 400, "FRAMEWORK__WRITE_CONSTRAINT_VIOLATION", "/write-media/0/fileSize")


def test_product_media_with_uploaded_file(api, product, media):
    media_id = media("packshot")
    upload(
        api, media_id, image_bytes(), "image/png", extension="png", fileName="packshot"
    ).raise_for_status()
    api.upsert(
        "product",
        product(
            "PM-1",
            media=[{"id": uid("pm-1"), "mediaId": media_id, "position": 0}],
            coverId=uid("pm-1"),
        ),
    ).raise_for_status()
    found = api.search(
        "product", {"ids": [uid("PM-1")], "associations": {"media": {}, "cover": {}}}
    )["data"][0]
    assert found["media"][0]["media"]["fileName"] == "packshot"
    assert found["cover"]["media"]["url"].endswith("/packshot.png")
    deleted = api.sync(
        {"d": {"entity": "media", "action": "delete", "payload": [{"id": media_id}]}}
    )
    assert deleted.json()["deleted"]["product_media"] == [uid("pm-1")]
    assert api.one("product", uid("PM-1"))["coverId"] is None
