"""Tuning overrides scored on every tune set at once (a cross-set check of the
thresholds in `dedupe/tuning.py`): dev, dated, Vietnamese (and, with `--uci`, the
UCI headline stream), each in file order and in seeded shuffled orders.

    python bench/sweep_tuning.py --setting '{"copy_threshold": 0.5}' --setting '{"event_threshold": 0.18}'
    python bench/sweep_tuning.py --sweep event_threshold,copy_threshold --factors 0.8,0.9,1.1,1.2
    python bench/sweep_tuning.py --holdout --setting '{...}'   # the held-out splits and ECB+, once

The base (no override) is always scored first. Prints one table row per
setting and set: events BCubed P/R/F1 in file order and over the shuffles,
copies pairwise P/R/F1 (all orders), storylines BCubed F1; then per setting the
objective (mean over dev, dated and vi of events F1 + copies F1, every order
counted) and the largest loss against the base on any set's events P, events F1
or copies F1. `--out FILE` keeps every order's figures as JSON lines.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from eval_orders import load_eval, topics_from_events  # noqa: E402  (bench/ is not a package)

DATA = HERE.parent.parent / "shared" / "data"


@dataclass(frozen=True)
class LabelledSet:
    name: str
    path: Path
    split: str
    topic_from_event: bool = False  # storylines scored against the event labels (UCI)
    in_objective: bool = True  # counted in the events + copies objective


def tune_sets(uci: bool) -> list[LabelledSet]:
    sets = [LabelledSet("dev", DATA / "news-events-dev.jsonl", "tune"),
            LabelledSet("dated", HERE / "data" / "dated-events" / "dated-events.jsonl", "tune"),
            LabelledSet("vi", HERE / "data" / "dated-events-vi" / "events.jsonl", "tune")]
    if uci:
        sets.append(LabelledSet("uci", DATA / "uci-news-aggregator-slice.jsonl", "tune", True, False))
    return sets


def holdout_sets(uci: bool) -> list[LabelledSet]:
    sets = [replace(s, split="holdout") for s in tune_sets(uci)]
    return sets + [LabelledSet("ecbplus", DATA / "ecbplus-events.jsonl", "all", in_objective=False)]


_EVAL = {}  # per worker process: the evaluation module of a tree, loaded once


def _evaluate(task: tuple) -> dict:
    """One (setting, set, order) run in a worker process."""
    label, overrides, labelled, seed, tree = task
    if tree not in _EVAL:
        _EVAL[tree] = load_eval(Path(tree) if tree else None)
    ev = _EVAL[tree]
    from newsagg.dedupe.tuning import Tuning  # after load_eval: a `--tree` checkout's record

    plain_loader = ev.load_labelled
    if labelled.topic_from_event:
        topics_from_events(ev)
    try:
        r = ev.evaluate(labelled.path, split=labelled.split, baseline=False, shuffle=seed,
                        tuning=replace(Tuning(), **overrides))
    finally:
        ev.load_labelled = plain_loader
    return {"setting": label, "overrides": overrides, "set": labelled.name, "shuffle": seed,
            "events": r["events"]["bcubed"],
            "copies": (r.get("copies") or {}).get("pairwise"),
            "storylines": (r.get("storylines") or {}).get("bcubed")}


def _mean(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.mean(values), 4) if values else None


def summarise(runs: list[dict]) -> dict:
    """One set under one setting: file order, shuffled means, and means over every order."""
    file_run = next(r for r in runs if r["shuffle"] is None)
    shuffled = [r for r in runs if r["shuffle"] is not None] or [file_run]

    def pick(rs, level, key):
        return _mean([(r[level] or {}).get(key) for r in rs])

    return {"events_file": file_run["events"],
            "events_shuffled": {k: pick(shuffled, "events", k) for k in ("precision", "recall", "f1")},
            "events_all": {k: pick(runs, "events", k) for k in ("precision", "recall", "f1")},
            "copies_all": {k: pick(runs, "copies", k) for k in ("precision", "recall", "f1")},
            "copies_file": file_run["copies"],
            "storylines_f1": pick(runs, "storylines", "f1")}


def objective(summary: dict, sets: list[LabelledSet]) -> float:
    """Mean over the objective's sets of events F1 + copies F1 (every order)."""
    parts = [summary[s.name]["events_all"]["f1"] + (summary[s.name]["copies_all"]["f1"] or 0)
             for s in sets if s.in_objective]
    return round(statistics.mean(parts), 4)


def worst_loss(summary: dict, base: dict, sets: list[LabelledSet]) -> tuple[float, str]:
    """The largest drop against the base on any set's events P, events F1 or copies F1."""
    drops = []
    for s in sets:
        if not s.in_objective:
            continue
        for level, key in (("events_all", "precision"), ("events_all", "f1"), ("copies_all", "f1")):
            now, was = summary[s.name][level][key], base[s.name][level][key]
            if now is not None and was is not None:
                drops.append((round(was - now, 4), f"{s.name} {level.split('_')[0]} {key[0].upper()}"))
    return max(drops)


def _f(x) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def settings_from(args, numeric: dict) -> list[tuple[str, dict]]:
    settings = [("base", {})]
    for text in args.setting:
        overrides = json.loads(text)
        settings.append((json.dumps(overrides, sort_keys=True), overrides))
    for name in [n for n in args.sweep.split(",") if n]:
        if name not in numeric:
            raise SystemExit(f"{name} is not a numeric Tuning field")
        for factor in [float(x) for x in args.factors.split(",")]:
            value = numeric[name] * factor
            value = round(value) if isinstance(numeric[name], int) else round(value, 4)
            settings.append((f"{name}={value} (x{factor})", {name: value}))
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setting", action="append", default=[], help="JSON of Tuning fields to change")
    parser.add_argument("--sweep", default="", help="comma-separated numeric Tuning fields, each scaled alone")
    parser.add_argument("--factors", default="0.8,0.9,1.1,1.2")
    parser.add_argument("--shuffles", type=int, default=2, help="seeded shuffled orders besides file order")
    parser.add_argument("--uci", action="store_true", help="the UCI headline stream too (file order only: ~1 min)")
    parser.add_argument("--holdout", action="store_true", help="held-out splits and ECB+ (score once, at the end)")
    parser.add_argument("--tree", default="", help="checkout whose story engine (and Tuning defaults) is run")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, help="every order's figures, as JSON lines")
    parser.add_argument("--runs", type=Path, help="print the tables of an earlier run's --out file, running nothing")
    args = parser.parse_args()
    if args.runs:
        runs = [json.loads(line) for line in args.runs.read_text().splitlines()]
        settings = list({r["setting"]: (r["setting"], r.get("overrides", _overrides_of(r["setting"])))
                         for r in runs}.values())
        names = {r["set"] for r in runs}
        sets = [s for s in holdout_sets(True) + tune_sets(True) if s.name in names]
        sets = list({s.name: s for s in sets}.values())
        report(settings, runs, sets, sweep=any(len(o) == 1 for _, o in settings))
        return

    from newsagg.dedupe.tuning import Tuning

    numeric = {f.name: getattr(Tuning(), f.name) for f in fields(Tuning)
               if type(getattr(Tuning(), f.name)) in (int, float)}
    settings = settings_from(args, numeric)
    sets = holdout_sets(args.uci) if args.holdout else tune_sets(args.uci)
    tasks = []
    for s in sets:
        seeds = [None] if s.topic_from_event else [None, *range(1, args.shuffles + 1)]
        tasks += [(label, overrides, s, seed, args.tree) for label, overrides in settings for seed in seeds]
    tasks.sort(key=lambda t: not t[2].topic_from_event)  # the long UCI runs first
    with ProcessPoolExecutor(args.jobs) as pool:
        runs = []
        for run in pool.map(_evaluate, tasks):
            runs.append(run)
            if len(runs) % 50 == 0:
                print(f"{len(runs)} of {len(tasks)} runs", file=sys.stderr, flush=True)
    if args.out:
        args.out.write_text("".join(json.dumps(r) + "\n" for r in runs))
    report(settings, runs, sets, sweep=bool(args.sweep), out=args.out)


def _overrides_of(label: str) -> dict:
    """The overrides a setting's label names (`field=value (xfactor)`, or JSON)."""
    if label == "base":
        return {}
    if label.startswith("{"):
        return json.loads(label)
    name, value = label.split(" ")[0].split("=")
    return {name: float(value)}


def report(settings: list[tuple[str, dict]], runs: list[dict], sets: list[LabelledSet], sweep: bool,
           out: Path | None = None) -> None:
    summaries = {label: {s.name: summarise([r for r in runs if r["setting"] == label and r["set"] == s.name])
                         for s in sets} for label, _ in settings}
    print(f"{'setting':40} {'set':7} {'ev file P/R/F1':17} {'ev shuf P/R/F1':17} "
          f"{'copies P/R/F1':17} {'cp file':7} {'story F1':8}")
    for label, _ in settings:
        for s in sets:
            m = summaries[label][s.name]
            ef, es, c = m["events_file"], m["events_shuffled"], m["copies_all"]
            print(f"{label[:40]:40} {s.name:7} "
                  f"{_f(ef['precision'])}/{_f(ef['recall'])}/{_f(ef['f1'])} "
                  f"{_f(es['precision'])}/{_f(es['recall'])}/{_f(es['f1'])} "
                  f"{_f(c['precision'])}/{_f(c['recall'])}/{_f(c['f1'])} {_f((m['copies_file'] or {}).get('f1')):7} "
                  f"{_f(m['storylines_f1'])}")
    base = summaries["base"]
    print(f"\n{'setting':40} {'objective':>9} {'vs base':>8}  worst loss")
    for label, _ in settings:
        loss, where = worst_loss(summaries[label], base, sets)
        score = objective(summaries[label], sets)
        print(f"{label[:40]:40} {score:9.4f} {score - objective(base, sets):+8.4f}  {loss:+.4f} ({where})")
    if out:
        out.with_suffix(".summary.json").write_text(json.dumps(summaries, indent=1))
    if sweep:
        sensitivity(settings, summaries, sets)


def set_score(summary: dict, name: str) -> float:
    """One set's events F1 + copies F1 (every order)."""
    return summary[name]["events_all"]["f1"] + (summary[name]["copies_all"]["f1"] or 0)


def sensitivity(settings: list[tuple[str, dict]], summaries: dict, sets: list[LabelledSet]) -> None:
    """Per swept field: each set's best value and spread, then leave one set out
    (the value best on the mean of the other two that costs neither more than .01
    on events P, events F1 or copies F1) and what it does to the set left out."""
    scored = [s for s in sets if s.in_objective]
    by_field: dict[str, list[tuple[str, dict]]] = {}
    for label, overrides in settings[1:]:
        if len(overrides) == 1:
            by_field.setdefault(next(iter(overrides)), []).append((label, overrides))
    print(f"\n{'field':24} " + " ".join(f"{s.name + ' best (spread)':24}" for s in scored)
          + " leave one out: chosen on the others -> change on the one left out")
    for name, options in by_field.items():
        labels = ["base", *(label for label, _ in options)]
        values = {"base": "base", **{label: overrides[name] for label, overrides in options}}
        cells = []
        for s in scored:
            scores = {label: set_score(summaries[label], s.name) for label in labels}
            top = max(scores.values())
            # among values within .002 of the best, the base wins (no evidence to move)
            best = "base" if scores["base"] >= top - 0.002 else max(scores, key=scores.get)
            cells.append(f"{str(values[best]):>8} ({top - min(scores.values()):.3f})" + " " * 9)
        folds = []
        for out in scored:
            rest = [s for s in scored if s is not out]
            allowed = [label for label in labels
                       if worst_loss(summaries[label], summaries["base"], rest)[0] <= 0.01]
            chosen = max(allowed, key=lambda label: (statistics.mean(set_score(summaries[label], s.name) for s in rest),
                                                     label == "base"))
            gain_rest = statistics.mean(set_score(summaries[chosen], s.name) - set_score(summaries["base"], s.name)
                                        for s in rest)
            if gain_rest <= 0.002:
                chosen = "base"
            change = set_score(summaries[chosen], out.name) - set_score(summaries["base"], out.name)
            folds.append(f"{out.name}: {values[chosen]} {change:+.3f}")
        print(f"{name:24} " + " ".join(c[:24] for c in cells) + " " + "; ".join(folds))


if __name__ == "__main__":
    main()
