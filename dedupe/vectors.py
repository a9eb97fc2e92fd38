"""Sparse term vectors of the story engine as sorted term-id arrays.

Every assignment dots the new article's TF-IDF vectors with the centroid of each
candidate event (tens of events, hundreds of terms each): as dicts of terms that
was a Python loop per event; as sorted id arrays it is one numpy pass over all
of them (`dots`). Event records keep centroids packed in one base64 string
(`SparseVector.pack`); records written before hold {term: weight} dicts, which
`SparseVector.unpack` still reads.
"""
from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import xxhash

from newsagg.dedupe.arrays import unique_inverse

# Term ids stay below 2**62 (SQLite integers are signed) and are odd: 0 is the
# document frequencies' document counter.
_ID_MASK = (1 << 62) - 1


def term_id(term: str, space: str) -> int:
    """Id of a term in its space ("t": content stems, "k": names and numbers)."""
    return (xxhash.xxh3_64_intdigest(f"{space}:{term}".encode("utf-8")) & _ID_MASK) | 1


# Ids of terms seen lately, per space and prefix: an article's hundreds of terms
# are mostly common ones, and a dict lookup is a tenth of hashing them again.
_KNOWN_IDS: dict[tuple[str, str], dict[str, int]] = {}
_KNOWN_IDS_LIMIT = 1 << 19


def term_ids(terms, space: str, prefix: str = "") -> dict[str, int]:
    """{term: term_id(prefix + term, space)} for each of `terms` (a prefix such as
    a language's "en|" keys the ids of a language's own terms by the bare terms)."""
    known = _KNOWN_IDS.setdefault((space, prefix), {})
    if len(known) > _KNOWN_IDS_LIMIT:
        known.clear()
    out = {}
    for term in terms:
        i = known.get(term)
        if i is None:
            i = known[term] = term_id(prefix + term, space)
        out[term] = i
    return out


@dataclass(frozen=True, eq=False)
class SparseVector:
    """Weights by term id; `ids` sorted and unique (int64), `weights` float64."""

    ids: np.ndarray
    weights: np.ndarray

    @classmethod
    def empty(cls) -> "SparseVector":
        return cls(np.empty(0, np.int64), np.empty(0, np.float64))

    @classmethod
    def from_ids(cls, ids: np.ndarray, weights: np.ndarray) -> "SparseVector":
        """From unsorted unique ids."""
        order = np.argsort(ids, kind="stable")
        return cls(np.ascontiguousarray(ids[order], dtype=np.int64),
                   np.ascontiguousarray(weights[order], dtype=np.float64))

    @classmethod
    def from_terms(cls, vec: dict[str, float], space: str) -> "SparseVector":
        ids = np.fromiter(term_ids(vec, space).values(), dtype=np.int64, count=len(vec))
        return cls.from_ids(ids, np.fromiter(vec.values(), dtype=np.float64, count=len(vec)))

    def __len__(self) -> int:
        return int(self.ids.size)

    def dot(self, other: "SparseVector") -> float:
        return float(dots(self, [other])[0])

    def plus(self, other: "SparseVector", limit: int, sign: float = 1.0) -> "SparseVector":
        """self + sign * other without the weights at or below zero, keeping the
        `limit` heaviest terms (bounded event records)."""
        ids = np.concatenate([self.ids, other.ids])
        if not ids.size:
            return self
        uniq, where = unique_inverse(ids)
        weights = np.bincount(where, weights=np.concatenate([self.weights, sign * other.weights]),
                              minlength=uniq.size)
        keep = weights > 1e-9
        return SparseVector(uniq[keep], weights[keep]).top(limit)

    def top(self, limit: int) -> "SparseVector":
        """The `limit` heaviest terms (ties: the lower id)."""
        if self.ids.size <= limit:
            return self
        heaviest = np.lexsort((self.ids, -self.weights))[:limit]
        heaviest.sort()  # ids are sorted: their positions in order keep them sorted
        return SparseVector(self.ids[heaviest], self.weights[heaviest])

    def pack(self) -> str:
        """One JSON-safe string: the ids' and then the weights' bytes, base64."""
        return base64.b64encode(self.ids.astype("<i8").tobytes() + self.weights.astype("<f8").tobytes()).decode()

    @staticmethod
    def unpack(value: "str | dict[str, float] | SparseVector | None", space: str) -> "SparseVector":
        """A vector from its packed form, a {term: weight} dict of older records,
        or None / {} (an event closed or just founded)."""
        if isinstance(value, SparseVector):
            return value
        if isinstance(value, str):
            return _unpacked(value)
        if not value:
            return _EMPTY
        return SparseVector.from_terms(value, space)


_EMPTY = SparseVector.empty()


@lru_cache(maxsize=4096)
def _unpacked(packed: str) -> SparseVector:
    # Cached: the same event centroids are read by assignment after assignment,
    # and a string's hash is kept with it, so a hit costs one dict lookup.
    raw = base64.b64decode(packed)
    n = len(raw) // 16
    return SparseVector(np.frombuffer(raw, dtype="<i8", count=n), np.frombuffer(raw, dtype="<f8", offset=8 * n))


def dots(query: SparseVector, others: Sequence[SparseVector]) -> np.ndarray:
    """query . other for each of `others`, in one pass."""
    out = np.zeros(len(others))
    if not len(query) or not others:
        return out
    ids = np.concatenate([o.ids for o in others])
    if not ids.size:
        return out
    weights = np.concatenate([o.weights for o in others])
    owner = np.repeat(np.arange(len(others)), [o.ids.size for o in others])
    at = np.minimum(np.searchsorted(query.ids, ids), query.ids.size - 1)
    hit = query.ids[at] == ids
    return np.bincount(owner[hit], weights=weights[hit] * query.weights[at[hit]], minlength=len(others))


def shared_counts(query: SparseVector, others: Sequence[SparseVector]) -> np.ndarray:
    """How many of query's terms each of `others` holds, in one pass (as `dots`)."""
    out = np.zeros(len(others), dtype=np.int64)
    if not len(query) or not others:
        return out
    ids = np.concatenate([o.ids for o in others])
    if not ids.size:
        return out
    owner = np.repeat(np.arange(len(others)), [o.ids.size for o in others])
    at = np.minimum(np.searchsorted(query.ids, ids), query.ids.size - 1)
    return np.bincount(owner[query.ids[at] == ids], minlength=len(others))


def dense(vectors: Sequence[SparseVector]) -> np.ndarray:
    """The vectors as rows of one dense matrix over the terms any of them has."""
    ids = np.concatenate([v.ids for v in vectors]) if vectors else np.empty(0, np.int64)
    uniq, where = unique_inverse(ids)
    m = np.zeros((len(vectors), max(uniq.size, 1)))
    rows = np.repeat(np.arange(len(vectors)), [len(v) for v in vectors])
    if ids.size:
        m[rows, where] = np.concatenate([v.weights for v in vectors])
    return m
