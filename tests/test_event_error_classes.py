"""bench/event_error_classes.py: an events clustering's BCubed losses put in classes
that sum to the losses, a split by language told apart from a split within one, an
undated intruder from one published weeks away."""
from __future__ import annotations

import pytest

from newsagg.dedupe.eval import bcubed
from tests.support.bench_scripts import load_bench_script


def load_tool():
    return load_bench_script("event_error_classes")


def row(rid: str, event: str, lang: str, published: str | None = None) -> dict:
    return {"id": rid, "event": event, "lang": lang, "published": published, "text": ""}


def test_losses_are_classed_by_language_split_and_by_the_intruders_time():
    tool = load_tool()
    rows = [row("a1", "quake", "en", "2024-05-20"), row("a2", "quake", "en"), row("a3", "quake", "en"),
            row("a4", "quake", "ja"),                                       # split off alone: Japanese only
            row("a5", "quake", "en"), row("a6", "quake", "de"),              # split off, sharing English
            row("b1", "second-quake", "en"),                                 # undated intruder in the first
            row("c1", "third-quake", "en", "2024-07-01"),                    # dated weeks away, in the first
            row("d1", "eruption", "en"), row("d2", "eruption", "en")]
    pred = ["e1", "e1", "e1", "e2", "e3", "e3", "e1", "e1", "e4", "e4"]
    recall, precision = tool.error_classes(rows, pred)
    scores = bcubed(pred, [r["event"] for r in rows])
    assert sum(recall.values()) == pytest.approx(1 - scores["recall"], abs=1e-3)
    assert sum(precision.values()) == pytest.approx(1 - scores["precision"], abs=1e-3)
    assert recall["split off, other languages only"] == pytest.approx((1 - 1 / 6) / 10)
    assert recall["split off, sharing a language with the largest piece"] == pytest.approx(2 * (1 - 2 / 6) / 10)
    assert precision["intruder, undated"] == pytest.approx((1 - 1 / 5) / 10)
    assert precision["intruder, dated > 2 days from the event's dated reports"] == pytest.approx((1 - 1 / 5) / 10)
    assert "intruder, dated within 2 days (or the event undated)" not in precision
