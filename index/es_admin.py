"""Elasticsearch administration, apart from data access: index templates (versioned, shipped in
index/templates/*.json), the articles' ILM policy, creating the versioned indices behind their
aliases, rollover, migrate (next version, reindex, atomic alias swap), roles, and drop.

    admin = EsAdmin(settings)            # needs an admin user (newsagg_admin role)
    admin.ensure(force_templates=True)   # `newsagg index setup`
    admin.migrate(); admin.rollover(max_age="7d"); admin.put_roles()

Workers only ever call `ElasticStore.setup()`, which creates nothing when every alias exists.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError

from newsagg.core.settings import Settings
from newsagg.index.documents import iso
from newsagg.index.es_client import KINDS, EsConnection

log = logging.getLogger(__name__)

# Shipped as package data (newsagg.deploy), so an installed wheel finds it too.
ROLES_FILE = Path(str(files("newsagg.deploy") / "elasticsearch" / "roles.json"))
WRITTEN_AT = {"articles": "indexed_at", "clusters": "updated_at", "merges": "merged_at"}
# Documents written before a field existed get it on the way into the next version.
MIGRATE_SCRIPTS = {
    "articles": "if (ctx._source.story_id == null) { ctx._source.story_id = "
                "ctx._source.event_id != null ? ctx._source.event_id : ctx._id }",
}


def load_template(kind: str) -> dict[str, Any]:
    """The template body (version, settings, mappings) shipped in index/templates/{kind}.json."""
    return json.loads(_template_text(kind))


@lru_cache(maxsize=None)
def _template_text(kind: str) -> str:
    return files("newsagg.index").joinpath("templates", f"{kind}.json").read_text("utf-8")


def analyzed_languages() -> set[str]:
    """Languages with their own analyzer sub-field (title.de, text.de, …) in the articles template."""
    return set(load_template("articles")["mappings"]["properties"]["text"]["fields"])


class EsAdmin:
    """Templates, ILM, indices and aliases, rollover, migrate, roles of one index prefix."""

    def __init__(self, settings: Settings, client: Elasticsearch | None = None,
                 conn: EsConnection | None = None):
        self.conn = conn or EsConnection(settings, client)
        self.settings, self.prefix, self.es = self.conn.settings, self.conn.prefix, self.conn.es
        self.alias, self.index_name, self.version_of = self.conn.alias, self.conn.index_name, self.conn.version_of
        self.alias_indices, self._call = self.conn.alias_indices, self.conn.call

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.conn.close()

    def _ilm_available(self) -> bool:
        try:
            self.es.ilm.get_status()
            return True
        except (ApiError, TransportError) as exc:
            log.warning("no ILM on this cluster (or no right to use it): articles roll over only when "
                        "`newsagg index rollover --max-age 7d` runs", extra={"reason": type(exc).__name__})
            return False

    def put_templates(self) -> dict[str, int]:
        """Install the index templates (and the articles' ILM policy where the cluster has ILM)."""
        versions = {}
        ilm = self._ilm_available()
        for kind in KINDS:
            tpl = load_template(kind)
            settings = dict(tpl["settings"])
            if self.settings.es_replicas is not None:  # 0 on one node: else every index stays yellow
                settings["number_of_replicas"] = self.settings.es_replicas
            if kind == "articles" and ilm:
                policy = self.alias("articles")
                self._call(self.es.ilm.put_lifecycle, name=policy, policy={"phases": {"hot": {"actions": {
                    "rollover": {"max_age": self.settings.articles_rollover_age, "max_primary_shard_size": "50gb"}}}}})
                settings["index.lifecycle.name"] = policy
                settings["index.lifecycle.rollover_alias"] = self.alias("articles")
            self._call(self.es.indices.put_index_template, name=self.alias(kind),
                       index_patterns=[f"{self.alias(kind)}-v*"], priority=200, version=tpl["version"],
                       template={"settings": settings, "mappings": tpl["mappings"]},
                       meta={"managed_by": "newsagg", "kind": kind})
            versions[kind] = tpl["version"]
        log.info("index templates installed", extra={"prefix": self.prefix, "versions": versions, "ilm": ilm})
        return versions

    def ensure(self, force_templates: bool = False) -> dict[str, Any]:
        """Idempotent. When every alias exists it only checks versions (so workers holding just
        the newsagg_writer role can call it); else templates, then each missing alias with its
        first index. `force_templates` re-installs the templates anyway (`newsagg index setup`)."""
        have = {kind: self.alias_indices(kind) for kind in KINDS}
        versions = {kind: load_template(kind)["version"] for kind in KINDS}
        if all(have.values()) and not force_templates:
            for kind, indices in have.items():
                cur = max(self.version_of(i) for i in indices)
                if cur < versions[kind]:
                    log.warning("index mapping is older than the template: run `newsagg index migrate`",
                                extra={"kind": kind, "current": cur, "template": versions[kind]})
            return {"templates": versions, "created": []}
        self.put_templates()
        created = []
        for kind in KINDS:
            if have[kind]:
                continue
            index = self.index_name(kind, versions[kind])
            try:
                self._call(self.es.indices.create, index=index,
                           aliases={self.alias(kind): {"is_write_index": True} if kind == "articles" else {}})
                created.append(index)
            except ApiError as exc:
                if exc.meta.status != 400 or "already_exists" not in str(exc):
                    raise
        if created:
            log.info("indices created", extra={"indices": created})
        return {"templates": versions, "created": created}

    def rollover(self, max_age: str | None = None, max_docs: int | None = None) -> dict[str, Any]:
        """Roll the articles' write index over (when a condition holds; no condition: now)."""
        conditions = {k: v for k, v in {"max_age": max_age, "max_docs": max_docs}.items() if v}
        resp = self._call(self.es.indices.rollover, alias=self.alias("articles"),
                          conditions=conditions or None).body
        log.info("articles rollover", extra={"rolled_over": resp.get("rolled_over"),
                                             "old_index": resp.get("old_index"), "new_index": resp.get("new_index")})
        return resp

    def _reindex(self, kind: str, source: dict[str, Any], dest: str) -> dict[str, Any]:
        script = MIGRATE_SCRIPTS.get(kind)
        extra = {"script": {"source": script, "lang": "painless"}} if script else {}
        return self._call(self.es.reindex, source=source, dest={"index": dest}, refresh=True,
                          wait_for_completion=True, conflicts="proceed", **extra).body

    def migrate(self, force: bool = False, delete_old: bool = False) -> dict[str, Any]:
        """Build the next version of each index whose template is newer (or all with force),
        reindex into it, swap the alias atomically, then copy what was written meanwhile."""
        versions = self.put_templates()
        report: dict[str, Any] = {}
        for kind in KINDS:
            old = self.alias_indices(kind)
            if not old:
                self.ensure()
                continue
            cur = max(self.version_of(i) for i in old)
            if cur >= versions[kind] and not force:
                report[kind] = {"version": cur, "migrated": False}
                continue
            new_version = max(cur + 1, versions[kind])
            new_index = self.index_name(kind, new_version)
            started = iso(datetime.now(timezone.utc))
            self._call(self.es.indices.create, index=new_index)
            alias = self.alias(kind)
            self._call(self.es.indices.refresh, index=alias)
            resp = self._reindex(kind, {"index": alias}, new_index)
            actions: list[dict[str, Any]] = [{"remove": {"index": i, "alias": alias}} for i in old]
            actions.append({"add": {"index": new_index, "alias": alias,
                                    **({"is_write_index": True} if kind == "articles" else {})}})
            self._call(self.es.indices.update_aliases, actions=actions)
            # Documents written to the old indices while the reindex ran: copy them again.
            self._call(self.es.indices.refresh, index=",".join(old))
            r2 = self._reindex(kind, {"index": ",".join(old),
                                      "query": {"range": {WRITTEN_AT[kind]: {"gte": started}}}}, new_index)
            caught_up = r2.get("total", 0)
            if delete_old:
                self._call(self.es.indices.delete, index=",".join(old))
            report[kind] = {"version": new_version, "migrated": True, "index": new_index,
                            "copied": resp.get("total", 0), "caught_up": caught_up,
                            "old_indices": sorted(old), "old_deleted": delete_old}
            log.info("index migrated", extra={"kind": kind, **report[kind]})
        return report

    def role_definitions(self, path: Path | None = None) -> dict[str, dict[str, Any]]:
        """deploy/elasticsearch/roles.json with the index names following this store's prefix."""
        path = path or ROLES_FILE
        text = path.read_text("utf-8")
        if self.prefix != "newsagg":
            text = text.replace('"newsagg-', f'"{self.prefix}-')
        return json.loads(text)

    def put_roles(self, path: Path | None = None) -> list[str]:
        """Create or update the newsagg roles (needs the manage_security privilege, e.g. `elastic`)."""
        roles = self.role_definitions(path)
        for name, body in roles.items():
            self._call(self.es.security.put_role, name=name, **body)
        log.info("roles installed", extra={"roles": sorted(roles)})
        return sorted(roles)

    def drop(self) -> list[str]:
        """Delete every index and template of this prefix (tests, bench, a scratch cluster)."""
        names = []
        for kind in KINDS:
            try:
                names += list(self._call(self.es.indices.get, index=f"{self.alias(kind)}-v*").body)
            except NotFoundError:
                pass
        if names:
            self._call(self.es.indices.delete, index=",".join(sorted(names)))
        for kind in KINDS:
            try:
                self._call(self.es.indices.delete_index_template, name=self.alias(kind))
            except NotFoundError:
                pass
        return sorted(names)
