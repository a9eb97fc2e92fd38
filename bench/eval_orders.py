"""`newsagg eval clusters` in file order and in seeded shuffled orders, with the
story engine of this checkout or of another (`--tree`, for before/after figures
through this checkout's evaluation: splits, publication order, storylines).

    python bench/eval_orders.py bench/data/dated-events/dated-events.jsonl --split tune
    git worktree add /tmp/engine-before 3d8ef6d
    python bench/eval_orders.py FILE --split tune --tree /tmp/engine-before

Prints one JSON line per order and a summary line: events BCubed P/R/F1, copies
pairwise F1, storylines BCubed F1, assign p50 (ms), the baseline's events F1,
and the means over the shuffled orders.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load_eval(tree: Path | None):
    """This checkout's evaluation module; with `tree`, its engine comes from that checkout."""
    if tree is None:
        from newsagg.dedupe import eval as ev
        return ev
    import newsagg

    newsagg.__path__.insert(0, str(tree.resolve()))
    import newsagg.dedupe.engine as engine

    if not engine.__file__.startswith(str(tree.resolve())):
        raise SystemExit(f"engine came from {engine.__file__}, not {tree}")
    source = HERE.parent / "dedupe" / "eval.py"
    spec = importlib.util.spec_from_file_location("eval_of_this_checkout", source)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--split", default="tune")
    parser.add_argument("--shuffles", type=int, default=5)
    parser.add_argument("--tree", type=Path, help="checkout whose story engine is run")
    args = parser.parse_args()
    ev = load_eval(args.tree)
    lines = []
    for seed in [None, *range(1, args.shuffles + 1)]:
        r = ev.evaluate(args.file, split=args.split, baseline=seed is None, shuffle=seed)
        line = {"shuffle": seed, "events": r["events"]["bcubed"],
                "copies_f1": (r.get("copies") or {}).get("pairwise", {}).get("f1"),
                "storylines_f1": (r.get("storylines") or {}).get("bcubed", {}).get("f1"),
                "assign_p50_ms": r["assign_ms"]["p50"]}
        if seed is None:
            base = r["baseline"]
            line["baseline"] = {"events_f1": base["events"]["bcubed"]["f1"],
                                "copies_f1": (base.get("copies") or {}).get("pairwise", {}).get("f1"),
                                "storylines_f1": (base.get("storylines") or {}).get("bcubed", {}).get("f1")}
        lines.append(line)
        print(json.dumps(line))
    shuffled = lines[1:]

    def mean(key, sub=None):
        values = [(x[key][sub] if sub else x[key]) for x in shuffled]
        values = [v for v in values if v is not None]
        return round(statistics.mean(values), 4) if values else None

    print(json.dumps({"file": str(args.file), "split": args.split, "tree": str(args.tree or "."),
                      "file_order": {k: lines[0][k] for k in ("events", "copies_f1", "storylines_f1")},
                      "shuffled_mean": {"events_precision": mean("events", "precision"),
                                        "events_recall": mean("events", "recall"),
                                        "events_f1": mean("events", "f1"), "copies_f1": mean("copies_f1"),
                                        "storylines_f1": mean("storylines_f1")},
                      "assign_p50_ms": statistics.median(x["assign_p50_ms"] for x in lines),
                      "baseline": lines[0]["baseline"]}))


if __name__ == "__main__":
    main()
