"""The crawler's pure parts: feed/sitemap/robots parsing, address checks, back-off, settings."""
from __future__ import annotations

import gzip
from datetime import datetime, timezone

import pytest

from newsagg.core.settings import Settings
from newsagg.crawler.discovery import (
    DiscoveryError,
    gunzip_limited,
    parse_feed,
    parse_sitemap,
    robots_sitemaps,
)
from newsagg.crawler.middlewares import retry_after_seconds
from newsagg.crawler.netguard import is_public_ip, refused_host
from newsagg.crawler.settings import scrapy_settings, user_agent
from newsagg.crawler.sources import parse_sources
from newsagg.crawler.spiders.news import same_site

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Bote</title>
<entry><title>Hochwasser am Kai</title><link rel="alternate" href="/news/kai.html?utm_campaign=x"/>
<link rel="enclosure" href="/media/kai.mp3"/><summary>Der Pegel steigt.</summary>
<published>2026-11-24T08:00:00+01:00</published></entry></feed>"""

RDF = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://bote.example/"><title>Bote</title></channel>
<item rdf:about="https://bote.example/news/a.html"><title>A</title><link>https://bote.example/news/a.html</link>
<dc:date>2026-11-24T10:00:00Z</dc:date></item></rdf:RDF>"""

NEWS_SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://bote.example/news/b.html</loc><news:news><news:publication><news:name>Bote</news:name>
<news:language>de</news:language></news:publication><news:publication_date>2026-11-24T12:30:00+01:00</news:publication_date>
<news:title>Fähre fährt wieder</news:title></news:news></url></urlset>""".encode()


def test_atom_entry_keeps_alternate_link_summary_and_date_without_tracking():
    (entry,) = parse_feed(ATOM, "https://bote.example/atom.xml")
    assert entry.url == "https://bote.example/news/kai.html"
    assert entry.title == "Hochwasser am Kai" and entry.summary == "Der Pegel steigt."
    assert entry.published == datetime(2026, 11, 24, 7, 0, tzinfo=timezone.utc)


def test_rdf_feed_items_are_read():
    (entry,) = parse_feed(RDF, "https://bote.example/index.rdf")
    assert entry.url == "https://bote.example/news/a.html" and entry.published.hour == 10


def test_news_sitemap_fields_that_scrapy_drops_are_kept():
    sitemap = parse_sitemap(NEWS_SITEMAP, "https://bote.example/sitemap-news.xml", 10_000_000)
    (entry,) = sitemap.entries
    assert not sitemap.is_index
    assert (entry.title, entry.language) == ("Fähre fährt wieder", "de")
    assert entry.published == datetime(2026, 11, 24, 11, 30, tzinfo=timezone.utc)
    gz = parse_sitemap(gzip.compress(NEWS_SITEMAP), "https://bote.example/s.xml.gz", 10_000_000)
    assert gz.entries == sitemap.entries


def test_entity_expansion_and_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    laughs = "".join(f'<!ENTITY l{i + 1} "{("&l" + str(i) + ";") * 10}">' for i in range(9))
    body = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "ha">{laughs}'
            f'<!ENTITY xxe SYSTEM "file://{secret}">]><rss><channel><item><title>&l9;&xxe;</title>'
            f"<link>https://x.example/a</link></item></channel></rss>").encode()
    (entry,) = parse_feed(body, "https://x.example/feed")
    assert entry.url == "https://x.example/a"
    assert "TOP-SECRET" not in (entry.title or "") and len(entry.title or "") < 100


def test_gzip_bomb_and_garbage_raise_a_discovery_error():
    bomb = gzip.compress(b"\0" * 20_000_000)
    with pytest.raises(DiscoveryError, match="exceeds"):
        gunzip_limited(bomb, 1_000_000)
    with pytest.raises(DiscoveryError, match="broken gzip"):
        parse_sitemap(b"\x1f\x8b" + b"junk" * 10, "https://x.example/s.xml.gz", 1_000_000)
    with pytest.raises(DiscoveryError, match="not a feed"):
        parse_feed(b"<html><body>502 Bad Gateway</body></html>", "https://x.example/feed")
    with pytest.raises(DiscoveryError):
        parse_feed(b"\x00\x01 not xml at all", "https://x.example/feed")


def test_robots_sitemap_lines():
    text = ("User-agent: *\nDisallow: /private/\nSitemap: https://x.example/sitemap.xml\nsitemap: /news.xml\n"
            "Sitemap: http://[broken/s.xml\n")
    assert robots_sitemaps(text, "https://x.example/robots.txt") == [
        "https://x.example/sitemap.xml", "https://x.example/news.xml"]


@pytest.mark.parametrize("host, public", [("8.8.8.8", True), ("127.0.0.1", False), ("10.1.2.3", False),
                                           ("169.254.169.254", False), ("192.168.0.1", False), ("::1", False),
                                           ("::ffff:127.0.0.1", False), ("fe80::1", False), ("2606:4700::1", True)])
def test_public_address_check(host, public):
    assert is_public_ip(host) is public


def test_refused_hosts():
    assert refused_host("http://127.0.0.1:8000/feed") and refused_host("http://localhost/x")
    assert refused_host("http://[::1]/x") and refused_host("http://printer.local/")
    assert refused_host("https://www.example.org/news") is None  # names: checked on their DNS answer


def test_retry_after_delta_date_and_cap():
    assert retry_after_seconds(b"7", cap=60) == 7
    assert retry_after_seconds("3600", cap=60) == 60
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", cap=60) == 0  # in the past
    assert retry_after_seconds("soon", cap=60) is None and retry_after_seconds(None, cap=60) is None


def test_same_site():
    assert same_site("https://www.bote.example/a", "https://m.bote.example/b")
    assert not same_site("https://bote.example/a", "https://wire.example/a")
    assert same_site("http://127.0.0.1:8001/a", "http://127.0.0.1:8001/b")
    assert not same_site("http://127.0.0.1:8001/a", "http://127.0.0.1:8002/a")


def test_scrapy_settings_are_polite_and_follow_the_sources():
    sources = parse_sources("outlets:\n  - {name: A, url: 'https://a.example/', crawl_delay: 0}\n"
                            "  - {name: B, url: 'https://b.example/', feeds: ['https://feeds.b.example/rss']}\n")
    s = Settings(contact="ops@example.org", concurrent_per_domain=3)
    conf = scrapy_settings(s, sources)
    assert user_agent(s) == "newsagg/0.1 (+https://github.com/newsagg/newsagg; ops@example.org)"
    assert conf["ROBOTSTXT_OBEY"] and conf["AUTOTHROTTLE_ENABLED"] and conf["RETRY_TIMES"] == 2
    assert conf["DOWNLOAD_SLOTS"]["a.example"] == {"concurrency": 3, "delay": 0.0}
    assert conf["DOWNLOAD_SLOTS"]["feeds.b.example"] == {"concurrency": 3, "delay": 1.0}
    assert "SCHEDULER" not in conf
    distributed = scrapy_settings(Settings(redis_url="redis://127.0.0.1:1/0"), sources)
    assert distributed["SCHEDULER"] == "scrapy_redis.scheduler.Scheduler" and distributed["SCHEDULER_PERSIST"]
    assert distributed["REDIS_PARAMS"] == {"socket_timeout": 10.0, "socket_connect_timeout": 5.0,
                                           "health_check_interval": 30}  # the runtime's client's timeouts
    # crawls of the same outlets share a frontier; a crawl of only one of them gets its own
    same = scrapy_settings(Settings(redis_url="redis://127.0.0.1:1/0"), list(reversed(sources)))
    only_a = scrapy_settings(Settings(redis_url="redis://127.0.0.1:1/0"), sources[:1])
    assert same["SCHEDULER_QUEUE_KEY"] == distributed["SCHEDULER_QUEUE_KEY"] != only_a["SCHEDULER_QUEUE_KEY"]


def test_address_guard_refuses_every_hop_including_redirects():
    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.utils.test import get_crawler

    from newsagg.crawler.middlewares import AddressGuardMiddleware

    guard = AddressGuardMiddleware(get_crawler(settings_dict={"NEWSAGG_ALLOW_PRIVATE_ADDRESSES": False}))
    start = Request("https://news.example.org/a.html")
    assert guard.process_request(start) is None
    # RedirectMiddleware sends the Location target back through every process_request
    hop = start.replace(url="http://169.254.169.254/latest/meta-data/")
    with pytest.raises(IgnoreRequest, match="non-public address"):
        guard.process_request(hop)
    allowed = AddressGuardMiddleware(get_crawler(settings_dict={"NEWSAGG_ALLOW_PRIVATE_ADDRESSES": True}))
    assert allowed.process_request(hop) is None


def test_autothrottle_keeps_each_outlets_crawl_delay_as_floor():
    from scrapy import Request
    from scrapy.core.downloader import Slot
    from scrapy.http import Response
    from scrapy.utils.test import get_crawler

    from newsagg.crawler.middlewares import OutletAutoThrottle

    sources = parse_sources("outlets:\n  - {name: Fast, url: 'http://127.0.0.1:9/', crawl_delay: 0}\n"
                            "  - {name: Slow, url: 'https://slow.example/', crawl_delay: 5}\n")
    crawler = get_crawler(settings_dict=scrapy_settings(Settings(), sources))
    throttle = OutletAutoThrottle(crawler)
    throttle.mindelay, throttle.maxdelay = 0.0, 60.0  # what spider_opened sets from DOWNLOAD_DELAY
    crawler.engine = type("Engine", (), {})()
    crawler.engine.downloader = type("Downloader", (), {"slots": {}})()
    for key, floor in (("slow.example", 5.0), ("127.0.0.1:9", 0.0)):
        slot = crawler.engine.downloader.slots[key] = Slot(2, floor, 0.0)  # concurrency, delay, no jitter
        request = Request(f"http://{key}/a", meta={"download_slot": key, "download_latency": 0.01})
        for _ in range(10):  # fast answers pull the delay down towards the latency
            throttle._response_downloaded(Response(request.url), request)
        assert slot.delay == pytest.approx(floor, abs=0.02)
