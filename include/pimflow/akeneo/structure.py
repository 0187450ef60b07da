"""The structure stage: what a product's values mean (guide steps 1 and 2).

Stages the channel (locales, currencies, category tree), the attributes with their types
and properties, every select attribute's options (read through the API, so labels are
known even where `with_attribute_options` is not offered), families and family variants,
the channel's categories and the measurement families. Also plans how the products and
product models stages are split into partitions for mapped tasks: balanced by count
calls, a big family cut into `created` ranges (plan_partitions).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import ObjectStoragePath

from pimflow.akeneo.datasets import (
    ATTRIBUTE_OPTIONS,
    ATTRIBUTES,
    CATEGORIES,
    FAMILIES,
    FAMILY_VARIANTS,
    MEASUREMENT_FAMILIES,
)
from pimflow.akeneo.search import (
    MODELS_PATH,
    NO_FAMILY,
    PRODUCTS_PATH,
    SourceFilter,
    Window,
    akeneo_datetime,
    piece_filters,
    search_param,
    split_in,
)
from pimflow.akeneo.values import MULTI_SELECT_TYPES, SELECT_TYPES, AttributeInfo
from pimflow.hooks.akeneo import AkeneoHook
from pimflow.hooks.shapes import PAGE as PAGE_SHAPE
from pimflow.staging import ChunkWriter, read_json, read_rows, write_json

log = logging.getLogger(__name__)

OPTION_TYPES = frozenset({"pim_catalog_simpleselect", "pim_catalog_multiselect"})


def extract_structure(
    hook: AkeneoHook,
    folder: ObjectStoragePath,
    channel: str,
    locales: list[str] | None = None,
    families: list[str] | None = None,
    partitions: int = 4,
    *,
    window: Window | None = None,
    enabled_only: bool = False,
    min_completeness: int | None = None,
    plan_by_count: bool = True,
) -> dict[str, Any]:
    """Stage the catalog structure; return a summary with the partition plan.

    The plan counts what the run reads (the window and product filters given here);
    `plan_by_count=False` deals families without counting, for a limited read whose
    partitions read chosen trees by code (pimflow.akeneo.selection)."""
    channel_item = hook.get_json(f"/channels/{channel}", expect=dict, keys=("locales",))
    channel_locales = list(channel_item.get("locales") or [])
    chosen_locales = list(locales or channel_locales)
    unknown_locales = sorted(set(chosen_locales) - set(channel_locales))
    if unknown_locales:
        raise ValueError(
            f"locales {unknown_locales} are not activated on channel {channel!r} "
            f"(it has {channel_locales})"
        )

    counts: dict[str, int] = {}
    option_attributes: list[str] = []
    identifier = None
    with ChunkWriter(folder, ATTRIBUTES) as writer:
        for item in hook.iter_items("/attributes", keys=("code", "type")):
            writer.add(item)
            if item["type"] in OPTION_TYPES:
                option_attributes.append(item["code"])
            elif item["type"] == "pim_catalog_identifier":
                identifier = item["code"]
    counts["attributes"] = writer.count

    with ChunkWriter(folder, ATTRIBUTE_OPTIONS) as writer:
        for code in option_attributes:
            for option in hook.iter_items(f"/attributes/{code}/options", keys=("code",)):
                writer.add({**option, "attribute": code})
    counts["attribute_options"] = writer.count

    family_codes: list[str] = []
    with ChunkWriter(folder, FAMILIES) as writer:
        for item in hook.iter_items("/families", keys=("code",)):
            if families and item["code"] not in families:
                continue
            writer.add(item)
            family_codes.append(item["code"])
    counts["families"] = writer.count
    missing = sorted(set(families or ()) - set(family_codes))
    if missing:
        raise ValueError(f"families {missing} do not exist in Akeneo")

    with ChunkWriter(folder, FAMILY_VARIANTS) as writer:
        for family in family_codes:
            for variant in hook.iter_items(f"/families/{family}/variants", keys=("code",)):
                writer.add({**variant, "family": family})
    counts["family_variants"] = writer.count

    tree = channel_item.get("category_tree")
    with ChunkWriter(folder, CATEGORIES) as writer:
        writer.extend(
            _category_tree(
                hook.iter_items("/categories", {"with_position": "true"}, keys=("code",)), tree
            )
        )
    counts["categories"] = writer.count

    with ChunkWriter(folder, MEASUREMENT_FAMILIES) as writer:
        # A plain list (Akeneo documents no pagination here), not a page envelope.
        for item in hook.get_json("/measurement-families", expect=list, keys=("code",)):
            writer.add(
                {
                    "code": item["code"],
                    "standard_unit_code": item.get("standard_unit_code"),
                    "units": item.get("units") or {},
                    "labels": item.get("labels") or {},
                }
            )
    counts["measurement_families"] = writer.count

    plan, planning = deal_partitions(family_codes, partitions, not families), {"calls": 0}
    if plan_by_count:
        source = SourceFilter(channel, chosen_locales, window, enabled_only, min_completeness)
        try:
            plan, planning = plan_partitions(
                hook, source, family_codes, partitions, not families, identifier
            )
        except CountUnavailable as missing:  # still a complete plan, only not balanced
            log.warning("partitions dealt by family, not balanced: %s", missing)
            planning = {"calls": None, "not_balanced": str(missing)}
    channel_info = {
        "channel": channel,
        "locales": chosen_locales,
        "currencies": list(channel_item.get("currencies") or []),
        "category_tree": tree,
        "families_filter": list(families or []),
    }
    write_json(folder / "channel.json", channel_info)
    return {**channel_info, "counts": counts, "partitions": plan, "planning": planning}


def _category_tree(categories: Iterable[dict[str, Any]], root: str | None) -> list[dict[str, Any]]:
    """The categories of the channel's tree (all trees when the channel has none), parents
    before children so a writer can create them in order."""
    items = {c["code"]: c for c in categories}
    children: dict[str | None, list[str]] = {}
    for code, item in items.items():
        children.setdefault(item.get("parent"), []).append(code)
    for codes in children.values():
        codes.sort(key=lambda c: (items[c].get("position") or 0, c))
    starts = [root] if root in items else children.get(None, [])
    ordered, stack = [], list(reversed(starts))
    while stack:
        code = stack.pop()
        item = items[code]
        ordered.append(
            {
                "code": code,
                "parent": item.get("parent"),
                "position": item.get("position"),
                "labels": item.get("labels") or {},
            }
        )
        stack.extend(reversed(children.get(code, [])))
    return ordered


# -- the partition plan ---------------------------------------------------------------------
PAGE = 100
MIN_SHARE = 2 * PAGE  # a partition worth fewer than two pages costs a task for little
SNAP = 0.1  # a partition may end this share of the mean early or late: no cut for less
CUT_SLACK = SNAP  # a cut lands this close to where it is wanted: ends err by SNAP at most
MAX_PROBES = 6  # count calls to place one cut, at most
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
KINDS = (("products", PRODUCTS_PATH, True), ("product_models", MODELS_PATH, False))


def _seconds(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds())


def _stamp(seconds: int) -> str:
    return akeneo_datetime(EPOCH + timedelta(seconds=seconds))


class CountUnavailable(Exception):
    """The API gave no `items_count`: the plan cannot be balanced by counts."""


class KindCounter:
    """Count calls for one kind (products or product models) under the run's filters:
    page pagination with `limit=1&with_count=true` (search_after gives no count), the same
    scope and locales as the read, and only the identifier's values (a small page)."""

    def __init__(
        self,
        hook: AkeneoHook,
        path: str,
        source: SourceFilter,
        for_products: bool,
        identifier: str | None,
    ) -> None:
        self.hook, self.path, self.source, self.for_products = hook, path, source, for_products
        self.common = {"scope": source.channel, "locales": ",".join(source.locales)}
        if identifier:
            self.common["attributes"] = identifier
        self.calls = 0

    def _get(self, params: dict[str, Any], expect: Any = dict) -> dict[str, Any]:
        self.calls += 1
        return self.hook.get_json(self.path, params, expect=expect)

    def count(self, families: list[str] | None, created: list[str | None] | None = None) -> int:
        """Items of `families` (None: every family, and none) in the `created` range."""

        def build(chunk: list[str] | None) -> dict[str, Any]:
            filters = piece_filters(self.source, self.for_products, chunk, created)
            return {**self.common, "search": search_param(filters)}

        queries = [build(None)] if families is None else split_in(self.path, families, build)
        total = 0
        for query in queries:
            counted = self._get({**query, "limit": 1, "with_count": "true"}).get("items_count")
            if counted is None:
                raise CountUnavailable(f"{self.path} answered with_count=true without items_count")
            total += int(counted)
        return total

    def count_before(self, family: str, seconds: int) -> int:
        return self.count([family], [None, _stamp(seconds)])

    def created_sample(self, family: str) -> list[int]:
        """The creation times (s) of one page of the family: where to look for cuts."""
        filters = piece_filters(self.source, self.for_products, [family])
        query = {**self.common, "search": search_param(filters), "limit": PAGE}
        page = self._get(query, PAGE_SHAPE)
        return sorted(
            _seconds(datetime.fromisoformat(item["created"]))
            for item in page["_embedded"]["items"]
            if item.get("created")
        )


class CreatedCuts:
    """Where to cut a family by `created` so that about `want` of its items come before.

    A count of the items created before a moment is a point of the family's cumulative
    curve, which only grows with time. A page of the family's creation dates guides the
    first probes; each further probe lands between the known points around `want`. Items
    created in the same second cannot be parted: the cut then lands as near as they allow.
    """

    def __init__(
        self,
        count_before: Callable[[str, int], int],
        sample: Callable[[str], list[int]],
        latest: int,
    ) -> None:
        self.count_before, self.sample, self.latest = count_before, sample, latest
        self.known: dict[str, dict[int, int]] = {}  # family → {seconds: items before}
        self.samples: dict[str, list[int]] = {}

    def cut(self, family: str, total: int, want: int, slack: float) -> tuple[int, int]:
        """(moment, items of the family created before it), within `slack` of `want` when
        MAX_PROBES count calls can find one."""
        # Nothing was created before 1970, and the whole family before the end of planning.
        known = self.known.setdefault(family, {0: 0, self.latest: total})
        if family not in self.samples:
            self.samples[family] = self.sample(family)
        for probe in range(MAX_PROBES + 1):
            best = min(known.items(), key=lambda point: (abs(point[1] - want), point[0]))
            low = max(t for t, c in known.items() if c <= want)
            high = min(t for t, c in known.items() if c >= want)
            if abs(best[1] - want) <= slack or high - low <= 1 or probe == MAX_PROBES:
                return best
            moment = self._guess(self.samples[family], low, high, known[low], known[high], want)
            known[moment] = self.count_before(family, moment)
        return best  # not reached: the last probe returns

    @staticmethod
    def _guess(sample: list[int], low: int, high: int, below: int, above: int, want: int) -> int:
        """A moment strictly between `low` and `high` (no known point lies there)."""
        share = (want - below) / max(1, above - below)
        inside = [t for t in sample if low < t < high]
        if inside:  # the sample's own quantile: a good guess when pages are in random order
            return inside[min(len(inside) - 1, int(share * len(inside)))]
        return min(high - 1, max(low + 1, low + round((high - low) * share)))


Cut = Callable[[str, int, int, float], tuple[int, int]]


def balance(counts: dict[str, int], bins: int, cut: Cut) -> list[dict[str, Any]]:
    """Families into at most `bins` shares of about the same number of items.

    The families, biggest first, are laid end to end and cut where each share should
    end (at i × the mean): a share ends early or late by up to SNAP × the mean rather than
    cut a family for less, and a cut is found by `created` counts (`cut`) within
    CUT_SLACK × the mean. Each end is placed from the start, not from the previous
    share's end, so errors do not add up: a share holds at most (1 + 2 × SNAP) × the
    mean, 1.2 ×, unless one second holds too many items of a family to cut between them.
    """
    total = sum(counts.values())
    mean = total / bins
    snap = SNAP * mean
    shares: list[dict[str, Any]] = [{"whole": [], "cut": [], "count": 0} for _ in range(bins)]
    current = placed = 0

    def place(family: str, since: int | None, before: int | None, items: int) -> None:
        share = shares[current]
        if since is None and before is None:
            share["whole"].append(family)
        else:
            bounds = [None if since is None else _stamp(since), None]
            if before is not None:
                bounds[1] = _stamp(before)
            share["cut"].append({"families": [family], "created": bounds})
        share["count"] += items

    for family, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        taken, since = 0, None  # items of the family placed so far; the moment the rest begin
        while True:
            rest, end = count - taken, (current + 1) * mean
            if current == bins - 1 or placed + rest <= end + snap:
                place(family, since, None, rest)
                placed += rest
                if current < bins - 1 and placed >= end - snap:
                    current += 1
                break
            if end - placed <= snap:  # full enough: the family goes on in the next share
                current += 1
                continue
            moment, before = cut(family, count, taken + round(end - placed), CUT_SLACK * mean)
            if before >= count:  # no moment parts the rest (one second holds it): keep it whole
                place(family, since, None, rest)
                placed += rest
                current += 1
                break
            if before > taken:
                place(family, since, moment, before - taken)
                placed += before - taken
                taken, since = before, moment
            current += 1
    return [_pieces(share) for share in shares if share["whole"] or share["cut"]]


def _pieces(share: dict[str, Any]) -> dict[str, Any]:
    """One share as the pieces a partition reads: its whole families in one `IN` query
    (the family-less products apart: their filter is `EMPTY`), then each cut piece."""
    whole = sorted(f for f in share["whole"] if f != NO_FAMILY)
    pieces: list[dict[str, Any]] = [{"families": whole}] if whole else []
    if NO_FAMILY in share["whole"]:
        pieces.append({"families": [NO_FAMILY]})
    pieces += share["cut"]
    return {"pieces": pieces, "count": share["count"]}


def plan_partitions(
    hook: AkeneoHook,
    source: SourceFilter,
    families: list[str],
    partitions: int,
    include_no_family: bool,
    identifier: str | None = None,
    now: datetime | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The partitions that the mapped tasks read, balanced by count; and what planning cost.

    Products and product models have separate plans (their families differ in size:
    a family with most models may have few products) zipped into one list, since both
    tasks are mapped over it: partition i reads share i of each kind. Calls: one count of
    each kind's total; when it is worth more than one partition, one count per family and
    kind, and for each family cut, one page of creation dates plus at most MAX_PROBES
    counts per cut. Counts use the run's filters (window, enabled, completeness), so a
    delta balances what it reads; a product created later is read all the same (the
    ranges are open at both ends), and one updated during the run only moves a share."""
    codes = sorted(families) + ([NO_FAMILY] if include_no_family else [])
    latest = _seconds((now or datetime.now(UTC)) + timedelta(days=1))
    shares: dict[str, list[dict[str, Any]]] = {}
    summary: dict[str, Any] = {"calls": 0}
    for entity, path, for_products in KINDS:
        kind_codes = codes if for_products else [c for c in codes if c != NO_FAMILY]
        counter = KindCounter(hook, path, source, for_products, identifier)
        total = counter.count(None if include_no_family else kind_codes) if kind_codes else 0
        bins = max(1, min(partitions, total // MIN_SHARE))
        if bins == 1:
            shares[entity] = [_pieces({"whole": kind_codes, "cut": [], "count": total})]
        else:
            counts = {code: counter.count([code]) for code in kind_codes}
            cuts = CreatedCuts(counter.count_before, counter.created_sample, latest)
            shares[entity] = balance(counts, bins, cuts.cut)
        summary["calls"] += counter.calls
        sizes = [share["count"] for share in shares[entity]]
        summary[entity] = {"total": total, "sizes": sizes}
    plan = []
    for index in range(max(len(kind) for kind in shares.values())):
        partition: dict[str, Any] = {"name": f"p{index}", "counts": {}}
        for entity, kind in shares.items():
            share = kind[index] if index < len(kind) else {"pieces": [], "count": 0}
            partition[entity] = share["pieces"]
            partition["counts"][entity] = share["count"]
        partition["families"] = sorted(
            {f for entity, _, _ in KINDS for p in partition[entity] for f in p["families"]}
        )
        plan.append(partition)
    return plan, summary


def deal_partitions(
    families: list[str], partitions: int, include_no_family: bool
) -> list[dict[str, Any]]:
    """Families dealt round-robin into at most `partitions` groups, with no count calls:
    for a limited read (`product_limit`), whose partitions read chosen trees by code."""
    count = max(1, min(partitions, len(families) or 1))
    groups: list[list[str]] = [[] for _ in range(count)]
    for index, family in enumerate(sorted(families)):
        groups[index % count].append(family)
    if include_no_family:
        groups[-1].append(NO_FAMILY)
    plan = []
    for index, group in enumerate(groups):
        pieces = _pieces({"whole": group, "cut": [], "count": 0})["pieces"]
        plan.append(
            {
                "name": f"p{index}",
                "products": pieces,
                "product_models": pieces,
                "families": sorted(group),
            }
        )
    return plan


# -- readers for later stages ---------------------------------------------------------------
def load_channel(folder: ObjectStoragePath) -> dict[str, Any]:
    return read_json(folder / "channel.json")


def load_attributes(folder: ObjectStoragePath) -> dict[str, AttributeInfo]:
    return {row["code"]: AttributeInfo.from_api(row) for row in read_rows(folder, ATTRIBUTES)}


def load_option_labels(folder: ObjectStoragePath) -> dict[tuple[str, str], dict[str, str]]:
    """(attribute, option code) → labels."""
    return {
        (row["attribute"], row["code"]): row.get("labels") or {}
        for row in read_rows(folder, ATTRIBUTE_OPTIONS)
    }


def load_family_variants(folder: ObjectStoragePath) -> dict[str, dict[str, Any]]:
    return {row["code"]: row for row in read_rows(folder, FAMILY_VARIANTS)}


def is_option_type(attribute_type: str) -> bool:
    return attribute_type in SELECT_TYPES or attribute_type in MULTI_SELECT_TYPES
