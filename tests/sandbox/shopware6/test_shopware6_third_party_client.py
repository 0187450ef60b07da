"""A Shopware 6 client from PyPI (lib-shopware6-api-base, not written here) against the sandbox:
client-credentials auth (HTTP Basic, as the library sends it), a product with a price, a
property and a media file through /api/_action/sync, and reading it back."""

from __future__ import annotations

import hashlib
import io

import pytest

from .conftest import price, uid

lib = pytest.importorskip("lib_shopware6_api_base")


def test_third_party_client_round_trip(server, shop):
    from PIL import Image

    config = lib.ConfShopware6ApiBase(
        shopware_admin_api_url=f"{server.url}/api",
        client_id="pimflow",
        client_secret="pimflow-secret",
        grant_type="RESOURCE_OWNER",  # the library's name for the client-credentials grant
    )
    with lib.Shopware6AdminAPIClientBase(config=config) as client:
        taxes = client.request_post(
            "search/tax",
            lib.Criteria(filter=[lib.EqualsFilter(field="taxRate", value=19)]),
        )
        tax_id = taxes.data[0]["id"]

        sync = client.request_post(
            "_action/sync",
            {
                "write-property": {
                    "entity": "property_group",
                    "action": "upsert",
                    "payload": [
                        {
                            "id": uid("material"),
                            "name": "Material",
                            "options": [{"id": uid("wool"), "name": "Wool"}],
                        }
                    ],
                },
                "write-media": {
                    "entity": "media",
                    "action": "upsert",
                    "payload": [{"id": uid("tp-media"), "alt": "A scarf"}],
                },
                "write-product": {
                    "entity": "product",
                    "action": "upsert",
                    "payload": [
                        {
                            "id": uid("TP-1"),
                            "productNumber": "TP-1",
                            "name": "Scarf",
                            "stock": 5,
                            "taxId": tax_id,
                            "price": [price(29.9, 25.13)],
                            "properties": [{"id": uid("wool")}],
                            "media": [
                                {"id": uid("tp-pm"), "mediaId": uid("tp-media"), "position": 0}
                            ],
                            "coverId": uid("tp-pm"),
                        }
                    ],
                },
            },
        )
        assert sync.data["product"] == [uid("TP-1")]

        buffer = io.BytesIO()
        Image.new("RGB", (20, 10), "purple").save(buffer, format="PNG")
        content = buffer.getvalue()
        client.request_post(
            f"_action/media/{uid('tp-media')}/upload",
            payload=content,
            content_type="octet-stream",
            additional_query_params={"extension": "png", "fileName": "scarf"},
        )

        criteria = lib.Criteria(
            filter=[lib.EqualsFilter(field="productNumber", value="TP-1")],
            associations={
                "properties": lib.Criteria(),
                "media": lib.Criteria(),
                "cover": lib.Criteria(),
            },
        )
        found = client.request_post("search/product", criteria)
        (product,) = found.data
        assert product["name"] == "Scarf"
        assert product["price"][0]["gross"] == 29.9
        assert [o["name"] for o in product["properties"]] == ["Wool"]
        media = product["media"][0]["media"]
        assert media["fileName"] == "scarf" and media["mimeType"] == "image/png"
        assert media["fileHash"] == hashlib.sha256(content).hexdigest()
        assert product["cover"]["mediaId"] == uid("tp-media")

        detail = client.request_get(f"product/{uid('TP-1')}")
        assert detail.data["productNumber"] == "TP-1"
