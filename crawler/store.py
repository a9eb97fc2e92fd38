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

REDIS_PREFIX = "newsagg:crawl:"


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

    def close(self) -> None:
        self.db.close()


class RedisCrawlStore(CrawlFrontier):
    def __init__(self, client):
        self.r = client

    def seen(self, url: str) -> bool:
        return bool(self.r.hexists(REDIS_PREFIX + "fetched", url))

    def fetched_at(self, url: str) -> float | None:
        value = self.r.hget(REDIS_PREFIX + "fetched", url)
        return float(value) if value is not None else None

    def mark(self, *urls: str) -> None:
        urls = [u for u in urls if u]
        if urls:
            now = time.time()
            self.r.hset(REDIS_PREFIX + "fetched", mapping={u: now for u in urls})

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

