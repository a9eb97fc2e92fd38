"""The pure core of the index stage, shared by both stores (SQLite and Elasticsearch).

- `article_to_doc` / `doc_to_article`: an Article as a stored document and back.
- `build_cluster(event_id, articles)`: the cluster document an editor filters and sorts on.
- `rank_clusters` / `shape_results`: search hits (articles with a relevance score) grouped
  into clusters, ranked by relevance and recency, in the one result shape both stores return.
- `shape_story(cluster, articles)`: what `newsagg story ID` shows.
- `parse_since`: "24h", "7d", "90m", an ISO date or a datetime -> an aware UTC datetime.

No I/O here: the stores are thin adapters around these functions.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from newsagg.core.schema import Article
from newsagg.core.text import article_time

TOP_ENTITIES = 20
TOP_KEYWORDS = 20
TOP_ARTICLES = 3
SUMMARY_CHARS = 400
# ranking: share of relevance against recency, and the recency half-life
RELEVANCE_WEIGHT = 0.7
RECENCY_HALF_LIFE_H = 24.0


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


_SINCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.I)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(since: Any, now: datetime | None = None) -> datetime | None:
    """`--since`: a duration back from now ("24h", "7d", "90m", "2w"), an ISO date, or a datetime."""
    if since is None or since == "":
        return None
    now = now or datetime.now(timezone.utc)
    if isinstance(since, datetime):
        return _utc(since)
    if isinstance(since, timedelta):
        return now - since
    m = _SINCE.match(str(since))
    if m:
        return now - timedelta(**{_UNITS[m.group(2).lower()]: float(m.group(1))})
    try:
        return _utc(str(since))
    except ValueError:
        raise SearchInputError(
            f"cannot read --since {since!r}: give a duration like 24h, 7d, 90m, 2w or a date like 2026-05-01") from None


# ---------------------------------------------------------------- articles <-> documents

def article_to_doc(article: Article, indexed_at: datetime | None = None) -> dict[str, Any]:
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
    doc["indexed_at"] = iso(indexed_at or datetime.now(timezone.utc))
    return doc


_DERIVED = ("entity_names", "date", "is_copy", "indexed_at")


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
    return {
        "event_id": event_id,
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


# ---------------------------------------------------------------- search results

def _recency(last_updated: Any, now: datetime) -> float:
    dt = _utc(last_updated) or now
    age_h = max(0.0, (now - dt).total_seconds() / 3600.0)
    return math.pow(0.5, age_h / RECENCY_HALF_LIFE_H)


def shape_results(hits: list[tuple[Article, float]], clusters: dict[str, dict[str, Any]],
                  limit: int = 10, now: datetime | None = None) -> list[dict[str, Any]]:
    """Matching articles (with the store's relevance score, higher is better) -> ranked clusters.

    Relevance is normalised to the best hit so both stores' scores (Lucene BM25, FTS5 bm25)
    weigh the same against recency. A cluster's relevance is its best article's. Clusters
    missing from `clusters` (not refreshed yet) are built from the matching articles.
    """
    now = now or datetime.now(timezone.utc)
    by_cluster: dict[str, list[tuple[Article, float]]] = {}
    for art, score in hits:
        by_cluster.setdefault(art.event_id or art.id, []).append((art, score))
    if not by_cluster:
        return []
    best = max((s for _, s in hits), default=0.0)
    results = []
    for cid, matched in by_cluster.items():
        cluster = clusters.get(cid) or build_cluster(cid, [a for a, _ in matched]) or {}
        relevance = (max(s for _, s in matched) / best) if best > 0 else 0.0
        recency = _recency(cluster.get("last_updated"), now)
        score = RELEVANCE_WEIGHT * relevance + (1 - RELEVANCE_WEIGHT) * recency
        if best <= 0:  # no relevance at all (empty query): recency alone
            score = recency
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
            "cluster_id": cid, "score": round(score, 4),
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
    results.sort(key=lambda r: (-r["score"], r["last_updated"] or "", r["cluster_id"]))
    return results[:limit]


def shape_story(cluster: dict[str, Any], articles: list[Article]) -> dict[str, Any]:
    """One cluster for `newsagg story`: the cluster document plus its articles by time, with
    what each copy changed against its group's originator."""
    arts = sorted(articles, key=lambda a: (article_time(a), a.id))
    out = dict(cluster)
    out["articles"] = [{
        "id": a.id, "title": a.title, "url": a.url, "outlet": a.outlet, "language": a.language,
        "published": iso(article_time(a)), "group_id": a.group_id or a.id,
        "is_originator": a.is_originator, "copies_of": a.copies_of, "similarity": a.similarity,
        "changes": a.changes.model_dump(mode="json") if a.changes else None,
    } for a in arts]
    return out


def fts_query(query: str) -> str | None:
    """A user's query -> an FTS5 MATCH expression: each word quoted (no FTS syntax errors from
    user input), any word may match, as Elasticsearch's match query does. None: no words."""
    words = re.findall(r"\w+", query or "", flags=re.UNICODE)
    if not words:
        return None
    return " OR ".join('"' + w.replace('"', "") + '"' for w in words)
