"""A real crawl of the fixture web: 8 invented outlets on loopback (newsagg.fixture_web)."""
from __future__ import annotations

import json
import re
import time

import pytest

from newsagg.core.settings import get_settings
from newsagg.crawler.run import run_crawl
from newsagg.demo.fixture_web import FixtureWeb


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]


@pytest.fixture
def web(monkeypatch):
    monkeypatch.setenv("NEWSAGG_CRAWL_HANDOFF", "false")
    get_settings.cache_clear()
    with FixtureWeb(traps=True) as fixture_web:
        yield fixture_web


@pytest.mark.timeout(120)
def test_crawl_of_fixture_outlets_finds_each_expected_article_once(web, tmp_path):
    sources = web.write_sources(tmp_path / "sources.yaml")
    out = tmp_path / "articles.jsonl"
    stats = run_crawl(sources, jsonl=out, timeout_s=100)
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    expected = {a.canonical_url: a for a in web.expected_articles()}
    got = [i["canonical_url"] for i in items]
    assert len(got) == len(set(got)), "an article was emitted twice"
    assert set(got) == set(expected), (sorted(set(expected) - set(got)), sorted(set(got) - set(expected)))
    assert stats.articles == len(expected) and stats.duration_s < 30
    for item in items:
        gold = expected[item["canonical_url"]]
        assert item["title"] == gold.title
        assert item["outlet"] == gold.outlet and item["country"] == gold.country
        assert item["language"] == gold.lang
        assert first_sentence(gold.text) in item["text"]
        assert item["authors"] == list(gold.authors)
    for site in web.sites:
        assert not any(h.startswith("/private/") for h in site.hits)  # robots.txt obeyed
        assert site.hits.count("/robots.txt") == 1

    # phase 2: new articles appear and some are updated; the next crawl fetches exactly those
    first_texts = {i["canonical_url"]: i["text"] for i in items}
    time.sleep(1.0)  # updates carry second-precision timestamps
    web.advance()
    changed = {a.canonical_url: a for a in web.expected_articles()
               if a.canonical_url not in expected or a.modified is not None}
    assert any(url in expected for url in changed) and any(url not in expected for url in changed)
    out2 = tmp_path / "phase2.jsonl"
    run_crawl(sources, jsonl=out2, timeout_s=100)
    second = {json.loads(line)["canonical_url"]: json.loads(line) for line in out2.read_text(encoding="utf-8").splitlines()}
    assert set(second) == set(changed)
    for url, item in second.items():
        assert item["title"] == changed[url].title and item["text"] != first_texts.get(url)
