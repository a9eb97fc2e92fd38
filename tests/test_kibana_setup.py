"""Kibana saved objects: every field they use exists in the index templates, every reference
and URL template resolves, each saved search's query runs against the indices (noida-db: the
copies search returns copies only), and `newsagg kibana setup` imports what is missing or older
and keeps what an editor changed (a loopback HTTP server stands in for Kibana)."""
from __future__ import annotations

import json
import re
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from newsagg.cli import main
from newsagg.core.settings import get_settings
from newsagg.index.es_admin import load_template
from newsagg.index.kibana import load_objects
from tests.support.index_articles import election_articles, index_all, storm_articles
from tests.support.kql import kql_to_es
from tests.support.servers import free_port, real_elasticsearch


def mapped_fields(props: dict, prefix: str = "") -> set[str]:
    out = set()
    for name, spec in props.items():
        path = prefix + name
        out.add(path)
        out |= {f"{path}.{sub}" for sub in spec.get("fields", {})}
        out |= mapped_fields(spec.get("properties", {}), path + ".")
    return out


FIELDS = {f"newsagg-{kind}": mapped_fields(load_template(kind)["mappings"]["properties"])
          for kind in ("articles", "clusters")}


def kql_fields(query: str) -> set[str]:
    return set(re.findall(r"([A-Za-z_][\w.]*)\s*(?::|>=|<=|>|<)", query))


def fields_used(obj: dict) -> set[str]:
    a = obj["attributes"]
    used = set(a.get("columns", [])) | {s[0] for s in a.get("sort", [])}
    if "timeFieldName" in a:
        used.add(a["timeFieldName"])
    used |= set(json.loads(a.get("fieldFormatMap", "{}")))
    src = json.loads(a.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON", "{}"))
    used |= kql_fields(src.get("query", {}).get("query", ""))
    if "visState" in a:
        state = json.loads(a["visState"])
        for agg in state["aggs"]:
            used |= {agg["params"][k] for k in ("field", "sortField") if k in agg["params"]}
        used |= {c["fieldName"] for c in state["params"].get("controls", [])}
    return used


OBJECTS = load_objects()
BY_ID = {(o["type"], o["id"]): o for o in OBJECTS}


def data_view_of(obj: dict) -> str:
    if obj["type"] == "index-pattern":
        return obj["attributes"]["title"]
    ref = next(r for r in obj["references"] if r["type"] == "index-pattern")
    return BY_ID[("index-pattern", ref["id"])]["attributes"]["title"]


def test_the_objects_editors_need_are_there():
    types = [o["type"] for o in OBJECTS]
    assert types.count("index-pattern") == 2 and types.count("dashboard") == 1
    assert {data_view_of(o) for o in OBJECTS if o["type"] == "index-pattern"} == set(FIELDS)
    dash = BY_ID[("dashboard", "newsagg-dashboard")]
    titles = {BY_ID[(r["type"], r["id"])]["attributes"]["title"] for r in dash["references"]}
    assert {"Outlet, language, country", "Developing now", "Stories in several languages", "Who broke it first",
            "Who copies whom", "Stories by size", "Top stories", "Stories per outlet", "Stories per language"} <= titles
    assert all(o.get("updated_at") for o in OBJECTS)  # the shipped version setup compares


def test_story_charts_count_stories_not_articles():
    """A wire story run by ten outlets is one story: every chart but "who copies whom" reads the
    clusters index (one document per story), and story tables bucket on the event id, not headlines."""
    charts = [o for o in OBJECTS if o["type"] == "visualization" and o["id"] != "newsagg-vis-controls"]
    on_articles = {o["id"] for o in charts if data_view_of(o) == "newsagg-articles"}
    assert on_articles == {"newsagg-vis-copies-per-source"}
    for o in charts:
        buckets = [a["params"].get("field") for a in json.loads(o["attributes"]["visState"])["aggs"] if a["type"] == "terms"]
        assert "headline.raw" not in buckets


def test_ids_link_to_their_story_and_urls_are_clickable():
    searches = {o["id"] for o in OBJECTS if o["type"] == "search"}
    for view in (o for o in OBJECTS if o["type"] == "index-pattern"):
        formats = json.loads(view["attributes"]["fieldFormatMap"])
        assert formats["event_id"]["id"] == "url" and formats["storyline_id"]["id"] == "url"
        for field, fmt in formats.items():
            template = fmt["params"]["urlTemplate"]
            assert "{{value}}" in template
            m = re.search(r"#/view/([\w-]+)\?", template)
            if m:  # opens one of our saved searches filtered to this value
                assert m.group(1) in searches and f"{field}:" in template
        assert "newsagg-story-articles" in formats["event_id"]["params"]["urlTemplate"]
    articles = json.loads(BY_ID[("index-pattern", "newsagg-articles")]["attributes"]["fieldFormatMap"])
    assert articles["url"]["params"]["urlTemplate"] == "{{value}}"
    story = BY_ID[("search", "newsagg-story-articles")]["attributes"]
    assert story["sort"] == [["date", "asc"]]  # in time order


@pytest.mark.parametrize("obj", [o for o in OBJECTS if o["type"] != "dashboard"], ids=lambda o: o["id"])
def test_every_field_a_saved_object_uses_is_mapped(obj):
    used = fields_used(obj)
    assert used, "an object that uses no field checks nothing"
    missing = used - FIELDS[data_view_of(obj)]
    assert not missing, f"{obj['id']} uses unmapped fields {missing}"


def test_every_reference_resolves():
    for obj in OBJECTS:
        names = {r["name"] for r in obj["references"]}
        for r in obj["references"]:
            assert (r["type"], r["id"]) in BY_ID, f"{obj['id']} -> missing {r['type']} {r['id']}"
        src = json.loads(obj["attributes"].get("kibanaSavedObjectMeta", {}).get("searchSourceJSON", "{}"))
        if "indexRefName" in src:
            assert src["indexRefName"] in names
        for panel in json.loads(obj["attributes"].get("panelsJSON", "[]")):
            assert panel["panelRefName"] in names


def test_each_saved_search_runs_against_the_indices_and_copies_means_copies(store):
    """Every saved search's and chart's query, run on Elasticsearch (noida-db) holding a wire story
    with two copies, its originator, an own report and a two-language story."""
    if store.kind != "elasticsearch":
        pytest.skip("saved searches query Elasticsearch")
    index_all(store, [a.model_copy(update={"storyline_id": "sl-kestrel"}) for a in storm_articles()]
              + election_articles())
    store.make_visible()

    def run(obj):
        src = json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
        index = store.alias(data_view_of(obj).split("-", 1)[1])
        hits = store.es.search(index=index, query=kql_to_es(src["query"]["query"]), size=100)["hits"]["hits"]
        return [h["_source"] for h in hits]

    for obj in (o for o in OBJECTS if o["type"] in ("search", "visualization") and o["id"] != "newsagg-vis-controls"):
        assert run(obj), f"{obj['id']} finds nothing"
    copies = run(BY_ID[("search", "newsagg-wire-copies")])
    assert sorted(c["outlet"] for c in copies) == ["bayherald", "coastdaily"]  # copies only, no originator
    assert all(c["is_copy"] and not c["is_originator"] for c in copies)
    assert {c["source_outlet"] for c in copies} == {"wirewire"}  # who copies whom
    multi = run(BY_ID[("search", "newsagg-multilanguage-stories")])
    assert [c["event_id"] for c in multi] == ["ev-election"]
    # the dashboard controls filter articles by the clusters' field names (field aliases; noida-db lacks them)
    mapping = store.es.indices.get_mapping(index=store.alias("articles"))
    props = next(iter(mapping.values()))["mappings"]["properties"]
    assert props["outlets"] == {"type": "alias", "path": "outlet"}
    if real_elasticsearch():
        hits = store.es.search(index=store.alias("articles"), query={"term": {"outlets": "tagesbote"}})["hits"]["hits"]
        assert [h["_source"]["outlet"] for h in hits] == ["tagesbote"]


class _Recorder(BaseHTTPRequestHandler):
    requests: list[dict] = []
    reply: tuple[int, dict] = (200, {"success": True, "successCount": 12})
    existing: dict[str, str] = {}  # object id -> updated_at in "Kibana"

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path.endswith("/_bulk_get"):
            asked = json.loads(body)
            type(self).requests.append({"path": self.path, "asked": asked})
            found = [{"type": a["type"], "id": a["id"], "updated_at": type(self).existing[a["id"]], "attributes": {}}
                     if a["id"] in type(self).existing else
                     {"type": a["type"], "id": a["id"], "error": {"statusCode": 404}} for a in asked]
            return self._send(200, {"saved_objects": found})
        msg = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body)
        files = {p.get_param("name", header="content-disposition"): p.get_payload(decode=True) for p in msg.iter_parts()}
        type(self).requests.append({"path": self.path, "headers": dict(self.headers), "files": files})
        self._send(*type(self).reply)

    def _send(self, status, reply):
        data = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def kibana():
    _Recorder.requests = []
    _Recorder.existing = {}
    _Recorder.reply = (200, {"success": True, "successCount": len(OBJECTS)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder
    server.shutdown()
    server.server_close()


def test_kibana_setup_imports_every_object(kibana, monkeypatch):
    url, rec = kibana
    monkeypatch.setenv("KIBANA_API_KEY", "a2V5OnNlY3JldA==")
    monkeypatch.setenv("NEWSAGG_INDEX_PREFIX", "news2")
    get_settings.cache_clear()
    result = CliRunner().invoke(main, ["kibana", "setup", "--url", url, "--space", "newsroom"])
    assert result.exit_code == 0, result.output
    assert f"imported {len(OBJECTS)} saved objects" in result.output
    listed, req = rec.requests
    assert listed["path"] == "/s/newsroom/api/saved_objects/_bulk_get" and len(listed["asked"]) == len(OBJECTS)
    assert req["path"] == "/s/newsroom/api/saved_objects/_import?overwrite=true"
    assert req["headers"]["kbn-xsrf"] and req["headers"]["Authorization"] == "ApiKey a2V5OnNlY3JldA=="
    sent = [json.loads(line) for line in req["files"]["file"].decode().splitlines()]
    assert [(o["type"], o["id"]) for o in sent] == [(o["type"], o["id"]) for o in OBJECTS]
    views = {o["attributes"]["title"] for o in sent if o["type"] == "index-pattern"}
    assert views == {"news2-articles", "news2-clusters"}  # another index prefix: data views follow it


def test_kibana_setup_keeps_what_an_editor_changed_and_force_overwrites(kibana):
    url, rec = kibana
    shipped = OBJECTS[0]["updated_at"]
    rec.existing = {"newsagg-dashboard": "2099-01-01T00:00:00.000Z",      # an editor changed it after our import
                    "newsagg-vis-languages": "2020-01-01T00:00:00.000Z",  # imported from an older version
                    "newsagg-wire-copies": shipped}                      # already this version
    result = CliRunner().invoke(main, ["kibana", "setup", "--url", url])
    assert result.exit_code == 0, result.output
    sent = [json.loads(line)["id"] for line in rec.requests[-1]["files"]["file"].decode().splitlines()]
    assert "newsagg-dashboard" not in sent and "newsagg-wire-copies" not in sent
    assert "newsagg-vis-languages" in sent and len(sent) == len(OBJECTS) - 2
    assert "kept 2" in result.output and "--force" in result.output
    rec.requests = []
    result = CliRunner().invoke(main, ["kibana", "setup", "--url", url, "--force"])
    assert result.exit_code == 0, result.output
    (req,) = rec.requests  # no listing: everything overwritten
    assert len(req["files"]["file"].decode().splitlines()) == len(OBJECTS)


def test_kibana_setup_reports_rejected_objects_and_unreachable_kibana(kibana):
    url, rec = kibana
    rec.reply = (200, {"success": False, "successCount": 0,
                       "errors": [{"id": "newsagg-dashboard", "error": {"type": "missing_references"}}]})
    result = CliRunner().invoke(main, ["kibana", "setup", "--url", url])
    assert result.exit_code == 1 and "missing_references" in result.output
    dead = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(main, ["kibana", "setup", "--url", dead])
    assert result.exit_code == 1 and "unreachable" in result.output and "KIBANA_URL" in result.output
    result = CliRunner().invoke(main, ["kibana", "setup"])
    assert result.exit_code == 1 and "--url" in result.output


def test_a_broken_objects_file_is_named_with_its_line(kibana, tmp_path):
    url, rec = kibana
    (tmp_path / "mine.ndjson").write_text('{"type": "index-pattern", "id": "x", "attributes": {"title": "x"}}\n{oops\n')
    result = CliRunner().invoke(main, ["kibana", "setup", "--url", url, "--objects", str(tmp_path)])
    assert result.exit_code == 1 and "mine.ndjson:2: not JSON" in result.output
    assert rec.requests == []  # nothing half-imported
