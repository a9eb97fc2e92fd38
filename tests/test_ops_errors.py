"""Errors an operator meets, each one line that says what to do, with a non-zero exit."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsagg.cli import main
from newsagg.demo.sites import Page, Site
from tests.support.servers import free_port
from tests.support.testpages import article_html, prose

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def _newsagg(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsagg.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=90, cwd=cwd)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("args", [["deadletter", "list"], ["deadletter", "replay", "--all"], ["maintain"],
                                  ["beat", "--sources", str(DEPLOY / "sources.example.yaml")]],
                         ids=["deadletter-list", "deadletter-replay", "maintain", "beat"])
def test_unreachable_redis_is_one_line_saying_what_to_do(args, tmp_path):
    port = free_port()  # nothing listens there
    out = _newsagg(*args, env={"REDIS_URL": f"redis://127.0.0.1:{port}/0", "NEWSAGG_LOG_LEVEL": "INFO"}, cwd=tmp_path)
    text = (out.stdout + out.stderr).strip()
    assert out.returncode != 0, text
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert f"Redis at redis://127.0.0.1:{port}/0 is unreachable" in lines[0]
    assert "Start redis-server or correct REDIS_URL" in lines[0]


def _sources(tmp_path: Path, outlets: list[tuple[str, str]]) -> Path:
    body = "".join(f"  - name: {name}\n    url: {base}/\n    feeds: [{base}/feed.xml]\n    crawl_delay: 0\n"
                   for name, base in outlets)
    path = tmp_path / "sources.yaml"
    path.write_text("outlets:\n" + body, encoding="utf-8")
    return path


@pytest.mark.timeout(120)
def test_crawl_fails_when_every_outlet_failed_and_names_each(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSAGG_CRAWL_HANDOFF", "false")
    monkeypatch.setenv("NEWSAGG_DOWNLOAD_TIMEOUT_S", "5")
    monkeypatch.setenv("NEWSAGG_CRAWL_RETRIES", "0")
    dead = [("Closed Courier", f"http://127.0.0.1:{free_port()}"), ("Gone Gazette", f"http://127.0.0.1:{free_port()}")]
    result = CliRunner().invoke(main, ["crawl", "--sources", str(_sources(tmp_path, dead))])
    assert result.exit_code == 1, result.output
    assert "every outlet failed (2 of 2" in result.output
    for name, _ in dead:
        assert any(line.startswith(name) and "FAILED: nothing fetched" in line for line in result.output.splitlines())


@pytest.mark.timeout(120)
def test_crawl_with_one_outlet_down_succeeds_and_says_which(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSAGG_CRAWL_HANDOFF", "false")
    monkeypatch.setenv("NEWSAGG_CRAWL_RETRIES", "0")
    routes: dict[str, Page] = {}
    site = Site(lambda path, headers: routes.get(path)).start()
    b = site.base_url
    routes["/n/1.html"] = Page(article_html(title="Harbour reopens", paragraphs=prose(1)))
    routes["/feed.xml"] = Page(f'<rss version="2.0"><channel><item><title>Harbour reopens</title><link>{b}/n/1.html</link>'
                               f"</item></channel></rss>", content_type="application/rss+xml")
    routes["/robots.txt"] = Page("User-agent: *\nAllow: /\n", content_type="text/plain")
    try:
        sources = _sources(tmp_path, [("Live Ledger", b), ("Closed Courier", f"http://127.0.0.1:{free_port()}")])
        result = CliRunner().invoke(main, ["crawl", "--sources", str(sources)])
    finally:
        site.stop()
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("Live Ledger") and " ok " in line and "articles 1" in line for line in lines), lines
    assert any(line.startswith("Closed Courier") and "FAILED" in line for line in lines), lines


def test_search_without_a_store_says_which_it_read_and_creates_nothing(tmp_path, monkeypatch):
    data = tmp_path / "elsewhere"
    monkeypatch.setenv("NEWSAGG_DATA_DIR", str(data))
    result = CliRunner().invoke(main, ["search", "storm harbour"])
    assert result.exit_code == 1
    assert f"no search store at {data.resolve() / 'newsagg.sqlite'}" in result.output
    assert "newsagg demo" in result.output
    assert not (data / "newsagg.sqlite").exists()


def test_search_on_an_empty_store_says_it_is_empty(tmp_path, monkeypatch):
    from newsagg.runtime import open_search_store

    store = open_search_store()
    store.setup()
    store.close()
    result = CliRunner().invoke(main, ["search", "storm"])
    assert result.exit_code == 0
    assert "is empty: nothing has been indexed yet" in result.output and "newsagg.sqlite" in result.output
