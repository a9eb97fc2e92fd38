"""Writing WARC files with warcio for the ingest tests and benchmark: pages we wrote or real
pages of the extraction benchmark, plus the other record kinds archives hold."""
from __future__ import annotations

import gzip
import io
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, Iterable
from urllib.parse import urlsplit, urlunsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


@dataclass
class Capture:
    """One fetched page as an archive keeps it."""

    url: str
    body: bytes
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    date: datetime = datetime(2026, 11, 30, 8, 15, tzinfo=timezone.utc)
    kind: str = "response"  # or resource, revisit, metadata, request


def _warc_date(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_record(writer: WARCWriter, c: Capture) -> None:
    headers = {"WARC-Date": _warc_date(c.date)}
    if c.kind == "response":
        http = StatusAndHeaders(f"{c.status} {'OK' if c.status == 200 else 'Status'}",
                                [("Content-Type", c.content_type), ("Content-Length", str(len(c.body)))],
                                protocol="HTTP/1.1")
        rec = writer.create_warc_record(c.url, "response", payload=io.BytesIO(c.body), http_headers=http,
                                        warc_headers_dict=headers)
    elif c.kind == "request":
        http = StatusAndHeaders(f"GET {c.url} HTTP/1.1", [("Host", "example")], is_http_request=True)
        rec = writer.create_warc_record(c.url, "request", payload=io.BytesIO(b""), http_headers=http,
                                        warc_headers_dict=headers)
    elif c.kind == "revisit":
        http = StatusAndHeaders("200 OK", [("Content-Type", c.content_type)], protocol="HTTP/1.1")
        rec = writer.create_revisit_record(c.url, "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", c.url, _warc_date(c.date),
                                           http_headers=http)
    else:  # resource, metadata
        rec = writer.create_warc_record(c.url, c.kind, payload=io.BytesIO(c.body), warc_content_type=c.content_type,
                                        warc_headers_dict=headers)
    writer.write_record(rec)


def write_warc(path: Path | BinaryIO, captures: Iterable[Capture], gz: bool | None = None) -> Path | BinaryIO:
    """A WARC (one gzip member a record when gz) with a warcinfo record first."""
    fh = path.open("wb") if isinstance(path, Path) else path
    gz = str(getattr(path, "name", "")).endswith(".gz") if gz is None else gz
    try:
        writer = WARCWriter(fh, gzip=gz)
        writer.write_record(writer.create_warcinfo_record(str(getattr(path, "name", "test.warc")),
                                                          {"software": "newsagg tests"}))
        for c in captures:
            write_record(writer, c)
    finally:
        if isinstance(path, Path):
            fh.close()
    return path


def record_offsets(path: Path) -> list[tuple[int, str | None]]:
    """(offset, target URI) of each record, read back with warcio."""
    from warcio.archiveiterator import ArchiveIterator

    out = []
    with path.open("rb") as fh:
        it = ArchiveIterator(fh)
        for rec in it:
            uri = rec.rec_headers.get_header("WARC-Target-URI")
            it.read_to_end()
            out.append((it.get_record_offset(), uri))
    return out


def benchmark_captures(root: Path, copies: int = 1, limit: int | None = None) -> list[Capture]:
    """The extraction benchmark's real pages as responses, `copies` times each under distinct URLs."""
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(truth)[:limit]:
        html = gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes())
        url = truth[key].get("url") or f"https://bench.example/{key}"
        pages.append((key, url, html))
    out = []
    for n in range(copies):
        for key, url, html in pages:
            out.append(Capture(url if n == 0 else _copy_url(url, n), html, content_type="text/html"))
    return out


def _copy_url(url: str, n: int) -> str:
    """The same page on another site (so its rel=canonical, pointing at the original outlet,
    is not taken: a distinct article, as a syndicated copy would be)."""
    parts = urlsplit(url)
    host = (parts.hostname or "bench").replace(".", "-")
    return urlunsplit((parts.scheme or "https", f"copy{n}.{host}.archive.test", parts.path or "/", parts.query, ""))
