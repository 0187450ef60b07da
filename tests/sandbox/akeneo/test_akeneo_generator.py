"""The catalog generator: deterministic, every attribute type, two-level models, real files."""

from __future__ import annotations

import io

from PIL import Image

from pimflow_sandbox.akeneo import snapshot
from pimflow_sandbox.akeneo.catalog import demo_catalog, generated_catalog
from pimflow_sandbox.akeneo.values import ATTRIBUTE_TYPES


def test_same_seed_same_catalog_other_seed_other_catalog() -> None:
    first, second, other = (generated_catalog(300, seed) for seed in (7, 7, 8))
    assert snapshot.dump(first) == snapshot.dump(second)
    assert snapshot.dump(first)["products"] != snapshot.dump(other)["products"]


def test_product_counts_and_shape() -> None:
    for count in (10, 1000):
        catalog = generated_catalog(count, 3)
        assert len(catalog.products) == count
    demo = demo_catalog(42)
    assert len(demo.products) == 200
    assert set(demo.channels) == {"ecommerce", "print"}
    assert demo.channels["ecommerce"]["locales"] == ["en_US", "de_DE", "fr_FR"]
    assert demo.channels["ecommerce"]["currencies"] == ["EUR", "USD"]
    assert {a["type"] for a in demo.attributes.values()} == set(ATTRIBUTE_TYPES)
    assert any(a["localizable"] and a["scopable"] for a in demo.attributes.values())
    assert {
        "name",
        "description",
        "price",
        "ean",
        "weight",
        "brand",
        "color",
        "size",
        "image",
    } <= set(demo.attributes)

    def depth(code: str) -> int:
        parent = demo.categories[code]["parent"]
        return 0 if parent is None else 1 + depth(parent)

    assert max(depth(c) for c in demo.categories) == 3  # master -> department -> group -> leaf
    assert set(demo.reference_entities) == {"brand", "color"} and demo.records["brand"]
    assert (
        set(demo.asset_families) == {"product_pictures", "manuals"}
        and demo.assets["product_pictures"]
    )
    assert any(not p.enabled for p in demo.products.values())
    assert any(p.associations for p in demo.products.values()) and any(
        p.quantified for p in demo.products.values()
    )
    assert any(("ean", None, None) not in demo.merged_values(p) for p in demo.products.values())


def test_two_level_models() -> None:
    catalog = generated_catalog(10, 1)
    variants = [p for p in catalog.products.values() if p.parent]
    two_levels = [p for p in variants if len(catalog.ancestors(p.parent)) == 2]
    assert two_levels and len(variants) > len(two_levels)
    root, sub = catalog.ancestors(two_levels[0].parent)
    assert (
        root.parent is None
        and sub.parent == root.code
        and root.family_variant == "clothing_color_size"
    )


def test_generated_media_are_real_files() -> None:
    catalog = demo_catalog(42)
    formats = {}
    for media in catalog.media.values():
        data = media.content()
        if media.extension == "pdf":
            assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
            continue
        image = Image.open(io.BytesIO(data))
        image.load()
        formats.setdefault(media.storage, set()).add(image.format)
        assert image.size[0] > 0 and media.size == len(data)
    assert formats["catalogStorage"] == {"JPEG", "PNG"}
    assert formats["assetStorage"] == {"JPEG", "PNG"}
    assert formats["referenceEntityStorage"] == {"PNG"}
    codes = [m for m in catalog.media.values() if m.extension == "jpg"][:2]
    assert codes[0].content() != codes[1].content()  # unique bytes per media file


def test_jpeg_encoder_is_faithful() -> None:
    from pimflow_sandbox.akeneo.images import encode_jpeg, picture

    pixels = picture("fidelity", 40, 24)
    decoded = Image.open(io.BytesIO(encode_jpeg(pixels))).convert("RGB")
    errors = [
        abs(a - b)
        for y in range(24)
        for x in range(40)
        for a, b in zip(decoded.getpixel((x, y)), pixels[y][x], strict=True)
    ]
    assert sum(errors) / len(errors) < 4
