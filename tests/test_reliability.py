"""Reliability with real parts: redis-server, `celery worker` processes killed with kill -9."""
from __future__ import annotations

import json
import textwrap
import time

import pytest
import redis

from newsagg.core.settings import get_settings
from newsagg.demo.procs import WorkerCluster, wait_ready, wait_until
from newsagg.workers.app import app
from tests.support.celery_env import ROOT
from tests.support.synthetic import synthetic_articles

pytestmark = pytest.mark.slow

# Test-only hook loaded by the worker instead of the plain app: the first article titled
# "HOLD ..." sleeps inside the story engine's lock (as a worker that hangs or is about to
# be killed), after saying so in Redis with its process id.
HOLD_APP = textwrap.dedent('''
    import os
    import time
    import redis
    from newsagg.workers import app  # noqa: F401  (celery -A holdapp finds it)
    import newsagg.workers.tasks  # noqa: F401
    from newsagg.dedupe.engine import StoryEngine

    _r = redis.Redis.from_url(os.environ["REDIS_URL"])
    _assign_new = StoryEngine._assign_new

    def assign_new(self, article, features):
        if article.title.startswith("HOLD") and _r.incr("test:holding") == 1:
            _r.set("test:holder", os.getpid())
            time.sleep(120)
        return _assign_new(self, article, features)

    StoryEngine._assign_new = assign_new
''')


def _store():
    from newsagg.runtime import open_search_store

    return open_search_store(get_settings())


def test_a_worker_killed_holding_the_engine_lock_stalls_assignment_at_most_its_lease(distributed, tmp_path):
    from newsagg.workers.handoff import submit_article

    (tmp_path / "holdapp.py").write_text(HOLD_APP)
    r = redis.Redis.from_url(distributed["REDIS_URL"])
    env = {**distributed, "NEWSAGG_ENGINE_LOCK_TIMEOUT_S": "60"}  # the default wait
    arts = synthetic_articles(6, seed=31)
    with WorkerCluster(env, tmp_path / "logs", app="holdapp", cwd=ROOT) as wc:
        wc.start("w1")
        wc.start("w2")
        wait_ready(app, ["w1", "w2"])
        submit_article({**arts[0], "title": "HOLD " + arts[0]["title"]})
        wait_until(lambda: r.get("test:holder"), 60, 0.01, "a worker holding the lock")
        holder = int(r.get("test:holder"))
        name = next(n for n, p in wc.procs.items() if p.pid == holder)
        version = r.get("newsagg:story:version")
        for a in arts[1:]:
            submit_article(a)
        time.sleep(1.0)  # the other worker is waiting for the lock
        assert r.get("newsagg:story:version") == version
        wc.kill(name)  # kill -9 while it holds the lock
        killed = time.monotonic()
        try:
            wait_until(lambda: r.get("newsagg:story:version") != version, 60, 0.01, "an assignment")
        except TimeoutError:
            raise AssertionError(wc.logs())
        stall = time.monotonic() - killed
        # The killed worker's article comes back (visibility timeout) and is held no more.
        wait_until(lambda: _store().count_articles() == 6, 90, 0.2, "all 6 indexed")
    assert stall <= 5.0, f"assignment stalled {stall:.1f}s after the holder died"


def test_a_second_worker_on_the_host_serves_its_metrics_on_the_next_port_and_says_so(distributed, tmp_path):
    import urllib.request

    from tests.support.servers import free_port

    port = free_port()
    env = {"NEWSAGG_METRICS_PORT": str(port)}
    with WorkerCluster(distributed, tmp_path / "logs", cwd=ROOT) as wc:
        wc.start("w1", env=env)
        wait_ready(app, ["w1"])
        wait_until(lambda: _answers(port), 30, 0.2, "the first worker's metrics")
        wc.start("w2", env=env)
        wait_ready(app, ["w2"])

        def second_up():
            return _answers(port + 1)

        try:
            wait_until(second_up, 30, 0.2, "the second worker's metrics on the next port")
        except TimeoutError:
            raise AssertionError(wc.logs()) from None
        body = urllib.request.urlopen(f"http://127.0.0.1:{port + 1}/metrics", timeout=5).read().decode()
        assert "newsagg_queue_depth" in body
        w2_log = (tmp_path / "logs" / "w2.log").read_text()
    lines = [line for line in w2_log.splitlines() if "in use" in line]
    assert len(lines) == 1 and f"metrics served on port {port + 1}" in lines[0], w2_log[-2000:]
    assert json.loads(lines[0])["level"] == "warning"


def _answers(port: int) -> bool:
    import urllib.request

    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).status == 200
    except OSError:
        return False
