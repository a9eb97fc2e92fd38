"""The dead-letter store's contract (workers.deadletter.DeadLetterStore), run on every variant
the runtime can build: SQLite (embedded) and Redis (on a real redis-server)."""
from __future__ import annotations

import pytest

from newsagg.workers.deadletter import DeadLetter, DeadLetterStore
from tests.support.backends import runtime_for, variants


def _letter(aid="a1", step="index", error="boom"):
    return DeadLetter(article_id=aid, step=step, reason="retries-exhausted", error=error,
                      payload={"article": {"url": "https://x.example/a", "text": "t"}})


@pytest.fixture(params=variants("deadletters"))
def backend(request, tmp_path):
    rt, server = runtime_for(request.param, request, tmp_path)
    yield rt, server
    rt.close()


def test_every_variant_declares_the_contract(backend):
    rt, _ = backend
    assert isinstance(rt.deadletters(), DeadLetterStore)


def test_a_repeat_failure_updates_the_entry_and_counts_it(backend):
    rt, _ = backend
    store = rt.deadletters()
    first = store.add(_letter())
    again = store.add(_letter(error="boom again"))
    got = store.get("a1")
    assert (got.failures, got.error, got.url) == (2, "boom again", "https://x.example/a")
    assert got.first_failed == first.first_failed and again.failures == 2
    assert got.payload == {"article": {"url": "https://x.example/a", "text": "t"}}


def test_list_is_oldest_first_and_limited(backend):
    rt, _ = backend
    store = rt.deadletters()
    for aid, when in (("b", "2026-01-02T00:00:00+00:00"), ("a", "2026-01-03T00:00:00+00:00"),
                      ("c", "2026-01-01T00:00:00+00:00")):
        letter = _letter(aid)
        letter.first_failed = letter.last_failed = when
        store.add(letter)
    assert [d.article_id for d in store.list()] == ["c", "b", "a"]
    assert [d.article_id for d in store.list(2)] == ["c", "b"]
    assert store.count() == 3


def test_remove_and_missing_entries(backend):
    rt, _ = backend
    store = rt.deadletters()
    assert store.get("nope") is None and not store.remove("nope") and store.count() == 0
    store.add(_letter())
    assert store.remove("a1") and not store.remove("a1") and store.count() == 0


def test_entries_survive_a_restart(backend, tmp_path):
    rt, server = backend
    rt.deadletters().add(_letter())
    rt.deadletters().add(_letter("a2", step="enrich"))
    rt.close()
    if server is not None:
        server.restart()  # AOF on: Redis comes back with its data
    store = rt.deadletters()  # built again, as a new process would
    assert [d.article_id for d in store.list()] == ["a1", "a2"] and store.get("a2").step == "enrich"
