"""A Shopware stage leaves the id cache empty, whether it ends well or not: cached ids
made all through a stage would pin the memory of the rows made between them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pimflow.shopware6 import stages, upload
from pimflow.shopware6.mapping import shopware_id


class FakeUpload:
    def __init__(self, *args, **kwargs) -> None:
        pass

    def products(self) -> dict:
        for n in range(50):
            shopware_id("property_group_option", f"color:{n}")
        assert shopware_id.cache_info().currsize >= 50  # the cache was in use
        return {"counts": {}}

    def media(self) -> dict:
        shopware_id("media", "a" * 64)
        raise RuntimeError("the shop went away")


def test_the_id_cache_is_emptied_after_a_stage_that_lands_or_fails(monkeypatch):
    monkeypatch.setattr(upload, "Shopware6Upload", FakeUpload)
    context = SimpleNamespace(
        hook=None, store=None, folder=None, mapping=None, reconcile=True, params={}
    )
    assert stages.products(context) == {"counts": {}}
    assert shopware_id.cache_info().currsize == 0
    with pytest.raises(RuntimeError, match="went away"):
        stages.media(context)
    assert shopware_id.cache_info().currsize == 0
    # The ids themselves do not depend on the cache.
    assert shopware_id("media", "a" * 64) == shopware_id.__wrapped__("media", "a" * 64)
