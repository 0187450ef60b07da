"""A verifying reconcile's read-back from CS-Cart: the products whose parts (core, texts,
images) are unchanged since pimflow wrote them, compared with what the shop holds now
(pimflow/verify.py).

CS-Cart has no bulk read by id but its product list filters by ids: one
`GET /products?pid=1,2,…&pshort=Y&pfull=Y` per chunk of products (250 while verifying) and
per language, the base language's answer giving the language-neutral fields and the
images, each other language's its texts. Compared are the fields the list answers, of
those pimflow writes: the core's (product_code, status, price, amount, weight,
categories, …), the texts' (name, short and full description) and the images (in order, by
the content hash the file is named after). Feature values are not in the list (one
`GET /products/:id` per product would be a call per product): they are not verified.

A product that differs is planned again with the parts that differed (`_Plan.send_*`) and
its `repair` fields; one the list lacks (deleted in the shop) is sent whole, and the
products stage finds it gone and creates it again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import PurePosixPath
from typing import Any

from pimflow.cscart.hook import CsCartHook
from pimflow.cscart.upload import plan_view
from pimflow.results import StageResult
from pimflow.verify import Sample, differences

PRODUCT = "product"
BATCH = 250  # products per read-back call (and per products chunk while verifying)
GONE = "product (deleted in the shop)"
IMAGES = "images"
# Core fields compared as sets: CS-Cart does not keep their order.
UNORDERED = ("category_ids",)


class CsCartVerifier:
    """Reads back the sampled unchanged products of a chunk and plans again those drifted."""

    def __init__(
        self, hook: CsCartHook, sample: Sample, result: StageResult, base_lang: str
    ) -> None:
        self.hook = hook
        self.sample = sample
        self.result = result
        self.base_lang = base_lang

    def wants(self, key: str) -> bool:
        return key in self.sample

    def drifted(self, plans: list[Any], unchanged: Callable[[Any], None]) -> list[Any]:
        """The plans (products_.Plan, unchanged) whose product the shop holds otherwise, each
        with the parts to send again and its `repair` fields; `unchanged(plan)` for the
        others."""
        ids = [plan.product_id for plan in plans]
        languages = sorted({lang for plan in plans for lang in plan.mapped.texts})
        records = {lang: self._read(ids, lang) for lang in languages}
        found = []
        for plan in plans:
            self.result.count(PRODUCT, "verified")
            fields = self._compare(plan, records)
            if not fields:
                unchanged(plan)
                continue
            plan.repair = fields
            found.append(plan)
        return found

    def _read(self, ids: list[int], lang: str) -> dict[int, dict[str, Any]]:
        """The shop's list records of `ids` in one language, by product id (one call per
        BATCH ids)."""
        records: dict[int, dict[str, Any]] = {}
        for start in range(0, len(ids), BATCH):
            part = ids[start : start + BATCH]
            self.result.extra["verify_calls"] = self.result.extra.get("verify_calls", 0) + 1
            body = self.hook.get_json(
                "products",
                {
                    "pid": ",".join(str(i) for i in part),
                    "pshort": "Y",
                    "pfull": "Y",
                    "lang_code": lang,
                    "items_per_page": len(part),
                    "page": 1,
                },
            )
            items = body.get("products") or []
            for item in items.values() if isinstance(items, Mapping) else items:
                records[int(item["product_id"])] = item
        return records

    def _compare(self, plan: Any, records: Mapping[str, Mapping[int, dict[str, Any]]]) -> list[str]:
        """The fields that differ, the plan's parts to send set accordingly."""
        item = plan.mapped
        base = records.get(self.base_lang, {}).get(plan.product_id)
        if base is None:  # deleted in the shop: all of it again
            plan.send_core = plan.send_images = True
            plan.send_texts = list(item.texts)
            return [GONE]
        fields = core_drift(item.core, base)
        plan.send_core = bool(fields)
        images = [_hash_of(pair) for pair in shop_images(base)]
        if images != list(item.image_digest):
            plan.send_images = True
            fields.append(IMAGES)
        shop_texts = {}
        for lang, texts in item.texts.items():
            record = records.get(lang, {}).get(plan.product_id) or {}
            shop_texts[lang] = {**texts, **_listed(record, texts)}
            drifted = differences(_listed(texts, record), record)
            if drifted:
                plan.send_texts.append(lang)
                # The base language's by their name; another's with its code: "product (de)".
                fields += [
                    name if lang == self.base_lang else f"{name} ({lang})" for name in drifted
                ]
        # What the plan shows as old: the shop's values (ours where the list has none).
        plan.old = plan_view({**item.core, **_listed(base, item.core)}, shop_texts, images=images)
        return sorted(set(fields))


def core_drift(core: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
    """The core's fields the list record holds otherwise (those the list answers)."""
    ours = _listed(core, record)
    theirs = dict(record)
    for name in UNORDERED:
        if name in ours:
            ours[name] = sorted(int(i) for i in ours[name] or [])
            theirs[name] = sorted(int(i) for i in theirs.get(name) or [])
    return differences(ours, theirs)


def shop_images(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The main image, then the additional ones by position: compared with the content
    hashes of the files pimflow sent, in order (the shop names each file after the URL it
    fetched it from, which ends in its content hash)."""
    pairs = []
    if isinstance(record.get("main_pair"), Mapping) and record["main_pair"]:
        pairs.append(record["main_pair"])
    extra = record.get("image_pairs") or {}
    extra = list(extra.values()) if isinstance(extra, Mapping) else list(extra)
    pairs += sorted(extra, key=lambda p: (int(p.get("position") or 0), int(p.get("pair_id") or 0)))
    return pairs


def _hash_of(pair: Mapping[str, Any]) -> str:
    detailed = pair.get("detailed") or pair.get("icon") or {}
    name = PurePosixPath(str(detailed.get("image_path") or "").split("?", 1)[0]).name
    return name[:64]


def _listed(part: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a payload part that the list answers (features never)."""
    return {k: v for k, v in part.items() if k in record and k != "product_features"}
