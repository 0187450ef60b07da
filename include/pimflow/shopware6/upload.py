"""Write mapped products into Shopware 6 through `/api/_action/sync`, in batches.

Only payloads whose hash changed since the last successful write are sent. A batch that
Shopware refuses is narrowed down to the rows it names (or halved until they are found),
those rows are reported per product with Shopware's reason, and the rest lands.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pimflow.hooks.shopware6 import Shopware6Hook
from pimflow.shopware6.mapping import (
    MappingError,
    ProductMapping,
    ShopContext,
    language_for_locales,
    map_simple_product,
)
from pimflow.state import StateStore, payload_hash

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 200
PRODUCT = "product"


@dataclass
class UploadResult:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    sync_calls: int = 0

    def fail(self, product: str, field_name: str, reason: str) -> None:
        self.failed += 1
        self.errors.append({"product": product, "field": field_name, "reason": reason})

    def as_dict(self) -> dict[str, Any]:
        counts = {
            key: getattr(self, key)
            for key in ("read", "created", "updated", "unchanged", "skipped", "failed")
        }
        return {"counts": {PRODUCT: counts}, "errors": self.errors, "sync_calls": self.sync_calls}


def load_shop_context(
    hook: Shopware6Hook, akeneo_locales: list[str], tax_rate: Decimal
) -> ShopContext:
    """Look up the shop's currencies, languages and tax by their natural keys (ids differ
    on every shop)."""
    currencies = list(hook.search_all("currency"))
    default = next((c for c in currencies if Decimal(str(c.get("factor", 0))) == 1), None)
    if default is None:
        raise RuntimeError("the shop has no default currency (factor 1)")
    languages = list(hook.search_all("language", {"associations": {"locale": {}}}))
    by_locale_code = {
        lang["locale"]["code"]: lang["id"] for lang in languages if lang.get("locale")
    }
    language_ids = language_for_locales(akeneo_locales, by_locale_code)
    if not language_ids:
        raise RuntimeError(
            f"none of the Akeneo locales {akeneo_locales} matches a shop language "
            f"({sorted(by_locale_code)})"
        )
    # The system default language: Shopware's fixed Defaults::LANGUAGE_SYSTEM id.
    system_language = "2fbb5fe2e29a4d70aa5854ce7ce3e20b"
    if system_language not in {lang["id"] for lang in languages}:
        system_language = languages[0]["id"]
    taxes = list(hook.search_all("tax"))
    tax = next((t for t in taxes if Decimal(str(t["taxRate"])) == tax_rate), None)
    if tax is None:
        raise RuntimeError(
            f"the shop has no tax rate of {tax_rate} % (it has {sorted(t['taxRate'] for t in taxes)})"
        )
    return ShopContext(
        default_currency=default["isoCode"],
        currency_ids={c["isoCode"]: c["id"] for c in currencies},
        language_ids=language_ids,
        default_language_id=system_language,
        tax_id=tax["id"],
        tax_rate=tax_rate,
    )


@dataclass
class _Row:
    identifier: str
    key: str
    payload: dict[str, Any]
    hash: str
    known: bool  # written before: an update, not a create


class ProductUploader:
    def __init__(
        self,
        hook: Shopware6Hook,
        store: StateStore,
        target: str,
        shop: ShopContext,
        channel: str,
        mapping: ProductMapping | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        self.hook = hook
        self.store = store
        self.target = target
        self.shop = shop
        self.channel = channel
        self.mapping = mapping or ProductMapping()
        self.batch_size = batch_size
        self.result = UploadResult()

    def upload(self, products: Iterable[Mapping[str, Any]]) -> UploadResult:
        pending: list[tuple[str, dict[str, Any]]] = []
        for product in products:
            self.result.read += 1
            identifier = product.get("identifier") or product.get("uuid") or "?"
            if product.get("parent"):
                # Variant products are written with their product models' parents.
                self.result.skipped += 1
                continue
            try:
                payload = map_simple_product(product, self.channel, self.shop, self.mapping)
            except MappingError as exc:
                self.result.fail(identifier, exc.field, exc.reason)
                continue
            pending.append((identifier, payload))
            if len(pending) >= self.batch_size:
                self._send_changed(pending)
                pending = []
        self._send_changed(pending)
        return self.result

    def _send_changed(self, mapped: list[tuple[str, dict[str, Any]]]) -> None:
        if not mapped:
            return
        known = self.store.hashes(self.target, PRODUCT, [p["id"] for _, p in mapped])
        rows = []
        for identifier, payload in mapped:
            digest = payload_hash(payload)
            if known.get(payload["id"]) == digest:
                self.result.unchanged += 1
                continue
            rows.append(_Row(identifier, payload["id"], payload, digest, payload["id"] in known))
        if rows:
            self._write(rows)

    def _write(self, rows: list[_Row]) -> None:
        status, body = self._sync(rows)
        if status < 400:
            self._landed(rows)
            return
        refused = _refused_rows(body, len(rows))
        if refused and len(refused) < len(rows):
            for index, (field_name, reason) in refused.items():
                self.result.fail(rows[index].identifier, field_name, reason)
            self._write([row for i, row in enumerate(rows) if i not in refused])
        elif len(rows) == 1:
            field_name, reason = next(iter(refused.values()), ("", _reason(body)))
            self.result.fail(rows[0].identifier, field_name, reason)
        else:  # Shopware did not say which rows: halve until it does
            middle = len(rows) // 2
            self._write(rows[:middle])
            self._write(rows[middle:])

    def _sync(self, rows: list[_Row]) -> tuple[int, Any]:
        self.result.sync_calls += 1
        operations = {
            "upsert-product": {
                "entity": PRODUCT,
                "action": "upsert",
                "payload": [row.payload for row in rows],
            }
        }
        return self.hook.sync(operations, fail_on_error=True)

    def _landed(self, rows: list[_Row]) -> None:
        self.store.save(self.target, PRODUCT, {row.key: row.hash for row in rows})
        for row in rows:
            if row.known:
                self.result.updated += 1
            else:
                self.result.created += 1


def _reason(body: Any) -> str:
    errors = (body or {}).get("errors") if isinstance(body, Mapping) else None
    if errors:
        return "; ".join(str(e.get("detail") or e.get("title") or e) for e in errors)
    return str(body)[:500]


def _refused_rows(body: Any, size: int) -> dict[int, tuple[str, str]]:
    """Row index → (field, Shopware's message), from the errors' `source.pointer`s
    (`/upsert-product/3/price` or `/3/price`)."""
    refused: dict[int, tuple[str, str]] = {}
    errors = body.get("errors") if isinstance(body, Mapping) else None
    for error in errors or []:
        pointer = ((error.get("source") or {}).get("pointer") or "").strip("/")
        parts = pointer.split("/") if pointer else []
        index_at = next((i for i, part in enumerate(parts) if part.isdigit()), None)
        if index_at is None:
            continue
        index = int(parts[index_at])
        if index >= size:
            continue
        field_name = "/".join(parts[index_at + 1 :])
        message = str(error.get("detail") or error.get("title") or error.get("code") or "refused")
        if index in refused:
            previous_field, previous = refused[index]
            refused[index] = (previous_field, f"{previous}; {field_name}: {message}")
        else:
            refused[index] = (field_name, message)
    return refused
