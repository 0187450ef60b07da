"""How CS-Cart reads the loosely typed values a client sends, and how it writes them back.

CS-Cart is PHP on MySQL: a client may send `"price": 10`, `"price": "10"` or `"10.00"`, and
`category_ids` as `[1, 2]`, `"1,2"` or `"1"`; the answer always carries strings (`"10.00"`).
The helpers here accept what PHP accepts and refuse what would be stored as garbage, so the
sandbox catches a client bug where a real shop would silently keep a zero.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any


class InvalidValue(ValueError):
    """A field's value cannot be stored; the message names the field, never a secret."""


def to_str(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise InvalidValue(f"field '{name}' must be a string")


def to_int(name: str, value: Any, *, minimum: int | None = None) -> int:
    """An integer as PHP's `(int)` reads a numeric string or number; '' counts as 0."""
    if isinstance(value, bool):
        result = int(value)
    elif isinstance(value, int):
        result = value
    elif isinstance(value, float) and value.is_integer():
        result = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if text == "":
            result = 0
        else:
            try:
                number = Decimal(text)
            except InvalidOperation as exc:
                raise InvalidValue(f"field '{name}' must be an integer, got {value!r}") from exc
            if number != number.to_integral_value():
                raise InvalidValue(f"field '{name}' must be an integer, got {value!r}")
            result = int(number)
    else:
        raise InvalidValue(f"field '{name}' must be an integer")
    if minimum is not None and result < minimum:
        raise InvalidValue(f"field '{name}' must be at least {minimum}")
    return result


def to_decimal(name: str, value: Any, places: int) -> Decimal:
    """A DECIMAL column's value, rounded like MySQL does when it stores it."""
    if isinstance(value, bool):
        raise InvalidValue(f"field '{name}' must be a number")
    if isinstance(value, (int, float)):
        text = repr(value) if isinstance(value, float) else str(value)
    elif isinstance(value, str):
        text = value.strip() or "0"
    elif value is None:
        text = "0"
    else:
        raise InvalidValue(f"field '{name}' must be a number")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise InvalidValue(f"field '{name}' must be a number, got {value!r}") from exc
    if not number.is_finite():
        raise InvalidValue(f"field '{name}' must be a finite number")
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def to_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """One of the documented letters (`A`/`D`/`H`, `Y`/`N`, ...); booleans read as Y/N."""
    if isinstance(value, bool):
        value = "Y" if value else "N"
    text = str(value).strip().upper() if isinstance(value, (str, int)) else None
    allowed = tuple(choices)
    if text not in allowed:
        raise InvalidValue(f"field '{name}' must be one of {', '.join(allowed)}, got {value!r}")
    return text


def to_id_list(name: str, value: Any) -> list[int]:
    """`[1, 2]`, `["1", "2"]`, `"1,2"` or `1` → [1, 2] (order kept, duplicates dropped)."""
    if value is None or value == "":
        return []
    if isinstance(value, dict):
        items: list[Any] = list(value.values())
    elif isinstance(value, (list, tuple)):
        items = list(value)
    elif isinstance(value, str):
        items = [part for part in value.split(",") if part.strip()]
    else:
        items = [value]
    result: list[int] = []
    for item in items:
        number = to_int(name, item)
        if number <= 0:
            raise InvalidValue(f"field '{name}' holds an invalid ID {item!r}")
        if number not in result:
            result.append(number)
    return result


def fmt_decimal(value: Decimal | float | int, places: int) -> str:
    return f"{Decimal(value):.{places}f}"


def param_values(value: str | list[str] | None) -> list[str]:
    """A query parameter as a list: `a=1&a=2`, `a[]=1&a[]=2` or `a=1,2` all give ['1', '2']."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    result: list[str] = []
    for item in items:
        result.extend(part.strip() for part in str(item).split(",") if part.strip())
    return result


def like_regex(pattern: str) -> re.Pattern[str]:
    """MySQL's `LIKE '%pattern%'` with a case-insensitive collation: `%` and `_` stay wildcards.

    CS-Cart quotes the user's text into the LIKE without escaping the wildcards, so
    `pcode=AB_1` also finds `ABX1`: a client must compare codes exactly after searching.
    """
    parts = []
    for char in pattern:
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def like_fragments(pattern: str) -> list[str]:
    """The literal runs of a LIKE pattern, lower-cased (to narrow a search through an index)."""
    return [part.lower() for part in re.split(r"[%_]+", pattern) if part]


def trigrams(text: str) -> set[str]:
    lowered = text.lower()
    return {lowered[i : i + 3] for i in range(len(lowered) - 2)}


class TrigramIndex:
    """Substring search over short strings (product codes) without scanning every product."""

    def __init__(self) -> None:
        self._grams: dict[str, set[int]] = {}
        self._texts: dict[int, str] = {}

    def set(self, key: int, text: str) -> None:
        self.discard(key)
        self._texts[key] = text
        for gram in trigrams(text):
            self._grams.setdefault(gram, set()).add(key)

    def discard(self, key: int) -> None:
        old = self._texts.pop(key, None)
        if old is None:
            return
        for gram in trigrams(old):
            keys = self._grams.get(gram)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._grams[gram]

    def search_like(self, pattern: str) -> set[int]:
        """Keys whose text matches `LIKE '%pattern%'` (see `like_regex`)."""
        regex = like_regex(pattern)
        grams: set[str] = set()
        for fragment in like_fragments(pattern):
            grams |= trigrams(fragment)
        if grams:
            sets = sorted((self._grams.get(gram, set()) for gram in grams), key=len)
            candidates = set(sets[0])
            for other in sets[1:]:
                if not candidates:
                    break
                candidates &= other
        else:
            candidates = set(self._texts)
        return {key for key in candidates if regex.search(self._texts[key])}


def text_matches(query: str, match: str, haystacks: list[str]) -> bool:
    """CS-Cart's `q` search: `all` words, `any` word, or the `exact` phrase, each a LIKE."""
    query = query.strip()
    if not query:
        return True
    pieces = [query] if match == "exact" else query.split()
    regexes = [like_regex(piece) for piece in pieces]
    hits = [any(regex.search(text) for text in haystacks if text) for regex in regexes]
    return any(hits) if match == "any" else all(hits)


def slugify(text: str) -> str:
    """The SEO add-on's name: lower-case ASCII words joined by dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug or "product"
