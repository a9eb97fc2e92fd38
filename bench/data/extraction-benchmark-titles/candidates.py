"""Title and byline candidates of the 181 pages of ../shared/data/extraction-benchmark, for labelling
(see README.md). Independent of newsagg's extractor: plain lxml.

    python candidates.py > /tmp/candidates.jsonl
"""
from __future__ import annotations

import gzip
import html
import json
import re
import sys
import unicodedata
from pathlib import Path

import charset_normalizer
import lxml.html
from w3lib.encoding import html_to_unicode

BENCH = Path(__file__).resolve().parents[4] / "shared" / "data" / "extraction-benchmark"
_SEP = re.compile(r"\s+(?:[|\-–—:·•»/]|::|--)\s+")
_AUTHOR_MARK = re.compile(r"author|byline|autor|auteur|writer", re.IGNORECASE)


def norm(text: str | None) -> str:
    text = text or ""
    for _ in range(2):
        text = html.unescape(text)
    return " ".join(unicodedata.normalize("NFC", text).split())


def ld_objects(data):
    if isinstance(data, list):
        for item in data:
            yield from ld_objects(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from ld_objects(data["@graph"])


def ld_names(value) -> list[str]:
    if isinstance(value, list):
        return [n for v in value for n in ld_names(v)]
    if isinstance(value, dict):
        return [norm(str(value.get("name")))] if value.get("name") else []
    return [norm(value)] if isinstance(value, str) and value.strip() else []


def _detect(raw: bytes) -> str | None:
    best = charset_normalizer.from_bytes(raw[:65536]).best()
    return best.encoding if best else None


def candidates(key: str, raw: bytes, url: str) -> dict:
    # as a browser reads it: BOM, <meta charset>, else detection (no HTTP header is kept)
    _, text = html_to_unicode(None, raw, auto_detect_fun=_detect)
    tree = lxml.html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*\?>", "", text))
    for bad in tree.xpath("//script[not(contains(@type,'ld+json'))] | //style | //noscript | //template"):
        bad.drop_tree()
    metas = {}
    for el in tree.iter("meta"):
        for name in (el.get("property"), el.get("name"), el.get("itemprop")):
            if name and el.get("content") and name not in metas:
                metas[name] = el.get("content")
    ld_headlines, ld_authors = [], []
    for script in tree.xpath("//script[contains(@type,'ld+json')]"):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        for obj in ld_objects(data):
            if obj.get("headline"):
                ld_headlines.append(norm(str(obj["headline"])))
            if obj.get("author"):
                ld_authors.append(ld_names(obj["author"]))
    title = tree.xpath("//title")
    html_title = norm(title[0].text_content()) if title else ""
    h1s = [norm(h.text_content()) for h in tree.xpath("//h1")][:8]
    meta_titles = {"og": norm(metas.get("og:title")), "twitter": norm(metas.get("twitter:title")),
                   "title": html_title, **{f"ld{i}": t for i, t in enumerate(ld_headlines[:3])}}
    cut = _SEP.split(html_title)
    meta_titles["title_head"] = cut[0] if len(cut) > 1 else ""
    meta_titles["title_tail"] = cut[-1] if len(cut) > 1 else ""
    # a whole metadata title first, then <title>'s head; not its tail: a logo <h1> equals the site's name there
    agree = [(h, name) for name, t in meta_titles.items() if t and name != "title_tail" for h in h1s if h == t]
    bylines = []
    for el in tree.xpath("//body//*[@class or @id or @rel or @itemprop]"):
        marks = f"{el.get('class', '')} {el.get('id', '')} {el.get('rel', '')} {el.get('itemprop', '')}"
        if _AUTHOR_MARK.search(marks):
            text = norm(el.text_content())
            if text and len(text.split()) <= 15 and text not in bylines:
                bylines.append(text)
    body_text = norm(tree.body.text_content()) if tree.body is not None else ""
    by_text = re.findall(r"(?:^|\s)(?:By|BY|by|Por|Von|Par)\s*:?\s+([^|•·]{3,60})", body_text)[:4]
    lang = (tree.get("lang") or "").split("-")[0].split("_")[0].lower()
    return {"key": key, "url": url, "language": lang, "h1s": h1s, "meta_titles": {k: v for k, v in meta_titles.items() if v},
            "agree": agree[0] if agree else None,
            "ld_authors": ld_authors[:3], "meta_author": norm(metas.get("author") or metas.get("article:author")),
            "bylines": bylines[:6], "by_text": by_text}


def main() -> int:
    truth = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    for key in sorted(truth):
        raw = gzip.decompress((BENCH / "html" / f"{key}.html.gz").read_bytes())
        print(json.dumps(candidates(key, raw, truth[key]["url"]), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
