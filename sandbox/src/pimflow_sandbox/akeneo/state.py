"""The in-memory Akeneo catalog and its rules: writes, validation, inheritance, reads.

Pure Python, no HTTP: `api.py` parses requests and renders what this module returns or
raises (see `errors.py`). Everything here runs under the app's lock.

Products are kept compact (`__slots__` objects whose values are one flat dict keyed by
shared `(attribute, locale, scope)` tuples) so a 100,000-product catalog fits comfortably
in memory; variant products and sub product models store only their own values and read
their parents' at render time, which is how Akeneo answers (values inherited from the
parent models, categories and associations merged with the ancestors').
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import hashlib
import re
import uuid as uuid_module
from collections.abc import Callable, Iterator
from typing import Any

from . import images
from .errors import (
    BadRequest,
    DocumentedUnprocessable,
    NotFound,
    Unprocessable,
    ValidationFailed,
    type_error,
    unknown_property,
    violation,
)
from .structure import (
    ASSET_FAMILY,
    ASSOCIATION_TYPE,
    ATTRIBUTE,
    ATTRIBUTE_GROUP,
    ATTRIBUTE_OPTION,
    CATEGORY,
    CHANNEL,
    FAMILY,
    FAMILY_VARIANT,
    REF_ATTRIBUTE,
    REF_OPTION,
    REFERENCE_ENTITY,
    EntityKind,
    apply_patch,
)
from .values import (
    IDENTIFIER,
    PRICE,
    SELECT_TYPES,
    ValueKey,
    check_locale_scope,
    format_decimal,
    is_empty,
    normalize_data,
    parse_date,
    parse_values,
    vkey,
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


class Catalog:
    """The whole PIM: structure, products, product models, reference entities, assets, media."""

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

    def write_channel(self, code: str | None, data: Any, mode: str) -> bool:
        created, _ = self._write(
            CHANNEL, self.channels, code, data, mode=mode, touch_kind="channel"
        )
        self.refresh_activation()
        self._tree_cache = None
        return created

    def write_attribute_group(self, code: str | None, data: Any, mode: str) -> bool:
        previous = {k: v["group"] for k, v in self.attributes.items()}
        created, group = self._write(
            ATTRIBUTE_GROUP,
            self.attribute_groups,
            code,
            data,
            mode=mode,
            touch_kind="attribute_group",
        )
        if isinstance(data, dict) and "attributes" in data:
            for attribute_code in group["attributes"]:
                if previous.get(attribute_code) != group["code"]:
                    self.attributes[attribute_code]["group"] = group["code"]
                    self.touch("attribute", attribute_code)
            self._sync_group_members()
        return created

    def _sync_group_members(self) -> None:
        for group in self.attribute_groups.values():
            group["attributes"] = [
                code
                for code, attribute in sorted(
                    self.attributes.items(), key=lambda item: (item[1]["sort_order"], item[0])
                )
                if attribute["group"] == group["code"]
            ]

    def write_attribute(self, code: str | None, data: Any, mode: str) -> bool:
        created, attribute = self._write(
            ATTRIBUTE, self.attributes, code, data, mode=mode, touch_kind="attribute"
        )
        for key in ("number_min", "number_max"):
            value = attribute.get(key)
            if value is not None and not isinstance(value, str):
                attribute[key] = format_decimal(__import__("decimal").Decimal(str(value)), 4)
        if attribute.get("max_file_size") is not None and not isinstance(
            attribute["max_file_size"], str
        ):
            attribute["max_file_size"] = f"{float(attribute['max_file_size']):.2f}"
        if attribute["type"] in SELECT_TYPES:
            self.options.setdefault(attribute["code"], {})
        self._identifier_code = None
        self._sync_group_members()
        return created

    def write_option(self, attribute_code: str, code: str | None, data: Any, mode: str) -> bool:
        attribute = self.attributes.get(attribute_code)
        if attribute is None:
            raise NotFound(f'Attribute "{attribute_code}" does not exist.')
        if attribute["type"] not in SELECT_TYPES:
            raise NotFound(
                f'Attribute "{attribute_code}" does not support options. Only attributes of type '
                '"pim_catalog_simpleselect", "pim_catalog_multiselect" support options.'
            )
        if isinstance(data, dict) and data.get("attribute") not in (None, attribute_code):
            raise Unprocessable(
                f'The attribute code "{data["attribute"]}" provided in the request body must '
                f'match the attribute code "{attribute_code}" provided in the url.'
            )
        store = self.options.setdefault(attribute_code, {})
        body = {**data, "attribute": attribute_code} if isinstance(data, dict) else data
        created, option = self._write(
            ATTRIBUTE_OPTION, store, code, body, mode=mode, store_key=str.lower
        )
        return created

    def write_family(self, code: str | None, data: Any, mode: str) -> bool:
        created, family = self._write(
            FAMILY, self.families, code, data, mode=mode, touch_kind="family"
        )
        for variant in self.family_variants.values():
            if variant["family"] == family["code"]:
                self._refresh_common_attributes(variant)
        return created

    def _refresh_common_attributes(self, variant: dict[str, Any]) -> None:
        family = self.families.get(variant["family"])
        used = {a for s in variant["variant_attribute_sets"] for a in s["attributes"]}
        variant["common_attributes"] = sorted(
            a for a in (family or {}).get("attributes", []) if a not in used
        )

    def write_family_variant(
        self, family_code: str, code: str | None, data: Any, mode: str
    ) -> bool:
        if family_code not in self.families:
            raise NotFound(f'Family "{family_code}" does not exist.')
        if (
            code is not None
            and code in self.family_variants
            and self.family_variants[code]["family"] != family_code
        ):
            raise NotFound(
                f'Family variant "{code}" does not exist or is not a variant of the family "{family_code}".'
            )
        if (
            code is None
            and isinstance(data, dict)
            and data.get("code") in self.family_variants
            and self.family_variants[data["code"]]["family"] != family_code
            and mode != "create"
        ):
            raise NotFound(f'Family variant "{data["code"]}" does not exist.')
        created, variant = self._write(
            FAMILY_VARIANT,
            self.family_variants,
            code,
            data,
            mode=mode,
            touch_kind="family_variant",
            extra={"family": family_code},
        )
        self._refresh_common_attributes(variant)
        return created

    def write_category(self, code: str | None, data: Any, mode: str) -> bool:
        previous = self.categories.get(
            code or (data.get("code") if isinstance(data, dict) else "") or ""
        )
        created, category = self._write(CATEGORY, self.categories, code, data, mode=mode)
        if (
            created
            or previous is None
            or previous.get("updated") != category.get("updated")
            or category != previous
        ):
            category["updated"] = self.now()
        if isinstance(data, dict) and isinstance(data.get("position"), int):
            self._move_category(category["code"], data["position"])
        self._tree_cache = None
        return created

    def _move_category(self, code: str, position: int) -> None:
        parent = self.categories[code]["parent"]
        siblings = [
            c for c, cat in self.categories.items() if cat["parent"] == parent and c != code
        ]
        index = max(0, min(position - 1, len(siblings)))
        siblings.insert(index, code)
        reordered = {}
        for key, category in self.categories.items():
            if category["parent"] == parent:
                continue
            reordered[key] = category
        for key in siblings:
            reordered[key] = self.categories[key]
        self.categories.clear()
        self.categories.update(self._tree_order(reordered))

    @staticmethod
    def _tree_order(categories: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        children: dict[str | None, list[str]] = {}
        for code, category in categories.items():
            children.setdefault(category["parent"], []).append(code)
        ordered: dict[str, dict[str, Any]] = {}

        def visit(code: str) -> None:
            ordered[code] = categories[code]
            for child in children.get(code, []):
                visit(child)

        for root in children.get(None, []):
            visit(root)
        for code, category in categories.items():
            ordered.setdefault(code, category)
        return ordered

    def category_position(self, code: str) -> int:
        parent = self.categories[code]["parent"]
        siblings = [c for c, cat in self.categories.items() if cat["parent"] == parent]
        return siblings.index(code) + 1

    def write_association_type(self, code: str | None, data: Any, mode: str) -> bool:
        created, _ = self._write(ASSOCIATION_TYPE, self.association_types, code, data, mode=mode)
        return created

    def category_roots(self) -> dict[str, str]:
        """Category code -> code of its tree's root (for the `scope` filter)."""
        if self._tree_cache is None:
            roots: dict[str, str] = {}
            for code in self.categories:
                cursor = code
                while self.categories[cursor]["parent"] is not None:
                    cursor = self.categories[cursor]["parent"]
                roots[code] = cursor
            self._tree_cache = roots
        return self._tree_cache

    def descendants(self, code: str) -> set[str]:
        children: dict[str, list[str]] = {}
        for child, category in self.categories.items():
            if category["parent"] is not None:
                children.setdefault(category["parent"], []).append(child)
        found: set[str] = set()
        stack = list(children.get(code, []))
        while stack:
            current = stack.pop()
            found.add(current)
            stack.extend(children.get(current, []))
        return found

    # -- reference entities and assets -----------------------------------------------------------
    def write_reference_entity(self, code: str, data: Any) -> bool:
        created, _ = self._write(
            REFERENCE_ENTITY, self.reference_entities, code, data, mode="upsert"
        )
        if created:
            self.ref_attributes.setdefault(code, {})
            self.records.setdefault(code, {})
            for attribute in (
                {
                    "code": "label",
                    "type": "text",
                    "value_per_locale": True,
                    "labels": {"en_US": "Label"},
                },
                {
                    "code": "image",
                    "type": "image",
                    "labels": {"en_US": "Image"},
                    "allowed_extensions": ["jpg", "jpeg", "png", "gif"],
                },
            ):
                self.write_ref_attribute(code, attribute["code"], attribute)
        return created

    def write_ref_attribute(
        self, entity: str, code: str, data: Any, owner: str = "reference_entity"
    ) -> bool:
        parents = self.reference_entities if owner == "reference_entity" else self.asset_families
        if entity not in parents:
            kind = "Reference entity" if owner == "reference_entity" else "Asset family"
            raise NotFound(f'{kind} "{entity}" does not exist.')
        store = (
            self.ref_attributes if owner == "reference_entity" else self.asset_attributes
        ).setdefault(entity, {})
        current = store.get(code)
        if isinstance(data, dict) and current is None:
            data = {
                "value_per_locale": False,
                "value_per_channel": False,
                "is_required_for_completeness": False,
                **data,
            }
            if data.get("type") == "text":
                data = {
                    "max_characters": None,
                    "is_textarea": False,
                    "is_rich_text_editor": False,
                    "validation_rule": "none",
                    **data,
                }
            if data.get("type") == "number":
                data = {"decimals_allowed": False, **data}
            if data.get("type") == "media_file" and owner == "asset":
                data = {"is_read_only": False, **data}
        extra = {"_owner": "asset" if owner == "asset" else "reference_entity"}
        created, attribute = self._write(
            REF_ATTRIBUTE, store, code, data, mode="upsert", extra=extra
        )
        if attribute["type"] in ("single_option", "multiple_options"):
            options = self.ref_options if owner == "reference_entity" else self.asset_options
            options.setdefault((entity, code), {})
        return created

    def write_ref_option(
        self, entity: str, attribute: str, code: str, data: Any, owner: str = "reference_entity"
    ) -> bool:
        attributes = (
            self.ref_attributes if owner == "reference_entity" else self.asset_attributes
        ).get(entity)
        if attributes is None:
            kind = "Reference entity" if owner == "reference_entity" else "Asset family"
            raise NotFound(f'{kind} "{entity}" does not exist.')
        definition = attributes.get(attribute)
        if definition is None:
            raise NotFound(f'Attribute "{attribute}" does not exist.')
        if definition["type"] not in ("single_option", "multiple_options"):
            raise NotFound(f'Attribute "{attribute}" does not support options.')
        options = (
            self.ref_options if owner == "reference_entity" else self.asset_options
        ).setdefault((entity, attribute), {})
        created, _ = self._write(
            REF_OPTION, options, code, data, mode="upsert", store_key=str.lower
        )
        return created

    def write_asset_family(self, code: str, data: Any) -> bool:
        created, _ = self._write(ASSET_FAMILY, self.asset_families, code, data, mode="upsert")
        if created:
            self.asset_attributes.setdefault(code, {})
            self.assets.setdefault(code, {})
        return created

    def _record_values(
        self, owner: str, container: str, current: dict[ValueKey, Any], raw: Any
    ) -> tuple[dict[ValueKey, Any], list[dict[str, Any]]]:
        """Values of a record or an asset (keys `locale`, `channel`, `data`)."""
        attributes = (
            self.ref_attributes if owner == "reference_entity" else self.asset_attributes
        )[container]
        options = self.ref_options if owner == "reference_entity" else self.asset_options
        if not isinstance(raw, dict):
            raise type_error("values", "an array", raw)
        values = dict(current)
        errors: list[dict[str, Any]] = []
        for code, entries in raw.items():
            attribute = attributes.get(code)
            if attribute is None:
                errors.append(
                    violation(
                        "values",
                        f'The attribute "{code}" does not exist.',
                        attribute=code,
                        value_key="channel",
                    )
                )
                continue
            if not isinstance(entries, list):
                raise type_error(code, "an array", entries)
            for entry in entries:
                if not isinstance(entry, dict) or not {"locale", "channel", "data"} <= set(entry):
                    raise DocumentedUnprocessable(
                        f'Property "{code}" expects an array with the keys "locale", "channel" and "data".'
                    )
                locale, channel, data = entry["locale"], entry["channel"], entry["data"]

                def fail(
                    message: str, locale: Any = locale, channel: Any = channel, code: str = code
                ) -> None:
                    errors.append(
                        violation(
                            "values",
                            message,
                            attribute=code,
                            locale=locale,
                            scope=channel,
                            value_key="channel",
                        )
                    )

                if attribute["value_per_locale"] != (locale is not None):
                    fail(
                        f'The attribute "{code}" {"expects" if attribute["value_per_locale"] else "does not expect"} a locale.'
                    )
                    continue
                if locale is not None and not self.locale_is_active(locale):
                    fail(f'The locale "{locale}" is not activated.')
                    continue
                if attribute["value_per_channel"] != (channel is not None):
                    fail(
                        f'The attribute "{code}" {"expects" if attribute["value_per_channel"] else "does not expect"} a channel.'
                    )
                    continue
                if channel is not None and channel not in self.channels:
                    fail(f'The channel "{channel}" does not exist.')
                    continue
                key = vkey(code, locale, channel)
                if is_empty(data):
                    values.pop(key, None)
                    continue
                kind = attribute["type"]
                if kind in ("text", "media_link") and not isinstance(data, str):
                    raise type_error(code, "a string", data)
                if (
                    kind == "text"
                    and attribute.get("max_characters")
                    and len(data) > attribute["max_characters"]
                ):
                    fail(
                        f"This value is too long. It should have {attribute['max_characters']} characters or less."
                    )
                    continue
                if kind == "number":
                    if isinstance(data, bool) or not isinstance(data, str | int | float):
                        raise type_error(code, "a string", data)
                    data = str(data)
                    if not re.fullmatch(r"-?\d+(\.\d+)?", data):
                        fail(f'The value "{data}" is not a number.')
                        continue
                if kind == "boolean" and not isinstance(data, bool):
                    raise type_error(code, "a boolean", data)
                if kind == "date":
                    moment = parse_date(data)
                    if moment is None:
                        fail(f'The value "{data}" is not a valid date.')
                        continue
                    data = format_datetime(moment)
                if kind in ("image", "media_file"):
                    storage = (
                        REFERENCE_ENTITY_STORAGE if owner == "reference_entity" else ASSET_STORAGE
                    )
                    media = self.media.get(data) if isinstance(data, str) else None
                    if media is None or media.storage != storage:
                        fail(f'The file "{data}" does not exist.')
                        continue
                if kind in ("single_option", "multiple_options"):
                    items = [data] if kind == "single_option" else data
                    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                        raise type_error(
                            code, "a string" if kind == "single_option" else "an array", data
                        )
                    known = options.get((container, code), {})
                    missing = [i for i in items if i.lower() not in known]
                    if missing:
                        fail(
                            f'The option "{missing[0]}" does not exist for the attribute "{code}".'
                        )
                        continue
                    canonical = [known[i.lower()]["code"] for i in items]
                    data = canonical[0] if kind == "single_option" else canonical
                if kind in (
                    "reference_entity_single_link",
                    "reference_entity_multiple_links",
                    "record",
                ):
                    entity = attribute.get("reference_entity_code") or attribute.get(
                        "reference_entity"
                    )
                    items = [data] if kind != "reference_entity_multiple_links" else data
                    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                        raise type_error(code, "a string", data)
                    canonical = []
                    for item in items:
                        record = self.record_code(entity, item)
                        if record is None:
                            fail(
                                f'The record "{item}" does not exist in the reference entity "{entity}".'
                            )
                            break
                        canonical.append(record)
                    else:
                        data = (
                            canonical if kind == "reference_entity_multiple_links" else canonical[0]
                        )
                        values[key] = data
                    continue
                values[key] = data
        return values, errors

    def write_record(
        self, entity: str, code: str | None, data: Any, *, owner: str = "reference_entity"
    ) -> bool:
        """PATCH of one record (or asset): created when missing, `updated` kept on change."""
        parents = self.reference_entities if owner == "reference_entity" else self.asset_families
        if entity not in parents:
            kind = "Reference entity" if owner == "reference_entity" else "Asset family"
            raise NotFound(f'{kind} "{entity}" does not exist.')
        if not isinstance(data, dict):
            raise BadRequest("Invalid json message received")
        body_code = data.get("code")
        if code is None:
            if not isinstance(body_code, str) or not body_code:
                raise ValidationFailed([violation("code", "This value should not be blank.")])
            code = body_code
        elif body_code is not None and body_code != code:
            raise Unprocessable(
                f'The code "{body_code}" provided in the request body must match the code '
                f'"{code}" provided in the url.'
            )
        allowed = {"code", "values", "created", "updated", "_links"}
        if owner == "asset":
            allowed.add("asset_family_code")
        for prop in data:
            if prop not in allowed:
                raise unknown_property(prop)
        if not re.fullmatch(r"[A-Za-z0-9_-]+", code):
            raise ValidationFailed(
                [
                    violation(
                        "code",
                        "The code may contain only letters, numbers, underscores and dashes.",
                    )
                ]
            )
        store = (self.records if owner == "reference_entity" else self.assets).setdefault(
            entity, {}
        )
        current = store.get(code.lower())
        values, errors = self._record_values(
            owner, entity, current["values"] if current else {}, data.get("values", {})
        )
        if errors:
            raise ValidationFailed(errors)
        if current is None:
            now = self.now()
            store[code.lower()] = {"code": code, "values": values, "created": now, "updated": now}
            return True
        if values != current["values"]:
            current["values"] = values
            current["updated"] = self.now()
        return False

    def delete_asset(self, family: str, code: str) -> None:
        if family not in self.asset_families:
            raise NotFound(f'Asset family "{family}" does not exist.')
        if self.assets.get(family, {}).pop(code.lower(), None) is None:
            raise NotFound(f'Asset "{code}" does not exist.')

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

    # -- products: reads -------------------------------------------------------------------------
    def ancestors(self, parent: str | None) -> list[ProductModel]:
        """The models above an entity, root first."""
        chain: list[ProductModel] = []
        while parent is not None:
            model = self.product_models.get(parent)
            if model is None:
                break
            chain.insert(0, model)
            parent = model.parent
        return chain

    def merged_values(self, entity: Product | ProductModel) -> dict[ValueKey, Any]:
        chain = self.ancestors(entity.parent)
        if not chain:
            return entity.values
        merged: dict[ValueKey, Any] = {}
        for model in chain:
            merged.update(model.values)
        merged.update(entity.values)
        return merged

    def merged_categories(self, entity: Product | ProductModel) -> list[str]:
        categories = list(entity.categories)
        for model in self.ancestors(entity.parent):
            for code in model.categories:
                if code not in categories:
                    categories.append(code)
        return sorted(categories)

    def merged_associations(
        self, entity: Product | ProductModel
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        chain = [*self.ancestors(entity.parent), entity]
        associations: dict[str, dict[str, list[str]]] = {}
        quantified: dict[str, dict[str, list[tuple[str, int]]]] = {}
        for item in chain:
            for type_code, links in item.associations.items():
                target = associations.setdefault(
                    type_code, {"products": [], "product_models": [], "groups": []}
                )
                for key, codes in links.items():
                    for code in codes:
                        if code not in target[key]:
                            target[key].append(code)
            for type_code, links in item.quantified.items():
                target_q = quantified.setdefault(type_code, {"products": [], "product_models": []})
                for key, pairs in links.items():
                    known = {code: i for i, (code, _) in enumerate(target_q[key])}
                    for code, quantity in pairs:
                        if code in known:
                            target_q[key][known[code]] = (code, quantity)
                        else:
                            target_q[key].append((code, quantity))
        return associations, quantified

    def variant_level_attributes(
        self, entity: Product | ProductModel, is_model: bool
    ) -> set[str] | None:
        """Attributes an entity may hold itself, or None when not constrained by a variant."""
        if is_model:
            assert isinstance(entity, ProductModel)
            variant = self.family_variants.get(entity.family_variant)
            if variant is None:
                return None
            sets = variant["variant_attribute_sets"]
            if entity.parent is None:
                return set(variant.get("common_attributes") or [])
            return set(sets[0]["attributes"])
        if entity.parent is None:
            family = self.families.get(entity.family or "")
            return set(family["attributes"]) if family else None
        parent = self.product_models.get(entity.parent)
        if parent is None:
            return None
        variant = self.family_variants.get(parent.family_variant)
        if variant is None:
            return None
        level = len(self.ancestors(entity.parent))
        sets = variant["variant_attribute_sets"]
        return set(sets[min(level, len(sets)) - 1]["attributes"])

    def completeness(self, product: Product) -> list[dict[str, Any]]:
        """Per channel and locale: the share of the family's required attributes filled."""
        family = self.families.get(product.family or "")
        if family is None:
            return []
        chain = self.ancestors(product.parent)
        stamp = (self._write_generation, product.updated, tuple(m.updated for m in chain))
        cached = self._completeness_cache.get(product.uuid)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        values = self.merged_values(product)
        result = []
        for channel_code, channel in self.channels.items():
            required = family["attribute_requirements"].get(channel_code, [])
            for locale in channel["locales"]:
                filled = 0
                for code in required:
                    attribute = self.attributes.get(code)
                    if attribute is None:
                        continue
                    key = vkey(
                        code,
                        locale if attribute["localizable"] else None,
                        channel_code if attribute["scopable"] else None,
                    )
                    data = values.get(key)
                    if data is None:
                        continue
                    if attribute["type"] == PRICE:
                        currencies = {price["currency"] for price in data}
                        if not set(channel["currencies"]) <= currencies:
                            continue
                    filled += 1
                ratio = 100 * filled // len(required) if required else 100
                result.append({"scope": channel_code, "locale": locale, "data": ratio})
        self._completeness_cache[product.uuid] = (stamp, result)
        return result

    def descendant_products(self, model_code: str) -> list[Product]:
        found = [
            self.products[u]
            for u in self.children_products.get(model_code, ())
            if u in self.products
        ]
        for child in self.children_models.get(model_code, ()):
            found.extend(self.descendant_products(child))
        return found

    def iter_products(self, start_after: str | None = None) -> Iterator[Product]:
        index = 0 if start_after is None else bisect.bisect_right(self.sorted_uuids, start_after)
        uuids = self.sorted_uuids
        products = self.products
        while index < len(uuids):
            product = products.get(uuids[index])
            index += 1
            if product is not None:
                yield product

    def iter_models(self, start_after: int | None = None) -> Iterator[ProductModel]:
        index = (
            0
            if start_after is None
            else bisect.bisect_right(self.sorted_models, (start_after, "\uffff"))
        )
        while index < len(self.sorted_models):
            seq, code = self.sorted_models[index]
            index += 1
            model = self.product_models.get(code)
            if model is not None:
                yield model

    def find_product(self, key: str, by: str) -> Product | None:
        if by == "uuid":
            return self.products.get(key.lower())
        found = self.by_identifier.get(key.lower())
        return self.products.get(found) if found else None

    # -- products: writes ------------------------------------------------------------------------
    def _insert_product(self, product: Product) -> None:
        self.products[product.uuid] = product
        bisect.insort(self.sorted_uuids, product.uuid)

    def add_generated_product(self, product: Product) -> None:
        """Fast path of the generator: the data is valid by construction."""
        self.products[product.uuid] = product
        self.sorted_uuids.append(product.uuid)
        if product.identifier is not None:
            self.by_identifier[product.identifier.lower()] = product.uuid
        if product.parent is not None:
            self.children_products.setdefault(product.parent, set()).add(product.uuid)

    def finish_bulk_load(self) -> None:
        self.sorted_uuids.sort()
        self.sorted_models.sort()

    def add_generated_model(self, model: ProductModel) -> None:
        self.product_models[model.code] = model
        self.sorted_models.append((model.seq, model.code))
        self.model_seq = max(self.model_seq, model.seq)
        if model.parent is not None:
            self.children_models.setdefault(model.parent, set()).add(model.code)

    def _check_fields(self, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
        for prop in data:
            if prop not in allowed and prop not in READ_ONLY_PRODUCT_FIELDS and prop != "_links":
                raise unknown_property(prop)

    def _apply_common(
        self,
        target: Product | ProductModel,
        data: dict[str, Any],
        errors: list[dict[str, Any]],
        *,
        is_model: bool,
        by: str,
    ) -> None:
        """Categories, values and associations, shared by products and product models."""
        if "categories" in data:
            categories = data["categories"]
            if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
                raise type_error("categories", "an array", categories)
            for code in categories:
                if code not in self.categories:
                    raise DocumentedUnprocessable(
                        f"The {code} category does not exist in your PIM."
                    )
            target.categories = tuple(dict.fromkeys(categories))
        if "values" in data:
            parsed = parse_values(self, data["values"])
            allowed = self.variant_level_attributes(target, is_model)
            values = dict(target.values)
            for attribute, locale, scope, raw in parsed:
                if allowed is not None and attribute["code"] not in allowed:
                    continue  # Akeneo's attribute filter drops values of other levels/families
                if not check_locale_scope(self, attribute, locale, scope, errors):
                    continue
                normalized = normalize_data(self, attribute, locale, scope, raw, errors)
                key = vkey(attribute["code"], locale, scope)
                if normalized is None:
                    values.pop(key, None)
                else:
                    values[key] = normalized
            target.values = values
        if "associations" in data:
            target.associations = self._parse_associations(
                target.associations, data["associations"], by
            )
        if "quantified_associations" in data:
            target.quantified = self._parse_quantified(
                target.quantified, data["quantified_associations"], by
            )

    def _parse_associations(self, current: dict[str, Any], raw: Any, by: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise type_error("associations", "an array", raw)
        result = copy.deepcopy(current)
        for type_code, links in raw.items():
            association_type = self.association_types.get(type_code)
            if association_type is None or association_type["is_quantified"]:
                raise DocumentedUnprocessable(
                    f'Property "associations" expects a valid association type code. The association '
                    f'type does not exist or is quantified, "{type_code}" given.'
                )
            if not isinstance(links, dict):
                raise type_error("associations", "an array", links)
            entry = result.setdefault(
                type_code, {"products": [], "product_models": [], "groups": []}
            )
            for key, codes in links.items():
                if key not in ("products", "product_models", "groups"):
                    raise unknown_property(f"associations.{type_code}.{key}")
                if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                    raise type_error("associations", "an array", codes)
                resolved = []
                for code in codes:
                    if key == "products":
                        product = self.find_product(code, by)
                        if product is None:
                            raise DocumentedUnprocessable(
                                f'Property "associations" expects a valid product {"uuid" if by == "uuid" else "identifier"}. '
                                f'The product does not exist, "{code}" given.'
                            )
                        resolved.append(product.uuid)
                    elif key == "product_models":
                        if code not in self.product_models:
                            raise DocumentedUnprocessable(
                                'Property "associations" expects a valid product model identifier. '
                                f'The product model does not exist, "{code}" given.'
                            )
                        resolved.append(code)
                    else:
                        raise DocumentedUnprocessable(
                            'Property "associations" expects a valid group code. The group does not '
                            f'exist, "{code}" given.'
                        )
                entry[key] = list(dict.fromkeys(resolved))
            if not any(entry.values()):
                result.pop(type_code)
        return result

    def _parse_quantified(self, current: dict[str, Any], raw: Any, by: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise type_error("quantified_associations", "an array", raw)
        result = copy.deepcopy(current)
        for type_code, links in raw.items():
            association_type = self.association_types.get(type_code)
            if association_type is None or not association_type["is_quantified"]:
                raise DocumentedUnprocessable(
                    'Property "quantified_associations" expects a valid quantified association type '
                    f'code. The association type does not exist or is not quantified, "{type_code}" given.'
                )
            if not isinstance(links, dict):
                raise type_error("quantified_associations", "an array", links)
            entry = result.setdefault(type_code, {"products": [], "product_models": []})
            for key, items in links.items():
                if key not in ("products", "product_models"):
                    raise unknown_property(f"quantified_associations.{type_code}.{key}")
                if not isinstance(items, list):
                    raise type_error("quantified_associations", "an array", items)
                pairs = []
                for item in items:
                    if not isinstance(item, dict) or "quantity" not in item:
                        raise DocumentedUnprocessable(
                            'Property "quantified_associations" expects an array with the keys '
                            '"uuid" or "identifier" and "quantity".'
                        )
                    quantity = item["quantity"]
                    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                        raise ValidationFailed(
                            [
                                violation(
                                    "quantified_associations",
                                    "The quantity must be a positive integer.",
                                )
                            ]
                        )
                    if key == "products":
                        ref = (
                            item.get("uuid")
                            if by == "uuid" and "uuid" in item
                            else item.get("identifier")
                        )
                        product = self.find_product(
                            ref or "", "uuid" if by == "uuid" and "uuid" in item else "identifier"
                        )
                        if product is None:
                            raise DocumentedUnprocessable(
                                'Property "quantified_associations" expects a valid product. The product '
                                f'does not exist, "{ref}" given.'
                            )
                        pairs.append((product.uuid, quantity))
                    else:
                        ref = item.get("identifier") or item.get("code")
                        if ref not in self.product_models:
                            raise DocumentedUnprocessable(
                                'Property "quantified_associations" expects a valid product model. The '
                                f'product model does not exist, "{ref}" given.'
                            )
                        pairs.append((ref, quantity))
                entry[key] = pairs
            if not any(entry.values()):
                result.pop(type_code)
        return result

    def write_product(
        self, data: Any, *, by: str, key: str | None, mode: str
    ) -> tuple[bool, Product]:
        """Create or update a product; `by` is `uuid` or `identifier` (the endpoint family)."""
        if not isinstance(data, dict):
            raise BadRequest("Invalid json message received")
        identifier_code = self.identifier_attribute()
        allowed = (
            "uuid",
            "identifier",
            "enabled",
            "family",
            "categories",
            "groups",
            "parent",
            "values",
            "associations",
            "quantified_associations",
        )
        self._check_fields(data, allowed)
        product: Product | None = None
        if by == "uuid":
            body_uuid = data.get("uuid")
            if body_uuid is not None and not isinstance(body_uuid, str):
                raise type_error("uuid", "a string", body_uuid)
            if key is not None and body_uuid is not None and body_uuid.lower() != key.lower():
                raise Unprocessable(
                    f'The uuid "{body_uuid}" provided in the request body must match the uuid "{key}" provided in the url.'
                )
            target_uuid = (key or body_uuid or "").lower() or None
            if target_uuid is not None and not UUID_RE.match(target_uuid):
                raise Unprocessable(f'The uuid "{target_uuid}" is not a valid uuid.')
            if target_uuid is not None:
                product = self.products.get(target_uuid)
        else:
            body_identifier = data.get("identifier")
            if body_identifier is not None and not isinstance(body_identifier, str):
                raise type_error("identifier", "a string", body_identifier)
            if key is not None and body_identifier is not None and body_identifier != key:
                raise Unprocessable(
                    f'The identifier "{body_identifier}" provided in the request body must match the identifier "{key}" provided in the url.'
                )
            wanted = key if key is not None else body_identifier
            if not wanted:
                raise ValidationFailed(
                    [
                        violation(
                            "identifier",
                            "The identifier attribute cannot be empty.",
                            attribute=identifier_code,
                        )
                    ]
                )
            product = self.find_product(wanted, "identifier")
            target_uuid = None
            if product is None and isinstance(data.get("uuid"), str):
                target_uuid = data["uuid"].lower()
        if product is not None and mode == "create":
            raise ValidationFailed(
                [
                    violation(
                        "identifier",
                        "The same identifier is already set on another product",
                        attribute=identifier_code,
                    )
                ]
                if by == "identifier"
                else [violation("uuid", "The same uuid is already set on another product")]
            )
        created = product is None
        if created:
            product = Product(target_uuid or str(uuid_module.uuid4()))
        assert product is not None
        before = product.state()
        work = Product(product.uuid)
        for slot in Product.__slots__:
            setattr(work, slot, getattr(product, slot))
        errors: list[dict[str, Any]] = []
        if "enabled" in data:
            if not isinstance(data["enabled"], bool):
                raise type_error("enabled", "a boolean", data["enabled"])
            work.enabled = data["enabled"]
        if "groups" in data:
            groups = data["groups"]
            if not isinstance(groups, list):
                raise type_error("groups", "an array", groups)
            for group in groups:
                raise DocumentedUnprocessable(
                    f'Property "groups" expects a valid group code. The group does not exist, "{group}" given.'
                )
            work.groups = ()
        if "parent" in data:
            parent = data["parent"]
            if parent is not None and not isinstance(parent, str):
                raise type_error("parent", "a string", parent)
            if parent in (None, ""):
                if work.parent is not None:
                    work.values = {**self.merged_values(work)}  # convert variant to simple
                    work.categories = tuple(self.merged_categories(work))
                work.parent = None
            else:
                model = self.product_models.get(parent)
                if model is None:
                    raise DocumentedUnprocessable(
                        f'Property "parent" expects a valid product model code. The product model does not exist, "{parent}" given.'
                    )
                variant = self.family_variants.get(model.family_variant)
                levels = len(variant["variant_attribute_sets"]) if variant else 1
                if len(self.ancestors(parent)) != levels:
                    errors.append(
                        violation(
                            "parent",
                            f'The variant product "{work.identifier or work.uuid}" cannot have product model "{parent}" as '
                            "parent, (this product model can only have other product models as children)",
                        )
                    )
                work.parent = parent
                work.family = model.family
        if "family" in data:
            family = data["family"]
            if family is not None and not isinstance(family, str):
                raise type_error("family", "a string", family)
            if family is not None and family not in self.families:
                raise DocumentedUnprocessable(
                    f'Property "family" expects a valid family code. The family does not exist, "{family}" given.'
                )
            if work.parent is not None and family != self.product_models[work.parent].family:
                errors.append(
                    violation(
                        "family", "The variant product family must be the same than its parent"
                    )
                )
            else:
                work.family = family
        values_data = data.get("values")
        identifier_value = data.get("identifier") if by == "identifier" else None
        if identifier_value is None and by == "identifier" and key is not None:
            identifier_value = key
        if identifier_code and identifier_value is not None:
            values_data = (
                dict(values_data)
                if isinstance(values_data, dict)
                else ({} if values_data is None else values_data)
            )
            if isinstance(values_data, dict):
                values_data[identifier_code] = [
                    {"locale": None, "scope": None, "data": identifier_value}
                ]
        self._apply_common(
            work,
            {**data, "values": values_data} if values_data is not None else data,
            errors,
            is_model=False,
            by=by,
        )
        identifier = work.values.get(vkey(identifier_code, None, None)) if identifier_code else None
        work.identifier = identifier
        if identifier is None and by == "identifier":
            errors.append(
                violation(
                    "identifier",
                    "The identifier attribute cannot be empty.",
                    attribute=identifier_code,
                )
            )
        if identifier is not None:
            owner = self.by_identifier.get(identifier.lower())
            if owner is not None and owner != work.uuid:
                errors.append(
                    violation(
                        "identifier",
                        "The same identifier is already set on another product",
                        attribute=identifier_code,
                    )
                )
        errors.extend(self._unique_value_errors(work))
        if work.parent is not None:
            errors.extend(self._axis_errors(work, is_model=False))
        if errors:
            raise ValidationFailed(errors)
        if created or work.state() != before:
            old_values = product.values
            if (
                product.identifier
                and product.identifier.lower() in self.by_identifier
                and product.identifier != work.identifier
            ):
                self.by_identifier.pop(product.identifier.lower(), None)
            for slot in Product.__slots__:
                setattr(product, slot, getattr(work, slot))
            now = self.now()
            if created:
                product.created = now
                self._insert_product(product)
            product.updated = now
            if product.identifier:
                self.by_identifier[product.identifier.lower()] = product.uuid
            for children in self.children_products.values():
                children.discard(product.uuid)
            if product.parent:
                self.children_products.setdefault(product.parent, set()).add(product.uuid)
            self._reindex_unique(product, None if created else old_values)
        return created, product

    def _unique_index(self, code: str) -> dict[Any, str]:
        """Value -> product uuid of a unique attribute, built on first use, kept on writes."""
        index = self._unique_indexes.get(code)
        if index is None:
            key = vkey(code, None, None)
            index = {}
            for product in self.products.values():
                data = product.values.get(key)
                if data is not None:
                    index[repr(data)] = product.uuid
            self._unique_indexes[code] = index
        return index

    def _unique_value_errors(self, product: Product) -> list[dict[str, Any]]:
        errors = []
        for attribute in self.attributes.values():
            if not attribute["unique"] or attribute["type"] == IDENTIFIER:
                continue
            data = product.values.get(vkey(attribute["code"], None, None))
            if data is None:
                continue
            owner = self._unique_index(attribute["code"]).get(repr(data))
            if owner is not None and owner != product.uuid and owner in self.products:
                errors.append(
                    violation(
                        "values",
                        f"The value {data} is already set on another product for the unique attribute {attribute['code']}",
                        attribute=attribute["code"],
                    )
                )
        return errors

    def _reindex_unique(self, product: Product, before: dict[ValueKey, Any] | None) -> None:
        for code, index in self._unique_indexes.items():
            key = vkey(code, None, None)
            old = (before or {}).get(key)
            new = product.values.get(key) if product.uuid in self.products else None
            if old is not None and index.get(repr(old)) == product.uuid:
                index.pop(repr(old), None)
            if new is not None:
                index[repr(new)] = product.uuid

    def _axis_errors(
        self, entity: Product | ProductModel, *, is_model: bool
    ) -> list[dict[str, Any]]:
        """Variant axes must be filled, and unique among the siblings."""
        parent = self.product_models.get(entity.parent or "")
        if parent is None:
            return []
        variant = self.family_variants.get(parent.family_variant)
        if variant is None:
            return []
        level = len(self.ancestors(entity.parent))
        sets = variant["variant_attribute_sets"]
        if level - 1 >= len(sets):
            return []
        axes = sets[level - 1]["axes"]
        errors = []
        combination = []
        for axis in axes:
            data = entity.values.get(vkey(axis, None, None))
            if data is None:
                errors.append(
                    violation(
                        "attribute",
                        f'Attribute "{axis}" cannot be empty, as it is defined as an axis for this entity',
                        attribute=axis,
                    )
                )
            combination.append(repr(data))
        if errors:
            return errors
        siblings: list[Product | ProductModel]
        if is_model:
            siblings = [
                self.product_models[c]
                for c in self.children_models.get(parent.code, ())
                if c in self.product_models
            ]
        else:
            siblings = [
                self.products[u]
                for u in self.children_products.get(parent.code, ())
                if u in self.products
            ]
        for sibling in siblings:
            if (
                sibling is entity
                or getattr(sibling, "uuid", None) == getattr(entity, "uuid", 0)
                or getattr(sibling, "code", None) == getattr(entity, "code", 0)
            ):
                continue
            if [repr(sibling.values.get(vkey(a, None, None))) for a in axes] == combination:
                name = getattr(sibling, "identifier", None) or getattr(sibling, "code", "")
                errors.append(
                    violation(
                        "attribute",
                        f'Cannot set value "{", ".join(str(entity.values.get(vkey(a, None, None))) for a in axes)}" for the attribute axis '
                        f'"{", ".join(axes)}", as the variant "{name}" already has this value',
                        attribute=axes[0],
                    )
                )
                break
        return errors

    def delete_product(self, key: str, by: str) -> None:
        product = self.find_product(key, by)
        if product is None:
            raise NotFound(
                f'Product "{key}" does not exist or you do not have permission to access it.'
            )
        self._remove_product(product)

    def _remove_product(self, product: Product) -> None:
        self.products.pop(product.uuid, None)
        index = bisect.bisect_left(self.sorted_uuids, product.uuid)
        if index < len(self.sorted_uuids) and self.sorted_uuids[index] == product.uuid:
            self.sorted_uuids.pop(index)
        if product.identifier:
            self.by_identifier.pop(product.identifier.lower(), None)
        if product.parent:
            self.children_products.get(product.parent, set()).discard(product.uuid)
        self._completeness_cache.pop(product.uuid, None)
        self._reindex_unique(product, product.values)
        for other in [*self.products.values(), *self.product_models.values()]:
            for links in other.associations.values():
                if product.uuid in links.get("products", []):
                    links["products"] = [u for u in links["products"] if u != product.uuid]
            for links in other.quantified.values():
                if any(u == product.uuid for u, _ in links.get("products", [])):
                    links["products"] = [(u, q) for u, q in links["products"] if u != product.uuid]
        self._write_generation += 1

    # -- product models --------------------------------------------------------------------------
    def write_product_model(
        self, data: Any, *, key: str | None, mode: str
    ) -> tuple[bool, ProductModel]:
        if not isinstance(data, dict):
            raise BadRequest("Invalid json message received")
        self._check_fields(
            data,
            (
                "code",
                "family",
                "family_variant",
                "parent",
                "categories",
                "values",
                "associations",
                "quantified_associations",
            ),
        )
        body_code = data.get("code")
        if body_code is not None and not isinstance(body_code, str):
            raise type_error("code", "a scalar", body_code)
        if key is not None and body_code is not None and body_code != key:
            raise Unprocessable(
                f'The code "{body_code}" provided in the request body must match the code "{key}" provided in the url.'
            )
        code = key if key is not None else body_code
        if not code:
            raise ValidationFailed([violation("code", "This value should not be blank.")])
        model = self.product_models.get(code)
        if model is not None and mode == "create":
            raise ValidationFailed(
                [violation("code", "The same identifier is already set on another product model")]
            )
        created = model is None
        errors: list[dict[str, Any]] = []
        if created:
            if not re.fullmatch(r"[A-Za-z0-9_.\-]+", code):
                raise ValidationFailed(
                    [
                        violation(
                            "code",
                            "Product model code may contain only letters, numbers, dashes, dots and underscores.",
                        )
                    ]
                )
            model = ProductModel(code, self.model_seq + 1)
        assert model is not None
        before = model.state()
        work = ProductModel(model.code, model.seq)
        for slot in ProductModel.__slots__:
            setattr(work, slot, getattr(model, slot))
        if "parent" in data:
            parent = data["parent"]
            if parent is not None and not isinstance(parent, str):
                raise type_error("parent", "a string", parent)
            if parent in (None, ""):
                if not created and work.parent is not None:
                    errors.append(
                        violation(
                            "parent", "A sub product model can not become a root product model."
                        )
                    )
                work.parent = None
            else:
                parent_model = self.product_models.get(parent)
                if parent_model is None:
                    raise DocumentedUnprocessable(
                        f'Property "parent" expects a valid product model code. The product model does not exist, "{parent}" given.'
                    )
                if parent_model.parent is not None:
                    errors.append(
                        violation(
                            "parent",
                            f'The product model "{parent}" can not have product models as children.',
                        )
                    )
                work.parent = parent
                if "family_variant" not in data or data["family_variant"] is None:
                    work.family_variant = parent_model.family_variant
        if "family_variant" in data:
            variant_code = data["family_variant"]
            if not isinstance(variant_code, str):
                raise type_error("family_variant", "a string", variant_code)
            if variant_code not in self.family_variants:
                raise DocumentedUnprocessable(
                    f'Property "family_variant" expects a valid family variant code. The family variant does not exist, "{variant_code}" given.'
                )
            if not created and variant_code != model.family_variant:
                raise DocumentedUnprocessable(
                    f'Property "family_variant" cannot be modified, "{variant_code}" given.'
                )
            work.family_variant = variant_code
        if not work.family_variant:
            errors.append(
                violation("family_variant", "The product model family variant must not be empty.")
            )
            raise ValidationFailed(errors)
        variant = self.family_variants[work.family_variant]
        work.family = variant["family"]
        if "family" in data and data["family"] not in (None, work.family):
            errors.append(
                violation("family", f'The family of the product model must be "{work.family}".')
            )
        if work.parent is not None:
            parent_model = self.product_models[work.parent]
            if parent_model.family_variant != work.family_variant:
                errors.append(
                    violation(
                        "family_variant",
                        "The product model family variant must be the same than its parent.",
                    )
                )
            if len(variant["variant_attribute_sets"]) < 2:
                errors.append(
                    violation(
                        "parent",
                        f'The product model "{work.parent}" can not have product models as children.',
                    )
                )
        self._apply_common(work, data, errors, is_model=True, by="identifier")
        if work.parent is not None:
            errors.extend(self._axis_errors(work, is_model=True))
        if errors:
            raise ValidationFailed(errors)
        if created or work.state() != before:
            for slot in ProductModel.__slots__:
                setattr(model, slot, getattr(work, slot))
            now = self.now()
            if created:
                model.created = now
                self.model_seq += 1
                self.product_models[model.code] = model
                self.sorted_models.append((model.seq, model.code))
            model.updated = now
            for children in self.children_models.values():
                children.discard(model.code)
            if model.parent:
                self.children_models.setdefault(model.parent, set()).add(model.code)
            self._write_generation += 1
        return created, model

    def delete_product_model(self, code: str) -> None:
        """Deleting a model deletes its sub models and variant products, as Akeneo does."""
        model = self.product_models.get(code)
        if model is None:
            raise NotFound(
                f'Product model "{code}" does not exist or you do not have permission to access it.'
            )
        for child in list(self.children_models.get(code, ())):
            if child in self.product_models:
                self.delete_product_model(child)
        for product_uuid in list(self.children_products.get(code, ())):
            product = self.products.get(product_uuid)
            if product is not None:
                self._remove_product(product)
        self.product_models.pop(code, None)
        self.children_models.pop(code, None)
        self.children_products.pop(code, None)
        if model.parent:
            self.children_models.get(model.parent, set()).discard(code)
        index = bisect.bisect_left(self.sorted_models, (model.seq, code))
        if index < len(self.sorted_models) and self.sorted_models[index] == (model.seq, code):
            self.sorted_models.pop(index)
        for other in [*self.products.values(), *self.product_models.values()]:
            for links in other.associations.values():
                if code in links.get("product_models", []):
                    links["product_models"] = [c for c in links["product_models"] if c != code]
        self._write_generation += 1
