"""Sources file: loads a valid file; a wrong one fails naming file, line and field."""
from pathlib import Path

import pytest

from newsagg.crawler.sources import SourcesError, load_sources

GOOD = """\
outlets:
  - name: Harbour Gazette
    url: http://127.0.0.1:8001/
    country: GB
    language: en
    feeds: [http://127.0.0.1:8001/feed.xml]
    sitemaps: [http://127.0.0.1:8001/sitemap.xml]
    allow: ['^/news/', '^/amp/']
    deny: ['^/video/']
    crawl_delay: 0
    interval_minutes: 15
  - name: Rhein Bote
    url: https://rheinbote.example/
    language: de
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_loads_every_field(tmp_path):
    first, second = load_sources(write(tmp_path, GOOD))
    assert first.name == "Harbour Gazette" and first.country == "GB" and first.language == "en"
    assert first.feeds == ("http://127.0.0.1:8001/feed.xml",)
    assert first.crawl_delay == 0.0 and first.interval_minutes == 15.0
    assert first.path_allowed("http://127.0.0.1:8001/news/2026/01/a.html")
    assert not first.path_allowed("http://127.0.0.1:8001/video/clip.html")
    assert not first.path_allowed("http://127.0.0.1:8001/about.html")  # not in allow
    assert second.crawl_delay is None and second.feeds == () and second.path_allowed("https://x/any")


@pytest.mark.parametrize("bad_line, replacement, line, field_name, words", [
    ("    country: GB\n", "    country: Britain\n", 4, "country", "ISO 3166"),
    ("    feeds: [http://127.0.0.1:8001/feed.xml]\n", "    feeds: [ftp://x/feed]\n", 6, "feeds", "http(s) URL"),
    ("    allow: ['^/news/', '^/amp/']\n", "    allow: ['^/news/(']\n", 8, "allow", "regular expression"),
    ("    crawl_delay: 0\n", "    crawl_delay: -2\n", 10, "crawl_delay", "non-negative"),
    ("    interval_minutes: 15\n", "    intervall_minutes: 15\n", 11, "intervall_minutes", "unknown field"),
    ("    url: https://rheinbote.example/\n", "    url: rheinbote\n", 13, "url", "http(s) URL"),
    ("    language: de\n", "    language: German\n", 14, "language", "language code"),
])
def test_wrong_field_names_file_line_and_field(tmp_path, bad_line, replacement, line, field_name, words):
    assert bad_line in GOOD
    path = write(tmp_path, GOOD.replace(bad_line, replacement))
    with pytest.raises(SourcesError) as err:
        load_sources(path)
    assert (err.value.line, err.value.field) == (line, field_name)
    message = str(err.value)
    assert str(path) in message and f"line {line}" in message and field_name in message and words in message


def test_missing_name_duplicate_name_and_broken_yaml(tmp_path):
    with pytest.raises(SourcesError, match=r"line 2: field 'name': missing"):
        load_sources(write(tmp_path, "outlets:\n  - url: http://a/\n"))
    dup = GOOD + "  - name: Harbour Gazette\n    url: http://b/\n"
    with pytest.raises(SourcesError, match=r"line 15: field 'name': duplicate .*first on line 2"):
        load_sources(write(tmp_path, dup))
    with pytest.raises(SourcesError, match=r"line 3: not valid YAML"):
        load_sources(write(tmp_path, "outlets:\n  - name: [a\n    url: b\n"))
    with pytest.raises(SourcesError, match=r"field 'outlets': missing"):
        load_sources(write(tmp_path, "sources: []\n"))
    with pytest.raises(SourcesError, match=r"cannot read"):
        load_sources(tmp_path / "absent.yaml")


def test_shipped_example_sources_file_is_valid_and_broad():
    example = Path(__file__).resolve().parents[1] / "deploy" / "sources.example.yaml"
    sources = load_sources(example)
    assert len(sources) >= 20
    assert len({s.language.split("-")[0] for s in sources}) >= 8
    assert all(s.feeds or s.sitemaps for s in sources)
    assert all(s.url.startswith("https://") for s in sources)


def test_crawl_command_reports_a_bad_sources_file_without_crawling(tmp_path):
    from click.testing import CliRunner

    from newsagg.cli import main

    path = write(tmp_path, GOOD.replace("    crawl_delay: 0\n", "    crawl_delay: soon\n"))
    result = CliRunner().invoke(main, ["crawl", "--sources", str(path)])
    assert result.exit_code != 0
    assert f"{path}, line 10: field 'crawl_delay'" in result.output and "Traceback" not in result.output
    missing = CliRunner().invoke(main, ["crawl", "--sources", str(tmp_path / "nope.yaml")])
    assert missing.exit_code != 0 and "sources.example.yaml" in missing.output


@pytest.mark.parametrize("bad_line, replacement, line, field_name, words", [
    ("    interval_minutes: 15\n", "    interval_minutes: .inf\n", 11, "interval_minutes", "positive number"),
    ("    interval_minutes: 15\n", "    interval_minutes: .nan\n", 11, "interval_minutes", "positive number"),
    ("    interval_minutes: 15\n", "    interval_minutes: 1e300\n", 11, "interval_minutes", "up to 525600"),
    ("    crawl_delay: 0\n", "    crawl_delay: .inf\n", 10, "crawl_delay", "non-negative number"),
    ("  - name: Harbour Gazette\n", "  - name: '   '\n", 2, "name", "blank"),
])
def test_infinite_or_blank_values_are_refused_with_line_and_field(tmp_path, bad_line, replacement, line,
                                                                  field_name, words):
    path = write(tmp_path, GOOD.replace(bad_line, replacement))
    with pytest.raises(SourcesError) as err:
        load_sources(path)
    assert (err.value.line, err.value.field) == (line, field_name) and words in str(err.value)


def test_a_duplicated_key_is_refused_not_silently_dropped(tmp_path):
    twice = GOOD + "outlets:\n  - name: Only Me\n    url: https://only.example/\n"
    with pytest.raises(SourcesError, match=r"line 15: field 'outlets': appears twice .*first on line 1"):
        load_sources(write(tmp_path, twice))
    inner = GOOD.replace("    crawl_delay: 0\n", "    crawl_delay: 0\n    crawl_delay: 5\n")
    with pytest.raises(SourcesError, match=r"line 11: field 'crawl_delay': appears twice .*first on line 10"):
        load_sources(write(tmp_path, inner))


def test_beat_refuses_an_infinite_interval_in_one_line(tmp_path, monkeypatch):
    """beat crashed with OverflowError from timedelta(minutes=inf) after starting."""
    from click.testing import CliRunner

    from newsagg.cli import main

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:9/0")  # never reached: the file is refused first
    path = write(tmp_path, GOOD.replace("    interval_minutes: 15\n", "    interval_minutes: .inf\n"))
    result = CliRunner().invoke(main, ["beat", "--sources", str(path)])
    assert result.exit_code != 0 and result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{path}, line 11: field 'interval_minutes'" in result.output
    assert "Traceback" not in result.output and "OverflowError" not in result.output
