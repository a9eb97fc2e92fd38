"""Articles per second through enrich -> assign -> index: the embedded default
(in process, the baseline) and 1 and 2 real `celery worker` processes on a real
redis-server, all in the same run on the same synthetic articles.

    python bench/bench_pipeline.py --json            # 600 articles
    python bench/bench_pipeline.py --n 2000 --json
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENV_KEYS = ("REDIS_URL", "NEWSAGG_REDIS_URL", "ELASTICSEARCH_URL", "NEWSAGG_ELASTICSEARCH_URL")


def _settings(data_dir: Path, redis_url: str | None):
    from newsagg.core.settings import Settings, get_settings

    for k in ENV_KEYS:
        os.environ.pop(k, None)
    os.environ["NEWSAGG_DATA_DIR"] = str(data_dir)
    os.environ["NEWSAGG_METRICS_PORT"] = "0"
    os.environ["NEWSAGG_LOG_LEVEL"] = "WARNING"
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    get_settings.cache_clear()
    s = get_settings()
    assert isinstance(s, Settings)
    return s


def run_embedded(articles: list[dict], data_dir: Path) -> dict:
    from newsagg.runtime import open_search_store
    from newsagg.runtime import reset as reset_components
    from newsagg.workers.handoff import submit_article

    settings = _settings(data_dir, None)
    reset_components()
    start = time.perf_counter()
    for a in articles:
        submit_article(a, settings)
    elapsed = time.perf_counter() - start
    count = open_search_store(settings).count_articles()
    reset_components()
    return {"seconds": round(elapsed, 3), "articles_per_s": round(len(articles) / elapsed, 1), "indexed": count}


def run_workers(articles: list[dict], data_dir: Path, workers: int, timeout: float = 900) -> dict:
    from newsagg.demo.procs import WorkerCluster, wait_ready, wait_until
    from newsagg.runtime import open_search_store
    from newsagg.workers.app import app, configure
    from newsagg.workers.handoff import submit_article
    from tests.support.servers import RedisServer, free_port

    with RedisServer(appendonly=False) as redis_server:
        settings = _settings(data_dir, redis_server.url)
        configure(settings)
        env = {k: os.environ[k] for k in ("REDIS_URL", "NEWSAGG_DATA_DIR", "NEWSAGG_METRICS_PORT", "NEWSAGG_LOG_LEVEL",
                                          "NEWSAGG_TASK_EVENTS") if k in os.environ}
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
        with WorkerCluster(env, data_dir / "logs", cwd=str(ROOT)) as wc:
            names = [f"bench{i}" for i in range(workers)]
            ports = [free_port() for _ in names]
            for n, port in zip(names, ports):
                wc.start(n, env={"NEWSAGG_METRICS_PORT": str(port)})
            wait_ready(app, names)
            store = open_search_store(settings)
            start = time.perf_counter()
            for a in articles:
                submit_article(a, settings)
            enqueued = time.perf_counter() - start
            wait_until(lambda: store.count_articles() >= len(articles), timeout, 0.05, "all articles indexed")
            elapsed = time.perf_counter() - start
            count = store.count_articles()
            step_ms = _step_latency_ms(ports)
    return {"workers": workers, "seconds": round(elapsed, 3), "enqueue_seconds": round(enqueued, 3),
            "articles_per_s": round(len(articles) / elapsed, 1), "indexed": count, "step_ms": step_ms}


def _step_latency_ms(ports: list[int]) -> dict[str, float]:
    """Mean time of each step per article, from the workers' Prometheus endpoints."""
    import urllib.request

    sums: dict[str, list[float]] = {}
    for port in ports:
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        for line in body.splitlines():
            for part, idx in (("_sum{", 0), ("_count{", 1)):
                if line.startswith("newsagg_step_latency_seconds" + part):
                    step = line.split('step="')[1].split('"')[0]
                    sums.setdefault(step, [0.0, 0.0])[idx] += float(line.rsplit(" ", 1)[1])
    return {step: round(1000 * s / c, 2) for step, (s, c) in sorted(sums.items()) if c}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=600, help="articles per run")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()

    from tests.support.synthetic import synthetic_articles

    articles = synthetic_articles(args.n, seed=7)
    with tempfile.TemporaryDirectory(prefix="newsagg-bench-") as tmp:
        tmp = Path(tmp)
        embedded = run_embedded(articles, tmp / "embedded")
        one = run_workers(articles, tmp / "w1", 1)
        two = run_workers(articles, tmp / "w2", 2)
    result = {
        "articles": args.n,
        "cpus": os.cpu_count(),
        "embedded": embedded,
        "workers_1": one,
        "workers_2": two,
        "ratio_workers_1_vs_embedded": round(one["articles_per_s"] / embedded["articles_per_s"], 2),
        "ratio_workers_2_vs_embedded": round(two["articles_per_s"] / embedded["articles_per_s"], 2),
        "ratio_workers_2_vs_1": round(two["articles_per_s"] / one["articles_per_s"], 2),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for k in ("embedded", "workers_1", "workers_2"):
            print(f"{k:10s} {result[k]['articles_per_s']:8.1f} articles/s  ({result[k]['seconds']} s, "
                  f"indexed {result[k]['indexed']})")
        print(f"2 workers vs 1: x{result['ratio_workers_2_vs_1']}")


if __name__ == "__main__":
    main()
