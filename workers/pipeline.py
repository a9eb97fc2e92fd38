"""The pipeline steps enrich -> assign -> index as plain functions of JSON payloads.

The Celery tasks (workers.tasks) call one step each; `process_article` runs all
three in process. Steps are idempotent: the article id comes from the canonical
URL, the store upserts by id and the story engine re-assigns an unchanged
article to the same clusters, so a redelivered message changes nothing.
The steps get the engine and the store from the composition root (workers.services),
never build them.
"""
from __future__ import annotations

import gc
import hashlib
import json
import logging
import sqlite3
import threading
from datetime import datetime, timezone
from typing import Any

from pydantic import ValidationError

from newsagg.core.schema import Article, article_id, is_article_id
from newsagg.core.settings import Settings, get_settings
from newsagg.core.text import escape_surrogates, find_lone_surrogate
from newsagg.dedupe.features import article_embedding
from newsagg.dedupe.state import StateError
from newsagg.index.base import StoreUnavailable
from newsagg.workers.enrich import enrich
from newsagg.workers.services import services

log = logging.getLogger(__name__)

STEPS = ("enrich", "assign", "index")


class InvalidArticle(ValueError):
    """Input that no retry can fix: dead-lettered at once with `reason`."""

    def __init__(self, reason: str, article_id: str):
        super().__init__(reason, article_id)  # both in args: Celery re-creates exceptions from args
        self.reason = reason
        self.article_id = article_id

    def __str__(self) -> str:
        return self.reason


class TransientError(RuntimeError):
    """A failure worth retrying (store overloaded, lock timeout)."""


class StoreRejected(RuntimeError):
    """The store refused the document itself (mapping, size): retrying cannot help."""


def payload_article_id(payload: Any) -> str:
    """The article id of a payload, even a broken one (dead letters need a key). Never
    raises, and never returns a payload's id that is not an article id (`../x`)."""
    if isinstance(payload, dict):
        if isinstance(payload.get("article"), dict):  # assign/index payloads wrap the article
            payload = payload["article"]
        if is_article_id(payload.get("id")):
            return payload["id"]
        for key in ("canonical_url", "url"):
            if isinstance(payload.get(key), str) and payload[key].strip():
                return article_id(payload[key])
    try:
        raw = json.dumps(payload, sort_keys=True, default=repr)  # ASCII: surrogates escaped
    except (TypeError, ValueError, RecursionError):
        raw = repr(payload)[:100_000]
    return "invalid-" + hashlib.sha1(raw.encode("utf-8", "surrogatepass")).hexdigest()[:14]


def payload_version(payload: Any) -> float:
    """The version of the article in a payload: when it was fetched (epoch seconds), the
    order the stores keep (a later fetch wins); 0.0 when the payload names none."""
    if isinstance(payload, dict) and isinstance(payload.get("article"), dict):
        payload = payload["article"]
    fetched = payload.get("fetched") if isinstance(payload, dict) else None
    if isinstance(fetched, datetime):
        when = fetched
    else:
        try:
            when = datetime.fromisoformat(str(fetched).replace("Z", "+00:00"))
        except ValueError:
            return 0.0
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()


def payload_size(payload: Any) -> int:
    return len(json.dumps(payload, ensure_ascii=False, default=repr).encode("utf-8"))


def validate(payload: Any, settings: Settings | None = None) -> Article:
    """Check a crawler payload; raise InvalidArticle with a reason a person can act on."""
    settings = settings or get_settings()
    aid = payload_article_id(payload)
    if isinstance(payload, Article):
        payload = payload.to_json()
    if not isinstance(payload, dict):
        raise InvalidArticle(f"payload must be a JSON object with url and text, got {type(payload).__name__}", aid)
    # First: a lone surrogate fails every later encode (size, hash, Redis, logs).
    bad = find_lone_surrogate(payload)
    if bad is not None:
        raise InvalidArticle(f"{bad[0]}: holds a lone surrogate at position {bad[1]} (half of a UTF-16 pair, "
                             f"not valid Unicode); fix the producer's decoding", aid)
    raw_id = payload.get("id")
    if raw_id is not None and not (isinstance(raw_id, str) and (not raw_id.strip() or is_article_id(raw_id))):
        raise InvalidArticle(f"id {escape_surrogates(repr(raw_id))[:80]} is not an article id (20 hex digits "
                             f"from the canonical URL); leave it out and it is computed", aid)
    canonical = payload.get("canonical_url")
    if isinstance(canonical, str) and canonical and not canonical.strip():
        raise InvalidArticle("canonical_url is blank: give the article's canonical URL, or leave the field "
                             "out to use url", aid)
    size = payload_size(payload)
    if size > settings.max_article_bytes:
        raise InvalidArticle(f"payload is {size:,} bytes, larger than max_article_bytes={settings.max_article_bytes:,}", aid)
    try:
        article = Article.model_validate(payload)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'payload'}: {e['msg']}" for e in exc.errors()[:5])
        raise InvalidArticle(f"wrong field types: {problems}", aid) from None
    if not article.url.lower().startswith(("http://", "https://")):
        raise InvalidArticle(f"url must be http(s), got {article.url[:100]!r}", aid)
    if not article.text.strip():
        raise InvalidArticle("empty text: nothing to enrich, cluster or index", aid)
    return article


def components(settings: Settings) -> tuple[Any, Any]:
    """(story engine, search store) for these settings, as the composition root built them
    (once per process and configuration)."""
    svc = services(settings)
    return svc.engine(), svc.search_store()


_assign_lock = threading.Lock()  # the engine is not assumed thread-safe

# The garbage collector's thresholds once a worker process has warmed up: young
# collections walk every cached candidate's features (10-18 ms each, one in some 250
# assignments, measured at 100k-1M articles: bench/README round 12); ten times fewer.
WARM_GC_THRESHOLDS = (700, 100, 10)


class _WarmHeap:
    """Settles a worker process's heap after its first assignment: what it keeps
    for good by then (modules, the engine and its in-memory index) is frozen out
    of the collector's walks (`gc.freeze`: a full collection at 1M articles
    walked the index's million keys, 100+ ms), and young collections come less
    often (`WARM_GC_THRESHOLDS`). Only in a worker process (workers.tasks asks
    for it when Celery starts one): an embedded run shares its process with the
    caller, whose heap is not the pipeline's to settle."""

    def __init__(self) -> None:
        self.wanted = False

    def after_assignment(self) -> None:
        if self.wanted:
            self.wanted = False
            gc.collect()
            gc.freeze()
            gc.set_threshold(*WARM_GC_THRESHOLDS)


warm_heap = _WarmHeap()


# --- the steps

# The enrich step's title-and-lead embedding for the story engine (settings.story_embedding),
# beside the article's fields: not an Article field, so it is never written to the search store.
EMBEDDING_KEY = "story_embedding"


def enrich_step(payload: Any, settings: Settings) -> dict:
    """Validate and enrich; returns the enriched article as JSON."""
    article = enrich(validate(payload, settings))
    out = article.to_json()
    if settings.story_embedding:
        # The encoder's milliseconds are spent here, not in assign (which holds the engine's lock).
        out[EMBEDDING_KEY] = article_embedding(article)
    return out


def _changes_json(changes: Any) -> Any:
    if changes is None:
        return None
    if hasattr(changes, "model_dump"):
        return changes.model_dump(mode="json")
    return changes


def assign_step(payload: dict, settings: Settings) -> dict:
    """Assign the article to its copy group and event; returns what the index step writes."""
    article = Article.model_validate(payload)
    engine, _ = components(settings)
    with _assign_lock:
        a = engine.assign(article, embedding=payload.get(EMBEDDING_KEY))
        warm_heap.after_assignment()
    if a.stale:  # a newer version of this article was assigned already: write nothing
        return {"article": payload, "stale": True, "merged": [], "updates": {}}
    article = Article.model_validate({
        **payload, "event_id": a.event_id, "group_id": a.group_id, "copies_of": a.copies_of,
        "similarity": a.similarity, "is_originator": bool(a.is_originator),
        "storyline_id": a.storyline_id, "changes": _changes_json(a.changes)})
    merged = [list(pair) for pair in (a.merged or [])]
    updates = {k: dict(v) for k, v in (a.updates or {}).items()}
    # The version of each article an update was computed for: a late index message must not
    # apply it over a newer version of that article (index_step).
    versions = engine.fetched_times(updates) if updates else {}
    return {"article": article.to_json(), "merged": merged, "updates": updates, "update_versions": versions}


def changed_events(result: dict) -> list[str]:
    """Event clusters whose summary an assignment changed (pure)."""
    events = {result["article"].get("event_id")}
    events.update(survivor for _, survivor in result.get("merged", []))
    events.update(u.get("event_id") for u in result.get("updates", {}).values())
    return sorted(e for e in events if e)


def index_step(payload: dict, settings: Settings) -> dict:
    """Write the article, the other articles' updates, merges and the changed clusters."""
    article = Article.model_validate(payload["article"])
    if payload.get("stale"):  # the engine logged it
        return {"article_id": article.id, "event_id": None, "events": [], "stale": True}
    _, store = components(settings)
    failures = store.upsert_articles([article])
    if failures:
        f = failures[0]
        message = f"store refused article {article.id} (status {f.get('status')}): {f.get('error')}"[:500]
        if f.get("retryable"):
            raise TransientError(message)
        raise StoreRejected(message)  # the same document would be refused again: dead-letter now
    updates = _current_updates(store, payload.get("updates") or {}, payload.get("update_versions") or {})
    if updates:
        store.update_articles(updates)
    if payload.get("merged"):
        store.apply_merges([tuple(p) for p in payload["merged"]])
    events = changed_events(payload)
    store.refresh_clusters(events)
    return {"article_id": article.id, "event_id": article.event_id, "events": events}


def _current_updates(store: Any, updates: dict[str, dict], versions: dict[str, float]) -> dict[str, dict]:
    """The updates whose article the store does not hold in a newer version than the one the
    update was computed for: a redelivered or late index message (an assignment made before
    that article was fetched again) must not overwrite what the newer version's assignment wrote."""
    current = {}
    for aid, fields in updates.items():
        known = versions.get(aid)
        stored = store.get_article(aid) if known is not None else None
        if stored is not None and stored.fetched.timestamp() > known + 1e-3:
            log.info("stale update not applied: a newer version of the article is stored",
                     extra={"article_id": aid, "fields": sorted(fields)})
            continue
        current[aid] = fields
    return current


STEP_FUNCTIONS = {"enrich": enrich_step, "assign": assign_step, "index": index_step}


def close_quiet(settings: Settings) -> list[str]:
    """Close the story engine's quiet clusters (their LSH entries and texts go) and
    refresh them in the store; returns the closed event ids."""
    engine, store = components(settings)
    with _assign_lock:
        closed = list(engine.maintain() or [])
    if closed:
        store.refresh_clusters(closed)
    return closed


def process_article(payload: dict, settings: Settings | None = None) -> dict:
    """enrich -> assign -> index in process, without Celery (benchmarks, scripts)."""
    settings = settings or get_settings()
    return index_step(assign_step(enrich_step(payload, settings), settings), settings)


# --- which failures are worth a retry

def _transient_types() -> tuple[type[BaseException], ...]:
    import kombu.exceptions
    import redis.exceptions
    from celery.exceptions import SoftTimeLimitExceeded

    types: list[type[BaseException]] = [
        TransientError, ConnectionError, TimeoutError, sqlite3.OperationalError,
        redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, redis.exceptions.BusyLoadingError,
        redis.exceptions.TryAgainError, kombu.exceptions.OperationalError, SoftTimeLimitExceeded]
    # Elasticsearch unreachable (or refusing us): the store says so with StoreUnavailable;
    # the story engine's shared lock not acquired in time (its holder died): wait and retry
    types += [StoreUnavailable, StateError]
    try:
        import elasticsearch

        types += [elasticsearch.ConnectionError, elasticsearch.ConnectionTimeout]
    except (ImportError, AttributeError):
        pass
    return tuple(types)


_TRANSIENT: tuple[type[BaseException], ...] | None = None


def is_transient(exc: BaseException) -> bool:
    """Retry connection trouble, timeouts, locks and overloaded backends; not bugs or bad input."""
    global _TRANSIENT
    if _TRANSIENT is None:
        _TRANSIENT = _transient_types()
    if isinstance(exc, InvalidArticle):
        return False
    if isinstance(exc, _TRANSIENT):
        return True
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "meta", None), "status", None)
    return status in (429, 502, 503, 504)


def retry_delay(retries: int, base: float, cap: float, rand: float) -> float:
    """Exponential back-off with equal jitter: uniform in [c/2, c], c = min(cap, base * 2**retries).

    Jitter keeps workers that failed together from retrying together; the floor
    of c/2 keeps the back-off growing. `rand` in [0, 1) is passed in to stay pure.
    """
    ceiling = min(cap, base * (2 ** max(0, retries)))
    return max(0.0, ceiling / 2 + ceiling / 2 * rand)
