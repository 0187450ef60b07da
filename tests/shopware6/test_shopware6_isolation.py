"""One product's mapping error never fails a stage: a staged value of a shape nobody
expected, or any exception while mapping one product, is reported with the product's
identifier, the field and the reason, and every other product lands."""

from __future__ import annotations

from pimflow.shopware6.mapping import ProductMapper, product_id
from tests.shopware6.test_shopware6_sync import Shop


def test_a_product_that_cannot_be_mapped_is_reported_and_the_rest_lands(
    akeneo, shop, sync, monkeypatch
):
    akeneo()
    victims: dict[str, str] = {}  # the first simple product: "odd"; the second: "crash"
    simple, visibilities = ProductMapper.simple, ProductMapper._visibilities

    def patched_simple(self, product, price_required=True):
        if not product.get("parent"):
            role = (
                "odd"
                if victims.get("odd", product["identifier"]) == product["identifier"]
                else ("crash")
            )
            victims.setdefault(role, product["identifier"])
            if victims[role] == product["identifier"] and role == "odd":
                # its weight a string, not a metric {amount, unit}: as if Akeneo sent it so
                values = dict(product["values"])
                values["weight"] = [{"locale": None, "scope": None, "data": "heavy"}]
                product = {**product, "values": values}
            elif victims[role] == product["identifier"]:
                victims["crash_key"] = product_id(product)
        return simple(self, product, price_required)

    def crashing(self, key):
        # any exception, not only a MappingError, for the other product
        if victims.get("crash_key") == key:
            raise RuntimeError("the unexpected")
        return visibilities(self, key)

    monkeypatch.setattr(ProductMapper, "simple", patched_simple)
    monkeypatch.setattr(ProductMapper, "_visibilities", crashing)
    result = sync()

    by_product = {e["identifier"]: e for e in result["errors"] if e["entity"] == "product"}
    odd = by_product[victims["odd"]]
    assert odd["field"] == "weight"
    assert "attribute 'weight'" in odd["reason"] and "cannot map the value" in odd["reason"]
    crash = by_product[victims["crash"]]
    assert "RuntimeError: the unexpected" in crash["reason"]
    assert set(by_product) == {victims["odd"], victims["crash"]}
    written = Shop(shop.url).products()
    assert victims["odd"] not in written and victims["crash"] not in written
    counts = result["counts"]["product"]
    assert counts["failed"] == 2 and counts["created"] == len(written) > 2
    assert any(p.get("parentId") for p in written.values())  # variants landed too
