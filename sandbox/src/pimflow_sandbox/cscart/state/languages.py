"""Languages: create (copying another's texts), update, delete."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pimflow_sandbox.cscart.state.common import _checked, bad, not_found
from pimflow_sandbox.cscart.state.records import Language
from pimflow_sandbox.cscart.values import (
    to_choice,
)


class LanguagesMixin:
    """The shop's languages."""

    # -- languages ---------------------------------------------------------------------------
    def language_by_id(self, lang_id: int) -> Language:
        for language in self.languages.values():
            if language.lang_id == lang_id:
                return language
        raise not_found()

    def create_language(self, data: dict[str, Any], copy_from: str | None = None) -> Language:
        code = str(data.get("lang_code") or "").strip().lower()
        name = str(data.get("name") or "").strip()
        if not code:
            raise bad('Required field "lang_code" is missing')
        if not name:
            raise bad('Required field "name" is missing')
        if not re.fullmatch(r"[a-z]{2}", code):
            raise bad("lang_code must be a two-letter language code")
        if code in self.languages:
            raise bad(f"the language {code} is already installed")
        language = Language(self._next("language"), code, name)
        self._language_details(language, data)
        source = self.lang(str(data.get("from_lang_code") or copy_from or ""))
        self.languages[code] = language
        self._copy_texts(source, code)
        return language

    def _language_details(self, language: Language, data: dict[str, Any]) -> None:
        if "status" in data:
            language.status = _checked(lambda: to_choice("status", data["status"], ("A", "H", "D")))
        if "country_code" in data:
            country = str(data["country_code"] or "").strip()
            if country and not re.fullmatch(r"[A-Z]{2}", country):
                raise bad("country_code must be two capital letters")
            language.country_code = country
        if "direction" in data:
            language.direction = _checked(
                lambda: to_choice("direction", data["direction"], ("LTR", "RTL"))
            ).lower()

    def update_language(self, lang_id: int, data: dict[str, Any]) -> Language:
        language = self.language_by_id(lang_id)
        code = str(data.get("lang_code") or "").strip().lower()
        if not code:
            raise bad('Required field "lang_code" is missing')
        if code != language.lang_code:
            if not re.fullmatch(r"[a-z]{2}", code):
                raise bad("lang_code must be a two-letter language code")
            if code in self.languages:
                raise bad(f"the language {code} is already installed")
            if language.lang_code == self.default_language:
                raise bad("the lang_code of the default language cannot be changed")
        self._language_details(language, data)
        if "name" in data and str(data["name"]).strip():
            language.name = str(data["name"]).strip()
        if code != language.lang_code:
            # CS-Cart keeps the texts under the old code: they come back if the code does.
            del self.languages[language.lang_code]
            language.lang_code = code
            self.languages[code] = language
        return language

    def delete_language(self, lang_id: int) -> None:
        language = self.language_by_id(lang_id)
        if language.lang_code == self.default_language:
            raise bad("the default language cannot be deleted")
        code = language.lang_code
        del self.languages[code]
        for record in self._text_holders():
            record.pop(code, None)
        for product in self.products.values():
            for value in product.features.values():
                value.texts.pop(code, None)

    def _text_holders(self) -> Iterable[dict[str, dict[str, str]]]:
        for product in self.products.values():
            yield product.texts
        for category in self.categories.values():
            yield category.texts
        for feature in self.features.values():
            yield feature.texts
        for variant in self.variants.values():
            yield variant.texts

    def _copy_texts(self, source: str, target: str) -> None:
        for texts in self._text_holders():
            if source in texts:
                texts[target] = dict(texts[source])
        for product in self.products.values():
            for value in product.features.values():
                if source in value.texts:
                    value.texts[target] = value.texts[source]
