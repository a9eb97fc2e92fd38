"""LSH index: recall against theory, and memory and Redis storages answering alike."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import redis
from datasketch.lsh import _optimal_param

from newsagg.dedupe.lsh import (
    LSHIndex,
    LSHStorage,
    MemoryLSHStorage,
    RedisLSHStorage,
    optimal_params,
    query_each,
)
from newsagg.dedupe.minhash import Signer

SIGNER = Signer(num_perm=128, seed=1)


def _pair_at(rng: np.random.Generator, jaccard: float, union: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Two shingle-hash sets with exactly this Jaccard similarity."""
    values = rng.integers(0, 1 << 63, union, dtype=np.uint64)
    shared = round(jaccard * union)
    half = (union - shared) // 2
    return values[:shared + half], np.concatenate([values[:shared], values[shared + half:shared + 2 * half]])


def _corpus(seed: int, families: int = 30, copies: int = 3) -> tuple[list[str], np.ndarray]:
    """Signatures of `families` groups of near-duplicates (Jaccard ~0.8) plus unrelated texts."""
    rng = np.random.default_rng(seed)
    keys, sets = [], []
    for f in range(families):
        base = rng.integers(0, 1 << 63, 300, dtype=np.uint64)
        for c in range(copies):
            edited = base.copy()
            edited[rng.choice(300, 30, replace=False)] = rng.integers(0, 1 << 63, 30, dtype=np.uint64)
            keys.append(f"fam{f}-copy{c}")
            sets.append(edited)
        keys.append(f"unrelated{f}")
        sets.append(rng.integers(0, 1 << 63, 300, dtype=np.uint64))
    return keys, SIGNER.sign_many(sets)


def _redis_index(server, prefix="test:lsh", buckets=1 << 20, **params) -> LSHIndex:
    client = redis.Redis.from_url(server.url)
    return LSHIndex(storage=RedisLSHStorage(client, prefix=prefix, buckets=buckets), **params)


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.8])
def test_parameters_are_datasketchs_optimum(threshold):
    assert optimal_params(threshold, 128) == _optimal_param(threshold, 128, 0.5, 0.5)
    index = LSHIndex(num_perm=128, threshold=threshold)
    assert (index.bands, index.rows) == _optimal_param(threshold, 128, 0.5, 0.5)


def test_candidate_rate_matches_theory_on_synthetic_pairs():
    rng = np.random.default_rng(5)
    pairs = 300
    for s in (0.2, 0.4, 0.5, 0.6, 0.8):
        index = LSHIndex(num_perm=128, threshold=0.5)
        firsts, seconds = zip(*(_pair_at(rng, s) for _ in range(pairs)))
        index.insert_many([f"p{i}" for i in range(pairs)], SIGNER.sign_many(firsts), ts=0.0)
        hits = sum(f"p{i}" in index.query(sig) for i, sig in enumerate(SIGNER.sign_many(seconds)))
        expected = float(index.probability(s))
        sd = np.sqrt(expected * (1 - expected) / pairs)
        assert abs(hits / pairs - expected) <= 4 * sd + 0.02, (s, hits / pairs, expected)


def test_near_duplicates_are_found_and_unrelated_texts_are_not():
    keys, sigs = _corpus(6)
    index = LSHIndex(num_perm=128, threshold=0.5)
    index.insert_many(keys, sigs, ts=100.0)
    family_found = 0
    for key, sig in zip(keys, sigs):
        found = index.query(sig)
        assert key in found
        if key.startswith("fam"):
            family = key.split("-")[0]
            family_found += all(k.startswith(family + "-") for k in found) and len(found) == 3
        else:
            assert found == [key]
    assert family_found >= 0.95 * 90


def test_limit_keeps_the_candidates_sharing_most_bands():
    rng = np.random.default_rng(15)
    index = LSHIndex(num_perm=128, bands=32, rows=4)
    base, _ = _pair_at(rng, 0.5)
    copies = {"exact": base, "near": base.copy(), "far": base.copy()}
    copies["near"][:20] = rng.integers(0, 1 << 63, 20, dtype=np.uint64)  # Jaccard 0.88
    copies["far"][:90] = rng.integers(0, 1 << 63, 90, dtype=np.uint64)  # Jaccard 0.54
    index.insert_many(list(copies), SIGNER.sign_many(list(copies.values())), ts=0.0)
    sig = SIGNER.sign(base)
    assert index.query(sig) == ["exact", "far", "near"]
    assert index.query(sig, limit=2) == ["exact", "near"]
    assert index.query(sig, limit=10) == ["exact", "near", "far"]


def test_limit_among_thousands_tied_on_one_shared_band_keeps_the_first_keys():
    # Common names: thousands of entries share one band with a query. The limit
    # keeps those sharing most bands, then the first keys in order, whatever
    # their first bytes (the memory storage orders ties by them first).
    rng = np.random.default_rng(21)
    index = LSHIndex(num_perm=128, bands=64, rows=2)
    index.storage.HOT_BAND_ENTRIES = 10_000  # all of them counted
    query = rng.integers(0, 1 << 32, 128, dtype=np.uint32)
    n = 6000
    sigs = rng.integers(0, 1 << 32, (n, 128), dtype=np.uint32)
    sigs[:, :2] = query[:2]  # band 0 shared by all
    sigs[:5, :20] = query[:20]  # ten bands shared by five
    keys = [f"{'same-prefix' if i % 3 else 'p'}-{rng.integers(1 << 30):09d}-{i}" for i in range(n)]
    index.insert_many(keys[:n // 2], sigs[:n // 2], ts=0.0)  # in the sorted run
    for key, sig in zip(keys[n // 2:], sigs[n // 2:]):  # and in the dict
        index.insert(key, sig, ts=1.0)
    index.remove(keys[7])
    shared = {k: int(c) for k, c in zip(*LSHStorage.band_match_counts(index.storage, index.band_keys(query)))}
    model = sorted(shared, key=lambda k: (-shared[k], k))
    assert len(shared) == n - 1 and sorted(shared.values())[-5:] == [10] * 5
    for limit in (1, 5, 6, 31, 700, 2500):
        assert index.query(query, limit=limit) == model[:limit]


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_text_copied_thousands_of_times_finds_its_newest_copies(redis_server, storage):
    # One band key shared by 5,000 entries (in the sorted run and the dict): it
    # answers with its newest HOT_BAND_ENTRIES, in both storages.
    keys, sigs = _corpus(16)
    index = LSHIndex(num_perm=128, threshold=0.5) if storage == "memory" else _redis_index(redis_server)
    same = [f"same{i:04d}" for i in range(5000)]
    index.insert_many(same, np.repeat(sigs[:1], 5000, axis=0), ts=0.0)
    index.insert("same-late", sigs[0], ts=1.0)
    index.insert(keys[3], sigs[3], ts=1.0)  # an unrelated text
    index.remove("same4990")
    cap = LSHStorage.HOT_BAND_ENTRIES
    newest = same[:4990][-(cap - 10):] + same[4991:] + ["same-late"]
    assert index.query(sigs[0]) == sorted(newest)
    assert index.query(sigs[0], limit=3) == sorted(newest)[:3]
    assert index.query(sigs[3]) == [keys[3]]


def test_band_key_shared_by_hundreds_of_articles_in_redis_answers_like_memory(redis_server):
    # Common names give some band keys hundreds of articles: in Redis their keys
    # spill from the bucket hash into a string of their own (APPEND, not a copy
    # of the whole value per insert), a query reads a hot one's newest keys from
    # its end (long keys: the window grows), and removing them leaves nothing.
    keys, sigs = _corpus(17)
    memory, shared = LSHIndex(num_perm=128, threshold=0.5), _redis_index(redis_server)
    same = [f"same{i:04d}-{'x' * 60}" for i in range(300)]
    for index in (memory, shared):
        index.storage.HOT_BAND_ENTRIES = 100
        index.insert_many(same[:150], np.repeat(sigs[:1], 150, axis=0), ts=1.0)
        for key in same[150:]:  # one at a time, as the engine inserts
            index.insert(key, sigs[0], ts=2.0)
        index.insert(keys[3], sigs[3], ts=2.0)
        index.insert(same[297], sigs[3], ts=2.0)  # moved out of the shared band keys
        assert index.remove(same[298])
    client = redis.Redis.from_url(redis_server.url)
    assert client.keys("test:lsh:s:*")  # spilled
    newest = same[198:297] + same[299:]
    assert memory.query(sigs[0]) == shared.query(sigs[0]) == newest
    assert memory.query(sigs[0], limit=5) == shared.query(sigs[0], limit=5) == newest[:5]
    assert memory.query(sigs[3]) == shared.query(sigs[3]) == sorted([keys[3], same[297]])
    for index in (memory, shared):
        index.storage.HOT_BAND_ENTRIES = 1000
    assert memory.query(sigs[0]) == shared.query(sigs[0]) == same[:297] + same[299:]
    assert memory.expire(1.5) == shared.expire(1.5) == 150
    assert memory.query(sigs[0]) == shared.query(sigs[0]) == same[150:297] + same[299:]
    assert shared.expire(3.0) == 150
    assert sorted(client.keys("test:lsh:*")) == [b"test:lsh:meta"]


@pytest.mark.parametrize("buckets", [1 << 20, 4])  # 4: large hashes, Redis's hashtable encoding
def test_memory_and_redis_return_the_same_candidates(redis_server, buckets):
    keys, sigs = _corpus(7)
    rng = np.random.default_rng(7)
    ts = rng.uniform(0, 100, len(keys))
    memory = LSHIndex(num_perm=128, threshold=0.5)
    shared = _redis_index(redis_server, buckets=buckets)
    for index in (memory, shared):
        index.insert_many(keys[:60], sigs[:60], ts[:60])
        for key, sig, t in zip(keys[60:], sigs[60:], ts[60:]):
            index.insert(key, sig, t)
        assert index.remove(keys[0]) and not index.remove("never-inserted")
    probes = list(sigs) + list(_corpus(8)[1])
    assert [memory.query(s) for s in probes] == [shared.query(s) for s in probes]
    assert [memory.query(s, limit=2) for s in probes] == [shared.query(s, limit=2) for s in probes]
    assert memory.expire(50.0) == shared.expire(50.0) > 0
    assert [memory.query(s) for s in probes] == [shared.query(s) for s in probes]
    assert len(memory) == len(shared) and sorted(k for k in keys if k in memory) == \
        sorted(k for k in keys if k in shared)


def test_queries_of_several_redis_indexes_answer_as_each_alone_in_one_round_trip(redis_server, monkeypatch):
    keys, sigs = _corpus(9)
    first, second = _redis_index(redis_server, prefix="t:one"), _redis_index(redis_server, prefix="t:two")
    second.storage.client = first.storage.client  # one client, as the engine's indexes share one
    first.insert_many(keys[:50], sigs[:50], 1.0)
    second.insert_many(keys[40:], sigs[40:], 1.0)
    memory = LSHIndex()
    queries = [(first, sigs[3], 2), (second, sigs[60], 3), (memory, sigs[3], 2)]
    alone = [index.query(sig, limit=limit) for index, sig, limit in queries]
    sent = []
    connection_class = first.storage.client.connection_pool.connection_class
    send = connection_class.send_packed_command
    monkeypatch.setattr(connection_class, "send_packed_command", lambda conn, *a, **k: sent.append(1) or send(conn, *a, **k))
    assert query_each(queries) == alone and alone[0] and alone[1] and not alone[2]
    assert len(sent) == 1  # both Redis queries in one pipeline


def test_expire_removes_old_entries_and_leaves_nothing_behind(redis_server):
    keys, sigs = _corpus(9)
    for index in (LSHIndex(), _redis_index(redis_server)):
        index.insert_many(keys[:40], sigs[:40], ts=10.0)
        index.insert_many(keys[40:], sigs[40:], ts=20.0)
        assert index.expire(15.0) == 40
        assert len(index) == len(keys) - 40
        assert keys[0] not in index and keys[-1] in index
        assert all(not set(index.query(s)) & set(keys[:40]) for s in sigs)
        assert index.expire(15.0) == 0
        assert index.expire(25.0) == len(keys) - 40
        assert len(index) == 0 and index.query(sigs[-1]) == []
    client = redis.Redis.from_url(redis_server.url)
    # no orphaned band sets or band-key lists in Redis
    assert sorted(client.keys("test:lsh:*")) == [b"test:lsh:meta"]


def test_reinserting_a_key_replaces_its_entry(redis_server):
    keys, sigs = _corpus(10)
    for index in (LSHIndex(), _redis_index(redis_server)):
        index.insert("moved", sigs[0], ts=1.0)
        index.insert("moved", sigs[3], ts=2.0)  # another family
        assert "moved" not in index.query(sigs[0])
        assert "moved" in index.query(sigs[3])
        assert len(index) == 1
        assert index.expire(1.5) == 0  # its time was updated too
        index.insert_many(["twice", "twice"], sigs[[0, 3]], ts=[3.0, 4.0])  # the last one counts
        assert "twice" not in index.query(sigs[0]) and "twice" in index.query(sigs[3])
        assert len(index) == 2


def test_saved_and_loaded_memory_index_answers_the_same(tmp_path):
    keys, sigs = _corpus(11)
    index = LSHIndex(num_perm=128, threshold=0.5)
    index.insert_many(keys, sigs, np.arange(len(keys), dtype=float))
    index.remove(keys[1])
    path = tmp_path / "lsh" / "copies.npz"
    index.storage.save(path)
    restored = LSHIndex(num_perm=128, threshold=0.5, storage=MemoryLSHStorage.load(path))
    assert [restored.query(s) for s in sigs] == [index.query(s) for s in sigs]
    assert len(restored) == len(index) and keys[1] not in restored
    assert restored.expire(10.0) == 9  # times survive the restart (key 1 was removed)
    restored.insert("after-restart", sigs[-1], ts=1000.0)  # and it keeps taking entries
    assert "after-restart" in restored.query(sigs[-1]) and keys[-1] in restored.query(sigs[-1])
    with pytest.raises(ValueError):
        LSHIndex(num_perm=128, threshold=0.8, storage=MemoryLSHStorage.load(path))


def test_small_memory_index_takes_a_thousand_articles_one_at_a_time_before_merging_them():
    # Each merge of a small index's entries into its sorted run stalled an assignment
    # 6-10 ms; at 8,192 entries it came every 128 articles of 64 bands.
    sigs = np.random.default_rng(3).integers(0, 2**32, (1024, 128), dtype=np.uint64).astype(np.uint32)
    index = LSHIndex(num_perm=128, bands=64, rows=2, storage=MemoryLSHStorage())
    merges = []
    index.storage._flush_delta = lambda *args: merges.append(args)
    for i, sig in enumerate(sigs[:1023]):
        index.insert(f"a{i}", sig, float(i))
    assert merges == [] and index.query(sigs[500]) == ["a500"]
    index.insert("a1023", sigs[1023], 1023.0)
    assert len(merges) == 1


def test_memory_storage_answers_like_a_plain_model_through_merges_and_compaction():
    rng = np.random.default_rng(12)
    storage = MemoryLSHStorage()
    storage.DELTA_MIN_ENTRIES = 64  # force many merges, bulk merges and compactions
    storage.COMPACT_MIN_DEAD = 32
    index = LSHIndex(num_perm=16, bands=4, rows=4, storage=storage)
    model: dict[str, tuple[set[int], float]] = {}
    pool = rng.integers(0, 40, (300, 16)).astype(np.uint32)  # few values: many collisions
    for step in range(1500):
        op = rng.random()
        if op < 0.6:
            key, sig, t = f"k{rng.integers(120)}", pool[rng.integers(len(pool))], float(step)
            index.insert(key, sig, t)
            model[key] = (set(index.band_keys(sig).tolist()), t)
        elif op < 0.7:  # a batch large enough for the bulk path
            keys = [f"k{k}" for k in rng.integers(120, size=30)]
            sigs = pool[rng.integers(len(pool), size=30)]
            index.insert_many(keys, sigs, float(step))
            for key, sig in zip(keys, sigs):
                model[key] = (set(index.band_keys(sig).tolist()), float(step))
        elif op < 0.95:
            key = f"k{rng.integers(120)}"
            assert index.remove(key) == (model.pop(key, None) is not None)
        else:
            before = float(step - 100)
            expired = [k for k, (_, t) in model.items() if t < before]
            assert index.expire(before) == len(expired)
            for k in expired:
                del model[k]
        if step % 25 == 0:
            probe = pool[rng.integers(len(pool))]
            wanted = set(index.band_keys(probe).tolist())
            assert index.query(probe) == sorted(k for k, (bk, _) in model.items() if bk & wanted)
            # With a limit: the most bands shared first, ties broken by key.
            shared = {k: len(bk & wanted) for k, (bk, _) in model.items() if bk & wanted}
            assert index.query(probe, limit=5) == sorted(shared, key=lambda k: (-shared[k], k))[:5]
            assert len(index) == len(model)


def test_indexes_under_different_prefixes_are_separate(redis_server):
    keys, sigs = _corpus(13)
    copies = _redis_index(redis_server, prefix="t:copies", threshold=0.8)
    events = _redis_index(redis_server, prefix="t:events", threshold=0.3)
    copies.insert(keys[0], sigs[0], ts=1.0)
    assert events.query(sigs[0]) == [] and copies.query(sigs[0]) == [keys[0]]
    with pytest.raises(ValueError):
        _redis_index(redis_server, prefix="t:copies", threshold=0.5)
    assert _redis_index(redis_server, prefix="t:copies", threshold=0.8).query(sigs[0]) == [keys[0]]


def test_worker_processes_share_one_redis_index(redis_server):
    keys, sigs = _corpus(14)
    code = """
import sys, numpy as np, redis
from newsagg.dedupe.lsh import LSHIndex, RedisLSHStorage
url, key = sys.argv[1], sys.argv[2]
sig = np.array([int(x) for x in sys.argv[3].split(",")], dtype=np.uint32)
index = LSHIndex(storage=RedisLSHStorage(redis.Redis.from_url(url), prefix="test:lsh"))
print(",".join(index.query(sig)))
index.insert(key, sig, ts=5.0)
"""
    mine = _redis_index(redis_server)
    mine.insert(keys[0], sigs[0], ts=1.0)
    out = subprocess.run([sys.executable, "-c", code, redis_server.url, keys[1],
                          ",".join(map(str, sigs[1].tolist()))],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == keys[0]  # the worker saw my entry ...
    assert mine.query(sigs[1]) == sorted(keys[:2])  # ... and I see the worker's
