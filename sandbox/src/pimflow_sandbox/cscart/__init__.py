"""The CS-Cart / Multi-Vendor sandbox: a shop that answers like CS-Cart's REST API.

    pimflow-sandbox cscart --port 8083 --set hourly_limit=1000

`create_app` is what the CLI calls. The shop starts fresh (three companies, no catalog)
unless a snapshot is given; `docs/sandbox-cscart.md` lists the options and what is emulated.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pimflow_sandbox.cscart.api import DEFAULT_API_KEY, DEFAULT_EMAIL, CsCartApp, apply_options
from pimflow_sandbox.cscart.state import Store

__all__ = ["CsCartApp", "Store", "create_app", "load_snapshot", "save_snapshot"]


def create_app(
    catalog: str = "demo",
    seed: int = 42,
    snapshot: str | None = None,
    options: dict[str, str] | None = None,
) -> CsCartApp:
    """A fresh shop, or the one a snapshot file kept (`--snapshot`, or `--catalog FILE`).

    Options (`--set key=value`): languages (default en,de,fr), email, api_key,
    hourly_limit (0 = unlimited), items_per_page (10), max_items_per_page (0 = none),
    image_errors (skip or reject).
    """
    options = dict(options or {})
    languages = [code for code in options.pop("languages", "en,de,fr").split(",") if code.strip()]
    email = options.pop("email", DEFAULT_EMAIL)
    api_key = options.pop("api_key", DEFAULT_API_KEY)
    source: Path | None = None
    if snapshot and Path(snapshot).is_file():
        source = Path(snapshot)
    elif catalog and Path(catalog).is_file():
        source = Path(catalog)  # the shops always start fresh, unless given a snapshot
    store = load_snapshot(source, seed) if source else Store(languages, seed=seed)
    app = CsCartApp(store, email=email, api_key=api_key, snapshot_path=snapshot)
    apply_options(app, options)
    return app


def load_snapshot(path: str | Path, seed: int = 42) -> Store:
    return Store.from_dict(json.loads(Path(path).read_text(encoding="utf-8")), seed=seed)


def save_snapshot(store: Store, path: str | Path) -> None:
    """Write atomically, so a crash mid-write never leaves half a shop behind."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=target.name, dir=target.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(store.to_dict(), stream, ensure_ascii=False)
    os.replace(temporary, target)
