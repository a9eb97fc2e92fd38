"""How labels.jsonl and pages/ were made (round 13): real article pages that an extraction project
keeps in its GitHub repository as test data (codelucas/newspaper tests/data/html/<file>), none of
whose publishers another set has. Read from the search tool's GitHub file store (read_file,
16,000 characters a call) as in ../extraction-titles-r12, the pieces joined and checked against the
file's total length and, where a piece came out short or long, against the text the store returns
at chosen offsets (see README.md); the files laid out as ROOT/<owner>/<repo>/<path>. Title labels
from the page's own headline with the independent lxml collector of ../extraction-benchmark-titles
(candidates.py, not newsagg's extractor), every doubtful page decided by hand below. The project's
own expected texts (tests/data/text/) are not used.

    python make_set.py ROOT
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "extraction-titles"))
from make_set import store_set  # noqa: E402  (extraction-titles' rules, shared by the title sets)

NEWSPAPER = "tests/data/html"

# (page id, repository, path, commit of the stored version, the page's address, why that address).
PAGES = [
    ("newspaper-adoption", "codelucas/newspaper", f"{NEWSPAPER}/adoption.com1.html",
     "a14cad3e837589bf3a7a82968cc62862040f7eb1",
     "http://adoption.com/what-not-to-say-to-a-birth-mom-or-adoptee/", "canonical link"),
    ("newspaper-graziadaily", "codelucas/newspaper", f"{NEWSPAPER}/graziadaily.co.uk1.html",
     "38de20b13602114cf2b20fd7a73f9f011653b3a8",
     "http://www.graziadaily.co.uk/2014/12/lady-gaga-shiseido-campaign", "canonical link"),
    ("newspaper-ok", "codelucas/newspaper", f"{NEWSPAPER}/ok.co.uk1.html",
     "4d2b68be2d50699ccbd527476530610fbe3fa6e4",
     "http://www.ok.co.uk/celebrity-news/sean-penn-charlize-theron-engaged", "canonical link"),
    ("newspaper-lifebuzz", "codelucas/newspaper", f"{NEWSPAPER}/lifebuzz.com1.html",
     "4d2b68be2d50699ccbd527476530610fbe3fa6e4",
     "http://www.lifebuzz.com/colbie-caillat-got-tired-of-being-photoshopped-so-heres-what-she-did-about-it/", "canonical link"),
]

# The page's language where its <html> has no lang attribute (decided from the text).
LANGUAGE = {"newspaper-adoption": "en"}

# Pages where no <h1> equals a metadata title: the headline as the page shows it (page id -> title, why).
HAND_TITLES: dict[str, tuple[str, str]] = {}

TITLE_SETS = ("extraction-titles", "extraction-titles-more", "extraction-titles-new", "extraction-titles-gh",
              "extraction-titles-r12")


def main(root_dir: str) -> int:
    store_set(HERE, Path(root_dir), PAGES, LANGUAGE, HAND_TITLES, TITLE_SETS)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
