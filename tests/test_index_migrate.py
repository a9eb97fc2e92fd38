"""`newsagg index migrate` runs the reindex as a cluster task and follows it: the alias moves
only after a copy that completed without failures; a failure or a timeout is one line, and a
re-run follows the running copy or starts it over, never a second copy beside it.

noida-db (the tests' Elasticsearch) answers `_reindex?wait_for_completion=false` with a task
id but has no tasks API: these tests run against it behind tests.support.servers.TasksApiProxy
(which adds `_tasks/<id>` and the faults); the fault tests skip on a real cluster."""
from __future__ import annotations

import json
import threading

import pytest
from click.testing import CliRunner

from newsagg.cli import main
from newsagg.core.settings import get_settings
from newsagg.runtime import open_search_store
from tests.support.index_articles import index_all, storm_articles
from tests.test_search_cli import use_elasticsearch


def _migrate(*args: str):
    result = CliRunner().invoke(main, ["index", "migrate", "--force", *args])
    return result.exit_code, result.stdout, result.stderr


def _alias_indices(store) -> list[str]:
    return sorted(store.es.indices.get_alias(name=f"{store.prefix}-articles").body)


@pytest.fixture
def proxied(elasticsearch_tasks, monkeypatch):
    if elasticsearch_tasks.proxy is None:
        pytest.skip("faults are injected by the tasks-API proxy in front of noida-db")
    use_elasticsearch(monkeypatch, elasticsearch_tasks.url)
    assert CliRunner().invoke(main, ["index", "setup"]).exit_code == 0
    store = open_search_store(get_settings())
    index_all(store, storm_articles())
    yield elasticsearch_tasks.proxy, store
    store.drop()
    store.close()


def test_migrate_shows_progress_and_swaps_the_alias_once_the_task_completed(proxied):
    proxy, store = proxied
    code, out, err = _migrate()
    assert code == 0, err
    report = json.loads(out)
    assert report["articles"]["migrated"] and report["articles"]["copied"] == 4
    assert report["articles"]["task"].startswith("proxy:")
    assert "articles: copied 4/4 (100%) into" in err  # progress on stderr
    assert _alias_indices(store) == [f"{store.prefix}-articles-v3-000001"]
    # one copy per kind plus one catch-up each, never a retried POST starting a second one
    assert proxy.started == 6


def test_a_failed_copy_is_one_line_leaves_the_alias_and_a_rerun_completes_it(proxied):
    proxy, store = proxied
    before = _alias_indices(store)
    proxy.fail_next = [{"index": "x", "id": "a1", "status": 400,
                        "cause": {"type": "mapper_parsing_exception", "reason": "failed to parse field [published]"}}]
    code, out, err = _migrate()
    assert code == 1 and "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert line.startswith("Error: articles: the reindex into") and "failed for 1 document(s)" in line
    assert "mapper_parsing_exception" in line and "run `newsagg index migrate` again" in line
    assert _alias_indices(store) == before  # not swapped
    code, out, err = _migrate()  # the cause fixed: the same new index, copied again
    assert code == 0, err
    assert json.loads(out)["articles"]["index"] == f"{store.prefix}-articles-v3-000001"
    assert _alias_indices(store) == [f"{store.prefix}-articles-v3-000001"] and store.count_articles() == 4


def test_a_timeout_is_one_line_and_a_rerun_follows_the_same_copy(proxied):
    proxy, store = proxied
    before = _alias_indices(store)
    proxy.hold.clear()  # the copy takes long
    code, out, err = _migrate("--timeout", "2")
    assert code == 1 and "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert "still running after the timeout" in line and "task proxy:1" in line
    assert _alias_indices(store) == before and proxy.started == 1
    threading.Timer(1.0, proxy.hold.set).start()  # it finishes while the re-run follows it
    code, out, err = _migrate()
    assert code == 0, err
    assert json.loads(out)["articles"]["task"] == "proxy:1"  # followed, not started again
    assert _alias_indices(store) == [f"{store.prefix}-articles-v3-000001"] and store.count_articles() == 4


def test_a_copy_whose_task_is_gone_is_started_again_on_rerun(proxied):
    proxy, store = proxied
    proxy.hold.clear()
    code, _, err = _migrate("--timeout", "1")
    assert code == 1
    proxy.forget()  # the node that ran it restarted
    proxy.hold.set()
    code, out, err = _migrate()
    assert code == 0, err
    assert json.loads(out)["articles"]["task"] != "proxy:1" and store.count_articles() == 4
    assert _alias_indices(store) == [f"{store.prefix}-articles-v3-000001"]


def test_a_catch_up_that_failed_after_the_swap_is_finished_by_a_rerun(proxied):
    proxy, store = proxied
    calls = {"n": 0}
    run = proxy._run

    def fail_the_catch_up(task_id, path, body, headers):  # the articles' second copy (the catch-up) fails
        calls["n"] += 1
        if calls["n"] == 2:
            proxy.fail_next = [{"index": "x", "id": "a1", "status": 429,
                                "cause": {"type": "es_rejected_execution_exception", "reason": "queue full"}}]
        run(task_id, path, body, headers)

    proxy._run = fail_the_catch_up
    code, _, err = _migrate()
    assert code == 1 and "the alias already points at" in err.strip().splitlines()[-1]
    assert _alias_indices(store) == [f"{store.prefix}-articles-v3-000001"]  # swapped
    code, out, err = _migrate()  # --force again: finishes the catch-up, builds no v4
    assert code == 0, err
    report = json.loads(out)["articles"]
    assert report["migrated"] is False and report["caught_up"] == 0 and report["version"] == 3
    assert _alias_indices(store) == [f"{store.prefix}-articles-v3-000001"] and store.count_articles() == 4
