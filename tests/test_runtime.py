"""The composition root: one table picks each back-end's variant from the settings, one Redis
client (with the settings' timeouts) serves every Redis-backed component, and nothing is
configured when a module is imported."""
from __future__ import annotations

import os
import subprocess
import sys

from newsagg.core.loader import load_object
from newsagg.core.settings import Settings
from newsagg.crawler.store import CrawlFrontier
from newsagg.dedupe.state import EngineState
from newsagg.index.base import StoreBase
from newsagg.runtime import BACKENDS, Runtime, get_runtime, reset
from newsagg.workers.deadletter import DeadLetterStore
from newsagg.workers.inflight import InFlightLedger
from newsagg.workers.services import services

CONTRACTS = {"engine_state": EngineState, "search_store": StoreBase, "deadletters": DeadLetterStore,
             "inflight": InFlightLedger, "crawl_frontier": CrawlFrontier}


def test_every_variant_in_the_table_implements_its_kinds_contract():
    assert set(BACKENDS) == set(CONTRACTS)
    for kind, variants in BACKENDS.items():
        assert "embedded" in variants and len(variants) == 2, kind
        for path in variants.values():
            assert issubclass(load_object(path), CONTRACTS[kind]), path


def test_unset_urls_pick_the_embedded_variants(tmp_path):
    rt = Runtime(Settings(data_dir=tmp_path))
    try:
        built = {kind: type(getattr(rt, kind)()).__name__ for kind in ("engine_state", "deadletters", "inflight")}
        assert built == {"engine_state": "LocalState", "deadletters": "SqliteDeadLetters", "inflight": "NoInFlight"}
        assert type(rt.search_store()).__name__ == "SqliteStore" and rt.search_store() is rt.search_store()
        assert type(rt.crawl_frontier()).__name__ == "SqliteCrawlStore"
    finally:
        rt.close()


def test_one_redis_client_with_the_settings_timeouts_serves_every_component(tmp_path, redis_server):
    settings = Settings(data_dir=tmp_path, redis_url=redis_server.url, redis_socket_timeout_s=7.5,
                        redis_connect_timeout_s=2.5, redis_health_check_s=11)
    rt = Runtime(settings)
    try:
        client = rt.redis()
        frontier = rt.crawl_frontier()
        assert rt.engine_state().r is client and rt.deadletters().r is client
        assert rt.inflight().r is client and frontier.r is client
        kwargs = client.connection_pool.connection_kwargs
        assert (kwargs["socket_timeout"], kwargs["socket_connect_timeout"], kwargs["health_check_interval"]) == (7.5, 2.5, 11)
        rt.deadletters().count()  # and it works
    finally:
        rt.close()


def test_one_runtime_per_configuration_and_the_workers_get_it(tmp_path):
    try:
        a = Settings(data_dir=tmp_path / "a")
        assert get_runtime(a) is get_runtime(Settings(data_dir=tmp_path / "a"))
        assert get_runtime(a) is not get_runtime(Settings(data_dir=tmp_path / "b"))
        assert services(a) is get_runtime(a)  # the pipeline's provider is the composition root
    finally:
        reset()


def test_importing_the_worker_modules_configures_nothing():
    # Before: workers/app.py and workers/tasks.py ran configure() at import, so a bad setting
    # broke every import of them (and `newsagg --help`) with a traceback.
    code = "import newsagg.workers.tasks, newsagg.workers.maintenance, newsagg.workers.handoff, newsagg.runtime"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "NEWSAGG_METRICS_PORT": "abc", "REDIS_URL": "http://x"})
    assert out.returncode == 0, out.stderr[-2000:]
