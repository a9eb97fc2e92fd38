"""Ingest throughput: the 181 real pages of the extraction benchmark packed into a WARC.gz
(repeated under distinct URLs on other sites up to --records), ingested on the embedded
default (extraction, seen-URL store, hand-off: enrich -> assign -> index in process) against
extraction alone on the same records, in the same run. Target: ingest >= 0.6x extraction alone.

Also reported, per article: CPU seconds of extraction and of the rest, bytes of the SQLite
search store and of the seen-URL store (the figures docs/scaling.md starts from), and the
re-ingest of the same archive (everything `unchanged`, nothing extracted again).

    python bench/bench_ingest.py --json                 # 2000 records
    python bench/bench_ingest.py --records 600 --json   # quicker
    python bench/bench_ingest.py --records 600 --distributed-records 400 --json   # + Redis, 1 and 2 workers
    python bench/bench_ingest.py --distributed-only --distributed-records 400 --rounds 4 --json
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "extraction-benchmark"
ENV_KEYS = ("REDIS_URL", "NEWSAGG_REDIS_URL", "ELASTICSEARCH_URL", "NEWSAGG_ELASTICSEARCH_URL")


def _settings(data_dir: Path, redis_url: str | None = None):
    from newsagg.core.settings import get_settings

    for k in ENV_KEYS:
        os.environ.pop(k, None)
    os.environ.update(NEWSAGG_DATA_DIR=str(data_dir), NEWSAGG_METRICS_PORT="0", NEWSAGG_LOG_LEVEL="ERROR")
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    get_settings.cache_clear()
    return get_settings()


def extraction_alone(warc: Path) -> dict:
    """The same reader and the same extraction call as the ingest, nothing after it."""
    from newsagg.crawler.extract import extract_article
    from newsagg.crawler.ingest import FetchedPage, read_warc

    cpu, start = time.process_time(), time.perf_counter()
    pages = articles = 0
    for item in read_warc(warc, 10 * 1024 * 1024):
        if isinstance(item, FetchedPage):
            pages += 1
            articles += extract_article(item.body, item.url, item.content_type).is_article
    elapsed = time.perf_counter() - start
    return {"seconds": round(elapsed, 3), "pages": pages, "articles": articles,
            "pages_per_s": round(pages / elapsed, 1), "cpu_s_per_page": round((time.process_time() - cpu) / pages, 5)}


def ingest_without_pipeline(warc: Path, data_dir: Path) -> dict:
    """The ingest's own machinery (WARC reading, extraction, seen-URL store, Article) with a
    hand-off that takes the article and does nothing: what ingest adds to extraction."""
    from newsagg.crawler.ingest import Ingester, expand_inputs

    ingester = Ingester(_settings(data_dir), submit=lambda article, settings: article.id)
    start = time.perf_counter()
    try:
        stats = ingester.run(expand_inputs([warc]))
    finally:
        ingester.close()
    elapsed = time.perf_counter() - start
    pages = stats.read - stats.skipped.get("record_warcinfo", 0)
    return {"seconds": round(elapsed, 3), "pages_per_s": round(pages / elapsed, 1), "new": stats.new}


def ingest_embedded(warc: Path, data_dir: Path, extract_processes: int | None = None) -> dict:
    from newsagg.crawler.ingest import ingest
    from newsagg.runtime import open_search_store
    from newsagg.runtime import reset as reset_components

    settings = _settings(data_dir)
    reset_components()
    cpu, start = time.process_time(), time.perf_counter()
    stats = ingest([warc], settings=settings, extract_processes=extract_processes)
    elapsed = time.perf_counter() - start
    cpu_used = time.process_time() - cpu
    pages = stats.new + stats.updated + stats.unchanged + sum(stats.skipped.get(k, 0) for k in stats.skipped
                                                              if not k.startswith("record_"))
    indexed = open_search_store(settings).count_articles()
    reset_components()
    again_start = time.perf_counter()
    again = ingest([warc], settings=settings, extract_processes=extract_processes)
    again_s = time.perf_counter() - again_start
    reset_components()
    files = {p.name: p.stat().st_size for p in data_dir.iterdir() if p.is_file()}
    return {"seconds": round(elapsed, 3), "pages": pages, "new": stats.new, "updated": stats.updated,
            "unchanged": stats.unchanged, "skipped": stats.skipped, "failed": stats.failed, "indexed": indexed,
            "pages_per_s": round(pages / elapsed, 1), "articles_per_s": round(stats.new / elapsed, 1),
            "cpu_s_per_page": round(cpu_used / pages, 5), "data_files_bytes": files,
            "reingest": {"seconds": round(again_s, 3), "unchanged": again.unchanged, "new": again.new,
                         "records_per_s": round(again.read / again_s, 1)}}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of one process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU ticks of the whole machine since boot, from /proc/stat."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return sum(ticks) - idle, sum(ticks)


def _renice(pids: list[int], niceness: int) -> None:
    """Raise these processes' CPU priority (root only): on a machine shared with other jobs the
    workers then get the cores they would have on a machine of their own."""
    for pid in pids:
        os.setpriority(os.PRIO_PROCESS, pid, niceness)


def ingest_distributed(warc: Path, data_dir: Path, workers: int, timeout: float = 1200, niceness: int = 0) -> dict:
    """Distributed: the ingest hands off to a real redis-server (no worker running: the ingest
    side alone), then `workers` real `celery worker` processes drain the queues (the pipeline
    side alone). Redis memory before and after gives bytes per article queued and kept."""
    import redis

    from newsagg.crawler.ingest import ingest
    from newsagg.demo.procs import WorkerCluster, wait_ready, wait_until
    from newsagg.runtime import open_search_store
    from newsagg.workers.app import app, configure
    from tests.support.servers import RedisServer

    with RedisServer(appendonly=False) as server:
        settings = _settings(data_dir, server.url)
        configure(settings)
        r = redis.Redis.from_url(server.url)
        base = r.info("memory")["used_memory"]
        start = time.perf_counter()
        stats = ingest([warc], settings=settings)
        ingest_s = time.perf_counter() - start
        queued = r.info("memory")["used_memory"]
        env = {k: os.environ[k] for k in ("REDIS_URL", "NEWSAGG_DATA_DIR", "NEWSAGG_METRICS_PORT", "NEWSAGG_LOG_LEVEL")
               if k in os.environ}
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
        store = open_search_store(settings)
        with WorkerCluster(env, data_dir / "logs", cwd=str(ROOT)) as wc:
            names = [f"bench{i}" for i in range(workers)]
            for name in names:
                wc.start(name)
            wait_ready(app, names)
            pids = [wc.procs[name].pid for name in names]
            if niceness:
                _renice([*pids, server.proc.pid, os.getpid()], niceness)
            cpu_before = sum(_cpu_seconds(pid) for pid in pids)
            busy_before = _machine_busy()
            start = time.perf_counter()
            warm: list[tuple[float, int]] = []  # (time, count) when a tenth was indexed: workers warmed up

            def indexed() -> bool:
                count = store.count_articles()
                if not warm and count >= stats.new / 10:
                    warm.append((time.perf_counter(), count))
                return count >= stats.new
            wait_until(indexed, timeout, 0.05, "all ingested articles indexed")
            end = time.perf_counter()
            drain_s = end - start
            workers_cpu = sum(_cpu_seconds(pid) for pid in pids) - cpu_before
            busy_after = _machine_busy()
        machine_busy = (busy_after[0] - busy_before[0]) / max(busy_after[1] - busy_before[1], 1)
        kept = r.info("memory")["used_memory"]
        sqlite_bytes = sum(p.stat().st_size for p in data_dir.iterdir() if p.name.startswith("newsagg.sqlite"))
    n = max(stats.new, 1)
    return {"workers": workers, "new": stats.new, "ingest_seconds": round(ingest_s, 3),
            "ingest_pages_per_s": round((stats.read - 1) / ingest_s, 1), "drain_seconds": round(drain_s, 3),
            "pipeline_articles_per_s": round(stats.new / drain_s, 1),
            # after the first tenth: each worker's one-off start (imports, models on the first task) left out
            "steady_articles_per_s": round((stats.new - warm[0][1]) / max(end - warm[0][0], 1e-9), 1),
            # CPU the workers used over the drain, per worker and second: near 1 = each had a core of its own
            "workers_cpu_share": round(workers_cpu / (drain_s * workers), 3),
            "workers_cpu_ms_per_article": round(1000 * workers_cpu / n, 1),
            "machine_busy_share": round(machine_busy, 3),  # all processes, all cores, over the drain
            "redis_bytes_per_article_queued": round((queued - base) / n),
            "redis_bytes_per_article_kept": round((kept - base) / n),
            "search_store_bytes_per_article": round(sqlite_bytes / n)}


def embedded_part(warc: Path, tmp: Path) -> dict:
    """Extraction alone vs ingest on the embedded default, same WARC, same run."""
    alone = extraction_alone(warc)
    bare = ingest_without_pipeline(warc, tmp / "bare")
    serial = ingest_embedded(warc, tmp / "serial", extract_processes=0)
    full = ingest_embedded(warc, tmp / "data", extract_processes=None)  # `newsagg ingest`'s default (auto helpers)
    ratio = full["pages_per_s"] / alone["pages_per_s"]
    n = max(full["indexed"], 1)

    def per_article(prefix: str) -> int:
        return round(sum(v for k, v in full["data_files_bytes"].items() if k.startswith(prefix)) / n)
    return {
        "warc_bytes": warc.stat().st_size,
        "extraction_alone": alone, "ingest_without_pipeline": bare,
        "ingest_embedded_in_one_process": serial, "ingest_embedded": full,
        "ratio_ingest_vs_extraction": round(ratio, 3),
        "ratio_ingest_one_process_vs_extraction": round(serial["pages_per_s"] / alone["pages_per_s"], 3),
        "ratio_ingest_without_pipeline_vs_extraction": round(bare["pages_per_s"] / alone["pages_per_s"], 3),
        "per_article": {
            "extract_cpu_s": alone["cpu_s_per_page"],
            "after_extraction_cpu_s": round(serial["cpu_s_per_page"] - alone["cpu_s_per_page"], 5),
            "search_store_bytes": per_article("newsagg.sqlite"),  # SQLite FTS5 (embedded search store)
            "story_engine_bytes": per_article("story-engine"),
            "seen_url_store_bytes": per_article("crawl-state"),
        },
        "targets": {"ingest_vs_extraction_ge_0.6": ratio >= 0.6},
    }


def distributed_interleaved(warc: Path, tmp: Path, records: int, rounds: int, niceness: int = 0) -> dict:
    """1 worker, 2 workers, 1, 2, ... in one invocation, so a change of machine load hits both
    sides alike; each pair (a 1-worker run and the 2-worker run right after it) gives a ratio,
    the median of those is the figure. The load average before each run is kept beside it."""
    runs, ratios, steady = [], [], []
    for i in range(rounds):
        pair = {}
        for workers in (1, 2):
            load = os.getloadavg()
            run = ingest_distributed(warc, tmp / f"r{i}w{workers}", workers, niceness=niceness)
            run.update(round=i, load_avg_1_5_15=[round(x, 2) for x in load])
            runs.append(run)
            pair[workers] = run
            print(f"round {i} workers {workers}: {run['pipeline_articles_per_s']} articles/s, "
                  f"steady {run['steady_articles_per_s']} "
                  f"(drain {run['drain_seconds']} s, load {load[0]:.2f})", file=sys.stderr)
        ratios.append(round(pair[2]["pipeline_articles_per_s"] / pair[1]["pipeline_articles_per_s"], 3))
        steady.append(round(pair[2]["steady_articles_per_s"] / pair[1]["steady_articles_per_s"], 3))
    return {"records": records, "rounds": rounds, "order": "1,2 per round", "niceness": niceness, "runs": runs,
            "ratios_workers_2_vs_1": ratios, "median_ratio_workers_2_vs_1": round(statistics.median(ratios), 3),
            "steady_ratios_workers_2_vs_1": steady,
            "median_steady_ratio_workers_2_vs_1": round(statistics.median(steady), 3),
            "load_avg_1min_min_max": [min(r["load_avg_1_5_15"][0] for r in runs),
                                      max(r["load_avg_1_5_15"][0] for r in runs)]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="extraction-benchmark directory")
    parser.add_argument("--records", type=int, default=2000, help="response records in the WARC (bounded run)")
    parser.add_argument("--distributed-records", type=int, default=0,
                        help="also the distributed run (real redis-server, 1 then 2 workers) on this many records")
    parser.add_argument("--rounds", type=int, default=3,
                        help="distributed: interleaved rounds of (1 worker, 2 workers); the median ratio is reported")
    parser.add_argument("--renice", type=int, default=0, metavar="N",
                        help="distributed: run workers, redis-server and this process at niceness N (e.g. -10, "
                             "root only) so other jobs on a shared machine take less of their CPU")
    parser.add_argument("--distributed-only", action="store_true",
                        help="skip the embedded part (extraction vs ingest): only the distributed rounds")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if not (args.data / "ground-truth.json").exists():
        print(f"benchmark data not found at {args.data}", file=sys.stderr)
        return 2
    from tests.support.warcs import benchmark_captures, write_warc

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        tmp = Path(tmp)
        wanted = max(0 if args.distributed_only else args.records, args.distributed_records)
        captures = benchmark_captures(args.data, copies=math.ceil(wanted / 181))[:wanted]
        _settings(tmp / "unused")  # quiet logs for both parts
        result = {"records": 0 if args.distributed_only else args.records, "cpus": os.cpu_count(),
                  "load_avg_at_start": os.getloadavg()[0]}
        if not args.distributed_only:
            result.update(embedded_part(write_warc(tmp / "bench.warc.gz", captures[:args.records]), tmp))
        result.setdefault("targets", {})
        if args.distributed_records:
            small = write_warc(tmp / "small.warc.gz", captures[:args.distributed_records])
            result["distributed"] = distributed_interleaved(small, tmp, args.distributed_records, args.rounds,
                                                            args.renice)
            result["targets"]["workers_2_vs_1_ge_1.7"] = \
                result["distributed"]["median_steady_ratio_workers_2_vs_1"] >= 1.7
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    # a distributed-only run keeps the embedded figures of the last full run
    name = "ingest-distributed.json" if args.distributed_only else "ingest.json"
    (out_dir / name).write_text(json.dumps(result, indent=2) + "\n")
    if args.json:
        print(json.dumps(result))
    else:
        if not args.distributed_only:
            print(f"{args.records} records: extraction alone {result['extraction_alone']['pages_per_s']} pages/s, "
                  f"ingest (embedded) {result['ingest_embedded']['pages_per_s']} pages/s -> "
                  f"{result['ratio_ingest_vs_extraction']:.2f}x (target >= 0.6x)")
        if "distributed" in result:
            d = result["distributed"]
            print(f"distributed, {d['records']} records: 2 workers vs 1, ratios {d['ratios_workers_2_vs_1']}, "
                  f"median {d['median_ratio_workers_2_vs_1']}x; after warm-up {d['steady_ratios_workers_2_vs_1']}, "
                  f"median {d['median_steady_ratio_workers_2_vs_1']}x (target >= 1.7x), load {d['load_avg_1min_min_max']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
