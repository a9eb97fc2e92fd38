"""Ingest: archives (WARC, WARC.gz) and other tools' article exports (JSON Lines) enter newsagg
through the crawler's own path: the same extraction, the same seen-URL store, the same hand-off.

A WARC `response` record of an HTML page is a fetched page (target URI = page URL, WARC-Date =
fetch time); every other record is skipped and counted by reason. A JSON line is an article in
our schema or in the field names news-please and trafilatura write.

Broken input (a cut gzip member, a record with a wrong Content-Length, a WARC cut mid-record, a
line that is not a JSON object, binary bytes served as HTML) is counted and reported with its file
and byte offset or line; reading goes on at the next record. A page is marked in the store only
after the hand-off took it, so an interrupted ingest run again finishes the rest, and what is
already in is counted `unchanged` (a page whose article changed is handed off again: updated in
place, its id comes from its canonical URL).
"""
from __future__ import annotations

import contextlib
import glob
import gzip
import io
import json
import logging
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import urlsplit

import xxhash
from pydantic import ValidationError

from newsagg.core.errors import HandoffError
from newsagg.core.loader import load_object
from newsagg.core.schema import Article, is_article_id
from newsagg.core.settings import Settings, get_settings
from newsagg.crawler.extract import extract_article, looks_binary
from newsagg.crawler.extract.metadata import parse_datetime, split_names
from newsagg.crawler.extract.urls import clean_url, is_http_url, registered_parts
from newsagg.crawler.sources import Source, load_sources
from newsagg.crawler.spiders.news import DEFAULT_FRONTIER, reason_key, same_site
from newsagg.crawler.store import CrawlFrontier, Digest

log = logging.getLogger(__name__)

FORMATS = ("auto", "warc", "jsonl")
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json", ".json.gz")
HTML_TYPES = ("text/html", "application/xhtml+xml")
GZIP_MAGIC = b"\x1f\x8b\x08"
MAX_PROBLEMS_KEPT = 200  # problems listed in the result; all of them are counted and logged
# Article fields a JSON line may carry in; enrichment and story-engine fields are computed again.
CRAWLER_FIELDS = ("url", "canonical_url", "outlet", "domain", "country", "title", "text", "authors", "published",
                  "modified", "fetched", "language", "image", "section", "feed_title", "feed_summary")


class IngestError(RuntimeError):
    """Nothing can be ingested (no such file, unknown format): the message says what to do."""


class HandoffFailed(RuntimeError):
    """The pipeline did not take an article (broker unreachable); it is not marked, a re-run retries it."""


# --------------------------------------------------------------------------- what a reader yields

@dataclass
class Problem:
    """Broken input: where it is and what is wrong."""

    file: str
    where: str  # "offset 1234" or "line 7"
    reason: str

    def __str__(self) -> str:
        return f"{self.file} {self.where}: {self.reason}"


@dataclass
class Skip:
    """A record that is not an article page (request, revisit, image, 404, ...)."""

    reason: str


@dataclass
class FetchedPage:
    """An HTTP response for an HTML page, from an archive."""

    url: str
    body: bytes
    content_type: str | None
    fetched: datetime | None
    file: str
    where: str


@dataclass
class JsonArticle:
    """One JSON object of an article export."""

    data: dict
    file: str
    where: str


Item = Problem | Skip | FetchedPage | JsonArticle


@dataclass
class IngestStats:
    """What one ingest did; `read` counts records and lines, the rest what became of them."""

    files: int = 0
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    failed_by_reason: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    bytes_read: int = 0  # of all files, for the progress bar's ETA
    bytes_total: int = 0
    file_pos: int = 0  # where the reader is in the current file
    seconds: float = 0.0

    @property
    def articles(self) -> int:
        return self.new + self.updated

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def fail(self, problem: Problem, kind: str) -> None:
        self.failed += 1
        self.failed_by_reason[kind] = self.failed_by_reason.get(kind, 0) + 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(problem)
        log.warning("input not ingested", extra={"file": problem.file, "where": problem.where,
                                                 "reason": problem.reason})

    def to_json(self) -> dict[str, Any]:
        return {"files": self.files, "read": self.read, "new": self.new, "updated": self.updated,
                "unchanged": self.unchanged, "skipped": dict(sorted(self.skipped.items())),
                "failed": self.failed, "failed_by_reason": dict(sorted(self.failed_by_reason.items())),
                "problems": [p.__dict__ for p in self.problems], "seconds": round(self.seconds, 3),
                "articles_per_s": round(self.articles / self.seconds, 1) if self.seconds else 0.0}


# --------------------------------------------------------------------------- finding the files

def _format_of(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    return None


def _sniff(path: Path) -> str | None:
    """Format from the first bytes, for files named neither .warc nor .jsonl."""
    try:
        with path.open("rb") as fh:
            head = fh.read(64)
            if head.startswith(GZIP_MAGIC[:2]):
                fh.seek(0)
                head = gzip.GzipFile(fileobj=fh).read(64)
    except (OSError, EOFError, zlib.error):
        return None
    head = head.lstrip()
    if head.startswith(b"WARC/"):
        return "warc"
    if head.startswith(b"{"):
        return "jsonl"
    return None


def expand_inputs(paths: Iterable[str | Path], fmt: str = "auto") -> list[tuple[Path, str]]:
    """Files named, in directories (recursively) and matched by globs, each with its format.
    Raises IngestError for a path that matches nothing or a file of unknown format."""
    out: list[tuple[Path, str]] = []
    for raw in paths:
        raw = str(raw)
        matches = [Path(m) for m in sorted(glob.glob(raw, recursive=True))] if glob.has_magic(raw) else [Path(raw)]
        if not matches or not matches[0].exists():
            raise IngestError(f"{raw}: no such file or directory (give WARC / WARC.gz / JSON Lines files, "
                              "directories of them, or a glob such as 'crawl/*.warc.gz')")
        for path in matches:
            in_dir = path.is_dir()
            for file in sorted(p for p in path.rglob("*") if p.is_file()) if in_dir else [path]:
                kind = fmt if fmt != "auto" else (_format_of(file) or _sniff(file))
                if kind is None:
                    if in_dir:
                        continue  # other files in a directory (READMEs, indexes) are not input
                    raise IngestError(f"{file}: neither WARC nor JSON Lines; pass --format warc or --format jsonl")
                out.append((file, kind))
    return out


# --------------------------------------------------------------------------- WARC

@contextlib.contextmanager
def _quiet_warcio():
    """warcio prints its 'perhaps Content-Length is invalid' warning to stderr; we report it
    ourselves (with file and offset), counted, through err_count."""
    with contextlib.redirect_stderr(io.StringIO()):
        yield


def _why(exc: BaseException) -> str:
    """An exception as one short printable line (warcio quotes the raw bytes it choked on)."""
    text = " ".join(str(exc).split())
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return f"{type(exc).__name__}: {text[:160]}"


def _resync(fh, after: int, gz: bool) -> int | None:
    """Offset of the next record start after `after`: a gzip member header in a WARC.gz,
    a 'WARC/1.' line in a plain WARC; None at the end of the file."""
    marker = GZIP_MAGIC if gz else b"WARC/1."
    pos = after
    while True:
        fh.seek(pos)
        chunk = fh.read(1 << 20)
        if len(chunk) < len(marker):
            return None
        i = chunk.find(marker)
        while i >= 0 and not gz and pos + i > 0 and chunk[i - 1:i] != b"\n" and i > 0:
            i = chunk.find(marker, i + 1)
        if i >= 0:
            return pos + i
        pos += len(chunk) - len(marker) + 1


def _record_item(record, file: str, where: str, max_bytes: int) -> Item:
    """What one WARC record is for us; reads the payload of an HTML response."""
    rec_type = (record.rec_type or "unknown").lower()
    if rec_type != "response":
        return Skip(f"record_{rec_type}")
    if record.http_headers is None or not record.http_headers.get_statuscode():
        return Skip("not_http")
    status = int(record.http_headers.get_statuscode() or 0)
    if 300 <= status < 400:
        return Skip("redirect")
    if not 200 <= status < 300:
        return Skip("http_error")
    content_type = record.http_headers.get_header("Content-Type")
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime and mime not in HTML_TYPES:
        return Skip("not_html")
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    if not is_http_url(url.strip("<>")):
        return Problem(file, where, f"response record without an http(s) target URI ({url[:100]!r})")
    try:
        body = record.content_stream().read(max_bytes + 1)
    except (OSError, ValueError, EOFError, zlib.error) as exc:
        return Problem(file, where, f"content not decodable ({_why(exc)})")
    if len(body) > max_bytes:
        return Skip("too_large")
    fetched = parse_datetime(record.rec_headers.get_header("WARC-Date"))
    return FetchedPage(url.strip("<>"), body, content_type, fetched, file, where)


class _NotChunked(Exception):
    """A .warc.gz compressed as one gzip stream, not one member a record."""


def read_warc(path: Path, max_bytes: int, stats: IngestStats | None = None) -> Iterator[Item]:
    """Every record of a WARC or WARC.gz file as an Item; a broken record is a Problem and
    reading resumes at the next record start found after it."""
    with path.open("rb") as raw:
        gz = raw.read(2) == GZIP_MAGIC[:2]
        position = raw.tell
        done = 0
        try:
            for item in _read_records(raw, str(path), gz, path.stat().st_size, max_bytes, stats, position):
                done += 1
                yield item
        except _NotChunked:
            # Whole-file gzip (someone ran gzip on a .warc): read the decompressed stream, offsets
            # then count uncompressed bytes; skip what the first pass already gave.
            raw.seek(0)
            stream = gzip.GzipFile(fileobj=raw)
            items = _read_records(stream, str(path), False, None, max_bytes, stats, position, "uncompressed offset")
            for n, item in enumerate(items):
                if n >= done:
                    yield item


def _read_records(fh, file: str, gz: bool, size: int | None, max_bytes: int, stats: IngestStats | None,
                  position: Callable[[], int], label: str = "offset") -> Iterator[Item]:
    from warcio.archiveiterator import ArchiveIterator

    start: int | None = 0
    last_start = -1
    while start is not None and start > last_start:
        last_start = start
        fh.seek(start)
        it = ArchiveIterator(fh)
        start = None
        while True:
            offset = it.offset
            where = f"{label} {offset}"
            try:
                with _quiet_warcio():
                    record = next(it)
            except StopIteration:
                rest = (size - it.offset) if size is not None else 0
                if rest > 4:  # more than the blank lines after the last record
                    yield Problem(file, f"{label} {it.offset}",
                                  f"file ends inside a record ({rest} bytes after the last complete record; cut?)")
                break
            except Exception as exc:  # warcio raises ArchiveLoadFailed, zlib.error, EOFError, ValueError...
                if gz and "non-chunked gzip" in str(exc):
                    raise _NotChunked() from exc
                yield Problem(file, where, f"unreadable record ({_why(exc)})")
                start = _resync(fh, offset + 1, gz)
                break
            errors = it.err_count
            try:
                with _quiet_warcio():
                    item = _record_item(record, file, where, max_bytes)
                    it.read_to_end()
            except Exception as exc:
                yield Problem(file, where, f"record cut or corrupt ({_why(exc)})")
                start = _resync(fh, offset + 1, gz)
                break
            if stats is not None:
                stats.file_pos = position()
            missing = getattr(record.raw_stream, "limit", 0)
            if missing > 0:
                yield Problem(file, where, f"record cut short: {missing} bytes of its Content-Length missing")
                start = _resync(fh, offset + 1, gz)  # a cut gzip member breaks the stream after it
                break
            if it.err_count > errors:
                yield Problem(file, where, "wrong Content-Length: the record does not end where it says")
                start = _resync(fh, offset + 1, gz)
                break
            yield item


# --------------------------------------------------------------------------- JSON Lines

def read_jsonl(path: Path, stats: IngestStats | None = None) -> Iterator[Item]:
    """Every non-blank line as a JsonArticle, or a Problem naming the line."""
    file = str(path)
    with path.open("rb") as raw:
        gz = raw.read(2) == GZIP_MAGIC[:2]
        raw.seek(0)
        fh = gzip.GzipFile(fileobj=raw) if gz else raw
        n = 0
        while True:
            try:
                line = fh.readline()
            except (OSError, EOFError, zlib.error) as exc:
                yield Problem(file, f"line {n + 1}", f"file cut or corrupt ({type(exc).__name__}: {exc})")
                return
            if not line:
                return
            n += 1
            if stats is not None:
                stats.file_pos = raw.tell()
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except UnicodeDecodeError:
                yield Problem(file, f"line {n}", "not UTF-8 text")
                continue
            except ValueError as exc:
                yield Problem(file, f"line {n}", f"not JSON ({getattr(exc, 'msg', exc)})")
                continue
            if not isinstance(value, dict):
                yield Problem(file, f"line {n}", f"a JSON {type(value).__name__}, not an object with article fields")
                continue
            yield JsonArticle(value, file, f"line {n}")


def _first(data: dict, *names: str) -> Any:
    for name in names:
        value = data.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def _authors(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    if isinstance(value, str):
        # trafilatura joins authors with '; '
        return [n for part in value.split(";") for n in split_names(part)]
    return []


def json_fields(data: dict) -> dict[str, Any]:
    """Article fields from our schema, news-please (`maintext`, `date_publish`, ...) or
    trafilatura (`raw_text`, `date`, `author`, `source`, ...); other fields are ignored."""
    out = {k: data[k] for k in CRAWLER_FIELDS if data.get(k) not in (None, "", [])}
    url = _first(data, "url", "source", "source_url")
    out["url"] = url
    out["canonical_url"] = _first(data, "canonical_url") or url
    out["title"] = _first(data, "title", "title_page", "title_rss", "headline") or ""
    out["text"] = _first(data, "text", "maintext", "raw_text", "articleBody", "body") or ""
    out["authors"] = _authors(_first(data, "authors", "author"))
    for name, keys in (("published", ("published", "date_publish", "date", "datePublished")),
                       ("modified", ("modified", "date_modify", "dateModified")),
                       ("fetched", ("fetched", "date_download"))):
        value = parse_datetime(_first(data, *keys))
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    language = _first(data, "language", "lang", "inLanguage")
    out["language"] = str(language).replace("_", "-").split("-")[0].lower() if language else None
    out["image"] = _first(data, "image", "image_url")
    return out


# --------------------------------------------------------------------------- outlets

class Outlets:
    """The outlet of a page: a sources-file outlet whose host matches, else the registered
    domain (tldextract's bundled public-suffix snapshot; never fetched from the network)."""

    def __init__(self, sources: list[Source] | None = None):
        self.by_host: dict[str, Source] = {}
        for source in sources or []:
            for netloc in source.netlocs():
                self.by_host.setdefault(netloc.removeprefix("www."), source)
        self._cache: dict[str, tuple[str | None, Source | None]] = {}

    def _registered(self, host: str) -> str | None:
        return registered_parts(host)[1] or host or None

    def lookup(self, url: str) -> tuple[str | None, Source | None]:
        """(outlet name, its sources entry or None)."""
        netloc = urlsplit(url).netloc.lower().removeprefix("www.")
        if netloc not in self._cache:
            source = None
            labels = netloc.split(".")
            for i in range(len(labels) - 1):  # news.example.org matches an outlet on example.org
                source = self.by_host.get(".".join(labels[i:]))
                if source:
                    break
            host = urlsplit(url).hostname or ""
            self._cache[netloc] = (source.name, source) if source else (self._registered(host), None)
        return self._cache[netloc]


# --------------------------------------------------------------------------- the hand-off

def handoff(article: Article, settings: Settings) -> str:
    """The crawler's hand-off: the sink its settings name (`crawl_sink`, the one the Scrapy
    pipeline loads; by default the pipeline: embedded in this process, distributed a Celery
    task on Redis). The only place this module hands an article on."""
    try:
        return load_object(settings.crawl_sink)(article, settings)
    except HandoffError as exc:
        raise HandoffFailed(str(exc)) from exc


def open_frontier(settings: Settings) -> CrawlFrontier:
    """The crawler's seen-URL store, from the same factory a crawl uses (the composition root's)."""
    return load_object(DEFAULT_FRONTIER)(settings)


# --------------------------------------------------------------------------- the ingest

def _payload_digest(body: bytes) -> str:
    return xxhash.xxh3_128_hexdigest(body)


class Ingester:
    """Reads inputs and offers every article to the seen-URL store and the hand-off.

    extract_processes > 0: pages are extracted in that many helper processes while this one
    runs the store and the hand-off (embedded: the whole pipeline), results taken in input
    order; a backfill then costs about the larger of extraction and pipeline, not their sum."""

    WINDOW_PER_PROCESS = 8  # pages in flight per helper process

    def __init__(self, settings: Settings | None = None, sources: list[Source] | None = None,
                 submit: Callable[[Article, Settings], str] = handoff, extract_processes: int = 0):
        self.settings = settings or get_settings()
        self.outlets = Outlets(sources)
        self.submit = submit
        self.store = open_frontier(self.settings)
        self.max_bytes = self.settings.download_maxsize_mb * 1024 * 1024
        self.stats = IngestStats()
        self.extract_processes = extract_processes
        self._pool = None
        self._pending: deque[tuple[FetchedPage, str, str, Any]] = deque()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        self.store.close()

    def _extractor_pool(self):
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn: the helpers must not inherit this process's SQLite handles or sockets
            self._pool = ProcessPoolExecutor(self.extract_processes, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def run(self, inputs: list[tuple[Path, str]], limit: int | None = None,
            progress: Callable[[IngestStats], None] | None = None, progress_every_s: float = 0.25) -> IngestStats:
        stats = self.stats
        started = time.monotonic()
        stats.bytes_total = sum(p.stat().st_size for p, _ in inputs)
        done_bytes = 0
        last = 0.0
        try:
            for path, kind in inputs:
                stats.files += 1
                items = read_warc(path, self.max_bytes, stats) if kind == "warc" else read_jsonl(path, stats)
                file_bytes = path.stat().st_size
                stats.file_pos = 0
                try:
                    for item in items:
                        self._take(item)
                        stats.bytes_read = done_bytes + stats.file_pos
                        now = time.monotonic()
                        if progress and now - last >= progress_every_s:
                            last = now
                            stats.seconds = now - started
                            progress(stats)
                        if limit is not None and stats.read >= limit:
                            return stats
                except OSError as exc:
                    stats.fail(Problem(str(path), "file", f"cannot read: {exc}"), "unreadable_file")
                done_bytes += file_bytes
                stats.bytes_read = done_bytes
        finally:
            self._drain(0)
            stats.seconds = time.monotonic() - started
            if progress:
                progress(stats)
        return stats

    # one item
    def _take(self, item: Item) -> None:
        stats = self.stats
        stats.read += 1
        if isinstance(item, Skip):
            stats.skip(item.reason)
        elif isinstance(item, Problem):
            stats.fail(item, "broken_input")
        elif isinstance(item, FetchedPage):
            self._page(item)
        else:
            self._json(item)

    def _page(self, page: FetchedPage) -> None:
        stats = self.stats
        try:
            url = clean_url(page.url)
        except ValueError:
            stats.fail(Problem(page.file, page.where, f"malformed target URI {page.url[:100]!r}"), "broken_input")
            return
        payload = _payload_digest(page.body)
        old = self.store.digest(url)
        if old is not None and old.payload == payload:  # the same bytes as last time: nothing to extract
            if old.content.startswith("skip:"):
                stats.skip(old.content[5:])
            else:
                stats.unchanged += 1
            return
        if not self.extract_processes:
            self._extracted(page, url, payload, extract_article(page.body, page.url, page.content_type))
            return
        future = self._extractor_pool().submit(extract_article, page.body, page.url, page.content_type)
        self._pending.append((page, url, payload, future))
        self._drain(self.WINDOW_PER_PROCESS * self.extract_processes)

    def _drain(self, keep: int) -> None:
        """Finish pages extracted in the helpers, oldest first, until `keep` are in flight."""
        while len(self._pending) > keep:
            page, url, payload, future = self._pending.popleft()
            try:
                extracted = future.result()
            except Exception as exc:  # a helper died on this page (or the pool broke): reported, the rest go on
                self.stats.fail(Problem(page.file, page.where, f"extraction failed ({_why(exc)})"), "extraction")
                if self._pool is not None and getattr(self._pool, "_broken", False):
                    self._restart_pool()
                continue
            self._extracted(page, url, payload, extracted)

    def _restart_pool(self) -> None:
        """A helper process died: a new pool, and the pages that were in flight go to it again."""
        pending = list(self._pending)
        self._pending.clear()
        self._pool.shutdown(cancel_futures=True)
        self._pool = None
        pool = self._extractor_pool()
        for page, url, payload, _ in pending:
            self._pending.append((page, url, payload, pool.submit(extract_article, page.body, page.url,
                                                                  page.content_type)))

    def _extracted(self, page: FetchedPage, url: str, payload: str, extracted) -> None:
        stats = self.stats
        if not extracted.is_article:
            if getattr(extracted, "error", None):  # the extractor failed on this page (a library's bug)
                stats.fail(Problem(page.file, page.where, f"extraction failed: {extracted.error}"), "extraction")
                return
            if looks_binary(page.body):
                stats.fail(Problem(page.file, page.where, f"binary content served as HTML ({page.url})"),
                           "binary_as_html")
                return
            reason = reason_key(extracted.skip_reason or "")
            stats.skip(reason)
            self.store.mark(url)
            self.store.save_digest(Digest(payload, f"skip:{reason}"), url)
            return
        canonical = extracted.canonical_url
        if not same_site(canonical, url):
            canonical = url  # a copy pointing at another outlet is still this outlet's article
        outlet, source = self.outlets.lookup(canonical)
        article = Article(
            url=url, canonical_url=canonical, outlet=outlet, domain=urlsplit(canonical).hostname,
            country=source.country if source else None, title=extracted.title, text=extracted.text,
            authors=extracted.authors, published=extracted.published, modified=extracted.modified,
            fetched=page.fetched or datetime.now().astimezone(), language=extracted.language or (source.language if source else None),
            image=extracted.image, section=extracted.section)
        self._offer(article, [url, canonical], payload, page.file, page.where)

    def _json(self, item: JsonArticle) -> None:
        stats = self.stats
        data = item.data
        if data.get("skip_reason"):  # `newsagg extract` output of a page that is not an article
            stats.skip(reason_key(str(data["skip_reason"])))
            return
        given_id = data.get("id") or None
        if given_id is not None and not is_article_id(given_id):
            # the pipeline takes only its own ids (from the canonical URL); a foreign one is refused here,
            # with its line, rather than dead-lettered later
            stats.fail(Problem(item.file, item.where, f"invalid id {str(given_id)[:60]!r}: not a newsagg article id "
                                                      "(20 hex digits); remove the field and it is computed"),
                       "invalid_id")
            return
        fields = json_fields(data)
        if not fields["url"] or not is_http_url(str(fields["url"])):
            stats.fail(Problem(item.file, item.where, "no http(s) url (url, source or source_url)"), "no_url")
            return
        if not str(fields["text"]).strip():
            stats.skip("no_text")
            return
        try:
            url = clean_url(str(fields["url"]))
            canonical = clean_url(str(fields["canonical_url"]))
            outlet, source = self.outlets.lookup(canonical)
            fields.update(url=url, canonical_url=canonical)
            fields.setdefault("outlet", outlet)
            fields.setdefault("domain", urlsplit(canonical).hostname)
            if source:
                fields.setdefault("country", source.country)
                fields["language"] = fields.get("language") or source.language
            article = Article(id=given_id or "", **{k: v for k, v in fields.items() if v is not None})
        except (ValidationError, ValueError, TypeError) as exc:
            stats.fail(Problem(item.file, item.where, f"not an article: {str(exc).splitlines()[0][:200]}"), "invalid_article")
            return
        self._offer(article, [url, canonical], None, item.file, item.where)

    def _offer(self, article: Article, urls: list[str], payload: str | None, file: str, where: str) -> None:
        """New, updated or unchanged against the store; handed off unless unchanged; marked after."""
        stats = self.stats
        key = article.canonical_url
        old = self.store.digest(key)
        digest = Digest(payload, article.content_hash)
        if old is not None and old.content == article.content_hash:
            stats.unchanged += 1
            if payload and old.payload != payload:
                self.store.save_digest(digest, *urls)
            return
        seen = old is not None or self.store.seen(key)
        try:
            self.submit(article, self.settings)
        except HandoffFailed as exc:
            stats.fail(Problem(file, where, f"not handed off ({exc}); run the ingest again"), "handoff")
            return
        self.store.mark(*urls)
        self.store.save_digest(digest, *urls)
        if seen:
            stats.updated += 1
        else:
            stats.new += 1


def merge(total: IngestStats, part: IngestStats) -> None:
    """Add one file's counts (from a child process) to the run's."""
    for name in ("files", "read", "new", "updated", "unchanged", "failed", "bytes_read"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    for mine, theirs in ((total.skipped, part.skipped), (total.failed_by_reason, part.failed_by_reason)):
        for k, v in theirs.items():
            mine[k] = mine.get(k, 0) + v
    total.problems.extend(part.problems[: MAX_PROBLEMS_KEPT - len(total.problems)])


def _ingest_file(path: Path, kind: str, settings: Settings, sources: list[Source] | None) -> IngestStats:
    """One file in a child process (parallel ingest, distributed only)."""
    from newsagg.core.logs import configure_logging

    configure_logging(settings.log_level, json_lines=settings.log_json)
    ingester = Ingester(settings, sources)
    try:
        return ingester.run([(path, kind)])
    finally:
        ingester.close()


def _ingest_parallel(inputs: list[tuple[Path, str]], settings: Settings, sources: list[Source] | None,
                     processes: int, progress: Callable[[IngestStats], None] | None) -> IngestStats:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    total = IngestStats(bytes_total=sum(p.stat().st_size for p, _ in inputs))
    started = time.monotonic()
    # spawn: a child must not inherit the parent's Redis connections or SQLite handles
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(_ingest_file, path, kind, settings, sources): path for path, kind in inputs}
        for future in as_completed(futures):
            try:
                part = future.result()
            except Exception as exc:  # a child that died: its file is reported, the others go on
                part = IngestStats(files=1)
                part.fail(Problem(str(futures[future]), "file", f"ingest process failed ({_why(exc)}); "
                                                               "run the ingest again"), "process")
            part.bytes_read = futures[future].stat().st_size
            merge(total, part)
            total.seconds = time.monotonic() - started
            if progress:
                progress(total)
    total.seconds = time.monotonic() - started
    return total


AUTO_HELPERS_MIN_BYTES = 4 * 1024 * 1024  # below this, starting helper processes costs more than it saves


def auto_extract_processes(inputs: list[tuple[Path, str]]) -> int:
    """Helpers for a WARC input of some size on a machine with cores to spare: up to 3, one core
    left to this process (the store and the hand-off; embedded, the whole pipeline)."""
    import os

    warc_bytes = sum(p.stat().st_size for p, kind in inputs if kind == "warc")
    if warc_bytes < AUTO_HELPERS_MIN_BYTES:
        return 0
    return max(0, min((os.cpu_count() or 1) - 1, 3))


def ingest(paths: Iterable[str | Path], fmt: str = "auto", sources_file: Path | str | None = None,
           limit: int | None = None, settings: Settings | None = None,
           progress: Callable[[IngestStats], None] | None = None, processes: int = 1,
           extract_processes: int | None = 0) -> IngestStats:
    """Ingest WARC / JSON Lines files (paths, directories, globs); see the module doc.
    processes > 1 (distributed only): files are read in that many processes at once.
    extract_processes: helper processes extracting pages for this one (0: extract in this
    process; None: auto, see auto_extract_processes, what `newsagg ingest` does; the helpers
    are spawned, so a script calling this needs the `if __name__ == "__main__":` guard).
    Raises IngestError (and SourcesError) before reading anything when an input is unusable."""
    if fmt not in FORMATS:
        raise IngestError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    settings = settings or get_settings()
    if processes > 1 and not settings.distributed:
        raise IngestError("--processes needs the distributed setup (REDIS_URL): the embedded story engine "
                          "and search store belong to one process; run without --processes")
    if processes > 1 and limit is not None:
        raise IngestError("--limit reads one file after the other; run it without --processes")
    inputs = expand_inputs(paths, fmt)
    sources = load_sources(sources_file) if sources_file else None
    if processes > 1 and len(inputs) > 1:
        return _ingest_parallel(inputs, settings, sources, processes, progress)
    helpers = auto_extract_processes(inputs) if extract_processes is None else extract_processes
    ingester = Ingester(settings, sources, extract_processes=helpers)
    try:
        return ingester.run(inputs, limit=limit, progress=progress)
    finally:
        ingester.close()
