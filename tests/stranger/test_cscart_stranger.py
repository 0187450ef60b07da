"""A stranger's catalog (tests/stranger/catalog.py) synced into CS-Cart with the default
mapping and no mapping file: the catalog's own structure says where the name, the images
and the price are, and every variant axis type becomes a variation feature.

Read back through the CS-Cart sandbox's own API with plain requests (ShopReader), never
through pimflow's hook."""

from __future__ import annotations

import hashlib

import pytest

from tests.cscart.expectations import check_counts, report_stages
from tests.cscart.shop_reader import ShopReader
from tests.stranger.catalog import png
from tests.stranger.conftest import shop_writes

pytestmark = pytest.mark.e2e

LANGS = {"en_US": "en", "de_DE": "de"}
# The PNGs catalog.py uploads, in its order: GAD-1 photo_main and gallery, GAD-2 gallery,
# then the models' photo_main.
COLOURS = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (200, 200, 30), (30, 200, 200)]
SHA = [hashlib.sha256(png(*colour)).hexdigest() for colour in COLOURS]
IMAGES = {  # product → sha256 of its main image, then of its additional ones
    "GAD-1": [SHA[0], SHA[1]],
    "GAD-2": [SHA[2]],
    "GAD-3": [],
    "TV-46": [SHA[3]],
    "TV-55": [SHA[3]],
    "HS-WIRED": [SHA[4]],
    "HS-WIRELESS": [SHA[4]],
}
AXES = {  # product → (feature code, the variant's name per language)
    "TV-46": ("screen_size", {"en": "46 in", "de": "46 in"}),
    "TV-55": ("screen_size", {"en": "55 in", "de": "55 in"}),
    "HS-WIRED": ("wireless", {"en": "No", "de": "Nein"}),
    "HS-WIRELESS": ("wireless", {"en": "Yes", "de": "Ja"}),
}


def test_the_default_mapping_syncs_a_strangers_catalog_and_a_second_run_writes_nothing(
    stranger, sync_stranger
):
    _, catalog = stranger
    run, shop = sync_stranger("cscart")
    code, report = run()
    assert code == 0, report and report.get("cause")
    assert report["status"] == "success", report["failed_stages"]
    assert report["errors"] == []
    assert report["counts"]["product"]["created"] == len(catalog.products)
    stages = report_stages(report)
    check_counts(stages)  # every entity adds up; a plan entry for every write counted
    planned = stages["cscart.products"]["plan"]["entries"]
    assert {
        e["identifier"]: e["action"] for e in planned if e["entity"] == "product"
    } == dict.fromkeys(catalog.products, "create")
    # Defaults this catalog lacks were skipped and said once, never an error.
    assert any("weight.attribute" in note for note in report.get("notes") or []), report.get(
        "notes"
    )

    reader = ShopReader(shop.url)
    sha_of = reader.images()  # relative path → sha256 of the stored file
    listed = reader.products()
    assert set(listed) == set(catalog.products)
    features = {lang: reader.features(lang) for lang in LANGS.values()}
    for identifier, item in catalog.products.items():
        product_id = listed[identifier]["product_id"]
        for locale, lang in LANGS.items():
            detail = reader.product(product_id, lang)
            assert detail["product"] == item.titles[locale], (identifier, lang)
            if identifier in AXES:
                feature_code, names = AXES[identifier]
                feature = features[lang][feature_code]
                value = detail["product_features"][str(feature["feature_id"])]
                assert value["variant"] == names[lang], (identifier, lang, value)
        assert float(detail["price"]) == float(item.price["USD"]), identifier
        main = detail["main_pair"]
        got = [main["detailed"]["relative_path"]] if main else []
        pairs = sorted((detail.get("image_pairs") or {}).values(), key=lambda p: int(p["position"]))
        got += [pair["detailed"]["relative_path"] for pair in pairs]
        assert [sha_of[path] for path in got] == IMAGES[identifier], identifier

    # The axes are select-box features whose variants read as people say them.
    for lang, names in (("en", {"Yes", "No"}), ("de", {"Ja", "Nein"})):
        wireless = features[lang]["wireless"]
        assert wireless["feature_type"] == "S"
        assert {v["variant"] for v in wireless["variants"].values()} == names
    screen = features["en"]["screen_size"]
    assert screen["feature_type"] == "S"
    assert {v["variant"] for v in screen["variants"].values()} == {"46 in", "55 in"}

    # Each model's variants are one variation group on its axis.
    code_of = {int(p["product_id"]): code for code, p in listed.items()}
    groups = {group["code"]: group for group in reader.groups()}
    assert set(groups) == set(catalog.models)
    feature_of = {int(f["feature_id"]): code for code, f in features["en"].items()}
    for root, axis in (("TV-ONE", "screen_size"), ("HS-ONE", "wireless")):
        group = groups[root]
        members = {code for code, item in catalog.products.items() if item.parent == root}
        assert {code_of[int(p["product_id"])] for p in group["products"]} == members
        assert [feature_of[int(f["feature_id"])] for f in group["features"]] == [axis]

    # Nothing changed in Akeneo: the second run writes nothing.
    before = shop_writes(shop)
    code, again = run()
    assert code == 0 and again["errors"] == []
    assert shop_writes(shop) == before
    assert again["counts"]["product"]["unchanged"] == len(catalog.products)
    again_stages = report_stages(again)
    check_counts(again_stages)
    assert not any(s.get("plan") for s in again_stages.values())  # nothing to change
