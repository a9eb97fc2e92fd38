"""Messages the broker loses, with real parts: redis-server, `celery worker` processes.

kombu's Redis transport pops a message (BRPOP) and records it as unacknowledged in a second
step: a kill -9 between the two, or a Redis restart dropping a queued message, leaves it in
no queue. The workers' watchdog hands such an article in again within two minutes with the
default settings, and never hands in again a backlog that is only waiting.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
import redis
from click.testing import CliRunner

from newsagg.core.schema import Article
from newsagg.core.settings import get_settings
from newsagg.demo.procs import WorkerCluster, wait_ready, wait_until
from newsagg.runtime import get_runtime
from newsagg.workers.app import app
from tests.support.celery_env import ROOT
from tests.support.synthetic import synthetic_articles

pytestmark = pytest.mark.slow

# The settings a deployment runs with, not the tests' fast redelivery.
DEFAULTS = ("NEWSAGG_VISIBILITY_TIMEOUT_S", "NEWSAGG_INFLIGHT_RESUBMIT_S", "NEWSAGG_INFLIGHT_LOST_GRACE_S",
            "NEWSAGG_WORKER_HEARTBEAT_S")


def _store():
    from newsagg.runtime import open_search_store

    return open_search_store(get_settings())


def _with_defaults(env: dict[str, str], monkeypatch) -> dict[str, str]:
    for key in DEFAULTS:
        monkeypatch.delenv(key, raising=False)
    get_settings.cache_clear()
    return {k: v for k, v in env.items() if k not in DEFAULTS}


def _lost_warnings(wc: WorkerCluster) -> int:
    return wc.logs(None).count("its message was lost")


def test_a_message_popped_and_never_acknowledged_or_dropped_by_redis_is_processed_within_2_minutes(
        distributed, tmp_path, redis_server, monkeypatch):
    """Default settings (visibility timeout 1 h, last-resort resubmission 30 min): the watchdog of
    a running worker finds the two lost messages and hands their articles in again, once."""
    from newsagg.workers.handoff import submit_article

    env = _with_defaults(distributed, monkeypatch)
    assert get_settings().visibility_timeout_s == 3600 and get_settings().inflight_resubmit_s == 1800
    r = redis.Redis.from_url(redis_server.url)
    ids = [submit_article(a) for a in synthetic_articles(8, seed=41)]
    assert r.llen("enrich") == 8
    # The pop-to-ack kill: the oldest message is popped as a worker's BRPOP would, and its
    # popper dies before kombu records it as unacknowledged: it is in no queue and not unacked.
    _, popped = r.brpop(["enrich"], timeout=5)
    # A Redis restart without the newest message (it was still queued): dropped.
    dropped = r.lpop("enrich")
    lost_at = time.monotonic()
    assert popped and dropped and r.llen("enrich") == 6 and r.hlen("unacked") == 0
    ledger = get_runtime().inflight()
    with WorkerCluster(env, tmp_path / "logs", cwd=ROOT) as wc:
        wc.start("w1")
        try:
            wait_until(lambda: _store().count_articles() == 8 and ledger.count() == 0, 150, 0.5,
                       "all 8 articles indexed, nothing in flight")
        except TimeoutError:
            raise AssertionError(f"{_store().count_articles()} stored, {ledger.count()} in flight\n{wc.logs()}")
        took = time.monotonic() - lost_at
        assert took < 120, f"the lost articles took {took:.0f} s"
        assert _lost_warnings(wc) == 2  # each handed in once, by the watchdog, no operator
    assert all(_store().get_article(i) is not None for i in ids)
    assert _store().count_articles() == 8 and get_runtime().deadletters().count() == 0
    assert r.llen("enrich") == 0 and r.llen("assign") == 0 and r.llen("index") == 0  # no spare copies queued


def test_a_backlog_waiting_in_its_queue_is_never_handed_in_again(distributed, tmp_path, redis_server, monkeypatch):
    """Even with a 1 s grace, a 1 s last resort and beats every second: the watchdog of a worker
    that consumes no pipeline queue, and `newsagg maintain`, leave 150 waiting messages alone;
    a pipeline worker then takes the backlog through once (nothing handed in again meanwhile)."""
    from newsagg.cli import main
    from newsagg.workers.handoff import submit_article

    for key, value in (("NEWSAGG_INFLIGHT_LOST_GRACE_S", "1"), ("NEWSAGG_INFLIGHT_RESUBMIT_S", "1"),
                       ("NEWSAGG_WORKER_HEARTBEAT_S", "1")):
        monkeypatch.setenv(key, value)
        distributed[key] = value
    get_settings.cache_clear()
    r = redis.Redis.from_url(redis_server.url)
    for a in synthetic_articles(150, seed=43):
        submit_article(a)
    with WorkerCluster(distributed, tmp_path / "logs", cwd=ROOT) as wc:
        wc.start("idle", queues=("maintain",))  # its watchdog runs; it consumes no pipeline queue
        wait_ready(app, ["idle"], timeout=60)
        time.sleep(4)  # several watchdog rounds, every message older than the grace
        result = CliRunner().invoke(main, ["maintain"])
        assert result.exit_code == 0, result.output
        assert r.llen("enrich") == 150, "the waiting backlog was handed in again"
        wc.start("w1")
        wc.wait_until(lambda: _store().count_articles() == 150 and get_runtime().inflight().count() == 0, 240, 0.5,
                      "the backlog indexed")
        assert _lost_warnings(wc) == 0 and "handed in again" not in wc.logs(None)
    assert r.llen("enrich") == 0 and get_runtime().deadletters().count() == 0


def test_a_lost_newer_version_is_handed_in_again_even_after_an_older_version_came_later(
        distributed, tmp_path, redis_server, monkeypatch):
    """The ledger keeps the newest version handed in: the newer version's message is lost, the
    older one (handed in later) is indexed; the newer one is handed in again and ends in the store."""
    from newsagg.workers.handoff import submit_article

    monkeypatch.setenv("NEWSAGG_INFLIGHT_LOST_GRACE_S", "2")
    distributed["NEWSAGG_INFLIGHT_LOST_GRACE_S"] = "2"
    get_settings.cache_clear()
    old = synthetic_articles(1, seed=47)[0]
    old["fetched"] = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()
    new = {**old, "title": old["title"] + " (updated)", "text": old["text"] + "\n\nUpdate: a new figure.",
           "fetched": (datetime.fromisoformat(old["fetched"]) + timedelta(hours=1)).isoformat(), "content_hash": ""}
    aid = submit_article(new)
    assert submit_article(old) == aid  # the old version, late (a re-crawl of a stale copy, a replay)
    r = redis.Redis.from_url(redis_server.url)
    r.brpop(["enrich"], timeout=5)  # the newer version's message: popped, never acknowledged
    assert r.llen("enrich") == 1
    newest = Article.model_validate(new).content_hash
    with WorkerCluster(distributed, tmp_path / "logs", cwd=ROOT) as wc:
        wc.start("w1")
        try:
            wait_until(lambda: (a := _store().get_article(aid)) is not None and a.content_hash == newest
                       and get_runtime().inflight().count() == 0, 90, 0.5, "the newer version stored")
        except TimeoutError:
            stored = _store().get_article(aid)
            raise AssertionError(f"stored: {stored and stored.title}\n{wc.logs()}")
    assert _store().count_articles() == 1
