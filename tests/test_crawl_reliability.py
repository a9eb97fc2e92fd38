"""The crawl loses nothing when the hand-off fails, and its memory in Redis stays bounded."""
from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from newsagg.cli import main
from newsagg.core.settings import get_settings
from newsagg.demo.fixture_web import FixtureWeb


def _one_outlet(web: FixtureWeb, path):
    sources = web.write_sources(path)
    data = yaml.safe_load(sources.read_text(encoding="utf-8"))
    data["outlets"] = data["outlets"][:1]
    sources.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return sources, data["outlets"][0]["name"]


@pytest.mark.timeout(150)
def test_articles_the_sink_refused_are_crawled_again_next_run_not_hidden_by_a_304(tmp_path, monkeypatch):
    received = tmp_path / "sink.jsonl"
    monkeypatch.setenv("NEWSAGG_CRAWL_SINK", "tests.support.sinks:record_article")
    monkeypatch.setenv("NEWSAGG_TEST_SINK_FILE", str(received))
    monkeypatch.setenv("NEWSAGG_TEST_SINK_REFUSE", "1")  # the next stage is down for the first run
    get_settings.cache_clear()
    with FixtureWeb() as web:
        sources, outlet = _one_outlet(web, tmp_path / "sources.yaml")
        expected = {a.canonical_url for a in web.expected_articles() if a.outlet == outlet}
        refused = CliRunner().invoke(main, ["crawl", "--sources", str(sources), "--json"])
        assert json.loads(refused.stdout)["errors"].get("handoff") == len(expected) > 0, refused.output
        assert not received.exists()

        monkeypatch.delenv("NEWSAGG_TEST_SINK_REFUSE")  # back up: the same data dir, the same feeds
        get_settings.cache_clear()
        again = CliRunner().invoke(main, ["crawl", "--sources", str(sources), "--json"])
        assert again.exit_code == 0, again.output
        got = {json.loads(line)["url"] for line in received.read_text(encoding="utf-8").splitlines()}
        assert got == expected  # every refused article came through on the next run

        # Now every article was handed off: the feeds' validators are kept, the third run asks
        # conditionally and hands in nothing twice.
        third = CliRunner().invoke(main, ["crawl", "--sources", str(sources), "--json"])
        stats = json.loads(third.stdout)
        assert stats["articles"] == 0 and stats["not_modified"] > 0, third.output
        assert len(received.read_text(encoding="utf-8").splitlines()) == len(expected)


def test_maintain_prunes_the_redis_frontier_and_moves_the_unbounded_keys_of_earlier_versions(
        redis_server, monkeypatch):
    import redis

    from newsagg.crawler.store import DUPEFILTER_KEY, FETCHED_KEY, LEGACY_DUPEFILTER_KEY, LEGACY_FETCHED_KEY
    from newsagg.runtime import get_runtime

    monkeypatch.setenv("REDIS_URL", redis_server.url)
    monkeypatch.setenv("NEWSAGG_CRAWL_REMEMBER_DAYS", str(1.0 / 86400))  # one second
    monkeypatch.setenv("NEWSAGG_CRAWL_DUPEFILTER_TTL_S", "1")
    get_settings.cache_clear()
    r = redis.Redis.from_url(redis_server.url)
    # What an earlier version left: a hash of every URL ever fetched, a set of every fingerprint.
    r.hset(LEGACY_FETCHED_KEY, mapping={"https://a.example/old": 1000.0, "https://a.example/recent": 4e9})
    r.sadd(LEGACY_DUPEFILTER_KEY, "fp-1", "fp-2")
    frontier = get_runtime().crawl_frontier()
    assert frontier.seen("https://a.example/old")  # still read before `maintain` moves it
    frontier.mark("https://a.example/a1")
    r.zadd(DUPEFILTER_KEY, {"fp-old": 1000.0})
    import time

    time.sleep(1.2)
    frontier.mark("https://a.example/a2")
    result = CliRunner().invoke(main, ["maintain"])
    assert result.exit_code == 0, result.output
    assert not frontier.seen("https://a.example/old") and not frontier.seen("https://a.example/a1")
    assert frontier.seen("https://a.example/a2") and frontier.seen("https://a.example/recent")
    assert not r.exists(LEGACY_FETCHED_KEY) and not r.exists(LEGACY_DUPEFILTER_KEY)
    assert r.zcard(FETCHED_KEY) == 2 and r.zcard(DUPEFILTER_KEY) == 0
    frontier.close()


def test_the_distributed_crawl_forgets_request_fingerprints_after_their_ttl(redis_server):
    import time

    import redis
    from scrapy import Request

    from newsagg.crawler.dupefilter import TimedDupeFilter

    df = TimedDupeFilter(redis.Redis.from_url(redis_server.url), "t:seen", ttl=0.5)
    first = Request("https://a.example/story")
    assert not df.request_seen(first) and df.request_seen(first)  # a duplicate within the crawl
    time.sleep(0.6)
    assert not df.request_seen(first)  # requested again once its fingerprint lapsed
    df.open()
    assert df.server.zcard("t:seen") == 1
