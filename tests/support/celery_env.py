"""Settings that the distributed tests give their own process and their Celery workers."""
from __future__ import annotations

from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])

# Fast retries and redelivery for tests; the same settings reach the workers through env.
FAST = {
    "NEWSAGG_TASK_MAX_RETRIES": "3",
    "NEWSAGG_RETRY_BACKOFF_S": "0.2",
    "NEWSAGG_RETRY_BACKOFF_MAX_S": "1.0",
    "NEWSAGG_VISIBILITY_TIMEOUT_S": "6",
    # Longest wait for the story engine's lock (a killed holder stalls the others only
    # its lease, 3 s): a step that waits longer is retried.
    "NEWSAGG_ENGINE_LOCK_TIMEOUT_S": "10",
    "NEWSAGG_METRICS_PORT": "0",
    "NEWSAGG_LOG_LEVEL": "WARNING",
}
