"""The engine's typed records read and write the stored dicts with the compact
keys they always had (no stored data migrates), and add/remove/absorb keep the
sums an event is scored by."""
from __future__ import annotations

import json

import pytest

from newsagg.dedupe.clusters import Member
from newsagg.dedupe.records import ArticleRecord, EventRecord, GroupRecord
from newsagg.dedupe.vectors import SparseVector

LIMIT = 250


def member(terms: dict[str, float], keys: dict[str, float], lang="en", time=1000.0, anchor=None, written=None):
    return Member(SparseVector.from_terms(terms, "t"), SparseVector.from_terms(keys, "k"), lang, time, anchor, written)


def test_stored_event_dicts_of_every_form_round_trip():
    live = {"created": 10.0, "last": 20.0, "tv": SparseVector.from_terms({"flood": 0.6, "dam": 0.8}, "t").pack(),
            "kv": SparseVector.from_terms({"valencia": 1.0}, "k").pack(), "langs": ["en", "es"], "size": 2,
            "absorbed": ["ev-x"], "anchor_min": 10.0, "anchor_max": 15.0, "written_min": None, "written_max": 9.0}
    closed = {**live, "tv": "", "kv": "", "closed": True}
    merged = {"merged_into": "ev-a", "created": 3.0}
    for stored in (live, closed, merged):
        back = EventRecord.from_dict(json.loads(json.dumps(stored))).to_dict()
        assert back == stored
    group = {"originator": "a1", "originator_anchor": None, "event_id": "ev-a1", "size": 3}
    assert GroupRecord.from_dict(group).to_dict() == group
    art = {"content_hash": "h", "fetched": 5.0, "event_id": "ev-a1", "group_id": "gr-a1", "copies_of": "a0",
           "similarity": 0.8, "changes": {"added": []}}
    assert ArticleRecord.from_dict(art).to_dict() == art


def test_add_remove_and_absorb_keep_the_sums_sizes_languages_and_times():
    a = member({"flood": 1.0}, {"valencia": 1.0}, "en", time=100.0, anchor=100.0)
    b = member({"flood": 0.6, "dam": 0.8}, {"valencia": 1.0}, "es", time=200.0, written=50.0)
    event = EventRecord(created=100.0, last=100.0)
    event.add(a, LIMIT)
    event.add(b, LIMIT)
    assert event.size == 2 and event.centroid.langs == ["en", "es"] and event.last == 200.0
    assert (event.span.anchor_min, event.span.anchor_max, event.span.written_max) == (100.0, 100.0, 50.0)
    assert event.centroid.terms.dot(SparseVector.from_terms({"flood": 1.0}, "t")) == pytest.approx(1.6)
    event.remove(b, LIMIT)
    assert event.size == 1
    assert event.centroid.terms.dot(SparseVector.from_terms({"flood": 1.0}, "t")) == pytest.approx(1.0)
    assert len(event.centroid.terms) == 1  # "dam" fell to zero and is gone
    other = EventRecord(created=300.0, last=300.0, absorbed=["ev-old"])
    other.add(member({"dam": 1.0}, {}, "de", time=300.0, anchor=290.0), LIMIT)
    event.absorb("ev-other", other, LIMIT)
    assert event.size == 2 and event.absorbed == ["ev-old", "ev-other"] and event.last == 300.0
    assert event.span.anchor_max == 290.0 and "de" in event.centroid.langs
    assert EventRecord.from_dict(event.to_dict()).to_dict() == event.to_dict()


def test_an_event_counts_its_members_by_language_and_a_record_from_before_does_not_guess():
    rec = EventRecord(created=0.0)
    for lang in ("en", "en", "en", "de"):
        rec.add(member({"crane": 1.0}, {"ellison": 1.0}, lang), LIMIT)
    rec.remove(member({"crane": 1.0}, {"ellison": 1.0}, "en"), LIMIT)
    back = EventRecord.from_dict(json.loads(json.dumps(rec.to_dict())))
    assert back.centroid.language_share("en") == pytest.approx(2 / 3)
    assert back.centroid.language_share("de") == pytest.approx(1 / 3)
    older = rec.to_dict()
    del older["lsz"]
    assert EventRecord.from_dict(older).centroid.language_share("en") is None


def test_the_embedding_lookups_view_of_stored_events_gives_the_records_own_figures():
    # The lookup scans hundreds of stored events an assignment without building their
    # records: what it reads must be what the records would say.
    import numpy as np

    from newsagg.dedupe.embedding import quantised
    from newsagg.dedupe.records import stored_embedding_likeness

    rng = np.random.default_rng(3)

    def unit():
        v = rng.normal(size=512)
        return quantised(v / np.linalg.norm(v))

    def embedded_member(lang):
        m = member({"flood": 1.0}, {"valencia": 1.0}, lang)
        m.embedding = unit()
        return m

    two, one, closed, bare = (EventRecord(created=1.0) for _ in range(4))
    for event, langs in ((two, ("en", "ko")), (one, ("ko",)), (closed, ("en",)), (bare, ("en",))):
        for lang in langs:
            event.add(embedded_member(lang) if event is not bare else member({"a": 1.0}, {}, lang), LIMIT)
    closed.close()
    stored = {name: json.loads(json.dumps(e.to_dict()))
              for name, e in (("two", two), ("one", one), ("closed", closed), ("bare", bare))}
    article = unit()
    alike = stored_embedding_likeness(stored, article, "ko")
    assert [eid for eid, _, _ in alike] == ["two", "one"]  # closed and embedding-less events are not scanned
    for eid, likeness, share in alike:
        centroid = EventRecord.from_dict(stored[eid]).centroid
        assert likeness == centroid.embedding_likeness(article)
        assert share == centroid.language_share("ko")
    assert stored_embedding_likeness({"bare": stored["bare"]}, article, "en") == []
