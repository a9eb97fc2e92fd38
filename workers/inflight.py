"""Articles handed to the distributed pipeline and not yet settled (indexed or
dead-lettered), with the payload they were handed in with.

The Redis broker can lose a message: when Redis goes away, kombu drops a reply
that was already on its way (a task popped from a queue but never received).
Nothing downstream knows the article exists, so the ledger does: `resubmit_stale`
(workers.handoff, run by the cluster maintenance) hands in again every article unsettled for longer
than `inflight_resubmit_s`. The pipeline is idempotent, so an article that was
only slow is processed once more and changes nothing.

A worker killed in the middle of a step (kill -9, a lost machine) leaves its message
unacknowledged until the broker's visibility timeout (an hour by default). The ledger
knows sooner: each worker process holds the articles it runs (`hold`) and beats while
alive; any worker's watchdog (workers.tasks) hands in again an article whose holder
stopped beating (`orphans`, `claim`), within worker_heartbeat_s * 4.

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

    def hold(self, article_id: str, worker: str) -> None:
        """`worker` (one process: name, pid, start) is running a step of this article."""

    def beat(self, worker: str, ttl_s: float) -> None:
        """`worker` is alive for the next ttl_s seconds."""

    def orphans(self) -> list[tuple[str, str, dict[str, Any] | None]]:
        """(article id, worker, payload) of the articles held by a worker that stopped beating."""
        return []

    def claim(self, article_id: str, worker: str) -> bool:
        """Take an orphan over from a dead `worker` (True for exactly one caller)."""
        return False

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
        # article id -> the worker process running one of its steps; worker -> a key with a TTL
        self.holders, self.alive = f"{prefix}:holder", f"{prefix}:alive:"

    def add(self, article_id: str, payload: dict[str, Any], now: float | None = None) -> None:
        with self.r.pipeline(transaction=True) as pipe:
            pipe.zadd(self.times, {article_id: time.time() if now is None else now})
            pipe.hset(self.payloads, article_id, json.dumps(payload, ensure_ascii=False))
            pipe.execute()

    def settle(self, article_id: str) -> None:
        with self.r.pipeline(transaction=True) as pipe:
            pipe.zrem(self.times, article_id)
            pipe.hdel(self.payloads, article_id)
            pipe.hdel(self.holders, article_id)
            pipe.execute()

    def hold(self, article_id: str, worker: str) -> None:
        self.r.hset(self.holders, article_id, worker)

    def beat(self, worker: str, ttl_s: float) -> None:
        self.r.set(self.alive + worker, 1, px=max(1, int(ttl_s * 1000)))

    def orphans(self) -> list[tuple[str, str, dict[str, Any] | None]]:
        held = {k.decode(): v.decode() for k, v in self.r.hgetall(self.holders).items()}
        if not held:
            return []
        workers = sorted(set(held.values()))
        with self.r.pipeline(transaction=False) as pipe:
            for w in workers:
                pipe.exists(self.alive + w)
            alive = {w for w, up in zip(workers, pipe.execute()) if up}
        dead = [(aid, w) for aid, w in held.items() if w not in alive]
        if not dead:
            return []
        payloads = self.r.hmget(self.payloads, [aid for aid, _ in dead])
        return [(aid, w, json.loads(p) if p else None) for (aid, w), p in zip(dead, payloads)]

    _CLAIM = ("if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then "
              "return redis.call('HDEL', KEYS[1], ARGV[1]) else return 0 end")

    def claim(self, article_id: str, worker: str) -> bool:
        # only if the dead worker still holds it: a live one may have taken it since
        return bool(self.r.eval(self._CLAIM, 1, self.holders, article_id, worker))

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

