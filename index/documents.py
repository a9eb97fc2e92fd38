"""The pure core of the index stage, shared by both stores (SQLite and Elasticsearch).

- `article_to_doc` / `doc_to_article`: an Article as a stored document and back.
- `build_cluster(event_id, articles)`: the cluster document an editor filters and sorts on.
- `SearchRequest`: a search with its filters, read and checked once for every store.
- `shape_results`: matching articles (with the store's relevance score) grouped into stories,
  ranked (relevance first, size and outlets a mild boost, recency a gentle decay), in the one
  result shape both stores return.
- `shape_story(cluster, articles)`: what `newsagg story ID` shows; `word_diff` for a copy's edits.
- `parse_when`: "24h", "3 days", "yesterday", an ISO date or a datetime -> an aware UTC datetime.

No I/O here: the stores are thin adapters around these functions.
"""
from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from typing import Any, Iterable

from newsagg.core.schema import Article
from newsagg.core.text import article_time
from newsagg.index.query import Query, parse_query

TOP_ENTITIES = 20
TOP_KEYWORDS = 20
TOP_ARTICLES = 3
SUMMARY_CHARS = 400
LEAD_CHARS = 300  # the opening of an article, weighed above its body
# ranking: relevance (1.0 for the best match) times a mild size boost times a gentle recency decay
OUTLET_BOOST = 0.05   # per doubling of the outlets covering a story
ARTICLE_BOOST = 0.02  # per doubling of its articles
ENTITY_BOOST = 0.15   # the query names one of the article's entities
RECENCY_FLOOR = 0.75  # an old story keeps at least this share of its relevance
RECENCY_HALF_LIFE_H = 72.0
SORTS = ("relevance", "recent", "size")


class SearchInputError(ValueError):
    """A search parameter a user can fix (bad --since, empty cluster id, ...)."""


# ---------------------------------------------------------------- dates

def _utc(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def iso(value: Any) -> str | None:
    dt = _utc(value)
    return dt.isoformat().replace("+00:00", "Z") if dt else None


_AGO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|weeks?)(?:\s+ago)?\s*$", re.I)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_when(value: Any, end: bool = False, now: datetime | None = None, what: str = "--since") -> datetime | None:
    """`--since` / `--until` as people type them: a duration back from now ("24h", "3 days",
    "2 weeks ago"), "today", "yesterday", an ISO date or time, or a datetime. With `end` a bare
    day means its end (--until yesterday: up to midnight last night)."""
    if value is None or value == "":
        return None
    now = now or datetime.now(timezone.utc)
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, timedelta):
        return now - value
    text = str(value).strip().lower()
    m = _AGO.match(text)
    if m:
        unit = m.group(2)[0] if not m.group(2).startswith("min") else "m"
        return now - timedelta(**{_UNITS[unit]: float(m.group(1))})
    midnight = datetime.combine(now.date(), time(), tzinfo=timezone.utc)
    days = {"today": 0, "yesterday": 1}.get(text)
    if days is not None:
        return midnight - timedelta(days=days - (1 if end else 0))
    try:
        dt = _utc(text.upper() if "t" in text else text)
    except ValueError:
        raise SearchInputError(
            f"cannot read {what} {value!r}: give a duration like 24h, 3 days, 2w, or yesterday, "
            "or a date like 2026-05-01") from None
    if end and _DATE_ONLY.match(text):
        dt += timedelta(days=1)
    return dt


def parse_since(since: Any, now: datetime | None = None) -> datetime | None:
    return parse_when(since, now=now)


# ---------------------------------------------------------------- articles <-> documents

def article_to_doc(article: Article, indexed_at: datetime | None = None,
                   source_outlet: str | None = None) -> dict[str, Any]:
    """The stored form of an article: its JSON plus flat, facet-friendly fields.

    `entities` {kind: {name: count}} has open-ended keys; stored it would grow the mapping with
    every new name, so it becomes a list of {kind, name, count} plus `entity_names` for facets.
    """
    doc = article.to_json()
    doc["entities"] = [{"kind": kind, "name": name, "count": int(count)}
                       for kind, names in sorted(article.entities.items())
                       for name, count in sorted(names.items())]
    doc["entity_names"] = sorted({e["name"] for e in doc["entities"]})
    doc["date"] = iso(article_time(article))
    doc["is_copy"] = bool(article.copies_of)
    doc["source_outlet"] = source_outlet if article.copies_of else None  # whom a copy copies (Kibana: who copies whom)
    doc["story_id"] = story_of(article)
    doc["lead"] = lead_of(article)
    doc["indexed_at"] = iso(indexed_at or datetime.now(timezone.utc))
    return doc


_DERIVED = ("entity_names", "date", "is_copy", "source_outlet", "story_id", "lead", "indexed_at")


def story_of(article: Article) -> str:
    """The story an article shows under: its event, or itself until the engine assigns one."""
    return article.event_id or article.id


def lead_of(article: Article) -> str:
    """The opening an editor reads first (the summary, else the text's first sentences): it
    weighs more than the body in search."""
    text = article.summary or article.feed_summary or article.text
    text = " ".join(text.split())
    return text if len(text) <= LEAD_CHARS else text[:LEAD_CHARS].rsplit(" ", 1)[0]


def doc_to_article(doc: dict[str, Any]) -> Article:
    """Inverse of `article_to_doc`."""
    data = {k: v for k, v in doc.items() if k not in _DERIVED}
    ents = data.get("entities")
    if isinstance(ents, list):
        by_kind: dict[str, dict[str, int]] = {}
        for e in ents:
            by_kind.setdefault(e["kind"], {})[e["name"]] = int(e.get("count", 1))
        data["entities"] = by_kind
    return Article.model_validate(data)


# ---------------------------------------------------------------- cluster documents

def _summary_of(a: Article) -> str:
    text = a.summary or a.feed_summary or a.text
    text = " ".join(text.split())
    if len(text) > SUMMARY_CHARS:
        text = text[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"
    return text


def _article_ref(a: Article) -> dict[str, Any]:
    return {"article_id": a.id, "outlet": a.outlet, "url": a.url, "title": a.title,
            "published": iso(article_time(a))}


def build_cluster(event_id: str, articles: Iterable[Article],
                  updated_at: datetime | None = None) -> dict[str, Any] | None:
    """The cluster document for one event from all its articles (None when it has none).

    Headline: the title of the originator of the largest copy group (ties: the earliest).
    Originator: the article that appeared first in the whole cluster.
    """
    arts = sorted(articles, key=lambda a: (article_time(a), a.id))
    if not arts:
        return None
    groups: dict[str, list[Article]] = {}
    for a in arts:
        groups.setdefault(a.group_id or a.id, []).append(a)
    group_docs = []
    for gid, members in groups.items():
        orig = next((m for m in members if m.is_originator), None) or members[0]
        group_docs.append({
            "group_id": gid, "size": len(members),
            "originator_id": orig.id, "originator_outlet": orig.outlet, "originator_url": orig.url,
            "first_seen": iso(article_time(members[0])),
            "outlets": sorted({m.outlet for m in members if m.outlet}),
            "article_ids": [m.id for m in members],
        })
    group_docs.sort(key=lambda g: (-g["size"], g["first_seen"], g["group_id"]))
    lead_id = group_docs[0]["originator_id"]
    lead = next(a for a in arts if a.id == lead_id)
    first = arts[0]

    outlets = list(dict.fromkeys(a.outlet for a in arts if a.outlet))
    languages = list(dict.fromkeys(a.language for a in arts if a.language))
    countries = Counter(c for a in arts for c in a.countries)
    outlet_countries = list(dict.fromkeys(a.country for a in arts if a.country))
    entity_counts: Counter[tuple[str, str]] = Counter()
    for a in arts:
        for kind, names in a.entities.items():
            for name, n in names.items():
                entity_counts[(kind, name)] += int(n)
    top_entities = [{"kind": k, "name": n, "count": c}
                    for (k, n), c in sorted(entity_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_ENTITIES]]
    keywords = Counter(k for a in arts for k in dict.fromkeys(a.keywords))
    top_keywords = [k for k, _ in sorted(keywords.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_KEYWORDS]]
    hours = Counter(article_time(a).replace(minute=0, second=0, microsecond=0) for a in arts)
    timeline = [{"hour": iso(h), "count": n} for h, n in sorted(hours.items())]
    last = max((a.modified or article_time(a)) for a in arts)
    last = max(last, article_time(arts[-1]))
    storylines = Counter(a.storyline_id for a in arts if a.storyline_id)
    return {
        "event_id": event_id,
        "storyline_id": storylines.most_common(1)[0][0] if storylines else None,
        "headline": lead.title or first.title,
        "summary": _summary_of(lead),
        "titles": list(dict.fromkeys(a.title for a in arts if a.title)),
        "first_seen": iso(article_time(first)),
        "last_updated": iso(last),
        "article_count": len(arts),
        "outlet_count": len(outlets),
        "language_count": len(languages),
        "country_count": len(countries),
        "copy_count": sum(g["size"] - 1 for g in group_docs),
        "group_count": len(group_docs),
        "largest_group": group_docs[0]["size"],
        "outlets": outlets,
        "domains": list(dict.fromkeys(a.domain for a in arts if a.domain)),
        "languages": languages,
        "countries": [c for c, _ in countries.most_common()],
        "outlet_countries": outlet_countries,
        "originator": _article_ref(first),
        "groups": group_docs,
        "top_entities": top_entities,
        "entities": [e["name"] for e in top_entities],
        "keywords": top_keywords,
        "timeline": timeline,
        "updated_at": iso(updated_at or datetime.now(timezone.utc)),
    }


# ---------------------------------------------------------------- search requests and results

@dataclass
class SearchRequest:
    """One search with its filters, read once (dates parsed, sort checked) for every store."""

    query: str = ""
    since: datetime | None = None
    until: datetime | None = None
    outlet: str | None = None
    lang: str | None = None
    country: str | None = None     # the outlet's country or a country the article mentions (ISO alpha-2)
    entity: str | None = None      # an entity name, any case
    min_outlets: int = 0           # stories covered by at least this many outlets
    storyline: str | None = None
    sort: str = "relevance"
    limit: int = 10
    parsed: Query = field(init=False)

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError("limit must be at least 1")
        if self.sort not in SORTS:
            raise SearchInputError(f"unknown --sort {self.sort!r}: use one of {', '.join(SORTS)}")
        self.since = parse_when(self.since, what="--since")
        self.until = parse_when(self.until, end=True, what="--until")
        if self.country:
            self.country = self.country.upper()
        self.parsed = parse_query(self.query)
        if self.parsed.empty and self.parsed.excluded:
            raise SearchInputError(f"{self.query!r} only excludes words: add at least one word to find")
        if self.parsed.empty and self.sort == "relevance":
            self.sort = "recent"  # nothing to be relevant to: the latest stories

    @property
    def stories_wanted(self) -> int:
        """How many candidate stories a store returns: enough for the story-level re-ranking and
        filters (outlet count, size) to choose the `limit` best from."""
        if self.min_outlets > 1 or self.sort == "size":
            return max(500, self.limit * 20)
        return max(100, self.limit * 5)


def _recency(last_updated: Any, now: datetime) -> float:
    dt = _utc(last_updated) or now
    age_h = max(0.0, (now - dt).total_seconds() / 3600.0)
    return RECENCY_FLOOR + (1 - RECENCY_FLOOR) * math.pow(0.5, age_h / RECENCY_HALF_LIFE_H)


def _entity_bonus(article: Article, query: Query) -> float:
    """An article whose entities include a name the query spells out (all its words) ranks higher."""
    if query.empty or not article.entities:
        return 1.0
    qtext = " " + " ".join(query.words) + " "
    for names in article.entities.values():
        for name in names:
            words = re.findall(r"\w+", name.lower())
            if words and f" {' '.join(words)} " in qtext:
                return 1.0 + ENTITY_BOOST
    return 1.0


def story_score(relevance: float, cluster: dict[str, Any], now: datetime) -> float:
    """Relevance first; outlets and size a mild boost; age a gentle decay (never below RECENCY_FLOOR)."""
    boost = (1 + OUTLET_BOOST * math.log2(1 + cluster.get("outlet_count", 1))
             + ARTICLE_BOOST * math.log2(1 + cluster.get("article_count", 1)))
    return relevance * boost * _recency(cluster.get("last_updated"), now)


def shape_results(hits: list[tuple[Article, float]], clusters: dict[str, dict[str, Any]],
                  request: SearchRequest | None = None, now: datetime | None = None) -> list[dict[str, Any]]:
    """Matching articles (with the store's relevance score, higher is better) -> one result per story.

    Relevance is normalised to the best article so both stores' scores (Lucene BM25, FTS5 bm25)
    weigh the same against size and recency; a story's relevance is its best article's.
    Stories missing from `clusters` (not refreshed yet) are built from the matching articles.
    """
    request = request or SearchRequest()
    now = now or datetime.now(timezone.utc)
    by_story: dict[str, list[tuple[Article, float]]] = {}
    for art, score in hits:
        by_story.setdefault(story_of(art), []).append((art, score * _entity_bonus(art, request.parsed)))
    if not by_story:
        return []
    best = max((s for m in by_story.values() for _, s in m), default=0.0)
    results = []
    for cid, matched in by_story.items():
        cluster = clusters.get(cid) or build_cluster(cid, [a for a, _ in matched]) or {}
        if cluster.get("outlet_count", 0) < request.min_outlets:
            continue
        relevance = (max(s for _, s in matched) / best) if best > 0 else 1.0
        score = story_score(relevance, cluster, now)
        sizes = {g["group_id"]: g["size"] for g in cluster.get("groups", [])}
        matched.sort(key=lambda p: (-p[1], article_time(p[0])))
        top, seen_groups = [], set()
        for art, s in matched:  # one article per copy group: the copies are counted, not repeated
            gid = art.group_id or art.id
            if gid in seen_groups:
                continue
            seen_groups.add(gid)
            top.append({"id": art.id, "title": art.title, "url": art.url, "outlet": art.outlet,
                        "language": art.language, "published": iso(article_time(art)),
                        "is_originator": art.is_originator, "copies_of": art.copies_of,
                        "copies": max(0, sizes.get(gid, 1) - 1), "score": round(s, 4)})
            if len(top) >= TOP_ARTICLES:
                break
        results.append({
            "cluster_id": cid, "storyline_id": cluster.get("storyline_id"), "score": round(score, 4),
            "headline": cluster.get("headline", ""), "summary": cluster.get("summary", ""),
            "first_seen": cluster.get("first_seen"), "last_updated": cluster.get("last_updated"),
            "article_count": cluster.get("article_count", len(matched)),
            "outlet_count": cluster.get("outlet_count", 0),
            "language_count": cluster.get("language_count", 0),
            "copy_count": cluster.get("copy_count", 0), "group_count": cluster.get("group_count", 0),
            "outlets": cluster.get("outlets", []), "languages": cluster.get("languages", []),
            "originator": cluster.get("originator"),
            "matched_articles": len(matched), "top_articles": top,
        })
    if request.sort == "recent":
        results.sort(key=lambda r: (r["last_updated"] or "", r["score"], r["cluster_id"]), reverse=True)
    elif request.sort == "size":
        results.sort(key=lambda r: (r["article_count"], r["outlet_count"], r["score"], r["cluster_id"]), reverse=True)
    else:
        results.sort(key=lambda r: (-r["score"], r["last_updated"] or "", r["cluster_id"]))
    return results[:request.limit]


def word_diff(old: str, new: str, context: int = 4) -> str:
    """What a copy changed in one sentence, word by word: unchanged runs shortened to a few words
    of context, removed words as [-...-], added as {+...+} (difflib over words)."""
    a, b = old.split(), new.split()
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            same = a[i1:i2]
            if len(same) > 2 * context:
                lead = same[:context] if out else []
                tail = same[-context:] if i2 < len(a) or j2 < len(b) else []
                same = lead + ["…"] + tail
            out.extend(same)
            continue
        if i2 > i1:
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(out)


def shape_story(cluster: dict[str, Any], articles: list[Article]) -> dict[str, Any]:
    """One cluster for `newsagg story`: the cluster document plus its articles by time, with
    what each copy changed against its group's originator (changed sentences as word diffs)."""
    arts = sorted(articles, key=lambda a: (article_time(a), a.id))
    out = dict(cluster)
    out["articles"] = []
    for a in arts:
        changes = a.changes.model_dump(mode="json") if a.changes else None
        if changes:
            changes["changed_words"] = [word_diff(old, new) for old, new in changes.get("changed", [])]
        out["articles"].append({
            "id": a.id, "title": a.title, "url": a.url, "outlet": a.outlet, "language": a.language,
            "published": iso(article_time(a)), "group_id": a.group_id or a.id,
            "storyline_id": a.storyline_id,
            "is_originator": a.is_originator, "copies_of": a.copies_of, "similarity": a.similarity,
            "changes": changes,
        })
    return out
