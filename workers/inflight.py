"""Articles handed to the distributed pipeline and not yet settled (indexed or
dead-lettered), with the payload they were handed in with.

The Redis broker can lose a message: when Redis goes away, kombu drops a reply
that was already on its way (a task popped from a queue but never received).
Nothing downstream knows the article exists, so the ledger does: `resubmit_stale`
(run by the cluster maintenance) hands in again every article unsettled for longer
than `inflight_resubmit_s`. The pipeline is idempotent, so an article that was
only slow is processed once more and changes nothing.

Only the distributed setup keeps it: embedded, a step runs in the caller's process
and its failures end in the dead-letter store.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any

from newsagg.core.settings import Settings

log = logging.getLogger(__name__)

_LEDGERS: dict[str, "InFlight"] = {}


class InFlight:
    """The ledger in Redis: a sorted set of article ids by hand-in time and a hash
    of their payloads."""

    def __init__(self, client, prefix: str = "newsagg:inflight"):
        self.r = client
        self.times, self.payloads = f"{prefix}:since", f"{prefix}:payload"

    @classmethod
    def from_settings(cls, settings: Settings) -> "InFlight":
        """One per Redis URL and process: every hand-in and every indexed article uses it."""
        import redis

        if settings.redis_url not in _LEDGERS:
            _LEDGERS[settings.redis_url] = cls(redis.Redis.from_url(settings.redis_url, socket_timeout=10,
                                                                    socket_connect_timeout=5))
        return _LEDGERS[settings.redis_url]

    def add(self, article_id: str, payload: dict[str, Any], now: float | None = None) -> None:
        with self.r.pipeline(transaction=True) as pipe:
            pipe.zadd(self.times, {article_id: time.time() if now is None else now})
            pipe.hset(self.payloads, article_id, json.dumps(payload, ensure_ascii=False))
            pipe.execute()

    def settle(self, article_id: str) -> None:
        with self.r.pipeline(transaction=True) as pipe:
            pipe.zrem(self.times, article_id)
            pipe.hdel(self.payloads, article_id)
            pipe.execute()

    def count(self) -> int:
        return self.r.zcard(self.times)

    def stale(self, older_than_s: float, now: float | None = None) -> list[tuple[str, dict[str, Any]]]:
        """(article id, payload) of the articles unsettled for longer than `older_than_s`."""
        before = (time.time() if now is None else now) - older_than_s
        ids = [i.decode() for i in self.r.zrangebyscore(self.times, "-inf", f"({before}")]
        if not ids:
            return []
        payloads = self.r.hmget(self.payloads, ids)
        return [(i, json.loads(p)) for i, p in zip(ids, payloads) if p is not None]


def resubmit_stale(settings: Settings) -> int:
    """Hand in again the articles unsettled for longer than `inflight_resubmit_s`
    (distributed only); returns how many."""
    if not settings.distributed:
        return 0
    from newsagg.workers.handoff import submit_article

    stale = InFlight.from_settings(settings).stale(settings.inflight_resubmit_s)
    for _, payload in stale:
        submit_article(payload, settings)  # back in the ledger with a fresh clock, and queued
    if stale:
        log.warning("articles handed in again: their messages were lost or are very late",
                    extra={"articles": len(stale), "older_than_s": settings.inflight_resubmit_s})
    return len(stale)
