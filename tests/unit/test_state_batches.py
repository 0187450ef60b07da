"""The state store is written in batches on the hot paths, not one commit per row: the
Shopware media stage saves its uploaded files a batch at a time, and keeps the batch it
was filling when a later file fails the stage."""

from __future__ import annotations

import pytest

from pimflow import config
from pimflow.shopware6 import upload as shopware6_upload
from pimflow.shopware6.config import load_mapping
from pimflow.shopware6.hook import Shopware6Hook
from pimflow.shopware6.upload import Shopware6Upload
from pimflow.state import StateStore
from tests.akeneo.conftest import akeneo, stage_everything  # noqa: F401 - the fixture
from tests.shopware6.conftest import shop  # noqa: F401 - the fixture


class CommitCounter:
    """Counts the store's commits (the SQLite transactions a stage costs)."""

    def __init__(self, store: StateStore, monkeypatch: pytest.MonkeyPatch) -> None:
        self.n = 0
        commit = store._db.commit

        def counted() -> None:
            self.n += 1
            commit()

        monkeypatch.setattr(store._db, "commit", counted)


@pytest.fixture
def media_stage(akeneo, shop, monkeypatch):  # noqa: F811
    """The staged demo catalog, a state store and the Shopware upload, with batches of 3."""
    akeneo()
    staged = stage_everything()
    store = StateStore(config.state_db_path())
    upload = Shopware6Upload(Shopware6Hook(), store, staged.folder, load_mapping())
    monkeypatch.setattr(shopware6_upload, "MEDIA_SAVE_BATCH", 3)
    yield store, upload
    upload.hook.close()
    store.close()


def _uploaded(store: StateStore, upload: Shopware6Upload) -> set[str]:
    saved = store.hashes(upload.target, "media_file", store.keys(upload.target, "media_file"))
    return {sha for sha, state in saved.items() if state == "uploaded"}


def test_the_media_stage_commits_a_batch_of_files_at_a_time(media_stage, monkeypatch):
    store, upload = media_stage
    commits = CommitCounter(store, monkeypatch)
    summary = upload.media()
    created = summary["counts"]["media"]["created"]
    assert created >= 7, summary["counts"]  # enough files for several batches
    # One commit for the files found in the shop already, then one per batch of 3.
    assert commits.n == 1 + -(-created // 3), (commits.n, created)
    assert len(_uploaded(store, upload)) == created


def test_a_media_stage_failing_midway_keeps_the_files_it_uploaded(media_stage, monkeypatch):
    store, upload = media_stage
    real_upload = Shopware6Upload._upload_file
    order: list[str] = []

    def upload_until_the_fifth(self, file):  # noqa: ANN001, ANN202
        order.append(file["sha256"])
        if len(order) == 5:
            raise RuntimeError("the shop went away")
        return real_upload(self, file)

    # One upload at a time: the five first files are the five first in the stage's order.
    monkeypatch.setattr(Shopware6Hook, "max_concurrency", property(lambda self: 1))
    monkeypatch.setattr(Shopware6Upload, "_upload_file", upload_until_the_fifth)
    with pytest.raises(RuntimeError, match="the shop went away"):
        upload.media()
    # Four uploaded: a batch of 3 saved when full, the fourth by the `finally`.
    assert _uploaded(store, upload) == set(order[:4])


class StageKilled(BaseException):
    """Not an Exception: nothing catches it per product, as with a worker shut down."""


def test_cscart_products_are_saved_a_chunk_at_a_time_and_kept_when_the_stage_dies(
    tmp_path, monkeypatch
):
    from pimflow.cscart.products import ProductUploader
    from tests.cscart.test_cscart_isolation import FakeHook, context, item

    class DyingHook(FakeHook):
        max_concurrency = 1  # one write at a time: the products land in their order

        def send(self, method, path, body=None, **options):  # noqa: ANN001, ANN202
            if (body or {}).get("product_code") == "P-5":
                raise StageKilled
            return super().send(method, path, body, **options)

    store = StateStore(tmp_path / "state.sqlite")
    commits = CommitCounter(store, monkeypatch)
    try:
        uploader = ProductUploader(FakeHook(), store, "cscart:test", context(), chunk_size=3)
        result = uploader.upload([item(f"P-{n}") for n in range(1, 8)])
        assert result.counts["product"]["created"] == 7
        assert len(store.remote_ids("cscart:test", "product")) == 7
        chunks = 3  # 3 + 3 + 1 products
        assert commits.n <= 4 * chunks  # ids, core, texts, images: not four a product

        dying = ProductUploader(DyingHook(), store, "cscart:dying", context(), chunk_size=3)
        with pytest.raises(StageKilled):
            dying.upload([item(f"P-{n}") for n in range(1, 7)])
        # P-1 to P-3 saved with their chunk, P-4 by the `finally` when P-5 killed the stage.
        saved = store.remote_ids("cscart:dying", "product")
        assert len(saved) == 4, saved
        assert sorted(dying.ids) == sorted(saved)
    finally:
        store.close()


def test_a_batched_block_commits_a_batch_at_a_time_and_keeps_what_came_before_a_failure(
    tmp_path, monkeypatch
):
    from pimflow import state

    store = StateStore(tmp_path / "state.db")
    commits = CommitCounter(store, monkeypatch)
    monkeypatch.setattr(state, "BATCH_WRITES", 10)
    with pytest.raises(RuntimeError), store.batched():
        for n in range(25):
            store.save("t", "product", {f"k{n}": "h"})
            with store.batched():  # nested: the outer block commits
                store.save_remote_ids("t", "product", {f"k{n}": str(n)})
        raise RuntimeError("the stage fails after 25 records")
    assert commits.n == 6  # 50 writes: 5 full batches of 10, then the one at the end
    again = StateStore(tmp_path / "state.db")  # another connection sees every record
    assert len(again.hashes("t", "product", [f"k{n}" for n in range(25)])) == 25
    assert len(again.remote_ids("t", "product")) == 25
    store.save("t", "product", {"after": "h"})  # outside a block: a commit of its own
    assert commits.n == 7
