"""Fuzzing the sandbox Shopware 6 with the official Admin API contract: never a server error.

The operations are the ones pimflow and the contract tests use, from `adminapi.json`: the token,
`/_action/sync`, the media upload, `/_info/version`, `/search/<entity>` and
`/search-ids/<entity>` for the entities pimflow looks up, and the product and media
routes. Malformed input must get Shopware's 4xx with its `{"errors": [...]}` body, never a 500
or a traceback (issue #16). The associations inside the entities' schemas are left open
(`shallow`): generating Shopware's whole entity graph took schemathesis ~30 s per operation.
See tests/sandbox/fuzzing.py for the budget and docs/sandbox-shopware6.md for how to run a
longer one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis

from pimflow_sandbox.server import SandboxServer
from pimflow_sandbox.shopware6 import create_app
from tests.sandbox.fuzzing import call_and_check, config, reachable

from .conftest import SEED, Api, specs_dir

SPEC_FILE = specs_dir() / "shopware" / "adminapi.json"
ACTIONS = ("/oauth/token", "/_action/sync", "/_action/media/{mediaId}/upload", "/_info/version")
CRUD = ("product", "media")  # the entity routes the contract tests read and delete through
# The searches pimflow makes (its lookups of ids by code) and the contract tests check.
SEARCHED = ("product", "currency", "language", "tax", "sales-channel", "category", "media")

pytestmark = pytest.mark.skipif(
    not SPEC_FILE.is_file(),
    reason=f"Shopware spec not found at {SPEC_FILE} (set PIMFLOW_SPECS_DIR)",
)


def used_operations(spec: dict[str, Any]) -> dict[str, Any]:
    wanted = set(ACTIONS)
    wanted |= {f"/{kind}/{entity}" for kind in ("search", "search-ids") for entity in SEARCHED}
    wanted |= {f"/{entity}" for entity in CRUD} | {f"/{entity}/{{id}}" for entity in CRUD}
    return {path: item for path, item in spec["paths"].items() if path in wanted}


def shallow(spec: dict[str, Any]) -> dict[str, Any]:
    """`spec` with each entity's associations (a `$ref` inside a component schema) left open
    as any object: a request's own fields are fuzzed as the contract types them, the
    entities it nests are not generated in depth. Generating Shopware's full graph (a
    product reaches every entity) took schemathesis ~30 s per operation on this machine."""

    def opened(node: Any) -> Any:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/components/"):
                return {"type": "object"}
            return {key: opened(value) for key, value in node.items()}
        if isinstance(node, list):
            return [opened(value) for value in node]
        return node

    schemas = spec.get("components", {}).get("schemas", {})
    components = {**spec["components"], "schemas": {k: opened(v) for k, v in schemas.items()}}
    return {**spec, "components": components}


def _load() -> schemathesis.BaseSchema | None:
    if not SPEC_FILE.is_file():
        return None
    spec = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    return schemathesis.openapi.from_dict(
        shallow(reachable(spec, used_operations(spec))),
        config=config("http://127.0.0.1/api"),
    )


contract = _load()


@pytest.fixture(scope="module")
def fuzzed_server() -> Iterator[SandboxServer]:
    server = SandboxServer(create_app(seed=SEED), port=0).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def target(fuzzed_server: SandboxServer) -> dict[str, Any]:
    api = Api(fuzzed_server.url).authenticate()
    return {"base_url": fuzzed_server.url + "/api", "headers": api.headers(plain=False)}


if contract is not None:

    @contract.parametrize()
    def test_no_server_error(case: schemathesis.Case, target: dict[str, Any]) -> None:
        call_and_check(case, **target)
