"""`newsagg ingest`: WARC archives and other tools' JSON Lines enter through the crawler's
extraction, seen-URL store and hand-off, then `newsagg search` finds the articles.

The WARCs are written here with warcio, from pages we wrote and from the real pages of
../shared/data/extraction-benchmark, and broken on purpose where a test says so."""
from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsagg.cli import main
from newsagg.core.schema import Article
from newsagg.core.settings import get_settings
from newsagg.crawler.extract import extract_article
from newsagg.crawler.ingest import Outlets, json_fields
from newsagg.crawler.sources import Source
from newsagg.demo.procs import WorkerCluster, wait_until
from newsagg.runtime import open_search_store
from tests.support.celery_env import ROOT
from tests.support.testpages import article_html, prose
from tests.support.warcs import Capture, benchmark_captures, record_offsets, write_warc

PLACES = ["Kestrel", "Marlow", "Tidewater", "Brackenfold", "Oystermouth", "Fennick", "Gullhaven", "Saltmarsh"]
SOURCES = """outlets:
  - name: Harbour Gazette
    url: https://gazette.example.co.uk/
    country: GB
    language: en
    feeds: [https://gazette.example.co.uk/feed.xml]
"""


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--log-level", "ERROR", *args])
    return result.exit_code, result.stdout if result.exit_code == 0 else result.output


def run_json(*args: str) -> dict:
    code, out = run("ingest", *args, "--json")
    assert code == 0, out
    return json.loads(out)


def page(i: int, host: str = "gazette.example.co.uk", extra: str = "") -> Capture:
    place = PLACES[i % len(PLACES)]
    url = f"https://{host}/news/{place.lower()}-{i}.html"
    html = article_html(title=f"Ferry crews in {place} vote to strike over night shifts {i}",
                        paragraphs=[f"{place} harbour story {i}. {extra}", *prose(i + 3, 12)], canonical=url,
                        published=datetime(2026, 11, 29, 7, i % 60, tzinfo=timezone.utc), authors=("Mara Quill",))
    return Capture(url, html.encode())


def other_records() -> list[Capture]:
    return [Capture("https://gazette.example.co.uk/img/lead.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF", content_type="image/jpeg"),
            Capture("https://gazette.example.co.uk/gone.html", b"<html><body>Not found</body></html>", status=404),
            Capture("https://gazette.example.co.uk/old.html", b"", status=301),
            Capture("https://gazette.example.co.uk/news/x.html", b"", kind="request"),
            Capture("https://gazette.example.co.uk/news/y.html", b"", kind="revisit"),
            Capture("https://gazette.example.co.uk/robots.txt", b"User-agent: *", kind="resource", content_type="text/plain"),
            Capture("metadata:crawl", b"via: test", kind="metadata", content_type="application/warc-fields")]


def stored(article_id: str) -> Article | None:
    return open_search_store(get_settings()).get_article(article_id)


def test_warc_pages_go_through_extraction_and_handoff_and_are_searchable(tmp_path):
    pages = [page(i) for i in range(6)] + [page(6, host="www.riverside-post.com.au")]
    warc = write_warc(tmp_path / "crawl.warc.gz", pages[:4] + other_records() + pages[4:])
    (tmp_path / "sources.yaml").write_text(SOURCES)
    out = run_json(str(warc), "--sources", str(tmp_path / "sources.yaml"))
    assert out["read"] == 1 + len(pages) + 7  # warcinfo, pages, the other records
    assert out["new"] == 7 and out["updated"] == 0 and out["failed"] == 0
    assert out["skipped"] == {"record_warcinfo": 1, "not_html": 1, "http_error": 1, "redirect": 1,
                              "record_request": 1, "record_revisit": 1, "record_resource": 1, "record_metadata": 1}
    assert out["seconds"] > 0
    # Fields as the crawler sets them: outlet from the sources file, else the registered domain.
    art = stored(Article(url=pages[0].url, text="x").id)
    assert art is not None and art.outlet == "Harbour Gazette" and art.country == "GB"
    assert art.title == "Ferry crews in Kestrel vote to strike over night shifts 0"
    assert art.fetched == datetime(2026, 11, 30, 8, 15, tzinfo=timezone.utc)  # WARC-Date
    assert art.published == datetime(2026, 11, 29, 7, 0, tzinfo=timezone.utc)
    assert art.authors == ["Mara Quill"] and art.event_id and art.keywords
    assert stored(Article(url=pages[6].url, text="x").id).outlet == "riverside-post.com.au"
    code, text = run("search", "Brackenfold ferry crews", "--json")
    assert code == 0, text
    hits = json.loads(text)
    assert hits and "Brackenfold" in hits[0]["headline"]


def test_ingesting_again_adds_nothing_and_a_changed_page_is_updated_in_place(tmp_path):
    pages = [page(i) for i in range(5)]
    first = write_warc(tmp_path / "a.warc", pages)
    assert run_json(str(first))["new"] == 5
    again = run_json(str(first))
    assert (again["new"], again["updated"], again["unchanged"]) == (0, 0, 5)
    # The next capture of the same archive: one page rewritten, one not, one new page.
    changed = page(2, extra="Update: the vote was postponed until Friday.")
    second = write_warc(tmp_path / "b.warc.gz", [changed, pages[3], page(7)])
    out = run_json(str(second))
    assert (out["new"], out["updated"], out["unchanged"]) == (1, 1, 1)
    store = open_search_store(get_settings())
    assert store.count_articles() == 6  # updated in place, not added
    assert "postponed until Friday" in stored(Article(url=changed.url, text="x").id).text


def _broken(tmp_path: Path, kind: str) -> tuple[Path, int]:
    """A WARC with one broken record among 6 pages; returns it and the broken record's offset."""
    pages = [page(i) for i in range(6)]
    gz = kind in ("cut_gzip_member", "cut_end_gz")
    clean = write_warc(tmp_path / ("clean.warc.gz" if gz else "clean.warc"), pages)
    data = clean.read_bytes()
    offsets = [o for o, _ in record_offsets(clean)] + [len(data)]
    k = 3  # pages[2]
    start, end = offsets[k], offsets[k + 1]
    if kind == "cut_gzip_member":  # 300 bytes gone from the middle of one gzip member
        mid = (start + end) // 2
        broken = data[:mid] + data[mid + 300:]
    elif kind in ("cut_end", "cut_end_gz"):  # the download stopped in the last record
        k = len(offsets) - 2
        start = offsets[k]
        broken = data[:(offsets[k] + offsets[k + 1]) // 2]
    elif kind.startswith("content_length"):
        head_end = data.index(b"\r\n\r\n", start)
        header = data[start:head_end]
        m = re.search(rb"Content-Length: (\d+)", header)
        wrong = int(m.group(1)) + (-2000 if kind == "content_length_short" else 2000)
        broken = data[:start] + header[:m.start(1)] + str(wrong).encode() + header[m.end(1):] + data[head_end:]
    elif kind == "binary_as_html":
        pages[2] = Capture(pages[2].url, os.urandom(3000) + b"\x00" * 100, content_type="text/html")
        rewritten = write_warc(tmp_path / "clean.warc", pages)
        broken, start = rewritten.read_bytes(), record_offsets(rewritten)[k][0]
    path = tmp_path / f"{kind}.warc{'.gz' if gz else ''}"
    path.write_bytes(broken)
    return path, start


@pytest.mark.parametrize("kind", ["cut_gzip_member", "cut_end", "cut_end_gz", "content_length_short",
                                  "content_length_long", "binary_as_html"])
def test_a_broken_record_is_reported_with_file_and_offset_and_the_rest_is_read(tmp_path, kind):
    path, offset = _broken(tmp_path, kind)
    code, text = run("ingest", str(path), "--json")
    assert code == 0, text
    out = json.loads(text)
    assert out["failed"] == 1, out
    assert out["new"] == 5, out  # every other page
    problem = out["problems"][0]
    assert problem["file"] == str(path) and problem["where"] == f"offset {offset}", problem
    # The summary a person reads names it too.
    result = CliRunner().invoke(main, ["--log-level", "ERROR", "ingest", str(path)])
    assert result.exit_code == 0 and f"{path} offset {offset}: " in result.output


def test_jsonl_from_newsagg_news_please_and_trafilatura(tmp_path):
    ours = Article(url="https://gazette.example.co.uk/news/ours.html", title="Lighthouse keepers return to Gullhaven",
                   text=" ".join(prose(41, 9)), outlet="Harbour Gazette", language="en", id="0123456789abcdef0123",
                   published=datetime(2026, 11, 28, 9, tzinfo=timezone.utc), event_id="ev-old")
    news_please = {"url": "https://www.dailyherald.example.com/world/story-77", "title": "Saltmarsh flood defences fail",
                   "maintext": " ".join(prose(42, 9)), "date_publish": "2026-11-27 16:30:00", "authors": ["Ann Bee"],
                   "language": "en", "source_domain": "dailyherald.example.com", "image_url": None, "localpath": None}
    trafilatura_row = {"source": "https://blog.example.org/2026/11/ferry", "title": "Fennick ferry timetable cut",
                       "raw_text": " ".join(prose(43, 9)), "text": " ".join(prose(43, 9)), "date": "2026-11-26",
                       "author": "Cy Dee; Ed Eff", "hostname": "example.org", "fingerprint": "abc", "categories": ""}
    lines = [json.dumps(ours.to_json()), json.dumps(news_please), "[1, 2, 3]", "", "{not json",
             json.dumps(trafilatura_row), json.dumps({"id": "bad id!", "url": "https://x.example/c", "text": "t"})]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines) + "\n")
    out = run_json(str(path))
    assert out["new"] == 3 and out["read"] == 6 and out["failed"] == 3, out
    assert [(p["where"], p["reason"].split(" ")[0]) for p in out["problems"]] == [
        ("line 3", "a"), ("line 5", "not"), ("line 7", "invalid")]
    kept = stored("0123456789abcdef0123")
    assert kept is not None and kept.title == "Lighthouse keepers return to Gullhaven" and kept.event_id != "ev-old"
    np_art = stored(Article(url=news_please["url"], text="x").id)
    assert np_art.published == datetime(2026, 11, 27, 16, 30, tzinfo=timezone.utc) and np_art.authors == ["Ann Bee"]
    assert np_art.outlet == "example.com"  # registered domain, from tldextract's bundled snapshot
    tr = stored(Article(url=trafilatura_row["source"], text="x").id)
    assert tr.authors == ["Cy Dee", "Ed Eff"] and tr.published.date().isoformat() == "2026-11-26"
    hits = json.loads(run("search", "Saltmarsh flood defences", "--json")[1])
    assert hits and hits[0]["headline"] == "Saltmarsh flood defences fail"


def test_directories_globs_and_gzip_json_lines(tmp_path):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    write_warc(tmp_path / "in" / "a.warc.gz", [page(0), page(1)])
    write_warc(tmp_path / "in" / "sub" / "b.warc", [page(2)])
    (tmp_path / "in" / "README.txt").write_text("not input")
    row = {"url": "https://gazette.example.co.uk/news/j.html", "title": "Oystermouth pier reopens", "text": " ".join(prose(5))}
    (tmp_path / "in" / "sub" / "c.jsonl.gz").write_bytes(gzip.compress(json.dumps(row).encode() + b"\n"))
    (tmp_path / "loose").mkdir()
    write_warc(tmp_path / "loose" / "x.warc.gz", [page(3)])
    out = run_json(str(tmp_path / "in"), str(tmp_path / "loose" / "*.warc.gz"))
    assert out["files"] == 4 and out["new"] == 5


def test_nothing_readable_exits_non_zero_with_one_line(tmp_path):
    code, text = run("ingest", str(tmp_path / "missing.warc.gz"))
    assert code != 0 and "no such file" in text and "Traceback" not in text
    (tmp_path / "empty.jsonl").write_text("")
    code, text = run("ingest", str(tmp_path / "empty.jsonl"), "--json")
    assert code != 0 and json.loads(text.splitlines()[0])["read"] == 0
    (tmp_path / "notes.txt").write_text("hello")
    code, text = run("ingest", str(tmp_path / "notes.txt"))
    assert code != 0 and "--format" in text
    code, text = run("ingest", str(tmp_path / "empty.jsonl"), "--processes", "2")
    assert code != 0 and "REDIS_URL" in text and "Traceback" not in text


def test_an_interrupted_ingest_run_again_finishes_without_duplicates(tmp_path):
    """A first run killed after some articles (SIGKILL of the process); the second run hands
    off the rest, and each article is stored once."""
    pages = [page(i) for i in range(24)]
    warc = write_warc(tmp_path / "big.warc.gz", pages)
    env = {**os.environ, "PYTHONPATH": ROOT, "NEWSAGG_LOG_LEVEL": "ERROR"}
    proc = subprocess.Popen([sys.executable, "-m", "newsagg.cli", "ingest", str(warc), "--json"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    store = open_search_store(get_settings())
    try:
        wait_until(lambda: store.count_articles() >= 3, 60, 0.05, "3 articles in")
    finally:
        proc.kill()
        proc.wait()
    done = store.count_articles()
    assert done < 24  # it was interrupted
    out = run_json(str(warc))
    assert out["new"] + out["updated"] + out["unchanged"] == 24 and out["failed"] == 0
    assert out["new"] >= 24 - done - 1  # at most the one in flight was handed off but not marked
    assert open_search_store(get_settings()).count_articles() == 24


@pytest.mark.realdata
@pytest.mark.parametrize("helpers", ["0", "2"])
def test_real_benchmark_pages_from_a_warc_match_extraction_alone(tmp_path, shared_data, helpers):
    """The same articles whether pages are extracted in this process or in helper processes."""
    root = shared_data / "extraction-benchmark"
    captures = benchmark_captures(root, limit=40)
    warc = write_warc(tmp_path / "bench.warc.gz", captures)
    out = run_json(str(warc), "--extract-processes", helpers)
    expected = [extract_article(c.body, c.url, c.content_type) for c in captures]
    articles = {p.canonical_url for p in expected if p.is_article}
    assert out["failed"] == 0
    assert out["new"] + out["unchanged"] == sum(p.is_article for p in expected)
    assert out["new"] == len(articles)
    store = open_search_store(get_settings())
    for p in expected:
        if p.is_article:
            got = store.get_article(Article(url=p.url, canonical_url=p.canonical_url, text="x").id)
            assert got is not None and got.title == p.title and got.text == p.text


@pytest.mark.slow
def test_distributed_ingest_goes_to_the_workers_through_the_same_handoff(distributed, tmp_path):
    pages = [page(i) for i in range(8)]
    (tmp_path / "in").mkdir()
    write_warc(tmp_path / "in" / "a.warc.gz", pages[:4])
    write_warc(tmp_path / "in" / "b.warc.gz", pages[4:])
    warc = tmp_path / "in"
    # two files read at once, each in its own process, both handing off to Redis
    proc = subprocess.run([sys.executable, "-m", "newsagg.cli", "--log-level", "ERROR", "ingest", str(warc), "--json",
                           "--processes", "2"], env={**os.environ, **distributed}, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["new"] == 8
    store = open_search_store(get_settings())
    assert store.count_articles() == 0  # queued on Redis, nothing ran in this process
    with WorkerCluster(distributed, tmp_path / "logs", cwd=ROOT) as wc:
        wc.start("w0")
        wc.wait_until(lambda: store.count_articles() == 8, 120, 0.3, "8 indexed by the worker")
    code, text = run("search", "Tidewater ferry crews", "--json")
    assert code == 0 and "Tidewater" in json.loads(text)[0]["headline"]
    # The seen-URL store is the shared one (Redis): a second ingest adds nothing.
    again = subprocess.run([sys.executable, "-m", "newsagg.cli", "--log-level", "ERROR", "ingest", str(warc), "--json"],
                           env={**os.environ, **distributed}, capture_output=True, text=True, timeout=120)
    assert json.loads(again.stdout)["unchanged"] == 8


def test_outlets_by_sources_host_else_registered_domain():
    outlets = Outlets([Source(name="Harbour Gazette", url="https://www.gazette.example.co.uk/")])
    assert outlets.lookup("https://gazette.example.co.uk/a")[0] == "Harbour Gazette"
    assert outlets.lookup("https://live.gazette.example.co.uk/a")[0] == "Harbour Gazette"
    assert outlets.lookup("https://news.bbc.co.uk/x")[0] == "bbc.co.uk"
    assert outlets.lookup("https://www.lemonde.fr/x")[0] == "lemonde.fr"


def test_json_field_names_of_other_tools():
    fields = json_fields({"source": "https://a.example/x", "raw_text": "body", "date": "2026-01-02",
                          "author": "A B; C D", "language": "de-DE", "junk": 1})
    assert fields["url"] == "https://a.example/x" and fields["text"] == "body"
    assert fields["authors"] == ["A B", "C D"] and fields["language"] == "de"
    assert fields["published"] == datetime(2026, 1, 2, tzinfo=timezone.utc) and "junk" not in fields


def test_a_warc_gzipped_whole_is_read_too(tmp_path):
    """`gzip crawl.warc` gives one gzip stream, not one member a record: read all the same."""
    plain = write_warc(tmp_path / "crawl.warc", [page(i) for i in range(4)] + other_records()[:2])
    whole = tmp_path / "crawl.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))
    out = run_json(str(whole))
    assert out["new"] == 4 and out["failed"] == 0 and out["read"] == 7
