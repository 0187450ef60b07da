"""Drift: what the shop holds of a product against what pimflow last wrote there.

Change detection trusts the state store: a row whose payload hash is the one last written
is not sent. A product edited in the shop by hand (a price, a name, a removed image) would
stay wrong until Akeneo changes it. A reconcile with `verify` (pimflow/pipeline/params.py)
reads those rows back from the shop, in batches (each target's own `verify` module),
and sends again the ones whose fields differ: `repaired`, with the fields, in the report.

Here, what every target shares: which rows a run verifies (`Sample`), and the comparison of
a payload with the shop's record (`differences`), both pure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

# Two amounts are the same when they differ by less than this (the shop keeps 2 decimals of
# a price, floats of a weight): 0.004 would be a rounding, 0.01 an edit.
TOLERANCE = Decimal("0.005")


class Sample:
    """The rows a run verifies: a share of them, chosen by a hash of the row's key and a
    seed (the run), so a retry of the run verifies the same rows and the next run others."""

    def __init__(self, share: Fraction, seed: str) -> None:
        if not 0 < share <= 1:
            raise ValueError(f"a verify sample is a share in (0, 1], got {share}")
        self.share = share
        self.seed = seed
        self._bound = share * 2**64

    def __contains__(self, key: object) -> bool:
        if self.share == 1:
            return True
        digest = hashlib.sha256(f"{self.seed}|{key}".encode()).digest()
        return int.from_bytes(digest[:8], "big") < self._bound


def run_sample(context: Any) -> Sample | None:
    """The rows a stage verifies (a pimflow.targets.base.StageContext's run): None unless
    the run reconciles with `verify` on or a `verify_sample` set (pipeline/params.py)."""
    from pimflow.pipeline.params import verify_share

    share = verify_share(context.params, context.reconcile)
    return None if share is None else Sample(share, str(context.folder))


def differences(
    expected: Mapping[str, Any],
    actual: Mapping[str, Any],
    name: Callable[[str], str] = lambda key: key,
) -> list[str]:
    """The fields of `expected` (a payload pimflow wrote) that `actual` (the shop's record)
    holds otherwise, by `name(key)`: values the same but for the type the shop answers in
    ("19.90" for 19.9), lists of rows by id the same whatever their order. A key the shop's
    record lacks differs unless its payload value is empty."""
    return sorted(
        {name(key) for key, value in expected.items() if not same(value, actual.get(key))}
    )


def same(expected: Any, actual: Any) -> bool:
    """Whether the shop holds `expected` (see `differences`): a mapping's every key; a list
    of rows with ids, the same ids with the same fields; other lists in order."""
    if _empty(expected):
        return _empty(actual)
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return False
        return all(same(value, actual.get(key)) for key, value in expected.items())
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return False
        key = _row_key(expected)
        if key is not None:
            theirs = {str(row.get(key)): row for row in actual if isinstance(row, Mapping)}
            ours = {str(row.get(key)): row for row in expected}
            return ours.keys() == theirs.keys() and all(
                same(row, theirs[k]) for k, row in ours.items()
            )
        return len(expected) == len(actual) and all(map(same, expected, actual))
    if isinstance(expected, bool) or isinstance(actual, bool):
        return _truth(expected) == _truth(actual)
    ours, theirs = _number(expected), _number(actual)
    if ours is not None and theirs is not None:
        return abs(ours - theirs) < TOLERANCE
    return str(expected) == str(actual)


def _row_key(rows: list[Any]) -> str | None:
    """What names each row of a list of rows: its `id` (or a price's `currencyId`)."""
    if not rows or not all(isinstance(row, Mapping) for row in rows):
        return None
    for key in ("id", "currencyId"):
        if all(row.get(key) for row in rows):
            return key
    return None


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _truth(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.upper() in ("Y", "1", "TRUE"):
        return True
    if isinstance(value, str) and value.upper() in ("N", "0", "FALSE"):
        return False
    if isinstance(value, int | float):
        return bool(value)
    return None


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None
