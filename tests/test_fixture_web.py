"""The fixture web serves what docs/fixture-web.md promises, and its labels are right:
copies really are near-copies, independent reports really are not, and every page a
crawler is sent to answers as announced."""
from __future__ import annotations

import gzip
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from newsagg.demo.corpus import CorpusError, apply_edits, load_corpus
from newsagg.demo.fixture_web import CRAWL, ROBOTS, TOO_OLD, FixtureWeb

pytestmark = pytest.mark.timeout(60)

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "atom": "http://www.w3.org/2005/Atom",
      "rss1": "http://purl.org/rss/1.0/", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}


def fetch(url: str, headers: dict | None = None):
    """(status, headers, body) without raising on 4xx/5xx, and without following redirects."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def shingles(text: str, k: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + k]) for i in range(max(1, len(words) - k + 1))}


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


@pytest.fixture(scope="module")
def web():
    with FixtureWeb() as w:
        yield w


def feed_links(web: FixtureWeb, outlet_key: str) -> list[str]:
    status, _, body = fetch(web.feed_url(outlet_key))
    assert status == 200
    root = ET.fromstring(body)
    links = [e.text for e in root.iter("link") if e.text and "/news/" in e.text or e.text and "/private/" in e.text]
    links += [e.get("href") for e in root.iter("{%s}link" % NS["atom"]) if e.get("rel") == "alternate"]
    links += [e.text for e in root.iter("{%s}link" % NS["rss1"]) if e.text and e.text != web.base_url(outlet_key) + "/"]
    return links


def canonical_of(page: bytes) -> str:
    return re.search(rb'<link rel="canonical" href="([^"]+)"', page).group(1).decode()


# --- corpus ---------------------------------------------------------------------------

def test_corpus_labels_are_consistent():
    corpus = load_corpus()
    keys = Counter(a.key for a in corpus.articles)
    assert max(keys.values()) == 1
    by_key = corpus.by_key()
    for a in corpus.articles:
        original = by_key[a.group]
        assert original.event == a.event, f"{a.key}: copy group crosses events"
        assert original.copy_of is None
        assert a.outlet in corpus.outlets
    langs = Counter(o.language for o in corpus.outlets.values())
    assert len(corpus.outlets) == 8 and langs["de"] >= 2 and set(langs) == {"en", "de"}


def test_corpus_has_the_shape_the_spec_asks_for():
    corpus = load_corpus()
    assert len(corpus.articles) >= 60
    multi = {e: arts for e, arts in corpus.events().items() if len(arts) > 1}
    assert len(multi) >= 7
    for event, arts in multi.items():
        wire_copies = Counter(a.copy_of for a in arts if a.copy_of and corpus.by_key()[a.copy_of].outlet == "northwire")
        assert wire_copies and 3 <= max(wire_copies.values()) <= 5, event
        independent = [a for a in arts if a.copy_of is None and a.outlet != "northwire"]
        assert (2 if arts[0].phase == 1 else 1) <= len(independent) <= 4, event
    assert any(a.lang == "de" for arts in multi.values() for a in arts)
    for a in corpus.articles:
        words = len(a.text.split())
        assert (150 if a.copy_of is None else 100) <= words <= 450, (a.key, words)
    edits = {e for a in corpus.articles for e in a.edits}
    assert {"read_also", "typo", "cut_last", "local", "figures"} <= edits


def test_copies_are_near_copies_and_independent_reports_are_not():
    corpus = load_corpus()
    by_key = corpus.by_key()
    for a in corpus.articles:
        if a.copy_of:
            assert jaccard(a.text, by_key[a.copy_of].text) >= 0.6, a.key
    for event, arts in corpus.events().items():
        originals = [a for a in arts if a.copy_of is None]
        for i, x in enumerate(originals):
            for y in originals[i + 1:]:
                assert jaccard(x.text, y.text) < 0.15, (x.key, y.key)


def test_each_edit_changes_the_copy_as_named():
    paras = ("First paragraph with several words.", "A second paragraph follows here.", "The closing paragraph.")
    kw = dict(outlet_name="Copy Times", source_name="Wire", read_also_title="Other story", seed="s")
    assert apply_edits(paras, ("cut_last",), **kw) == paras[:2]
    assert apply_edits(paras, ("read_also",), **kw)[2] == "READ ALSO: Other story"
    assert apply_edits(paras, ("dateline",), **kw)[0].startswith("(Wire) — First")
    typo = apply_edits(paras, ("typo",), **kw)
    assert typo != paras and sorted("".join(typo)) == sorted("".join(paras))
    assert apply_edits(paras, ("local",), local="Local angle.", **kw)[1] == "Local angle."
    assert apply_edits(paras, ("figures",), figures={"several": "seven"}, **kw)[0] == "First paragraph with seven words."
    with pytest.raises(CorpusError, match="not in the text"):
        apply_edits(paras, ("figures",), figures={"absent words": "x"}, **kw)


def test_a_wrong_corpus_file_names_file_and_field(tmp_path: Path):
    (tmp_path / "outlets.yaml").write_text(
        "outlets:\n  - {key: a, name: A, country: GB, language: en, layout: semantic}\n")
    (tmp_path / "ev.yaml").write_text(
        "event: e\narticles:\n  - {key: k, outlet: nowhere, hours_ago: 1, title: T, text: x}\n")
    with pytest.raises(CorpusError, match=r"ev\.yaml: article 'k': unknown outlet 'nowhere'"):
        load_corpus(tmp_path)
    (tmp_path / "ev.yaml").write_text("event: e\narticles:\n  - {key: k, outlet: a, title: T, text: x}\n")
    with pytest.raises(CorpusError, match=r"ev\.yaml: articles\.0\.hours_ago"):
        load_corpus(tmp_path)
    (tmp_path / "ev.yaml").write_text(
        "event: e\narticles:\n  - {key: k, outlet: a, hours_ago: 1, title: T, text: x, copies: [{key: c, outlet: a}]}\n")
    with pytest.raises(CorpusError, match="'k' and 'c' of outlet 'a' have the same URL slug"):
        load_corpus(tmp_path)
    (tmp_path / "ev.yaml").write_text(
        "event: e\narticles:\n  - {key: k, outlet: a, hours_ago: 1, title: T, text: x,\n"
        "     copies: [{key: c, outlet: a, edits: [typo, rewrite]}]}\n")
    with pytest.raises(CorpusError, match=r"ev\.yaml: articles\.0\.copies\.0\.edits\.1: .*unknown edit 'rewrite'"):
        load_corpus(tmp_path)


# --- served pages ---------------------------------------------------------------------

def test_sources_file_lists_every_outlet_in_the_crawler_format(web, tmp_path):
    path = web.write_sources(tmp_path / "sources.yaml")
    data = yaml.safe_load(path.read_text())
    assert [o["name"] for o in data["outlets"]] == [o.outlet.name for o in web._outlets.values()]
    try:
        from newsagg.crawler.sources import load_sources
    except ImportError:  # the crawler stage is optional for this test
        return
    sources = load_sources(path)
    assert {s.language for s in sources} == {"en", "de"}


def test_every_expected_article_is_served_with_its_canonical_url_and_text(web):
    expected = web.expected_articles()
    assert len(expected) == len([a for a in web.published() if a.expect == CRAWL]) >= 50
    for a in expected:
        status, headers, body = fetch(a.canonical_url)
        assert status == 200, a.canonical_url
        charset = headers["Content-Type"].split("charset=")[1]
        page = body.decode(charset)
        assert canonical_of(body) == a.canonical_url
        assert a.published.isoformat() in page
        first = a.text.split("\n\n")[0]
        assert first.replace('"', "&quot;").replace("'", "&#x27;") in page


def test_feeds_list_every_published_article_and_parse(web):
    for key, outlet_site in web._outlets.items():
        links = feed_links(web, key)
        published = web.published(key)
        assert len(links) == len(published), key
        for link in links:
            status, _, body = fetch(link)
            assert status == 200, link
            # tracking parameters and AMP versions still name the one canonical URL
            assert canonical_of(body) in {a.canonical_url for a in published}


def test_sitemap_index_news_sitemap_and_gzip_sitemap(web):
    base = web.base_url("northwire")
    status, _, body = fetch(base + "/sitemap.xml")
    maps = [e.text for e in ET.fromstring(body).iterfind("sm:sitemap/sm:loc", NS)]
    assert maps == [base + "/sitemap-news.xml", base + "/sitemap-articles.xml.gz"]
    news = ET.fromstring(fetch(maps[0])[2])
    dates = [e.text for e in news.iter("{http://www.google.com/schemas/sitemap-news/0.9}publication_date")]
    assert dates and all(datetime.fromisoformat(d) >= web.now - timedelta(days=2) for d in dates)
    status, headers, gz = fetch(maps[1])
    locs = [e.text for e in ET.fromstring(gzip.decompress(gz)).iterfind("sm:url/sm:loc", NS)]
    assert sorted(locs) == sorted(a.canonical_url for a in web.published("northwire"))


def test_conditional_get_answers_304(web):
    for url in (web.feed_url("harbour-herald"), web.base_url("harbour-herald") + "/sitemap-news.xml",
                web.expected_articles()[0].canonical_url):
        status, headers, _ = fetch(url)
        assert status == 200 and headers["ETag"] and headers["Last-Modified"]
        assert fetch(url, {"If-None-Match": headers["ETag"]})[0] == 304
        assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
        assert fetch(url, {"If-None-Match": '"stale"'})[0] == 200


def test_robots_disallows_the_private_article_that_feeds_list(web):
    private = [a for a in web.articles if a.expect == ROBOTS]
    assert private and all("/private/" in a.canonical_url for a in private)
    for a in private:
        robots = fetch(web.base_url(a.outlet_key) + "/robots.txt")[2].decode()
        assert "Disallow: /private/" in robots
        assert any("/private/" in link for link in feed_links(web, a.outlet_key))
    assert not {a.key for a in private} & {a.key for a in web.expected_articles()}


def test_non_article_pages_exist_and_hold_no_article_text(web):
    base = web.base_url("valley-courier")
    home = fetch(base + "/")[2].decode()
    non_articles = re.findall(r'href="(/(?:video|tag)/[^"]+|/about\.html)"', home)
    assert any(p.startswith("/video/") for p in non_articles) and any(p.startswith("/tag/") for p in non_articles)
    texts = [a.text.split("\n\n")[1][:60] for a in web.articles if a.outlet_key == "valley-courier"]
    for path in non_articles:
        status, _, body = fetch(base + path)
        assert status == 200 and "rel=\"canonical\"" not in body.decode()
        assert not any(t in body.decode() for t in texts), path
    assert fetch(base + "/no/such/page.html")[0] == 404


def test_old_article_is_served_but_not_expected(web):
    old = [a for a in web.articles if a.expect == TOO_OLD]
    assert old and all(web.now - a.published > timedelta(days=3) for a in old)
    assert all(fetch(a.canonical_url)[0] == 200 for a in old)


def test_traps_only_when_asked():
    with FixtureWeb(["harbour-herald", "metro-digest", "northwire"], traps=True) as web:
        herald = web.base_url("harbour-herald")
        sitemap = gzip.decompress(fetch(herald + "/sitemap-articles.xml.gz")[2]).decode()
        assert herald + "/loop/a" in sitemap and herald + "/huge/archive.html" in sitemap
        assert fetch(herald + "/loop/a")[1]["Location"] == "/loop/b"
        assert fetch(herald + "/loop/b")[1]["Location"] == "/loop/a"
        with urllib.request.urlopen(herald + "/huge/archive.html", timeout=10) as r:
            assert len(r.read(1_000_000)) == 1_000_000  # streamed: no Content-Length to trust
        with pytest.raises(ET.ParseError):
            ET.fromstring(fetch(web.feed_url("metro-digest"))[2])
        wire = next(a for a in web.expected_articles() if a.outlet_key == "northwire")
        assert [fetch(wire.canonical_url)[0] for _ in range(2)] == [503, 200]
    with FixtureWeb(["harbour-herald"]) as web:
        assert fetch(web.base_url("harbour-herald") + "/loop/a")[0] == 404
        assert b"/loop/" not in gzip.decompress(fetch(web.base_url("harbour-herald") + "/sitemap-articles.xml.gz")[2])


def test_a_subset_of_outlets_and_a_fixed_clock():
    now = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    with FixtureWeb(["rheinblatt"], now=now) as web:
        arts = web.expected_articles()
        assert arts and {a.outlet for a in arts} == {"Rheinblatt"}
        status, headers, body = fetch(arts[0].canonical_url)
        assert "iso-8859-1" in headers["Content-Type"]
        assert arts[0].title in body.decode("iso-8859-1")
        assert all(a.published < now for a in arts)
    with pytest.raises(ValueError, match="unknown outlet"):
        FixtureWeb(["nope"])


def test_hard_negatives_share_words_but_not_text():
    by_key = load_corpus().by_key()
    for x, y in [("storm-wire", "reopen-wire"), ("norland-wire", "estmark-wire")]:
        assert by_key[x].event != by_key[y].event
        assert jaccard(by_key[x].text, by_key[y].text) < 0.05
        words_x, words_y = (set(re.findall(r"[a-z]{5,}", by_key[k].text.lower())) for k in (x, y))
        assert len(words_x & words_y) >= 15  # same topic vocabulary


def test_advance_publishes_phase_two_and_updates_an_article():
    with FixtureWeb(["northwire", "metro-digest"]) as web:
        before = {a.key for a in web.expected_articles()}
        assert "strike-wire" not in before
        breach = web.article("breach-wire")
        status, headers, _ = fetch(breach.canonical_url)
        feed_etag = fetch(web.feed_url("northwire"))[1]["ETag"]
        web.advance()
        after = {a.key for a in web.expected_articles()}
        assert after - before == {"strike-wire", "strike-metro"}
        strike = web.article("strike-wire")
        assert fetch(strike.canonical_url)[0] == 200
        assert strike.canonical_url in feed_links(web, "northwire")
        assert fetch(web.feed_url("northwire"), {"If-None-Match": feed_etag})[0] == 200  # the feed changed
        updated = web.article("breach-wire")
        assert updated.canonical_url == breach.canonical_url and updated.modified is not None
        assert "1.5 million" in updated.title and updated.text.startswith(breach.text)
        status, _, body = fetch(breach.canonical_url, {"If-None-Match": headers["ETag"]})
        assert status == 200 and "1.5 million" in body.decode()


def test_the_extractor_reads_no_article_from_non_article_pages(web):
    extract = pytest.importorskip("newsagg.crawler.extract").extract_article
    for key in ("metro-digest", "rheinblatt"):
        base = web.base_url(key)
        home = fetch(base + "/")[2].decode(web.corpus.outlets[key].encoding)
        paths = ["/", "/about.html"] + re.findall(r'href="(/(?:video|tag)/[^"]+)"', home)
        assert any(p.startswith("/video/") for p in paths)
        for path in paths:
            assert not extract(fetch(base + path)[2], base + path).is_article, path
