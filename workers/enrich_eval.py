"""Quality of enrichment on our labelled set (workers/data/enrich_eval.yaml):
entity precision/recall/F1 per kind (exact names) and language accuracy.

    python -m workers.enrich_eval            # table
    python -m workers.enrich_eval --json
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml

from newsagg.workers.enrich import DATA, detect_language, extract_entities

KINDS = ("person", "organisation", "place")


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
            "tp": tp, "fp": fp, "fn": fn}


def evaluate(path: Path = DATA / "enrich_eval.yaml", split: str = "holdout") -> dict:
    """split: "holdout" (never tuned on: the estimate to report) or "entities" (the tune set)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    counts = {k: [0, 0, 0] for k in KINDS}
    errors: list[dict] = []
    for doc in data[split]:
        found = extract_entities(doc["text"], doc["lang"])
        for kind in KINDS:
            gold = set(doc["gold"].get(kind) or [])
            got = set(found.get(kind, {}))
            counts[kind][0] += len(gold & got)
            counts[kind][1] += len(got - gold)
            counts[kind][2] += len(gold - got)
            if got != gold:
                errors.append({"kind": kind, "missed": sorted(gold - got), "wrong": sorted(got - gold)})
    per_kind = {k: _prf(*v) for k, v in counts.items()}
    per_kind["all"] = _prf(*(sum(v[i] for v in counts.values()) for i in range(3)))
    langs = data["languages"]
    hits = [detect_language(text)[0] == label for label, text in langs]
    wrong = [(label, detect_language(text)[0], text) for (label, text), ok in zip(langs, hits) if not ok]
    return {"split": split, "entities": per_kind, "entity_docs": len(data[split]),
            "language": {"accuracy": round(sum(hits) / len(hits), 3), "samples": len(hits), "wrong": wrong},
            "entity_errors": errors}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--split", default="holdout", choices=["holdout", "entities"],
                    help="holdout (never tuned on) or entities (the set the rules were tuned on)")
    ap.add_argument("--errors", action="store_true", help="list every missed and wrong entity")
    args = ap.parse_args()
    res = evaluate(split=args.split)
    if args.json:
        print(json.dumps(res if args.errors else {k: v for k, v in res.items() if k != "entity_errors"},
                         indent=2, ensure_ascii=False))
        return
    print(f"entities on {res['entity_docs']} {res['split']} documents (exact names):")
    for kind, m in res["entities"].items():
        print(f"  {kind:13s} P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}  (tp {m['tp']}, fp {m['fp']}, fn {m['fn']})")
    lang = res["language"]
    print(f"language: accuracy {lang['accuracy']:.3f} on {lang['samples']} one-line samples, no declared language")
    for w in lang["wrong"]:
        print(f"  {w[0]} read as {w[1]}: {w[2]}")
    if args.errors:
        for e in res["entity_errors"]:
            print(f"  {e['kind']}: missed {e['missed']} wrong {e['wrong']}")


if __name__ == "__main__":
    main()
