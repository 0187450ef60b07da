"""Attribute groups, attributes and attribute options."""

from __future__ import annotations

from typing import Any

from pimflow_sandbox.akeneo.errors import (
    NotFound,
    Unprocessable,
)
from pimflow_sandbox.akeneo.structure import (
    ATTRIBUTE,
    ATTRIBUTE_GROUP,
    ATTRIBUTE_OPTION,
)
from pimflow_sandbox.akeneo.values import (
    SELECT_TYPES,
    format_decimal,
)


class AttributesMixin:
    """Writes of attribute groups, attributes and their options."""

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
