"""Poison messages: input no step can handle is dead-lettered with its reason and never
stops a worker (real redis-server, real `celery worker` processes, the real CLI)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from newsagg.core.settings import get_settings
from newsagg.demo.procs import WorkerCluster, wait_until
from newsagg.runtime import get_runtime
from tests.support.celery_env import ROOT
from tests.support.synthetic import synthetic_articles

SURROGATE_URL = "https://poison.example/\udcff"


def _store():
    from newsagg.runtime import open_search_store

    return open_search_store(get_settings())


def test_lone_surrogate_messages_are_deadlettered_and_the_worker_keeps_going(distributed, tmp_path):
    from newsagg.cli import main
    from newsagg.workers.tasks import enrich

    good = synthetic_articles(6, seed=11)
    # Straight into the queue (another producer, an old message): handed in before good ones.
    enrich.apply_async(({**good[0], "url": SURROGATE_URL, "canonical_url": ""},))
    enrich.apply_async(({**good[1], "url": "https://poison.example/text", "title": "Storm \ud83c"},))
    for a in good[2:]:
        enrich.apply_async((a,))
    with WorkerCluster(distributed, tmp_path / "logs", cwd=ROOT) as wc:
        proc = wc.start("w1")
        dl = get_runtime().deadletters()
        wc.wait_until(lambda: dl.count() == 2 and _store().count_articles() == 4, 90,
                      what="2 dead letters and 4 indexed")
        assert proc.poll() is None, wc.logs()  # the worker is alive and took the rest
        logs = wc.logs(None)
    assert "Unrecoverable error" not in logs and "Logging error" not in logs, logs
    letters = {d.step + ":" + d.error[:40]: d for d in dl.list()}
    assert all(d.reason == "invalid" for d in letters.values()), letters
    errors = " | ".join(d.error for d in dl.list())
    assert "url: holds a lone surrogate" in errors and "title: holds a lone surrogate" in errors, errors

    # `deadletter list` and `show` print them, escaped: valid UTF-8 on any terminal.
    runner = CliRunner()
    listed = runner.invoke(main, ["deadletter", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.output.splitlines() if line.startswith("{")]
    poison = next(r for r in rows if "url: holds a lone surrogate" in r["error"])
    shown = runner.invoke(main, ["deadletter", "show", poison["article_id"]])
    assert shown.exit_code == 0, shown.output
    shown.output.encode("utf-8")  # no lone surrogate reaches the terminal
    assert "\\udcff" in shown.output
    assert json.loads(shown.output)["payload"]["url"] == SURROGATE_URL  # the payload is kept as it came


def test_submit_article_with_a_lone_surrogate_deadletters_it(tmp_path):
    from newsagg.workers.handoff import submit_article

    good = synthetic_articles(2, seed=5)
    aid_url = submit_article({**good[0], "url": SURROGATE_URL})
    aid_text = submit_article({**good[1], "text": good[1]["text"] + " Storm \ud83c"})
    dl = get_runtime().deadletters()
    assert dl.count() == 2
    assert "url: holds a lone surrogate" in dl.get(aid_url).error
    assert "text: holds a lone surrogate" in dl.get(aid_text).error
    assert _store().count_articles() == 0


@pytest.mark.parametrize("bad_id", ["../../etc/passwd", "", " ", "A" * 500, "x/y"])
def test_article_ids_from_payloads_are_validated(bad_id, tmp_path):
    from newsagg.workers.handoff import submit_article

    payload = {**synthetic_articles(1, seed=7)[0], "id": bad_id}
    aid = submit_article(payload)
    if not bad_id.strip():  # blank id: computed from the canonical URL, as if left out
        assert _store().get_article(aid) is not None
        return
    assert aid != bad_id and "/" not in aid
    letter = get_runtime().deadletters().get(aid)
    assert letter is not None and letter.reason == "invalid"
    assert "not an article id" in letter.error
    assert _store().count_articles() == 0
    assert not (tmp_path / "etc").exists()


def test_blank_canonical_url_is_rejected_not_hashed_to_one_shared_id(tmp_path):
    from newsagg.workers.handoff import submit_article

    one, two = synthetic_articles(2, seed=9)
    ids = {submit_article({**one, "canonical_url": "   "}), submit_article({**two, "canonical_url": " \t"})}
    assert len(ids) == 2  # not one shared id for all blank canonical URLs
    letters = get_runtime().deadletters().list()
    assert len(letters) == 2 and all("canonical_url is blank" in d.error for d in letters)
    assert _store().count_articles() == 0


# A worker app for the kill test: the first attempt of an article titled "KILLME" stops in the
# middle of its enrich step (long enough to be killed there); later attempts run normally.
KILL_APP = '''
import os
import time
import redis
from newsagg.workers import app  # noqa: F401  (celery -A killapp finds it)
import newsagg.workers.tasks  # noqa: F401
from newsagg.workers import pipeline

_r = redis.Redis.from_url(os.environ["REDIS_URL"])
_enrich = pipeline.STEP_FUNCTIONS["enrich"]

def enrich_slow_once(payload, settings):
    if payload.get("title", "").startswith("KILLME") and _r.incr("test:killme") == 1:
        time.sleep(600)
    return _enrich(payload, settings)

pipeline.STEP_FUNCTIONS["enrich"] = enrich_slow_once
'''


@pytest.mark.timeout(240)
def test_article_of_a_worker_killed_mid_step_is_processed_again_within_two_minutes(distributed, tmp_path):
    """Default redelivery settings (visibility timeout an hour, ledger resubmission 30 min):
    only the workers' watchdog can bring the article back in time."""
    import time

    import redis

    from newsagg.workers.handoff import submit_article
    from newsagg.workers.inflight import InFlight

    (tmp_path / "killapp.py").write_text(KILL_APP)
    env = {**distributed, "NEWSAGG_VISIBILITY_TIMEOUT_S": "3600", "NEWSAGG_INFLIGHT_RESUBMIT_S": "1800"}
    for key in ("NEWSAGG_WORKER_HEARTBEAT_S",):
        env.pop(key, None)  # the default
    r = redis.Redis.from_url(distributed["REDIS_URL"])
    article = {**synthetic_articles(1, seed=31)[0], "title": "KILLME harbour storm"}
    with WorkerCluster(env, tmp_path / "logs", app="killapp", cwd=ROOT) as wc:
        wc.start("w1")
        aid = submit_article(article)
        wait_until(lambda: r.get("test:killme"), 60, what="w1 in the middle of the step")
        wc.kill("w1")  # kill -9 of the whole process group
        killed = time.monotonic()
        wc.start("w1")  # restarted under the same name (docker restart): its id is new
        store = _store()
        wc.wait_until(lambda: store.get_article(aid) is not None, 120, interval=0.5,
                      what="the killed worker's article indexed")
        took = time.monotonic() - killed
        assert InFlight(r).count() == 0  # settled
    assert took < 120, took
    assert store.count_articles() == 1  # once in the store
    print(f"article of a kill -9'd worker indexed {took:.1f} s after the kill")
