"""Reference entities, and the attributes and attribute options that reference entities
and asset families both have (`owner` says which)."""

from __future__ import annotations

from typing import Any

from pimflow_sandbox.akeneo.errors import (
    NotFound,
)
from pimflow_sandbox.akeneo.structure import (
    REF_ATTRIBUTE,
    REF_OPTION,
    REFERENCE_ENTITY,
)


class ReferenceEntitiesMixin:
    """Writes of reference entities and of their (or asset families') attributes and options."""

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
