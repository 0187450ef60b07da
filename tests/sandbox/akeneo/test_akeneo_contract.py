"""Contract tests: every endpoint's answers validate against Akeneo's official OpenAPI file.

The file is `akeneo-web-api.oas3.relaxed-values.json` in the shared specs. Where the
official schema contradicts the official documentation, the documentation wins and the
schema is relaxed here, in the open:
- a property is nullable when the docs' own JSON examples show it as `null` (attributes'
  type-specific properties, a root category's or root model's `parent`, the token `scope`);
- `GET /measurement-families` answers a list (its documented example) of objects that the
  schema describes one by one;
- the attribute `type` enum lacks `pim_catalog_table`, although the same schema documents
  `table_configuration` for table attributes;
- asset attributes other than media ones have no `media_type`, as the endpoint's own
  example shows, although the schema lists it as required;
- the collection PATCH answers one JSON object per line, each validated against the
  documented line schema.
"""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator

from .conftest import BASIC, Client, items

REPO = Path(__file__).resolve().parents[3]
SPECS = Path(os.environ.get("PIMFLOW_SPECS_DIR") or REPO.parent / "shared" / "specs")
SPEC_FILE = SPECS / "akeneo" / "akeneo-web-api.oas3.relaxed-values.json"
DOCS = SPECS / "akeneo"
HOST = "http://demo.akeneo.com"

pytestmark = pytest.mark.skipif(
    not SPEC_FILE.is_file(),
    reason=f"Akeneo OpenAPI file not found at {SPEC_FILE} (set PIMFLOW_SPECS_DIR)",
)


def _json_blocks(text: str) -> list[Any]:
    """The JSON documents in the ```json and ```http blocks of a docs page."""
    found = []
    for block in re.findall(r"```(?:json|http)\n(.*?)```", text, flags=re.S):
        body = "\n".join(line for line in block.splitlines() if not line.lstrip().startswith("//"))
        start = body.find("{")
        if start < 0:
            continue
        try:
            found.append(json.loads(body[start:]))
        except ValueError:
            continue
    return found


def _null_keys(document: Any, found: set[str]) -> set[str]:
    if isinstance(document, dict):
        for key, value in document.items():
            if value is None:
                found.add(key)
            _null_keys(value, found)
    elif isinstance(document, list):
        for value in document:
            _null_keys(value, found)
    return found


def documented_nulls() -> set[str]:
    pages = ["guide/catalog-structure.md", "guide/products.md", "docs/authentication.md"]
    keys: set[str] = set()
    for page in pages:
        for document in _json_blocks((DOCS / page).read_text()):
            _null_keys(document, keys)
    return keys


def _relax(node: Any, nullable: set[str]) -> None:
    if isinstance(node, dict):
        enum = node.get("enum")
        if isinstance(enum, list) and "pim_catalog_product_link" in enum:
            enum.append("pim_catalog_table")  # the schema documents table_configuration
        for name, schema in (node.get("properties") or {}).items():
            if name in nullable and isinstance(schema, dict) and "type" in schema:
                schema["nullable"] = True
        for value in node.values():
            _relax(value, nullable)
    elif isinstance(node, list):
        for value in node:
            _relax(value, nullable)


def _drop_requirements_the_examples_omit(spec: dict[str, Any]) -> None:
    """The asset attribute schema requires `media_type` of every attribute, while the
    endpoint's own example (a `single_option` and a `text` attribute) has none."""
    listing = spec["paths"]["/api/rest/v1/asset-families/{asset_family_code}/attributes"]["get"]
    example = listing["responses"]["200"]["x-examples"]
    omitted = {key for item in example for key in ("media_type",) if key not in item}
    for path in (
        "/api/rest/v1/asset-families/{asset_family_code}/attributes",
        "/api/rest/v1/asset-families/{asset_family_code}/attributes/{code}",
    ):
        schema = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]
        schema = schema.get("items", schema)
        schema["required"] = [key for key in schema["required"] if key not in omitted]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    data = json.loads(SPEC_FILE.read_text())
    relaxed = copy.deepcopy(data)
    _relax(relaxed, documented_nulls())
    _drop_requirements_the_examples_omit(relaxed)
    return relaxed


@pytest.fixture(scope="module")
def openapi(spec: dict[str, Any]) -> OpenAPI:
    return OpenAPI.from_dict(spec)


def validate(
    openapi: OpenAPI, template: str, response: requests.Response, method: str = "get"
) -> None:
    request = MockRequest(HOST, method, template, path_pattern=template)
    content_type = (response.headers.get("Content-Type") or "application/json").split(";")[0]
    mock = MockResponse(
        response.content,
        status_code=response.status_code,
        headers=dict(response.headers),
        content_type=content_type,
    )
    openapi.validate_response(request, mock)


def test_the_relaxations_come_from_the_docs() -> None:
    nulls = documented_nulls()
    # what the docs' examples show as null, and nothing the sandbox would invent
    assert {"parent", "scope", "metric_family", "max_characters", "validation_rule"} <= nulls
    assert "code" not in nulls and "values" not in nulls


# -- every read endpoint ------------------------------------------------------------------------


def _reads(client: Client) -> list[tuple[str, str]]:
    first_product = items(client.get("/api/rest/v1/products-uuid?limit=1"))[0]
    identifier = items(client.get("/api/rest/v1/products?limit=1"))[0]["identifier"]
    model = items(
        client.get(
            '/api/rest/v1/product-models?limit=1&search={"parent":[{"operator":"NOT EMPTY"}]}'
        )
    )[0]
    media = items(client.get("/api/rest/v1/media-files?limit=1"))[0]["code"]
    record = items(client.get("/api/rest/v1/reference-entities/brand/records"))[0]["code"]
    asset = items(client.get("/api/rest/v1/asset-families/product_pictures/assets"))[0]["code"]
    return [
        ("/api/rest/v1/channels", "/api/rest/v1/channels?with_count=true"),
        ("/api/rest/v1/channels/{code}", "/api/rest/v1/channels/ecommerce"),
        ("/api/rest/v1/locales", '/api/rest/v1/locales?search={"enabled":[{"operator":"=","value":true}]}'),
        ("/api/rest/v1/locales/{code}", "/api/rest/v1/locales/fr_FR"),
        ("/api/rest/v1/currencies", "/api/rest/v1/currencies?limit=100"),
        ("/api/rest/v1/currencies/{code}", "/api/rest/v1/currencies/EUR"),
        ("/api/rest/v1/measurement-families", "/api/rest/v1/measurement-families"),
        ("/api/rest/v1/families", "/api/rest/v1/families?with_count=true"),
        ("/api/rest/v1/families/{code}", "/api/rest/v1/families/clothing"),
        ("/api/rest/v1/families/{family_code}/variants", "/api/rest/v1/families/clothing/variants"),
        ("/api/rest/v1/families/{family_code}/variants/{code}", "/api/rest/v1/families/clothing/variants/clothing_color_size"),
        ("/api/rest/v1/attributes", "/api/rest/v1/attributes?limit=100&with_table_select_options=true"),
        ("/api/rest/v1/attributes/{code}", "/api/rest/v1/attributes/package_contents"),
        ("/api/rest/v1/attributes/{attribute_code}/options", "/api/rest/v1/attributes/size/options?limit=100"),
        ("/api/rest/v1/attributes/{attribute_code}/options/{code}", "/api/rest/v1/attributes/color/options/black"),
        ("/api/rest/v1/attribute-groups", "/api/rest/v1/attribute-groups"),
        ("/api/rest/v1/attribute-groups/{code}", "/api/rest/v1/attribute-groups/marketing"),
        ("/api/rest/v1/association-types", "/api/rest/v1/association-types"),
        ("/api/rest/v1/association-types/{code}", "/api/rest/v1/association-types/PRODUCT_SET"),
        ("/api/rest/v1/categories", "/api/rest/v1/categories?limit=100&with_position=true"),
        ("/api/rest/v1/categories/{code}", "/api/rest/v1/categories/men_tops"),
        ("/api/rest/v1/products-uuid", "/api/rest/v1/products-uuid?limit=100&with_attribute_options=true&with_completenesses=true"),
        ("/api/rest/v1/products-uuid", "/api/rest/v1/products-uuid?pagination_type=search_after&limit=100&scope=ecommerce&locales=en_US"),
        ("/api/rest/v1/products-uuid/{uuid}", f"/api/rest/v1/products-uuid/{first_product['uuid']}"),
        ("/api/rest/v1/products", "/api/rest/v1/products?limit=100&with_count=true"),
        ("/api/rest/v1/products/{code}", f"/api/rest/v1/products/{identifier}?with_attribute_options=true"),
        ("/api/rest/v1/product-models", "/api/rest/v1/product-models?limit=100&with_count=true"),
        ("/api/rest/v1/product-models", "/api/rest/v1/product-models?pagination_type=search_after&limit=100"),
        ("/api/rest/v1/product-models/{code}", f"/api/rest/v1/product-models/{model['code']}"),
        ("/api/rest/v1/media-files", "/api/rest/v1/media-files?limit=100"),
        ("/api/rest/v1/media-files/{code}", f"/api/rest/v1/media-files/{media}"),
        ("/api/rest/v1/reference-entities", "/api/rest/v1/reference-entities"),
        ("/api/rest/v1/reference-entities/{code}", "/api/rest/v1/reference-entities/brand"),
        ("/api/rest/v1/reference-entities/{reference_entity_code}/attributes", "/api/rest/v1/reference-entities/brand/attributes"),
        ("/api/rest/v1/reference-entities/{reference_entity_code}/attributes/{code}", "/api/rest/v1/reference-entities/brand/attributes/founded"),
        ("/api/rest/v1/reference-entities/{reference_entity_code}/attributes/{attribute_code}/options", "/api/rest/v1/reference-entities/brand/attributes/country/options"),
        ("/api/rest/v1/reference-entities/{reference_entity_code}/attributes/{attribute_code}/options/{code}", "/api/rest/v1/reference-entities/brand/attributes/country/options/fr"),
        ("/api/rest/v1/reference-entities/{reference_entity_code}/records", "/api/rest/v1/reference-entities/brand/records?locales=en_US&channel=ecommerce"),
        ("/api/rest/v1/reference-entities/{reference_entity_code}/records/{code}", f"/api/rest/v1/reference-entities/brand/records/{record}"),
        ("/api/rest/v1/asset-families", "/api/rest/v1/asset-families"),
        ("/api/rest/v1/asset-families/{code}", "/api/rest/v1/asset-families/product_pictures"),
        ("/api/rest/v1/asset-families/{asset_family_code}/attributes", "/api/rest/v1/asset-families/product_pictures/attributes"),
        ("/api/rest/v1/asset-families/{asset_family_code}/attributes/{code}", "/api/rest/v1/asset-families/manuals/attributes/file"),
        ("/api/rest/v1/asset-families/{asset_family_code}/attributes/{attribute_code}/options", "/api/rest/v1/asset-families/manuals/attributes/language/options"),
        ("/api/rest/v1/asset-families/{asset_family_code}/attributes/{attribute_code}/options/{code}", "/api/rest/v1/asset-families/manuals/attributes/language/options/fr"),
        ("/api/rest/v1/asset-families/{asset_family_code}/assets", "/api/rest/v1/asset-families/product_pictures/assets"),
        ("/api/rest/v1/asset-families/{asset_family_code}/assets/{code}", f"/api/rest/v1/asset-families/product_pictures/assets/{asset}"),
        ("/api/rest/v1", "/api/rest/v1"),
        ("/api/rest/v1/system-information", "/api/rest/v1/system-information"),
    ]  # fmt: skip


def test_every_read_endpoint_validates(
    demo: Client, openapi: OpenAPI, spec: dict[str, Any]
) -> None:
    reads = _reads(demo)
    assert len({template for template, _ in reads}) == 47
    for template, path in reads:
        response = demo.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        if template == "/api/rest/v1/measurement-families":
            schema = spec["paths"][template]["get"]["responses"]["200"]["content"][
                "application/json"
            ]["schema"]
            body = response.json()
            assert isinstance(body, list) and body
            for family in body:
                OAS30Validator(schema).validate(family)
            continue
        validate(openapi, template, response)


def test_absolute_links_follow_the_host_header(demo: Client) -> None:
    response = demo.get("/api/rest/v1/families?limit=1", headers={"Host": "pim.example.test:8081"})
    links = response.json()["_links"]
    assert links["self"]["href"].startswith("http://pim.example.test:8081/api/rest/v1/families?")
    assert (
        links["next"]["href"]
        == "http://pim.example.test:8081/api/rest/v1/families?page=2&limit=1&with_count=false"
    )


def test_downloads_serve_the_media_bytes(demo: Client) -> None:
    product_media = items(demo.get("/api/rest/v1/media-files?limit=100"))
    download = demo.get(product_media[0]["_links"]["download"]["href"])
    assert download.status_code == 200
    assert download.headers["Content-Type"] == product_media[0]["mime_type"]
    assert len(download.content) == product_media[0]["size"]
    asset = items(demo.get("/api/rest/v1/asset-families/product_pictures/assets"))[0]
    href = asset["values"]["media"][0]["_links"]["download"]["href"]
    assert "/api/rest/v1/asset-media-files/" in href and demo.get(href).status_code == 200
    brand = demo.get("/api/rest/v1/reference-entities/brand").json()
    assert demo.get(brand["_links"]["image_download"]["href"]).content[:8] == b"\x89PNG\r\n\x1a\n"
    assert demo.get("/api/rest/v1/media-files/0/0/0/0/missing.jpg/download").json() == {
        "code": 404,
        "message": 'Media file "0/0/0/0/missing.jpg" does not exist.',
    }


# -- writes and errors --------------------------------------------------------------------------


def test_write_endpoints_validate(fresh: Client, openapi: OpenAPI, spec: dict[str, Any]) -> None:
    created = fresh.post(
        "/api/rest/v1/products-uuid",
        {
            "values": {"sku": [{"locale": None, "scope": None, "data": "contract-1"}]},
            "family": "electronics",
        },
    )
    assert created.status_code == 201 and created.headers["Location"].startswith(
        fresh.url + "/api/rest/v1/products-uuid/"
    )
    validate(openapi, "/api/rest/v1/products-uuid", created, "post")
    updated = fresh.patch("/api/rest/v1/products/contract-1", {"enabled": False})
    assert updated.status_code == 204
    validate(openapi, "/api/rest/v1/products/{code}", updated, "patch")
    rejected = fresh.post("/api/rest/v1/families", {"code": "bad", "attribute_as_label": "price"})
    assert rejected.status_code == 422
    validate(openapi, "/api/rest/v1/families", rejected, "post")

    lines = fresh.patch_lines(
        "/api/rest/v1/products-uuid",
        [
            {
                "uuid": "fc24e6c3-933c-4a93-8a81-e5c703d134d5",
                "values": {"sku": [{"locale": None, "scope": None, "data": "contract-2"}]},
            },
            {"uuid": "573dd613-0c7f-4143-83d5-63cc5e535966", "group": ["promotion"]},
        ],
    )
    assert lines.status_code == 200
    assert lines.headers["Content-Type"] == "application/vnd.akeneo.collection+json"
    line_schema = spec["paths"]["/api/rest/v1/products-uuid"]["patch"]["responses"]["200"][
        "content"
    ]["application/json"]["schema"]
    statuses = [json.loads(line) for line in lines.text.split("\n")]
    for status in statuses:
        OAS30Validator(line_schema).validate(status)
    assert [s["status_code"] for s in statuses] == [201, 422]
    assert statuses[1]["message"].startswith('Property "group" does not exist.')

    records = fresh.patch(
        "/api/rest/v1/reference-entities/brand/records",
        [
            {
                "code": "kartell",
                "values": {"label": [{"locale": "en_US", "channel": None, "data": "Kartell"}]},
            },
            {"code": "acme", "values": {}},
        ],
    )
    validate(
        openapi, "/api/rest/v1/reference-entities/{reference_entity_code}/records", records, "patch"
    )
    assert [s["status_code"] for s in records.json()] == [201, 204]


def test_error_bodies_validate(demo: Client, openapi: OpenAPI) -> None:
    missing = requests.get(demo.url + "/api/rest/v1/products-uuid", timeout=10)
    assert missing.status_code == 401 and missing.json() == {
        "code": 401,
        "message": "Authentication is required",
    }
    validate(openapi, "/api/rest/v1/products-uuid", missing)
    too_many = demo.get("/api/rest/v1/products-uuid?limit=101")
    assert too_many.json() == {"code": 422, "message": "You cannot request more than 100 items."}
    validate(openapi, "/api/rest/v1/products-uuid", too_many)
    unknown = demo.get("/api/rest/v1/products-uuid/00000000-0000-4000-8000-000000000000")
    assert unknown.status_code == 404
    validate(openapi, "/api/rest/v1/products-uuid/{uuid}", unknown)
    not_acceptable = demo.get("/api/rest/v1/families", headers={"Accept": "text/html"})
    assert not_acceptable.status_code == 406
    validate(openapi, "/api/rest/v1/families", not_acceptable)
    wrong_type = demo.request(
        "POST", "/api/rest/v1/families", data=b"{}", headers={"Content-Type": "text/plain"}
    )
    assert wrong_type.status_code == 415
    validate(openapi, "/api/rest/v1/families", wrong_type, "post")
    token = requests.post(
        demo.url + "/api/oauth/v1/token",
        json={"grant_type": "password", "username": "admin", "password": "admin"},
        headers={"Authorization": BASIC},
        timeout=10,
    )
    validate(openapi, "/api/oauth/v1/token", token, "post")
    bad = requests.post(
        demo.url + "/api/oauth/v1/token",
        json={"grant_type": "password", "username": "admin", "password": "nope"},
        headers={"Authorization": BASIC},
        timeout=10,
    )
    assert (
        bad.status_code == 422
        and bad.json()["message"] == "No user found for the given username and password"
    )
    validate(openapi, "/api/oauth/v1/token", bad, "post")
