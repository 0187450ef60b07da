"""Akeneo `search` filters: the run's filters, `created` ranges, and URIs within the limit.

`SourceFilter` is what a run reads (channel, locales, delta window, enabled, completeness);
`scope_filters` turns it into `search` filters, `created_filter` adds the `created` range
that cuts a big family into disjoint parts (see pimflow.akeneo.structure.plan_partitions).

A long `IN` list (families of a partition, record or asset codes) can make a GET URI too
long, which Akeneo answers with 414. The guide's advice is to split the list: `split_in`
cuts it into the fewest chunks whose URIs stay under `MAX_URI_LENGTH`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

PRODUCTS_PATH = "/api/rest/v1/products-uuid"
MODELS_PATH = "/api/rest/v1/product-models"
# Akeneo's front servers refuse URIs over 8 KiB; leave room for the host and our params.
MAX_URI_LENGTH = 7000
# The upper end of an "at or after" range: BETWEEN is inclusive at both ends, so
# `created < X` and `created BETWEEN [X, LATEST]` split any set exactly in two, whatever
# precision the server keeps, and nothing is created after this.
LATEST = "9999-12-31 23:59:59"
NO_FAMILY = "__no_family__"  # in a plan: the products without a family


@dataclass(frozen=True)
class Window:
    """Delta mode reads what was updated in [after, before); full mode has no window."""

    after: datetime
    before: datetime

    def filter(self) -> list[dict[str, Any]]:
        return [
            {
                "operator": "BETWEEN",
                "value": [akeneo_datetime(self.after), akeneo_datetime(self.before)],
            }
        ]


@dataclass(frozen=True)
class SourceFilter:
    channel: str
    locales: list[str]
    window: Window | None = None
    enabled_only: bool = False
    min_completeness: int | None = None  # percent on the channel's chosen locales


def scope_filters(source: SourceFilter, for_products: bool) -> dict[str, Any]:
    """The run's filters besides families and the channel (`scope` is a query param)."""
    filters: dict[str, Any] = {}
    if source.window:
        filters["updated"] = source.window.filter()
    if for_products and source.enabled_only:
        filters["enabled"] = [{"operator": "=", "value": True}]
    if for_products and source.min_completeness is not None:
        filters["completeness"] = [
            {
                "operator": "GREATER OR EQUALS THAN ON ALL LOCALES",
                "value": source.min_completeness,
                "scope": source.channel,
                "locales": source.locales,
            }
        ]
    return filters


def created_filter(since: str | None, before: str | None) -> list[dict[str, Any]]:
    """`created` in [since, before) ('YYYY-MM-DD hh:mm:ss', None: open at that end).

    Two criteria on one property are allowed ("you can even combine several filters on
    the same product properties"); ranges that share their ends never overlap nor leave
    a gap, and the open ends still catch a product created during the run."""
    criteria: list[dict[str, Any]] = []
    if since is not None:
        criteria.append({"operator": "BETWEEN", "value": [since, LATEST]})
    if before is not None:
        criteria.append({"operator": "<", "value": before})
    return criteria


def search_param(filters: dict[str, list[dict[str, Any]]]) -> str:
    return json.dumps(filters, separators=(",", ":"), ensure_ascii=False)


def uri_length(path: str, params: dict[str, Any]) -> int:
    return len(path) + 1 + len(urlencode(params))


def piece_filters(
    source: SourceFilter,
    for_products: bool,
    families: list[str] | None,
    created: list[str | None] | None = None,
) -> dict[str, Any]:
    """The `search` filters of one piece of a partition: the run's filters, the families
    ([NO_FAMILY]: the products without one; None: no family filter) and the `created`
    range [since, before), if any."""
    filters = scope_filters(source, for_products)
    if families == [NO_FAMILY]:
        filters["family"] = [{"operator": "EMPTY"}]
    elif families is not None:
        filters["family"] = [{"operator": "IN", "value": families}]
    if created:
        filters["created"] = created_filter(*created)
    return filters


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
