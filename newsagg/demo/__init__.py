"""`newsagg demo`: watch the whole flow work on demo outlets served on 127.0.0.1.

Starts the fixture web (newsagg/fixture_web.py: invented outlets with feeds, sitemaps,
robots.txt and article pages, wire copies with realistic edits, two languages), crawls it
with the real crawler, runs the real pipeline (enrich -> story engine -> index) and prints
the top stories. Embedded default: no server, everything under the data dir. With
REDIS_URL and ELASTICSEARCH_URL set the very same demo runs distributed: articles go to
Celery on Redis and are indexed in Elasticsearch (start workers with `newsagg worker`, or
pass --start-worker to let the demo start them, --workers N of them).

The crawl goes into a spool first; the articles then enter the pipeline in publication order
(newsagg.demo.handin says why), and the summary scores the clusters against the demo
corpus's own labels (newsagg.demo.labels).
"""
from __future__ import annotations

import dataclasses
import errno
import json
import logging
import time
from typing import Any

import click

from newsagg.core.commands import counted
from newsagg.core.errors import HandoffError, UserError
from newsagg.core.services import ServiceUnavailable, require_redis
from newsagg.core.settings import Settings, get_settings
from newsagg.crawler.run import CrawlError, run_crawl
from newsagg.demo.fixture_web import FixtureWeb
from newsagg.demo.handin import SPOOL_NAME, hand_in
from newsagg.demo.labels import score_against_labels
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


def _wait_for_index(store, inflight, expected: int, timeout: float, progress) -> None:
    """Distributed mode: the articles are queued for Celery; wait until workers indexed them and
    settled every article (an index step writes the article first, then the merges and updates
    of other articles its assignment made; the summary's scores need those too). The summary
    then reports how many made it in time."""
    def indexed_all() -> bool:
        count = store.count_articles()
        progress(count)
        return count >= expected and inflight.count() == 0

    try:
        wait_until(indexed_all, timeout, interval=0.5, what="all demo articles indexed")
    except TimeoutError:
        log.warning("workers did not index every demo article in time", extra={"expected": expected})


def run_demo(settings: Settings, top: int = DEFAULT_TOP, console=None, start_worker: bool = False,
             serve_seconds: float = 0.0, verbose: bool = False, base_port: int | None = None,
             workers: int = 1) -> dict[str, Any]:
    """Serve the demo outlets, crawl them, hand every article to the pipeline in publication
    order, return the top stories and the scores against the corpus labels."""
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
    runtime = get_runtime(settings)
    store = runtime.open_search_store()
    store.setup()  # also tells at once when Elasticsearch is unreachable
    started_workers = []
    if start_worker and settings.distributed:
        # pipeline workers (enrich, assign, index), one process each; their logs go next to the data
        for i in range(1, workers + 1):
            name, log_name = ("demo", "demo-worker.log") if workers == 1 else (f"demo{i}", f"demo-worker-{i}.log")
            started_workers.append(start_celery_worker(name, {}, data_dir / log_name))
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
                crawl_task = bar.add_task("crawl", total=expected)

                def on_progress(stats) -> None:
                    bar.update(crawl_task, completed=min(stats.articles, expected))

                # The demo outlets live on loopback, which a crawl refuses unless told otherwise.
                # Progress bars, not log lines, show what the crawl does: it logs warnings and errors only.
                # The crawl writes the spool; hand_in then hands the articles on in publication order.
                quiet = settings.log_level if verbose else "WARNING"
                crawl_settings = settings.model_copy(update={"allow_private_addresses": True, "log_level": quiet,
                                                             "crawl_handoff": False})
                spool = data_dir / SPOOL_NAME
                stats = run_crawl(sources, settings=crawl_settings, progress=on_progress, jsonl=spool)
                bar.update(crawl_task, completed=expected)
                what = "queue for workers" if settings.distributed else "process"
                hand_task = bar.add_task(f"{what}, in publication order", total=None)
                handed = hand_in(spool, settings,
                                 progress=lambda done, total: bar.update(hand_task, completed=done, total=total))
                bar.update(hand_task, total=handed.handed_in, completed=handed.handed_in)
                if settings.distributed:
                    index_task = bar.add_task("workers indexing", total=expected)
                    _wait_for_index(store, runtime.inflight(), expected, timeout=120.0,
                                    progress=lambda n: bar.update(index_task, completed=min(n, expected)))
                labels = score_against_labels(store, web.expected_articles())
            if serve_seconds:
                console.print(f"demo outlets stay up for {serve_seconds:.0f}s; sources file: {sources}")
                time.sleep(serve_seconds)
    finally:
        for worker in started_workers:
            stop_worker(worker)
    stories = top_stories(store, top)
    summary = {
        "seconds": round(time.monotonic() - started, 2),
        "articles_expected": expected,
        "articles_indexed": store.count_articles(),
        "articles_handed_in": handed.handed_in,
        "crawl": dataclasses.asdict(stats),
        "labels": labels,
        "stories": [store.story(s["cluster_id"]) or s for s in stories],
    }
    store.close()
    runtime.close()  # the engine and store the hand-in used (embedded: built in this process)
    return summary


def print_stories(summary: dict[str, Any], console) -> None:
    crawl = summary["crawl"]
    console.print(f"\n[bold]{summary['articles_indexed']}[/] articles in the store "
                  f"({crawl.get('articles', 0)} new this run) after {summary['seconds']:.1f}s.")
    labels = summary.get("labels") or {}
    events, copies = labels.get("events_bcubed"), labels.get("copies_pairwise")
    if events and copies:
        console.print(f"Against the demo's own labels ({labels['articles']} articles): events BCubed F1 "
                      f"{events['f1']:.3f} (precision {events['precision']:.3f}, recall {events['recall']:.3f}), "
                      f"copy groups pairwise F1 {copies['f1']:.3f}.")
    console.print("Top stories:\n")
    for i, story in enumerate(summary["stories"], 1):
        origin = story.get("originator") or {}
        console.print(f"[bold cyan]{i}. {story.get('headline', '')}[/]  [dim]{story.get('event_id', '')}[/]")
        console.print(f"   {counted(story.get('article_count', 0), 'article')} from "
                      f"{counted(story.get('outlet_count', 0), 'outlet')} "
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
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 8),
              help="With --start-worker: how many worker processes to start.")
@click.option("--port", "base_port", default=DEFAULT_PORT, show_default=True,
              help="First port of the demo outlets on 127.0.0.1 (one port each); 0: any free ports.")
@click.option("--verbose", is_flag=True, help="Show the crawl's and the pipeline's log lines too.")
@click.option("--serve", "serve_seconds", default=0.0, type=float,
              help="Keep the demo outlets up this many seconds after the crawl (to crawl them by hand).")
def demo(top: int, as_json: bool, start_worker: bool, workers: int, base_port: int, verbose: bool,
         serve_seconds: float) -> None:
    """Watch newsagg work: demo outlets on 127.0.0.1 are crawled, clustered and made searchable.

    \b
    Example:
      newsagg demo                       # embedded: no server needed, under a minute
      newsagg search "storm harbour"     # afterwards: search what the demo indexed
      REDIS_URL=redis://127.0.0.1:6379/0 ELASTICSEARCH_URL=http://127.0.0.1:9200 newsagg demo --start-worker --workers 2
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
                           serve_seconds=serve_seconds, verbose=verbose, base_port=base_port, workers=workers)
    except (ServiceUnavailable, CrawlError, StoreUnavailable, HandoffError) as exc:
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
