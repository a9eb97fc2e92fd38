"""Body extraction quality and speed on the article-extraction benchmark (181 real pages).

Reports precision/recall/F1 (the benchmark's 4-token-shingle metric, see
../shared/data/extraction-benchmark/README.md) of newsagg's extractor and of plain
trafilatura (default call) in the same run, on the tune split, the holdout split
(never looked at while tuning) and all pages, with pages/s of each.

    python bench/bench_extract.py --json
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import trafilatura

from newsagg.crawler.extract import extract_article
from newsagg.crawler.extract.benchmark import evaluate, load_benchmark

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "extraction-benchmark"

EXTRACTORS = {
    "newsagg": lambda html, url: extract_article(html, url).text,
    "trafilatura": lambda html, url: trafilatura.extract(html, url=url) or "",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="extraction-benchmark directory")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if not (args.data / "ground-truth.json").exists():
        print(f"benchmark data not found at {args.data}", file=sys.stderr)
        return 2
    result: dict[str, dict] = {}
    for split in ("tune", "holdout", "all"):
        pages = list(load_benchmark(args.data, split))
        for name, extract in EXTRACTORS.items():
            started = time.perf_counter()
            s = evaluate(pages, extract)
            elapsed = time.perf_counter() - started
            result.setdefault(split, {})[name] = {"precision": round(s.precision, 4), "recall": round(s.recall, 4),
                                                  "f1": round(s.f1, 4), "pages": s.pages,
                                                  "pages_per_s": round(s.pages / elapsed, 1)}
    if args.json:
        print(json.dumps(result))
    else:
        for split, rows in result.items():
            for name, r in rows.items():
                print(f"{split:8s} {name:12s} P {r['precision']:.4f}  R {r['recall']:.4f}  F1 {r['f1']:.4f}  "
                      f"({r['pages']} pages, {r['pages_per_s']} pages/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
