"""The embedded store: articles, clusters and full-text search in one SQLite file (FTS5).

Thin adapter: documents, cluster building and result shaping come from index.documents.
Safe for several processes on one file: WAL journal, a busy timeout, and every cluster
rebuild reads its articles and writes the cluster in one write transaction.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from newsagg.core.schema import Article
from newsagg.index.base import SearchStore, failure, log_kept_newer, stored_is_newer
from newsagg.index.documents import (
    SearchRequest,
    article_to_doc,
    build_cluster,
    doc_to_article,
    iso,
)
from newsagg.index.query import fts5_phrase, to_fts5

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
# bm25 column weights: title, lead (summary column), text, keywords, entities
BM25 = "bm25(articles_fts, 4.0, 2.0, 1.0, 2.0, 3.0)"
MAX_CANDIDATES = 1000  # matching articles read per search, grouped into stories
PHRASE_BOOST = 1.0  # the whole query as a phrase: its bm25 added with this weight (as ES's `should`)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, event_id TEXT, group_id TEXT, outlet TEXT, language TEXT,
    date TEXT, indexed_at TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS articles_event ON articles(event_id);
CREATE INDEX IF NOT EXISTS articles_date ON articles(date);
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
    title, summary, text, keywords, entities, tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TABLE IF NOT EXISTS clusters (
    event_id TEXT PRIMARY KEY, last_updated TEXT, first_seen TEXT, article_count INTEGER, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS merges (absorbed TEXT PRIMARY KEY, survivor TEXT NOT NULL, merged_at TEXT NOT NULL);
"""


class SqliteStore(SearchStore):
    """See index.store for the interface."""

    kind = "sqlite"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._local = threading.local()
        self._dirty: set[str] = set()

    # ---------------------------------------------------------------- plumbing
    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(_SCHEMA)  # idempotent; a store works without an explicit setup()
            self._local.conn = conn
        return conn

    def _tx(self):
        return _Tx(self.db)

    def setup(self, force: bool = False) -> str:
        self.db.executescript(_SCHEMA)
        self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        log.info("sqlite store ready", extra={"path": str(self.path)})
        return f"SQLite store ready at {self.path}"

    def status(self) -> dict[str, Any]:
        return {"store": self.kind, "articles": self.count_articles(), "clusters": self.count_clusters(),
                "path": str(self.path)}

    def make_visible(self) -> None:
        """Every committed write is visible at once."""

    def drop(self) -> None:
        self.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # ---------------------------------------------------------------- writes
    def _write_article(self, db: sqlite3.Connection, article: Article) -> None:
        source = db.execute("SELECT outlet FROM articles WHERE id = ?", (article.copies_of,)).fetchone() \
            if article.copies_of else None
        doc = article_to_doc(article, source_outlet=source[0] if source else None)
        row = db.execute("SELECT rowid, event_id FROM articles WHERE id = ?", (article.id,)).fetchone()
        if row:
            if row[1] and row[1] != article.event_id:
                self._dirty.add(row[1])
            db.execute("DELETE FROM articles_fts WHERE rowid = ?", (row[0],))
            db.execute("UPDATE articles SET event_id=?, group_id=?, outlet=?, language=?, date=?, indexed_at=?, doc=? "
                       "WHERE rowid=?", (article.event_id, article.group_id, article.outlet, article.language,
                                         doc["date"], doc["indexed_at"], json.dumps(doc), row[0]))
            rowid = row[0]
        else:
            cur = db.execute("INSERT INTO articles (id, event_id, group_id, outlet, language, date, indexed_at, doc) "
                             "VALUES (?,?,?,?,?,?,?,?)", (article.id, article.event_id, article.group_id, article.outlet,
                                                          article.language, doc["date"], doc["indexed_at"], json.dumps(doc)))
            rowid = cur.lastrowid
        # the summary column holds the lead (summary, else the opening): it weighs above the body
        db.execute("INSERT INTO articles_fts (rowid, title, summary, text, keywords, entities) VALUES (?,?,?,?,?,?)",
                   (rowid, article.title, doc["lead"], article.text, " ".join(article.keywords),
                    " ".join(doc["entity_names"])))
        if article.event_id:
            self._dirty.add(article.event_id)

    def upsert_articles(self, articles: list[Article]) -> list[dict[str, Any]]:
        """Insert or replace articles by id. Returns the failures (index.base.failure); the others are stored."""
        failures: list[dict[str, Any]] = []
        db = self.db
        for art in articles:
            try:
                if not isinstance(art, Article):
                    art = Article.model_validate(art)
                with self._tx():
                    row = db.execute("SELECT json_extract(doc, '$.fetched') FROM articles WHERE id = ?",
                                     (art.id,)).fetchone()
                    if row and stored_is_newer(row[0], art):
                        log_kept_newer(art)
                        continue
                    self._write_article(db, art)
            except Exception as exc:  # one bad article must not lose the batch
                f = failure(art, f"{type(exc).__name__}: {exc}",
                            retryable=isinstance(exc, sqlite3.OperationalError))  # locked, disk full
                log.warning("article rejected", extra={"article_id": f["id"], "error": f["error"]})
                failures.append(f)
        return failures

    def update_articles(self, updates: dict[str, dict[str, Any]]) -> list[str]:
        """Partial updates {article_id: {field: value}}; returns the ids not found."""
        missing = []
        db = self.db
        for aid, fields in updates.items():
            with self._tx():
                row = db.execute("SELECT doc FROM articles WHERE id = ?", (aid,)).fetchone()
                if not row:
                    missing.append(aid)
                    continue
                art = doc_to_article(json.loads(row[0]))
                merged = art.model_validate({**art.to_json(), **fields})
                self._write_article(db, merged)
        if missing:
            log.warning("updates for unknown articles", extra={"article_ids": missing})
        return missing

    def _merge_one(self, absorbed: str, survivor: str) -> None:
        db = self.db
        with self._tx():
            for art in self._articles_of(absorbed):
                art.event_id = survivor
                self._write_article(db, art)
            db.execute("DELETE FROM clusters WHERE event_id = ?", (absorbed,))
            db.execute("INSERT OR REPLACE INTO merges VALUES (?,?,?)",
                       (absorbed, survivor, iso(datetime.now(timezone.utc))))
            # earlier redirects to the absorbed cluster now lead to the survivor
            db.execute("UPDATE merges SET survivor = ? WHERE survivor = ?", (survivor, absorbed))

    def refresh_clusters(self, event_ids: Iterable[str]) -> None:
        """Rebuild each cluster document from its articles (also those this store saw change)."""
        ids = self._take_dirty(event_ids)
        db = self.db
        for eid in sorted(ids):
            with self._tx():
                arts = self._articles_of(eid)
                cluster = build_cluster(eid, arts)
                if cluster is None:
                    db.execute("DELETE FROM clusters WHERE event_id = ?", (eid,))
                else:
                    db.execute("INSERT OR REPLACE INTO clusters VALUES (?,?,?,?,?)",
                               (eid, cluster["last_updated"], cluster["first_seen"], cluster["article_count"],
                                json.dumps(cluster)))

    # ---------------------------------------------------------------- read primitives (see index.base)
    @staticmethod
    def _filters(request: SearchRequest) -> tuple[list[str], list[Any]]:
        where, params = [], []
        if request.since:
            where.append("a.date >= ?")
            params.append(iso(request.since))
        if request.until:
            where.append("a.date < ?")
            params.append(iso(request.until))
        if request.outlet:
            where.append("a.outlet = ?")
            params.append(request.outlet)
        if request.lang:
            where.append("a.language = ?")
            params.append(request.lang)
        if request.country:
            where.append("(json_extract(a.doc, '$.country') = ? OR EXISTS "
                         "(SELECT 1 FROM json_each(a.doc, '$.countries') WHERE value = ?))")
            params += [request.country, request.country]
        if request.entity:
            where.append("EXISTS (SELECT 1 FROM json_each(a.doc, '$.entity_names') WHERE lower(value) = lower(?))")
            params.append(request.entity)
        if request.storyline:
            where.append("json_extract(a.doc, '$.storyline_id') = ?")
            params.append(request.storyline)
        return where, params

    def _match(self, request, stories, per_story):
        where, params = self._filters(request)
        match = to_fts5(request.parsed)
        order = "a.date DESC" if request.sort == "recent" or not match else "score DESC"
        if match:
            sql = (f"SELECT a.rowid, coalesce(a.event_id, a.id), -{BM25} AS score FROM articles_fts "
                   "JOIN articles a ON a.rowid = articles_fts.rowid WHERE articles_fts MATCH ?")
            params.insert(0, match)
        else:
            sql = "SELECT a.rowid, coalesce(a.event_id, a.id), 0.0 AS score FROM articles a WHERE 1"
        sql += "".join(f" AND {w}" for w in where) + f" ORDER BY {order} LIMIT ?"
        # The best articles, grouped into stories here (as the Elasticsearch store does): a
        # window over every match costs too much when a query matches most of the index.
        rows = self.db.execute(sql, [*params, min(MAX_CANDIDATES, stories * per_story)]).fetchall()
        kept, per = [], {}
        for rid, story, score in rows:
            if story not in per:
                if len(per) >= stories:
                    continue
                per[story] = 0
            if per[story] < per_story:
                per[story] += 1
                kept.append((rid, score))
        if not kept:
            return []
        marks = ",".join("?" * len(kept))
        docs = dict(self.db.execute(f"SELECT rowid, doc FROM articles WHERE rowid IN ({marks})", [r for r, _ in kept]))
        phrase = fts5_phrase(request.parsed)
        bonus: dict[int, float] = {}
        if phrase:
            bonus = dict(self.db.execute(
                f"SELECT rowid, -{BM25} FROM articles_fts WHERE articles_fts MATCH ? AND rowid IN ({marks})",
                [phrase, *(r for r, _ in kept)]).fetchall())
        return [(doc_to_article(json.loads(docs[rid])), float(sc) + PHRASE_BOOST * bonus.get(rid, 0.0))
                for rid, sc in kept]

    def _article_by_url(self, url):
        row = self.db.execute("SELECT doc FROM articles WHERE json_extract(doc, '$.url') = ? "
                              "OR json_extract(doc, '$.canonical_url') = ? LIMIT 1", (url, url)).fetchone()
        return doc_to_article(json.loads(row[0])) if row else None

    def _storyline_clusters(self, storyline_id):
        return [json.loads(d) for (d,) in self.db.execute(
            "SELECT doc FROM clusters WHERE json_extract(doc, '$.storyline_id') = ?", (storyline_id,))]

    def _cluster_docs(self, ids):
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(f"SELECT event_id, doc FROM clusters WHERE event_id IN ({marks})", list(ids))
        return {eid: json.loads(doc) for eid, doc in rows}

    def _articles_of(self, cluster_id):
        return [doc_to_article(json.loads(d)) for (d,) in
                self.db.execute("SELECT doc FROM articles WHERE event_id = ?", (cluster_id,))]

    def _redirect(self, cluster_id):
        row = self.db.execute("SELECT survivor FROM merges WHERE absorbed = ?", (cluster_id,)).fetchone()
        return row[0] if row else None

    def get_article(self, article_id: str) -> Article | None:
        row = self.db.execute("SELECT doc FROM articles WHERE id = ?", (article_id,)).fetchone()
        return doc_to_article(json.loads(row[0])) if row else None

    def count_articles(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def count_clusters(self) -> int:
        return self.db.execute("SELECT count(*) FROM clusters").fetchone()[0]


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error): one writer at a time across processes."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
