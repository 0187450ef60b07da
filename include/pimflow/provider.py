"""Airflow provider metadata: the connection types of Akeneo and of every registered target.

Airflow reads this through the `apache_airflow_provider` entry point (pyproject.toml), so
the connection form shows each API's own fields and the Test button calls the hook's
`test_connection()`. A `"format": "password"` field is masked in the UI and the API.
"""

from __future__ import annotations

from typing import Any

import pimflow

_COMMON_FIELDS: dict[str, Any] = {
    "max_concurrency": {
        "label": "Max concurrent calls",
        "description": "Calls in flight at once on this connection.",
        "schema": {"type": ["integer", "null"]},
    },
    "timeout": {
        "label": "Timeout (s)",
        "description": "Per-call timeout in seconds.",
        "schema": {"type": ["number", "null"], "default": 60},
    },
}


def _connection_type(
    conn_type: str,
    hook: str,
    name: str,
    host: str,
    login: str,
    password: str,
    extra_fields: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "hook-class-name": hook,
        "hook-name": name,
        "connection-type": conn_type,
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "port"],
            "relabeling": {"host": "Base URL", "login": login, "password": password},
            "placeholders": {"host": host},
        },
        "conn-fields": {**(extra_fields or {}), **_COMMON_FIELDS},
    }


def _shop_connection_type(shop: Any) -> dict[str, Any]:
    return _connection_type(
        shop.connection_type,
        shop.hook_class.replace(":", "."),
        shop.title,
        shop.host_placeholder,
        shop.login_label,
        shop.password_label,
        {
            name: {"label": f.label, "description": f.description, "schema": f.schema}
            for name, f in shop.connection_fields.items()
        },
    )


def get_provider_info() -> dict[str, Any]:
    from pimflow.targets.registry import target_types

    shops = list(target_types().values())
    return {
        "package-name": "pimflow",
        "name": "pimflow",
        "description": "Akeneo PIM to the shops of the registered targets ("
        + ", ".join(shop.title for shop in shops)
        + ").",
        "versions": [pimflow.__version__],
        "hooks": [
            {
                "integration-name": "pimflow",
                "python-modules": [
                    "pimflow.hooks.akeneo",
                    *(shop.hook_class.partition(":")[0] for shop in shops),
                ],
            }
        ],
        "connection-types": [
            _connection_type(
                "akeneo",
                "pimflow.hooks.akeneo.AkeneoHook",
                "Akeneo PIM",
                "https://pim.example.com",
                "API user",
                "API user's password",
                {
                    "client_id": {
                        "label": "Client ID",
                        "description": "The API connection's client id (Akeneo: Connect > Connection settings).",
                        "schema": {"type": ["string", "null"]},
                    },
                    "client_secret": {
                        "label": "Client secret",
                        "description": "The API connection's secret.",
                        "schema": {"type": ["string", "null"], "format": "password"},
                    },
                },
            ),
            *(_shop_connection_type(shop) for shop in shops),
        ],
    }
