"""`newsagg worker`, `newsagg deadletter list|show|replay`, `newsagg beat`."""
from __future__ import annotations

import json
import os
import tempfile

import click

from newsagg.core.commands import closed_message, current_runtime
from newsagg.core.errors import UserError
from newsagg.core.services import require_redis
from newsagg.core.settings import get_settings
from newsagg.core.text import escape_surrogates
from newsagg.crawler.sources import SourcesError
from newsagg.workers.app import PIPELINE_QUEUES, QUEUES
from newsagg.workers.beat import install_schedule


@click.command("worker")
@click.option("-Q", "--queues", default=",".join(PIPELINE_QUEUES), show_default=True,
              help=f"Comma-separated queues to consume ({', '.join(QUEUES)}).")
@click.option("-P", "--pool", default="solo", show_default=True,
              help="Celery pool. solo: one process, one task at a time; scale by starting more workers.")
@click.option("-c", "--concurrency", default=1, show_default=True, help="Processes/threads for prefork/threads pools.")
@click.option("-n", "--name", default="newsagg@%h", show_default=True, help="Worker node name.")
def worker(queues: str, pool: str, concurrency: int, name: str) -> None:
    """Run a pipeline worker on the Redis broker (needs REDIS_URL).

    \b
    Example:
      REDIS_URL=redis://127.0.0.1:6379/0 newsagg worker                  # enrich, assign, index
      REDIS_URL=redis://127.0.0.1:6379/0 newsagg worker -Q crawl,maintain # crawls and maintenance
    Same as `celery -A workers worker -Q enrich,assign,index -P solo`; Flower: `celery -A workers flower`.
    """
    settings = get_settings()
    if not settings.distributed:
        raise UserError("a worker needs a broker: set REDIS_URL (the embedded default needs no worker)")
    unknown = [q for q in queues.split(",") if q not in QUEUES]
    if unknown:
        raise UserError(f"unknown queue(s) {', '.join(unknown)}; choose from {', '.join(QUEUES)}")
    if pool != "solo" and settings.metrics_port and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Children count into files the endpoint sums (workers/metrics.py); set before
        # prometheus_client is imported, and fresh: counts of an earlier run must not add up.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="newsagg-metrics-")
    app = current_runtime().celery_app()
    app.worker_main(["worker", "-Q", queues, "-P", pool, "-c", str(concurrency), "-n", name,
                     "-l", settings.log_level])


@click.command("maintain")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def maintain(as_json: bool) -> None:
    """Close the stories quiet for NEWSAGG_CLUSTER_QUIET_HOURS: new articles no longer join
    them, and the story engine drops their index entries and texts (memory stays bounded).

    Beat runs it in the distributed setup and `newsagg crawl` after an embedded crawl; run
    it from cron when you feed articles another way.

    \b
    Example:
      newsagg maintain
    """
    settings = get_settings()
    closed = current_runtime().maintain()
    if as_json:
        click.echo(json.dumps({"closed": len(closed), "events": closed}))
    else:
        click.echo(closed_message(len(closed), settings))


@click.command("beat")
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False), default=None,
              help="Sources file (default: NEWSAGG_SOURCES_FILE).")
@click.option("--schedule-file", default=None, help="Where beat keeps its last-run times.")
def beat(sources_file: str | None, schedule_file: str | None) -> None:
    """Schedule each outlet's crawl at its interval_minutes and the cluster maintenance.

    \b
    Example:
      REDIS_URL=redis://127.0.0.1:6379/0 newsagg beat --sources sources.yaml
    """
    settings = get_settings()
    if not settings.distributed:
        raise UserError("beat sends tasks to workers: set REDIS_URL")
    app = current_runtime().celery_app()
    try:
        schedule = install_schedule(app, settings, sources_file)
    except SourcesError as exc:
        raise UserError(str(exc)) from None
    # Celery beat retries an unreachable broker silently forever after its banner: say it now.
    require_redis(settings.redis_url)
    click.echo(f"scheduling {len(schedule) - 1} outlet crawls and cluster maintenance", err=True)
    path = schedule_file or str(settings.ensure_data_dir() / "celerybeat-schedule")
    app.start(["beat", "-s", path, "-l", settings.log_level])


@click.group("deadletter")
def deadletter() -> None:
    """Articles the pipeline gave up on: list them, show one, replay them.

    \b
    Example:
      newsagg deadletter list
      newsagg deadletter replay --all
    """


@deadletter.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line (payload left out).")
@click.option("--limit", type=int, default=None)
def dl_list(as_json: bool, limit: int | None) -> None:
    """Every dead letter: article id, step, reason, error, URL."""
    letters = current_runtime().deadletters().list(limit)
    for d in letters:
        row = {k: v for k, v in d.to_json().items() if k != "payload"}
        if as_json:
            click.echo(escape_surrogates(json.dumps(row, ensure_ascii=False)))
        else:
            err = d.error.splitlines()[0] if d.error else ""
            click.echo(escape_surrogates(f"{d.article_id}  {d.step:7s} {d.reason:17s} x{d.failures} {d.last_failed}  "
                                         f"{d.url or '-'}\n    {err[:160]}"))
    if not as_json:
        click.echo(f"{len(letters)} dead letter(s)", err=True)


@deadletter.command("show")
@click.argument("article_id")
def dl_show(article_id: str) -> None:
    """One dead letter with its payload, as JSON."""
    d = current_runtime().deadletters().get(article_id)
    if d is None:
        raise UserError(f"no dead letter {article_id}; see `newsagg deadletter list`")
    # escaped lone surrogates (a poison payload) still parse back to the payload as stored
    click.echo(escape_surrogates(json.dumps(d.to_json(), ensure_ascii=False, indent=2, default=str)))


@deadletter.command("replay")
@click.argument("article_ids", nargs=-1)
@click.option("--all", "replay_all", is_flag=True, help="Replay every dead letter.")
def dl_replay(article_ids: tuple[str, ...], replay_all: bool) -> None:
    """Re-run dead letters from the step that failed (after fixing the cause).

    Embedded, they run now and any that fail again are reported; distributed,
    they go to the workers and a new failure shows up in `deadletter list`.
    """
    # Not at module level: `newsagg worker` must set PROMETHEUS_MULTIPROC_DIR before
    # prometheus_client (imported by the hand-off's metrics) is first imported.
    from newsagg.workers.handoff import replay

    if not article_ids and not replay_all:
        raise UserError("name article ids to replay, or pass --all")
    res = replay(get_settings(), None if replay_all else list(article_ids))
    click.echo(f"replayed {len(res.replayed)}, failed again {len(res.failed_again)}, not found {len(res.missing)}")
    for aid in res.failed_again:
        click.echo(f"  failed again: {aid}  (newsagg deadletter show {aid})")
    for aid in res.missing:
        click.echo(f"  not a dead letter: {aid}")
    if res.missing and not res.replayed and not res.failed_again:
        raise SystemExit(1)
