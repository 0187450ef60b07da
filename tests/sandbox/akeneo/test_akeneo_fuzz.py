"""Fuzzing the sandbox Akeneo with its official contract: no answer is ever a server error.

schemathesis generates requests for every operation of `akeneo-web-api.oas3.relaxed-values.json`
(the file the contract tests use) against a demo catalog of its own, authenticated like any
client. Malformed input must get Akeneo's 4xx (400, 404, 405, 415, 422 with Akeneo's body),
never a 500 or a traceback (issue #16). See tests/sandbox/fuzzing.py for the budget and
docs/sandbox-akeneo.md for how to run a longer one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis

from tests.sandbox.fuzzing import call_and_check, config

from .conftest import Client, start
from .test_akeneo_contract import SPEC_FILE

pytestmark = pytest.mark.skipif(
    not SPEC_FILE.is_file(),
    reason=f"Akeneo OpenAPI file not found at {SPEC_FILE} (set PIMFLOW_SPECS_DIR)",
)


def _load() -> schemathesis.BaseSchema | None:
    if not SPEC_FILE.is_file():
        return None
    spec = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    return schemathesis.openapi.from_dict(spec, config=config("http://127.0.0.1"))


contract = _load()


@pytest.fixture(scope="module")
def target() -> Iterator[dict[str, Any]]:
    """A demo catalog of its own (the fuzzing writes to it) and an authenticated client's headers."""
    server = start("demo")
    token = Client(server).token
    yield {"base_url": server.url, "headers": {"Authorization": f"Bearer {token}"}}
    server.stop()


if contract is not None:

    @contract.parametrize()
    def test_no_server_error(case: schemathesis.Case, target: dict[str, Any]) -> None:
        call_and_check(case, **target)
