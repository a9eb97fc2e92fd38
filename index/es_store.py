"""The Elasticsearch store: versioned indices behind aliases, bulk writes with per-item errors,
cluster documents rebuilt from their articles under optimistic concurrency.

Names (prefix = settings.index_prefix, default "newsagg"):
  {prefix}-articles   alias (read + write) over {prefix}-articles-v{N}-000001, -000002, ... (rollover by time)
  {prefix}-clusters   alias over {prefix}-clusters-v{N}      (_id = event id)
  {prefix}-merges     alias over {prefix}-merges-v{N}        (_id = absorbed event id -> survivor)
Index templates (index/templates/*.json, versioned) give every new index its mapping;
`migrate()` builds the next version, reindexes and swaps the aliases in one atomic call.
"""
from __future__ import annotations

import json
import logging
import re
import time
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from importlib.resources import files
from pathlib import Path
from typing import Any, Iterable

from elasticsearch import (
    ApiError,
    AuthenticationException,
    AuthorizationException,
    ConflictError,
    Elasticsearch,
    NotFoundError,
    TransportError,
    helpers,
)
from elasticsearch import ConnectionError as ESConnectionError

from newsagg.core.schema import Article
from newsagg.core.services import redact_url
from newsagg.core.settings import Settings
from newsagg.index.base import (
    RETRYABLE_STATUS,
    StoreBase,
    StoreUnavailable,
    failure,
    log_kept_newer,
    stored_is_newer,
)
from newsagg.index.documents import article_to_doc, build_cluster, doc_to_article, iso

log = logging.getLogger(__name__)

KINDS = ("articles", "clusters", "merges")
# Shipped as package data (newsagg.deploy), so an installed wheel finds it too.
ROLES_FILE = Path(str(files("newsagg.deploy") / "elasticsearch" / "roles.json"))
MAX_CLUSTER_ARTICLES = 10_000
CONFLICT_RETRIES = 10
WRITTEN_AT = {"articles": "indexed_at", "clusters": "updated_at", "merges": "merged_at"}


def analyzed_languages() -> set[str]:
    """Languages with their own analyzer sub-field (title.de, text.de, …) in the articles template."""
    return set(load_template("articles")["mappings"]["properties"]["text"]["fields"])


def search_fields(lang: str | None) -> list[str]:
    """Fields a query searches: every language sub-field, or only the one of --lang when it has one."""
    sub = f".{lang}" if lang and lang in analyzed_languages() else ".*"
    return ["title^4", f"title{sub}^4", "summary^2", f"summary{sub}^2", "text", f"text{sub}",
            "keywords^2", "entity_names^2"]


def load_template(kind: str) -> dict[str, Any]:
    """The template body (version, settings, mappings) shipped in index/templates/{kind}.json."""
    return json.loads(_template_text(kind))


@lru_cache(maxsize=None)
def _template_text(kind: str) -> str:
    return resources.files("index").joinpath("templates", f"{kind}.json").read_text("utf-8")


def client_from_settings(settings: Settings) -> Elasticsearch:
    """An Elasticsearch client: API key or user/password, TLS with a CA file. Secrets come from the
    environment (settings) and are never logged."""
    if not settings.elasticsearch_url:
        raise StoreUnavailable("ELASTICSEARCH_URL is not set")
    hosts = [h.strip() for h in settings.elasticsearch_url.split(",") if h.strip()]
    kwargs: dict[str, Any] = {"request_timeout": settings.elasticsearch_timeout_s,
                              "retry_on_timeout": True, "max_retries": 3}
    if settings.elasticsearch_api_key:
        kwargs["api_key"] = settings.elasticsearch_api_key.get_secret_value()
    elif settings.elasticsearch_username:
        pw = settings.elasticsearch_password.get_secret_value() if settings.elasticsearch_password else ""
        kwargs["basic_auth"] = (settings.elasticsearch_username, pw)
    if settings.elasticsearch_ca_file:
        if not settings.elasticsearch_ca_file.is_file():
            raise StoreUnavailable(f"ELASTICSEARCH_CA_FILE {settings.elasticsearch_ca_file} does not exist: "
                                   "point it at the cluster's CA certificate (PEM)")
        kwargs["ca_certs"] = str(settings.elasticsearch_ca_file)
    return Elasticsearch(hosts, **kwargs)


class ElasticStore(StoreBase):
    """See index.store for the interface."""

    kind = "elasticsearch"

    def __init__(self, settings: Settings, client: Elasticsearch | None = None):
        self.settings = settings
        self.prefix = settings.index_prefix
        self.url = redact_url(settings.elasticsearch_url.split(",")[0]) if settings.elasticsearch_url else ""
        self.es = client or client_from_settings(settings)
        self._dirty: set[str] = set()

    # ---------------------------------------------------------------- names
    def alias(self, kind: str) -> str:
        return f"{self.prefix}-{kind}"

    def index_name(self, kind: str, version: int) -> str:
        base = f"{self.prefix}-{kind}-v{version}"
        return f"{base}-000001" if kind == "articles" else base

    @staticmethod
    def version_of(index: str) -> int:
        m = re.search(r"-v(\d+)(?:-\d+)?$", index)
        return int(m.group(1)) if m else 0

    # ---------------------------------------------------------------- errors
    def _unavailable(self, exc: Exception) -> StoreUnavailable:
        if isinstance(exc, AuthenticationException):
            return StoreUnavailable(
                f"Elasticsearch at {self.url} rejected the credentials: set ELASTICSEARCH_API_KEY, or "
                "ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD.")
        if isinstance(exc, AuthorizationException):
            return StoreUnavailable(
                f"Elasticsearch at {self.url} refused the request ({exc.message}): the user needs the "
                "newsagg_writer role (deploy/elasticsearch/roles.json).")
        return StoreUnavailable(
            f"Elasticsearch at {self.url} is unreachable ({type(exc).__name__}). Check that it is running "
            "and ELASTICSEARCH_URL is right, or unset ELASTICSEARCH_URL to use the embedded SQLite store.")

    def _call(self, fn, *args, **kwargs):
        """Run one client call; connection and auth problems become StoreUnavailable with a next step."""
        try:
            return fn(*args, **kwargs)
        except (ESConnectionError, AuthenticationException, AuthorizationException) as exc:
            raise self._unavailable(exc) from None
        except NotFoundError as exc:
            if exc.error == "index_not_found_exception":
                raise StoreUnavailable(f"the newsagg indices (prefix {self.prefix!r}) do not exist on Elasticsearch at "
                                       f"{self.url}: run `newsagg index setup` first") from None
            raise

    # ---------------------------------------------------------------- setup, versions, rollover
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

    def alias_indices(self, kind: str) -> dict[str, dict[str, Any]]:
        """{index: alias properties} behind one alias ({} when it does not exist)."""
        try:
            found = self._call(self.es.indices.get_alias, name=self.alias(kind)).body
        except NotFoundError:
            return {}
        return {idx: info["aliases"][self.alias(kind)] for idx, info in found.items()}

    def setup(self, force_templates: bool = False) -> dict[str, Any]:
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

    def migrate(self, force: bool = False, delete_old: bool = False) -> dict[str, Any]:
        """Build the next version of each index whose template is newer (or all with force),
        reindex into it, swap the alias atomically, then copy what was written meanwhile."""
        versions = self.put_templates()
        report: dict[str, Any] = {}
        for kind in KINDS:
            old = self.alias_indices(kind)
            if not old:
                self.setup()
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
            resp = self._call(self.es.reindex, source={"index": alias}, dest={"index": new_index},
                              refresh=True, wait_for_completion=True, conflicts="proceed").body
            actions: list[dict[str, Any]] = [{"remove": {"index": i, "alias": alias}} for i in old]
            actions.append({"add": {"index": new_index, "alias": alias,
                                    **({"is_write_index": True} if kind == "articles" else {})}})
            self._call(self.es.indices.update_aliases, actions=actions)
            # Documents written to the old indices while the reindex ran: copy them again.
            self._call(self.es.indices.refresh, index=",".join(old))
            r2 = self._call(self.es.reindex, source={"index": ",".join(old),
                                                     "query": {"range": {WRITTEN_AT[kind]: {"gte": started}}}},
                            dest={"index": new_index}, refresh=True, wait_for_completion=True, conflicts="proceed").body
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
        """Delete every index of this prefix (tests, and `newsagg index drop` on a scratch cluster)."""
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

    def close(self) -> None:
        self.es.close()

    # ---------------------------------------------------------------- writes
    def _locate(self, ids: list[str], source: bool | list[str] = False) -> dict[str, dict[str, Any]]:
        """Where each existing article lives (concrete index, seq_no/primary_term, requested _source):
        a re-indexed article must stay in its own index, not get a twin in the current write index."""
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(ids), 1000):
            chunk = ids[i:i + 1000]
            resp = self._call(self.es.search, index=self.alias("articles"), query={"ids": {"values": chunk}},
                              size=len(chunk), source=source, seq_no_primary_term=True)
            for h in resp["hits"]["hits"]:
                out[h["_id"]] = h
        return out

    def _bulk(self, actions: list[dict[str, Any]], refresh: str | bool = "wait_for") -> list[dict[str, Any]]:
        """Bulk with per-item results; returns the failed items ({id, status, error})."""
        failed = []
        try:
            for ok, item in helpers.streaming_bulk(self.es, actions, raise_on_error=False, max_retries=3,
                                                   initial_backoff=0.5, refresh=refresh, chunk_size=500):
                if not ok:
                    op = next(iter(item.values()))
                    failed.append({"id": op.get("_id"), "status": op.get("status"),
                                   "error": op.get("error")})
        except (ESConnectionError, AuthenticationException, AuthorizationException) as exc:
            raise self._unavailable(exc) from None
        return failed

    def upsert_articles(self, articles: list[Article | dict]) -> list[dict[str, Any]]:
        """Index articles by id (re-indexing updates in place). Returns the rejected ones
        ({id, status, error, article}); the rest of the batch is stored."""
        failures: list[dict[str, Any]] = []
        docs: dict[str, tuple[Article, dict[str, Any]]] = {}
        for raw in articles:
            try:
                art = raw if isinstance(raw, Article) else Article.model_validate(raw)
                docs[art.id] = (art, article_to_doc(art))
            except Exception as exc:
                failures.append(failure(raw, f"{type(exc).__name__}: {exc}"))
        if not docs:
            return failures
        where = self._locate(list(docs), source=["event_id", "fetched"])
        actions = []
        for aid, (art, doc) in docs.items():
            hit = where.get(aid)
            if hit and stored_is_newer(hit["_source"].get("fetched"), art):
                log_kept_newer(art)
                continue
            old_event = (hit or {}).get("_source", {}).get("event_id")
            if old_event and old_event != art.event_id:
                self._dirty.add(old_event)
            if art.event_id:
                self._dirty.add(art.event_id)
            action = {"_op_type": "index", "_index": hit["_index"] if hit else self.alias("articles"),
                      "_id": aid, "_source": doc}
            if hit:  # replace only the version we looked at; a 409 retries the step, which looks again
                action.update(if_seq_no=hit["_seq_no"], if_primary_term=hit["_primary_term"])
            actions.append(action)
        for f in self._bulk(actions):
            retryable = f["status"] in RETRYABLE_STATUS or f["status"] == 409
            failures.append(failure(docs[f["id"]][0], f["error"], f["status"], retryable))
            log.warning("article rejected by elasticsearch",
                        extra={"article_id": f["id"], "status": f["status"], "error": f["error"]})
        return failures

    def update_articles(self, updates: dict[str, dict[str, Any]]) -> list[str]:
        """Partial updates {article_id: {field: value}} applied through the Article model
        (validated), written with seq_no checks and retried on conflict. Returns ids not found."""
        pending = dict(updates)
        missing: list[str] = []
        for _ in range(CONFLICT_RETRIES):
            if not pending:
                break
            found = self._locate(list(pending), source=True)
            missing += [aid for aid in pending if aid not in found]
            actions = []
            for aid, hit in found.items():
                art = doc_to_article(hit["_source"])
                new = Article.model_validate({**art.to_json(), **pending[aid]})
                for eid in (art.event_id, new.event_id):
                    if eid:
                        self._dirty.add(eid)
                actions.append({"_op_type": "index", "_index": hit["_index"], "_id": aid,
                                "if_seq_no": hit["_seq_no"], "if_primary_term": hit["_primary_term"],
                                "_source": article_to_doc(new)})
            failed = self._bulk(actions)
            retry = {f["id"] for f in failed if f["status"] == 409}
            for f in failed:
                if f["status"] != 409:
                    log.warning("article update rejected", extra={"article_id": f["id"], "error": f["error"]})
            pending = {aid: pending[aid] for aid in retry}
        if missing:
            log.warning("updates for unknown articles", extra={"article_ids": missing})
        return missing

    def _merge_one(self, absorbed: str, survivor: str) -> None:
        for _ in range(CONFLICT_RETRIES):  # conflicts="proceed" skips docs written meanwhile: go again
            self._call(self.es.update_by_query, index=self.alias("articles"), conflicts="proceed", refresh=True,
                       query={"term": {"event_id": absorbed}},
                       script={"source": "ctx._source.event_id = params.survivor", "lang": "painless",
                               "params": {"survivor": survivor}})
            left = self._call(self.es.count, index=self.alias("articles"), query={"term": {"event_id": absorbed}})
            if left["count"] == 0:
                break
        self._call(self.es.index, index=self.alias("merges"), id=absorbed, refresh="wait_for",
                   document={"absorbed": absorbed, "survivor": survivor, "merged_at": iso(datetime.now(timezone.utc))})
        # earlier redirects to the absorbed cluster now lead to the survivor
        self._call(self.es.update_by_query, index=self.alias("merges"), conflicts="proceed", refresh=True,
                   query={"term": {"survivor": absorbed}},
                   script={"source": "ctx._source.survivor = params.survivor", "lang": "painless",
                           "params": {"survivor": survivor}})
        try:
            self._call(self.es.delete, index=self.alias("clusters"), id=absorbed, refresh="wait_for")
        except NotFoundError:
            pass

    def refresh_clusters(self, event_ids: Iterable[str]) -> None:
        """Rebuild each cluster document from its articles (plus those this store saw change).

        Safe under concurrent writers: the document is written only if nobody wrote it since we
        read its seq_no (create if absent); otherwise re-read the articles and try again, so the
        last write always saw every article indexed before it."""
        ids = self._take_dirty(event_ids)
        for eid in sorted(ids):
            for attempt in range(CONFLICT_RETRIES):
                try:
                    cur = self._call(self.es.get, index=self.alias("clusters"), id=eid, source=False)
                    guard = {"if_seq_no": cur["_seq_no"], "if_primary_term": cur["_primary_term"]}
                except NotFoundError:
                    guard = None
                cluster = build_cluster(eid, self._articles_of(eid))
                try:
                    if cluster is None:
                        if guard:
                            self._call(self.es.delete, index=self.alias("clusters"), id=eid, **guard)
                    elif guard:
                        self._call(self.es.index, index=self.alias("clusters"), id=eid, document=cluster, **guard)
                    else:
                        self._call(self.es.create, index=self.alias("clusters"), id=eid, document=cluster)
                    break
                except (ConflictError, NotFoundError):
                    log.info("cluster written concurrently, rebuilding", extra={"event_id": eid, "attempt": attempt})
                    time.sleep(0.05 * (attempt + 1))
            else:
                log.error("cluster not rebuilt after retries", extra={"event_id": eid})

    # ---------------------------------------------------------------- read primitives (see index.base)
    def _find_articles(self, query, since, outlet, lang, size):
        filters: list[dict[str, Any]] = []
        if since:
            filters.append({"range": {"date": {"gte": iso(since)}}})
        if outlet:
            filters.append({"term": {"outlet": outlet}})
        if lang:
            filters.append({"term": {"language": lang}})
        if query.strip():
            must = [{"multi_match": {"query": query, "type": "best_fields", "tie_breaker": 0.3, "lenient": True,
                                     "fields": search_fields(lang)}}]
            sort = None
        else:
            must, sort = [{"match_all": {}}], [{"date": "desc"}]
        resp = self._call(self.es.search, index=self.alias("articles"), size=size, sort=sort,
                          query={"bool": {"must": must, "filter": filters}}, source_excludes=["text"])
        out = []
        for h in resp["hits"]["hits"]:
            src = h["_source"]
            src.setdefault("text", "")
            out.append((doc_to_article(src), float(h["_score"] or 0.0)))
        return out

    def _cluster_docs(self, ids):
        if not ids:
            return {}
        resp = self._call(self.es.mget, index=self.alias("clusters"), ids=sorted(ids))
        return {d["_id"]: d["_source"] for d in resp["docs"] if d.get("found")}

    def _articles_of(self, cluster_id):
        resp = self._call(self.es.search, index=self.alias("articles"), size=MAX_CLUSTER_ARTICLES,
                          query={"term": {"event_id": cluster_id}})
        return [doc_to_article(h["_source"]) for h in resp["hits"]["hits"]]

    def _redirect(self, cluster_id):
        try:
            return self._call(self.es.get, index=self.alias("merges"), id=cluster_id)["_source"]["survivor"]
        except NotFoundError:
            return None

    def get_article(self, article_id: str) -> Article | None:
        hit = self._locate([article_id], source=True).get(article_id)
        return doc_to_article(hit["_source"]) if hit else None

    def make_visible(self) -> None:
        """Refresh the aliases so counts include the last second's writes (status, tests)."""
        self._call(self.es.indices.refresh, index=",".join(self.alias(k) for k in KINDS))

    def count_articles(self) -> int:
        return int(self._call(self.es.count, index=self.alias("articles"))["count"])

    def count_clusters(self) -> int:
        return int(self._call(self.es.count, index=self.alias("clusters"))["count"])
