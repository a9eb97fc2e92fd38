"""Dead letters: articles a step gave up on, with the error, kept until replayed.

One entry per article id (a second failure updates it and counts it), holding the
payload of the step that failed, so `replay` resumes exactly there. SQLite under
settings.data_dir embedded, a Redis hash distributed.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from newsagg.core.settings import Settings
from newsagg.workers.services import services

REDIS_KEY = "newsagg:deadletters"


@dataclass
class DeadLetter:
    article_id: str
    step: str  # handoff | enrich | assign | index
    reason: str  # invalid | rejected (by the store) | retries-exhausted | error
    error: str
    payload: Any
    attempts: int = 1
    failures: int = 1  # how many times this article was dead-lettered
    first_failed: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    last_failed: str = ""
    url: str | None = None

    def __post_init__(self) -> None:
        self.last_failed = self.last_failed or self.first_failed
        if self.url is None and isinstance(self.payload, dict):
            art = self.payload.get("article", self.payload)
            url = art.get("url") if isinstance(art, dict) else None
            self.url = url if isinstance(url, str) else None

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> "DeadLetter":
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


def _merge(old: DeadLetter | None, new: DeadLetter) -> DeadLetter:
    if old is not None:
        new.first_failed = old.first_failed
        new.failures = old.failures + 1
    return new


class DeadLetterStore(ABC):
    """The contract of a dead-letter store: one entry per article id, the latest failure's
    payload, its first failure time and a count of failures (tests/test_deadletter_contract.py)."""

    @abstractmethod
    def add(self, letter: DeadLetter) -> DeadLetter:
        """Store `letter`; a letter for an id already stored keeps its first_failed and counts one more failure."""

    @abstractmethod
    def get(self, article_id: str) -> DeadLetter | None: ...

    @abstractmethod
    def list(self, limit: int | None = None) -> list[DeadLetter]:
        """Oldest last failure first (ties by article id), at most `limit`."""

    @abstractmethod
    def remove(self, article_id: str) -> bool:
        """Forget the article's entry; False if there was none."""

    @abstractmethod
    def count(self) -> int: ...

    def close(self) -> None:
        """Release what the store holds (a shared Redis client is the runtime's to close)."""


class SqliteDeadLetters(DeadLetterStore):
    """Embedded store: data_dir/deadletters.sqlite."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS deadletters (article_id TEXT PRIMARY KEY, "
                       "last_failed TEXT NOT NULL, body TEXT NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def add(self, letter: DeadLetter) -> DeadLetter:
        with self._lock, self._connect() as db:
            row = db.execute("SELECT body FROM deadletters WHERE article_id=?", (letter.article_id,)).fetchone()
            letter = _merge(DeadLetter.from_json(json.loads(row[0])) if row else None, letter)
            db.execute("INSERT OR REPLACE INTO deadletters VALUES (?,?,?)",
                       (letter.article_id, letter.last_failed, json.dumps(letter.to_json(), default=str)))
        return letter

    def get(self, article_id: str) -> DeadLetter | None:
        with self._connect() as db:
            row = db.execute("SELECT body FROM deadletters WHERE article_id=?", (article_id,)).fetchone()
        return DeadLetter.from_json(json.loads(row[0])) if row else None

    def list(self, limit: int | None = None) -> list[DeadLetter]:
        with self._connect() as db:
            rows = db.execute("SELECT body FROM deadletters ORDER BY last_failed, article_id LIMIT ?",
                              (limit if limit is not None else -1,)).fetchall()
        return [DeadLetter.from_json(json.loads(r[0])) for r in rows]

    def remove(self, article_id: str) -> bool:
        with self._lock, self._connect() as db:
            return db.execute("DELETE FROM deadletters WHERE article_id=?", (article_id,)).rowcount > 0

    def count(self) -> int:
        with self._connect() as db:
            return db.execute("SELECT COUNT(*) FROM deadletters").fetchone()[0]


class RedisDeadLetters(DeadLetterStore):
    """Distributed store: one Redis hash, article id -> JSON."""

    def __init__(self, client, key: str = REDIS_KEY):
        self.r = client
        self.key = key

    def add(self, letter: DeadLetter) -> DeadLetter:
        def txn(pipe) -> None:
            old = pipe.hget(self.key, letter.article_id)
            merged = _merge(DeadLetter.from_json(json.loads(old)) if old else None, letter)
            pipe.multi()
            pipe.hset(self.key, letter.article_id, json.dumps(merged.to_json(), default=str))

        self.r.transaction(txn, self.key)
        return self.get(letter.article_id) or letter

    def get(self, article_id: str) -> DeadLetter | None:
        raw = self.r.hget(self.key, article_id)
        return DeadLetter.from_json(json.loads(raw)) if raw else None

    def list(self, limit: int | None = None) -> list[DeadLetter]:
        letters = [DeadLetter.from_json(json.loads(v)) for v in self.r.hvals(self.key)]
        letters.sort(key=lambda d: (d.last_failed, d.article_id))
        return letters[:limit] if limit is not None else letters

    def remove(self, article_id: str) -> bool:
        return bool(self.r.hdel(self.key, article_id))

    def count(self) -> int:
        return int(self.r.hlen(self.key))


def add_with_retry(settings: Settings, letter: DeadLetter, attempts: int = 8) -> DeadLetter:
    """Write a dead letter, riding out a short outage of its store (Redis restarting)."""
    delay = 0.25
    for attempt in range(attempts):
        try:
            return services(settings).deadletters().add(letter)
        except (TypeError, ValueError, RecursionError):
            raise  # the letter itself cannot be written: no retry helps
        except Exception:
            if attempt == attempts - 1:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
    raise AssertionError("unreachable")
