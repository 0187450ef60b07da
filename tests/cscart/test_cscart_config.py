"""The mapping file: defaults that fit the demo catalog, errors that name the key and the
reason, and validation when Airflow parses the DAG file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pimflow.configuration import ConfigError
from pimflow.cscart.config import DEFAULT_MAPPING, load_mapping, parse_mapping

DAG_FILE = Path(__file__).resolve().parents[2] / "dags" / "pimflow_sync.py"


def test_the_packaged_defaults():
    mapping = load_mapping(DEFAULT_MAPPING)
    # `auto`: the family's label, its images, the catalog's one price collection.
    assert mapping.texts == {"product": "auto", "full_description": "description"}
    assert (mapping.price_attribute, mapping.price_currency) == ("auto", "USD")
    assert (mapping.weight_attribute, mapping.weight_unit) == ("weight", "POUND")
    assert (mapping.status_enabled, mapping.status_disabled) == ("A", "D")
    assert mapping.feature_attributes is None and mapping.brand_attribute == "brand"
    assert mapping.image_attributes is None
    # Naming the packaged file is no file of the user's: no key is the user's.
    assert not mapping.wrote("price.attribute") and not load_mapping().wrote("texts")
    assert mapping.removed_products == "disable" and mapping.removed_categories == "disable"
    assert mapping.tax_ids is None and mapping.company_id is None
    assert mapping.unclassified == "Unclassified" and mapping.page_size == 100


def test_a_file_names_only_what_it_changes(tmp_path, monkeypatch):
    path = tmp_path / "mine.yaml"
    path.write_text("price:\n  currency: EUR\nvendor:\n  company_id: 2\ntaxes:\n  ids: [6, 7]\n")
    monkeypatch.setenv("PIMFLOW_CSCART_MAPPING", str(path))
    mapping = load_mapping()
    assert (mapping.price_attribute, mapping.price_currency) == ("auto", "EUR")
    assert mapping.company_id == 2 and mapping.tax_ids == (6, 7)
    assert mapping.source == str(path)
    # The keys the file wrote are the user's; the rest are the defaults'.
    assert mapping.wrote("price.currency") and mapping.wrote("taxes.ids")
    assert not mapping.wrote("price.attribute") and not mapping.wrote("weight.attribute")


@pytest.mark.parametrize(
    ("data", "key", "reason"),
    [
        ({"prices": {}}, "prices", "unknown key"),
        ({"price": {"attribut": "price"}}, "price.attribut", "unknown key"),
        ({"price": {"attribute": None}}, "price.attribute", "CS-Cart needs a price"),
        ({"status": {"enabled": "X"}}, "status.enabled", "must be one of A, D, H, got 'X'"),
        ({"removed_products": "purge"}, "removed_products", "must be one of disable, delete, keep"),
        (
            {"features": {"types": {"rating": "Z"}}},
            "features.types.rating",
            "must be a CS-Cart feature type",
        ),
        (
            {"price": {"attribute": "price"}, "features": {"attributes": ["price"]}},
            "features.attributes",
            "price is already used by price.attribute",
        ),
        (
            {"texts": {"product": "name"}, "features": {"brand": "name"}},
            "features.brand",
            "name is used by texts.product",
        ),
        ({"vendor": {"company_id": 2, "attribute": "seller"}}, "vendor", "not both"),
        ({"vendor": {"company_id": 0}}, "vendor.company_id", "at least 1"),
        ({"taxes": {"ids": ["six"]}}, "taxes.ids", "list of positive ids"),
        ({"categories": {"include_root": "yes"}}, "categories.include_root", "true or false"),
        ({"texts": {"product": None}}, "texts.product", "needs a product name"),
        ({"api": {"page_size": 0}}, "api.page_size", "at least 1"),
        ([], "(top)", "must hold a mapping"),
    ],
)
def test_errors_name_the_key_and_the_reason(data, key, reason):
    with pytest.raises(ConfigError) as error:
        parse_mapping(data, "mine.yaml")
    assert error.value.key == key
    assert reason in error.value.reason
    assert str(error.value).startswith(f"mine.yaml: {key}: ")


def test_a_file_that_is_no_yaml_or_missing(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("price:\n  attribute: [unclosed\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: line \d+: is not valid YAML"):
        load_mapping(path)
    with pytest.raises(ConfigError, match="cannot be read"):
        load_mapping(tmp_path / "nowhere.yaml")


PROBE = r"""
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()},
                  "dags": sorted(bag.dags)}))
"""


def test_the_dag_file_refuses_a_wrong_mapping_when_parsed(tmp_path):
    path = tmp_path / "wrong.yaml"
    path.write_text("status:\n  enabled: yes-please\n")
    env = {**os.environ, "PIMFLOW_CSCART_MAPPING": str(path)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(DAG_FILE)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["dags"] == []
    (error,) = report["errors"].values()
    assert "status.enabled: must be one of A, D, H, got 'yes-please'" in error
