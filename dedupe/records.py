"""Typed records of the story engine's state: events, storylines, copy groups, articles.

The engine state (`dedupe.state`) keeps plain JSON-safe dicts; these records are
read from and written to them with the compact keys used since the first stored
data ("tv"/"kv": packed vector sums, ...), so nothing stored migrates. Each
`from_dict(rec.to_dict())` gives the record back (tests/test_records.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from newsagg.dedupe.clusters import Centroid, Member, Span, average_cosine, language_share
from newsagg.dedupe.embedding import pack_sum, unpack_sum
from newsagg.dedupe.vectors import SparseVector

_SPAN_KEYS = ("anchor_min", "anchor_max", "written_min", "written_max", "day_min", "day_max", "weekdays",
              "published_weekdays", "ordinals")
_OPTIONAL_SPAN_KEYS = ("day_min", "day_max", "weekdays", "published_weekdays", "ordinals")  # stored only when known (records of before have none)


@dataclass
class ClusterRecord:
    """One event or storyline: its members' vector sums and time span, when it
    was founded and last joined, the clusters it absorbed; or only
    `merged_into` (and `created`) once absorbed itself."""

    created: float
    last: float = 0.0
    centroid: Centroid = field(default_factory=Centroid)
    span: Span = field(default_factory=Span)
    absorbed: list[str] = field(default_factory=list)
    closed: bool = False
    merged_into: str | None = None

    @property
    def size(self) -> int:
        return self.centroid.size

    def add(self, m: Member, limit: int) -> None:
        """An article joins (the one place an article is added to an event)."""
        self.centroid.add(m, limit)
        self.last = max(self.last, m.time)
        self.span.widen(Span.of(m))

    def remove(self, m: Member, limit: int) -> None:
        """An article leaves (its vectors out; the span keeps its bounds)."""
        self.centroid.remove(m, limit)

    def absorb(self, other_id: str, other: "ClusterRecord", limit: int) -> None:
        """Take in every member of another cluster (merged into this one)."""
        self.centroid.absorb(other.centroid, limit)
        self.last = max(self.last, other.last)
        self.absorbed = sorted(set(self.absorbed) | {other_id} | set(other.absorbed))
        self.span.widen(other.span)

    def close(self) -> None:
        self.closed = True
        self.centroid.clear()

    def to_dict(self) -> dict[str, Any]:
        if self.merged_into is not None:
            return {"merged_into": self.merged_into, "created": self.created}
        out = {"created": self.created, "last": self.last, "tv": self.centroid.terms.pack(),
               "kv": self.centroid.keys.pack(), "langs": list(self.centroid.langs), "size": self.centroid.size,
               **({"lsz": self.centroid.lang_sizes} if self.centroid.lang_sizes is not None else {}),
               "absorbed": list(self.absorbed), **{k: getattr(self.span, k) for k in _SPAN_KEYS
                                                    if k not in _OPTIONAL_SPAN_KEYS or getattr(self.span, k) is not None}}
        if self.centroid.embedding is not None:
            out["em"], out["en"] = pack_sum(self.centroid.embedding), self.centroid.embedded
        if self.closed:
            out["closed"] = True
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]):
        centroid = Centroid(SparseVector.unpack(d.get("tv"), "t"), SparseVector.unpack(d.get("kv"), "k"),
                            list(d.get("langs", [])), d.get("size", 0),
                            dict(d["lsz"]) if "lsz" in d else (None if d.get("size") else {}),
                            unpack_sum(d.get("em")), int(d.get("en", 0)))
        return cls(d.get("created", 0.0), d.get("last", 0.0), centroid, Span(*(d.get(k) for k in _SPAN_KEYS)),
                   list(d.get("absorbed", [])), bool(d.get("closed")), d.get("merged_into"))


def stored_embedding_likeness(stored: dict[str, dict[str, Any]], vector: np.ndarray, lang: str
                              ) -> list[tuple[str, float, float | None]]:
    """The embedding lookup's reading of stored events, without building their
    records (`ClusterRecord.from_dict` costs ~50 us a record, and the lookup scans
    hundreds an assignment): (id, the average cosine of `vector` with its members,
    `lang`'s share of its members) of each event that is not closed and has
    embeddings: what the built record's centroid would say."""
    out = []
    for eid, d in stored.items():
        if d.get("closed"):
            continue
        likeness = average_cosine(vector, unpack_sum(d.get("em")), int(d.get("en", 0)))
        if likeness is not None:
            out.append((eid, likeness, language_share(d.get("lsz"), d.get("size", 0), lang)))
    return out


class StorylineRecord(ClusterRecord):
    """A storyline: the events of one developing subject (days to months apart),
    kept as the sums of all their articles' vectors."""


@dataclass
class EventRecord(ClusterRecord):
    """An event (one happening) and the storyline it belongs to ("sl"; None in
    records written before storylines)."""

    storyline_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.storyline_id is not None and self.merged_into is None:
            out["sl"] = self.storyline_id
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "EventRecord":
        rec = super().from_dict(d)
        rec.storyline_id = d.get("sl")
        return rec


@dataclass
class GroupRecord:
    """One copy group: its original text (the earliest published copy), that
    text's publication time, the group's event and size."""

    originator: str
    originator_anchor: float | None
    event_id: str
    size: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {"originator": self.originator, "originator_anchor": self.originator_anchor,
                "event_id": self.event_id, "size": self.size}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "GroupRecord":
        return cls(d["originator"], d.get("originator_anchor"), d.get("event_id", ""), d.get("size", 1))


@dataclass
class ArticleRecord:
    """Where one assigned article stands: its version (content hash, fetch
    time), event, copy group, and what it copies (with how surely and what
    it changed: `Changes` as JSON)."""

    content_hash: str
    fetched: float | None
    event_id: str
    group_id: str
    copies_of: str | None = None
    similarity: float | None = None
    changes: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"content_hash": self.content_hash, "fetched": self.fetched, "event_id": self.event_id,
                "group_id": self.group_id, "copies_of": self.copies_of, "similarity": self.similarity,
                "changes": self.changes}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ArticleRecord":
        return cls(d["content_hash"], d.get("fetched"), d["event_id"], d["group_id"], d.get("copies_of"),
                   d.get("similarity"), d.get("changes"))


RECORD_TYPES = {"event": EventRecord, "storyline": StorylineRecord, "group": GroupRecord, "article": ArticleRecord}
