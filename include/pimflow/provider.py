"""Airflow provider metadata: the connection types akeneo, shopware6 and cscart.

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


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "pimflow",
        "name": "pimflow",
        "description": "Akeneo PIM to Shopware 6 and CS-Cart synchronisation.",
        "versions": [pimflow.__version__],
        "hooks": [
            {
                "integration-name": "pimflow",
                "python-modules": [
                    "pimflow.hooks.akeneo",
                    "pimflow.hooks.shopware6",
                    "pimflow.hooks.cscart",
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
            _connection_type(
                "shopware6",
                "pimflow.hooks.shopware6.Shopware6Hook",
                "Shopware 6",
                "https://shop.example.com",
                "Access key ID",
                "Secret access key",
            ),
            _connection_type(
                "cscart",
                "pimflow.hooks.cscart.CsCartHook",
                "CS-Cart",
                "https://store.example.com",
                "Administrator e-mail",
                "API key",
                {
                    "api_prefix": {
                        "label": "API prefix",
                        "description": "/api (default) or /api/2.",
                        "schema": {"type": ["string", "null"], "default": "/api"},
                    },
                    "company_id": {
                        "label": "Vendor / store id",
                        "description": "Multi-Vendor vendor or Store Builder store to write into.",
                        "schema": {"type": ["integer", "null"]},
                    },
                },
            ),
        ],
    }
