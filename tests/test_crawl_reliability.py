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
