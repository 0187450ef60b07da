"""Emulators of the Akeneo, Shopware 6 and CS-Cart APIs, for demos, tests and benchmarks.

One package per API (`akeneo`, `shopware6`, `cscart`), each in two halves like moto's
services: the state and its rules (`state.py`) and the HTTP layer (`api.py`), on the shared
server in `server.py`. Start them with `pimflow-sandbox` (see `cli.py`).
"""
