"""Distributed mode: two crawler processes share one frontier on a real redis-server."""
from __future__ import annotations

import json
import threading
from collections import Counter

import pytest

from newsagg.core.settings import get_settings
from newsagg.crawler.run import run_crawl
from newsagg.demo.fixture_web import FixtureWeb


@pytest.mark.timeout(150)
def test_two_crawlers_sharing_redis_fetch_each_page_once(redis_server, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSAGG_CRAWL_HANDOFF", "false")
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.distributed
    with FixtureWeb() as web:
        sources = web.write_sources(tmp_path / "sources.yaml")
        outs = [tmp_path / f"crawler-{i}.jsonl" for i in range(2)]
        results: dict[int, object] = {}

        def crawl(i: int) -> None:
            try:
                results[i] = run_crawl(sources, settings=settings, jsonl=outs[i], timeout_s=120)
            except Exception as exc:  # reported below, in the test's thread
                results[i] = exc

        threads = [threading.Thread(target=crawl, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(140)
        assert all(not isinstance(r, Exception) for r in results.values()), results
        items = [json.loads(line) for out in outs if out.exists()
                 for line in out.read_text(encoding="utf-8").splitlines()]
        expected = {a.canonical_url for a in web.expected_articles()}
        got = Counter(i["canonical_url"] for i in items)
        assert set(got) == expected and max(got.values()) == 1
        per_crawler = [sum(1 for _ in o.open()) if o.exists() else 0 for o in outs]
        assert min(per_crawler) > 0, per_crawler  # both took work from the shared frontier
        article_paths = {a.path for a in web.published()}
        for site in web.sites:
            fetched = Counter(h.split("?")[0] for h in site.hits)
            twice = {p: n for p, n in fetched.items() if p in article_paths and n > 1}
            assert not twice, twice

        # a third process later finds nothing new in the shared state
        again = run_crawl(sources, settings=settings, jsonl=tmp_path / "again.jsonl", timeout_s=60)
        assert again.articles == 0 and again.pages_fetched == 0
