"""CsCartHook: the CS-Cart / Multi-Vendor REST API with HTTP Basic auth.

Connection `cscart_default` (type `cscart`): host = the store's base URL, login = the
administrator's e-mail, password = the API key. Extras: `api_prefix` (`/api` or `/api/2`),
`company_id` for a Multi-Vendor vendor or a Store Builder store (requests then go to
`/api/vendors/<id>/...`).
"""

from __future__ import annotations

from typing import Any

from requests.auth import HTTPBasicAuth

from pimflow.hooks.base import RETRYABLE_STATUSES, PimflowHttpHook

# CS-Cart answers 509 when the hourly API request limit is reached: wait and retry.
CSCART_RETRYABLE = RETRYABLE_STATUSES | {509}


class CsCartHook(PimflowHttpHook):
    conn_name_attr = "cscart_conn_id"
    default_conn_name = "cscart_default"
    conn_type = "cscart"
    hook_name = "CS-Cart"
    default_max_concurrency = 4
    retryable_statuses = CSCART_RETRYABLE

    def __init__(self, cscart_conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(conn_id=cscart_conn_id, **kwargs)

    def _configure_session_from_auth(self, session, connection):  # noqa: ANN001, ANN202
        if not connection.login or not connection.password:
            raise ValueError(
                f"connection {self.http_conn_id!r} needs the admin e-mail (login) and the API "
                "key (password)"
            )
        session.auth = HTTPBasicAuth(connection.login, connection.password)
        return session

    @property
    def api_prefix(self) -> str:
        prefix = str(self.extras.get("api_prefix") or "/api").rstrip("/")
        company = self.extras.get("company_id")
        return f"{prefix}/vendors/{int(company)}" if company else prefix

    def api(self, resource: str) -> str:
        return f"{self.api_prefix}/{resource.lstrip('/')}"

    def get_json(self, resource: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", self.api(resource), params=params).json()

    def test_connection(self) -> tuple[bool, str]:
        try:
            self.get_json("products", {"items_per_page": 1})
        except Exception as exc:
            return False, str(exc)
        return True, "Connected to CS-Cart: the API key is accepted."
