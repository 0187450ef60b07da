"""The sandbox Shopware 6: an emulator of the Shopware 6.7 Admin API for pimflow's tests,
demos and benchmarks (see docs/sandbox-shopware6.md).

`create_app` is what `pimflow-sandbox shopware6` calls. The shop starts fresh (seeded like a
new installation, ids derived from `seed`) unless a snapshot file is given, and `close()`
writes the state back to the snapshot.
"""

from __future__ import annotations

from pathlib import Path

from pimflow_sandbox.shopware6.api import Shopware6App
from pimflow_sandbox.shopware6.seed import seed_fresh_shop
from pimflow_sandbox.shopware6.state import Store

__all__ = ["OPTIONS", "Shopware6App", "Store", "create_app", "fresh_store"]

# --set options and their defaults.
OPTIONS = {
    "token_lifetime": "600",  # seconds an access token lives (Shopware: 600)
    "max_limit": "0",  # cap on a page's size (0: none, Shopware's default)
    "client_id": "pimflow",
    "client_secret": "pimflow-secret",
}


def fresh_store(seed: int = 42) -> Store:
    store = Store(seed=seed)
    seed_fresh_shop(store)
    return store


def create_app(
    catalog: str = "demo",
    seed: int = 42,
    snapshot: str | None = None,
    options: dict[str, str] | None = None,
) -> Shopware6App:
    """The app the CLI serves.

    `catalog` only matters when it names a snapshot file (a shop saved earlier); the shop
    otherwise starts fresh. A `snapshot` that exists is loaded, and written back on close.
    """
    options = dict(options or {})
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ValueError(
            f"unknown shopware6 option(s) {', '.join(unknown)}; known: {', '.join(OPTIONS)}"
        )
    settings = {**OPTIONS, **options}
    try:
        token_lifetime = int(settings["token_lifetime"])
        max_limit = int(settings["max_limit"])
    except ValueError as exc:
        raise ValueError(
            f"shopware6 options token_lifetime/max_limit take integers: {exc}"
        ) from exc
    if token_lifetime < 1 or max_limit < 0:
        raise ValueError("token_lifetime must be >= 1 and max_limit >= 0")

    if snapshot and Path(snapshot).is_file():
        store = Store.load(snapshot)
    elif catalog and Path(catalog).is_file():
        store = Store.load(catalog)
    else:
        store = fresh_store(seed)
    return Shopware6App(
        store,
        client_id=settings["client_id"],
        client_secret=settings["client_secret"],
        token_lifetime=token_lifetime,
        max_limit=max_limit,
        snapshot=snapshot,
    )
