"""Text normalisation: clutter lines go, article text stays, tokens are folded."""
from __future__ import annotations

from datetime import datetime, timezone

from newsagg.dedupe.normalize import (
    article_lines,
    capitalised_tokens,
    clean_text,
    fold,
    is_boilerplate,
    is_byline,
    mentioned_dates,
    mentioned_ordinal,
    page_date,
    sentences,
    tokens,
    url_date,
)

PAGE = """ date 2026-03-02
Skip to content
  • Home
  • Politics
  • Sport
By Mara Quist
Updated 14:32 GMT, 2 March 2026
The council of Lindmoor voted on Tuesday to build a tram line to the university.
![Tram stop at night](https://img.example.test/tram.jpg)
READ ALSO: Lindmoor tram plan divides residents
Advertisement
Construction will begin next spring, Mayor Ilse Varga said.
Share this article
Follow us on social media for more news
We use cookies to personalise content. Accept cookies
Photo: Lindmoor city archive
© 2026 Lindmoor Evening Post. All rights reserved.
Lesen Sie auch: Straßenbahn in Lindmoor
Construction will begin next spring, Mayor Ilse Varga said.
"""


def test_page_clutter_is_removed_and_article_lines_are_kept_in_order():
    assert article_lines(PAGE) == [
        "The council of Lindmoor voted on Tuesday to build a tram line to the university.",
        "Construction will begin next spring, Mayor Ilse Varga said.",
    ]


def test_bylines_go_but_sentences_starting_with_by_stay():
    assert is_byline("By MARA QUIST and TOM LEE, Associated Press")
    assert is_byline("Por Ana Ruiz")
    assert is_byline("By Northwire staff")
    assert not is_byline("By noon the harbour had reopened to ships")
    assert not is_boilerplate("By Tuesday evening forty ships were waiting outside the harbour")


def test_headline_without_punctuation_is_kept_but_menu_entries_are_not():
    assert not is_boilerplate("Council approves tram line to the university district")
    assert is_boilerplate("World News")
    assert is_boilerplate("  ")


def test_chinese_and_japanese_lines_are_text_but_their_menu_entries_are_not():
    # Written without spaces, a whole line is one "word" to whitespace: every line of
    # a Chinese or Japanese text was dropped as a menu entry. (Texts written for this test.)
    page = "\n".join([
        "首页", "国际新闻", "ホーム",
        "河畔新城的公共图书馆将于本周六正式向市民开放",  # a headline: no full stop
        "新馆共有五层，藏书约四十万册，并设有儿童阅读区和自习室。",
        "川辺町の新しい図書館は五階建てで、およそ四十万冊の本を所蔵している",
        "開館日には読み聞かせ会も開かれる。",
        "分享到",
    ])
    assert article_lines(page) == [
        "河畔新城的公共图书馆将于本周六正式向市民开放",
        "新馆共有五层,藏书约四十万册,并设有儿童阅读区和自习室。",
        "川辺町の新しい図書館は五階建てで、およそ四十万冊の本を所蔵している",
        "開館日には読み聞かせ会も開かれる。",
    ]


def test_url_date_reads_full_dates_in_the_path_only():
    day = datetime(2025, 2, 28, tzinfo=timezone.utc)
    assert url_date("https://news.example/2025/02/28/harbour-crane-collapse/") == day
    assert url_date("https://news.example/articles/128192/20250228/harbour-crane") == day
    assert url_date("https://news.example/world/harbour-crane-2025-02-28-collapse.html") == day
    assert url_date("https://news.example/2025/02/harbour-crane-collapse") is None  # month only: too coarse
    assert url_date("https://news.example/story/1202502281") is None  # digits of an id, not a date
    assert url_date("https://news.example/story?from=2025/02/28") is None  # query strings are not the path
    assert url_date("https://news.example/2025/13/28/x") is None


def test_page_date_line_is_metadata():
    assert page_date(PAGE) == datetime(2026, 3, 2, tzinfo=timezone.utc)
    assert page_date("No date here\nat all") is None
    assert page_date(" date 2026-13-45\ntext") is None  # not a real date: ignored, not an error
    assert "date 2026" not in clean_text(PAGE)
    # Run into the first line of text: the text after it stays.
    run_in = " date 2024-11-05 Dock workers at the Varn terminal voted to end their strike."
    assert page_date(run_in) == datetime(2024, 11, 5, tzinfo=timezone.utc)
    assert clean_text(run_in) == "Dock workers at the Varn terminal voted to end their strike."


def test_unicode_case_and_accents_fold_for_matching():
    assert fold("Ｓtraße ÉLYSÉE") == fold("strasse elysee")
    assert tokens("Mayor Ilse Varga’s plan: 9 km, 14 stops!") == ["mayor", "ilse", "varga's", "plan", "9", "km", "14", "stops"]
    assert tokens("non\u00a0breaking") == ["non", "breaking"]
    assert tokens("Varga’s “plan” — approved") == tokens("Varga's \"plan\" - approved") == ["varga's", "plan", "approved"]


def test_capitalised_tokens_are_names_and_numbers():
    assert capitalised_tokens("The Varn coast saw 40 ships near Port Ellison.") == ["the", "varn", "40", "port", "ellison"]


def test_sentences_split_on_end_punctuation_and_paragraphs():
    assert sentences("One sentence here. Another one follows! Third?\nNew paragraph") == [
        "One sentence here.", "Another one follows!", "Third?", "New paragraph"]


def test_figures_read_the_same_in_english_and_german_reports():
    from newsagg.dedupe.normalize import canonical_numbers

    assert canonical_numbers("4,5 Prozent; 1.200 Menschen; 1,200,000 people; 3,25 %") == \
        "4.5 Prozent; 1200 Menschen; 1200000 people; 3.25 %"
    assert canonical_numbers("in 2024, 12.5 and 7") == "in 2024, 12.5 and 7"  # years, decimals, lone digits stay
    german = capitalised_tokens("Die Notenbank hob den Zins auf 4,5 Prozent; 1.200 Kunden betroffen.")
    english = capitalised_tokens("The bank raised the rate to 4.5 percent; 1,200 customers affected.")
    assert {"4.5", "1200"} <= set(german) & set(english)


def _unicode_paths(text: str) -> tuple[list[str], list[str], list[str]]:
    """tokens, sentences and capitalised tokens by the Unicode patterns alone."""
    import unicodedata

    from newsagg.core import text as core_text
    from newsagg.dedupe import normalize

    words = core_text._TOKEN.findall(fold(text))
    cut = [s.strip() for para in text.split("\n") for s in core_text._SENTENCE_SPLIT.split(para) if s.strip()]
    numbers = normalize.canonical_numbers(unicodedata.normalize("NFKC", text))
    caps = [fold(t) for t in core_text._TOKEN.findall(numbers) if t[0].isupper() or t[0].isdigit()]
    return words, cut, caps


ASCII_EDGES = [
    "The U.S. port of Varn-on-Sea said it's closed. 1,200 crates (about 4,5 tonnes) fell! \"Why?\" asked Ana.",
    "x-Ray teams -Ray Mills and O'Neill's crew; 3.5 metres... Then 2026-03-02: snake_case_words and __under__.",
    "Dock workers voted.\nA new line\n\n  (AP) 12 cranes. Next sentence? 'Quoted' start. Ends here",
    # Capitals inside a token joined by a mark, or after a mark that joins nothing.
    "abc-Def a.-Bcd x'Yz 9.Zed a..Bob _Cat 7_Up end-.Fin -Ann 'Bo' e.g.Mr Kay.",
]


def test_ascii_fast_paths_match_the_unicode_patterns():
    for text in ASCII_EDGES:
        assert fold(text).isascii()
        assert (tokens(text), sentences(text), capitalised_tokens(text)) == _unicode_paths(text)


def test_ascii_fast_paths_match_the_unicode_patterns_on_real_pages(shared_data):
    import json

    checked = 0
    for name in ("news-events-dev.jsonl", "ecbplus-events.jsonl"):
        for raw in (shared_data / name).read_text(encoding="utf-8").splitlines():
            text = json.loads(raw)["text"]
            for piece in [text, *text.split("\n")]:
                assert (tokens(piece), sentences(piece), capitalised_tokens(piece)) == _unicode_paths(piece)
                checked += 1
    assert checked > 10_000


def test_dates_written_with_numbers_or_signs_are_read_in_the_order_each_language_writes_them():
    def days(text, lang):
        return [d.date().isoformat() for d in mentioned_dates(text, lang)]

    assert days("Thứ ba, 30/09/2025 19:04", "vi") == ["2025-09-30"]
    assert days("Vào ngày 14 tháng 1 năm 2025, Công an", "vi") == ["2025-01-14"]
    assert days("Am 3.8.2024 stimmte der Rat ab", "de") == ["2024-08-03"]
    assert days("le 03/08/2024", "fr") == ["2024-08-03"]
    assert days("2024年9月7日", "zh") == ["2024-09-07"]
    # English writes month first in the US and day first elsewhere: only the unambiguous.
    assert days("on 3/8/2024", "en") == []
    assert days("on 12/31/2024 and 31/12/2024", "en") == ["2024-12-31"]
    # A longer run of numbers is not a date.
    assert days("ref 1.2.3.2024", "de") == []


def test_the_ordinal_of_a_series_is_read_in_each_languages_words_and_not_from_other_senses():
    assert mentioned_ordinal("The volcano erupted for the fifth time since December", "en", cued=True) == 5
    assert mentioned_ordinal("its 6th eruption since December", "en", cued=True) == 6
    assert mentioned_ordinal("Zum fünften Mal seit Dezember brach der Vulkan aus", "de", cued=True) == 5
    assert mentioned_ordinal("der siebte Ausbruch seit Dezember", "de", cued=True) == 7
    assert mentioned_ordinal("la sexta erupción desde diciembre", "es", cued=True) == 6
    assert mentioned_ordinal("pour la cinquième fois depuis décembre", "fr", cued=True) == 5
    assert mentioned_ordinal("per la terza volta in un mese", "it", cued=True) == 3
    # The most named wins; the first named among equals.
    assert mentioned_ordinal("the third eruption, the second this year, the third since December", "en", cued=True) == 3
    # Not a series: "first", a compound, a weekday, "according to", no table for the language.
    assert mentioned_ordinal("Boeing launched astronauts for the first time", "en") is None
    assert mentioned_ordinal("the second-largest city", "en") is None
    assert mentioned_ordinal("na quinta-feira, segundo a polícia", "pt") is None
    assert mentioned_ordinal("secondo l'INGV", "it") is None
    assert mentioned_ordinal("lần thứ năm", "vi") is None
    # An ordinal that ranks something else (no word of a series after it) counts
    # only when cues are not asked for.
    assert mentioned_ordinal("the country's third moon mission lifted off", "en", cued=True) is None
    assert mentioned_ordinal("the country's third moon mission lifted off", "en") == 3
