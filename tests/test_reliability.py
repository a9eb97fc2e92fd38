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
        wc.wait_until(lambda: r.get("newsagg:story:version") != version, 60, 0.01, "an assignment")
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

        wc.wait_until(second_up, 30, 0.2, "the second worker's metrics on the next port")
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


def test_a_redelivered_old_index_message_does_not_overwrite_a_newer_version_of_another_article(
        distributed, tmp_path):
    from datetime import timedelta

    from newsagg.core.schema import Article
    from newsagg.workers.handoff import submit_article
    from tests.support.engine_texts import DAY, UNRELATED, WIRE_PARAGRAPHS, WIRE_TITLE, copy_with_clutter, wire

    r = redis.Redis.from_url(distributed["REDIS_URL"])
    wire_story = wire(DAY)
    copy = copy_with_clutter("copyco", DAY - timedelta(hours=2), WIRE_TITLE, WIRE_PARAGRAPHS)  # published first
    title, text = UNRELATED[0]
    rewritten = Article(url=wire_story.url, title=title, text=text, published=DAY,  # the wire's page, fetched again
                        fetched=wire_story.fetched + timedelta(minutes=5))
    with WorkerCluster(distributed, tmp_path / "logs", cwd=ROOT) as wc:
        wc.start("w1")
        submit_article(wire_story)
        wait_until(lambda: _store().get_article(wire_story.id), 60, 0.1, "the wire story indexed")
        wc.close()
        # The copy is assigned (the wire story becomes its copy); its index message is then
        # held up: taken by a worker that vanished, redelivered much later.
        wc.start("w2", queues=("enrich", "assign"))
        submit_article(copy)
        wait_until(lambda: r.llen("index") == 1, 60, 0.05, "the copy's index message queued")
        wc.close()
        late = r.rpop("index")
        wc.start("w3")
        submit_article(rewritten)
        wait_until(lambda: _store().get_article(wire_story.id).title == title, 60, 0.1, "the new version indexed")
        r.lpush("index", late)  # the broker hands the old message out again
        wc.wait_until(lambda: _store().get_article(copy.id), 60, 0.1, "the late copy indexed")
    stored = _store().get_article(wire_story.id)
    assert stored.title == title
    # The rewritten page is not a copy of the wire text: the late message's update
    # (computed for the old version) is not applied over it.
    assert stored.copies_of is None and stored.is_originator, (stored.copies_of, stored.is_originator)


def test_a_second_beat_waits_as_a_standby_and_takes_over_within_its_lease_after_a_kill_9(
        distributed, tmp_path):
    import os
    import subprocess
    import sys

    from newsagg.demo.procs import kill_worker, stop_worker
    from newsagg.workers.beat import BEAT_LOCK_KEY

    r = redis.Redis.from_url(distributed["REDIS_URL"])
    sources = tmp_path / "sources.yaml"
    sources.write_text("outlets:\n  - name: Example\n    url: https://example.org/\n"
                       "    feeds: [https://example.org/rss]\n    interval_minutes: 60\n")
    env = {**os.environ, **distributed, "NEWSAGG_SOURCES_FILE": str(sources), "NEWSAGG_BEAT_LOCK_LEASE_S": "1.5",
           "NEWSAGG_LOG_LEVEL": "INFO", "NEWSAGG_MAINTAIN_INTERVAL_MINUTES": "0.01"}  # maintenance every 0.6 s
    beats = []

    def start(name: str) -> subprocess.Popen:
        out = open(tmp_path / f"{name}.log", "wb")
        beats.append(subprocess.Popen([sys.executable, "-m", "celery", "-A", "workers", "beat", "-s",
                                       str(tmp_path / f"{name}-schedule"), "--max-interval", "1"], env=env, cwd=ROOT,
                                      stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
        out.close()
        return beats[-1]

    try:
        first = start("beat1")
        wait_until(lambda: r.get(BEAT_LOCK_KEY), 60, 0.1, "the first beat's lock")
        assert r.get(BEAT_LOCK_KEY).decode().endswith(f":{first.pid}")
        second = start("beat2")
        wait_until(lambda: "waits as a standby" in (tmp_path / "beat2.log").read_text(), 60, 0.2, "a standby")
        time.sleep(2)  # several leases: the first one keeps renewing, the second keeps waiting
        assert r.get(BEAT_LOCK_KEY).decode().endswith(f":{first.pid}")
        assert "Sending due task" in (tmp_path / "beat1.log").read_text()
        assert "Sending due task" not in (tmp_path / "beat2.log").read_text()  # the standby schedules nothing
        kill_worker(first)
        killed = time.monotonic()
        wait_until(lambda: (r.get(BEAT_LOCK_KEY) or b"").decode().endswith(f":{second.pid}"), 30, 0.05,
                   "the standby took over")
        took = time.monotonic() - killed
        wait_until(lambda: "Sending due task" in (tmp_path / "beat2.log").read_text(), 10, 0.2, "the new beat schedules")
    finally:
        for beat in beats:
            stop_worker(beat)
    assert took <= 1.5 + 1.0, took
