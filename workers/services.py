"""How the pipeline reaches its back-ends (story engine, search store, dead letters, in-flight
ledger) without building them: the composition root (newsagg.runtime) builds them from settings.
The workers sit below it, so they name it (PROVIDER, loaded on first use, the way Celery loads a
result backend from its name) rather than import it; a worker process Celery started on its own
(`celery -A workers worker`) finds it the same way.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Protocol

from newsagg.core.loader import load_object
from newsagg.core.settings import Settings, get_settings

PROVIDER = "newsagg.runtime:get_runtime"


class Services(Protocol):
    """What the pipeline needs from the composition root (newsagg.runtime.Runtime)."""

    settings: Settings

    def redis(self) -> Any: ...  # the one Redis client (distributed only)

    def engine(self) -> Any: ...  # the story engine (newsagg.dedupe.engine.StoryEngine)

    def search_store(self) -> Any: ...  # set up, shared by the process (newsagg.index.base.StoreBase)

    def deadletters(self) -> Any: ...  # newsagg.workers.deadletter.DeadLetterStore

    def inflight(self) -> Any: ...  # newsagg.workers.inflight.InFlightLedger

    def crawl_frontier(self) -> Any: ...  # a new newsagg.crawler.store.CrawlFrontier (the caller closes it)


_provider: Callable[[Settings], Services] | None = None
_lock = threading.Lock()


def services(settings: Settings | None = None) -> Services:
    """The services for these settings (the process's own settings when None)."""
    global _provider
    if _provider is None:
        with _lock:
            if _provider is None:
                _provider = load_object(PROVIDER)
    return _provider(settings or get_settings())
