"""Dry runs of the CS-Cart upload: every stage plans as usual, nothing is written.

How: the stage runs unchanged, on two stand-ins.

- `DryRunHook` wraps the CsCartHook. Reads (GET) go to the shop, so id maps are rebuilt,
  vanished categories and features are noticed, and unknown products are looked up as in a
  real run. Writes (POST, PUT, DELETE) never leave the process: they are recorded (the
  stage's `would_write`) and answered as CS-Cart would, with placeholder ids for what
  CS-Cart would create. A write to an existing product, category or feature is first checked
  with a GET (once per id), so what the shop no longer has is answered 404, as it would be.
  A feature's variants as the stage wrote them are remembered, so reading a feature back
  (`GET features/:id`, which the features stage does after a write) shows them.
- `DryRunStore` wraps the StateStore. Reads see the store as it is plus what this task
  "wrote"; writes (hashes, id map, relations, ...) are kept in memory and dropped when the
  session ends. Nothing reaches the real store, so a later real run behaves exactly as if
  the dry run never happened.

Placeholder ids are negative integers (-1, -2, ...): clearly fake, never a CS-Cart id.
They live in the session's memory only; nothing that holds one is persisted or sent.

Each stage is its own task (its own process, maybe on another machine), so what an earlier
stage would have created does not exist for a later one. A stage that needs those ids replays
the earlier stages in its own session first (`replay_upstream`), their results dropped: the
products stage replays categories and features (a product's payload names their ids), the
variations stage also the products (a group names its products' ids). Replays cost the
reads the earlier stages make (listings, a GET per changed feature) and the mapping of the
replayed stages' data, never a write. Removals need nothing from earlier stages.

Entry point: the `dry_run=True` keyword of every `sync_*` stage function, which opens a
session (`dry_run_session`), replays what the stage needs and marks its result with
`"dry_run": True` and `"would_write"` (writes by route). The counts are those a real run
would report, as far as reads can tell: what CS-Cart would refuse (a bad value, a variation
group it cannot build) shows only in a real run. The hook's call counter (the report's
`calls`) counts the reads really made, replays and existence checks included.

Memory: the session holds what the task would have saved (about five hashes per product),
as the real run's id map does about one per product; it is dropped when the task ends.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pimflow.cscart.hook import CsCartHook
from pimflow.hooks.base import ApiError
from pimflow.results import StageResult

# Collections whose items a dry-run write checks for (GET <collection>/<id>) first, because
# the stages treat a 404 there as "deleted in the shop since".
CHECKED = frozenset({"products", "categories", "features"})
# The id field CS-Cart answers a create with.
CREATED_ID = {"categories": "category_id", "features": "feature_id", "products": "product_id"}
READS = frozenset({"GET", "HEAD"})
# HttpHook's ways to send anything, bypassing `send` and `request`.
UNSAFE = frozenset({"run", "run_and_check", "run_with_advanced_retry", "get_conn", "session"})


class DryRunViolation(RuntimeError):
    """Something tried to send a write, or to read a placeholder from the shop."""


def is_placeholder(remote_id: Any) -> bool:
    try:
        return int(remote_id) < 0
    except (TypeError, ValueError):
        return False


def _split(resource: str) -> tuple[str, int | None, str]:
    """`vendors/3/products/12` or `products/12` → ("products", 12, ""); `features` →
    ("features", None, ""); `product_variations_groups/-2/x` → (..., -2, "x")."""
    parts = resource.strip("/").split("?", 1)[0].split("/")
    if len(parts) >= 2 and parts[0] in ("vendors", "stores"):
        parts = parts[2:]
    collection = parts[0] if parts else ""
    item = None
    if len(parts) > 1 and re.fullmatch(r"-?\d+", parts[1]):
        item = int(parts[1])
    return collection, item, "/".join(parts[2:])


def route_of(method: str, path: str) -> str:
    """`PUT /api/products/-3` → `PUT /api/products/{id}`."""
    return f"{method} " + re.sub(r"/-?\d+(?=/|$)", "/{id}", path)


class DryRunHook:
    """A CsCartHook that reads from the shop and only pretends to write (see the module)."""

    def __init__(self, hook: CsCartHook, check_existing: bool = True) -> None:
        self._hook = hook
        self._check_existing = check_existing
        self._lock = threading.Lock()
        self._next = itertools.count(-1, -1)
        self._writes: Counter[str] = Counter()
        self._exists: dict[tuple[str, int], bool] = {}
        # feature id -> variant id -> lang -> name: the variants as this session wrote them
        self._variants: dict[int, dict[int, dict[str, str]]] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_hook":
            raise AttributeError(name)
        if name in UNSAFE:
            raise DryRunViolation(f"dry run: {name} could send a write, it is not offered")
        # Reads and settings (iter_pages, total, languages, base, max_concurrency, calls,
        # total_calls, ...) are the real hook's: all of them only ever GET.
        return getattr(self._hook, name)

    @property
    def wrapped(self) -> CsCartHook:
        return self._hook

    def placeholder(self) -> int:
        with self._lock:
            return next(self._next)

    def would_write(self) -> dict[str, int]:
        """Writes the stage would have sent, by route (ids as `{id}`)."""
        with self._lock:
            return dict(sorted(self._writes.items()))

    def forget_writes(self) -> None:
        """Start counting afresh (after replaying earlier stages)."""
        with self._lock:
            self._writes.clear()

    # -- the calls ---------------------------------------------------------------------------
    def request(self, method: str, path_or_url: str, **kwargs: Any) -> Any:
        if method.upper() not in READS:
            raise DryRunViolation(f"dry run: refusing to send {method} {path_or_url}")
        return self._hook.request(method, path_or_url, **kwargs)

    def send(
        self,
        method: str,
        resource: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        ok_statuses: tuple[int, ...] = (),
    ) -> tuple[int, Any]:
        method = method.upper()
        collection, item, rest = _split(resource)
        if method in READS:
            return self._read(method, resource, collection, item, rest, params, ok_statuses)
        with self._lock:
            self._writes[route_of(method, self._hook.api(resource))] += 1
        if item is not None and not rest and not self._still_there(collection, item):
            return self._not_found(method, resource, ok_statuses)
        if method == "POST" and item is None:
            return self._create(collection, body or {})
        if method == "PUT" and collection == "features" and item is not None:
            self._put_variants(item, body or {})
        if method == "DELETE":
            if item is not None and not rest:
                with self._lock:
                    self._exists[(collection, item)] = False
            return 204, None
        return 200, {CREATED_ID[collection]: str(item)} if collection in CREATED_ID else {}

    # -- reads -------------------------------------------------------------------------------
    def _read(
        self,
        method: str,
        resource: str,
        collection: str,
        item: int | None,
        rest: str,
        params: dict[str, Any] | None,
        ok_statuses: tuple[int, ...],
    ) -> tuple[int, Any]:
        if item is not None and item < 0:
            if collection == "features" and not rest and item in self._variants:
                return 200, self._feature_body(item, {"feature_id": str(item)}, params)
            raise DryRunViolation(f"dry run: {resource} is a placeholder, not in the shop")
        if item is not None and not self._still_there(collection, item):
            return self._not_found(method, resource, ok_statuses)
        status, answer = self._hook.send(method, resource, params=params, ok_statuses=ok_statuses)
        if item is not None and not rest:
            with self._lock:
                self._exists[(collection, item)] = status < 400
        if collection == "features" and item in self._variants and not rest and status < 400:
            answer = self._feature_body(item, answer or {}, params)
        return status, answer

    def _still_there(self, collection: str, item: int) -> bool:
        """False for what this session deleted, or (checked once) the shop does not have."""
        if item < 0:
            return True
        with self._lock:
            known = self._exists.get((collection, item))
        if known is not None:
            return known
        if not self._check_existing or collection not in CHECKED:
            return True
        status, _ = self._hook.send("GET", f"{collection}/{item}", ok_statuses=(404,))
        with self._lock:
            self._exists[(collection, item)] = status != 404
        return status != 404

    def _not_found(
        self, method: str, resource: str, ok_statuses: tuple[int, ...]
    ) -> tuple[int, Any]:
        body = {"message": "Not Found: the object does not exist (dry run)", "status": 404}
        if 404 in ok_statuses:
            return 404, body
        raise ApiError(method, self._hook.url(self._hook.api(resource)), 404, body)

    # -- what CS-Cart would create -----------------------------------------------------------
    def _create(self, collection: str, body: Mapping[str, Any]) -> tuple[int, Any]:
        new_id = self.placeholder()
        if collection == "product_variations_groups":
            group = {
                "id": new_id,
                "code": body.get("code", ""),
                "features": list(body.get("features") or []),
                "products": [{"product_id": pid} for pid in body.get("product_ids") or []],
            }
            return 201, {"message": "", "group": group, "products_status": {}}
        if collection == "features":
            lang = str(body.get("lang_code") or "")
            variants = {
                self.placeholder(): {lang: str(v.get("variant", ""))}
                for v in body.get("variants") or []
            }
            with self._lock:
                self._variants[new_id] = variants
        return 201, {CREATED_ID.get(collection, "id"): new_id}

    def _put_variants(self, feature_id: int, body: Mapping[str, Any]) -> None:
        """A feature PUT lists all its variants: the ones left out are gone, the ones
        without an id are new."""
        if "variants" not in body:
            return
        lang = str(body.get("lang_code") or "")
        with self._lock:
            before = self._variants.get(feature_id, {})
        after: dict[int, dict[str, str]] = {}
        for variant in body["variants"] or []:
            vid = variant.get("variant_id")
            vid = int(vid) if vid not in (None, "") else self.placeholder()
            names = dict(before.get(vid, {}))
            names[lang] = str(variant.get("variant", ""))
            after[vid] = names
        with self._lock:
            self._variants[feature_id] = after

    def _feature_body(
        self, feature_id: int, answer: Mapping[str, Any], params: dict[str, Any] | None
    ) -> dict[str, Any]:
        lang = str((params or {}).get("lang_code") or "")
        shop = answer.get("variants") or {}
        shop_items = shop.values() if isinstance(shop, dict) else shop
        shop_names = {int(v["variant_id"]): str(v.get("variant", "")) for v in shop_items}
        with self._lock:
            variants = dict(self._variants.get(feature_id, {}))
        items = {}
        for position, (vid, names) in enumerate(variants.items()):
            name = names.get(lang) or shop_names.get(vid) or next(iter(names.values()), "")
            items[str(vid)] = {"variant_id": str(vid), "variant": name, "position": position}
        return {**answer, "variants": items}


_TOMBSTONE = object()


class DryRunStore:
    """A StateStore whose writes stay in this object's memory (see the module).

    Only the StateStore calls are offered: anything else fails instead of reaching the
    real store."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self._lock = threading.Lock()
        # (table, target, entity) -> key -> value (or _TOMBSTONE: forgotten)
        self._memory: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._forgotten: set[tuple[str, str, str]] = set()  # whole entities forgotten
        self._forgotten_targets: set[str] = set()  # every hash of the target forgotten
        self._media: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self._watermarks: dict[str, str] = {}

    @property
    def wrapped(self) -> Any:
        return self._store

    def _layer(self, table: str, target: str, entity: str) -> dict[str, Any]:
        return self._memory.setdefault((table, target, entity), {})

    def _read(
        self, table: str, target: str, entity: str, keys: Iterable[str] | None, real: Any
    ) -> dict[str, Any]:
        """The real rows (`real(keys)`) under this session's writes."""
        keys = None if keys is None else list(keys)
        with self._lock:
            wiped = (table, target, entity) in self._forgotten or (
                table == "hash" and target in self._forgotten_targets
            )
        found = {} if wiped else dict(real(keys))
        with self._lock:
            layer = self._memory.get((table, target, entity), {})
            if keys is None:
                mine = list(layer.items())
            else:
                mine = [(key, layer[key]) for key in keys if key in layer]
        for key, value in mine:
            if value is _TOMBSTONE:
                found.pop(key, None)
            else:
                found[key] = value
        return found

    def _write(self, table: str, target: str, entity: str, rows: Mapping[str, Any]) -> None:
        with self._lock:
            self._layer(table, target, entity).update(rows)

    # -- payload hashes ----------------------------------------------------------------------
    def hashes(self, target: str, entity: str, keys: Iterable[str]) -> dict[str, str]:
        return self._read(
            "hash", target, entity, keys, lambda k: self._store.hashes(target, entity, k)
        )

    def save(self, target: str, entity: str, hashes: dict[str, str]) -> None:
        self._write("hash", target, entity, dict(hashes))

    def keys(self, target: str, entity: str) -> set[str]:
        return set(
            self._read("hash", target, entity, None, lambda _: self._all_keys(target, entity))
        )

    def _all_keys(self, target: str, entity: str) -> dict[str, str]:
        return dict.fromkeys(self._store.keys(target, entity), "")

    def forget_keys(self, target: str, entity: str, keys: Iterable[str]) -> None:
        keys = list(keys)
        self._write("hash", target, entity, dict.fromkeys(keys, _TOMBSTONE))
        self._write("relations", target, entity, dict.fromkeys(keys, _TOMBSTONE))

    def forget(self, target: str, entity: str | None = None) -> None:
        with self._lock:
            if entity is None:
                for layer in [k for k in self._memory if k[0] == "hash" and k[1] == target]:
                    del self._memory[layer]
                self._forgotten_targets.add(target)
                return
            self._memory.pop(("hash", target, entity), None)
            self._forgotten.add(("hash", target, entity))

    # -- relations ---------------------------------------------------------------------------
    def relations(
        self, target: str, entity: str, keys: Iterable[str]
    ) -> dict[str, dict[str, list[str]]]:
        return self._read(
            "relations", target, entity, keys, lambda k: self._store.relations(target, entity, k)
        )

    def save_relations(
        self, target: str, entity: str, relations: dict[str, dict[str, list[str]]]
    ) -> None:
        self._write("relations", target, entity, dict(relations))

    # -- the id map --------------------------------------------------------------------------
    def remote_ids(
        self, target: str, entity: str, keys: Iterable[str] | None = None
    ) -> dict[str, str]:
        return self._read(
            "id_map", target, entity, keys, lambda k: self._store.remote_ids(target, entity, k)
        )

    def save_remote_ids(self, target: str, entity: str, ids: dict[str, str]) -> None:
        self._write("id_map", target, entity, {k: str(v) for k, v in ids.items()})

    def forget_remote_ids(self, target: str, entity: str, keys: Iterable[str]) -> None:
        self._write("id_map", target, entity, dict.fromkeys(keys, _TOMBSTONE))

    # -- media files and watermarks (not the upload's, offered for completeness) -------------
    def media(self, source: str, kind: str, codes: Iterable[str]) -> dict[str, dict[str, Any]]:
        codes = list(codes)
        found = self._store.media(source, kind, codes)
        with self._lock:
            mine = self._media.get((source, kind), {})
            found.update({code: info for code, info in mine.items() if code in codes})
        return found

    def save_media(self, source: str, kind: str, files: dict[str, dict[str, Any]]) -> None:
        with self._lock:
            self._media.setdefault((source, kind), {}).update(files)

    def watermark(self, name: str) -> str | None:
        with self._lock:
            if name in self._watermarks:
                return self._watermarks[name]
        return self._store.watermark(name)

    def set_watermark(self, name: str, value: str) -> None:
        with self._lock:
            self._watermarks[name] = value

    def close(self) -> None:
        """Drop what the session kept; the real store stays open (its owner closes it)."""
        with self._lock:
            self._memory.clear()
            self._forgotten.clear()
            self._forgotten_targets.clear()
            self._media.clear()
            self._watermarks.clear()


@contextmanager
def dry_run_session(hook: Any, store: Any) -> Iterator[tuple[DryRunHook, DryRunStore]]:
    """(hook, store) stand-ins for one task's dry run; what they kept is dropped on exit.
    Already wrapped ones are used as they are."""
    dry_hook = hook if isinstance(hook, DryRunHook) else DryRunHook(hook)
    dry_store = store if isinstance(store, DryRunStore) else DryRunStore(store)
    try:
        yield dry_hook, dry_store
    finally:
        if dry_store is not store:
            dry_store.close()


def finish(result: StageResult, hook: DryRunHook) -> StageResult:
    """Mark a stage's result as a dry run's, with the writes it would have sent."""
    result.extra["dry_run"] = True
    result.extra["would_write"] = hook.would_write()
    return result


class PlaceholderUrls:
    """Media URLs for a dry run: never fetched (no product is written), and only their
    content hash enters change detection."""

    def url(self, sha256: str, path: str) -> str:
        return f"https://dry-run.invalid/media/{sha256[:2]}/{sha256}"


# The stages whose ids each stage reads, in order.
UPSTREAM = {
    "categories": (),
    "features": (),
    "products": ("categories", "features"),
    "removals": (),
    "variations": ("categories", "features", "products"),
}


def replay_upstream(
    stage: str,
    hook: DryRunHook,
    store: DryRunStore,
    target: str,
    folder: Any,
    structure: Mapping[str, Any],
    mapping: Any,
    languages: Any = None,
) -> None:
    """Run the earlier stages `stage` takes ids from, in this session (their results are
    dropped and their writes not counted as the stage's)."""
    stages = UPSTREAM[stage]
    if not stages:
        return
    if not isinstance(hook, DryRunHook) or not isinstance(store, DryRunStore):
        raise DryRunViolation("replaying earlier stages needs a dry-run session")
    from pimflow.cscart.categories import sync_categories
    from pimflow.cscart.features import sync_features
    from pimflow.cscart.products import sync_products
    from pimflow.cscart.upload import load_languages

    if languages is None:
        languages = load_languages(hook, structure["locales"], mapping)
    for name in stages:
        if name == "categories":
            sync_categories(hook, store, target, folder, dict(structure), languages, mapping)
        elif name == "features":
            # A partial read writes fewer features (fewer reads here); the ids are the same.
            sync_features(hook, store, target, folder, languages, mapping, False)
        elif name == "products":
            sync_products(
                hook, store, target, folder, structure, languages, mapping, PlaceholderUrls()
            )
    hook.forget_writes()
