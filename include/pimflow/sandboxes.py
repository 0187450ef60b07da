"""Where the sandbox APIs are and how to connect to them, for `make demo`, `make sync`
without connections, `make up` and the benches.

The sandboxes are their own distribution (`pimflow-sandbox`), started as a separate
process through its console script; product code never imports them. Akeneo's sandbox is
the core's; each registered target says which sandbox emulates its shop and how its
connection to it looks (`ShopTarget.sandbox_connection`).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator, Mapping
from typing import Any

AKENEO_SANDBOX = "akeneo"
AKENEO_SANDBOX_PORT = 8081


def akeneo_sandbox_connection(url: str) -> dict[str, Any]:
    return {
        "conn_type": "akeneo",
        "host": url,
        "login": "admin",
        "password": "admin",
        "extra": {"client_id": "pimflow", "client_secret": "pimflow-secret"},
    }


def _shop_sandboxes() -> dict[str, Any]:
    from pimflow.targets.registry import target_types

    return {shop.sandbox_name: shop for shop in target_types().values() if shop.sandbox_name}


class _SandboxConnections(Mapping[str, Callable[[str], dict[str, Any]]]):
    """sandbox name → (url → the Airflow connection's fields), over the registered targets."""

    def _all(self) -> dict[str, Callable[[str], dict[str, Any]]]:
        found: dict[str, Callable[[str], dict[str, Any]]] = {
            AKENEO_SANDBOX: akeneo_sandbox_connection
        }
        found.update({name: shop.sandbox_connection for name, shop in _shop_sandboxes().items()})
        return found

    def __getitem__(self, name: str) -> Callable[[str], dict[str, Any]]:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


SANDBOX_CONNECTIONS: Mapping[str, Callable[[str], dict[str, Any]]] = _SandboxConnections()


def sandbox_names() -> tuple[str, ...]:
    """Akeneo's sandbox, then every registered target's."""
    return (AKENEO_SANDBOX, *_shop_sandboxes())


def sandbox_default_urls() -> dict[str, str]:
    """Where `make sandbox` serves each sandbox (its default port)."""
    urls = {AKENEO_SANDBOX: f"http://127.0.0.1:{AKENEO_SANDBOX_PORT}"}
    for name, shop in _shop_sandboxes().items():
        if shop.sandbox_port:
            urls[name] = f"http://127.0.0.1:{shop.sandbox_port}"
    return urls


def stop_sandbox(process: subprocess.Popen, timeout: float = 30) -> None:
    """Stop a sandbox process this program started (killed if it is not gone in time)."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
