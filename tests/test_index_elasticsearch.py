"""What only the Elasticsearch store does: templates, versioned indices behind aliases, rollover,
migration with an alias swap, per-item bulk errors, connection and credential errors."""
from __future__ import annotations

import base64
import json
import logging
import ssl
import subprocess
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from newsagg.core.settings import Settings
from newsagg.index.base import StoreUnavailable
from newsagg.index.documents import article_to_doc
from newsagg.index.es_admin import EsAdmin, load_template
from newsagg.index.es_client import redact_url
from newsagg.index.es_store import ElasticStore
from tests.support.index_articles import election_articles, index_all, storm_articles
from tests.support.servers import real_elasticsearch


@pytest.fixture
def es_store(elasticsearch_url):
    s = ElasticStore(Settings(elasticsearch_url=elasticsearch_url, index_prefix=f"t{uuid.uuid4().hex[:10]}"))
    s.setup()
    yield s
    s.drop()
    s.close()


@pytest.fixture
def tasks_store(elasticsearch_tasks):
    """A store on an Elasticsearch that runs reindexes as tasks (what `migrate` follows)."""
    s = ElasticStore(Settings(elasticsearch_url=elasticsearch_tasks.url, index_prefix=f"t{uuid.uuid4().hex[:10]}"))
    s.setup()
    yield s
    s.drop()
    s.close()


@pytest.fixture
def tasks_admin(tasks_store):
    return EsAdmin(tasks_store.settings, conn=tasks_store.conn)


@pytest.fixture
def admin(es_store):
    """Administration of the same indices, over the store's connection."""
    return EsAdmin(es_store.settings, conn=es_store.conn)


def test_setup_is_idempotent_and_indices_carry_the_template_mappings(es_store, admin):
    first = {k: admin.alias_indices(k) for k in ("articles", "clusters", "merges")}
    assert admin.ensure()["created"] == []  # second run changes nothing
    assert {k: admin.alias_indices(k) for k in first} == first
    (index, props), = first["articles"].items()
    assert index == f"{es_store.prefix}-articles-v2-000001" and props["is_write_index"] is True
    mapping = es_store.es.indices.get_mapping(index=index)[index]["mappings"]["properties"]
    assert mapping["outlet"]["type"] == "keyword" and mapping["published"]["type"] == "date"
    assert mapping["title"]["fields"]["de"]["analyzer"] == "german"
    assert mapping["changes"]["enabled"] is False


def test_language_subfields_find_inflected_words(es_store):
    index_all(es_store, election_articles())
    # the German article says "Busfahrten"; only the german analyzer reduces both to one stem
    results = es_store.search("Busfahrt")
    assert [r["cluster_id"] for r in results] == ["ev-election"]
    assert results[0]["top_articles"][0]["outlet"] == "tagesbote"
    assert [r["cluster_id"] for r in es_store.search("Busfahrt", lang="de")] == ["ev-election"]
    assert es_store.search("Busfahrt", lang="en") == []
    plain = es_store.es.search(index=es_store.alias("articles"), query={"match": {"text": "Busfahrt"}})
    assert plain["hits"]["total"]["value"] == 0  # the standard field alone would miss it


def test_rejected_document_is_reported_per_item(es_store):
    good, bad = storm_articles()[:2]
    bad = bad.model_copy(update={"word_count": 10**12})  # out of range for the integer mapping
    failures = es_store.upsert_articles([good, bad])
    assert [f["id"] for f in failures] == [bad.id]
    assert failures[0]["status"] == 400 and failures[0]["article"]["url"] == bad.url
    assert failures[0]["retryable"] is False and "word_count" in str(failures[0]["error"])
    assert es_store.count_articles() == 1


def test_rollover_keeps_reindexed_articles_in_place(es_store, admin):
    arts = storm_articles()
    index_all(es_store, arts)
    resp = admin.rollover()
    assert resp["rolled_over"] and resp["new_index"].endswith("-000002")
    # a re-crawl of an article from the old index updates it there, no twin in the new index
    again = arts[0].model_copy(update={"title": "Storm floods Kestrel Bay harbour (update)"})
    assert es_store.upsert_articles([again]) == []
    es_store.es.indices.refresh(index=es_store.alias("articles"))
    assert es_store.count_articles() == 4
    assert es_store.get_article(arts[0].id).title.endswith("(update)")
    new = election_articles()
    index_all(es_store, new)  # new articles go to the new write index
    counts = {i: es_store.es.count(index=i)["count"] for i in admin.alias_indices("articles")}
    assert sorted(counts.values()) == [2, 4]


def test_migrate_builds_next_version_and_swaps_aliases(tasks_store, tasks_admin):
    es_store, admin = tasks_store, tasks_admin
    index_all(es_store, storm_articles() + election_articles())
    admin.rollover()
    report = admin.migrate(force=True, delete_old=True)
    assert report["articles"]["migrated"] and report["articles"]["copied"] == 6
    assert list(admin.alias_indices("articles")) == [f"{es_store.prefix}-articles-v3-000001"]
    assert list(admin.alias_indices("clusters")) == [f"{es_store.prefix}-clusters-v3"]
    assert es_store.count_articles() == 6 and es_store.count_clusters() == 2
    assert [r["cluster_id"] for r in es_store.search("storm harbour")] == ["ev-storm"]
    assert not es_store.es.indices.exists(index=f"{es_store.prefix}-articles-v2-000001")
    # nothing to do when the indices are at the template's version
    assert admin.migrate()["articles"]["migrated"] is False


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
def test_articles_roll_over_by_time_through_ilm(es_store, admin):
    policy = es_store.es.ilm.get_lifecycle(name=es_store.alias("articles"))
    hot = policy[es_store.alias("articles")]["policy"]["phases"]["hot"]["actions"]["rollover"]
    assert hot["max_age"] == es_store.settings.articles_rollover_age
    index = next(iter(admin.alias_indices("articles")))
    settings = es_store.es.indices.get_settings(index=index)[index]["settings"]["index"]
    assert settings["lifecycle"]["name"] == es_store.alias("articles")


def test_templates_are_versioned_json():
    for kind in ("articles", "clusters", "merges"):
        tpl = load_template(kind)
        assert isinstance(tpl["version"], int) and tpl["mappings"]["_meta"]["newsagg_version"] == tpl["version"]


class _FakeES(BaseHTTPRequestHandler):
    """Answers every request like a secured cluster with wrong credentials; records the headers."""
    seen: list[dict] = []

    def _reply(self):
        type(self).seen.append({k.lower(): v for k, v in self.headers.items()})
        body = json.dumps({"error": {"type": "security_exception", "reason": "unable to authenticate"},
                           "status": 401}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_HEAD = _reply

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_es(tmp_path):
    """(http_url, https_url, ca_file): the same fake cluster in plain HTTP and behind TLS."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", str(key),
                    "-out", str(cert), "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _FakeES) for _ in range(2)]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    servers[1].socket = ctx.wrap_socket(servers[1].socket, server_side=True)
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    _FakeES.seen = []
    yield (f"http://127.0.0.1:{servers[0].server_address[1]}", f"https://127.0.0.1:{servers[1].server_address[1]}", cert)
    for s in servers:
        s.shutdown()
        s.server_close()


def test_api_key_and_basic_auth_are_sent_and_never_shown(fake_es, caplog):
    http_url, _, _ = fake_es
    with caplog.at_level(logging.DEBUG):
        s = ElasticStore(Settings(elasticsearch_url=http_url, elasticsearch_api_key="c2VjcmV0LWtleS12YWx1ZQ=="))
        with pytest.raises(StoreUnavailable, match="rejected the credentials") as err:
            s.count_articles()
        s2 = ElasticStore(Settings(elasticsearch_url=http_url, elasticsearch_username="newsagg_writer",
                                   elasticsearch_password="pw-do-not-print"))
        with pytest.raises(StoreUnavailable, match="ELASTICSEARCH_USERNAME"):
            s2.search("storm")
    assert _FakeES.seen[0]["authorization"] == "ApiKey c2VjcmV0LWtleS12YWx1ZQ=="
    assert _FakeES.seen[-1]["authorization"] == "Basic " + base64.b64encode(b"newsagg_writer:pw-do-not-print").decode()
    for secret in ("c2VjcmV0LWtleS12YWx1ZQ==", "pw-do-not-print"):
        assert secret not in str(err.value) and secret not in caplog.text


def test_tls_with_a_ca_file(fake_es):
    _, https_url, ca = fake_es
    trusted = ElasticStore(Settings(elasticsearch_url=https_url, elasticsearch_api_key="a2V5", elasticsearch_ca_file=ca))
    with pytest.raises(StoreUnavailable, match="rejected the credentials"):  # TLS handshake done, request answered
        trusted.count_articles()
    untrusted = ElasticStore(Settings(elasticsearch_url=https_url, elasticsearch_api_key="a2V5"))
    untrusted.es = untrusted.es.options(max_retries=0)
    with pytest.raises(StoreUnavailable, match="unreachable"):  # the self-signed certificate is not trusted
        untrusted.count_articles()


def test_migrate_copies_what_was_written_during_the_reindex(tasks_store, tasks_admin):
    es_store, admin = tasks_store, tasks_admin
    index_all(es_store, storm_articles())
    old_index = next(iter(admin.alias_indices("articles")))
    late = election_articles()[0]
    written = []

    def a_worker_writes_after_the_copy(p):  # through the old alias, after the bulk copy, before the swap
        if p.kind == "articles" and p.total and p.done >= p.total and not written:
            es_store.es.index(index=old_index, id=late.id, document=article_to_doc(late), refresh=True)
            written.append(p.task)

    report = admin.migrate(force=True, poll_s=0.1, progress=a_worker_writes_after_the_copy)
    assert written and report["articles"]["copied"] == 4 and report["articles"]["caught_up"] == 1
    es_store.make_visible()
    assert es_store.count_articles() == 5
    assert list(admin.alias_indices("articles")) == [f"{es_store.prefix}-articles-v3-000001"]
    assert es_store.get_article(late.id).title == late.title
