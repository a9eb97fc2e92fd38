"""bench/data/dated-events-5: the fifth dated set (many languages, rewrites) is well formed by the rules of its README
and loads as `newsagg eval clusters` loads it (both splits; no engine run here, the held-out
half is scored once, at the end of a round). Skipped where the data folder is absent."""
from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest

from newsagg.dedupe.eval import load_labelled, select_split

BENCH = Path(__file__).resolve().parent.parent / "bench" / "data"
DATA = BENCH / "dated-events-5" / "events.jsonl"
pytestmark = pytest.mark.skipif(not DATA.exists(), reason="bench/data/dated-events-5 is not in this checkout")


def _rows() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_rows_follow_the_label_rules_of_the_readme():
    rows = _rows()
    assert 300 <= len(rows) <= 450
    assert len({r["id"] for r in rows}) == len({r["url"] for r in rows}) == len(rows)
    events_of_group: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        assert r["text"].strip() and len(r["text"]) <= 2500 and r["lang"], r["id"]
        assert re.match(r"^\d{4}-\d{2}-\d{2}-[a-z0-9-]+$", r["event"]), r["event"]
        assert ("published" in r) == ("published_source" in r), r["id"]
        if "published" in r:
            assert r["published_source"] in ("text", "url")
            datetime.fromisoformat(r["published"])
        events_of_group[r["group"]].add(r["event"])
    # a copy group never spans two events, and the set has real copy groups
    assert all(len(events) == 1 for events in events_of_group.values())
    assert sum(1 for g in events_of_group if sum(r["group"] == g for r in rows) > 1) >= 15
    # whole topics per split, by the SHA-256 rank of the slug: the lower half is tune
    topics = sorted({r["topic"] for r in rows}, key=lambda t: hashlib.sha256(t.encode()).hexdigest())
    tune = set(topics[: len(topics) // 2])
    assert all(r["split"] == ("tune" if r["topic"] in tune else "holdout") for r in rows)


def test_no_url_of_the_earlier_labelled_sets():
    earlier = set()
    for path in (BENCH / "dated-events" / "dated-events.jsonl", BENCH / "dated-events-vi" / "events.jsonl",
                 BENCH / "dated-events-3" / "events.jsonl", BENCH / "dated-events-4" / "events.jsonl"):
        if path.exists():
            earlier |= {json.loads(line)["url"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}
    assert not earlier & {r["url"] for r in _rows()}


def test_the_evaluation_loads_both_splits():
    rows = load_labelled(DATA)
    tune, holdout = select_split(rows, "tune"), select_split(rows, "holdout")
    assert len(tune) + len(holdout) == len(rows)
    assert {r["topic"] for r in tune}.isdisjoint({r["topic"] for r in holdout})
    assert len({r["event"] for r in tune}) >= 12 and len({r["event"] for r in holdout}) >= 10


def test_events_are_reported_in_many_languages():
    # the set's purpose: one event across many languages (issue 14's unseen sets: other-language
    # reports of an event covered mainly in English stayed in events of their own)
    rows = _rows()
    assert len({r["lang"] for r in rows}) >= 10
    langs_of_event: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        langs_of_event[r["event"]].add(r["lang"])
    assert sum(len(langs) >= 3 for langs in langs_of_event.values()) >= len(langs_of_event) // 2
    # and copy groups hold rewrites, not only verbatim mirrors: some group members differ in text
    texts_of_group: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        texts_of_group[r["group"]].add(r["text"])
    assert sum(len(texts) > 1 for texts in texts_of_group.values()) >= 15
