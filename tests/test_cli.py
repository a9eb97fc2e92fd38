"""The `newsagg` command itself: fast help that imports no heavy library, one clear line and
exit 2 for a malformed setting (whatever the command), help that works even then."""
from __future__ import annotations

import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from newsagg.cli import COMMANDS, main
from newsagg.core.settings import get_settings

HEAVY = ("scrapy", "celery", "elasticsearch", "numpy", "trafilatura", "redis", "pydantic_settings")

BAD_SETTINGS = {
    "NEWSAGG_METRICS_PORT": ("abc", "NEWSAGG_METRICS_PORT='abc' is not valid"),
    "NEWSAGG_LOG_JSON": ("maybe", "NEWSAGG_LOG_JSON='maybe' is not valid"),
    "NEWSAGG_LOG_LEVEL": ("LOUD", "must be one of DEBUG, INFO, WARNING, ERROR"),
    "REDIS_URL": ("http://x", "REDIS_URL='http://x' is not valid: must be a redis://"),
    "ELASTICSEARCH_URL": ("not-a-url", "ELASTICSEARCH_URL='not-a-url' is not valid: must be http(s)://"),
}


def _newsagg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsagg.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=60, cwd=os.path.dirname(__file__))


def test_help_imports_no_heavy_library():
    code = ("import sys\nfrom newsagg.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            f"print('imported:', ','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "crawl " in out.stdout and "search " in out.stdout  # the commands are listed ...
    assert out.stdout.strip().splitlines()[-1] == "imported:"  # ... without importing any of them


def test_the_listed_help_is_each_commands_own():
    ctx = click.Context(main)
    for name, (_, text) in COMMANDS.items():
        assert main.get_command(ctx, name).get_short_help_str(500) == text, name


@pytest.mark.parametrize("variable", sorted(BAD_SETTINGS))
def test_a_bad_setting_is_one_line_and_exit_2_for_every_command(variable):
    value, expected = BAD_SETTINGS[variable]
    runner = CliRunner()
    for command in [*sorted(COMMANDS), "config"]:
        get_settings.cache_clear()
        result = runner.invoke(main, [command], env={variable: value})
        assert result.exit_code == 2, (command, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0] and "Correct it or unset it" in lines[0], (command, lines)


def test_help_works_with_a_bad_setting_and_a_command_does_not():
    env = {"NEWSAGG_METRICS_PORT": "abc"}
    for args in (["--help"], ["crawl", "--help"], ["index", "roles", "--help"]):
        out = _newsagg(*args, env=env)
        assert out.returncode == 0 and "Usage:" in out.stdout, (args, out.stderr)
    out = _newsagg("search", "storm", env=env)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [
        "Error: NEWSAGG_METRICS_PORT='abc' is not valid: Input should be a valid integer, unable to parse string "
        "as an integer. Correct it or unset it."]
