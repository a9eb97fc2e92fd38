"""Real Scrapy crawls of loopback sites: a well-behaved outlet and a hostile one."""
from __future__ import annotations

import gzip
import json
import socket
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from newsagg.core.settings import get_settings
from newsagg.crawler.run import run_crawl
from newsagg.demo.sites import Page, Site
from tests.support.testpages import article_html, front_html, prose, video_html

NOW = datetime.now(timezone.utc)
RSS = "application/rss+xml"


def rfc822(dt: datetime) -> str:
    return dt.strftime("%a, %d %b %Y %H:%M:%S +0000")


def rss(items: list[tuple[str, str, datetime]]) -> str:
    body = "".join(f"<item><title>{t}</title><link>{link}</link><description>Summary of {t}</description>"
                   f"<pubDate>{rfc822(d)}</pubDate></item>" for t, link, d in items)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed</title>{body}</channel></rss>'


def urlset(entries: list[tuple[str, datetime]], news: bool = False) -> str:
    rows = []
    for loc, d in entries:
        extra = (f"<news:news><news:publication><news:name>Courier</news:name><news:language>en</news:language>"
                 f"</news:publication><news:publication_date>{d.isoformat()}</news:publication_date>"
                 f"<news:title>Sitemap title</news:title></news:news>") if news else f"<lastmod>{d.isoformat()}</lastmod>"
        rows.append(f"<url><loc>{loc}</loc>{extra}</url>")
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + "".join(rows) + "</urlset>")


class ConditionalFeed:
    """A feed or sitemap answering conditional GET with 304."""

    def __init__(self, body: str | bytes, content_type: str):
        self.body, self.content_type, self.etag = body, content_type, '"v1"'

    def __call__(self, headers) -> Page:
        if headers.get("If-None-Match") == self.etag:
            return Page(b"", status=304, headers={"ETag": self.etag})
        return Page(self.body, content_type=self.content_type, headers={"ETag": self.etag})


class Outlet:
    """One loopback site with routes filled after it knows its own address."""

    def __init__(self):
        self.routes: dict[str, object] = {}
        self.times: dict[str, list[float]] = {}
        self.site = Site(self.route).start()
        self.base = self.site.base_url

    def route(self, path, headers):
        self.times.setdefault(path, []).append(time.monotonic())
        page = self.routes.get(path) or self.routes.get(path.split("?")[0])
        return page(headers) if callable(page) else page

    def article_hits(self) -> list[str]:
        return [p for p in self.site.hits if p.split("?")[0].endswith(".html") or p.startswith("/loop")]


def build_courier() -> tuple[Outlet, set[str]]:
    """A well-behaved outlet: RSS feed, sitemap index (news + gzip), robots.txt, AMP, legacy encodings."""
    o = Outlet()
    b = o.base
    expected = set()
    feed_items, news_entries, gz_entries = [], [], []
    for i in range(6):
        path = f"/news/2026/storm-{i}.html"
        o.routes[path] = Page(article_html(title=f"Storm report {i}", paragraphs=prose(i), canonical=b + path,
                                           published=NOW - timedelta(hours=i)))
        expected.add(b + path)
        (feed_items if i < 3 else news_entries).append((f"Storm report {i}", b + path + "?utm_source=rss&utm_medium=feed",
                                                        NOW - timedelta(hours=i)))
    # both feed and sitemap list story 0: found once
    news_entries.append(("dup", b + "/news/2026/storm-0.html", NOW))
    # AMP version in the feed resolves to its canonical page
    o.routes["/amp/2026/harbour.html"] = Page(article_html(title="Harbour reopens", paragraphs=prose(20), amp=True,
                                                            canonical=b + "/news/2026/harbour.html", published=NOW))
    o.routes["/news/2026/harbour.html"] = Page(article_html(title="Harbour reopens", paragraphs=prose(20),
                                                             canonical=b + "/news/2026/harbour.html", published=NOW))
    feed_items.append(("Harbour reopens", b + "/amp/2026/harbour.html", NOW))
    expected.add(b + "/news/2026/harbour.html")
    # windows-1251 without a charset header, Shift_JIS with one
    ru = article_html(title="Шторм в гавани", paragraphs=["Шторм закрыл гавань, паромы ждали у причала до утра. " * 15],
                      charset="windows-1251", lang="ru", canonical=b + "/news/2026/ru.html", published=NOW)
    o.routes["/news/2026/ru.html"] = Page(ru.encode("windows-1251"), content_type="text/html")
    ja = article_html(title="港の嵐", paragraphs=["嵐のため港は二日間閉鎖され、フェリーは朝まで岸壁に留まった。" * 20],
                      charset="shift_jis", lang="ja", canonical=b + "/news/2026/ja.html", published=NOW)
    o.routes["/news/2026/ja.html"] = Page(ja.encode("shift_jis"), content_type="text/html; charset=shift_jis")
    gz_entries += [(b + "/news/2026/ru.html", NOW), (b + "/news/2026/ja.html", NOW)]
    expected |= {b + "/news/2026/ru.html", b + "/news/2026/ja.html"}
    # not articles / not wanted: robots-disallowed, video, front page, too old
    o.routes["/private/secret.html"] = Page(article_html(title="Private", paragraphs=prose(30)))
    o.routes["/video/crane.html"] = Page(video_html("Crane lifts the gate"))
    o.routes["/"] = Page(front_html([(f"/news/2026/storm-{i}.html", f"Storm report {i}") for i in range(6)] * 4))
    o.routes["/news/2019/old.html"] = Page(article_html(title="Old", paragraphs=prose(40), published=NOW - timedelta(days=400)))
    feed_items += [("Private", b + "/private/secret.html", NOW), ("Video", b + "/video/crane.html", NOW),
                   ("Home", b + "/", NOW), ("Old", b + "/news/2019/old.html", NOW - timedelta(days=400))]
    o.routes["/feed.xml"] = ConditionalFeed(rss(feed_items), RSS)
    o.routes["/sitemap.xml"] = ConditionalFeed(
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{b}/sitemap-news.xml</loc></sitemap><sitemap><loc>{b}/sitemap-2026.xml.gz</loc></sitemap>"
        "</sitemapindex>", "application/xml")
    o.routes["/sitemap-news.xml"] = ConditionalFeed(urlset([(u, d) for _, u, d in news_entries], news=True), "application/xml")
    o.routes["/sitemap-2026.xml.gz"] = ConditionalFeed(gzip.compress(urlset(gz_entries).encode()), "application/x-gzip")
    o.routes["/robots.txt"] = Page(f"User-agent: *\nDisallow: /private/\nSitemap: {b}/sitemap.xml\n", content_type="text/plain")
    return o, expected


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
                  + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
                  + ']><rss version="2.0"><channel><title>&j;</title><item><title>&j;</title>'
                  '<link>{link}</link></item></channel></rss>')


def build_hostile() -> tuple[Outlet, set[str]]:
    """An outlet serving everything that breaks crawlers."""
    o = Outlet()
    b = o.base
    good = "/news/copy.html"  # a syndicated copy of the courier's story 0, edited
    paragraphs = prose(0)[:-1] + ["Local ferry services resume on Thursday, the port authority said."]
    o.routes[good] = Page(article_html(title="Storm batters harbour town", paragraphs=paragraphs, canonical=b + good,
                                       published=NOW))
    o.routes["/news/entity.html"] = Page(article_html(title="Quay inspection", paragraphs=prose(50), published=NOW))
    o.routes["/news/missing.html"] = Page("<html><body>gone</body></html>", status=404)
    o.routes["/news/error.html"] = Page("<html><body>oops</body></html>", status=500)
    o.routes["/loop/a"] = Page("", status=302, headers={"Location": b + "/loop/b"})
    o.routes["/loop/b"] = Page("", status=302, headers={"Location": b + "/loop/a"})
    o.routes["/news/huge.html"] = Page((b"<p>" + b"x" * 1_048_573 for _ in range(50)))  # 50 MB, streamed
    o.routes["/news/binary.html"] = Page(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 400, content_type="text/html")
    busy = {"n": 0}

    def busy_page(headers):  # first answer: 429 with Retry-After
        busy["n"] += 1
        if busy["n"] == 1:
            return Page("slow down", status=429, headers={"Retry-After": "1"})
        return Page(article_html(title="Ferries resume", paragraphs=prose(60), canonical=b + "/news/busy.html",
                                 published=NOW))

    o.routes["/news/busy.html"] = busy_page
    links = ["/news/missing.html", "/news/error.html", "/loop/a", "/news/huge.html", "/news/binary.html",
             "/news/busy.html", good]
    o.routes["/feed.xml"] = Page(rss([(p, b + p, NOW) for p in links]), content_type=RSS)
    o.routes["/broken-feed.xml"] = Page(rss([("x", b + good, NOW)])[:-40], content_type=RSS)  # truncated
    o.routes["/not-a-feed.xml"] = Page("<html><body>Service unavailable</body></html>", content_type=RSS)
    o.routes["/entity-feed.xml"] = Page(BILLION_LAUGHS.replace("{link}", b + "/news/entity.html"), content_type=RSS)
    o.routes["/broken-sitemap.xml"] = Page("<urlset><url><loc>http://[::1/x</loc><url><<<", content_type="application/xml")
    bomb = gzip.compress(b"<urlset>" + b" " * (40 * 1024 * 1024), compresslevel=9)  # 40 MB of nothing
    o.routes["/bomb-sitemap.xml.gz"] = Page(bomb, content_type="application/x-gzip")
    o.routes["/bomb-encoded.xml"] = Page(bomb, content_type="application/xml", headers={"Content-Encoding": "gzip"})
    o.routes["/robots.txt"] = Page("User-agent: *\nAllow: /\n", content_type="text/plain")
    return o, {b + good, b + "/news/busy.html", b + "/news/entity.html"}


def write_sources(path: Path, courier: Outlet, hostile: Outlet) -> Path:
    c, h = courier.base, hostile.base
    path.write_text(f"""outlets:
  - name: Test Courier
    url: {c}/
    country: GB
    language: en
    feeds: [{c}/feed.xml]
    deny: ['^/video/']
    crawl_delay: 0
  - name: Hostile Herald
    url: {h}/
    country: IE
    language: en
    feeds: [{h}/feed.xml, {h}/broken-feed.xml, {h}/not-a-feed.xml, {h}/entity-feed.xml]
    sitemaps: [{h}/broken-sitemap.xml, {h}/bomb-sitemap.xml.gz, {h}/bomb-encoded.xml]
    crawl_delay: 0
""", encoding="utf-8")
    return path


def read_items(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def outlets(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSAGG_CRAWL_HANDOFF", "false")
    get_settings.cache_clear()
    courier, want_c = build_courier()
    hostile, want_h = build_hostile()
    yield courier, hostile, want_c | want_h, write_sources(tmp_path / "sources.yaml", courier, hostile)
    courier.site.stop()
    hostile.site.stop()


@pytest.mark.timeout(120)
def test_crawl_finds_every_article_once_and_survives_hostile_pages(outlets, tmp_path):
    courier, hostile, expected, sources = outlets
    out = tmp_path / "articles.jsonl"
    seen_progress = []
    stats = run_crawl(sources, jsonl=out, progress=seen_progress.append, timeout_s=90)
    items = read_items(out)
    urls = [i["canonical_url"] for i in items]
    assert sorted(urls) == sorted(expected)  # every article, each once
    assert stats.articles == len(expected) and seen_progress

    by_url = {i["canonical_url"]: i for i in items}
    story0 = by_url[courier.base + "/news/2026/storm-0.html"]
    assert story0["outlet"] == "Test Courier" and story0["country"] == "GB"
    assert story0["title"] == "Storm report 0" and story0["authors"] == ["Mara Quill"]
    assert story0["published"] and story0["feed_summary"] == "Summary of Storm report 0"
    assert "Shared on" not in story0["text"] and prose(0)[0] in story0["text"]
    assert "Шторм закрыл гавань" in by_url[courier.base + "/news/2026/ru.html"]["text"]
    assert "港は二日間閉鎖され" in by_url[courier.base + "/news/2026/ja.html"]["text"]
    assert by_url[hostile.base + "/news/copy.html"]["title"] == "Storm batters harbour town"

    hits = courier.site.hits
    assert "/private/secret.html" not in hits  # robots.txt obeyed
    assert "/video/crane.html" not in hits  # deny pattern
    assert "/news/2019/old.html" not in hits  # outside the recency window
    assert not any("utm_" in h for h in hits)  # tracking parameters removed before fetching
    assert hits.count("/news/2026/storm-0.html") == 1
    assert hits.count("/robots.txt") == 1  # read once: for its rules and its Sitemap: lines
    assert "/sitemap-news.xml" in hits and "/sitemap-2026.xml.gz" in hits  # found through robots.txt only
    assert stats.skipped.get("section_front_or_list_page") == 1  # "/" from the feed: fetched, not an article
    busy = hostile.times["/news/busy.html"]
    assert len(busy) == 2 and busy[1] - busy[0] >= 0.9  # Retry-After honoured
    assert hostile.site.hits.count("/loop/a") <= 3  # redirect loop cut short
    assert stats.errors.get("bad_feed") == 1  # the HTML "feed"; the truncated one is read up to the break
    assert stats.errors.get("bad_sitemap") == 1  # the gzip bomb; the malformed one yields no usable URL
    assert stats.errors.get("ignored") == 1  # the Content-Encoding bomb, stopped at the size limit
    assert stats.errors.get("too_large") == 1 and stats.errors.get("http_404") == 1
    assert stats.skipped.get("binary_content") == 1  # the PNG served as text/html

    # second run: feeds answer 304, known URLs are not fetched again, nothing new is emitted
    before_c, before_h = len(courier.site.hits), len(hostile.site.hits)
    again = run_crawl(sources, jsonl=tmp_path / "again.jsonl", timeout_s=90)
    assert again.articles == 0 and read_items(tmp_path / "again.jsonl") == []
    new_c = courier.site.hits[before_c:]
    new_h = hostile.site.hits[before_h:]
    assert not [h for h in new_c + new_h if h.split("?")[0].endswith(".html") or h.startswith("/loop")], (new_c, new_h)
    # the courier's feed, sitemap index and its two child sitemaps (polled although the index is unchanged)
    assert again.not_modified == 4 and "/sitemap-news.xml" in new_c


@pytest.mark.timeout(60)
def test_loopback_refused_when_private_addresses_not_allowed(outlets, tmp_path, monkeypatch):
    courier, hostile, _, sources = outlets
    # a host *name* whose DNS answer is loopback (this machine's own name, from /etc/hosts)
    name = socket.gethostname()
    by_name = name != "localhost" and socket.gethostbyname(name).startswith("127.")
    if by_name:
        with sources.open("a", encoding="utf-8") as f:
            f.write(f"  - name: Named Loopback\n    url: http://{name}:{courier.site.port}/\n"
                    f"    feeds: [http://{name}:{courier.site.port}/feed.xml]\n    crawl_delay: 0\n")
    monkeypatch.setenv("NEWSAGG_ALLOW_PRIVATE_ADDRESSES", "false")
    get_settings.cache_clear()
    stats = run_crawl(sources, jsonl=tmp_path / "none.jsonl", timeout_s=50)
    assert stats.articles == 0 and courier.site.hits == [] and hostile.site.hits == []
    if by_name:
        assert stats.errors.get("refused_address", 0) >= 1  # refused on the DNS answer


@pytest.mark.timeout(60)
def test_robots_crawl_delay_is_honoured(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSAGG_CRAWL_HANDOFF", "false")
    get_settings.cache_clear()
    o = Outlet()
    b = o.base
    paths = [f"/news/slow-{i}.html" for i in range(3)]
    for i, path in enumerate(paths):
        o.routes[path] = Page(article_html(title=f"Slow {i}", paragraphs=prose(70 + i), canonical=b + path,
                                           published=NOW))
    o.routes["/feed.xml"] = Page(rss([(p, b + p, NOW) for p in paths]), content_type=RSS)
    o.routes["/robots.txt"] = Page("User-agent: *\nCrawl-delay: 1\n", content_type="text/plain")
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"outlets:\n  - name: Slow Site\n    url: {b}/\n    feeds: [{b}/feed.xml]\n    crawl_delay: 0\n",
                       encoding="utf-8")
    try:
        stats = run_crawl(sources, jsonl=tmp_path / "a.jsonl", timeout_s=50)
    finally:
        o.site.stop()
    assert stats.articles == 3
    times = sorted(t for p in ["/feed.xml", *paths] for t in o.times[p])
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert min(gaps) >= 0.9, gaps  # one request a second, as robots.txt asks (sources said 0)
