"""The pure core shared by both stores: cluster documents, ranking, --since, query escaping."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from newsagg.index.documents import (
    SearchInputError,
    article_to_doc,
    build_cluster,
    doc_to_article,
    fts_query,
    parse_since,
    shape_results,
)
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


def test_ranking_weighs_relevance_against_recency():
    old = art("o", "Harbour", "harbour", "a", 72, "ev-old", "g1")
    new = art("n", "Harbour", "harbour", "b", 1, "ev-new", "g2")
    clusters = {c["event_id"]: c for c in (build_cluster("ev-old", [old]), build_cluster("ev-new", [new]))}
    # much more relevant but three days old still wins over a weak fresh match
    assert [r["cluster_id"] for r in shape_results([(old, 10.0), (new, 1.0)], clusters, now=NOW)] == ["ev-old", "ev-new"]
    # equally relevant: the fresh one first
    assert [r["cluster_id"] for r in shape_results([(old, 5.0), (new, 5.0)], clusters, now=NOW)] == ["ev-new", "ev-old"]
    assert shape_results([], {}) == []


@pytest.mark.parametrize("query", ['storm"', "NEAR(storm harbour)", "storm AND", "*", "harbour's -wall", "éclair"])
def test_user_queries_never_break_fts5(tmp_path, query):
    store = SqliteStore(tmp_path / "s.sqlite")
    index_all(store, storm_articles())
    store.search(query)  # no sqlite3.OperationalError from FTS5 syntax in user input
    assert fts_query("storm harbour") == '"storm" OR "harbour"'
    assert fts_query("  --  ") is None
