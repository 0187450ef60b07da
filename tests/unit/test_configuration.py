"""pimflow.configuration: one merge rule, one error naming the file, key path and reason,
and models that are frozen and refuse what they do not know, for every config file."""

from __future__ import annotations

import pydantic
import pytest

from pimflow.configuration import ConfigError, ConfigModel, describe, join_path, merge
from pimflow.cscart import config as cscart
from pimflow.errors import MappingError
from pimflow.shopware6 import config as shopware6
from pimflow.targets import parse_targets


class Sample(ConfigModel):
    batch_size: int = 1
    names: list[str] = []
    inner: dict[str, bool] = {}


def reason_of(data: dict) -> tuple[str, str]:
    with pytest.raises(pydantic.ValidationError) as error:
        Sample.model_validate(data)
    return describe(error.value, Sample.known_keys)


def test_a_validation_error_becomes_the_key_path_and_a_readable_reason():
    assert join_path(("targets", 0, "name")) == "targets[0].name"
    assert join_path(("images", "attributes")) == "images.attributes"
    # Strict: a bool is no number, a number no string (YAML's `yes`, `5`).
    assert reason_of({"batch_size": True}) == ("batch_size", "must be a whole number, got True")
    assert reason_of({"names": ["a", 5]}) == ("names[1]", "must be a string, got 5")
    assert reason_of({"inner": {"x": "yes"}}) == ("inner.x", "must be true or false, got 'yes'")
    assert reason_of({"batchsize": 3}) == (
        "batchsize",
        "unknown key (known: batch_size, inner, names)",
    )


def test_the_error_names_the_file_the_target_the_key_and_the_reason():
    error = ConfigError("mine.yaml", "images.attributes", "must be a list, got 'x'")
    assert str(error) == "mine.yaml: images.attributes: must be a list, got 'x'"
    assert (error.source, error.key, error.reason) == (
        "mine.yaml",
        "images.attributes",
        error.reason,
    )
    assert isinstance(error, ValueError)  # what the DAG file and the CLI catch
    named = ConfigError("t.yaml", "type", "must be one of a, b", target="shop_eu")
    assert str(named) == "t.yaml: target 'shop_eu': type must be one of a, b"
    placed = ConfigError("t.yaml", "name", "must be lower-case", target=0)
    assert str(placed) == "t.yaml: targets[0].name must be lower-case"


def test_the_one_merge_rule_merges_mappings_and_replaces_everything_else():
    default = {"price": {"attribute": "price", "currency": "USD"}, "media": ["a", "b"], "n": 1}
    assert merge(default, {"price": {"currency": "EUR"}}) == {
        "price": {"attribute": "price", "currency": "EUR"},
        "media": ["a", "b"],
        "n": 1,
    }
    assert merge(default, {"media": [], "n": None})["media"] == []  # lists are replaced
    assert merge(default, {"price": {}})["price"] == {}  # an empty mapping clears
    assert default["price"] == {"attribute": "price", "currency": "USD"}  # not changed


def test_both_mappings_merge_a_users_file_by_the_one_rule(tmp_path):
    mine = tmp_path / "shopware.yaml"
    mine.write_text("translations:\n  name: title\nmedia:\n  attributes: []\n")
    mapping = shopware6.load_mapping(mine)
    assert mapping.translations["name"] == "title"
    assert mapping.translations["description"] == "description"  # the default's other keys
    assert mapping.media_attributes == [] and mapping.asset_file_attribute == "media"
    mine.write_text("translations: {}\n")
    assert shopware6.load_mapping(mine).translations == {}

    mine = tmp_path / "cscart.yaml"
    mine.write_text("texts:\n  full_description: null\nimages:\n  attributes: [image]\n")
    mapping = cscart.load_mapping(mine)
    assert mapping.texts == {"product": "auto"}  # product kept, full_description cleared
    assert mapping.image_attributes == ("image",) and mapping.asset_file_attribute == "media"


@pytest.mark.parametrize(
    ("load", "data", "message"),
    [
        (
            shopware6.with_defaults,
            {"media": {"attribtes": []}},
            "mapping: media.attribtes: unknown key (known: asset_file_attribute, attributes)",
        ),
        (shopware6.with_defaults, {"price": "price"}, "mapping: price: must be a mapping, got str"),
        (
            shopware6.with_defaults,
            {"stock": {"default": True}},
            "mapping: stock.default: must be a whole",
        ),
        (
            cscart.parse_mapping,
            {"images": {"attribute": ["image"]}},
            "<mapping>: images.attribute: unknown key (known: asset_file_attribute, attributes)",
        ),
        (
            cscart.parse_mapping,
            {"api": {"page_size": True}},
            "<mapping>: api.page_size: must be a whole",
        ),
        (cscart.parse_mapping, {"source": "x"}, "<mapping>: source: unknown key"),
    ],
)
def test_an_unknown_key_or_a_wrong_type_is_refused_with_its_path(load, data, message):
    with pytest.raises(ConfigError) as error:
        load(data)
    assert str(error.value).startswith(message)


def test_the_models_are_frozen(tmp_path):
    target = parse_targets(
        {"targets": [{"name": "shop", "type": "cscart", "connection": "c"}]}, "t", tmp_path
    )[0]
    for model, key in (
        (shopware6.load_mapping(), "batch_size"),
        (cscart.load_mapping(), "page_size"),
        (target, "connection"),
    ):
        with pytest.raises(pydantic.ValidationError, match="frozen"):
            setattr(model, key, 3)


def test_both_shops_raise_the_one_mapping_error():
    from pimflow.cscart.mapping import MappingError as CsCartError
    from pimflow.shopware6.mapping import MappingError as ShopwareError

    assert CsCartError is ShopwareError is MappingError
    error = MappingError("price", "negative amount")
    assert (str(error), error.field, error.reason) == (
        "price: negative amount",
        "price",
        error.reason,
    )
