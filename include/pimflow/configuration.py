"""pimflow's configuration files (targets, mappings): one reader, one merge rule, one error.

Every file is read by `read_yaml`, merged over its packaged default by `merge` where it has
one, and validated by a pydantic model on `ConfigModel` (frozen, unknown keys refused,
strict types: `true` is not a number, `5` is not a string). Whatever is wrong becomes one
`ConfigError` naming the file, the key path and the reason, so a typo is a DAG import
error before any run starts, not a silently ignored setting.

The merge rule, for a user's file over the packaged default: a mapping merges into the
default's mapping key by key, recursively; anything else (a list, a scalar, null, or an
empty mapping `{}`) replaces the default's value. So `price: {currency: EUR}` keeps the
default price attribute, `media: {attributes: []}` clears the media list, and
`translations: {}` clears every translation.

The message: `<file>: <key path>: <reason>`, e.g.
`mine.yaml: status.enabled: must be one of A, D, H, got 'X'`. Inside a target of the
targets file the key is the reason's subject, and the target is named (by its position
until its name is known): `targets.yaml: target 'shop_eu': type must be one of ...`,
`targets.yaml: targets[0].colour is not a key of a target (...)`.
"""

from __future__ import annotations

import copy
import functools
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Self

import yaml
from pydantic import (
    AliasPath,
    BaseModel,
    ConfigDict,
    PrivateAttr,
    ValidationError,
    model_validator,
)

# (file, where in it, reason) → the exception to raise; ConfigError takes exactly these.
ErrorFactory = Callable[[str, str, str], Exception]


class ConfigError(ValueError):
    """A configuration file that cannot work: names the file, the key path and the reason
    (and the target, in the targets file: a name, or its position before the name is known)."""

    def __init__(
        self, source: str, key: str, reason: str, *, target: str | int | None = None
    ) -> None:
        self.source = source
        self.key = key
        self.reason = reason
        self.target = target
        super().__init__(_message(source, key, reason, target))


def _message(source: str, key: str, reason: str, target: str | int | None) -> str:
    if target is None:
        return f"{source}: {key}: {reason}"
    if isinstance(target, int):
        where = join_path(("targets", target, *(key.split(".") if key else ())))
        return f"{source}: {where} {reason}"
    return f"{source}: target {target!r}: " + (f"{key} {reason}" if key else reason)


class Invalid(ValueError):
    """Raised by a validator: the reason, and the key it concerns below the validated one
    (`[0].visibility`, `rating`), or from the top in a model validator."""

    def __init__(self, reason: str, key: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.key = key


def join_path(loc: Sequence[str | int]) -> str:
    """`("targets", 0, "name")` → `targets[0].name`: the key path as the file spells it."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _sub_path(base: str, key: str) -> str:
    if not key:
        return base
    if not base or key.startswith("["):
        return base + key
    return f"{base}.{key}"


def describe(
    error: ValidationError, known: Callable[[str], Sequence[str]] = lambda _: ()
) -> tuple[str, str]:
    """The first error of `error` as (key path, readable reason); `known(path)` lists the
    keys allowed where an unknown key was found."""
    first = error.errors(include_url=False)[0]
    path = join_path([p for p in first["loc"] if p != "[key]"])
    kind, given, ctx = first["type"], first.get("input"), first.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, Invalid):
        return _sub_path(path, cause.key), cause.reason
    if kind in ("value_error", "assertion_error"):
        return path, str(cause) if cause is not None else first["msg"]
    if kind == "extra_forbidden":
        parent = path.rpartition(".")[0] if "." in path else ""
        names = known(parent)
        return path, "unknown key" + (f" (known: {', '.join(sorted(names))})" if names else "")
    if kind == "literal_error":
        choices = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return path, f"must be one of {choices}, got {given!r}"
    reasons = {
        "missing": "is required",
        "string_type": f"must be a string, got {given!r}",
        "string_too_short": f"must be a non-empty string, got {given!r}",
        "int_type": f"must be a whole number, got {given!r}",
        "bool_type": f"must be true or false, got {given!r}",
        "dict_type": f"must be a mapping, got {type(given).__name__}",
        "list_type": f"must be a list, got {given!r}",
        "tuple_type": f"must be a list, got {given!r}",
        "greater_than_equal": f"must be at least {ctx.get('ge')}, got {given!r}",
        "less_than_equal": f"must be at most {ctx.get('le')}, got {given!r}",
    }
    return path, reasons.get(kind) or f"{first['msg'][:1].lower()}{first['msg'][1:]}, got {given!r}"


class ConfigModel(BaseModel):
    """A configuration file's model: frozen, unknown keys refused, no lax type coercion.

    A field may read a nested key (`validation_alias=AliasPath("price", "attribute")`):
    its first element is then a section of the file, which must be a mapping (null: empty)
    holding only the keys some field reads."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, validate_by_name=False)

    @classmethod
    def sections(cls) -> dict[str, set[str]]:
        """Section → the keys fields read in it (sections a field takes whole excluded)."""
        whole = {
            info.validation_alias or name
            for name, info in cls.model_fields.items()
            if not isinstance(info.validation_alias, AliasPath)
        }
        found: dict[str, set[str]] = {}
        for info in cls.model_fields.values():
            alias = info.validation_alias
            if isinstance(alias, AliasPath) and alias.path[0] not in whole:
                found.setdefault(str(alias.path[0]), set()).add(str(alias.path[1]))
        return found

    @classmethod
    def known_keys(cls, path: str) -> list[str]:
        """The keys the file may hold at `path` ("" for the top)."""
        if path:
            return sorted(cls.sections().get(path, ()))
        names = set()
        for name, info in cls.model_fields.items():
            alias = info.validation_alias
            names.add(str(alias.path[0]) if isinstance(alias, AliasPath) else str(alias or name))
        return sorted(names)

    @model_validator(mode="before")
    @classmethod
    def _check_sections(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        for section, keys in cls.sections().items():
            if section not in data:
                continue
            value = data[section]
            if value is None:
                del data[section]  # null: the section's defaults
            elif not isinstance(value, Mapping):
                raise Invalid(f"must be a mapping, got {type(value).__name__}", section)
            elif unknown := sorted(set(value) - keys, key=str):
                raise Invalid(
                    f"unknown key (known: {', '.join(sorted(keys))})", f"{section}.{unknown[0]}"
                )
        return data

    @classmethod
    def parse(cls, data: Any, source: str, **context: Any) -> Self:
        """Validate a parsed document; raise ConfigError naming `source`, the key, the reason.
        Validators see `source` and `context` in the validation context."""
        try:
            return cls.model_validate(data, context={"source": source, **context})
        except ValidationError as exc:
            key, reason = describe(exc, cls.known_keys)
            raise ConfigError(source, key, reason) from None


class MappingModel(ConfigModel):
    """A target's mapping: also knows which keys the user's file wrote, because a key the
    user wrote that cannot work refuses the run, while a default that cannot is skipped."""

    _user_keys: frozenset[str] = PrivateAttr(frozenset())

    def model_post_init(self, context: Any, /) -> None:
        self._user_keys = frozenset((context or {}).get("user_keys") or ())

    def wrote(self, key: str) -> bool:
        """Whether the user's file set `key` (`images.attributes`), itself or a section
        above it."""
        parts = key.split(".")
        return any(".".join(parts[:n]) in self._user_keys for n in range(1, len(parts) + 1))


def key_paths(data: Mapping[str, Any], prefix: str = "") -> set[str]:
    """The dotted paths of a document's values, to its leaves: `{images: {attributes: [a]}}`
    → {"images.attributes"}; an empty mapping (which replaces the default's) is a leaf."""
    paths: set[str] = set()
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            paths |= key_paths(value, f"{path}.")
        else:
            paths.add(path)
    return paths


def read_yaml(path: str | os.PathLike[str], error: ErrorFactory = ConfigError) -> Any:
    """The file's YAML document; an unreadable file or bad YAML raises `error(...)` with the
    line of the mistake."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise error(source, "(file)", f"cannot be read: {exc.strerror}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        raise error(source, where, f"is not valid YAML: {exc}") from None


def document(data: Any, source: str) -> Mapping[str, Any]:
    """A file's parsed YAML as its mapping of keys (an empty file: none)."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(
            source, "(top)", f"the file must hold a mapping of keys, got {type(data).__name__}"
        )
    return data


@functools.cache
def _default(path: Path) -> Any:
    return read_yaml(path)


def over_default(default_file: Path, data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` merged over the packaged default file by the one rule (read once, copied)."""
    return merge(copy.deepcopy(document(_default(default_file), str(default_file))), data)


def merge(default: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` over `default` by the one rule (see the module docstring): mappings merge
    key by key, recursively; anything else, and an empty mapping, replaces."""
    merged = dict(default)
    for key, value in override.items():
        if isinstance(value, Mapping) and value and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def values_of(check: Callable[[Any], Any], what: str) -> Callable[[Any], dict[str, Any]]:
    """A before-validator for a mapping (null: empty) whose every value `check` turns into
    what the model holds; keys become strings, a refused value is named by its key."""

    def validate(value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise Invalid(f"must be a mapping of {what}, got {type(value).__name__}")
        result = {}
        for key, item in value.items():
            try:
                result[str(key)] = check(item)
            except Invalid as exc:
                raise Invalid(exc.reason, _sub_path(str(key), exc.key)) from None
        return result

    return validate
