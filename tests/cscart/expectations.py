"""What CS-Cart must hold after a sync, worked out from Akeneo's own API, and the check.

Both sides are read with plain `requests` clients (Akeneo's and the shop's), never with
pimflow's code, and the expectations follow the documented default mapping
(`pimflow/cscart/default_mapping.yaml`) from Akeneo's raw answers: a product's identifier,
status, USD price, weight in pounds, names and descriptions per language, categories,
feature values, images (by content hash); features with their variants per language; the
category tree with its translations; one variation group per root product model.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import requests

from tests.cscart.shop_reader import ShopReader
from tests.e2e.sandbox_clients import AkeneoReader

CHANNEL = "ecommerce"
LANGS = {"en_US": "en", "de_DE": "de", "fr_FR": "fr"}
BASE = "en_US"
FEATURES = {  # attribute -> CS-Cart feature type (the default mapping on the demo catalog)
    "ean": "T",
    "brand": "E",
    "color": "S",
    "size": "S",
    "material": "M",
    "eco_friendly": "C",
    "release_date": "D",
    "warranty_months": "O",
    "rating": "O",
    "power": "O",
    "colors": "M",
}


def value(item: dict[str, Any], attribute: str, locale: str | None = None) -> Any:
    for entry in item["values"].get(attribute, []):
        if entry.get("locale") in (None, locale) and entry.get("scope") in (None, CHANNEL):
            return entry["data"]
    return None


def record_value(record: dict[str, Any], attribute: str, locale: str | None) -> Any:
    for entry in record["values"].get(attribute, []):
        if entry.get("locale") in (None, locale):
            return entry["data"]
    return None


# Media file hashes by Akeneo URL and path: a media code never changes content, so the
# checks of one module download each file once.
_HASHES: dict[str, dict[str, str]] = {}


class AkeneoCatalog:
    """The demo catalog as Akeneo's API gives it, with what the checks need."""

    def __init__(self, url: str) -> None:
        self.reader = reader = AkeneoReader(url)
        self.url = url
        channel = next(c for c in reader.items("channels") if c["code"] == CHANNEL)
        self.locales = channel["locales"]
        self.tree = channel["category_tree"]
        self.attributes = {a["code"]: a for a in reader.items("attributes")}
        (self.id_attribute,) = [
            code for code, a in self.attributes.items() if a["type"] == "pim_catalog_identifier"
        ]
        self.products = reader.products(scope=CHANNEL, locales=",".join(self.locales))
        for item in self.products:
            item["identifier"] = value(item, self.id_attribute)
        self.options = {
            code: {o["code"]: o["labels"] for o in reader.items(f"attributes/{code}/options")}
            for code, a in self.attributes.items()
            if a["type"] in ("pim_catalog_simpleselect", "pim_catalog_multiselect")
        }
        self.records = {
            entity: {r["code"]: r for r in reader.items(f"reference-entities/{entity}/records")}
            for entity in ("brand", "color")
        }
        self.categories = {c["code"]: c for c in reader.items("categories")}
        self.models = {m["code"]: m for m in reader.items("product-models")}
        self.family_variants = {
            v["code"]: v
            for family in reader.items("families")
            for v in reader.items(f"families/{family['code']}/variants")
        }
        weights = next(
            f
            for f in requests.get(
                f"{url}/api/rest/v1/measurement-families", headers=reader.headers, timeout=30
            ).json()
            if f["code"] == "Weight"
        )
        self.to_kg = {
            code: Decimal(unit["convert_from_standard"][0]["value"])
            for code, unit in weights["units"].items()
        }
        self._hashes = _HASHES.setdefault(url, {})
        self._asset_media: dict[str, str] = {}

    # -- derived expectations --------------------------------------------------------------
    def category_path(self, code: str, locale: str) -> str:
        """Labels from the tree's first level down (the root is not a CS-Cart category)."""
        parts = []
        while code and code != self.tree:
            category = self.categories[code]
            parts.append(category["labels"].get(locale) or category["labels"].get(BASE))
            code = category["parent"]
        return "/".join(reversed(parts))

    def in_tree(self, code: str) -> bool:
        while code:
            if code == self.tree:
                return True
            code = self.categories[code]["parent"]
        return False

    def root_of(self, model: str) -> str:
        parent = self.models[model]["parent"]
        return parent or model

    def sha(self, path: str) -> str:
        if path not in self._hashes:
            response = requests.get(
                f"{self.url}/api/rest/v1/{path}", headers=self.reader.headers, timeout=30
            )
            response.raise_for_status()
            self._hashes[path] = hashlib.sha256(response.content).hexdigest()
        return self._hashes[path]

    def asset_media(self, asset: str) -> str:
        if not self._asset_media:
            for item in self.reader.items("asset-families/product_pictures/assets"):
                media = record_value(item, "media", None)
                if media:
                    self._asset_media[item["code"]] = media
        return self._asset_media[asset]

    def images(self, item: dict[str, Any]) -> list[str]:
        """sha256 of the product's images, main first: `image`, then the `pictures` assets."""
        shas: list[str] = []
        image = value(item, "image")
        if image:
            shas.append(self.sha(f"media-files/{image}/download"))
        for asset in value(item, "pictures") or []:
            sha = self.sha(f"asset-media-files/{self.asset_media(asset)}")
            if sha not in shas:
                shas.append(sha)
        return shas

    def pounds(self, metric: dict[str, Any] | None) -> Decimal:
        if not metric:
            return Decimal("0.000")
        kilograms = Decimal(str(metric["amount"])) * self.to_kg[metric["unit"]]
        return (kilograms / self.to_kg["POUND"]).quantize(Decimal("0.001"), ROUND_HALF_UP)


def feature_expectation(catalog: AkeneoCatalog, item: dict[str, Any], attribute: str) -> Any:
    """What the product's feature should show (in English), or None when it has none."""
    data = value(item, attribute)
    if data in (None, [], ""):
        return None
    kind = FEATURES[attribute]
    if attribute == "brand":
        return record_value(catalog.records["brand"][data], "label", BASE)
    if attribute == "colors":
        return {record_value(catalog.records["color"][c], "label", BASE) for c in data}
    if kind == "S":
        return catalog.options[attribute][data][BASE]
    if kind == "M":
        return {catalog.options[attribute][code][BASE] for code in data}
    if kind == "C":
        return "Y" if data else "N"
    if kind == "D":
        day = datetime.strptime(data[:10], "%Y-%m-%d").replace(tzinfo=UTC)
        return Decimal(int(day.timestamp()))
    if kind == "O":
        return Decimal(str(data["amount"] if isinstance(data, dict) else data))
    return data


def shop_feature_value(entry: dict[str, Any]) -> Any:
    kind = entry["feature_type"]
    if kind in ("S", "E"):
        return entry["variant"]
    if kind == "M":
        return {v["variant"] for v in entry["variants"].values()}
    if kind in ("O", "D"):
        return Decimal(entry["value_int"])
    return entry["value"]


def check_shop(catalog: AkeneoCatalog, shop: ShopReader, skip: set[str] = frozenset()) -> dict:
    """Assert that the shop holds the Akeneo catalog; return a few figures for the caller.
    `skip`: identifiers the sync reported as failed."""
    assert set(LANGS.values()) <= set(shop.languages())
    texts = {lang: shop.products(lang_code=lang, pfull="Y") for lang in LANGS.values()}
    products = texts["en"]
    features = {lang: shop.features(lang) for lang in LANGS.values()}
    by_id = {int(f["feature_id"]): code for code, f in features["en"].items()}
    categories = {lang: shop.categories(lang) for lang in LANGS.values()}
    images = shop.images()

    # -- features: one per mapped attribute, named and with variants per language ---------
    assert set(features["en"]) == set(FEATURES), sorted(features["en"])
    for locale, lang in LANGS.items():
        for code, kind in FEATURES.items():
            feature = features[lang][code]
            assert feature["feature_type"] == kind, code
            assert feature["description"] == catalog.attributes[code]["labels"][locale], (
                code,
                lang,
            )
            variants = {v["variant"] for v in (feature.get("variants") or {}).values()}
            if code in catalog.options:
                labels = {labels[locale] for labels in catalog.options[code].values()}
                assert variants == labels, (code, lang)
    axes = {"color": "group_catalog_item", "size": "group_variation_catalog_item"}
    for code, purpose in axes.items():
        assert features["en"][code]["purpose"] in (purpose, "group_variation_catalog_item")

    # -- categories: the tree below the root, translated ----------------------------------
    def shop_path(category_id: int, lang: str) -> str:
        parts = []
        while category_id:
            category = categories[lang][category_id]
            parts.append(category["category"])
            category_id = int(category["parent_id"])
        return "/".join(reversed(parts))

    for locale, lang in LANGS.items():
        expected = {
            catalog.category_path(code, locale)
            for code in catalog.categories
            if code != catalog.tree and catalog.in_tree(code)
        }
        active = [cid for cid, c in categories[lang].items() if c["status"] != "D"]
        got = {shop_path(cid, lang) for cid in active} - {"Unclassified"}
        assert got == expected, (lang, sorted(got ^ expected)[:5])

    # -- products ---------------------------------------------------------------------------
    checked = 0
    for item in catalog.products:
        identifier = item["identifier"]
        if identifier in skip:
            continue
        assert identifier in products, f"{identifier} is not in CS-Cart"
        product = products[identifier]
        assert product["status"] == ("A" if item["enabled"] else "D"), identifier
        usd = next(p["amount"] for p in value(item, "price") if p["currency"] == "USD")
        assert Decimal(product["price"]) == Decimal(usd).quantize(Decimal("0.01")), identifier
        assert Decimal(product["weight"]) == catalog.pounds(value(item, "weight")), identifier

        wanted_paths = {
            catalog.category_path(code, BASE)
            for code in item["categories"]
            if code != catalog.tree and catalog.in_tree(code)
        } or {"Unclassified"}
        assert {shop_path(cid, "en") for cid in product["category_ids"]} == wanted_paths, identifier
        assert product["main_category"] in product["category_ids"]

        values = product["product_features"] or {}
        got_features = {by_id[int(fid)]: shop_feature_value(v) for fid, v in values.items()}
        for attribute in FEATURES:
            expected = feature_expectation(catalog, item, attribute)
            actual = got_features.get(attribute)
            if isinstance(expected, Decimal):
                actual = Decimal(actual) if actual is not None else None
            assert actual == expected, (identifier, attribute, actual, expected)

        for locale, lang in LANGS.items():
            detail = texts[lang][identifier]
            name = value(item, "name", locale) or value(item, "name", BASE) or identifier
            assert detail["product"] == name, (identifier, lang)
            assert detail["full_description"] == (value(item, "description", locale) or ""), (
                identifier,
                lang,
            )

        expected_images = catalog.images(item)
        main = product["main_pair"]
        got_images = [images[main["detailed"]["relative_path"]]] if main else []
        pairs = sorted(
            (product.get("image_pairs") or {}).values(), key=lambda p: int(p["position"])
        )
        got_images += [images[p["detailed"]["relative_path"]] for p in pairs]
        assert got_images == expected_images, identifier
        checked += 1

    # -- variation groups: a root model's variant products, grouped by the axes ------------
    wanted: dict[str, set[str]] = defaultdict(set)
    for item in catalog.products:
        if item.get("parent") and item["identifier"] not in skip:
            wanted[catalog.root_of(item["parent"])].add(item["identifier"])
    code_of = {int(p["product_id"]): code for code, p in products.items()}
    groups = {g["code"]: g for g in shop.groups()}
    assert set(groups) == set(wanted)
    for root, members in wanted.items():
        group = groups[root]
        assert {code_of[p["product_id"]] for p in group["products"]} == members, root
        variant = catalog.family_variants[catalog.models[root]["family_variant"]]
        axes = [axis for level in variant["variant_attribute_sets"] for axis in level["axes"]]
        assert sorted(by_id[f["feature_id"]] for f in group["features"]) == sorted(axes), root
    return {"products": checked, "groups": len(groups), "images": len(images)}


# -- counts --------------------------------------------------------------------------------

OUTCOMES = ("created", "updated", "unchanged", "skipped", "failed")


def report_stages(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A run report's CS-Cart stage summaries, each with its plan's entries back from
    report["plan"] (where the report keeps them, each naming its stage)."""
    entries = (report.get("plan") or {}).get("entries") or []
    stages = {}
    for name, summary in report["stages"].items():
        if not name.startswith("cscart.") or summary is None:
            continue
        stage = dict(summary)
        if "plan" in stage:
            mine = [
                {k: v for k, v in e.items() if k != "stage"} for e in entries if e["stage"] == name
            ]
            stage["plan"] = {**stage["plan"], "entries": mine}
        stages[name] = stage
    return stages


def check_counts(results: dict[str, dict[str, Any]]) -> None:
    """Every entity of every stage: each item read ends in exactly one outcome (removals,
    never read, count apart), and a whole plan (not a real run's sample) has an entry for
    each write counted (written out here, not with pimflow.results, which is tested)."""
    for stage, summary in results.items():
        for entity, counts in summary["counts"].items():
            outcomes = {key: counts[key] for key in OUTCOMES}
            assert counts["read"] == sum(outcomes.values()), (stage, entity, counts)
        plan = summary.get("plan") or {"entries": [], "total": 0}
        if len(plan["entries"]) < plan["total"]:  # a real run's report keeps a sample
            continue
        assert len(plan["entries"]) == plan["total"], stage
        actions: dict[tuple[str, str], int] = defaultdict(int)
        for entry in plan["entries"]:
            actions[(entry["entity"], entry["action"])] += 1
        for entity, counts in summary["counts"].items():
            if entity == "image":  # planned with its product
                continue
            for count, action in (
                ("created", "create"),
                ("updated", "update"),
                ("deleted", "delete"),
                ("deactivated", "deactivate"),
            ):
                assert actions.pop((entity, action), 0) == counts[count], (stage, entity, count)
        assert not actions, (stage, dict(actions))
