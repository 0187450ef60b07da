"""Emulators of the Akeneo, Shopware 6 and CS-Cart APIs, for demos, tests and benchmarks.

One package per API (`akeneo`, `shopware6`, `cscart`), each in two halves like moto's
services: the state and its rules (`state/`, one module per resource, composed into one
class in `state/__init__.py`) and the HTTP layer (`api.py`), on the shared server in
`server.py`. Start them with `pimflow-sandbox` (see `cli.py`).

This is its own distribution (`pimflow-sandbox`, `sandbox/pyproject.toml`), standard library
only: pimflow never imports it (tests/test_layering.py), it runs it as a subprocess.
"""
