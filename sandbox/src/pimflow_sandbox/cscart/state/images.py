"""Product images: image pairs and the stored files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pimflow_sandbox.cscart.images import FetchedImage, ImagesRequest, PairRequest
from pimflow_sandbox.cscart.state.records import ImagePair, StoredImage

if TYPE_CHECKING:
    from pimflow_sandbox.cscart.state.records import Product


class ImagesMixin:
    """Image pairs of products and their files."""

    # -- images ------------------------------------------------------------------------------
    def _apply_images(
        self, product: Product, request: ImagesRequest, fetched: dict[str, FetchedImage]
    ) -> None:
        """Replace what the request names; an image that could not be fetched is left out,
        as CS-Cart keeps the product and reports the failed upload only as a notice."""
        if request.main_sent:
            self._free_pair(product.main_pair)
            product.main_pair = self._new_pair(request.main, "M", fetched)
        if request.additional is not None:
            for pair in product.image_pairs:
                self._free_pair(pair)
            pairs = [self._new_pair(spec, "A", fetched) for spec in request.additional]
            product.image_pairs = [pair for pair in pairs if pair is not None]

    def _new_pair(
        self, spec: PairRequest | None, pair_type: str, fetched: dict[str, FetchedImage]
    ) -> ImagePair | None:
        if spec is None:
            return None
        detailed = self._store_image(spec.detailed, fetched, "detailed")
        icon = self._store_image(spec.icon, fetched, "product")
        if detailed is None and icon is None:
            return None
        return ImagePair(self._next("pair"), pair_type, spec.position, detailed, icon)

    def _store_image(
        self, source: Any, fetched: dict[str, FetchedImage], folder: str
    ) -> StoredImage | None:
        if source is None or source.url not in fetched:
            return None
        image = fetched[source.url]
        image_id = self._next("image")
        directory = f"{folder}/{image_id // 1000}"
        path = f"{directory}/{image.filename}"
        if path in self.images_by_path:
            stem, _, ext = image.filename.rpartition(".")
            path = f"{directory}/{stem}_{image_id}.{ext}"
        sha = image.sha256
        self.blobs.setdefault(sha, image.data)
        self._blob_refs[sha] = self._blob_refs.get(sha, 0) + 1
        stored = StoredImage(
            image_id=image_id,
            relative_path=path,
            sha256=sha,
            size=len(image.data),
            content_type=image.content_type,
            width=image.width,
            height=image.height,
            alt=source.alt,
            source_url=image.source_url,
        )
        self.images_by_path[path] = stored
        return stored

    def _free_pair(self, pair: ImagePair | None) -> None:
        if pair is None:
            return
        for image in (pair.detailed, pair.icon):
            if image is None:
                continue
            self.images_by_path.pop(image.relative_path, None)
            refs = self._blob_refs.get(image.sha256, 0) - 1
            if refs <= 0:
                self._blob_refs.pop(image.sha256, None)
                self.blobs.pop(image.sha256, None)
            else:
                self._blob_refs[image.sha256] = refs

    def image_file(self, relative_path: str) -> tuple[StoredImage, bytes] | None:
        image = self.images_by_path.get(relative_path)
        if image is None:
            return None
        return image, self.blobs[image.sha256]
