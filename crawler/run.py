"""Run one crawl in a child process.

Twisted's reactor cannot be restarted, so each crawl gets a fresh process
(`python -m crawler.run`); the caller can crawl again and again. Progress counts
and the result come back as JSON lines on the child's stdout; its logs go to stderr.
"""
from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from scrapy import signals

from newsagg.core.services import ServiceUnavailable, require_redis
from newsagg.core.settings import Settings, get_settings
from newsagg.crawler.sources import load_sources

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.5
_progress_queue: Any = None  # set in the crawl process; ProgressExtension writes to it


@dataclass
class CrawlStats:
    """What one crawl did."""

    articles: int = 0
    pages_fetched: int = 0
    pages_failed: int = 0  # extraction failed (reason in the log); the page is marked fetched
    feeds_fetched: int = 0
    sitemaps_fetched: int = 0
    not_modified: int = 0
    requests: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    duration_s: float = 0.0
    finish_reason: str = ""
    outlets: dict[str, dict[str, int]] = field(default_factory=dict)  # name -> fetched, errors, articles

    def failed_outlets(self) -> list[str]:
        """Outlets of which nothing could be fetched, though something was tried."""
        return sorted(n for n, c in self.outlets.items() if c.get("errors", 0) and not c.get("fetched", 0))

    @classmethod
    def from_scrapy(cls, stats: dict[str, Any]) -> "CrawlStats":
        def prefixed(prefix: str) -> dict[str, int]:
            return {k[len(prefix):]: v for k, v in stats.items() if k.startswith(prefix)}

        outlets: dict[str, dict[str, int]] = {}
        for key, value in prefixed("newsagg/outlet/").items():
            name, _, what = key.rpartition("/")
            outlets.setdefault(name, {"fetched": 0, "errors": 0, "articles": 0})[what] = value
        return cls(outlets=outlets, articles=stats.get("newsagg/articles", 0), pages_fetched=stats.get("newsagg/pages_fetched", 0),
                   pages_failed=stats.get("newsagg/pages_failed", 0),
                   feeds_fetched=stats.get("newsagg/feeds_fetched", 0),
                   sitemaps_fetched=stats.get("newsagg/sitemaps_fetched", 0),
                   not_modified=stats.get("newsagg/not_modified", 0),
                   requests=stats.get("downloader/request_count", 0),
                   skipped=prefixed("newsagg/skipped/"), errors=prefixed("newsagg/errors/"),
                   finish_reason=str(stats.get("finish_reason", "")))


class ProgressExtension:
    """Sends the crawl's counters to the parent process while it runs."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.last = 0.0
        crawler.signals.connect(self.tick, signal=signals.response_received)
        crawler.signals.connect(self.tick, signal=signals.item_scraped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def tick(self, *args, **kwargs):
        now = time.monotonic()
        if _progress_queue is None or now - self.last < PROGRESS_EVERY_S:
            return
        self.last = now
        _progress_queue.put(("progress", CrawlStats.from_scrapy(self.crawler.stats.get_stats())))


def _settings_payload(settings: Settings) -> dict:
    out = {}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        out[name] = str(value) if isinstance(value, Path) else value
    return out


def _child_main() -> None:
    """Entry of the crawl process: a job (JSON) on stdin, progress and result (JSON lines) on stdout."""
    global _progress_queue
    import json
    import os
    import sys
    import warnings

    from scrapy.crawler import CrawlerProcess
    from scrapy.exceptions import ScrapyDeprecationWarning

    # Only the crawl process needs the spider (and trafilatura, lxml behind it); the caller
    # of run_crawl (the CLI, a crawl task, the demo) does not pay for importing it.
    from newsagg.core.logs import configure_logging
    from newsagg.crawler.settings import scrapy_settings
    from newsagg.crawler.spiders.news import NewsSpider

    job = json.load(sys.stdin)
    result_stream = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    sys.stdout = sys.stderr  # nothing else may write into the result stream

    class _Sink:
        def put(self, message):
            kind, stats = message
            result_stream.write(json.dumps({"kind": kind, "stats": asdict(stats)}) + "\n")

    _progress_queue = _Sink()
    settings = Settings(**job["settings"])
    configure_logging(settings.log_level, json_lines=settings.log_json)
    started = time.monotonic()
    sources = load_sources(job["sources_file"])
    jsonl = Path(job["jsonl"]) if job.get("jsonl") else None
    process = CrawlerProcess({**scrapy_settings(settings, sources, jsonl), **job.get("overrides", {})})
    for name in ("scrapy", "twisted", "py.warnings"):  # Scrapy's dictConfig set these to DEBUG
        logging.getLogger(name).setLevel(settings.log_level.upper())
    # scrapy-redis 0.9 still uses APIs Scrapy 2.13+ deprecates; nothing an operator can act on
    warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, sources_file=job["sources_file"], app_settings=settings)
    process.start()
    stats = CrawlStats.from_scrapy(crawler.stats.get_stats())
    stats.duration_s = time.monotonic() - started
    _progress_queue.put(("done", stats))


class CrawlError(RuntimeError):
    pass


def run_crawl(sources_file: Path | str, settings: Settings | None = None,
              progress: Callable[[CrawlStats], None] | None = None, jsonl: Path | str | None = None,
              scrapy_overrides: dict | None = None, timeout_s: float | None = None) -> CrawlStats:
    """Crawl every outlet of a sources file once; returns what the crawl did.

    Raises SourcesError for a bad sources file (before starting anything) and
    CrawlError when the crawl process fails or exceeds timeout_s.
    """
    settings = settings or get_settings()
    load_sources(sources_file)  # fail fast, in the caller's process, with the file/line/field message
    if settings.redis_url:  # the shared frontier: a clear message now, not a traceback from the crawl process
        try:
            require_redis(settings.redis_url)
        except ServiceUnavailable as exc:
            raise CrawlError(str(exc)) from None
    job = {"sources_file": str(Path(sources_file).resolve()), "settings": _settings_payload(settings),
           "jsonl": str(jsonl) if jsonl else None, "overrides": scrapy_overrides or {}}
    proc = subprocess.Popen([sys.executable, "-m", "newsagg.crawler.run"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    timer = threading.Timer(timeout_s, proc.kill) if timeout_s else None
    if timer:
        timer.start()
    result = None
    try:
        assert proc.stdin and proc.stdout
        proc.stdin.write(json.dumps(job, default=str))
        proc.stdin.close()
        for line in proc.stdout:
            message = json.loads(line)
            stats = CrawlStats(**message["stats"])
            if progress:
                progress(stats)
            if message["kind"] == "done":
                result = stats
        code = proc.wait()
    finally:
        if timer:
            timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if result is None:
        why = f"did not finish within {timeout_s} s" if timer and code < 0 else f"exited with code {code}"
        raise CrawlError(f"crawl process {why} without a result (its log is on stderr)")
    return result


if __name__ == "__main__":
    _child_main()
