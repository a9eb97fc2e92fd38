"""MinHash LSH index (banding) behind a storage interface, datasketch's way.

A signature of num_perm values is cut into `bands` bands of `rows` values; each
band is hashed to one 64-bit band key, and two signatures are candidates when
any band key is equal: probability 1 - (1 - s**rows)**bands at Jaccard s.
The index computes band keys; a storage keeps key -> band keys -> key sets:
`MemoryLSHStorage` (embedded default, compact, `save`/`load`) or
`RedisLSHStorage` (shared by worker processes). Both answer the same.

    >>> from dedupe.lsh import LSHIndex, MemoryLSHStorage
    >>> from dedupe.minhash import Signer
    >>> from dedupe.shingles import word_shingles
    >>> signer = Signer(num_perm=128)
    >>> text = "the minister announced a new budget for schools on monday".split()
    >>> index = LSHIndex(num_perm=128, threshold=0.5, storage=MemoryLSHStorage())
    >>> index.insert("a1", signer.sign(word_shingles(text, 3)), ts=1000.0)
    >>> index.query(signer.sign(word_shingles(text[:-1] + ["tuesday"], 3)))
    ['a1']
    >>> index.query(signer.sign(word_shingles(text, 3)), limit=5)  # most shared bands first
    ['a1']
    >>> index.expire(before_ts=2000.0), len(index)
    (1, 0)

Two indexes with different parameters share one Redis under different prefixes,
e.g. `RedisLSHStorage(client, prefix="newsagg:lsh:copies")`; reopening a prefix
with other parameters raises, since its band keys would never match.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from newsagg.dedupe.lsh_storage import (
    LSHStorage,
    MemoryLSHStorage,
    RedisLSHStorage,
    band_match_counts_each,
    limit_th_largest,
)
from newsagg.dedupe.shingles import fmix

__all__ = ["LSHIndex", "LSHStorage", "MemoryLSHStorage", "RedisLSHStorage", "optimal_params", "query_each",
           "collision_probability"]

log = logging.getLogger(__name__)

# Fixed, so that every process computes the same band keys for a shared index.
_BAND_KEY_SEED = 0x5EED_B0D5


def collision_probability(s, bands: int, rows: int):
    """Probability that two signatures of Jaccard `s` share at least one band."""
    return 1.0 - (1.0 - np.power(s, rows)) ** bands


def optimal_params(threshold: float, num_perm: int, weights: tuple[float, float] = (0.5, 0.5)
                   ) -> tuple[int, int]:
    """(bands, rows) minimising the weighted false-positive and false-negative
    areas around `threshold`, as datasketch's MinHashLSH chooses them."""
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    fp_weight, fn_weight = weights
    s = np.linspace(0.0, 1.0, 2001)
    below, above = s <= threshold, s >= threshold
    best, best_error = (1, num_perm), np.inf
    for bands in range(1, num_perm + 1):
        rows = np.arange(1, num_perm // bands + 1)[:, None]
        p = collision_probability(s[None, :], bands, rows)
        fp = np.trapezoid(p[:, below], s[below], axis=1)
        fn = np.trapezoid(1.0 - p[:, above], s[above], axis=1)
        error = fp * fp_weight + fn * fn_weight
        i = int(np.argmin(error))
        if error[i] < best_error:
            best, best_error = (bands, int(rows[i, 0])), error[i]
    return best


class LSHIndex:
    """Candidate search over MinHash signatures (uint32 arrays of num_perm)."""

    def __init__(self, num_perm: int = 128, threshold: float = 0.5, bands: int | None = None,
                 rows: int | None = None, storage: LSHStorage | None = None,
                 weights: tuple[float, float] = (0.5, 0.5)):
        if bands is None and rows is None:
            bands, rows = optimal_params(threshold, num_perm, weights)
        elif bands is None:
            bands = num_perm // rows
        elif rows is None:
            rows = num_perm // bands
        if bands < 1 or rows < 1 or bands * rows > num_perm:
            raise ValueError(f"bands * rows must be at most num_perm: {bands} * {rows} > {num_perm}")
        self.num_perm, self.bands, self.rows = num_perm, bands, rows
        self.threshold = threshold
        self.storage = storage if storage is not None else MemoryLSHStorage()
        self.storage.bind({"num_perm": num_perm, "bands": bands, "rows": rows})
        gen = np.random.RandomState(_BAND_KEY_SEED)
        self._row_multipliers = gen.randint(0, 1 << 63, rows, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        self._band_salts = gen.randint(0, 1 << 63, bands, dtype=np.uint64)

    def band_keys(self, sigs: np.ndarray) -> np.ndarray:
        """Band keys (bands,) of one signature, or (n, bands) of n signatures."""
        sigs = np.asarray(sigs)
        if sigs.shape[-1] != self.num_perm:
            raise ValueError(f"signature has {sigs.shape[-1]} values, the index takes {self.num_perm}")
        bands = sigs[..., :self.bands * self.rows].astype(np.uint64)
        bands = bands.reshape(sigs.shape[:-1] + (self.bands, self.rows))
        return fmix(bands @ self._row_multipliers + self._band_salts)

    def probability(self, s):
        """Probability that a signature of Jaccard `s` to an indexed one finds it."""
        return collision_probability(s, self.bands, self.rows)

    def insert(self, key: str, sig: np.ndarray, ts: float) -> None:
        """Index `key` (replacing an earlier entry of the same key) at time `ts`."""
        self.storage.add([key], self.band_keys(sig)[None, :], np.array([ts], dtype=np.float64))

    def insert_many(self, keys: Sequence[str], sigs: np.ndarray, ts) -> None:
        """Bulk insert: `sigs` (n, num_perm), `ts` one time or n times."""
        ts = np.broadcast_to(np.asarray(ts, dtype=np.float64), (len(keys),))
        self.storage.add(list(keys), self.band_keys(sigs), ts)

    def query(self, sig: np.ndarray, limit: int | None = None) -> list[str]:
        """Keys sharing at least one band with `sig`, sorted; with `limit`, the
        `limit` keys sharing the most bands (the likeliest to be similar) first."""
        if limit is None:
            return sorted(set(self.storage.band_matches(self.band_keys(sig))))
        return _likeliest(*self.storage.band_match_counts(self.band_keys(sig), limit), limit)

    def remove(self, key: str) -> bool:
        return self.storage.remove([key]) == 1

    def expire(self, before_ts: float) -> int:
        """Remove every entry inserted with ts < before_ts; returns how many."""
        removed = self.storage.expire(before_ts)
        log.info("lsh entries expired", extra={"removed": removed, "before_ts": before_ts,
                                               "remaining": len(self.storage)})
        return removed

    def __len__(self) -> int:
        return len(self.storage)

    def __contains__(self, key: str) -> bool:
        return key in self.storage


def _likeliest(keys: list[str], counts: np.ndarray, limit: int) -> list[str]:
    """The `limit` keys sharing the most band keys (`counts`), most first, ties by key."""
    shared = dict(zip(keys, counts.tolist()))
    if len(keys) > limit:
        # Every key sharing more bands than the limit-th stays; ties at the limit-th
        # count are broken by key, so only those are sorted (all of them cost more
        # than the lookup).
        bar = limit_th_largest(counts, limit)
        kept = [k for k in keys if shared[k] > bar]
        keys = kept + sorted(k for k in keys if shared[k] == bar)[:limit - len(kept)]
    return sorted(keys, key=lambda k: (-shared[k], k))


def query_each(queries: Sequence[tuple[LSHIndex, np.ndarray, int]]) -> list[list[str]]:
    """`index.query(sig, limit)` of each (index, sig, limit): indexes kept in one
    Redis answer in one round trip."""
    replies = band_match_counts_each([(index.storage, index.band_keys(sig), limit) for index, sig, limit in queries])
    return [_likeliest(keys, counts, limit) for (keys, counts), (_, _, limit) in zip(replies, queries)]
