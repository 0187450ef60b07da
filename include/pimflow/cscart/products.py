"""The products stage: staged products mapped and written, one product per call chain.

CS-Cart has no bulk endpoint, so products are written with bounded concurrency (a thread
pool of the connection's `max_concurrency`, which the hook's semaphore also enforces), a
chunk at a time so memory stays bounded. Per product, only the parts whose hash changed are
sent: the language-neutral core, the base language's texts and the images together in one
`PUT`, then one `PUT` per other language whose texts changed. A new product is one `POST`
(its base texts land in every language) plus a `PUT` per language whose texts differ.

Before writing, products the id map does not know are looked up in CS-Cart by product
code: one listing of the whole shop when that is fewer calls than one search per product.
So a lost state store costs some reads, never a duplicate; nor does a lost answer: a
create whose answer was lost is looked up by its code before it is posted again
(`CsCartHook.create`), and the product found is adopted (counted in `adopted`). In a
verifying reconcile, unchanged products are listed back (cscart/verify.py) and the parts
CS-Cart holds otherwise are written again: `updated`, and `repaired` with the fields.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from pimflow.akeneo.datasets import CATEGORIES, PRODUCTS
from pimflow.akeneo.values import ASSET_TYPES
from pimflow.cscart.categories import CategorySync
from pimflow.cscart.config import CsCartMapping
from pimflow.cscart.features import plan
from pimflow.cscart.hook import CsCartHook, refusal
from pimflow.cscart.mapping import (
    UNCLASSIFIED_KEY,
    MappedProduct,
    MappingError,
    ProductContext,
    map_product,
    merge_bodies,
    product_key,
)
from pimflow.cscart.upload import (
    CATEGORY,
    FEATURE,
    FEATURE_VARIANT,
    PRODUCT,
    PRODUCT_IMAGES,
    PRODUCT_TEXT,
    Languages,
    load_assets,
    load_media,
    plan_view,
)
from pimflow.hooks.base import ApiError
from pimflow.hooks.shapes import ShapeError
from pimflow.results import ADOPTED, StageResult
from pimflow.staging import read_rows
from pimflow.state import StateStore, payload_hash

log = logging.getLogger(__name__)

CHUNK = 200  # products mapped, compared and written per round
IMAGE = "image"


def build_context(
    hook: CsCartHook,
    store: StateStore,
    target: str,
    folder: Any,
    structure: Mapping[str, Any],
    languages: Languages,
    mapping: CsCartMapping,
    urls: Any,
) -> tuple[ProductContext, list[str]]:
    """Everything mapping needs, from the staged structure and the id map; and warnings
    about features the features stage could not write (their values are not sent)."""
    attributes, specs, converter, catalog = plan(folder, mapping)
    mapping = catalog.mapping
    images = catalog.all_image_attributes()
    feature_ids = {k: int(v) for k, v in store.remote_ids(target, FEATURE).items()}
    warnings = []
    kept_specs = []
    for spec in specs:
        if spec.attribute in feature_ids:
            kept_specs.append(spec)
        else:
            warnings.append(spec.attribute)
    category_ids = {k: int(v) for k, v in store.remote_ids(target, CATEGORY).items()}
    order = {row["code"]: index for index, row in enumerate(read_rows(folder, CATEGORIES))}
    families = {
        row.get("reference_data_name") or ""
        for code, row in attributes.items()
        if code in images and row["type"] in ASSET_TYPES
    }
    ctx = ProductContext(
        channel=structure["channel"],
        languages=languages.by_locale,
        base=languages.base,
        mapping=mapping,
        attributes=attributes,
        features=kept_specs,
        feature_ids=feature_ids,
        variant_ids={k: int(v) for k, v in store.remote_ids(target, FEATURE_VARIANT).items()},
        category_ids={k: v for k, v in category_ids.items() if k in order},
        category_order=order,
        converter=converter,
        media=load_media(folder, urls) if images else {},
        assets=load_assets(
            folder, families, mapping.asset_file_attribute, languages.base, structure["channel"]
        ),
        unclassified_id=category_ids.get(UNCLASSIFIED_KEY) if mapping.unclassified else None,
        catalog=catalog,
    )
    return ctx, warnings


@dataclass
class _Plan:
    """One product's writes: which parts changed since they last landed."""

    mapped: MappedProduct
    product_id: int | None
    core_hash: str
    text_hashes: dict[str, str]  # lang -> hash
    image_hash: str
    send_core: bool
    send_images: bool
    send_texts: list[str]  # languages whose texts changed
    old: dict[str, Any] | None = None  # the plan's view of what was last written
    repair: list[str] | None = None  # unchanged, but the shop holds these fields otherwise


@dataclass
class _Outcome:
    key: str
    identifier: str
    product_id: int | None = None
    status: str = "unchanged"  # created, updated, unchanged, failed
    adopted: bool = False  # created, its answer lost: found by code instead of made twice
    images: str = ""  # created, updated or "" (not sent)
    hashes: dict[str, dict[str, str]] = field(default_factory=dict)  # entity -> key -> hash
    payloads: dict[str, dict[str, Any]] = field(default_factory=dict)  # as hashes
    error: tuple[str, str] | None = None
    plan: tuple[dict[str, Any] | None, dict[str, Any]] | None = None  # (old, new) views
    repair: list[str] | None = None  # as the plan's


class ProductUploader:
    def __init__(
        self,
        hook: CsCartHook,
        store: StateStore,
        target: str,
        ctx: ProductContext,
        chunk_size: int = CHUNK,
    ) -> None:
        self.hook = hook
        self.store = store
        self.target = target
        self.ctx = ctx
        self.mapping = ctx.mapping
        self.chunk_size = chunk_size
        self.result = StageResult()
        self.ids = {k: int(v) for k, v in store.remote_ids(target, PRODUCT).items()}
        self.lookups = 0
        self._names: _Names | None = None  # made when the first product is planned
        # What the written products' outcomes tell the state store, saved once a chunk
        # (four commits a chunk, not four a product; see `_save`).
        self._unsaved_ids: dict[str, str] = {}
        self._unsaved_hashes: dict[str, dict[str, str]] = {}
        self._unsaved_payloads: dict[str, dict[str, Any]] = {}
        # A verifying reconcile's read-back (cscart/verify.py): unchanged products the shop
        # holds otherwise are written again.
        self.verifier: Any = None

    # -- before writing --------------------------------------------------------------------
    def prepare(
        self, products: Iterable[Mapping[str, Any]], unclassified: Callable[[], int | None]
    ) -> None:
        """One pass over the staged products: find those the id map lacks in CS-Cart, and
        have the fallback category made if a product is in no category of the tree."""
        unknown: dict[str, str] = {}
        homeless = False
        for product in products:
            key = product_key(product)
            if key not in self.ids and product.get("identifier"):
                unknown[str(product["identifier"]).lower()] = key
            if not homeless:
                homeless = not any(
                    c in self.ctx.category_ids for c in product.get("categories") or ()
                )
        if homeless and self.ctx.unclassified_id is None:
            self.ctx.unclassified_id = unclassified()
        self.resolve_unknown(unknown)

    def resolve_unknown(self, unknown: dict[str, str]) -> int:
        """Find products the id map lacks (lower-cased code -> key) in CS-Cart by product
        code (case-blind, as CS-Cart compares); return how many were found."""
        if not unknown:
            return 0
        total = self.hook.total("products")
        if total == 0:
            return 0
        page_size = self.mapping.page_size
        found: dict[str, list[int]] = {}
        if len(unknown) >= math.ceil(total / page_size):
            for page in self.hook.iter_pages(
                "products", "products", None, page_size, keys=("product_id",)
            ):
                for item in page:
                    code = str(item.get("product_code") or "").lower()
                    if code in unknown:
                        found.setdefault(code, []).append(int(item["product_id"]))
        else:
            with ThreadPoolExecutor(max_workers=self.hook.max_concurrency) as pool:
                for code, ids in pool.map(self._search_code, sorted(unknown)):
                    if ids:
                        found[code] = ids
        adopted = {}
        for code, ids in found.items():
            if len(ids) > 1:
                log.warning(
                    "CS-Cart has %d products with code %s (%s): using the first",
                    len(ids),
                    code,
                    sorted(ids),
                )
            adopted[unknown[code]] = min(ids)
        self.ids.update(adopted)
        self.store.save_remote_ids(self.target, PRODUCT, {k: str(v) for k, v in adopted.items()})
        self.lookups = len(unknown)
        return len(adopted)

    def _find(self, identifier: str) -> int | None:
        """The product a lost create made, by its code (the lowest id should there be more:
        `prepare` found none with this code before the stage wrote)."""
        _, ids = self._search_code(identifier.lower())
        return min(ids) if ids else None

    def _search_code(self, code: str) -> tuple[str, list[int]]:
        """`pcode` is a LIKE search: compare the codes it finds exactly."""
        ids = []
        for page in self.hook.iter_pages(
            "products", "products", {"pcode": code}, self.mapping.page_size, keys=("product_id",)
        ):
            ids += [
                int(item["product_id"])
                for item in page
                if str(item.get("product_code") or "").lower() == code
            ]
        return code, ids

    # -- planning --------------------------------------------------------------------------
    def _plan_chunk(self, products: list[Mapping[str, Any]]) -> list[_Plan]:
        mapped: list[MappedProduct] = []
        for product in products:
            self.result.count(PRODUCT, "read")
            identifier = str(product.get("identifier") or product.get("uuid") or "?")
            try:
                item = map_product(product, self.ctx)
            except MappingError as exc:
                self.result.fail(PRODUCT, identifier, exc.field, exc.reason)
                continue
            except Exception as exc:  # noqa: BLE001 - one product's surprise, not the stage's
                log.exception("mapping product %s failed", identifier)
                self.result.fail(PRODUCT, identifier, "", f"{type(exc).__name__}: {exc}")
                continue
            for field_name, reason in item.warnings:
                self.result.warn(PRODUCT, item.identifier, field_name, reason)
            mapped.append(item)
        keys = [m.key for m in mapped]
        base_lang = self.ctx.base_lang
        core_known, image_known, text_known = self._parts(
            self.store.hashes, keys, [f"{m.key}|{lang}" for m in mapped for lang in m.texts]
        )
        plans, steady = [], []
        for item in mapped:
            core_hash = payload_hash(item.core)
            text_hashes = {lang: payload_hash(body) for lang, body in item.texts.items()}
            image_hash = payload_hash(item.image_digest)
            product_id = self.ids.get(item.key)
            send_texts = [
                lang
                for lang, digest in text_hashes.items()
                if text_known.get(f"{item.key}|{lang}") != digest
            ]
            plan = _Plan(
                mapped=item,
                product_id=product_id,
                core_hash=core_hash,
                text_hashes=text_hashes,
                image_hash=image_hash,
                send_core=core_known.get(item.key) != core_hash,
                send_images=image_known.get(item.key) != image_hash,
                send_texts=send_texts,
            )
            if product_id is not None and not (plan.send_core or plan.send_images or send_texts):
                if self.verifier is not None and self.verifier.wants(item.key):
                    steady.append(plan)
                else:
                    self._unchanged(plan)
                continue
            if base_lang not in item.texts:
                self.result.fail(PRODUCT, item.identifier, "lang_code", "no base texts")
                continue
            plans.append(plan)
        self._old_views(plans)
        if steady:
            plans += self.verifier.drifted(steady, self._unchanged)
        return plans

    def _unchanged(self, plan: _Plan) -> None:
        self.result.count(PRODUCT, "unchanged")
        if plan.mapped.image_digest:
            self.result.count(IMAGE, "read")
            self.result.count(IMAGE, "unchanged")

    def _parts(
        self, read: Callable[..., dict[str, Any]], keys: list[str], text_keys: list[str]
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """What the store holds (hashes or payloads) of the core, images and texts."""
        return (
            read(self.target, PRODUCT, keys),
            read(self.target, PRODUCT_IMAGES, keys),
            read(self.target, PRODUCT_TEXT, text_keys),
        )

    def _old_views(self, plans: list[_Plan]) -> None:
        """What each product to write was last written as, for the plan: the stored
        payloads of the parts that changed (those unchanged are as they are now); one
        query per part for the chunk."""
        keys = [p.mapped.key for p in plans if p.product_id is not None]
        if not keys:
            return
        cores, images, texts = self._parts(
            self.store.payloads,
            keys,
            [f"{p.mapped.key}|{lang}" for p in plans for lang in p.send_texts],
        )
        for todo in plans:
            item = todo.mapped
            if todo.product_id is None:
                continue
            old_texts = {
                lang: texts.get(f"{item.key}|{lang}") if lang in todo.send_texts else body
                for lang, body in item.texts.items()
            }
            todo.old = plan_view(
                cores.get(item.key) if todo.send_core else item.core,
                {lang: body for lang, body in old_texts.items() if body is not None},
                images=images.get(item.key) if todo.send_images else item.image_digest,
            )

    # -- writing ---------------------------------------------------------------------------
    def _write(self, plan: _Plan) -> _Outcome:
        item = plan.mapped
        outcome = _Outcome(item.key, item.identifier, plan.product_id, repair=plan.repair)
        try:
            if plan.product_id is not None:
                try:
                    self._update(plan, outcome)
                    return outcome
                except ApiError as exc:
                    if exc.status != 404:
                        raise
                # Deleted in CS-Cart since: find it by code again, else create it.
                log.warning("product %s is gone from CS-Cart (id %s)", item.key, plan.product_id)
                outcome.product_id = None
                _, ids = self._search_code(item.identifier.lower())
                if ids:
                    plan.product_id = min(ids)
                    plan.send_core = plan.send_images = True
                    plan.send_texts = list(item.texts)
                    self._update(plan, outcome)
                    return outcome
            self._create(plan, outcome)
        except ApiError as exc:
            outcome.status = "failed"
            field_name, reason = refusal(exc)
            if not field_name and "image" in reason and item.image_digest:
                field_name = "main_pair"  # CS-Cart could not take one of the images
            outcome.error = (field_name, reason)
        except ShapeError:  # the shop's answers are not CS-Cart's: no product would land
            raise
        except Exception as exc:  # noqa: BLE001 - one product's surprise, not the stage's
            log.exception("writing product %s failed", item.identifier)
            outcome.status = "failed"
            outcome.error = ("", f"{type(exc).__name__}: {exc}")
        return outcome

    def _create(self, plan: _Plan, outcome: _Outcome) -> None:
        item = plan.mapped
        base_lang = self.ctx.base_lang
        amount = None if self.mapping.amount_attribute else self.mapping.amount_default
        answer, adopted = self.hook.create(
            "products",
            item.create_body(base_lang, amount),
            lambda: self._find(item.identifier),
            keys=("product_id",),
        )
        outcome.product_id = adopted if adopted is not None else int(answer["product_id"])
        outcome.adopted = adopted is not None
        outcome.status = "created"
        outcome.images = "created" if item.image_digest else ""
        outcome.hashes = {
            PRODUCT: {item.key: plan.core_hash},
            PRODUCT_IMAGES: {item.key: plan.image_hash},
            PRODUCT_TEXT: {f"{item.key}|{base_lang}": plan.text_hashes[base_lang]},
        }
        outcome.payloads = {
            PRODUCT: {item.key: item.core},
            PRODUCT_IMAGES: {item.key: item.image_digest},
            PRODUCT_TEXT: {f"{item.key}|{base_lang}": item.texts[base_lang]},
        }
        outcome.plan = (None, _view(item))
        base_texts = item.texts[base_lang]
        for lang, body in item.texts.items():
            if lang == base_lang:
                continue
            if body != base_texts:  # CS-Cart wrote the base texts into every language
                # A PUT of an id: sent again after a lost answer, it writes the same texts.
                self.hook.send("PUT", f"products/{outcome.product_id}", {**body, "lang_code": lang})
            outcome.hashes[PRODUCT_TEXT][f"{item.key}|{lang}"] = plan.text_hashes[lang]
            outcome.payloads[PRODUCT_TEXT][f"{item.key}|{lang}"] = body

    def _update(self, plan: _Plan, outcome: _Outcome) -> None:
        # Only PUTs of the product's id: the hook resends one whose answer was lost, which
        # writes the same body again (idempotent).
        item = plan.mapped
        base_lang = self.ctx.base_lang
        product_id = plan.product_id
        parts: list[Mapping[str, Any]] = []
        if plan.send_core:
            parts.append(item.core)
        if base_lang in plan.send_texts:
            parts.append(item.texts[base_lang])
        if plan.send_images:
            parts.append(item.images)
        outcome.hashes = {PRODUCT: {}, PRODUCT_IMAGES: {}, PRODUCT_TEXT: {}}
        outcome.payloads = {PRODUCT: {}, PRODUCT_IMAGES: {}, PRODUCT_TEXT: {}}
        outcome.plan = (plan.old, _view(item))
        if parts:
            body = merge_bodies(*parts)
            body["lang_code"] = base_lang
            self.hook.send("PUT", f"products/{product_id}", body)
            outcome.product_id = product_id
            outcome.status = "updated"
            outcome.hashes[PRODUCT][item.key] = plan.core_hash
            outcome.hashes[PRODUCT_IMAGES][item.key] = plan.image_hash
            outcome.hashes[PRODUCT_TEXT][f"{item.key}|{base_lang}"] = plan.text_hashes[base_lang]
            outcome.payloads[PRODUCT][item.key] = item.core
            outcome.payloads[PRODUCT_IMAGES][item.key] = item.image_digest
            outcome.payloads[PRODUCT_TEXT][f"{item.key}|{base_lang}"] = item.texts[base_lang]
            if plan.send_images:
                outcome.images = "updated"
        if not plan.send_images and item.image_digest:
            outcome.images = "unchanged"
        for lang in plan.send_texts:
            if lang == base_lang:
                continue
            self.hook.send("PUT", f"products/{product_id}", {**item.texts[lang], "lang_code": lang})
            outcome.product_id = product_id
            outcome.status = "updated"
            outcome.hashes[PRODUCT_TEXT][f"{item.key}|{lang}"] = plan.text_hashes[lang]
            outcome.payloads[PRODUCT_TEXT][f"{item.key}|{lang}"] = item.texts[lang]

    def _record(self, outcome: _Outcome) -> None:
        if outcome.product_id is not None:
            self.ids[outcome.key] = outcome.product_id
            self._unsaved_ids[outcome.key] = str(outcome.product_id)
        for entity, hashes in outcome.hashes.items():
            if hashes:
                self._unsaved_hashes.setdefault(entity, {}).update(hashes)
                self._unsaved_payloads.setdefault(entity, {}).update(
                    outcome.payloads.get(entity) or {}
                )
        if outcome.images:
            self.result.count(IMAGE, "read")
            self.result.count(IMAGE, outcome.images)
        if outcome.status == "failed":
            field_name, reason = outcome.error or ("", "")
            self.result.fail(PRODUCT, outcome.identifier, field_name, reason)
        else:
            self.result.count(PRODUCT, outcome.status)
            if outcome.repair is not None and outcome.status != "unchanged":
                self.result.repaired(PRODUCT, outcome.identifier, outcome.repair)
        if outcome.adopted:
            self.result.adopt(PRODUCT)
        if outcome.status in ("created", "updated") and outcome.plan is not None:
            if self._names is None:
                self._names = _Names(self.ctx)
            old, new = (self._names.view(view) for view in outcome.plan)
            action = "create" if outcome.status == "created" else "update"
            self.result.plan(PRODUCT, outcome.identifier, action, old, new)

    # -- the run ---------------------------------------------------------------------------
    def upload(self, products: Iterable[Mapping[str, Any]]) -> StageResult:
        try:
            with ThreadPoolExecutor(max_workers=self.hook.max_concurrency) as pool:
                for chunk in _chunks(products, self.chunk_size):
                    plans = self._plan_chunk(chunk)  # reads the store: what came before saved
                    for outcome in pool.map(self._write, plans):
                        self._record(outcome)
                    self._save()
        finally:  # a stage failing mid-chunk keeps what it wrote
            self._save()
        self.result.extra["lookups"] = self.lookups
        return self.result

    def _save(self) -> None:
        """Save the recorded outcomes. Should a chunk's be lost (the process killed), the
        next run finds those products in CS-Cart by code (`prepare`) and, their hashes
        unknown, sends them again as updates: some calls, never a duplicate."""
        if self._unsaved_ids:
            self.store.save_remote_ids(self.target, PRODUCT, self._unsaved_ids)
        for entity, hashes in self._unsaved_hashes.items():
            self.store.save(self.target, entity, hashes, self._unsaved_payloads.get(entity))
        self._unsaved_ids, self._unsaved_hashes, self._unsaved_payloads = {}, {}, {}


class _Names:
    """The plan names what a product payload holds by id as a person knows it: features by
    attribute code, variants by option (or record, or value) code, categories by code; an id
    this run does not know (say, of a feature created again since) stays as it is."""

    def __init__(self, ctx: ProductContext) -> None:
        self.features = {str(fid): attribute for attribute, fid in ctx.feature_ids.items()}
        self.variants = {int(vid): key.split("/", 1)[1] for key, vid in ctx.variant_ids.items()}
        self.categories = {int(cid): code for code, cid in ctx.category_ids.items()}
        if ctx.unclassified_id is not None:
            self.categories[int(ctx.unclassified_id)] = UNCLASSIFIED_KEY

    def view(self, view: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if view is None:
            return None
        named = dict(view)
        if isinstance(named.get("category_ids"), list):
            named["category_ids"] = [self._category(c) for c in named["category_ids"]]
        if "main_category" in named:
            named["main_category"] = self._category(named["main_category"])
        if isinstance(named.get("product_features"), Mapping):
            named["product_features"] = {
                self.features.get(str(fid), str(fid)): self._value(value)
                for fid, value in named["product_features"].items()
            }
        if isinstance(named.get("texts"), Mapping):
            named["texts"] = {lang: self.view(body) for lang, body in named["texts"].items()}
        return named

    def _category(self, category_id: Any) -> Any:
        try:
            return self.categories.get(int(category_id), category_id)
        except (TypeError, ValueError):
            return category_id

    def _value(self, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value  # "": the value is removed
        if "variant_id" in value:
            return self.variants.get(int(value["variant_id"]), value["variant_id"])
        if isinstance(value.get("variants"), Mapping):
            return sorted(str(self.variants.get(int(v), v)) for v in value["variants"])
        return value.get("value_int", value.get("value"))


def _view(item: MappedProduct) -> dict[str, Any]:
    return plan_view(item.core, item.texts, images=item.image_digest) or {}


def _chunks(rows: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def sync_products(
    hook: CsCartHook,
    store: StateStore,
    target: str,
    folder: Any,
    structure: Mapping[str, Any],
    languages: Languages,
    mapping: CsCartMapping,
    urls: Any,
    verify: Any = None,  # a pimflow.verify.Sample: a verifying reconcile's products
) -> StageResult:
    """Map and write every staged product (simple and variant)."""
    ctx, missing_features = build_context(
        hook, store, target, folder, structure, languages, mapping, urls
    )
    if verify is None:
        uploader = ProductUploader(hook, store, target, ctx)
    else:
        from pimflow.cscart.verify import BATCH, CsCartVerifier

        uploader = ProductUploader(hook, store, target, ctx, chunk_size=BATCH)
        uploader.verifier = CsCartVerifier(hook, verify, uploader.result, languages.base_lang)
    for attribute in missing_features:
        uploader.result.warn(
            FEATURE,
            f"feature {attribute}",
            attribute,
            "the feature is not in CS-Cart (see the features stage): its values were not sent",
        )
    categories = CategorySync(hook, store, target, languages, mapping)
    uploader.prepare(read_rows(folder, PRODUCTS), categories.unclassified)
    result = uploader.upload(read_rows(folder, PRODUCTS))
    result.errors[:0] = categories.result.errors
    for entity, counts in categories.result.counts.items():
        for key, n in counts.items():
            result.count(entity, key, n)
    for entity, n in categories.result.extra.get(ADOPTED, {}).items():
        result.adopt(entity, n)
    result.planned[:0] = categories.result.planned  # the fallback category, if made
    result.planned_total += categories.result.planned_total
    return result
