"""Media files: the catalog's and the uploads."""

from __future__ import annotations

import hashlib

from pimflow_sandbox.akeneo.state.core import CATALOG_STORAGE, MediaFile, media_key


class MediaMixin:
    """Adding, storing and removing media files."""

    # -- media -----------------------------------------------------------------------------------
    def add_media(self, media: MediaFile) -> MediaFile:
        if media.code not in self.media and media.storage == CATALOG_STORAGE:
            self.catalog_media_order.append(media.code)
        self.media[media.code] = media
        return media

    def store_upload(
        self, filename: str, data: bytes, storage: str, content_type: str | None = None
    ) -> MediaFile:
        seed = f"{filename}:{hashlib.sha1(data).hexdigest()}:{len(self.media)}:{self.now()}"
        media = MediaFile(
            media_key(seed, filename or "file"), filename or "file", storage, data=data
        )
        if media.mime_type == "application/octet-stream" and content_type:
            media.mime_type = content_type
        return self.add_media(media)

    def remove_media(self, code: str) -> None:
        if self.media.pop(code, None) is not None and code in self.catalog_media_order:
            self.catalog_media_order.remove(code)
