"""Media URLs for the shop: a published base URL, presigned URLs, or a local server."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

import pytest
import requests

from pimflow.cscart.media import MediaUrls, media_urls
from pimflow.media_server import MediaServer


@pytest.fixture
def media_root(tmp_path):
    root = tmp_path / "media"
    data = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    sha = hashlib.sha256(data).hexdigest()
    (root / sha[:2]).mkdir(parents=True)
    (root / sha[:2] / sha).write_bytes(data)
    (tmp_path / "secret.txt").write_text("not for the shop")
    return SimpleNamespace(path=str(root), protocol="file", sha=sha, data=data)


def test_the_media_server_serves_files_under_its_root_only_and_stops(media_root):
    with MediaServer(media_root.path) as server:
        assert server.url.startswith("http://127.0.0.1:")
        sha = media_root.sha
        response = requests.get(f"{server.url}/{sha[:2]}/{sha}", timeout=30)
        assert response.status_code == 200 and response.content == media_root.data
        for path in ("/", f"/{sha[:2]}/", "/../secret.txt", "/%2e%2e/secret.txt", "/nope"):
            answer = requests.get(server.url + path, timeout=30)
            assert answer.status_code == 404, path
            assert b"not for the shop" not in answer.content
        assert requests.post(f"{server.url}/{sha[:2]}/{sha}", timeout=30).status_code == 405
        url = server.url
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=2)


def test_file_staging_without_a_base_url_is_served_locally_for_the_upload(media_root, monkeypatch):
    monkeypatch.delenv("PIMFLOW_MEDIA_BASE_URL", raising=False)
    with media_urls(media_root) as urls:
        url = urls.url(media_root.sha, f"file://{media_root.path}/x")
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(url, timeout=30).content == media_root.data
    with pytest.raises(requests.ConnectionError):  # stopped by whoever started it
        requests.get(url, timeout=2)


def test_a_published_base_url_needs_no_server(media_root, monkeypatch):
    monkeypatch.setenv("PIMFLOW_MEDIA_BASE_URL", "https://cdn.example.com/pimflow/media/")
    with media_urls(media_root) as urls:
        assert urls.url("abcdef", "s3://bucket/media/ab/abcdef") == (
            "https://cdn.example.com/pimflow/media/ab/abcdef"
        )


def test_object_storage_that_signs_gives_presigned_urls(monkeypatch):
    monkeypatch.delenv("PIMFLOW_MEDIA_BASE_URL", raising=False)
    monkeypatch.setenv("PIMFLOW_MEDIA_URL_EXPIRY", "600")
    signed = []

    class Signer:
        def sign(self, path, expiration):
            signed.append((path, expiration))
            return f"https://bucket.s3.example.com/{path}?X-Amz-Signature=x"

    root = SimpleNamespace(protocol="s3", fs=Signer(), path="bucket/media")
    with media_urls(root) as urls:
        url = urls.url("abcdef", "s3://bucket/media/ab/abcdef")
    assert url == "https://bucket.s3.example.com/bucket/media/ab/abcdef?X-Amz-Signature=x"
    assert signed == [("bucket/media/ab/abcdef", 600)]

    class NoSigner:
        def sign(self, path, expiration):
            raise NotImplementedError

    with pytest.raises(RuntimeError, match="PIMFLOW_MEDIA_BASE_URL"):
        MediaUrls(signer=NoSigner()).url("abcdef", "gs://bucket/media/ab/abcdef")
