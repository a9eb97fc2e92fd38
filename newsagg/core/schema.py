"""The shared article and cluster schema: what every stage reads and writes.

One article id for one canonical URL, so a re-crawled or redelivered article
updates in place and never duplicates.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


def article_id(canonical_url: str) -> str:
    """Stable id of an article: derived from its canonical URL only (20 hex digits).
    Never raises: a lone surrogate hashes as its code point (the pipeline rejects such
    URLs, but a dead letter still needs a key)."""
    return hashlib.sha1(canonical_url.strip().encode("utf-8", "surrogatepass")).hexdigest()[:20]


ARTICLE_ID = re.compile(r"[0-9a-f]{20}")


def is_article_id(value: object) -> bool:
    """What article_id() gives: ids name files, keys and documents, so nothing else passes."""
    return isinstance(value, str) and ARTICLE_ID.fullmatch(value) is not None


def content_hash(title: str, text: str) -> str:
    """Hash of what enrichment and clustering read; a change means re-process."""
    norm = unicodedata.normalize("NFC", f"{title}\n{text}").strip()
    return hashlib.sha1(norm.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _aware_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class Changes(BaseModel):
    """What a copy changed against its copy group's originator."""

    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    changed: list[tuple[str, str]] = Field(default_factory=list)  # (originator's, copy's)
    title_changed: bool = False


class Article(BaseModel):
    """One article as it flows crawler -> enrich -> cluster -> index."""

    model_config = ConfigDict(extra="ignore")

    # --- from the crawler
    id: str = ""
    url: str
    canonical_url: str = ""
    outlet: str | None = None  # outlet name from the sources file
    domain: str | None = None
    country: str | None = None  # outlet's country, ISO 3166 alpha-2
    title: str = ""
    text: str
    authors: list[str] = Field(default_factory=list)
    published: datetime | None = None
    modified: datetime | None = None
    fetched: datetime = Field(default_factory=utcnow)
    language: str | None = None  # declared by page, sitemap or outlet
    image: str | None = None
    section: str | None = None
    feed_title: str | None = None
    feed_summary: str | None = None

    # --- from enrichment (workers.enrich)
    lang_confidence: float | None = None
    entities: dict[str, dict[str, int]] = Field(default_factory=dict)  # kind -> name -> count
    keywords: list[str] = Field(default_factory=list)
    summary: str = ""
    word_count: int = 0
    reading_time_min: float = 0.0
    countries: list[str] = Field(default_factory=list)  # ISO 3166 alpha-2 mentioned
    content_hash: str = ""

    # --- from the story engine (dedupe)
    event_id: str | None = None
    storyline_id: str | None = None  # the run of events on one subject this article's event belongs to
    group_id: str | None = None
    copies_of: str | None = None
    similarity: float | None = None
    is_originator: bool = False
    changes: Changes | None = None

    @field_validator("published", "modified", "fetched")
    @classmethod
    def _utc(cls, v: datetime | None) -> datetime | None:
        return _aware_utc(v)

    def model_post_init(self, __context: Any) -> None:
        if not self.canonical_url.strip():
            self.canonical_url = self.url
        if not self.id.strip():
            self.id = article_id(self.canonical_url)
        if not self.content_hash:
            self.content_hash = content_hash(self.title, self.text)

    def to_json(self) -> dict[str, Any]:
        """JSON-safe dict (ISO dates): what goes over Celery and into the stores."""
        return self.model_dump(mode="json")
