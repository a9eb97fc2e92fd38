"""Celery beat: each outlet crawled at its own interval, cluster maintenance on schedule,
with a real beat process, real workers and the fixture outlets on loopback."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from datetime import timedelta

import redis
import yaml

from newsagg.core.settings import get_settings
from newsagg.crawler.sources import parse_sources
from newsagg.demo.procs import WorkerCluster, stop_worker, wait_until
from newsagg.workers.beat import build_schedule
from tests.support.celery_env import ROOT

SOURCES = """
outlets:
  - name: Fast Outlet
    url: https://fast.example/
    interval_minutes: 5
  - name: Slow Outlet
    url: https://slow.example/
    interval_minutes: 120
"""


def test_schedule_has_one_crawl_per_outlet_at_its_interval_and_maintenance():
    s = get_settings()
    schedule = build_schedule(parse_sources(SOURCES), s)
    assert schedule["crawl Fast Outlet"]["schedule"] == timedelta(minutes=5)
    assert schedule["crawl Slow Outlet"]["schedule"] == timedelta(hours=2)
    assert schedule["crawl Fast Outlet"]["args"][0] == "Fast Outlet"
    assert {e["options"]["queue"] for k, e in schedule.items() if k.startswith("crawl")} == {"crawl"}
    assert schedule["maintain"]["task"] == "newsagg.maintain"
    assert schedule["maintain"]["schedule"] == timedelta(minutes=s.maintain_interval_minutes)


def _queued_crawls(r: redis.Redis) -> list[str]:
    """Outlet names of the crawl tasks waiting in the queue (kombu JSON envelope)."""
    return [json.loads(base64.b64decode(json.loads(m)["body"]))[0][0] for m in r.lrange("crawl", 0, -1)]


def _stored_outlets(store) -> set[str]:
    return {row[0] for row in store.db.execute("SELECT DISTINCT outlet FROM articles")}


def test_beat_sends_crawls_by_interval_a_crawl_worker_feeds_the_pipeline_and_maintenance_runs(
        distributed, tmp_path, redis_server):
    from newsagg.demo.fixture_web import FixtureWeb
    from newsagg.runtime import open_search_store

    r = redis.Redis.from_url(redis_server.url)
    with FixtureWeb(outlets=["northwire", "metro-digest"]) as web:
        sources = web.write_sources(tmp_path / "sources.yaml")
        data = yaml.safe_load(sources.read_text())
        fast, slow = data["outlets"][0], data["outlets"][1]
        fast["interval_minutes"], slow["interval_minutes"] = 0.03, 120  # every 1.8 s / every 2 h
        sources.write_text(yaml.safe_dump(data))
        env = {**distributed, "NEWSAGG_SOURCES_FILE": str(sources), "NEWSAGG_MAINTAIN_INTERVAL_MINUTES": "0.03",
               "NEWSAGG_LOG_LEVEL": "INFO"}
        beat_log = open(tmp_path / "beat.log", "wb")
        beat = subprocess.Popen([sys.executable, "-m", "celery", "-A", "workers", "beat", "-s",
                                 str(tmp_path / "beat-schedule"), "--max-interval", "1"],
                                env={**os.environ, **env}, cwd=ROOT, stdout=beat_log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            with WorkerCluster(env, tmp_path / "logs", cwd=ROOT) as wc:
                wc.start("maint", queues=("maintain",))
                # No crawl worker yet: the crawls pile up in their queue, one outlet only.
                wait_until(lambda: r.llen("crawl") >= 2, 60, 0.2, "two scheduled crawls")
                queued = _queued_crawls(r)
                assert set(queued) == {fast["name"]}, queued
                wait_until(lambda: "cluster maintenance done" in wc.logs(None), 60, 0.3, "maintenance ran")
                # A crawl worker and a pipeline worker: the fast outlet's articles arrive in the store.
                wc.start("crawler", queues=("crawl",))
                wc.start("pipeline")
                store = open_search_store(get_settings())
                try:
                    wait_until(lambda: store.count_articles() >= 3, 120, 0.5, "crawled articles indexed")
                except TimeoutError:
                    raise AssertionError(wc.logs() + (tmp_path / "beat.log").read_text()[-3000:])
                assert _stored_outlets(store) == {fast["name"]}
        finally:
            stop_worker(beat)
            beat_log.close()
