"""What an editor types into `newsagg search`, read once and rendered for each store.

    storm harbour            every word must match (headline or text, stemmed)
    "sea wall" storm         a quoted phrase matches as a phrase
    ferry OR boat harbour    OR joins the words on either side: (ferry or boat) and harbour
    storm -bank              a leading minus excludes a word (or -"a phrase")

Words with inner punctuation (K2-18b, U.S.) become phrases of their parts, as both
tokenizers split them. `to_fts5` gives an SQLite FTS5 MATCH expression (every term quoted,
so no user input is a syntax error), `to_es` an Elasticsearch bool query, `looser` the
any-word form suggested when a query finds nothing.

Written by hand rather than with a query-language library: the grammar is four rules and
must render identically for FTS5 and Elasticsearch (Lucene's own syntax differs from both).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Term:
    """One word, or a phrase of several words (kept in order)."""

    words: tuple[str, ...]

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass
class Query:
    """All `groups` must match (each group: any one of its terms); no `excluded` term may."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.groups

    @property
    def terms(self) -> list[Term]:
        return [t for g in self.groups for t in g]

    @property
    def words(self) -> list[str]:
        """Every positive word, in order (for whole-query phrase and entity bonuses)."""
        return [w for t in self.terms for w in t.words]

    @property
    def can_loosen(self) -> bool:
        return len(self.groups) > 1 or bool(self.excluded)

    def looser(self) -> str:
        """The same terms, any of them matching and nothing excluded: what to try after no results."""
        return " OR ".join(f'"{t.text}"' if t.is_phrase else t.text for t in self.terms)


def _term(text: str) -> Term | None:
    words = tuple(w.lower() for w in _WORD.findall(text))
    return Term(words) if words else None


def parse_query(text: str | None) -> Query:
    q = Query()
    pending_or = False
    for m in _TOKEN.finditer(text or ""):
        neg, phrase, bare = m.group(1), m.group(2), m.group(3)
        if bare is not None:
            if bare == "OR":
                pending_or = bool(q.groups)
                continue
            neg = "-" if bare.startswith("-") and len(bare) > 1 else ""
            bare = bare[1:] if neg else bare
        term = _term(phrase if phrase is not None else bare)
        if term is None:
            continue
        if neg:
            q.excluded.append(term)
        elif pending_or and q.groups:
            q.groups[-1].append(term)
        else:
            q.groups.append([term])
        pending_or = False
    return q


# ---------------------------------------------------------------- SQLite FTS5

def _fts_term(t: Term) -> str:
    return '"' + " ".join(t.words) + '"'  # \w+ words only: no quote can break out


def to_fts5(q: Query) -> str | None:
    """FTS5 MATCH expression; None when nothing positive is asked for."""
    if q.empty:
        return None
    parts = []
    for group in q.groups:
        inner = " OR ".join(_fts_term(t) for t in group)
        parts.append(f"({inner})" if len(group) > 1 else inner)
    expr = " AND ".join(parts)
    if q.excluded:
        expr = f"({expr})" + "".join(f" NOT {_fts_term(t)}" for t in q.excluded)
    return expr


PROXIMITY = 3  # the query's words within this many words of each other earn a bonus (whole phrase included)


def fts5_phrase(q: Query) -> str | None:
    """The query's words close together (bonus when an article has them so), when it has several."""
    words = q.words
    return f"NEAR({' '.join(chr(34) + w + chr(34) for w in words)}, {PROXIMITY})" if len(words) > 1 else None


# ---------------------------------------------------------------- Elasticsearch

def _es_term(t: Term, fields: list[str], phrase_fields: list[str]) -> dict[str, Any]:
    if t.is_phrase:
        return {"multi_match": {"query": t.text, "type": "phrase", "fields": phrase_fields}}
    return {"multi_match": {"query": t.text, "type": "best_fields", "fields": fields, "lenient": True}}


def to_es(q: Query, fields: list[str], phrase_fields: list[str], phrase_boost: float) -> dict[str, Any] | None:
    """A bool query: one `must` per group, `must_not` per excluded term, and a `should` that
    rewards articles holding the query's words close together (a phrase with slop). None when nothing positive is asked."""
    if q.empty:
        return None
    must = []
    for group in q.groups:
        clauses = [_es_term(t, fields, phrase_fields) for t in group]
        must.append(clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses, "minimum_should_match": 1}})
    body: dict[str, Any] = {"must": must}
    if q.excluded:
        body["must_not"] = [_es_term(t, fields, phrase_fields) for t in q.excluded]
    if len(q.words) > 1:
        body["should"] = [{"multi_match": {"query": " ".join(q.words), "type": "phrase", "fields": phrase_fields,
                                           "slop": PROXIMITY, "boost": phrase_boost}}]
    return {"bool": body}
