"""Product variation groups: distinct feature values, parents, codes, and what products become."""

from __future__ import annotations

from cscart_support import Shop


def _tshirts(
    shop: Shop, color_purpose: str = "group_catalog_item"
) -> tuple[int, int, dict[str, int]]:
    """Four T-shirts, red and blue in S and M; returns (color, size, {name: product_id})."""
    color = shop.feature(
        "Color", "S", purpose=color_purpose, variants=[{"variant": "Red"}, {"variant": "Blue"}]
    )
    size = shop.feature(
        "Size",
        "S",
        purpose="group_variation_catalog_item",
        variants=[{"variant": "S"}, {"variant": "M"}],
    )
    colors, sizes = shop.variant_ids(color), shop.variant_ids(size)
    products = {
        f"{c}-{s}": shop.product(
            f"T-shirt {c} {s}",
            product_features={str(color): str(colors[c]), str(size): str(sizes[s])},
        )
        for c in ("Red", "Blue")
        for s in ("S", "M")
    }
    return color, size, products


def test_a_group_joins_products_with_distinct_feature_values(shop: Shop) -> None:
    color, size, products = _tshirts(shop)
    ids = list(products.values())

    created = shop.api.post(
        "/product_variations_groups",
        json={
            "product_ids": ids,
            "code": "TSHIRT",
            "features": [
                {"feature_id": color, "purpose": "group_catalog_item"},
                {"feature_id": size, "purpose": "group_variation_catalog_item"},
            ],
        },
    )

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["message"] == ""
    assert body["products_status"] == {str(i): 1 for i in ids}
    group = body["group"]
    parents = {p["product_id"]: p["parent_product_id"] for p in group["products"]}
    # Size is "variations as one product": per color, the first size is the parent.
    assert parents == {
        products["Red-S"]: 0,
        products["Red-M"]: products["Red-S"],
        products["Blue-S"]: 0,
        products["Blue-M"]: products["Blue-S"],
    }
    child = shop.api.get(f"/products/{products['Red-M']}").json()
    assert (child["product_type"], child["parent_product_id"]) == ("V", str(products["Red-S"]))
    assert child["variation_group_code"] == "TSHIRT"
    assert set(child["variation_features"]) == {str(color), str(size)}
    assert shop.api.get(f"/products/{products['Red-S']}").json()["product_type"] == "P"


def test_products_repeating_a_combination_stay_out_with_a_warning(shop: Shop) -> None:
    color, size, products = _tshirts(shop)
    colors, sizes = shop.variant_ids(color), shop.variant_ids(size)
    twin = shop.product(
        "Another red S",
        product_features={str(color): str(colors["Red"]), str(size): str(sizes["S"])},
    )
    bare = shop.product("No size", product_features={str(color): str(colors["Blue"])})

    created = shop.api.post(
        "/product_variations_groups",
        json={
            "product_ids": [products["Red-S"], twin, bare, products["Blue-M"]],
            "features": [{"feature_id": color}, {"feature_id": size}],
        },
    )

    assert created.status_code == 201
    body = created.json()
    assert body["products_status"] == {
        str(products["Red-S"]): 1,
        str(twin): 254,
        str(bare): 255,
        str(products["Blue-M"]): 1,
    }
    assert "same combination" in body["message"] and "Another red S" in body["message"]
    assert [p["product_id"] for p in body["group"]["products"]] == [
        products["Red-S"],
        products["Blue-M"],
    ]
    assert shop.api.get(f"/products/{twin}").json()["product_type"] == "P"
    assert body["group"]["code"].startswith("PV-")


def test_a_group_where_no_product_fits_is_refused(shop: Shop) -> None:
    color, size, products = _tshirts(shop)
    colors, sizes = shop.variant_ids(color), shop.variant_ids(size)
    twin = shop.product(
        "Twin", product_features={str(color): str(colors["Red"]), str(size): str(sizes["S"])}
    )
    features = [{"feature_id": color}, {"feature_id": size}]

    vendor_item = shop.product(
        "Vendor",
        company_id=2,
        product_features={str(color): str(colors["Blue"]), str(size): str(sizes["M"])},
    )
    mixed = shop.api.post(
        "/product_variations_groups",
        json={"product_ids": [products["Red-S"], vendor_item], "features": features},
    )
    assert mixed.json()["products_status"][str(vendor_item)] == 253

    bare = shop.product("Color only", product_features={str(color): str(colors["Red"])})
    refused = shop.api.post(
        "/product_variations_groups",
        json={"product_ids": [bare], "features": features, "code": "X"},
    )
    assert refused.status_code == 400 and "no value" in refused.json()["message"]
    assert shop.api.get("/product_variations_groups/X").status_code == 404
    no_products = shop.api.post(
        "/product_variations_groups", json={"product_ids": [], "features": features}
    )
    assert no_products.status_code == 400
    not_select = shop.feature("Notes", "T")
    bad_feature = shop.api.post(
        "/product_variations_groups",
        json={"product_ids": [twin], "features": [{"feature_id": not_select}]},
    )
    assert bad_feature.status_code == 400


def test_features_default_to_the_first_products_variation_features(shop: Shop) -> None:
    color, size, products = _tshirts(shop)
    created = shop.api.post(
        "/product_variations_groups", json={"product_ids": list(products.values())}
    )
    assert created.status_code == 201
    assert [f["feature_id"] for f in created.json()["group"]["features"]] == sorted([color, size])
    plain = shop.product("Plain")
    assert (
        shop.api.post("/product_variations_groups", json={"product_ids": [plain]}).status_code
        == 400
    )


def test_groups_are_read_by_id_or_code_listed_recoded_and_deleted(shop: Shop) -> None:
    color, size, products = _tshirts(shop)
    ids = list(products.values())
    first = shop.api.post(
        "/product_variations_groups", json={"product_ids": ids[:2], "code": "G-ONE"}
    ).json()["group"]
    second = shop.api.post(
        "/product_variations_groups", json={"product_ids": ids[2:], "code": "G-TWO"}
    ).json()["group"]

    assert shop.api.get(f"/product_variations_groups/{first['id']}").json()["code"] == "G-ONE"
    assert shop.api.get("/product_variations_groups/g-two").json()["id"] == second["id"]
    assert shop.api.get("/product_variations_groups/NOPE").status_code == 404
    listed = shop.api.get("/product_variations_groups", params={"product_ids": ids[3]}).json()
    assert [g["code"] for g in listed["groups"]] == ["G-TWO"]
    assert listed["params"] == {"items_per_page": 10, "page": 1, "total_items": 1}
    paged = shop.api.get(
        "/product_variations_groups", params={"items_per_page": 1, "page": 2}
    ).json()
    assert [g["code"] for g in paged["groups"]] == ["G-TWO"] and paged["params"]["total_items"] == 2

    assert (
        shop.api.put("/product_variations_groups/G-ONE", json={"code": "G-TWO"}).status_code == 400
    )
    assert (
        shop.api.put("/product_variations_groups/G-ONE", json={"code": "bad code!"}).status_code
        == 400
    )
    assert shop.api.put("/product_variations_groups/G-ONE", json={"code": ""}).status_code == 400
    renamed = shop.api.put("/product_variations_groups/G-ONE", json={"code": "MY_GROUP_NEW"})
    assert renamed.status_code == 200 and renamed.json()["group"]["code"] == "MY_GROUP_NEW"
    assert (
        shop.api.post(
            "/product_variations_groups", json={"product_ids": ids, "code": "my_group_new"}
        ).status_code
        == 400
    )

    assert shop.api.delete("/product_variations_groups/MY_GROUP_NEW").status_code == 204
    assert shop.api.get(f"/product_variations_groups/{first['id']}").status_code == 404
    freed = shop.api.get(f"/products/{ids[1]}").json()
    assert (freed["product_type"], freed["parent_product_id"], freed["variation_features"]) == (
        "P",
        "0",
        [],
    )


def test_grouped_products_keep_distinct_complete_combinations(shop: Shop) -> None:
    color, size, products = _tshirts(shop)
    shop.api.post("/product_variations_groups", json={"product_ids": list(products.values())})
    sizes = shop.variant_ids(size)
    red_m = products["Red-M"]

    duplicate = shop.api.put(
        f"/products/{red_m}", json={"product_features": {str(size): str(sizes["S"])}}
    )
    incomplete = shop.api.put(f"/products/{red_m}", json={"product_features": {str(size): ""}})

    assert duplicate.status_code == 400 and "combination" in duplicate.json()["message"]
    assert incomplete.status_code == 400
    assert (
        shop.api.get(f"/products/{red_m}").json()["product_features"][str(size)]["variant"] == "M"
    )
    assert shop.api.delete(f"/features/{size}").status_code == 400  # used by the group


def test_deleting_a_parent_promotes_its_first_child(shop: Shop) -> None:
    color, size, products = _tshirts(shop)
    shop.api.post(
        "/product_variations_groups", json={"product_ids": list(products.values()), "code": "TEE"}
    )

    assert shop.api.delete(f"/products/{products['Red-S']}").status_code == 204

    heir = shop.api.get(f"/products/{products['Red-M']}").json()
    assert (heir["product_type"], heir["parent_product_id"]) == ("P", "0")
    group = shop.api.get("/product_variations_groups/TEE").json()
    assert products["Red-S"] not in [p["product_id"] for p in group["products"]]


def test_product_variations_list_and_attach_to_a_group(shop: Shop) -> None:
    color, size, products = _tshirts(shop)
    ids = list(products.values())
    group = shop.api.post(
        "/product_variations_groups", json={"product_ids": ids[:3], "code": "TEE"}
    ).json()["group"]
    shop.product("Not a variation")

    listed = shop.api.get("/product_variations").json()
    nested = shop.api.get("/product_variations_groups/TEE/product_variations").json()
    assert {int(p["product_id"]) for p in listed["products"]} == set(ids[:3])
    assert listed["params"]["total_items"] == nested["params"]["total_items"] == "3"

    attached = shop.api.put(
        f"/product_variations/{ids[3]}", json={"variation_group_id": group["id"]}
    )
    assert attached.status_code == 200
    assert shop.api.get(f"/products/{ids[3]}").json()["variation_group_id"] == str(group["id"])
    assert len(shop.api.get("/product_variations_groups/TEE").json()["products"]) == 4
