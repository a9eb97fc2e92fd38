"""The embedded default (same tasks, in process), validation, back-off, dead-letter stores."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from newsagg.core.schema import Article
from newsagg.core.settings import get_settings
from newsagg.runtime import get_runtime
from newsagg.workers.deadletter import (
    DeadLetter,
)
from newsagg.workers.handoff import replay, submit_article
from newsagg.workers.pipeline import InvalidArticle, retry_delay, validate
from tests.support.synthetic import synthetic_articles


def _store():
    from newsagg.runtime import open_search_store

    return open_search_store(get_settings())


def test_embedded_submit_enriches_clusters_and_indexes_in_process():
    arts = synthetic_articles(16, seed=1, per_event=8)
    ids = [submit_article(a) for a in arts]
    store = _store()
    assert store.count_articles() == 16
    stored = [store.get_article(i) for i in ids]
    assert all(a.language == "en" and a.entities and a.summary and a.event_id for a in stored)
    # 2 events of 8 articles: the story engine put each event's articles together
    assert len({a.event_id for a in stored[:8]}) == 1 and stored[0].event_id != stored[8].event_id
    assert get_runtime().deadletters().count() == 0


def test_resubmitted_article_updates_in_place_and_changed_text_is_reprocessed():
    art = synthetic_articles(1, seed=2)[0]
    aid = submit_article(art)
    assert submit_article(dict(art)) == aid  # redelivery / re-crawl
    assert _store().count_articles() == 1
    changed = {**art, "text": art["text"] + "\n\nLater, Mayor Olivia Brennan of Glenbar announced an inquiry."}
    assert submit_article(changed) == aid
    stored = _store().get_article(aid)
    assert _store().count_articles() == 1
    assert "Olivia Brennan" in stored.entities["person"]
    assert stored.content_hash == Article.model_validate(changed).content_hash


def test_an_old_version_delivered_late_does_not_replace_the_newer_one():
    art = {**synthetic_articles(1, seed=3)[0], "fetched": "2026-11-20T08:00:00Z"}
    newer = {**art, "fetched": "2026-11-20T10:00:00Z",
             "text": art["text"] + "\n\nLater, Mayor Olivia Brennan of Glenbar announced an inquiry."}
    aid = submit_article(newer)
    assert submit_article(art) == aid  # the 08:00 fetch redelivered after the 10:00 one
    stored = _store().get_article(aid)
    assert stored.content_hash == Article.model_validate(newer).content_hash
    assert "Olivia Brennan" in stored.entities["person"]
    assert get_runtime().deadletters().count() == 0


def test_maintain_closes_quiet_stories_and_later_coverage_starts_a_new_one(monkeypatch):
    from newsagg.cli import main

    monkeypatch.setenv("NEWSAGG_CLUSTER_QUIET_HOURS", "0.001")  # the articles are hours old
    get_settings.cache_clear()
    arts = synthetic_articles(8, seed=4, per_event=8)  # one happening
    ids = [submit_article(a) for a in arts[:4]]
    story = _store().get_article(ids[0]).event_id
    result = CliRunner().invoke(main, ["maintain", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"closed": 1, "events": [story]}
    late = submit_article(arts[4])
    assert _store().get_article(late).event_id != story  # a closed story takes no new articles
    assert _store().story(story)["article_count"] == 4


@pytest.mark.parametrize("payload, reason", [
    ({"url": "https://x.example/a", "text": " \n "}, "empty text"),
    ({"url": "https://x.example/a", "text": 42}, "text: Input should be a valid string"),
    ({"url": "https://x.example/a", "text": "ok", "published": "next tuesday"}, "published:"),
    ({"url": "ftp://x.example/a", "text": "ok"}, "url must be http(s)"),
    (["not", "a", "dict"], "must be a JSON object"),
    ({"url": "https://x.example/a", "text": "x" * 3_000_000}, "larger than max_article_bytes"),
])
def test_bad_input_fails_fast_with_a_clear_reason_and_is_kept(payload, reason):
    with pytest.raises(InvalidArticle) as exc:
        validate(payload)
    assert reason in exc.value.reason
    aid = submit_article(payload)  # the crawler is not interrupted ...
    letter = get_runtime().deadletters().get(aid)  # ... and nothing is lost
    assert letter.reason == "invalid" and reason in letter.error and letter.payload == payload
    assert _store().count_articles() == 0


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    assert [retry_delay(r, 1.0, 100.0, 0.999) for r in range(4)] == pytest.approx([1, 2, 4, 8], rel=1e-2)
    assert [retry_delay(r, 1.0, 100.0, 0.0) for r in range(4)] == [0.5, 1, 2, 4]  # jitter floor: half
    assert retry_delay(30, 1.0, 60.0, 0.5) == 45.0


def _letter(aid="a1", step="index", error="boom"):
    return DeadLetter(article_id=aid, step=step, reason="retries-exhausted", error=error,
                      payload={"article": {"url": "https://x.example/a", "text": "t"}})


def test_cli_lists_and_replays_embedded_deadletters():
    from newsagg.cli import main

    bad = {"url": "https://x.example/late", "title": "Late", "text": ""}
    aid = submit_article(bad)
    out = CliRunner().invoke(main, ["deadletter", "list"])
    assert out.exit_code == 0 and aid in out.output and "empty text" in out.output
    # Fixing the cause here means fixing the payload in the store, then replaying it.
    store = get_runtime().deadletters()
    letter = store.get(aid)
    letter.payload = {**bad, "text": synthetic_articles(1, seed=5)[0]["text"]}
    store.remove(aid)
    store.add(letter)
    out = CliRunner().invoke(main, ["deadletter", "replay", "--all"])
    assert out.exit_code == 0 and "replayed 1, failed again 0" in out.output, out.output
    assert _store().get_article(aid).event_id and store.count() == 0
    out = CliRunner().invoke(main, ["deadletter", "replay", "nope"])
    assert out.exit_code == 1 and "not a dead letter: nope" in out.output


def test_unreachable_broker_is_a_clear_handoff_error_within_seconds(monkeypatch):
    import time

    from newsagg.workers.handoff import HandoffError
    from tests.support.servers import free_port

    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    get_settings.cache_clear()
    art = synthetic_articles(1, seed=8)[0]
    started = time.monotonic()
    with pytest.raises(HandoffError, match="did not take article .* nothing was queued"):
        submit_article(art)
    assert time.monotonic() - started < 20


def test_embedded_transient_failure_retries_in_process_then_dead_letters_and_replay_fixes(
        monkeypatch, elasticsearch_url, tmp_path):
    """The same tasks in process: Elasticsearch unreachable is retried with back-off,
    then dead-lettered; the crawl is not interrupted; replay works once the URL is right."""
    from newsagg.cli import main
    from newsagg.runtime import reset
    from tests.support.servers import free_port

    prefix = f"emb{free_port()}"
    for k, v in {"ELASTICSEARCH_URL": f"http://127.0.0.1:{free_port()}", "NEWSAGG_INDEX_PREFIX": prefix,
                 "NEWSAGG_TASK_MAX_RETRIES": "2", "NEWSAGG_RETRY_BACKOFF_S": "0.1"}.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    art = synthetic_articles(1, seed=10)[0]
    aid = submit_article(art)  # returns: the crawler goes on
    letter = get_runtime().deadletters().get(aid)
    assert (letter.reason, letter.attempts) == ("retries-exhausted", 3) and "unreachable" in letter.error
    monkeypatch.setenv("ELASTICSEARCH_URL", elasticsearch_url)
    get_settings.cache_clear()
    reset()
    out = CliRunner().invoke(main, ["deadletter", "replay", aid])
    assert "replayed 1, failed again 0" in out.output, out.output
    assert _store().get_article(aid).event_id and get_runtime().deadletters().count() == 0
    reset()


def test_embedded_pipeline_uses_the_settings_the_caller_passed(tmp_path):
    from newsagg.core.settings import Settings
    from newsagg.runtime import open_search_store

    mine = Settings(data_dir=tmp_path / "elsewhere")
    aid = submit_article(synthetic_articles(1, seed=14)[0], mine)
    assert open_search_store(mine).get_article(aid).event_id  # written where the caller said
    assert _store().count_articles() == 0  # not under the environment's data dir
    bad = submit_article({"url": "https://x.example/bad", "text": ""}, mine)
    from newsagg.workers.deadletter import SqliteDeadLetters

    assert SqliteDeadLetters(tmp_path / "elsewhere" / "deadletters.sqlite").get(bad) is not None


def test_a_dead_letter_is_settled_when_its_article_later_makes_it_through():
    url = "https://x.example/fixed-at-source"
    aid = submit_article({"url": url, "title": "Draft", "text": "   "})
    assert get_runtime().deadletters().get(aid) is not None
    assert replay().failed_again == [aid]  # same input, same failure
    assert get_runtime().deadletters().get(aid).failures == 2
    assert submit_article({**synthetic_articles(1, seed=15)[0], "url": url}) == aid  # re-crawled, now whole
    assert get_runtime().deadletters().get(aid) is None and _store().get_article(aid).event_id


def test_a_worker_process_settles_its_heap_after_its_first_assignment_while_an_embedded_run_leaves_it():
    # Collections that walked the engine's index and cached candidates stalled
    # assignments 10-120 ms (bench/README round 12); the caller's process is not ours.
    import gc

    from celery import signals

    from newsagg.workers import pipeline, tasks  # noqa: F401  (tasks connects the signal)

    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    arts = synthetic_articles(3, seed=7)
    try:
        submit_article(arts[0])  # embedded: in the caller's process
        assert gc.get_threshold() == thresholds and gc.get_freeze_count() == frozen
        signals.worker_process_init.send(sender=None)  # as Celery does in each new worker process
        submit_article(arts[1])
        assert gc.get_threshold() == pipeline.WARM_GC_THRESHOLDS and gc.get_freeze_count() > frozen
        gc.unfreeze()
        submit_article(arts[2])  # once per process
        assert gc.get_freeze_count() == 0
    finally:
        pipeline.warm_heap.wanted = False
        gc.unfreeze()
        gc.set_threshold(*thresholds)
