"""Where an LSH index keeps its band keys: in memory or in Redis.

A storage maps article keys (str) to their band keys (uint64, one per band)
and answers "which keys share any of these band keys". `dedupe.lsh.LSHIndex`
computes the band keys and is the class to use; storages are what differs
between the embedded default and the distributed setup.

    >>> import numpy as np
    >>> from dedupe.lsh_storage import MemoryLSHStorage
    >>> store = MemoryLSHStorage()
    >>> store.bind({"num_perm": 4, "bands": 2, "rows": 2})
    >>> store.add(["a", "b"], np.array([[1, 2], [3, 2]], dtype=np.uint64), np.array([1.0, 5.0]))
    >>> sorted(store.band_matches(np.array([1, 2], dtype=np.uint64)))
    ['a', 'a', 'b']
    >>> store.expire(before_ts=2.0), store.band_matches(np.array([1, 2], dtype=np.uint64))
    (1, ['b'])

`MemoryLSHStorage` keeps no Python object per band entry: one sorted run of
(band key, integer id) numpy arrays (about 12.5 bytes an entry, directory
included), plus a dict of the newest entries merged in when it reaches 1/16 of
the run. `RedisLSHStorage` keeps band entries in bucketed Redis hashes, written
by Lua scripts so that concurrent workers never leave half an entry.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from redis.exceptions import NoScriptError

from newsagg.core.iters import batched
from newsagg.dedupe.arrays import unique_counts

log = logging.getLogger(__name__)


class LSHStorage(ABC):
    """Key -> band keys, and band key -> keys, with insertion times for expiry.

    A band key holding more than HOT_BAND_ENTRIES keys answers a query with its
    newest HOT_BAND_ENTRIES: common names put thousands of unrelated articles
    under some band keys (at 1M news-like articles a query read up to 200,000
    entries of them), while a text copied that often still finds its newest copies
    under every one of its band keys."""

    HOT_BAND_ENTRIES = 1024

    @abstractmethod
    def bind(self, config: dict) -> None:
        """Record the index parameters; raise ValueError if the storage holds other ones."""

    @abstractmethod
    def add(self, keys: list[str], band_keys: np.ndarray, ts: np.ndarray) -> None:
        """Index keys[i] under band_keys[i] (n, bands) at ts[i]; a key present is replaced."""

    @abstractmethod
    def band_matches(self, band_keys: np.ndarray) -> list[str]:
        """Keys indexed under any of `band_keys` (bands,): a key once per band key it has
        (of a hot band key, its newest: see the class)."""

    def band_match_counts(self, band_keys: np.ndarray, limit: int | None = None) -> tuple[list[str], np.ndarray]:
        """(keys indexed under any of `band_keys`, how many of them each has), keys
        once each; storages that can count without a Python object per match do.
        With `limit`, keys sharing fewer band keys than the limit-th most sharing
        one may be left out: they cannot be among the `limit` likeliest."""
        shared = Counter(self.band_matches(band_keys))
        return list(shared), np.fromiter(shared.values(), dtype=np.int64, count=len(shared))

    @abstractmethod
    def remove(self, keys: list[str]) -> int:
        """Remove keys; returns how many were present."""

    @abstractmethod
    def expire(self, before_ts: float) -> int:
        """Remove keys inserted with ts < before_ts; returns how many."""

    @abstractmethod
    def clear(self) -> None:
        """Remove everything, parameters included."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def __contains__(self, key: str) -> bool: ...


def limit_th_largest(counts: np.ndarray, limit: int) -> int:
    """The `limit`-th largest of `counts` (more than `limit` of them): shared band
    counts, small integers, so from their histogram (np.partition took 4 ms on
    100,000 of them, most of them equal)."""
    at_least = np.cumsum(np.bincount(counts)[::-1])  # how many are >= max, max - 1, ...
    return int(at_least.size - 1 - np.searchsorted(at_least, limit))


def _key_prefixes(keys: list[str]) -> np.ndarray:
    """Each key's first 8 UTF-8 bytes as a big-endian number (zero-padded): keys
    with smaller numbers sort first (UTF-8 keeps code-point order); equal numbers
    say nothing."""
    raw = b"".join(k.encode("utf-8")[:8].ljust(8, b"\0") for k in keys)
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64)


def _check_config(stored: dict | None, config: dict) -> dict:
    config = {k: int(v) for k, v in config.items()}
    if stored and stored != config:
        raise ValueError(f"LSH storage holds an index with {stored}, opened with {config}: "
                         "use another prefix/path for other parameters")
    return config


_OFFSETS = np.arange(1 << 12, dtype=np.int64)


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The positions start .. start + count - 1 of each (start, count), one range after another."""
    within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts, counts) + within


class _SortedRun:
    """Band entries sorted by band key, with a directory on the keys' top bits.

    Band keys are uniform 64-bit hashes, so the top `bits` bits split the run
    into buckets of about ENTRIES_PER_BUCKET entries: a lookup reads one
    directory slot and one short slice, however large the run (a binary search
    over 25M entries costs ~20 cache misses a key).
    """

    ENTRIES_PER_BUCKET = 8
    HOT_BUCKET = 64  # entries in a bucket beyond which a lookup searches it instead

    def __init__(self, keys: np.ndarray, ids: np.ndarray):
        self.keys, self.ids = keys, ids
        self.bits = max(1, min(40, int(np.log2(max(keys.size, 1) / self.ENTRIES_PER_BUCKET))))
        self.shift = np.uint64(64 - self.bits)
        counts = np.bincount((keys >> self.shift).astype(np.int64), minlength=1 << self.bits)
        offset_type = np.int32 if keys.size < 1 << 31 else np.int64
        self.directory = np.concatenate(([0], np.cumsum(counts))).astype(offset_type)

    @classmethod
    def build(cls, keys: np.ndarray, ids: np.ndarray) -> "_SortedRun":
        order = np.argsort(keys, kind="stable")
        return cls(keys[order], ids[order])

    def merged(self, keys: np.ndarray, ids: np.ndarray, alive: np.ndarray | None) -> "_SortedRun":
        """A new run with these entries added (and, given `alive`, dead ids dropped):
        one linear pass over this run, not a sort."""
        old_keys, old_ids = self.keys, self.ids
        if alive is not None:
            keep = alive[old_ids]
            old_keys, old_ids = old_keys[keep], old_ids[keep]
        order = np.argsort(keys, kind="stable")
        keys, ids = keys[order], ids[order]
        size = old_keys.size + keys.size
        slots = np.searchsorted(old_keys, keys, side="right") + np.arange(keys.size)
        is_old = np.ones(size, dtype=bool)
        is_old[slots] = False
        out_keys, out_ids = np.empty(size, dtype=np.uint64), np.empty(size, dtype=np.int32)
        out_keys[slots], out_ids[slots] = keys, ids
        out_keys[is_old], out_ids[is_old] = old_keys, old_ids
        return _SortedRun(out_keys, out_ids)

    @property
    def size(self) -> int:
        return self.keys.size

    def find(self, band_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ids of the entries whose band key is one of `band_keys`, the position
        in `band_keys` of each one's band key); a band key's ids ascend."""
        # Few numpy calls on tiny arrays: their count, not the data, is the cost.
        bucket = band_keys >> self.shift
        start = self.directory[bucket]
        end = self.directory[bucket + np.uint64(1)]
        widths = end - start
        hot = widths > self.HOT_BUCKET
        found, owners = [], []
        which = np.arange(band_keys.size)
        if hot.any():
            # A bucket holding a popular band key (near-duplicates share bands; every
            # band of an embedding index): binary search for all of them at once
            # rather than widening every key's window to it.
            keys = band_keys[hot]
            first = np.searchsorted(self.keys, keys, side="left")
            counts = np.searchsorted(self.keys, keys, side="right") - first
            found.append(self.ids[_ranges(first, counts)])
            owners.append(np.repeat(which[hot], counts))
            band_keys, start, end, which = band_keys[~hot], start[~hot], end[~hot], which[~hot]
            widths = widths[~hot]
        width = int(widths.max()) if widths.size else 0
        pos = start[:, None] + _OFFSETS[:width]
        equal = np.take(self.keys, pos, mode="clip") == band_keys[:, None]
        if equal.any():
            rows, cols = np.nonzero(equal & (pos < end[:, None]))
            found.append(self.ids[pos[rows, cols]])
            owners.append(which[rows])
        if not found:  # the usual case: none of the keys is in this run
            return self.ids[:0], which[:0]
        if len(found) == 1:
            return found[0], owners[0]
        return np.concatenate(found), np.concatenate(owners)

    def nbytes(self) -> int:
        return self.keys.nbytes + self.ids.nbytes + self.directory.nbytes


class MemoryLSHStorage(LSHStorage):
    """Compact in-process storage; `save(path)` / `MemoryLSHStorage.load(path)` persist it."""

    # New entries wait in a dict (cheap to query, ~110 bytes an entry) until they
    # are 1/DELTA_SHARE of the sorted run, then merge into it in one linear pass.
    # So a query reads one run and the dict, and each entry is copied about
    # DELTA_SHARE times over its life, whatever the size of the index.
    DELTA_SHARE = 16
    # A small index (an engine's names and events indexes hold a few thousand
    # articles where its main one holds a million) merges no more often than every
    # 1,024 articles of 64 bands: with 8,192 entries it merged every 128, a 6-10 ms
    # stall each time, in 1% of the assignments (bench/README round 12). The dict
    # then holds up to some 7 MB.
    DELTA_MIN_ENTRIES = 65536
    # Renumber ids and drop removed entries once removed keys outnumber live ones
    # (and are at least this many), so a long-running index stays compact.
    COMPACT_MIN_DEAD = 1024

    def __init__(self):
        self._lock = threading.RLock()
        self.config: dict | None = None
        self._init_state()

    def _init_state(self) -> None:
        self._id_of: dict[str, int] = {}       # live key -> integer id
        self._key_of: list[str | None] = []    # id -> key (None once removed)
        self._ts = np.empty(1024, dtype=np.float64)
        self._alive = np.zeros(1024, dtype=bool)
        self._prefix = np.zeros(1024, dtype=np.uint64)  # id -> its key's first bytes, to order keys
        self._main: _SortedRun | None = None
        self._delta: dict[int, int | list[int]] = {}  # band key -> id, or ids when several
        self._delta_entries = 0
        self._dead_ids = 0

    # -- interface

    def bind(self, config: dict) -> None:
        with self._lock:
            self.config = _check_config(self.config, config)

    def add(self, keys: list[str], band_keys: np.ndarray, ts: np.ndarray) -> None:
        if len(set(keys)) < len(keys):  # a key twice in one batch: the last one counts
            last = {k: i for i, k in enumerate(keys)}
            rows = sorted(last.values())
            keys, band_keys, ts = [keys[i] for i in rows], band_keys[rows], ts[rows]
        with self._lock:
            present = [k for k in keys if k in self._id_of]
            if present:
                self._remove_keys(present)
            ids = self._new_ids(keys, ts)
            if band_keys.size >= self._delta_limit():
                # Bulk load: merged straight into the run, no per-entry Python work.
                self._flush_delta(band_keys.ravel(), np.repeat(ids, band_keys.shape[1]))
                return
            delta = self._delta
            for i, row in zip(ids.tolist(), band_keys.tolist()):
                for band_key in row:
                    held = delta.get(band_key)
                    if held is None:
                        delta[band_key] = i
                    elif type(held) is int:
                        delta[band_key] = [held, i]
                    else:
                        held.append(i)
            self._delta_entries += band_keys.size
            if self._delta_entries >= self._delta_limit():
                self._flush_delta()

    def band_matches(self, band_keys: np.ndarray) -> list[str]:
        with self._lock:
            key_of = self._key_of
            return [k for k in map(key_of.__getitem__, self._matching_ids(band_keys).tolist())
                    if k is not None]  # None: removed

    def band_match_counts(self, band_keys: np.ndarray, limit: int | None = None) -> tuple[list[str], np.ndarray]:
        # Counted on integer ids (band keys of common names match thousands of
        # entries at 1M), and with a limit only the `limit` first by count, then
        # key, are turned into keys: the same ones `LSHIndex.query` would keep.
        with self._lock:
            ids, counts = unique_counts(self._matching_ids(band_keys))
            alive = self._alive[ids]
            ids, counts = ids[alive], counts[alive]
            if limit is not None and ids.size > limit:
                keep = self._first_by_count_then_key(ids, counts, limit)
                ids, counts = ids[keep], counts[keep]
            key_of = self._key_of
            return [key_of[i] for i in ids.tolist()], counts

    def _first_by_count_then_key(self, ids: np.ndarray, counts: np.ndarray, limit: int) -> np.ndarray:
        """Positions of the `limit` ids sharing the most band keys, ties broken by
        key: by the keys' first bytes (`_prefix`), and by whole keys only among
        those whose first bytes tie at the cut (a few, where thousands can tie)."""
        bar = limit_th_largest(counts, limit)
        above = np.flatnonzero(counts > bar)
        tied = np.flatnonzero(counts == bar)
        need = limit - above.size
        if tied.size > need:
            prefixes = self._prefix[ids[tied]]
            cut = np.partition(prefixes, need - 1)[need - 1]
            sure = tied[prefixes < cut]
            at_cut = tied[prefixes == cut]
            key_of = self._key_of
            keys_at_cut = [key_of[i] for i in ids[at_cut].tolist()]
            by_key = sorted(range(at_cut.size), key=keys_at_cut.__getitem__)[:need - sure.size]
            tied = np.concatenate([sure, at_cut[np.array(by_key, dtype=np.int64)]])
        return np.concatenate([above, tied])

    def remove(self, keys: list[str]) -> int:
        with self._lock:
            return self._remove_keys([k for k in keys if k in self._id_of])

    def expire(self, before_ts: float) -> int:
        with self._lock:
            n = len(self._key_of)
            old = np.flatnonzero(self._alive[:n] & (self._ts[:n] < before_ts))
            return self._remove_keys([self._key_of[i] for i in old.tolist()])

    def clear(self) -> None:
        with self._lock:
            self.config = None
            self._init_state()

    def __len__(self) -> int:
        return len(self._id_of)

    def __contains__(self, key: str) -> bool:
        return key in self._id_of

    # -- persistence

    def save(self, path: str | os.PathLike) -> None:
        """Write the storage to `path` (numpy .npz), atomically."""
        path = Path(path)
        with self._lock:
            self.compact()
            if self._main:
                run_keys, run_ids = self._main.keys, self._main.ids
            else:
                run_keys, run_ids = np.empty(0, np.uint64), np.empty(0, np.int32)
            encoded = [k.encode("utf-8") for k in self._key_of]
            offsets = np.cumsum([0] + [len(b) for b in encoded], dtype=np.int64)
            tmp = path.with_name(path.name + ".tmp")
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                np.savez(f, run_keys=run_keys, run_ids=run_ids, ts=self._ts[:len(encoded)],
                         key_bytes=np.frombuffer(b"".join(encoded), dtype=np.uint8),
                         key_offsets=offsets, config=np.array(json.dumps(self.config)))
            os.replace(tmp, path)
        log.info("lsh storage saved", extra={"path": str(path), "keys": len(encoded),
                                             "entries": int(run_keys.size)})

    @classmethod
    def load(cls, path: str | os.PathLike) -> "MemoryLSHStorage":
        """A storage as `save(path)` left it."""
        store = cls()
        with np.load(path) as data:
            store.config = json.loads(str(data["config"])) or None
            blob = data["key_bytes"].tobytes()
            offsets = data["key_offsets"].tolist()
            store._key_of = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:])]
            store._id_of = {k: i for i, k in enumerate(store._key_of)}
            n = len(store._key_of)
            store._ts = np.array(data["ts"], dtype=np.float64)
            store._alive = np.ones(n, dtype=bool)
            store._prefix = _key_prefixes(store._key_of)
            if data["run_keys"].size:
                store._main = _SortedRun(np.array(data["run_keys"]), np.array(data["run_ids"]))
        log.info("lsh storage loaded", extra={"path": str(path), "keys": n})
        return store

    def compact(self) -> None:
        """One sorted run without removed entries, ids renumbered 0..len-1."""
        with self._lock:
            self._flush_delta()
            n = len(self._key_of)
            live = np.flatnonzero(self._alive[:n])
            new_id = np.full(n, -1, dtype=np.int32)
            new_id[live] = np.arange(live.size, dtype=np.int32)
            if self._main is not None:
                keep = self._alive[self._main.ids]
                self._main = _SortedRun(self._main.keys[keep], new_id[self._main.ids[keep]])
            self._key_of = [self._key_of[i] for i in live.tolist()]
            self._id_of = {k: i for i, k in enumerate(self._key_of)}
            self._ts = self._ts[live]
            self._prefix = self._prefix[live]
            self._alive = np.ones(live.size, dtype=bool)
            self._dead_ids = 0

    def nbytes(self) -> int:
        """Bytes held in numpy arrays (the Python key dict and list not included)."""
        return self._ts.nbytes + self._alive.nbytes + self._prefix.nbytes + (self._main.nbytes() if self._main else 0)

    # -- internals

    def _matching_ids(self, band_keys: np.ndarray) -> np.ndarray:
        """Ids (removed ones included) under any of `band_keys`, once per band key;
        of a band key holding more than HOT_BAND_ENTRIES live entries, its newest."""
        band_keys = np.ascontiguousarray(band_keys, dtype=np.uint64)
        found: list[int] = []
        owners: list[int] = []
        for j, band_key in enumerate(band_keys.tolist()):
            held = self._delta.get(band_key)
            if held is None:
                continue
            if type(held) is int:
                found.append(held)
                owners.append(j)
            else:
                found.extend(held)
                owners.extend([j] * len(held))
        ids, owner = np.array(found, dtype=np.int32), np.array(owners, dtype=np.int64)
        if self._main is not None:
            in_main, main_owner = self._main.find(band_keys)
            if found:  # the dict's ids are newer than the run's: after them
                ids, owner = np.concatenate([in_main, ids]), np.concatenate([main_owner, owner])
            else:
                ids, owner = in_main, main_owner
        if ids.size <= self.HOT_BAND_ENTRIES:
            return ids
        hot = np.bincount(owner, minlength=band_keys.size) > self.HOT_BAND_ENTRIES
        if not hot.any():
            return ids
        # Of each hot band key, its newest live entries: grouped by band key (each
        # group ascending, oldest first), counted from the group's end.
        in_hot = hot[owner]
        order = np.flatnonzero(in_hot)
        order = order[np.argsort(owner[order], kind="stable")]
        mine, their_owner = ids[order], owner[order]
        alive = self._alive[mine]
        mine, their_owner = mine[alive], their_owner[alive]
        after = np.bincount(their_owner, minlength=band_keys.size)  # live entries of each band key
        ends = np.cumsum(after)[their_owner]
        newest = ends - np.arange(mine.size) <= self.HOT_BAND_ENTRIES
        return np.concatenate([ids[~in_hot], mine[newest]])

    def _new_ids(self, keys: list[str], ts: np.ndarray) -> np.ndarray:
        first = len(self._key_of)
        end = first + len(keys)
        if end > self._ts.size:
            capacity = max(end, 2 * self._ts.size)
            self._ts = np.resize(self._ts, capacity)
            self._prefix = np.resize(self._prefix, capacity)
            self._alive = np.concatenate([self._alive, np.zeros(capacity - self._alive.size, dtype=bool)])
        self._ts[first:end] = ts
        self._prefix[first:end] = _key_prefixes(keys)
        self._alive[first:end] = True
        self._key_of.extend(keys)
        self._id_of.update(zip(keys, range(first, end)))
        return np.arange(first, end, dtype=np.int32)

    def _remove_keys(self, keys: list[str]) -> int:
        # Entries stay in the runs until a merge drops them; queries skip dead ids.
        for key in keys:
            i = self._id_of.pop(key)
            self._key_of[i] = None
            self._alive[i] = False
        self._dead_ids += len(keys)
        if self._dead_ids > max(len(self._id_of), self.COMPACT_MIN_DEAD):
            self.compact()
        return len(keys)

    def _delta_limit(self) -> int:
        return max(self.DELTA_MIN_ENTRIES, (self._main.size if self._main else 0) // self.DELTA_SHARE)

    def _flush_delta(self, keys: np.ndarray | None = None, ids: np.ndarray | None = None) -> None:
        """Merge the dict's entries (and `keys`/`ids`, if given) into the sorted run."""
        if not self._delta and keys is None:
            return
        delta_keys: list[int] = []
        delta_ids: list[int] = []
        for band_key, held in self._delta.items():
            if type(held) is int:
                delta_keys.append(band_key)
                delta_ids.append(held)
            else:
                delta_keys.extend([band_key] * len(held))
                delta_ids.extend(held)
        self._delta, self._delta_entries = {}, 0
        new_keys = np.array(delta_keys, dtype=np.uint64)
        new_ids = np.array(delta_ids, dtype=np.int32)
        if keys is not None:
            new_keys, new_ids = np.concatenate([new_keys, keys]), np.concatenate([new_ids, ids])
        alive = self._alive if self._dead_ids else None  # dead entries are dropped on the way
        if alive is not None:
            keep = alive[new_ids]
            new_keys, new_ids = new_keys[keep], new_ids[keep]
        if self._main is None:
            self._main = _SortedRun.build(new_keys, new_ids)
        else:
            self._main = self._main.merged(new_keys, new_ids, alive)
        log.debug("lsh entries merged", extra={"entries": self._main.size})


# Band entries live in `buckets` Redis hashes (field: 8-byte band key, value:
# the keys sharing it, joined by NUL): small hashes stay in Redis's compact
# listpack encoding, about 35 bytes an entry, where a set per band key costs
# some 150. Lua scripts keep each article's entries, its band-key list and its
# time consistent with several workers writing: a script runs atomically.
# A band key shared by many articles (common names make some) would make each
# insert copy a long value: past SPILL_BYTES its keys move to a string of their
# own, `{prefix}:s:{band key}`, that grows by APPEND, and the hash field holds
# the byte 1 (article keys never start with it).
SPILL_BYTES = 1024
_LUA_HELPERS = """
local prefix, nbuckets = ARGV[1], tonumber(ARGV[2])
local SPILLED = '\\1'
local function bucket(bk)
  local a, b, c = string.byte(bk, 1, 3)
  return prefix .. ':h:' .. ((a * 65536 + b * 256 + c) % nbuckets)
end
local function spill_key(bk)
  return prefix .. ':s:' .. bk
end
local function unlink(key, packed)
  for i = 1, #packed, 8 do
    local bk = string.sub(packed, i, i + 7)
    local h = bucket(bk)
    local value = redis.call('HGET', h, bk)
    local spilled = value == SPILLED
    if spilled then value = redis.call('GET', spill_key(bk)) end
    if value then
      local kept = {}
      for member in string.gmatch(value, '[^%z]+') do
        if member ~= key then kept[#kept + 1] = member end
      end
      if #kept == 0 then
        redis.call('HDEL', h, bk)
        if spilled then redis.call('DEL', spill_key(bk)) end
      elseif spilled then redis.call('SET', spill_key(bk), table.concat(kept, '\\0'))
      else redis.call('HSET', h, bk, table.concat(kept, '\\0')) end
    end
  end
end
"""

# ARGV: prefix, buckets, then (key, ts, packed band keys) per article.
_ADD_LUA = _LUA_HELPERS + f"local spill_bytes = {SPILL_BYTES}\n" + """
local added = 0
for j = 3, #ARGV, 3 do
  local key, ts, packed = ARGV[j], ARGV[j + 1], ARGV[j + 2]
  local kkey = prefix .. ':k:' .. key
  local old = redis.call('GET', kkey)
  if old then unlink(key, old) else added = added + 1 end
  for i = 1, #packed, 8 do
    local bk = string.sub(packed, i, i + 7)
    local h = bucket(bk)
    -- most band keys are new: one call; else append to the keys already there
    if redis.call('HSETNX', h, bk, key) == 0 then
      local value = redis.call('HGET', h, bk)
      if value == SPILLED then
        redis.call('APPEND', spill_key(bk), '\\0' .. key)
      elseif #value >= spill_bytes then
        redis.call('SET', spill_key(bk), value .. '\\0' .. key)
        redis.call('HSET', h, bk, SPILLED)
      else
        redis.call('HSET', h, bk, value .. '\\0' .. key)
      end
    end
  end
  redis.call('SET', kkey, packed)
  redis.call('ZADD', prefix .. ':ts', ts, key)
end
return added
"""

# ARGV: prefix, buckets, before ('' = unconditional), keys...; with `before`,
# a key re-inserted since (ts >= before) by another worker is kept.
_REMOVE_LUA = _LUA_HELPERS + """
local before = tonumber(ARGV[3])
local removed = 0
for j = 4, #ARGV do
  local key = ARGV[j]
  local score = redis.call('ZSCORE', prefix .. ':ts', key)
  if score and (not before or tonumber(score) < before) then
    local kkey = prefix .. ':k:' .. key
    local old = redis.call('GET', kkey)
    if old then unlink(key, old) end
    redis.call('DEL', kkey)
    redis.call('ZREM', prefix .. ':ts', key)
    removed = removed + 1
  end
end
return removed
"""

# ARGV: prefix, buckets, packed band keys, hot band entries. Returns the values
# of the band keys that exist, joined by byte 1; of a spilled one, its end: a
# window that holds its newest keys, marked by a leading byte 2 when it may
# begin inside a key. The caller splits and trims (str.split beats a Lua loop
# over thousands of keys: Redis does nothing else meanwhile). One string: it is
# parsed much faster than an array of 64 by redis-py's reply parser.
_QUERY_LUA = _LUA_HELPERS + """
local packed, cap = ARGV[3], tonumber(ARGV[4])
local found = {}
for i = 1, #packed, 8 do
  local bk = string.sub(packed, i, i + 7)
  local value = redis.call('HGET', bucket(bk), bk)
  if value == SPILLED then
    local source = spill_key(bk)
    local length = redis.call('STRLEN', source)
    local window = cap * 32
    while true do
      local start = math.max(0, length - window)
      local chunk = redis.call('GETRANGE', source, start, -1)
      if start == 0 then value = chunk break end
      local _, separators = string.gsub(chunk, '%z', '')
      if separators >= cap then value = '\\2' .. chunk break end
      window = window * 2
    end
  end
  if value then found[#found + 1] = value end
end
return table.concat(found, '\\1')
"""


def band_match_counts_each(requests: list[tuple[LSHStorage, np.ndarray, int | None]]) -> list[tuple[list[str], np.ndarray]]:
    """`band_match_counts(band_keys, limit)` of several (storage, band_keys, limit):
    those of Redis storages sharing one client in one pipeline (one round trip
    instead of one each), the others in turn."""
    remote = [(i, s, band_keys) for i, (s, band_keys, _) in enumerate(requests) if isinstance(s, RedisLSHStorage)]
    replies: dict[int, tuple[list[str], np.ndarray]] = {}
    if len(remote) > 1 and all(s.client is remote[0][1].client for _, s, _ in remote):
        client = remote[0][1].client
        args = [s._query_args(band_keys) for _, s, band_keys in remote]
        # EVALSHA sent by hand (redis-py's scripts in a pipeline first ask Redis which
        # it holds: a round trip more): 1.7 KB of Lua less a query. A script Redis lost
        # (flushed, restarted) answers NOSCRIPT without running, and its queries are
        # sent again with the source, which Redis then keeps: reads, safe to repeat.
        with client.pipeline(transaction=False) as pipe:
            for query_args in args:
                pipe.evalsha(remote[0][1]._query_script.sha, 0, *query_args)
            found_each = pipe.execute(raise_on_error=False)
        lost = [j for j, found in enumerate(found_each) if isinstance(found, NoScriptError)]
        if lost:
            with client.pipeline(transaction=False) as pipe:
                for j in lost:
                    pipe.eval(_QUERY_LUA, 0, *args[j])
                for j, found in zip(lost, pipe.execute()):
                    found_each[j] = found
        for (i, s, _), found in zip(remote, found_each):
            if isinstance(found, Exception):
                raise found
            shared = Counter(s._matches(found))
            replies[i] = list(shared), np.fromiter(shared.values(), dtype=np.int64, count=len(shared))
    return [replies[i] if i in replies else s.band_match_counts(band_keys, limit)
            for i, (s, band_keys, limit) in enumerate(requests)]


class RedisLSHStorage(LSHStorage):
    """Storage in Redis under `prefix`: shared by every process using that prefix.

    Layout: `{prefix}:meta` (hash of parameters), `{prefix}:ts` (sorted set
    key -> ts), `{prefix}:k:{key}` (packed band keys, for removal) and
    `{prefix}:h:{0..buckets-1}` (hashes: band key -> NUL-joined keys). A query
    is one script call (one round trip); writes go in pipelines of
    `batch_size` script calls, or into the caller's pending MULTI/EXEC (see
    `transaction`). `buckets` is fixed when a prefix is first used;
    entries per bucket (articles x bands / buckets: 64 at 1M articles and 64
    bands with the default) under Redis's hash-max-listpack-entries (128) keep
    the compact encoding.
    Keys hold no bytes 0, 1 or 2 (separators in values and replies).
    Not for Redis Cluster: one script touches many hashes.
    """

    ARTICLES_PER_CALL = 50  # small enough not to hold Redis up for long

    def __init__(self, client, prefix: str = "newsagg:lsh", buckets: int = 1 << 20,
                 batch_size: int = 1000, transaction: Callable[[], Any] | None = None):
        """`transaction`, if given, returns the pipeline of a pending MULTI/EXEC
        (or None): `add` then joins it, landing with the caller's other writes."""
        self.client = client
        self.transaction = transaction
        self.prefix = prefix
        self.buckets = buckets
        self.batch_size = batch_size
        self._meta_key, self._ts_key = f"{prefix}:meta", f"{prefix}:ts"
        self._add_script = client.register_script(_ADD_LUA)
        self._remove_script = client.register_script(_REMOVE_LUA)
        self._query_script = client.register_script(_QUERY_LUA)

    @classmethod
    def from_url(cls, url: str, prefix: str = "newsagg:lsh") -> "RedisLSHStorage":
        import redis

        return cls(redis.Redis.from_url(url), prefix=prefix)

    def bind(self, config: dict) -> None:
        stored = {_text(k): int(v) for k, v in self.client.hgetall(self._meta_key).items()}
        if stored:
            self.buckets = stored.get("buckets", self.buckets)  # the index's, not ours
        config = _check_config(stored, {**config, "buckets": self.buckets})
        if not stored:
            self.client.hset(self._meta_key, mapping=config)

    def add(self, keys: list[str], band_keys: np.ndarray, ts: np.ndarray) -> None:
        if any("\0" in key for key in keys):
            raise ValueError("LSH keys must not contain NUL")
        calls = self._add_calls(keys, band_keys, ts)
        pending = self.transaction() if self.transaction else None
        if pending is not None:
            for args in calls:
                # EVAL, not EVALSHA: a script Redis does not know fails inside EXEC,
                # where it cannot be loaded and retried.
                pending.eval(_ADD_LUA, 0, *args)
            return
        with self.client.pipeline(transaction=False) as pipe:
            # Redis runs each script call atomically; a pipeline carries
            # batch_size articles a round trip.
            for n, args in enumerate(calls, 1):
                self._add_script(args=args, client=pipe)
                if n * self.ARTICLES_PER_CALL % self.batch_size == 0:
                    pipe.execute()
            pipe.execute()

    def _add_calls(self, keys: list[str], band_keys: np.ndarray, ts: np.ndarray):
        """Arguments of the add script, one call per ARTICLES_PER_CALL articles."""
        packed = np.ascontiguousarray(band_keys, dtype=">u8")
        for lo in range(0, len(keys), self.ARTICLES_PER_CALL):
            args = [self.prefix, self.buckets]
            for i in range(lo, min(lo + self.ARTICLES_PER_CALL, len(keys))):
                args += [keys[i], repr(float(ts[i])), packed[i].tobytes()]
            yield args

    def band_matches(self, band_keys: np.ndarray) -> list[str]:
        return self._matches(self._query_script(args=self._query_args(band_keys)))

    def _query_args(self, band_keys: np.ndarray) -> list:
        packed = np.ascontiguousarray(band_keys, dtype=">u8").tobytes()
        return [self.prefix, self.buckets, packed, self.HOT_BAND_ENTRIES]

    def _matches(self, found) -> list[str]:
        """The keys of the query script's reply (`band_matches`)."""
        cap = self.HOT_BAND_ENTRIES
        keys: list[str] = []
        for value in _text(found).split("\1") if found else ():
            if value.startswith("\2"):  # the end of a long value: its first key may be cut
                keys += value[1:].split("\0")[1:][-cap:]
            else:
                keys += value.split("\0")[-cap:]
        return keys

    def remove(self, keys: list[str], before_ts: float | None = None) -> int:
        removed = 0
        before = "" if before_ts is None else repr(float(before_ts))
        for lo in range(0, len(keys), self.batch_size):
            chunk = keys[lo:lo + self.batch_size]
            removed += self._remove_script(args=[self.prefix, self.buckets, before, *chunk])
        return removed

    def expire(self, before_ts: float) -> int:
        removed = 0
        while True:
            old = self.client.zrangebyscore(self._ts_key, "-inf", f"({before_ts!r}",
                                            start=0, num=self.batch_size)
            if not old:
                return removed
            removed += self.remove([_text(k) for k in old], before_ts=before_ts)

    def clear(self) -> None:
        for batch in batched(self.client.scan_iter(match=f"{self.prefix}:*", count=1000), 1000):
            self.client.delete(*batch)

    def __len__(self) -> int:
        return self.client.zcard(self._ts_key)

    def __contains__(self, key: str) -> bool:
        return self.client.zscore(self._ts_key, key) is not None


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


