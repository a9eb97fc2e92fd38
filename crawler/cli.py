"""`newsagg crawl`: crawl the outlets of a sources file once."""
from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table

from newsagg.core.commands import closed_message, current_runtime
from newsagg.core.settings import get_settings
from newsagg.crawler.run import CrawlError, CrawlStats, run_crawl
from newsagg.crawler.sources import SourcesError, load_sources


def _table(stats: CrawlStats) -> Table:
    table = Table(title="crawl", show_header=False)
    for name in ("articles", "pages_fetched", "pages_failed", "feeds_fetched", "sitemaps_fetched", "not_modified", "requests"):
        table.add_row(name.replace("_", " "), str(getattr(stats, name)))
    for kind, counts in (("skipped", stats.skipped), ("errors", stats.errors)):
        if counts:
            table.add_row(kind, ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if stats.duration_s:
        table.add_row("duration", f"{stats.duration_s:.1f} s")
    return table


def _maintain_embedded(settings) -> int:
    """Embedded: close quiet stories after each crawl (no beat runs there); returns how many."""
    if settings.distributed or not settings.crawl_handoff:
        return 0
    return len(current_runtime().maintain())


@click.command("crawl")
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Sources file (YAML); default: NEWSAGG_SOURCES_FILE.")
@click.option("--jsonl", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also append every article as one JSON object a line to this file.")
@click.option("--no-handoff", is_flag=True, help="Do not hand articles to the pipeline (export only).")
@click.option("--json", "as_json", is_flag=True, help="Print the final counts as JSON instead of a table.")
def crawl(sources_file: Path | None, jsonl: Path | None, no_handoff: bool, as_json: bool) -> None:
    """Crawl every outlet of a sources file once: feeds, sitemaps, robots.txt, then article pages.

    Articles already fetched by an earlier run are not fetched again.

    \b
    Example:
      newsagg crawl --sources deploy/sources.example.yaml --jsonl articles.jsonl
    """
    settings = get_settings()
    if no_handoff:
        settings = settings.model_copy(update={"crawl_handoff": False})
    path = sources_file or settings.sources_file
    if not path.exists():
        raise click.ClickException(f"sources file {path} not found: pass --sources FILE or set NEWSAGG_SOURCES_FILE "
                                   "(deploy/sources.example.yaml is a start)")
    console = Console(stderr=True)
    try:
        names = [s.name for s in load_sources(path)]
        if as_json:
            stats = run_crawl(path, settings=settings, jsonl=jsonl)
            click.echo(json.dumps({**stats.__dict__, "closed_stories": _maintain_embedded(settings)}, indent=2))
        else:
            with Live(_table(CrawlStats()), console=console, refresh_per_second=4, transient=False) as live:
                stats = run_crawl(path, settings=settings, jsonl=jsonl, progress=lambda s: live.update(_table(s)))
                live.update(_table(stats))
            console.print()  # the table ends here, apart from whatever is logged next
            for line in outlet_summary(stats, names):
                console.print(line, highlight=False, markup=False)
            closed = _maintain_embedded(settings)
            if closed:
                console.print(closed_message(closed, settings))
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from None
    except CrawlError as exc:
        raise click.ClickException(f"{exc}") from None
    failed = [n for n in names if n in stats.failed_outlets() or not stats.outlets.get(n, {}).get("fetched")]
    if failed and len(failed) == len(names):
        raise click.ClickException(
            f"every outlet failed ({len(names)} of {len(names)}: nothing could be fetched); check the network, "
            f"the URLs in {path} and the warnings above")


def outlet_summary(stats: CrawlStats, names: list[str]) -> list[str]:
    """One line per outlet of the sources file: fetched, errors, articles, or why it failed."""
    lines = []
    width = max(map(len, names), default=0)
    for name in names:
        c = stats.outlets.get(name, {})
        fetched, errors, articles = c.get("fetched", 0), c.get("errors", 0), c.get("articles", 0)
        state = "FAILED: nothing fetched" if not fetched else "ok"
        lines.append(f"{name:{width}s}  {state:23s} fetched {fetched}, errors {errors}, articles {articles}")
    return lines
