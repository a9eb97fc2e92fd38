"""The pure core shared by both stores: cluster documents, ranking, --since, query escaping."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from newsagg.index.documents import (
    SearchInputError,
    SearchRequest,
    article_to_doc,
    build_cluster,
    doc_to_article,
    parse_since,
    parse_when,
    shape_results,
    word_diff,
)
from newsagg.index.query import parse_query, to_fts5
from newsagg.index.sqlite_store import SqliteStore
from tests.support.index_articles import NOW, art, index_all, storm_articles


def test_cluster_document_holds_what_editors_filter_on():
    arts = storm_articles()
    c = build_cluster("ev-storm", reversed(arts))  # input order does not matter
    assert c["headline"] == arts[0].title  # the originator of the largest copy group
    assert c["first_seen"] == arts[0].published.isoformat().replace("+00:00", "Z")
    assert c["last_updated"] == arts[3].published.isoformat().replace("+00:00", "Z")
    assert (c["article_count"], c["outlet_count"], c["language_count"]) == (4, 3, 1)
    assert c["copy_count"] == 2 and c["group_count"] == 2 and c["largest_group"] == 3
    assert c["groups"][0]["originator_outlet"] == "wirewire" and c["groups"][0]["size"] == 3
    assert c["originator"] == {"article_id": arts[0].id, "outlet": "wirewire", "url": arts[0].url,
                               "title": arts[0].title, "published": c["first_seen"]}
    assert c["countries"] == ["GB"] and c["outlet_countries"] == ["GB", "IE"]
    assert c["top_entities"][0] == {"kind": "place", "name": "Kestrel Bay", "count": 5}
    assert c["keywords"] == ["storm", "ferries", "harbour"]  # by how many articles carry them
    assert sum(t["count"] for t in c["timeline"]) == 4
    assert build_cluster("empty", []) is None


def test_article_document_roundtrip_keeps_every_field():
    a = storm_articles()[1]
    doc = article_to_doc(a)
    assert doc["entity_names"] == ["Kestrel Bay"] and doc["is_copy"] is True
    assert doc_to_article(doc) == a


def test_since_accepts_durations_and_dates_and_rejects_nonsense():
    now = datetime(2026, 5, 2, 12, tzinfo=timezone.utc)
    assert parse_since("24h", now) == now - timedelta(hours=24)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("90m", now) == now - timedelta(minutes=90)
    assert parse_since("2026-05-01", now) == datetime(2026, 5, 1, tzinfo=timezone.utc)
    assert parse_since(None) is None
    with pytest.raises(SearchInputError, match="24h"):
        parse_since("yesterday-ish", now)


def test_since_and_until_read_what_people_type():
    now = datetime(2026, 5, 2, 12, tzinfo=timezone.utc)
    midnight = datetime(2026, 5, 2, tzinfo=timezone.utc)
    assert parse_when("3 days", now=now) == now - timedelta(days=3)
    assert parse_when("2 weeks ago", now=now) == now - timedelta(weeks=2)
    assert parse_when("yesterday", now=now) == midnight - timedelta(days=1)
    assert parse_when("yesterday", end=True, now=now) == midnight  # --until yesterday: up to last midnight
    assert parse_when("today", now=now) == midnight
    assert parse_when("2026-05-01", end=True, now=now) == midnight  # the whole day
    with pytest.raises(SearchInputError, match="--until"):
        SearchRequest(until="next full moon")
    with pytest.raises(SearchInputError, match="relevance"):
        SearchRequest(sort="loudest")


def test_ranking_puts_relevance_first_and_recency_second():
    old = art("o", "Harbour", "harbour", "a", 72, "ev-old", "g1")
    new = art("n", "Harbour", "harbour", "b", 1, "ev-new", "g2")
    clusters = {c["event_id"]: c for c in (build_cluster("ev-old", [old]), build_cluster("ev-new", [new]))}

    def order(hits, **kw):
        return [r["cluster_id"] for r in shape_results(hits, clusters, SearchRequest(query="harbour", **kw), now=NOW)]

    # clearly more relevant but three days old wins over a weaker fresh match (gentle decay)
    assert order([(old, 10.0), (new, 7.0)]) == ["ev-old", "ev-new"]
    # equally relevant: the fresh one first
    assert order([(old, 5.0), (new, 5.0)]) == ["ev-new", "ev-old"]
    assert order([(old, 10.0), (new, 1.0)], sort="recent") == ["ev-new", "ev-old"]
    assert shape_results([], {}) == []


def test_a_story_covered_widely_gets_a_mild_boost_only():
    one = art("one", "Harbour", "harbour", "a", 5, "ev-one", "g1")
    many = [art(f"m{i}", "Harbour", "harbour", f"o{i}", 5, "ev-many", f"g{i}") for i in range(8)]
    clusters = {"ev-one": build_cluster("ev-one", [one]), "ev-many": build_cluster("ev-many", many)}
    hits = [(one, 5.0), *((m, 5.0) for m in many)]
    assert [r["cluster_id"] for r in shape_results(hits, clusters, SearchRequest("harbour"), now=NOW)] == ["ev-many", "ev-one"]
    hits = [(one, 6.0), *((m, 4.0) for m in many)]  # a clearly better match still wins
    assert [r["cluster_id"] for r in shape_results(hits, clusters, SearchRequest("harbour"), now=NOW)] == ["ev-one", "ev-many"]


def test_queries_read_as_people_type_them():
    q = parse_query('storm "sea wall" ferry OR boat -tram K2-18b')
    assert [[t.text for t in g] for g in q.groups] == [["storm"], ["sea wall"], ["ferry", "boat"], ["k2 18b"]]
    assert [t.text for t in q.excluded] == ["tram"]
    assert to_fts5(q) == '("storm" AND "sea wall" AND ("ferry" OR "boat") AND "k2 18b") NOT "tram"'
    assert q.looser() == 'storm OR "sea wall" OR ferry OR boat OR "k2 18b"'
    assert to_fts5(parse_query("  --  ")) is None
    assert parse_query("storm harbour").can_loosen and not parse_query("storm").can_loosen


def test_a_changed_sentence_shows_the_changed_words():
    old = "The harbour master said the sea wall held for six hours before the surge broke through."
    new = "The harbour master said the sea wall held for nine hours before the storm surge broke through."
    assert word_diff(old, new) == "… sea wall held for [-six-] {+nine+} hours before the {+storm+} surge broke through."


@pytest.mark.parametrize("query", ['storm"', "NEAR(storm harbour)", "storm AND", "*", "harbour's -wall", "éclair",
                                   '"', "OR", "- -", 'a OR "b'])
def test_user_queries_never_break_fts5(tmp_path, query):
    store = SqliteStore(tmp_path / "s.sqlite")
    index_all(store, storm_articles())
    store.search(query)  # no sqlite3.OperationalError from FTS5 syntax in user input
