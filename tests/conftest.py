"""Shared fixtures: real servers on loopback and isolated settings."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from newsagg.settings import get_settings
from newsagg.testing import ElasticsearchEmulator, RedisServer

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


def real_elasticsearch() -> bool:
    return bool(os.environ.get("NEWSAGG_REAL_ES_URL") or os.environ.get("ELASTICSEARCH_URL"))


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip cleanly on a fresh clone without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not present at {SHARED_DATA}")
    return SHARED_DATA
