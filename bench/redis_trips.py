"""What one `StoryEngine.assign` on the Redis state costs in Redis: round trips,
bytes and commands sent, the assigning thread's CPU time, and Redis's own time
per command (INFO commandstats), for the timed assignments of `bench_engine`.

    python bench/redis_trips.py                         # this checkout, 20,000 articles
    python bench/redis_trips.py --tree /tmp/prev        # another checkout's engine

Counts are exact whatever the machine's load (round trips: calls of redis-py's
`Connection.send_packed_command`, one per command or pipeline sent); times are
not. A counting tool: it wraps redis-py internals (the command packer), so it
may need a change when redis-py changes.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, help="checkout whose dedupe/ is measured (default: this one)")
    parser.add_argument("--articles", type=int, default=20_000, help="entries in the engine's index")
    parser.add_argument("--warm", type=int, default=1000, help="articles assigned before the timed ones")
    parser.add_argument("--count", type=int, default=300, help="timed assignments")
    args = parser.parse_args()
    sys.path.insert(1, str(HERE))
    if args.tree:
        from checkout import use_engine_of

        use_engine_of(args.tree)
    import bench_dedupe
    from redis import connection

    from newsagg.dedupe.engine import StoryEngine
    from newsagg.dedupe.minhash import Signer

    on = {"timed": False, "client": None}
    sends, sent_bytes, commands = [0], Counter(), Counter()
    send_wall, send_cpu, cpu = [0.0], [0.0], []

    def counted_send(self, command, check_health=True):
        if not on["timed"]:
            return send(self, command, check_health)
        sends[0] += 1
        wall, thread = time.perf_counter(), time.thread_time()
        try:
            return send(self, command, check_health)
        finally:
            send_wall[0] += time.perf_counter() - wall
            send_cpu[0] += time.thread_time() - thread

    def counted_pack(self, *command):
        packed = pack(self, *command)
        if on["timed"]:
            name = command[0] if isinstance(command[0], str) else command[0].decode()
            commands[name] += 1
            sent_bytes[name] += sum(len(chunk) for chunk in packed)
        return packed

    def timed_assign(self, article):
        thread = time.thread_time()
        try:
            return assign(self, article)
        finally:
            if on["timed"]:
                cpu.append(time.thread_time() - thread)

    def fill_then_count(*fill_args, **fill_kwargs):
        fill(*fill_args, **fill_kwargs)
        on["client"].config_resetstat()
        on["timed"] = True  # the timed assignments come next

    def engine_with_client(*engine_args, redis_client=None, **engine_kwargs):
        on["client"] = redis_client
        return bench_engine(*engine_args, redis_client=redis_client, **engine_kwargs)

    def stats_then_close(self):
        if on["timed"]:
            on["timed"] = False
            on["commandstats"] = on["client"].info("commandstats")
        return close(self)

    send, pack = connection.Connection.send_packed_command, connection.PythonRespSerializer.pack
    assign, close, fill, bench_engine = StoryEngine.assign, StoryEngine.close, bench_dedupe.fill, bench_dedupe.bench_engine
    connection.Connection.send_packed_command, connection.PythonRespSerializer.pack = counted_send, counted_pack
    StoryEngine.assign, StoryEngine.close = timed_assign, stats_then_close
    bench_dedupe.fill, bench_dedupe.bench_engine = fill_then_count, engine_with_client

    news = bench_dedupe.NewsCorpus(bench_dedupe.Corpus())
    key_sigs = news.key_signatures(args.articles, Signer(num_perm=128, seed=1))
    result = bench_dedupe.bench_engine_redis(news, key_sigs, args.articles, warm=args.warm, count=args.count, rounds=1)
    n = args.count
    per = {k: round(v / n, 2) for k, v in commands.most_common()}
    print(json.dumps({
        "tree": str(args.tree or HERE.parent), "articles": args.articles, "timed": n,
        "assign_ms": {k: result[k] for k in ("p50_ms", "p99_ms", "mean_ms")},
        "thread_cpu_ms": {"mean": round(1e3 * float(np.mean(cpu)), 2), "p50": round(1e3 * float(np.median(cpu)), 2),
                          "p99": round(1e3 * float(np.percentile(cpu, 99)), 2)},
        "round_trips": round(sends[0] / n, 2),
        "sending_ms": {"wall": round(1e3 * send_wall[0] / n, 3), "cpu": round(1e3 * send_cpu[0] / n, 3)},
        "bytes_sent": round(sum(sent_bytes.values()) / n),
        "bytes_sent_by_command": {k: round(v / n) for k, v in sent_bytes.most_common()},
        "commands": per,
        # EVAL and EXEC include the commands they run, which are also counted on their own
        "redis_usec": {k.removeprefix("cmdstat_"): {"calls": round(v["calls"] / n, 2), "usec": round(v["usec"] / n, 1)}
                       for k, v in sorted(on["commandstats"].items(), key=lambda kv: -kv[1]["usec"])[:12]},
    }, indent=1))


if __name__ == "__main__":
    main()
