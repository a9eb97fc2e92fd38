"""`newsagg demo`: watch the whole flow work on demo outlets served on 127.0.0.1.

Starts the fixture web (newsagg/fixture_web.py: invented outlets with feeds, sitemaps,
robots.txt and article pages, wire copies with realistic edits, two languages), crawls it
with the real crawler, runs the real pipeline (enrich -> story engine -> index) and prints
the top stories. Embedded default: no server, everything under the data dir. With
REDIS_URL and ELASTICSEARCH_URL set the very same demo runs distributed: articles go to
Celery on Redis and are indexed in Elasticsearch (start workers with `newsagg worker`, or
pass --start-worker to let the demo start one).
"""
from __future__ import annotations

import dataclasses
import errno
import json
import logging
import time
from typing import Any

import click

from newsagg.core.errors import UserError
from newsagg.core.services import ServiceUnavailable, require_redis
from newsagg.core.settings import Settings, get_settings
from newsagg.crawler.run import CrawlError, run_crawl
from newsagg.demo.fixture_web import FixtureWeb
from newsagg.demo.procs import start_worker as start_celery_worker
from newsagg.demo.procs import stop_worker, wait_until
from newsagg.index.base import StoreUnavailable
from newsagg.runtime import get_runtime

log = logging.getLogger(__name__)

DEFAULT_TOP = 8
# Fixed addresses, so a second demo run finds the same URLs and crawls only what is new.
DEFAULT_PORT = 8701


def top_stories(store, limit: int) -> list[dict[str, Any]]:
    """The biggest recent stories: clusters by article count, then by latest update."""
    results = store.search("", limit=max(limit * 5, 50))
    results.sort(key=lambda r: (r.get("article_count", 0), r.get("outlet_count", 0)), reverse=True)
    return results[:limit]


def _wait_for_index(store, expected: int, timeout: float, progress) -> None:
    """Distributed mode: the crawl has handed articles to Celery; wait until workers indexed them
    (the summary then reports how many made it in time)."""
    def indexed_all() -> bool:
        count = store.count_articles()
        progress(count)
        return count >= expected

    try:
        wait_until(indexed_all, timeout, interval=0.5, what="all demo articles indexed")
    except TimeoutError:
        log.warning("workers did not index every demo article in time", extra={"expected": expected})


def run_demo(settings: Settings, top: int = DEFAULT_TOP, console=None, start_worker: bool = False,
             serve_seconds: float = 0.0, verbose: bool = False, base_port: int | None = None) -> dict[str, Any]:
    """Serve the demo outlets, crawl them, process every article, return the top stories."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    console = console or Console(stderr=True)
    data_dir = settings.ensure_data_dir()
    started = time.monotonic()
    store = get_runtime(settings).open_search_store()
    store.setup()  # also tells at once when Elasticsearch is unreachable
    worker = None
    if start_worker and settings.distributed:
        # one pipeline worker (enrich, assign, index); its log goes next to the data
        worker = start_celery_worker("demo", {}, data_dir / "demo-worker.log")
    try:
        with FixtureWeb(base_port=base_port or None) as web:
            sources = web.write_sources(data_dir / "demo-sources.yaml")
            expected = len(web.expected_articles())
            console.print(f"[bold]newsagg demo[/]: {len(web.sites)} outlets on 127.0.0.1, "
                          f"{expected} articles to find; data in {data_dir}"
                          + (" (distributed: Redis + Celery" + (" + Elasticsearch)" if settings.elasticsearch_url else ")")
                             if settings.distributed else " (embedded: SQLite, in-memory LSH)"))
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=console, transient=False) as bar:
                crawl_task = bar.add_task("crawl + process", total=expected)

                def on_progress(stats) -> None:
                    bar.update(crawl_task, completed=min(stats.articles, expected))

                # The demo outlets live on loopback, which a crawl refuses unless told otherwise.
                # Progress bars, not log lines, show what the crawl does: it logs warnings and errors only.
                quiet = settings.log_level if verbose else "WARNING"
                crawl_settings = settings.model_copy(update={"allow_private_addresses": True, "log_level": quiet})
                stats = run_crawl(sources, settings=crawl_settings, progress=on_progress)
                if settings.distributed:
                    index_task = bar.add_task("workers indexing", total=expected)
                    _wait_for_index(store, expected, timeout=120.0,
                                    progress=lambda n: bar.update(index_task, completed=min(n, expected)))
                bar.update(crawl_task, completed=expected)
            if serve_seconds:
                console.print(f"demo outlets stay up for {serve_seconds:.0f}s; sources file: {sources}")
                time.sleep(serve_seconds)
    finally:
        if worker is not None:
            stop_worker(worker)
    stories = top_stories(store, top)
    summary = {
        "seconds": round(time.monotonic() - started, 2),
        "articles_expected": expected,
        "articles_indexed": store.count_articles(),
        "crawl": dataclasses.asdict(stats),
        "stories": [store.story(s["cluster_id"]) or s for s in stories],
    }
    store.close()
    return summary


def print_stories(summary: dict[str, Any], console) -> None:
    crawl = summary["crawl"]
    console.print(f"\n[bold]{summary['articles_indexed']}[/] articles in the store "
                  f"({crawl.get('articles', 0)} new this run) after {summary['seconds']:.1f}s. Top stories:\n")
    for i, story in enumerate(summary["stories"], 1):
        origin = story.get("originator") or {}
        console.print(f"[bold cyan]{i}. {story.get('headline', '')}[/]  [dim]{story.get('event_id', '')}[/]")
        console.print(f"   {story.get('article_count', 0)} articles from {story.get('outlet_count', 0)} outlets "
                      f"({', '.join(story.get('outlets', [])[:8])}); languages: {', '.join(story.get('languages', []))}")
        if origin:
            console.print(f"   first: {origin.get('outlet')} at {origin.get('published')}: {origin.get('title')}")
        for group in [g for g in story.get("groups", []) if g.get("size", 0) > 1][:4]:
            copiers = [o for o in group.get("outlets", []) if o != group.get("originator_outlet")]
            console.print(f"   copy group of {group['size']}: written by {group.get('originator_outlet')}, "
                          f"copied by {', '.join(copiers) or 'the same outlet'}")
        timeline = story.get("timeline") or []
        if timeline:
            console.print("   articles per hour: " + "  ".join(f"{t['hour'][11:16]}×{t['count']}" for t in timeline[:12]))
        console.print("")
    console.print("Search them: [bold]newsagg search \"storm harbour\"[/]; "
                  "open one: [bold]newsagg story ID[/]")


@click.command("demo")
@click.option("--top", default=DEFAULT_TOP, show_default=True, help="How many top stories to print.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option("--start-worker", is_flag=True,
              help="Distributed mode only: start a Celery worker for the demo (else start `newsagg worker` yourself).")
@click.option("--port", "base_port", default=DEFAULT_PORT, show_default=True,
              help="First port of the demo outlets on 127.0.0.1 (one port each); 0: any free ports.")
@click.option("--verbose", is_flag=True, help="Show the crawl's and the pipeline's log lines too.")
@click.option("--serve", "serve_seconds", default=0.0, type=float,
              help="Keep the demo outlets up this many seconds after the crawl (to crawl them by hand).")
def demo(top: int, as_json: bool, start_worker: bool, base_port: int, verbose: bool, serve_seconds: float) -> None:
    """Watch newsagg work: demo outlets on 127.0.0.1 are crawled, clustered and made searchable.

    \b
    Example:
      newsagg demo                       # embedded: no server needed, under a minute
      newsagg search "storm harbour"     # afterwards: search what the demo indexed
      REDIS_URL=redis://127.0.0.1:6379/0 ELASTICSEARCH_URL=http://127.0.0.1:9200 newsagg demo --start-worker
    """
    from rich.console import Console

    settings = get_settings()
    console = Console(stderr=True)
    if not verbose:  # progress bars tell the story; log lines only for trouble
        logging.getLogger().setLevel(logging.WARNING)

    try:
        if settings.redis_url:
            require_redis(settings.redis_url)
        summary = run_demo(settings, top=top, console=console, start_worker=start_worker,
                           serve_seconds=serve_seconds, verbose=verbose, base_port=base_port)
    except (ServiceUnavailable, CrawlError, StoreUnavailable) as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UserError(f"a demo outlet port from {base_port} on is in use ({exc}): stop the other demo, "
                            f"or pass --port with another first port (or --port 0 for any free ports)") from exc
        raise UserError(f"demo could not start: {exc}. Is {settings.data_dir} writable?") from exc
    if as_json:
        click.echo(json.dumps(summary, default=str))
    else:
        print_stories(summary, Console())
