"""The watchdog: an article whose worker died in the middle of a step (kill -9, a lost
machine) is handed in again within a minute, not after the broker's visibility timeout
(an hour by default).

Each worker process beats in the in-flight ledger (workers.inflight) every
worker_heartbeat_s and holds the article whose step it runs; every worker (an idle one
too: it may be the only one left, or the dead one restarted) hands in again the articles
held by a process that missed three beats. The pipeline is idempotent, so the broker's own
redelivery of the dead worker's message, an hour later, changes nothing.

A message a worker received and had not started when it died (a retry waiting out its
countdown, a prefetched message) is noted by its delivery tag at receipt; once its worker
missed three beats, one watchdog puts that very message back in its queue (kombu's own
restore, as after the visibility timeout), with its retry count and ETA: the next worker runs
it, and nothing is left for the broker to redeliver an hour later.

Each round also hands in again the articles whose message the broker lost: popped and
killed before kombu recorded it as unacknowledged, or dropped by a Redis restart
(workers.handoff.hand_in_lost); a queued backlog is left alone.

Celery imports this module with the tasks (workers.app `include`); nothing else imports it,
so it may use the hand-off, which runs the tasks.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from typing import Any

import redis
from celery import signals
from celery.concurrency.solo import TaskPool as SoloPool

from newsagg.core.settings import Settings, get_settings
from newsagg.workers.app import app
from newsagg.workers.handoff import hand_in_lost, submit_article
from newsagg.workers.pipeline import payload_article_id
from newsagg.workers.services import services
from newsagg.workers.tasks import MESSAGE_MARK, PipelineTask, task_settings

log = logging.getLogger(__name__)

_watch: tuple[int, str] | None = None  # (pid, this process's worker id)
_watch_lock = threading.Lock()
_held: dict[str, tuple[str, str | None, str, str | None]] = {}  # task id -> (article, worker, queue, mark)


def worker_id(settings: Settings) -> str | None:
    """This process's worker id, starting its heartbeat and watchdog thread on first use
    (per process: a prefork child has its own); None when nothing is tracked (embedded)."""
    global _watch
    pid = os.getpid()
    with _watch_lock:
        if _watch is not None and _watch[0] == pid:
            return _watch[1]
        ledger = services(settings).inflight()
        if not ledger.tracks or settings.worker_heartbeat_s <= 0:
            return None
        me = f"{socket.gethostname()}:{pid}:{uuid.uuid4().hex[:8]}"  # a restarted worker is a new one
        ledger.beat(me, settings.worker_heartbeat_s * 3)
        threading.Thread(target=_watch_loop, args=(me, settings), daemon=True, name="newsagg-watchdog").start()
        _watch = (pid, me)
        return me


def hand_in_orphans(me: str, settings: Settings) -> int:
    """One round: hand in again the articles held by workers that stopped beating; returns how many."""
    ledger = services(settings).inflight()
    count = 0
    for aid, dead, payload in ledger.orphans():
        if dead == me or not ledger.claim(aid, dead):
            continue  # ours, or another worker took it over first
        if payload is None:  # queued without the hand-off (no payload kept): the broker redelivers it
            log.warning("article of a dead worker has no payload in the ledger", extra={"article_id": aid,
                                                                                       "worker": dead})
            continue
        submit_article(payload, settings)
        count += 1
        log.warning("article handed in again: its worker stopped in the middle of a step",
                    extra={"article_id": aid, "worker": dead})
    return count


def hand_back_stranded(me: str, settings: Settings) -> int:
    """One round: put back in their queues the messages received, and not started, by workers
    that stopped beating; returns how many were put back."""
    ledger = services(settings).inflight()
    stranded = [s for s in ledger.stranded() if s.worker != me]
    if not stranded:
        return 0
    count = 0
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        for note in stranded:
            if not ledger.release(note.tag, note.worker):
                continue  # another worker took it over first, or its worker received it again
            if not channel.client.hexists(channel.unacked_key, note.tag):
                continue  # acknowledged, or already restored (a warm shutdown puts its messages back)
            # kombu's restore, in one transaction: out of the unacknowledged hash, into its queue
            try:
                channel.qos.restore_by_tag(note.tag)
            except Exception:
                ledger.received(note.tag, note.worker, note.article_id, note.queue)  # the next round tries again
                raise
            count += 1
            log.warning("message handed back to its queue: its worker stopped before starting it",
                        extra={"article_id": note.article_id, "worker": note.worker, "queue": note.queue})
    return count


def _watch_loop(me: str, settings: Settings) -> None:
    every = settings.worker_heartbeat_s
    while True:
        try:
            services(settings).inflight().beat(me, every * 3)
            hand_in_orphans(me, settings)
            hand_back_stranded(me, settings)
            hand_in_lost(settings)  # popped and never acknowledged, or dropped by Redis
        except Exception as exc:  # noqa: BLE001  Redis away, a bad payload: the next round tries again
            log.warning("watchdog round failed", extra={"error": f"{type(exc).__name__}: {exc}"[:200]})
        time.sleep(every)


@signals.worker_ready.connect
def _worker_ready(**_: Any) -> None:
    worker_id(get_settings())  # an idle worker watches too


def _message_mark(request: Any) -> str | None:
    mark = getattr(request, MESSAGE_MARK, None) or (getattr(request, "headers", None) or {}).get(MESSAGE_MARK)
    return mark if isinstance(mark, str) else None


def _delivery_tag(request: Any) -> str | None:
    """The broker's delivery tag of a worker's request (at receipt) or a task's (running)."""
    message = getattr(request, "message", None)
    tag = getattr(message, "delivery_tag", None) or (getattr(request, "properties", None) or {}).get("delivery_tag")
    return tag if isinstance(tag, str) else None


def _may_wait(request: Any, consumer: Any) -> bool:
    """Whether a received message may wait in this worker before its step starts: it has an
    ETA (a retry's countdown), or the pool queues work for its processes or threads. The solo
    pool runs any other message at once, in the same call."""
    return getattr(request, "eta", None) is not None or not isinstance(getattr(consumer, "pool", None), SoloPool)


@signals.task_received.connect
def _task_received(sender=None, request=None, **_: Any) -> None:
    # The consumer took the message (unacknowledged): noted until its step starts, so that
    # a retry waiting out its countdown here is not lost with this worker for an hour.
    task = getattr(request, "task", None)
    tag = _delivery_tag(request)
    if not isinstance(task, PipelineTask) or tag is None or not request.args or not _may_wait(request, sender):
        return
    settings = get_settings()
    try:
        ledger = services(settings).inflight()
        me = worker_id(settings) if ledger.tracks else None
        if me is not None:
            ledger.received(tag, me, payload_article_id(request.args[0]), task.step)
    except redis.RedisError as exc:  # the broker meets the same trouble: kombu restores it after its timeout
        log.warning("received message not noted in the in-flight ledger", extra={"error": str(exc)[:200]})


@signals.task_revoked.connect
def _task_revoked(request=None, **_: Any) -> None:
    tag = _delivery_tag(request)
    if tag is None or not isinstance(getattr(request, "task", None), PipelineTask):
        return
    try:
        services(get_settings()).inflight().unreserve(tag)
    except redis.RedisError:
        pass  # left noted: put back in its queue once this worker is gone, which is harmless


@signals.task_prerun.connect
def _task_prerun(task_id: str = "", task=None, args=None, **_: Any) -> None:
    if not isinstance(task, PipelineTask) or not args or task.request.is_eager:
        return
    settings = task_settings()
    try:
        ledger = services(settings).inflight()
        if not ledger.tracks:
            return
        me, aid, mark = worker_id(settings), payload_article_id(args[0]), _message_mark(task.request)
        # held by this process (no longer as received); the queue's watermark: everything sent
        # before this message was popped
        ledger.started(aid, me, task.step, mark, _delivery_tag(task.request))
        _held[task_id] = (aid, me, task.step, mark)
    except redis.RedisError as exc:  # the step itself meets the same trouble and retries
        log.warning("article not held in the in-flight ledger", extra={"error": str(exc)[:200]})


@signals.task_postrun.connect
def _task_postrun(task_id: str = "", state: str | None = None, **_: Any) -> None:
    held = _held.pop(task_id, None)
    if held is None:
        return
    aid, me, queue, mark = held
    try:  # the next step is a message in Redis now: safe without us
        # rejected with requeue: the same message is back in its queue, still on record
        services(task_settings()).inflight().finished(aid, me, queue, None if state == "REJECTED" else mark)
    except redis.RedisError:
        pass  # left held: handed in once more if this worker dies, which is harmless
