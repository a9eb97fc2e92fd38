"""A long fuzz campaign (the CI run in tests/test_fuzz.py is a bounded slice of it).

Mutates real pages (../shared/data/extraction-benchmark, when present) and our own written
pages, feeds, sitemaps and JSON lines, runs each through its parser and reports the
crashes: any exception other than the parser's documented answer to bad input. With
--save, each crashing input is kept in tests/data/fuzz/, which tests/test_fuzz.py replays.

    python bench/fuzz.py --n 1000 --json            # 1,000 inputs per target
    python bench/fuzz.py --n 300 --target extract --save
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.fuzz import TARGETS, campaign, real_pages, worth_keeping  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="inputs per target")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--target", choices=sorted(TARGETS), action="append", help="default: every target")
    ap.add_argument("--real-pages", type=int, default=60, help="real pages among the extraction seeds")
    ap.add_argument("--save", action="store_true", help="keep the smallest crashing inputs of each kind in tests/data/fuzz/")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    report = {"seed": args.seed, "n_per_target": args.n, "targets": {}}
    for target in args.target or sorted(TARGETS):
        extra = real_pages(args.real_pages, random.Random(args.seed)) if target == "extract" else []
        started = time.perf_counter()
        ran, findings = campaign(target, args.n, args.seed, extra)
        kinds: dict[str, int] = {}
        for f in findings:
            kinds[f.error.split(":", 1)[0]] = kinds.get(f.error.split(":", 1)[0], 0) + 1
        report["targets"][target] = {
            "inputs": ran, "crashes": len(findings), "by_exception": kinds,
            "seconds": round(time.perf_counter() - started, 1),
            "saved": [str(f.save()) for f in worth_keeping(findings)] if args.save else [],
            "first": [f"case {f.case} ({f.mutation}): {f.error.splitlines()[0]}" for f in findings[:5]]}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for target, r in report["targets"].items():
            print(f"{target:8s} {r['inputs']:6d} inputs  {r['crashes']:4d} crashes  {r['seconds']:6.1f} s  {r['by_exception']}")
            for line in r["first"]:
                print(f"    {line}")
    sys.exit(1 if any(r["crashes"] for r in report["targets"].values()) else 0)


if __name__ == "__main__":
    main()
