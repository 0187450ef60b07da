"""Dry runs, once for every target: each stage runs unchanged on two stand-ins.

- **The hook's recorder** (`record`). Every call a hook makes goes through its `request`
  (PimflowHttpHook.request: `send`, `sync`, `search`, paging all end there), so that one
  method is intercepted. A call the target calls a read (`ShopTarget.read_request`: GET and
  HEAD by default; Shopware's POST searches and token request too) goes to the shop, so id
  maps are rebuilt and what the shop lacks is noticed as in a real run. Any other call never
  leaves the process: it is counted by route (the stage's `would_write`) and answered by
  the target's `Responder` (`ShopTarget.dry_run_responder`): 200 with an empty JSON body by
  default, enough for a target that checks only the status (Shopware's sync and media
  upload); CS-Cart answers as CS-Cart would, with placeholder ids for what it creates. The
  hook's call counter (the report's `calls`) counts only the calls really made.
- **The state store's overlay** (`OverlayStore`): reads see the real store under this dry
  run's writes; writes (every StateStore method) stay in memory and never reach the real
  store, so after a dry run the store is byte for byte what it was, and a later real run
  behaves as if the dry run never happened.

**One dry run spans many tasks.** Every stage is an Airflow task of its own (its own
process, maybe its own machine), yet a later stage must see what an earlier one "wrote":
CS-Cart's products name the placeholder ids of the categories and features stages, the
variations those of the products, Shopware's cross-sellings the products "written". So
each task's part of the dry run (`DryRun`) saves, when its store closes, what its overlay
kept and its responder's state (placeholders given, what it learnt of the shop) to the
run folder, `<run folder>/dry_run/<task id>[@<map index>].json`, and loads at its start
the snapshots of every task upstream of it in the DAG, in dependency order. Nothing else
is read, so a retried task sees exactly what its first attempt saw and overwrites its own
snapshot (idempotent); a task running beside it in parallel is never seen. Snapshots hold
payload hashes and the payloads "written" (catalog data, for the plan), id maps
(placeholders included), relations and the responder's notes, never a credential; they go
with the run folder.

The stage runner applies all this (pimflow/pipeline/upload.py, pipeline/context.py's
`state_store()` for the extraction's tasks), so no stage and no target knows it is in a dry
run; `StageContext.dry_run` only tells a stage so (e.g. not to start a media server).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

SNAPSHOTS = "dry_run"  # the folder of the run folder the snapshots are in
# HttpHook's own ways to send anything, around `request`: refused on a recorded hook.
UNSAFE = ("run", "run_and_check", "run_with_advanced_retry")
# Ids in a path (CS-Cart's numbers, placeholders included; Shopware's hex uuids).
_ID_SEGMENT = re.compile(r"/(-?\d+|[0-9a-f]{32})(?=/|$)")


class DryRunViolation(RuntimeError):
    """Something tried to send a write around the recorder, or to read a placeholder."""


def route_of(method: str, path: str) -> str:
    """`PUT /api/products/-3` → `PUT /api/products/{id}`: what `would_write` counts."""
    return f"{method.upper()} " + _ID_SEGMENT.sub("/{id}", urlsplit(path).path or path)


# -- the hook's recorder -----------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One call a stage made: `request(method, path, **options)`."""

    method: str
    path: str
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def params(self) -> Mapping[str, Any]:
        return self.options.get("params") or {}

    @property
    def body(self) -> Any:
        return self.options.get("json")

    @property
    def ok_statuses(self) -> tuple[int, ...]:
        return tuple(self.options.get("ok_statuses") or ())


Shop = Callable[[Call], requests.Response]  # sends a call to the shop (reads only)
Answer = tuple[int, Any] | requests.Response  # (status, JSON body or None), or the shop's


class Responder:
    """How a target's shop answers a dry run (the default: every write succeeds, empty).

    `write` answers a call that is not sent; `read` may answer a read itself (what the dry
    run wrote, placeholders) or send it (`shop(call)`). What the responder learns that a
    later task needs goes in `state()` (JSON) and comes back through `load()`, upstream
    tasks' states in dependency order."""

    def write(self, call: Call, shop: Shop) -> Answer:
        return 200, {}

    def read(self, call: Call, shop: Shop) -> Answer:
        return shop(call)

    def state(self) -> dict[str, Any]:
        return {}

    def load(self, states: Sequence[Mapping[str, Any]]) -> None:
        """Take over what the upstream tasks' responders learnt (oldest first)."""


class Recorder:
    """The stand-in for one hook's `request` (see the module)."""

    def __init__(
        self,
        hook: Any,
        send: Callable[..., Any],
        read_request: Callable[[str, str], bool],
        responder: Responder,
    ) -> None:
        self.hook = hook
        self.responder = responder
        self._send = send
        self._read_request = read_request
        self._writes: Counter[str] = Counter()
        self._lock = threading.Lock()

    def would_write(self) -> dict[str, int]:
        """The calls the stage would have sent, by route (ids as `{id}`)."""
        with self._lock:
            return dict(sorted(self._writes.items()))

    def shop(self, call: Call) -> requests.Response:
        """Send a call to the shop (for the responder's reads)."""
        return self._send(call.method, call.path, **call.options)

    def request(self, method: str, path_or_url: str, **options: Any) -> Any:
        call = Call(method.upper(), path_or_url, options)
        if self._read_request(call.method, urlsplit(path_or_url).path or path_or_url):
            return self._answer(call, self.responder.read(call, self.shop))
        with self._lock:
            self._writes[route_of(call.method, path_or_url)] += 1
        return self._answer(call, self.responder.write(call, self.shop))

    def _answer(self, call: Call, answer: Answer) -> Any:
        if not isinstance(answer, tuple):
            return answer
        status, body = answer
        url_of = getattr(self.hook, "url", None)
        url = url_of(call.path) if url_of else call.path
        if status >= 400 and status not in call.ok_statuses:
            from pimflow.hooks.base import ApiError

            raise ApiError(call.method, url, status, body)
        return local_response(status, body, url)


def local_response(status: int, body: Any, url: str = "") -> requests.Response:
    """A response made here, as the shop's would look (JSON; no body for None)."""
    response = requests.Response()
    response.status_code = status
    response.url = url
    response.encoding = "utf-8"
    response._content = b"" if body is None else json.dumps(body).encode()
    if body is not None:
        response.headers["Content-Type"] = "application/json"
    return response


_RECORDING_CLASSES: dict[type, type] = {}


def _refused(name: str) -> property:
    def get(self: Any) -> Any:
        raise DryRunViolation(f"dry run: {name} could send a write, it is not offered")

    return property(get)


def _recording_class(cls: type) -> type:
    """`cls` whose `request` is the recorder's and whose other senders are refused."""
    if cls not in _RECORDING_CLASSES:

        def request(self: Any, method: str, path_or_url: str, **options: Any) -> Any:
            return self.dry_run_recorder.request(method, path_or_url, **options)

        members = {name: _refused(name) for name in UNSAFE if hasattr(cls, name)}
        _RECORDING_CLASSES[cls] = type(
            f"DryRun{cls.__name__}", (cls,), {"request": request, **members}
        )
    return _RECORDING_CLASSES[cls]


def record(
    hook: Any, read_request: Callable[[str, str], bool], responder: Responder | None = None
) -> Recorder:
    """Turn `hook` (any object with a `request(method, path, **options)`) into a dry run's:
    the same object, still an instance of its class, every other attribute its own."""
    if isinstance(getattr(hook, "dry_run_recorder", None), Recorder):
        return hook.dry_run_recorder
    cls = type(hook)
    recorder = Recorder(hook, cls.request.__get__(hook), read_request, responder or Responder())
    hook.dry_run_recorder = recorder
    hook.__class__ = _recording_class(cls)
    return recorder


# -- the state store's overlay -----------------------------------------------------------------

# A layer's rows: (table, namespace, entity) → key → value, None where the key was forgotten.
# Tables: "hash", "relations", "id_map" under (target, entity); "media" under (source, kind);
# "watermark" under ("", "").
Slot = tuple[str, str, str]
EVERY_ENTITY = "*"  # a wipe of every entity of a target (StateStore.forget(target))


@dataclass
class Layer:
    """What one task of a dry run wrote to the store, in a form that can be saved."""

    rows: dict[Slot, dict[str, Any]] = field(default_factory=dict)
    wiped: set[Slot] = field(default_factory=set)

    def wipes(self, slot: Slot) -> bool:
        table, namespace, _ = slot
        return slot in self.wiped or (table, namespace, EVERY_ENTITY) in self.wiped

    def wipe(self, slot: Slot) -> None:
        table, namespace, entity = slot
        for known in list(self.rows):
            if known == slot or (entity == EVERY_ENTITY and known[:2] == (table, namespace)):
                del self.rows[known]
        self.wiped.add(slot)

    def write(self, slot: Slot, rows: Mapping[str, Any]) -> None:
        self.rows.setdefault(slot, {}).update(rows)

    def apply(self, slot: Slot, found: dict[str, Any], keys: list[str] | None) -> dict[str, Any]:
        """`found` (what lies below) as this layer leaves it."""
        if self.wipes(slot):
            found = {}
        mine = self.rows.get(slot, {})
        for key, value in (
            mine.items() if keys is None else ((k, mine[k]) for k in keys if k in mine)
        ):
            if value is None:
                found.pop(key, None)
            else:
                found[key] = value
        return found

    def merge(self, later: Layer) -> None:
        """Put `later` (written after this one) on top."""
        for slot in later.wiped:
            self.wipe(slot)
        for slot, rows in later.rows.items():
            self.write(slot, rows)

    def dump(self) -> dict[str, Any]:
        return {
            "rows": [[*slot, rows] for slot, rows in sorted(self.rows.items())],
            "wiped": sorted([*slot] for slot in self.wiped),
        }

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Layer:
        return cls(
            rows={(t, n, e): dict(rows) for t, n, e, rows in data.get("rows") or []},
            wiped={(t, n, e) for t, n, e in data.get("wiped") or []},
        )


class OverlayStore:
    """A StateStore whose writes stay here (see the module). Only the StateStore's calls
    are offered: anything else fails instead of reaching the real store."""

    def __init__(
        self, store: Any, below: Layer | None = None, on_close: Callable[[], None] | None = None
    ) -> None:
        self._store = store
        self.below = below or Layer()  # what the upstream tasks wrote
        self.written = Layer()  # what this task writes
        self._on_close = on_close
        self._lock = threading.Lock()

    @property
    def wrapped(self) -> Any:
        return self._store

    def _read(
        self, slot: Slot, keys: Iterable[str] | None, real: Callable[[list[str] | None], Any]
    ) -> dict[str, Any]:
        keys = None if keys is None else list(keys)
        with self._lock:
            wiped = self.below.wipes(slot) or self.written.wipes(slot)
        found = {} if wiped else dict(real(keys))
        with self._lock:
            for layer in (self.below, self.written):
                found = layer.apply(slot, found, keys)
        return found

    def _write(self, slot: Slot, rows: Mapping[str, Any]) -> None:
        with self._lock:
            self.written.write(slot, rows)

    # -- payload hashes ------------------------------------------------------------------------
    def hashes(self, target: str, entity: str, keys: Iterable[str]) -> dict[str, str]:
        return self._read(
            ("hash", target, entity), keys, _reader(self._store.hashes, target, entity)
        )

    def save(
        self,
        target: str,
        entity: str,
        hashes: dict[str, str],
        payloads: dict[str, Any] | None = None,
    ) -> None:
        self._write(("hash", target, entity), hashes)
        if payloads:
            self._write(("payload", target, entity), payloads)

    def payloads(self, target: str, entity: str, keys: Iterable[str]) -> dict[str, Any]:
        return self._read(
            ("payload", target, entity), keys, _reader(self._store.payloads, target, entity)
        )

    def keys(self, target: str, entity: str) -> set[str]:
        def every(_: Any) -> dict[str, str]:
            return dict.fromkeys(self._store.keys(target, entity), "")

        return set(self._read(("hash", target, entity), None, every))

    def forget_keys(self, target: str, entity: str, keys: Iterable[str]) -> None:
        gone = dict.fromkeys(keys)
        self._write(("hash", target, entity), gone)
        self._write(("relations", target, entity), gone)
        self._write(("payload", target, entity), gone)

    def forget(self, target: str, entity: str | None = None) -> None:
        with self._lock:
            self.written.wipe(("hash", target, entity or EVERY_ENTITY))
            self.written.wipe(("payload", target, entity or EVERY_ENTITY))

    # -- relations -----------------------------------------------------------------------------
    def relations(
        self, target: str, entity: str, keys: Iterable[str]
    ) -> dict[str, dict[str, list[str]]]:
        return self._read(
            ("relations", target, entity), keys, _reader(self._store.relations, target, entity)
        )

    def save_relations(
        self, target: str, entity: str, relations: dict[str, dict[str, list[str]]]
    ) -> None:
        self._write(("relations", target, entity), relations)

    # -- the id map ----------------------------------------------------------------------------
    def remote_ids(
        self, target: str, entity: str, keys: Iterable[str] | None = None
    ) -> dict[str, str]:
        return self._read(
            ("id_map", target, entity), keys, _reader(self._store.remote_ids, target, entity)
        )

    def save_remote_ids(self, target: str, entity: str, ids: dict[str, str]) -> None:
        self._write(("id_map", target, entity), {k: str(v) for k, v in ids.items()})

    def forget_remote_ids(self, target: str, entity: str, keys: Iterable[str]) -> None:
        self._write(("id_map", target, entity), dict.fromkeys(keys))

    # -- media files and watermarks ------------------------------------------------------------
    def media(self, source: str, kind: str, codes: Iterable[str]) -> dict[str, dict[str, Any]]:
        return self._read(("media", source, kind), codes, _reader(self._store.media, source, kind))

    def save_media(self, source: str, kind: str, files: dict[str, dict[str, Any]]) -> None:
        self._write(("media", source, kind), files)

    def watermark(self, name: str) -> str | None:
        def real(_: Any) -> dict[str, str]:
            value = self._store.watermark(name)
            return {} if value is None else {name: value}

        return self._read(("watermark", "", ""), [name], real).get(name)

    def set_watermark(self, name: str, value: str) -> None:
        self._write(("watermark", "", ""), {name: value})

    @contextlib.contextmanager
    def batched(self) -> Iterator[None]:
        """As StateStore.batched: here every write stays in memory, so there is nothing to
        commit in batches."""
        yield

    def close(self) -> None:
        """Save this task's part of the dry run (if it is one of a run), close the real store."""
        try:
            if self._on_close is not None:
                self._on_close()
        finally:
            self._store.close()


def _reader(method: Callable[..., Any], *args: Any) -> Callable[[list[str] | None], Any]:
    """`method(*args, keys)`; with no keys, `method(*args)` (every key)."""

    def call(keys: list[str] | None) -> Any:
        return method(*args) if keys is None else method(*args, keys)

    return call


# -- one task's part of a dry run --------------------------------------------------------------


def snapshot_name(task_id: str, map_index: int | None = None) -> str:
    """A task's snapshot's name: its id, and its map index for a mapped task."""
    return task_id if map_index is None or map_index < 0 else f"{task_id}@{map_index}"


class DryRun:
    """One task's part of a run's dry run: loads what the tasks upstream of it saved, and
    wraps the task's store and hook; `save()` (or the overlay's close) keeps what it did."""

    def __init__(self, folder: Any, task: str, upstream: Iterable[str] = ()) -> None:
        self.folder = folder
        self.task = task
        self._snapshots = self._load(set(upstream))
        self._store: OverlayStore | None = None
        self._recorders: dict[str, Recorder] = {}

    def _load(self, upstream: set[str]) -> list[dict[str, Any]]:
        """The snapshots of the upstream tasks, in dependency order (a task's depth is one
        more than the deepest it loaded, so an upstream task always comes first)."""
        root = self.folder / SNAPSHOTS
        if not upstream or not root.exists():
            return []
        found = []
        for path in root.iterdir():
            name = path.name.removesuffix(".json")
            if path.name.endswith(".json") and name.split("@", 1)[0] in upstream:
                found.append(json.loads(path.read_text()))
        return sorted(found, key=lambda s: (s["depth"], s["task"]))

    @property
    def depth(self) -> int:
        return 1 + max((s["depth"] for s in self._snapshots), default=0)

    def overlay(self, store: Any) -> OverlayStore:
        """The task's store: `store` under what the upstream tasks and this one wrote."""
        if self._store is None:
            below = Layer()
            for snapshot in self._snapshots:
                below.merge(Layer.parse(snapshot["store"]))
            self._store = OverlayStore(store, below, on_close=self.save)
        return self._store

    def record(self, hook: Any, target: Any) -> Recorder:
        """Record `hook`'s writes (see `record`), answered by `target`'s responder, which
        takes over what the upstream tasks' responders of the same target type learnt."""
        recorder = record(hook, target.read_request, target.dry_run_responder(hook))
        recorder.responder.load(
            [
                s["responders"][target.type_name]
                for s in self._snapshots
                if target.type_name in s.get("responders", {})
            ]
        )
        self._recorders[target.type_name] = recorder
        return recorder

    def would_write(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for recorder in self._recorders.values():
            total.update(recorder.would_write())
        return dict(sorted(total.items()))

    def save(self) -> None:
        """Write this task's snapshot (overwriting an earlier attempt's)."""
        written = self._store.written if self._store is not None else Layer()
        snapshot = {
            "task": self.task,
            "depth": self.depth,
            "loaded": sorted(s["task"] for s in self._snapshots),
            "store": written.dump(),
            "responders": {name: r.responder.state() for name, r in self._recorders.items()},
        }
        path = self.folder / SNAPSHOTS / f"{self.task}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(snapshot, sort_keys=True))
