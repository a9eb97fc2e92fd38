"""Fit the story engine's learned event decision (`newsagg.dedupe.decision`) on the
tune splits, reproducibly:

    python bench/train_event_decision.py            # fit on the tune splits of bench/tune_sets.py, print the Tuning values
    python bench/train_event_decision.py --write    # and write them into dedupe/tuning.py
    python bench/train_event_decision.py --leave-one-out /tmp/loso   # one fit a tune set, each scored unseen

Leave one set out (`--leave-one-out DIR`): for each tune set in turn (or those of
`--leave-out`), the decision is fitted on the other sets' tune splits only and the
left-out split is scored by `bench/eval_orders.py` (file order + 5 shuffles) with
the fitted values (`--tuning`) and with the plain bar (the current defaults), into
DIR/after/NAME.txt and DIR/before/NAME.txt (weights in DIR/weights/NAME.json); then
`bench/accept.py --before DIR/before/* --after DIR/after/*` judges the figures of
sets no fit saw.

Training rows are the candidate events the engine really scores: each tune split
is streamed through the engine (file order and a few seeded shuffles, publication
order kept as `newsagg eval clusters` keeps it), and each (article, candidate event)
gets the `EVIDENCE` measures and a label: does the article's gold event equal the
gold event of most of that event's members at that moment. A first round runs the
plain bar (fit >= 1); each later round runs the decision fitted so far and adds its
rows to the pool (the candidates a learned decision meets are not those the plain
bar met). The regression is a ridge-penalised logistic regression (Newton steps,
numpy; a dozen weights need no library). Last, `join_chance` is picked from a small
grid by the mean events BCubed F1 over all tune runs. Nothing held out is read.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from tune_sets import TUNE_SETS  # bench/ is on sys.path: this script's folder

from newsagg.dedupe import engine as engine_module
from newsagg.dedupe import eval as ev
from newsagg.dedupe.decision import EVIDENCE
from newsagg.dedupe.engine import StoryEngine
from newsagg.dedupe.state import LocalState
from newsagg.dedupe.tuning import Tuning

ROOT = Path(__file__).resolve().parent.parent
# No veto: every chance 1 (the plain bar decides alone).
PLAIN_BAR = (0.0,) * len(EVIDENCE) + (50.0,)


def stream(rows: list[dict], tuning: Tuning, pool: list | None) -> float:
    """Stream rows through a fresh engine; append (evidence, label) rows to `pool`
    (None: do not record). Returns the events BCubed F1."""
    gold = {r["id"]: r["event"] for r in rows}
    event_of: dict[str, str] = {}
    current: list[str] = []
    real = engine_module.event_evidence

    def recording(f, events, *args, **kwargs):
        evidence = real(f, events, *args, **kwargs)
        if pool is not None and evidence:
            members: dict[str, list[str]] = {}
            for aid, eid in event_of.items():
                members.setdefault(eid, []).append(aid)
            for eid, x in evidence.items():
                # Only where the chance decides: events the article clears the bar of.
                if members.get(eid) and x[0] >= 0.0:
                    majority = Counter(gold[m] for m in members[eid]).most_common(1)[0][0]
                    pool.append((x, int(gold[current[0]] == majority)))
        return evidence

    engine_module.event_evidence = recording
    arrival = datetime.now(timezone.utc)
    try:
        with tempfile.TemporaryDirectory(prefix="newsagg-train-") as tmp:
            engine = StoryEngine(LocalState(tmp), tuning=tuning)
            try:
                for row in rows:
                    current[:] = [row["id"]]
                    a = engine.assign(ev.to_article(row, arrival))
                    event_of[a.article_id] = a.event_id
                    for aid, fields in a.updates.items():
                        if "event_id" in fields:
                            event_of[aid] = fields["event_id"]
            finally:
                engine.close()
    finally:
        engine_module.event_evidence = real
    return ev.score([event_of[r["id"]] for r in rows], [gold[r["id"]] for r in rows])["bcubed"]["f1"]


def orders(shuffles: int, names: list[str]) -> dict[str, list[list[dict]]]:
    """Each named tune split in file order and `shuffles` seeded shuffles (publication order kept)."""
    out = {}
    for name in names:
        path = TUNE_SETS[name]
        rows = ev.select_split(ev.load_labelled(path), "tune")
        runs = []
        for seed in [None, *range(1, shuffles + 1)]:
            shuffled = list(rows)
            if seed is not None:
                random.Random(seed).shuffle(shuffled)
            runs.append(ev.publication_order(shuffled))
        out[name] = runs
    return out


def fit_logistic(x: np.ndarray, y: np.ndarray, ridge: float) -> np.ndarray:
    """Weights (then the intercept) on the raw measures: fitted on standardised
    measures with a ridge penalty (Newton steps), then scaled back."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = ridge * np.r_[np.ones(z.shape[1] - 1), 0.0]
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-z @ w))
        grad = z.T @ (p - y) + penalty * w
        hess = (z.T * (p * (1 - p))) @ z + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    raw = w[:-1] / scale
    return np.r_[raw, w[-1] - raw @ mean]


def mean_f1(runs: dict[str, list[list[dict]]], tuning: Tuning) -> tuple[float, dict[str, float]]:
    per_set = {name: statistics.mean(stream(rows, tuning, None) for rows in rs) for name, rs in runs.items()}
    return statistics.mean(per_set.values()), per_set


def write(values: dict[str, object]) -> None:
    path = ROOT / "dedupe" / "tuning.py"
    text = path.read_text()
    body = "".join(f"    {k}: {'tuple' if isinstance(v, tuple) else 'float'} = {v!r}\n" for k, v in values.items())
    new, n = re.subn(r"(    # event-weights:begin[^\n]*\n).*?(    # event-weights:end)", lambda m: m.group(1) + body + m.group(2),
                     text, flags=re.S)
    if n != 1:
        raise SystemExit(f"{path}: the event-weights markers are missing")
    path.write_text(new)


def fit(runs: dict[str, list[list[dict]]], base: Tuning, rounds: int, ridge: float,
        chances: list[float], label: str = "", merges_only: bool = False) -> dict[str, object]:
    """The fitted `Tuning` values (weights, join and merge chance) on `runs` alone;
    `merges_only`: the chance vetoes only a second event's merge (join_chance 0)."""
    pool: list[tuple[np.ndarray, int]] = []
    tuning = replace(base, event_weights=PLAIN_BAR)
    weights: tuple = PLAIN_BAR
    for round_ in range(rounds):
        f1 = {name: [round(stream(rows, tuning, pool), 4) for rows in rs] for name, rs in runs.items()}
        x = np.vstack([r[0] for r in pool])
        y = np.array([r[1] for r in pool], dtype=np.float64)
        weights = tuple(round(float(v), 4) for v in fit_logistic(x, y, ridge))
        print(json.dumps({"fit": label, "round": round_, "rows": len(pool), "positive": int(y.sum()),
                          "events_f1": f1, "weights": dict(zip([*EVIDENCE, "intercept"], weights))}),
              file=sys.stderr, flush=True)
        tuning = replace(base, event_weights=weights)
    best = None
    for chance in chances:
        join = 0.0 if merges_only else chance
        score, per_set = mean_f1(runs, replace(tuning, join_chance=join, merge_chance=chance))
        print(json.dumps({"fit": label, "chance": chance, "mean_events_f1": round(score, 4),
                          "per_set": {k: round(v, 4) for k, v in per_set.items()}}), file=sys.stderr, flush=True)
        if best is None or score > best[0]:
            best = (score, chance)
    return {"event_weights": weights, "join_chance": 0.0 if merges_only else best[1], "merge_chance": best[1]}


def eval_orders(name: str, settings: dict[str, object], out: Path) -> None:
    """`bench/eval_orders.py` on one set's tune split under `settings` (JSON), saved whole to `out`."""
    command = [sys.executable, str(ROOT / "bench" / "eval_orders.py"), str(TUNE_SETS[name]), "--split", "tune"]
    if settings:
        command += ["--tuning", json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()})]
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w") as stdout:
        subprocess.run(command, stdout=stdout, check=True, cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of streaming and fitting (the first runs the plain bar)")
    parser.add_argument("--shuffles", type=int, default=2, help="seeded shuffles of each tune split besides file order")
    parser.add_argument("--ridge", type=float, default=1.0)
    parser.add_argument("--chances", default="0.2,0.3,0.4,0.5", help="join_chance values tried")
    parser.add_argument("--merges-only", action="store_true",
                        help="the chance vetoes only merges of a second event (join_chance 0; the grid sets merge_chance)")
    parser.add_argument("--base", default="{}", help="other Tuning values (JSON) to train and compare under")
    parser.add_argument("--sets", default=",".join(TUNE_SETS), help="tune sets to fit on (names of TUNE_SETS)")
    parser.add_argument("--write", action="store_true",
                        help="write the values fitted on --sets into dedupe/tuning.py (not with --leave-one-out)")
    parser.add_argument("--leave-one-out", type=Path, metavar="DIR",
                        help="fit without each set in turn and score it unseen (plain bar and learned) into DIR")
    parser.add_argument("--leave-out", default="", help="with --leave-one-out: only these sets in turn (default: all)")
    args = parser.parse_args()
    chances = [float(c) for c in args.chances.split(",")]
    base_settings = json.loads(args.base)
    base = replace(Tuning(), **base_settings, event_weights=(), join_chance=0.5, merge_chance=0.5)
    names = args.sets.split(",")
    unknown = [n for n in names if n not in TUNE_SETS]
    if unknown:
        raise SystemExit(f"unknown tune sets: {', '.join(unknown)} (use {', '.join(TUNE_SETS)})")
    if args.leave_one_out is None:
        values = fit(orders(args.shuffles, names), base, args.rounds, args.ridge, chances, "+".join(names),
                     args.merges_only)
        print(json.dumps(values))
        if args.write:
            write(values)
        return
    out = args.leave_one_out
    for left_out in (args.leave_out.split(",") if args.leave_out else names):
        training = [n for n in names if n != left_out]
        values = fit(orders(args.shuffles, training), base, args.rounds, args.ridge, chances, f"without {left_out}",
                     args.merges_only)
        (out / "weights").mkdir(parents=True, exist_ok=True)
        (out / "weights" / f"{left_out}.json").write_text(json.dumps(values) + "\n")
        eval_orders(left_out, base_settings, out / "before" / f"{left_out}.txt")
        eval_orders(left_out, {**base_settings, **values}, out / "after" / f"{left_out}.txt")
        print(json.dumps({"left_out": left_out, **values}), flush=True)
    print(f"python bench/accept.py --before {out}/before/*.txt --after {out}/after/*.txt")


if __name__ == "__main__":
    main()
