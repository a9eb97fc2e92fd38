"""Copy groups as a user sees them (`newsagg story` on the embedded pipeline) when the
story engine merges two groups of one text after the fact."""
from __future__ import annotations

import json

from click.testing import CliRunner

from newsagg.cli import main
from newsagg.core.settings import get_settings
from newsagg.runtime import open_search_store
from newsagg.workers.handoff import submit_article
from tests.support.engine_texts import (
    INDEPENDENT_TEXT,
    INDEPENDENT_TITLE,
    REWRITE_TEXT,
    REWRITE_TITLE,
    WIRE_PARAGRAPHS,
    WIRE_TEXT,
    WIRE_TITLE,
)


def page(slug: str, title: str, text: str) -> dict:
    return {"url": f"https://{slug}.example.test/news/crane-port-ellison", "title": title, "text": text,
            "language": "en", "fetched": "2026-03-02T16:00:00Z"}


def test_story_shows_one_copy_group_once_the_whole_wire_text_joins_its_two_parts():
    # A reworded version and a copy of the wire's later paragraphs arrive first: two
    # groups. The whole wire text copies both; the stored articles and `newsagg story`
    # then show one group of three, beside the other outlet's own report.
    rewrite = submit_article(page("portnews", REWRITE_TITLE, REWRITE_TEXT))
    trimmed = submit_article(page("herald", "Port Ellison crane: ships queue as union wants inquiry",
                                  "\n\n".join(WIRE_PARAGRAPHS[1:])))
    store = open_search_store(get_settings())
    assert store.get_article(rewrite).group_id != store.get_article(trimmed).group_id
    wire = submit_article(page("northwire", WIRE_TITLE, WIRE_TEXT))
    other = submit_article(page("dailyvarn", INDEPENDENT_TITLE, INDEPENDENT_TEXT))
    stored = {aid: store.get_article(aid) for aid in (rewrite, trimmed, wire, other)}
    assert len({a.event_id for a in stored.values()}) == 1
    assert stored[rewrite].group_id == stored[trimmed].group_id == stored[wire].group_id
    assert stored[other].group_id != stored[wire].group_id
    assert sum(a.is_originator for a in stored.values() if a.group_id == stored[wire].group_id) == 1

    result = CliRunner().invoke(main, ["story", stored[wire].event_id, "--json"])
    assert result.exit_code == 0, result.output
    groups = json.loads(result.stdout)["groups"]
    assert [g["size"] for g in groups] == [3, 1]
    assert set(groups[0]["article_ids"]) == {rewrite, trimmed, wire} and groups[1]["article_ids"] == [other]
