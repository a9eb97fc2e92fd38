"""Prometheus metrics of a worker: articles processed, failed and dead-lettered
per step, per-step latency, and the depth of the pipeline queues (read from the
broker at scrape time).

A prefork worker runs its tasks in child processes: with PROMETHEUS_MULTIPROC_DIR
set (an empty directory, before prometheus_client is imported; `newsagg worker`
does it) each child counts into files there and the endpoint serves their sum.
"""
from __future__ import annotations

import logging
import os

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

PROCESSED = Counter("newsagg_articles_processed_total", "Articles a pipeline step completed.", ["step"])
FAILED = Counter("newsagg_articles_failed_total", "Failed attempts of a pipeline step (each retry counts).", ["step", "kind"])
DEADLETTERED = Counter("newsagg_articles_deadlettered_total", "Articles put in the dead-letter store.", ["step", "reason"])
LATENCY = Histogram("newsagg_step_latency_seconds", "Time one pipeline step took for one article.", ["step"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))


class QueueDepthCollector:
    """`newsagg_queue_depth{queue}`: messages waiting in each Redis queue, read when scraped."""

    def __init__(self, client, queues: tuple[str, ...]):
        self.r = client
        self.queues = queues

    def collect(self):
        g = GaugeMetricFamily("newsagg_queue_depth", "Messages waiting in a pipeline queue.", labels=["queue"])
        try:
            with self.r.pipeline(transaction=False) as p:
                for q in self.queues:
                    p.llen(q)
                for q, n in zip(self.queues, p.execute()):
                    g.add_metric([q], n)
        except Exception as exc:  # a scrape during a Redis outage reports nothing, not an error page
            log.warning("queue depth unavailable", extra={"error": str(exc)})
        yield g


_server_started = False
_collector: QueueDepthCollector | None = None


PORT_TRIES = 10  # a host's workers take the configured port and the next ones


def serve(port: int, redis_client, queues: tuple[str, ...]) -> int | None:
    """Start the /metrics endpoint once per process on `port`, or the next free one of
    PORT_TRIES (a second worker on the host); returns the port, None if off or none free."""
    global _server_started, _collector
    registry = REGISTRY
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    if redis_client is not None and _collector is None:
        _collector = QueueDepthCollector(redis_client, queues)
        registry.register(_collector)
    if not port or _server_started:
        return None
    for candidate in range(port, min(port + PORT_TRIES, 65536)):
        try:
            start_http_server(candidate, addr="0.0.0.0", registry=registry)
        except OSError:
            continue
        _server_started = True
        if candidate == port:
            log.info("metrics endpoint up", extra={"port": port})
        else:  # scrape configs list the ports of a host's workers
            log.warning(f"metrics port {port} in use (another worker on this host?): metrics served on port "
                        f"{candidate}; give each worker its own NEWSAGG_METRICS_PORT to keep it fixed",
                        extra={"port": candidate, "configured_port": port})
        return candidate
    log.warning(f"metrics endpoint OFF: ports {port}-{candidate} are all in use; set NEWSAGG_METRICS_PORT to a free "
                f"port for this worker", extra={"configured_port": port})
    return None
