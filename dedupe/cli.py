"""`newsagg eval ...`: measure the story engine on labelled data."""
from __future__ import annotations

import json
from pathlib import Path

import click

from newsagg.dedupe.eval import SPLITS, EvalInputError, evaluate


@click.group("eval")
def eval_() -> None:
    """Measure newsagg against labelled data.

    \b
    Example:
      newsagg eval clusters ../shared/data/news-events-dev.jsonl --split holdout --json
    """


def _line(name: str, scores: dict | None) -> str:
    if not scores:
        return f"  {name:8s} (no labels)"
    b, p = scores["bcubed"], scores["pairwise"]
    return (f"  {name:8s} BCubed P {b['precision']:.3f} R {b['recall']:.3f} F1 {b['f1']:.3f}   "
            f"pairwise P {p['precision']:.3f} R {p['recall']:.3f} F1 {p['f1']:.3f}")


@eval_.command("clusters")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--split", type=click.Choice(SPLITS), default="all", show_default=True,
              help="Part of the file to score: the tune topics, the held-out topics, or all (see dedupe/eval.py).")
@click.option("--baseline/--no-baseline", default=True, show_default=True,
              help="Also score plain datasketch MinHashLSH on word 5-shingles in the same run.")
@click.option("--shuffle", type=int, default=None, metavar="SEED",
              help="Stream the articles in an order shuffled with this seed instead of file order.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def clusters(file: Path, split: str, baseline: bool, shuffle: int | None, as_json: bool) -> None:
    """Stream labelled articles (JSON lines: id, text, title?, url?, published?,
    lang?, split?, event, group?, topic?) through the story engine and score its
    event clusters, copy groups and (rows with a topic) storylines: BCubed and
    pairwise precision/recall/F1. Dated rows stream in publication order.

    \b
    Example:
      newsagg eval clusters ../shared/data/news-events-dev.jsonl --split holdout
      newsagg eval clusters ../shared/data/ecbplus-events.jsonl --json
    """
    try:
        result = evaluate(file, split=split, baseline=baseline, shuffle=shuffle)
    except EvalInputError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    order = "file order" if shuffle is None else f"shuffled (seed {shuffle})"
    click.echo(f"{result['file']} split={split}, {order}: {result['articles']} articles, gold {result['gold']['events']} "
               f"events / {result['gold']['groups'] or '-'} copy groups, {result['seconds']}s")
    ms = result["assign_ms"]
    click.echo(f"story engine ({result['clusters']['events']} events, {result['clusters']['groups']} groups; "
               f"assign p50 {ms['p50']} ms, p99 {ms['p99']} ms)")
    click.echo(_line("events", result["events"]))
    click.echo(_line("copies", result["copies"]))
    if "storylines" in result:
        click.echo(_line("storylines", result["storylines"]))
    other = result["other_language"]
    if other["reports"]:
        click.echo(f"other-language reports in their event's main-language event: {other['joined']} of "
                   f"{other['reports']} ({other['share']:.0%})")
    if baseline:
        b = result["baseline"]
        click.echo(f"baseline: {b['method']} ({b['clusters']['events']} clusters)")
        click.echo(_line("events", b["events"]))
        click.echo(_line("copies", b["copies"]))
        if "storylines" in b:
            click.echo(_line("storylines", b["storylines"]))
