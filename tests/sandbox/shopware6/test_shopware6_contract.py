"""Every response pimflow uses, validated against the official contract (adminapi.json, 6.7.9.1).

openapi-core 0.23 reads the spec, but validating whole responses through it trips over the
spec's own inconsistencies (JSON:API list items typed as the plain entity), so the bodies are
validated with jsonschema against the response schemas the spec gives for each route, with
two relaxations, both known differences between the spec and a real shop:

* Shopware serialises unset fields as `null` although the entity schemas type them as
  non-nullable (the same relaxation as the Akeneo spec's `relaxed-values` variant);
* a sync answers `"notFound": []` / `"deleted": []` when empty (PHP's empty array), where the
  spec says object (PROVENANCE-openapi.txt lists it).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from .conftest import price, specs_dir, uid

SPEC_FILE = specs_dir() / "shopware" / "adminapi.json"
URI = "urn:shopware:adminapi"


def _nullable(schema: Any) -> Any:
    """Allow null for every property of every object schema (schema keywords only)."""
    if isinstance(schema, list):
        return [_nullable(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {n: {"anyOf": [_nullable(s), {"type": "null"}]} for n, s in value.items()}
        elif key in ("items", "additionalProperties", "not", "contains"):
            out[key] = _nullable(value)
        elif key in ("allOf", "anyOf", "oneOf", "prefixItems"):
            out[key] = [_nullable(s) for s in value]
        else:
            out[key] = value
    return out


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC_FILE.is_file():
        pytest.skip(f"Shopware spec not found at {SPEC_FILE} (set PIMFLOW_SPECS_DIR)")
    return json.loads(SPEC_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def contract(spec):
    schemas = copy.deepcopy(spec["components"]["schemas"])
    relaxed = {"components": {"schemas": {n: _nullable(s) for n, s in schemas.items()}}}
    registry = Registry().with_resource(URI, DRAFT202012.create_resource(relaxed))

    def validate(instance: Any, schema: dict[str, Any]) -> None:
        rooted = json.loads(json.dumps(schema).replace('"#/components/', f'"{URI}#/components/'))
        validator = Draft202012Validator(_nullable(rooted), registry=registry)
        problems = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        assert not problems, "\n".join(f"{list(e.path)}: {e.message[:300]}" for e in problems[:10])

    def response_schema(path: str, method: str, status: str, media: str = "application/json"):
        response = spec["paths"][path][method]["responses"][status]
        if "$ref" in response:
            response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
        return response["content"][media]["schema"]

    validate.response_schema = response_schema  # type: ignore[attr-defined]
    validate.component = lambda name: {"$ref": f"#/components/schemas/{name}"}  # type: ignore[attr-defined]
    return validate


def sync_body(response) -> dict[str, Any]:
    """A sync body with PHP's empty arrays read as the empty objects the spec expects."""
    body = response.json()
    for key in ("data", "notFound", "deleted"):
        if body.get(key) == []:
            body[key] = {}
    return body


def check_json_api(contract, body: dict[str, Any]) -> None:
    """A JSON:API body against the spec's `success` schema.

    Two spec quirks are worked around: `success` forbids the `aggregations` key that the
    docs' own JSON:API example carries, and the spec's `relationships` schema admits no key at
    all (`additionalProperties: false` with its members only inside `anyOf`), so each
    relationship's `links` and `data` are checked against their own component schemas.
    """
    assert body.pop("aggregations") == []
    relationships = []
    resources = body["data"] if isinstance(body["data"], list) else [body["data"]]
    for resource in resources + body.get("included", []):
        relationships.extend(resource.pop("relationships", {}).values())
    contract(body, contract.component("success"))
    assert relationships
    for relationship in relationships:
        assert set(relationship) <= {"links", "data"}
        contract(relationship["links"], contract.component("relationshipLinks"))
        if isinstance(relationship.get("data"), list):
            contract(relationship["data"], contract.component("relationshipToMany"))
        elif "data" in relationship:
            contract(relationship["data"], contract.component("relationshipToOne"))


def check(contract, response, path: str, method: str, media: str = "application/json") -> None:
    schema = contract.response_schema(path, method, str(response.status_code), media)
    contract(response.json(), schema)


def test_token(contract, server, shop):
    import requests

    ok = requests.post(
        f"{server.url}/api/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": "pimflow",
            "client_secret": "pimflow-secret",
        },
    )
    check(contract, ok, "/oauth/token", "post")
    bad = requests.post(f"{server.url}/api/oauth/token", json={"grant_type": "client_credentials"})
    assert bad.status_code == 400
    check(contract, bad, "/oauth/token", "post")


def test_sync_success_and_failure(contract, api, product):
    ok = api.upsert("product", product("CT-1", categories=[{"id": uid("ct-cat"), "name": "C"}]))
    assert ok.status_code == 200
    assert ok.json()["notFound"] == [] and ok.json()["deleted"] == []  # as PHP renders them
    contract(sync_body(ok), contract.response_schema("/_action/sync", "post", "200"))
    deleted = api.sync(
        {
            "d": {
                "entity": "product_category",
                "action": "delete",
                "payload": [{"productId": uid("CT-1"), "categoryId": uid("ct-cat")}],
            }
        }
    )
    contract(sync_body(deleted), contract.response_schema("/_action/sync", "post", "200"))
    failed = api.upsert("product", product("CT-2", foo=1, stock="x"), {"productNumber": "CT-3"})
    assert failed.status_code == 400
    contract(failed.json(), contract.component("failure"))
    partial = api.upsert(
        "product", product("CT-4"), product("CT-5", foo=1), **{"fail-on-error": "false"}
    )
    assert partial.status_code == 200
    body = sync_body(partial)
    contract(body, contract.response_schema("/_action/sync", "post", "200"))
    contract({"errors": body["errors"]}, contract.component("failure"))


def test_search_get_and_related_bodies(contract, api, product):
    api.upsert(
        "property_group", {"id": uid("g"), "name": "G", "options": [{"id": uid("o"), "name": "O"}]}
    )
    api.upsert(
        "product",
        product(
            "CS-1",
            properties=[{"id": uid("o")}],
            media=[{"id": uid("cs-pm"), "media": {"id": uid("cs-m")}}],
        ),
        {"id": uid("CS-1.v"), "parentId": uid("CS-1"), "productNumber": "CS-1.v", "stock": 1},
    ).raise_for_status()
    criteria = {
        "associations": {
            "properties": {"associations": {"group": {}}},
            "media": {},
            "children": {},
            "categories": {},
        },
        "total-count-mode": 1,
    }
    plain = api.call("POST", "/api/search/product", criteria)
    check(contract, plain, "/search/product", "post")
    assert plain.json()["total"] == 2
    json_api = api.call("POST", "/api/search/product", criteria, plain=False)
    check_json_api(contract, json_api.json())
    detail = api.get("product", uid("CS-1.v"))
    check(contract, detail, "/product/{id}", "get")
    for entity, path in (
        ("currency", "/search/currency"),
        ("language", "/search/language"),
        ("tax", "/search/tax"),
        ("sales-channel", "/search/sales-channel"),
        ("category", "/search/category"),
        ("property-group-option", "/search/property-group-option"),
        ("media", "/search/media"),
        ("unit", "/search/unit"),
        ("locale", "/search/locale"),
    ):
        check(contract, api.call("POST", f"/api/search/{entity}", {}), path, "post")
    listed = api.call("GET", "/api/product?limit=1")
    check(contract, listed, "/product", "get")


def test_media_upload_and_media_body(contract, api):
    from .test_shopware6_media import image_bytes, upload

    api.upsert("media", {"id": uid("cm")}).raise_for_status()
    response = upload(api, uid("cm"), image_bytes(), "image/png", extension="png", fileName="c")
    assert response.status_code == 204 and response.content == b""
    check(contract, api.get("media", uid("cm")), "/media/{id}", "get")


def test_delete_and_error_bodies(contract, api, product):
    api.upsert("product", product("CD-1")).raise_for_status()
    deleted = api.call("DELETE", f"/api/product/{uid('CD-1')}")
    assert deleted.status_code == 204 and deleted.content == b""
    missing = api.call("DELETE", f"/api/product/{uid('CD-1')}")
    assert missing.status_code == 404
    check(contract, missing, "/product/{id}", "delete")
    check(contract, api.get("product", uid("CD-1")), "/product/{id}", "get")
    unauthorised = api.http.post(f"{api.base}/api/search/product", json={})
    check(contract, unauthorised, "/search/product", "post")
    bad_criteria = api.call(
        "POST", "/api/search/product", {"filter": [{"type": "equals", "field": "x", "value": 1}]}
    )
    check(contract, bad_criteria, "/search/product", "post")


def test_written_payloads_match_the_entity_schemas(contract, api, product):
    """What the sandbox accepts is what the spec describes (the request side of the contract)."""
    row = product("CW-1", price=[price()], active=True)
    contract(row, contract.component("Product"))
    assert api.upsert("product", row).status_code == 200
