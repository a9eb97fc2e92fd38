"""Celery beat schedule: one crawl per outlet at its interval, and cluster maintenance."""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import redis
from celery import signals

from newsagg.core.settings import Settings, get_settings
from newsagg.crawler.sources import load_sources

log = logging.getLogger(__name__)


def build_schedule(sources: list[Any], settings: Settings, sources_file: Path | None = None) -> dict[str, dict]:
    """beat_schedule entries (pure): `crawl <outlet>` every interval_minutes, `maintain` every
    settings.maintain_interval_minutes. Each crawl expires after its own interval so a
    backlog of crawls of one outlet never piles up behind a slow worker."""
    schedule: dict[str, dict] = {}
    for src in sources:
        every = timedelta(minutes=src.interval_minutes)
        schedule[f"crawl {src.name}"] = {
            "task": "newsagg.crawl", "schedule": every,
            "args": (src.name, str(sources_file) if sources_file else None),
            "options": {"queue": "crawl", "expires": every.total_seconds()},
        }
    schedule["maintain"] = {
        "task": "newsagg.maintain", "schedule": timedelta(minutes=settings.maintain_interval_minutes),
        "options": {"queue": "maintain", "expires": settings.maintain_interval_minutes * 60},
    }
    return schedule


def install_schedule(app, settings: Settings | None = None, sources_file: Path | None = None) -> dict[str, dict]:
    """Load the sources file and put the schedule on the app (raises SourcesError if it is wrong)."""
    settings = settings or get_settings()
    path = Path(sources_file or settings.sources_file)
    sources = load_sources(path)
    schedule = build_schedule(sources, settings, path.resolve())
    app.conf.beat_schedule = schedule
    log.debug("beat schedule installed", extra={"outlets": len(sources), "sources_file": str(path)})
    return schedule


BEAT_LOCK_KEY = "newsagg:beat:lock"


class BeatLock:
    """One beat at a time: a Redis lock with a lease its holder renews. A second beat waits
    as a standby and takes over within one lease of the first one's death (kill -9, lost
    host); a beat that loses the lock (Redis lost it, a long pause) exits rather than run
    beside another, and its supervisor restarts it as a standby."""

    def __init__(self, client, lease_s: float, key: str = BEAT_LOCK_KEY):
        self.r, self.lease_s, self.key = client, lease_s, key
        self.me = f"{socket.gethostname()}:{os.getpid()}"

    def wait(self, poll_s: float | None = None) -> None:
        """Until this beat holds the lock."""
        said = False
        while not self.r.set(self.key, self.me, nx=True, px=int(self.lease_s * 1000)):
            if not said:
                holder = self.r.get(self.key)
                log.warning(f"another beat is running ({(holder or b'?').decode()}): this one waits as a standby "
                            f"and takes over within {self.lease_s:g}s of its end; run one beat only",
                            extra={"lock": self.key})
                said = True
            time.sleep(poll_s or self.lease_s / 3)
        if said:
            log.warning("beat lock taken: this beat now schedules", extra={"lock": self.key, "holder": self.me})

    def renew(self) -> bool:
        """Extend the lease if the lock is still ours."""
        return bool(self.r.eval(_RENEW_LUA, 1, self.key, self.me, int(self.lease_s * 1000)))

    def keep(self) -> threading.Thread:
        """Renew every third of the lease; exit the process when the lock is lost."""
        def run() -> None:
            while True:
                time.sleep(self.lease_s / 3)
                try:
                    if self.renew():
                        continue
                except redis.RedisError as exc:  # Redis away: the lease still runs; try again
                    log.warning("beat lock not renewed", extra={"error": str(exc)})
                    continue
                log.error("beat lock lost (another beat holds it now): this beat stops; restarted, it waits as a standby",
                          extra={"lock": self.key})
                os._exit(3)

        thread = threading.Thread(target=run, name="beat-lock", daemon=True)
        thread.start()
        return thread


_RENEW_LUA = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"


@signals.beat_init.connect
def _beat_init(sender=None, **_: Any) -> None:
    # `celery -A workers beat` as well as `newsagg beat`: one beat at a time (BeatLock), then
    # the schedule from the sources file. The scheduler exists by now: hand it the entries too.
    settings = get_settings()
    if settings.redis_url:
        lock = BeatLock(redis.Redis.from_url(settings.redis_url, socket_timeout=settings.redis_socket_timeout_s),
                        settings.beat_lock_lease_s)
        lock.wait()
        lock.keep()
    if not sender.app.conf.beat_schedule:
        sender.scheduler.update_from_dict(install_schedule(sender.app))
