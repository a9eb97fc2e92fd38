"""Article extraction on pages written for these tests, and on the real benchmark."""
import gzip
import json
from datetime import datetime, timezone

import pytest
import trafilatura
from click.testing import CliRunner

from newsagg.cli import main
from newsagg.crawler.extract import extract_article
from newsagg.crawler.extract.benchmark import evaluate, load_benchmark
from newsagg.crawler.extract.urls import clean_url
from tests.support.testpages import article_html, front_html, prose, video_html

PUBLISHED = datetime(2026, 11, 24, 7, 30, tzinfo=timezone.utc)


def test_article_fields_from_json_ld_opengraph_and_body():
    paragraphs = prose(1) + ["READ ALSO: Ferry timetable changes for the winter"]
    page = article_html(title="Storm shuts the harbour for two days", paragraphs=paragraphs,
                        canonical="https://courier.example/news/storm.html?utm_source=rss&id=7",
                        published=PUBLISHED, authors=("Mara Quill", "Ted Ansel"))
    got = extract_article(page.encode(), "https://courier.example/amp/storm.html?fbclid=abc")
    assert got.is_article, got.skip_reason
    assert got.canonical_url == "https://courier.example/news/storm.html?id=7"
    assert got.title == "Storm shuts the harbour for two days"
    assert got.authors == ["Mara Quill", "Ted Ansel"]
    assert got.published == PUBLISHED and got.published.tzinfo is not None
    assert got.language == "en" and got.section == "Local"
    assert got.image == "https://courier.example/img/lead.jpg"
    for p in prose(1):
        assert p in got.text
    for clutter in ("Skip to content", "cookies", "Share on", "Related stories", "All rights reserved",
                    "READ ALSO", "Storm shuts the harbour"):
        assert clutter not in got.text


def test_date_found_by_htmldate_when_metadata_has_none():
    page = article_html(title="Quay repairs finish early", paragraphs=prose(2), json_ld=False)
    page = page.replace('<p class="byline">', '<p class="date">Published 2026-11-20</p><p class="byline">')
    got = extract_article(page, "https://courier.example/news/2026/11/20/quay.html")
    assert got.published is not None and got.published.date().isoformat() == "2026-11-20"


@pytest.mark.parametrize("html_text, url, reason", [
    (front_html([(f"/news/{i}.html", f"Headline number {i} about the harbour") for i in range(30)]),
     "https://courier.example/", "section front"),
    (video_html("Crane lifts the gate"), "https://courier.example/video/crane.html", "video page"),
    (article_html(title="Teaser", paragraphs=["Only a line of text here."]), "https://courier.example/news/t.html",
     "body too short"),
    ("", "https://courier.example/empty.html", "empty document"),
])
def test_non_articles_are_recognised_with_a_reason(html_text, url, reason):
    got = extract_article(html_text, url)
    assert not got.is_article and reason in got.skip_reason


def test_malformed_canonical_and_image_links_fall_back_to_the_page_url():
    page = article_html(title="Broken links", paragraphs=prose(4), canonical="http://[::1/broken", image="http://[x")
    got = extract_article(page, "https://courier.example/news/b.html?utm_medium=email")
    assert got.is_article and got.canonical_url == "https://courier.example/news/b.html" and got.image is None


def test_binary_bytes_are_not_an_article():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    got = extract_article(png, "https://courier.example/image.html", "text/html")
    assert not got.is_article and "binary" in got.skip_reason


@pytest.mark.parametrize("charset, lang, paragraph", [
    ("windows-1251", "ru", "Шторм закрыл гавань на два дня, и паромы стояли у причала до утра. " * 12),
    ("shift_jis", "ja", "嵐のため港は二日間閉鎖され、フェリーは朝まで岸壁に留まった。" * 20),
])
def test_legacy_encodings_are_decoded(charset, lang, paragraph):
    page = article_html(title="Storm", paragraphs=[paragraph], charset=charset, lang=lang).encode(charset)
    for content_type in (f"text/html; charset={charset}", "text/html"):  # header or <meta> alone
        got = extract_article(page, "https://courier.example/a.html", content_type)
        assert paragraph.strip()[:30] in got.text and got.language == lang


def test_clean_url_drops_tracking_keeps_meaning():
    assert clean_url("HTTP://Example.ORG:80/a/b?utm_source=x&b=2&gclid=1&a=1#top") == "http://example.org/a/b?b=2&a=1"
    assert clean_url("../c.html?mc_cid=9", base="https://e.org/a/b/x.html") == "https://e.org/a/c.html"


def test_extract_command_prints_one_object_per_file_in_order(tmp_path):
    first = tmp_path / "first.html"
    first.write_text(article_html(title="First story", paragraphs=prose(3), published=PUBLISHED), encoding="utf-8")
    second = tmp_path / "second.html.gz"
    second.write_bytes(gzip.compress(front_html([("/a", "A link")] * 20).encode()))
    result = CliRunner().invoke(main, ["extract", str(first), str(second), "--jsonl",
                                       "--url", "https://courier.example/news/x.html"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["title"] for r in rows][0] == "First story"
    assert set(rows[0]) == {"url", "canonical_url", "title", "text", "authors", "published", "language", "image"}
    assert rows[0]["published"] == PUBLISHED.isoformat() and rows[0]["authors"] == ["Mara Quill"]
    assert "skip_reason" in rows[1]
    bad = CliRunner().invoke(main, ["extract", str(tmp_path / "missing.html")])
    assert bad.exit_code != 0 and "missing.html" in bad.output


# Chinese and Japanese pages as a portal shows them: a section menu of a dozen links, no
# article markup (no JSON-LD, no og:type), the story in plain paragraphs. Written for this test.
_CJK_PAGES = {
    "zh": ("河畔新城图书馆周六开放",
           ["首页", "国内", "国际", "财经", "科技", "体育", "娱乐", "健康", "教育", "旅游", "汽车", "房产"],
           ["经过三年建设，河畔新城的公共图书馆将于本周六正式向市民开放。",
            "新馆共有五层，藏书约四十万册，并设有儿童阅读区和自习室",
            "馆长李华表示，图书馆每天早上八点开门，晚上九点闭馆",
            "市民凭身份证即可免费办理借书证，每人最多可借十本书",
            "开馆当天还将举办读书分享会和手工活动，欢迎全家参加"]),
    "ja": ("川辺町に新しい図書館が完成",
           ["トップ", "国内", "国際", "経済", "科学", "スポーツ", "文化", "地域", "天気", "社説", "動画", "写真"],
           ["川辺町で三年かけて建設された町立図書館が、今週土曜日に開館する。",
            "新しい図書館は五階建てで、およそ四十万冊の本を所蔵している",
            "館長の田中さんによると、開館時間は午前八時から午後九時までだ",
            "町民は身分証明書を見せれば、無料で利用カードを作ることができる",
            "開館日には読み聞かせ会や工作教室も開かれる予定だという"]),
}


@pytest.mark.parametrize("lang", sorted(_CJK_PAGES))
def test_extract_command_keeps_a_chinese_or_japanese_article_whole(tmp_path, lang):
    # Counted by whitespace, a Chinese paragraph was one word and each menu entry one
    # word too: the page looked like a list of links and the article was skipped.
    title, menu, paragraphs = _CJK_PAGES[lang]
    links = "".join(f'<a href="/s{i}/">{entry}</a> ' for i, entry in enumerate(menu))
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    page = tmp_path / f"{lang}.html"
    page.write_text(f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>'
                    f"<body><nav>{links}</nav><article><h1>{title}</h1>{body}</article></body></html>",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", str(page), "--url", f"https://portal.example/{lang}/1.html"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    assert "skip_reason" not in row, row.get("skip_reason")
    assert row["title"] == title and row["language"] == lang
    assert row["text"].splitlines() == paragraphs


@pytest.mark.realdata
def test_body_extraction_at_least_as_good_as_plain_trafilatura(shared_data):
    pages = list(load_benchmark(shared_data / "extraction-benchmark", split="holdout"))
    ours = evaluate(pages, lambda html, url: extract_article(html, url).text)
    plain = evaluate(pages, lambda html, url: trafilatura.extract(html, url=url))
    assert ours.f1 >= plain.f1, (ours, plain)
    assert ours.precision > plain.precision
