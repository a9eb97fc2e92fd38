"""Pages, feeds and sitemaps that used to crash extraction, discovery, `newsagg extract` or
a crawl: each is read for what it holds, or counted and skipped with its reason."""
from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from newsagg.core.settings import get_settings
from newsagg.crawler.discovery import DiscoveryError, parse_feed, parse_sitemap
from newsagg.crawler.extract import extract_article
from tests.support.testpages import article_html, prose

NOW = datetime.now(timezone.utc)


def half_emoji_page(title: str = "Storm") -> str:
    # JSON-LD written by hand (a CMS template): the headline was cut in the middle of an emoji.
    page = article_html(title=title, paragraphs=prose(3), json_ld=False, published=NOW)
    ld = '{"@context":"https://schema.org","@type":"NewsArticle","headline":"%s \\ud83c","author":"Ann \\udcff Lee"}' % title
    return page.replace("</head>", f'<script type="application/ld+json">{ld}</script></head>')


def deep_ld_page(title: str = "Deep") -> str:
    page = article_html(title=title, paragraphs=prose(4), json_ld=False, published=NOW)
    return page.replace("</head>", '<script type="application/ld+json">' + "[" * 5000 + "]" * 5000 + "</script></head>")


def control_char_page(title: str = "Control") -> str:
    # a stray \x01 after a script: htmldate's cleaning raised ValueError from lxml
    page = article_html(title=title, paragraphs=prose(5), json_ld=False)
    return page.replace("</article>", "<script>var a = 1;</script>\x01</article>").replace("</body>", "\x0b</body>")


def test_half_an_emoji_in_json_ld_gives_the_article_with_the_broken_character_replaced():
    page = extract_article(half_emoji_page().encode(), "https://a.example/news/1.html")
    assert page.is_article and page.error is None
    # the headline the page shows (its <h1> and <title> agree); the JSON-LD's repaired author proves the repair
    assert page.title == "Storm" and page.authors == ["Ann \ufffd Lee"]
    json.dumps(page.to_cli_json(), ensure_ascii=False).encode("utf-8")  # encodable everywhere after this


def test_json_ld_nested_5000_deep_is_ignored_not_a_recursion_error():
    page = extract_article(deep_ld_page().encode(), "https://a.example/news/2.html")
    assert page.is_article and page.title.startswith("Deep")


def test_control_character_after_a_script_does_not_break_the_date_search():
    page = extract_article(control_char_page().encode(), "https://a.example/news/3.html")
    assert page.is_article and page.title.startswith("Control")
    assert "\x01" not in page.text and "\x0b" not in page.text


def test_newsagg_extract_goes_on_with_the_batch_and_prints_one_line_per_bad_file(tmp_path):
    from newsagg.cli import main

    files = {
        "good.html": article_html(title="Good one", paragraphs=prose(1), published=NOW).encode(),
        "emoji.html": half_emoji_page().encode(),
        "deep.html": deep_ld_page().encode(),
        "ctrl.html": control_char_page().encode(),
        "broken.html.gz": gzip.compress(article_html(title="Cut", paragraphs=prose(2)).encode())[:-30] + b"junk" * 10,
        "last.html": article_html(title="Last one", paragraphs=prose(6), published=NOW).encode(),
    }
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    result = CliRunner().invoke(main, ["extract", *paths])
    assert result.exit_code == 1, result.output  # one file could not be read: said, after the rest
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["title"].split(" |")[0] for r in rows] == ["Good one", "Storm", "Deep", "Control", "Last one"]
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 2, result.stderr  # the bad file's line and the summary; no traceback
    assert errors[0].startswith(f"{tmp_path / 'broken.html.gz'}: cannot read")
    assert "1 of 6 file(s)" in errors[1]
    assert "Traceback" not in result.output


def test_corrupt_gzip_sitemap_is_a_discovery_error_not_zlib_error():
    body = bytearray(gzip.compress(b"<urlset>" + b"<url><loc>https://a.example/1</loc></url>" * 50 + b"</urlset>"))
    body[20] ^= 0xFF  # a flipped byte inside the deflate stream
    with pytest.raises(DiscoveryError, match="broken gzip"):
        parse_sitemap(bytes(body), "https://a.example/", 10_000_000)


@pytest.mark.timeout(30)  # quadratic, this input took hours (69 s at 352 KB); linear, milliseconds
def test_doctype_stripping_is_linear_on_the_10_mb_limit():
    for unit in (b"<!DOCTYPE [", b"<!doctype x [ ] ", b"<!DOCTYPE x [ ]]]  "):
        body = unit * (10 * 1024 * 1024 // len(unit))
        with pytest.raises(DiscoveryError):
            parse_feed(body, "https://a.example/")


def test_doctype_with_an_internal_subset_is_still_dropped_before_parsing():
    from newsagg.crawler.discovery import strip_doctype

    feed = (b'<?xml version="1.0"?>\n<!DOCTYPE rss [ <!ENTITY e "expanded"> ]>\n'
            b"<rss><channel><item><title>A &e; B</title><link>https://a.example/n/1.html</link></item></channel></rss>")
    assert strip_doctype(feed).startswith(b'<?xml version="1.0"?>\n\n<rss>')
    (entry,) = parse_feed(feed, "https://a.example/")
    assert entry.url == "https://a.example/n/1.html" and "expanded" not in (entry.title or "")


@pytest.mark.timeout(120)
def test_crawl_keeps_articles_with_broken_markup_and_counts_bad_sitemaps(tmp_path, monkeypatch):
    from newsagg.crawler.run import run_crawl
    from tests.support.testpages import front_html
    from tests.test_crawl import Outlet, read_items, rss, urlset

    monkeypatch.setenv("NEWSAGG_CRAWL_HANDOFF", "false")
    get_settings.cache_clear()
    o = Outlet()
    b = o.base
    pages = {"/news/emoji.html": half_emoji_page("Emoji storm"), "/news/deep.html": deep_ld_page("Deep storm"),
             "/news/ctrl.html": control_char_page("Control storm")}
    from newsagg.demo.sites import Page

    for path, html in pages.items():
        o.routes[path] = Page(html)
    o.routes["/"] = Page(front_html([]))
    o.routes["/feed.xml"] = Page(rss([(p, b + p, NOW) for p in pages]), content_type="application/rss+xml")
    bad_gz = bytearray(gzip.compress(urlset([(b + "/news/emoji.html", NOW)]).encode() * 20))
    bad_gz[25] ^= 0xFF
    o.routes["/sitemap.xml.gz"] = Page(bytes(bad_gz), content_type="application/x-gzip")
    o.routes["/bomb-feed.xml"] = Page(b"<!DOCTYPE [" * 400_000, content_type="application/rss+xml")  # 4.4 MB
    o.routes["/robots.txt"] = Page("User-agent: *\nAllow: /\n", content_type="text/plain")
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"outlets:\n  - name: Odd Markup\n    url: {b}/\n    feeds: [{b}/feed.xml, {b}/bomb-feed.xml]\n"
                       f"    sitemaps: [{b}/sitemap.xml.gz]\n    crawl_delay: 0\n", encoding="utf-8")
    try:
        stats = run_crawl(sources, jsonl=tmp_path / "out.jsonl", timeout_s=100)
    finally:
        o.site.stop()
    titles = sorted(i["title"] for i in read_items(tmp_path / "out.jsonl"))
    assert titles == ["Control storm", "Deep storm", "Emoji storm"]  # the <h1>, not the broken JSON-LD headline
    assert stats.errors.get("bad_sitemap") == 1 and stats.errors.get("bad_feed") == 1
