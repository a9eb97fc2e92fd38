"""How labels.jsonl and pages/ were made (kept for provenance; re-running needs the two
packages unpacked and Mercury's output, see README.md).

    python make_set.py MERCURY_PKG NEWSPAPER4K_SDIST MERCURY_OUT_JSON

MERCURY_PKG: `npm pack @postlight/mercury-parser@1.1.1`, unpacked (its package/ folder).
NEWSPAPER4K_SDIST: `pip download --no-binary :all: --no-deps newspaper4k==0.9.6`, unpacked.
MERCURY_OUT_JSON: Mercury 2.2.3 (`@postlight/parser`) run on each fixture, contentType html.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import re
import sys
from pathlib import Path

import lxml.html
import tldextract

HERE = Path(__file__).resolve().parent
BENCH = HERE.parents[3] / "shared" / "data" / "extraction-benchmark" / "ground-truth.json"
HOLDOUT_PERCENT = 50  # publishers whose sha1 falls under this go to the holdout split
_DOMAIN = tldextract.TLDExtract(suffix_list_urls=())

# Checked against each page (visible byline / dateline / headline). Keys: Mercury fixture site.
# published: the page's own instant with its offset where it shows a time; a bare day where it
# shows only the day; None where the page shows nothing trustworthy. authors None: not labelled.
MERCURY_FIX = {
    "247sports.com": {"published": None},
    "abcnews.go.com": {"authors": ["Josh Haskell", "David Caplan", "Patrick Reevell"],
                       "published": "2016-12-16T12:37:00-05:00"},
    "fortune.com": {"authors": ["John Patrick Pullen"], "published": "2016-12-15T14:57:00+00:00"},
    "forward.com": {"published": "2016-12-28"},
    "gothamist.com": {"published": "2017-03-09T10:15:00-05:00"},
    "ici.radio-canada.ca": {"authors": None, "published": None, "language": "fr"},
    "newrepublic.com": {"published": "2016-11-18"},
    "news.nationalgeographic.com": {"authors": None, "published": "2015-08-03"},
    "qz.com": {"published": None},
    "www.al.com": {"authors": ["Mike Cason"], "published": "2016-12-22"},
    "www.aol.com": {"published": "2016-12-01"},
    "www.apartmenttherapy.com": {"published": "2016-10-13"},
    "www.buzzfeed.com": {"published": None},
    "www.cinemablend.com": {"published": "2016-12-21T21:46:48-05:00"},
    "www.dmagazine.com": {"published": "2016-12-14T14:24:00-06:00"},
    "www.fastcompany.com": {"published": "2017-01-09T10:00:00+00:00"},
    "www.howtogeek.com": {"published": None},
    "www.huffingtonpost.com": {"published": "2016-11-28T16:23:00-05:00"},
    "www.linkedin.com": {"published": "2016-12-19"},
    "www.littlethings.com": {"published": None},
    "www.mentalfloss.com": {"published": "2016-12-19T12:29:00-05:00"},
    "www.miamiherald.com": {"authors": None, "published": "2016-12-12T07:00:00-05:00"},
    "www.nationalgeographic.com": {"authors": None},
    "www.prospectmagazine.co.uk": {"published": "2017-01-19"},
    "www.qdaily.com": {"published": "2017-03-01T14:27:02+08:00", "language": "zh"},
    "www.rawstory.com": {"published": None},
    "www.refinery29.com": {"published": "2016-12-12T20:00:00-05:00"},
    "www.si.com": {"published": None},
    "www.theatlantic.com": {"published": "2016-09-19"},
    "www.thepoliticalinsider.com": {"authors": None},
    "www.usmagazine.com": {"published": "2016-12-07T15:53:00-05:00"},
    "www.washingtonpost.com": {"published": "2018-10-29"},
    "www.yahoo.com": {"authors": None},
}
MERCURY_DROP = {"www.youtube.com": "a video page, not an article",
                "www.tmz.com": "headline on the page differs from the fixture's expected one",
                "nymag.com": "its test names no fixture in a form we read", "twitter.com": "not an article"}

# newspaper4k 0.9.6 tests/data: html/<key>.html, txt/<key>.txt (its expected body). Its metadata
# JSON is its own output (authors often wrong), so title/authors/date are labelled here by hand.
NP4K = {
    "article_with_br": dict(lang="en", title="'The American friends': New court files expose Sheldon Adelson's "
                            "security team involved in US spy operation against Julian Assange",
                            authors=["Max Blumenthal"], published="2020-05-14T17:55:00+00:00"),
    "chinese_article_001": dict(lang="zh", title="外国专家：中美合作共赢符合国际社会利益", authors=None,
                                published="2023-11-17"),
    "chinese_article_002": dict(lang="zh", title="短缺药品保供稳价 全力保障临床用药需求", authors=[],
                                published="2023-11-17T20:52:15+08:00"),
    "fox13now_001": dict(lang="en", title="New Year, new laws: Obamacare, pot, guns and drones",
                         authors=["CNN Wire"], published="2013-12-30T14:42:01-07:00"),
    "japanese_article": dict(lang="ja", title="米朝首脳直通電話 習氏に挑むトランプ戦術の成否", authors=[],
                             published="2018-06-19T05:50:00+09:00"),
    "japanese_article2": dict(lang="ja", title="動画：ナイジェリアで少女らによる自爆攻撃、ロケット弾も撃ち込まれ31人死亡",
                              authors=[], published="2018-06-18"),
    "spanish_article": dict(lang="es", title="Anticorrupción decidirá en Madrid si recurre la imputación de la Infanta",
                            authors=None, published="2014-01-09T10:21:00+01:00"),
    "thai_article": dict(lang="th", title="ผล DNA ยืนยัน ศพลอยแม่น้ำโขงเป็นคนสนิท อ.สุรชัย", authors=None,
                         published="2019-01-21T13:49:00+07:00"),
    "time_001": dict(lang="en", title="We Need Geoengineering to Stop Out of Control Warming, Warns Climate "
                     "Scientist James Hansen", authors=["Alejandro de la Garza"],
                     published="2023-11-02T19:53:52+00:00"),
    "video_article_02": dict(lang="en", title="Faker wins 4th title as T1 embody Heartsteel’s song to become "
                             "your Worlds 2023 champion!", authors=['Amanda "Tania Mae" Tan'],
                             published="2023-11-19T19:18:44+08:00"),
    "yna_co_kr": dict(lang="en", title="N. Korea slams S. Korea for joint military drill, warns of consequences",
                      authors=[], published="2019-08-20T09:31:01+09:00"),
}
NP4K_URL_KEY = "url"

_BLOCK = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "br", "section",
          "article", "ul", "ol", "table", "dd", "dt"}


def publisher(url: str) -> str:
    return _DOMAIN(url).top_domain_under_public_suffix


def html_to_text(fragment: str) -> str:
    """Mercury's content HTML as text: one line per block, figures and captions left out."""
    fragment = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", fragment)
    tree = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for el in tree.xpath("//figure|//figcaption|//script|//style|//aside|//noscript"):
        el.drop_tree()
    for el in tree.iter():
        if isinstance(el.tag, str) and el.tag in _BLOCK:
            el.tail = "\n" + (el.tail or "")
            if el.tag == "br":
                continue
            el.text = "\n" + (el.text or "")
    lines = (re.sub(r"\s+", " ", line).strip() for line in tree.text_content().split("\n"))
    return "\n".join(line for line in lines if line)


def restore_meta(raw: bytes) -> bytes:
    """Mercury stored its fixtures after renaming <meta content=...> to value=...: undo that."""
    return re.sub(rb"<meta\b[^>]*>", lambda m: re.sub(rb"\svalue=", b" content=", m.group(0)), raw)


def mercury_authors(text: str | None) -> list[str]:
    return [a.strip() for a in re.split(r",| and ", text or "") if a.strip()]


def split_of(pub: str) -> str:
    return "holdout" if int(hashlib.sha1(pub.encode()).hexdigest(), 16) % 100 < HOLDOUT_PERCENT else "tune"


def main(mercury_pkg: Path, np4k: Path, mercury_out: Path) -> None:
    bench = {publisher(v["url"]) for v in json.loads(BENCH.read_text()).values()}
    sys.path.insert(0, str(HERE))
    from mercury_tests import read_tests  # noqa: PLC0415  (the test-file reader beside this script)

    outs = {o["site"]: o for o in json.loads(mercury_out.read_text())}
    records, dropped = [], []
    (HERE / "pages").mkdir(exist_ok=True)
    for test in read_tests(mercury_pkg):
        site, url = test["site"], test["url"]
        if site in MERCURY_DROP:
            dropped.append((site, MERCURY_DROP[site]))
            continue
        if publisher(url) in bench:
            dropped.append((site, "publisher in the extraction benchmark"))
            continue
        fix = MERCURY_FIX.get(site, {})
        raw = restore_meta((mercury_pkg / test["fixture"]).read_bytes())
        out = outs.get(site, {})
        body = html_to_text(out["content"]) if out.get("content") and not out.get("error") else None
        if site == "www.newyorker.com":
            body = None  # Mercury 2.2.3's extractor no longer matches this fixture (its title differs too)
        authors = fix["authors"] if "authors" in fix else (mercury_authors(test.get("author"))
                                                           if test.get("author") else None)
        published = fix["published"] if "published" in fix else test.get("date_published")
        page_id = f"mercury-{site}"
        records.append({"id": page_id, "source": f"@postlight/mercury-parser 1.1.1: {test['fixture']}",
                        "url": url, "publisher": publisher(url), "language": fix.get("language", "en"),
                        "title": re.sub(r"\s+", " ", test["title"]).strip(), "authors": authors,
                        "published": published, "body": body,
                        "body_source": "Mercury 2.2.3 site extractor" if body else None})
        (HERE / "pages" / f"{page_id}.html.gz").write_bytes(gzip.compress(raw, mtime=0))
    data = np4k / "tests" / "data"
    for key, lab in NP4K.items():
        meta = json.loads((data / "metadata" / f"{key}.json").read_text(encoding="utf-8"))
        url = meta[NP4K_URL_KEY]
        if publisher(url) in bench:
            dropped.append((key, "publisher in the extraction benchmark"))
            continue
        page_id = f"newspaper4k-{key}"
        body = (data / "txt" / f"{key}.txt").read_text(encoding="utf-8").strip()
        records.append({"id": page_id, "source": f"newspaper4k 0.9.6: tests/data/html/{key}.html", "url": url,
                        "publisher": publisher(url), "language": lab["lang"], "title": lab["title"],
                        "authors": lab["authors"], "published": lab["published"], "body": body,
                        "body_source": "newspaper4k 0.9.6 expected text"})
        (HERE / "pages" / f"{page_id}.html.gz").write_bytes(
            gzip.compress((data / "html" / f"{key}.html").read_bytes(), mtime=0))
    for r in records:
        r["split"] = split_of(r["publisher"])
    with (HERE / "labels.jsonl").open("w", encoding="utf-8") as fh:
        for r in sorted(records, key=lambda r: r["id"]):
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(records)} pages, {sum(r['split'] == 'holdout' for r in records)} holdout; dropped {dropped}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
