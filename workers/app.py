"""The Celery app: one app for the worker processes and for the embedded default.

Distributed (settings.redis_url): Redis broker, one queue per step so each scales
on its own, late acknowledgement so a task lost with its worker is redelivered.
Embedded: the same tasks run eagerly in the calling process.
"""
from __future__ import annotations

import threading
from typing import Any

from celery import Celery

from newsagg.core.settings import Settings, get_settings

QUEUES = ("enrich", "assign", "index", "crawl", "maintain")
PIPELINE_QUEUES = ("enrich", "assign", "index")

app = Celery("newsagg", include=["newsagg.workers.tasks", "newsagg.workers.maintenance", "newsagg.workers.watchdog"])
# Nothing is configured at import: the settings are read when the app's configuration is
# first needed (a worker started by `celery -A workers`), or applied by configure().
app.add_defaults(lambda: celery_config(get_settings()))

_lock = threading.Lock()
_applied: tuple | None = None


def celery_config(settings: Settings) -> dict[str, Any]:
    """Celery settings derived from ours (pure)."""
    vt = max(1, int(settings.visibility_timeout_s))
    return {
        "broker_url": settings.redis_url or "memory://localhost/",  # embedded: tasks run eagerly, nothing is sent
        "result_backend": None,
        "task_ignore_result": True,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],  # never pickle
        "task_always_eager": not settings.distributed,
        "task_eager_propagates": False,  # a failing article is dead-lettered, never raised into the crawler
        "task_acks_late": True,  # ack after the step ran: a worker killed mid-task leaves it for another
        "task_reject_on_worker_lost": True,  # prefork child killed: requeue instead of acking
        "task_acks_on_failure_or_timeout": True,  # failures are in the dead-letter store by then
        "worker_prefetch_multiplier": 1,  # a dead worker strands at most one message per process
        # prefork pools enforce these on the pipeline steps (a crawl has its own timeout);
        # the solo pool does not, so the steps also carry their own deadline (workers.tasks)
        "task_annotations": {name: {"time_limit": settings.task_time_limit_s + 5,
                                    "soft_time_limit": settings.task_time_limit_s}
                             for name in ("newsagg.enrich", "newsagg.assign", "newsagg.index")},
        "task_routes": {
            "newsagg.enrich": {"queue": "enrich"},
            "newsagg.assign": {"queue": "assign"},
            "newsagg.index": {"queue": "index"},
            "newsagg.crawl": {"queue": "crawl"},
            "newsagg.maintain": {"queue": "maintain"},
        },
        "task_default_queue": "enrich",
        "broker_transport_options": {
            "visibility_timeout": vt,
            # scan for abandoned messages often enough to honour a short visibility timeout
            "unacked_restore_interval": max(1, min(10, vt // 3)),
            "unacked_restore_throttle": 1,
        },
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,  # a Redis restart must not end the worker
        "task_publish_retry": True,
        "task_publish_retry_policy": {"max_retries": 30, "interval_start": 0.2,
                                      "interval_step": 0.5, "interval_max": 2.0},
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "worker_send_task_events": settings.task_events,  # Flower
        "task_send_sent_event": settings.task_events,
        "worker_hijack_root_logger": False,  # keep our JSON logging
        "worker_redirect_stdouts": False,
        "timezone": "UTC",
        "enable_utc": True,
    }


def configure(settings: Settings | None = None) -> Celery:
    """Apply settings to the app; reconnects when the broker changed (tests switch Redis)."""
    global _applied
    settings = settings or get_settings()
    conf = celery_config(settings)
    key = tuple(sorted((k, repr(v)) for k, v in conf.items()))
    with _lock:
        if key != _applied:
            broker_changed = _applied is None or dict(_applied).get("broker_url") != repr(conf["broker_url"])
            app.conf.update(conf)
            if broker_changed:
                app._after_fork()  # drop pooled connections to the old broker
            _applied = key
    return app
