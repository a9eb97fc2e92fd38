"""Kibana saved objects (deploy/kibana/*.ndjson, written by scripts/kibana_objects.py) and their
import through the saved-objects API.

The objects name the indices `newsagg-articles` / `newsagg-clusters`; with another
index prefix the data views are rewritten on the way in.

An object an editor changed is never overwritten: each shipped object carries its version as
`updated_at`; setup reads Kibana's copies (_bulk_get) and imports only those missing or last
written before that version. `force` imports everything. (An editor's change made before a newer
version ships is replaced by it: Kibana keeps no record of who wrote an object.)
"""
from __future__ import annotations

import base64
import json
import logging
from importlib.resources import files
from pathlib import Path
from typing import Any

import urllib3

from newsagg.core.jsonl import JsonLinesError, read_json_lines
from newsagg.core.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "newsagg"
# Shipped as package data (newsagg.deploy), so an installed wheel finds it too.
OBJECTS_DIR = Path(str(files("newsagg.deploy") / "kibana"))


class KibanaError(RuntimeError):
    """Kibana unreachable, refusing the credentials, or rejecting objects; says what to do next."""


def load_objects(objects_dir: Path | None = None, prefix: str = DEFAULT_PREFIX) -> list[dict[str, Any]]:
    """Every saved object in the directory's *.ndjson files, in file order (data views first)."""
    objects_dir = objects_dir or OBJECTS_DIR
    files = sorted(objects_dir.glob("*.ndjson"))
    if not files:
        raise KibanaError(f"no saved objects (*.ndjson) in {objects_dir}")
    out = []
    for path in files:
        try:
            rows = list(read_json_lines(path))
        except JsonLinesError as exc:
            raise KibanaError(str(exc)) from None
        for _, obj in rows:
            if obj.get("type") == "index-pattern" and prefix != DEFAULT_PREFIX:
                title = obj["attributes"]["title"]
                obj["attributes"]["title"] = title.replace(f"{DEFAULT_PREFIX}-", f"{prefix}-", 1)
            out.append(obj)
    return out


def _auth_header(settings: Settings) -> dict[str, str]:
    if settings.kibana_api_key:
        return {"Authorization": f"ApiKey {settings.kibana_api_key.get_secret_value()}"}
    if settings.elasticsearch_api_key:
        return {"Authorization": f"ApiKey {settings.elasticsearch_api_key.get_secret_value()}"}
    if settings.elasticsearch_username:
        pw = settings.elasticsearch_password.get_secret_value() if settings.elasticsearch_password else ""
        token = base64.b64encode(f"{settings.elasticsearch_username}:{pw}".encode()).decode()
        return {"Authorization": f"Basic {token}"}
    return {}


def _http(settings: Settings, timeout: float) -> urllib3.PoolManager:
    ca = str(settings.elasticsearch_ca_file) if settings.elasticsearch_ca_file else None
    return urllib3.PoolManager(ca_certs=ca, timeout=urllib3.Timeout(total=timeout), retries=urllib3.Retry(2))


def _request(http, method: str, url: str, endpoint: str, headers: dict[str, str], **kw) -> tuple[int, dict, bytes]:
    try:
        resp = http.request(method, endpoint, headers=headers, **kw)
    except urllib3.exceptions.HTTPError as exc:
        raise KibanaError(f"Kibana at {url} is unreachable ({type(exc).__name__}): check --url / KIBANA_URL "
                          "and that Kibana is up (it takes a minute after `docker compose up`).") from None
    if resp.status in (401, 403):
        raise KibanaError(f"Kibana at {url} refused the credentials (HTTP {resp.status}): set KIBANA_API_KEY, "
                          "or ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD of a user allowed to manage saved objects.")
    try:
        body = json.loads(resp.data or b"{}")
    except json.JSONDecodeError:
        body = {}
    return resp.status, body, resp.data or b""


def _stale(objects: list[dict[str, Any]], existing: dict[tuple[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
    """The objects to import: missing in Kibana, or Kibana's copy last written before our version."""
    out = []
    for obj in objects:
        have = existing.get((obj["type"], obj["id"]))
        if have is None or not have.get("updated_at") or not obj.get("updated_at") \
                or have["updated_at"] < obj["updated_at"]:
            out.append(obj)
    return out


def import_saved_objects(url: str, settings: Settings, space: str | None = None,
                         objects_dir: Path | None = None, timeout: float = 30.0,
                         force: bool = False) -> dict[str, Any]:
    """Import what is missing or older than the shipped version into {url}[/s/{space}]
    (POST api/saved_objects/_import?overwrite=true); with `force`, every object."""
    objects = load_objects(objects_dir, settings.index_prefix)
    base = url.rstrip("/") + (f"/s/{space}" if space else "")
    headers = {"kbn-xsrf": "newsagg", **_auth_header(settings)}
    http = _http(settings, timeout)
    existing: dict[tuple[str, str], dict[str, Any]] = {}
    if not force:
        status, body, _ = _request(http, "POST", url, f"{base}/api/saved_objects/_bulk_get",
                                   {**headers, "Content-Type": "application/json"},
                                   body=json.dumps([{"type": o["type"], "id": o["id"]} for o in objects]).encode())
        if status != 200:
            raise KibanaError(f"Kibana at {url} did not list the saved objects (HTTP {status}): {body or ''}")
        existing = {(o["type"], o["id"]): o for o in body.get("saved_objects", []) if not o.get("error")}
    todo = objects if force else _stale(objects, existing)
    kept = [o["id"] for o in objects if o not in todo]
    if kept:
        log.info("kibana objects kept (changed in Kibana, or already at our version)", extra={"ids": kept})
    if not todo:
        return {"url": url, "successCount": 0, "objects": len(objects), "kept": kept}
    payload = "\n".join(json.dumps(o, ensure_ascii=False) for o in todo).encode("utf-8") + b"\n"
    status, body, raw = _request(http, "POST", url, f"{base}/api/saved_objects/_import?overwrite=true", headers,
                                 fields={"file": ("newsagg.ndjson", payload, "application/ndjson")})
    if status != 200 or not body.get("success", False):
        errors = body.get("errors") or body.get("message") or raw[:300].decode("utf-8", "replace")
        raise KibanaError(f"Kibana at {url} did not import the saved objects (HTTP {status}): {errors}")
    log.info("kibana saved objects imported", extra={"kibana": url, "count": body.get("successCount")})
    return {"url": url, "successCount": body.get("successCount", len(todo)), "objects": len(objects), "kept": kept}
