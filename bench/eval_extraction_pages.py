"""Title, date, authors and body extraction on labelled real pages of publishers the extraction
benchmark lacks (bench/data/extraction-pages, see its README). Tune on `--split tune`, report
on `--split holdout` (never looked at while tuning).

Per page: title exact (NFC, whitespace collapsed), published on the right day (in the offset
the page shows, UTC for a bare day), within 2 minutes (pages whose label has a time), authors
token F1 (names' case-folded word tokens), body token F1 (case-folded word tokens; CJK and Thai
one character a token); each the mean over the pages labelled with that field.

    python bench/eval_extraction_pages.py --split holdout --json
    python bench/eval_extraction_pages.py --split tune --misses     # what went wrong, page by page
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from newsagg.crawler.extract import extract_article
from newsagg.crawler.extract.benchmark import load_labelled_pages, score_fields

DEFAULT_DATA = Path(__file__).resolve().parent / "data" / "extraction-pages"
TARGETS = {"title_exact": 0.95, "date_right_day": 0.98, "authors_f1": 0.90, "body_f1": 0.95}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="extraction-pages directory")
    parser.add_argument("--split", choices=("tune", "holdout", "all"), default="holdout")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--misses", action="store_true", help="also list every miss (page, field, expected, got)")
    args = parser.parse_args()
    if not (args.data / "labels.jsonl").exists():
        print(f"labelled pages not found at {args.data}: see bench/data/extraction-pages/README.md", file=sys.stderr)
        return 2
    pages = list(load_labelled_pages(args.data, args.split))
    started = time.perf_counter()
    scores = score_fields(pages, lambda html, url: extract_article(html, url))
    result = asdict(scores)
    misses = result.pop("misses")
    result.update(split=args.split, publishers=len({p.publisher for p in pages}),
                  languages=sorted({p.language for p in pages}),
                  pages_per_s=round(len(pages) / (time.perf_counter() - started), 1),
                  targets={k: result[k] >= v for k, v in TARGETS.items()})
    if args.misses:
        result["misses"] = misses
    if args.json:
        print(json.dumps(result, ensure_ascii=False, default=str))
    else:
        print(f"{args.split}: {result['pages']} pages, {result['publishers']} publishers, {result['languages']}")
        for key, target in TARGETS.items():
            print(f"  {key:18s} {result[key]:.4f}  (target >= {target})")
        print(f"  date_within_2_min  {result['date_within_2_min']:.4f}  labelled {result['labelled']}")
        for miss in misses if args.misses else []:
            print("  MISS", *miss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
