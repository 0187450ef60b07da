"""Product images: fetched from 127.0.0.1 only, kept with hash, size and type, served back."""

from __future__ import annotations

import hashlib

import pytest
from cscart_support import ImageHost, Shop, make_image

from pimflow_sandbox.cscart.images import sniff


def test_an_image_is_fetched_kept_and_served_back(shop: Shop, image_host: ImageHost) -> None:
    data = make_image(320, 200, "PNG")
    url = image_host.add("/media/boot.png", data)

    product_id = shop.product(main_pair={"detailed": {"image_path": url, "alt": "A boot"}})

    pair = shop.api.get(f"/products/{product_id}").json()["main_pair"]
    detailed = pair["detailed"]
    assert (detailed["image_x"], detailed["image_y"], detailed["alt"]) == ("320", "200", "A boot")
    assert detailed["relative_path"].endswith("/boot.png")
    assert detailed["image_path"] == f"{shop.url}/images/{detailed['relative_path']}"
    assert detailed["https_image_path"].startswith("https://127.0.0.1:")
    assert pair["object_id"] == str(product_id) and detailed["type"] == "M"
    served = shop.api.session.get(detailed["image_path"], auth=None)
    assert served.status_code == 200 and served.content == data
    assert served.headers["Content-Type"] == "image/png"
    sha = hashlib.sha256(data).hexdigest()
    assert served.headers["ETag"] == f'"{sha}"'
    kept = shop.api.session.get(shop.url + "/_sandbox/cscart/images").json()["images"]
    assert kept == [
        {
            "relative_path": detailed["relative_path"],
            "url": detailed["image_path"],
            "sha256": sha,
            "size": len(data),
            "content_type": "image/png",
            "width": 320,
            "height": 200,
            "source_url": url,
        }
    ]


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/boot.png",
        "https://cdn.example.org/boot.png",
        "http://10.0.0.8/boot.png",
        "ftp://127.0.0.1/boot.png",
        "/var/files/1/boot.png",
    ],
)
def test_images_from_anywhere_but_this_machine_are_refused(
    shop: Shop, image_host: ImageHost, url: str
) -> None:
    hits = len(image_host.hits)
    category = shop.category()

    response = shop.api.post(
        "/products",
        json={
            "product": "x",
            "price": 1,
            "category_ids": category,
            "main_pair": {"detailed": {"image_url": url}},
        },
    )

    assert response.status_code == 400
    assert response.json()["message"].startswith("Bad Request: ")
    assert shop.api.get("/products").json()["params"]["total_items"] == "0"
    assert len(image_host.hits) == hits


def test_localhost_is_a_name_for_this_machine(shop: Shop, image_host: ImageHost) -> None:
    image_host.add("/local/cap.gif", make_image(16, 9, "GIF"), "image/gif")
    url = image_host.url.replace("127.0.0.1", "localhost") + "/local/cap.gif"
    product_id = shop.product(main_pair={"detailed": {"image_path": url}})
    detailed = shop.api.get(f"/products/{product_id}").json()["main_pair"]["detailed"]
    assert (detailed["image_x"], detailed["image_y"]) == ("16", "9")


def test_an_image_that_cannot_be_had_is_left_out_as_cscart_does(
    shop: Shop, image_host: ImageHost
) -> None:
    image_host.add("/broken/not-an-image.png", b"<html>no</html>", "text/html")
    image_host.redirects["/broken/away.png"] = "http://example.com/away.png"
    urls = [
        image_host.url + p
        for p in ("/broken/missing.png", "/broken/not-an-image.png", "/broken/away.png")
    ]

    for url in urls:
        product_id = shop.product(main_pair={"detailed": {"image_path": url}})
        assert shop.api.get(f"/products/{product_id}").json()["main_pair"] == []

    shop.app.image_errors = "reject"
    category = shop.category()
    refused = shop.api.post(
        "/products",
        json={
            "product": "x",
            "price": 1,
            "category_ids": category,
            "main_pair": {"detailed": {"image_path": urls[0]}},
        },
    )
    assert refused.status_code == 400 and "HTTP 404" in refused.json()["message"]
    assert shop.api.get("/products").json()["params"]["total_items"] == str(len(urls))


def test_sending_pairs_replaces_them_and_an_empty_main_pair_removes_it(
    shop: Shop, image_host: ImageHost
) -> None:
    first = image_host.add("/set/front.png", make_image(10, 10, color="red"))
    second = image_host.add("/set/side.jpg", make_image(12, 8, "JPEG", "blue"), "image/jpeg")
    third = image_host.add("/set/back.png", make_image(8, 12, color="green"))
    product_id = shop.product(
        main_pair={"detailed": {"image_path": first}},
        image_pairs={
            "1": {"position": "2", "detailed": {"image_path": second}},
            "2": {"position": "1", "detailed": {"image_path": third}},
        },
    )
    url = f"/products/{product_id}"
    product = shop.api.get(url).json()
    extra = list(product["image_pairs"].values())
    assert [p["detailed"]["relative_path"].rsplit("/", 1)[1] for p in extra] == [
        "back.png",
        "side.jpg",
    ]
    assert all(p["detailed"]["type"] == "A" for p in extra)

    shop.api.put(url, json={"image_pairs": {"9": {"detailed": {"image_path": first}}}})
    product = shop.api.get(url).json()
    assert len(product["image_pairs"]) == 1
    assert product["main_pair"]["detailed"]["relative_path"].endswith("front.png")  # untouched

    shop.api.put(url, json={"price": 3})  # no image keys: images stay
    assert shop.api.get(url).json()["main_pair"] != []
    shop.api.put(url, json={"main_pair": {}, "image_pairs": []})
    product = shop.api.get(url).json()
    assert product["main_pair"] == [] and "image_pairs" not in product
    assert shop.api.session.get(shop.url + "/_sandbox/cscart/images").json()["images"] == []
    assert shop.store.blobs == {}


def test_the_same_picture_twice_is_one_stored_blob(shop: Shop, image_host: ImageHost) -> None:
    url = image_host.add("/dup/logo.png", make_image(5, 5))
    first = shop.product("One", main_pair={"detailed": {"image_path": url}})
    second = shop.product("Two", main_pair={"detailed": {"image_path": url}})
    paths = {
        shop.api.get(f"/products/{pid}").json()["main_pair"]["detailed"]["relative_path"]
        for pid in (first, second)
    }
    assert len(paths) == 2 and len(shop.store.blobs) == 1
    shop.api.delete(f"/products/{first}")
    assert len(shop.store.blobs) == 1
    shop.api.delete(f"/products/{second}")
    assert shop.store.blobs == {}


def test_images_are_recognised_by_their_bytes() -> None:
    assert sniff(make_image(7, 3, "PNG"))[:2] == ("image/png", "png")
    assert sniff(make_image(7, 3, "JPEG"))[2:] == (7, 3)
    assert sniff(make_image(7, 3, "GIF"))[2:] == (7, 3)
    assert sniff(make_image(7, 3, "WEBP")) == ("image/webp", "webp", 7, 3)
    assert sniff(make_image(7, 3, "BMP")) == ("image/bmp", "bmp", 7, 3)
    assert sniff(b'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"></svg>') == (
        "image/svg+xml",
        "svg",
        20,
        10,
    )
    assert sniff(b"GIF89") is None
    assert sniff(b"plain text") is None


def test_an_image_of_this_shop_can_be_fetched_again_by_it(
    shop: Shop, image_host: ImageHost
) -> None:
    """The fetch runs outside the store's lock, so a URL back into the sandbox works."""
    url = image_host.add("/self/one.png", make_image(6, 4))
    first = shop.product("First", main_pair={"detailed": {"image_path": url}})
    own_url = shop.api.get(f"/products/{first}").json()["main_pair"]["detailed"]["image_path"]

    second = shop.product("Second", main_pair={"detailed": {"image_path": own_url}})

    copy = shop.api.get(f"/products/{second}").json()["main_pair"]["detailed"]
    assert (copy["image_x"], copy["image_y"]) == ("6", "4")
    assert len(shop.store.blobs) == 1
