"""Downloader middlewares (address guard, incremental fetching, conditional GET,
Retry-After back-off) and the per-outlet AutoThrottle."""
from __future__ import annotations

import logging
from email.utils import parsedate_to_datetime

from scrapy.exceptions import IgnoreRequest
from scrapy.extensions.throttle import AutoThrottle

from newsagg.core.schema import utcnow
from newsagg.crawler.netguard import refused_host

log = logging.getLogger(__name__)

FEED_KINDS = ("feed", "sitemap")


class AddressGuardMiddleware:
    """Refuse literal private/loopback/link-local addresses, also on every redirect hop."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.allow_private = crawler.settings.getbool("NEWSAGG_ALLOW_PRIVATE_ADDRESSES")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        if self.allow_private:
            return None
        reason = refused_host(request.url)
        if reason:
            self.crawler.stats.inc_value("newsagg/refused_address")
            log.warning("request refused", extra={"url": request.url, "reason": reason})
            raise IgnoreRequest(f"refused: {reason}")
        return None


class IncrementalMiddleware:
    """Articles already fetched (this run or an earlier one) are not fetched again;
    feeds and sitemaps are re-polled with If-None-Match / If-Modified-Since."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def store(self):
        return self.crawler.spider.store

    def process_request(self, request, spider=None):
        kind = request.meta.get("kind")
        if kind == "article" and not request.meta.get("refetch") and self.store.seen(request.url):
            self.crawler.stats.inc_value("newsagg/skipped/already_fetched")
            raise IgnoreRequest("already fetched")
        if kind in FEED_KINDS and not request.meta.get("conditional_sent"):
            request.meta["conditional_sent"] = True
            validators = self.store.validators(request.url)
            if validators.get("etag"):
                request.headers["If-None-Match"] = validators["etag"]
            if validators.get("last_modified"):
                request.headers["If-Modified-Since"] = validators["last_modified"]
        return None

    def process_response(self, request, response, spider=None):
        # Sits outside RedirectMiddleware so it sees each hop: a redirecting URL counts as fetched.
        if request.meta.get("kind") == "article" and 300 <= response.status < 400:
            self.store.mark(request.url)
        if request.meta.get("kind") in FEED_KINDS and response.status == 200:
            values = {"etag": response.headers.get("ETag", b"").decode("latin-1"),
                      "last_modified": response.headers.get("Last-Modified", b"").decode("latin-1")}
            if any(values.values()):
                # Saved when the crawl finishes, unless an article this feed listed could not
                # be handed off: a 304 next run would hide that article for good (spider.closed).
                self.crawler.spider.validators_read[request.url] = values
        return response


def retry_after_seconds(value: str | bytes | None, cap: float) -> float | None:
    """Seconds a Retry-After header asks for (delta or HTTP date), at most cap."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(text) - utcnow()).total_seconds()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), cap)


class RetryAfterMiddleware:
    """On 429/503, slow the whole outlet down (its download slot) for as long as
    Retry-After asks; Scrapy's RetryMiddleware then retries the request."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.cap = crawler.settings.getfloat("NEWSAGG_RETRY_AFTER_MAX", 120.0)
        self.default = crawler.settings.getfloat("NEWSAGG_BACKOFF_DEFAULT", 2.0)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        if response.status in (429, 503):
            wait = retry_after_seconds(response.headers.get("Retry-After"), self.cap)
            wait = self.default if wait is None else wait
            downloader = self.crawler.engine.downloader
            key = downloader.get_slot_key(request)
            slot = downloader.slots.get(key)
            if slot is not None and wait > slot.delay:
                slot.delay = wait
            self.crawler.stats.inc_value("newsagg/backoff")
            log.info("outlet asked to back off", extra={"url": request.url, "status": response.status,
                                                        "slot": key, "delay_s": wait})
        return response


class OutletAutoThrottle(AutoThrottle):
    """AutoThrottle that never goes below an outlet's own crawl delay.

    Scrapy's AutoThrottle has one floor for all sites (DOWNLOAD_DELAY); with a loopback
    outlet at delay 0 in the same crawl, a real outlet could be sped up to no delay at all.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self.floors = slot_floors(crawler)

    def _response_downloaded(self, response, request, spider=None):
        super()._response_downloaded(response, request, spider)
        # (response.request is not set yet when this signal fires: use the request)
        key, slot = self._get_slot(request, spider)
        floor = self.floors.get(key)
        if slot is not None and floor is not None and slot.delay < floor:
            slot.delay = floor


def slot_floors(crawler) -> dict[str, float]:
    """Smallest delay per download slot (outlet host): the sources' crawl_delay, raised by a
    robots.txt Crawl-delay. One dict per crawler, shared by the throttle and the spider."""
    floors = getattr(crawler, "_newsagg_slot_floors", None)
    if floors is None:
        floors = {key: float(conf.get("delay", 0.0)) for key, conf in crawler.settings.getdict("DOWNLOAD_SLOTS").items()}
        crawler._newsagg_slot_floors = floors
    return floors


def raise_slot_floor(crawler, key: str, delay: float) -> None:
    """Make a slot wait at least `delay` seconds between requests from now on."""
    floors = slot_floors(crawler)
    if delay <= floors.get(key, 0.0):
        return
    floors[key] = delay
    downloader = crawler.engine.downloader
    # no random jitter for this slot: a site's Crawl-delay is a minimum, not an average
    downloader.per_slot_settings.setdefault(key, {}).update(delay=delay, jitter=0.0)  # a slot not created yet
    slot = downloader.slots.get(key)
    if slot is not None:
        slot.delay, slot.jitter = max(slot.delay, delay), 0.0
