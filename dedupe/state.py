"""Where the story engine keeps its state, behind one small storage interface.

Two implementations, one engine:

- `LocalState` (embedded default): records in a SQLite file under
  `settings.data_dir` (so a restart loses nothing; texts and features stay on
  disk, not in memory), the LSH index in process memory, rebuilt from the
  signatures SQLite keeps for the entries that have not expired, and caught
  up before each assignment with those another process on the same data dir
  added (SQLite's write lock serialises the assignments of those processes).
- `RedisState` (distributed): records, features and the LSH index in Redis,
  shared by the worker processes; a Redis lock serialises assignments.

Records are small JSON documents addressed by (kind, key). "Open" sets are
sorted by a timestamp so that `maintain` finds quiet clusters without a scan.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import weakref
import zlib
from abc import ABC, abstractmethod
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from redis import exceptions as redis_errors

from newsagg.dedupe.arrays import unique
from newsagg.dedupe.lsh import MemoryLSHStorage, RedisLSHStorage

log = logging.getLogger(__name__)


class StateError(RuntimeError):
    """The engine state cannot be reached or read."""


# Records are JSON, marked by a first byte: b"j". Records are not compressed: an
# assignment reads its candidates' features records (about ten a time in a long
# run) and writes its own, and inflating and deflating them cost 0.7 ms of it,
# for a third less space (a features record of the real pages: 8.8 KB plain, 5.8
# KB deflated; most of it is base64 of hashes). Records stored compressed (b"z",
# zlib) are still read.


def _dump(value: dict[str, Any]) -> bytes:
    return b"j" + orjson.dumps(value)


def _load(blob: bytes | None) -> dict[str, Any] | None:
    if blob is None:
        return None
    blob = bytes(blob)
    return orjson.loads(zlib.decompress(blob[1:]) if blob[:1] == b"z" else blob[1:])


class EngineState(ABC):
    """Storage interface of the story engine."""

    @abstractmethod
    def lock(self, reads: dict[str, Iterable[str]] | None = None):
        """Context manager held around one assignment (or maintenance) run. `reads`:
        records of several kinds ({kind: keys}) the holder reads first, fetched with
        the lock where a read costs a round trip (Redis)."""

    @abstractmethod
    def get_many(self, kind: str, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Records of `kind` by key; missing keys are left out."""

    @abstractmethod
    def put_many(self, kind: str, records: dict[str, dict[str, Any]]) -> None: ...

    @abstractmethod
    def delete(self, kind: str, key: str) -> None: ...

    @abstractmethod
    def add_members(self, name: str, members: Iterable[str]) -> None: ...

    @abstractmethod
    def members(self, name: str) -> list[str]: ...

    @abstractmethod
    def remove_members(self, name: str, members: Iterable[str]) -> None: ...

    @abstractmethod
    def touch(self, name: str, key: str, ts: float) -> None:
        """Set `key`'s timestamp in the sorted set `name`."""

    @abstractmethod
    def older_than(self, name: str, ts: float) -> list[str]:
        """Keys of sorted set `name` whose timestamp is before `ts`."""

    @abstractmethod
    def touched_between(self, name: str, low: float, high: float) -> list[str]:
        """Keys of sorted set `name` whose timestamp lies in [low, high]."""

    @abstractmethod
    def untouch(self, name: str, keys: Iterable[str]) -> None: ...

    # Document frequencies live in memory (`_DocumentCounts`), fed by an append-only
    # log of each counted document's term ids that every process sharing the state
    # reads: counting a document writes one log entry. Updating a stored count per
    # term instead cost 500 KB of SQLite WAL (110 B-tree pages) or 1.4-2.2 ms of
    # Redis scripting per article. Every DF_FOLD_ROWS documents the counts that
    # changed are written as a snapshot and the log is trimmed.
    DF_FOLD_ROWS = 2000

    def count_document(self, term_ids: Iterable[int]) -> tuple[int, dict[int, int]]:
        """Count one more document holding these terms; returns (documents
        counted, document frequency of each of the terms), this one included.
        Called under `lock()`, so the log grows one entry at a time."""
        terms = unique(np.fromiter(term_ids, dtype=np.int64))
        counts = self._df_counts
        entries = None if counts.seen < 0 else self._df_entries_since(counts.seen)
        if entries is None:  # first use, or entries we had not read were trimmed meanwhile
            counts.load(*self._df_snapshot())
            entries = self._df_entries_since(counts.seen)
            if entries is None:
                raise StateError("document-frequency log inconsistent with its snapshot")
        for seq, logged in entries:
            counts.add(seq, logged)
        seq = self._df_append(terms)
        counts.add(seq, terms)
        if seq - counts.folded >= self.DF_FOLD_ROWS:
            changed = unique(np.concatenate([np.empty(0, np.int64), *counts.changed])).tolist() + [0]
            self._df_fold({t: counts.df[t] for t in changed}, seq, counts.folded)
            counts.folded, counts.changed = seq, []
        ids = terms.tolist()
        return counts.df[0], dict(zip(ids, map(counts.df.__getitem__, ids)))

    def _df_snapshot(self) -> tuple[dict[int, int], int]:
        """(the folded counts, the log position they hold)."""
        raise NotImplementedError

    def _df_entries_since(self, seq: int) -> list[tuple[int, np.ndarray]] | None:
        """Log entries after `seq`, in order; None when some were trimmed."""
        raise NotImplementedError

    def _df_append(self, terms: np.ndarray) -> int:
        """Log one document's term ids (in this assignment's transaction); its position."""
        raise NotImplementedError

    def _df_fold(self, counts: dict[int, int], through: int, previous: int) -> None:
        """Write `counts` (exact as of log position `through`) to the snapshot and trim
        the log (entries up to `previous` at least)."""
        raise NotImplementedError

    @abstractmethod
    def lsh_storage(self, name: str): ...

    def remember_signature(self, name: str, key: str, sig: np.ndarray, ts: float) -> int | None:
        """Keep a signature where the LSH storage does not persist it itself;
        returns its position in `signatures_since` order."""

    def forget_signatures(self, name: str, keys: Iterable[str]) -> None: ...

    def forget_signatures_before(self, name: str, ts: float) -> None: ...

    def signatures_since(self, name: str, position: int) -> list[tuple[int, str, np.ndarray, float]]:
        """Signatures remembered after `position` (by any process): (position, key, sig, ts)."""
        return []

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        return self.get_many(kind, [key]).get(key)

    def put(self, kind: str, key: str, record: dict[str, Any]) -> None:
        self.put_many(kind, {key: record})

    def close(self) -> None:
        pass


class _DocumentCounts:
    """Document frequencies in memory: term id -> documents holding it, 0 -> all
    documents; `seen`: the log position counted up to (-1: load first)."""

    def __init__(self) -> None:
        self.df: Counter[int] = Counter()  # Counter.update counts an id list in C
        self.seen = -1
        self.folded = 0  # the snapshot's log position when we last loaded or folded
        self.changed: list[np.ndarray] = []  # terms counted since then (a set of them cost more)

    def load(self, df: dict[int, int], through: int) -> None:
        self.df, self.seen, self.folded, self.changed = Counter(df), through, through, []

    def add(self, seq: int, terms: np.ndarray) -> None:
        ids = terms.tolist()
        self.df.update(ids)
        self.df[0] += 1
        self.changed.append(terms)
        self.seen = seq

    def forget(self) -> None:
        """After a transaction that did not land: reload before counting again."""
        self.seen = -1


class _RecordCache:
    """Decoded records of the kinds every assignment reads (event records: the
    centroids of its candidates' events; article records: the candidates'
    groups and events), kept between assignments while nobody else has written;
    the owner clears it when someone may have. Callers replace a record's nested
    values, never change them in place, so shallow copies keep the cache apart
    from what they edit."""

    SIZES = {"event": 2000, "article": 20000}  # records kept per kind, oldest out first

    def __init__(self) -> None:
        # OrderedDict: dropping the oldest of a plain dict again and again makes
        # next(iter()) walk the dict's deleted slots (spikes of 5-20 ms, measured).
        self._records: dict[str, OrderedDict[str, dict[str, Any]]] = {kind: OrderedDict() for kind in self.SIZES}

    def get_many(self, kind: str, keys: list[str]) -> dict[str, dict[str, Any]]:
        held = self._records.get(kind)
        if not held:
            return {}
        return {k: dict(held[k]) for k in keys if k in held}

    def put(self, kind: str, key: str, value: dict[str, Any]) -> None:
        held = self._records.get(kind)
        if held is None:
            return
        held.pop(key, None)  # a rewritten record counts as new
        while len(held) >= self.SIZES[kind]:
            held.popitem(last=False)
        held[key] = dict(value)

    def discard(self, kind: str, key: str) -> None:
        held = self._records.get(kind)
        if held is not None:
            held.pop(key, None)

    def clear(self) -> None:
        for held in self._records.values():
            held.clear()


class _Checkpointer(threading.Thread):
    """Copies the SQLite write-ahead log into the database file every `interval`
    seconds, on its own connection. SQLite's automatic checkpoint would run (and
    fsync) inside whichever commit crosses its threshold: a 5-6 ms stall of that
    assignment, most of the engine's p99 (bench/bench_dedupe.py)."""

    def __init__(self, owner: "LocalState", interval: float):
        super().__init__(name="story-state-checkpoint", daemon=True)
        self.path, self.interval = owner.path, interval
        self.owner = weakref.ref(owner)  # a state dropped without close() ends the thread too
        self.stopping = threading.Event()

    def run(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None)
        try:
            while not self.stopping.wait(self.interval) and self.owner() is not None:
                self.checkpoint(db)
            self.checkpoint(db)
        finally:
            db.close()

    @staticmethod
    def checkpoint(db: sqlite3.Connection) -> None:
        try:  # PASSIVE: never waits for (nor blocks) the assignments
            db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as exc:
            log.warning("story state checkpoint failed, retried next time", extra={"error": str(exc)})


class LocalState(EngineState):
    """SQLite file under `data_dir` plus an in-process LSH (one process).

    A `_RecordCache` holds decoded event records between assignments while no
    other connection has committed (SQLite's `PRAGMA data_version`, checked when
    the lock is taken).
    """

    CHECKPOINT_SECONDS = 1.0

    def __init__(self, data_dir: Path | str):
        self.path = Path(data_dir) / "story-engine.sqlite3"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA wal_autocheckpoint=0")  # see _Checkpointer
        self._checkpointer: _Checkpointer | None = None
        self._checkpointer_pid: int | None = None
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS records(kind TEXT, key TEXT, value BLOB, PRIMARY KEY(kind, key));
            CREATE TABLE IF NOT EXISTS members(name TEXT, member TEXT, PRIMARY KEY(name, member));
            CREATE TABLE IF NOT EXISTS sorted(name TEXT, key TEXT, ts REAL, PRIMARY KEY(name, key));
            CREATE INDEX IF NOT EXISTS sorted_ts ON sorted(name, ts);
            CREATE TABLE IF NOT EXISTS df(term INTEGER PRIMARY KEY, n INTEGER);
            CREATE TABLE IF NOT EXISTS df_log(seq INTEGER PRIMARY KEY AUTOINCREMENT, terms BLOB);
            CREATE TABLE IF NOT EXISTS df_folded(id INTEGER PRIMARY KEY CHECK (id = 0), through INTEGER);
            CREATE TABLE IF NOT EXISTS signatures(seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, key TEXT,
                                                  sig BLOB, ts REAL, UNIQUE(name, key));
            """)
        self._storages: dict[str, MemoryLSHStorage] = {}
        self._in_tx = 0
        self._cache = _RecordCache()
        self._df_counts = _DocumentCounts()
        self._data_version: int | None = None
        self._others_wrote = True  # since our previous transaction (set when the lock is taken)
        # The last row we wrote to each log ("df", "signatures:<index>"): while
        # nobody else writes, no row lies beyond it.
        self._log_ends: dict[str, int] = {}

    @contextmanager
    def lock(self, reads=None):
        # One transaction per assignment: all of its writes land or none do.
        # (`reads`: SQLite reads cost no round trip; they are read when asked for.)
        with self._lock:
            self._in_tx += 1
            if self._in_tx == 1:
                self.db.execute("BEGIN IMMEDIATE")
                version = self.db.execute("PRAGMA data_version").fetchone()[0]
                self._others_wrote = version != self._data_version
                if self._others_wrote:  # another process wrote: cached records may be stale
                    self._cache.clear()
                    self._data_version = version
            try:
                yield
            except BaseException:
                if self._in_tx == 1:
                    self.db.execute("ROLLBACK")
                    self._log_ends.clear()  # our rolled-back rows are not the ends of anything
                    self._cache.clear()  # it may hold writes that were just rolled back
                    self._df_counts.forget()  # so may the document counts
                raise
            else:
                if self._in_tx == 1:
                    self.db.execute("COMMIT")
                    self._ensure_checkpointer()
            finally:
                self._in_tx -= 1

    def _ensure_checkpointer(self) -> None:
        # Started with the first write, and again in a forked child (threads do not survive a fork).
        if self._checkpointer_pid != os.getpid():
            self._checkpointer = _Checkpointer(self, self.CHECKPOINT_SECONDS)
            self._checkpointer_pid = os.getpid()
            self._checkpointer.start()

    def get_many(self, kind, keys):
        keys = list(dict.fromkeys(keys))
        caching = self._in_tx > 0  # only under the lock is the cache known to be current
        out = self._cache.get_many(kind, keys) if caching else {}
        keys = [k for k in keys if k not in out]
        for lo in range(0, len(keys), 500):
            chunk = keys[lo:lo + 500]
            marks = ",".join("?" * len(chunk))
            for key, blob in self.db.execute(
                    f"SELECT key, value FROM records WHERE kind=? AND key IN ({marks})", (kind, *chunk)):
                out[key] = _load(blob)
                if caching:
                    self._cache.put(kind, key, out[key])
        return out

    def put_many(self, kind, records):
        self.db.executemany("INSERT OR REPLACE INTO records VALUES (?,?,?)",
                            [(kind, k, _dump(v)) for k, v in records.items()])
        for k, v in records.items():
            if self._in_tx:
                self._cache.put(kind, k, v)
            else:
                self._cache.discard(kind, k)

    def delete(self, kind, key):
        self.db.execute("DELETE FROM records WHERE kind=? AND key=?", (kind, key))
        self._cache.discard(kind, key)

    def add_members(self, name, members):
        self.db.executemany("INSERT OR IGNORE INTO members VALUES (?,?)", [(name, m) for m in members])

    def members(self, name):
        return [m for (m,) in self.db.execute("SELECT member FROM members WHERE name=? ORDER BY rowid", (name,))]

    def remove_members(self, name, members):
        self.db.executemany("DELETE FROM members WHERE name=? AND member=?", [(name, m) for m in members])

    def touch(self, name, key, ts):
        self.db.execute("INSERT OR REPLACE INTO sorted VALUES (?,?,?)", (name, key, ts))

    def older_than(self, name, ts):
        return [k for (k,) in self.db.execute("SELECT key FROM sorted WHERE name=? AND ts<? ORDER BY ts", (name, ts))]

    def touched_between(self, name, low, high):
        return [k for (k,) in self.db.execute("SELECT key FROM sorted WHERE name=? AND ts>=? AND ts<=? ORDER BY ts",
                                              (name, low, high))]

    def untouch(self, name, keys):
        self.db.executemany("DELETE FROM sorted WHERE name=? AND key=?", [(name, k) for k in keys])

    def _df_through(self) -> int:
        row = self.db.execute("SELECT through FROM df_folded WHERE id=0").fetchone()
        return row[0] if row else 0

    def _df_snapshot(self):
        return dict(self.db.execute("SELECT term, n FROM df")), self._df_through()

    def _nothing_after(self, log: str, position: int) -> bool:
        """Whether a log holds no row after `position`, known without reading it:
        under the lock, no other connection committed since our previous
        transaction, and `position` is the last row we wrote there."""
        return self._in_tx > 0 and not self._others_wrote and self._log_ends.get(log) == position

    def _df_entries_since(self, seq):
        if self._nothing_after("df", seq):
            return []
        if self._df_through() > seq:  # a fold deleted rows we had not read
            return None
        return [(n, np.frombuffer(blob, dtype=np.int64)) for n, blob in self.db.execute(
            "SELECT seq, terms FROM df_log WHERE seq>? ORDER BY seq", (seq,))]

    def _df_append(self, terms):
        seq = self._log_ends["df"] = self.db.execute("INSERT INTO df_log(terms) VALUES (?)",
                                                     (terms.tobytes(),)).lastrowid
        return seq

    def _df_fold(self, counts, through, previous):
        self.db.executemany("INSERT OR REPLACE INTO df VALUES (?,?)", list(counts.items()))
        self.db.execute("DELETE FROM df_log WHERE seq<=?", (through,))
        self.db.execute("INSERT OR REPLACE INTO df_folded VALUES (0, ?)", (through,))

    def lsh_storage(self, name):
        return self._storages.setdefault(name, MemoryLSHStorage())

    def remember_signature(self, name, key, sig, ts):
        cur = self.db.execute("INSERT OR REPLACE INTO signatures(name, key, sig, ts) VALUES (?,?,?,?)",
                              (name, key, np.asarray(sig, dtype=np.uint32).tobytes(), ts))
        self._log_ends[f"signatures:{name}"] = cur.lastrowid
        return cur.lastrowid

    def forget_signatures(self, name, keys):
        self.db.executemany("DELETE FROM signatures WHERE name=? AND key=?", [(name, k) for k in keys])

    def forget_signatures_before(self, name, ts):
        self.db.execute("DELETE FROM signatures WHERE name=? AND ts<?", (name, ts))

    def signatures_since(self, name, position):
        if self._nothing_after(f"signatures:{name}", position):
            return []
        # AUTOINCREMENT never reuses a number and a replaced row gets a new one,
        # so seq order is the order of remembering.
        rows = self.db.execute("SELECT seq, key, sig, ts FROM signatures WHERE name=? AND seq>? ORDER BY seq",
                               (name, position))
        return [(seq, key, np.frombuffer(blob, dtype=np.uint32), ts) for seq, key, blob, ts in rows]

    def close(self):
        if self._checkpointer is not None and self._checkpointer_pid == os.getpid():
            self._checkpointer.stopping.set()
            self._checkpointer.join()
        self.db.close()


@dataclass
class _PendingWrites:
    """Writes of one assignment, queued on a transaction pipeline, and what they
    change, so that the assignment reads its own writes before they are sent;
    and what it read."""

    pipe: Any
    # Records as written (None: deleted), decoded only if the assignment reads one again.
    records: dict[tuple[str, str], bytes | None] = field(default_factory=dict)
    # Records of any kind the assignment read: nobody else writes while it holds
    # the lock, so a second read of one (a candidate that turns out to be the
    # copied text) needs no round trip. Shallow copies, as in `_RecordCache`; None:
    # known to be missing.
    read: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict)
    added: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, set[str]] = field(default_factory=dict)


# Taking the lock reads, in the same round trip, what every assignment reads first:
# the version counter (is our record cache current?) and the document-frequency log
# entries we have not counted yet (none unless another worker wrote).
_DF_SINCE_LUA = """
local function df_since(last_key, log_key, seen)
  local last = tonumber(redis.call('GET', last_key) or '0')
  if seen < 0 or last == seen then return {last, {}} end
  return {last, redis.call('XRANGE', log_key, '(0-' .. seen, '+')}
end
"""

# KEYS: lock, version, df last, df log, fence, then records the holder reads first
# (their values come back, false when missing); ARGV: token, lease ms, df position
# counted (-1: none). The fence is a counter incremented at every acquisition: the
# holder's transaction WATCHes it, so it lands only if nobody took the lock since (fencing).
_ACQUIRE_LUA = _DF_SINCE_LUA + """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
local fence = redis.call('INCR', KEYS[5])
local df = df_since(KEYS[3], KEYS[4], tonumber(ARGV[3]))
local records = #KEYS > 5 and redis.call('MGET', unpack(KEYS, 6)) or {}
return {redis.call('GET', KEYS[2]) or '0', df[1], df[2], fence, records}
"""

# KEYS: lock; ARGV: token, lease ms. Extends the lease only if the lock is still ours.
_RENEW_LUA = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"

# KEYS: df last, df log; ARGV: df position counted.
_DF_READ_LUA = _DF_SINCE_LUA + "return df_since(KEYS[1], KEYS[2], tonumber(ARGV[1]))"

# KEYS: lock; ARGV: token. Releases the lock only if it is still ours.
_RELEASE_LUA = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


class LockLost(StateError):
    """The story engine lock's lease lapsed and another worker took the lock: this
    holder's writes were refused (fencing); the step is retried."""


class _LeaseRenewer(threading.Thread):
    """Renews the lease of the lock its state holds, every third of the lease, until
    the holder releases it or has held it `lock_timeout` (then the lease lapses: a
    holder stuck for that long must not stall every worker for ever)."""

    def __init__(self, state: "RedisState"):
        super().__init__(name="story-lock-lease", daemon=True)
        self.owner = weakref.ref(state)
        self.interval = state.lease / 3
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            state = self.owner()
            if state is None:
                return
            state._renew_lease()
            del state


class RedisState(EngineState):
    """Records, features and LSH in Redis, shared by worker processes.

    A `_RecordCache` holds decoded event records between this process's
    assignments while nobody else has written: every transaction increments a
    version counter, read when the lock is taken.

    The lock is a lease (`lease` seconds, renewed by a thread while held), so a
    worker killed holding it stalls the others at most `lease` seconds, and a
    restarted Redis keeps it no longer than that. Each acquisition increments a
    fencing counter that the holder's transaction WATCHes: a holder whose lease
    lapsed while another worker took the lock cannot write (`LockLost`).
    """

    LOCK_POLL_SECONDS = 0.002

    def __init__(self, client, prefix: str = "newsagg:story", lock_timeout: float = 60.0, lease: float = 3.0):
        self.r = client
        self.prefix = prefix
        self.lock_timeout = lock_timeout  # longest wait for the lock, and longest hold
        self.lease = lease
        self._tx: _PendingWrites | None = None
        self._cache = _RecordCache()
        self._version: int | None = None  # the version our cache reflects
        self._unreleased: str | None = None  # our lock's token, when Redis went away before we could release it
        self._held: tuple[str, float] | None = None  # (token, monotonic time taken) while we hold the lock
        self._renewer: _LeaseRenewer | None = None
        self._renewer_pid: int | None = None
        self._df_counts = _DocumentCounts()
        self._df_last = 0  # the log's last position, as read under the lock
        self._df_read: tuple[int, int, list] | None = None  # (since, last, entries) read with the lock
        self._unchecked_fence: int | None = None  # our fencing token, until read back under the WATCH
        self._acquire = client.register_script(_ACQUIRE_LUA)
        self._release = client.register_script(_RELEASE_LUA)
        self._renew = client.register_script(_RENEW_LUA)
        self._df_read_script = client.register_script(_DF_READ_LUA)

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    @contextmanager
    def lock(self, reads=None):
        # One assignment at a time across all workers: the stream is then
        # assigned in lock order exactly as a sequential run would assign it.
        # The short lease frees the lock of a worker that died holding it.
        # Writes are queued and sent at the end in one MULTI/EXEC that also releases
        # the lock: one round trip, and an assignment that fails half-way leaves
        # nothing behind. The transaction WATCHes the fencing counter: it lands only
        # if nobody acquired the lock after us.
        if self._tx is not None:  # already held by this engine (re-entrant use)
            yield
            return
        self._release_unreleased()
        self._ensure_renewer()
        token = os.urandom(16).hex()
        # The records read first come with the lock (one round trip less): read after
        # it was taken, as a read under it would be.
        first_reads = [(kind, k) for kind, keys in (reads or {}).items() for k in dict.fromkeys(keys)]
        pipe = self.r.pipeline(transaction=True)
        try:
            # WATCHed on the connection that will send the transaction, in the lock's round trip
            version, df_last, df_entries, fence, blobs = self._take_lock(token, [self._k(*p) for p in first_reads],
                                                                         watching=pipe)
        except BaseException:
            pipe.reset()
            raise
        self._held = (token, time.monotonic())
        if version != self._version:  # another process wrote: cached records may be stale
            self._cache.clear()
        self._version = None  # unknown until our own transaction lands
        try:
            pipe.multi()
            self._df_read = (self._df_counts.seen, df_last, df_entries)
            # Whether the lock was taken from us already (a long pause) before the WATCH:
            # checked with the assignment's first read (one round trip less), else here.
            self._unchecked_fence = fence
            self._tx = _PendingWrites(pipe)
            self._remember_read(first_reads, blobs)
            yield
            if self._unchecked_fence is not None:
                self._check_fence([])
            self._tx.pipe.incr(self._k("version"))
            # EVAL, not EVALSHA: a script Redis does not know (flushed, restarted) fails
            # inside EXEC, where it cannot be loaded and retried.
            self._tx.pipe.eval(_RELEASE_LUA, 1, self._k("lock"), token)
            try:
                self._version, _ = pipe.execute()[-2:]
            except redis_errors.WatchError:  # the fence moved: another worker holds the lock now
                raise LockLost(f"story engine lock {self._k('lock')} lease lapsed and was taken by another "
                               f"worker; this assignment's writes were refused") from None
        finally:
            self._held = None
            pipe.reset()
            self._tx = self._df_read = self._unchecked_fence = None
            if self._version is None:  # our writes never landed (nor the release with them)
                self._cache.clear()  # forget what we cached and counted of them
                self._df_counts.forget()
                try:
                    self._release(keys=[self._k("lock")], args=[token])
                except redis_errors.ConnectionError:
                    self._unreleased = token  # released on our next assignment, not at its lease's end
                    raise

    def _check_fence(self, keys: list[str]) -> list:
        """MGET of `keys` plus the fencing counter, which must still be the one our
        lock acquisition set: else another worker took the lock before our
        transaction WATCHed it, and this one must not write."""
        values = self.r.mget(keys + [self._k("fence")])
        fence, self._unchecked_fence = self._unchecked_fence, None
        if int(values.pop() or 0) != fence:
            raise LockLost(f"story engine lock {self._k('lock')} lost before its first write")
        return values

    def _take_lock(self, token: str, read_keys: Sequence[str] = (),
                   watching=None) -> tuple[int, int, list, int, list]:
        """Wait for the lock; (version, df log's last position, its entries we have not
        counted, our fencing token, the values of `read_keys` (None: missing)). With
        `watching` (a transaction pipeline), the fencing counter is WATCHed on its
        connection in the same round trip, right after the acquisition."""
        # Poll every 2 ms, not redis-py's 100 ms: assignments take a few ms, so a waiting
        # worker would otherwise idle most of the time (1.5x with 2 workers, measured).
        deadline = time.monotonic() + self.lock_timeout
        keys = [self._k("lock"), self._k("version"), self._k("df", "last"), self._k("df", "log"),
                self._k("fence"), *read_keys]
        args = [token, int(self.lease * 1000), self._df_counts.seen]
        attempt = (lambda: self._acquire_and_watch(watching, keys, args)) if watching is not None \
            else (lambda: self._acquire(keys=keys, args=args))
        while not (taken := attempt()):
            if time.monotonic() >= deadline:
                raise StateError(f"story engine lock {self._k('lock')} not acquired in {self.lock_timeout}s")
            time.sleep(self.LOCK_POLL_SECONDS)
        version, df_last, df_entries, fence, blobs = taken
        return int(version), int(df_last), df_entries, int(fence), [b or None for b in blobs]

    def _acquire_and_watch(self, pipe, keys: list, args: list):
        """One attempt of the acquisition script, followed by WATCH of the fencing counter
        on `pipe`'s connection, sent together (one round trip, not two). The WATCH of a
        failed attempt is dropped by the next one's UNWATCH: the holder's writes would
        fail our transaction. The acquisition's reply (None: the lock is held)."""
        # redis-py has no call for a WATCH pipelined with other commands: the pipeline's
        # connection is taken as `Pipeline.watch` takes it, and marked as watching so
        # that `reset()` unwatches it and hands it back.
        conn = pipe.connection = pipe.connection or self.r.connection_pool.get_connection()

        def attempt(script: tuple[str, str]) -> list:
            commands = [("UNWATCH",)] if pipe.watching else []
            commands += [(*script, len(keys), *keys, *args), ("WATCH", self._k("fence"))]

            def send() -> list:
                conn.send_packed_command(conn.pack_commands(commands))
                replies = []
                for _ in commands:  # every reply is read, errors too: the connection stays in step
                    try:
                        replies.append(conn.read_response())
                    except redis_errors.ResponseError as error:
                        replies.append(error)
                return replies

            # A connection that broke since its last use (Redis restarted) is reconnected and
            # the attempt sent again, as redis-py's own commands are retried.
            replies = conn.retry.call_with_retry(send, lambda error: conn.disconnect())
            pipe.watching = True
            return replies

        # EVALSHA: 570 bytes of Lua less an assignment. A script Redis lost (flushed,
        # restarted) answers NOSCRIPT without running: the attempt is sent again with
        # its source, which Redis then keeps.
        replies = attempt(("EVALSHA", self._acquire.sha))
        if isinstance(replies[-2], redis_errors.NoScriptError):
            replies = attempt(("EVAL", _ACQUIRE_LUA))
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        return replies[-2]

    def _ensure_renewer(self) -> None:
        if self._renewer is None or self._renewer_pid != os.getpid():  # none yet, or forked since
            self._renewer, self._renewer_pid = _LeaseRenewer(self), os.getpid()
            self._renewer.start()

    def _renew_lease(self) -> None:
        """Called by the renewer thread: extend the lease of the lock we hold."""
        held = self._held
        if held is None:
            return
        token, since = held
        if time.monotonic() - since > self.lock_timeout:
            log.warning("story engine lock held too long: its lease is no longer renewed", extra={
                "lock": self._k("lock"), "held_s": round(time.monotonic() - since, 1)})
            if self._held is held:  # said once; the lease lapses
                self._held = None
            return
        try:
            self._renew(keys=[self._k("lock")], args=[token, int(self.lease * 1000)])
        except redis_errors.RedisError as exc:  # Redis away: the holder's transaction will say so
            log.debug("story engine lock lease not renewed", extra={"error": str(exc)})

    def close(self) -> None:
        if self._renewer is not None and self._renewer_pid == os.getpid():
            self._renewer.stopping.set()
            self._renewer.join()
        self._renewer = None

    def _release_unreleased(self) -> None:
        """Release the lock we still hold from an assignment that Redis dropped: a
        restarted Redis (AOF) keeps it, and every worker would wait out its timeout.
        A no-op when it expired, or another worker took it since."""
        if self._unreleased is not None:
            self._release(keys=[self._k("lock")], args=[self._unreleased])
            self._unreleased = None

    @property
    def _w(self):
        """Where writes go: the pending transaction inside `lock`, else Redis directly."""
        return self._tx.pipe if self._tx is not None else self.r

    def get_many(self, kind, keys):
        keys = list(dict.fromkeys(keys))
        out: dict[str, dict[str, Any]] = {}
        tx = self._tx
        if tx is not None:  # this assignment's own writes, then what it read, then the cache
            for k in keys:
                if (kind, k) in tx.records:
                    if tx.records[kind, k] is not None:
                        out[k] = _load(tx.records[kind, k])
                elif (kind, k) in tx.read:
                    if tx.read[kind, k] is not None:
                        out[k] = dict(tx.read[kind, k])
            keys = [k for k in keys if (kind, k) not in tx.records and (kind, k) not in tx.read]
            cached = self._cache.get_many(kind, keys)
            out.update(cached)
            keys = [k for k in keys if k not in cached]
        if keys:
            out.update(self._fetch([(kind, k) for k in keys])[kind])
        return out

    def _fetch(self, pairs: list[tuple[str, str]]) -> dict[str, dict[str, dict[str, Any]]]:
        """Records of (kind, key) pairs in one MGET, by kind; under the lock they are
        remembered for the rest of the assignment, missing ones too."""
        out: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind, _ in pairs}
        tx = self._tx
        keys = [self._k(kind, k) for kind, k in pairs]
        blobs = self._check_fence(keys) if tx is not None and self._unchecked_fence is not None else self.r.mget(keys)
        for (kind, k), record in zip(pairs, self._remember_read(pairs, blobs)):
            if record is not None:
                out[kind][k] = record
        return out

    def _remember_read(self, pairs: list[tuple[str, str]], blobs: list) -> list[dict[str, Any] | None]:
        """Records of (kind, key) pairs from their stored values; under the lock they
        are remembered for the rest of the assignment, missing ones too."""
        records = [_load(b) if b is not None else None for b in blobs]
        tx = self._tx
        if tx is not None:
            for (kind, k), record in zip(pairs, records):
                tx.read[kind, k] = dict(record) if record is not None else None
                if record is not None:
                    self._cache.put(kind, k, record)
        return records

    def put_many(self, kind, records):
        if records:
            blobs = {k: _dump(v) for k, v in records.items()}
            self._w.mset({self._k(kind, k): b for k, b in blobs.items()})
            if self._tx is not None:
                self._tx.records.update({(kind, k): b for k, b in blobs.items()})
                for k, v in records.items():
                    self._cache.put(kind, k, v)
            else:  # outside the lock: the cache is checked again at the next one
                self.r.incr(self._k("version"))
                for k in records:
                    self._cache.discard(kind, k)

    def delete(self, kind, key):
        self._w.delete(self._k(kind, key))
        self._cache.discard(kind, key)
        if self._tx is not None:
            self._tx.records[kind, key] = None
        else:
            self.r.incr(self._k("version"))

    def add_members(self, name, members):
        members = list(members)
        if members:
            self._w.rpush(self._k("members", name), *members)
            if self._tx is not None:
                self._tx.added.setdefault(name, []).extend(members)
                self._tx.removed.get(name, set()).difference_update(members)

    def members(self, name):
        stored = [m.decode() for m in self.r.lrange(self._k("members", name), 0, -1)]
        if self._tx is not None:
            removed = self._tx.removed.get(name, set())
            stored = [m for m in stored + self._tx.added.get(name, []) if m not in removed]
        return list(dict.fromkeys(stored))

    def remove_members(self, name, members):
        members = list(members)
        for m in members:
            self._w.lrem(self._k("members", name), 0, m)
        if self._tx is not None:
            self._tx.removed.setdefault(name, set()).update(members)
            self._tx.added[name] = [m for m in self._tx.added.get(name, []) if m not in set(members)]

    def touch(self, name, key, ts):
        self._w.zadd(self._k("sorted", name), {key: ts})

    def older_than(self, name, ts):
        return [k.decode() for k in self.r.zrangebyscore(self._k("sorted", name), "-inf", f"({ts}")]

    def touched_between(self, name, low, high):
        return [k.decode() for k in self.r.zrangebyscore(self._k("sorted", name), low, high)]

    def untouch(self, name, keys):
        keys = list(keys)
        if keys:
            self._w.zrem(self._k("sorted", name), *keys)

    # The document-frequency log is a stream with ids 0-1, 0-2, ...; the snapshot a
    # hash of 8-byte term ids ("0": documents).
    def _df_snapshot(self):
        raw, through = self.r.hgetall(self._k("df")), self.r.get(self._k("df", "through"))
        df = {(0 if k == b"0" else int.from_bytes(k, "big", signed=True)): int(v) for k, v in raw.items()}
        return df, int(through or 0)

    def _df_entries_since(self, seq):
        read, self._df_read = self._df_read, None
        if read is not None and read[0] == seq:  # read with the lock
            last, rows = read[1:]
        else:
            last, rows = self._df_read_script(keys=[self._k("df", "last"), self._k("df", "log")], args=[seq])
        last = int(last)
        entries = [(int(entry_id.split(b"-")[1]), np.frombuffer(fields[1], dtype=">i8").astype(np.int64))
                   for entry_id, fields in rows]  # fields: [b"t", term ids]
        if last < seq or (last > seq and (not entries or entries[0][0] != seq + 1)):
            return None  # trimmed past us, or Redis lost entries we counted: reload
        self._df_last = last
        return entries

    def _df_append(self, terms):
        self._df_last += 1
        self._w.xadd(self._k("df", "log"), {"t": terms.astype(">i8").tobytes()}, id=f"0-{self._df_last}")
        self._w.set(self._k("df", "last"), self._df_last)
        return self._df_last

    def _df_fold(self, counts, through, previous):
        mapping = {(b"0" if t == 0 else t.to_bytes(8, "big", signed=True)): n for t, n in counts.items()}
        self._w.hset(self._k("df"), mapping=mapping)
        self._w.set(self._k("df", "through"), through)
        # Keep the entries since our previous fold: workers that have not read them yet
        # catch up from the log instead of reloading the snapshot.
        self._w.xtrim(self._k("df", "log"), minid=f"0-{previous + 1}", approximate=False)

    def lsh_storage(self, name):
        # Entries are added in the assignment's transaction: all of it lands, or none.
        return RedisLSHStorage(self.r, self._k("lsh", name), transaction=lambda: self._tx and self._tx.pipe)
