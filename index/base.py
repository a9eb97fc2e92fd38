"""The search-store contract, declared in full, and what both stores share on top of it.

`SearchStore` is the one interface the CLI, the workers and the demo use: lifecycle (setup,
status, close, drop), writes (upsert, partial update, merges, cluster rebuilds), reads
(article by id or URL, counts) and the shared behaviour built from a few read primitives:
`search` (one result per story, ranked by index.documents) and `open_story` (an event id, an
article id or URL, or a storyline id). SQLite FTS5 (index.sqlite_store) and Elasticsearch
(index.es_store) implement it and pass the same contract tests (tests/test_store_contract.py).
Elasticsearch administration (templates, ILM, migrate, rollover, roles) is index.es_admin.
"""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any, ClassVar, Iterable

from newsagg.core.schema import Article, article_id
from newsagg.index.documents import (
    SearchRequest,
    build_cluster,
    shape_results,
    shape_story,
    story_of,
)

log = logging.getLogger(__name__)

MAX_REDIRECTS = 20
ARTICLES_PER_STORY = 10  # matching articles a store returns per story (one line per copy group shown)


RETRYABLE_STATUS = {429, 502, 503, 504}


def failure(article: Any, error: str, status: int | None = None, retryable: bool = False) -> dict[str, Any]:
    """One rejected article, the same shape from both stores: {id, status, error, retryable,
    article (its JSON, for the dead-letter store)}. `retryable`: worth trying again later
    (overload, lock timeout) rather than a document the store will always refuse."""
    if isinstance(article, Article):
        aid, payload = article.id, article.to_json()
    else:
        aid = article.get("id") if isinstance(article, dict) else getattr(article, "id", None)
        payload = article if isinstance(article, dict) else None
    return {"id": aid, "status": status, "error": error, "retryable": retryable, "article": payload}


def stored_is_newer(stored_fetched: str | None, article: Article) -> bool:
    """Whether the stored version of an article was fetched after this one: a late
    or replayed write of an old version must not replace a newer text."""
    if not stored_fetched:
        return False
    stored = datetime.fromisoformat(stored_fetched.replace("Z", "+00:00"))
    return stored > article.fetched


def log_kept_newer(article: Article) -> None:
    log.info("older version not stored: a newer one is", extra={
        "article_id": article.id, "fetched": article.fetched.isoformat()})


class StoreUnavailable(RuntimeError):
    """The store cannot be reached or refuses us; the message says what to do next."""


class SearchStore(ABC):
    """Articles, their stories (cluster documents) and merge redirects, searchable.

    A store is a context manager (`with open_search_store(settings) as store:`) and is cheap to build:
    nothing connects until first use.
    """

    kind: ClassVar[str]
    _dirty: set[str]  # clusters whose membership this store object changed since the last refresh

    # ---------------------------------------------------------------- lifecycle
    @abstractmethod
    def setup(self, force: bool = False) -> str:
        """Create what the store needs (idempotent); returns one line saying what it did.
        `force` re-installs definitions that already exist (Elasticsearch templates)."""

    @abstractmethod
    def status(self) -> dict[str, Any]:
        """{store, articles, clusters, ...where it lives} for `newsagg index status`."""

    @abstractmethod
    def make_visible(self) -> None:
        """Make the last writes visible to reads and counts (a refresh where the store needs one)."""

    @abstractmethod
    def drop(self) -> None:
        """Delete everything this store holds (tests, benchmarks, a scratch store)."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---------------------------------------------------------------- writes
    @abstractmethod
    def upsert_articles(self, articles: list[Article]) -> list[dict[str, Any]]:
        """Insert or replace articles by id (an older fetch never replaces a newer one).
        Returns the rejected ones as `failure(...)` dicts; the rest of the batch is stored."""

    @abstractmethod
    def update_articles(self, updates: dict[str, dict[str, Any]]) -> list[str]:
        """Partial updates {article_id: {field: value}}, validated; returns the ids not found."""

    @abstractmethod
    def refresh_clusters(self, event_ids: Iterable[str]) -> None:
        """Rebuild each cluster document from its articles (also those this store saw change)."""

    @abstractmethod
    def _merge_one(self, absorbed: str, survivor: str) -> None:
        """Move the absorbed cluster's articles, drop its document, leave a redirect."""

    def apply_merges(self, merges: Iterable[tuple[str, str]]) -> None:
        """Merge each absorbed cluster into its survivor (story(absorbed) then shows the
        survivor) and rebuild the survivors."""
        survivors = set()
        for absorbed, survivor in merges:
            if absorbed == survivor:
                continue
            self._merge_one(absorbed, survivor)
            self._dirty.discard(absorbed)
            survivors.add(survivor)
            log.info("clusters merged", extra={"absorbed": absorbed, "survivor": survivor})
        if survivors:
            self.refresh_clusters(survivors)

    def _take_dirty(self, event_ids: Iterable[str]) -> set[str]:
        """The clusters to rebuild: those asked for plus those this store saw change."""
        ids = {e for e in event_ids if e} | self._dirty
        self._dirty = set()
        return ids

    # ---------------------------------------------------------------- reads
    @abstractmethod
    def get_article(self, article_id: str) -> Article | None: ...

    @abstractmethod
    def _article_by_url(self, url: str) -> Article | None:
        """The article whose url or canonical_url is exactly `url`."""

    @abstractmethod
    def count_articles(self) -> int: ...

    @abstractmethod
    def count_clusters(self) -> int: ...

    # --- read primitives behind search and story
    @abstractmethod
    def _match(self, request: SearchRequest, stories: int, per_story: int) -> list[tuple[Article, float]]:
        """Articles matching the request's query and article filters, with a relevance score
        (higher is better; 0 for an empty query): at most `per_story` of each of the first
        `stories` stories (story = event id, else the article's own id), taken by best score,
        or by latest article when request.sort == "recent"."""

    @abstractmethod
    def _cluster_docs(self, ids: set[str]) -> dict[str, dict[str, Any]]: ...

    @abstractmethod
    def _articles_of(self, cluster_id: str) -> list[Article]: ...

    @abstractmethod
    def _redirect(self, cluster_id: str) -> str | None: ...

    @abstractmethod
    def _storyline_clusters(self, storyline_id: str) -> list[dict[str, Any]]:
        """The cluster documents of one storyline (any order)."""

    # ---------------------------------------------------------------- shared behaviour
    def search(self, query: str | SearchRequest = "", **filters: Any) -> list[dict[str, Any]]:
        """Stories matching `query` (empty: the latest), one result per story, ranked by
        relevance (size a mild boost, recency a gentle decay) or by `sort`. Filters: see
        SearchRequest (since, until, outlet, lang, country, entity, min_outlets, storyline, sort, limit)."""
        request = query if isinstance(query, SearchRequest) else SearchRequest(query=query or "", **filters)
        hits = self._match(request, request.stories_wanted, ARTICLES_PER_STORY)
        clusters = self._cluster_docs({story_of(a) for a, _ in hits})
        return shape_results(hits, clusters, request)

    def resolve_cluster_id(self, cluster_id: str) -> str:
        """Follow merge redirects: an absorbed cluster's id leads to the cluster that absorbed it."""
        seen = {cluster_id}
        for _ in range(MAX_REDIRECTS):
            nxt = self._redirect(cluster_id)
            if not nxt or nxt in seen:
                break
            seen.add(nxt)
            cluster_id = nxt
        return cluster_id

    def story(self, cluster_id: str) -> dict[str, Any] | None:
        """One cluster with its articles by time; None when no such cluster exists."""
        cid = self.resolve_cluster_id(cluster_id)
        arts = self._articles_of(cid)
        if not arts:  # an article never assigned to a cluster is its own story
            art = self.get_article(cid)
            if art is None or art.event_id:
                return None
            arts = [art]
        cluster = self._cluster_docs({cid}).get(cid) or build_cluster(cid, arts)
        out = shape_story(cluster, arts)
        if cid != cluster_id:
            out["redirected_from"] = cluster_id
        return out

    def find_article(self, ref: str) -> Article | None:
        """An article by its id or its URL (as crawled or canonical)."""
        ref = ref.strip()
        art = self.get_article(ref)
        if art is None and "://" in ref:
            art = self.get_article(article_id(ref)) or self._article_by_url(ref)
        return art

    def storyline(self, storyline_id: str) -> dict[str, Any] | None:
        """A storyline: its stories (cluster summaries) from the first to the latest."""
        clusters = sorted(self._storyline_clusters(storyline_id), key=lambda c: (c.get("first_seen") or "", c["event_id"]))
        if not clusters:
            return None
        keep = ("event_id", "headline", "first_seen", "last_updated", "article_count", "outlet_count", "languages")
        return {"storyline_id": storyline_id, "stories": [{k: c.get(k) for k in keep} for c in clusters]}

    def open_story(self, ref: str) -> dict[str, Any] | None:
        """`newsagg story REF`: REF is an event id (merged ones redirect), an article id, an
        article URL, or a storyline id (then {storyline_id, stories}). None: nothing by that name."""
        ref = (ref or "").strip()
        if not ref:
            return None
        found = self.story(ref)
        if found is not None:
            return found
        art = self.find_article(ref)
        if art is not None:
            found = self.story(art.event_id or art.id)
            if found is not None:
                found["opened_from"] = {"article_id": art.id, "url": art.url}
                return found
        return self.storyline(ref)


# The name the stores and older callers use.
StoreBase = SearchStore
