"""Real `celery worker` processes on a real redis-server: dead letters, retries, replay."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import urllib.request

import redis
from click.testing import CliRunner

from newsagg.core.settings import get_settings
from newsagg.demo.procs import WorkerCluster, wait_until
from newsagg.runtime import get_runtime
from tests.support.celery_env import ROOT
from tests.support.synthetic import synthetic_articles

# Test-only fault injection, loaded by the worker instead of the plain app: the index
# step of any article titled "POISON ..." fails like an unreachable search backend
# until the key test:fault-fixed exists in Redis; "HANG ..." never returns; "SLOW ..." takes 2 s.
FAULT_APP = textwrap.dedent('''
    import os
    import time
    import redis
    from newsagg.workers import app  # noqa: F401  (celery -A faultapp finds it)
    import newsagg.workers.tasks  # noqa: F401
    from newsagg.workers import pipeline

    _r = redis.Redis.from_url(os.environ["REDIS_URL"])
    _index = pipeline.STEP_FUNCTIONS["index"]

    def index_with_fault(payload, settings):
        if payload["article"]["title"].startswith("SLOW"):
            _r.incr("test:slow-started")
            time.sleep(2)  # long enough to be killed in the middle
        if payload["article"]["title"].startswith("HANG"):
            _r.incr("test:hang-attempts")
            time.sleep(3600)  # a backend that never answers
        if payload["article"]["title"].startswith("POISON") and not _r.exists("test:fault-fixed"):
            _r.incr("test:poison-attempts")
            raise ConnectionError("search backend refused the connection")
        return _index(payload, settings)

    pipeline.STEP_FUNCTIONS["index"] = index_with_fault
''')


def _store():
    from newsagg.runtime import open_search_store

    return open_search_store(get_settings())


def test_bad_input_is_deadlettered_with_its_reason_and_never_retried(distributed, tmp_path, redis_server):
    from newsagg.workers.handoff import submit_article
    from newsagg.workers.tasks import enrich

    r = redis.Redis.from_url(redis_server.url)
    # Through the hand-off: rejected before it reaches a queue.
    aid = submit_article({"url": "https://a.example/empty", "title": "Empty", "text": "   "})
    assert r.llen("enrich") == 0
    # Straight into the queue (another producer, an old message): the worker rejects it.
    enrich.apply_async(({"url": "https://a.example/types", "text": ["not", "text"]},))
    enrich.apply_async(({"url": "https://a.example/big", "text": "word " * 600_000},))
    with WorkerCluster(distributed, tmp_path / "logs", cwd=ROOT) as wc:
        wc.start("w1")
        dl = get_runtime().deadletters()
        wait_until(lambda: dl.count() == 3, 60, what="3 dead letters")
    letters = {d.url: d for d in dl.list()}
    assert letters["https://a.example/empty"].article_id == aid
    assert "empty text" in letters["https://a.example/empty"].error
    assert "text: Input should be a valid string" in letters["https://a.example/types"].error
    assert "larger than max_article_bytes" in letters["https://a.example/big"].error
    assert all(d.reason == "invalid" and d.attempts == 1 for d in letters.values())
    assert letters["https://a.example/big"].payload["text"].count("word") == 600_000  # nothing lost


def _fault_run(tmp_path, redis_url: str, title: str, n: int, seed: int, at: int):
    """Writes the fault app for the worker and submits n good articles with one titled
    `title` at position `at`; returns (redis client, all ids, the faulty one's id)."""
    from newsagg.workers.handoff import submit_article

    (tmp_path / "faultapp.py").write_text(FAULT_APP)
    good = synthetic_articles(n, seed=seed)
    bad = {**good[0], "url": f"https://fault.example/{seed}", "title": title}
    ids = [submit_article(a) for a in good[:at] + [bad] + good[at:]]
    return redis.Redis.from_url(redis_url), ids, ids[at]


def test_poison_article_is_deadlettered_after_retries_others_unaffected_and_replay_works(
        distributed, tmp_path, redis_server):
    from newsagg.cli import main
    from tests.support.servers import free_port

    r, ids, poison_id = _fault_run(tmp_path, redis_server.url, "POISON storm report", 30, seed=3, at=15)
    port = free_port()
    with WorkerCluster(distributed, tmp_path / "logs", app="faultapp", cwd=ROOT) as wc:
        wc.start("w1", env={"NEWSAGG_METRICS_PORT": str(port)})
        dl = get_runtime().deadletters()
        wc.wait_until(lambda: dl.count() == 1 and _store().count_articles() == 30, 90, what="30 indexed + 1 dead")
        letter = dl.list()[0]
        assert letter.article_id == poison_id == ids[15]
        assert (letter.step, letter.reason, letter.attempts) == ("index", "retries-exhausted", 4)
        assert "search backend refused" in letter.error
        assert int(r.get("test:poison-attempts")) == 4  # first try + 3 retries
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        assert 'newsagg_articles_deadlettered_total{reason="retries-exhausted",step="index"} 1.0' in metrics
        assert 'newsagg_articles_failed_total{kind="transient",step="index"} 4.0' in metrics
        assert 'newsagg_articles_processed_total{step="index"} 30.0' in metrics
        assert _store().get_article(ids[15]) is None
        assert all(_store().get_article(i) is not None for i in ids if i != ids[15])
        assert get_runtime().inflight().count() == 0  # indexed or dead-lettered: settled

        # Replay before the fix: fails again, back in the store.
        res = CliRunner().invoke(main, ["deadletter", "replay", "--all"])
        assert res.exit_code == 0, res.output
        wait_until(lambda: int(r.get("test:poison-attempts")) == 8 and dl.get(poison_id).failures == 2, 60,
                   what="second failure, counted on the same entry")

        r.set("test:fault-fixed", 1)
        res = CliRunner().invoke(main, ["deadletter", "replay", ids[15]])
        assert res.exit_code == 0 and "replayed 1" in res.output, res.output
        wait_until(lambda: _store().get_article(ids[15]) is not None, 60, what="poison indexed after replay")
    assert dl.count() == 0
    stored = _store().get_article(ids[15])
    assert stored.event_id and stored.entities  # enriched and clustered, not just written
    assert _store().count_articles() == 31


def test_articles_whose_messages_the_broker_lost_are_handed_in_again_by_maintenance(
        distributed, tmp_path, redis_server, monkeypatch):
    from newsagg.cli import main
    from newsagg.workers.handoff import submit_article

    ids = [submit_article(a) for a in synthetic_articles(6, seed=23)]
    r = redis.Redis.from_url(redis_server.url)
    assert r.llen("enrich") == 6
    r.rpop("enrich", 2)  # two messages lost on their way to a worker
    ledger = get_runtime().inflight()
    with WorkerCluster(distributed, tmp_path / "logs", cwd=ROOT) as wc:
        wc.start("w1")
        wait_until(lambda: _store().count_articles() == 4 and ledger.count() == 2, 60, what="4 indexed, 2 in flight")
        result = CliRunner().invoke(main, ["maintain"])  # within the grace: nothing is handed in again
        assert result.exit_code == 0 and ledger.count() == 2 and r.llen("enrich") == 0
        monkeypatch.setenv("NEWSAGG_INFLIGHT_LOST_GRACE_S", "0")  # in no queue, not unacknowledged: lost
        get_settings.cache_clear()
        result = CliRunner().invoke(main, ["maintain"])
        assert result.exit_code == 0, result.output
        wc.wait_until(lambda: _store().count_articles() == 6 and ledger.count() == 0, 60, what="all 6 indexed")
    assert all(_store().get_article(i) is not None for i in ids)


def test_a_prefork_worker_reports_what_its_child_processes_did(distributed, tmp_path, redis_server):
    from newsagg.workers.handoff import submit_article
    from tests.support.servers import free_port

    port = free_port()
    env = {"NEWSAGG_METRICS_PORT": str(port), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    (tmp_path / "metrics").mkdir()  # what `newsagg worker -P prefork` sets up
    with WorkerCluster(distributed, tmp_path / "logs", cwd=ROOT) as wc:
        wc.start("w1", pool="prefork", concurrency=2, env=env)
        for a in synthetic_articles(24, seed=21):
            submit_article(a)
        wc.wait_until(lambda: _store().count_articles() == 24, 90, what="24 indexed")

        def metrics() -> str:
            return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()

        def all_counted() -> bool:
            body = metrics()
            return all(f'newsagg_articles_processed_total{{step="{step}"}} 24.0' in body
                       for step in ("enrich", "assign", "index"))

        # a step's counter moves just after its write: the last article's may still be on its way
        try:
            wait_until(all_counted, 30, what="every step counted 24")
        except TimeoutError:
            raise AssertionError(metrics()[:2000]) from None
        body = metrics()
        # each message was noted as received by the main process and the note dropped when a
        # child started its step: nothing left to put back in a queue if this worker dies now
        assert redis.Redis.from_url(redis_server.url).hlen(get_runtime().inflight().reserved) == 0
    assert 'newsagg_step_latency_seconds_count{step="assign"} 24.0' in body
    assert "newsagg_queue_depth" in body


def test_flower_follows_the_workers_and_every_pipeline_log_line_names_its_article(
        distributed, tmp_path, redis_server):
    from newsagg.demo.procs import stop_worker
    from newsagg.workers.handoff import submit_article
    from tests.support.servers import free_port, wait_for_port

    port = free_port()
    flower_log = open(tmp_path / "flower.log", "wb")
    flower = subprocess.Popen([sys.executable, "-m", "celery", "-A", "workers", "flower", f"--port={port}",
                               "--address=127.0.0.1"], env={**os.environ, **distributed}, cwd=ROOT,
                              stdout=flower_log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_port(port, 60)
        with WorkerCluster({**distributed, "NEWSAGG_LOG_LEVEL": "DEBUG"}, tmp_path / "logs", cwd=ROOT) as wc:
            wc.start("w1")
            ids = [submit_article(a) for a in synthetic_articles(5, seed=9)]
            wait_until(lambda: _store().count_articles() == 5, 60, what="5 indexed")

            def flower_saw_them():
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
                return [line for line in body.splitlines() if line.startswith("flower_events_total")
                        and 'task="newsagg.index"' in line and 'type="task-succeeded"' in line
                        and float(line.rsplit(" ", 1)[1]) >= 5]
            wait_until(flower_saw_them, 30, 0.5, "flower counted the index tasks")
        ours = [json.loads(line) for line in wc.logs(None).splitlines()
                if line.startswith("{") and '"logger": "newsagg.workers.' in line]
    finally:
        stop_worker(flower)
        flower_log.close()
    assert ours and all(rec.get("article_id") in ids for rec in ours), ours[:3]


def test_unreachable_elasticsearch_retries_then_deadletters_and_replay_indexes_once_fixed(
        distributed, tmp_path, elasticsearch_url):
    from newsagg.cli import main
    from newsagg.workers.handoff import submit_article
    from tests.support.servers import free_port

    prefix = f"wk{os.getpid()}{free_port()}"
    wrong = {**distributed, "ELASTICSEARCH_URL": f"http://127.0.0.1:{free_port()}", "NEWSAGG_INDEX_PREFIX": prefix}
    fixed = {**wrong, "ELASTICSEARCH_URL": elasticsearch_url}
    ids = [submit_article(a) for a in synthetic_articles(3, seed=4)]
    dl = get_runtime().deadletters()
    with WorkerCluster(wrong, tmp_path / "logs-wrong", cwd=ROOT) as wc:
        wc.start("w1")
        wc.wait_until(lambda: dl.count() == 3, 90, 0.3, "3 dead letters")
    assert {d.article_id for d in dl.list()} == set(ids)
    assert all(d.reason == "retries-exhausted" and d.attempts == 4 and "unreachable" in d.error for d in dl.list())
    # The operator fixes ELASTICSEARCH_URL, restarts the workers and replays.
    with WorkerCluster(fixed, tmp_path / "logs-fixed", cwd=ROOT) as wc:
        wc.start("w2")
        res = CliRunner().invoke(main, ["deadletter", "replay", "--all"])
        assert "replayed 3" in res.output, res.output
        from newsagg.core.settings import Settings
        from newsagg.runtime import open_search_store

        es = open_search_store(Settings(elasticsearch_url=elasticsearch_url, index_prefix=prefix, data_dir=tmp_path / "es"))
        es.setup()
        wait_until(lambda: es.count_articles() == 3, 60, 0.5, "3 articles in Elasticsearch")
    assert dl.count() == 0 and all(es.get_article(i).event_id for i in ids)


def test_a_hung_step_is_timed_out_retried_and_deadlettered_without_blocking_the_worker(
        distributed, tmp_path, redis_server):
    r, ids, hang_id = _fault_run(tmp_path, redis_server.url, "HANG report", 6, seed=6, at=0)
    env = {**distributed, "NEWSAGG_TASK_TIME_LIMIT_S": "1"}
    with WorkerCluster(env, tmp_path / "logs", app="faultapp", cwd=ROOT) as wc:
        wc.start("w1")  # one worker: a hang it could not escape would stall everything
        dl = get_runtime().deadletters()
        wc.wait_until(lambda: dl.count() == 1 and _store().count_articles() == 6, 60, 0.3, "6 indexed + 1 dead")
    letter = dl.get(hang_id)
    assert letter.reason == "retries-exhausted" and "task_time_limit_s=1" in letter.error
    assert int(r.get("test:hang-attempts")) == 4


def test_newsagg_worker_command_runs_the_pipeline_and_refuses_bad_setups(distributed, tmp_path, monkeypatch):
    from newsagg.cli import main
    from newsagg.demo.procs import stop_worker
    from newsagg.workers.handoff import submit_article

    res = CliRunner().invoke(main, ["worker", "-Q", "enrich,nonsense"])
    assert res.exit_code != 0 and "unknown queue(s) nonsense" in res.output
    ids = [submit_article(a) for a in synthetic_articles(3, seed=16)]
    log = open(tmp_path / "worker.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "newsagg.cli", "worker", "-n", "cli@%h"], env={**os.environ},
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until(lambda: all(_store().get_article(i) for i in ids), 60, 0.3, "3 indexed by `newsagg worker`")
    finally:
        stop_worker(proc)
        log.close()
    monkeypatch.delenv("REDIS_URL")
    get_settings.cache_clear()
    res = CliRunner().invoke(main, ["worker"])
    assert res.exit_code != 0 and "a worker needs a broker: set REDIS_URL" in res.output


def test_a_task_lost_with_its_worker_is_redelivered_to_another(distributed, tmp_path, redis_server):
    r, ids, slow_id = _fault_run(tmp_path, redis_server.url, "SLOW report", 4, seed=17, at=2)
    with WorkerCluster(distributed, tmp_path / "logs", app="faultapp", cwd=ROOT) as wc:
        wc.start("w1")
        wait_until(lambda: r.get("test:slow-started"), 60, 0.05, "w1 inside the slow step")
        wc.kill("w1")  # kill -9 in the middle of the task: never acknowledged
        wc.start("w2")
        wc.wait_until(lambda: all(_store().get_article(i) for i in ids), 60, 0.3, "all 5 indexed by w2")
    assert int(r.get("test:slow-started")) == 2  # the lost run, then the redelivered one
    assert _store().count_articles() == 5 and get_runtime().deadletters().count() == 0
