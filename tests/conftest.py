"""Shared fixtures: real servers on loopback and isolated settings."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from newsagg.core.settings import Settings, get_settings
from newsagg.workers.app import configure
from tests.support.celery_env import FAST, ROOT
from tests.support.servers import ElasticsearchEmulator, RedisServer, TasksApiProxy

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

_ENV_KEYS = ("REDIS_URL", "ELASTICSEARCH_URL", "NEWSAGG_REDIS_URL", "NEWSAGG_ELASTICSEARCH_URL")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Every test gets its own data dir and the embedded default, unless it opts in."""
    real_es = os.environ.get("ELASTICSEARCH_URL")
    for key in _ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("NEWSAGG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSAGG_ALLOW_PRIVATE_ADDRESSES", "true")
    monkeypatch.setenv("NEWSAGG_REAL_ES_URL", real_es or "")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def redis_server():
    """A real redis-server on a free loopback port, new for each test."""
    with RedisServer() as server:
        yield server


@pytest.fixture(scope="session")
def elasticsearch_url():
    """A real cluster when ELASTICSEARCH_URL is set, else noida-db's ES API on loopback."""
    url = os.environ.get("ELASTICSEARCH_URL")
    if url:
        yield url
        return
    with ElasticsearchEmulator() as es:
        yield es.url


@pytest.fixture
def elasticsearch_tasks(elasticsearch_url):
    """Elasticsearch that runs `_reindex?wait_for_completion=false` as a task and reports it at
    `_tasks/<id>`, for `newsagg index migrate`: a real cluster as it is (`.proxy` None), else
    noida-db behind tests.support.servers.TasksApiProxy (noida-db answers a task id but has no
    tasks API), whose faults a test can set."""
    if os.environ.get("ELASTICSEARCH_URL"):
        yield type("RealCluster", (), {"url": elasticsearch_url, "proxy": None})()
        return
    with TasksApiProxy(elasticsearch_url) as proxy:
        proxy.proxy = proxy
        yield proxy


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip cleanly on a fresh clone without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not present at {SHARED_DATA}")
    return SHARED_DATA


def _use(redis_url: str, tmp_path, monkeypatch):
    env = {**FAST, "REDIS_URL": redis_url, "NEWSAGG_DATA_DIR": str(tmp_path / "data"),
           "PYTHONPATH": os.pathsep.join([str(tmp_path), ROOT, os.environ.get("PYTHONPATH", "")])}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    configure(get_settings())
    return env


@pytest.fixture
def distributed(redis_server, tmp_path, monkeypatch):
    """Test process and workers share Redis (AOF on: restartable), data dir and the fast
    retry settings."""
    yield _use(redis_server.url, tmp_path, monkeypatch)
    monkeypatch.undo()
    get_settings.cache_clear()
    configure(get_settings())


@pytest.fixture
def distributed_fast(tmp_path, monkeypatch):
    """Same on a redis-server without AOF: no fsync per write, for the big runs."""
    with RedisServer(appendonly=False) as server:
        yield _use(server.url, tmp_path, monkeypatch)
        monkeypatch.undo()
        get_settings.cache_clear()
        configure(get_settings())


@pytest.fixture(params=["sqlite", "elasticsearch"])
def store(request, tmp_path):
    """Each store, set up empty: SQLite on a real file, Elasticsearch (noida-db or a real cluster)
    under a fresh index prefix so tests never see each other's documents."""
    if request.param == "sqlite":
        from newsagg.index.store import SqliteStore

        s = SqliteStore(tmp_path / "store.sqlite")
    else:
        from newsagg.index.es_store import ElasticStore

        url = request.getfixturevalue("elasticsearch_url")
        s = ElasticStore(Settings(elasticsearch_url=url, index_prefix=f"t{uuid.uuid4().hex[:10]}"))
    s.setup()
    yield s
    if request.param == "elasticsearch":
        s.drop()
    s.close()
