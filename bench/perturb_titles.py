"""Title robustness on tune pages: each page's metadata titles altered the ways issue 16 names
(the site's name appended or prepended, a section and the site, mojibake, entities escaped once
more, a social title cut short; <title> the only metadata title left, as on small sites), and how
many pages whose title was right stay right. Tune splits only (extraction-pages, extraction-titles,
extraction-titles-more, extraction-titles-new, and the extraction benchmark when ../shared/data has
it): held-out pages are never read here.

    python bench/perturb_titles.py            # counts per alteration
    python bench/perturb_titles.py --show 5   # and the first pages each alteration breaks
"""
from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from newsagg.crawler.extract import extract_article
from newsagg.crawler.extract.benchmark import LabelledPage, load_benchmark_labels, load_labelled_pages, same_title
from newsagg.crawler.extract.urls import registered_parts

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
BENCHMARK_PAGES = HERE.parents[1] / "shared" / "data" / "extraction-benchmark"

_OG = re.compile(rb'(<meta[^>]*property=["\']og:title["\'][^>]*content=["\'])([^"\']*)(["\'])', re.I)
_OG_AFTER = re.compile(rb'(<meta[^>]*content=["\'])([^"\']*)(["\'][^>]*property=["\']og:title["\'])', re.I)
_TITLE = re.compile(rb"(<title[^>]*>)(.*?)(</title>)", re.I | re.S)
_SITE_NAME = re.compile(rb"<meta[^>]*og:site_name[^>]*>", re.I)
_SOCIAL = re.compile(rb"<meta[^>]*(?:og:title|twitter:title)[^>]*>", re.I)
_LD = re.compile(rb"<script[^>]*ld\+json[^>]*>.*?</script\s*>", re.I | re.S)
Change = Callable[[bytes], bytes]


def _sub(pattern: re.Pattern, raw: bytes, change: Change) -> bytes:
    return pattern.sub(lambda m: m.group(1) + change(m.group(2)) + m.group(3), raw, count=1)


def _og(raw: bytes, change: Change) -> bytes:
    return _sub(_OG_AFTER, _sub(_OG, raw, change), change)


def _og_and_title(raw: bytes, change: Change) -> bytes:
    return _sub(_TITLE, _og(raw, change), change)


def _only_title(raw: bytes) -> bytes:
    """The page without og:title, twitter:title and JSON-LD: <title> is the one metadata title left."""
    return _SOCIAL.sub(b"", _LD.sub(b"", raw))


def _site(url: str) -> bytes:
    """A made-up site name from the host: 'Wochenblatt' of wochenblatt.de."""
    return registered_parts(urlsplit(url).hostname or "")[0].replace("-", " ").title().encode()


def _mojibake(text: bytes) -> bytes:
    try:
        return text.decode("utf-8").encode("utf-8").decode("cp1252").encode("utf-8")
    except UnicodeError:
        return text


def _cut(text: bytes, mark: bytes = b"") -> bytes:
    words = text.split()
    return b" ".join(words[: max(2, len(words) // 2)]) + mark if len(words) >= 6 else text


ALTERATIONS: dict[str, Callable[[bytes, str], bytes]] = {
    "site appended to og:title": lambda raw, url: _og(raw, lambda t: t + b" | " + _site(url)),
    "site appended, no og:site_name": lambda raw, url: _og(_SITE_NAME.sub(b"", raw), lambda t: t + b" | " + _site(url)),
    "site before <title>": lambda raw, url: _sub(_TITLE, raw, lambda t: _site(url) + b" - " + t),
    "section and site appended": lambda raw, url: _og_and_title(raw, lambda t: t + b" | Politik | " + _site(url)),
    "site after an em dash": lambda raw, url: _og_and_title(raw, lambda t: t + " — ".encode() + _site(url)),
    "section of three words and site": lambda raw, url: _og_and_title(
        raw, lambda t: t + b" | Politik und Wirtschaft | " + _site(url)),
    "only <title>": lambda raw, url: _only_title(raw),
    "only <title>, site appended": lambda raw, url: _sub(_TITLE, _only_title(raw), lambda t: t + b" | " + _site(url)),
    "only <title>, section and site": lambda raw, url: _sub(
        _TITLE, _only_title(raw), lambda t: t + b" - Politik - " + _site(url)),
    "mojibake": lambda raw, url: _og_and_title(raw, _mojibake),
    "entities escaped once more": lambda raw, url: _og_and_title(
        raw, lambda t: t.replace(b"&", b"&amp;").replace("’".encode(), b"&amp;#8217;").replace(b"'", b"&amp;#039;")),
    "og:title cut to half its words": lambda raw, url: _og(raw, _cut),
    "og:title cut, with an ellipsis": lambda raw, url: _og(raw, lambda t: _cut(t, "…".encode())),
}


def tune_pages() -> list[LabelledPage]:
    pages = [p for name in ("extraction-pages", "extraction-titles", "extraction-titles-more", "extraction-titles-new")
             for p in load_labelled_pages(DATA / name, "tune")]
    if (BENCHMARK_PAGES / "ground-truth.json").exists():
        pages += load_benchmark_labels(DATA / "extraction-benchmark-titles" / "labels.jsonl", BENCHMARK_PAGES)
    return pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--show", type=int, default=0, help="list this many broken pages per alteration")
    args = parser.parse_args()
    pages = tune_pages()
    right = [p for p in pages if same_title(p.title, extract_article(p.html, p.url).title)]
    print(f"{len(right)} of {len(pages)} tune pages right as they are")
    for name, alter in ALTERATIONS.items():
        changed = broken = 0
        shown = []
        for page in right:
            raw = alter(page.html, page.url)
            if raw == page.html:
                continue
            changed += 1
            got = extract_article(raw, page.url).title
            if not same_title(page.title, got):
                broken += 1
                shown.append(f"    {page.id}: {page.title!r} -> {got!r}")
        print(f"  {name:34s} {broken:3d} broken of {changed} altered")
        for line in shown[: args.show]:
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
