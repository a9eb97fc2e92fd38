"""The whole pipeline on real parts: redis-server, 2 `celery worker` processes, the
story engine on Redis and the SQLite store, with a worker killed or Redis restarted
in the middle of the run."""
from __future__ import annotations

import urllib.request
from collections import defaultdict

import pytest
import redis

from newsagg.core.schema import Article
from newsagg.core.settings import get_settings
from newsagg.demo.procs import WorkerCluster, wait_ready, wait_until
from newsagg.runtime import get_runtime
from newsagg.workers.app import app
from newsagg.workers.handoff import resubmit_stale, submit_article
from tests.support.celery_env import ROOT
from tests.support.servers import free_port
from tests.support.synthetic import synthetic_articles

pytestmark = pytest.mark.slow


def _store():
    from newsagg.runtime import open_search_store

    return open_search_store(get_settings())


def _metrics(port: int) -> dict[str, float]:
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    out = {}
    for line in body.splitlines():
        if line.startswith("newsagg_") and " " in line:
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


def _check_all_there(ids: list[str]) -> list[Article]:
    store = _store()
    assert store.count_articles() == len(set(ids))  # nothing duplicated
    stored = [store.get_article(i) for i in ids]
    missing = [i for i, a in zip(ids, stored) if a is None]
    assert not missing, f"{len(missing)} articles lost"
    assert all(a.event_id and a.group_id and a.language and a.keywords and a.summary and a.word_count
               for a in stored)
    assert sum(bool(a.entities) for a in stored) >= 0.95 * len(stored)  # some name nobody it knows
    assert get_runtime().deadletters().count() == 0
    return stored


def test_2000_articles_through_2_workers_each_enriched_clustered_indexed_once(distributed_fast, tmp_path):
    arts = synthetic_articles(2000, seed=11, per_event=8)
    ids = [submit_article(a) for a in arts]
    assert len(set(ids)) == 2000
    ports = [free_port(), free_port()]
    with WorkerCluster(distributed_fast, tmp_path / "logs", cwd=ROOT) as wc:
        for i, port in enumerate(ports):
            wc.start(f"w{i}", env={"NEWSAGG_METRICS_PORT": str(port)})
        wc.wait_until(lambda: _store().count_articles() == 2000, 240, 0.5, "2000 indexed")
        # A step's counter goes up after its write returns: the last article can be in
        # the store a moment before its worker has counted it.
        index_done = 'newsagg_articles_processed_total{step="index"}'
        wc.wait_until(lambda: sum(_metrics(p).get(index_done, 0) for p in ports) >= 2000, 30, 0.2,
                      "2000 index steps counted")
        m = [_metrics(p) for p in ports]
    stored = _check_all_there(ids)
    # Every article went through each step exactly once, shared by both workers.
    for step in ("enrich", "assign", "index"):
        per_worker = [x.get(f'newsagg_articles_processed_total{{step="{step}"}}', 0) for x in m]
        assert sum(per_worker) == 2000 and min(per_worker) > 0, (step, per_worker)
    assert m[0]['newsagg_queue_depth{queue="enrich"}'] == 0
    assert any(k.startswith("newsagg_step_latency_seconds_count") for k in m[0])
    # The story engine saw them all: each synthetic event (8 articles) ends up in one cluster.
    by_event = defaultdict(set)
    for a, s in zip(arts, stored):
        by_event[a["url"].split("/")[-2]].add(s.event_id)
    together = sum(len(v) == 1 for v in by_event.values()) / len(by_event)
    assert together >= 0.95, together


def test_kill_9_of_a_worker_mid_run_loses_and_duplicates_nothing(distributed_fast, tmp_path):
    arts = synthetic_articles(500, seed=12)
    ids = [submit_article(a) for a in arts]
    r = redis.Redis.from_url(distributed_fast["REDIS_URL"])
    with WorkerCluster(distributed_fast, tmp_path / "logs", cwd=ROOT) as wc:
        wc.start("w1")
        wc.start("w2")
        wait_until(lambda: _store().count_articles() >= 120, 120, 0.05, "a fifth indexed")
        # Mid-task: a message taken and not yet acknowledged (both workers can be between tasks).
        wait_until(lambda: r.hlen("unacked") >= 1, 10, 0.001, "a task in progress")
        wc.kill("w1")  # kill -9 of its process group
        wc.wait_until(lambda: _store().count_articles() == 500, 180, 0.5, "500 indexed after the kill")
        wait_until(lambda: r.hlen("unacked") == 0, 30, 0.2, "no message left unacknowledged")
    _check_all_there(ids)


def test_redis_restart_mid_run_completes_and_loses_nothing(distributed, tmp_path, redis_server, monkeypatch):
    env = {**distributed, "NEWSAGG_TASK_MAX_RETRIES": "8"}  # ride out the outage on retries
    monkeypatch.setenv("NEWSAGG_INFLIGHT_RESUBMIT_S", "20")
    get_settings.cache_clear()
    arts = synthetic_articles(300, seed=13)
    ids = [submit_article(a) for a in arts]
    with WorkerCluster(env, tmp_path / "logs", cwd=ROOT) as wc:
        wc.start("w1")
        wc.start("w2")
        wait_ready(app, ["w1", "w2"])
        wait_until(lambda: _store().count_articles() >= 60, 120, 0.05, "a fifth indexed")
        redis_server.restart(down_seconds=1.0)

        def all_indexed() -> bool:
            # What beat's maintenance does: kombu can drop a message that was on its way when
            # Redis went away; the in-flight ledger hands such articles in again.
            try:
                resubmit_stale(get_settings())
            except redis.RedisError:  # still loading its append-only file: the next round (as beat's next run)
                return False
            return _store().count_articles() == 300

        wc.wait_until(all_indexed, 180, 0.5, "300 indexed after the restart")
        assert all(p.poll() is None for p in wc.procs.values())  # the workers rode it out
        assert "Connection to broker lost" in wc.logs(None)  # the outage really hit them
    _check_all_there(ids)
