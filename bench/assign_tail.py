"""Which assignments sit in `StoryEngine.assign`'s latency tail, and why: each
timed assignment of `bench_dedupe.bench_engine` with its thread CPU time and
the CPU time spent in the engine's steps (inclusive: a step's time holds the
steps it calls) and in the garbage collector.

    python bench/assign_tail.py --articles 100000 [--redis] [--tree /tmp/prev]

CPU time (`time.thread_time`) does not swell with the machine's load as wall
time does: on a shared machine it is the measure to compare. Prints the
wall and CPU percentiles, each step's share of the slowest 2% by CPU time,
and those assignments one by one.
"""
from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import io
import json
import pstats
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

# The engine's steps whose CPU time is taken apart (methods of StoryEngine, the state's
# document counting, and the engine module's scoring functions).
ENGINE_STEPS = ("_catch_up_index", "_embedding_neighbours", "_load_features", "_members", "_copied_text", "_record", "_merge_events",
                "_place_in_storyline", "_split_event", "_split_storyline", "_reassign_members", "_recluster",
                "_outgrown_events", "_stranded_other_language_events", "_index", "_resolve", "_assign_new")
MODULE_STEPS = ("featurize", "query_each", "event_fits", "event_evidence")
STATE_STEPS = ("count_document", "_df_fold", "get_many", "put_many")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, help="checkout whose dedupe/ is run (default: this one)")
    parser.add_argument("--articles", type=int, default=100_000, help="entries in the engine's index")
    parser.add_argument("--redis", action="store_true", help="the engine's state in Redis")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of 500 timed assignments")
    parser.add_argument("--show", type=int, default=20, help="slowest assignments listed one by one")
    parser.add_argument("--freeze", action="store_true", help="gc.collect() then gc.freeze() before the timed ones")
    parser.add_argument("--gc-threshold", type=int, nargs="+", help="gc.set_threshold(...) before the timed ones")
    parser.add_argument("--profile", metavar="STEP", help="also profile that step's calls (cProfile, by own time)")
    args = parser.parse_args()
    sys.path.insert(1, str(HERE))
    if args.tree:
        from checkout import use_engine_of

        use_engine_of(args.tree)
    import bench_dedupe

    from newsagg.dedupe import engine as engine_module
    from newsagg.dedupe import state as state_module
    from newsagg.dedupe.minhash import Signer

    on = {"timed": False}
    steps: Counter[str] = Counter()  # CPU seconds of the current assignment, by step
    rows: list[dict] = []

    profiler = cProfile.Profile() if args.profile else None

    def timed(name: str, fn):
        @functools.wraps(fn)
        def wrapper(*a, **kw):
            if not on["timed"]:
                return fn(*a, **kw)
            if name == args.profile:
                profiler.enable()
            t0 = time.thread_time()
            try:
                return fn(*a, **kw)
            finally:
                steps[name] += time.thread_time() - t0
                steps[f"{name}#calls"] += 1
                if name == args.profile:
                    profiler.disable()
        return wrapper

    for name in ENGINE_STEPS:
        if hasattr(engine_module.StoryEngine, name):
            setattr(engine_module.StoryEngine, name, timed(name, getattr(engine_module.StoryEngine, name)))
    for name in MODULE_STEPS:
        if hasattr(engine_module, name):
            setattr(engine_module, name, timed(name, getattr(engine_module, name)))
    for cls in (state_module.EngineState, state_module.LocalState, state_module.RedisState):
        for name in STATE_STEPS:
            if name in vars(cls):
                setattr(cls, name, timed(name, vars(cls)[name]))

    gc_started = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if not on["timed"]:
            return
        if phase == "start":
            gc_started[0] = time.thread_time()
        else:
            steps[f"gc{info['generation']}"] += time.thread_time() - gc_started[0]

    gc.callbacks.append(on_gc)
    assign = engine_module.StoryEngine.assign

    def traced_assign(self, article, embedding=None):
        if not on["timed"]:
            return assign(self, article, embedding)
        steps.clear()
        wall, cpu = time.perf_counter(), time.thread_time()
        result = assign(self, article, embedding)
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        rows.append({"wall": wall, "cpu": cpu, "steps": dict(steps), "merged": len(result.merged),
                     "updates": len(result.updates), "copy": result.copies_of is not None})
        return result

    fill = bench_dedupe.fill

    def fill_then_trace(*fill_args, **fill_kwargs):
        out = fill(*fill_args, **fill_kwargs)
        if args.freeze:
            gc.collect()
            gc.freeze()
        if args.gc_threshold:
            gc.set_threshold(*args.gc_threshold)
        on["timed"] = True  # the timed assignments come next
        return out

    engine_module.StoryEngine.assign = traced_assign
    bench_dedupe.fill = fill_then_trace
    news = bench_dedupe.NewsCorpus(bench_dedupe.Corpus())
    key_sigs = news.key_signatures(args.articles, Signer(num_perm=128, seed=1))
    run = bench_dedupe.bench_engine_redis if args.redis else bench_dedupe.bench_engine
    run(news, key_sigs, args.articles, warm=3000, count=500, rounds=args.rounds)

    def ms(values, q):
        return round(1e3 * float(np.percentile(values, q)), 2)

    cpu, wall = [r["cpu"] for r in rows], [r["wall"] for r in rows]
    order = sorted(range(len(rows)), key=lambda i: -rows[i]["cpu"])
    tail = order[: max(1, len(rows) // 50)]
    names = sorted({k for r in rows for k in r["steps"] if not k.endswith("#calls")})

    def mean_ms(idx, name):
        return round(1e3 * sum(rows[i]["steps"].get(name, 0.0) for i in idx) / len(idx), 2)

    print(json.dumps({
        "tree": str(args.tree or HERE.parent), "articles": args.articles, "redis": args.redis, "timed": len(rows),
        "wall_ms": {"p50": ms(wall, 50), "p90": ms(wall, 90), "p99": ms(wall, 99), "mean": round(1e3 * np.mean(wall), 2)},
        "cpu_ms": {"p50": ms(cpu, 50), "p90": ms(cpu, 90), "p99": ms(cpu, 99), "mean": round(1e3 * np.mean(cpu), 2)},
        # each step's mean CPU ms: over all timed assignments, and over the slowest 2% by CPU time
        "steps_mean_ms": {n: [mean_ms(range(len(rows)), n), mean_ms(tail, n)] for n in names},
    }, indent=1))
    print("slowest by CPU time (ms): cpu wall merged updates copy | steps over 0.5 ms")
    for i in order[: args.show]:
        r = rows[i]
        big = {k: round(1e3 * v, 1) for k, v in sorted(r["steps"].items(), key=lambda kv: -kv[1])
               if not k.endswith("#calls") and v >= 5e-4}
        print(f"#{i:4d} {1e3 * r['cpu']:7.2f} {1e3 * r['wall']:7.2f} {r['merged']} {r['updates']:3d} "
              f"{int(r['copy'])} | {big}")
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        print(out.getvalue())


if __name__ == "__main__":
    main()
