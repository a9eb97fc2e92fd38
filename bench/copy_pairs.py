"""Copy decisions pair by pair on a labelled file: every pair of same-language
articles of one gold event, the engine's copy score (`scoring.copy_score`) against
the gold copy groups, and for each copy pair it misses how many non-copies of the
same events look at least as much like a copy on each piece of evidence. A missed
pair that many non-copies outrank cannot be reached by a threshold on that evidence
without taking them in (bench/README.md, round 6).

    python bench/copy_pairs.py bench/data/dated-events/dated-events.jsonl --split tune
"""
from __future__ import annotations

import argparse
from datetime import datetime, timezone
from itertools import combinations
from pathlib import Path

from newsagg.dedupe.eval import load_labelled, select_split, to_article
from newsagg.dedupe.features import featurize
from newsagg.dedupe.scoring import copy_score, sentence_alignment, shingle_containment
from newsagg.dedupe.tuning import Tuning

EVIDENCE = ("containment", "aligned share", "aligned sentences")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--split", default="tune")
    args = parser.parse_args()
    tuning = Tuning()
    rows = [r for r in select_split(load_labelled(args.file), args.split) if r.get("group")]
    arrival = datetime.now(timezone.utc)
    feats = {r["id"]: featurize(to_article(r, arrival), tuning) for r in rows}
    pairs = []
    for a, b in combinations(rows, 2):
        fa, fb = feats[a["id"]], feats[b["id"]]
        if a["event"] != b["event"] or fa.lang != fb.lang:
            continue
        share, count = sentence_alignment(fa, fb, tuning)
        evidence = (shingle_containment(fa, fb), share, count)
        copy = copy_score(fa, fb, tuning) >= tuning.copy_threshold
        pairs.append((a["id"], b["id"], a["group"] == b["group"], copy, evidence))
    gold = [p for p in pairs if p[2]]
    found = sum(p[3] for p in gold)
    made = sum(p[3] and not p[2] for p in pairs)
    print(f"{args.file.name} {args.split}: {len(pairs)} same-event pairs, {len(gold)} copy pairs; "
          f"copy_score finds {found}, makes up {made}")
    others = [p for p in pairs if not p[2]]
    for a, b, _, copy, evidence in gold:
        if copy:
            continue
        above = [sum(o[4][i] >= evidence[i] for o in others) for i in range(len(EVIDENCE))]
        print(f"  missed {a} {b}: " + ", ".join(
            f"{name} {round(value, 2)} ({n} non-copies as high)" for name, value, n in zip(EVIDENCE, evidence, above)))
    for a, b, is_copy, copy, evidence in pairs:
        if copy and not is_copy:
            print(f"  made up {a} {b}: " + ", ".join(f"{name} {round(v, 2)}" for name, v in zip(EVIDENCE, evidence)))


if __name__ == "__main__":
    main()
