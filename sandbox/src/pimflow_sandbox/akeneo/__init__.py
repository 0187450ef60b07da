"""The sandbox Akeneo: an emulator of Akeneo's REST API over a deterministic catalog.

    pimflow-sandbox akeneo --catalog 1000 --seed 7 --set token_lifetime=600

`create_app` is what the CLI calls. `catalog` is `demo` (about 200 products), `empty`
(a fresh Akeneo, to be filled through the write endpoints), a product count (10..100000)
or the path of a snapshot / JSON catalog file. With `snapshot`, the state is loaded from that
file when it exists and written back to it when the app closes.
"""

from __future__ import annotations

from pathlib import Path

from . import snapshot as snapshots
from .api import DEFAULT_OPTIONS, AkeneoApp
from .catalog import DEMO_PRODUCTS, demo_catalog, empty_catalog, generated_catalog
from .state import Catalog

__all__ = ["DEFAULT_OPTIONS", "AkeneoApp", "Catalog", "build_catalog", "create_app"]


def build_catalog(catalog: str = "demo", seed: int = 42) -> Catalog:
    """The catalog named by the CLI's `--catalog`."""
    name = str(catalog).strip()
    if name == "demo":
        return demo_catalog(seed)
    if name == "empty":
        return empty_catalog()
    if name.isdigit():
        return generated_catalog(int(name), seed)
    path = Path(name)
    if path.is_file():
        return snapshots.read(path)
    raise ValueError(
        f"unknown catalog {catalog!r}: use 'demo' ({DEMO_PRODUCTS} products), 'empty', a product "
        "count (10..100000) or the path of a snapshot file"
    )


def create_app(
    catalog: str = "demo",
    seed: int = 42,
    snapshot: str | None = None,
    options: dict[str, str] | None = None,
) -> AkeneoApp:
    """The Akeneo sandbox app; with `snapshot`, its state survives restarts."""
    if snapshot and Path(snapshot).is_file():
        state = snapshots.read(snapshot)
    else:
        state = build_catalog(catalog, seed)
    on_close = (lambda: snapshots.write(state, snapshot)) if snapshot else None
    return AkeneoApp(state, options=options, on_close=on_close)
