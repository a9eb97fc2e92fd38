"""Item pipelines: the one hand-off from the crawler to the next stage, then the record
that the article's page was fetched (so a later run skips it)."""
from __future__ import annotations

import logging

from scrapy.exceptions import DropItem

from newsagg.core.errors import HandoffError
from newsagg.core.loader import load_object
from newsagg.core.schema import Article

log = logging.getLogger(__name__)

# Item key carrying the URLs (request, redirect hops, canonical) to mark as fetched; not an
# Article field, removed before the item is exported.
FETCHED_URLS_KEY = "_fetched_urls"
# Item key carrying the URL as its feed or sitemap listed it (removed like the one above).
LISTED_URL_KEY = "_listed_url"


# The default sink: the pipeline's hand-off (embedded: the steps run in this process;
# distributed: a Celery task on Redis). Named, not imported: the workers sit above the crawler.
DEFAULT_SINK = "newsagg.workers.handoff:submit_article"


class HandoffPipeline:
    """Every extracted article goes to the sink named by the NEWSAGG_CRAWL_SINK Scrapy setting
    (settings.crawl_sink): a function (article, settings) -> article id that raises
    HandoffError when the next stage cannot take the article now."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.submit = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        self.submit = load_object(self.crawler.settings.get("NEWSAGG_CRAWL_SINK") or DEFAULT_SINK)

    def process_item(self, item, spider=None):
        spider = spider or self.crawler.spider
        article = Article.model_validate(item)
        try:
            article_id = self.submit(article, spider.app_settings)
        except HandoffError as exc:
            # Not marked as fetched: the next run fetches the page again, nothing is lost.
            self.crawler.stats.inc_value("newsagg/errors/handoff")
            failed = getattr(spider, "handoff_failed", None)  # NewsSpider: its feed is read in full next run
            if failed is not None:
                failed(item.get(LISTED_URL_KEY) or article.url)
            log.error("article not handed off; it is fetched again on the next run",
                      extra={"article_id": article.id, "url": article.url, "error": str(exc)})
            raise DropItem(f"hand-off failed: {exc}") from None
        self.crawler.stats.inc_value("newsagg/handed_off")
        log.debug("article handed off", extra={"article_id": article_id, "url": article.url})
        return item


class MarkFetchedPipeline:
    """Records the article's URLs as fetched once the stages before it took the article."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        spider = spider or self.crawler.spider
        spider.store.mark(*item.pop(FETCHED_URLS_KEY, []))
        item.pop(LISTED_URL_KEY, None)
        return item
