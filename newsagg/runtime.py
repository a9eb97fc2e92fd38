"""The composition root: from Settings it builds every back-end once per process, the
embedded or the distributed variant of each, chosen through one table (BACKENDS), the way
Celery maps a result-backend alias to its class.

    rt = get_runtime(settings)
    rt.engine(); rt.search_store(); rt.deadletters(); rt.inflight(); rt.crawl_frontier()

Every Redis-backed component shares ONE client (timeouts and health checks from settings).
Lower layers never build back-ends or decide between them: they receive what they need
(the workers through newsagg.workers.services, the crawler through the dotted paths named
in its crawl settings). The back-ends' modules (numpy, Celery, Elasticsearch behind them)
are imported when a component is first built, so every command can hold a runtime for free.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from newsagg.core.loader import load_object
from newsagg.core.settings import Settings, get_settings

log = logging.getLogger(__name__)

# kind -> {variant -> "module:Class"}. The variant of a kind comes from the settings
# (variant_for): "embedded" when REDIS_URL / ELASTICSEARCH_URL is unset.
BACKENDS: dict[str, dict[str, str]] = {
    "engine_state": {"embedded": "newsagg.dedupe.state:LocalState",
                     "redis": "newsagg.dedupe.state:RedisState"},
    "search_store": {"embedded": "newsagg.index.sqlite_store:SqliteStore",
                     "elasticsearch": "newsagg.index.es_store:ElasticStore"},
    "deadletters": {"embedded": "newsagg.workers.deadletter:SqliteDeadLetters",
                    "redis": "newsagg.workers.deadletter:RedisDeadLetters"},
    "inflight": {"embedded": "newsagg.workers.inflight:NoInFlight",
                 "redis": "newsagg.workers.inflight:InFlight"},
    "crawl_frontier": {"embedded": "newsagg.crawler.store:SqliteCrawlStore",
                       "redis": "newsagg.crawler.store:RedisCrawlStore"},
}

# Which setting switches a kind to its distributed variant.
_SWITCH = {"search_store": ("elasticsearch_url", "elasticsearch")}


def variant_for(kind: str, settings: Settings) -> str:
    setting, variant = _SWITCH.get(kind, ("redis_url", "redis"))
    return variant if getattr(settings, setting) else "embedded"


def _key(settings: Settings) -> tuple:
    return (str(settings.data_dir.resolve()), settings.redis_url, settings.elasticsearch_url, settings.index_prefix)


class Runtime:
    """The back-ends of one configuration, built on first use and kept for the process."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.RLock()
        self._built: dict[str, Any] = {}

    # ------------------------------------------------------------------ the table
    def variant(self, kind: str) -> str:
        return variant_for(kind, self.settings)

    def build(self, kind: str) -> Any:
        """A new instance of the configured variant of `kind` (not cached; the caller closes it)."""
        variant = self.variant(kind)
        cls = load_object(BACKENDS[kind][variant])
        return cls(**self._arguments(kind, variant))

    def _arguments(self, kind: str, variant: str) -> dict[str, Any]:
        s = self.settings
        if variant == "redis":
            extra = {"engine_state": {"lock_timeout": s.engine_lock_timeout_s, "lease": s.engine_lock_lease_s}}.get(kind, {})
            return {"client": self.redis(), **extra}
        if variant == "elasticsearch":
            return {"settings": s}
        if kind == "inflight":
            return {}
        if kind == "engine_state":
            return {"data_dir": s.ensure_data_dir()}
        files = {"search_store": "newsagg.sqlite", "deadletters": "deadletters.sqlite",
                 "crawl_frontier": "crawl-state.sqlite"}
        return {"path": s.ensure_data_dir() / files[kind]}

    def _once(self, name: str, make: Callable[[], Any]) -> Any:
        with self._lock:
            if name not in self._built:
                self._built[name] = make()
            return self._built[name]

    # ------------------------------------------------------------------ the components
    def redis(self):
        """The one Redis client of this process and configuration (distributed only)."""
        if not self.settings.redis_url:
            raise RuntimeError("no REDIS_URL: the embedded setup has no Redis")

        def make():
            import redis

            s = self.settings
            return redis.Redis.from_url(s.redis_url, socket_connect_timeout=s.redis_connect_timeout_s,
                                        socket_timeout=s.redis_socket_timeout_s,
                                        health_check_interval=s.redis_health_check_s)
        return self._once("redis", make)

    def engine_state(self):
        return self._once("engine_state", lambda: self.build("engine_state"))

    def lsh_storage(self, name: str):
        """The LSH storage `name` of the engine state (it shares the state's transactions)."""
        return self.engine_state().lsh_storage(name)

    def engine(self):
        """The story engine on the configured state."""
        from newsagg.dedupe.engine import StoryEngine
        from newsagg.dedupe.tuning import Tuning

        tuning = Tuning(embedding=self.settings.story_embedding)
        return self._once("engine", lambda: StoryEngine(self.engine_state(), tuning=tuning,
                                                        quiet_hours=self.settings.cluster_quiet_hours))

    def search_store(self):
        """The search store the pipeline writes to: set up, shared by the process."""
        def make():
            store = self.build("search_store")
            store.setup()
            return store
        return self._once("search_store", make)

    def open_search_store(self):
        """A search store of its own for a command (not set up; the caller closes it)."""
        return self.build("search_store")

    def deadletters(self):
        return self._once("deadletters", lambda: self.build("deadletters"))

    def inflight(self):
        return self._once("inflight", lambda: self.build("inflight"))

    def crawl_frontier(self):
        """What the crawler remembers between runs (URLs fetched, feed validators); a new one
        per crawl: the crawl process closes it when the spider closes."""
        return self.build("crawl_frontier")

    def celery_app(self):
        """The Celery app configured from these settings."""
        from newsagg.workers.app import configure

        return configure(self.settings)

    # ------------------------------------------------------------------ operations the CLI uses
    def maintain(self) -> list[str]:
        """Close quiet stories and hand in again lost articles (workers.maintenance)."""
        from newsagg.workers.maintenance import maintain_step

        return maintain_step(self.settings)

    def close(self) -> None:
        """Close what was built (best effort); the next use builds again."""
        with self._lock:
            built, self._built = self._built, {}
        for name in ("engine", "search_store", "deadletters", "inflight", "engine_state", "redis"):
            obj = built.get(name)
            close = getattr(obj, "close", None)
            if callable(close):
                try:
                    close()
                except Exception:  # closing is best effort
                    log.debug("close failed", extra={"component": name}, exc_info=True)


_runtimes: dict[tuple, Runtime] = {}
_runtimes_lock = threading.Lock()


def get_runtime(settings: Settings | None = None) -> Runtime:
    """The runtime of these settings (the environment's when None): one per process and
    configuration, so every caller shares its clients and stores."""
    settings = settings or get_settings()
    key = _key(settings)
    with _runtimes_lock:
        rt = _runtimes.get(key)
        if rt is None:
            rt = _runtimes[key] = Runtime(settings)
        else:
            rt.settings = settings  # same back-ends; the latest caller's tunables (retries, limits)
        return rt


def reset() -> None:
    """Close and forget every runtime (tests that restart servers, CLI replays)."""
    with _runtimes_lock:
        runtimes = list(_runtimes.values())
        _runtimes.clear()
    for rt in runtimes:
        rt.close()


def crawl_frontier(settings: Settings):
    """The crawl process's frontier store (named in its Scrapy settings: NEWSAGG_CRAWL_FRONTIER)."""
    return get_runtime(settings).crawl_frontier()


def open_search_store(settings: Settings | None = None):
    """A search store of its own for these settings (the caller closes it)."""
    return get_runtime(settings).open_search_store()

