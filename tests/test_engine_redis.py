"""The story engine on a real redis-server: shared by processes, same clusters
as a sequential run of the same stream; assignments are all-or-nothing."""
from __future__ import annotations

import multiprocessing as mp
import threading
import time
from datetime import timedelta

import pytest
import redis

from newsagg.core.settings import get_settings
from newsagg.dedupe.engine import StoryEngine
from newsagg.dedupe.state import LocalState, LockLost, RedisState, StateError
from newsagg.runtime import Runtime
from tests.support.engine_texts import (
    COLLAPSE_REPORTS,
    DAY,
    ERUPTION_FIFTH_LATER_TEXT,
    ERUPTION_FIFTH_LATER_TITLE,
    ERUPTION_FIFTH_OTHER_TEXT,
    ERUPTION_FIFTH_OTHER_TITLE,
    ERUPTION_FIFTH_TEXT,
    ERUPTION_FIFTH_TITLE,
    ERUPTION_SIXTH_TEXT,
    ERUPTION_SIXTH_TITLE,
    FERRY_FLASH,
    FERRY_REPORTS,
    INDEPENDENT_TEXT,
    INDEPENDENT_TITLE,
    REOPENING_REPORTS,
    UNRELATED,
    WIRE_PARAGRAPHS,
    WIRE_TITLE,
    article,
    background,
    copy_with_clutter,
    wire,
)


def stream():
    """Four stories, each with copies on other sites; one with an independent report."""
    hour = timedelta(hours=1)
    out = [wire()]
    out += [copy_with_clutter(f"copy{i}", DAY + i * hour, f"{WIRE_TITLE} ({i})", WIRE_PARAGRAPHS[: 5 - i % 2])
            for i in range(1, 4)]
    out.append(article("dailyvarn", INDEPENDENT_TITLE, INDEPENDENT_TEXT, DAY + 2 * hour))
    for n, (title, text) in enumerate(UNRELATED):
        paragraphs = text.split("\n\n")
        out.append(article(f"story{n}", title, text, DAY - timedelta(days=1)))
        out += [copy_with_clutter(f"story{n}copy{i}", DAY - timedelta(days=1) + i * hour, title, paragraphs)
                for i in (1, 2)]
    return out


def partition(engine: StoryEngine, articles, level: str) -> set[frozenset[str]]:
    clusters: dict[str, set[str]] = {}
    for a in articles:
        assigned = engine.lookup(a.id)
        clusters.setdefault(getattr(assigned, level), set()).add(a.id)
    return {frozenset(c) for c in clusters.values()}


def _worker(url: str, prefix: str, indexes: list[int], barrier) -> None:
    engine = StoryEngine(RedisState(redis.Redis.from_url(url), prefix=prefix))
    articles = stream()
    barrier.wait()  # all workers start assigning at the same moment
    for i in indexes:
        engine.assign(articles[i])


def test_parallel_processes_give_the_same_clusters_as_sequential_assignment(redis_server):
    articles = stream()
    sequential = StoryEngine(RedisState(redis.Redis.from_url(redis_server.url), prefix="seq"))
    for a in articles:
        sequential.assign(a)

    ctx = mp.get_context("spawn")
    workers = 4
    barrier = ctx.Barrier(workers)
    procs = [ctx.Process(target=_worker, args=(redis_server.url, "par", list(range(w, len(articles), workers)), barrier))
             for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]

    parallel = StoryEngine(RedisState(redis.Redis.from_url(redis_server.url), prefix="par"))
    for level in ("group_id", "event_id"):
        assert partition(parallel, articles, level) == partition(sequential, articles, level)
    # The stream's true structure: four copy groups (one with the independent report beside it).
    groups = partition(sequential, articles, "group_id")
    assert sorted(len(g) for g in groups) == [1, 3, 3, 3, 4]
    assert len(partition(sequential, articles, "event_id")) == 4


def test_runtime_engines_share_state_through_redis(redis_server, monkeypatch):
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    get_settings.cache_clear()
    first_worker = Runtime(get_settings()).engine()
    second_worker = Runtime(get_settings()).engine()
    assert isinstance(first_worker.state, RedisState)
    original = first_worker.assign(wire())
    copy = second_worker.assign(copy_with_clutter("herald", DAY + timedelta(hours=1), "Another title", WIRE_PARAGRAPHS))
    assert copy.group_id == original.group_id and copy.copies_of == original.article_id
    # Redis restarts (AOF on): nothing is lost.
    redis_server.restart()
    again = Runtime(get_settings()).engine()
    assert again.lookup(copy.article_id).group_id == original.group_id
    assert again.assign(wire()).group_id == original.group_id
    closed = again.maintain(DAY + timedelta(days=10))
    assert original.event_id in closed and len(again.lsh) == 0


def test_events_clustered_again_are_the_same_in_redis_as_in_memory(redis_server, tmp_path):
    # Undated reports of three happenings interleaved: events are clustered again
    # as they arrive (the fire's two-line flash moves to the fire's event), with
    # the same outcome and the same ids on both back-ends.
    reports = [*COLLAPSE_REPORTS, *REOPENING_REPORTS, FERRY_FLASH, *FERRY_REPORTS]
    order = [4, 1, 11, 6, 8, 10, 5, 12, 7, 9, 0, 3, 2]
    placed = {i: article(f"site{i}", *reports[i], published=None) for i in order}
    articles = background() + [placed[i] for i in order]
    outcomes = []
    for engine in (StoryEngine(LocalState(tmp_path / "state")),
                   StoryEngine(RedisState(redis.Redis.from_url(redis_server.url), prefix="again"))):
        moved = [a.updates for a in map(engine.assign, articles)]
        outcomes.append(({a.id: engine.lookup(a.id).event_id for a in articles}, moved))
        engine.close()
    assert outcomes[0] == outcomes[1]
    events = outcomes[0][0]
    assert len({events[placed[i].id] for i in (8, 9, 10, 11, 12)}) == 1  # the fire's flash and reports


def test_events_a_series_ordinal_keeps_apart_are_the_same_in_redis_as_in_memory(redis_server, tmp_path):
    # The ordinals an event's reports name ("the fifth eruption") are kept with its
    # span: the sixth eruption's report stays apart on both back-ends alike.
    reports = [("keldurwatch", ERUPTION_FIFTH_TITLE, ERUPTION_FIFTH_TEXT),
               ("varmsvikdaily", ERUPTION_SIXTH_TITLE, ERUPTION_SIXTH_TEXT),
               ("nordpost", ERUPTION_FIFTH_OTHER_TITLE, ERUPTION_FIFTH_OTHER_TEXT),
               ("lavanews", ERUPTION_FIFTH_LATER_TITLE, ERUPTION_FIFTH_LATER_TEXT)]
    articles = background() + [article(slug, title, text, published=None) for slug, title, text in reports]
    outcomes = []
    for engine in (StoryEngine(LocalState(tmp_path / "state")),
                   StoryEngine(RedisState(redis.Redis.from_url(redis_server.url), prefix="series"))):
        for a in articles:
            engine.assign(a)
        outcomes.append({a.id: engine.lookup(a.id).event_id for a in articles})
        engine.close()
    assert outcomes[0] == outcomes[1]
    fifth, sixth, other, later = (outcomes[0][a.id] for a in articles[-4:])
    assert fifth == other == later != sixth


@pytest.mark.parametrize("backend", ["local", "redis"])
def test_an_assignment_failing_half_way_leaves_nothing_behind(backend, request, tmp_path, monkeypatch):
    if backend == "redis":
        server = request.getfixturevalue("redis_server")
        engine = StoryEngine(RedisState(redis.Redis.from_url(server.url)))
    else:
        engine = StoryEngine(LocalState(tmp_path / "state"))
    original = engine.assign(wire())

    def broken_touch(*args, **kwargs):
        raise ConnectionError("storage went away")

    copy = copy_with_clutter("herald", DAY + timedelta(hours=1), WIRE_TITLE, WIRE_PARAGRAPHS)
    with monkeypatch.context() as m:
        m.setattr(engine.state, "touch", broken_touch)  # fails after the event record was written
        with pytest.raises(ConnectionError):
            engine.assign(copy)
    assert engine.lookup(copy.id) is None
    assert engine.state.get("event", original.event_id)["size"] == 1
    # Once the storage is back the same article is assigned normally.
    again = engine.assign(copy)
    assert again.group_id == original.group_id
    assert engine.state.get("event", original.event_id)["size"] == 2


def test_a_failed_assignment_leaves_no_index_entry_in_redis(redis_server, monkeypatch):
    engine = StoryEngine(RedisState(redis.Redis.from_url(redis_server.url)))
    original = engine.assign(wire())
    copy = copy_with_clutter("herald", DAY + timedelta(hours=1), WIRE_TITLE, WIRE_PARAGRAPHS)

    def broken(*args, **kwargs):
        raise ConnectionError("storage went away")

    with monkeypatch.context() as m:
        m.setattr(engine.state, "remember_signature", broken)  # fails right after the index insert
        with pytest.raises(ConnectionError):
            engine.assign(copy)
    assert copy.id not in engine.lsh and original.article_id in engine.lsh
    # Once the storage is back the article is assigned and indexed for every worker.
    assert engine.assign(copy).group_id == original.group_id
    assert copy.id in StoryEngine(RedisState(redis.Redis.from_url(redis_server.url))).lsh


@pytest.mark.parametrize("backend", ["local", "redis"])
def test_document_counts_are_shared_folded_and_kept(backend, tmp_path, request, monkeypatch):
    monkeypatch.setattr(LocalState, "DF_FOLD_ROWS", 3)  # fold often
    monkeypatch.setattr(RedisState, "DF_FOLD_ROWS", 3)
    if backend == "local":  # two processes on one data dir; a restart opens it again
        def new_state():
            return LocalState(tmp_path)
    else:  # two workers on one Redis
        url = request.getfixturevalue("redis_server").url

        def new_state():
            return RedisState(redis.Redis.from_url(url), prefix="df")
    first, second = new_state(), new_state()
    try:
        with first.lock():
            assert first.count_document([11, 12]) == (1, {11: 1, 12: 1})
        for _ in range(7):  # the second one logs and folds, twice: the first reads what it missed
            with second.lock():
                second.count_document([12, 13])
        with first.lock():
            assert first.count_document([11, 12, 13]) == (9, {11: 2, 12: 9, 13: 8})
        with pytest.raises(RuntimeError):
            with first.lock():
                first.count_document([11])
                raise RuntimeError("assignment failed half-way")
        with first.lock():
            assert first.count_document([11]) == (10, {11: 3})
        with second.lock():
            assert second.count_document([13]) == (11, {13: 9})
    finally:
        first.close()
        second.close()
    reopened = new_state()  # a restart keeps every count
    try:
        with reopened.lock():
            assert reopened.count_document([12]) == (12, {12: 10})
    finally:
        reopened.close()
    if backend == "local":
        assert not any(state._checkpointer.is_alive() for state in (first, second, reopened))  # close() stops them


@pytest.mark.parametrize("kind", ["event", "article"])  # the kinds kept decoded between assignments
@pytest.mark.parametrize("backend", ["local", "redis"])
def test_cached_records_follow_other_writers_and_failed_transactions(backend, kind, tmp_path, request):
    if backend == "local":  # two processes on one data dir
        mine, other = LocalState(tmp_path), LocalState(tmp_path)
    else:  # two workers on one Redis
        url = request.getfixturevalue("redis_server").url
        mine, other = (RedisState(redis.Redis.from_url(url), prefix="cache") for _ in range(2))
    try:
        with mine.lock():
            mine.put(kind, "ev-1", {"size": 1, "tv": {"vote": 0.5}})
        with mine.lock():
            mine.get(kind, "ev-1")["size"] = 99  # an edit of the copy it was given is not the stored record
        with mine.lock():
            assert mine.get(kind, "ev-1")["size"] == 1
        with other.lock():
            other.put(kind, "ev-1", {"size": 2, "tv": {"vote": 0.7}})
        with mine.lock():
            assert mine.get(kind, "ev-1") == {"size": 2, "tv": {"vote": 0.7}}
        with pytest.raises(RuntimeError):
            with mine.lock():
                mine.put(kind, "ev-1", {"size": 3, "tv": {}})
                raise RuntimeError("assignment failed half-way")
        with mine.lock():
            assert mine.get(kind, "ev-1")["size"] == 2
    finally:
        mine.close()
        other.close()


@pytest.mark.parametrize("backend", ["local", "redis"])
def test_reads_under_the_lock_follow_the_assignments_own_writes(backend, tmp_path, request):
    if backend == "local":
        state = LocalState(tmp_path)
    else:
        state = RedisState(redis.Redis.from_url(request.getfixturevalue("redis_server").url), prefix="reads")
    try:
        with state.lock():
            state.put_many("article", {"a1": {"group_id": "g1"}, "a2": {"group_id": "g2"}})
        with state.lock():
            first = state.get_many("article", ["a1", "a2", "a3"])
            assert first == {"a1": {"group_id": "g1"}, "a2": {"group_id": "g2"}}
            first["a1"]["group_id"] = "edited"  # an edit of the copy handed out is not a write
            assert state.get("article", "a1") == {"group_id": "g1"}
            state.put("article", "a1", {"group_id": "g3"})
            state.delete("article", "a2")
            assert state.get_many("article", ["a1", "a2"]) == {"a1": {"group_id": "g3"}}
        with state.lock():
            assert state.get_many("article", ["a1", "a2"]) == {"a1": {"group_id": "g3"}}
        # read with the lock across kinds, missing records included, then written
        with state.lock(reads={"article": ["a1", "a9"], "event": ["ev-a9"]}):
            assert state.get("article", "a9") is None and state.get("event", "ev-a9") is None
            state.put("event", "ev-a9", {"size": 1})
            state.put("article", "a1", {"group_id": "g4"})
            assert state.get("event", "ev-a9") == {"size": 1}
            assert state.get_many("article", ["a1", "a9"]) == {"a1": {"group_id": "g4"}}
        with state.lock():
            assert state.get("event", "ev-a9") == {"size": 1} and state.get("article", "a1") == {"group_id": "g4"}
    finally:
        state.close()


def test_a_holder_whose_lease_lapsed_cannot_write_and_leaves_the_next_holders_lock_alone(redis_server):
    def worker(lock_timeout, lease=3.0):
        return RedisState(redis.Redis.from_url(redis_server.url), prefix="expiry", lock_timeout=lock_timeout,
                          lease=lease)

    # Renews its 0.3 s lease for 0.5 s (its longest hold), then stops: as if it hung.
    slow, other = worker(0.5, lease=0.3), worker(10)
    taken, done = threading.Event(), threading.Event()

    def hold_the_lock():
        with other.lock():
            other.put("event", "ev-1", {"size": 2})
            taken.set()
            done.wait(10)

    holder = threading.Thread(target=hold_the_lock)
    try:
        with pytest.raises(LockLost):
            with slow.lock():
                slow.put("event", "ev-1", {"size": 1})
                slow.put("event", "ev-2", {"size": 1})
                time.sleep(0.6)
                assert slow.r.pttl("expiry:lock") > 0  # renewed past its first lease
                holder.start()  # waits until the slow worker's lease lapses, then takes it
                assert taken.wait(10)
        # The fenced holder wrote nothing: neither over the new holder's record nor beside it.
        assert slow.get("event", "ev-2") is None
        with pytest.raises(StateError):  # the other worker still holds the lock
            with worker(0.2).lock():
                pass
    finally:
        done.set()
        if holder.ident is not None:
            holder.join()
    with worker(1).lock():
        assert other.get("event", "ev-1") == {"size": 2}
    for state in (slow, other):
        state.close()


def test_a_holder_whose_lock_was_taken_before_its_first_read_writes_nothing(redis_server):
    # The fencing counter is read back with the assignment's first read (not a round
    # trip of its own): another acquisition in between refuses the holder there.
    state = RedisState(redis.Redis.from_url(redis_server.url), prefix="fenced")
    with pytest.raises(LockLost):
        with state.lock():
            state.put("event", "ev-1", {"size": 1})
            state.r.incr("fenced:fence")  # as another worker's acquisition after a lapsed lease
            state.get("event", "ev-2")
    assert state.get("event", "ev-1") is None
    with state.lock():  # the next holder is not affected
        state.put("event", "ev-1", {"size": 2})
        assert state.get("event", "ev-3") is None
    assert state.get("event", "ev-1") == {"size": 2}
    state.close()


def test_a_worker_that_waited_for_the_lock_lands_its_writes(redis_server):
    # Each attempt to take the lock also WATCHes the fencing counter: the WATCH of an
    # attempt that found the lock held must not make the later, successful one fail.
    holder = RedisState(redis.Redis.from_url(redis_server.url), prefix="waited")
    waiter = RedisState(redis.Redis.from_url(redis_server.url), prefix="waited")
    holding = threading.Event()

    def hold() -> None:
        with holder.lock():
            holding.set()
            time.sleep(0.2)  # the waiter tries many times meanwhile
            holder.put("event", "ev-1", {"size": 1})

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(5)
        with waiter.lock(reads={"event": ["ev-1"]}):
            assert waiter.get("event", "ev-1") == {"size": 1}  # read once the holder's writes landed
            waiter.put("event", "ev-1", {"size": 2})
        assert holder.get("event", "ev-1") == {"size": 2}
    finally:
        thread.join()
        holder.close()
        waiter.close()


def test_a_long_assignment_keeps_its_lock_by_renewing_the_lease(redis_server):
    state = RedisState(redis.Redis.from_url(redis_server.url), prefix="renew", lock_timeout=10, lease=0.3)
    waiting = RedisState(redis.Redis.from_url(redis_server.url), prefix="renew", lock_timeout=0.2, lease=0.3)
    try:
        with state.lock():
            state.put("event", "ev-1", {"size": 1})
            time.sleep(1.0)  # three leases long
            with pytest.raises(StateError):  # still ours
                with waiting.lock():
                    pass
        assert state.get("event", "ev-1") == {"size": 1}  # and its writes landed
    finally:
        state.close()
        waiting.close()


def test_a_lock_redis_dropped_mid_assignment_does_not_stall_the_next_one(tmp_path):
    from tests.support.servers import RedisServer

    with RedisServer() as server:  # AOF on: the lock survives the restart, as in production
        state = RedisState(redis.Redis.from_url(server.url), prefix="outage", lock_timeout=60)
        with pytest.raises(redis.ConnectionError):
            with state.lock():
                state.put("event", "ev-1", {"size": 1})
                server.stop()  # Redis goes away before the assignment's transaction is sent
        server.start()
        assert 0 < state.r.pttl("outage:lock") <= 3000  # the lock outlived the outage, no longer than its lease
        started = time.monotonic()
        with state.lock():  # the worker's next assignment
            assert state.get("event", "ev-1") is None  # the dropped transaction left nothing
        assert time.monotonic() - started < 5  # not the 60 s lock timeout
        other = RedisState(redis.Redis.from_url(server.url), prefix="outage", lock_timeout=60)
        with other.lock():
            pass


def test_a_lock_kept_by_a_restarted_redis_lapses_within_its_lease(tmp_path):
    from tests.support.servers import RedisServer

    with RedisServer() as server:  # AOF on: the lock is in the file
        dead = RedisState(redis.Redis.from_url(server.url), prefix="restart", lease=3.0)
        dead._take_lock("a-worker-that-dies")  # taken, and never released nor renewed
        server.restart()
        other = RedisState(redis.Redis.from_url(server.url), prefix="restart", lock_timeout=60)
        started = time.monotonic()
        with other.lock():
            waited = time.monotonic() - started
        other.close()
    assert waited <= 3.5, waited  # at most the lease, not the 60 s wait


def test_assignments_send_the_lock_and_query_scripts_by_hash_and_again_in_full_after_redis_lost_them(
        redis_server, monkeypatch):
    # 2.3 KB of Lua less an assignment; a script Redis no longer holds (SCRIPT FLUSH,
    # a restart) answers NOSCRIPT, and is sent in full once more.
    from redis.connection import Connection

    from newsagg.dedupe.lsh_storage import _QUERY_LUA
    from newsagg.dedupe.state import _ACQUIRE_LUA

    sent: list[bytes] = []
    send = Connection.send_packed_command

    def recorded(self, command, check_health=True):
        sent.append(command if isinstance(command, bytes) else b"".join(command))
        return send(self, command, check_health)

    monkeypatch.setattr(Connection, "send_packed_command", recorded)
    client = redis.Redis.from_url(redis_server.url)
    engine = StoryEngine(RedisState(client, prefix="sha"))
    articles = stream()
    scripts = {"query": _QUERY_LUA.encode(), "lock": _ACQUIRE_LUA.encode()}

    def scripts_sent_assigning(a) -> set[str]:
        sent.clear()
        engine.assign(a)
        return {name for name, source in scripts.items() if any(source in b for b in sent)}

    try:
        first = [scripts_sent_assigning(a) for a in articles[:8]]
        assert first[0] == {"query", "lock"}  # Redis learns them
        assert all(names == set() for names in first[1:])
        client.script_flush()
        assert scripts_sent_assigning(articles[8]) == {"query", "lock"}
        assert all(scripts_sent_assigning(a) == set() for a in articles[9:])
        groups = partition(engine, articles, "group_id")
        assert sorted(len(g) for g in groups) == [1, 3, 3, 3, 4]
        assert len(partition(engine, articles, "event_id")) == 4
    finally:
        engine.close()
