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

A worker can also hold a message it has received but not started: a retry waiting out its
countdown (Celery keeps a message with an ETA in the worker's memory, unacknowledged in Redis),
or one prefetched for a busy pool. Each worker notes such a message by its delivery tag as it
receives it (`received`) and drops the note when the step starts (`started`, in the same
script); a note whose worker stopped beating (`stranded`) is released by one watchdog
(`release`), which puts that very message back in its queue (workers.watchdog).

A message can also vanish with no worker to blame: kombu's Redis transport pops it
(BRPOP) and records it as unacknowledged in a second step, so a kill -9 between the two,
or a Redis restart dropping a queued message, leaves it in no queue. Each pipeline
message therefore carries a sequence number (`published`, monotonic, from Redis' clock)
and the ledger keeps, per queue, the unfinished messages by sequence; each worker raises
the queue's watermark to the sequence of the message it starts (`started`). Queues are
FIFO, so a message below the watermark has been popped; `lost` hands back those that are
then in no queue and not unacknowledged either (checked atomically, in a Lua script), older
than a grace period. A healthy backlog sits above the watermark and is never touched, and
the check costs O(messages being processed), not O(backlog).

Only the distributed setup keeps it: embedded, a step runs in the caller's process
and its failures end in the dead-letter store.
"""
from __future__ import annotations

import json
import logging
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


# kombu's Redis transport keeps unacknowledged messages in this hash (its default `unacked_key`)
KOMBU_UNACKED = "unacked"
NEWEST = 1e300  # settle() without a version: whatever version is in flight


@dataclass(frozen=True)
class LostMessage:
    """A pipeline message below its queue's watermark, in no queue and not unacknowledged."""

    article_id: str
    queue: str
    mark: str  # "<article id>|<sequence>": the message's `newsagg_msg` header


@dataclass(frozen=True)
class Reserved:
    """A message a worker received and has not started (an ETA retry, a prefetched message)."""

    tag: str  # the broker's delivery tag: kombu's key of the message in its unacknowledged hash
    worker: str
    article_id: str
    queue: str


class InFlightLedger(ABC):
    """Articles handed in and not yet settled, with their payloads."""

    tracks = True  # False: nothing is ever in flight (steps run in the caller's process)

    @abstractmethod
    def add(self, article_id: str, payload: dict[str, Any], version: float = 0.0, now: float | None = None) -> bool:
        """Keep `payload` unless a newer version (a later `fetched`, the stores' rule) is in
        flight; True when this payload is the one kept."""

    @abstractmethod
    def settle(self, article_id: str, version: float = NEWEST) -> bool:
        """Indexed or dead-lettered in `version`: the article leaves, unless a newer version of
        it is still in flight (then that one stays, to be handed in again if it is lost)."""

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def payload(self, article_id: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def stale(self, older_than_s: float, now: float | None = None) -> list[tuple[str, dict[str, Any]]]:
        """(article id, payload) of the articles unsettled for longer than `older_than_s` and
        with no pipeline message on record (published untracked: Redis failed at that moment)."""

    def published(self, article_id: str, queue: str) -> str | None:
        """A message of this article goes to `queue`: its mark (for its `newsagg_msg` header)."""
        return None

    def received(self, tag: str, worker: str, article_id: str, queue: str) -> None:
        """`worker` holds the message delivered as `tag` and has not started its step yet."""

    def started(self, article_id: str, worker: str | None, queue: str, mark: str | None,
                tag: str | None = None) -> None:
        """`worker` (one process: name, pid, start) runs the step of message `mark` (delivered as
        `tag`) from `queue`: held as running now, no longer as received."""

    def unreserve(self, tag: str) -> None:
        """The message delivered as `tag` will not run here (revoked)."""

    def finished(self, article_id: str, worker: str | None, queue: str, mark: str | None) -> bool:
        """The step ran (`mark` None: its message went back to the queue); True if `worker` held it."""
        return False

    def lost(self, grace_s: float, limit: int = 1000) -> list[LostMessage]:
        """The messages popped from their queue (below its watermark) or whose queue is empty,
        published more than `grace_s` ago, that are in no queue and not unacknowledged."""
        return []

    def take_lost(self, suspects: list[LostMessage]) -> list[tuple[str, dict[str, Any]]]:
        """Those of `suspects` still lost, checked again atomically and taken (by exactly one
        caller): (article id, payload) to hand in again."""
        return []

    def beat(self, worker: str, ttl_s: float) -> None:
        """`worker` is alive for the next ttl_s seconds."""

    def orphans(self) -> list[tuple[str, str, dict[str, Any] | None]]:
        """(article id, worker, payload) of the articles held by a worker that stopped beating."""
        return []

    def claim(self, article_id: str, worker: str) -> bool:
        """Take an orphan over from a dead `worker` (True for exactly one caller)."""
        return False

    def stranded(self) -> list[Reserved]:
        """The messages received and not started by a worker that stopped beating."""
        return []

    def release(self, tag: str, worker: str) -> bool:
        """Take a stranded message over from a dead `worker` (True for exactly one caller)."""
        return False

    def close(self) -> None:
        """Release what the ledger holds (a shared Redis client is the runtime's to close)."""


class NoInFlight(InFlightLedger):
    """Embedded: a step runs in the caller's process, its failures end in the dead-letter store."""

    tracks = False

    def add(self, article_id: str, payload: dict[str, Any], version: float = 0.0, now: float | None = None) -> bool:
        return False

    def settle(self, article_id: str, version: float = NEWEST) -> bool:
        return False

    def count(self) -> int:
        return 0

    def payload(self, article_id: str) -> dict[str, Any] | None:
        return None

    def stale(self, older_than_s: float, now: float | None = None) -> list[tuple[str, dict[str, Any]]]:
        return []


def _num(value: float) -> str:
    return f"{value:.6f}"  # never an exponent: Lua's tonumber and Redis scores read it exactly


# Keep the newest version (stores' rule: a later `fetched` wins, a tie replaces).
_ADD = """
local v = redis.call('HGET', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
if v and tonumber(v) > tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
return 1
"""

_SETTLE = """
local v = redis.call('HGET', KEYS[3], ARGV[1])
if v and tonumber(v) > tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return 1
"""

# A message's sequence: milliseconds of Redis' clock, kept increasing (never reused after a
# restart that lost the counter, never two alike).
_PUBLISHED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local seq = tonumber(redis.call('GET', KEYS[1]) or '0') + 1
if seq < now then seq = now end
local s = string.format('%.0f', seq)
redis.call('SET', KEYS[1], s)
local mark = ARGV[1] .. '|' .. s
redis.call('ZADD', KEYS[2], s, mark)
return mark
"""

_STARTED = """
if ARGV[4] ~= '' then redis.call('HDEL', KEYS[3], ARGV[4]) end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
if ARGV[3] ~= '' then
  local w = tonumber(redis.call('GET', KEYS[2]) or '0')
  if tonumber(ARGV[3]) > w then redis.call('SET', KEYS[2], ARGV[3]) end
end
return 1
"""

_FINISHED = """
local n = 0
if ARGV[2] ~= '' and redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then n = redis.call('HDEL', KEYS[1], ARGV[1]) end
if ARGV[3] ~= '' then redis.call('ZREM', KEYS[2], ARGV[3]) end
return n
"""

# KEYS: unacked hash, payloads hash, then per queue: the list, its message records, its watermark;
# last, the sequence counter.
# ARGV: 'scan', grace ms, limit  |  'take', then 'queue index|mark' per suspect.
_LOST = """
local nq = (#KEYS - 3) / 3
local function somewhere(marks)
  -- where each mark's message is: 'u' unacknowledged, 'q' back in a queue (requeued), nil nowhere
  local needles, left = {}, 0
  for m, _ in pairs(marks) do needles['"' .. m .. '"'] = m; left = left + 1 end
  local found = {}
  local function look(msg, where)
    for needle, m in pairs(needles) do
      if string.find(msg, needle, 1, true) then found[m] = where; needles[needle] = nil; left = left - 1 end
    end
  end
  for _, msg in ipairs(redis.call('HVALS', KEYS[1])) do if left == 0 then return found end look(msg, 'u') end
  for i = 1, nq do
    local len = redis.call('LLEN', KEYS[2 + i])
    for start = 0, len - 1, 500 do
      if left == 0 then return found end
      for _, msg in ipairs(redis.call('LRANGE', KEYS[2 + i], start, start + 499)) do look(msg, 'q') end
    end
  end
  return found
end
local cands, marks = {}, {}
if ARGV[1] == 'scan' then
  local t = redis.call('TIME')
  local cutoff = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[2])
  for i = 1, nq do
    local lim = cutoff
    if redis.call('LLEN', KEYS[2 + i]) > 0 then
      local w = tonumber(redis.call('GET', KEYS[2 + 2 * nq + i]) or '0')
      if w < lim then lim = w end
    end
    local ms = redis.call('ZRANGEBYSCORE', KEYS[2 + nq + i], '-inf', string.format('%.0f', lim),
                          'LIMIT', 0, tonumber(ARGV[3]))
    for _, m in ipairs(ms) do cands[#cands + 1] = {i, m} end
  end
else
  for j = 2, #ARGV do
    local bar = string.find(ARGV[j], '|', 1, true)
    local i, m = tonumber(string.sub(ARGV[j], 1, bar - 1)), string.sub(ARGV[j], bar + 1)
    if redis.call('ZSCORE', KEYS[2 + nq + i], m) then cands[#cands + 1] = {i, m} end
  end
end
local live = {}
for _, c in ipairs(cands) do
  local aid = string.sub(c[2], 1, string.find(c[2], '|', 1, true) - 1)
  if redis.call('HEXISTS', KEYS[2], aid) == 1 then live[#live + 1] = c; marks[c[2]] = true
  else redis.call('ZREM', KEYS[2 + nq + c[1]], c[2]) end  -- its article is settled: forget it
end
if #live == 0 then return {} end
local found = somewhere(marks)
local out = {}
local seq = nil
for _, c in ipairs(live) do
  if found[c[2]] == 'q' then
    -- requeued (a restore, a reject): it waits behind everything queued now, so it takes a
    -- sequence of now; the watermark passes it again when the consumers get there
    if not seq then
      local t = redis.call('TIME')
      seq = math.max(tonumber(redis.call('GET', KEYS[#KEYS]) or '0') + 1,
                     tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
      redis.call('SET', KEYS[#KEYS], string.format('%.0f', seq))
    end
    redis.call('ZADD', KEYS[2 + nq + c[1]], string.format('%.0f', seq), c[2])
  elseif not found[c[2]] then
    if ARGV[1] == 'take' then redis.call('ZREM', KEYS[2 + nq + c[1]], c[2]) end
    out[#out + 1] = c[1] .. '|' .. c[2]
  end
end
return out
"""


class InFlight(InFlightLedger):
    """The ledger in Redis: a sorted set of article ids by hand-in time, hashes of their
    payloads and versions, and per pipeline queue the unfinished messages by sequence."""

    def __init__(self, client, prefix: str = "newsagg:inflight", queues: tuple[str, ...] = ("enrich", "assign", "index"),
                 unacked_key: str = KOMBU_UNACKED):
        self.r = client
        self.times, self.payloads, self.versions = f"{prefix}:since", f"{prefix}:payload", f"{prefix}:version"
        # article id -> the worker process running one of its steps; worker -> a key with a TTL
        self.holders, self.alive = f"{prefix}:holder", f"{prefix}:alive:"
        # delivery tag -> the worker holding that message, received and not started (JSON)
        self.reserved = f"{prefix}:reserved"
        self.queues, self.unacked = queues, unacked_key
        self.seq = f"{prefix}:seq"
        self.records = {q: f"{prefix}:msgs:{q}" for q in queues}  # mark -> sequence, unfinished messages
        self.watermarks = {q: f"{prefix}:watermark:{q}" for q in queues}  # highest sequence started
        self._scripts = {name: client.register_script(text) for name, text in (
            ("add", _ADD), ("settle", _SETTLE), ("published", _PUBLISHED), ("started", _STARTED),
            ("finished", _FINISHED), ("lost", _LOST))}

    def add(self, article_id: str, payload: dict[str, Any], version: float = 0.0, now: float | None = None) -> bool:
        return bool(self._scripts["add"](
            keys=[self.times, self.payloads, self.versions],
            args=[article_id, json.dumps(payload, ensure_ascii=False), _num(version),
                  _num(time.time() if now is None else now)]))

    def settle(self, article_id: str, version: float = NEWEST) -> bool:
        return bool(self._scripts["settle"](keys=[self.times, self.payloads, self.versions, self.holders],
                                            args=[article_id, _num(version) if version < NEWEST else "1e300"]))

    def payload(self, article_id: str) -> dict[str, Any] | None:
        raw = self.r.hget(self.payloads, article_id)
        return json.loads(raw) if raw else None

    def published(self, article_id: str, queue: str) -> str | None:
        if queue not in self.records:
            return None
        mark = self._scripts["published"](keys=[self.seq, self.records[queue]], args=[article_id])
        return mark.decode() if isinstance(mark, bytes) else mark

    def received(self, tag: str, worker: str, article_id: str, queue: str) -> None:
        self.r.hset(self.reserved, tag, json.dumps({"worker": worker, "article_id": article_id, "queue": queue}))

    def started(self, article_id: str, worker: str | None, queue: str, mark: str | None,
                tag: str | None = None) -> None:
        seq = mark.rpartition("|")[2] if mark and queue in self.watermarks else ""
        self._scripts["started"](keys=[self.holders, self.watermarks.get(queue, self.seq + ":none"), self.reserved],
                                 args=[article_id, worker or "", seq, tag or ""])

    def unreserve(self, tag: str) -> None:
        self.r.hdel(self.reserved, tag)

    def finished(self, article_id: str, worker: str | None, queue: str, mark: str | None) -> bool:
        return bool(self._scripts["finished"](keys=[self.holders, self.records.get(queue, self.seq + ":none")],
                                              args=[article_id, worker or "", mark or ""]))

    def _lost_keys(self) -> list[str]:
        return [self.unacked, self.payloads, *self.queues, *(self.records[q] for q in self.queues),
                *(self.watermarks[q] for q in self.queues), self.seq]

    def _parse(self, rows) -> list[LostMessage]:
        out = []
        for row in rows:
            index, _, mark = (row.decode() if isinstance(row, bytes) else row).partition("|")
            out.append(LostMessage(article_id=mark.rpartition("|")[0], queue=self.queues[int(index) - 1], mark=mark))
        return out

    def lost(self, grace_s: float, limit: int = 1000) -> list[LostMessage]:
        return self._parse(self._scripts["lost"](keys=self._lost_keys(),
                                                 args=["scan", int(grace_s * 1000), int(limit)]))

    def take_lost(self, suspects: list[LostMessage]) -> list[tuple[str, dict[str, Any]]]:
        if not suspects:
            return []
        args = ["take", *(f"{self.queues.index(s.queue) + 1}|{s.mark}" for s in suspects)]
        taken = dict.fromkeys(m.article_id for m in self._parse(self._scripts["lost"](keys=self._lost_keys(), args=args)))
        if not taken:
            return []
        payloads = self.r.hmget(self.payloads, list(taken))
        return [(aid, json.loads(p)) for aid, p in zip(taken, payloads) if p]

    def beat(self, worker: str, ttl_s: float) -> None:
        self.r.set(self.alive + worker, 1, px=max(1, int(ttl_s * 1000)))

    def _alive(self, workers: set[str]) -> set[str]:
        ordered = sorted(workers)
        with self.r.pipeline(transaction=False) as pipe:
            for w in ordered:
                pipe.exists(self.alive + w)
            return {w for w, up in zip(ordered, pipe.execute()) if up}

    def orphans(self) -> list[tuple[str, str, dict[str, Any] | None]]:
        held = {k.decode(): v.decode() for k, v in self.r.hgetall(self.holders).items()}
        if not held:
            return []
        alive = self._alive(set(held.values()))
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

    def stranded(self) -> list[Reserved]:
        notes = []
        for tag, raw in self.r.hgetall(self.reserved).items():
            try:
                note = json.loads(raw)
                notes.append(Reserved(tag=tag.decode(), worker=note["worker"], article_id=note["article_id"],
                                      queue=note["queue"]))
            except (ValueError, KeyError, TypeError):
                self.r.hdel(self.reserved, tag)  # not ours to read: nothing could act on it
        if not notes:
            return []
        alive = self._alive({n.worker for n in notes})
        return [n for n in notes if n.worker not in alive]

    _RELEASE = ("local v = redis.call('HGET', KEYS[1], ARGV[1]) "
                "if v and cjson.decode(v)['worker'] == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) "
                "else return 0 end")

    def release(self, tag: str, worker: str) -> bool:
        # only if the dead worker still holds it: a live one may have received it again since
        return bool(self.r.eval(self._RELEASE, 1, self.reserved, tag, worker))

    def count(self) -> int:
        return self.r.zcard(self.times)

    def stale(self, older_than_s: float, now: float | None = None) -> list[tuple[str, dict[str, Any]]]:
        before = (time.time() if now is None else now) - older_than_s
        ids = [i.decode() for i in self.r.zrangebyscore(self.times, "-inf", f"({before}")]
        if not ids:
            return []
        # articles with a message on record: the watermark check looks after them
        with self.r.pipeline(transaction=False) as pipe:
            for key in self.records.values():
                pipe.zrange(key, 0, -1)
            recorded = {m.decode().rpartition("|")[0] for marks in pipe.execute() for m in marks}
        ids = [i for i in ids if i not in recorded]
        if not ids:
            return []
        payloads = self.r.hmget(self.payloads, ids)
        return [(i, json.loads(p)) for i, p in zip(ids, payloads) if p is not None]
