"""The story engine of another checkout, timed by this checkout's benchmark: for
before/after figures measured on the same machine in the same session.

    git worktree add /tmp/prev dfa9c31
    python bench/engine_ab.py /tmp/prev --articles 100000   # then: python bench/engine_ab.py .
    python bench/engine_ab.py /tmp/prev --redis              # the state in Redis (a redis-server of its own)

Imports `dedupe` and `newsagg` from TREE, and `bench_engine` (long-run settings:
3,000 articles assigned first, 3 rounds of 500 timed) from this directory. Run the
trees in turn, twice each: the machine's speed drifts between runs.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", type=Path, help="checkout whose dedupe/ is timed")
    parser.add_argument("--articles", type=int, default=100_000, help="entries in the engine's index")
    parser.add_argument("--redis", action="store_true", help="the engine's state in Redis (bench_engine_redis)")
    args = parser.parse_args()
    tree = str(args.tree.resolve())
    import newsagg

    # The tree's stage folders (dedupe/, ...) are found first as newsagg's subpackages.
    newsagg.__path__.insert(0, tree)
    import newsagg.dedupe.engine
    import newsagg.dedupe.minhash
    import newsagg.dedupe.state  # noqa: F401

    if not newsagg.dedupe.engine.__file__.startswith(tree):
        raise SystemExit(f"dedupe came from {newsagg.dedupe.engine.__file__}, not {tree}")
    sys.path.insert(1, str(HERE))
    import bench_dedupe

    news = bench_dedupe.NewsCorpus(bench_dedupe.Corpus())
    key_sigs = news.key_signatures(args.articles, newsagg.dedupe.minhash.Signer(num_perm=128, seed=1))
    timed = bench_dedupe.bench_engine_redis if args.redis else bench_dedupe.bench_engine
    result = timed(news, key_sigs, args.articles, warm=3000, count=500, rounds=3)
    print(json.dumps({"tree": tree, "redis": args.redis, **result}))


if __name__ == "__main__":
    main()
