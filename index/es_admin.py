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
import time
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Callable

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError
from elasticsearch.exceptions import GeneralAvailabilityWarning

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


class MigrationError(RuntimeError):
    """A reindex of `newsagg index migrate` that failed or did not finish in time (one line)."""


@dataclass(frozen=True)
class ReindexProgress:
    """Where a followed reindex task is."""

    kind: str
    task: str
    dest: str
    done: int
    total: int
    seconds: float


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

    # ---------------------------------------------------------------- migrate
    def _start_reindex(self, kind: str, source: dict[str, Any], dest: str) -> str:
        """Start a reindex as a cluster task and return its id. Never retried by the client: a
        retried POST could start a second copy; the caller records the id to follow it."""
        script = MIGRATE_SCRIPTS.get(kind)
        extra = {"script": {"source": script, "lang": "painless"}} if script else {}
        return self._call(self.es.options(max_retries=0).reindex, source=source, dest={"index": dest}, refresh=True,
                          wait_for_completion=False, conflicts="proceed", **extra).body["task"]

    def _task(self, task: str) -> dict[str, Any] | None:
        """The tasks API's view of a task (None: the cluster has no record of it)."""
        try:
            with warnings.catch_warnings():  # the client marks the tasks API "technical preview"; ES has had it for years
                warnings.simplefilter("ignore", GeneralAvailabilityWarning)
                return self._call(self.es.tasks.get, task_id=task).body
        except NotFoundError:
            return None

    def _follow(self, kind: str, task: str, dest: str, deadline: float, poll_s: float,
                progress: Callable[[ReindexProgress], None] | None) -> dict[str, Any]:
        """Poll the reindex task until it completes; its response, or MigrationError (one line)."""
        again = "run `newsagg index migrate` again: it follows or restarts the copy, the alias still points at the old indices"
        started = time.monotonic()
        while True:
            state = self._task(task)
            if state is None:
                raise MigrationError(f"{kind}: the reindex task {task} into {dest} is gone (a node restarted?); {again}")
            status = (state.get("task") or {}).get("status") or {}
            done = sum(int(status.get(k) or 0) for k in ("created", "updated", "deleted", "noops", "version_conflicts"))
            if progress:
                progress(ReindexProgress(kind, task, dest, done, int(status.get("total") or 0),
                                         round(time.monotonic() - started, 1)))
            if state.get("completed"):
                if state.get("error"):
                    err = state["error"]
                    raise MigrationError(f"{kind}: the reindex into {dest} failed: {err.get('type')}: "
                                         f"{str(err.get('reason'))[:200]}; {again}")
                resp = state.get("response") or {}
                failures = resp.get("failures") or []
                if failures or resp.get("timed_out"):
                    first = failures[0] if failures else {}
                    cause = first.get("cause") or {}
                    why = f"{cause.get('type', '')}: {str(cause.get('reason', first))[:200]}" if failures else "timed out"
                    raise MigrationError(f"{kind}: the reindex into {dest} failed for {len(failures)} document(s) "
                                         f"(first: {why}); fix the cause and {again}")
                return resp
            if time.monotonic() > deadline:
                raise MigrationError(f"{kind}: the reindex into {dest} is still running after the timeout "
                                     f"({done}/{status.get('total', '?')} documents, task {task}); {again}")
            time.sleep(poll_s)

    def _migrate_meta(self, index: str) -> dict[str, Any]:
        body = self._call(self.es.indices.get_mapping, index=index).body
        return (body.get(index, {}).get("mappings", {}).get("_meta") or {})

    def _note(self, index: str, **state: Any) -> None:
        """The migration's state in the new index's mapping `_meta`: a re-run resumes from it."""
        meta = self._migrate_meta(index)
        meta["newsagg_migrate"] = {**(meta.get("newsagg_migrate") or {}), **state}
        self._call(self.es.indices.put_mapping, index=index, meta=meta)

    def migrate(self, force: bool = False, delete_old: bool = False, timeout_s: float = 3600.0,
                poll_s: float = 2.0, progress: Callable[[ReindexProgress], None] | None = None) -> dict[str, Any]:
        """Build the next version of each index whose template is newer (or all with force),
        reindex into it as a cluster task followed through the tasks API, swap the alias
        atomically once the copy completed without failures, then copy what was written
        meanwhile. Raises MigrationError (one line) on a failed or unfinished copy, the alias
        not swapped. Re-runnable: a copy still running is followed, a failed one started again
        into the same new index (documents overwritten by id), a pending catch-up redone."""
        versions = self.put_templates()
        deadline = time.monotonic() + timeout_s
        report: dict[str, Any] = {}
        for kind in KINDS:
            old = self.alias_indices(kind)
            if not old:
                self.ensure()
                continue
            cur = max(self.version_of(i) for i in old)
            alias = self.alias(kind)
            pending = self._pending_catch_up(kind, old, deadline, poll_s, progress)
            if pending or (cur >= versions[kind] and not force):  # an earlier run's catch-up finished first
                report[kind] = {"version": cur, "migrated": False, **pending}
                continue
            new_version = max(cur + 1, versions[kind])
            new_index = self.index_name(kind, new_version)
            state: dict[str, Any] = {}
            if self._call(self.es.indices.exists, index=new_index):  # an earlier run stopped before the swap
                state = self._migrate_meta(new_index).get("newsagg_migrate") or {}
                log.info("migration resumed", extra={"kind": kind, "index": new_index, "task": state.get("task")})
            else:
                self._call(self.es.indices.create, index=new_index)
            started = state.get("started") or iso(datetime.now(timezone.utc))
            task = state.get("task")
            if task:
                known = self._task(task)
                if known is None or (known.get("completed") and (known.get("error") or (known.get("response") or {})
                                                                 .get("failures"))):
                    task = None  # gone or failed: copy again (by id, into the same index)
            if not task:
                self._call(self.es.indices.refresh, index=alias)
                task = self._start_reindex(kind, {"index": alias}, new_index)
                self._note(new_index, task=task, started=started, old=sorted(old), state="copying")
            resp = self._follow(kind, task, new_index, deadline, poll_s, progress)
            actions: list[dict[str, Any]] = [{"remove": {"index": i, "alias": alias}} for i in old]
            actions.append({"add": {"index": new_index, "alias": alias,
                                    **({"is_write_index": True} if kind == "articles" else {})}})
            self._call(self.es.indices.update_aliases, actions=actions)
            self._note(new_index, state="swapped")
            caught_up = self._catch_up(kind, sorted(old), new_index, started, deadline, poll_s, progress)
            if delete_old:
                self._call(self.es.indices.delete, index=",".join(old))
            report[kind] = {"version": new_version, "migrated": True, "index": new_index,
                            "copied": resp.get("total", 0), "caught_up": caught_up, "task": task,
                            "old_indices": sorted(old), "old_deleted": delete_old}
            log.info("index migrated", extra={"kind": kind, **report[kind]})
        return report

    def _catch_up(self, kind: str, old: list[str], new_index: str, started: str, deadline: float, poll_s: float,
                  progress: Callable[[ReindexProgress], None] | None) -> int:
        """Documents written to the old indices while the copy ran: copied again (a task too)."""
        try:
            self._call(self.es.indices.refresh, index=",".join(old))
            task = self._start_reindex(kind, {"index": ",".join(old),
                                              "query": {"range": {WRITTEN_AT[kind]: {"gte": started}}}}, new_index)
            resp = self._follow(kind, task, new_index, deadline, poll_s, progress)
        except MigrationError as exc:
            raise MigrationError(f"{exc} (the alias already points at {new_index}; a re-run copies "
                                 f"what was written to the old indices during the reindex)") from None
        self._note(new_index, state="done")
        return resp.get("total", 0)

    def _pending_catch_up(self, kind: str, current: dict[str, Any], deadline: float, poll_s: float,
                          progress: Callable[[ReindexProgress], None] | None) -> dict[str, Any]:
        """A migration that swapped the alias but did not finish its catch-up copy: finish it."""
        for index in sorted(current):
            state = self._migrate_meta(index).get("newsagg_migrate") or {}
            if state.get("state") == "swapped":
                old = [i for i in state.get("old") or [] if self._call(self.es.indices.exists, index=i)]
                if old:
                    return {"caught_up": self._catch_up(kind, old, index, state["started"], deadline, poll_s, progress)}
                self._note(index, state="done")
        return {}

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
