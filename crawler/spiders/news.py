"""The news spider: feeds, sitemaps and robots.txt -> article pages -> Article items."""
from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import scrapy
from protego import Protego
from scrapy import signals
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from newsagg.core.loader import load_object
from newsagg.core.schema import Article, utcnow
from newsagg.core.settings import Settings, get_settings
from newsagg.crawler.discovery import (
    DiscoveryError,
    Entry,
    parse_feed,
    parse_sitemap,
    robots_sitemaps,
)
from newsagg.crawler.extract import extract_article
from newsagg.crawler.extract.urls import clean_url
from newsagg.crawler.middlewares import raise_slot_floor
from newsagg.crawler.netguard import PublicAddressResolver
from newsagg.crawler.pipelines import FETCHED_URLS_KEY, LISTED_URL_KEY
from newsagg.crawler.sources import Source, load_sources
from newsagg.crawler.store import CrawlFrontier

log = logging.getLogger(__name__)

MAX_SITEMAP_DEPTH = 3  # index -> index -> sitemap is already unusual


# The frontier store factory (settings -> CrawlFrontier) a crawl uses unless its settings name another.
DEFAULT_FRONTIER = "newsagg.runtime:crawl_frontier"


def same_site(url_a: str, url_b: str) -> bool:
    """Same host:port for addresses, same registered-ish domain (last two labels) for names."""
    a, b = urlsplit(url_a), urlsplit(url_b)
    host_a, host_b = (a.hostname or ""), (b.hostname or "")
    if host_a.replace(".", "").isdigit() or ":" in host_a:
        return a.netloc == b.netloc
    return host_a.split(".")[-2:] == host_b.split(".")[-2:]


def reason_key(reason: str) -> str:
    """'body too short (12 words)' -> 'body_too_short': a stats key for a skip reason."""
    head = re.split(r"[(,:]", reason, maxsplit=1)[0].strip().lower()
    return re.sub(r"\W+", "_", head).strip("_") or "other"


def changed_since(modified: datetime | None, fetched_at: float) -> bool:
    """A page's announced change time is after our fetch (and not in the future: clock skew)."""
    if modified is None:
        return False
    return fetched_at < modified.timestamp() <= utcnow().timestamp() + 300


def _merge_hints(old: dict, entry: Entry, kind: str) -> dict:
    hints = dict(old)
    for name in ("title", "published", "language"):
        value = getattr(entry, name)
        if value is not None and hints.get(name) is None:
            hints[name] = value
    if kind == "feed":
        hints.setdefault("feed_title", entry.title)
        hints.setdefault("feed_summary", entry.summary)
    return hints


class NewsSpider(scrapy.Spider):
    name = "newsagg"

    def __init__(self, sources_file: str, app_settings: Settings | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources: list[Source] = load_sources(sources_file)
        self.app_settings: Settings = app_settings or get_settings()
        self.cutoff: datetime = utcnow() - timedelta(days=self.app_settings.recency_days)
        self.store: CrawlFrontier | None = None  # opened in from_crawler, from the crawl's settings
        self.requested: set[str] = set()  # article and sitemap URLs requested in this run
        self.hints: dict[str, dict] = {}
        self.emitted: set[str] = set()  # canonical URLs emitted in this run
        self.robots: dict[str, Protego] = {}  # host -> rules, from each robots.txt fetched
        self.validators_read: dict[str, dict[str, str]] = {}  # feed/sitemap URL -> ETag/Last-Modified
        self.listed_in: dict[str, set[str]] = {}  # article URL as listed -> the feeds/sitemaps listing it
        self.handoff_failed_in: set[str] = set()  # feeds/sitemaps listing an article not handed off
        self.by_name = {s.name: s for s in self.sources}
        self.netloc_source = {netloc: s for s in self.sources for netloc in s.netlocs()}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # The composition root names the frontier store in the crawl's settings (newsagg.runtime).
        spider.store = load_object(crawler.settings.get("NEWSAGG_CRAWL_FRONTIER", DEFAULT_FRONTIER))(spider.app_settings)
        crawler.signals.connect(spider.robots_fetched, signal=signals.response_received)
        return spider

    def closed(self, reason):
        if self.store is not None:
            if reason == "finished":  # a crawl cut short may not have requested every article yet
                self._save_validators()
            self.store.close()

    def _save_validators(self) -> None:
        """The validators of each feed/sitemap read, but not of one that listed an article
        the sink refused: the next run reads it in full again and finds that article."""
        for url, values in self.validators_read.items():
            if url not in self.handoff_failed_in:
                self.store.save_validators(url, values)
        if self.handoff_failed_in:
            log.warning("feeds and sitemaps read again in full next run: articles they list were not handed off",
                        extra={"count": len(self.handoff_failed_in), "urls": sorted(self.handoff_failed_in)[:20]})

    def handoff_failed(self, listed_url: str) -> None:
        """The article listed as `listed_url` was not handed off (crawler.pipelines)."""
        self.handoff_failed_in.update(self.listed_in.get(listed_url, ()))

    def _stat(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"newsagg/{key}", count)

    def _outlet(self, response_or_request, what: str) -> None:
        """Per-outlet counts (fetched, errors, articles): `newsagg crawl` says which outlet failed."""
        name = response_or_request.meta.get("source")
        if name:
            self.crawler.stats.inc_value(f"newsagg/outlet/{name}/{what}")

    def _source(self, response_or_request) -> Source:
        # by name: in distributed mode a request may come from another process's list
        return self.by_name[response_or_request.meta["source"]]

    def _request(self, url: str, kind: str, source: Source, callback, **meta) -> scrapy.Request:
        return scrapy.Request(
            url, callback=callback, errback=self.on_error, dont_filter=kind != "article",
            priority={"robots": 30, "feed": 20, "sitemap": 10, "article": 0}[kind],
            meta={"kind": kind, "source": source.name, "download_slot": urlsplit(url).netloc,
                  "handle_httpstatus_list": [304] if kind != "article" else [], **meta})

    async def start(self):
        for source in self.sources:
            own = {urlsplit(u).netloc.lower() for u in (*source.feeds, *source.sitemaps)}
            if source.netloc not in own:
                # Nothing else will make Scrapy read this host's robots.txt: ask for its Sitemap: lines.
                base = f"{urlsplit(source.url).scheme}://{source.netloc}"
                yield self._request(f"{base}/robots.txt", "robots", source, self.parse_robots,
                                    dont_obey_robotstxt=True)
            for url in source.feeds:
                yield self._request(url, "feed", source, self.parse_feed)
            for url in source.sitemaps:
                self.requested.add(url)
                yield self._request(url, "sitemap", source, self.parse_sitemap, depth=0)

    # --- discovery
    def robots_fetched(self, response, request, spider=None):
        """robots.txt that Scrapy's RobotsTxtMiddleware fetched: follow its Sitemap: lines too."""
        if not request.meta.get("dont_obey_robotstxt") or urlsplit(request.url).path != "/robots.txt" \
                or request.meta.get("kind") == "robots":
            return
        source = self.netloc_source.get(urlsplit(request.url).netloc.lower())
        if source is not None:
            for sitemap_request in self._robots_requests(response, source):
                self.crawler.engine.crawl(sitemap_request)

    def parse_robots(self, response):
        yield from self._robots_requests(response, self._source(response))

    def _robots_requests(self, response, source: Source):
        if response.status != 200:
            return
        self._outlet(response, "fetched")
        text = response.body.decode("utf-8", errors="replace")
        netloc = urlsplit(response.url).netloc.lower()
        rules = self.robots[netloc] = Protego.parse(text)
        delay = rules.crawl_delay(self.settings.get("USER_AGENT"))
        if delay:  # the site's own Crawl-delay, capped so one line cannot stall a crawl for hours
            raise_slot_floor(self.crawler, netloc, min(float(delay), self.settings.getfloat("AUTOTHROTTLE_MAX_DELAY")))
        for url in robots_sitemaps(text, response.url):
            if url not in self.requested:
                self.requested.add(url)
                yield self._request(url, "sitemap", source, self.parse_sitemap, depth=0)

    def parse_feed(self, response):
        self._stat("feeds_fetched")
        self._outlet(response, "fetched")
        if response.status == 304:
            self._stat("not_modified")
            return
        try:
            entries = parse_feed(response.body, response.url)
        except DiscoveryError as exc:
            self._stat("errors/bad_feed")
            self._outlet(response, "errors")
            log.warning("feed unreadable", extra={"url": response.url, "reason": str(exc)})
            return
        yield from self._articles(entries, self._source(response), "feed", response.url)

    def parse_sitemap(self, response):
        self._stat("sitemaps_fetched")
        self._outlet(response, "fetched")
        if response.status == 304:
            self._stat("not_modified")
            # An unchanged index says nothing about its children: poll them (conditionally) too.
            yield from self._child_sitemaps(self.store.children(response.url), response)
            return
        max_size = self.settings.getint("NEWSAGG_SITEMAP_MAXSIZE")
        try:
            sitemap = parse_sitemap(response.body, response.url, max_size)
        except DiscoveryError as exc:
            self._stat("errors/bad_sitemap")
            self._outlet(response, "errors")
            log.warning("sitemap unreadable", extra={"url": response.url, "reason": str(exc)})
            return
        if not sitemap.is_index:
            yield from self._articles(sitemap.entries, self._source(response), "sitemap", response.url)
            return
        # a child sitemap last changed before the window holds nothing new
        children = [e.url for e in sitemap.entries if not (e.published and e.published < self.cutoff)]
        self.store.save_children(response.url, children)
        yield from self._child_sitemaps(children, response)

    def _child_sitemaps(self, urls: list[str], response):
        depth = response.meta.get("depth", 0) + 1
        if depth > MAX_SITEMAP_DEPTH:
            return
        for url in urls:
            if url not in self.requested:
                self.requested.add(url)
                yield self._request(url, "sitemap", self._source(response), self.parse_sitemap, depth=depth)

    def _articles(self, entries: list[Entry], source: Source, kind: str, listing: str):
        for entry in entries:
            url = entry.url
            self.listed_in.setdefault(url, set()).add(listing)
            if not source.path_allowed(url):
                self._stat("skipped/pattern")
                continue
            if not self._robots_allow(url):
                self._stat("skipped/robots")
                continue
            if entry.published and entry.published < self.cutoff:
                self._stat("skipped/too_old")
                continue
            self.hints[url] = _merge_hints(self.hints.get(url, {}), entry, kind)
            if url in self.requested:
                continue
            refetch = False
            fetched_at = self.store.fetched_at(url)
            if fetched_at is not None:
                if not changed_since(entry.modified, fetched_at):
                    # not marked requested: a sitemap read later may still announce a change
                    self._stat("skipped/already_fetched")
                    continue
                refetch = True  # the feed or sitemap says the page changed since we fetched it
                self._stat("refetched_updated")
            self.requested.add(url)
            request = self._request(url, "article", source, self.parse_article, hints=self.hints[url], refetch=refetch,
                                    listed_url=url)
            yield request.replace(dont_filter=True) if refetch else request

    def _robots_allow(self, url: str) -> bool:
        """Robots rules already read for this host (RobotsTxtMiddleware checks again before
        any download); filtering here keeps disallowed URLs out of a shared frontier."""
        rules = self.robots.get(urlsplit(url).netloc.lower())
        return rules is None or rules.can_fetch(url, self.settings.get("USER_AGENT"))

    # --- articles
    @staticmethod
    def _fetched_urls(request, *urls: str) -> list[str]:
        return [clean_url(request.url), *request.meta.get("redirect_urls", []), *urls]

    def _fetched(self, request, *urls: str) -> None:
        self.store.mark(*self._fetched_urls(request, *urls))

    def parse_article(self, response):
        self._stat("pages_fetched")
        self._outlet(response, "fetched")
        source = self._source(response)
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        page = extract_article(response.body, response.url, content_type)
        url = clean_url(response.url)
        canonical = page.canonical_url
        if not same_site(canonical, url):
            canonical = url  # a copy pointing at another outlet is still this outlet's article
        refetch = bool(response.meta.get("refetch"))
        if page.is_amp and canonical != url:
            self._fetched(response.request)
            self._stat("amp_resolved")
            if canonical not in self.requested and (refetch or not self.store.seen(canonical)):
                self.requested.add(canonical)
                log.info("AMP page resolved to canonical", extra={"url": url, "canonical_url": canonical})
                request = self._request(canonical, "article", source, self.parse_article,
                                        hints=response.meta.get("hints", {}), refetch=refetch,
                                        listed_url=response.meta.get("listed_url", url))
                yield request.replace(dont_filter=True) if refetch else request
            return
        duplicate = canonical in self.emitted or (canonical != url and self.store.seen(canonical) and not refetch)
        fetched_urls = self._fetched_urls(response.request, canonical)
        hints = {**response.meta.get("hints", {}), **self.hints.get(url, {})}
        published = page.published or hints.get("published")
        reason = page.skip_reason
        if page.error:  # counted apart from pages that are simply not articles; marked fetched below
            self._stat("pages_failed")
        if reason is None and duplicate:
            reason = "duplicate of an article already crawled"
        if reason is None and published is not None and published < self.cutoff:
            reason = "published before the recency window"
        if reason:
            self.store.mark(*fetched_urls)
            self._stat(f"skipped/{reason_key(reason)}")
            log.info("page skipped", extra={"url": url, "reason": reason, "outlet": source.name})
            return
        self.emitted.add(canonical)
        article = Article(
            url=url, canonical_url=canonical, outlet=source.name, domain=urlsplit(canonical).hostname,
            country=source.country, title=page.title or hints.get("title") or "", text=page.text,
            authors=page.authors, published=published, modified=page.modified,
            language=page.language or hints.get("language") or source.language, image=page.image,
            section=page.section, feed_title=hints.get("feed_title"), feed_summary=hints.get("feed_summary"))
        self._stat("articles")
        self._outlet(response, "articles")
        log.info("article extracted", extra={"url": url, "article_id": article.id, "outlet": source.name})
        # MarkFetchedPipeline marks these once the article is handed off, so a failed hand-off
        # leaves the page to be fetched again on the next run.
        yield {**article.to_json(), FETCHED_URLS_KEY: fetched_urls, LISTED_URL_KEY: response.meta.get("listed_url", url)}

    def on_error(self, failure):
        request = failure.request
        kind = request.meta.get("kind")
        error = failure.value
        if isinstance(error, HttpError):
            status = error.response.status
            self._stat(f"errors/http_{status}")
            permanent = True  # 4xx, or 5xx after RETRY_TIMES retries: give the URL up
        elif isinstance(error, IgnoreRequest):
            message = str(error)
            if "already fetched" in message:
                return
            self._stat("errors/ignored")
            permanent = "robots" not in message.lower() and "refused" not in message
        elif isinstance(error, DownloadCancelledError):  # larger than the download size limit
            self._stat("errors/too_large")
            permanent = True
        elif (urlsplit(request.url).hostname or "") in PublicAddressResolver.refused:
            self._stat("errors/refused_address")  # its DNS answer is a private address
            permanent = False
        else:  # timeouts, refused connections, DNS: the next run tries again
            self._stat("errors/network")
            permanent = False
        if not isinstance(error, IgnoreRequest):
            self._outlet(request, "errors")
        level = logging.INFO if isinstance(error, IgnoreRequest) else logging.WARNING  # robots.txt: expected
        log.log(level, "request not fetched", extra={"url": request.url, "kind": kind, "error": repr(error)[:300]})
        if kind == "article" and permanent:
            self._fetched(request)  # a dead link is not retried on every run
