"""Cost of the lost-message check (workers.inflight.InFlight.lost) at a big backlog.

N real pipeline messages are queued through `submit_article` (its own redis-server, no worker
consuming), then the check is timed:

- backlog: nothing popped yet: what every watchdog round costs while a backlog waits;
- in flight: a worker started the oldest message (in `unacked`): the check confirms it there;
- lost: one more message popped and never acknowledged: the check scans every queue for it
  (the worst case, only while something is lost), then `take_lost` takes it.

Also the cost of noting each message (`published`, one Lua call per message sent).

    python bench/lost_check.py --messages 20000 --json
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _timed(fn, repeat: int) -> dict:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t) * 1000)
    return {"median_ms": round(statistics.median(times), 2), "max_ms": round(max(times), 2), "result": len(out)}


def run(args) -> dict:
    import redis

    from newsagg.core.settings import get_settings
    from newsagg.runtime import get_runtime
    from newsagg.workers.app import configure
    from newsagg.workers.handoff import submit_article
    from tests.support.servers import RedisServer
    from tests.support.synthetic import synthetic_articles

    with tempfile.TemporaryDirectory(prefix="newsagg-lost-") as tmp, RedisServer(appendonly=False) as server:
        for k in ("REDIS_URL", "NEWSAGG_REDIS_URL", "ELASTICSEARCH_URL", "NEWSAGG_ELASTICSEARCH_URL"):
            os.environ.pop(k, None)
        os.environ.update({"REDIS_URL": server.url, "NEWSAGG_DATA_DIR": tmp, "NEWSAGG_LOG_LEVEL": "WARNING"})
        get_settings.cache_clear()
        settings = get_settings()
        configure(settings)
        r = redis.Redis.from_url(server.url)
        t = time.perf_counter()
        for a in synthetic_articles(args.messages, seed=5):
            submit_article(a, settings)
        submit_s = time.perf_counter() - t
        ledger = get_runtime(settings).inflight()
        queued_bytes = sum(len(m) for m in r.lrange("enrich", 0, 99)) / 100 * r.llen("enrich")
        backlog = _timed(lambda: ledger.lost(0), args.repeat)
        # a worker popped the oldest message and started it: unacknowledged, below the watermark
        first = r.rpop("enrich")
        mark = json.loads(first)["headers"]["newsagg_msg"]
        r.hset("unacked", "tag-1", json.dumps([json.loads(first), "", "enrich"]))
        ledger.started(mark.partition("|")[0], "bench-worker", "enrich", mark)
        in_flight = _timed(lambda: ledger.lost(0), args.repeat)
        # the next message popped by a worker killed before kombu recorded it: lost, deep in no queue
        second = json.loads(r.rpop("enrich"))["headers"]["newsagg_msg"]
        third = r.rpop("enrich")
        r.hset("unacked", "tag-3", json.dumps([json.loads(third), "", "enrich"]))
        ledger.started(json.loads(third)["headers"]["newsagg_msg"].partition("|")[0], "bench-worker", "enrich",
                       json.loads(third)["headers"]["newsagg_msg"])
        lost = _timed(lambda: ledger.lost(0), args.repeat)
        suspects = ledger.lost(0)
        t = time.perf_counter()
        taken = ledger.take_lost(suspects)
        take_ms = (time.perf_counter() - t) * 1000
        assert [m.mark for m in suspects] == [second] and len(taken) == 1, (suspects, taken)
        t = time.perf_counter()
        for i in range(2000):
            ledger.published(f"bench{i}", "assign")
        published_ms = (time.perf_counter() - t) / 2000 * 1000
        return {"messages_queued": r.llen("enrich"), "queued_mb": round(queued_bytes / 1e6, 1),
                "submit_s": round(submit_s, 1), "check_backlog_waiting": backlog,
                "check_one_in_flight": in_flight, "check_one_lost_full_scan": lost,
                "take_lost_ms": round(take_ms, 2), "published_ms_per_message": round(published_ms, 3),
                "repeat": args.repeat}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = run(args)
    print(json.dumps(result, indent=2) if args.json else result)


if __name__ == "__main__":
    main()
