"""The hand-off: `newsagg crawl` with the pipeline on puts every article into the search store."""
from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from newsagg.cli import main
from newsagg.core.schema import article_id
from newsagg.core.settings import get_settings
from newsagg.demo.fixture_web import FixtureWeb


@pytest.mark.timeout(150)
def test_crawled_articles_reach_the_store_through_submit_article(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSAGG_CRAWL_HANDOFF", "true")
    monkeypatch.setenv("NEWSAGG_METRICS_PORT", "0")
    monkeypatch.setenv("NEWSAGG_CLUSTER_QUIET_HOURS", "0.001")  # every fixture story is older than 4 s
    get_settings.cache_clear()
    from newsagg.runtime import open_search_store  # the composition root picks the store

    with FixtureWeb() as web:
        first_two = [s["name"] for s in web.sources()[:2]]
        sources = web.write_sources(tmp_path / "sources.yaml")
        data = yaml.safe_load(sources.read_text(encoding="utf-8"))
        data["outlets"] = data["outlets"][:2]  # keep the test quick: two outlets
        sources.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        expected = {a.canonical_url for a in web.expected_articles() if a.outlet in first_two}
        result = CliRunner().invoke(main, ["crawl", "--sources", str(sources), "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["articles"] == len(expected) > 0
    store = open_search_store(get_settings())
    assert store.count_articles() == len(expected)
    hit = next(iter(expected))
    stored = store.get_article(article_id(hit))
    assert stored is not None and (stored.get("canonical_url") if isinstance(stored, dict) else stored.canonical_url) == hit
    # No beat runs embedded: the crawl itself closed the quiet stories afterwards.
    events = {store.get_article(article_id(url)).event_id for url in expected}
    assert stats["closed_stories"] == len(events) > 0


@pytest.mark.timeout(150)
def test_the_crawler_hands_articles_to_the_sink_its_settings_name(tmp_path, monkeypatch):
    received = tmp_path / "sink.jsonl"
    monkeypatch.setenv("NEWSAGG_CRAWL_SINK", "tests.support.sinks:record_article")
    monkeypatch.setenv("NEWSAGG_TEST_SINK_FILE", str(received))
    get_settings.cache_clear()
    from newsagg.runtime import open_search_store

    with FixtureWeb() as web:
        first = web.sources()[0]["name"]
        sources = web.write_sources(tmp_path / "sources.yaml")
        data = yaml.safe_load(sources.read_text(encoding="utf-8"))
        data["outlets"] = data["outlets"][:1]
        sources.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        expected = {a.canonical_url for a in web.expected_articles() if a.outlet == first}
        result = CliRunner().invoke(main, ["crawl", "--sources", str(sources), "--json"])
        assert result.exit_code == 0, result.output
        got = [json.loads(line) for line in received.read_text(encoding="utf-8").splitlines()]
        assert {g["url"] for g in got} == expected and len(got) == len(expected) > 0
        assert open_search_store(get_settings()).count_articles() == 0  # the pipeline's sink was not called

        # A sink that cannot take the articles: each refusal is counted, the crawl goes on.
        monkeypatch.setenv("NEWSAGG_TEST_SINK_REFUSE", "1")
        monkeypatch.setenv("NEWSAGG_DATA_DIR", str(tmp_path / "fresh"))
        get_settings.cache_clear()
        refused = CliRunner().invoke(main, ["crawl", "--sources", str(sources), "--json"])
        assert refused.exit_code == 0, refused.output
        assert json.loads(refused.stdout)["errors"].get("handoff") == len(expected)
