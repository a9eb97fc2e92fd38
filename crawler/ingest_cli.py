"""`newsagg ingest`: archives and article exports through the crawler's path."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from newsagg.core.settings import get_settings
from newsagg.crawler.ingest import FORMATS, IngestError, IngestStats, expand_inputs, ingest
from newsagg.crawler.sources import SourcesError


def _skipped(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])) or "none"


def _line(stats: IngestStats) -> str:
    rate = stats.read / stats.seconds if stats.seconds else 0.0
    return (f"read {stats.read}  new {stats.new}  updated {stats.updated}  unchanged {stats.unchanged}  "
            f"skipped {sum(stats.skipped.values())}  failed {stats.failed}  {rate:.0f} records/s")


def _summary(console: Console, stats: IngestStats) -> None:
    console.print(f"ingested {stats.files} file(s) in {stats.seconds:.1f} s: {_line(stats)}")
    if stats.skipped:
        console.print(f"skipped: {_skipped(stats.skipped)}")
    if stats.failed:
        console.print(f"[red]failed {stats.failed}[/red] ({_skipped(stats.failed_by_reason)}):")
        for problem in stats.problems[:20]:
            console.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
        if stats.failed > 20:
            console.print(f"  ... {stats.failed - 20} more (see --json or the log)")


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="Input format; auto: by file name (.warc, .warc.gz, .jsonl, ...) or first bytes.")
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Sources file: pages on an outlet's host get its name, country and language.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Stop after this many records.")
@click.option("--processes", type=click.IntRange(min=1), default=1, show_default=True,
              help="Distributed only: read this many files at once, each in its own process.")
@click.option("--extract-processes", type=click.IntRange(min=0), default=None,
              help="Helper processes extracting pages while this one hands off (default: auto, up to 3 "
                   "on a machine with cores to spare and WARC input over 4 MB; 0: none).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as one JSON object.")
def ingest_cmd(paths: tuple[str, ...], fmt: str, sources_file: Path | None, limit: int | None, processes: int,
               extract_processes: int | None, as_json: bool) -> None:
    """Ingest WARC / WARC.gz archives (CC-NEWS, Heritrix, wget, browsertrix...) and JSON Lines
    of articles (newsagg, news-please, trafilatura) through the crawler's extraction and hand-off.

    PATHS are files, directories (read recursively) or globs. Pages already ingested with the
    same content are counted `unchanged`; a page whose article changed is updated in place.
    Broken records are counted and listed with file and offset; the rest is still read.

    \b
    Example:
      newsagg ingest 'cc-news/*.warc.gz' --sources deploy/sources.example.yaml
      newsagg ingest export.jsonl --json
      REDIS_URL=redis://127.0.0.1:6379/0 newsagg ingest cc-news/ --processes 4
    """
    settings = get_settings()
    if sources_file and not sources_file.exists():
        raise click.ClickException(f"sources file {sources_file} not found")
    console = Console(stderr=True)
    try:
        expand_inputs(paths, fmt)  # a wrong path fails here, before any progress is drawn
        if as_json or not console.is_terminal:
            stats = ingest(paths, fmt, sources_file, limit, settings, processes=processes,
                           extract_processes=extract_processes)
        else:
            columns = (TextColumn("[bold]ingest"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
                       TimeElapsedColumn(), TextColumn("{task.description}"))
            with Progress(*columns, console=console, transient=False) as bar:
                task = bar.add_task("", total=None)

                def show(s: IngestStats) -> None:
                    bar.update(task, completed=s.bytes_read, total=s.bytes_total or None, description=_line(s))

                stats = ingest(paths, fmt, sources_file, limit, settings, progress=show, processes=processes,
                               extract_processes=extract_processes)
    except (IngestError, SourcesError) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(stats.to_json(), ensure_ascii=False))
    else:
        _summary(console, stats)
    if stats.read == 0:
        click.echo("nothing could be read from the input", err=True)
        sys.exit(1)
