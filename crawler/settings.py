"""Scrapy settings for a crawl, derived from newsagg settings and the sources file.

Polite by default: robots.txt obeyed, AutoThrottle on, a per-outlet concurrency
limit and delay, a descriptive User-Agent, bounded retries and redirects, size
limits and timeouts. Outlets whose sources entry says `crawl_delay: 0` (the
loopback demo) are crawled without delay.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from newsagg.core.settings import Settings
from newsagg.crawler.sources import Source
from newsagg.crawler.store import DUPEFILTER_KEY


def user_agent(settings: Settings) -> str:
    if not settings.contact:
        return settings.user_agent
    base = settings.user_agent
    if base.endswith(")"):
        return f"{base[:-1]}; {settings.contact})"
    return f"{base} ({settings.contact})"


def frontier_id(sources: list[Source]) -> str:
    return hashlib.sha1("\n".join(sorted(s.name for s in sources)).encode("utf-8")).hexdigest()[:12]


def scrapy_settings(settings: Settings, sources: list[Source], jsonl: Path | None = None) -> dict:
    delays = [s.crawl_delay if s.crawl_delay is not None else settings.crawl_delay_default_s for s in sources]
    min_delay = min(delays, default=settings.crawl_delay_default_s)
    slots = {}
    for source, delay in zip(sources, delays):
        for netloc in source.netlocs():
            slots[netloc] = {"concurrency": settings.concurrent_per_domain, "delay": delay}
    out = {
        "BOT_NAME": "newsagg",
        "USER_AGENT": user_agent(settings),
        "ROBOTSTXT_OBEY": True,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": settings.log_level.upper(),
        "CONCURRENT_REQUESTS": max(16, settings.concurrent_per_domain * len(slots)),
        "CONCURRENT_REQUESTS_PER_DOMAIN": settings.concurrent_per_domain,
        "DOWNLOAD_DELAY": min_delay,
        "DOWNLOAD_SLOTS": slots,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": min_delay,
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(settings.concurrent_per_domain),
        "DOWNLOAD_TIMEOUT": settings.download_timeout_s,
        "DOWNLOAD_MAXSIZE": settings.download_maxsize_mb * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": settings.download_maxsize_mb * 1024 * 1024 // 2,
        "NEWSAGG_SITEMAP_MAXSIZE": settings.download_maxsize_mb * 1024 * 1024,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": settings.crawl_retries,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "REDIRECT_MAX_TIMES": 5,
        "DNS_TIMEOUT": 10,
        "TWISTED_DNS_RESOLVER": "newsagg.crawler.netguard.PublicAddressResolver",
        "LOG_INSTALL_ROOT_HANDLER": False,  # newsagg.logs handles every record
        "NEWSAGG_ALLOW_PRIVATE_ADDRESSES": settings.allow_private_addresses,
        "DOWNLOADER_MIDDLEWARES": {
            "newsagg.crawler.middlewares.AddressGuardMiddleware": 50,
            "newsagg.crawler.middlewares.IncrementalMiddleware": 650,  # outside RedirectMiddleware (600)
            "newsagg.crawler.middlewares.RetryAfterMiddleware": 570,
        },
        # Hand-off first; an article counts as fetched only once the next stage has it.
        "NEWSAGG_CRAWL_SINK": settings.crawl_sink,
        "ITEM_PIPELINES": {**({"newsagg.crawler.pipelines.HandoffPipeline": 300} if settings.crawl_handoff else {}),
                           "newsagg.crawler.pipelines.MarkFetchedPipeline": 900},
        "EXTENSIONS": {"newsagg.crawler.run.ProgressExtension": 500,
                       "scrapy.extensions.throttle.AutoThrottle": None,
                       "newsagg.crawler.middlewares.OutletAutoThrottle": 0,  # keeps each outlet's crawl_delay as floor
                       "scrapy.extensions.remote_control.RemoteControl": None},  # no open port
    }
    if jsonl:
        out["FEEDS"] = {str(jsonl): {"format": "jsonlines", "encoding": "utf8", "overwrite": False}}
    if settings.redis_url:  # distributed: one frontier and one dupefilter on Redis for every crawler process
        out.update({
            "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
            "DUPEFILTER_CLASS": "newsagg.crawler.dupefilter.TimedDupeFilter",
            "NEWSAGG_DUPEFILTER_TTL_S": settings.crawl_dupefilter_ttl_s,
            "SCHEDULER_PERSIST": True,
            "REDIS_URL": settings.redis_url,
            # the same timeouts as the runtime's one client (scrapy-redis opens its own in the crawl process)
            "REDIS_PARAMS": {"socket_timeout": settings.redis_socket_timeout_s,
                             "socket_connect_timeout": settings.redis_connect_timeout_s,
                             "health_check_interval": settings.redis_health_check_s},
            # One frontier per set of outlets: processes crawling the same sources share it, while a
            # crawl of other outlets (e.g. beat's per-outlet crawls) never pops requests it cannot serve.
            "SCHEDULER_QUEUE_KEY": f"newsagg:crawl:requests:{frontier_id(sources)}",
            "SCHEDULER_DUPEFILTER_KEY": DUPEFILTER_KEY,
        })
    return out

