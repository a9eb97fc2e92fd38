"""The cluster maintenance: close quiet stories, hand in again what the broker lost.

Celery beat runs it in the distributed setup (the `newsagg.maintain` task), `newsagg crawl`
after an embedded crawl, and `newsagg maintain`.
"""
from __future__ import annotations

import logging

from newsagg.core.settings import Settings, get_settings
from newsagg.workers.app import app
from newsagg.workers.handoff import resubmit_stale
from newsagg.workers.pipeline import close_quiet

log = logging.getLogger(__name__)


def maintain_step(settings: Settings) -> list[str]:
    """Close the story engine's quiet clusters (their LSH entries and texts go) and
    refresh them in the store; distributed, also hand in again the articles whose
    messages were lost (workers.inflight). Returns the closed event ids."""
    closed = close_quiet(settings)
    resubmit_stale(settings)
    return closed


@app.task(name="newsagg.maintain", acks_late=True)
def maintain() -> dict:
    """Close quiet clusters and expire their LSH entries; refresh what changed."""
    closed = maintain_step(get_settings())
    log.info("cluster maintenance done", extra={"closed": len(closed)})
    return {"closed": len(closed)}
