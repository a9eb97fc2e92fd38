"""Authors across publishers' metadata and bylines (what the labelled extraction-benchmark pages of
bench/data/extraction-benchmark-titles showed): JSON-LD authors that hold a whole byline, job titles,
outlets, degrees and desks beside the names, the site itself as the author, a desk in the metadata
where the byline names the reporter, metadata that names only the first of several authors. Pages
written here; each asserts the authors `newsagg extract` gives."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from newsagg.cli import main
from tests.support.testpages import prose

URL = "https://www.harbourpost.example/news/quay.html"
PARAS = "".join(f"<p>{p}</p>" for p in prose(5))


def page(*, author=None, meta_author: str | None = None, byline: str = "", after: str = "") -> str:
    """A story with a JSON-LD `author` (as given: a string, an object or a list), a <meta name=author>
    and a `byline` under its <h1>."""
    head = ['<meta charset="utf-8">', '<meta property="og:type" content="article">',
            '<meta property="og:site_name" content="Harbour Post">']
    if author is not None:
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Quay repairs finish early",
              "author": author, "publisher": {"@type": "Organization", "name": "Harbour Post"}}
        head.append(f'<script type="application/ld+json">{json.dumps(ld)}</script>')
    if meta_author is not None:
        head.append(f'<meta name="author" content="{meta_author}">')
    return (f"<!DOCTYPE html><html lang=\"en\"><head>{''.join(head)}</head><body><article>"
            f"<h1>Quay repairs finish early</h1>{byline}{PARAS}</article>{after}</body></html>")


def authors(tmp_path, html: str) -> list[str]:
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", str(path), "--url", URL])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["authors"]


@pytest.mark.parametrize("author, expected", [
    # a wire byline copied into JSON-LD whole: 'By', the job title after a comma
    ("By JANE ROE, AP Sports Writer", ["JANE ROE"]),
    ("By JANE ROE and NED ROWE, Associated Press", ["JANE ROE", "NED ROWE"]),
    ({"@type": "Person", "name": "By JANE ROE, AP National Political Writer"}, ["JANE ROE"]),
    # the outlet beside the name: the site's own, a news network's desk, a one-word outlet
    ({"@type": "Person", "name": "Jane Roe, Harbour Post"}, ["Jane Roe"]),
    ({"@type": "Person", "name": "Jane Roe, CNN Business"}, ["Jane Roe"]),
    ({"@type": "Person", "name": "Jane Roe, Quaywatch"}, ["Jane Roe"]),
    ({"@type": "Person", "name": "Jane Roe | Harbour Post"}, ["Jane Roe"]),
    # a degree, a desk beside the name; a name with initials stays whole
    ("Jane Roe, MS, RDN", ["Jane Roe"]),
    ("Jane Roe, Harbour Staff", ["Jane Roe"]),
    ([{"@type": "Person", "name": "Ned L. Rowe"}], ["Ned L. Rowe"]),
])
def test_json_ld_author_cleaned_like_a_byline(tmp_path, author, expected):
    assert authors(tmp_path, page(author=author)) == expected


@pytest.mark.parametrize("meta_author, expected", [
    ("Analysis by Jane Roe, CNN Editor-at-large", ["Jane Roe"]),
    ("Jane Roe. Harbour Post", ["Jane Roe"]),  # the outlet after a full stop
    ("Jane O&amp;#8217;Roe", ["Jane O’Roe"]),  # an entity escaped twice in the attribute
    ("Jane GarcÃ\xada", ["Jane García"]),  # UTF-8 read as Latin-1
])
def test_meta_author_cleaned(tmp_path, meta_author, expected):
    assert authors(tmp_path, page(meta_author=meta_author)) == expected


def test_the_site_itself_is_no_author(tmp_path):
    """JSON-LD names the publisher as the author ('BBC News' on bbc.com) and the page shows no byline."""
    site = {"@type": "Organization", "name": "Harbour Post"}
    assert authors(tmp_path, page(author=site)) == []
    # an agency is a byline, not the site
    assert authors(tmp_path, page(author={"@type": "Organization", "name": "Reuters"})) == ["Reuters"]


def test_the_byline_when_the_metadata_names_only_the_site(tmp_path):
    got = authors(tmp_path, page(author={"@type": "Organization", "name": "Harbour Post"},
                                 byline='<p class="byline">By Jane Roe and Ned Rowe</p>'))
    assert got == ["Jane Roe", "Ned Rowe"]


def test_a_desk_in_the_metadata_gives_way_to_the_reporter_in_the_byline(tmp_path):
    got = authors(tmp_path, page(meta_author="Harbour Post Staff", byline='<p class="byline">By Jane Roe</p>'))
    assert got == ["Jane Roe"]
    # with no byline on the page, the desk stays
    assert authors(tmp_path, page(meta_author="Harbour Post Staff")) == ["Harbour Post Staff"]


def test_the_byline_when_it_names_the_declared_author_and_more(tmp_path):
    got = authors(tmp_path, page(author={"@type": "Person", "name": "Jane Roe"},
                                 byline='<p class="byline">By <span class="author">Jane Roe</span>, '
                                        '<span class="author">Ned Rowe</span> and <span class="author">Lena '
                                        'Morrow</span></p>'))
    assert got == ["Jane Roe", "Ned Rowe", "Lena Morrow"]
    # a byline naming someone else does not override the declared author
    got = authors(tmp_path, page(author={"@type": "Person", "name": "Jane Roe"},
                                 byline='<p class="byline">By Ned Rowe</p>'))
    assert got == ["Jane Roe"]


def test_a_topic_link_is_not_an_author_page(tmp_path):
    """'/topics/people/<name>' lists stories about a person, not by them."""
    got = authors(tmp_path, page(byline='<p>Tags: <a href="/topics/people/ned-rowe.html">Ned Rowe</a></p>'))
    assert got == []


def test_a_weekday_after_the_name_is_not_part_of_it(tmp_path):
    got = authors(tmp_path, page(byline='<div class="author">Jane Roe Monday</div>'))
    assert got == ["Jane Roe"]


def test_a_byline_beside_share_buttons(tmp_path):
    """The byline's container is named for both ('byline-social'); an author bio box stays noise."""
    byline = ('<div class="byline-social"><p class="byline">By <span class="by-author"><a rel="author" '
              'href="/author/jane-roe">Jane Roe</a>, </span><span class="by-author"><a rel="author" '
              'href="/author/ned-rowe">Ned Rowe</a></span></p></div>')
    assert authors(tmp_path, page(author={"@type": "Person", "name": "Jane Roe"}, byline=byline)) == \
        ["Jane Roe", "Ned Rowe"]


@pytest.mark.parametrize("name", ["Jane\x01 Roe", "Jane Roe \ud83d"])
def test_a_control_character_or_half_an_emoji_in_an_author_fails_nothing(name):
    """The page is searched for the declared name (is it listed with others?): lxml refuses control
    characters and lone surrogates there, the extraction must not."""
    from newsagg.crawler.extract import extract_article

    got = extract_article(page(author={"@type": "Person", "name": name},
                               byline='<p class="byline">By Jane Roe and Ned Rowe</p>'), URL)
    assert got.error is None and got.title == "Quay repairs finish early"
