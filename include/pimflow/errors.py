"""The error both shops' product mappers raise: one class, so a caller handles both alike."""

from __future__ import annotations


class MappingError(Exception):
    """A product (or category, feature) the shop would refuse, found before sending: names
    the field and why, so the product is skipped and reported instead of failing the batch."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason
