"""A stranger's catalog: written through Akeneo's own write API into a fresh sandbox Akeneo,
with attribute codes unlike the demo's, as a new user's PIM would have them.

- the label attribute is `title` (localizable), images are `photo_main` (the family's
  `attribute_as_image`) and `gallery`, the price collection is `retail_price`, the brand a
  simple select `maker`; there is no `name`, `image`, `pictures`, `price` or `brand`;
- family `gadgets`: simple products;
- family `screens`: a family variant on a metric axis, `screen_size` (inches), as
  Akeneo's own demo `tv` variant on `display_diagonal`;
- family `headsets`: a family variant on a boolean axis, `wireless`.

Only plain HTTP (`requests`): what any Akeneo user could do, and independent of pimflow.
`write_catalog(url)` returns what was written, for the tests to compare with the shops.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.e2e.sandbox_clients import AkeneoReader

LOCALES = ("en_US", "de_DE")
CURRENCIES = ("EUR", "USD")


def png(red: int, green: int, blue: int) -> bytes:
    """A real 2×2 PNG of one colour: shops that check image bytes accept it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes([red, green, blue]) * 2
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * 2))
        + chunk(b"IEND", b"")
    )


@dataclass
class Item:
    """A product or product model as written: what the shop must end up with."""

    code: str
    family: str
    titles: dict[str, str]  # locale → the label attribute's value
    price: dict[str, str] = field(default_factory=dict)  # currency → amount
    parent: str | None = None
    axis: dict[str, Any] = field(default_factory=dict)  # attribute → value (variants)
    maker: str | None = None
    images: list[str] = field(default_factory=list)  # attribute codes holding a file


@dataclass
class StrangerCatalog:
    url: str
    products: dict[str, Item] = field(default_factory=dict)  # simple and variant products
    models: dict[str, Item] = field(default_factory=dict)


class _Akeneo(AkeneoReader):
    """A plain client that writes too."""

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        response = requests.request(
            method,
            f"{self.url}/api/rest/v1/{path}",
            json=body,
            headers=self.headers,
            timeout=30,
            **kwargs,
        )
        if response.status_code >= 400:
            raise AssertionError(f"{method} {path}: {response.status_code} {response.text}")
        return response

    def upload(self, owner: dict[str, Any], filename: str, content: bytes) -> None:
        kind = "product_model" if "code" in owner else "product"
        self.call(
            "POST",
            "media-files",
            files={
                kind: (None, json.dumps(owner)),
                "file": (filename, content, "image/png"),
            },
        )


def _labels(en: str, de: str) -> dict[str, str]:
    return {"en_US": en, "de_DE": de}


def write_structure(akeneo: _Akeneo) -> None:
    akeneo.call(
        "PATCH",
        "channels/ecommerce",
        {"locales": list(LOCALES), "currencies": list(CURRENCIES)},
    )
    akeneo.call("POST", "categories", {"code": "stuff", "parent": "master", "labels": {}})
    akeneo.call("POST", "attribute-groups", {"code": "facts", "labels": _labels("Facts", "Fakten")})
    attributes = [
        {"code": "title", "type": "pim_catalog_text", "localizable": True},
        {"code": "blurb", "type": "pim_catalog_textarea", "localizable": True},
        {"code": "photo_main", "type": "pim_catalog_image", "allowed_extensions": ["png"]},
        {"code": "gallery", "type": "pim_catalog_image", "allowed_extensions": ["png"]},
        {"code": "retail_price", "type": "pim_catalog_price_collection", "decimals_allowed": True},
        {"code": "maker", "type": "pim_catalog_simpleselect"},
        {
            "code": "screen_size",
            "type": "pim_catalog_metric",
            "metric_family": "Length",
            "default_metric_unit": "INCH",
            "decimals_allowed": False,
            "negative_allowed": False,
        },
        {"code": "wireless", "type": "pim_catalog_boolean"},
    ]
    for attribute in attributes:
        akeneo.call(
            "POST",
            "attributes",
            {
                "group": "facts",
                "labels": _labels(attribute["code"].title(), attribute["code"].title()),
                "localizable": False,
                "scopable": False,
                **attribute,
            },
        )
    for code, (en, de) in {"zenith": ("Zenith", "Zenith"), "orbit": ("Orbit", "Orbit")}.items():
        akeneo.call("POST", "attributes/maker/options", {"code": code, "labels": _labels(en, de)})
    common = ["sku", "title", "blurb", "photo_main", "gallery", "retail_price", "maker"]
    for family, extra in {
        "gadgets": [],
        "screens": ["screen_size"],
        "headsets": ["wireless"],
    }.items():
        akeneo.call(
            "POST",
            "families",
            {
                "code": family,
                "attribute_as_label": "title",
                "attribute_as_image": "photo_main",
                "attributes": common + extra,
                "attribute_requirements": {"ecommerce": ["sku"]},
                "labels": _labels(family.title(), family.title()),
            },
        )
    for family, axis in {"screens": "screen_size", "headsets": "wireless"}.items():
        akeneo.call(
            "POST",
            f"families/{family}/variants",
            {
                "code": f"{family}_by_{axis}",
                "variant_attribute_sets": [
                    {"level": 1, "axes": [axis], "attributes": [axis, "sku", "retail_price"]}
                ],
                "labels": _labels(axis, axis),
            },
        )


def _values(item: Item) -> dict[str, list[dict[str, Any]]]:
    values: dict[str, list[dict[str, Any]]] = {
        "title": [
            {"locale": locale, "scope": None, "data": text} for locale, text in item.titles.items()
        ]
    }
    if item.price:
        values["retail_price"] = [
            {
                "locale": None,
                "scope": None,
                "data": [{"amount": a, "currency": c} for c, a in sorted(item.price.items())],
            }
        ]
    if item.maker:
        values["maker"] = [{"locale": None, "scope": None, "data": item.maker}]
    for attribute, value in item.axis.items():
        values[attribute] = [{"locale": None, "scope": None, "data": value}]
    return values


def write_catalog(url: str) -> StrangerCatalog:
    """Write the whole catalog into the (fresh) Akeneo at `url`."""
    akeneo = _Akeneo(url)
    write_structure(akeneo)
    catalog = StrangerCatalog(url)
    gadgets = [
        Item("GAD-1", "gadgets", _labels("Pocket radio", "Taschenradio"), {"EUR": "19.90", "USD": "21.90"}, maker="zenith", images=["photo_main", "gallery"]),
        Item("GAD-2", "gadgets", _labels("Desk fan", "Tischventilator"), {"EUR": "34.00", "USD": "37.00"}, maker="orbit", images=["gallery"]),
        Item("GAD-3", "gadgets", _labels("Torch", "Taschenlampe"), {"EUR": "9.50", "USD": "10.50"}),
    ]  # fmt: skip
    models = [
        Item("TV-ONE", "screens", _labels("Vision TV", "Vision Fernseher"), maker="zenith", images=["photo_main"]),
        Item("HS-ONE", "headsets", _labels("Calm headset", "Ruhiges Headset"), maker="orbit", images=["photo_main"]),
    ]  # fmt: skip
    variants = [
        Item("TV-46", "screens", {}, {"EUR": "499.00", "USD": "549.00"}, parent="TV-ONE", axis={"screen_size": {"amount": 46, "unit": "INCH"}}),
        Item("TV-55", "screens", {}, {"EUR": "699.00", "USD": "769.00"}, parent="TV-ONE", axis={"screen_size": {"amount": 55, "unit": "INCH"}}),
        Item("HS-WIRED", "headsets", {}, {"EUR": "49.00", "USD": "54.00"}, parent="HS-ONE", axis={"wireless": False}),
        Item("HS-WIRELESS", "headsets", {}, {"EUR": "89.00", "USD": "98.00"}, parent="HS-ONE", axis={"wireless": True}),
    ]  # fmt: skip
    for model in models:
        akeneo.call(
            "POST",
            "product-models",
            {
                "code": model.code,
                "family": model.family,
                "family_variant": f"{model.family}_by_{'screen_size' if model.family == 'screens' else 'wireless'}",
                "categories": ["stuff"],
                "values": _values(model),
            },
        )
        catalog.models[model.code] = model
    for item in [*gadgets, *variants]:
        body: dict[str, Any] = {
            "identifier": item.code,
            "enabled": True,
            "categories": ["stuff"],
            "values": _values(item),
        }
        if item.parent:
            body["parent"] = item.parent
        else:
            body["family"] = item.family
        akeneo.call("POST", "products", body)
        if item.parent:  # a variant shows its model's title and images
            model = catalog.models[item.parent]
            item.titles, item.maker, item.images = model.titles, model.maker, model.images
        catalog.products[item.code] = item
    colours = iter([(200, 30, 30), (30, 200, 30), (30, 30, 200), (200, 200, 30), (30, 200, 200)])
    for item in gadgets:
        for attribute in item.images:
            owner = {"identifier": item.code, "attribute": attribute, "scope": None, "locale": None}
            akeneo.upload(owner, f"{item.code}-{attribute}.png", png(*next(colours)))
    for model in models:
        owner = {"code": model.code, "attribute": "photo_main", "scope": None, "locale": None}
        akeneo.upload(owner, f"{model.code}.png", png(*next(colours)))
    return catalog
