"""Companies (Multi-Vendor vendors)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pimflow_sandbox.cscart.state.common import DEFAULT_COMPANY_ID, _checked, bad, not_found
from pimflow_sandbox.cscart.state.fields import COMPANY_FIELDS, COMPANY_REQUIRED, COMPANY_STATUSES
from pimflow_sandbox.cscart.state.records import Company
from pimflow_sandbox.cscart.values import (
    to_choice,
)


class CompaniesMixin:
    """Companies and their details."""

    # -- companies ---------------------------------------------------------------------------
    def create_company(self, data: dict[str, Any]) -> Company:
        for name in COMPANY_REQUIRED:
            if not str(data.get(name) or "").strip():
                raise bad(f'Required field "{name}" is missing')
        storefront = str(data["storefront"]).strip()
        if any(c.storefront == storefront for c in self.companies.values()):
            raise bad(f"the storefront {storefront!r} is used by another vendor")
        company_id = self._next("company")
        company = Company(
            company_id=company_id,
            company=str(data["company"]).strip(),
            email=str(data["email"]).strip(),
            storefront=storefront,
            timestamp=self.now(),
            lang_code=self.default_language,
        )
        self._company_details(company, data)
        company.seo_name = self._claim_seo(company.company, "company", company_id)
        self.companies[company_id] = company
        self._by_company[company_id] = set()
        return company

    def _company_details(self, company: Company, data: dict[str, Any]) -> None:
        if "status" in data:
            company.status = _checked(lambda: to_choice("status", data["status"], COMPANY_STATUSES))
        if "lang_code" in data:
            company.lang_code = self.lang(str(data["lang_code"]))
        if str(data.get("company") or "").strip():
            company.company = str(data["company"]).strip()
        if str(data.get("email") or "").strip():
            company.email = str(data["email"]).strip()
        for name in COMPANY_FIELDS:
            if name in data:
                company.details[name] = data[name]
        if "shippings" in data:
            company.details["shippings"] = data["shippings"]

    def update_company(self, company_id: int, data: dict[str, Any]) -> Company:
        company = self.companies.get(company_id)
        if company is None:
            raise not_found()
        if str(data.get("storefront") or "").strip():
            storefront = str(data["storefront"]).strip()
            if any(
                c.storefront == storefront and c.company_id != company_id
                for c in self.companies.values()
            ):
                raise bad(f"the storefront {storefront!r} is used by another vendor")
            company.storefront = storefront
        self._company_details(company, data)
        return company

    def delete_company(self, company_id: int) -> None:
        if company_id not in self.companies:
            raise not_found()
        if company_id == DEFAULT_COMPANY_ID:
            raise bad("the marketplace owner (company 1) cannot be deleted")
        for product_id in sorted(self._by_company.get(company_id, set())):
            self.delete_product(product_id)
        company = self.companies.pop(company_id)
        self._by_company.pop(company_id, None)
        self._release_seo(company.seo_name)

    def search_companies(self, params: dict[str, Any]) -> list[Company]:
        def one(name: str) -> str:
            value = params.get(name)
            if isinstance(value, list):
                value = value[-1] if value else ""
            return str(value or "").strip()

        found = list(self.companies.values())
        if one("email"):
            found = [c for c in found if c.email.lower() == one("email").lower()]
        if one("status"):
            found = [c for c in found if c.status == one("status").upper()]
        if one("company"):
            found = [c for c in found if one("company").lower() in c.company.lower()]
        if one("timestamp"):
            found = [c for c in found if str(c.timestamp) == one("timestamp")]
        keys: dict[str, Callable[[Company], Any]] = {
            "name": lambda c: (c.company.lower(), c.company_id),
            "timestamp": lambda c: (c.timestamp, c.company_id),
            "email": lambda c: (c.email.lower(), c.company_id),
            "status": lambda c: (c.status, c.company_id),
        }
        sort_by = one("sort_by") if one("sort_by") in keys else "name"
        found.sort(key=keys[sort_by], reverse=one("sort_order").lower() == "desc")
        return found
