"""How labels.jsonl and pages/ were made (round 14): real article pages that postlight/parser (Mercury
Parser) keeps in its GitHub repository as test data (fixtures/<host>/<time>.html), none of whose
publishers another set has. Read from the search tool's GitHub file store (read_file, 16,000
characters a call) as in ../extraction-titles-r13: each piece copied as the JSON-escaped text the
store returns, decoded, checked to be exactly 16,000 characters (or the rest of the file), and the
joined file checked against the store's total length; the files laid out as ROOT/<owner>/<repo>/<path>.
Mercury saved its fixtures with every <meta content=…> renamed to value=…; that is undone with
../extraction-pages' restore_meta, as ../extraction-titles-gh does. Title labels from the page's own
headline with the independent lxml collector of ../extraction-benchmark-titles (candidates.py, not
newsagg's extractor), every doubtful page decided by hand below. The project's own expected titles
(src/extractors/custom/*/index.test.js) are not used.

    python make_set.py ROOT
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "extraction-titles"))
sys.path.insert(0, str(HERE.parent / "extraction-benchmark-titles"))
from make_set import mercury_restore_meta, store_set  # noqa: E402  (extraction-titles' rules, shared by the title sets)

MERCURY = "postlight/parser"

# (page id, repository, path, commit of the stored version, the page's address, why that address).
PAGES = [
    ("mercury-publickey1.jp", MERCURY, "fixtures/www.publickey1.jp/1554481347071.html",
     "e63804687cc9090c90cf9473f7bc1325bf2d0413",
     "https://www.publickey1.jp/blog/19/1ssdintel_ssd_d5-p4326qlc14643d_nandssd.html", "canonical link"),
    ("mercury-yomiuri.co.jp", MERCURY, "fixtures/www.yomiuri.co.jp/1554993242061.html",
     "3ba32aa7e7295f960ec07631a80174b5d6f0a8c6",
     "https://www.yomiuri.co.jp/sports/soccer/20190411-OYT1T50287/", "canonical link"),
    ("mercury-itmedia.co.jp", MERCURY, "fixtures/www.itmedia.co.jp/1550977733079.html",
     "02d9b20f8f70be02558a4a9323697eed84c30715",
     "https://www.itmedia.co.jp/pcuser/articles/1902/22/news089.html", "canonical link"),
    ("mercury-buzzap.jp", MERCURY, "fixtures/buzzap.jp.html",
     "d18fd995141cd3a4cb4fcbac4653db3f018e38f2",
     "https://buzzap.jp/news/20190302-reduced-tax-rate-benefit/", "canonical link"),
    ("mercury-wired.jp", MERCURY, "fixtures/wired.jp/1556585529692.html",
     "ab57612f559c30350af65519beb827cb826ec249",
     "https://wired.jp/2019/04/25/helvetica-now/", "canonical link"),
    ("mercury-gizmodo.jp", MERCURY, "fixtures/www.gizmodo.jp/1555839535234.html",
     "ab57612f559c30350af65519beb827cb826ec249",
     "https://www.gizmodo.jp/2019/04/suica-gashapon-bandai.html", "canonical link"),
    ("mercury-med.stanford.edu", MERCURY, "fixtures/med.stanford.edu/1586865924397.html",
     "5da9abb2b1d0e85d19580e54492cda4394cce08a",
     "http://med.stanford.edu/news/all-news/2020/04/smart-toilet-monitors-for-signs-of-disease.html",
     "og:url (no canonical link)"),
    ("mercury-infoq.com", MERCURY, "fixtures/www.infoq.com/1554555811551.html",
     "adca6c7b84eb8dd670b7461f6d91c9095d08eeba",
     "https://www.infoq.com/jp/news/2019/02/chrome-never-slow-mode", "canonical link"),
    ("mercury-mynavi.jp", MERCURY, "fixtures/news.mynavi.jp/1550913587143.html",
     "e458feee968c2e1689a38d0a819b9b9db9538967",
     "https://news.mynavi.jp/article/20190222-775563/", "canonical link"),
    ("mercury-asahi.com", MERCURY, "fixtures/www.asahi.com/1551436747155.html",
     "32f9eb47006c1fa14ea4034373ee8b89c7c4103f",
     "https://www.asahi.com/articles/ASM2Q5HKNM2QUCVL02D.html", "canonical link"),
    ("mercury-rbbtoday.com", MERCURY, "fixtures/www.rbbtoday.com/1556596828041.html",
     "950dd0f93efd4bae6fc4b3951af75832d9cdf3c8",
     "https://www.rbbtoday.com/article/2019/04/19/169284.html", "canonical link"),
    ("mercury-indiatimes.com", MERCURY, "fixtures/timesofindia.indiatimes.com/1570663350014.html",
     "bc423e493c21bcd1eaf271459c060b9c9da06737",
     "https://timesofindia.indiatimes.com/india/china-snubs-imran-says-resolve-jk-bilaterally/articleshow/71496416.cms",
     "canonical link"),
    ("mercury-iij.ad.jp", MERCURY, "fixtures/sect.iij.ad.jp/1556565011470.html",
     "950dd0f93efd4bae6fc4b3951af75832d9cdf3c8",
     "https://sect.iij.ad.jp/d/2019/02/134052.html", "the page's own 'この記事のURL' link (no canonical link or og:url)"),
]

# The page's language where its <html> has no lang attribute (decided from the text).
LANGUAGE = {"mercury-infoq.com": "ja"}  # InfoQ Japan; its <html> has no lang

# Pages where no <h1> equals a metadata title: the headline as the page shows it (page id -> title, why).
HAND_TITLES = {
    "mercury-itmedia.co.jp": ("Intel NUCで最新SSDを比較してみた",
                              "the <h1>'s <big> headline, without its kicker in <small> ('さらば平成、さらば水冷、いくぜNUC：') and without "
                              "the page counter ' (1/2)' (page 1 of 2; the site's own ranking list on the page names the article "
                              "without it); og:title and <title> keep the counter"),
    "mercury-wired.jp": ("あの有名フォント「Helvetica」は、こうしてデジタル時代に生まれ変わった",
                         "the article's <h1 class=post-title> (the other <h1>s are related articles); og:title and <title> add "
                         "'｜WIRED.jp' after a full-width bar, which the shared separator rule does not split"),
    "mercury-asahi.com": ("メディア芸術祭賞、「チコちゃんに叱られる！」が受賞",
                          "the article's <h1> (equal to the page's <meta name=TITLE>, which the collector does not read); "
                          "og:title, twitter:title and <title> add '：朝日新聞デジタル' after a full-width colon, which the "
                          "shared separator rule does not split"),
    "mercury-indiatimes.com": ("China snubs Imran Khan, says resolve J&K bilaterally",
                               "the article's <h1> (the breadcrumb's last item says the same); og:title, twitter:title and "
                               "<title> carry a longer SEO headline ('Kashmir issue: China snubs Imran Khan, says resolve "
                               "Jammu and Kashmir bilaterally | India News - Times of India') that the page does not show"),
    "mercury-iij.ad.jp": ("Masscan と ZMap によるスキャンの違い",
                          "the article's own heading (<h3 id=masscanzmap>; the page's only <h1> is the IIJ-SECT logo), also the "
                          "breadcrumb's last item; og:title and <title> put the blog's name 'IIJ Security Diary: ' before it"),
}

TITLE_SETS = ("extraction-titles", "extraction-titles-more", "extraction-titles-new", "extraction-titles-gh",
              "extraction-titles-r12", "extraction-titles-r13")


def main(root_dir: str) -> int:
    restore_meta = mercury_restore_meta()

    def prepare(repo: str, raw: bytes) -> bytes:
        return restore_meta(raw) if repo == MERCURY else raw  # as ../extraction-pages keeps Mercury's fixtures

    store_set(HERE, Path(root_dir), PAGES, LANGUAGE, HAND_TITLES, TITLE_SETS, prepare)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
