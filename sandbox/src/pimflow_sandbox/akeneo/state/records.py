"""Records of reference entities and assets of asset families: their values and writes."""

from __future__ import annotations

import re
from typing import Any

from pimflow_sandbox.akeneo.errors import (
    BadRequest,
    DocumentedUnprocessable,
    NotFound,
    Unprocessable,
    ValidationFailed,
    type_error,
    unknown_property,
    violation,
)
from pimflow_sandbox.akeneo.state.core import (
    ASSET_STORAGE,
    REFERENCE_ENTITY_STORAGE,
    format_datetime,
)
from pimflow_sandbox.akeneo.values import (
    ValueKey,
    is_empty,
    parse_date,
    vkey,
)


class RecordsMixin:
    """Writes of records (and assets: `owner` says which)."""

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
