"""The crawler's item pipelines: a page counts as fetched only once the next stage has its
article, so a failed hand-off (broker down) is fetched again on the next run."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy.exceptions import DropItem
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector

from newsagg.core.schema import Article
from newsagg.crawler.pipelines import (
    FETCHED_URLS_KEY,
    HandoffPipeline,
    MarkFetchedPipeline,
)
from newsagg.crawler.store import SqliteCrawlStore
from newsagg.workers.handoff import HandoffError

URL = "http://127.0.0.1:8701/news/2026/11/harbour-wall-breach.html"


def crawled_item() -> dict:
    article = Article(url=URL, title="Harbour wall breached", text="The sea wall gave way at high tide. " * 20)
    return {**article.to_json(), FETCHED_URLS_KEY: [URL + "?utm_source=rss", URL]}


@pytest.fixture
def crawler(tmp_path):
    spider = SimpleNamespace(store=SqliteCrawlStore(tmp_path / "crawl.sqlite"), app_settings=None)
    crawler = SimpleNamespace(spider=spider, settings=Settings())
    crawler.stats = MemoryStatsCollector(crawler)
    yield crawler
    spider.store.close()


def run_pipelines(crawler, submit) -> dict | None:
    handoff, mark = HandoffPipeline(crawler), MarkFetchedPipeline(crawler)
    handoff.submit = submit
    try:
        return mark.process_item(handoff.process_item(crawled_item()))
    except DropItem:
        return None


def test_a_failed_handoff_leaves_the_page_to_fetch_again(crawler):
    def broker_down(article, settings):
        raise HandoffError("broker unreachable")

    assert run_pipelines(crawler, broker_down) is None
    assert not crawler.spider.store.seen(URL)
    assert crawler.stats.get_value("newsagg/errors/handoff") == 1


def test_a_handed_off_article_is_marked_and_exported_without_the_bookkeeping(crawler):
    handed = []
    item = run_pipelines(crawler, lambda article, settings: handed.append(article.id) or article.id)
    assert handed and item is not None
    assert crawler.spider.store.seen(URL) and crawler.spider.store.seen(URL + "?utm_source=rss")
    assert FETCHED_URLS_KEY not in item and "_listed_url" not in item  # JSON Lines exports carry article fields only
