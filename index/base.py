"""What both stores share: search and story on top of four small read primitives.

A store implements `_find_articles`, `_cluster_docs`, `_articles_of`, `_redirect` and
`get_article`; ranking and result shapes come from index.documents, so the SQLite and
the Elasticsearch store answer the same query with the same shape.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Iterable

from newsagg.core.schema import Article
from newsagg.index.documents import (
    build_cluster,
    parse_since,
    shape_results,
    shape_story,
)

log = logging.getLogger(__name__)

CANDIDATES = 300  # matching articles considered per search before grouping into clusters
MAX_REDIRECTS = 20


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


class StoreBase:
    kind = "base"
    _dirty: set[str]  # clusters whose membership this store object changed since the last refresh

    def _take_dirty(self, event_ids: Iterable[str]) -> set[str]:
        """The clusters to rebuild: those asked for plus those this store saw change."""
        ids = {e for e in event_ids if e} | self._dirty
        self._dirty = set()
        return ids

    def _merge_one(self, absorbed: str, survivor: str) -> None:
        """Move the absorbed cluster's articles, drop its document, leave a redirect."""
        raise NotImplementedError

    def refresh_clusters(self, event_ids: Iterable[str]) -> None:
        raise NotImplementedError

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

    # --- primitives each store implements
    def _find_articles(self, query: str, since: datetime | None, outlet: str | None, lang: str | None,
                       size: int) -> list[tuple[Article, float]]:
        raise NotImplementedError

    def _cluster_docs(self, ids: set[str]) -> dict[str, dict[str, Any]]:
        raise NotImplementedError

    def _articles_of(self, cluster_id: str) -> list[Article]:
        raise NotImplementedError

    def _redirect(self, cluster_id: str) -> str | None:
        raise NotImplementedError

    def get_article(self, article_id: str) -> Article | None:
        raise NotImplementedError

    # --- shared behaviour
    def search(self, query: str, since: Any = None, outlet: str | None = None, lang: str | None = None,
               limit: int = 10) -> list[dict[str, Any]]:
        """Clusters matching `query` (empty: the latest), ranked by relevance and recency."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        hits = self._find_articles(query or "", parse_since(since), outlet, lang, max(CANDIDATES, limit * 10))
        clusters = self._cluster_docs({a.event_id for a, _ in hits if a.event_id})
        return shape_results(hits, clusters, limit=limit)

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

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:  # pragma: no cover - overridden
        pass
