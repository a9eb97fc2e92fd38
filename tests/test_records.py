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


def test_a_storyline_counts_its_members_naming_each_name_and_keeps_the_counts_stored():
    """`Centroid.names` counts the members naming each name (not the numbers: the
    engine leaves those out of `Member.names`); the counts survive the stored dict, and
    a record written before them reads as naming nothing."""
    from newsagg.dedupe.records import StorylineRecord

    def named(lang, *names):
        m = member({"crane": 1.0}, {n: 1.0 for n in (*names, "2024")}, lang)
        return Member(m.terms, m.keys, m.lang, m.time, names=SparseVector.from_terms({n: 1.0 for n in names}, "k"))

    rec = StorylineRecord(created=0.0)
    for m in (named("en", "ellison"), named("de", "ellison", "nordmole"), named("de", "ellison")):
        rec.add(m, LIMIT)
    rec.remove(named("de", "ellison"), LIMIT)
    back = StorylineRecord.from_dict(json.loads(json.dumps(rec.to_dict())))
    assert back.centroid.names.dot(SparseVector.from_terms({"ellison": 1.0}, "k")) == pytest.approx(2.0)
    assert back.centroid.names.dot(SparseVector.from_terms({"nordmole": 1.0}, "k")) == pytest.approx(1.0)
    assert back.centroid.names.dot(SparseVector.from_terms({"2024": 1.0}, "k")) == 0.0
    older = rec.to_dict()
    del older["nv"]
    assert len(StorylineRecord.from_dict(older).centroid.names) == 0
