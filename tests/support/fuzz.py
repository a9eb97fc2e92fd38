"""Seeded mutation fuzzing of the parsers that read what the web and other programs send:
article extraction, feed and sitemap parsing, JSON Lines reading.

A mutation is a pure function of (input, random.Random): byte flips, truncation, lone
surrogate halves, deep nesting, huge attributes, control characters, a DOCTYPE bomb,
a corrupted gzip stream. Each target states which exceptions are its documented answer
to bad input (a DiscoveryError for a feed, a JsonLinesError for a line); anything else is
a crash. Used by tests/test_fuzz.py (bounded) and bench/fuzz.py (long campaigns that
keep crashing inputs in tests/data/fuzz/).
"""
from __future__ import annotations

import gzip
import json
import random
import tempfile
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from tests.support.testpages import article_html, prose

REGRESSIONS = Path(__file__).resolve().parents[1] / "data" / "fuzz"
BENCHMARK_HTML = Path(__file__).resolve().parents[3] / "shared" / "data" / "extraction-benchmark" / "html"

Mutation = Callable[[bytes, random.Random], bytes]


# --- mutations

def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randrange(len(data) + 1)]


def _insert(data: bytes, piece: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + piece + data[at:]


def surrogate_half(data: bytes, rng: random.Random) -> bytes:
    """Half a UTF-16 pair: escaped (as JSON writes it), CESU-8 bytes, or cut UTF-8."""
    piece = rng.choice([b"\\ud83c", b"\\udcff", b"\xed\xa0\xbc", b"\xf0\x9f", b"\\ud83c\\u0000", b'"\\ud8'])
    # land inside a JSON-LD or a string half of the time: where it used to hurt
    for marker in (b'"headline":"', b'"name":"', b"<title>", b"<loc>"):
        at = data.find(marker)
        if at >= 0 and rng.random() < 0.5:
            at += len(marker)
            return data[:at] + piece + data[at:]
    return _insert(data, piece, rng)


def deep_nesting(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([300, 1500, 5000, 20000])
    opener, closer = rng.choice([(b"[", b"]"), (b'{"a":', b"}"), (b"<div>", b"</div>"), (b"<x>", b"</x>")])
    piece = opener * depth + closer * rng.choice([0, depth])
    for marker in (b'<script type="application/ld+json">', b"<channel>", b"<urlset", b"{"):
        at = data.find(marker)
        if at >= 0 and rng.random() < 0.5:
            at += len(marker)
            return data[:at] + piece + data[at:]
    return _insert(data, piece, rng)


def huge_attribute(data: bytes, rng: random.Random) -> bytes:
    size = rng.choice([10_000, 300_000, 2_000_000])
    piece = b'<a href="' + b"x" * size + b'" title="' + b"&#x1F30A;" * 1000 + b'">t</a>'
    return _insert(data, piece, rng)


def control_chars(data: bytes, rng: random.Random) -> bytes:
    out = data
    for _ in range(rng.randint(1, 6)):
        out = _insert(out, bytes([rng.choice([1, 2, 8, 11, 12, 14, 27, 31, 127])]), rng)
    return _insert(out, b"<script>x</script>" + bytes([rng.randrange(1, 32)]), rng)


def doctype_bomb(data: bytes, rng: random.Random) -> bytes:
    return rng.choice([b"<!DOCTYPE [", b"<!doctype x [ ]", b"<!DOCTYPE x [<!ENTITY a 'b'>"]) * rng.choice(
        [100, 5000, 40_000]) + data


def gzip_then_flip(data: bytes, rng: random.Random) -> bytes:
    packed = gzip.compress(data)
    return rng.choice([flip_bytes, truncate])(packed, rng)


MUTATIONS: list[Mutation] = [flip_bytes, truncate, surrogate_half, deep_nesting, huge_attribute, control_chars,
                             doctype_bomb, gzip_then_flip]


def mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One to three mutations in a row; returns (their names, the result)."""
    names = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        m = rng.choice(MUTATIONS)
        data = m(data, rng)
        names.append(m.__name__)
    return "+".join(names), data


# --- seeds: our own written inputs, and real pages when ../shared/data is there

def _now() -> datetime:
    return datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def seed_pages() -> list[bytes]:
    return [article_html(title=f"Storm {i} closes harbour", paragraphs=prose(i), published=_now(),
                         json_ld=i % 2 == 0, amp=i == 3).encode() for i in range(4)]


def real_pages(limit: int, rng: random.Random) -> list[bytes]:
    files = sorted(BENCHMARK_HTML.glob("*.html.gz")) if BENCHMARK_HTML.is_dir() else []
    return [gzip.decompress(f.read_bytes()) for f in rng.sample(files, min(limit, len(files)))]


def seed_feeds() -> list[bytes]:
    items = "".join(f"<item><title>Story {i} &amp; more</title><link>https://a.example/n/{i}.html</link>"
                    f"<pubDate>Mon, 02 Mar 2026 0{i}:00:00 +0000</pubDate><description>S {i}</description>"
                    f"<guid>https://a.example/n/{i}.html</guid></item>" for i in range(5))
    rss = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>F</title>{items}</channel></rss>'
    atom = ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>' + "".join(
        f'<entry><title>E {i}</title><link rel="alternate" href="/e/{i}"/><updated>2026-03-02T0{i}:00:00Z</updated>'
        f"<summary>x</summary></entry>" for i in range(4)) + "</feed>")
    rdf = ('<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
           'xmlns="http://purl.org/rss/1.0/"><item rdf:about="https://a.example/r/1"><title>R</title></item></rdf:RDF>')
    return [rss.encode(), atom.encode(), rdf.encode()]


def seed_sitemaps() -> list[bytes]:
    day = _now()
    urls = "".join(f"<url><loc>https://a.example/s/{i}.html</loc><lastmod>{(day - timedelta(hours=i)).isoformat()}"
                   f"</lastmod><news:news><news:publication><news:name>A</news:name><news:language>en"
                   f"</news:language></news:publication><news:publication_date>{day.isoformat()}"
                   f"</news:publication_date><news:title>T {i}</news:title></news:news></url>" for i in range(5))
    urlset = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
              'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + urls + "</urlset>")
    index = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + "".join(
        f"<sitemap><loc>https://a.example/sm-{i}.xml.gz</loc><lastmod>2026-03-0{i + 1}</lastmod></sitemap>"
        for i in range(3)) + "</sitemapindex>")
    return [urlset.encode(), gzip.compress(urlset.encode()), index.encode()]


def seed_json_lines() -> list[bytes]:
    rows = [{"url": f"https://a.example/j/{i}", "title": f"T {i}", "text": " ".join(prose(i)),
             "authors": ["Ann Lee"], "published": "2026-03-02T09:00:00Z", "nested": {"a": [1, 2, {"b": None}]}}
            for i in range(3)]
    return ["\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode() + b"\n",
            ("\n".join(json.dumps({"id": i, "text": "Grüße 🌊 " * 3}, ensure_ascii=i % 2 == 0)
                       for i in range(4)) + "\n").encode()]


# --- targets: run one input, raise only on a crash

class Crash(AssertionError):
    pass


def run_extract(data: bytes) -> None:
    """The extractor without its safety net (`_never_raises` catching everything): a crash
    here is a bug to fix even though a crawl would survive it. Its output, repaired as the
    net repairs it, must encode as UTF-8 JSON."""
    from newsagg.crawler import extract

    inner = getattr(extract.extract_article, "__wrapped__", extract.extract_article)
    page = getattr(extract, "_repaired", lambda p: p)(inner(data, "https://fuzz.example/news/1.html"))
    json.dumps(page.to_cli_json(), ensure_ascii=False).encode("utf-8")


def run_feed(data: bytes) -> None:
    from newsagg.crawler.discovery import DiscoveryError, parse_feed

    try:
        entries = parse_feed(data, "https://fuzz.example/feed.xml")
    except DiscoveryError:
        return
    for e in entries:
        e.url.encode("utf-8")


def run_sitemap(data: bytes) -> None:
    from newsagg.crawler.discovery import DiscoveryError, parse_sitemap

    try:
        parse_sitemap(data, "https://fuzz.example/sitemap.xml", 10 * 1024 * 1024)
    except DiscoveryError:
        return


def run_json_lines(data: bytes) -> None:
    from newsagg.core.jsonl import JsonLinesError, read_json_lines

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.jsonl"
        path.write_bytes(data)
        try:
            for _ in read_json_lines(path):
                pass
        except JsonLinesError:
            return


TARGETS: dict[str, tuple[Callable[[bytes], None], Callable[[], list[bytes]], str]] = {
    # name: (runner, seeds, file suffix of kept regression inputs)
    "extract": (run_extract, seed_pages, ".html"),
    "feed": (run_feed, seed_feeds, ".xml"),
    "sitemap": (run_sitemap, seed_sitemaps, ".xml"),
    "jsonl": (run_json_lines, seed_json_lines, ".jsonl"),
}


@dataclass
class Finding:
    target: str
    case: int
    mutation: str
    error: str
    data: bytes
    own_seed: bool = True  # mutated from our own written input, not from a third-party page

    def save(self, folder: Path = REGRESSIONS) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{self.target}-{self.mutation.split('+')[0]}-{self.case}{TARGETS[self.target][2]}"
        path = folder / name
        path.write_bytes(self.data)
        return path


def run_one(target: str, data: bytes) -> str | None:
    """None, or the crash (type, message and the innermost frames)."""
    runner = TARGETS[target][0]
    try:
        runner(data)
    except Exception as exc:  # noqa: BLE001  every unexpected exception is a finding
        tail = "".join(traceback.format_exception(exc)[-4:])
        return f"{type(exc).__name__}: {str(exc)[:200]}\n{tail}"
    return None


def campaign(target: str, n: int, seed: int, extra_seeds: list[bytes] = ()) -> tuple[int, list[Finding]]:
    """n mutated inputs of `target`'s seeds (plus extra_seeds); returns (inputs run, crashes)."""
    rng = random.Random(f"{target}:{seed}")
    own = list(TARGETS[target][1]())
    seeds = own + list(extra_seeds)
    findings = []
    for case in range(n):
        pick = rng.randrange(len(seeds))
        name, data = mutate(seeds[pick], rng)
        error = run_one(target, data)
        if error:
            findings.append(Finding(target, case, name, error, data, own_seed=pick < len(own)))
    return n, findings


def worth_keeping(findings: list[Finding], per_kind: int = 2, max_bytes: int = 300_000) -> list[Finding]:
    """The smallest few crashing inputs of each exception type: a regression corpus, not a dump.
    Only mutations of our own inputs: a real page's text stays in ../shared/data with its licence
    (reproduce those with the campaign's seed and case number instead)."""
    by_kind: dict[tuple[str, str], list[Finding]] = {}
    for f in sorted(findings, key=lambda f: len(f.data)):
        if len(f.data) <= max_bytes and f.own_seed:
            by_kind.setdefault((f.target, f.error.split(":", 1)[0]), []).append(f)
    return [f for group in by_kind.values() for f in group[:per_kind]]


def target_of(path: Path) -> str:
    """The target a kept regression input belongs to, from its file name."""
    return path.name.split("-", 1)[0]
