"""`newsagg eval clusters`: the measures, the input checks, the command, and the
engine against the baseline on the real labelled data."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from newsagg.cli import main
from newsagg.dedupe.eval import (
    EvalInputError,
    bcubed,
    evaluate,
    load_labelled,
    pairwise,
    select_split,
    split_of,
)
from tests.support.engine_texts import (
    GERMAN_TEXT,
    GERMAN_TITLE,
    INDEPENDENT_TEXT,
    INDEPENDENT_TITLE,
    UNRELATED,
    WIRE_PARAGRAPHS,
    WIRE_TEXT,
    WIRE_TITLE,
    headline_stream,
)


def test_bcubed_and_pairwise_on_a_worked_example():
    gold = ["a", "a", "a", "b", "b"]
    pred = ["x", "x", "y", "y", "y"]
    # BCubed precision: items 1,2 -> 1; item 3 -> 1/3; items 4,5 -> 2/3. Recall: 2/3,2/3,1/3,1,1.
    b = bcubed(pred, gold)
    assert b["precision"] == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3) / 5, abs=1e-4)
    assert b["recall"] == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5, abs=1e-4)
    # Pairs: predicted {12, 34, 35, 45}, gold {12, 13, 23, 45}: 2 shared.
    p = pairwise(pred, gold)
    assert (p["precision"], p["recall"], p["f1"]) == (0.5, 0.5, 0.5)
    assert bcubed(gold, gold)["f1"] == 1.0 and pairwise(gold, gold)["f1"] == 1.0


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _labelled_rows():
    rows = [
        {"id": "w1", "title": WIRE_TITLE, "text": WIRE_TEXT, "lang": "en", "published": "2026-03-02T09:00:00Z",
         "event": "2026-03-02-crane", "group": "g-wire"},
        {"id": "w2", "title": "Crane falls onto ship at Port Ellison", "text": "\n\n".join(WIRE_PARAGRAPHS[:4]),
         "lang": "en", "published": "2026-03-02T11:00:00Z", "event": "2026-03-02-crane", "group": "g-wire"},
        {"id": "i1", "title": INDEPENDENT_TITLE, "text": INDEPENDENT_TEXT, "lang": "en",
         "published": "2026-03-02T12:00:00Z", "event": "2026-03-02-crane", "group": "i1"},
    ]
    rows += [{"id": f"u{i}", "title": t, "text": x, "lang": "en", "event": f"u{i}", "group": f"u{i}"}
             for i, (t, x) in enumerate(UNRELATED)]
    return rows


def test_eval_clusters_json_reports_both_levels_and_the_baseline(tmp_path):
    path = _write(tmp_path / "small.jsonl", _labelled_rows())
    result = CliRunner().invoke(main, ["eval", "clusters", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["articles"] == 6 and report["seconds"] >= 0
    for level in ("events", "copies"):
        for measure in ("bcubed", "pairwise"):
            assert set(report[level][measure]) == {"precision", "recall", "f1"}
    assert report["events"]["bcubed"]["f1"] == 1.0 and report["copies"]["pairwise"]["f1"] == 1.0
    assert report["baseline"]["events"]["bcubed"]["f1"] < 1.0  # 5-shingles miss the independent report


def test_eval_clusters_can_shuffle_the_stream(tmp_path):
    path = _write(tmp_path / "small.jsonl", _labelled_rows())
    result = CliRunner().invoke(main, ["eval", "clusters", str(path), "--json", "--no-baseline", "--shuffle", "7"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["shuffle"] == 7 and report["articles"] == 6 and "baseline" not in report
    assert report["copies"]["pairwise"]["f1"] == 1.0  # copies are found in any order


def test_eval_clusters_text_output(tmp_path):
    path = _write(tmp_path / "small.jsonl", _labelled_rows())
    result = CliRunner().invoke(main, ["eval", "clusters", str(path), "--no-baseline"])
    assert result.exit_code == 0, result.output
    assert "events   BCubed P 1.000 R 1.000 F1 1.000" in result.output
    assert "baseline" not in result.output


@pytest.mark.parametrize("content, message", [
    ('{"id": "a", "text": "x"}\n', ":1: field 'event' missing"),
    ('{"id": "a", "text": "x", "event": "e"}\nnot json\n', ":2: not JSON"),
    ('{"id": "a", "text": "x", "event": "e"}\n{"id": "a", "text": "y", "event": "e"}\n', "id 'a' occurs twice"),
    ("", "no articles"),
    ('{"id": "a", "text": " ", "event": "e"}\n', ":1: field 'text' missing, or empty without a title"),
])
def test_bad_labelled_files_get_clear_errors(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EvalInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_labelled(path)
    result = CliRunner().invoke(main, ["eval", "clusters", str(path)])
    assert result.exit_code != 0 and message.split(": ")[-1] in result.output


def test_splits_never_cut_a_topic():
    assert split_of("2025-02-26-gene-hackman-found-dead") == split_of("2025-03-07-hackman-cause-of-death") == "tune"
    assert split_of("2025-07-22-ozzy-osbourne-dies") == split_of("2025-07-05-black-sabbath-farewell-concert") == "holdout"
    assert split_of("topic12-a") == split_of("topic12-b")
    rows = [{"event": e} for e in ("2025-07-22-ozzy-osbourne-dies", "2025-02-26-gene-hackman-found-dead")]
    assert select_split(rows, "holdout") == rows[:1] and select_split(rows, "all") == rows
    with pytest.raises(EvalInputError, match="unknown split"):
        select_split(rows, "train")


@pytest.mark.realdata
def test_engine_beats_the_baseline_on_held_out_real_pages(shared_data):
    report = evaluate(shared_data / "news-events-dev.jsonl", split="holdout")
    base = report["baseline"]
    assert report["articles"] == 143
    assert report["events"]["bcubed"]["f1"] >= base["events"]["bcubed"]["f1"] + 0.3
    assert report["copies"]["pairwise"]["f1"] >= base["copies"]["pairwise"]["f1"] + 0.3


def test_eval_clusters_scores_storylines_when_rows_carry_a_topic(tmp_path):
    rows = [{**r, "topic": "crane" if r["event"].endswith("crane") else r["event"]} for r in _labelled_rows()]
    path = _write(tmp_path / "topics.jsonl", rows)
    result = CliRunner().invoke(main, ["eval", "clusters", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report["storylines"]) == {"bcubed", "pairwise"}
    assert report["storylines"]["bcubed"]["f1"] == 1.0 and report["gold"]["storylines"] == 4
    assert "storylines" in report["baseline"]
    plain = json.loads(CliRunner().invoke(main, ["eval", "clusters", str(_write(tmp_path / "plain.jsonl",
                                                                                   _labelled_rows())), "--json"]).output)
    assert "storylines" not in plain


def test_dated_rows_stream_in_publication_order_in_the_places_of_dated_rows():
    from newsagg.dedupe.eval import publication_order

    rows = [{"id": "late", "published": "2026-03-05"}, {"id": "undated"}, {"id": "early", "published": "2026-03-01T10:00:00Z"}]
    assert [r["id"] for r in publication_order(rows)] == ["early", "undated", "late"]


def test_eval_clusters_reads_a_headline_only_stream_and_keeps_its_storylines_apart(tmp_path):
    """Feed items with a headline and no text (the UCI aggregator stream) are scored;
    a round-up headline naming two subjects does not make them one storyline."""
    rows = [{"id": slug, "title": headline, "text": "", "event": subject, "topic": subject,
             "published": f"2026-03-10T{8 + n // 3:02d}:{20 * (n % 3):02d}:00Z"}
            for n, (slug, headline, subject) in enumerate(headline_stream()) if subject != "roundup"]
    path = _write(tmp_path / "headlines.jsonl", rows)
    result = CliRunner().invoke(main, ["eval", "clusters", str(path), "--json", "--no-baseline"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["articles"] == len(rows) and report["gold"]["storylines"] == 2
    assert report["storylines"]["bcubed"]["precision"] == 1.0


def test_eval_clusters_reports_the_share_of_other_language_reports_that_join_their_event(tmp_path):
    german = {"id": "d1", "title": GERMAN_TITLE, "text": GERMAN_TEXT, "lang": "de",
              "published": "2026-03-02T13:00:00Z", "event": "2026-03-02-crane", "group": "d1"}
    path = _write(tmp_path / "languages.jsonl", [*_labelled_rows(), german])
    result = CliRunner().invoke(main, ["eval", "clusters", str(path), "--json", "--no-baseline"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["other_language"] == {"reports": 1, "joined": 1, "share": 1.0}
    text = CliRunner().invoke(main, ["eval", "clusters", str(path), "--no-baseline"]).output
    assert "other-language reports in their event's main-language event: 1 of 1 (100%)" in text
    # Events each reported in one language have no other-language reports to count.
    solo = _write(tmp_path / "solo.jsonl", [{**german, "event": "crane-de"}, _labelled_rows()[0]])
    report = json.loads(CliRunner().invoke(main, ["eval", "clusters", str(solo), "--json", "--no-baseline"]).output)
    assert report["other_language"] == {"reports": 0, "joined": 0, "share": None}
