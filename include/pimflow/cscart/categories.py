"""The categories stage: the channel's category tree, created and kept in CS-Cart.

Parents before children, one tree level at a time (a level's categories in parallel): a
child needs its parent's CS-Cart id. Each category costs one call when created (its name in
the base language lands in every language) plus one per language whose name differs;
afterwards only what changed is sent. A lost id map is rebuilt by name under the same parent;
a create whose answer was lost is looked up the same way before it is posted again, and the
category found is adopted (counted in `adopted`), never made twice.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pimflow.cscart.config import CsCartMapping
from pimflow.cscart.hook import CsCartHook, refusal
from pimflow.cscart.mapping import UNCLASSIFIED_KEY, category_core, category_texts
from pimflow.cscart.upload import (
    CATEGORY,
    CATEGORY_TEXT,
    Languages,
    load_category_rows,
    plan_view,
)
from pimflow.hooks.base import ApiError
from pimflow.results import StageResult
from pimflow.state import StateStore, payload_hash

log = logging.getLogger(__name__)


class CategorySync:
    def __init__(
        self,
        hook: CsCartHook,
        store: StateStore,
        target: str,
        languages: Languages,
        mapping: CsCartMapping,
    ) -> None:
        self.hook = hook
        self.store = store
        self.target = target
        self.languages = languages
        self.mapping = mapping
        self.result = StageResult()
        self.ids = {k: int(v) for k, v in store.remote_ids(target, CATEGORY).items()}
        self._shop_index: dict[tuple[int, str], list[int]] | None = None

    # -- rebuilding the id map -----------------------------------------------------------
    def _shop(self) -> dict[tuple[int, str], list[int]]:
        """(parent_id, lower-cased base-language name) → category ids, read once (one call
        per page of categories)."""
        if self._shop_index is None:
            index: dict[tuple[int, str], list[int]] = {}
            for page in self.hook.iter_pages(
                "categories",
                "categories",
                {"lang_code": self.languages.base_lang},
                self.mapping.page_size,
                keys=("category_id", "parent_id", "category"),
            ):
                for item in page:
                    key = (int(item["parent_id"]), str(item["category"]).strip().lower())
                    index.setdefault(key, []).append(int(item["category_id"]))
            for ids in index.values():
                ids.sort()
            self._shop_index = index
        return self._shop_index

    def _find(self, parent_id: int, name: str) -> int | None:
        found = self._shop().get((parent_id, name.strip().lower()))
        return found[0] if found else None

    def _lookup(self, parent_id: int, name: str) -> int | None:
        """The category a lost create made: by its name under its parent, read now (not
        the index read before the stage wrote), leaving out the ids this sync holds (those
        are other categories of the same name)."""
        claimed = set(self.ids.copy().values())
        wanted = name.strip().lower()
        for page in self.hook.iter_pages(
            "categories",
            "categories",
            {"parent_id": parent_id, "lang_code": self.languages.base_lang},
            self.mapping.page_size,
        ):
            for item in sorted(page, key=lambda c: int(c["category_id"])):
                category_id = int(item["category_id"])
                if (
                    int(item["parent_id"]) == parent_id
                    and str(item["category"]).strip().lower() == wanted
                    and category_id not in claimed
                ):
                    return category_id
        return None

    def _forget_missing(self) -> None:
        """Categories deleted in the shop since are forgotten, so they are created again
        (and the products in them, whose payloads name the new ids, are sent again)."""
        existing = {cid for ids in self._shop().values() for cid in ids}
        missing = [key for key, cid in self.ids.items() if cid not in existing]
        if missing:
            log.warning("%d categories are gone from CS-Cart: creating them again", len(missing))
            self.store.forget_remote_ids(self.target, CATEGORY, missing)
            for key in missing:
                del self.ids[key]

    # -- one category ----------------------------------------------------------------------
    def _sync_one(
        self, key: str, core: dict[str, Any], texts: dict[str, dict[str, Any]]
    ) -> dict[str, Any]:
        """Write what changed; return what landed (id, hashes) or the error."""
        category_id = self.ids.get(key)
        adopted = False
        if category_id is None:
            category_id = self._find(int(core["parent_id"]), core["category"])
            adopted = category_id is not None
        outcome: dict[str, Any] = {
            "key": key,
            "hashes": {},
            "text_hashes": {},
            "payloads": {key: core},
            "text_payloads": {f"{key}|{lang}": body for lang, body in texts.items()},
            "new": plan_view(core, texts),
        }
        try:
            try:
                category_id = self._write(key, category_id, core, texts, outcome)
            except ApiError as exc:
                if exc.status != 404 or category_id is None:
                    raise
                # Deleted in the shop since: create it again.
                log.warning(
                    "category %s (id %s) is gone from CS-Cart: creating it", key, category_id
                )
                self.store.forget_remote_ids(self.target, CATEGORY, [key])
                category_id = None
                category_id = self._write(key, None, core, texts, outcome)
        except ApiError as exc:
            field_name, reason = refusal(exc)
            outcome.update(status="failed", field=field_name or "category", reason=reason)
        outcome["id"] = category_id
        outcome["adopted"] = adopted
        return outcome

    def _write(
        self,
        key: str,
        category_id: int | None,
        core: dict[str, Any],
        texts: dict[str, dict[str, Any]],
        outcome: dict[str, Any],
    ) -> int:
        base_lang = self.languages.base_lang
        core_hash = payload_hash(core)
        text_hashes = {lang: payload_hash(body) for lang, body in texts.items()}
        if category_id is None:
            answer, adopted = self.hook.create(
                "categories",
                {**core, "lang_code": base_lang},
                lambda: self._lookup(int(core["parent_id"]), core["category"]),
                keys=("category_id",),
            )
            category_id = adopted if adopted is not None else int(answer["category_id"])
            outcome["created_id"] = category_id
            outcome["lost_and_adopted"] = adopted is not None
            for lang, body in texts.items():
                if body["category"] != core["category"]:  # a PUT of an id: safe to resend
                    self.hook.send("PUT", f"categories/{category_id}", {**body, "lang_code": lang})
            outcome["status"] = "created"
            outcome["hashes"] = {key: core_hash}
            outcome["text_hashes"] = {f"{key}|{lang}": h for lang, h in text_hashes.items()}
            return category_id
        known = self.store.hashes(self.target, CATEGORY, [key])
        known_texts = self.store.hashes(
            self.target, CATEGORY_TEXT, [f"{key}|{lang}" for lang in texts]
        )
        calls = 0
        if known.get(key) != core_hash:
            self.hook.send("PUT", f"categories/{category_id}", {**core, "lang_code": base_lang})
            calls += 1
        outcome["hashes"] = {key: core_hash}
        for lang, body in texts.items():
            text_key = f"{key}|{lang}"
            if known_texts.get(text_key) != text_hashes[lang]:
                self.hook.send("PUT", f"categories/{category_id}", {**body, "lang_code": lang})
                calls += 1
            outcome["text_hashes"][text_key] = text_hashes[lang]
        outcome["status"] = "updated" if calls else "unchanged"
        return category_id

    def _record(self, outcome: dict[str, Any]) -> None:
        key = outcome["key"]
        if outcome.get("created_id") is not None and outcome["status"] == "failed":
            outcome["id"] = outcome["created_id"]  # created, a translation failed: keep it
        if outcome.get("id") is not None:
            self.ids[key] = outcome["id"]
            self.store.save_remote_ids(self.target, CATEGORY, {key: str(outcome["id"])})
        if outcome["status"] == "failed":
            self.result.fail(CATEGORY, f"category {key}", outcome["field"], outcome["reason"])
            return
        if outcome["status"] == "updated":
            self.result.plan(
                CATEGORY, f"category {key}", "update", self._old(key, outcome), outcome["new"]
            )
        elif outcome["status"] == "created":
            self.result.plan(CATEGORY, f"category {key}", "create", None, outcome["new"])
        self.store.save(self.target, CATEGORY, outcome["hashes"], outcome["payloads"])
        self.store.save(
            self.target, CATEGORY_TEXT, outcome["text_hashes"], outcome["text_payloads"]
        )
        self.result.count(CATEGORY, outcome["status"])
        if outcome.get("lost_and_adopted"):
            self.result.adopt(CATEGORY)

    def _old(self, key: str, outcome: dict[str, Any]) -> dict[str, Any] | None:
        """What the category was last written as (before this run's save)."""
        core = self.store.payloads(self.target, CATEGORY, [key]).get(key)
        texts = self.store.payloads(self.target, CATEGORY_TEXT, list(outcome["text_payloads"]))
        return plan_view(core, {k.split("|", 1)[1]: body for k, body in texts.items()})

    # -- the tree --------------------------------------------------------------------------
    def sync(self, rows: list[dict[str, Any]]) -> StageResult:
        """Create or update every category of `rows`, parents first."""
        base = self.languages.base
        others = self.languages.others()
        self._forget_missing()
        depth: dict[str, int] = {}
        levels: list[list[dict[str, Any]]] = []
        for row in rows:
            parent = row.get("parent")
            level = depth[parent] + 1 if parent in depth else 0
            depth[row["code"]] = level
            while len(levels) <= level:
                levels.append([])
            levels[level].append(row)
        with ThreadPoolExecutor(max_workers=self.hook.max_concurrency) as pool:
            for level_rows in levels:
                work = []
                for row in level_rows:
                    self.result.count(CATEGORY, "read")
                    parent = row.get("parent")
                    parent_id = self.ids.get(parent, 0) if parent in depth else 0
                    if parent in depth and parent not in self.ids:
                        self.result.fail(
                            CATEGORY,
                            f"category {row['code']}",
                            "parent_id",
                            f"its parent {parent} is not in CS-Cart",
                        )
                        continue
                    core = category_core(row, parent_id, base)
                    texts = {
                        lang: category_texts(row, locale, base) for lang, locale in others.items()
                    }
                    work.append((row["code"], core, texts))
                with self.store.batched():  # a commit per batch of records, not each
                    for outcome in pool.map(lambda item: self._sync_one(*item), work):
                        self._record(outcome)
        return self.result

    def unclassified(self) -> int | None:
        """The hidden category for products in no category of the tree (CS-Cart needs one),
        made when a product first needs it; None when the mapping refuses such products or
        CS-Cart refused the category (reported)."""
        if not self.mapping.unclassified:
            return None
        self.result.count(CATEGORY, "read")
        core = {"category": self.mapping.unclassified, "parent_id": 0, "status": "H"}
        self._record(self._sync_one(UNCLASSIFIED_KEY, core, {}))
        return self.ids.get(UNCLASSIFIED_KEY)


def sync_categories(
    hook: CsCartHook,
    store: StateStore,
    target: str,
    folder: Any,
    structure: dict[str, Any],
    languages: Languages,
    mapping: CsCartMapping,
) -> StageResult:
    rows = load_category_rows(folder, structure.get("category_tree"), mapping)
    return CategorySync(hook, store, target, languages, mapping).sync(rows)
