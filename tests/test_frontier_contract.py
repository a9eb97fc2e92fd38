"""The crawl frontier's contract (crawler.store.CrawlFrontier: URLs fetched, feed validators,
sitemap children), run on every variant the runtime can build: SQLite and Redis."""
from __future__ import annotations

import time

import pytest

from newsagg.crawler.store import CrawlFrontier, Digest
from newsagg.runtime import crawl_frontier
from tests.support.backends import runtime_for, variants

URL = "https://outlet.example/news/2026/storm.html"


@pytest.fixture(params=variants("crawl_frontier"))
def backend(request, tmp_path):
    rt, server = runtime_for(request.param, request, tmp_path)
    stores = []

    def open_():
        stores.append(rt.crawl_frontier())
        return stores[-1]

    yield rt, server, open_
    for s in stores:
        s.close()
    rt.close()


def test_every_variant_declares_the_contract(backend):
    _, _, open_ = backend
    assert isinstance(open_(), CrawlFrontier)


def test_marked_urls_are_seen_with_their_time(backend):
    _, _, open_ = backend
    store = open_()
    assert not store.seen(URL) and store.fetched_at(URL) is None
    before = time.time()
    store.mark(URL, "", URL + "?page=2")  # empty strings are ignored
    assert store.seen(URL) and store.seen(URL + "?page=2") and not store.seen("")
    assert before - 1 <= store.fetched_at(URL) <= time.time() + 1


def test_validators_and_children_round_trip(backend):
    _, _, open_ = backend
    store = open_()
    feed, index = "https://outlet.example/rss", "https://outlet.example/sitemap.xml"
    assert store.validators(feed) == {} and store.children(index) == []
    store.save_validators(feed, {"etag": '"abc"', "last_modified": "Tue, 01 Dec 2026 10:00:00 GMT"})
    store.save_children(index, ["https://outlet.example/s1.xml", "https://outlet.example/s2.xml"])
    store.save_validators(feed, {"etag": '"def"'})  # replaced, not merged
    assert store.validators(feed) == {"etag": '"def"'}
    assert store.children(index) == ["https://outlet.example/s1.xml", "https://outlet.example/s2.xml"]


def test_ingest_digests_round_trip(backend):
    """What `newsagg ingest` remembers of a page: its payload hash and what came out of it."""
    _, _, open_ = backend
    store = open_()
    assert store.digest(URL) is None
    store.save_digest(Digest("a1b2", "c3d4"), URL, "", URL + "?amp")
    store.save_digest(Digest(None, "skip:video_page"), URL + "?v")
    assert store.digest(URL) == Digest("a1b2", "c3d4") == store.digest(URL + "?amp")
    assert store.digest(URL + "?v") == Digest(None, "skip:video_page") and store.digest("") is None


def test_what_one_crawl_marked_the_next_one_sees(backend):
    rt, server, open_ = backend
    open_().mark(URL)
    if server is not None:
        server.restart()
    assert crawl_frontier(rt.settings).seen(URL)  # the crawl process's own factory, after a restart


def test_prune_forgets_urls_fetched_before_a_time_and_keeps_the_rest(backend):
    _, _, open_ = backend
    store = open_()
    store.mark(URL)
    store.save_digest(Digest("a1", "b2"), URL)
    time.sleep(0.05)
    middle = time.time()
    time.sleep(0.05)
    store.mark(URL + "?page=2")
    store.save_digest(Digest("c3", "d4"), URL + "?page=2")
    assert store.prune(middle) == 1
    assert not store.seen(URL) and store.seen(URL + "?page=2")
    # an archived page's digest is forgotten with its URL: the digests do not grow without bound
    assert store.digest(URL) is None and store.digest(URL + "?page=2") == Digest("c3", "d4")
    assert store.prune(middle) == 0
