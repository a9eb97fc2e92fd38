"""The story engine's acceptance rule, applied to saved `eval_orders.py` outputs.

Every engine branch since round 11 was judged by one rule, fixed before it measured
anything, and every helper worked it out by hand from per-set tables. This script
reads the outputs of `bench/eval_orders.py` (one file per set and engine, as printed:
the per-order lines and the summary line last) and says clause by clause whether a
candidate passes against its base:

1. the target measure rises on the mean over the sets, in file order and on the
   mean of the shuffled orders;
2. events BCubed precision is not lower on that mean (issue 14 misses precision most);
3. no set's events, copies or storylines F1 falls by more than the tolerance, in
   either order;
4. leave one set out: with each set left out in turn, the target measure still rises
   on the mean over the others (a gain that rests on one set fits that set).

    for f in SETS; do python bench/eval_orders.py $f --split tune --tree /tmp/base > before/$(basename $f); done
    for f in SETS; do python bench/eval_orders.py $f --split tune > after/$(basename $f); done
    python bench/accept.py --before before/* --after after/* [--measure events_f1] [--json]

Exit status 0 when every clause holds, 1 when one fails, 2 on unusable input.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

MEASURES = ("events_f1", "events_precision", "copies_f1", "storylines_f1")
GUARDED = ("events_f1", "copies_f1", "storylines_f1")
ORDERS = ("file", "shuffled")


@dataclass(frozen=True)
class SetScores:
    """One engine's figures on one labelled set: each measure in file order and shuffled (mean)."""

    name: str
    file: dict[str, float | None]
    shuffled: dict[str, float | None]

    def get(self, order: str, measure: str) -> float | None:
        return (self.file if order == "file" else self.shuffled).get(measure)


@dataclass(frozen=True)
class Clause:
    name: str
    holds: bool
    detail: str


class AcceptInputError(ValueError):
    """A file that is not an `eval_orders.py` output, or sets that do not pair up."""


def read_scores(path: Path) -> SetScores:
    """The summary line of one `eval_orders.py` output (its last JSON line with `file_order`)."""
    summary = None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise AcceptInputError(f"{path}: cannot read ({exc.strerror})") from None
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and "file_order" in record and "shuffled_mean" in record:
            summary = record
    if summary is None:
        raise AcceptInputError(f"{path}: no summary line of bench/eval_orders.py in it; "
                               "save the script's whole output (stdout) to the file")
    order = summary["file_order"]
    file_scores = {"events_f1": order["events"]["f1"], "events_precision": order["events"]["precision"],
                   "copies_f1": order.get("copies_f1"), "storylines_f1": order.get("storylines_f1")}
    mean = summary["shuffled_mean"]
    shuffled = {"events_f1": mean.get("events_f1"), "events_precision": mean.get("events_precision"),
                "copies_f1": mean.get("copies_f1"), "storylines_f1": mean.get("storylines_f1")}
    # Named by the labelled file it scored, so before and after pair up whatever the saved names.
    return SetScores(name=f'{summary["file"]} ({summary["split"]})', file=file_scores, shuffled=shuffled)


def pair_up(before: list[SetScores], after: list[SetScores]) -> list[tuple[SetScores, SetScores]]:
    by_name = {s.name: s for s in before}
    if len(by_name) != len(before):
        raise AcceptInputError("two 'before' files score the same set and split")
    pairs = []
    for candidate in after:
        base = by_name.pop(candidate.name, None)
        if base is None:
            raise AcceptInputError(f"no 'before' file for {candidate.name}")
        pairs.append((base, candidate))
    if by_name:
        raise AcceptInputError(f"no 'after' file for {', '.join(sorted(by_name))}")
    return pairs


def _mean_change(pairs, order: str, measure: str) -> float | None:
    changes = [(a.get(order, measure), b.get(order, measure)) for a, b in pairs]
    changes = [after - before for before, after in changes if before is not None and after is not None]
    return statistics.mean(changes) if changes else None


def judge(pairs: list[tuple[SetScores, SetScores]], measure: str = "events_f1",
          tolerance: float = 0.01) -> list[Clause]:
    """The rule's clauses for a candidate (`after`) against its base (`before`), set by set."""
    clauses = []
    for order in ORDERS:
        change = _mean_change(pairs, order, measure)
        clauses.append(Clause(f"{measure} rises on the mean ({order})", change is not None and change > 0,
                              "no figures" if change is None else f"{change:+.4f}"))
    for order in ORDERS:
        change = _mean_change(pairs, order, "events_precision")
        clauses.append(Clause(f"events precision not lower on the mean ({order})",
                              change is not None and change >= 0,
                              "no figures" if change is None else f"{change:+.4f}"))
    falls = []
    for base, candidate in pairs:
        for order in ORDERS:
            for guarded in GUARDED:
                before, after = base.get(order, guarded), candidate.get(order, guarded)
                if before is not None and after is not None and after - before < -tolerance:
                    falls.append(f"{candidate.name} {guarded} {order} {before:.4f} -> {after:.4f}")
    clauses.append(Clause(f"no set's F1 falls by more than {tolerance}", not falls, "; ".join(falls) or "none"))
    if len(pairs) > 1:
        resting = []
        for left_out in range(len(pairs)):
            others = pairs[:left_out] + pairs[left_out + 1:]
            for order in ORDERS:
                change = _mean_change(others, order, measure)
                if change is None or change <= 0:
                    shown = "no figures" if change is None else f"{change:+.4f}"
                    resting.append(f"without {pairs[left_out][1].name} ({order}): {shown}")
        clauses.append(Clause(f"{measure} rises with each set left out", not resting,
                              "; ".join(resting) or "holds for every set left out"))
    return clauses


def _shown(value: float | None) -> str:
    return "-" if value is None else str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", nargs="+", type=Path, required=True, help="the base engine's outputs")
    parser.add_argument("--after", nargs="+", type=Path, required=True, help="the candidate's outputs")
    parser.add_argument("--measure", choices=MEASURES, default="events_f1", help="the target measure")
    parser.add_argument("--tolerance", type=float, default=0.01, help="largest fall allowed on one set")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    try:
        pairs = pair_up([read_scores(p) for p in args.before], [read_scores(p) for p in args.after])
    except AcceptInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    clauses = judge(pairs, args.measure, args.tolerance)
    accepted = all(c.holds for c in clauses)
    if args.json:
        print(json.dumps({"accepted": accepted, "measure": args.measure, "sets": len(pairs),
                          "clauses": [{"clause": c.name, "holds": c.holds, "detail": c.detail} for c in clauses]}))
    else:
        for base, candidate in pairs:
            cells = "  ".join(f"{m} {o} {_shown(base.get(o, m))} -> {_shown(candidate.get(o, m))}"
                              for m in ("events_f1", "events_precision") for o in ORDERS)
            print(f"{candidate.name}: {cells}")
        for clause in clauses:
            print(f"[{'holds' if clause.holds else 'FAILS'}] {clause.name}: {clause.detail}")
        print("accepted" if accepted else "not accepted")
    return 0 if accepted else 1


if __name__ == "__main__":
    sys.exit(main())
