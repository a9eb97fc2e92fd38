"""Search relevance and latency on both stores (SQLite FTS5, Elasticsearch).

    python bench/bench_search.py --json                      # relevance + latency at 100,000 articles
    python bench/bench_search.py --stores sqlite --articles 20000

Relevance: ../shared/data/news-events-dev.jsonl is written into each store through the store
API (event id = the file's event label, copy groups from its group labels), then every query
of bench/data/search-relevance/queries.jsonl runs; a result is right when most of its articles
carry the query's event label. Reported: the share of queries whose first result is right,
the share with a right result in the first three, and the mean reciprocal rank (first 10).

Latency: the store is filled with synthetic articles (words drawn from the dev texts, events
of 1-30 articles over 30 days) up to --articles, and every query plus random two-word queries
run against it; p50/p99 of `store.search()` in milliseconds. Elasticsearch is the cluster at
ELASTICSEARCH_URL, else noida-db started on loopback (the dev extra).
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEV = ROOT.parent / "shared" / "data" / "news-events-dev.jsonl"
QUERIES = ROOT / "bench" / "data" / "search-relevance" / "queries.jsonl"
_DATE_LINE = re.compile(r"^\s*date (\d{4}-\d{2}-\d{2})\s*")


def dev_articles(path: Path = DEV):
    """The labelled pages as Articles: first line the headline, the date line (else the label's
    date) the publication time, the event label the event id, copy groups from the group labels."""
    from newsagg.core.schema import Article

    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    first_of_group: dict[str, str] = {}
    out, labels = [], {}
    for r in sorted(rows, key=lambda r: r["id"]):
        text = r["text"]
        m = _DATE_LINE.match(text)
        day = m.group(1) if m else None
        text = text[m.end():] if m else text
        if not day:
            d = re.match(r"(\d{4})-(\d{2})(?:-(\d{2}))?", r["event"])
            day = f"{d.group(1)}-{d.group(2)}-{d.group(3) or '15'}" if d else "2025-10-01"
        head, _, body = text.strip().partition("\n")
        head = head.strip()
        if len(head) > 160:  # no headline line: the first sentence stands for it, the text stays whole
            head, body = re.split(r"(?<=[.!?])\s", head, maxsplit=1)[0][:160], text
        title = head
        origin = first_of_group.setdefault(r["group"], r["id"])
        a = Article(url=r["url"], outlet=urlsplit(r["url"]).hostname, domain=urlsplit(r["url"]).hostname,
                    title=title, text=body.strip() or text, language=r["lang"],
                    published=datetime.fromisoformat(day).replace(tzinfo=timezone.utc, hour=12),
                    event_id=r["event"], group_id=r["group"], is_originator=origin == r["id"],
                    copies_of=None if origin == r["id"] else origin)
        labels[a.id] = r["event"]
        out.append(a)
    return out, labels


def synthetic_vocabulary(dev_texts: list[str], size: int = 50_000, common: int = 150, seed: int = 5):
    """The dev texts' most common words (function words: every article has them) followed by
    `size` made-up words, with weights falling as 1/rank: the word statistics of news text
    without the dev set's content words (which would match the relevance queries)."""
    rnd = random.Random(seed)
    counts = Counter(w for t in dev_texts for w in re.findall(r"[a-z]+", t.lower()))
    words = [w for w, _ in counts.most_common(common)]
    letters = "etaoinshrdlucmfwypvbgk"
    while len(words) < common + size:
        w = "".join(rnd.choice(letters) for _ in range(rnd.randint(4, 10)))
        if w not in counts:
            words.append(w)
    weights = [1.0 / (rank + 1) for rank in range(len(words))]
    return words, weights


def synthetic_articles(n: int, vocabulary: tuple[list[str], list[float]], seed: int = 7):
    """`n` articles of 220 words drawn from the synthetic vocabulary, in events of 1-30 articles
    over the last 30 days."""
    from newsagg.core.schema import Article

    rnd = random.Random(seed)
    now = datetime.now(timezone.utc)
    words_, weights = vocabulary
    cum = list(itertools.accumulate(weights))
    out, event, left = [], None, 0
    for i in range(n):
        if left == 0:
            event, left = f"syn-ev-{i}", rnd.randint(1, 30)
            when = now - timedelta(hours=rnd.uniform(0, 720))
        left -= 1
        words = rnd.choices(words_, cum_weights=cum, k=220)
        out.append(Article(url=f"https://syn{i % 500}.example/a/{i}", outlet=f"syn{i % 500}", language="en",
                           title=" ".join(words[:8]).capitalize(), text=" ".join(words[8:]),
                           published=when + timedelta(minutes=rnd.uniform(0, 600)), event_id=event,
                           group_id=f"{event}-g{rnd.randint(0, 3)}"))
    return out


def majority_label(store, cluster_id: str, labels: dict[str, str]) -> str | None:
    story = store.story(cluster_id)
    if not story:
        return None
    counts = Counter(labels.get(a["id"]) for a in story["articles"])
    label, n = counts.most_common(1)[0]
    return label if n * 2 > len(story["articles"]) else None


def relevance(store, queries: list[dict], labels: dict[str, str]) -> dict:
    first = top3 = 0
    rr = 0.0
    misses = []
    for q in queries:
        results = store.search(q["query"], limit=10)
        ranks = [i for i, r in enumerate(results, 1) if majority_label(store, r["cluster_id"], labels) == q["event"]]
        rank = ranks[0] if ranks else None
        first += rank == 1
        top3 += bool(rank and rank <= 3)
        rr += 1.0 / rank if rank else 0.0
        if rank != 1:
            misses.append({"query": q["query"], "event": q["event"], "rank": rank,
                           "first": results[0]["cluster_id"] if results else None})
    n = len(queries)
    return {"queries": n, "first": round(first / n, 3), "top3": round(top3 / n, 3), "mrr": round(rr / n, 3),
            "misses": misses}


def latency(store, queries: list[str], repeat: int = 1) -> dict:
    times = []
    for _ in range(repeat):
        for q in queries:
            t = time.perf_counter()
            store.search(q, limit=10)
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"searches": len(times), "p50_ms": round(statistics.median(times), 1),
            "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 1)}


def fill(store, articles, batch: int = 2000, deadline: float = float("inf")) -> int:
    done = 0
    for i in range(0, len(articles), batch):
        if time.monotonic() > deadline:
            break
        chunk = articles[i:i + batch]
        assert store.upsert_articles(chunk) == []
        store.refresh_clusters({a.event_id for a in chunk if a.event_id})
        done += len(chunk)
    store.make_visible()
    return done


def open_store(kind: str, tmp: Path, es_url: str | None):
    from newsagg.core.settings import Settings
    from newsagg.runtime import open_search_store

    if kind == "sqlite":
        return open_search_store(Settings(data_dir=tmp / "sqlite"))
    return open_search_store(Settings(elasticsearch_url=es_url, index_prefix=f"bench{uuid.uuid4().hex[:8]}",
                              data_dir=tmp / "es", elasticsearch_timeout_s=120))


def run(kinds: list[str], articles: int, budget_s: float, latency_queries: int) -> dict:
    dev, labels = dev_articles()
    queries = [json.loads(line) for line in QUERIES.open(encoding="utf-8") if line.strip()]
    vocabulary = synthetic_vocabulary([a.text for a in dev])
    rnd = random.Random(11)
    lat_queries = [q["query"] for q in queries]
    content = vocabulary[0][150:]  # two content words, drawn as often as they occur
    lat_queries += [" ".join(rnd.choices(content, weights=vocabulary[1][150:], k=2))
                    for _ in range(max(0, latency_queries - len(lat_queries)))]
    report: dict = {"dev_articles": len(dev), "queries": len(queries), "stores": {}}
    emulator = None
    es_url = os.environ.get("ELASTICSEARCH_URL")
    if "elasticsearch" in kinds and not es_url:
        from tests.support.servers import ElasticsearchEmulator

        emulator = ElasticsearchEmulator().start()
        es_url = emulator.url
        report["elasticsearch"] = "noida-db (emulator)"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for kind in kinds:
                store = open_store(kind, Path(tmp), es_url)
                store.setup()
                fill(store, dev)
                out = {"relevance": relevance(store, queries, labels)}
                t = time.monotonic()
                extra = synthetic_articles(max(0, articles - len(dev)), vocabulary)
                indexed = len(dev) + fill(store, extra, deadline=time.monotonic() + budget_s)
                out["fill_s"] = round(time.monotonic() - t, 1)
                out["indexed_articles"] = store.count_articles()
                out["latency"] = latency(store, lat_queries)
                out["relevance_at_scale"] = {k: v for k, v in relevance(store, queries, labels).items() if k != "misses"}
                assert out["indexed_articles"] == indexed
                report["stores"][kind] = out
                store.drop()
                store.close()
    finally:
        if emulator:
            emulator.stop()
    return report


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stores", default="sqlite,elasticsearch", help="comma-separated: sqlite, elasticsearch")
    p.add_argument("--articles", type=int, default=100_000, help="articles indexed for the latency run")
    p.add_argument("--fill-budget", type=float, default=900.0, help="seconds allowed for filling each store")
    p.add_argument("--latency-queries", type=int, default=300, help="searches timed (the relevance queries first)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    args = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a bounded run (timeout) still stops noida-db
    report = run(args.stores.split(","), args.articles, args.fill_budget, args.latency_queries)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for kind, r in report["stores"].items():
        rel, lat = r["relevance"], r["latency"]
        print(f"{kind}: first {rel['first']}, top-3 {rel['top3']}, MRR {rel['mrr']} on {rel['queries']} queries; "
              f"{r['indexed_articles']} articles: p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms")
        for m in rel["misses"]:
            print(f"   miss: {m['query']!r} -> rank {m['rank']} (first: {m['first']}, wanted {m['event']})")


if __name__ == "__main__":
    main()
