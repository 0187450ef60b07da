"""Media: the files attached to media rows, and the media entities' computed fields."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from pimflow_sandbox.shopware6.errors import ApiError
from pimflow_sandbox.shopware6.state.core import format_datetime

if TYPE_CHECKING:
    from pimflow_sandbox.shopware6.state import Store
    from pimflow_sandbox.shopware6.state.core import ReadCtx


class MediaMixin:
    """Files of media rows."""

    # -- media files -----------------------------------------------------------------------
    def attach_file(
        self,
        media_id: str,
        content: bytes,
        extension: str,
        file_name: str | None,
        mime_type: str,
        meta: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Store an uploaded file on a media row (FileSaver's checks included)."""
        from pimflow_sandbox.shopware6.media import media_type

        with self.lock:
            row = self.rows["media"].get(media_id)
            if row is None:
                raise ApiError.single(
                    404,
                    "CONTENT__MEDIA_NOT_FOUND",
                    f'Could not find media with id "{media_id}".',
                    parameters={"entity": "media", "field": "id", "value": media_id},
                )
            name = file_name if file_name is not None else media_id
            if not name.strip():
                raise ApiError.single(
                    400, "CONTENT__MEDIA_EMPTY_FILE_NAME", "A valid filename must be provided."
                )
            if any(c in name for c in "/\\") or name in (".", ".."):
                raise ApiError.single(
                    400,
                    "CONTENT__MEDIA_ILLEGAL_FILE_NAME",
                    f'Provided filename "{name}" is not permitted: contains a path separator',
                    parameters={"fileName": name, "cause": "contains a path separator"},
                )
            if len(name) > 255:
                raise ApiError.single(
                    400,
                    "CONTENT__MEDIA_FILE_NAME_IS_TOO_LONG",
                    "The provided file name is too long, the maximum length is 255 characters.",
                    parameters={"maxLength": 255},
                )
            fields = ("fileName", "fileExtension")
            key = self._unique_key({"fileName": name, "fileExtension": extension}, fields)
            owner = self.unique[("media", fields)].get(key)  # type: ignore[arg-type]
            if owner is not None and owner != media_id:
                raise ApiError.single(
                    400,
                    "CONTENT__MEDIA_DUPLICATED_FILE_NAME",
                    f'A file with the name "{name}.{extension}" already exists.',
                    parameters={"fileName": name, "fileExtension": extension},
                )
            digest = hashlib.sha256(content).hexdigest()
            now = self._now()
            stamp = int(now.timestamp())
            # Shopware's physical path: media/<3 hash pairs>/<timestamp>/<name>.<ext>
            path_hash = hashlib.md5(media_id.encode()).hexdigest()  # noqa: S324 - a path, not security
            path = f"media/{path_hash[0:2]}/{path_hash[2:4]}/{path_hash[4:6]}/{stamp}/{name}.{extension}"
            updated = dict(row)
            updated.update(
                {
                    "mimeType": mime_type,
                    "fileExtension": extension,
                    "fileName": name,
                    "fileSize": len(content),
                    "fileHash": digest,
                    "metaData": meta,
                    "mediaType": media_type(mime_type),
                    "uploadedAt": format_datetime(now),
                    "path": path,
                    "updatedAt": format_datetime(now),
                }
            )
            self._put("media", media_id, updated)
            self._put_file(media_id, content)
            return updated

    def file_by_path(self, path: str) -> tuple[bytes, str] | None:
        with self.lock:
            for media_id, row in self.rows["media"].items():
                if row.get("path") == path and media_id in self.files:
                    return self.files[media_id], row.get("mimeType") or "application/octet-stream"
        return None


def _media_url(store: Store, eid: str, ctx: ReadCtx) -> str | None:
    path = store.rows["media"][eid].get("path")
    return f"{ctx.base_url}/{path}" if path else None


def _media_folder_path(store: Store, eid: str, ctx: ReadCtx) -> str | None:
    chain = []
    current = store.rows["media_folder"][eid].get("parentId")
    while current and current not in chain and current in store.rows["media_folder"]:
        chain.append(current)
        current = store.rows["media_folder"][current].get("parentId")
    return "|" + "|".join(reversed(chain)) + "|" if chain else None
