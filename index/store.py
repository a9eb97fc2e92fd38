"""The search stores other stages use. Which one is the composition root's choice
(newsagg.runtime: `get_runtime(settings).search_store()`, or `open_search_store(settings)`
for a store of one's own):

    store = open_search_store(get_settings())
    store.setup()                                   # idempotent
    failures = store.upsert_articles(articles)      # [{id, status, error, article}] rejected, rest stored
    store.update_articles({aid: {"is_originator": True}})
    store.apply_merges([(absorbed_event_id, surviving_event_id)])
    store.refresh_clusters(event_ids)               # rebuild cluster documents from their articles
    store.search("storm harbour", since="24h", outlet=None, lang=None, sort="relevance", limit=10)
    store.open_story(event_id | article_id | url | storyline_id); store.get_article(aid); store.close()

The contract (every method) is index.base.SearchStore; Elasticsearch administration is index.es_admin.

SQLite FTS5 under settings.data_dir when ELASTICSEARCH_URL is unset, else Elasticsearch.
"""
from __future__ import annotations

from newsagg.index.base import SearchStore, StoreUnavailable
from newsagg.index.documents import SearchInputError
from newsagg.index.sqlite_store import SqliteStore

__all__ = ["SearchStore", "SqliteStore", "ElasticStore", "StoreUnavailable", "SearchInputError"]  # noqa: F822  (ElasticStore: module __getattr__)


def __getattr__(name):  # ElasticStore importable from here without importing elasticsearch eagerly
    if name == "ElasticStore":
        from newsagg.index.es_store import ElasticStore

        return ElasticStore
    raise AttributeError(name)
