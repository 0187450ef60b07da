"""Families and family variants."""

from __future__ import annotations

from typing import Any

from pimflow_sandbox.akeneo.errors import (
    NotFound,
)
from pimflow_sandbox.akeneo.structure import (
    FAMILY,
    FAMILY_VARIANT,
)


class FamiliesMixin:
    """Writes of families and family variants."""

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
            and isinstance(data.get("code"), str)
            and data["code"] in self.family_variants
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
