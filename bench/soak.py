"""Soak: the distributed pipeline takes N articles through 2 real `celery worker` processes
while one of them is killed with kill -9 every S seconds (and restarted, as a supervisor
would) and its own redis-server (append-only file on) is restarted K times. Part of the
articles come again in a newer version (fetched later, text changed), and their old
version once more after that (a late redelivery).

Afterwards: every article is in the store exactly once, none is lost, none is older than
its newest version, nothing is dead-lettered; and the longest assignment stall: the longest
time the story engine assigned nothing while articles waited for assignment.

    python bench/soak.py --json                                   # 2,000 articles, kill every 30 s, 2 restarts
    # default visibility timeout (1 h), lost-message grace (60 s) and last resort (30 min) unless given
    python bench/soak.py --articles 20000 --kill-every 120 --redis-restarts 2 --json   # the issue's soak

A benchmark, not a unit test: bounded by --timeout (default 1 h).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENV_KEYS = ("REDIS_URL", "NEWSAGG_REDIS_URL", "ELASTICSEARCH_URL", "NEWSAGG_ELASTICSEARCH_URL")
ENGINE_VERSION_KEY = "newsagg:story:version"  # incremented by every assignment (dedupe.state.RedisState)


class StallMeter(threading.Thread):
    """Samples the engine's version counter and the assign queue every `interval`: a stall is
    a stretch with articles waiting for assignment and no assignment made."""

    def __init__(self, url: str, interval: float = 0.02):
        super().__init__(daemon=True, name="stall-meter")
        import redis

        self.r = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.interval = interval
        self.stopping = threading.Event()
        self.redis_down = threading.Event()  # set by the driver around a restart
        self.longest = 0.0  # Redis up
        self.longest_with_restarts = 0.0
        self.longest_at: float | None = None
        self.t0 = time.monotonic()

    def run(self) -> None:
        last_version, since, since_up = None, time.monotonic(), time.monotonic()
        while not self.stopping.wait(self.interval):
            now = time.monotonic()
            try:
                with self.r.pipeline(transaction=False) as p:
                    p.get(ENGINE_VERSION_KEY).llen("assign")
                    version, waiting = p.execute()
            except Exception:  # Redis restarting
                version, waiting = last_version, 1
            if version != last_version or not waiting:
                last_version, since, since_up = version, now, now
                continue
            if self.redis_down.is_set():
                since_up = now  # a restart's window counts only in longest_with_restarts
            self.longest_with_restarts = max(self.longest_with_restarts, now - since)
            if now - since_up > self.longest:
                self.longest, self.longest_at = now - since_up, round(now - self.t0, 1)


def _environment(data_dir: Path, redis_url: str, args) -> dict[str, str]:
    from newsagg.core.settings import get_settings

    for k in ENV_KEYS:
        os.environ.pop(k, None)
    env = {"REDIS_URL": redis_url, "NEWSAGG_DATA_DIR": str(data_dir), "NEWSAGG_METRICS_PORT": "0",
           "NEWSAGG_LOG_LEVEL": "WARNING", "NEWSAGG_TASK_MAX_RETRIES": "10",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    for key, value in (("NEWSAGG_VISIBILITY_TIMEOUT_S", args.visibility_timeout),
                       ("NEWSAGG_INFLIGHT_RESUBMIT_S", args.resubmit_after),
                       ("NEWSAGG_INFLIGHT_LOST_GRACE_S", args.lost_grace)):
        os.environ.pop(key, None)
        if value is not None:  # else the default a deployment runs with
            env[key] = str(value)
    os.environ.update(env)
    get_settings.cache_clear()
    return env


def _new_version(article: dict, rng: random.Random) -> dict:
    """The same page fetched an hour later, its text updated."""
    fetched = datetime.fromisoformat(article["fetched"]) + timedelta(hours=1)
    return {**article, "title": article["title"] + " (updated)",
            "text": article["text"] + f"\n\nUpdate: officials gave a new figure of {rng.randint(10, 999)}.",
            "fetched": fetched.isoformat(), "content_hash": ""}


def soak(args) -> dict:
    from newsagg.core.schema import Article
    from newsagg.core.settings import get_settings
    from newsagg.demo.procs import WorkerCluster, wait_ready
    from newsagg.runtime import get_runtime, open_search_store
    from newsagg.runtime import reset as reset_runtime
    from newsagg.workers.app import app, configure
    from newsagg.workers.handoff import resubmit_stale, submit_article
    from tests.support.servers import RedisServer
    from tests.support.synthetic import synthetic_articles

    rng = random.Random(args.seed)
    base = synthetic_articles(args.articles, seed=args.seed)
    fetched = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()
    for a in base:  # fetched a day ago, fixed: a resubmitted old version stays old; the updates are newer
        a["fetched"] = fetched
    ids = [Article.model_validate(a).id for a in base]
    updated_idx = rng.sample(range(len(base)), int(len(base) * args.updates))
    newer = {ids[i]: _new_version(base[i], rng) for i in updated_idx}
    newest_hash = {aid: Article.model_validate(a).content_hash for aid, a in newer.items()}
    events: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="newsagg-soak-") as tmp, RedisServer(appendonly=True) as server:
        tmp = Path(tmp)
        env = _environment(tmp / "data", server.url, args)
        settings = get_settings()
        configure(settings)
        meter = StallMeter(server.url)
        with WorkerCluster(env, tmp / "logs", cwd=str(ROOT)) as wc:
            names = [f"soak{i}" for i in range(args.workers)]
            for n in names:
                wc.start(n)
            wait_ready(app, names, timeout=120)
            t0 = time.monotonic()
            meter.t0 = t0
            meter.start()
            for a in base:
                submit_article(a, settings)
            submitted_s = time.monotonic() - t0
            store = open_search_store(settings)
            phase, restarts, kills, resubmitted = 0, 0, 0, 0
            next_kill, next_resubmit = t0 + args.kill_every, t0 + 10
            deadline = t0 + args.timeout
            finished = False
            while time.monotonic() < deadline:
                now = time.monotonic()
                try:
                    indexed = store.count_articles()
                except Exception:
                    indexed = 0
                done_share = indexed / len(base)
                if phase == 0 and done_share >= 0.4:  # newer versions of some articles arrive
                    for a in newer.values():
                        _submit(submit_article, a, settings)
                    phase = 1
                    events.append({"t": round(now - t0, 1), "event": f"{len(newer)} newer versions submitted"})
                elif phase == 1 and done_share >= 0.6:  # and their old versions once more, late
                    for i in updated_idx:
                        _submit(submit_article, base[i], settings)
                    phase = 2
                    events.append({"t": round(now - t0, 1), "event": f"{len(newer)} old versions resubmitted"})
                if restarts < args.redis_restarts and done_share >= (restarts + 1) / (args.redis_restarts + 1):
                    meter.redis_down.set()
                    server.restart(down_seconds=1.0)
                    meter.redis_down.clear()
                    reset_runtime()  # the driver's own clients reconnect
                    store = open_search_store(settings)
                    restarts += 1
                    events.append({"t": round(now - t0, 1), "event": "redis restarted", "indexed": indexed})
                if args.kill_every and now >= next_kill:
                    victim = names[kills % len(names)]
                    wc.kill(victim)  # kill -9 of its process group
                    wc.start(victim)  # its supervisor starts it again
                    kills += 1
                    next_kill = now + args.kill_every
                    events.append({"t": round(now - t0, 1), "event": f"kill -9 {victim}", "indexed": indexed})
                if now >= next_resubmit:  # what beat's maintenance does
                    try:
                        resubmitted += resubmit_stale(settings)
                    except Exception as exc:
                        events.append({"t": round(now - t0, 1), "event": f"resubmit failed: {exc}"})
                    next_resubmit = now + 10
                if phase == 2 and indexed >= len(base) and _settled(get_runtime(settings), store, newest_hash):
                    finished = True
                    break
                time.sleep(1.0)
            elapsed = time.monotonic() - t0
            meter.stopping.set()
            meter.join()
            result = _check(store, ids, newest_hash, get_runtime(settings))
            logs = wc.logs(2000) if not finished else ""
            full_logs = wc.logs(None)
    return {"articles": args.articles, "newer_versions": len(newer), "workers": args.workers,
            "kill_every_s": args.kill_every, "kills": kills, "redis_restarts": restarts,
            "visibility_timeout_s": settings.visibility_timeout_s, "inflight_resubmit_s": settings.inflight_resubmit_s,
            "lost_grace_s": settings.inflight_lost_grace_s,
            "handed_in_again_by_maintenance": resubmitted,
            "handed_in_again_by_watchdog_worker_died": full_logs.count("its worker stopped in the middle of a step"),
            "handed_in_again_by_watchdog_message_lost": full_logs.count("its message was lost"),
            "finished": finished, "seconds": round(elapsed, 1), "submit_seconds": round(submitted_s, 1),
            "articles_per_s": round(args.articles / elapsed, 1),
            "longest_assignment_stall_s": round(meter.longest, 2), "longest_stall_at_s": meter.longest_at,
            "longest_assignment_stall_incl_redis_restarts_s": round(meter.longest_with_restarts, 2),
            **result, "events": events, **({"worker_logs_tail": logs} if logs else {})}


def _submit(submit_article, article: dict, settings) -> None:
    for attempt in range(30):  # the broker may be restarting
        try:
            submit_article(article, settings)
            return
        except Exception:
            time.sleep(1)
    raise RuntimeError(f"could not submit {article['url']}")


def _settled(rt, store, newest_hash: dict[str, str]) -> bool:
    try:
        if rt.inflight().count():
            return False
        return all((a := store.get_article(aid)) is not None and a.content_hash == h for aid, h in newest_hash.items())
    except Exception:
        return False


def _check(store, ids: list[str], newest_hash: dict[str, str], rt) -> dict:
    stored = {aid: store.get_article(aid) for aid in ids}
    lost = [aid for aid, a in stored.items() if a is None]
    older = [aid for aid, h in newest_hash.items() if stored[aid] is not None and stored[aid].content_hash != h]
    unassigned = [aid for aid, a in stored.items() if a is not None and not (a.event_id and a.group_id)]
    return {"in_store": store.count_articles(), "unique_ids": len(set(ids)),
            "duplicates": store.count_articles() - len({aid for aid, a in stored.items() if a is not None}),
            "lost": len(lost), "older_than_newest": len(older), "unassigned": len(unassigned),
            "deadlettered": rt.deadletters().count(), "still_in_flight": rt.inflight().count(),
            "lost_ids": lost[:10], "older_ids": older[:10]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--kill-every", type=float, default=30.0, help="seconds between kill -9 of a worker (0: none)")
    ap.add_argument("--redis-restarts", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--updates", type=float, default=0.1, help="share of articles that come again, newer")
    ap.add_argument("--visibility-timeout", type=int, default=None,
                    help="NEWSAGG_VISIBILITY_TIMEOUT_S of the workers (default: the setting's, 1 h)")
    ap.add_argument("--resubmit-after", type=float, default=None,
                    help="NEWSAGG_INFLIGHT_RESUBMIT_S, the last resort (default: the setting's, 30 min)")
    ap.add_argument("--lost-grace", type=float, default=None,
                    help="NEWSAGG_INFLIGHT_LOST_GRACE_S (default: the setting's, 60 s)")
    ap.add_argument("--timeout", type=float, default=3600.0)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = soak(args)
    ok = (result["finished"] and not result["lost"] and not result["older_than_newest"] and not result["duplicates"]
          and not result["deadlettered"])
    result["ok"] = ok
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{'OK' if ok else 'FAILED'}: {result['in_store']}/{result['unique_ids']} stored, lost {result['lost']}, "
              f"older {result['older_than_newest']}, dead letters {result['deadlettered']}, "
              f"longest assignment stall {result['longest_assignment_stall_s']} s, {result['seconds']} s")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
