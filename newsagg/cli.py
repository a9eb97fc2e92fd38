"""The `newsagg` command line. Each stage owns its commands in its own module
(crawler/cli.py, dedupe/cli.py, workers/cli.py, index/cli.py, newsagg/demo.py);
this file only gathers them.
"""
from __future__ import annotations

import importlib
import json
import sys

import click

from newsagg.core.logs import configure_logging
from newsagg.core.settings import Settings, get_settings

# module path -> names of the click commands/groups it defines
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "newsagg.crawler.cli": ("crawl",),
    "newsagg.crawler.extract.cli": ("extract",),
    "newsagg.crawler.ingest_cli": ("ingest_cmd",),
    "newsagg.dedupe.cli": ("eval_",),
    "newsagg.workers.cli": ("worker", "deadletter", "beat", "maintain"),
    "newsagg.index.cli": ("index", "search", "story", "kibana"),
    "newsagg.demo": ("demo",),
}


class UserError(click.ClickException):
    """An error a user can fix: printed without a traceback, with what to do next."""


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsagg")
@click.option("--log-level", default=None, help="Override NEWSAGG_LOG_LEVEL.")
@click.option("--plain-logs", is_flag=True, help="Plain-text logs instead of JSON lines.")
def main(log_level: str | None, plain_logs: bool) -> None:
    """newsagg: follow news outlets, find copies, group coverage of one event, search it.

    \b
    Example:
      newsagg demo                      # crawl demo outlets on 127.0.0.1, show top stories
      newsagg search "storm harbour"    # search the stories afterwards
    """
    s = get_settings()
    configure_logging(log_level or s.log_level, json_lines=s.log_json and not plain_logs)


@main.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.option("--markdown", is_flag=True, help="Print the configuration reference as a Markdown table.")
def config_cmd(as_json: bool, markdown: bool) -> None:
    """Show every setting, its current value and its environment variable.

    \b
    Example:
      REDIS_URL=redis://127.0.0.1:6379/0 newsagg config
    """
    s = get_settings()
    rows = []
    for name, f in Settings.model_fields.items():
        env = f"NEWSAGG_{name.upper()}"
        if f.validation_alias is not None:
            env = " / ".join(getattr(f.validation_alias, "choices", [env]))
        value = getattr(s, name)
        if hasattr(value, "get_secret_value"):
            value = "***"
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


def _register() -> None:
    for module, names in COMMAND_MODULES.items():
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            # A stage not built yet must not break the others' commands.
            if exc.name and module.startswith(exc.name):
                continue
            raise
        for name in names:
            cmd = getattr(mod, name, None)
            if isinstance(cmd, click.Command):
                main.add_command(cmd)


_register()

if __name__ == "__main__":
    sys.exit(main())
