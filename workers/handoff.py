"""Hand-off from the crawler into the pipeline.

Embedded default (no redis_url): the Celery tasks run eagerly in this process,
step after step. Distributed: the enrich task goes to Redis and the workers do
the rest. Bad input never enters a queue: it is dead-lettered here with its reason.
"""
from __future__ import annotations

import logging
from typing import Any

from newsagg.core.schema import Article
from newsagg.core.services import redact_url
from newsagg.core.settings import Settings, get_settings
from newsagg.workers import metrics
from newsagg.workers.app import configure
from newsagg.workers.deadletter import DeadLetter, add_with_retry
from newsagg.workers.pipeline import InvalidArticle, payload_article_id, validate

log = logging.getLogger(__name__)


class HandoffError(RuntimeError):
    """The broker did not take the article: the caller still has it and should retry later."""


# The crawler waits this long for an unreachable broker, not the workers' minute.
HANDOFF_RETRY_POLICY = {"max_retries": 5, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 2.0}


def submit_step(step: str, payload: Any, settings: Settings | None = None) -> None:
    """Run (embedded) or queue (distributed) one pipeline step; the rest follows."""
    import kombu.exceptions

    from newsagg.workers.tasks import CALLER_SETTINGS, STEP_TASKS

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
    try:
        task.apply_async((payload,), retry_policy=HANDOFF_RETRY_POLICY)
    except (kombu.exceptions.OperationalError, OSError) as exc:
        raise HandoffError(f"broker {redact_url(settings.redis_url)} did not take article "
                           f"{payload_article_id(payload)} for {step}: {exc}; nothing was queued") from exc


def _track(article_id: str, payload: dict, settings: Settings) -> None:
    """Into the in-flight ledger first: a message the broker loses is handed in again."""
    import redis

    from newsagg.workers.inflight import InFlight

    try:
        InFlight.from_settings(settings).add(article_id, payload)
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
    if settings.distributed:
        _track(art.id, payload, settings)
    submit_step("enrich", payload, settings)
    log.debug("article submitted", extra={"article_id": art.id, "distributed": settings.distributed})
    return art.id
