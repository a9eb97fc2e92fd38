"""The Elasticsearch store (data access): bulk writes with per-item errors, cluster documents
rebuilt from their articles under optimistic concurrency, search collapsed on the story.

Index names and the client: index.es_client. Templates, ILM, migrate, rollover and roles:
index.es_admin (`setup()` here only creates what is missing, through it).
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Any, Iterable

from elasticsearch import (
    AuthenticationException,
    AuthorizationException,
    ConflictError,
    Elasticsearch,
    NotFoundError,
    helpers,
)
from elasticsearch import ConnectionError as ESConnectionError

from newsagg.core.schema import Article
from newsagg.core.settings import Settings
from newsagg.index.base import (
    RETRYABLE_STATUS,
    SearchStore,
    failure,
    log_kept_newer,
    stored_is_newer,
)
from newsagg.index.documents import SearchRequest, article_to_doc, build_cluster, doc_to_article, iso
from newsagg.index.es_admin import EsAdmin, analyzed_languages
from newsagg.index.es_client import KINDS, EsConnection
from newsagg.index.query import to_es

log = logging.getLogger(__name__)

MAX_CLUSTER_ARTICLES = 10_000
CONFLICT_RETRIES = 10
PHRASE_BOOST = 1.0  # the whole query as a phrase (a `should` clause), as SQLite adds its phrase bm25


DEFAULT_STEMMED = "en"  # the language sub-field searched when no --lang is given
MAX_CANDIDATES = 1000  # matching articles read per search, grouped into stories here


def query_languages(query: str, lang: str | None) -> list[str]:
    """The language sub-fields a query searches: --lang's; else English and the language the
    query's words look like (py3langid), when the template has an analyzer for it."""
    have = analyzed_languages()
    if lang:
        return [lang] if lang in have else []
    langs = [DEFAULT_STEMMED]
    if query.strip():
        import py3langid  # the engine's detector too (one language detector, core/text.py once it moves)

        guess = py3langid.classify(query)[0]
        if guess in have and guess not in langs:
            langs.append(guess)
    return langs


def search_fields(query: str, lang: str | None) -> tuple[list[str], list[str]]:
    """Fields a query word searches (and those a phrase searches): the unstemmed fields plus the
    sub-fields of `query_languages`. Headline and lead weigh more than the body. Not every
    language sub-field: each one more multiplies the cost of every term."""
    fields = ["title^4", "lead^2", "text"]
    for sub in query_languages(query, lang):
        fields += [f"title.{sub}^4", f"lead.{sub}^2", f"text.{sub}"]
    return fields + ["keywords^2", "entity_names^3"], ["title^4", "lead^2", "text"]


class ElasticStore(SearchStore):
    """See index.store for the interface."""

    kind = "elasticsearch"

    def __init__(self, settings: Settings, client: Elasticsearch | None = None):
        self.conn = EsConnection(settings, client)
        self.settings, self.prefix, self.url, self.es = settings, self.conn.prefix, self.conn.url, self.conn.es
        self.alias, self._call = self.conn.alias, self.conn.call
        self._dirty: set[str] = set()

    # ---------------------------------------------------------------- lifecycle
    def setup(self, force: bool = False) -> str:
        """Create the templates and indices when an alias is missing (see EsAdmin.ensure)."""
        result = EsAdmin(self.settings, conn=self.conn).ensure(force_templates=force)
        return f"templates {result['templates']}; created {result['created'] or 'nothing (already there)'}"

    def status(self) -> dict[str, Any]:
        self.make_visible()
        return {"store": self.kind, "articles": self.count_articles(), "clusters": self.count_clusters(),
                "url": self.url, "aliases": {self.alias(k): sorted(self.conn.alias_indices(k)) for k in KINDS}}

    def drop(self) -> None:
        EsAdmin(self.settings, conn=self.conn).drop()

    def close(self) -> None:
        self.conn.close()

    def _unavailable(self, exc: Exception):
        return self.conn.unavailable(exc)

    # ---------------------------------------------------------------- writes
    def _locate(self, ids: list[str], source: bool | list[str] = False) -> dict[str, dict[str, Any]]:
        """Where each existing article lives (concrete index, seq_no/primary_term, requested _source):
        a re-indexed article must stay in its own index, not get a twin in the current write index."""
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(ids), 1000):
            chunk = ids[i:i + 1000]
            resp = self._call(self.es.search, index=self.alias("articles"), query={"ids": {"values": chunk}},
                              size=len(chunk), source=source, seq_no_primary_term=True)
            for h in resp["hits"]["hits"]:
                out[h["_id"]] = h
        return out

    def _bulk(self, actions: list[dict[str, Any]], refresh: str | bool = "wait_for") -> list[dict[str, Any]]:
        """Bulk with per-item results; returns the failed items ({id, status, error})."""
        failed = []
        try:
            for ok, item in helpers.streaming_bulk(self.es, actions, raise_on_error=False, max_retries=3,
                                                   initial_backoff=0.5, refresh=refresh, chunk_size=500):
                if not ok:
                    op = next(iter(item.values()))
                    failed.append({"id": op.get("_id"), "status": op.get("status"),
                                   "error": op.get("error")})
        except (ESConnectionError, AuthenticationException, AuthorizationException) as exc:
            raise self._unavailable(exc) from None
        return failed

    def _source_outlets(self, arts: list[Article]) -> dict[str, str | None]:
        """The outlet of each copy's originator (from the batch, else the index)."""
        in_batch = {a.id: a.outlet for a in arts}
        wanted = sorted({a.copies_of for a in arts if a.copies_of and a.copies_of not in in_batch})
        found = {aid: h["_source"].get("outlet") for aid, h in self._locate(wanted, source=["outlet"]).items()} \
            if wanted else {}
        return {**found, **in_batch}

    def upsert_articles(self, articles: list[Article | dict]) -> list[dict[str, Any]]:
        """Index articles by id (re-indexing updates in place). Returns the rejected ones
        ({id, status, error, article}); the rest of the batch is stored."""
        failures: list[dict[str, Any]] = []
        valid: list[Article] = []
        for raw in articles:
            try:
                valid.append(raw if isinstance(raw, Article) else Article.model_validate(raw))
            except Exception as exc:
                failures.append(failure(raw, f"{type(exc).__name__}: {exc}"))
        if not valid:
            return failures
        sources = self._source_outlets(valid)
        docs = {art.id: (art, article_to_doc(art, source_outlet=sources.get(art.copies_of or ""))) for art in valid}
        where = self._locate(list(docs), source=["event_id", "fetched"])
        actions = []
        for aid, (art, doc) in docs.items():
            hit = where.get(aid)
            if hit and stored_is_newer(hit["_source"].get("fetched"), art):
                log_kept_newer(art)
                continue
            old_event = (hit or {}).get("_source", {}).get("event_id")
            if old_event and old_event != art.event_id:
                self._dirty.add(old_event)
            if art.event_id:
                self._dirty.add(art.event_id)
            action = {"_op_type": "index", "_index": hit["_index"] if hit else self.alias("articles"),
                      "_id": aid, "_source": doc}
            if hit:  # replace only the version we looked at; a 409 retries the step, which looks again
                action.update(if_seq_no=hit["_seq_no"], if_primary_term=hit["_primary_term"])
            actions.append(action)
        for f in self._bulk(actions):
            retryable = f["status"] in RETRYABLE_STATUS or f["status"] == 409
            failures.append(failure(docs[f["id"]][0], f["error"], f["status"], retryable))
            log.warning("article rejected by elasticsearch",
                        extra={"article_id": f["id"], "status": f["status"], "error": f["error"]})
        return failures

    def update_articles(self, updates: dict[str, dict[str, Any]]) -> list[str]:
        """Partial updates {article_id: {field: value}} applied through the Article model
        (validated), written with seq_no checks and retried on conflict. Returns ids not found."""
        pending = dict(updates)
        missing: list[str] = []
        for _ in range(CONFLICT_RETRIES):
            if not pending:
                break
            found = self._locate(list(pending), source=True)
            missing += [aid for aid in pending if aid not in found]
            actions = []
            news = {aid: Article.model_validate({**doc_to_article(hit["_source"]).to_json(), **pending[aid]})
                    for aid, hit in found.items()}
            sources = self._source_outlets(list(news.values()))
            for aid, hit in found.items():
                art, new = doc_to_article(hit["_source"]), news[aid]
                for eid in (art.event_id, new.event_id):
                    if eid:
                        self._dirty.add(eid)
                actions.append({"_op_type": "index", "_index": hit["_index"], "_id": aid,
                                "if_seq_no": hit["_seq_no"], "if_primary_term": hit["_primary_term"],
                                "_source": article_to_doc(new, source_outlet=sources.get(new.copies_of or ""))})
            failed = self._bulk(actions)
            retry = {f["id"] for f in failed if f["status"] == 409}
            for f in failed:
                if f["status"] != 409:
                    log.warning("article update rejected", extra={"article_id": f["id"], "error": f["error"]})
            pending = {aid: pending[aid] for aid in retry}
        if missing:
            log.warning("updates for unknown articles", extra={"article_ids": missing})
        return missing

    def _merge_one(self, absorbed: str, survivor: str) -> None:
        for _ in range(CONFLICT_RETRIES):  # conflicts="proceed" skips docs written meanwhile: go again
            self._call(self.es.update_by_query, index=self.alias("articles"), conflicts="proceed", refresh=True,
                       query={"term": {"event_id": absorbed}},
                       script={"source": "ctx._source.event_id = params.survivor; ctx._source.story_id = params.survivor",
                               "lang": "painless",
                               "params": {"survivor": survivor}})
            left = self._call(self.es.count, index=self.alias("articles"), query={"term": {"event_id": absorbed}})
            if left["count"] == 0:
                break
        self._call(self.es.index, index=self.alias("merges"), id=absorbed, refresh="wait_for",
                   document={"absorbed": absorbed, "survivor": survivor, "merged_at": iso(datetime.now(timezone.utc))})
        # earlier redirects to the absorbed cluster now lead to the survivor
        self._call(self.es.update_by_query, index=self.alias("merges"), conflicts="proceed", refresh=True,
                   query={"term": {"survivor": absorbed}},
                   script={"source": "ctx._source.survivor = params.survivor", "lang": "painless",
                           "params": {"survivor": survivor}})
        try:
            self._call(self.es.delete, index=self.alias("clusters"), id=absorbed, refresh="wait_for")
        except NotFoundError:
            pass

    def refresh_clusters(self, event_ids: Iterable[str]) -> None:
        """Rebuild each cluster document from its articles (plus those this store saw change).

        Safe under concurrent writers: the document is written only if nobody wrote it since we
        read its seq_no (create if absent); otherwise re-read the articles and try again, so the
        last write always saw every article indexed before it."""
        ids = self._take_dirty(event_ids)
        for eid in sorted(ids):
            for attempt in range(CONFLICT_RETRIES):
                try:
                    cur = self._call(self.es.get, index=self.alias("clusters"), id=eid, source=False)
                    guard = {"if_seq_no": cur["_seq_no"], "if_primary_term": cur["_primary_term"]}
                except NotFoundError:
                    guard = None
                cluster = build_cluster(eid, self._articles_of(eid))
                try:
                    if cluster is None:
                        if guard:
                            self._call(self.es.delete, index=self.alias("clusters"), id=eid, **guard)
                    elif guard:
                        self._call(self.es.index, index=self.alias("clusters"), id=eid, document=cluster, **guard)
                    else:
                        self._call(self.es.create, index=self.alias("clusters"), id=eid, document=cluster)
                    break
                except (ConflictError, NotFoundError):
                    log.info("cluster written concurrently, rebuilding", extra={"event_id": eid, "attempt": attempt})
                    time.sleep(0.05 * (attempt + 1))
            else:
                log.error("cluster not rebuilt after retries", extra={"event_id": eid})

    # ---------------------------------------------------------------- read primitives (see index.base)
    @staticmethod
    def _filters(request: SearchRequest) -> list[dict[str, Any]]:
        filters: list[dict[str, Any]] = []
        if request.since or request.until:
            filters.append({"range": {"date": {k: iso(v) for k, v in (("gte", request.since), ("lt", request.until)) if v}}})
        for name, value in (("outlet", request.outlet), ("language", request.lang), ("storyline_id", request.storyline)):
            if value:
                filters.append({"term": {name: value}})
        if request.country:
            filters.append({"bool": {"should": [{"term": {"country": request.country}},
                                                {"term": {"countries": request.country}}], "minimum_should_match": 1}})
        if request.entity:
            filters.append({"term": {"entity_names": {"value": request.entity, "case_insensitive": True}}})
        return filters

    def _match(self, request, stories, per_story):
        fields, phrase_fields = search_fields(" ".join(request.parsed.words), request.lang)
        query = to_es(request.parsed, fields, phrase_fields, PHRASE_BOOST) or {"match_all": {}}
        sort = [{"date": "desc"}] if request.sort == "recent" else None
        # The best articles, grouped into stories here (as SQLite does): one query. ES `collapse`
        # with inner_hits would run the query again per story.
        resp = self._call(self.es.search, index=self.alias("articles"), size=min(MAX_CANDIDATES, stories * per_story),
                          sort=sort, track_scores=True, source_excludes=["text"],
                          query={"bool": {"must": [query], "filter": self._filters(request)}})
        out, per, order = [], {}, []
        for h in resp["hits"]["hits"]:
            src = h["_source"]
            story = src.get("story_id") or src.get("event_id") or h["_id"]
            if story not in per:
                if len(order) >= stories:
                    continue
                order.append(story)
                per[story] = 0
            if per[story] >= per_story:
                continue
            per[story] += 1
            src.setdefault("text", "")
            out.append((doc_to_article(src), float(h.get("_score") or 0.0)))
        return out

    def _article_by_url(self, url):
        resp = self._call(self.es.search, index=self.alias("articles"), size=1, query={"bool": {"should": [
            {"term": {"url": url}}, {"term": {"canonical_url": url}}], "minimum_should_match": 1}})
        hits = resp["hits"]["hits"]
        return doc_to_article(hits[0]["_source"]) if hits else None

    def _storyline_clusters(self, storyline_id):
        resp = self._call(self.es.search, index=self.alias("clusters"), size=1000,
                          query={"term": {"storyline_id": storyline_id}})
        return [h["_source"] for h in resp["hits"]["hits"]]

    def _cluster_docs(self, ids):
        if not ids:
            return {}
        resp = self._call(self.es.mget, index=self.alias("clusters"), ids=sorted(ids))
        return {d["_id"]: d["_source"] for d in resp["docs"] if d.get("found")}

    def _articles_of(self, cluster_id):
        resp = self._call(self.es.search, index=self.alias("articles"), size=MAX_CLUSTER_ARTICLES,
                          query={"term": {"event_id": cluster_id}})
        return [doc_to_article(h["_source"]) for h in resp["hits"]["hits"]]

    def _redirect(self, cluster_id):
        try:
            return self._call(self.es.get, index=self.alias("merges"), id=cluster_id)["_source"]["survivor"]
        except NotFoundError:
            return None

    def get_article(self, article_id: str) -> Article | None:
        hit = self._locate([article_id], source=True).get(article_id)
        return doc_to_article(hit["_source"]) if hit else None

    def make_visible(self) -> None:
        """Refresh the aliases so counts include the last second's writes (status, tests)."""
        self._call(self.es.indices.refresh, index=",".join(self.alias(k) for k in KINDS))

    def count_articles(self) -> int:
        return int(self._call(self.es.count, index=self.alias("articles"))["count"])

    def count_clusters(self) -> int:
        return int(self._call(self.es.count, index=self.alias("clusters"))["count"])
