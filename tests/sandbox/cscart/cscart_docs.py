"""Reads CS-Cart's API docs (reStructuredText) so the contract tests compare the sandbox with
the docs themselves: the JSON examples of literal blocks, the fields of list-tables, and a
check that an answer has the example's keys, value types and number formats."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

_UNDERLINE = re.compile(r"^([=\-+\"~^*#])\1{2,}\s*$")
_DECIMAL = re.compile(r"^-?\d+\.(\d+)$")
_INTEGER = re.compile(r"^-?\d+$")


def _headings(lines: list[str]) -> list[str]:
    """The section title in force at each line."""
    current = ""
    result = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if line.strip() and not _UNDERLINE.match(line) and _UNDERLINE.match(following):
            current = line.strip()
        result.append(current)
    return result


def literal_blocks(path: Path) -> list[tuple[str, str]]:
    """(section title, text) of every `::` literal block and code-block directive."""
    lines = path.read_text(encoding="utf-8").expandtabs(8).splitlines()
    headings = _headings(lines)
    blocks: list[tuple[str, str]] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        opens = stripped.endswith("::") or stripped.startswith((".. code-block::", ".. code::"))
        if not opens or stripped.startswith(".. list-table::"):
            index += 1
            continue
        base = len(line) - len(line.lstrip())
        index += 1
        while index < len(lines) and (
            not lines[index].strip() or lines[index].strip().startswith(":")
        ):
            if lines[index].strip() and len(lines[index]) - len(lines[index].lstrip()) <= base:
                break
            index += 1
        body: list[str] = []
        while index < len(lines):
            current = lines[index]
            if current.strip() and len(current) - len(current.lstrip()) <= base:
                break
            body.append(current)
            index += 1
        text = "\n".join(body).strip("\n")
        if text.strip():
            indent = min(len(x) - len(x.lstrip()) for x in body if x.strip())
            blocks.append((headings[index - 1], "\n".join(x[indent:] for x in body).strip()))
    return blocks


def json_examples(path: Path) -> list[tuple[str, Any]]:
    """(section title, data) of every literal block that is JSON, or a JSON object's inside."""
    found = []
    for heading, text in literal_blocks(path):
        for candidate in (text, "{" + text + "}"):
            try:
                found.append((heading, json.loads(candidate)))
                break
            except ValueError:
                continue
    return found


def inline_json(path: Path) -> list[dict[str, Any]]:
    """JSON objects written inline as ``{...}`` in running text."""
    result = []
    for match in re.finditer(r"``(\{.*?\})``", path.read_text(encoding="utf-8")):
        try:
            result.append(json.loads(match.group(1)))
        except ValueError:
            continue
    return result


def table_field_names(path: Path, heading: str) -> list[str]:
    """The first column of the list-table under `heading` (header row left out, `*` cut)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    titles = _headings(lines)
    names: list[str] = []
    in_table = False
    for line, title in zip(lines, titles, strict=True):
        if title != heading:
            if in_table:
                break
            continue
        if line.strip().startswith(".. list-table::"):
            in_table = True
            continue
        found = re.match(r"^\s*\*\s+-\s+(\S.*?)\s*$", line)
        if in_table and found:
            names.append(found.group(1).rstrip("*").replace("\\", ""))
    return names[1:]  # the first row is the table's header


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def _is_id_map(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(k.isdigit() for k in value)


def shape_problems(
    doc: Any, actual: Any, path: str = "$", skip: frozenset[str] = frozenset()
) -> list[str]:
    """How `actual` differs from the docs' example `doc`: a missing key, another type, or a
    number written with other decimals (`"30.00"` vs `"30.0"`). Maps keyed by IDs are
    compared by their first entry; extra keys in `actual` are allowed (add-ons add fields)."""
    problems: list[str] = []
    if doc is None:
        return problems  # null in an example: the type is not shown
    if kind(doc) != kind(actual):
        return [
            f"{path}: docs have {kind(doc)} {doc!r:.40}, the sandbox {kind(actual)} {actual!r:.40}"
        ]
    if isinstance(doc, dict):
        if _is_id_map(doc):
            if not _is_id_map(actual):
                return [f"{path}: docs have an object keyed by IDs, the sandbox {actual!r:.60}"]
            first_doc = next(iter(doc.values()))
            first_actual = next(iter(actual.values()))
            return shape_problems(first_doc, first_actual, f"{path}.<id>", skip)
        for key, value in doc.items():
            if key in skip:
                continue
            if key not in actual:
                problems.append(f"{path}.{key}: missing")
                continue
            problems += shape_problems(value, actual[key], f"{path}.{key}", skip)
        return problems
    if isinstance(doc, list):
        if doc and actual:
            problems += shape_problems(doc[0], actual[0], f"{path}[0]", skip)
        return problems
    if isinstance(doc, str):
        decimals = _DECIMAL.match(doc)
        if decimals:
            got = _DECIMAL.match(actual)
            if not got or len(got.group(1)) != len(decimals.group(1)):
                problems.append(f"{path}: docs write {doc!r}, the sandbox {actual!r}")
        elif _INTEGER.match(doc) and not _INTEGER.match(actual):
            problems.append(f"{path}: docs write an integer string {doc!r}, the sandbox {actual!r}")
    return problems


def table_rows(path: Path, heading: str) -> list[list[str]]:
    """The rows of the list-table under `heading`, each a list of cell texts (header left out);
    a cell's continuation lines (`| ``A```) are joined with spaces."""
    lines = path.read_text(encoding="utf-8").splitlines()
    titles = _headings(lines)
    rows: list[list[str]] = []
    in_table = False
    for line, title in zip(lines, titles, strict=True):
        if title != heading:
            if in_table:
                break
            continue
        if line.strip().startswith(".. list-table::"):
            in_table = True
            continue
        if not in_table or not line.strip() or line.strip().startswith(":"):
            continue
        row_start = re.match(r"^\s*\*\s+-\s+(.*)$", line)
        cell_start = re.match(r"^\s+-\s+(.*)$", line)
        if row_start:
            rows.append([row_start.group(1).strip()])
        elif cell_start and rows:
            rows[-1].append(cell_start.group(1).strip())
        elif rows:
            rows[-1][-1] = (rows[-1][-1] + " " + line.strip()).strip()
    return rows[1:]
