"""Secrets never reach output or logs; worker logs stay quiet about task arguments."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from newsagg.core.services import mask_url
from newsagg.demo.procs import WorkerCluster
from tests.conftest import _use
from tests.support.celery_env import ROOT
from tests.support.servers import RedisServer
from tests.support.synthetic import synthetic_articles

SECRETS = {"REDIS_URL": "redis://:s3cr3t-redis-pw@127.0.0.1:9/0",
           "ELASTICSEARCH_URL": "https://elastic:s3cr3t-es-pw@127.0.0.1:9,https://elastic:s3cr3t-es-pw@127.0.0.2:9",
           "ELASTICSEARCH_API_KEY": "s3cr3t-api-key", "ELASTICSEARCH_PASSWORD": "s3cr3t-basic-pw",
           "KIBANA_URL": "https://kib:s3cr3t-kibana-pw@127.0.0.1:9?api_key=s3cr3t-query-key"}


def _newsagg(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsagg.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("form", [[], ["--json"], ["--markdown"]])
def test_config_never_prints_a_password_or_key(form):
    out = _newsagg("config", *form, env=SECRETS)
    assert out.returncode == 0, out.stderr
    assert "s3cr3t" not in out.stdout + out.stderr
    if not form:
        assert "redis://:***@127.0.0.1:9/0" in out.stdout  # the operator still sees which server
        assert "https://elastic:***@127.0.0.1:9,https://elastic:***@127.0.0.2:9" in out.stdout
    if form == ["--json"]:
        values = {r["setting"]: r["value"] for r in json.loads(out.stdout)}
        assert values["elasticsearch_api_key"] == "***" and values["kibana_url"].endswith("api_key=***")


def test_mask_url_keeps_the_user_and_host_and_hides_the_password():
    assert mask_url("redis://user:pw@h:6379/0") == "redis://user:***@h:6379/0"
    assert mask_url("redis://pwonly@h/0") == "redis://***@h/0"  # redis-py reads a lone userinfo as the password
    assert mask_url("https://es:9200") == "https://es:9200"


def test_errors_of_an_unreachable_server_do_not_print_its_password():
    for args in (["deadletter", "list"], ["maintain"]):
        out = _newsagg(*args, env=SECRETS)
        assert "s3cr3t" not in out.stdout + out.stderr, (args, out.stdout + out.stderr)


@pytest.mark.timeout(120)
def test_worker_logs_carry_neither_the_password_nor_the_article_text(tmp_path, monkeypatch):
    from newsagg.runtime import get_runtime
    from newsagg.workers.handoff import submit_article

    with RedisServer(appendonly=False, password="s3cr3t-redis-pw") as redis_server:
        env = _use(redis_server.url, tmp_path, monkeypatch)
        env["NEWSAGG_LOG_LEVEL"] = "INFO"  # what an operator runs with
        articles = synthetic_articles(3, seed=21)
        text_marker = articles[0]["text"][200:260]
        with WorkerCluster(env, tmp_path / "logs", cwd=ROOT) as wc:
            wc.start("w1")
            for a in articles:
                submit_article(a)
            submit_article({**articles[0], "url": "https://bad.example/1", "text": "  "})  # a dead letter too
            from newsagg.runtime import open_search_store

            store = open_search_store()
            wc.wait_until(lambda: store.count_articles() == 3 and get_runtime().deadletters().count() == 1, 60,
                          what="3 indexed, 1 dead letter")
            logs = wc.logs(None)
    assert logs.strip(), "the worker logged nothing at INFO"
    assert "s3cr3t" not in logs
    assert text_marker not in logs, "a task's article text was written to the log"
    per_article = len(logs.encode()) / 3
    assert per_article < 2000, f"{per_article:.0f} bytes of log per article"
