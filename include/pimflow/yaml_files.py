"""Reading pimflow's YAML files (targets, mappings) with errors that say where and why."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

# (file, where in it, reason) → the exception the caller raises: TargetsConfigError, ...
ErrorFactory = Callable[[str, str, str], Exception]


def read_yaml(path: str | os.PathLike[str], error: ErrorFactory) -> Any:
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
