"""The shop's shared core: the base class with every index and the small helpers (ids,
languages asked for, SEO names, texts, fields)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from pimflow_sandbox.cscart.state.common import _checked, bad, not_found
from pimflow_sandbox.cscart.state.records import Company, Language
from pimflow_sandbox.cscart.values import (
    TrigramIndex,
    slugify,
    to_int,
    to_str,
)

if TYPE_CHECKING:
    from pimflow_sandbox.cscart.state.fields import Spec
    from pimflow_sandbox.cscart.state.records import (
        Category,
        Feature,
        Product,
        StoredImage,
        Variant,
        VariationGroup,
    )


class StoreCore:
    """The indexes of one shop and what every resource's rules share."""

    def __init__(
        self,
        languages: Iterable[str] = ("en", "de", "fr"),
        seed: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.clock = clock
        self.rng = random.Random(seed)
        self.languages: dict[str, Language] = {}
        self.companies: dict[int, Company] = {}
        self.categories: dict[int, Category] = {}
        self.features: dict[int, Feature] = {}
        self.variants: dict[int, Variant] = {}
        self.products: dict[int, Product] = {}
        self.groups: dict[int, VariationGroup] = {}
        self.blobs: dict[str, bytes] = {}  # image bytes by sha256
        self.images_by_path: dict[str, StoredImage] = {}
        self._blob_refs: dict[str, int] = {}
        self._ids: dict[str, int] = {}
        self._codes = TrigramIndex()
        self._by_company: dict[int, set[int]] = {}
        self._by_category: dict[int, set[int]] = {}
        self._seo: dict[str, tuple[str, int]] = {}
        self._group_codes: dict[str, int] = {}
        names = {"en": ("English", "US"), "de": ("Deutsch", "DE"), "fr": ("Français", "FR")}
        names.update({"ru": ("Русский", "RU"), "es": ("Español", "ES"), "it": ("Italiano", "IT")})
        for code in languages:
            code = code.strip().lower()
            if not code or code in self.languages:
                continue
            name, country = names.get(code, (code.upper(), code.upper()))
            self.languages[code] = Language(self._next("language"), code, name, "A", country)
        if not self.languages:
            raise ValueError("the shop needs at least one language")
        self.default_language = next(iter(self.languages))
        now = self.now()
        for name, email, store in (
            ("Simtech", "simtech@example.com", "simtech"),
            ("ACME Corp", "acme_corp@example.com", "acme"),
            ("Global Gadgets", "gadgets@example.com", "gadgets"),
        ):
            company_id = self._next("company")
            seo = self._claim_seo(slugify(name), "company", company_id)
            self.companies[company_id] = Company(
                company_id, name, email, store, "A", self.default_language, now, seo
            )
            self._by_company[company_id] = set()

    # -- small helpers ---------------------------------------------------------------------
    def now(self) -> int:
        return int(self.clock())

    def _next(self, kind: str) -> int:
        self._ids[kind] = self._ids.get(kind, 0) + 1
        return self._ids[kind]

    def lang(self, requested: str | None) -> str:
        """The language a request works in: CS-Cart falls back to the default language when
        `lang_code` names no active (or hidden) language."""
        if requested:
            language = self.languages.get(requested.strip().lower())
            if language and language.status in ("A", "H"):
                return language.lang_code
        return self.default_language

    def _all_langs(self) -> list[str]:
        return list(self.languages)

    def _claim_seo(self, wanted: str, kind: str, object_id: int) -> str:
        base = slugify(wanted) if wanted else kind
        name, suffix = base, 1
        while name in self._seo and self._seo[name] != (kind, object_id):
            suffix += 1
            name = f"{base}-{suffix}"
        self._seo[name] = (kind, object_id)
        return name

    def _release_seo(self, name: str) -> None:
        self._seo.pop(name, None)

    def company(self, company_id: int) -> Company:
        company = self.companies.get(company_id)
        if company is None:
            raise not_found(f"company {company_id} does not exist")
        return company

    def _valid_company(self, value: Any) -> int:
        company_id = _checked(lambda: to_int("company_id", value))
        if company_id not in self.companies:
            raise bad(f"company_id {company_id} does not exist")
        return company_id

    @staticmethod
    def _set_texts(
        texts: dict[str, dict[str, str]],
        data: dict[str, Any],
        names: Iterable[str],
        langs: Iterable[str],
    ) -> None:
        for name in names:
            if name in data:
                value = _checked(lambda name=name: to_str(name, data[name]))
                for lang in langs:
                    texts.setdefault(lang, {})[name] = value

    @staticmethod
    def _coerce_fields(specs: dict[str, Spec], data: dict[str, Any]) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for name, spec in specs.items():
            if name in data:
                changes[name] = _checked(lambda spec=spec, name=name: spec.coerce(name, data[name]))
        return changes
