"""The clusters of the story engine of a checkout, dumped: to show that a change
(a refactor) leaves every copy group, event, storyline and Assignment as it was.

    git worktree add /tmp/engine-before 3d8ef6d
    python bench/engine_identity.py --tree /tmp/engine-before --out /tmp/before.json
    python bench/engine_identity.py --out /tmp/after.json --compare /tmp/before.json
    python bench/engine_identity.py --redis ...        # the engine's state in Redis

Streams ../shared/data/news-events-dev.jsonl (all rows), bench/data's
dated-events and dated-events-vi, each in file order and in `--shuffles` seeded
shuffled orders, and ../shared/data/ecbplus-events.jsonl in file order, through
a `StoryEngine` on a fresh state (as `newsagg.dedupe.eval.run_engine`, what
`newsagg eval clusters` runs) and writes {run: {article id: [copy group, event,
storyline]}} with, per run, a SHA-256 of every `Assignment` returned (repr of
all its fields, in order: a changed similarity or update list shows). With
`--tree`, `dedupe` comes from that checkout (inserted first in newsagg.__path__,
as bench/engine_ab.py does); `newsagg.core` stays this checkout's.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from tune_sets import TUNE_SETS  # bench/ is on sys.path: this script's folder; `--tune-sets`

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data"
SHUFFLED = {"dev": DATA / "news-events-dev.jsonl", "dated": HERE / "data" / "dated-events" / "dated-events.jsonl",
            "dated-vi": HERE / "data" / "dated-events-vi" / "events.jsonl"}


def runs(shuffles: int, tune_sets: bool = False) -> list[tuple[str, Path, int | None]]:
    out: list[tuple[str, Path, int | None]] = []
    for name, path in (TUNE_SETS if tune_sets else SHUFFLED).items():
        out += [(f"{name}-file-order", path, None)] + [(f"{name}-shuffle-{s}", path, s)
                                                         for s in range(1, shuffles + 1)]
    return out if tune_sets else out + [("ecbplus-file-order", DATA / "ecbplus-events.jsonl", None)]


def record(a, labels: dict[str, list], digest) -> None:
    """One Assignment into the run's record: its repr into the digest, the article's labels and
    those of every article it moved ({article id: [group, event, storyline]})."""
    digest.update(repr(a).encode())
    labels[a.article_id] = [a.group_id, a.event_id, a.storyline_id]
    for aid, fields in a.updates.items():
        old = labels.get(aid, [None, None, None])
        labels[aid] = [fields.get("group_id", old[0]), fields.get("event_id", old[1]),
                       fields.get("storyline_id", old[2])]


def synthetic_run(articles: int) -> tuple[dict[str, list], str]:
    """`bench_dedupe.bench_engine`'s stream (3,000 assigned, the index bulk-filled to
    `articles`, 1,500 timed), its clock fixed: the labels and Assignment digest of
    every assignment, as `run_labels` keeps them."""
    from datetime import datetime as real_datetime

    sys.path.insert(1, str(HERE))
    import bench_dedupe

    from newsagg.dedupe.engine import StoryEngine
    from newsagg.dedupe.minhash import Signer

    class FixedClock(real_datetime):
        @classmethod
        def now(cls, tz=None):
            return real_datetime(2026, 1, 1, 12, tzinfo=tz)

    bench_dedupe.datetime = FixedClock
    labels: dict[str, list] = {}
    digest = hashlib.sha256()
    assign = StoryEngine.assign

    def recorded(self, article):
        a = assign(self, article)
        record(a, labels, digest)
        return a

    StoryEngine.assign = recorded
    try:
        news = bench_dedupe.NewsCorpus(bench_dedupe.Corpus())
        key_sigs = news.key_signatures(articles, Signer(num_perm=128, seed=1))
        bench_dedupe.bench_engine(news, key_sigs, articles, warm=3000, count=500, rounds=3)
    finally:
        StoryEngine.assign = assign
    return labels, digest.hexdigest()


def run_labels(ev, rows: list[dict], redis_client=None) -> tuple[dict[str, list], str]:
    """{article id: [group, event, storyline]} at the end, and a digest of every Assignment."""
    from newsagg.dedupe.engine import StoryEngine
    from newsagg.dedupe.state import LocalState, RedisState

    arrival = datetime(2026, 1, 1, tzinfo=timezone.utc)  # fixed: no field may depend on the clock
    labels: dict[str, list] = {}
    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory(prefix="engine-identity-") as tmp:
        if redis_client is not None:
            redis_client.flushdb()
        engine = StoryEngine(RedisState(redis_client, prefix="identity") if redis_client is not None
                             else LocalState(tmp))
        try:
            for row in rows:
                record(engine.assign(ev.to_article(row, arrival)), labels, digest)
        finally:
            engine.close()
    return {r["id"]: labels[r["id"]] for r in rows}, digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, help="checkout whose dedupe/ is run (default: this one)")
    parser.add_argument("--shuffles", type=int, default=4)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--compare", type=Path, help="a dump to compare with: exit 1 when any label differs")
    parser.add_argument("--redis", action="store_true", help="the engine's state in Redis (a redis-server of its own)")
    parser.add_argument("--tune-sets", action="store_true",
                        help="the seven tune sets (their tune split), in file order and shuffled, instead of dev, "
                             "dated, dated-vi and ECB+")
    parser.add_argument("--synthetic", type=int, metavar="N",
                        help="also bench_dedupe's timed stream with N entries in the index")
    args = parser.parse_args()
    if args.tree:
        from checkout import use_engine_of  # bench/ is on sys.path: this script's folder

        use_engine_of(args.tree, module="newsagg.dedupe.eval")
    from newsagg.dedupe import eval as ev

    server = client = None
    if args.redis:
        import redis

        sys.path.insert(1, str(HERE.parent))
        from tests.support.servers import RedisServer

        server = RedisServer(appendonly=False).__enter__()
        client = redis.Redis.from_url(server.url)
    dump: dict[str, dict[str, list]] = {}
    digests: dict[str, str] = {}
    try:
        for name, path, seed in runs(args.shuffles, args.tune_sets):
            rows = ev.load_labelled(path)
            if args.tune_sets:
                rows = ev.select_split(rows, "tune")
            if seed is not None:
                random.Random(seed).shuffle(rows)
            dump[name], digests[name] = run_labels(ev, rows, client)
            print(f"{name}: {len(rows)} articles, {len({v[1] for v in dump[name].values()})} events, "
                  f"{len({v[0] for v in dump[name].values()})} groups", file=sys.stderr)
        if args.synthetic:
            name = f"synthetic-{args.synthetic}"
            dump[name], digests[name] = synthetic_run(args.synthetic)
            print(f"{name}: {len(dump[name])} articles", file=sys.stderr)
    finally:
        if server is not None:
            client.close()
            server.__exit__(None, None, None)
    args.out.write_text(json.dumps({"labels": dump, "assignments_sha256": digests}, sort_keys=True, indent=0))
    if args.compare:
        before = json.loads(args.compare.read_text())
        differ = {name: sum(before["labels"].get(name, {}).get(aid) != labels for aid, labels in run.items())
                  for name, run in dump.items()}
        digests_differ = sorted(n for n in digests if before["assignments_sha256"].get(n) != digests[n])
        same = not any(differ.values()) and not digests_differ and set(before["labels"]) == set(dump)
        print(json.dumps({"differing_articles": differ, "assignments_differ_in": digests_differ,
                          "identical": same}))
        if not same:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
