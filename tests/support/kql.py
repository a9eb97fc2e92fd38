"""The little KQL our saved searches use, as Elasticsearch queries, so tests can run each saved
search's query against the real indices: `field : value`, `field : *`, `field >= "now-24h"` /
`>= 2`, joined by `and` / `or` (no parentheses). Anything else fails loudly."""
from __future__ import annotations

import re
from typing import Any

_CLAUSE = re.compile(r'^\s*([\w.]+)\s*(:|>=|<=|>|<)\s*("([^"]*)"|\S+)\s*$')
_RANGE = {">=": "gte", "<=": "lte", ">": "gt", "<": "lt"}


def _clause(text: str) -> dict[str, Any]:
    m = _CLAUSE.match(text)
    if not m:
        raise ValueError(f"KQL this helper does not read: {text!r}")
    field, op, raw, quoted = m.groups()
    value: Any = quoted if quoted is not None else raw
    if value in ("true", "false"):
        value = value == "true"
    if op == ":":
        return {"exists": {"field": field}} if value == "*" else {"term": {field: value}}
    return {"range": {field: {_RANGE[op]: value}}}


def kql_to_es(query: str) -> dict[str, Any]:
    if not query.strip():
        return {"match_all": {}}
    ors = [part for part in re.split(r"\s+or\s+", query)]
    shoulds = [{"bool": {"filter": [_clause(c) for c in re.split(r"\s+and\s+", part)]}} for part in ors]
    return shoulds[0] if len(shoulds) == 1 else {"bool": {"should": shoulds, "minimum_should_match": 1}}
