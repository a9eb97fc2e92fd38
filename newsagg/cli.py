"""The `newsagg` command line. Each stage owns its commands in its own module
(crawler/cli.py, dedupe/cli.py, workers/cli.py, index/cli.py, newsagg/demo);
this file only gathers them, lazily: a command's module (and Scrapy, Celery,
Elasticsearch, numpy behind it) is imported only when that command runs, so
`newsagg --help` stays fast and works whatever the settings say.

The group reads and checks the settings once (a bad one is one line naming the
variable, exit 2), configures logging and hands the composition root
(newsagg.runtime) down to the command through click's context.
"""
from __future__ import annotations

import importlib
import json
import sys
from typing import Any

import click

from newsagg.core.errors import UserError, settings_error

__all__ = ["main", "UserError", "COMMANDS"]

# name -> ("module:attribute" of the click command, its one-line help for `newsagg --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "crawl": ("newsagg.crawler.cli:crawl",
              "Crawl every outlet of a sources file once: feeds, sitemaps, robots.txt, then article pages."),
    "extract": ("newsagg.crawler.extract.cli:extract",
                "Extract article fields from saved HTML pages (.html or .html.gz), one JSON object per file, in order."),
    "ingest": ("newsagg.crawler.ingest_cli:ingest_cmd",
               "Ingest WARC / WARC.gz archives (CC-NEWS, Heritrix, wget, browsertrix...) and JSON Lines of "
               "articles (newsagg, news-please, trafilatura) through the crawler's extraction and hand-off."),
    "eval": ("newsagg.dedupe.cli:eval_", "Measure newsagg against labelled data."),
    "worker": ("newsagg.workers.cli:worker", "Run a pipeline worker on the Redis broker (needs REDIS_URL)."),
    "deadletter": ("newsagg.workers.cli:deadletter",
                   "Articles the pipeline gave up on: list them, show one, replay them."),
    "beat": ("newsagg.workers.cli:beat",
             "Schedule each outlet's crawl at its interval_minutes and the cluster maintenance."),
    "maintain": ("newsagg.workers.cli:maintain",
                 "Close the stories quiet for NEWSAGG_CLUSTER_QUIET_HOURS: new articles no longer join them, "
                 "and the story engine drops their index entries and texts (memory stays bounded)."),
    "index": ("newsagg.index.cli:index",
              "Set up and maintain the search store (Elasticsearch indices, or the embedded SQLite file)."),
    "search": ("newsagg.index.cli:search",
               "Search the stories: one result per story, with its top articles, copies and storyline."),
    "story": ("newsagg.index.cli:story",
              "Show one story: timeline, outlets, originator, copy groups and the words each copy changed."),
    "kibana": ("newsagg.index.cli:kibana",
               "Kibana for editors: data views, saved searches and a dashboard over the newsagg indices."),
    "demo": ("newsagg.demo:demo",
             "Watch newsagg work: demo outlets on 127.0.0.1 are crawled, clustered and made searchable."),
}

HELP_OPTIONS = ("-h", "--help")


def load_settings():
    """The process's settings, or SettingsError (one line, exit 2) naming the bad variable."""
    from pydantic import ValidationError

    from newsagg.core.settings import Settings, get_settings

    try:
        return get_settings()
    except ValidationError as exc:
        raise settings_error(exc, Settings) from None


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (click's documented lazy-loading
    pattern), with their one-line help listed from COMMANDS without importing them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands or name not in COMMANDS:
            return super().get_command(ctx, name)
        module, _, attr = COMMANDS[name][0].partition(":")
        cmd = getattr(importlib.import_module(module), attr)
        self.add_command(cmd, name)
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))
        rows = []
        for name in names:
            if name in COMMANDS:
                text = COMMANDS[name][1]
                rows.append((name, text if len(text) <= limit else text[:max(0, limit - 3)].rstrip() + "..."))
            else:
                rows.append((name, self.commands[name].get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # `newsagg CMD --help` must work even when a setting is bad: the group's callback
        # (which reads the settings) learns that only help was asked for.
        ctx.meta["newsagg.help_only"] = any(a in HELP_OPTIONS for a in args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            # Redis down in the middle of any command: one line saying what to do, not 70 of traceback
            from newsagg.core.services import as_service_error

            unreachable = as_service_error(exc, getattr(ctx.obj, "settings", None) and ctx.obj.settings.redis_url)
            if unreachable is not None:
                raise UserError(str(unreachable)) from None
            raise


@click.group(cls=LazyGroup, context_settings={"help_option_names": list(HELP_OPTIONS)})
@click.version_option(package_name="newsagg")
@click.option("--log-level", default=None, help="Override NEWSAGG_LOG_LEVEL.")
@click.option("--plain-logs", is_flag=True, help="Plain-text logs instead of JSON lines.")
@click.pass_context
def main(ctx: click.Context, log_level: str | None, plain_logs: bool) -> None:
    """newsagg: follow news outlets, find copies, group coverage of one event, search it.

    \b
    Example:
      newsagg demo                      # crawl demo outlets on 127.0.0.1, show top stories
      newsagg search "storm harbour"    # search the stories afterwards
    """
    if ctx.meta.get("newsagg.help_only"):
        return
    from newsagg.core.logs import configure_logging
    from newsagg.runtime import get_runtime

    s = load_settings()
    level = (log_level or s.log_level).upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise click.BadParameter("choose DEBUG, INFO, WARNING or ERROR", param_hint="--log-level")
    configure_logging(level, json_lines=s.log_json and not plain_logs)
    ctx.obj = get_runtime(s)


@main.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.option("--markdown", is_flag=True, help="Print the configuration reference as a Markdown table.")
def config_cmd(as_json: bool, markdown: bool) -> None:
    """Show every setting, its current value and its environment variable.

    \b
    Example:
      REDIS_URL=redis://127.0.0.1:6379/0 newsagg config
    """
    from newsagg.core.services import mask_url
    from newsagg.core.settings import Settings

    s = load_settings()
    rows = []
    for name, f in Settings.model_fields.items():
        env = f"NEWSAGG_{name.upper()}"
        if f.validation_alias is not None:
            env = " / ".join(getattr(f.validation_alias, "choices", [env]))
        value = getattr(s, name)
        if hasattr(value, "get_secret_value"):
            value = "***"
        elif isinstance(value, str) and "://" in value:  # REDIS_URL, ELASTICSEARCH_URL: password inside
            value = mask_url(value)
        rows.append({"setting": name, "env": env, "default": f.default if not hasattr(f.default, "get_secret_value") else None,
                     "value": value, "description": f.description or ""})
    if as_json:
        click.echo(json.dumps(rows, default=str, indent=2))
    elif markdown:
        click.echo("| setting | environment variable | default | what it does |\n|---|---|---|---|")
        for r in rows:
            click.echo(f"| `{r['setting']}` | `{r['env']}` | `{r['default']}` | {r['description']} |")
    else:
        for r in rows:
            click.echo(f"{r['env']:45s} = {r['value']!s:30s}  {r['description']}")


if __name__ == "__main__":
    sys.exit(main())
