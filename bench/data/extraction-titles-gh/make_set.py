"""How labels.jsonl and pages/ were made: real article pages that two extraction projects keep in their
GitHub repositories as test data (mozilla/readability test/test-pages/<name>/source.html, postlight/parser
fixtures/<host>/<time>.html), none of whose publishers another set has. Read from the search tool's
GitHub file store (read_file, 16,000 characters a call, the pieces joined and checked against the
file's total length), the files laid out as ROOT/<owner>/<repo>/<path>. Title labels from the page's
own headline with the independent lxml collector of ../extraction-benchmark-titles (candidates.py,
not newsagg's extractor), every doubtful page decided by hand below. The projects' own expected
titles and metadata are not used.

    python make_set.py ROOT
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "extraction-titles"))
sys.path.insert(0, str(HERE.parent / "extraction-benchmark-titles"))
from make_set import mercury_restore_meta, store_set  # noqa: E402  (extraction-titles' rules, shared by the title sets)

# (page id, repository, path, commit of the stored version, the page's address, why that address).
# Addresses from the page's canonical link (or og:url) where it has one.
PAGES = [
    ("readability-la-nacion", "mozilla/readability", "test/test-pages/la-nacion/source.html",
     "db15e5a37ef9ecb012b91d5ff213d7b2602654ee",
     "http://www.lanacion.com.ar/2089096-una-solucion-no-violenta-para-la-cuestion-mapuche", "canonical link"),
    ("readability-v8-blog", "mozilla/readability", "test/test-pages/v8-blog/source.html",
     "290724c68c93359139a4663d18460f6d26e192e6",
     "https://v8.dev/blog/emscripten-standalone-wasm", "no canonical link: the page's 'Edit this page' link names src/blog/emscripten-standalone-wasm.md"),
    ("readability-ebb-org", "mozilla/readability", "test/test-pages/ebb-org/source.html",
     "13da150b19c257b44f512242523bd7fc34344172",
     "http://ebb.org/bkuhn/blog/", "no address of its own in the page: the blog's address as the page links it"),
    ("mercury-akiba-pc.watch.impress.co.jp", "postlight/parser", "fixtures/akiba-pc.watch.impress.co.jp/1550926285156.html",
     "ec2a8f190b14ab1b0d38d7f3032d19200743340e",
     "https://akiba-pc.watch.impress.co.jp/docs/news/news/1170990.html", "canonical link"),
    ("mercury-getnews.jp", "postlight/parser", "fixtures/getnews.jp/1555846693544.html",
     "e5842093ebdd986bbab2cc1ddb6f16a0aec819f7",
     "https://getnews.jp/archives/2146078", "canonical link"),
    ("mercury-ma.ttias.be", "postlight/parser", "fixtures/ma.ttias.be/1587659928239.html",
     "2cfa36b0af9cfd3fb52434a178c12843cbf24669",
     "https://ma.ttias.be/cronweekly/issue-130/", "canonical link"),
    ("mercury-nextwarez.com", "postlight/parser", "fixtures/nextwarez.com/1488394551752.html",
     "53dea2560f01f965745f4c4764c611fca54cbe82",
     "http://nextwarez.com/10-plus-gros-trackers-torrents-monde/", "canonical link"),
]

# The page's language where its <html> has no lang attribute (decided from the text).
LANGUAGE = {"readability-la-nacion": "es", "mercury-ma.ttias.be": "en"}

# Pages where no <h1> equals a metadata title: the headline as the page shows it (page id -> title, why).
HAND_TITLES = {
    "mercury-getnews.jp": ("気軽に新聞をスクラップできる「ペン」、CUTPEN",
                           "the article's <h1> (the first <h1> is the logo); <title> and og:title add ' ｜ ガジェット通信 GetNews' after a full-width bar"),
    "mercury-nextwarez.com": ("Les 10 plus gros trackers torrents internationaux en 2017",
                              "the article's <h1> (= the breadcrumb's last item); og:title and <title> are another, SEO title ('Le top 10 des plus gros …')"),
}


def main(root_dir: str) -> int:
    restore_meta = mercury_restore_meta()

    def prepare(repo: str, raw: bytes) -> bytes:
        return restore_meta(raw) if repo == "postlight/parser" else raw  # as ../extraction-pages keeps Mercury's fixtures

    store_set(HERE, Path(root_dir), PAGES, LANGUAGE, HAND_TITLES,
              ("extraction-titles", "extraction-titles-more", "extraction-titles-new"), prepare)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
