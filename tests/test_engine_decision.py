"""Event decisions of the story engine: the cut of an event in two (`clusters.bisect_parts`)
and the learned join decision (`dedupe.decision`)."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from newsagg.dedupe.clusters import Member, bisect_parts, recluster_parts, split_parts
from newsagg.dedupe.decision import EVIDENCE
from newsagg.dedupe.engine import StoryEngine
from newsagg.dedupe.scoring import time_compatible
from newsagg.dedupe.state import LocalState
from newsagg.dedupe.tuning import Tuning
from newsagg.dedupe.vectors import SparseVector
from tests.support.engine_texts import DAY, INDEPENDENT_TEXT, INDEPENDENT_TITLE, article, background, wire


def _two_happenings_bound_by_look_backs() -> tuple[dict[str, tuple[str, Member]], np.ndarray]:
    """Four reports of a collapse and four of the reopening a week later (each its own
    copy group), two of them look-backs that retell the other happening too: each
    look-back is closer to one report of the other happening (0.6) than reports of one
    happening are to each other (0.35); the two happenings are otherwise 0.15 alike."""
    ids = ["a1", "a2", "a3", "a4", "b1", "b2", "b3", "b4"]
    side = np.array([i[0] == "a" for i in ids])
    sims = np.where(side[:, None] == side[None, :], 0.35, 0.15)
    for a, b in (("a1", "b1"), ("a2", "b2")):
        sims[ids.index(a), ids.index(b)] = sims[ids.index(b), ids.index(a)] = 0.6
    np.fill_diagonal(sims, 1.0)
    member = Member(SparseVector.empty(), SparseVector.empty(), "en", 0.0)
    return {i: (f"gr-{i}", member) for i in ids}, sims


def test_event_of_two_happenings_bound_by_look_backs_is_cut_in_two():
    members, sims = _two_happenings_bound_by_look_backs()
    tuning = Tuning()
    # Average link joins each look-back with its near twin first: no part of four
    # copy groups is left to keep apart, and the whole event stays one.
    assert len(split_parts(members, sims, tuning)) == 1
    parts = bisect_parts(members, sims, tuning)
    assert sorted(map(sorted, parts)) == [["a1", "a2", "a3", "a4"], ["b1", "b2", "b3", "b4"]]
    # Off (0), or parts as alike as within themselves: no cut.
    assert bisect_parts(members, sims, replace(tuning, bisect_cohesion=0.0)) == [sorted(members)]
    alike = np.where(sims == 0.15, 0.35, sims)
    assert len(bisect_parts(members, alike, tuning)) == 1


def test_reclustering_places_small_events_reports_whatever_their_order_and_keeps_events_apart():
    # An established event of four reports (e), another of three (f) as alike to it as
    # its own reports are to each other, a lone report of e's happening (x), two
    # reports of a third happening (y, z) and a report alike to e but out of its time.
    ids = sorted(["e1", "e2", "e3", "e4", "f1", "f2", "f3", "x", "y", "z", "late"])  # sims in sorted order
    happening = {"e": "e", "f": "f", "x": "e", "y": "y", "z": "y", "l": "e"}
    sims = np.full((len(ids), len(ids)), 0.1)
    for i, a in enumerate(ids):
        for j, b in enumerate(ids):
            if happening[a[0]] == happening[b[0]]:
                sims[i, j] = 0.4 if a[0] in "yz" else 0.35
            elif {happening[a[0]], happening[b[0]]} == {"e", "f"}:
                sims[i, j] = 0.33
    np.fill_diagonal(sims, 1.0)
    unit = {i: (f"event:{i[0]}" if i[0] in "ef" else f"gr-{i}") for i in ids}
    members = {i: (unit[i], Member(SparseVector.empty(), SparseVector.empty(), "en", 99.0 if i == "late" else 0.0))
               for i in ids}
    out_of_time = lambda m, span: m.time != 99.0  # noqa: E731 (the engine passes scoring.time_compatible)
    groups = {i: f"gr-{i}" for i in ids}
    parts = recluster_parts(members, sims, Tuning(), out_of_time, groups, {"event:e", "event:f"})
    assert sorted(map(sorted, parts)) == [["e1", "e2", "e3", "e4", "x"], ["f1", "f2", "f3"], ["late"], ["y", "z"]]
    # Given in another order, the same parts.
    reordered = dict(reversed(list(members.items())))
    assert sorted(map(sorted, recluster_parts(reordered, sims, Tuning(), out_of_time, groups,
                                              {"event:e", "event:f"}))) == sorted(map(sorted, parts))
    # Established events are merged by the merge rules, not here: left free, e and f join.
    free = recluster_parts(members, sims, Tuning(), out_of_time, groups)
    assert ["e1", "e2", "e3", "e4", "f1", "f2", "f3", "x"] in map(sorted, free)


def test_reclustering_keeps_to_the_time_of_an_events_reports_in_other_languages():
    # An established event (four undated English reports) holds a Spanish report
    # published in 2023; two English reports of a quake published in 2025 are as alike
    # to the event as its own reports are to each other. Only the English reports are
    # clustered again; the Spanish one goes with its event, so its time bounds it.
    ids = sorted(["e1", "e2", "e3", "e4", "q1", "q2"])
    sims = np.full((len(ids), len(ids)), 0.35)
    np.fill_diagonal(sims, 1.0)
    in_2023, in_2025 = 1_695_859_200.0, 1_741_824_000.0

    def report(i: str) -> Member:
        anchor = in_2025 if i[0] == "q" else None
        return Member(SparseVector.empty(), SparseVector.empty(), "en", anchor or in_2023, anchor)

    members = {i: ("event:e" if i[0] == "e" else "gr-q", report(i)) for i in ids}
    spanish = Member(SparseVector.empty(), SparseVector.empty(), "es", in_2023, in_2023)
    tuning = Tuning()
    timely = lambda m, span: time_compatible(m, span, tuning)  # noqa: E731 (as the engine passes it)
    groups = {i: f"gr-{i}" for i in ids}
    # Without the Spanish report's time, the 2025 reports join the event.
    assert len(recluster_parts(members, sims, tuning, timely, groups, {"event:e"})) == 1
    apart = recluster_parts(members, sims, tuning, timely, groups, {"event:e"}, {"event:e": [spanish]})
    assert sorted(map(sorted, apart)) == [["e1", "e2", "e3", "e4"], ["q1", "q2"]]
    # In any input order.
    reordered = dict(reversed(list(members.items())))
    assert sorted(map(sorted, recluster_parts(reordered, sims, tuning, timely, groups, {"event:e"},
                                              {"event:e": [spanish]}))) == sorted(map(sorted, apart))


@pytest.fixture
def make_engine(tmp_path):
    engines = []

    def make(tuning: Tuning) -> StoryEngine:
        eng = StoryEngine(LocalState(tmp_path / f"state{len(engines)}"), tuning)
        for a in background():
            eng.assign(a)
        engines.append(eng)
        return eng

    yield make
    for eng in engines:
        eng.close()


@pytest.mark.parametrize("intercept, joins", [(50.0, True), (-50.0, False)])
def test_learned_decision_decides_whether_a_report_joins_the_event_it_clears_the_bar_of(make_engine, intercept, joins):
    # An independent report of the collapse clears the joining bar of the wire's
    # event; the learned decision (weights in the tuning) has the last word on the
    # join. (Re-examination and re-clustering, off here, place reports of small
    # events by likeness alone: they would take a vetoed report back in.)
    engine = make_engine(replace(Tuning(), event_weights=(0.0,) * len(EVIDENCE) + (intercept,),
                                 reexamine_events=0, reassign_events=0, recluster_events=0))
    original = engine.assign(wire())
    report = engine.assign(article("dailyvarn", INDEPENDENT_TITLE, INDEPENDENT_TEXT, DAY + timedelta(hours=2)))
    assert (report.event_id == original.event_id) is joins
