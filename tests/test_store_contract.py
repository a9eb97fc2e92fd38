"""Both stores (SQLite FTS5 on a real file, Elasticsearch API on noida-db or a real cluster)
pass the same behaviour tests."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from newsagg.core.schema import Article
from tests.support.index_articles import (
    NOW,
    STORM_TEXT,
    art,
    election_articles,
    index_all,
    storm_articles,
)


def test_upsert_roundtrip_and_reindex_updates_in_place(store):
    arts = storm_articles()
    index_all(store, arts)
    assert store.count_articles() == 4
    back = store.get_article(arts[1].id)
    assert back.title == arts[1].title and back.copies_of == arts[0].id
    assert back.changes.added == ["READ ALSO: tides."] and back.changes.title_changed
    assert store.get_article(arts[0].id).entities == {"place": {"Kestrel Bay": 3}, "person": {"Ada Moss": 1}}
    # the same URL crawled again with a corrected title: same id, updated, not duplicated
    fixed = arts[0].model_copy(update={"title": "Storm floods Kestrel Bay harbour, ferries stranded"})
    assert store.upsert_articles([fixed]) == []
    assert store.count_articles() == 4
    assert store.get_article(arts[0].id).title.endswith("ferries stranded")
    assert store.get_article("no-such-id") is None


def test_an_older_version_written_late_does_not_replace_the_newer_one(store):
    arts = storm_articles()
    index_all(store, arts)
    newer = arts[0].model_copy(update={"title": "Storm floods Kestrel Bay harbour, ferries stranded",
                                       "fetched": arts[0].fetched + timedelta(hours=2)})
    assert store.upsert_articles([newer]) == []
    late = arts[0].model_copy(update={"title": "Storm nears Kestrel Bay"})  # fetched before `newer`
    assert store.upsert_articles([late]) == []  # not a failure: nothing to retry or dead-letter
    assert store.get_article(arts[0].id).title == newer.title
    assert store.count_articles() == 4


def test_search_groups_articles_into_ranked_clusters(store):
    index_all(store, storm_articles() + election_articles())
    results = store.search("harbour ferries")
    assert [r["cluster_id"] for r in results] == ["ev-storm"]
    top = results[0]
    assert top["article_count"] == 4 and top["copy_count"] == 2 and top["outlet_count"] == 3
    assert top["headline"] == "Storm floods Kestrel Bay harbour"
    assert top["originator"]["outlet"] == "wirewire"
    # one line per copy group, with how many copies it has
    by_group = {a["id"]: a["copies"] for a in top["top_articles"]}
    assert len(top["top_articles"]) == 2
    assert 2 in by_group.values() and 0 in by_group.values()

    both = store.search("harbour OR council")  # words of both events: both clusters come back
    assert {r["cluster_id"] for r in both} == {"ev-storm", "ev-election"}
    assert store.search("volcano") == []
    # inflections: the articles say "ferries", "flooding", "stranded"
    assert [r["cluster_id"] for r in store.search("ferry flooded")] == ["ev-storm"]


def test_equally_relevant_fresher_story_ranks_first(store):
    text = "The Kestrel Bay ferry timetable changes for the winter season."
    index_all(store, [art("old", "Ferry timetable changes", text, "bayherald", 40, "ev-old", "g1"),
                      art("new", "Ferry timetable changes", text, "coastdaily", 1, "ev-new", "g2")])
    assert [r["cluster_id"] for r in store.search("ferry timetable")] == ["ev-new", "ev-old"]


def test_search_filters_by_outlet_language_and_time(store):
    index_all(store, storm_articles() + election_articles())
    assert [r["cluster_id"] for r in store.search("Maranth", lang="de")] == ["ev-election"]
    assert store.search("Maranth", lang="de")[0]["top_articles"][0]["outlet"] == "tagesbote"
    assert store.search("storm", outlet="tagesbote") == []
    assert store.search("Maranth", since="24h") == []  # both articles are about 30 hours old
    assert [r["cluster_id"] for r in store.search("Maranth", since="2d")] == ["ev-election"]
    latest = store.search("", limit=1)  # no query: the latest stories
    assert [r["cluster_id"] for r in latest] == ["ev-storm"]


def test_rejected_article_comes_back_and_the_batch_goes_on(store):
    good = storm_articles()[:2]
    bad = {"url": "https://broken.example/x", "title": "no text field"}
    failures = store.upsert_articles([good[0], bad, good[1]])
    assert len(failures) == 1 and "text" in failures[0]["error"]
    assert failures[0]["retryable"] is False  # a retry would fail the same way: dead-letter it
    assert failures[0]["article"] == bad  # nothing lost: the dead-letter store gets the payload
    assert store.count_articles() == 2


def test_updates_move_an_article_and_both_clusters_follow(store):
    index_all(store, storm_articles() + election_articles())
    own = storm_articles()[3]
    missing = store.update_articles({own.id: {"event_id": "ev-election", "is_originator": False},
                                     "unknown-article": {"is_originator": True}})
    assert missing == ["unknown-article"]
    store.refresh_clusters(["ev-election"])  # the store remembers that ev-storm lost an article
    storm = store.story("ev-storm")
    assert storm["article_count"] == 3 and own.id not in [a["id"] for a in storm["articles"]]
    election = store.story("ev-election")
    assert election["article_count"] == 3
    assert store.get_article(own.id).is_originator is False


def test_merge_moves_articles_and_redirects_the_absorbed_story(store):
    index_all(store, storm_articles("ev-a") + election_articles("ev-b"))
    store.apply_merges([("ev-b", "ev-a")])
    store.refresh_clusters(["ev-a"])
    story = store.story("ev-b")
    assert story["event_id"] == "ev-a" and story["redirected_from"] == "ev-b"
    assert story["article_count"] == 6
    results = store.search("Maranth")
    assert [r["cluster_id"] for r in results] == ["ev-a"]
    # a later merge of the survivor keeps the old redirect working
    index_all(store, [art("late", "Harbour repairs begin", STORM_TEXT, "coastdaily", 1, "ev-c", "g-c")])
    store.apply_merges([("ev-a", "ev-c")])
    assert store.story("ev-b")["event_id"] == "ev-c"
    assert store.story("ev-c")["article_count"] == 7
    assert store.story("no-such-cluster") is None


def test_story_shows_timeline_originator_groups_and_changes(store):
    arts = storm_articles()
    index_all(store, arts)
    story = store.story("ev-storm")
    assert story["originator"]["article_id"] == arts[0].id
    assert [a["id"] for a in story["articles"]] == [a.id for a in arts]  # by time
    assert sum(t["count"] for t in story["timeline"]) == 4
    groups = {g["group_id"]: g["size"] for g in story["groups"]}
    assert groups == {"g-wire": 3, "g-own": 1}
    copy = next(a for a in story["articles"] if a["id"] == arts[1].id)
    assert copy["changes"]["added"] == ["READ ALSO: tides."] and copy["similarity"] == pytest.approx(0.93)
    assert story["outlets"] == ["wirewire", "coastdaily", "bayherald"]
    assert {e["name"] for e in story["top_entities"]} == {"Kestrel Bay", "Ada Moss"}


def test_concurrent_writers_leave_a_complete_cluster(store, tmp_path):
    """Four writers add articles to one cluster at once; the cluster document counts them all."""
    stores = [store] + [_twin(store) for _ in range(3)]
    errors = []

    def writer(n, s):
        try:
            for i in range(3):
                a = art(f"w{n}-{i}", f"Harbour update {n}.{i}", STORM_TEXT, f"outlet{n}", 1 + i, "ev-busy", f"g{n}{i}")
                assert s.upsert_articles([a]) == []
                s.refresh_clusters(["ev-busy"])
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n, s)) for n, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert store.story("ev-busy")["article_count"] == 12
    assert store.search("harbour")[0]["article_count"] == 12
    for s in stores[1:]:
        s.close()


def _twin(store):
    """A second store object on the same data (another worker process would have its own)."""
    if store.kind == "sqlite":
        from newsagg.index.store import SqliteStore

        return SqliteStore(store.path)
    from newsagg.index.es_store import ElasticStore

    return ElasticStore(store.settings)


def test_article_without_cluster_is_its_own_story(store):
    lone = Article(url="https://solo.example/a", outlet="solo", title="Lighthouse keeper retires",
                   text="After forty years the Kestrel Bay lighthouse keeper hands over the key.",
                   published=NOW - timedelta(hours=1))
    assert store.upsert_articles([lone]) == []
    results = store.search("lighthouse keeper")
    assert results[0]["cluster_id"] == lone.id and results[0]["article_count"] == 1
    assert store.story(lone.id)["articles"][0]["id"] == lone.id


def test_both_stores_give_the_same_answers(tmp_path, elasticsearch_url):
    """The same articles in SQLite and in Elasticsearch: the same stories, counts and copies."""
    import uuid

    from newsagg.core.settings import Settings
    from newsagg.index.es_store import ElasticStore
    from newsagg.index.store import SqliteStore

    stores = [SqliteStore(tmp_path / "same.sqlite"),
              ElasticStore(Settings(elasticsearch_url=elasticsearch_url, index_prefix=f"t{uuid.uuid4().hex[:10]}"))]
    for s in stores:
        s.setup()
        index_all(s, storm_articles() + election_articles())

    def answer(s, query, **kw):
        return [(r["cluster_id"], r["headline"], r["article_count"], r["copy_count"], r["outlets"],
                 r["first_seen"], r["last_updated"], r["originator"],
                 sorted(a["copies"] for a in r["top_articles"])) for r in s.search(query, **kw)]

    for query, kw in [("storm harbour", {}), ("Maranth council", {}), ("harbour", {"outlet": "bayherald"}),
                      ("Maranth", {"lang": "de"}), ("", {"since": "12h"}), ("lighthouse", {"since": "1h"})]:
        assert answer(stores[0], query, **kw) == answer(stores[1], query, **kw), (query, kw)
    sqlite_story, es_story = (s.story("ev-storm") for s in stores)
    for key in ("timeline", "groups", "originator", "top_entities", "keywords", "articles"):
        assert sqlite_story[key] == es_story[key], key
    stores[1].drop()
    for s in stores:
        s.close()


# ---------------------------------------------------------------- the full contract, search as editors type it

def test_every_store_implements_the_whole_contract(store):
    from newsagg.index.base import SearchStore

    assert isinstance(store, SearchStore) and not getattr(type(store), "__abstractmethods__", None)
    info = store.status()
    assert info["store"] == store.kind and info["articles"] == 0 and info["clusters"] == 0


def test_every_word_must_match_phrases_or_and_minus_work(store):
    index_all(store, storm_articles() + election_articles())

    def ids(q, **kw):
        return [r["cluster_id"] for r in store.search(q, **kw)]

    assert ids("storm council") == []  # one word of each story: no story has both
    assert ids("storm OR council") == ["ev-storm", "ev-election"] or set(ids("storm OR council")) == {"ev-storm", "ev-election"}
    assert ids('"harbour wall"') == ["ev-storm"] and ids('"wall harbour"') == []
    assert ids("harbour ferries -market") == ["ev-storm"]  # the reporter's own piece has no fish market
    only_own = store.search("harbour ferries -market")[0]["top_articles"]
    assert [a["title"] for a in only_own] == ["Ferries stranded after harbour wall breaks"]


def test_filters_and_sorts(store):
    storyline = [a.model_copy(update={"storyline_id": "sl-kestrel"}) for a in storm_articles()]
    index_all(store, storyline + election_articles())
    assert [r["cluster_id"] for r in store.search("", since="40h", sort="size")] == ["ev-storm", "ev-election"]
    assert [r["cluster_id"] for r in store.search("", until="10h")] == ["ev-election"]
    assert [r["cluster_id"] for r in store.search("Kestrel", country="ie")] == ["ev-storm"]
    assert store.search("Maranth", country="GB") == []
    assert [r["cluster_id"] for r in store.search("", entity="kestrel bay")] == ["ev-storm"]
    assert [r["cluster_id"] for r in store.search("", min_outlets=3)] == ["ev-storm"]
    got = store.search("", storyline="sl-kestrel")
    assert [r["cluster_id"] for r in got] == ["ev-storm"] and got[0]["storyline_id"] == "sl-kestrel"
    assert [r["cluster_id"] for r in store.search("", sort="recent")] == ["ev-storm", "ev-election"]


def test_one_result_per_story_even_when_many_articles_match(store):
    many = [art(f"s{i}", f"Storm update {i}", STORM_TEXT, f"outlet{i}", 1 + i / 10, "ev-big", f"g{i}") for i in range(40)]
    small = art("small", "Storm warning for Kestrel Bay", STORM_TEXT, "solo", 1, "ev-small", "gs")
    index_all(store, many + [small])
    results = store.search("storm", limit=5)
    assert sorted(r["cluster_id"] for r in results) == ["ev-big", "ev-small"]
    assert {r["cluster_id"]: r["article_count"] for r in results}["ev-big"] == 40


def test_a_story_opens_from_an_event_an_article_a_url_or_a_storyline(store):
    arts = [a.model_copy(update={"storyline_id": "sl-kestrel"}) for a in storm_articles()]
    index_all(store, arts + election_articles())
    store.make_visible()  # Elasticsearch: searches see the cluster documents after a refresh
    assert store.open_story("ev-storm")["event_id"] == "ev-storm"
    by_article = store.open_story(arts[1].id)
    assert by_article["event_id"] == "ev-storm" and by_article["opened_from"]["article_id"] == arts[1].id
    assert store.open_story(arts[2].url)["event_id"] == "ev-storm"
    line = store.open_story("sl-kestrel")
    assert line["storyline_id"] == "sl-kestrel" and [s["event_id"] for s in line["stories"]] == ["ev-storm"]
    assert store.open_story("https://nowhere.example/x") is None and store.open_story("nope") is None
