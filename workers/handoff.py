"""Articles into the pipeline: crawled ones (the crawler's default sink), dead letters
replayed, and articles whose messages the broker lost, handed in again.

Embedded default (no redis_url): the Celery tasks run eagerly in this process,
step after step. Distributed: the enrich task goes to Redis and the workers do
the rest. Bad input never enters a queue: it is dead-lettered here with its reason.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

import kombu.exceptions
import redis

from newsagg.core.errors import HandoffError
from newsagg.core.schema import Article
from newsagg.core.services import redact_url
from newsagg.core.settings import Settings, get_settings
from newsagg.workers import metrics
from newsagg.workers.app import configure
from newsagg.workers.deadletter import DeadLetter, add_with_retry
from newsagg.workers.pipeline import STEPS, InvalidArticle, payload_article_id, validate
from newsagg.workers.services import services
from newsagg.workers.tasks import CALLER_SETTINGS, STEP_TASKS

log = logging.getLogger(__name__)

__all__ = ["HandoffError", "ReplayResult", "hand_in_lost", "replay", "resubmit_stale", "submit_article",
           "submit_step"]


# The crawler waits this long for an unreachable broker, not the workers' minute.
HANDOFF_RETRY_POLICY = {"max_retries": 5, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 2.0}


def submit_step(step: str, payload: Any, settings: Settings | None = None) -> None:
    """Run (embedded) or queue (distributed) one pipeline step; the rest follows."""
    settings = settings or get_settings()
    configure(settings)
    task = STEP_TASKS[step]
    if not settings.distributed:
        token = CALLER_SETTINGS.set(settings)
        try:
            task.apply((payload,))  # eager: failures end in the dead-letter store, not here
        finally:
            CALLER_SETTINGS.reset(token)
        return
    token = CALLER_SETTINGS.set(settings)  # the publish hook notes the message in this broker's ledger
    try:
        task.apply_async((payload,), retry_policy=HANDOFF_RETRY_POLICY)
    except (kombu.exceptions.OperationalError, OSError) as exc:
        raise HandoffError(f"broker {redact_url(settings.redis_url)} did not take article "
                           f"{payload_article_id(payload)} for {step}: {exc}; nothing was queued") from exc
    finally:
        CALLER_SETTINGS.reset(token)


def _track(article_id: str, payload: dict, version: float, settings: Settings) -> None:
    """Into the in-flight ledger first: a message the broker loses is handed in again (in
    the newest version handed in: an older one coming late does not replace it)."""
    try:
        services(settings).inflight().add(article_id, payload, version)
    except redis.RedisError as exc:
        raise HandoffError(f"broker {redact_url(settings.redis_url)} did not take article {article_id}: "
                           f"{exc}; nothing was queued") from exc


def submit_article(article: Article | dict, settings: Settings | None = None) -> str:
    """Hand one crawled article to the pipeline; returns its id.

    An invalid article (empty text, wrong types, oversized) is dead-lettered with
    the reason and its id returned; it is logged, not raised, so a crawl goes on.
    Raises HandoffError when the broker stays unreachable for a few seconds.
    """
    settings = settings or get_settings()
    try:
        art = validate(article, settings)
    except InvalidArticle as exc:
        payload = article.to_json() if isinstance(article, Article) else article
        add_with_retry(settings, DeadLetter(article_id=exc.article_id, step="enrich", reason="invalid",
                                            error=exc.reason, payload=payload))
        metrics.DEADLETTERED.labels("handoff", "invalid").inc()
        log.warning("invalid article dead-lettered", extra={"article_id": exc.article_id, "reason": exc.reason})
        return exc.article_id
    payload = art.to_json()
    _track(art.id, payload, art.fetched.timestamp(), settings)  # embedded, the ledger keeps nothing (workers.inflight.NoInFlight)
    submit_step("enrich", payload, settings)
    log.debug("article submitted", extra={"article_id": art.id, "distributed": settings.distributed})
    return art.id


@dataclass
class ReplayResult:
    replayed: list[str] = field(default_factory=list)  # handed back to the pipeline
    failed_again: list[str] = field(default_factory=list)  # embedded: back in the store at once
    missing: list[str] = field(default_factory=list)  # ids asked for but not dead-lettered


def replay(settings: Settings | None = None, ids: Iterable[str] | None = None) -> ReplayResult:
    """Re-run dead letters from the step that failed. An entry stays until its article
    is indexed (the index step clears it), so a new failure counts on the same entry."""
    settings = settings or get_settings()
    store = services(settings).deadletters()
    wanted = list(ids) if ids else [d.article_id for d in store.list()]
    result = ReplayResult()
    for aid in wanted:
        letter = store.get(aid)
        if letter is None:
            result.missing.append(aid)
            continue
        step = letter.step if letter.step in STEPS else "enrich"
        submit_step(step, letter.payload, settings)
        again = store.get(aid) if not settings.distributed else None
        if again is not None and again.failures > letter.failures:
            result.failed_again.append(aid)
        else:
            result.replayed.append(aid)
    return result


# kombu pops a message and records it as unacknowledged in two steps: a message caught
# between them is in neither for a moment, so a lost message is confirmed a moment later.
LOST_RECHECK_S = 0.5


def hand_in_lost(settings: Settings) -> int:
    """Hand in again the articles whose pipeline message is provably nowhere: popped (below
    its queue's watermark) or its queue empty, published more than inflight_lost_grace_s
    ago, and in no queue and not unacknowledged, twice in a row (workers.inflight). A
    healthy backlog is never touched. Each such message is taken by one caller only."""
    ledger = services(settings).inflight()
    if not ledger.tracks:
        return 0
    suspects = ledger.lost(settings.inflight_lost_grace_s)
    if not suspects:
        return 0
    time.sleep(LOST_RECHECK_S)
    taken = ledger.take_lost(suspects)
    for aid, payload in taken:
        submit_article(payload, settings)  # the newest version in flight, queued again
        log.warning("article handed in again: its message was lost (popped and never acknowledged, "
                    "or dropped by Redis)", extra={"article_id": aid})
    return len(taken)


def resubmit_stale(settings: Settings) -> int:
    """Hand in again what the broker lost (hand_in_lost), and, as a last resort, the articles
    unsettled for longer than `inflight_resubmit_s` with no message on record (published
    while the ledger could not note it); returns how many."""
    count = hand_in_lost(settings)
    stale = services(settings).inflight().stale(settings.inflight_resubmit_s)
    for _, payload in stale:
        submit_article(payload, settings)  # back in the ledger with a fresh clock, and queued
    if stale:
        log.warning("articles handed in again: in flight for long with no message on record",
                    extra={"articles": len(stale), "older_than_s": settings.inflight_resubmit_s})
    return count + len(stale)
