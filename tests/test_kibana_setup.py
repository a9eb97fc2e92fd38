"""Kibana saved objects: every field they use exists in the index templates, every reference
resolves, and `newsagg kibana setup` sends them to the saved-objects import API (a loopback
HTTP server stands in for Kibana and records the request)."""
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
from tests.support.servers import free_port


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
    src = json.loads(a.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON", "{}"))
    used |= kql_fields(src.get("query", {}).get("query", ""))
    if "visState" in a:
        used |= {agg["params"]["field"] for agg in json.loads(a["visState"])["aggs"] if "field" in agg["params"]}
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
    assert types.count("index-pattern") == 2 and types.count("search") == 3 and types.count("dashboard") == 1
    assert {data_view_of(o) for o in OBJECTS if o["type"] == "index-pattern"} == set(FIELDS)
    dash = BY_ID[("dashboard", "newsagg-dashboard")]
    titles = {BY_ID[(r["type"], r["id"])]["attributes"]["title"] for r in dash["references"]}
    assert {"Stories over time", "Top outlets", "Languages", "Countries in the news", "Top entities",
            "Top stories"} <= titles


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


class _Recorder(BaseHTTPRequestHandler):
    requests: list[dict] = []
    reply: tuple[int, dict] = (200, {"success": True, "successCount": 12})

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        msg = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body)
        files = {p.get_param("name", header="content-disposition"): p.get_payload(decode=True) for p in msg.iter_parts()}
        type(self).requests.append({"path": self.path, "headers": dict(self.headers), "files": files})
        status, reply = type(self).reply
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
    (req,) = rec.requests
    assert req["path"] == "/s/newsroom/api/saved_objects/_import?overwrite=true"
    assert req["headers"]["kbn-xsrf"] and req["headers"]["Authorization"] == "ApiKey a2V5OnNlY3JldA=="
    sent = [json.loads(line) for line in req["files"]["file"].decode().splitlines()]
    assert [(o["type"], o["id"]) for o in sent] == [(o["type"], o["id"]) for o in OBJECTS]
    views = {o["attributes"]["title"] for o in sent if o["type"] == "index-pattern"}
    assert views == {"news2-articles", "news2-clusters"}  # another index prefix: data views follow it


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
