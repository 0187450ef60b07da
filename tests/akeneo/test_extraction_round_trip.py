"""What the sandbox Akeneo holds arrives in the staged tables exactly, for every attribute
type, locale and channel, with product models' levels and what values refer to."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import requests

from pimflow.akeneo.datasets import (
    ASSETS,
    ATTRIBUTE_OPTIONS,
    ATTRIBUTES,
    CATEGORIES,
    MEDIA,
    PRODUCT_MODELS,
    PRODUCTS,
    RECORDS,
    REFERENCES,
)
from pimflow.staging import read_rows
from tests.airflow.test_celery import BUCKET as S3_BUCKET
from tests.airflow.test_celery import s3  # noqa: F401 - the fixture: moto's S3 on 127.0.0.1
from tests.akeneo.conftest import stage_everything
from tests.e2e.sandbox_clients import AkeneoReader

ALL_TYPES = {
    "pim_catalog_identifier",
    "pim_catalog_text",
    "pim_catalog_textarea",
    "pim_catalog_number",
    "pim_catalog_boolean",
    "pim_catalog_date",
    "pim_catalog_metric",
    "pim_catalog_price_collection",
    "pim_catalog_simpleselect",
    "pim_catalog_multiselect",
    "pim_catalog_image",
    "pim_catalog_file",
    "akeneo_reference_entity",
    "akeneo_reference_entity_collection",
    "pim_catalog_asset_collection",
    "pim_catalog_table",
}


def expected_data(kind: str, data: Any, linked: Any, labels: dict) -> Any:
    """The canonical form, written independently of pimflow.akeneo.values."""
    if kind == "pim_catalog_number":
        return str(Decimal(str(data)))
    if kind == "pim_catalog_boolean":
        return data if isinstance(data, bool) else data == "true"
    if kind == "pim_catalog_date":
        return data[:10]
    if kind == "pim_catalog_metric":
        amount = data["amount"]
        return {
            "amount": None if amount is None else str(Decimal(str(amount))),
            "unit": data["unit"],
        }
    if kind == "pim_catalog_price_collection":
        return {
            p["currency"]: str(Decimal(str(p["amount"]))) for p in data if p["amount"] is not None
        }
    if kind == "pim_catalog_simpleselect":
        return {"code": data, "labels": (linked or {}).get("labels") or labels[data]}
    if kind == "pim_catalog_multiselect":
        return [
            {"code": c, "labels": ((linked or {}).get(c) or {}).get("labels") or labels[c]}
            for c in data
        ]
    if kind in ("pim_catalog_image", "pim_catalog_file"):
        return {"code": data}
    return data


def expected_values(item: dict, types: dict[str, str], options: dict) -> dict:
    result = {}
    for code, entries in item["values"].items():
        kept = []
        for entry in entries:
            if entry["data"] is None:
                continue
            kept.append(
                {
                    "locale": entry["locale"],
                    "scope": entry["scope"],
                    "data": expected_data(
                        types[code], entry["data"], entry.get("linked_data"), options.get(code, {})
                    ),
                }
            )
        if kept:
            result[code] = kept
    return result


def test_every_value_of_every_type_survives_extraction(akeneo):
    server = akeneo()
    staged = stage_everything()
    reader = AkeneoReader(server.url)
    channel = next(c for c in reader.items("channels") if c["code"] == "ecommerce")
    locales = ",".join(channel["locales"])
    types = {a["code"]: a["type"] for a in reader.items("attributes")}
    options: dict[str, dict[str, dict]] = {}
    for row in read_rows(staged.folder, ATTRIBUTE_OPTIONS):
        options.setdefault(row["attribute"], {})[row["code"]] = row["labels"]

    source = {
        p["uuid"]: p
        for p in reader.products(scope="ecommerce", locales=locales, with_attribute_options="true")
    }
    products = {row["uuid"]: row for row in read_rows(staged.folder, PRODUCTS)}
    assert products.keys() == source.keys()
    seen_types = set()
    for uuid, item in source.items():
        row = products[uuid]
        assert row["values"] == expected_values(item, types, options), uuid
        assert (row["family"], row["parent"], row["enabled"]) == (
            item["family"],
            item["parent"],
            item["enabled"],
        )
        assert row["categories"] == sorted(item["categories"])
        assert row["associations"] == item["associations"]
        assert row["quantified_associations"] == item["quantified_associations"]
        assert row["errors"] == []
        seen_types |= {types[code] for code in row["values"]}
        # Values of another channel or of a locale outside the channel never come along.
        for entries in row["values"].values():
            for entry in entries:
                assert entry["scope"] in (None, "ecommerce")
                assert entry["locale"] is None or entry["locale"] in channel["locales"]
    assert seen_types | {t for t in types.values() if t == "pim_catalog_identifier"} >= ALL_TYPES
    assert ALL_TYPES - {"pim_catalog_identifier"} <= seen_types, ALL_TYPES - seen_types
    assert {row["type"] for row in read_rows(staged.folder, ATTRIBUTES)} >= ALL_TYPES


def test_product_models_keep_levels_axes_and_parents(akeneo):
    server = akeneo()
    staged = stage_everything()
    reader = AkeneoReader(server.url)
    variants = {}
    for family in reader.items("families"):
        for variant in reader.items(f"families/{family['code']}/variants"):
            variants[variant["code"]] = variant
    source = {m["code"]: m for m in reader.items("product-models", pagination_type="search_after")}
    models = {row["code"]: row for row in read_rows(staged.folder, PRODUCT_MODELS)}
    assert models.keys() == source.keys()
    levels = {1: 0, 2: 0}
    for code, item in source.items():
        row = models[code]
        level = 2 if item["parent"] else 1
        levels[level] += 1
        sets = {
            s["level"]: s["axes"]
            for s in variants[item["family_variant"]]["variant_attribute_sets"]
        }
        assert (row["level"], row["parent"], row["family_variant"]) == (
            level,
            item["parent"],
            item["family_variant"],
        )
        assert row["axes"] == sets[level]
    assert levels[1] and levels[2], "the demo catalog has one- and two-level models"
    # Variant products name existing models as parents.
    parents = {row["parent"] for row in read_rows(staged.folder, PRODUCTS) if row["parent"]}
    assert parents <= models.keys()


def test_emptied_values_disappear_from_the_staged_product(akeneo):
    server = akeneo()
    reader = AkeneoReader(server.url)
    types = {a["code"]: a for a in reader.items("attributes")}
    product = next(
        p for p in reader.products() if not p["parent"] and len(p["values"].get("name", [])) > 1
    )
    emptied = product["values"]["name"][0]
    response = requests.patch(
        f"{server.url}/api/rest/v1/products-uuid/{product['uuid']}",
        json={"values": {"name": [{**emptied, "data": None}]}},
        headers=reader.headers,
        timeout=30,
    )
    assert response.status_code == 204, response.text
    assert types["name"]["localizable"]
    staged = stage_everything()
    row = next(r for r in read_rows(staged.folder, PRODUCTS) if r["uuid"] == product["uuid"])
    names = row["values"].get("name", [])
    assert emptied["locale"] not in {n["locale"] for n in names}
    assert names, "the other locales' names are still there"


def test_only_used_records_and_assets_are_read_and_media_are_kept_by_content(akeneo):
    server = akeneo()
    staged = stage_everything()
    references = list(read_rows(staged.folder, REFERENCES))
    used_records = {(r["group"], r["code"]) for r in references if r["kind"] == "record"}
    used_assets = {(r["group"], r["code"]) for r in references if r["kind"] == "asset"}
    records = {(r["reference_entity"], r["code"]) for r in read_rows(staged.folder, RECORDS)}
    assets = {(a["asset_family"], a["code"]) for a in read_rows(staged.folder, ASSETS)}
    assert records == used_records and used_records
    assert assets == used_assets and used_assets

    reader = AkeneoReader(server.url)
    all_records = sum(
        len(reader.items(f"reference-entities/{entity}/records"))
        for entity in {group for group, _ in used_records}
    )
    assert all_records >= len(records)

    media = list(read_rows(staged.folder, MEDIA))
    assert {m["kind"] for m in media} >= {"product", "asset"}
    product_media = [m for m in media if m["kind"] == "product"]
    for row in product_media[:5]:  # the staged hash is the hash of what Akeneo serves
        body = requests.get(
            f"{server.url}/api/rest/v1/media-files/{row['code']}/download",
            headers=reader.headers,
            timeout=30,
        ).content
        assert hashlib.sha256(body).hexdigest() == row["sha256"]
        assert row["size"] == len(body)
    assert staged.media["downloaded"] == len({(m["kind"], m["code"]) for m in media})

    again = stage_everything(run="second")
    assert again.media["downloaded"] == 0 and again.media["bytes_downloaded"] == 0
    assert again.media["reused"] == staged.media["files"]


def test_categories_are_the_channels_tree(akeneo):
    server = akeneo()
    staged = stage_everything()
    reader = AkeneoReader(server.url)
    tree = next(c for c in reader.items("channels") if c["code"] == "ecommerce")["category_tree"]
    rows = list(read_rows(staged.folder, CATEGORIES))
    assert rows[0]["code"] == tree and rows[0]["parent"] is None
    seen = set()
    for row in rows:  # parents come first
        assert row["parent"] is None or row["parent"] in seen
        seen.add(row["code"])
    depth = {}
    for row in rows:
        depth[row["code"]] = 0 if row["parent"] is None else depth[row["parent"]] + 1
    assert max(depth.values()) >= 2


def test_a_blob_deleted_from_storage_is_downloaded_again_without_a_check_per_file(
    akeneo, monkeypatch
):
    """The media stage learns what storage holds from one listing per run: a code the
    manifest knows costs no existence check, and one whose blob was deleted (storage
    cleaned, a bucket lifecycle rule) is downloaded again."""
    from airflow.sdk import ObjectStoragePath

    from pimflow.akeneo.media import blob_path, media_root

    akeneo()
    staged = stage_everything()
    media = list(read_rows(staged.folder, MEDIA))
    assert all(row["path"] == str(blob_path(row["sha256"])) for row in media)
    gone = media[0]["sha256"]
    blob_path(gone).unlink()
    pointing_to_gone = {(m["kind"], m["code"]) for m in media if m["sha256"] == gone}

    root = str(media_root())
    checks: list[str] = []
    real_exists = ObjectStoragePath.exists

    def exists(self, *args, **kwargs):  # noqa: ANN001, ANN202
        checks.append(str(self))
        return real_exists(self, *args, **kwargs)

    monkeypatch.setattr(ObjectStoragePath, "exists", exists)
    again = stage_everything(run="second")
    assert again.media["downloaded"] == len(pointing_to_gone)
    assert again.media["reused"] == staged.media["files"] - len(pointing_to_gone)
    assert real_exists(blob_path(gone))
    assert [path for path in checks if path.startswith(root)] == []  # no check per file


def test_media_in_s3_are_listed_once_a_run_and_a_deleted_blob_is_downloaded_again(
    akeneo,
    s3,  # noqa: F811
    monkeypatch,
):
    """The same on object storage (moto's S3 on 127.0.0.1): one listing of the media root
    per run, the manifest trusted for what the listing shows, the rest downloaded."""
    import json

    from pimflow.akeneo import media as media_stage

    client = s3["client"]
    monkeypatch.setenv("AIRFLOW_CONN_STAGING_S3", json.dumps(s3["connection"]))
    monkeypatch.setenv("PIMFLOW_STAGING_CONN_ID", "staging_s3")
    monkeypatch.setenv("PIMFLOW_STAGING_URL", f"s3://{S3_BUCKET}/media-test")
    listings: list[str] = []
    s3fs = type(media_stage.media_root().fs)
    real_find = s3fs.find

    def find(self, path, *args, **kwargs):  # noqa: ANN001, ANN202
        listings.append(path)
        return real_find(self, path, *args, **kwargs)

    monkeypatch.setattr(s3fs, "find", find)
    akeneo()
    staged = stage_everything()
    assert staged.media["downloaded"] == staged.media["files"] > 0
    media = list(read_rows(staged.folder, MEDIA))
    assert all(row["path"] == str(media_stage.blob_path(row["sha256"])) for row in media)
    gone = media[0]["sha256"]
    key = f"media-test/media/{gone[:2]}/{gone}"
    client.delete_object(Bucket=S3_BUCKET, Key=key)
    listings.clear()
    again = stage_everything(run="second")
    pointing_to_gone = {(m["kind"], m["code"]) for m in media if m["sha256"] == gone}
    assert again.media["downloaded"] == len(pointing_to_gone)
    assert again.media["reused"] == staged.media["files"] - len(pointing_to_gone)
    assert len([p for p in listings if p.rstrip("/").endswith("media-test/media")]) == 1
    body = client.get_object(Bucket=S3_BUCKET, Key=key)["Body"].read()
    assert hashlib.sha256(body).hexdigest() == gone
