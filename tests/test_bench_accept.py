"""bench/accept.py: the story engine's acceptance rule read off saved `eval_orders.py`
outputs: a candidate whose mean gain rests on one set, or that costs one set more than
the tolerance, is not accepted; a file that is no such output is one line, exit 2."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "accept.py"


def write_output(path: Path, labelled: str, events_f1: float, precision: float, shuffled_f1: float,
                 copies_f1: float = 0.8, storylines_f1: float = 0.9) -> Path:
    """What `eval_orders.py` prints: a line per order, then its summary line."""
    events = {"precision": precision, "recall": 0.8, "f1": events_f1}
    summary = {"file": labelled, "split": "tune", "tree": ".",
               "file_order": {"events": events, "copies_f1": copies_f1, "storylines_f1": storylines_f1},
               "shuffled_mean": {"events_precision": precision, "events_recall": 0.8, "events_f1": shuffled_f1,
                                 "copies_f1": copies_f1, "storylines_f1": storylines_f1}}
    path.write_text(json.dumps({"shuffle": None, "events": events}) + "\n" + json.dumps(summary) + "\n")
    return path


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60)


def test_a_gain_on_every_set_is_accepted(tmp_path):
    before = [write_output(tmp_path / f"b{i}", f"set{i}.jsonl", 0.70, 0.80, 0.68) for i in range(3)]
    after = [write_output(tmp_path / f"a{i}", f"set{i}.jsonl", 0.72, 0.81, 0.69) for i in range(3)]
    result = run("--before", *map(str, before), "--after", *map(str, after))
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith("accepted")


def test_a_gain_resting_on_one_set_is_not_accepted(tmp_path):
    # set0 gains a lot, the other two lose a little (within the tolerance): the mean still rises
    before = [write_output(tmp_path / f"b{i}", f"set{i}.jsonl", 0.70, 0.80, 0.70) for i in range(3)]
    after = [write_output(tmp_path / "a0", "set0.jsonl", 0.80, 0.80, 0.80),
             write_output(tmp_path / "a1", "set1.jsonl", 0.695, 0.80, 0.695),
             write_output(tmp_path / "a2", "set2.jsonl", 0.695, 0.80, 0.695)]
    result = run("--before", *map(str, before), "--after", *map(str, after), "--json")
    assert result.returncode == 1
    verdict = json.loads(result.stdout)
    assert not verdict["accepted"]
    failing = [c for c in verdict["clauses"] if not c["holds"]]
    assert [c["clause"] for c in failing] == ["events_f1 rises with each set left out"]
    assert "without set0.jsonl (tune) (file)" in failing[0]["detail"]


def test_a_fall_beyond_the_tolerance_on_one_set_names_it(tmp_path):
    before = [write_output(tmp_path / f"b{i}", f"set{i}.jsonl", 0.70, 0.80, 0.70) for i in range(2)]
    after = [write_output(tmp_path / "a0", "set0.jsonl", 0.75, 0.82, 0.75),
             write_output(tmp_path / "a1", "set1.jsonl", 0.74, 0.82, 0.74, storylines_f1=0.85)]
    result = run("--before", *map(str, before), "--after", *map(str, after))
    assert result.returncode == 1
    assert "set1.jsonl (tune) storylines_f1 file 0.9000 -> 0.8500" in result.stdout


def test_a_file_that_is_not_an_output_is_one_line(tmp_path):
    stray = tmp_path / "stderr.txt"
    stray.write_text("Traceback (most recent call last):\n")
    good = write_output(tmp_path / "a", "set0.jsonl", 0.7, 0.8, 0.7)
    result = run("--before", str(stray), "--after", str(good))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no summary line of bench/eval_orders.py" in result.stderr
    assert "Traceback" not in result.stderr
