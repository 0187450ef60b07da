"""Writes through the API: validation, Akeneo's 422 bodies, inheritance, `updated`, deletes."""

from __future__ import annotations

import json
import time

from .conftest import Client, items

V = {"locale": None, "scope": None}


def value(data: object, locale: str | None = None, scope: str | None = None) -> list[dict]:
    return [{"locale": locale, "scope": scope, "data": data}]


def test_create_update_and_read_a_product(fresh: Client) -> None:
    body = {
        "identifier": "w-1",
        "family": "electronics",
        "categories": ["speakers"],
        "values": {
            "name": value("Box", "en_US"),
            "price": value([{"amount": "10.5", "currency": "EUR"}]),
            "weight": value({"amount": 2, "unit": "GRAM"}),
            "warranty_months": value(24),
        },
    }
    created = fresh.post("/api/rest/v1/products", body)
    assert created.status_code == 201 and created.headers["Location"].endswith(
        "/api/rest/v1/products/w-1"
    )
    product = fresh.get("/api/rest/v1/products/w-1").json()
    assert product["values"]["price"][0]["data"] == [{"amount": "10.50", "currency": "EUR"}]
    assert product["values"]["weight"][0]["data"] == {"amount": "2.0000", "unit": "GRAM"}
    assert product["created"] == product["updated"]
    time.sleep(1.1)
    assert fresh.patch("/api/rest/v1/products/w-1", {"categories": ["speakers"]}).status_code == 204
    assert (
        fresh.get("/api/rest/v1/products/w-1").json()["updated"] == product["updated"]
    )  # nothing changed
    assert (
        fresh.patch(
            "/api/rest/v1/products/w-1", {"values": {"name": value(None, "en_US")}}
        ).status_code
        == 204
    )
    after = fresh.get("/api/rest/v1/products/w-1").json()
    assert "name" not in after["values"] and after["updated"] > product["updated"]
    assert (
        fresh.post("/api/rest/v1/products", body).json()["errors"][0]["message"]
        == "The same identifier is already set on another product"
    )


def test_validation_bodies(fresh: Client) -> None:
    def post(extra: dict) -> dict:
        return fresh.post("/api/rest/v1/products", {"identifier": "bad", **extra}).json()

    assert post({"family": "nope"}) == {
        "code": 422,
        "message": 'Property "family" expects a valid family code. The family does not exist, "nope" given. Check the expected format on the API documentation.',
        "_links": {
            "documentation": {"href": "http://api.akeneo.com/api-reference.html#post_products"}
        },
    }
    assert (
        post({"categories": ["sunglasses"]})["message"]
        == "The sunglasses category does not exist in your PIM. Check the expected format on the API documentation."
    )
    assert post({"values": {"nope": value("x")}})["message"].startswith(
        'Property "nope" does not exist.'
    )
    assert post({"values": {"color": value("tommh")}}) == {
        "code": 422,
        "message": "Validation failed.",
        "errors": [
            {
                "property": "values",
                "message": "The tommh value is not in the color attribute option list.",
                "attribute": "color",
                "locale": None,
                "scope": None,
            }
        ],
    }
    assert post({"values": {"name": value("x", "xx_XX")}})["errors"][0] == {
        "property": "values",
        "message": 'Attribute "name" expects an existing and activated locale, "xx_XX" given.',
        "attribute": "name",
        "locale": "xx_XX",
        "scope": None,
    }
    assert (
        post({"values": {"description": value("x", "en_US", "web")}})["errors"][0]["message"]
        == 'Attribute "description" expects an existing scope, "web" given.'
    )
    assert post({"values": {"eco_friendly": value("yes")}})["message"].startswith(
        'Property "eco_friendly" expects a boolean as data, "string" given.'
    )
    assert post({"enabled": "yes"})["message"].startswith(
        'Property "enabled" expects a boolean as data'
    )
    missing = fresh.post("/api/rest/v1/products", {"family": "home"}).json()
    assert missing["errors"][0]["property"] == "identifier"
    assert fresh.request(
        "POST", "/api/rest/v1/products", data=b"{oops", headers={"Content-Type": "application/json"}
    ).json() == {"code": 400, "message": "Invalid json message received"}


def test_collection_patch(fresh: Client) -> None:
    lines = [
        {
            "identifier": f"batch-{i}",
            "family": "home",
            "values": {"name": value(f"Item {i}", "en_US")},
        }
        for i in range(3)
    ]
    lines.append({"identifier": "batch-bad", "family": "home", "values": {"color": value("plaid")}})
    response = fresh.patch_lines("/api/rest/v1/products", lines)
    statuses = [json.loads(line) for line in response.text.split("\n")]
    assert [s["status_code"] for s in statuses] == [201, 201, 201, 422]
    assert statuses[0] == {"line": 1, "identifier": "batch-0", "status_code": 201}
    assert statuses[3]["errors"][0]["attribute"] == "color"
    again = fresh.patch_lines("/api/rest/v1/products", lines[:1])
    assert json.loads(again.text)["status_code"] == 204
    too_many = fresh.patch_lines(
        "/api/rest/v1/products", [{"identifier": f"x{i}"} for i in range(101)]
    )
    assert (
        too_many.status_code == 413
        and too_many.json()["message"]
        == "Too many resources to process, 100 is the maximum allowed."
    )
    wrong = fresh.request(
        "PATCH", "/api/rest/v1/products", data=b"{}", headers={"Content-Type": "application/json"}
    )
    assert wrong.status_code == 415


def test_variants_inherit_and_deletes_cascade(fresh: Client) -> None:
    catalog = fresh.app.catalog
    sub = next(m for m in catalog.product_models.values() if m.parent is not None)
    variant = next(catalog.products[u] for u in catalog.children_products[sub.code])
    product = fresh.get(f"/api/rest/v1/products-uuid/{variant.uuid}").json()
    assert (
        product["values"]["name"]
        and product["values"]["color"][0]["data"] == sub.values[("color", None, None)]
    )
    assert "name" not in {code for code, _, _ in variant.values}  # inherited, not stored
    sub_model = fresh.get(f"/api/rest/v1/product-models/{sub.code}").json()
    assert "name" in sub_model["values"] and sub_model["parent"] == sub.parent
    # a round trip of what was read is accepted: inherited values are dropped, not refused
    assert (
        fresh.patch(
            f"/api/rest/v1/products-uuid/{variant.uuid}", {"values": product["values"]}
        ).status_code
        == 204
    )
    assert (
        fresh.patch(
            f"/api/rest/v1/product-models/{sub.parent}",
            {"values": {"name": value("Renamed", "en_US")}},
        ).status_code
        == 204
    )
    assert fresh.get(f"/api/rest/v1/products-uuid/{variant.uuid}").json()["values"]["name"][0][
        "data"
    ] in ("Renamed",) or any(
        v["data"] == "Renamed"
        for v in fresh.get(f"/api/rest/v1/products-uuid/{variant.uuid}").json()["values"]["name"]
    )
    children = set(catalog.children_products[sub.code])
    assert fresh.delete(f"/api/rest/v1/product-models/{sub.code}").status_code == 204
    listed = {
        i["uuid"]
        for i in items(
            fresh.get(
                f'/api/rest/v1/products-uuid?limit=100&search={{"parent":[{{"operator":"=","value":"{sub.parent}"}}]}}'
            )
        )
    }
    assert not children & listed
    assert fresh.get(f"/api/rest/v1/products-uuid/{variant.uuid}").status_code == 404
    simple = next(p for p in catalog.products.values() if p.parent is None)
    assert fresh.delete(f"/api/rest/v1/products/{simple.identifier}").status_code == 204
    assert fresh.delete(f"/api/rest/v1/products/{simple.identifier}").status_code == 404
    assert simple.uuid not in {
        i["uuid"] for i in items(fresh.get("/api/rest/v1/products-uuid?limit=100&with_count=true"))
    }


def test_seed_an_empty_akeneo_through_the_api(empty: Client) -> None:
    c = empty
    assert items(c.get("/api/rest/v1/channels"))[0]["code"] == "ecommerce"
    assert (
        c.patch(
            "/api/rest/v1/channels/ecommerce",
            {"locales": ["en_US", "de_DE"], "currencies": ["EUR"]},
        ).status_code
        == 204
    )
    assert (
        c.post("/api/rest/v1/categories", {"code": "shirts", "parent": "master"}).status_code == 201
    )
    assert (
        c.post(
            "/api/rest/v1/attributes",
            {"code": "name", "type": "pim_catalog_text", "group": "other", "localizable": True},
        ).status_code
        == 201
    )
    assert (
        c.post(
            "/api/rest/v1/attributes",
            {"code": "size", "type": "pim_catalog_simpleselect", "group": "other"},
        ).status_code
        == 201
    )
    lines = c.patch_lines(
        "/api/rest/v1/attributes/size/options",
        [{"code": "s"}, {"code": "m", "labels": {"en_US": "M"}}],
    )
    assert [json.loads(line)["status_code"] for line in lines.text.split("\n")] == [201, 201]
    assert (
        c.post(
            "/api/rest/v1/families",
            {"code": "shirts", "attributes": ["name", "size"], "attribute_as_label": "name"},
        ).status_code
        == 201
    )
    assert c.get("/api/rest/v1/families/shirts").json()["attribute_requirements"] == {
        "ecommerce": ["sku"]
    }
    assert (
        c.post(
            "/api/rest/v1/families/shirts/variants",
            {
                "code": "by_size",
                "variant_attribute_sets": [{"level": 1, "axes": ["size"], "attributes": []}],
            },
        ).status_code
        == 201
    )
    assert (
        c.post(
            "/api/rest/v1/product-models",
            {
                "code": "tee",
                "family_variant": "by_size",
                "categories": ["shirts"],
                "values": {"name": value("Tee", "en_US")},
            },
        ).status_code
        == 201
    )
    assert (
        c.post(
            "/api/rest/v1/products",
            {"identifier": "tee-s", "parent": "tee", "values": {"size": value("s")}},
        ).status_code
        == 201
    )
    clash = c.post(
        "/api/rest/v1/products",
        {"identifier": "tee-s2", "parent": "tee", "values": {"size": value("S")}},
    ).json()
    assert clash["errors"][0]["message"].startswith(
        'Cannot set value "s" for the attribute axis "size"'
    )
    product = c.get("/api/rest/v1/products/tee-s").json()
    assert (
        product["family"] == "shirts"
        and product["categories"] == ["shirts"]
        and product["values"]["name"][0]["data"] == "Tee"
    )
    assert (
        c.patch("/api/rest/v1/reference-entities/brand", {"labels": {"en_US": "Brand"}}).status_code
        == 201
    )
    assert (
        c.patch(
            "/api/rest/v1/reference-entities/brand/records/acme",
            {"values": {"label": [{"locale": "en_US", "channel": None, "data": "Acme"}]}},
        ).status_code
        == 201
    )
    assert (
        c.patch(
            "/api/rest/v1/asset-families/packshots", {"labels": {"en_US": "Packshots"}}
        ).status_code
        == 201
    )
    assert (
        c.patch(
            "/api/rest/v1/asset-families/packshots/attributes/media",
            {"type": "media_file", "media_type": "image"},
        ).status_code
        == 201
    )
    upload = c.request(
        "POST",
        "/api/rest/v1/asset-media-files",
        files={"file": ("front.png", b"\x89PNG\r\n\x1a\nfake", "image/png")},
    )
    code = upload.headers["Asset-media-file-code"]
    assert upload.status_code == 201 and code.endswith("_front.png") and code.count("/") == 4
    assert (
        c.patch(
            "/api/rest/v1/asset-families/packshots/assets/front",
            {"values": {"media": [{"locale": None, "channel": None, "data": code}]}},
        ).status_code
        == 201
    )
    assert c.get(f"/api/rest/v1/asset-media-files/{code}").content == b"\x89PNG\r\n\x1a\nfake"


def test_media_upload_links_the_file_to_the_product(fresh: Client) -> None:
    simple = next(
        p
        for p in fresh.app.catalog.products.values()
        if p.parent is None and p.family == "electronics"
    )
    files = {
        "product": (
            None,
            json.dumps(
                {
                    "identifier": simple.identifier,
                    "attribute": "image",
                    "scope": None,
                    "locale": None,
                }
            ),
        ),
        "file": ("photo.jpg", b"\xff\xd8\xffjpeg", "image/jpeg"),
    }
    response = fresh.request("POST", "/api/rest/v1/media-files", files=files)
    assert response.status_code == 201
    code = response.headers["Location"].split("/api/rest/v1/media-files/")[1]
    assert (
        fresh.get(f"/api/rest/v1/products/{simple.identifier}").json()["values"]["image"][0]["data"]
        == code
    )
    assert fresh.get(f"/api/rest/v1/media-files/{code}/download").content == b"\xff\xd8\xffjpeg"
    bad = fresh.request(
        "POST",
        "/api/rest/v1/media-files",
        files={
            **files,
            "product": (
                None,
                json.dumps(
                    {
                        "identifier": simple.identifier,
                        "attribute": "datasheet",
                        "scope": None,
                        "locale": None,
                    }
                ),
            ),
        },
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["attribute"] == "datasheet"


def test_snapshot_keeps_the_catalog_across_restarts(tmp_path) -> None:
    from pimflow_sandbox.akeneo import create_app
    from pimflow_sandbox.server import SandboxServer

    path = tmp_path / "akeneo.json.gz"
    server = SandboxServer(create_app("demo", 42, snapshot=str(path)), port=0).start()
    client = Client(server)
    assert (
        client.post("/api/rest/v1/products", {"identifier": "kept", "family": "home"}).status_code
        == 201
    )
    server.stop()
    server.app.close()  # the CLI calls close() on shutdown
    restarted = SandboxServer(create_app("empty", 1, snapshot=str(path)), port=0).start()
    try:
        again = Client(restarted)
        assert again.get("/api/rest/v1/products/kept").json()["family"] == "home"
        assert again.get("/api/rest/v1/products?with_count=true").json()["items_count"] == 201
    finally:
        restarted.stop()
