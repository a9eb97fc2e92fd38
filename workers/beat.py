"""Celery beat schedule: one crawl per outlet at its interval, and cluster maintenance."""
from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

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


@signals.beat_init.connect
def _beat_init(sender=None, **_: Any) -> None:
    # `celery -A workers beat` as well as `newsagg beat`: schedule from the sources file.
    # The scheduler exists by now: hand it the entries too.
    if not sender.app.conf.beat_schedule:
        sender.scheduler.update_from_dict(install_schedule(sender.app))
