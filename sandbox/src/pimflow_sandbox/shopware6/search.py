"""Shopware's search criteria against the sandbox store: filters, sorting, paging, counts,
`ids`, `term`, `includes` and nested `associations`.

Criteria are compiled first (unknown fields and filter types are refused with Shopware's
error codes and a pointer into the request body), then evaluated. Filters that name a
primary key, a unique key (`productNumber`), a foreign key or a many-to-many id are answered
from the store's indexes, so `equalsAny` over a few hundred product numbers costs a few
hundred dictionary hits, not a scan of the catalog.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pimflow_sandbox.shopware6.errors import ApiError, error
from pimflow_sandbox.shopware6.schema import EntityDef, Relation
from pimflow_sandbox.shopware6.state import ReadCtx, Store, parse_datetime

Step = tuple[Any, ...]  # ("field", def, name) | ("rel", relation, target def) | ("json", key)

FILTER_TYPES = {
    "equals",
    "equalsAny",
    "equalsAll",
    "contains",
    "prefix",
    "suffix",
    "range",
    "multi",
    "not",
}
TOTAL_COUNT_MODES = {"0": 0, "1": 1, "2": 2, "none": 0, "exact": 1, "next-pages": 2}
UNSUPPORTED_KEYS = ("query", "grouping", "aggregations", "field-aggregations")


@dataclass
class Criteria:
    filters: list[dict[str, Any]] = field(default_factory=list)
    sorts: list[tuple[list[Step], bool, bool]] = field(default_factory=list)
    limit: int | None = None
    page: int = 1
    ids: list[str] | None = None
    term: str | None = None
    total_count_mode: int = 0
    associations: dict[str, Criteria] = field(default_factory=dict)
    includes: dict[str, set[str]] = field(default_factory=dict)
    fields: set[str] | None = None


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, code: str, detail: str, pointer: str, **parameters: Any) -> None:
        self.items.append(error(400, code, detail, pointer=pointer, parameters=parameters))

    def raise_if_any(self) -> None:
        if self.items:
            raise ApiError(400, self.items)


# -- compiling -----------------------------------------------------------------------------


def compile_path(store: Store, d: EntityDef, path: Any, pointer: str, errs: _Errors) -> list[Step]:
    if not isinstance(path, str) or not path:
        errs.add(
            "FRAMEWORK__INVALID_FILTER_QUERY",
            "The field parameter is missing or not a string.",
            pointer,
        )
        return []
    parts = path.split(".")
    if len(parts) > 1 and parts[0] == d.name:
        parts = parts[1:]
    steps: list[Step] = []
    current: EntityDef | None = d
    for index, part in enumerate(parts):
        if current is None:  # inside a json field
            steps.append(("json", part))
            continue
        relation = current.relations.get(part)
        if relation is not None:
            target = store.defs[relation.target]
            steps.append(("rel", relation, target))
            current = target
            continue
        if part == "id" or part in current.fields or part in current.translated:
            steps.append(("field", current, part))
            kind = current.fields.get(part, {}).get("type")
            if kind in ("json", "json_list", "price_list"):
                current = None
            elif index != len(parts) - 1:
                break
            else:
                current = None
            continue
        if part in current.unsupported:
            errs.add(
                "SANDBOX__UNSUPPORTED_ASSOCIATION",
                f'The association "{part}" of {current.name} is not emulated by the sandbox.',
                pointer,
                association=part,
            )
            return []
        break
    else:
        if steps and steps[-1][0] == "rel":
            target = steps[-1][2]
            steps.append(("field", target, "id"))
        return steps
    errs.add(
        "FRAMEWORK__UNMAPPED_FIELD",
        f'Field "{path}" in entity "{d.name}" was not found.',
        pointer,
        field=path,
        entity=d.name,
    )
    return []


def _compile_filter(
    store: Store, d: EntityDef, raw: Any, pointer: str, errs: _Errors
) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        errs.add("FRAMEWORK__INVALID_FILTER_QUERY", "A filter must be an object.", pointer)
        return None
    kind = raw.get("type")
    if kind not in FILTER_TYPES:
        errs.add(
            "FRAMEWORK__INVALID_FILTER_QUERY",
            f"Unsupported filter type: {kind}",
            f"{pointer}/type",
            type=kind,
        )
        return None
    if kind in ("multi", "not"):
        operator = str(raw.get("operator", "and")).lower()
        if operator not in ("and", "or", "xor", "nand", "nor"):
            errs.add(
                "FRAMEWORK__INVALID_FILTER_QUERY",
                f'Unsupported operator "{operator}".',
                f"{pointer}/operator",
            )
            return None
        queries = raw.get("queries")
        if not isinstance(queries, list) or not queries:
            errs.add(
                "FRAMEWORK__INVALID_FILTER_QUERY",
                f'Parameter "queries" for {kind} filter is missing.',
                f"{pointer}/queries",
            )
            return None
        compiled = [
            _compile_filter(store, d, q, f"{pointer}/queries/{i}", errs)
            for i, q in enumerate(queries)
        ]
        return {"type": kind, "operator": operator, "queries": [c for c in compiled if c]}
    if "field" not in raw:
        errs.add(
            "FRAMEWORK__INVALID_FILTER_QUERY",
            f'Parameter "field" for {kind} filter is missing.',
            f"{pointer}/field",
        )
        return None
    steps = compile_path(store, d, raw["field"], f"{pointer}/field", errs)
    if not steps:
        return None
    if kind == "range":
        params = raw.get("parameters")
        if not isinstance(params, dict) or not set(params) & {"gt", "gte", "lt", "lte"}:
            errs.add(
                "FRAMEWORK__INVALID_FILTER_QUERY",
                'Parameter "parameters" for range filter is missing.',
                f"{pointer}/parameters",
            )
            return None
        return {"type": kind, "path": steps, "parameters": params}
    if "value" not in raw:
        errs.add(
            "FRAMEWORK__INVALID_FILTER_QUERY",
            f'Parameter "value" for {kind} filter is missing.',
            f"{pointer}/value",
        )
        return None
    value = raw["value"]
    if kind in ("equalsAny", "equalsAll"):
        if isinstance(value, str):
            value = [v for v in value.split("|") if v != ""]
        elif not isinstance(value, list):
            value = [value]
        if not value:
            errs.add(
                "FRAMEWORK__INVALID_FILTER_QUERY",
                f'Parameter "value" for {kind} filter is empty.',
                f"{pointer}/value",
            )
            return None
    elif kind in ("contains", "prefix", "suffix") and not isinstance(value, (str, int, float)):
        errs.add(
            "FRAMEWORK__INVALID_FILTER_QUERY",
            f'Parameter "value" for {kind} filter must be a string.',
            f"{pointer}/value",
        )
        return None
    return {"type": kind, "path": steps, "value": value}


def compile_filters(store: Store, d: EntityDef, raw: Any, pointer: str) -> list[dict[str, Any]]:
    errs = _Errors()
    if not isinstance(raw, list):
        errs.add("FRAMEWORK__INVALID_FILTER_QUERY", "The filter must be a list.", pointer)
        errs.raise_if_any()
    compiled = [_compile_filter(store, d, f, f"{pointer}/{i}", errs) for i, f in enumerate(raw)]
    errs.raise_if_any()
    return [c for c in compiled if c]


def _positive_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 1 else None
    if isinstance(value, str) and value.isdigit() and int(value) >= 1:
        return int(value)
    return None


def parse_criteria(
    store: Store, d: EntityDef, body: Any, pointer: str = "", errs: _Errors | None = None
) -> Criteria:
    """A criteria object (POST /api/search/...) → Criteria; bad input raises ApiError(400)."""
    own = errs is None
    errs = errs or _Errors()
    crit = Criteria()
    if body is None:
        body = {}
    if not isinstance(body, dict):
        errs.add("FRAMEWORK__INVALID_CRITERIA", "The criteria must be an object.", pointer or "/")
        errs.raise_if_any()
    for key in UNSUPPORTED_KEYS:
        if body.get(key):
            errs.add(
                "SANDBOX__UNSUPPORTED_CRITERIA",
                f'The criteria parameter "{key}" is not emulated by the sandbox Shopware.',
                f"{pointer}/{key}",
                parameter=key,
            )
    if "limit" in body and body["limit"] is not None:
        crit.limit = _positive_int(body["limit"])
        if crit.limit is None:
            errs.add(
                "FRAMEWORK__INVALID_LIMIT_QUERY",
                "The limit parameter must be a positive integer greater or equals than 1.",
                f"{pointer}/limit",
            )
    if "page" in body and body["page"] is not None:
        page = _positive_int(body["page"])
        if page is None:
            errs.add(
                "FRAMEWORK__INVALID_PAGE_QUERY",
                "The page parameter must be a positive integer greater or equals than 1.",
                f"{pointer}/page",
            )
        else:
            crit.page = page
    if "ids" in body and body["ids"] is not None:
        ids = body["ids"]
        if isinstance(ids, str):
            ids = ids.split("|")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            errs.add("FRAMEWORK__INVALID_CRITERIA_IDS", "The ids must be a list.", f"{pointer}/ids")
        else:
            crit.ids = [i.lower() for i in ids]
    mode = body.get("total-count-mode")
    if mode is not None:
        crit.total_count_mode = TOTAL_COUNT_MODES.get(str(mode).lower(), -1)
        if crit.total_count_mode < 0:
            errs.add(
                "FRAMEWORK__INVALID_TOTAL_COUNT_MODE",
                f'The total-count-mode "{mode}" is not supported.',
                f"{pointer}/total-count-mode",
            )
    if body.get("term") is not None:
        crit.term = str(body["term"]).strip().casefold() or None
    for key in ("filter", "post-filter"):
        raw = body.get(key)
        if raw is None:
            continue
        if not isinstance(raw, list):
            errs.add(
                "FRAMEWORK__INVALID_FILTER_QUERY", "The filter must be a list.", f"{pointer}/{key}"
            )
            continue
        for i, f in enumerate(raw):
            compiled = _compile_filter(store, d, f, f"{pointer}/{key}/{i}", errs)
            if compiled:
                crit.filters.append(compiled)
    sort = body.get("sort")
    if isinstance(sort, str):
        sort = [
            {"field": s.lstrip("-+"), "order": "DESC" if s.startswith("-") else "ASC"}
            for s in sort.split(",")
            if s
        ]
    if sort is not None:
        if not isinstance(sort, list):
            errs.add("FRAMEWORK__INVALID_SORT_QUERY", "The sort must be a list.", f"{pointer}/sort")
        else:
            for i, s in enumerate(sort):
                if not isinstance(s, dict) or "field" not in s:
                    errs.add(
                        "FRAMEWORK__INVALID_SORT_QUERY",
                        'A sorting needs a "field".',
                        f"{pointer}/sort/{i}",
                    )
                    continue
                steps = compile_path(store, d, s["field"], f"{pointer}/sort/{i}/field", errs)
                order = str(s.get("order", "ASC")).upper()
                if steps:
                    crit.sorts.append((steps, order == "DESC", bool(s.get("naturalSorting"))))
    associations = body.get("associations")
    if associations is not None:
        if not isinstance(associations, dict):
            errs.add(
                "FRAMEWORK__INVALID_CRITERIA",
                "The associations must be an object.",
                f"{pointer}/associations",
            )
        else:
            for name, sub in associations.items():
                _add_association(
                    store, d, crit, str(name), sub, f"{pointer}/associations/{name}", errs
                )
    includes = body.get("includes")
    if isinstance(includes, dict):
        for name, listed in includes.items():
            if isinstance(listed, list) and all(isinstance(f, str) for f in listed):
                crit.includes[str(name)] = set(listed)
            elif isinstance(listed, list):
                errs.add(
                    "FRAMEWORK__INVALID_CRITERIA",
                    "The includes of an entity must be a list of field names.",
                    f"{pointer}/includes/{name}",
                )
    fields = body.get("fields")
    if isinstance(fields, list) and fields:
        if all(isinstance(f, str) for f in fields):
            crit.fields = set(fields)
        else:
            errs.add(
                "FRAMEWORK__INVALID_CRITERIA",
                "The fields must be a list of field names.",
                f"{pointer}/fields",
            )
    if own:
        errs.raise_if_any()
    return crit


def _add_association(
    store: Store, d: EntityDef, crit: Criteria, name: str, sub: Any, pointer: str, errs: _Errors
) -> None:
    head, _, rest = name.partition(".")
    if head == "translations" and d.translated and not rest:
        crit.associations[head] = Criteria()  # the translation rows, all languages
        return
    relation = d.relations.get(head)
    if relation is None:
        code = (
            "SANDBOX__UNSUPPORTED_ASSOCIATION"
            if head in d.unsupported
            else ("FRAMEWORK__ASSOCIATION_NOT_FOUND")
        )
        detail = (
            f'The association "{head}" of {d.name} is not emulated by the sandbox.'
            if head in d.unsupported
            else f"Can not find association by name {head}"
        )
        errs.add(code, detail, pointer, association=head)
        return
    target = store.defs[relation.target]
    existing = crit.associations.get(head)
    if rest:
        child = existing or Criteria()
        crit.associations[head] = child
        _add_association(store, target, child, rest, sub, pointer, errs)
        return
    parsed = parse_criteria(store, target, sub if isinstance(sub, dict) else {}, pointer, errs)
    if existing:  # `a.b` given before `a`: keep both
        parsed.associations.update(existing.associations)
    crit.associations[head] = parsed


def criteria_from_query(query: dict[str, list[str]]) -> dict[str, Any]:
    """GET /api/{entity}?limit=&page=&sort=&term=&filter[field]=value → a criteria object."""
    body: dict[str, Any] = {}
    for key in ("limit", "page", "term", "total-count-mode", "sort", "ids"):
        if key in query:
            body[key] = query[key][-1]
    filters = []
    for key, values in query.items():
        if key.startswith("filter[") and key.endswith("]"):
            filters.append({"type": "equals", "field": key[7:-1], "value": values[-1]})
    if filters:
        body["filter"] = filters
    return body


# -- evaluating ----------------------------------------------------------------------------


def values_of(
    store: Store, d: EntityDef, ids: list[str], steps: list[Step], ctx: ReadCtx
) -> list[Any]:
    step = steps[0]
    if step[0] == "rel":
        relation: Relation = step[1]
        nxt: list[str] = []
        for eid in ids:
            nxt.extend(store.related_ids(d, eid, relation, ctx))
        if len(steps) == 1:
            return nxt
        return values_of(store, step[2], nxt, steps[1:], ctx)
    name = step[2]
    out: list[Any] = []
    for eid in ids:
        value = store.field_value(step[1], eid, name, ctx)
        for json_step in steps[1:]:
            value = _descend(value, json_step[1])
        if isinstance(value, list):
            out.extend(value)
        else:
            out.append(value)
    return out


def _descend(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return value.get(key)
    if isinstance(value, list):
        return [_descend(v, key) for v in value if isinstance(v, dict)]
    return None


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return value.casefold()
    return value


def _equal(stored: Any, wanted: Any) -> bool:
    if stored is None or wanted is None:
        return stored is None and wanted is None
    if isinstance(stored, bool):
        if isinstance(wanted, str):
            return stored == (wanted.lower() in ("1", "true"))
        return stored == bool(wanted)
    if isinstance(stored, (int, float)):
        try:
            return float(stored) == float(wanted)
        except (TypeError, ValueError):
            return False
    if isinstance(stored, str):
        return stored.casefold() == str(wanted).casefold()
    return stored == wanted


def _compare_key(value: Any) -> tuple[int, Any] | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, float(value))
    if isinstance(value, str):
        parsed = parse_datetime(value) if len(value) >= 10 and value[4:5] == "-" else None
        if parsed is not None:
            return (1, parsed.timestamp())
        try:
            return (0, float(value))
        except ValueError:
            return (2, value.casefold())
    return (3, str(value))


def _in_range(value: Any, params: dict[str, Any]) -> bool:
    left = _compare_key(value)
    if left is None:
        return False
    for op, bound in params.items():
        right = _compare_key(bound)
        if right is None or right[0] != left[0] and not (left[0] <= 1 and right[0] <= 1):
            return False
        a, b = left[1], right[1]
        if (
            (op == "gt" and not a > b)
            or (op == "gte" and not a >= b)
            or (op == "lt" and not a < b)
            or (op == "lte" and not a <= b)
        ):
            return False
    return True


def evaluate(f: dict[str, Any], get: Callable[[list[Step]], list[Any]]) -> bool:
    kind = f["type"]
    if kind in ("multi", "not"):
        results = [evaluate(q, get) for q in f["queries"]]
        operator = f["operator"]
        if operator in ("and", "nand"):
            combined = all(results)
        elif operator in ("or", "nor"):
            combined = any(results)
        else:  # xor
            combined = sum(results) == 1
        if operator in ("nand", "nor"):
            combined = not combined
        return not combined if kind == "not" else combined
    values = get(f["path"])
    if kind == "equals":
        wanted = f["value"]
        if wanted is None:
            return not values or any(v is None for v in values)
        return any(_equal(v, wanted) for v in values)
    if kind == "equalsAny":
        return any(_equal(v, w) for v in values for w in f["value"])
    if kind == "equalsAll":
        return all(any(_equal(v, w) for v in values) for w in f["value"])
    if kind == "range":
        return any(_in_range(v, f["parameters"]) for v in values)
    needle = str(f["value"]).casefold()
    for v in values:
        if v is None:
            continue
        text = str(v).casefold()
        if (
            (kind == "contains" and needle in text)
            or (kind == "prefix" and text.startswith(needle))
            or (kind == "suffix" and text.endswith(needle))
        ):
            return True
    return False


def _indexed_candidates(
    store: Store, d: EntityDef, f: dict[str, Any], ctx: ReadCtx
) -> set[str] | None:
    """The rows a top-level equals/equalsAny can match, from an index; None if not indexed."""
    if f["type"] not in ("equals", "equalsAny"):
        return None
    wanted = f["value"] if f["type"] == "equalsAny" else [f["value"]]
    if any(w is None or isinstance(w, (dict, list, bool)) for w in wanted):
        return None
    wanted = [str(w) for w in wanted]
    steps = f["path"]
    if len(steps) == 1 and steps[0][0] == "field" and steps[0][1] is d:
        name = steps[0][2]
        if ctx.inherit and name in d.inherited:
            return None
        if name == "id":
            return {w.lower() for w in wanted if w.lower() in store.rows[d.name]}
        unique = store.unique.get((d.name, (name,)))
        if unique is not None:
            return {unique[k] for w in wanted if (k := (w.casefold(),)) in unique}
        index = store.fk_index.get((d.name, name))
        if index is not None:
            out: set[str] = set()
            for w in wanted:
                out |= index.get(w.lower(), set())
            return out
        return None
    if (
        len(steps) == 2
        and steps[0][0] == "rel"
        and steps[0][1].kind == "m2m"
        and steps[1][0] == "field"
        and steps[1][2] == "id"
        and not (ctx.inherit and steps[0][1].name in d.inherited)
    ):
        relation: Relation = steps[0][1]
        side = store.links[relation.mapping][relation.target_fk]
        out = set()
        for w in wanted:
            out |= side.get(w.lower(), set())
        return out
    return None


def _term_match(store: Store, d: EntityDef, eid: str, term: str, ctx: ReadCtx) -> bool:
    for name, spec in d.fields.items():
        if spec["type"] != "string" and name not in d.translated:
            continue
        value = store.field_value(d, eid, name, ctx)
        if isinstance(value, str) and term in value.casefold():
            return True
    return False


def select(
    store: Store, d: EntityDef, crit: Criteria, ctx: ReadCtx, within: list[str] | None = None
) -> tuple[list[str], int]:
    """The ids of one page and the total, as `total-count-mode` asks."""
    table = store.rows[d.name]
    candidates: list[str] | None = None
    if within is not None:
        candidates = list(within)
    if crit.ids is not None:
        allowed = [i for i in crit.ids if i in table]
        if candidates is None:
            candidates = list(dict.fromkeys(allowed))
        else:
            keep = set(allowed)
            candidates = [c for c in candidates if c in keep]
    best: set[str] | None = None
    for f in crit.filters:
        found = _indexed_candidates(store, d, f, ctx)
        if found is not None and (best is None or len(found) < len(best)):
            best = found
    if best is not None:
        if candidates is None:
            candidates = sorted(best, key=lambda i: table[i].get("_seq", 0))
        else:
            candidates = [c for c in candidates if c in best]
    pool = candidates if candidates is not None else list(table)

    matched = []
    for eid in pool:
        if crit.filters and not all(
            evaluate(f, lambda steps, eid=eid: values_of(store, d, [eid], steps, ctx))
            for f in crit.filters
        ):
            continue
        if crit.term and not _term_match(store, d, eid, crit.term, ctx):
            continue
        matched.append(eid)

    for steps, descending, _natural in reversed(crit.sorts):

        def key(eid: str, steps: list[Step] = steps) -> tuple[Any, ...]:
            values = values_of(store, d, [eid], steps, ctx)
            first = _compare_key(values[0]) if values else None
            return (0, 0, "") if first is None else (1, *first)

        matched.sort(key=key, reverse=descending)

    total = len(matched)
    if crit.limit is None:
        return matched, total
    offset = (crit.page - 1) * crit.limit
    page = matched[offset : offset + crit.limit]
    if crit.total_count_mode == 1:
        return page, total
    if crit.total_count_mode == 2:
        return page, min(total, offset + crit.limit * 6 + 1)
    return page, len(page)


def load(
    store: Store,
    d: EntityDef,
    ids: list[str],
    crit: Criteria,
    ctx: ReadCtx,
    root_includes: dict[str, set[str]] | None = None,
) -> list[dict[str, Any]]:
    """Serialise rows with the associations the criteria asks for."""
    includes = root_includes if root_includes is not None else crit.includes
    associations = dict(crit.associations)
    if d.name == "product_media" and "media" not in associations:
        associations["media"] = Criteria()  # autoloaded, as in ProductMediaDefinition
    out = []
    for eid in ids:
        loaded: dict[str, Any] = {}
        for name, sub in associations.items():
            if name == "translations":
                loaded[name] = store.translation_rows(d, eid)
                continue
            relation = d.relations[name]
            target = store.defs[relation.target]
            related = store.related_ids(d, eid, relation, ctx)
            if relation.kind in ("m2o", "o2o_reverse"):
                page = related[:1]
                if page and sub.filters:
                    page, _ = select(store, target, sub, ctx, within=page)
                items = load(store, target, page, sub, ctx, includes)
                loaded[name] = items[0] if items else None
            else:
                page, _ = select(store, target, sub, ctx, within=related)
                loaded[name] = load(store, target, page, sub, ctx, includes)
        entity = store.serialize(d, eid, ctx, loaded)
        if crit.fields is not None:
            entity = {
                k: v for k, v in entity.items() if k in crit.fields or k in ("id", "apiAlias")
            }
        wanted = includes.get(d.name)
        if wanted is not None:
            entity = {k: v for k, v in entity.items() if k in wanted or k == "apiAlias"}
        out.append(entity)
    return out


def page_count(total: int, limit: int | None) -> int:
    if not limit:
        return 1
    return max(1, math.ceil(total / limit))
