"""The fixture web (docs/fixture-web.md): the corpus outlets (newsagg/corpus/) served on
127.0.0.1, one port per outlet, with home pages, article pages in three layouts (some with
AMP versions), RSS 2.0 / Atom / RDF feeds, sitemap indexes with a Google News sitemap and a
gzipped article sitemap, robots.txt, non-article pages, and on request the traps a crawler
meets on the real web.

    with FixtureWeb() as web:
        sources = web.write_sources(tmp_path / "sources.yaml")
        run_crawl(sources)
        web.expected_articles()          # gold records: what the crawl must find, labelled
        web.site_for("northwire").hits   # paths the crawler fetched
        web.advance()                    # phase 2: new articles appear, some are updated

Rendering is pure (render_* functions); FixtureWeb only binds them to Sites.
Run `python -m newsagg.fixture_web --sources sources.yaml` to serve it by hand.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import json
import logging
import struct
import threading
import time
import zlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Iterable, Iterator, Mapping
from urllib.parse import urlsplit

import yaml

from newsagg.core.logs import configure_logging
from newsagg.demo.corpus import Corpus, CorpusArticle, Outlet, load_corpus, slugify
from newsagg.demo.sites import Page, Site

log = logging.getLogger(__name__)

HUGE_PAGE_BYTES = 50 * 1024 * 1024
FEED_TRACKING_QUERY = "?utm_source=rss&utm_medium=feed"
FEED_PATHS = {"rss2": "/feed.xml", "atom": "/atom.xml", "rdf": "/index.rdf"}
FEED_TYPES = {"rss2": "application/rss+xml", "atom": "application/atom+xml", "rdf": "application/rdf+xml"}
SITEMAP_INDEX_PATH = "/sitemap.xml"
NEWS_SITEMAP_PATH = "/sitemap-news.xml"
ARTICLES_SITEMAP_PATH = "/sitemap-articles.xml.gz"
NEWS_SITEMAP_WINDOW = timedelta(days=2)  # news sitemaps list only the last two days, as Google News asks

# Why an article is or is not expected in a crawl (FixtureArticle.expect).
CRAWL, TOO_OLD, ROBOTS = "crawl", "too_old", "robots"

_WORDS = {  # boilerplate words of the templates, per language
    "en": {"by": "By", "home": "Home", "more": "Most read", "about": "About us", "rights": "All rights reserved.",
           "related": "Related stories", "cookies": "We use cookies to improve your experience.",
           "accept": "Accept all", "newsletter": "Get the morning briefing in your inbox", "share": "Share this story",
           "comments": "Comments are closed for this article.", "published": "Published", "updated": "Updated",
           "skip": "Skip to content", "video": "Watch", "caption": "Photo"},
    "de": {"by": "Von", "home": "Startseite", "more": "Meistgelesen", "about": "Über uns", "rights": "Alle Rechte vorbehalten.",
           "related": "Mehr zum Thema", "cookies": "Wir verwenden Cookies.", "accept": "Alle akzeptieren",
           "newsletter": "Unser Newsletter am Morgen", "share": "Artikel teilen",
           "comments": "Die Kommentarfunktion ist geschlossen.", "published": "Veröffentlicht", "updated": "Aktualisiert",
           "skip": "Zum Inhalt springen", "video": "Video", "caption": "Foto"},
}


@dataclass(frozen=True)
class FixtureArticle:
    """One article the fixture web serves: the gold record of what a crawl should find."""

    key: str
    outlet: str  # outlet name, as in the sources file and Article.outlet
    outlet_key: str
    country: str
    canonical_url: str  # the URL its rel=canonical names
    event: str
    group: str  # copy group: the original's key
    copy_of: str | None
    lang: str
    title: str
    text: str
    authors: tuple[str, ...]
    section: str
    published: datetime
    modified: datetime | None
    phase: int
    expect: str  # CRAWL, TOO_OLD or ROBOTS
    edits: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return urlsplit(self.canonical_url).path

    @property
    def image_path(self) -> str:
        return "/images/" + self.path.rsplit("/", 1)[-1].removesuffix(".html") + ".png"


# --- pure rendering --------------------------------------------------------------------

def article_path(article: CorpusArticle, published: datetime) -> str:
    if article.private:
        return f"/private/{article.slug}.html"
    return f"/news/{published:%Y}/{published:%m}/{article.slug}.html"


def amp_path(path: str) -> str:
    return "/amp" + path


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _words(outlet: Outlet) -> dict[str, str]:
    return _WORDS.get(outlet.language, _WORDS["en"])


def _lead(a: FixtureArticle, limit: int = 200) -> str:
    return a.text.split("\n\n", 1)[0][:limit]


def _head(outlet: Outlet, title: str, extra: str = "", amp: bool = False) -> str:
    return (f'<!DOCTYPE html>\n<html{" amp" if amp else ""} lang="{outlet.language}">\n<head>\n'
            f'<meta charset="{outlet.encoding}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{_e(title)}</title>\n{extra}</head>\n')


def _nav(outlet: Outlet, sections: Iterable[str]) -> str:
    w = _words(outlet)
    links = "".join(f'<li><a href="/tag/{_e(slugify(s))}.html">{_e(s)}</a></li>' for s in sections)
    return (f'<a class="skip-link" href="#main">{w["skip"]}</a>\n'
            f'<header class="masthead"><a class="logo" href="/">{_e(outlet.name)}</a>\n'
            f'<nav><ul><li><a href="/">{w["home"]}</a></li>{links}</ul></nav></header>\n')


def _footer(outlet: Outlet) -> str:
    w = _words(outlet)
    return (f'<footer><p>© 2026 {_e(outlet.name)}. {w["rights"]}</p>'
            f'<p><a href="/about.html">{w["about"]}</a></p></footer>\n')


def _article_meta(outlet: Outlet, a: FixtureArticle, base: str) -> str:
    """Canonical link, description, OpenGraph and (if the outlet has it) JSON-LD."""
    image = base + a.image_path
    tags = [("og:type", "article"), ("og:title", a.title), ("og:url", a.canonical_url), ("og:image", image),
            ("og:site_name", outlet.name), ("article:published_time", a.published.isoformat()),
            ("article:section", a.section)]
    if a.modified:
        tags.append(("article:modified_time", a.modified.isoformat()))
    out = (f'<link rel="canonical" href="{_e(a.canonical_url)}">\n'
           f'<meta name="description" content="{_e(_lead(a, 160))}">\n'
           f'<meta name="author" content="{_e(", ".join(a.authors))}">\n'
           + "".join(f'<meta property="{k}" content="{_e(v)}">\n' for k, v in tags))
    if outlet.amp:
        out += f'<link rel="amphtml" href="{_e(base + amp_path(a.path))}">\n'
    if outlet.json_ld:
        data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title,
                "datePublished": a.published.isoformat(), "dateModified": (a.modified or a.published).isoformat(),
                "author": [{"@type": "Person", "name": n} for n in a.authors], "image": [image],
                "articleSection": a.section, "inLanguage": a.lang, "mainEntityOfPage": a.canonical_url,
                "publisher": {"@type": "Organization", "name": outlet.name}}
        out += f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>\n'
    return out


def render_article(outlet: Outlet, a: FixtureArticle, related: list[FixtureArticle], base: str) -> str:
    """An article page in the outlet's layout: the same text under different boilerplate."""
    w = _words(outlet)
    paras = "\n".join(f"<p>{_e(p)}</p>" for p in a.text.split("\n\n"))
    byline = f'{w["by"]} {_e(", ".join(a.authors))}' if a.authors else ""
    related_list = "".join(f'<li><a href="{_e(r.path)}">{_e(r.title)}</a></li>' for r in related[:4])
    stamp = f'<time datetime="{a.published.isoformat()}">{a.published:%d.%m.%Y %H:%M}</time>'
    if a.modified:
        stamp += f' · {w["updated"]} <time datetime="{a.modified.isoformat()}">{a.modified:%d.%m.%Y %H:%M}</time>'
    figure = (f'<figure><img src="{a.image_path}" alt="{_e(a.title)}" width="64" height="40">'
              f'<figcaption>{w["caption"]}: {_e(outlet.name)}</figcaption></figure>\n')
    head = _head(outlet, f"{a.title} | {outlet.name}", _article_meta(outlet, a, base))
    if outlet.layout == "semantic":
        body = (f'<main id="main">\n<article>\n<h1>{_e(a.title)}</h1>\n<p class="byline">{byline} · {stamp}</p>\n'
                f'{figure}{paras}\n</article>\n<aside><h2>{w["more"]}</h2><ul>{related_list}</ul></aside>\n</main>\n')
    elif outlet.layout == "classic":
        body = (f'<div id="wrapper"><div id="main">\n<div class="kicker">{_e(a.section)}</div>\n'
                f'<div class="headline"><h2>{_e(a.title)}</h2></div>\n'
                f'<div class="meta"><span class="author">{byline}</span> '
                f'<span class="date">{w["published"]} {stamp}</span></div>\n{figure}'
                f'<div class="story-body">\n{paras}\n</div>\n'
                f'<div class="share">{w["share"]}: <a href="#">Facebook</a> <a href="#">X</a> <a href="#">E-mail</a></div>\n'
                f'</div>\n<div id="sidebar"><h3>{w["related"]}</h3><ul>{related_list}</ul></div></div>\n')
    else:  # cluttered: cookie banner, newsletter box, ads and comments around the story
        body = (f'<div class="cookie-banner">{w["cookies"]} <button>{w["accept"]}</button></div>\n'
                f'<div class="ad ad-top">Advertisement</div>\n'
                f'<div class="page" id="main"><section class="story">\n<h1 class="story-title">{_e(a.title)}</h1>\n'
                f'<div class="story-meta">{byline} | {stamp}</div>\n{figure}'
                f'<div class="newsletter-box"><b>{w["newsletter"]}</b> <input type="email"> <button>Sign up</button></div>\n'
                f'<div class="story-text">\n{paras}\n</div>\n'
                f'<div class="share">{w["share"]}</div>\n</section>\n'
                f'<section class="related"><h3>{w["related"]}</h3><ul>{related_list}</ul></section>\n'
                f'<div class="comments">{w["comments"]}</div>\n<div class="ad ad-bottom">Advertisement</div></div>\n')
    return f"{head}<body>\n{_nav(outlet, [a.section])}{body}{_footer(outlet)}</body>\n</html>\n"


def render_amp(outlet: Outlet, a: FixtureArticle, base: str) -> str:
    """The AMP version: bare markup, rel=canonical to the main page."""
    w = _words(outlet)
    paras = "\n".join(f"<p>{_e(p)}</p>" for p in a.text.split("\n\n"))
    byline = f'{w["by"]} {_e(", ".join(a.authors))}' if a.authors else ""
    extra = (f'<link rel="canonical" href="{_e(a.canonical_url)}">\n'
             f'<meta property="article:published_time" content="{a.published.isoformat()}">\n'
             f'<style amp-custom>body{{font-family:sans-serif}}</style>\n')
    return (f"{_head(outlet, a.title, extra, amp=True)}<body>\n<header><a href=\"/\">{_e(outlet.name)}</a></header>\n"
            f"<article><h1>{_e(a.title)}</h1>\n<p class=\"byline\">{byline} · "
            f"<time datetime=\"{a.published.isoformat()}\">{a.published:%d.%m.%Y %H:%M}</time></p>\n"
            f"<amp-img src=\"{a.image_path}\" width=\"64\" height=\"40\" layout=\"responsive\"></amp-img>\n"
            f"{paras}\n</article>\n</body>\n</html>\n")


def render_listing(outlet: Outlet, title: str, links: list[tuple[str, str]], sections: list[str]) -> str:
    """A home or tag page: a list of links, no article text."""
    items = "\n".join(f'<li><a href="{_e(href)}">{_e(text)}</a></li>' for href, text in links)
    return (f"{_head(outlet, title)}<body>\n{_nav(outlet, sections)}"
            f"<main id=\"main\"><h1>{_e(title)}</h1>\n<ul class=\"teasers\">\n{items}\n</ul></main>\n"
            f"{_footer(outlet)}</body>\n</html>\n")


def render_video(outlet: Outlet, a: FixtureArticle) -> str:
    """A video page about an article's story: a player and one line of text (not an article)."""
    w = _words(outlet)
    return (f"{_head(outlet, w['video'] + ': ' + a.title)}<body>\n{_nav(outlet, [a.section])}"
            f"<main id=\"main\"><h1>{w['video']}: {_e(a.title)}</h1>\n"
            f"<div class=\"player\"><video controls width=\"640\" height=\"360\" poster=\"{a.image_path}\">"
            f"<source src=\"/media/{_e(a.key)}.mp4\" type=\"video/mp4\"></video></div>\n"
            f"<p>{_e(a.title)} (1:42)</p></main>\n{_footer(outlet)}</body>\n</html>\n")


def render_about(outlet: Outlet) -> str:
    w = _words(outlet)
    return (f"{_head(outlet, w['about'] + ' | ' + outlet.name)}<body>\n{_nav(outlet, [])}"
            f"<main id=\"main\"><h1>{w['about']}</h1><p>{_e(outlet.name)} is a fictional outlet of the "
            f"newsagg test web.</p></main>\n{_footer(outlet)}</body>\n</html>\n")


def _xml_decl(outlet: Outlet) -> str:
    return f'<?xml version="1.0" encoding="{outlet.encoding}"?>\n'


def render_feed(outlet: Outlet, base: str, items: list[tuple[str, FixtureArticle]]) -> str:
    """The outlet's feed (RSS 2.0, Atom or RSS 1.0/RDF); items are (absolute link, article)."""
    if outlet.feed == "atom":
        updated = max((a.modified or a.published for _, a in items), default=datetime(2026, 1, 1, tzinfo=timezone.utc))
        entries = "\n".join(
            f'<entry><title>{_e(a.title)}</title><link rel="alternate" href="{_e(link)}"/>'
            f"<id>tag:{urlsplit(base).netloc},2026:{_e(a.key)}</id>"
            f"<published>{a.published.isoformat()}</published><updated>{(a.modified or a.published).isoformat()}</updated>"
            + "".join(f"<author><name>{_e(n)}</name></author>" for n in a.authors)
            + f"<summary>{_e(_lead(a))}</summary></entry>" for link, a in items)
        return (f'{_xml_decl(outlet)}<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{outlet.language}">\n'
                f'<title>{_e(outlet.name)}</title><link href="{base}/"/><id>{base}/</id>'
                f"<updated>{updated.isoformat()}</updated>\n{entries}\n</feed>\n")
    if outlet.feed == "rdf":
        seq = "".join(f'<rdf:li rdf:resource="{_e(link)}"/>' for link, _ in items)
        entries = "\n".join(
            f'<item rdf:about="{_e(link)}"><title>{_e(a.title)}</title><link>{_e(link)}</link>'
            f"<description>{_e(_lead(a))}</description><dc:date>{a.published.isoformat()}</dc:date>"
            f"<dc:creator>{_e(', '.join(a.authors))}</dc:creator><dc:language>{a.lang}</dc:language></item>"
            for link, a in items)
        return (f'{_xml_decl(outlet)}<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                f'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
                f'<channel rdf:about="{base}{FEED_PATHS["rdf"]}"><title>{_e(outlet.name)}</title>'
                f"<link>{base}/</link><description>{_e(outlet.name)}</description>"
                f"<items><rdf:Seq>{seq}</rdf:Seq></items></channel>\n{entries}\n</rdf:RDF>\n")
    entries = "\n".join(
        f"<item><title>{_e(a.title)}</title><link>{_e(link)}</link>"
        f'<guid isPermaLink="false">{_e(a.key)}</guid>'
        f"<pubDate>{format_datetime(a.published)}</pubDate><category>{_e(a.section)}</category>"
        f"<description>{_e(_lead(a))}</description></item>" for link, a in items)
    return (f'{_xml_decl(outlet)}<rss version="2.0"><channel>\n'
            f"<title>{_e(outlet.name)}</title><link>{base}/</link><language>{outlet.language}</language>\n"
            f"<description>{_e(outlet.name)}</description>\n{entries}\n</channel></rss>\n")


def render_news_sitemap(outlet: Outlet, base: str, articles: list[FixtureArticle]) -> str:
    urls = "\n".join(
        f"<url><loc>{_e(base + a.path)}</loc><news:news><news:publication>"
        f"<news:name>{_e(outlet.name)}</news:name><news:language>{a.lang}</news:language></news:publication>"
        f"<news:publication_date>{a.published.isoformat()}</news:publication_date>"
        f"<news:title>{_e(a.title)}</news:title></news:news></url>"
        for a in articles)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n' + urls + "\n</urlset>\n")


def render_articles_sitemap(base: str, articles: list[FixtureArticle], extra_paths: list[str] = ()) -> str:
    urls = "\n".join([f"<url><loc>{_e(base + a.path)}</loc><lastmod>{(a.modified or a.published).isoformat()}</lastmod></url>"
                       for a in articles] + [f"<url><loc>{_e(base + p)}</loc></url>" for p in extra_paths])
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "\n</urlset>\n")


def render_sitemap_index(base: str, paths: list[str]) -> str:
    maps = "\n".join(f"<sitemap><loc>{base}{p}</loc></sitemap>" for p in paths)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + maps + "\n</sitemapindex>\n")


def render_robots(base: str) -> str:
    return f"User-agent: *\nDisallow: /private/\nDisallow: /search\n\nSitemap: {base}{SITEMAP_INDEX_PATH}\n"


def tiny_png(seed: str, width: int = 64, height: int = 40) -> bytes:
    """A valid one-colour PNG (colour from the seed): the article images."""
    rgb = hashlib.sha1(seed.encode()).digest()[:3]
    raw = b"".join(b"\x00" + rgb * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _huge_body(total: int) -> Iterator[bytes]:
    head = b"<!DOCTYPE html><html><head><title>Archive</title></head><body>"
    chunk = b"<p>" + b"archive filler " * 4000 + b"</p>\n"
    yield head
    sent = len(head)
    while sent < total:
        yield chunk
        sent += len(chunk)
    yield b"</body></html>"


# --- conditional GET -------------------------------------------------------------------

def _http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(timezone.utc).replace(microsecond=0), usegmt=True)


def conditional(page: Page, last_modified: datetime | None, headers: Mapping[str, str]) -> Page:
    """Add ETag/Last-Modified to a fixed page; answer 304 when the client already has it."""
    body = page.encoded()
    if not isinstance(body, (bytes, bytearray)) or page.status != 200:
        return page
    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
    extra = {"ETag": etag}
    if last_modified is not None:
        extra["Last-Modified"] = _http_date(last_modified)
    page = replace(page, headers={**page.headers, **extra})
    inm = headers.get("If-None-Match")
    if inm is not None:
        fresh = inm.strip() == "*" or etag in [t.strip() for t in inm.split(",")]
    elif headers.get("If-Modified-Since") and last_modified is not None:
        try:
            fresh = last_modified.replace(microsecond=0) <= parsedate_to_datetime(headers["If-Modified-Since"])
        except (TypeError, ValueError):
            fresh = False
    else:
        fresh = False
    return replace(page, status=304, body=b"") if fresh else page


# --- the servers -----------------------------------------------------------------------

class OutletSite:
    """One outlet's pages for the current phase, answering on its own Site."""

    def __init__(self, web: "FixtureWeb", outlet: Outlet, port: int = 0):
        self.web = web
        self.outlet = outlet
        self.site = Site(self.route, port=port)
        self.base = self.site.base_url
        self._failed_once: set[str] = set()  # paths the flaky trap already answered 503
        self._lock = threading.Lock()

    def published(self) -> list[FixtureArticle]:
        """What the outlet has published in the current phase, newest first."""
        return sorted(self.web.published(self.outlet.key), key=lambda a: a.published, reverse=True)

    def trap(self, name: str) -> bool:
        return self.web.traps and name in self.outlet.traps

    def feed_link(self, a: FixtureArticle) -> str:
        if self.trap("redirects"):
            return f"{self.base}/r/{a.key}"
        path = amp_path(a.path) if self.outlet.amp and a.expect != ROBOTS else a.path
        return self.base + path + (FEED_TRACKING_QUERY if self.outlet.feed_tracking else "")

    def sections(self, arts: list[FixtureArticle]) -> list[str]:
        return sorted({a.section for a in arts})

    def _html(self, text: str, status: int = 200) -> Page:
        enc = self.outlet.encoding
        return Page(text.encode(enc, errors="xmlcharrefreplace"), status=status,
                    content_type=f"text/html; charset={enc}")

    def _xml(self, text: str, content_type: str = "application/xml", encoding: str = "utf-8") -> Page:
        return Page(text.encode(encoding, errors="xmlcharrefreplace"), content_type=f"{content_type}; charset={encoding}")

    @staticmethod
    def _last_modified(arts: list[FixtureArticle]) -> datetime | None:
        return max((a.modified or a.published for a in arts), default=None)

    def trap_paths(self) -> list[str]:
        """Trap pages that the home page and the article sitemap link to."""
        return (["/loop/a"] if self.trap("redirect_loop") else []) + \
               (["/huge/archive.html"] if self.trap("huge_page") else [])

    def home(self, arts: list[FixtureArticle]) -> str:
        public = [a for a in arts if a.expect != ROBOTS]
        links = [(a.path, a.title) for a in public]
        if public:
            links.append((f"/video/{public[0].path.rsplit('/', 1)[-1]}", f"{_words(self.outlet)['video']}: {public[0].title}"))
        links += [(f"/tag/{slugify(s)}.html", s) for s in self.sections(public)]
        links.append(("/about.html", _words(self.outlet)["about"]))
        links += [(p, "More") for p in self.trap_paths()]
        return render_listing(self.outlet, self.outlet.name, links, self.sections(public))

    def route(self, path: str, headers: Mapping[str, str]) -> Page | None:
        path = urlsplit(path).path
        arts = self.published()
        newest = self._last_modified(arts)
        if path in ("/", "/index.html"):
            return conditional(self._html(self.home(arts)), newest, headers)
        if path == "/robots.txt":
            return Page(render_robots(self.base), content_type="text/plain; charset=utf-8")
        if path == FEED_PATHS[self.outlet.feed]:
            return self._feed(arts, headers)
        if path == SITEMAP_INDEX_PATH:
            return conditional(self._xml(render_sitemap_index(self.base, [NEWS_SITEMAP_PATH, ARTICLES_SITEMAP_PATH])),
                               newest, headers)
        if path == NEWS_SITEMAP_PATH:
            recent = [a for a in arts if self.web.now - a.published <= NEWS_SITEMAP_WINDOW]
            return conditional(self._xml(render_news_sitemap(self.outlet, self.base, recent)),
                               self._last_modified(recent), headers)
        if path == ARTICLES_SITEMAP_PATH:
            body = gzip.compress(render_articles_sitemap(self.base, arts, self.trap_paths()).encode("utf-8"), mtime=0)
            return conditional(Page(body, content_type="application/gzip"), newest, headers)
        by_path = {a.path: a for a in arts}
        if path in by_path:
            return self._article(by_path[path], headers)
        if self.outlet.amp and path.startswith("/amp/") and path[4:] in by_path:
            a = by_path[path[4:]]
            return conditional(self._html(render_amp(self.outlet, a, self.base)), a.modified or a.published, headers)
        return self._other_page(path, arts)

    def _feed(self, arts: list[FixtureArticle], headers) -> Page:
        items = [(self.feed_link(a), a) for a in arts]
        if self.trap("broken_link") and arts:
            gone = replace(arts[0], key="removed", title="This story was removed", text="Removed.",
                           canonical_url=self.base + "/news/removed/this-story-was-removed.html")
            items.append((gone.canonical_url, gone))
        text = render_feed(self.outlet, self.base, items)
        if self.trap("malformed_feed"):
            text = text[: len(text) // 2]  # cut mid-element: no XML parser accepts it
        page = self._xml(text, FEED_TYPES[self.outlet.feed], self.outlet.encoding)
        return conditional(page, self._last_modified(arts), headers)

    def _article(self, a: FixtureArticle, headers) -> Page:
        if self.trap("flaky"):
            with self._lock:
                first = a.path not in self._failed_once
                self._failed_once.add(a.path)
            if first:
                return Page("<html><body>Service temporarily unavailable</body></html>", status=503,
                            headers={"Retry-After": "1"})
        related = [r for r in self.published() if r.key != a.key and r.expect != ROBOTS][:4]
        page = self._html(render_article(self.outlet, a, related, self.base))
        return conditional(page, a.modified or a.published, headers)

    def _other_page(self, path: str, arts: list[FixtureArticle]) -> Page | None:
        public = [a for a in arts if a.expect != ROBOTS]
        if path.startswith("/images/") and path.endswith(".png"):
            if any(a.image_path == path for a in arts):
                return Page(tiny_png(path), content_type="image/png")
        elif path.startswith("/video/"):
            a = next((a for a in public if a.path.rsplit("/", 1)[-1] == path[len("/video/"):]), None)
            if a:
                return self._html(render_video(self.outlet, a))
        elif path.startswith("/tag/"):
            tagged = [a for a in public if f"/tag/{slugify(a.section)}.html" == path]
            if tagged:
                return self._html(render_listing(self.outlet, tagged[0].section,
                                                 [(a.path, a.title) for a in tagged], self.sections(public)))
        elif path == "/about.html":
            return self._html(render_about(self.outlet))
        elif self.trap("redirects") and path.startswith("/r/"):
            target = next((a for a in arts if a.key == path[3:]), None)
            if target:
                return Page(b"", status=301, headers={"Location": self.base + target.path})
        elif self.trap("redirect_loop") and path in ("/loop/a", "/loop/b"):
            return Page(b"", status=302, headers={"Location": "/loop/b" if path == "/loop/a" else "/loop/a"})
        elif self.trap("huge_page") and path == "/huge/archive.html":
            return Page(_huge_body(HUGE_PAGE_BYTES))
        return None


class FixtureWeb:
    """Every corpus outlet on its own 127.0.0.1 port, plus the labels of what they serve.

    outlets: keys of the outlets to serve (default: all). traps: also serve each outlet's
    trap pages (flaky articles, redirect loops, a 50 MB page, a broken feed...).
    now: the moment the articles' `hours_ago` count back from (default: the current time).
    recency: articles older than this are served but not expected in a crawl (the
    crawler's recency window, settings.recency_days).
    base_port: serve the outlets on base_port, base_port+1, ... (the demo's fixed addresses,
    so a second run finds the same URLs); default: free ports.
    """

    def __init__(self, outlets: Iterable[str] | None = None, *, traps: bool = False,
                 now: datetime | None = None, recency: timedelta = timedelta(days=3),
                 corpus: Corpus | None = None, base_port: int | None = None):
        self.corpus = corpus or load_corpus()
        keys = list(outlets) if outlets is not None else list(self.corpus.outlets)
        unknown = [k for k in keys if k not in self.corpus.outlets]
        if unknown:
            raise ValueError(f"unknown outlet(s) {unknown}; known: {sorted(self.corpus.outlets)}")
        self.traps = traps
        self.now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
        self.recency = recency
        self.phase = 1
        self._outlets = {key: OutletSite(self, self.corpus.outlets[key], port=base_port + i if base_port else 0)
                         for i, key in enumerate(keys)}
        self.articles = [self._fixture_article(a) for a in self.corpus.articles if a.outlet in self._outlets]

    def _fixture_article(self, a: CorpusArticle) -> FixtureArticle:
        outlet = self.corpus.outlets[a.outlet]
        published = self.now - timedelta(hours=a.hours_ago)
        expect = ROBOTS if a.private else TOO_OLD if self.now - published > self.recency else CRAWL
        return FixtureArticle(
            key=a.key, outlet=outlet.name, outlet_key=a.outlet, country=outlet.country,
            canonical_url=self._outlets[a.outlet].base + article_path(a, published), event=a.event,
            group=a.group, copy_of=a.copy_of, lang=a.lang, title=a.title, text=a.text, authors=a.authors,
            section=a.section, published=published, modified=None, phase=a.phase, expect=expect, edits=a.edits)

    # --- lifecycle
    def start(self) -> "FixtureWeb":
        for o in self._outlets.values():
            o.site.start()
        log.info("fixture web started", extra={"outlets": {k: o.base for k, o in self._outlets.items()},
                                               "articles": len(self.articles), "traps": self.traps})
        return self

    def stop(self) -> None:
        # Each Site.stop() waits up to half a second for its serve loop; stop them side by side.
        stoppers = [threading.Thread(target=o.site.stop) for o in self._outlets.values()]
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join()

    def __enter__(self) -> "FixtureWeb":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- the servers
    @property
    def sites(self) -> list[Site]:
        return [o.site for o in self._outlets.values()]

    def site_for(self, outlet_key: str) -> Site:
        return self._outlets[outlet_key].site

    def base_url(self, outlet_key: str) -> str:
        return self._outlets[outlet_key].base

    def feed_url(self, outlet_key: str) -> str:
        o = self._outlets[outlet_key]
        return o.base + FEED_PATHS[o.outlet.feed]

    # --- what they serve
    def advance(self) -> None:
        """Go to the next phase: that phase's articles appear and its updates are applied."""
        self.phase += 1
        stamp = datetime.now(timezone.utc).replace(microsecond=0)
        updates = {a.key: a.update for a in self.corpus.articles if a.update and a.update.phase == self.phase}
        for i, a in enumerate(self.articles):
            upd = updates.get(a.key)
            if upd is not None:
                text = a.text + ("\n\n" + " ".join(upd.append.split()) if upd.append else "")
                self.articles[i] = replace(a, title=upd.title or a.title, text=text, modified=stamp)
        log.info("fixture web advanced", extra={"phase": self.phase, "updated": sorted(updates)})

    def published(self, outlet_key: str | None = None) -> list[FixtureArticle]:
        """Every article served in the current phase (also the old and the disallowed ones)."""
        return [a for a in self.articles if a.phase <= self.phase and outlet_key in (None, a.outlet_key)]

    def expected_articles(self) -> list[FixtureArticle]:
        """Gold records of what a crawl must find now: published, recent, not disallowed by robots.txt."""
        return [a for a in self.published() if a.expect == CRAWL]

    def article(self, key: str) -> FixtureArticle:
        for a in self.articles:
            if a.key == key:
                return a
        raise KeyError(f"no fixture article {key!r} among the served outlets")

    def sources(self) -> list[dict]:
        """The outlets as entries of a sources file (crawler.sources format)."""
        return [{"name": o.outlet.name, "url": o.base + "/", "country": o.outlet.country,
                 "language": o.outlet.language, "feeds": [o.base + FEED_PATHS[o.outlet.feed]],
                 "sitemaps": [o.base + SITEMAP_INDEX_PATH],
                 "crawl_delay": 0}  # loopback: no reason to wait between requests
                for o in self._outlets.values()]

    def write_sources(self, path: Path | str) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = "# Fixture outlets of newsagg on 127.0.0.1 (written by newsagg.fixture_web).\n"
        path.write_text(header + yaml.safe_dump({"outlets": self.sources()}, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
        return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the fixture outlets on 127.0.0.1 until interrupted.")
    parser.add_argument("--sources", default="fixture-sources.yaml", help="Where to write the sources file.")
    parser.add_argument("--traps", action="store_true", help="Also serve the trap pages.")
    args = parser.parse_args(argv)
    configure_logging("INFO", json_lines=False)
    with FixtureWeb(traps=args.traps) as web:
        path = web.write_sources(args.sources)
        for src in web.sources():
            print(f"{src['name']:22s} {src['url']}")
        print(f"sources file: {path}  (Ctrl-C stops)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
