"""bench/data/dated-events-vi: the Vietnamese same-day set is well formed and
`newsagg eval clusters` scores its held-out half (events, copies, storylines).
Skipped where the data folder is absent (a trimmed checkout)."""
from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsagg.cli import main

DATA = Path(__file__).resolve().parent.parent / "bench" / "data" / "dated-events-vi" / "events.jsonl"
pytestmark = pytest.mark.skipif(not DATA.exists(), reason="bench/data/dated-events-vi is not in this checkout")


def _rows() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_rows_follow_the_label_rules_of_the_readme():
    rows = _rows()
    assert 150 <= len(rows) <= 300
    assert len({r["id"] for r in rows}) == len({r["url"] for r in rows}) == len(rows)
    split_of_topic: dict[str, set[str]] = defaultdict(set)
    days: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        assert r["lang"] == "vi" and r["text"].strip() and r["outlet"], r["id"]
        assert re.match(r"^\d{4}-\d{2}(-\d{2})?-[a-z0-9-]+$", r["event"]), r["event"]
        assert ("published" in r) == ("published_source" in r), r["id"]
        if "published" in r:
            assert r["published_source"] in ("text", "url")
            datetime.fromisoformat(r["published"])
        split_of_topic[r["topic"]].add(r["split"])
        days[r["event"][:10]].add(r["topic"])
    # whole topics go to one split, and at least 40 % of the articles are held out
    assert all(len(s) == 1 for s in split_of_topic.values())
    assert sum(r["split"] == "holdout" for r in rows) >= 0.4 * len(rows)
    # the point of the set: unrelated topics in the same week, several times
    weeks = defaultdict(set)
    for day, topics in days.items():
        if re.match(r"^\d{4}-\d{2}-\d{2}$", day):
            d = datetime.fromisoformat(day)
            weeks[d.isocalendar()[:2]] |= topics
    assert sum(len(t) >= 4 for t in weeks.values()) >= 3


def test_eval_clusters_scores_the_held_out_half():
    held_out = [r for r in _rows() if r["split"] == "holdout"]
    result = CliRunner().invoke(main, ["eval", "clusters", str(DATA), "--split", "holdout", "--json",
                                       "--no-baseline"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # the engine's merge log lines go to stderr
    assert report["articles"] == len(held_out)
    assert report["gold"]["events"] == len({r["event"] for r in held_out})
    assert report["gold"]["storylines"] == len({r["topic"] for r in held_out})
    assert set(report["storylines"]) == {"bcubed", "pairwise"}
