"""What only the Elasticsearch store does: templates, versioned indices behind aliases, rollover,
migration with an alias swap, per-item bulk errors, connection and credential errors."""
from __future__ import annotations

import logging
import uuid

import pytest

from conftest import real_elasticsearch
from index.base import StoreUnavailable
from index.es_store import ElasticStore, load_template, redact_url
from newsagg.settings import Settings
from test_index_helpers import election_articles, index_all, storm_articles


@pytest.fixture
def es_store(elasticsearch_url):
    s = ElasticStore(Settings(elasticsearch_url=elasticsearch_url, index_prefix=f"t{uuid.uuid4().hex[:10]}"))
    s.setup()
    yield s
    s.drop()
    s.close()


def test_setup_is_idempotent_and_indices_carry_the_template_mappings(es_store):
    first = {k: es_store.alias_indices(k) for k in ("articles", "clusters", "merges")}
    assert es_store.setup()["created"] == []  # second run changes nothing
    assert {k: es_store.alias_indices(k) for k in first} == first
    (index, props), = first["articles"].items()
    assert index == f"{es_store.prefix}-articles-v1-000001" and props["is_write_index"] is True
    mapping = es_store.es.indices.get_mapping(index=index)[index]["mappings"]["properties"]
    assert mapping["outlet"]["type"] == "keyword" and mapping["published"]["type"] == "date"
    assert mapping["title"]["fields"]["de"]["analyzer"] == "german"
    assert mapping["changes"]["enabled"] is False


def test_language_subfields_find_inflected_words(es_store):
    index_all(es_store, election_articles())
    # "Wahlen" is not in the German article, "wählt" is: the german analyzer stems both to one word
    results = es_store.search("Wahlen Rat", lang="de")
    assert [r["cluster_id"] for r in results] == ["ev-election"]


def test_rejected_document_is_reported_per_item(es_store):
    good, bad = storm_articles()[:2]
    bad = bad.model_copy(update={"word_count": 10**12})  # out of range for the integer mapping
    failures = es_store.upsert_articles([good, bad])
    assert [f["id"] for f in failures] == [bad.id]
    assert failures[0]["status"] == 400 and failures[0]["article"]["url"] == bad.url
    assert failures[0]["retryable"] is False and "word_count" in str(failures[0]["error"])
    assert es_store.count_articles() == 1


def test_rollover_keeps_reindexed_articles_in_place(es_store):
    arts = storm_articles()
    index_all(es_store, arts)
    resp = es_store.rollover()
    assert resp["rolled_over"] and resp["new_index"].endswith("-000002")
    # a re-crawl of an article from the old index updates it there, no twin in the new index
    again = arts[0].model_copy(update={"title": "Storm floods Kestrel Bay harbour (update)"})
    assert es_store.upsert_articles([again]) == []
    es_store.es.indices.refresh(index=es_store.alias("articles"))
    assert es_store.count_articles() == 4
    assert es_store.get_article(arts[0].id).title.endswith("(update)")
    new = election_articles()
    index_all(es_store, new)  # new articles go to the new write index
    counts = {i: es_store.es.count(index=i)["count"] for i in es_store.alias_indices("articles")}
    assert sorted(counts.values()) == [2, 4]


def test_migrate_builds_next_version_and_swaps_aliases(es_store):
    index_all(es_store, storm_articles() + election_articles())
    es_store.rollover()
    report = es_store.migrate(force=True, delete_old=True)
    assert report["articles"]["migrated"] and report["articles"]["copied"] == 6
    assert list(es_store.alias_indices("articles")) == [f"{es_store.prefix}-articles-v2-000001"]
    assert list(es_store.alias_indices("clusters")) == [f"{es_store.prefix}-clusters-v2"]
    assert es_store.count_articles() == 6 and es_store.count_clusters() == 2
    assert [r["cluster_id"] for r in es_store.search("storm harbour")] == ["ev-storm"]
    assert not es_store.es.indices.exists(index=f"{es_store.prefix}-articles-v1-000001")
    # nothing to do when the indices are at the template's version
    assert es_store.migrate()["articles"]["migrated"] is False


def test_unreachable_cluster_says_what_to_do_and_hides_the_password(caplog):
    s = ElasticStore(Settings(elasticsearch_url="http://editor:s3cret-pw@127.0.0.1:9", index_prefix="x",
                              elasticsearch_timeout_s=2))
    s.es = s.es.options(max_retries=0)
    with caplog.at_level(logging.DEBUG), pytest.raises(StoreUnavailable) as err:
        s.search("storm")
    msg = str(err.value)
    assert "unreachable" in msg and "ELASTICSEARCH_URL" in msg and "127.0.0.1:9" in msg
    assert "s3cret" not in msg and "s3cret" not in caplog.text
    assert redact_url("https://u:p@es.example:9200/x") == "https://es.example:9200/x"


def test_missing_ca_file_is_a_clear_error(tmp_path):
    with pytest.raises(StoreUnavailable, match="ELASTICSEARCH_CA_FILE"):
        ElasticStore(Settings(elasticsearch_url="https://127.0.0.1:9200", elasticsearch_ca_file=tmp_path / "nope.pem"))


@pytest.mark.needs_real_es
@pytest.mark.skipif(not real_elasticsearch(), reason="noida-db has no ILM API; set ELASTICSEARCH_URL to a real cluster")
def test_articles_roll_over_by_time_through_ilm(es_store):
    policy = es_store.es.ilm.get_lifecycle(name=es_store.alias("articles"))
    hot = policy[es_store.alias("articles")]["policy"]["phases"]["hot"]["actions"]["rollover"]
    assert hot["max_age"] == es_store.settings.articles_rollover_age
    index = next(iter(es_store.alias_indices("articles")))
    settings = es_store.es.indices.get_settings(index=index)[index]["settings"]["index"]
    assert settings["lifecycle"]["name"] == es_store.alias("articles")


def test_templates_are_versioned_json():
    for kind in ("articles", "clusters", "merges"):
        tpl = load_template(kind)
        assert isinstance(tpl["version"], int) and tpl["mappings"]["_meta"]["newsagg_version"] == tpl["version"]
