"""The one hand-off from the crawler to the next stage."""
from __future__ import annotations

import logging

from newsagg.schema import Article

log = logging.getLogger(__name__)


class HandoffPipeline:
    """Every extracted article goes to workers.handoff.submit_article (embedded: the
    pipeline runs in this process; distributed: a Celery task on Redis)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.submit = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        from workers.handoff import submit_article  # imported late: the workers stage is optional here

        self.submit = submit_article

    def process_item(self, item, spider=None):
        spider = spider or self.crawler.spider
        article = Article.model_validate(item)
        article_id = self.submit(article, spider.app_settings)
        self.crawler.stats.inc_value("newsagg/handed_off")
        log.debug("article handed off", extra={"article_id": article_id, "url": article.url})
        return item
