"""What the three sandbox fuzz tests share: a bounded, repeatable schemathesis run.

Each emulator's fuzz test (`test_<api>_fuzz.py`) loads its API's official contract into
schemathesis, points it at a sandbox started on 127.0.0.1 and sends every operation the
generated requests of three phases: the spec's examples, the coverage phase (each schema's
edge values: wrong types, nulls, out-of-range numbers, missing required fields) and a few
fuzzed examples. The only thing asserted is that the sandbox never fails: no 5xx, and no
answer that shows a traceback or a server path (`not_a_server_error` plus
`no_internal_details`). What the sandbox answers instead (4xx with the API's error body)
is the business of the contract tests.

The run is derandomized with a fixed seed, so a failure is the same failure on every run.
`PIMFLOW_FUZZ_EXAMPLES` (fuzzed examples per operation, default 3) makes a longer run:
`PIMFLOW_FUZZ_EXAMPLES=100 pytest tests/sandbox -k fuzz`.
"""

from __future__ import annotations

import os
import re
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure

SEED = 20261201
EXAMPLES = int(os.environ.get("PIMFLOW_FUZZ_EXAMPLES") or 3)

# What only a crash leaks: a Python traceback, a source file, an installed package's path.
_INTERNALS = re.compile(r"Traceback \(most recent call last\)|\.py\"?, line \d+|site-packages/")


def config(
    base_url: str, headers: dict[str, str] | None = None, *, explicit: bool = True
) -> schemathesis.Config:
    """The bounded run: fixed seed, deterministic data, no stateful phase (state-changing
    sequences are what the functional tests cover), every health check off (the specs' regexes
    filter out many generated values, and that is not the sandbox's fault).

    The examples and coverage phases build all their requests when pytest collects the tests;
    for schemas as deep as Shopware's (Criteria, sync and entity bodies) that takes many
    minutes, so `explicit=False` leaves both out and only fuzzes."""
    project: dict[str, Any] = {
        "base-url": base_url,
        "headers": headers or {},
        "request-timeout": 30,
        "generation": {"mode": "all", "max-examples": EXAMPLES, "deterministic": True},
        "phases": {
            "examples": {"enabled": explicit},
            "coverage": {"enabled": explicit},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
    }
    return schemathesis.Config.from_dict(
        {"seed": SEED, "suppress-health-check": ["all"], "cache": {"enabled": False}, **project}
    )


def no_internal_details(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A 4xx or 5xx body never shows how the sandbox is built (issue #16: tracebacks)."""
    text = response.content.decode("utf-8", "replace") if response.content else ""
    found = _INTERNALS.search(text)
    if found:
        raise Failure(
            operation=case.operation.label,
            title="Internal details in the answer",
            message=f"the body shows {found.group(0)!r}: {text[:300]}",
        )
    return None


CHECKS = [not_a_server_error, no_internal_details]
# PIMFLOW_FUZZ_ALL_CHECKS=1: every schemathesis check besides (status codes, content types and
# bodies against the contract, rejected invalid / accepted valid data): how the documented
# spec differences are found (docs/sandbox-*.md, "What the other schemathesis checks find").
ALL_CHECKS = os.environ.get("PIMFLOW_FUZZ_ALL_CHECKS") == "1"


def call_and_check(case: Case, **kwargs: Any) -> None:
    """Send one generated request and fail the test on a server error or leaked internals."""
    if ALL_CHECKS:
        case.call_and_validate(additional_checks=CHECKS, **kwargs)
    else:
        case.call_and_validate(checks=CHECKS, **kwargs)


def reachable(spec: dict[str, Any], paths: dict[str, Any]) -> dict[str, Any]:
    """`spec` with only `paths` and the components they reach (through `$ref`s).

    The Shopware contract describes 600 paths; loading all of it takes schemathesis minutes."""
    components = spec.get("components", {})

    def refs(node: Any, found: set[tuple[str, str]]) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/"):
                section, name = ref.removeprefix("#/components/").split("/", 1)
                found.add((section, name))
            for value in node.values():
                refs(value, found)
        elif isinstance(node, list):
            for value in node:
                refs(value, found)

    todo: set[tuple[str, str]] = set()
    refs(paths, todo)
    seen: set[tuple[str, str]] = set()
    while todo:
        item = todo.pop()
        if item in seen:
            continue
        seen.add(item)
        more: set[tuple[str, str]] = set()
        refs(components[item[0]][item[1]], more)
        todo |= more - seen
    kept: dict[str, dict[str, Any]] = {}
    for section, name in sorted(seen):
        kept.setdefault(section, {})[name] = components[section][name]
    if "securitySchemes" in components:
        kept["securitySchemes"] = components["securitySchemes"]
    return {**spec, "paths": paths, "components": kept}
