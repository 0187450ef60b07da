"""The features stage: one CS-Cart feature per mapped attribute, its variants complete.

CS-Cart deletes every variant a feature `PUT` leaves out ("the variants that you don't send
will be lost"), with the product values that used them. So every `PUT` of a feature lists
all its variants: the ones Akeneo defines (with their CS-Cart ids once known), plus the
shop's others, except the options Akeneo removed. The shop's current variants are read
(`GET /features/:id`) before a change, which also rebuilds a lost id map by name.

Calls: a new feature costs a POST, a GET (its new variant ids) and a PUT per language
whose texts differ; an unchanged one costs nothing.

A create whose answer was lost is looked up by feature code (then by type and name) before
it is posted again, and the feature found is adopted (counted in `adopted`). The PUTs are
safe to send again: a variant without an id whose name the feature has is that variant
(CS-Cart reuses it), so a resent PUT adds none twice.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pimflow.akeneo.datasets import PRODUCT_MODELS, PRODUCTS
from pimflow.cscart.config import CsCartMapping
from pimflow.cscart.defaults import CatalogMapping
from pimflow.cscart.hook import CsCartHook, refusal
from pimflow.cscart.mapping import (
    METRIC,
    FeatureSpec,
    UnitConverter,
    VariantDef,
    boolean_variants,
    collect_variant_values,
    feature_core,
    feature_texts,
    metric_variant,
    plan_features,
)
from pimflow.cscart.upload import (
    FEATURE,
    FEATURE_TEXT,
    FEATURE_VARIANT,
    Languages,
    load_attribute_rows,
    load_axes,
    load_catalog,
    load_converter,
    load_options,
    load_records,
    plan_view,
)
from pimflow.hooks.base import ApiError
from pimflow.results import StageResult
from pimflow.staging import read_rows
from pimflow.state import StateStore, payload_hash

log = logging.getLogger(__name__)


def plan(
    folder: Any, mapping: CsCartMapping
) -> tuple[dict[str, dict[str, Any]], list[FeatureSpec], UnitConverter, CatalogMapping]:
    """Staged attributes, the features they become, the unit converter, and the mapping as
    it applies to this catalog (akeneo.structure refused the run if it cannot)."""
    attributes = load_attribute_rows(folder)
    converter = load_converter(folder)
    catalog = load_catalog(folder, mapping)
    specs = plan_features(attributes, catalog.mapping, load_axes(folder, catalog.mapping))
    return attributes, specs, converter, catalog


def variant_definitions(
    folder: Any, specs: list[FeatureSpec], mapping: CsCartMapping, converter: UnitConverter
) -> dict[str, list[VariantDef]]:
    """Every feature's variants: the options, the staged records, yes and no (a boolean
    axis), or the values products and product models hold (numbers, metrics named with
    their unit, reference data), in a stable order."""
    result: dict[str, list[VariantDef]] = {}
    by_source: dict[str, list[FeatureSpec]] = {}
    for spec in specs:
        by_source.setdefault(spec.variant_source, []).append(spec)
    options = load_options(folder, [s.attribute for s in by_source.get("options", [])])
    for spec in by_source.get("options", []):
        result[spec.attribute] = options.get(spec.attribute, [])
    record_specs = by_source.get("records", [])
    records = load_records(
        folder, {s.reference_entity or "" for s in record_specs}, mapping.record_label
    )
    for spec in record_specs:
        result[spec.attribute] = records.get(spec.reference_entity or "", [])
    for spec in by_source.get("boolean", []):
        result[spec.attribute] = boolean_variants()
    value_specs = by_source.get("values", [])
    if value_specs:
        seen: dict[str, dict[str, dict[str, str]]] = {s.attribute: {} for s in value_specs}
        for dataset in (PRODUCTS, PRODUCT_MODELS):
            for row in read_rows(folder, dataset):
                values = row.get("values") or {}
                for spec in value_specs:
                    if spec.attribute in values:
                        for code, labels in collect_variant_values(spec, values, converter).items():
                            seen[spec.attribute].setdefault(code, labels)
        for spec in value_specs:
            found = seen[spec.attribute]
            codes = sorted(found, key=lambda c: (float(c), c)) if spec.numeric else sorted(found)
            if spec.attribute_type == METRIC and spec.feature_type == "S":
                symbol = converter.symbols.get((spec.metric_family, spec.metric_unit), "")
                result[spec.attribute] = [metric_variant(code, symbol) for code in codes]
                continue
            result[spec.attribute] = [VariantDef(code, found[code]) for code in codes]
    return result


class FeatureSync:
    def __init__(
        self,
        hook: CsCartHook,
        store: StateStore,
        target: str,
        languages: Languages,
        mapping: CsCartMapping,
        complete: bool = True,
    ) -> None:
        self.hook = hook
        self.store = store
        self.target = target
        self.languages = languages
        self.mapping = mapping
        self.complete = complete  # a complete read: every record and value is staged
        self.result = StageResult()
        self.ids = {k: int(v) for k, v in store.remote_ids(target, FEATURE).items()}
        self.variant_ids = {k: int(v) for k, v in store.remote_ids(target, FEATURE_VARIANT).items()}

    # -- rebuilding the id map -----------------------------------------------------------
    def _shop_features(self) -> tuple[dict[str, int], dict[tuple[str, str], int], set[int]]:
        """The shop's features by feature_code, and by (type, base-language name): to find
        features a lost id map forgot, and to notice features deleted in the shop."""
        by_code: dict[str, int] = {}
        by_name: dict[tuple[str, str], int] = {}
        every: set[int] = set()
        for page in self.hook.iter_pages(
            "features",
            "features",
            {"lang_code": self.languages.base_lang},
            self.mapping.page_size,
            keys=("feature_id",),
        ):
            for item in page:
                feature_id = int(item["feature_id"])
                every.add(feature_id)
                if item.get("feature_code"):
                    by_code.setdefault(str(item["feature_code"]), feature_id)
                name = (str(item.get("feature_type")), str(item.get("description", "")).lower())
                by_name.setdefault(name, feature_id)
        return by_code, by_name, every

    def _lookup(self, spec: FeatureSpec, description: str) -> int | None:
        """The feature a lost create made: by its code, else by type and name, read now
        (ids this sync holds for other attributes left out)."""
        claimed = set(self.ids.copy().values())
        by_code, by_name, _ = self._shop_features()
        for found in (
            by_code.get(spec.feature_code),
            by_name.get((spec.feature_type, description.lower())),
        ):
            if found is not None and found not in claimed:
                return found
        return None

    def _variants(self, feature_id: int, lang: str) -> dict[int, str]:
        """The feature's variants in CS-Cart, id → name in `lang`."""
        _, body = self.hook.send("GET", f"features/{feature_id}", params={"lang_code": lang})
        variants = (body or {}).get("variants") or {}
        items = variants.values() if isinstance(variants, dict) else variants
        return {int(v["variant_id"]): str(v.get("variant", "")) for v in items}

    # -- one feature -----------------------------------------------------------------------
    def _sync_guarded(
        self,
        spec: FeatureSpec,
        variants: list[VariantDef],
        symbol: str,
        feature_id: int | None,
        own: dict[str, int],
    ) -> dict[str, Any]:
        """A feature deleted in the shop since (404) is created again, with new variants."""
        outcome = self._sync_one(spec, variants, symbol, feature_id, own)
        if outcome["status"] == "failed" and outcome.get("http_status") == 404 and feature_id:
            log.warning(
                "feature %s (id %s) is gone from CS-Cart: creating it", spec.attribute, feature_id
            )
            self.store.forget_remote_ids(self.target, FEATURE, [spec.attribute])
            stale = [f"{spec.attribute}/{code}" for code in own]
            self.store.forget_remote_ids(self.target, FEATURE_VARIANT, stale)
            outcome = self._sync_one(spec, variants, symbol, None, {})
            outcome["removed_keys"] = sorted(set(outcome["removed_keys"]) | set(stale))
        return outcome

    def _sync_one(
        self,
        spec: FeatureSpec,
        variants: list[VariantDef],
        symbol: str,
        feature_id: int | None,
        own: dict[str, int],
    ) -> dict[str, Any]:
        """`own`: the variant ids the id map holds for this feature, by variant code."""
        attribute = spec.attribute
        base, base_lang = self.languages.base, self.languages.base_lang
        core = feature_core(spec, variants, base, self.mapping, symbol)
        texts = {
            lang: feature_texts(spec, variants, locale, base)
            for lang, locale in self.languages.others().items()
        }
        core_hash = payload_hash(core)
        text_hashes = {lang: payload_hash(body) for lang, body in texts.items()}
        known = self.store.hashes(self.target, FEATURE, [attribute])
        known_texts = self.store.hashes(
            self.target, FEATURE_TEXT, [f"{attribute}|{lang}" for lang in texts]
        )
        codes = [v.code for v in variants]
        vids = {code: own[code] for code in codes if code in own}
        gone: list[str] = []
        if spec.variant_source == "options":  # the options are complete: a missing one is gone
            gone = [code for code in own if code not in set(codes)]
        removed = {own[code] for code in gone}
        outcome: dict[str, Any] = {
            "attribute": attribute,
            "id": feature_id,
            "removed_keys": [f"{attribute}/{code}" for code in gone],
            "new": _view(core, texts),
            "payloads": {},
            "text_payloads": {},
        }
        changed_core = feature_id is None or known.get(attribute) != core_hash
        changed_texts = [
            lang for lang in texts if known_texts.get(f"{attribute}|{lang}") != text_hashes[lang]
        ]
        # A partial read (delta) stages only the records and values its products use: such a
        # feature is written only to add the variants it lacks, and its hashes stay those
        # of the last complete read.
        partial = not self.complete and spec.variant_source in ("records", "values")
        if partial and feature_id is not None:
            changed_core = len(vids) < len(set(codes))
            changed_texts = list(texts) if changed_core else []
        if not changed_core and not changed_texts and len(vids) == len(set(codes)):
            outcome.update(status="unchanged", vids=vids, hashes={}, text_hashes={})
            return outcome
        base_names = {v["code"]: v["variant"] for v in core.get("variants", [])}
        try:
            if feature_id is None:
                body = {k: v for k, v in core.items() if k != "variants"}
                if spec.has_variants:
                    body["variants"] = [
                        {"variant": v["variant"], "position": v["position"]}
                        for v in core["variants"]
                    ]
                answer, adopted = self.hook.create(
                    "features",
                    {**body, "lang_code": base_lang},
                    lambda: self._lookup(spec, core["description"]),
                    keys=("feature_id",),
                )
                feature_id = adopted if adopted is not None else int(answer["feature_id"])
                outcome["id"] = feature_id
                outcome["lost_and_adopted"] = adopted is not None
                status = "created"
                kept: dict[int, str] = {}
                if spec.has_variants:
                    shop = self._variants(feature_id, base_lang)
                    vids = _adopt(vids, base_names, shop)
                # CS-Cart copied the base texts into every language: write the others.
                changed_texts = [
                    lang for lang, body in texts.items() if _differs(body, core, spec.has_variants)
                ]
            else:
                writes = 0
                kept = {}
                if spec.has_variants:
                    shop = self._variants(feature_id, base_lang)
                    vids = _adopt(vids, base_names, shop)
                    ours = set(vids.values())
                    kept = {vid: name for vid, name in shop.items() if vid not in ours | removed}
                    if any(code not in vids for code in codes):
                        changed_core = True  # a variant to add (or one deleted in the shop)
                if changed_core:
                    new_codes = [code for code in codes if code not in vids]
                    body = {k: v for k, v in core.items() if k != "variants"}
                    if spec.has_variants:
                        body["variants"] = _variant_items(core["variants"], vids, kept)
                    self.hook.send(
                        "PUT", f"features/{feature_id}", {**body, "lang_code": base_lang}
                    )
                    writes += 1
                    if new_codes:
                        vids = _adopt(vids, base_names, self._variants(feature_id, base_lang))
                        # New variants carry their base name in every language.
                        for lang, body in texts.items():
                            if lang not in changed_texts and any(
                                v["code"] in new_codes and v["variant"] != base_names[v["code"]]
                                for v in body["variants"]
                            ):
                                changed_texts.append(lang)
                writes += len(changed_texts)
                status = "updated" if writes else "unchanged"
            missing = [code for code in codes if code not in vids]
            if spec.has_variants and missing:
                raise _Refused(
                    "variants", f"CS-Cart kept no variant for {', '.join(sorted(missing)[:5])}"
                )
            for lang in changed_texts:
                body = dict(texts[lang])
                if spec.has_variants:
                    names = kept and self._variants(feature_id, lang)
                    lang_kept = {vid: names.get(vid, kept[vid]) for vid in kept} if kept else {}
                    body["variants"] = _variant_items(texts[lang]["variants"], vids, lang_kept)
                self.hook.send(
                    "PUT",
                    f"features/{feature_id}",
                    {**body, "feature_type": spec.feature_type, "lang_code": lang},
                )
        except ApiError as exc:
            field_name, reason = refusal(exc)
            outcome.update(
                status="failed",
                field=field_name or "feature",
                reason=reason,
                vids=vids,
                http_status=exc.status,
            )
            return outcome
        except _Refused as exc:
            outcome.update(status="failed", field=exc.field, reason=exc.reason, vids=vids)
            return outcome
        outcome.update(
            status=status,
            vids=vids,
            hashes={} if partial else {attribute: core_hash},
            text_hashes={}
            if partial
            else {f"{attribute}|{lang}": h for lang, h in text_hashes.items()},
        )
        outcome["partial"] = partial
        if not partial:
            outcome["payloads"] = {attribute: core}
            outcome["text_payloads"] = {f"{attribute}|{lang}": b for lang, b in texts.items()}
        return outcome

    def _record(self, outcome: dict[str, Any]) -> None:
        attribute = outcome["attribute"]
        if outcome.get("id") is not None:
            self.ids[attribute] = outcome["id"]
            self.store.save_remote_ids(self.target, FEATURE, {attribute: str(outcome["id"])})
        vids = {f"{attribute}/{code}": vid for code, vid in (outcome.get("vids") or {}).items()}
        if vids:
            self.variant_ids.update(vids)
            self.store.save_remote_ids(
                self.target, FEATURE_VARIANT, {k: str(v) for k, v in vids.items()}
            )
        if outcome["status"] == "failed":
            self.result.fail(FEATURE, f"feature {attribute}", outcome["field"], outcome["reason"])
            return
        if outcome["removed_keys"]:
            self.store.forget_remote_ids(self.target, FEATURE_VARIANT, outcome["removed_keys"])
            for key in outcome["removed_keys"]:
                self.variant_ids.pop(key, None)
        if outcome["status"] == "created":
            self.result.plan(FEATURE, f"feature {attribute}", "create", None, outcome["new"])
        elif outcome["status"] == "updated":
            old, new = self._old(attribute), outcome["new"]
            if outcome.get("partial") and old:
                new = _added_to(old, new)  # a partial read's variants are only some of them
            self.result.plan(FEATURE, f"feature {attribute}", "update", old, new)
        self.store.save(self.target, FEATURE, outcome["hashes"], outcome["payloads"])
        self.store.save(self.target, FEATURE_TEXT, outcome["text_hashes"], outcome["text_payloads"])
        self.result.count(FEATURE, outcome["status"])
        if outcome.get("lost_and_adopted"):
            self.result.adopt(FEATURE)

    def _old(self, attribute: str) -> dict[str, Any] | None:
        """What the feature was last written as (before this run's save)."""
        core = self.store.payloads(self.target, FEATURE, [attribute]).get(attribute)
        keys = [f"{attribute}|{lang}" for lang in self.languages.others()]
        texts = self.store.payloads(self.target, FEATURE_TEXT, keys)
        if core is None and not texts:
            return None
        return _view(core or {}, {k.split("|", 1)[1]: body for k, body in texts.items()})

    def sync(
        self,
        specs: list[FeatureSpec],
        variants: dict[str, list[VariantDef]],
        converter: UnitConverter,
    ) -> StageResult:
        by_code, by_name, existing = self._shop_features()
        missing = [attribute for attribute, fid in self.ids.items() if fid not in existing]
        if missing:
            # Deleted in the shop since: create them again (products, whose payloads name
            # the new ids, are then sent again too).
            log.warning("features %s are gone from CS-Cart: creating them again", missing)
            self.store.forget_remote_ids(self.target, FEATURE, missing)
            stale = [k for k in self.variant_ids if k.split("/", 1)[0] in set(missing)]
            self.store.forget_remote_ids(self.target, FEATURE_VARIANT, stale)
            for attribute in missing:
                del self.ids[attribute]
            for key in stale:
                del self.variant_ids[key]
        work = []
        for spec in specs:
            self.result.count(FEATURE, "read")
            feature_id = self.ids.get(spec.attribute)
            if feature_id is None:
                name = feature_core(spec, [], self.languages.base, self.mapping)["description"]
                feature_id = by_code.get(spec.feature_code) or by_name.get(
                    (spec.feature_type, name.lower())
                )
            symbol = ""
            if spec.metric_family and spec.metric_unit:
                symbol = converter.symbols.get((spec.metric_family, spec.metric_unit), "")
            prefix = f"{spec.attribute}/"
            own = {
                key[len(prefix) :]: vid
                for key, vid in self.variant_ids.items()
                if key.startswith(prefix)
            }
            work.append((spec, variants.get(spec.attribute, []), symbol, feature_id, own))
        # Recorded feature after feature, committed a batch at a time (and at the end).
        with self.store.batched(), ThreadPoolExecutor(self.hook.max_concurrency) as pool:
            for outcome in pool.map(lambda item: self._sync_guarded(*item), work):
                self._record(outcome)
        self.result.extra["variants"] = sum(len(v) for v in variants.values())
        return self.result


class _Refused(Exception):
    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


def _adopt(vids: dict[str, int], names: dict[str, str], shop: dict[int, str]) -> dict[str, int]:
    """Variant ids for the codes that lack one, by the shop variant of the same name (CS-Cart
    itself reuses a same-named variant instead of adding another)."""
    by_name: dict[str, int] = {}
    for vid, name in sorted(shop.items()):
        by_name.setdefault(name.strip().lower(), vid)
    result = {code: vid for code, vid in vids.items() if vid in shop}
    for code, name in names.items():
        if code not in result and name.strip().lower() in by_name:
            result[code] = by_name[name.strip().lower()]
    return result


def _variant_items(
    variants: list[dict[str, Any]], vids: dict[str, int], kept: dict[int, str]
) -> list[dict[str, Any]]:
    """A feature PUT's complete variant list: ours (with ids once known), then the shop's
    others, named as they are, so that none of them is lost."""
    items = []
    for variant in variants:
        item = {"variant": variant["variant"]}
        if "position" in variant:
            item["position"] = variant["position"]
        if variant["code"] in vids:
            item["variant_id"] = vids[variant["code"]]
        items.append(item)
    items.extend({"variant_id": vid, "variant": name} for vid, name in sorted(kept.items()))
    return items


def _view(core: dict[str, Any], texts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A feature as the plan shows it: its variants by code (one field each, not one
    list), in the base language and in each other."""

    def by_code(body: dict[str, Any]) -> dict[str, Any]:
        if "variants" not in body:
            return body
        named = {str(v["code"]): v.get("variant") for v in body["variants"]}
        return {**{k: v for k, v in body.items() if k != "variants"}, "variants": named}

    return plan_view(by_code(core), {lang: by_code(body) for lang, body in texts.items()}) or {}


def _added_to(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """`new`'s variants added to `old`'s (base language and each other one)."""
    merged = {**old, **{k: v for k, v in new.items() if k not in ("variants", "texts")}}
    if "variants" in old or "variants" in new:
        merged["variants"] = {**old.get("variants", {}), **new.get("variants", {})}
    texts = {}
    for lang, body in (new.get("texts") or {}).items():
        before = (old.get("texts") or {}).get(lang) or {}
        texts[lang] = {**before, **body}
        if "variants" in before or "variants" in body:
            texts[lang]["variants"] = {**before.get("variants", {}), **body.get("variants", {})}
    if texts:
        merged["texts"] = texts
    return merged


def _differs(texts: dict[str, Any], core: dict[str, Any], with_variants: bool) -> bool:
    if texts["description"] != core["description"]:
        return True
    if not with_variants:
        return False
    base = {v["code"]: v["variant"] for v in core["variants"]}
    return any(base.get(v["code"]) != v["variant"] for v in texts["variants"])


def sync_features(
    hook: CsCartHook,
    store: StateStore,
    target: str,
    folder: Any,
    languages: Languages,
    mapping: CsCartMapping,
    complete_read: bool = True,
) -> StageResult:
    """`complete_read`: a full read, whose staged records and values are all there are."""
    _, specs, converter, catalog = plan(folder, mapping)
    variants = variant_definitions(folder, specs, catalog.mapping, converter)
    sync = FeatureSync(hook, store, target, languages, mapping, complete_read)
    return sync.sync(specs, variants, converter)
