"""The catalog's shared core: constants, media files, products and product models as
stored, and the base class holding every index, the small lookups and the generic
structure write (`_write`) that the per-resource mixins of this package build on."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from typing import Any

from pimflow_sandbox.akeneo import images
from pimflow_sandbox.akeneo.errors import (
    BadRequest,
    NotFound,
    Unprocessable,
    ValidationFailed,
    type_error,
    violation,
)
from pimflow_sandbox.akeneo.structure import (
    EntityKind,
    apply_patch,
)
from pimflow_sandbox.akeneo.values import (
    IDENTIFIER,
    ValueKey,
)

CATALOG_STORAGE = "catalogStorage"
ASSET_STORAGE = "assetStorage"
REFERENCE_ENTITY_STORAGE = "referenceEntityStorage"

MIME_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "pdf": "application/pdf",
    "csv": "text/csv",
    "txt": "text/plain",
}
READ_ONLY_PRODUCT_FIELDS = ("created", "updated", "metadata", "quality_scores", "completenesses")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def format_datetime(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def media_key(seed: str, filename: str) -> str:
    """Akeneo's file key: `a/b/c/d/<sha1>_<sanitised original name>`."""
    digest = hashlib.sha1(seed.encode("utf-8")).hexdigest()
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    clean = re.sub(r"[^A-Za-z0-9]", "_", stem) + (("." + extension.lower()) if extension else "")
    return f"{digest[0]}/{digest[1]}/{digest[2]}/{digest[3]}/{digest}_{clean}"


class MediaFile:
    """A stored file: uploaded bytes, or a recipe (kind + seed) for generated ones."""

    __slots__ = ("code", "original_filename", "mime_type", "extension", "storage", "kind", "seed", "title", "data", "_size")  # fmt: skip

    def __init__(
        self,
        code: str,
        original_filename: str,
        storage: str,
        *,
        kind: str | None = None,
        seed: str = "",
        title: str = "",
        data: bytes | None = None,
        mime_type: str | None = None,
    ) -> None:
        self.code = code
        self.original_filename = original_filename
        self.extension = (
            original_filename.rpartition(".")[2].lower() if "." in original_filename else ""
        )
        self.mime_type = mime_type or MIME_TYPES.get(self.extension, "application/octet-stream")
        self.storage = storage
        self.kind = kind
        self.seed = seed
        self.title = title
        self.data = data
        self._size: int | None = len(data) if data is not None else None

    def content(self) -> bytes:
        if self.data is not None:
            return self.data
        return images.media_bytes(self.kind or "png", self.seed, self.title)

    @property
    def size(self) -> int:
        if self._size is None:
            self._size = len(self.content())
        return self._size


class Product:
    __slots__ = ("uuid", "identifier", "family", "parent", "categories", "groups", "enabled", "values", "associations", "quantified", "created", "updated")  # fmt: skip

    def __init__(self, uuid: str) -> None:
        self.uuid = uuid
        self.identifier: str | None = None
        self.family: str | None = None
        self.parent: str | None = None
        self.categories: tuple[str, ...] = ()
        self.groups: tuple[str, ...] = ()
        self.enabled = True
        self.values: dict[ValueKey, Any] = {}
        self.associations: dict[str, dict[str, list[str]]] = {}
        self.quantified: dict[str, dict[str, list[tuple[str, int]]]] = {}
        self.created = ""
        self.updated = ""

    def state(self) -> tuple[Any, ...]:
        return (
            self.identifier, self.family, self.parent, self.categories, self.groups,
            self.enabled, self.values, self.associations, self.quantified,
        )  # fmt: skip


class ProductModel:
    __slots__ = ("code", "family", "family_variant", "parent", "categories", "values", "associations", "quantified", "created", "updated", "seq")  # fmt: skip

    def __init__(self, code: str, seq: int) -> None:
        self.code = code
        self.seq = seq
        self.family = ""
        self.family_variant = ""
        self.parent: str | None = None
        self.categories: tuple[str, ...] = ()
        self.values: dict[ValueKey, Any] = {}
        self.associations: dict[str, dict[str, list[str]]] = {}
        self.quantified: dict[str, dict[str, list[tuple[str, int]]]] = {}
        self.created = ""
        self.updated = ""

    def state(self) -> tuple[Any, ...]:
        return (
            self.family_variant, self.parent, self.categories, self.values,
            self.associations, self.quantified,
        )  # fmt: skip


class CatalogCore:
    """The indexes of the whole PIM and what every resource's rules share."""

    def __init__(self, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.locales: dict[str, dict[str, Any]] = {}
        self.currencies: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.measurement_families: dict[str, dict[str, Any]] = {}
        self.attribute_groups: dict[str, dict[str, Any]] = {}
        self.attributes: dict[str, dict[str, Any]] = {}
        self.options: dict[str, dict[str, dict[str, Any]]] = {}
        self.families: dict[str, dict[str, Any]] = {}
        self.family_variants: dict[str, dict[str, Any]] = {}  # code -> variant (with "family")
        self.categories: dict[str, dict[str, Any]] = {}
        self.association_types: dict[str, dict[str, Any]] = {}
        self.products: dict[str, Product] = {}
        self.by_identifier: dict[str, str] = {}
        self.sorted_uuids: list[str] = []
        self.product_models: dict[str, ProductModel] = {}
        self.sorted_models: list[tuple[int, str]] = []
        self.model_seq = 0
        self.children_models: dict[str, set[str]] = {}
        self.children_products: dict[str, set[str]] = {}
        self.reference_entities: dict[str, dict[str, Any]] = {}
        self.ref_attributes: dict[str, dict[str, dict[str, Any]]] = {}
        self.ref_options: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self.records: dict[str, dict[str, dict[str, Any]]] = {}
        self.asset_families: dict[str, dict[str, Any]] = {}
        self.asset_attributes: dict[str, dict[str, dict[str, Any]]] = {}
        self.asset_options: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self.assets: dict[str, dict[str, dict[str, Any]]] = {}
        self.media: dict[str, MediaFile] = {}
        self.catalog_media_order: list[str] = []
        self.updated_at: dict[tuple[str, str], str] = {}
        self._identifier_code: str | None = None
        self._tree_cache: dict[str, str] | None = None
        self._completeness_cache: dict[str, tuple[tuple[Any, ...], list[dict[str, Any]]]] = {}
        self._write_generation = 0
        self._unique_indexes: dict[str, dict[Any, str]] = {}

    # -- small lookups -------------------------------------------------------------------------
    def now(self) -> str:
        return format_datetime(self.clock())

    def attribute(self, code: str) -> dict[str, Any] | None:
        return self.attributes.get(code)

    def identifier_attribute(self) -> str | None:
        if self._identifier_code is None or self._identifier_code not in self.attributes:
            self._identifier_code = None
            for code, attribute in self.attributes.items():
                if attribute["type"] == IDENTIFIER and (
                    attribute.get("is_main_identifier") or self._identifier_code is None
                ):
                    self._identifier_code = code
        return self._identifier_code

    def locale_is_active(self, code: str) -> bool:
        return any(code in channel["locales"] for channel in self.channels.values())

    def currency_is_active(self, code: str) -> bool:
        currency = self.currencies.get(code)
        return bool(currency and currency["enabled"])

    def option_code(self, attribute: str, raw: str) -> str | None:
        option = self.options.get(attribute, {}).get(raw.lower())
        return option["code"] if option else None

    def option_linked_data(self, attribute: str, code: str) -> dict[str, Any]:
        option = self.options.get(attribute, {}).get(code.lower())
        labels = dict(option["labels"]) if option else {}
        return {"attribute": attribute, "code": code, "labels": labels}

    def record_code(self, entity: str | None, raw: str) -> str | None:
        record = self.records.get(entity or "", {}).get(raw.lower())
        return record["code"] if record else None

    def asset_code(self, family: str | None, raw: str) -> str | None:
        asset = self.assets.get(family or "", {}).get(raw.lower())
        return asset["code"] if asset else None

    def touch(self, kind: str, key: str, when: str | None = None) -> None:
        self.updated_at[(kind, key)] = when or self.now()

    # -- reference data loaded as-is (generator, snapshot) --------------------------------------
    def add_locale(self, code: str) -> None:
        self.locales[code] = {"code": code, "enabled": False}

    def add_currency(self, code: str, label: str, enabled: bool = False) -> None:
        self.currencies[code] = {"code": code, "enabled": enabled, "label": label}

    def refresh_activation(self) -> None:
        """Akeneo activates the locales that a channel uses, and their currencies."""
        used_locales = {code for channel in self.channels.values() for code in channel["locales"]}
        for code, locale in self.locales.items():
            locale["enabled"] = code in used_locales
        for channel in self.channels.values():
            for code in channel["currencies"]:
                if code in self.currencies:
                    self.currencies[code]["enabled"] = True

    # -- structure writes ------------------------------------------------------------------------
    def _write(
        self,
        kind: EntityKind,
        store: dict[str, dict[str, Any]],
        code: str | None,
        data: Any,
        *,
        mode: str,
        touch_kind: str | None = None,
        extra: dict[str, Any] | None = None,
        store_key: Callable[[str], str] = lambda code: code,
    ) -> tuple[bool, dict[str, Any]]:
        """Create or update one structure entity; True when it was created.

        mode is `create` (POST: must not exist), `upsert` (PATCH) or `update` (must exist).
        """
        if not isinstance(data, dict):
            raise BadRequest("Invalid json message received")
        body_code = data.get("code")
        if code is None:
            if body_code is None or body_code == "":
                raise ValidationFailed([violation("code", "This value should not be blank.")])
            if not isinstance(body_code, str):
                raise type_error("code", "a scalar", body_code)
            code = body_code
        elif body_code is not None and body_code != code:
            raise Unprocessable(
                f'The code "{body_code}" provided in the request body must match the code '
                f'"{code}" provided in the url.'
            )
        current = store.get(store_key(code))
        if current is not None and mode == "create":
            raise ValidationFailed([violation("code", "This value is already used.")])
        if current is None and mode == "update":
            raise NotFound(f'{kind.name[0].upper() + kind.name[1:]} "{code}" does not exist.')
        entity = apply_patch(kind, current, {**data, "code": code})
        if extra:
            entity.update(extra)
        errors = kind.validate(self, entity, current)
        if errors:
            raise ValidationFailed(errors)
        created = current is None
        if created or entity != current:
            store[store_key(code)] = entity
            if touch_kind:
                self.touch(touch_kind, code)
            self._write_generation += 1
        return created, store[store_key(code)]
