"""Crawler throughput on the loopback fixture web.

Reports, in one run: pages/s of a whole crawl (robots, feeds, sitemaps, article
pages fetched and extracted; process start included and reported apart), and
pages/s of extraction alone over the same article pages (the baseline: what the
crawl would do if fetching cost nothing).

    python bench/bench_crawl.py --json
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--rounds", type=int, default=3, help="extraction rounds over the pages (default 3)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    os.environ.update({"NEWSAGG_DATA_DIR": str(tmp / "data"), "NEWSAGG_ALLOW_PRIVATE_ADDRESSES": "true",
                       "NEWSAGG_CRAWL_HANDOFF": "false", "NEWSAGG_LOG_LEVEL": "WARNING"})
    for key in ("REDIS_URL", "NEWSAGG_REDIS_URL"):
        os.environ.pop(key, None)
    from newsagg.core.settings import get_settings
    from newsagg.crawler.extract import extract_article
    from newsagg.crawler.run import run_crawl
    from newsagg.demo.fixture_web import FixtureWeb

    get_settings.cache_clear()
    with FixtureWeb() as web:
        sources = web.write_sources(tmp / "sources.yaml")
        started = time.perf_counter()
        stats = run_crawl(sources, jsonl=tmp / "articles.jsonl", timeout_s=300)
        wall = time.perf_counter() - started
        pages = [(a.canonical_url, urllib.request.urlopen(a.canonical_url, timeout=10).read())
                 for a in web.expected_articles()]
    t0 = time.perf_counter()
    for _ in range(args.rounds):
        for url, html in pages:
            extract_article(html, url)
    extract_s = (time.perf_counter() - t0) / args.rounds

    crawl_pages = stats.pages_fetched
    result = {
        "articles": stats.articles,
        "pages_fetched": crawl_pages,
        "requests": stats.requests,
        "crawl_s": round(stats.duration_s, 3),
        "crawl_wall_s_with_process_start": round(wall, 3),
        "crawl_pages_per_s": round(crawl_pages / stats.duration_s, 1),
        "extract_only_pages_per_s": round(len(pages) / extract_s, 1),
        "crawl_vs_extract_only": round((crawl_pages / stats.duration_s) / (len(pages) / extract_s), 3),
        "cpus": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:32s} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
