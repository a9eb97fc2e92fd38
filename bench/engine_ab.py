"""The story engine of another checkout, timed by this checkout's benchmark: for
before/after figures measured on the same machine in the same session.

    git worktree add /tmp/prev dfa9c31
    python bench/engine_ab.py /tmp/prev --articles 100000   # then: python bench/engine_ab.py .
    python bench/engine_ab.py /tmp/prev --redis              # the state in Redis (a redis-server of its own)
    python bench/engine_ab.py . --warm-heap                  # with the worker's heap settling (workers.pipeline)

Imports `dedupe` and `newsagg` from TREE, and `bench_engine` (long-run settings:
3,000 articles assigned first, 3 rounds of 500 timed) from this directory. Run the
trees in turn, twice each: the machine's speed drifts between runs.
Beside the wall times: each timed assignment's thread CPU time (`cpu_ms`: on a
shared machine it swells far less with the load than wall time does), and the
load average before and after.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", type=Path, help="checkout whose dedupe/ is timed")
    parser.add_argument("--articles", type=int, default=100_000, help="entries in the engine's index")
    parser.add_argument("--redis", action="store_true", help="the engine's state in Redis (bench_engine_redis)")
    parser.add_argument("--warm-heap", action="store_true",
                        help="settle the heap after the warm-up as a worker process does (TREE's workers.pipeline)")
    args = parser.parse_args()
    sys.path.insert(1, str(HERE))
    from checkout import use_engine_of

    tree = use_engine_of(args.tree)
    import bench_dedupe

    import newsagg.dedupe.minhash
    import newsagg.dedupe.state  # noqa: F401

    load_before = os.getloadavg()[0]
    engine_class, fill = newsagg.dedupe.engine.StoryEngine, bench_dedupe.fill
    assign, timing, cpu = engine_class.assign, {"on": False}, []

    def cpu_timed_assign(self, article):
        if not timing["on"]:
            return assign(self, article)
        started = time.thread_time()
        try:
            return assign(self, article)
        finally:
            cpu.append(time.thread_time() - started)

    def fill_then_time(*fill_args, **fill_kwargs):
        out = fill(*fill_args, **fill_kwargs)
        if args.warm_heap:
            from newsagg.workers.pipeline import warm_heap

            warm_heap.wanted = True
            warm_heap.after_assignment()
        timing["on"] = True  # the timed assignments come next
        return out

    engine_class.assign, bench_dedupe.fill = cpu_timed_assign, fill_then_time
    news = bench_dedupe.NewsCorpus(bench_dedupe.Corpus())
    key_sigs = news.key_signatures(args.articles, newsagg.dedupe.minhash.Signer(num_perm=128, seed=1))
    timed = bench_dedupe.bench_engine_redis if args.redis else bench_dedupe.bench_engine
    result = timed(news, key_sigs, args.articles, warm=3000, count=500, rounds=3)
    ms = np.array(cpu) * 1e3
    cpu_ms = {"p50": round(float(np.percentile(ms, 50)), 3), "p99": round(float(np.percentile(ms, 99)), 3),
              "mean": round(float(ms.mean()), 3), "max": round(float(ms.max()), 2)}
    print(json.dumps({"tree": tree, "redis": args.redis, "warm_heap": args.warm_heap, "cpu_ms": cpu_ms,
                      "load": [load_before, os.getloadavg()[0]], **result}))


if __name__ == "__main__":
    main()
