"""The Shopware 6 upload stages: what is written, in which order, from the staged catalog.

    structure   categories (tree), property groups with their options, manufacturers
    media       each distinct image uploaded once, its media id derived from its hash
    products    parents (root product models), variants, simple products; then, after a
                full read, the products that left Akeneo are deactivated or deleted
    cross-sell  Akeneo associations → cross-sellings (their products must exist first)

Every stage writes through SyncWriter (only changes, in batches, bad rows isolated).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from itertools import chain
from pathlib import PurePosixPath
from typing import Any

from airflow.sdk import ObjectStoragePath

from pimflow.akeneo.datasets import (
    ASSET_FAMILY_ATTRIBUTES,
    ASSETS,
    ATTRIBUTE_OPTIONS,
    ATTRIBUTES,
    CATEGORIES,
    FAMILIES,
    MEASUREMENT_FAMILIES,
    MEDIA,
    PRODUCT_MODELS,
    PRODUCTS,
    RECORDS,
)
from pimflow.akeneo.profile import Family
from pimflow.akeneo.structure import load_attributes, load_channel, load_family_variants
from pimflow.akeneo.values import MEDIA_TYPES, SELECT_TYPES
from pimflow.results import StageResult
from pimflow.shopware6.config import Shopware6Mapping
from pimflow.shopware6.hook import Shopware6Hook
from pimflow.shopware6.mapping import (
    Catalog,
    MappedProduct,
    MappingError,
    ProductMapper,
    ShopContext,
    axis_option,
    language_for_locales,
    map_category,
    map_cross_sellings,
    map_manufacturer,
    map_property_group,
    media_id,
    model_product_id,
    product_id,
    relation_deletes,
)
from pimflow.shopware6.writer import Row, SyncWriter
from pimflow.staging import read_rows
from pimflow.state import StateStore
from pimflow.threads import in_order

log = logging.getLogger(__name__)

# Uploaded files are saved to the state store this many at a time (one commit per batch,
# not per file).
MEDIA_SAVE_BATCH = 500
# Uploads handed to the pool ahead of the one awaited, per thread: enough that no thread
# waits for work, few enough that the queue does not grow with the catalog.
UPLOADS_AHEAD = 4
SYSTEM_LANGUAGE = "2fbb5fe2e29a4d70aa5854ce7ce3e20b"  # Shopware's Defaults::LANGUAGE_SYSTEM
MODEL_INDEX = ("akeneo", "product_model")  # state-store id map: model code → parent|variant
IDENTIFIER_INDEX = ("akeneo", "product_identifier")  # identifier → uuid
# What the products stage keeps of every product model: where it sits in the tree.
MODEL_TREE_COLUMNS = ("code", "parent", "family_variant")
# Per shop: products whose associations name products not in the shop yet (a delta read
# one of them before the other) → their associations, retried by every later run.
PENDING_CROSS_SELLINGS = "pending_cross_selling"
# Per shop: links left out because their product is outside the run's scope → the reason
# reported, so each is reported once (again only when the reason changes).
EXCLUDED_CROSS_SELLINGS = "excluded_cross_selling"


def load_shop_context(
    hook: Shopware6Hook, akeneo_locales: list[str], mapping: Shopware6Mapping
) -> ShopContext:
    """Look up the shop's currencies, languages, taxes and sales channels by their natural
    keys (ids differ on every shop)."""
    currencies = list(hook.search_all("currency", keys=("id", "isoCode")))
    default = next((c for c in currencies if Decimal(str(c.get("factor", 0))) == 1), None)
    if default is None:
        raise RuntimeError("the shop has no default currency (factor 1)")
    languages = list(hook.search_all("language", {"associations": {"locale": {}}}, keys=("id",)))
    by_locale_code = {
        lang["locale"]["code"]: lang["id"] for lang in languages if lang.get("locale")
    }
    language_ids = language_for_locales(akeneo_locales, by_locale_code, mapping.locales)
    if not language_ids:
        raise RuntimeError(
            f"none of the Akeneo locales {akeneo_locales} matches a shop language ({sorted(by_locale_code)})"
        )
    ids = {lang["id"] for lang in languages}
    system_language = SYSTEM_LANGUAGE if SYSTEM_LANGUAGE in ids else languages[0]["id"]
    taxes = {
        Decimal(str(t["taxRate"])): t["id"] for t in hook.search_all("tax", keys=("id", "taxRate"))
    }
    channels = {}
    for channel in hook.search_all("sales_channel", keys=("id",)):
        name = channel.get("name") or (channel.get("translated") or {}).get("name")
        if name:
            channels[name] = channel["id"]
    return ShopContext(
        default_currency=default["isoCode"],
        currency_ids={c["isoCode"]: c["id"] for c in currencies},
        language_ids=language_ids,
        default_language_id=system_language,
        tax_ids=taxes,
        sales_channel_ids=channels,
        locales=tuple(akeneo_locales),
    )


def load_catalog(folder: ObjectStoragePath) -> Catalog:
    """The staged structure a product's mapping needs, and the run's media manifest."""
    channel = load_channel(folder)
    attributes = load_attributes(folder)
    labels = {row["code"]: row.get("labels") or {} for row in read_rows(folder, ATTRIBUTES)}
    media = {(row["kind"], row["code"]): row for row in read_rows(folder, MEDIA)}
    media_attributes = {
        (row["asset_family"], row["code"])
        for row in read_rows(folder, ASSET_FAMILY_ATTRIBUTES)
        if row["type"] in MEDIA_TYPES
    }
    asset_files: dict[tuple[str, str], list[str]] = {}
    for asset in read_rows(folder, ASSETS):
        for attribute, entries in (asset["values"] or {}).items():
            if (asset["asset_family"], attribute) in media_attributes:
                files = asset_files.setdefault((asset["asset_family"], asset["code"]), [])
                files += [entry["data"]["code"] for entry in entries]
    families = list(read_rows(folder, FAMILIES))
    return Catalog(
        channel=channel["channel"],
        attributes=attributes,
        attribute_labels=labels,
        family_attributes={row["code"]: list(row["attributes"] or []) for row in families},
        families={row["code"]: Family.from_row(row) for row in families},
        family_variants=load_family_variants(folder),
        measurement_families={row["code"]: row for row in read_rows(folder, MEASUREMENT_FAMILIES)},
        media=media,
        asset_files=asset_files,
        category_codes=frozenset(row["code"] for row in read_rows(folder, CATEGORIES)),
    )


class Shopware6Upload:
    """One run's upload into one shop (a task builds one per stage)."""

    def __init__(
        self,
        hook: Shopware6Hook,
        store: StateStore,
        folder: ObjectStoragePath,
        mapping: Shopware6Mapping,
        *,
        full_read: bool = True,
        verify: Any = None,  # a pimflow.verify.Sample: a verifying reconcile's products
    ) -> None:
        self.hook = hook
        self.store = store
        self.folder = folder
        self.mapping = mapping
        self.full_read = full_read
        self.target = f"shopware6:{hook.base}"
        self.outcome = StageResult(extra={"sync_calls": 0})
        self.seen_products: set[str] = set()
        self.writer = SyncWriter(
            hook, store, self.target, self.outcome, mapping.batch_size, relation_deletes
        )
        if verify is not None:
            from pimflow.shopware6.verify import ShopwareVerifier

            self.writer.verifier = ShopwareVerifier(hook, verify, self.outcome)
        channel = load_channel(folder)
        self.shop = load_shop_context(hook, channel["locales"], mapping)
        self.catalog = load_catalog(folder)

    # -- structure ---------------------------------------------------------------------------
    def structure(self) -> dict[str, Any]:
        self.writer.upsert(
            "category",
            (
                Row(payload["id"], row["code"], payload)
                for row in read_rows(self.folder, CATEGORIES)
                for payload in [map_category(row, self.shop)]
            ),
        )
        if self.full_read:  # a category gone from Akeneo's tree goes from the shop
            gone = self.store.keys(self.target, "category") - self.writer.written.get(
                "category", set()
            )
            self.writer.remove("category", gone, {}, deactivate=False)

        mapper = ProductMapper(self.catalog, self.shop, self.mapping)
        groups = set(mapper.properties)
        for variant in self.catalog.family_variants.values():
            for attribute_set in variant.get("variant_attribute_sets") or []:
                groups.update(attribute_set.get("axes") or [])
        options: dict[str, list[dict[str, Any]]] = self._axis_options(groups, mapper)
        for row in read_rows(self.folder, ATTRIBUTE_OPTIONS):
            if row["attribute"] in groups:
                options.setdefault(row["attribute"], []).append(row)
        rows = []
        for attribute in sorted(groups):
            if attribute not in self.catalog.attributes:
                continue
            payload = map_property_group(
                attribute,
                self.catalog.attribute_labels.get(attribute, {}),
                sorted(
                    options.get(attribute, []), key=lambda o: (o.get("sort_order") or 0, o["code"])
                ),
                self.shop,
            )
            rows.append(Row(payload["id"], attribute, payload))
        self.writer.upsert("property_group", rows)
        self.writer.upsert("product_manufacturer", self._manufacturers())
        return self.outcome.as_dict()

    def _axis_options(
        self, groups: set[str], mapper: ProductMapper
    ) -> dict[str, list[dict[str, Any]]]:
        """The options of the axes that are not selects, from what the products hold: a
        metric's values ("46 in"), a boolean's two, a reference entity's records. Option ids
        come from (axis, value), as the variants' options do."""
        attributes = self.catalog.attributes
        locales = list(self.shop.language_ids)
        found: dict[str, dict[str, dict[str, Any]]] = {}
        for code in sorted(groups):
            info = attributes.get(code)
            if info is not None and info.type == "pim_catalog_boolean":
                found[code] = {
                    o["code"]: o
                    for data in (True, False)
                    if (o := axis_option(info, data, locales, self.catalog.measurement_families))
                }
        metrics = [
            c for c in groups if c in attributes and attributes[c].type == "pim_catalog_metric"
        ]
        if metrics:
            for item in self._models_and_products(("values",)):
                for code in metrics:
                    try:
                        data = mapper.value(item.get("values") or {}, code)
                        option = axis_option(
                            attributes[code], data, locales, self.catalog.measurement_families
                        )
                    except Exception:  # noqa: BLE001 - reported with the product, in its stage
                        continue
                    if option:
                        option["amount"] = Decimal(str(data["amount"]))
                        found.setdefault(code, {})[option["code"]] = option
        records = {
            (attributes[c].reference_data_name or c): c
            for c in groups
            if c in attributes and attributes[c].type == "akeneo_reference_entity"
        }
        if records:
            for record in read_rows(self.folder, RECORDS):
                code = records.get(record["reference_entity"])
                if code is None:
                    continue
                labels = {
                    entry["locale"]: entry["data"]
                    for entry in (record["values"] or {}).get("label", [])
                    if entry.get("locale") and isinstance(entry.get("data"), str)
                }
                found.setdefault(code, {})[record["code"]] = {
                    "code": record["code"],
                    "labels": labels,
                }
        result = {}
        for code, by_code in found.items():
            ordered = sorted(
                by_code.values(), key=lambda o: (o.get("amount") or Decimal(0), o["code"])
            )
            result[code] = [
                {"code": o["code"], "labels": o["labels"], "sort_order": index}
                for index, o in enumerate(ordered, start=1)
            ]
        return result

    def _manufacturers(self) -> Iterator[Row]:
        attribute = self.mapping.manufacturer
        info = self.catalog.attributes.get(attribute or "")
        if info is None:
            return
        if info.type in SELECT_TYPES:
            for row in read_rows(self.folder, ATTRIBUTE_OPTIONS):
                if row["attribute"] == attribute:
                    payload = map_manufacturer(
                        attribute, row["code"], row.get("labels") or {}, self.shop
                    )
                    yield Row(payload["id"], row["code"], payload)
            return
        entity = info.reference_data_name or attribute
        for record in read_rows(self.folder, RECORDS):
            if record["reference_entity"] != entity:
                continue
            labels = {
                entry["locale"]: entry["data"]
                for entry in (record["values"] or {}).get("label", [])
                if entry.get("locale") and isinstance(entry.get("data"), str)
            }
            payload = map_manufacturer(entity, record["code"], labels, self.shop)
            yield Row(payload["id"], record["code"], payload)

    # -- media -------------------------------------------------------------------------------
    def media(self) -> dict[str, Any]:
        """Upload every image the products show that the shop does not have yet."""
        mapper = ProductMapper(self.catalog, self.shop, self.mapping)
        wanted: dict[str, dict[str, Any]] = {}
        for item in self._models_and_products(("family", "values")):
            try:
                files = mapper.media_files(item.get("values") or {}, item.get("family"))
            except Exception:  # noqa: BLE001 - the products stage reports the product
                continue
            for file in files:
                wanted.setdefault(file["sha256"], file)
        known = self.store.hashes(self.target, "media_file", wanted)
        todo = [f for sha, f in sorted(wanted.items()) if known.get(sha) != "uploaded"]
        self.outcome.count("media", "read", len(wanted))
        self.outcome.count("media", "unchanged", len(wanted) - len(todo))
        # The state store may have been lost: what the shop has by id (derived from the
        # content) with its file is not uploaded again; a media entity without its file
        # (an upload that failed) gets it now.
        in_shop = set()
        if todo:
            lookups = -(-len(todo) // 500)  # one read per 500 ids
            self.outcome.extra["lookup_calls"] = self.outcome.extra.get("lookup_calls", 0) + lookups
            in_shop = self.hook.existing_ids(
                "media", [media_id(f["sha256"]) for f in todo], fields=("fileName",), chunk=500
            )
        fresh = [f for f in todo if media_id(f["sha256"]) not in in_shop]
        self.outcome.count("media", "unchanged", len(todo) - len(fresh))
        self.store.save(
            self.target,
            "media_file",
            {f["sha256"]: "uploaded" for f in todo if media_id(f["sha256"]) in in_shop},
        )
        batch = self.mapping.batch_size
        for start in range(0, len(fresh), batch):
            payload = [{"id": media_id(f["sha256"])} for f in fresh[start : start + batch]]
            self.writer.count_sync_call()
            status, body = self.hook.sync(
                {"create-media": {"entity": "media", "action": "upsert", "payload": payload}}
            )
            if status >= 400:
                raise RuntimeError(f"Shopware refused to create media entities: {body}")
        # Saved in batches: one commit per file was most of this stage's main thread. The
        # `finally` keeps what was uploaded when a later file fails the stage; a batch lost
        # anyway (the process killed) costs nothing but a lookup, as `existing_ids` above
        # finds those files in the shop next run and nothing is uploaded twice.
        uploaded: dict[str, str] = {}
        try:
            with ThreadPoolExecutor(max_workers=self.hook.max_concurrency) as pool:
                window = UPLOADS_AHEAD * self.hook.max_concurrency
                for file, error in in_order(pool, self._upload_file, fresh, window):
                    if error:
                        self.outcome.fail("media", file["filename"], "file", error)
                        continue
                    self.outcome.count("media", "created")
                    self.outcome.plan("media", file["filename"], "create", None, _media_plan(file))
                    uploaded[file["sha256"]] = "uploaded"
                    if len(uploaded) >= MEDIA_SAVE_BATCH:
                        self.store.save(self.target, "media_file", uploaded)
                        uploaded = {}
        finally:
            if uploaded:
                self.store.save(self.target, "media_file", uploaded)
        return self.outcome.as_dict()

    def _models_and_products(
        self, model_columns: tuple[str, ...], product_columns: tuple[str, ...] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every staged product model, then every product, one at a time (never all held),
        with only the columns asked for (the others are neither read nor decoded)."""
        return chain(
            read_rows(self.folder, PRODUCT_MODELS, model_columns),
            read_rows(self.folder, PRODUCTS, product_columns or model_columns),
        )

    def _upload_file(self, file: dict[str, Any]) -> tuple[dict[str, Any], str]:
        name = PurePosixPath(file["filename"] or "file")
        extension = name.suffix.lstrip(".").lower() or "bin"
        try:
            data = ObjectStoragePath(file["path"]).read_bytes()
            # Safe to resend after a lost answer: the media row's id is the file's (its
            # sha256) and so is the file name, so a second upload replaces the file by
            # itself (FileSaver refuses a name only when another media row has it).
            self.hook.request(
                "POST",
                f"/api/_action/media/{media_id(file['sha256'])}/upload",
                params={"extension": extension, "fileName": f"{name.stem}-{file['sha256'][:12]}"},
                data=data,
                headers={"Content-Type": file.get("mime_type") or "application/octet-stream"},
            )
        except Exception as exc:  # reported per file; the others go on
            return file, str(exc)
        return file, ""

    # -- products ----------------------------------------------------------------------------
    def products(self) -> dict[str, Any]:
        mapper = ProductMapper(self.catalog, self.shop, self.mapping)
        # Every model's place in the tree only: the root models' whole rows are read again
        # when their parents are mapped, so no model's values are held for the stage.
        models = {
            row["code"]: row for row in read_rows(self.folder, PRODUCT_MODELS, MODEL_TREE_COLUMNS)
        }
        self._remember_models(models)
        index = self.store.remote_ids(*MODEL_INDEX)

        def root_of(code: str | None) -> str | None:
            seen = 0
            while code and seen < 3:
                parent = (
                    models[code]["parent"]
                    if code in models
                    else (index.get(code, "|").split("|")[0] or None)
                )
                if not parent:
                    return code
                code, seen = parent, seen + 1
            return code

        # Pass 1: what each parent needs from its variants (options, the cheapest price):
        # their parent and values only.
        options: dict[str, set[str]] = {}
        cheapest: dict[str, dict[str, str]] = {}
        for product in read_rows(self.folder, PRODUCTS, ("parent", "values")):
            root = root_of(product.get("parent"))
            if not root or root not in models:
                continue
            try:
                options.setdefault(root, set()).update(
                    mapper.variant_options(product, models[root].get("family_variant"))
                )
            except Exception:  # noqa: BLE001 - reported with the variant in pass 2
                continue
            prices = mapper.value(product.get("values") or {}, mapper.mapping.price_attribute)
            currency = self.shop.default_currency
            best = cheapest.get(root)
            try:
                if currency in (prices or {}) and (
                    best is None or Decimal(prices[currency]) < Decimal(best[currency])
                ):
                    cheapest[root] = prices
            except Exception:  # noqa: BLE001 - an odd price: reported with the variant
                continue

        parents: dict[str, MappedProduct] = {}
        rows = []
        roots = [code for code, model in models.items() if not model.get("parent")]
        # A model whose variants this (delta) run did not read keeps the options it had.
        before = self.store.relations(self.target, "product", [_model_key(c) for c in roots])
        for model in read_rows(self.folder, PRODUCT_MODELS):
            if model.get("parent"):
                continue
            code = model["code"]
            self.seen_products.add(_model_key(code))
            model_options = options.get(code) or set(
                (before.get(_model_key(code)) or {}).get("configurator") or []
            )
            try:
                parent = mapper.parent(model, cheapest.get(code), model_options)
            except Exception as exc:  # noqa: BLE001 - one product's error never fails the stage
                self._refused(code, exc)
                continue
            self._warn(parent)
            parents[code] = parent
            rows.append(Row(parent.key, code, parent.payload, parent.relations))
        self.writer.upsert("product", rows)

        # Product models' associations name products by identifier: keep how to find them
        # (gathered while pass 2 reads the products, not by a third read).
        uuids: dict[str, str] = {}

        def variants_and_simple() -> Iterator[Row]:
            for product in read_rows(self.folder, PRODUCTS):
                if product.get("uuid") and product.get("identifier"):
                    uuids[product["identifier"]] = product["uuid"]
                name = product.get("identifier") or product.get("uuid") or "?"
                self.seen_products.add(_product_key(product))
                try:
                    if product.get("parent"):
                        root = root_of(product["parent"])
                        if root in parents:
                            mapped = mapper.variant(product, models[root], parents[root])
                        else:  # a delta without its model: written whole under its parent
                            mapped = mapper.variant_alone(
                                product, root, _family_variant(index, root)
                            )
                    else:
                        mapped = mapper.simple(product)
                except Exception as exc:  # noqa: BLE001 - one product's error never fails the stage
                    self._refused(name, exc)
                    continue
                self._warn(mapped)
                yield Row(mapped.key, mapped.identifier, mapped.payload, mapped.relations)

        self.writer.upsert("product", variants_and_simple())
        self.store.save_remote_ids(*IDENTIFIER_INDEX, uuids)
        if self.full_read:  # never what was read but refused: only what Akeneo no longer has
            gone = self.store.keys(self.target, "product") - self.seen_products
            self.writer.remove(
                "product", gone, {}, deactivate=self.mapping.removed_products == "deactivate"
            )
        return self.outcome.as_dict()

    def _refused(self, identifier: str, exc: Exception) -> None:
        """A product the mapping could not make: read, failed, with its field and reason."""
        self.outcome.count("product", "read")
        if isinstance(exc, MappingError):
            self.outcome.fail("product", identifier, exc.field, exc.reason)
        else:
            log.exception("mapping product %s failed", identifier)
            self.outcome.fail("product", identifier, "", f"{type(exc).__name__}: {exc}")

    def _warn(self, mapped: MappedProduct) -> None:
        for field_name, reason in mapped.warnings:
            self.outcome.warn("product", mapped.identifier, field_name, reason)

    def _remember_models(self, models: Mapping[str, Mapping[str, Any]]) -> None:
        """Model code → parent and family variant, kept across runs, so a delta that reads a
        variant without its models still finds its parent product."""
        self.store.save_remote_ids(
            *MODEL_INDEX,
            {
                code: f"{m.get('parent') or ''}|{m.get('family_variant') or ''}"
                for code, m in models.items()
            },
        )

    # -- cross-sellings ------------------------------------------------------------------------
    def cross_sellings(self) -> dict[str, Any]:
        """Associations → cross-sellings. A link to a product that the run's scope excludes
        (the extraction stages which and why) is left out for good: its reason is reported
        once (the state store keeps what was reported, so a later run is quiet until the
        reason changes), and nothing waits for it. A link to a product in scope but not in
        the shop yet (refused, or a delta that has not read it) is left out and reported;
        the product waits in the state store, and every later run (whatever it reads) tries
        again, so a delta that reads the product before the one it names still ends where a
        full run would."""
        from pimflow.akeneo.associations import load_out_of_scope

        entity = "product_cross_selling"
        exists = self.store.keys(self.target, "product")
        had = self.store.keys(self.target, entity)
        roots = _root_models(self.store.remote_ids(*MODEL_INDEX))
        uuids = self.store.remote_ids(*IDENTIFIER_INDEX)
        waiting = self.store.remote_ids(self.target, PENDING_CROSS_SELLINGS)
        excluded = load_out_of_scope(self.folder)
        reported = self.store.remote_ids(self.target, EXCLUDED_CROSS_SELLINGS)
        items: dict[str, tuple[str, Mapping[str, Any]]] = {}
        for key, raw in waiting.items():
            value = json.loads(raw)
            items[key] = (value["name"], value)
        read_now: set[str] = set()  # the extraction looked up what these associate
        # Ids and links only (no values): this holds every model and product until the end.
        links = ("associations", "quantified_associations")
        for item in self._models_and_products(
            ("code", "parent", *links), ("uuid", "identifier", *links)
        ):
            if item.get("code") and item.get("parent"):
                continue  # sub-models are not products in the shop
            key = _model_key(item["code"]) if item.get("code") else _product_key(item)
            items[key] = (item.get("identifier") or item.get("code"), item)  # read now: wins
            read_now.add(key)
        rows, pending, resolved = [], {}, []
        newly_reported: dict[str, str] = {}
        still_excluded: set[str] = set()
        for key, (name, item) in items.items():
            if key not in exists:
                if key in waiting:
                    resolved.append(key)  # the product itself left the shop
                continue  # the product itself was refused or skipped
            try:
                payloads, relations, missing = map_cross_sellings(
                    key, item, self.mapping, exists, self.shop, roots, uuids
                )
            except Exception as exc:  # noqa: BLE001 - one product's error never fails the stage
                self.outcome.count(entity, "read")  # read, and failed: the identity holds
                self.outcome.fail(entity, name, "crossSellings", f"{type(exc).__name__}: {exc}")
                continue
            expected = []
            for kind, linked, code in missing:
                out = excluded.get((linked, code))
                if out is None:
                    expected.append((kind, code))
                    continue
                link = f"{key}|{kind}|{linked}|{code}"
                still_excluded.add(link)
                if reported.get(link) != out["reason"]:
                    newly_reported[link] = out["reason"]
                    what = "product model" if linked == "product_model" else "product"
                    self.outcome.warn(
                        entity,
                        name,
                        "crossSellings",
                        f"association {kind} to {what} {out['name']!r} left out: "
                        f"{out['reason']}, so the shop never gets it",
                    )
            for kind, code in expected:
                self.outcome.warn(
                    entity,
                    name,
                    "crossSellings",
                    f"association {kind}: associated {code!r} is in the run's scope but not "
                    "in the shop (not read yet, or refused); retried at the next run",
                )
            if expected:
                pending[key] = json.dumps({"name": name, **_links(item)}, sort_keys=True)
            elif key in waiting:
                resolved.append(key)
            if payloads or key in had:  # nothing to add, nothing to take away: no call
                rows.append(Row(key, name, {"id": key, "crossSellings": payloads}, relations))
            elif missing:  # every link left out: read, and nothing written
                self.outcome.count(entity, "read")
                self.outcome.count(entity, "skipped")
        self.writer.upsert(entity, rows, api_entity="product")
        self.store.save_remote_ids(self.target, PENDING_CROSS_SELLINGS, pending)
        self.store.forget_remote_ids(self.target, PENDING_CROSS_SELLINGS, resolved)
        # Links of products read now that are no longer excluded: reported again if ever so.
        self.store.save_remote_ids(self.target, EXCLUDED_CROSS_SELLINGS, newly_reported)
        self.store.forget_remote_ids(
            self.target,
            EXCLUDED_CROSS_SELLINGS,
            [k for k in reported if k.split("|")[0] in read_now and k not in still_excluded],
        )
        return self.outcome.as_dict()


def _links(item: Mapping[str, Any]) -> dict[str, Any]:
    """What a model's or product's cross-sellings are made from: its associations."""
    return {
        "associations": item.get("associations") or {},
        "quantified_associations": item.get("quantified_associations") or {},
    }


def _media_plan(file: Mapping[str, Any]) -> dict[str, Any]:
    """What the plan shows of an image uploaded: its file, not its bytes."""
    return {
        "fileName": file.get("filename"),
        "mimeType": file.get("mime_type"),
        "sha256": file["sha256"],
    }


def _root_models(index: Mapping[str, str]) -> dict[str, str]:
    """Model code → its root model's code, from the model index (parent|family variant)."""
    roots = {}
    for code in index:
        root, hops = code, 0
        while hops < 3 and (parent := index.get(root, "|").split("|")[0]):
            root, hops = parent, hops + 1
        roots[code] = root
    return roots


def _family_variant(index: Mapping[str, str], model: str | None) -> str | None:
    return (index.get(model or "", "|").split("|") + [""])[1] or None


def _model_key(code: str) -> str:
    return model_product_id(code)


def _product_key(item: Mapping[str, Any]) -> str:
    return product_id(item)
