"""Where `StoryEngine.assign` spends its time: a sampling profile (pyinstrument) of
the timed assignments of `bench_dedupe.bench_engine` (the warm-up and the bulk
fill are not profiled).

    pip install -e ".[dev]"      # pyinstrument, a developer's tool (the dev extra)
    python bench/profile_engine.py --articles 100000 [--redis] > /tmp/profile.txt

Prints the latencies and the call tree (seconds over all timed assignments).
On a shared machine the absolute times swell with its load: compare shares.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000, help="entries in the engine's index")
    parser.add_argument("--redis", action="store_true", help="the engine's state in Redis")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of 500 timed assignments")
    args = parser.parse_args()
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit("pip install pyinstrument (in the dev extra: pip install -e .[dev])") from None
    sys.path.insert(1, str(HERE))
    import bench_dedupe

    from newsagg.dedupe.engine import StoryEngine
    from newsagg.dedupe.minhash import Signer

    profiler = Profiler(interval=0.0002)
    timing = {"on": False}
    assign = StoryEngine.assign

    def profiled_assign(self, article):
        if not timing["on"]:
            return assign(self, article)
        profiler.start()
        try:
            return assign(self, article)
        finally:
            profiler.stop()

    fill = bench_dedupe.fill

    def fill_then_profile(*fill_args, **fill_kwargs):
        fill(*fill_args, **fill_kwargs)
        timing["on"] = True  # the timed assignments come next

    StoryEngine.assign = profiled_assign
    bench_dedupe.fill = fill_then_profile
    news = bench_dedupe.NewsCorpus(bench_dedupe.Corpus())
    key_sigs = news.key_signatures(args.articles, Signer(num_perm=128, seed=1))
    timed = bench_dedupe.bench_engine_redis if args.redis else bench_dedupe.bench_engine
    result = timed(news, key_sigs, args.articles, warm=3000, count=500, rounds=args.rounds)
    print({k: result[k] for k in ("p50_ms", "p99_ms", "mean_ms")}, "featurize", result["featurize"])
    print(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    main()
