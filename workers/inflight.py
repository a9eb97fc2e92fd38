"""Articles handed to the distributed pipeline and not yet settled (indexed or
dead-lettered), with the payload they were handed in with.

The Redis broker can lose a message: when Redis goes away, kombu drops a reply
that was already on its way (a task popped from a queue but never received).
Nothing downstream knows the article exists, so the ledger does: `resubmit_stale`
(workers.handoff, run by the cluster maintenance) hands in again every article unsettled for longer
than `inflight_resubmit_s`. The pipeline is idempotent, so an article that was
only slow is processed once more and changes nothing.

Only the distributed setup keeps it: embedded, a step runs in the caller's process
and its failures end in the dead-letter store.
"""
from __future__ import annotations

import json
import logging
import time
from abc import ABC, abstractmethod
from typing import Any

log = logging.getLogger(__name__)


class InFlightLedger(ABC):
    """Articles handed in and not yet settled, with their payloads."""

    tracks = True  # False: nothing is ever in flight (steps run in the caller's process)

    @abstractmethod
    def add(self, article_id: str, payload: dict[str, Any], now: float | None = None) -> None: ...

    @abstractmethod
    def settle(self, article_id: str) -> None: ...

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def stale(self, older_than_s: float, now: float | None = None) -> list[tuple[str, dict[str, Any]]]:
        """(article id, payload) of the articles unsettled for longer than `older_than_s`."""

    def close(self) -> None:
        """Release what the ledger holds (a shared Redis client is the runtime's to close)."""


class NoInFlight(InFlightLedger):
    """Embedded: a step runs in the caller's process, its failures end in the dead-letter store."""

    tracks = False

    def add(self, article_id: str, payload: dict[str, Any], now: float | None = None) -> None:
        pass

    def settle(self, article_id: str) -> None:
        pass

    def count(self) -> int:
        return 0

    def stale(self, older_than_s: float, now: float | None = None) -> list[tuple[str, dict[str, Any]]]:
        return []


class InFlight(InFlightLedger):
    """The ledger in Redis: a sorted set of article ids by hand-in time and a hash
    of their payloads."""

    def __init__(self, client, prefix: str = "newsagg:inflight"):
        self.r = client
        self.times, self.payloads = f"{prefix}:since", f"{prefix}:payload"

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

