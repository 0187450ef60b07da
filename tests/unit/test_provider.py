from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from pimflow.provider import get_provider_info


def test_entry_point_declares_the_three_connection_types_with_importable_hooks():
    (entry,) = [
        e for e in entry_points(group="apache_airflow_provider") if e.value.startswith("pimflow")
    ]
    info = entry.load()()
    assert info == get_provider_info()
    types = {c["connection-type"]: c for c in info["connection-types"]}
    assert sorted(types) == ["akeneo", "cscart", "shopware6"]
    for conn_type, spec in types.items():
        module, _, name = spec["hook-class-name"].rpartition(".")
        hook = getattr(importlib.import_module(module), name)
        assert hook.conn_type == conn_type
        assert callable(hook.test_connection)
    # The client secret is a password field: masked in the UI and the API.
    assert types["akeneo"]["conn-fields"]["client_secret"]["schema"]["format"] == "password"


def test_airflow_providers_manager_sees_the_connection_types():
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    hooks = ProvidersManagerTaskRuntime().hooks
    for conn_type in ("akeneo", "shopware6", "cscart"):
        assert conn_type in hooks, conn_type
