"""Settings for every stage, from the environment (and an optional .env file).

The embedded default needs none: SQLite store and search, in-memory LSH, Celery
tasks run in process. Setting REDIS_URL and/or ELASTICSEARCH_URL selects the
distributed setup; the code path is the same.

Each stage owns one section below; add a setting to your own section, with a
default and a one-line description (the README's configuration reference is
generated from these descriptions by `newsagg config`).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _env(name: str) -> AliasChoices:
    # Accept both NEWSAGG_X and the conventional bare name (REDIS_URL, ...).
    return AliasChoices(f"NEWSAGG_{name}", name)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSAGG_", env_file=".env", extra="ignore",
                                      populate_by_name=True)

    # --- general
    data_dir: Path = Field(Path("./newsagg-data"), description="Where the embedded default keeps its SQLite store, LSH state and dead letters.")
    log_level: str = Field("INFO", description="Log level: DEBUG, INFO, WARNING, ERROR.")
    log_json: bool = Field(True, description="Structured JSON logs (one object a line); false for plain text.")

    # --- distributed switches
    redis_url: str | None = Field(None, validation_alias=_env("REDIS_URL"), description="Redis for the Celery broker, the shared LSH index, the crawl frontier and dead letters. Unset: embedded default.")
    elasticsearch_url: str | None = Field(None, validation_alias=_env("ELASTICSEARCH_URL"), description="Elasticsearch cluster URL(s), comma separated. Unset: SQLite FTS5 search.")
    elasticsearch_api_key: SecretStr | None = Field(None, validation_alias=_env("ELASTICSEARCH_API_KEY"), description="Elasticsearch API key (base64 id:key).")
    elasticsearch_username: str | None = Field(None, validation_alias=_env("ELASTICSEARCH_USERNAME"), description="Elasticsearch user (basic auth).")
    elasticsearch_password: SecretStr | None = Field(None, validation_alias=_env("ELASTICSEARCH_PASSWORD"), description="Elasticsearch password (basic auth).")
    elasticsearch_ca_file: Path | None = Field(None, validation_alias=_env("ELASTICSEARCH_CA_FILE"), description="CA certificate file for TLS to Elasticsearch.")
    es_replicas: int | None = Field(None, ge=0, description="Replicas of each newsagg index, written into the index templates (0 on a single-node cluster, else its indices stay yellow); unset: the cluster's default (1).")
    index_prefix: str = Field("newsagg", description="Prefix of Elasticsearch indices, aliases and templates.")
    redis_connect_timeout_s: float = Field(5.0, description="Timeout of a connection to Redis, in seconds (the one client every component shares).")
    redis_socket_timeout_s: float = Field(10.0, description="Timeout of one Redis command, in seconds.")
    redis_health_check_s: int = Field(30, description="Seconds of idleness after which a pooled Redis connection is checked (PING) before use.")

    # --- crawler
    sources_file: Path = Field(Path("sources.yaml"), description="The sources file (YAML) listing outlets.")
    user_agent: str = Field("newsagg/0.1 (+https://github.com/newsagg/newsagg)", description="User-Agent sent to outlets.")
    contact: str | None = Field(None, description="Contact (email or URL) appended to the User-Agent so outlets can reach the operator.")
    allow_private_addresses: bool = Field(False, description="Allow fetching private, loopback and link-local addresses (tests and demo only).")
    recency_days: float = Field(3.0, description="Only articles published within this many days are fetched.")
    concurrent_per_domain: int = Field(2, description="Concurrent requests per outlet domain.")
    download_maxsize_mb: int = Field(10, description="Largest page downloaded, in MB; larger responses are dropped.")
    download_timeout_s: int = Field(30, description="Timeout for one download, in seconds.")
    crawl_delay_default_s: float = Field(1.0, description="Seconds between requests to one outlet when its sources entry sets no crawl_delay (AutoThrottle adapts from there).")
    crawl_retries: int = Field(2, description="Retries of a failed download (5xx, 429, timeouts) before giving up.")
    crawl_handoff: bool = Field(True, description="Hand each crawled article to the pipeline (the crawl sink); false: only export JSON Lines.")
    crawl_remember_days: float = Field(30.0, gt=0, description="How long the crawl frontier remembers that a URL was fetched (`maintain` forgets older ones; a forgotten URL still listed by a feed is fetched once more). Keep it above recency_days.")
    crawl_dupefilter_ttl_s: float = Field(21600.0, gt=0, description="Distributed: how long a crawl request's fingerprint keeps other crawler processes from requesting the same URL (what was fetched across runs is the frontier's job).")
    crawl_sink: str = Field("newsagg.workers.handoff:submit_article", description="Where the crawler hands each article: `module:function` taking (article, settings), loaded at crawl start.")

    # --- story engine (dedupe)
    cluster_quiet_hours: float = Field(72.0, description="An event cluster closes after this many hours without a new article; its LSH entries expire.")
    story_embedding: bool = Field(True, description="Story engine: a multilingual sentence embedding of each article's title and lead (made in the enrich step) finds events in other languages whose reports say the same, and lets such events merge (on by default since round 15; about 8 ms CPU per article and 120 MB per worker: bench/README.md). false: decide without it.")
    engine_lock_timeout_s: float = Field(60.0, description="Distributed: longest a worker waits for the story engine's Redis lock (then the step is retried), and longest it may hold it.")
    engine_lock_lease_s: float = Field(3.0, gt=0.2, le=60, description="Distributed: lease of the story engine's Redis lock, renewed every third of it while held; a worker that dies holding it stalls assignment at most this long.")

    # --- workers
    task_max_retries: int = Field(5, description="Retries of a task on a transient failure before it is dead-lettered.")
    max_article_bytes: int = Field(2_000_000, description="Largest article payload accepted by the pipeline, in bytes.")
    metrics_port: int = Field(9808, description="Port of the Prometheus metrics endpoint of a worker (0: off).")
    retry_backoff_s: float = Field(2.0, description="First retry delay of a task after a transient failure, in seconds; doubles each retry (with jitter).")
    retry_backoff_max_s: float = Field(300.0, description="Longest retry delay, in seconds (keep it below visibility_timeout_s).")
    visibility_timeout_s: int = Field(3600, description="Seconds before a task taken by a worker that vanished (kill -9, lost machine) is redelivered to another worker.")
    inflight_lost_grace_s: float = Field(60.0, ge=0, description="Distributed: a pipeline message that is in no queue and not unacknowledged (lost between the broker's pop and its acknowledgement record by a kill -9, or dropped by a Redis restart) this many seconds after it was sent has its article handed in again, by the workers' watchdog and the maintenance. A queued backlog is never handed in again.")
    inflight_resubmit_s: float = Field(1800.0, description="Distributed: last resort for an article handed in but neither indexed nor dead-lettered after this many seconds with no pipeline message on record (sent while Redis could not note it): the maintenance hands it in again.")
    worker_heartbeat_s: float = Field(10.0, description="Distributed: each worker beats in Redis this often; an article whose worker fell silent for 3 beats (kill -9, a lost machine) is handed in again by the other workers, and a message it had received and not started (a retry waiting out its countdown) is put back in its queue, well before visibility_timeout_s (0: off).")
    task_time_limit_s: int = Field(300, description="Time limit of one pipeline step, in seconds; a step past it fails as transient: retried, then dead-lettered.")
    task_events: bool = Field(True, description="Workers send task events (what Flower shows); false saves broker traffic.")
    crawl_task_timeout_s: float = Field(1800.0, description="A scheduled crawl of one outlet is stopped after this many seconds.")
    beat_lock_lease_s: float = Field(30.0, gt=0.5, description="Distributed: lease of the Redis lock that lets one beat schedule at a time; a second beat waits as a standby and takes over within this long of the first one's end.")
    maintain_interval_minutes: float = Field(15.0, description="How often Celery beat runs the cluster maintenance (close quiet clusters, expire LSH entries).")

    # --- index (search stores, Kibana)
    elasticsearch_timeout_s: float = Field(30.0, description="Timeout of one Elasticsearch request, in seconds.")
    articles_rollover_age: str = Field("7d", description="Articles roll over to a new index after this age (ILM, or `newsagg index rollover`).")
    kibana_url: str | None = Field(None, validation_alias=_env("KIBANA_URL"), description="Kibana URL for `newsagg kibana setup`.")
    kibana_api_key: SecretStr | None = Field(None, validation_alias=_env("KIBANA_API_KEY"), description="Kibana API key (base64 id:key); else the Elasticsearch credentials are used.")

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("metrics_port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 0 <= value <= 65535:
            raise ValueError("must be a port number 1-65535, or 0 for off")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        if value is not None and (urlsplit(value.strip()).scheme not in ("redis", "rediss", "unix")
                                  or not urlsplit(value.strip()).netloc + urlsplit(value.strip()).path):
            raise ValueError("must be a redis://HOST:PORT/DB (or rediss://, unix://) URL")
        return value.strip() if value else value

    @field_validator("elasticsearch_url")
    @classmethod
    def _es_url(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        for host in (value or "").split(","):
            parts = urlsplit(host.strip())
            if host.strip() and (parts.scheme not in ("http", "https") or not parts.hostname):
                raise ValueError("must be http(s)://HOST:PORT, several separated by commas")
        return value

    @field_validator("crawl_sink")
    @classmethod
    def _sink(cls, value: str) -> str:
        if not re.fullmatch(r"[\w.]+[:.]\w+", value.strip()):
            raise ValueError("must name a function as module:function")
        return value.strip()

    @property
    def distributed(self) -> bool:
        return bool(self.redis_url)

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call get_settings.cache_clear() after changing env."""
    return Settings()
