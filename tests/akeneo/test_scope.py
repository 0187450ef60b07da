"""The run's scope in the extraction: a `product_limit` reads whole trees, and associated
products the scope excludes are staged with the reason (pimflow.akeneo.selection,
pimflow.akeneo.associations)."""

from __future__ import annotations

from dataclasses import replace

from pimflow.akeneo.associations import (
    extract_association_scope,
    load_out_of_scope,
    unread_associated,
)
from pimflow.akeneo.catalog import SourceFilter, extract_partition
from pimflow.akeneo.datasets import PRODUCT_MODELS, PRODUCTS
from pimflow.akeneo.selection import choose_roots, load_selection, selection_queries
from pimflow.akeneo.structure import extract_structure
from pimflow.hooks.akeneo import AkeneoHook
from pimflow.staging import read_json, read_rows, run_folder

LOCALES = ["en_US", "de_DE", "fr_FR"]


def _api_calls(hook: AkeneoHook) -> int:
    """Calls besides the token grant (made lazily, once per hook)."""
    return sum(n for route, n in hook.calls.items() if "oauth" not in route)


def _stage(run: str, limit: int | None = None, families=None, **source_options):  # noqa: ANN001, ANN202
    """Stage products and models as the DAG's tasks do; return (folder, calls per task)."""
    folder = run_folder("test", run)
    hook = AkeneoHook()
    structure = extract_structure(
        hook, folder, "ecommerce", None, families, 3, plan_by_count=not limit, **source_options
    )
    source = SourceFilter("ecommerce", LOCALES, **source_options)
    calls = {"structure": _api_calls(hook)}
    if limit:
        before = _api_calls(hook)
        summary = choose_roots(
            hook, folder, source, structure["partitions"], structure["families_filter"], limit
        )
        calls["roots"] = _api_calls(hook) - before
        calls["selection"] = summary
    for partition in structure["partitions"]:
        queries = selection_queries(load_selection(folder, partition["name"])) if limit else None
        for entity in ("product_models", "products"):
            task = AkeneoHook()
            extract_partition(task, folder, partition, entity, source, queries)
            calls[f"{entity}:{partition['name']}"] = _api_calls(task)
    return folder, calls


def _root(code: str | None, models: dict[str, dict]) -> str | None:
    while code and models.get(code, {}).get("parent"):
        code = models[code]["parent"]
    return code


def test_a_product_limit_reads_whole_trees_of_the_first_roots(akeneo):
    akeneo(catalog="demo")
    full, _ = _stage("full")
    full_models = {m["code"]: m for m in read_rows(full, PRODUCT_MODELS)}
    full_products = list(read_rows(full, PRODUCTS))

    folder, calls = _stage("limited", limit=20)
    models = {m["code"]: m for m in read_rows(folder, PRODUCT_MODELS)}
    products = list(read_rows(folder, PRODUCTS))
    roots = {c for c, m in models.items() if not m["parent"]}
    simple = {p["uuid"] for p in products if not p["parent"]}
    assert len(roots) + len(simple) == 20  # the limit counts roots, not products
    assert roots and simple  # both kinds, in turn
    assert calls["selection"]["roots"] == 20
    # Whole trees: exactly what a full read has under the chosen roots, nothing cut apart.
    expected = {
        p["uuid"]
        for p in full_products
        if p["uuid"] in simple or _root(p["parent"], full_models) in roots
    }
    assert {p["uuid"] for p in products} == expected
    assert set(models) == {c for c in full_models if _root(c, full_models) in roots}
    for product in products:
        if product["parent"]:
            assert _root(product["parent"], models) in roots
    for code in roots:
        assert any(_root(p["parent"], models) == code for p in products), code
    assert len(products) > 20  # the chosen models bring their variants
    # Cheap: a page of each kind of root and one of sub-models; partitions with nothing
    # chosen make no call.
    assert calls["roots"] <= 3
    selection = read_json(folder / "selection.json")["partitions"]
    for name, chosen in selection.items():
        if not chosen["models"]:
            assert calls[f"product_models:{name}"] == 0
        if not chosen["models"] and not chosen["products"]:
            assert calls[f"products:{name}"] == 0

    again, _ = _stage("limited-again", limit=20)  # a stable choice
    assert read_json(again / "selection.json") == read_json(folder / "selection.json")


def test_a_limited_run_applies_the_product_filters_to_its_trees(akeneo):
    akeneo(catalog="demo")
    folder, _ = _stage("enabled", limit=30, enabled_only=True)
    products = list(read_rows(folder, PRODUCTS))
    assert products and all(p["enabled"] for p in products)
    # A family without models: 20 roots are 20 simple products (the REST API test's run).
    folder, _ = _stage("electronics", limit=20, families=["electronics"])
    products = list(read_rows(folder, PRODUCTS))
    assert len(products) == 20 and {p["family"] for p in products} == {"electronics"}


def test_associated_products_outside_the_scope_are_staged_with_the_reason(akeneo):
    akeneo(catalog="1000", seed=7)
    folder, _ = _stage("scope", enabled_only=True)
    unread = unread_associated(folder)
    assert unread["uuid"]  # the catalog associates products that the scope leaves out
    hook = AkeneoHook()
    summary = extract_association_scope(
        hook, folder, SourceFilter("ecommerce", LOCALES, enabled_only=True)
    )
    out = load_out_of_scope(folder)
    assert summary["out_of_scope"] == len(out) > 0
    reasons = {row["reason"] for row in out.values()}
    assert any("disabled" in r for r in reasons), reasons
    assert any(
        "not classified in the category tree 'master' of channel 'ecommerce'" in r for r in reasons
    ), reasons
    read = {p["uuid"] for p in read_rows(folder, PRODUCTS)}
    for (kind, code), row in out.items():
        assert code not in read
        if kind == "product" and len(code) == 36:  # a uuid: named by its identifier
            assert row["name"] and row["name"] != code
    # Cheap: a few batched searches, not one per product.
    assert _api_calls(hook) <= 2 * (-(-sum(len(c) for c in unread.values()) // 100) + 3)


def test_associated_products_in_scope_but_not_read_are_not_out_of_scope(akeneo):
    """A limited (or delta) read leaves in-scope products unread: those are expected later,
    so they are not staged; a filtered family is out of scope, with that reason."""
    akeneo(catalog="demo")
    folder, _ = _stage("limited", limit=20)
    unread = unread_associated(folder)
    assert unread["uuid"]
    extract_association_scope(AkeneoHook(), folder, SourceFilter("ecommerce", LOCALES))
    out = load_out_of_scope(folder)
    assert len(out) < sum(len(c) for c in unread.values())
    assert all("family" not in row["reason"] for row in out.values())

    families, _ = _stage("families", families=["electronics"])
    extract_association_scope(AkeneoHook(), families, SourceFilter("ecommerce", LOCALES))
    reasons = [row["reason"] for row in load_out_of_scope(families).values()]
    assert any("is not among the run's families (electronics)" in r for r in reasons), reasons


def test_no_window_in_the_scope_lookup(akeneo):
    """The lookup asks about the scope, never the delta window: an associated product that
    a delta did not read is in scope."""
    from datetime import UTC, datetime, timedelta

    from pimflow.akeneo.catalog import Window

    akeneo(catalog="demo")
    folder, _ = _stage("delta-ish")
    now = datetime.now(UTC)
    window = Window(now + timedelta(days=1), now + timedelta(days=2))  # matches nothing
    source = replace(SourceFilter("ecommerce", LOCALES), window=window)
    extract_association_scope(AkeneoHook(), folder, source)
    rows = load_out_of_scope(folder)
    extract_association_scope(AkeneoHook(), folder, SourceFilter("ecommerce", LOCALES))
    assert load_out_of_scope(folder) == rows
