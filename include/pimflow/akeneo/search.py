"""Akeneo `search` filters, built so that no request URI grows past Akeneo's limit.

A long `IN` list (families of a partition, record or asset codes) can make a GET URI too
long, which Akeneo answers with 414. The guide's advice is to split the list: `split_in`
cuts it into the fewest chunks whose URIs stay under `MAX_URI_LENGTH`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

# Akeneo's front servers refuse URIs over 8 KiB; leave room for the host and our params.
MAX_URI_LENGTH = 7000


def search_param(filters: dict[str, list[dict[str, Any]]]) -> str:
    return json.dumps(filters, separators=(",", ":"), ensure_ascii=False)


def uri_length(path: str, params: dict[str, Any]) -> int:
    return len(path) + 1 + len(urlencode(params))


def split_in(
    path: str,
    values: Sequence[str],
    build: Callable[[list[str]], dict[str, Any]],
    max_length: int = MAX_URI_LENGTH,
) -> Iterator[dict[str, Any]]:
    """Yield query params for `values` in chunks; `build(chunk)` makes one query's params.

    Greedy: each chunk takes as many values as fit, so the number of requests stays minimal.
    """
    remaining = list(values)
    while remaining:
        size = len(remaining)
        params = build(remaining)
        if uri_length(path, params) > max_length:
            low, high = 1, size  # the largest prefix that fits
            while low < high:
                middle = (low + high + 1) // 2
                if uri_length(path, build(remaining[:middle])) <= max_length:
                    low = middle
                else:
                    high = middle - 1
            size = low
            params = build(remaining[:size])
            if uri_length(path, params) > max_length:
                raise ValueError(f"one value alone makes the URI too long: {remaining[0][:80]!r}")
        yield params
        remaining = remaining[size:]


def akeneo_datetime(moment: datetime) -> str:
    """Akeneo's product date filters take 'YYYY-MM-DD hh:mm:ss' in the server's time zone
    (UTC on SaaS)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
