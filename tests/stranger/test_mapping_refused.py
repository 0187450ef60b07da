"""A user's mapping that names an attribute the stranger's catalog lacks fails the run in
the structure stage: before any shop write, without retries, the reason first."""

from __future__ import annotations

import pytest

from tests.stranger.conftest import shop_writes

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("target_type", "mapping", "key", "attribute"),
    [
        ("shopware6", {"manufacturer": "brnd"}, "manufacturer", "brnd"),
        ("cscart", {"images": {"attributes": ["image"]}}, "images.attributes", "image"),
    ],
)
def test_a_mapping_naming_a_missing_attribute_fails_before_any_write(
    sync_stranger, target_type, mapping, key, attribute
):
    run, shop = sync_stranger(target_type)
    code, report = run(mapping=mapping)
    assert code != 0
    assert report["status"] == "failed"
    assert report["cause"]["task"] == "akeneo.structure"
    reason = report["cause"]["reason"]
    assert f"{key}: " in reason and repr(attribute) in reason
    assert shop_writes(shop) == 0
    from pimflow.report import summary_text

    assert summary_text(report).splitlines()[0].startswith("FAILED: mapping ")
    assert key in summary_text(report).splitlines()[0]
    # No retries: the structure task failed once, for good.
    log = run.log_file.read_text()
    assert "up_for_retry" not in log.lower()
    assert "AirflowFailException" in log
    # The failing task's callback kept its reason for the report: one line, the same.
    from pimflow.pipeline.report import first_failure
    from pimflow.staging import run_folder

    failure = first_failure(run_folder(report["dag_id"], report["run_id"]))
    assert failure is not None and failure["task"] == "akeneo.structure"
    assert "\n" not in failure["reason"] and f"{key}: " in failure["reason"]
