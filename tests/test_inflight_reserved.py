"""A message a worker has received but not started, with real parts: redis-server, `celery
worker` processes, kill -9.

A step that fails with a transient error is retried with a countdown (workers.tasks): Celery
publishes the retry with an ETA, and the worker that receives it keeps it in memory until
then, unacknowledged in Redis. Killed in that countdown, the worker takes the message with it
until the broker's visibility timeout (an hour by default); the other workers' watchdog puts
it back in its queue once the holder missed three beats, so it runs within two minutes.
"""
from __future__ import annotations

import textwrap
import time

import pytest
import redis

from newsagg.core.settings import get_settings
from newsagg.demo.procs import WorkerCluster, wait_ready, wait_until
from newsagg.runtime import get_runtime
from newsagg.workers.app import app
from tests.support.celery_env import ROOT
from tests.support.synthetic import synthetic_articles

pytestmark = pytest.mark.slow

# The settings a deployment runs with (visibility timeout 1 h, heartbeat 10 s, ...), not the
# tests' fast redelivery.
DEFAULTS = ("NEWSAGG_VISIBILITY_TIMEOUT_S", "NEWSAGG_INFLIGHT_RESUBMIT_S", "NEWSAGG_INFLIGHT_LOST_GRACE_S",
            "NEWSAGG_WORKER_HEARTBEAT_S")

# Test-only fault injection, loaded by the workers instead of the plain app: the index step of
# an article titled "FLAKY ..." fails once like an unreachable search backend (transient:
# retried with a countdown), then works.
FLAKY_APP = textwrap.dedent('''
    import os
    import redis
    from newsagg.workers import app  # noqa: F401  (celery -A flakyapp finds it)
    import newsagg.workers.tasks  # noqa: F401
    from newsagg.workers import pipeline

    _r = redis.Redis.from_url(os.environ["REDIS_URL"])
    _index = pipeline.STEP_FUNCTIONS["index"]

    def index_failing_once(payload, settings):
        if payload["article"]["title"].startswith("FLAKY") and _r.incr("test:flaky-attempts") == 1:
            raise ConnectionError("search backend refused the connection")
        return _index(payload, settings)

    pipeline.STEP_FUNCTIONS["index"] = index_failing_once
''')


def _store():
    from newsagg.runtime import open_search_store

    return open_search_store(get_settings())


def _holder_of_scheduled(names: list[str]) -> str | None:
    """The worker (by name) that keeps an ETA task in memory, from Celery's own `inspect scheduled`."""
    replies = app.control.inspect(timeout=1.0).scheduled() or {}
    holders = [host.partition("@")[0] for host, tasks in replies.items() if tasks]
    return holders[0] if len(holders) == 1 and holders[0] in names else None


def _flaky_setup(distributed: dict[str, str], tmp_path, monkeypatch, seed: int):
    """Default settings for everything that brings a message back; a first retry 20-40 s away
    (back-off 40 s with jitter), long enough to act in the countdown. Returns (worker env,
    redis client, the article)."""
    for key in DEFAULTS:
        monkeypatch.delenv(key, raising=False)
        distributed.pop(key, None)
    env = {**distributed, "NEWSAGG_RETRY_BACKOFF_S": "40", "NEWSAGG_RETRY_BACKOFF_MAX_S": "300"}
    get_settings.cache_clear()
    assert get_settings().visibility_timeout_s == 3600 and get_settings().worker_heartbeat_s == 10
    (tmp_path / "flakyapp.py").write_text(FLAKY_APP)
    article = {**synthetic_articles(1, seed=seed)[0], "title": "FLAKY harbour storm report"}
    return env, redis.Redis.from_url(distributed["REDIS_URL"]), article


@pytest.mark.timeout(300)
def test_a_retry_waiting_out_its_countdown_in_a_killed_worker_runs_within_two_minutes(
        distributed, tmp_path, monkeypatch):
    from newsagg.workers.handoff import submit_article

    env, r, article = _flaky_setup(distributed, tmp_path, monkeypatch, seed=53)
    with WorkerCluster(env, tmp_path / "logs", app="flakyapp", cwd=ROOT) as wc:
        wc.start("w1")
        wc.start("w2")
        wait_ready(app, ["w1", "w2"], timeout=90)
        aid = submit_article(article)
        holder = wc.wait_until(lambda: _holder_of_scheduled(["w1", "w2"]), 60, 0.5,
                               "the retry held by a worker, waiting out its countdown")
        assert int(r.get("test:flaky-attempts")) == 1 and r.hlen("unacked") == 1  # unacknowledged in Redis
        assert _store().get_article(aid) is None
        wc.kill(holder)  # kill -9 during the countdown
        killed = time.monotonic()
        survivor = "w2" if holder == "w1" else "w1"
        wc.wait_until(lambda: _store().get_article(aid) is not None, 150, 0.5,
                      "the killed worker's retry indexed by the other worker")
        took = time.monotonic() - killed
        wait_until(lambda: get_runtime().inflight().count() == 0 and r.hlen("unacked") == 0, 30, 0.5,
                   "settled and acknowledged")
        logs = wc.logs(None)
    assert took < 120, f"the retry ran {took:.0f} s after its worker was killed\n{logs}"
    assert f"--- {survivor}.log" in logs and "its worker stopped before starting it" in logs, logs
    assert int(r.get("test:flaky-attempts")) == 2  # the failed try, then the retry: once each
    assert _store().count_articles() == 1 and get_runtime().deadletters().count() == 0
    # Nothing left for the broker to redeliver an hour later, no spare copy queued.
    assert r.hlen("unacked") == 0 and r.llen("enrich") == r.llen("assign") == r.llen("index") == 0
    print(f"retry of a kill -9'd worker indexed {took:.1f} s after the kill")


@pytest.mark.timeout(300)
def test_a_retry_waiting_out_its_countdown_through_a_redis_restart_runs_within_two_minutes(
        distributed, tmp_path, monkeypatch, redis_server):
    """Redis restarted (append-only file: the unacknowledged retry survives) while a worker waits
    out a retry's countdown. kombu 5.7 ends that worker ("Unrecoverable error": restoring its
    unacknowledged message on close fails); it is restarted, as compose's `restart:
    unless-stopped` does, under a new id. The retry's note names the dead one: the watchdog puts
    the message back in its queue, instead of the broker after an hour."""
    from newsagg.workers.handoff import submit_article

    env, r, article = _flaky_setup(distributed, tmp_path, monkeypatch, seed=59)
    with WorkerCluster(env, tmp_path / "logs", app="flakyapp", cwd=ROOT) as wc:
        proc = wc.start("w1")
        wait_ready(app, ["w1"], timeout=90)
        aid = submit_article(article)
        wc.wait_until(lambda: _holder_of_scheduled(["w1"]), 60, 0.5, "the retry waiting out its countdown in w1")
        redis_server.restart(down_seconds=1)
        restarted = time.monotonic()
        try:
            wait_until(lambda: proc.poll() is not None, 15, 0.5, "w1 ended")
        except TimeoutError:
            pass  # a kombu that survives the loss: its own restore on reconnect puts the retry back
        if proc.poll() is not None:
            wc.start("w1")  # what the container's restart policy does
        wc.wait_until(lambda: _store().get_article(aid) is not None, 150, 0.5, "the retry indexed after the restart")
        took = time.monotonic() - restarted
        wait_until(lambda: get_runtime().inflight().count() == 0 and r.hlen("unacked") == 0, 30, 0.5,
                   "settled and acknowledged")
        logs = wc.logs(None)
    assert took < 120, f"the retry ran {took:.0f} s after the restart\n{logs}"
    assert int(r.get("test:flaky-attempts")) == 2, logs
    assert _store().count_articles() == 1 and get_runtime().deadletters().count() == 0
    assert r.hlen("unacked") == 0 and r.llen("enrich") == r.llen("assign") == r.llen("index") == 0
    print(f"retry held through a Redis restart indexed {took:.1f} s after it")
