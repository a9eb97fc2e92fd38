"""What the crawler remembers between runs: URLs already fetched (and when), the
ETag / Last-Modified of each feed and sitemap for conditional GET, and the child
sitemaps of each sitemap index (an unchanged index can still have changed children), and
for pages read from archives what they held (`Digest`), so a re-ingest skips what did not change.

Embedded: SQLite under settings.data_dir. Distributed: Redis, shared by every
crawler process. Which one a crawl uses is the composition root's choice (newsagg.runtime),
named in the crawl's Scrapy settings (NEWSAGG_CRAWL_FRONTIER).
"""
from __future__ import annotations

import json
import sqlite3
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from newsagg.core.iters import batched

REDIS_PREFIX = "newsagg:crawl:"
FETCHED_KEY = REDIS_PREFIX + "fetched-at"  # sorted set: URL -> time fetched, pruned by `maintain`
DUPEFILTER_KEY = REDIS_PREFIX + "requests-seen"  # sorted set: request fingerprint -> time (crawler.dupefilter)
# Unbounded keys of earlier versions: a hash URL -> time (moved into FETCHED_KEY) and
# scrapy-redis's fingerprint set (dropped: fingerprints only matter within a crawl).
LEGACY_FETCHED_KEY, LEGACY_DUPEFILTER_KEY = REDIS_PREFIX + "fetched", REDIS_PREFIX + "dupefilter"


@dataclass(frozen=True)
class Digest:
    """What an ingested page held when it was handed off: a hash of its raw bytes (None for an
    article read from JSON Lines) and what came out of it (the article's content hash, or
    'skip:REASON' for a page that is not an article), so an unchanged page is not extracted again."""

    payload: str | None
    content: str

    def encode(self) -> str:
        return f"{self.payload or ''} {self.content}"

    @classmethod
    def decode(cls, raw: str | bytes | None) -> "Digest | None":
        if raw is None:
            return None
        payload, _, content = (raw.decode() if isinstance(raw, bytes) else raw).partition(" ")
        return cls(payload or None, content)


class CrawlFrontier(ABC):
    """The contract of the crawler's memory (tests/test_frontier_contract.py): when each URL
    was fetched, the HTTP validators of each feed/sitemap, the children of each sitemap index."""

    def seen(self, url: str) -> bool:
        return self.fetched_at(url) is not None

    @abstractmethod
    def fetched_at(self, url: str) -> float | None:
        """Unix time the URL was last marked fetched, None if never."""

    @abstractmethod
    def mark(self, *urls: str) -> None:
        """Mark these URLs fetched now (empty strings are ignored)."""

    @abstractmethod
    def validators(self, url: str) -> dict[str, str]:
        """The ETag / Last-Modified saved for `url` ({} if none)."""

    @abstractmethod
    def save_validators(self, url: str, values: dict[str, str]) -> None: ...

    @abstractmethod
    def children(self, url: str) -> list[str]:
        """The child sitemaps saved for the sitemap index `url` ([] if none)."""

    @abstractmethod
    def save_children(self, url: str, urls: list[str]) -> None: ...

    @abstractmethod
    def digest(self, url: str) -> Digest | None:
        """What the page at `url` held when `newsagg ingest` last handed it off (None if never)."""

    @abstractmethod
    def save_digest(self, digest: Digest, *urls: str) -> None: ...

    @abstractmethod
    def prune(self, fetched_before: float, requests_before: float | None = None) -> int:
        """Forget URLs marked fetched before `fetched_before` (Unix time) and, distributed,
        request fingerprints seen before `requests_before`; returns the URLs forgotten."""

    def close(self) -> None:
        """Release what the store holds (a shared Redis client is the runtime's to close)."""


class SqliteCrawlStore(CrawlFrontier):
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: safe against a crashed process; a power cut may lose the last marks,
        # which only means those pages are fetched once more. FULL costs ~3 ms per mark.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS fetched (url TEXT PRIMARY KEY, at REAL NOT NULL)")
        self.db.execute("CREATE TABLE IF NOT EXISTS validators (url TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self.db.execute("CREATE TABLE IF NOT EXISTS children (url TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self.db.execute("CREATE TABLE IF NOT EXISTS digests (url TEXT PRIMARY KEY, value TEXT NOT NULL)")

    def fetched_at(self, url: str) -> float | None:
        row = self.db.execute("SELECT at FROM fetched WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def mark(self, *urls: str) -> None:
        now = time.time()
        self.db.executemany("INSERT OR REPLACE INTO fetched VALUES (?, ?)", [(u, now) for u in urls if u])

    def validators(self, url: str) -> dict[str, str]:
        row = self.db.execute("SELECT value FROM validators WHERE url = ?", (url,)).fetchone()
        return json.loads(row[0]) if row else {}

    def save_validators(self, url: str, values: dict[str, str]) -> None:
        self.db.execute("INSERT OR REPLACE INTO validators VALUES (?, ?)", (url, json.dumps(values)))

    def children(self, url: str) -> list[str]:
        row = self.db.execute("SELECT value FROM children WHERE url = ?", (url,)).fetchone()
        return json.loads(row[0]) if row else []

    def save_children(self, url: str, urls: list[str]) -> None:
        self.db.execute("INSERT OR REPLACE INTO children VALUES (?, ?)", (url, json.dumps(urls)))

    def digest(self, url: str) -> Digest | None:
        row = self.db.execute("SELECT value FROM digests WHERE url = ?", (url,)).fetchone()
        return Digest.decode(row[0]) if row else None

    def save_digest(self, digest: Digest, *urls: str) -> None:
        self.db.executemany("INSERT OR REPLACE INTO digests VALUES (?, ?)", [(u, digest.encode()) for u in urls if u])

    def prune(self, fetched_before: float, requests_before: float | None = None) -> int:
        with self.db:
            # an archived page's digest goes with the URL: forgotten pages are read as new again
            self.db.execute("DELETE FROM digests WHERE url IN (SELECT url FROM fetched WHERE at < ?)",
                            (fetched_before,))
            return self.db.execute("DELETE FROM fetched WHERE at < ?", (fetched_before,)).rowcount

    def close(self) -> None:
        self.db.close()


class RedisCrawlStore(CrawlFrontier):
    """URLs fetched in a sorted set by time (pruned by `maintain`), validators and sitemap
    children in hashes (one entry per feed or sitemap: small)."""

    def __init__(self, client):
        self.r = client

    def fetched_at(self, url: str) -> float | None:
        value = self.r.zscore(FETCHED_KEY, url)
        if value is None and self.r.exists(LEGACY_FETCHED_KEY):  # not moved yet (maintain moves it)
            legacy = self.r.hget(LEGACY_FETCHED_KEY, url)
            value = float(legacy) if legacy is not None else None
        return value

    def mark(self, *urls: str) -> None:
        urls = [u for u in urls if u]
        if urls:
            now = time.time()
            self.r.zadd(FETCHED_KEY, {u: now for u in urls})

    def prune(self, fetched_before: float, requests_before: float | None = None) -> int:
        self._move_legacy()
        removed = 0
        while True:  # a thousand at a time, so an archived page's digest goes with its URL
            old = self.r.zrangebyscore(FETCHED_KEY, "-inf", f"({fetched_before!r}", start=0, num=1000)
            if not old:
                break
            pipe = self.r.pipeline(transaction=False)
            pipe.zrem(FETCHED_KEY, *old)
            pipe.hdel(REDIS_PREFIX + "digests", *old)
            removed += pipe.execute()[0]
        if requests_before is not None:
            self.r.zremrangebyscore(DUPEFILTER_KEY, "-inf", f"({requests_before!r}")
        return removed

    def _move_legacy(self) -> None:
        """Move the hash of earlier versions into the sorted set; drop their fingerprint set."""
        if self.r.type(LEGACY_DUPEFILTER_KEY) == b"set":
            self.r.unlink(LEGACY_DUPEFILTER_KEY)
        if self.r.type(LEGACY_FETCHED_KEY) != b"hash":
            return
        for batch in batched(self.r.hscan_iter(LEGACY_FETCHED_KEY, count=1000), 1000):
            self.r.zadd(FETCHED_KEY, {url: float(at) for url, at in batch}, nx=True)
        self.r.unlink(LEGACY_FETCHED_KEY)

    def validators(self, url: str) -> dict[str, str]:
        raw = self.r.hget(REDIS_PREFIX + "validators", url)
        return json.loads(raw) if raw else {}

    def save_validators(self, url: str, values: dict[str, str]) -> None:
        self.r.hset(REDIS_PREFIX + "validators", url, json.dumps(values))

    def children(self, url: str) -> list[str]:
        raw = self.r.hget(REDIS_PREFIX + "children", url)
        return json.loads(raw) if raw else []

    def save_children(self, url: str, urls: list[str]) -> None:
        self.r.hset(REDIS_PREFIX + "children", url, json.dumps(urls))

    def digest(self, url: str) -> Digest | None:
        return Digest.decode(self.r.hget(REDIS_PREFIX + "digests", url))

    def save_digest(self, digest: Digest, *urls: str) -> None:
        urls = [u for u in urls if u]
        if urls:
            self.r.hset(REDIS_PREFIX + "digests", mapping={u: digest.encode() for u in urls})


