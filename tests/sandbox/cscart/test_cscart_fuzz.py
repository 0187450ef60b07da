"""Fuzzing the sandbox CS-Cart with the shapes its API docs document: never a server error.

CS-Cart publishes no OpenAPI file, so the contract is built here from the docs the contract
tests read (`cscart/*.rst` in the shared specs): for each entity pimflow writes, the field
table of the docs gives the body's properties (type from the table's type column, `*` marks a
required field) and the list routes take the documented pagination. Malformed input must get
CS-Cart's 4xx (`{"message": ..., "status": ...}`), never a 500 or a traceback (issue #16).
See tests/sandbox/fuzzing.py for the budget and docs/sandbox-cscart.md for a longer run.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from cscart_docs import table_rows
from cscart_support import API_KEY, EMAIL, REPO

from pimflow_sandbox.cscart import create_app
from pimflow_sandbox.server import SandboxServer
from tests.sandbox.fuzzing import call_and_check, config

DOCS = Path(os.environ.get("PIMFLOW_SPECS_DIR") or REPO.parent / "shared" / "specs") / "cscart"
# entity route: (docs page, heading of its field table, column of the field's type)
ENTITIES = {
    "products": ("products.rst", "Product details", -1),
    "categories": ("categories.rst", "Fields", -1),
    "features": ("product_features.rst", "Fields", -1),
    "languages": ("languages.rst", "Language Details", 1),
    "vendors": ("vendors.rst", "Vendor Details", 1),
}

pytestmark = pytest.mark.skipif(
    not (DOCS / "products.rst").is_file(), reason=f"the CS-Cart API docs are not at {DOCS}"
)


def field_schema(type_text: str) -> dict[str, Any]:
    """The JSON schema of one documented field, from the docs' type column."""
    text = type_text.lower()
    choices = re.findall(r"``([^`]+)``", type_text)
    if "array" in text or "list" in text:
        return {"type": "array"}
    if "integer" in text or " id" in f" {text}":
        return {"type": "integer"}
    if choices and "|" in type_text:
        return {"type": "string", "enum": choices}
    if "string" in text:
        return {"type": "string"}
    return {}  # a free description ("Valid company ID"...): any value


def body_schema(page: str, heading: str, column: int) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for row in table_rows(DOCS / page, heading):
        name = row[0].replace("\\", "").strip("`")
        starred = name.endswith("*")
        name = name.rstrip("*")
        if not re.fullmatch(r"[a-z_]+", name):
            continue
        properties[name] = field_schema(row[column] if len(row) > abs(column) else "")
        if starred:
            required.append(name)
    return {"type": "object", "properties": properties, "required": required}


def documented_contract() -> dict[str, Any]:
    page = [
        {"name": "page", "in": "query", "schema": {"type": "integer"}},
        {"name": "items_per_page", "in": "query", "schema": {"type": "integer"}},
    ]
    entity_id = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    answers = {"default": {"description": "CS-Cart's answer"}}
    paths: dict[str, Any] = {"/version": {"get": {"responses": answers}}}
    for route, (doc, heading, column) in ENTITIES.items():
        body = {"content": {"application/json": {"schema": body_schema(doc, heading, column)}}}
        paths[f"/{route}"] = {
            "get": {"parameters": page, "responses": answers},
            "post": {"requestBody": {**body, "required": True}, "responses": answers},
        }
        paths[f"/{route}/{{id}}"] = {
            "parameters": entity_id,
            "get": {"responses": answers},
            "put": {"requestBody": {**body, "required": True}, "responses": answers},
            "delete": {"responses": answers},
        }
    return {
        "openapi": "3.0.3",
        "info": {"title": "CS-Cart REST API (from its docs)", "version": "4.x"},
        "paths": paths,
    }


def _load() -> schemathesis.BaseSchema | None:
    if not (DOCS / "products.rst").is_file():
        return None
    return schemathesis.openapi.from_dict(
        documented_contract(), config=config("http://127.0.0.1/api")
    )


contract = _load()


@pytest.fixture(scope="module")
def target() -> Iterator[dict[str, Any]]:
    server = SandboxServer(create_app(), port=0).start()
    basic = base64.b64encode(f"{EMAIL}:{API_KEY}".encode()).decode()
    yield {"base_url": server.url + "/api", "headers": {"Authorization": f"Basic {basic}"}}
    server.stop()


if contract is not None:

    @contract.parametrize()
    def test_no_server_error(case: schemathesis.Case, target: dict[str, Any]) -> None:
        call_and_check(case, **target)
