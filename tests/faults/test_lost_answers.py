"""Issue #16: a sync under lost answers (calls handled, their writes kept, their answers
never sent) and every other fault the sandboxes inject ends with the shop a clean run
makes, and no duplicate.

For each target: the same 1,000-product Akeneo catalog is synced once into a fresh shop
with no faults and once into another fresh shop (same seed) whose API loses 10 % of its
answers, answers 10 % of its calls with a 500, drops 5 % of its connections and limits the
calls per second (Shopware's tokens live a minute, not ten); the Akeneo it reads from loses
10 % of its answers, answers 10 % with a 500 and drops 5 % of its connections too (reads
and token grants: retried as they are, a lost answer costs a call, never a page). The two shops'
fingerprints (what the shop holds, by natural key: the ids a shop hands out follow the
order of the calls, which faults change) must be equal, every product code unique, and the
run report counts the CS-Cart objects adopted after a lost answer.

The rate limit is 50 calls/s, not the issue's 20: a CS-Cart sync of 1,000 products makes
about 4,000 calls, 200 s at 20/s before any retry. Unlimited, this machine's CS-Cart sync
makes some 75 calls/s, so at 50/s the limit is met (429s with Retry-After, which the hook
honours: asserted) and each test stays under three minutes. Shopware's batched sync makes
too few calls to reach it.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from pimflow.report import build_report, count_problems
from pimflow.sandboxes import SANDBOX_CONNECTIONS
from pimflow_sandbox.cli import create_app
from pimflow_sandbox.server import SandboxServer, Switches

pytestmark = pytest.mark.e2e

PRODUCTS = "1000"
FAULTS = Switches(
    lost_answer_rate=0.10,
    error_rate=0.10,
    drop_rate=0.05,
    rate_per_second=50,
    seed=16,
)
# Akeneo's: the same faults but no rate limit (its reads are few and fast to retry).
AKENEO_FAULTS = dataclasses.replace(FAULTS, rate_per_second=0, seed=17)
# Enough retries that a call meeting a fault, a 429 and another fault still lands (each
# attempt fails about one time in four), with short waits so the run does not crawl.
RETRIES = {"max_retries": 12, "retry_max_wait": 1}


@contextmanager
def pointed(
    patch: pytest.MonkeyPatch, home: Path, servers: dict[str, SandboxServer]
) -> Iterator[None]:
    """This process pointed at its own pimflow home (staging, state store) and sandboxes."""
    patch.setenv("PIMFLOW_HOME", str(home))
    for name in ("PIMFLOW_MEDIA_BASE_URL", "PIMFLOW_STAGING_URL", "PIMFLOW_STATE_DB"):
        patch.delenv(name, raising=False)
    patch.delenv("PIMFLOW_CSCART_MAPPING", raising=False)
    for name, server in servers.items():
        connection = SANDBOX_CONNECTIONS[name](server.url)
        connection["extra"] = {**(connection.get("extra") or {}), **RETRIES}
        patch.setenv(f"AIRFLOW_CONN_{name.upper()}_DEFAULT", json.dumps(connection))
    yield


@contextmanager
def sandboxes(target: str, faults: bool, **options: str) -> Iterator[dict[str, SandboxServer]]:
    switches = dataclasses.replace(FAULTS) if faults else Switches()
    servers = {
        "akeneo": SandboxServer(
            create_app("akeneo", catalog=PRODUCTS, seed=7),
            port=0,
            switches=dataclasses.replace(AKENEO_FAULTS) if faults else Switches(),
        ),
        target: SandboxServer(
            create_app(target, catalog="empty", seed=1, options=options), port=0, switches=switches
        ),
    }
    for server in servers.values():
        server.start()
    try:
        yield servers
        if faults:  # the reads met the faults too, and the fingerprints say nothing was lost
            akeneo = servers["akeneo"].stats.snapshot()
            assert akeneo["lost_answers"] > 10 and akeneo["statuses"].get("500", 0) > 10, akeneo
    finally:
        for server in servers.values():
            server.stop()


def report_of(target: str, summaries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    stages = {f"{target}.{name}": summary for name, summary in summaries.items()}
    return build_report(
        dag_id=f"akeneo_to_{target}",
        run_id="faults",
        target=target,
        started="",
        finished="",
        wall_seconds=0.0,
        stages=stages,
        upload_stages=tuple(stages),
    )


def errors(report: dict[str, Any]) -> list[tuple[str, ...]]:
    return sorted(tuple(error.values()) for error in report["errors"])


# -- CS-Cart ---------------------------------------------------------------------------------


# CS-Cart's creates, the resource posted to → the entity the report counts.
CREATES = {
    "products": "product",
    "categories": "category",
    "features": "feature",
    "product_variations_groups": "variation_group",
}


def cscart_fingerprint(store: Any) -> dict[str, Any]:
    """The CS-Cart sandbox's shop by natural key: categories by path, features by code,
    variants by name, products by code (their values, categories, images by content),
    variation groups by code."""
    lang = store.default_language

    def path(category_id: int) -> str:
        names = []
        while category_id:
            category = store.categories[category_id]
            names.append(category.texts[lang]["category"])
            category_id = category.parent_id
        return "/".join(reversed(names))

    def feature_key(feature_id: int) -> str:
        feature = store.features[feature_id]
        return feature.fields.get("feature_code") or feature.texts[lang]["description"]

    def variant_name(variant_id: int) -> str:
        return store.variants[variant_id].texts[lang]["variant"]

    def image(pair: Any) -> Any:
        if pair is None:
            return None
        return (
            pair.pair_type,
            pair.position,
            pair.detailed and pair.detailed.sha256,
            pair.icon and pair.icon.sha256,
        )

    def plain(fields: dict[str, Any]) -> dict[str, str]:
        return {k: str(v) for k, v in fields.items() if "timestamp" not in k and k != "product_id"}

    codes = {pid: p.fields["product_code"] for pid, p in store.products.items()}
    categories = sorted(
        (path(cid), c.fields.get("status"), c.fields.get("position"), sorted(c.texts.items()))
        for cid, c in store.categories.items()
    )
    features = {
        feature_key(fid): {
            "type": f.feature_type,
            "purpose": f.purpose,
            "texts": sorted(f.texts.items()),
            "variants": sorted((v.position, sorted(v.texts.items())) for v in f.variants.values()),
        }
        for fid, f in store.features.items()
    }
    products = {
        codes[pid]: {
            "fields": plain(p.fields),
            "texts": sorted(p.texts.items()),
            "categories": sorted(path(c) for c in p.category_ids),
            "main_category": path(p.main_category) if p.main_category else "",
            "features": {
                feature_key(fid): (
                    sorted(variant_name(v) for v in value.variant_ids),
                    value.value,
                    str(value.value_int),
                    sorted(value.texts.items()),
                )
                for fid, value in p.features.items()
            },
            "images": [image(p.main_pair), *sorted(image(pair) for pair in p.image_pairs)],
            "type": p.product_type,
            "parent": codes.get(p.parent_product_id, ""),
        }
        for pid, p in store.products.items()
    }
    groups = {
        g.code: {
            "features": sorted((feature_key(f.feature_id), f.purpose) for f in g.features),
            "products": sorted(codes[pid] for pid in g.product_ids),
        }
        for g in store.groups.values()
    }
    return {
        "categories": categories,
        "features": features,
        "products": products,
        "groups": groups,
    }


def cscart_sync(patch: pytest.MonkeyPatch, home: Path, faults: bool) -> tuple[Any, dict, Any]:
    from pimflow.cscart.bench import stage_catalog, upload_catalog

    with sandboxes("cscart", faults) as servers, pointed(patch, home, servers):
        folder, structure = stage_catalog("faults")
        report = report_of("cscart", upload_catalog(folder, structure))
        shop = servers["cscart"]
        stats = shop.stats.snapshot()
        codes = Counter(p.fields["product_code"] for p in shop.app.store.products.values())
        return cscart_fingerprint(shop.app.store), report, (stats, codes)


def test_cscart_under_lost_answers_ends_as_a_clean_run_with_no_duplicate(tmp_path, monkeypatch):
    clean, clean_report, _ = cscart_sync(monkeypatch, tmp_path / "clean", faults=False)
    shop, report, (stats, codes) = cscart_sync(monkeypatch, tmp_path / "faults", faults=True)

    assert stats["lost_answers"] > 100, stats  # the faults were there, and many
    assert stats["statuses"].get("500", 0) > 100 and stats["calls"].get("(dropped)", 0) > 50
    assert stats["statuses"].get("429", 0) > 0  # the rate limit was met
    # What the faults run reports is what the clean run does (the catalog's own warnings).
    assert errors(report) == errors(clean_report)
    assert report["counts"] == clean_report["counts"]
    assert count_problems(report) == []
    assert [code for code, n in codes.items() if n > 1] == []  # product codes unique
    created = clean_report["counts"]["product"]["created"]
    assert len(codes) == len(clean["products"]) == created > 900
    assert shop == clean
    # The lost creates were adopted (still counted created: the counts are the clean run's).
    # Every create whose answer was lost was found and adopted, none posted twice.
    lost = stats["lost_answers_by_route"]
    lost_creates = {
        entity: lost[f"POST /api/{resource}"]
        for resource, entity in CREATES.items()
        if lost.get(f"POST /api/{resource}")
    }
    assert report["adopted"] == lost_creates and lost_creates.get("product", 0) > 50
    assert clean_report["adopted"] == {}
    print("cscart adopted:", report["adopted"], "lost:", lost, "statuses:", stats["statuses"])


# -- Shopware 6 ------------------------------------------------------------------------------

# What changes with the moment of a write, not with what was written; and the sales
# channel's access key, which every fresh sandbox shop makes anew.
VOLATILE = frozenset({"createdAt", "updatedAt", "uploadedAt", "path", "accessKey"})


def shopware_fingerprint(store: Any) -> dict[str, Any]:
    """The Shopware sandbox's rows without their timestamps. pimflow chooses the ids of
    what it writes (uuid5 of Akeneo's codes), so rows are compared by id."""
    return {
        entity: {
            key: {k: v for k, v in row.items() if k not in VOLATILE} for key, row in rows.items()
        }
        for entity, rows in store.rows.items()
    }


def differences(shop: dict[str, Any], clean: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(entity, id, field) where the two shops differ: the first ten."""
    found = []
    for entity in sorted(set(shop) | set(clean)):
        ours, theirs = shop.get(entity, {}), clean.get(entity, {})
        for key in sorted(set(ours) | set(theirs)):
            a, b = ours.get(key), theirs.get(key)
            if a == b:
                continue
            if a is None or b is None:
                found.append(
                    (entity, key, "only in the " + ("clean" if a is None else "faults") + " run")
                )
                continue
            found += [
                (entity, key, name)
                for name in sorted(set(a) | set(b))
                if a.get(name) != b.get(name)
            ]
    return found[:10]


def shopware_sync(patch: pytest.MonkeyPatch, home: Path, faults: bool) -> tuple[Any, dict, Any]:
    from pimflow import config
    from pimflow.shopware6.config import load_mapping
    from pimflow.shopware6.hook import Shopware6Hook
    from pimflow.shopware6.upload import Shopware6Upload
    from pimflow.state import StateStore
    from tests.akeneo.conftest import stage_everything

    # Tokens of a minute: the hook renews one some 30 s before it expires, so the run
    # goes through several (a shorter life would have it ask for one before every call).
    options = {"token_lifetime": "60"} if faults else {}
    # Batches of 20, not 250: some hundred sync calls, so that some lose their answer.
    mapping = load_mapping().model_copy(update={"batch_size": 20})
    with sandboxes("shopware6", faults, **options) as servers, pointed(patch, home, servers):
        staged = stage_everything(run="faults")
        store = StateStore(config.state_db_path())
        summaries = {}
        try:
            for stage in ("structure", "media", "products", "cross_sellings"):
                hook = Shopware6Hook()
                upload = Shopware6Upload(hook, store, staged.folder, mapping, full_read=True)
                summaries[stage] = getattr(upload, stage)()
                hook.close()
        finally:
            store.close()
        shop = servers["shopware6"]
        rows = shop.app.store.rows
        numbers = Counter(row.get("productNumber") for row in rows["product"].values())
        return (
            shopware_fingerprint(shop.app.store),
            report_of("shopware6", summaries),
            (
                shop.stats.snapshot(),
                numbers,
            ),
        )


def test_shopware6_under_lost_answers_ends_as_a_clean_run_with_no_duplicate(tmp_path, monkeypatch):
    clean, clean_report, _ = shopware_sync(monkeypatch, tmp_path / "clean", faults=False)
    shop, report, (stats, numbers) = shopware_sync(monkeypatch, tmp_path / "faults", faults=True)

    lost = stats["lost_answers_by_route"]
    assert lost.get("POST /api/_action/sync", 0) > 0, lost  # upserts whose answer was lost
    assert lost.get("POST /api/_action/media/{mediaId}/upload", 0) > 0, lost
    # What the faults run reports is what the clean run does (the catalog's own warnings).
    assert errors(report) == errors(clean_report)
    assert report["counts"] == clean_report["counts"]
    assert count_problems(report) == []
    assert [number for number, n in numbers.items() if n > 1] == []  # product numbers unique
    assert len(numbers) == clean_report["counts"]["product"]["created"] > 900
    assert differences(shop, clean) == []
    # Every Shopware write is an upsert of pimflow's ids: nothing to adopt.
    assert report["adopted"] == {} == clean_report["adopted"]
    print("shopware6 lost:", stats["lost_answers_by_route"], "statuses:", stats["statuses"])
