"""The cluster maintenance: close quiet stories, hand in again what the broker lost.

Celery beat runs it in the distributed setup (the `newsagg.maintain` task), `newsagg crawl`
after an embedded crawl, and `newsagg maintain`.
"""
from __future__ import annotations

import logging
import time

from newsagg.core.settings import Settings, get_settings
from newsagg.workers.app import app
from newsagg.workers.handoff import resubmit_stale
from newsagg.workers.pipeline import close_quiet
from newsagg.workers.services import services

log = logging.getLogger(__name__)


def maintain_step(settings: Settings) -> list[str]:
    """Close the story engine's quiet clusters (their LSH entries and texts go) and
    refresh them in the store; distributed, also hand in again the articles whose
    messages were lost (workers.inflight); forget what the crawl frontier remembers
    longer than it should. Returns the closed event ids."""
    closed = close_quiet(settings)
    resubmit_stale(settings)
    prune_frontier(settings)
    return closed


def prune_frontier(settings: Settings) -> int:
    """Forget URLs fetched more than crawl_remember_days ago, and crawl request
    fingerprints older than crawl_dupefilter_ttl_s; returns the URLs forgotten."""
    now = time.time()
    frontier = services(settings).crawl_frontier()
    try:
        forgotten = frontier.prune(now - settings.crawl_remember_days * 86400, now - settings.crawl_dupefilter_ttl_s)
    finally:
        frontier.close()
    if forgotten:
        log.info("crawl frontier pruned", extra={"forgotten": forgotten, "days": settings.crawl_remember_days})
    return forgotten


@app.task(name="newsagg.maintain", acks_late=True)
def maintain() -> dict:
    """Close quiet clusters and expire their LSH entries; refresh what changed."""
    closed = maintain_step(get_settings())
    log.info("cluster maintenance done", extra={"closed": len(closed)})
    return {"closed": len(closed)}
