"""`newsagg search`, `newsagg story` and `newsagg index` as a user runs them, on the embedded
store and on Elasticsearch: the same results shape on both."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from click.testing import CliRunner

from newsagg.cli import main
from newsagg.core.settings import get_settings
from newsagg.runtime import open_search_store
from tests.support.index_articles import election_articles, index_all, storm_articles
from tests.support.servers import free_port


def run(*args):
    """Exit code, and stdout on success (logs go to stderr) or everything on failure."""
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout if result.exit_code == 0 else result.output


def use_elasticsearch(monkeypatch, url: str, **env: str) -> None:
    """Point the CLI at Elasticsearch (a fresh index prefix) the way a user does: environment."""
    monkeypatch.setenv("ELASTICSEARCH_URL", url)
    monkeypatch.setenv("NEWSAGG_INDEX_PREFIX", f"t{uuid.uuid4().hex[:10]}")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()


@pytest.fixture(params=["sqlite", "elasticsearch"])
def loaded(request, monkeypatch):
    """The configured store (by environment, as a user sets it) with both events indexed."""
    if request.param == "elasticsearch":
        use_elasticsearch(monkeypatch, request.getfixturevalue("elasticsearch_url"))
    assert run("index", "setup")[0] == 0
    store = open_search_store(get_settings())
    index_all(store, storm_articles() + election_articles())
    yield store
    if store.kind == "elasticsearch":
        store.drop()
    store.close()


def test_search_prints_stories_with_their_articles_and_copies(loaded):
    code, out = run("search", "storm harbour", "--since", "24h")
    assert code == 0, out
    assert "1. Storm floods Kestrel Bay harbour" in out
    assert "4 articles, 3 outlets, 2 copies" in out
    assert "(+2 copies)" in out and "newsagg story ev-storm" in out
    assert "Maranth" not in out


def test_search_json_has_one_shape_on_every_store(loaded):
    code, out = run("search", "harbour OR council", "--json")
    assert code == 0, out
    results = json.loads(out)
    assert {r["cluster_id"] for r in results} == {"ev-storm", "ev-election"}
    assert set(results[0]) == SHAPE
    assert set(results[0]["top_articles"][0]) == ARTICLE_SHAPE
    code, out = run("search", "Maranth", "--lang", "de", "--json")
    assert [r["cluster_id"] for r in json.loads(out)] == ["ev-election"]
    code, out = run("search", "storm", "--outlet", "nobody")
    assert code == 0 and "No stories match" in out


SHAPE = {"cluster_id", "storyline_id", "score", "headline", "summary", "first_seen", "last_updated", "article_count",
         "outlet_count", "language_count", "copy_count", "group_count", "outlets", "languages", "originator",
         "matched_articles", "top_articles"}
ARTICLE_SHAPE = {"id", "title", "url", "outlet", "language", "published", "is_originator", "copies_of",
                 "copies", "score"}


def test_story_shows_timeline_originator_groups_and_changes(loaded):
    code, out = run("story", "ev-storm")
    assert code == 0, out
    assert "Originator: wirewire" in out
    assert "Timeline (articles per hour):" in out and "#" in out
    assert "g-wire: 3 articles, first by wirewire" in out
    assert "copy (similarity 0.93)" in out and "+ READ ALSO: tides." in out and "new headline" in out
    code, out = run("story", "ev-storm", "--json")
    story = json.loads(out)
    assert story["article_count"] == 4 and len(story["articles"]) == 4
    code, out = run("story", "nope")
    assert code == 1 and "newsagg search" in out


def test_index_status_counts(loaded):
    code, out = run("index", "status", "--json")
    info = json.loads(out)
    assert code == 0 and info["articles"] == 6 and info["clusters"] == 2


def test_bad_input_and_unreachable_elasticsearch_say_what_to_do(monkeypatch):
    code, out = run("search", "storm", "--since", "last tuesday")
    assert code == 1 and "24h" in out and "Traceback" not in out
    use_elasticsearch(monkeypatch, f"http://127.0.0.1:{free_port()}", NEWSAGG_ELASTICSEARCH_TIMEOUT_S="1")
    code, out = run("search", "storm")
    assert code == 1 and "unreachable" in out and "unset ELASTICSEARCH_URL" in out
    code, out = run("index", "migrate")
    assert code == 1 and "unreachable" in out


def test_rollover_and_migrate_from_the_command_line(monkeypatch, elasticsearch_tasks):
    use_elasticsearch(monkeypatch, elasticsearch_tasks.url)
    assert run("index", "setup")[0] == 0
    store = open_search_store(get_settings())
    index_all(store, storm_articles())
    code, out = run("index", "rollover")
    assert code == 0 and "rolled over: True" in out and "-000002" in out
    code, out = run("index", "migrate", "--force", "--delete-old")
    assert code == 0, out
    report = json.loads(out)
    assert report["articles"]["copied"] == 4 and report["clusters"]["copied"] == 1
    code, out = run("search", "storm harbour", "--json")
    assert [r["cluster_id"] for r in json.loads(out)] == ["ev-storm"]
    store.drop()
    store.close()


def test_index_management_needs_elasticsearch():
    code, out = run("index", "migrate")
    assert code == 1 and "ELASTICSEARCH_URL" in out


def test_missing_indices_say_run_setup(monkeypatch, elasticsearch_url):
    use_elasticsearch(monkeypatch, elasticsearch_url)  # a prefix nobody set up
    code, out = run("search", "storm")
    assert code == 1 and "newsagg index setup" in out


@pytest.mark.parametrize("cmd", [["search"], ["story"], ["index"], ["index", "setup"], ["index", "migrate"],
                                 ["index", "rollover"], ["index", "status"], ["index", "roles"], ["kibana"],
                                 ["kibana", "setup"]])
def test_every_command_has_help_with_an_example(cmd):
    code, out = run(*cmd, "--help")
    assert code == 0 and "Example:" in out and "newsagg" in out


def test_nothing_found_says_so_and_suggests_the_looser_form(loaded):
    code, out = run("search", "storm council")
    assert code == 0 and "No story matches all of 'storm council'" in out
    assert "2 stories match the looser form: newsagg search 'storm OR council'" in out


def test_story_opens_from_an_article_url_and_shows_changed_words(loaded):
    wire, copy1 = storm_articles()[:2]
    changed = copy1.model_copy(update={"changes": copy1.changes.model_copy(update={"changed": [(
        "The sea wall held for six hours before the surge broke through near the old lighthouse.",
        "The sea wall held for nine hours before the surge broke through near the old lighthouse.")]})})
    loaded.upsert_articles([changed.model_copy(update={"fetched": changed.fetched + timedelta(minutes=1)})])
    code, out = run("story", copy1.url)
    assert code == 0, out
    assert f"(the story of article {copy1.id})" in out and "Storm floods Kestrel Bay harbour" in out
    assert "~ The sea wall held for [-six-] {+nine+} hours before … lighthouse." in out or \
        "[-six-] {+nine+}" in out
