"""Product features and their variants, and the feature values products carry."""

from __future__ import annotations

import pytest
from cscart_support import Shop


@pytest.mark.parametrize(
    ("feature_type", "purpose", "style"),
    [
        ("C", "find_products", "checkbox"),
        ("M", "find_products", "multiple_checkbox"),
        ("S", "find_products", "text"),
        ("N", "find_products", "text"),
        ("E", "organize_catalog", "brand"),
        ("T", "describe_product", "text"),
        ("O", "find_products", "text"),
        ("D", "find_products", "text"),
        ("G", "", ""),
    ],
)
def test_every_feature_type_is_created_with_its_purpose(
    shop: Shop, feature_type: str, purpose: str, style: str
) -> None:
    feature_id = shop.feature(f"Feature {feature_type}", feature_type)
    feature = shop.api.get(f"/features/{feature_id}").json()
    assert (feature["feature_type"], feature["purpose"], feature["feature_style"]) == (
        feature_type,
        purpose,
        style,
    )
    assert feature["variants"] == []


def test_invalid_features_are_refused(shop: Shop) -> None:
    assert (
        shop.api.post("/features", json={"description": "x", "feature_type": "Q"}).status_code
        == 400
    )
    assert shop.api.post("/features", json={"feature_type": "S"}).status_code == 400
    assert shop.api.post("/features", json={"description": "x"}).status_code == 400
    refused = shop.api.post(
        "/features", json={"description": "x", "feature_type": "T", "purpose": "group_catalog_item"}
    )
    assert refused.status_code == 400
    assert (
        shop.api.post(
            "/features", json={"description": "x", "feature_type": "S", "parent_id": 99}
        ).status_code
        == 400
    )
    assert shop.api.get("/features", params={"feature_types": "S"}).json()["features"] == []


def test_put_that_leaves_out_variants_drops_them_and_their_values(shop: Shop) -> None:
    """product_features.rst: 'send all the feature variants ... the variants that you don't
    send will be lost'."""
    color = shop.feature(
        "Color", "S", variants=[{"variant": "Red"}, {"variant": "Blue"}, {"variant": "Green"}]
    )
    ids = shop.variant_ids(color)
    blue_product = shop.product("Blue thing", product_features={str(color): str(ids["Blue"])})
    red_product = shop.product("Red thing", product_features={str(color): str(ids["Red"])})

    response = shop.api.put(
        f"/features/{color}",
        json={
            "feature_type": "S",
            "variants": [
                {"variant_id": str(ids["Red"]), "variant": "Crimson"},
                {"variant": "Black"},
            ],
        },
    )

    assert (response.status_code, response.json()) == (200, {"feature_id": str(color)})
    after = shop.variant_ids(color)
    assert set(after) == {"Crimson", "Black"}
    assert after["Crimson"] == ids["Red"]
    assert shop.api.get(f"/products/{blue_product}").json()["product_features"] == []
    red = shop.api.get(f"/products/{red_product}").json()["product_features"][str(color)]
    assert red["variant"] == "Crimson"


def test_put_without_variants_or_with_an_empty_list_keeps_them(shop: Shop) -> None:
    """Features::update only rewrites variants when `variants` is not empty."""
    size = shop.feature("Size", "S", variants=[{"variant": "S"}, {"variant": "M"}])
    shop.api.put(f"/features/{size}", json={"description": "Size EU"})
    shop.api.put(f"/features/{size}", json={"variants": []})
    assert set(shop.variant_ids(size)) == {"S", "M"}
    assert shop.api.get(f"/features/{size}").json()["description"] == "Size EU"


def test_variant_names_are_per_language_and_a_known_name_is_reused(shop: Shop) -> None:
    color = shop.feature("Color", "S", variants=[{"variant": "Red"}])
    red = shop.variant_ids(color)["Red"]
    shop.api.put(
        f"/features/{color}",
        json={
            "lang_code": "de",
            "description": "Farbe",
            "variants": [{"variant_id": red, "variant": "Rot"}],
        },
    )
    shop.api.put(f"/features/{color}", json={"variants": [{"variant": "red"}, {"variant": "Blue"}]})

    german = shop.api.get(f"/features/{color}", params={"lang_code": "de"}).json()
    english = shop.variant_ids(color)

    assert german["description"] == "Farbe"
    assert german["variants"][str(red)]["variant"] == "Rot"
    # "red" matched Red case-blind: the same variant, renamed; Blue is new
    assert english == {"red": red, "Blue": red + 1}


def test_feature_values_of_every_type_are_stored_and_read_back(shop: Shop) -> None:
    color = shop.feature("Color", "S", variants=[{"variant": "Red"}, {"variant": "Blue"}])
    size = shop.feature("Size", "N", variants=[{"variant": "42"}])
    brand = shop.feature("Brand", "E", variants=[{"variant": "Acme"}])
    tags = shop.feature(
        "Tags", "M", variants=[{"variant": "eco"}, {"variant": "new"}, {"variant": "sale"}]
    )
    material = shop.feature("Material", "T")
    waterproof = shop.feature("Waterproof", "C")
    weight = shop.feature("Weight", "O")
    release = shop.feature("Release", "D")
    v = {f: shop.variant_ids(f) for f in (color, size, brand, tags)}
    product_id = shop.product(
        product_features={
            str(color): {"feature_type": "S", "variant_id": str(v[color]["Blue"])},
            str(size): str(v[size]["42"]),
            str(brand): {"variant_id": v[brand]["Acme"]},
            str(tags): {
                "feature_type": "M",
                "variants": {
                    "1": {"variant_id": v[tags]["eco"]},
                    "2": {"variant_id": v[tags]["sale"]},
                },
            },
            str(material): {"feature_type": "T", "value": "Leather"},
            str(waterproof): {"feature_type": "C", "value": "Y"},
            str(weight): {"feature_type": "O", "value_int": "1.25"},
            str(release): "2024-03-01",
            "999": {"feature_type": "T", "value": "an unknown feature is skipped"},
        }
    )

    features = shop.api.get(f"/products/{product_id}").json()["product_features"]

    assert features[str(color)]["variant"] == "Blue"
    assert (features[str(size)]["variant"], features[str(size)]["value_int"]) == ("42", "42.00")
    assert features[str(brand)]["variant"] == "Acme"
    assert {x["variant"] for x in features[str(tags)]["variants"].values()} == {"eco", "sale"}
    assert features[str(material)]["value"] == "Leather"
    assert features[str(waterproof)]["value"] == "Y"
    assert features[str(weight)]["value_int"] == "1.25"
    assert features[str(release)]["value_int"] == "1709251200.00"
    assert "999" not in features
    listed = shop.api.get(f"/products/{product_id}/features").json()
    assert {f["feature_id"] for f in listed["features"]} == set(features)


def test_text_values_are_per_language_and_empty_values_remove(shop: Shop) -> None:
    material = shop.feature("Material", "T")
    color = shop.feature("Color", "S", variants=[{"variant": "Red"}])
    red = shop.variant_ids(color)["Red"]
    product_id = shop.product(product_features={str(material): "Wool", str(color): str(red)})
    url = f"/products/{product_id}"

    shop.api.put(url, json={"lang_code": "de", "product_features": {str(material): "Wolle"}})
    assert (
        shop.api.get(url, params={"lang_code": "de"}).json()["product_features"][str(material)][
            "value"
        ]
        == "Wolle"
    )
    assert shop.api.get(url).json()["product_features"][str(material)]["value"] == "Wool"

    shop.api.put(
        url, json={"product_features": {str(color): {"feature_type": "S", "variant_id": ""}}}
    )
    assert str(color) not in shop.api.get(url).json()["product_features"]
    assert str(material) in shop.api.get(url).json()["product_features"]  # untouched


def test_a_variant_of_another_feature_is_refused(shop: Shop) -> None:
    color = shop.feature("Color", "S", variants=[{"variant": "Red"}])
    size = shop.feature("Size", "S", variants=[{"variant": "L"}])
    large = shop.variant_ids(size)["L"]
    category = shop.category()

    response = shop.api.post(
        "/products",
        json={
            "product": "x",
            "price": 1,
            "category_ids": category,
            "product_features": {str(color): str(large)},
        },
    )

    assert response.status_code == 400 and f"variant {large}" in response.json()["message"]


def test_features_limited_to_categories_apply_only_there(shop: Shop) -> None:
    shoes = shop.category("Shoes")
    hats = shop.category("Hats")
    sole = shop.feature("Sole", "T", categories_path=str(shoes))
    boot = shop.product("Boot", category_ids=str(shoes), product_features={str(sole): "Rubber"})
    cap = shop.product("Cap", category_ids=str(hats), product_features={str(sole): "Rubber"})

    assert str(sole) in shop.api.get(f"/products/{boot}").json()["product_features"]
    assert shop.api.get(f"/products/{cap}").json()["product_features"] == []


def test_changing_to_a_type_without_variants_drops_variants_and_values(shop: Shop) -> None:
    color = shop.feature("Color", "S", variants=[{"variant": "Red"}])
    product_id = shop.product(product_features={str(color): str(shop.variant_ids(color)["Red"])})

    assert shop.api.put(f"/features/{color}", json={"feature_type": "T"}).status_code == 200

    assert shop.api.get(f"/features/{color}").json()["variants"] == []
    assert shop.api.get(f"/products/{product_id}").json()["product_features"] == []


def test_deleting_a_feature_removes_it_from_products(shop: Shop) -> None:
    group = shop.feature("Specs", "G")
    material = shop.feature("Material", "T", parent_id=group)
    product_id = shop.product(product_features={str(material): "Steel"})

    assert shop.api.delete(f"/features/{group}").status_code == 204

    assert shop.api.get(f"/features/{material}").status_code == 404
    assert shop.api.get(f"/products/{product_id}").json()["product_features"] == []
    assert shop.api.delete(f"/features/{group}").status_code == 404


def test_feature_lists_page_and_show_variants_on_request(shop: Shop) -> None:
    for index in range(12):
        shop.feature(f"F{index:02d}", "S", variants=[{"variant": "x"}])
    first = shop.api.get("/features").json()
    second = shop.api.get("/features", params={"page": 2, "variants": "Y"}).json()
    assert len(first["features"]) == 10 and "variants" not in first["features"][0]
    assert len(second["features"]) == 2 and second["params"]["total_items"] == "12"
    assert list(second["features"][0]["variants"].values())[0]["variant"] == "x"
