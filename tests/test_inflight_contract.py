"""The in-flight ledger's contract (workers.inflight.InFlightLedger), run on every variant the
runtime can build: none (embedded: nothing is ever in flight) and Redis (a real redis-server)."""
from __future__ import annotations

import threading
import time

import pytest
import redis

from newsagg.workers.inflight import InFlightLedger
from tests.support.backends import runtime_for, variants

OLD, NEW = 1_700_000_000.0, 1_700_003_600.0  # fetched an hour apart


def _payload(version: str) -> dict:
    return {"url": "https://x.example/a", "text": f"text {version}", "title": version}


@pytest.fixture(params=variants("inflight"))
def ledger(request, tmp_path):
    rt, _ = runtime_for(request.param, request, tmp_path)
    yield rt.inflight()
    rt.close()


def _kept(ledger: InFlightLedger) -> dict | None:
    return ledger.payload("a") if ledger.tracks else None


def test_every_variant_declares_the_contract(ledger):
    assert isinstance(ledger, InFlightLedger)


def test_an_older_version_handed_in_later_never_replaces_the_newer_one(ledger):
    assert ledger.add("a", _payload("new"), NEW) is ledger.tracks
    assert ledger.add("a", _payload("old"), OLD) is False  # late: kept out
    assert _kept(ledger) == (_payload("new") if ledger.tracks else None)
    assert ledger.add("a", _payload("newer"), NEW + 1) is ledger.tracks
    assert ledger.add("a", _payload("same time, later"), NEW + 1) is ledger.tracks  # a tie replaces, as in the stores
    assert _kept(ledger) == (_payload("same time, later") if ledger.tracks else None)
    assert ledger.count() == (1 if ledger.tracks else 0)


def test_settling_an_older_version_leaves_the_newer_in_flight(ledger):
    ledger.add("a", _payload("new"), NEW)
    assert ledger.settle("a", OLD) is False  # the old one was indexed: the new one is still to come
    assert ledger.count() == (1 if ledger.tracks else 0) and _kept(ledger) == (_payload("new") if ledger.tracks else None)
    assert ledger.settle("a", NEW) is ledger.tracks
    assert ledger.count() == 0 and _kept(ledger) is None


def test_racing_versions_end_with_the_newest(ledger, request):
    """Many writers at once (WATCH-free: one Lua script each): the newest version wins."""
    if not ledger.tracks:
        pytest.skip("nothing is kept")
    versions = list(range(200))
    url = request.getfixturevalue("redis_server").url

    def write(part: list[int]) -> None:
        from newsagg.workers.inflight import InFlight

        mine = InFlight(redis.Redis.from_url(url))
        for v in part:
            mine.add("a", _payload(str(v)), OLD + v)

    threads = [threading.Thread(target=write, args=(versions[i::4][::-1 if i % 2 else 1],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _kept(ledger) == _payload("199")


def test_a_message_popped_and_not_acknowledged_is_lost_a_queued_one_is_not(ledger, request):
    """The watermark check on a real redis-server: three messages queued, the worker starts the
    second; the first was popped and is nowhere (lost), the third still waits (not lost)."""
    if not ledger.tracks:
        assert ledger.lost(0) == [] and ledger.published("a", "enrich") is None
        return
    r = redis.Redis.from_url(request.getfixturevalue("redis_server").url)
    marks = {}
    for aid in ("a", "b", "c"):
        ledger.add(aid, _payload(aid), NEW)
        marks[aid] = ledger.published(aid, "enrich")
        r.lpush("enrich", f'{{"headers": {{"newsagg_msg": "{marks[aid]}"}}}}')
        time.sleep(0.002)
    r.rpop("enrich", 2)  # a: popped and lost; b: popped by the worker, unacknowledged below
    r.hset("unacked", "tag-b", f'[{{"headers": {{"newsagg_msg": "{marks["b"]}"}}}}, "", "enrich"]')
    ledger.started("b", "w1", "enrich", marks["b"])
    lost = ledger.lost(0)
    assert [(m.article_id, m.queue) for m in lost] == [("a", "enrich")]
    assert ledger.take_lost(lost) == [("a", _payload("a"))]
    assert ledger.take_lost(lost) == []  # taken once
    assert ledger.lost(0) == []
    ledger.finished("b", "w1", "enrich", marks["b"])
    r.hdel("unacked", "tag-b")
    assert ledger.lost(0) == [] and r.llen("enrich") == 1  # c waits in its queue: not lost
    r.delete("enrich")  # dropped by a Redis restart: its queue is empty, it is lost
    assert [m.article_id for m in ledger.lost(0)] == ["c"]
    assert ledger.lost(60) == []  # but not before the grace
    ledger.settle("c", NEW)
    assert ledger.lost(0) == [] and ledger.take_lost([]) == []  # settled: forgotten


def test_a_requeued_message_is_not_lost_and_waits_its_new_turn(ledger, request):
    """A message put back at the end of its queue (a restore, a reject with requeue) is below the
    watermark but not lost; it takes a new sequence, so the next checks skip it (no rescan of
    the queue every round) until the consumers reach it again."""
    if not ledger.tracks:
        return
    r = redis.Redis.from_url(request.getfixturevalue("redis_server").url)
    marks = {}
    for aid in ("a", "b", "c"):
        ledger.add(aid, _payload(aid), NEW)
        marks[aid] = ledger.published(aid, "enrich")
        time.sleep(0.002)
    r.lpush("enrich", f'{{"headers": {{"newsagg_msg": "{marks["c"]}"}}}}')
    r.lpush("enrich", f'{{"headers": {{"newsagg_msg": "{marks["a"]}"}}}}')  # a, requeued behind c
    ledger.started("b", "w1", "enrich", marks["b"])  # b started: a, sent before it, was popped (and put back)
    ledger.finished("b", "w1", "enrich", marks["b"])
    assert ledger.lost(0) == []  # a is queued again: not lost
    key = ledger.records["enrich"]
    assert r.zscore(key, marks["a"]) > r.zscore(key, marks["c"])  # a's turn is after c now
    r.rpop("enrich")  # c popped (and lost)
    ledger.started("x", "w1", "enrich", str(int(r.zscore(key, marks["c"]))))
    assert [m.article_id for m in ledger.lost(0)] == ["c"]


def test_a_message_received_and_not_started_is_stranded_once_its_worker_stops_beating(ledger):
    """A worker notes what it received (an ETA retry waiting out its countdown); starting the
    step drops the note; a note whose worker missed its beats is released to one caller only."""
    if not ledger.tracks:
        ledger.received("tag-a", "w1", "a", "index")
        ledger.started("a", "w1", "index", None, "tag-a")
        assert ledger.stranded() == [] and ledger.release("tag-a", "w1") is False
        return
    ledger.beat("w1", 0.3)
    ledger.beat("w2", 60)
    ledger.received("tag-a", "w1", "a", "index")  # waiting out its countdown in w1
    ledger.received("tag-b", "w1", "b", "enrich")
    ledger.received("tag-c", "w2", "c", "index")  # w2 lives
    assert ledger.stranded() == []  # w1 still beats
    ledger.started("b", "w1", "enrich", None, "tag-b")  # b's step started: held as running instead
    ledger.finished("b", "w1", "enrich", None)
    time.sleep(0.4)  # w1 missed its beats (kill -9)
    stranded = ledger.stranded()
    assert [(s.tag, s.worker, s.article_id, s.queue) for s in stranded] == [("tag-a", "w1", "a", "index")]
    assert ledger.orphans() == []  # nothing of w1 was running
    assert ledger.release("tag-a", "w1") is True
    assert ledger.release("tag-a", "w1") is False  # one watchdog takes it
    assert ledger.stranded() == []
    ledger.received("tag-c", "w3", "c", "index")  # received again by another worker (w3 has not beaten)
    assert ledger.release("tag-c", "w2") is False  # no longer w2's to release
    ledger.unreserve("tag-c")  # revoked
    assert ledger.stranded() == []
