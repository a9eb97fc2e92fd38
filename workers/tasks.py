"""Celery tasks: one per pipeline step (own queue each), crawl and maintenance.

Each step task runs its pipeline function, then sends the next step. A transient
failure retries with exponential back-off and jitter; the last failed retry, bad
input and unexpected errors go to the dead-letter store with the error.
"""
from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import logging
import random
import signal
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

import redis
from celery import Task, signals
from celery.exceptions import Reject

from newsagg.core.logs import configure_logging
from newsagg.core.settings import Settings, get_settings
from newsagg.core.text import detect_language, escape_surrogates
from newsagg.workers import beat as _beat  # noqa: F401  (connects the beat_init schedule loader)
from newsagg.workers import metrics
from newsagg.workers.app import QUEUES, app
from newsagg.workers.deadletter import DeadLetter, add_with_retry
from newsagg.workers.inflight import NEWEST
from newsagg.workers.pipeline import (
    STEP_FUNCTIONS,
    InvalidArticle,
    StoreRejected,
    is_transient,
    payload_article_id,
    payload_version,
    retry_delay,
    warm_heap,
)
from newsagg.workers.services import services

log = logging.getLogger(__name__)

# The header naming a pipeline message in the in-flight ledger ("<article id>|<sequence>").
MESSAGE_MARK = "newsagg_msg"

ARTICLE_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("article_id", default=None)
# Settings a caller passed to submit_article (embedded, eager): the tasks use them rather
# than the environment's, so a crawl run with Settings(data_dir=...) writes there.
CALLER_SETTINGS: contextvars.ContextVar[Settings | None] = contextvars.ContextVar("caller_settings", default=None)


def task_settings() -> Settings:
    return CALLER_SETTINGS.get() or get_settings()


class ArticleIdFilter(logging.Filter):
    """Adds the article id of the task running in this context to every log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        aid = ARTICLE_ID.get()
        if aid and not hasattr(record, "article_id"):
            record.article_id = aid
        return True


def install_log_filter() -> None:
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, ArticleIdFilter) for f in handler.filters):
            handler.addFilter(ArticleIdFilter())


@signals.setup_logging.connect
def _setup_logging(**_: Any) -> None:
    # Connected: Celery leaves logging to us (JSON lines with the article id).
    s = get_settings()
    configure_logging(s.log_level, json_lines=s.log_json)
    install_log_filter()
    if logging.getLogger().level > logging.DEBUG:
        # "Task ... received" / "succeeded" for each of the three steps of every article: six
        # lines an article at INFO (metrics and Flower count them). Failures still log (WARNING+).
        for name in ("celery.worker.strategy", "celery.app.trace"):
            logging.getLogger(name).setLevel(logging.WARNING)


@signals.worker_process_init.connect
def _settle_heap_when_warm(**_: Any) -> None:
    # A worker process (prefork child): its heap is the pipeline's (pipeline.warm_heap).
    warm_heap.wanted = True


@signals.before_task_publish.connect
def _short_argsrepr(sender: str | None = None, body: Any = None, headers: dict | None = None, **_: Any) -> None:
    # Celery puts repr(args) into its log lines and task events (Flower): for a pipeline step
    # that is the whole article text, 8.5 KB a message. The article id says which one.
    if headers is None or sender not in _PIPELINE_TASK_NAMES:
        return
    try:
        payload = body[0][0]  # task protocol 2: (args, kwargs, embed)
    except (TypeError, IndexError, KeyError):
        return
    aid = payload_article_id(payload)
    headers["argsrepr"] = f"(<article {aid}>,)"
    # The in-flight ledger notes the message (workers.inflight): if the broker loses it
    # (popped, never acknowledged; dropped by Redis), its article is handed in again.
    settings = task_settings()
    if settings.distributed:
        try:
            mark = services(settings).inflight().published(aid, _PIPELINE_TASK_NAMES[sender])
        except redis.RedisError as exc:  # the publish meets the same trouble; the ledger's last resort remains
            log.debug("message not noted in the in-flight ledger", extra={"article_id": aid, "error": str(exc)[:200]})
        else:
            if mark:
                headers[MESSAGE_MARK] = mark


@signals.worker_init.connect
def _load_models(**_: Any) -> None:
    # The language model takes a second or more to load on a busy machine: load it before
    # the first step's time limit counts (a prefork pool's children inherit it).
    detect_language("")


@signals.worker_ready.connect
def _worker_ready(**_: Any) -> None:
    s = get_settings()
    metrics.serve(s.metrics_port, services(s).redis() if s.distributed else None, QUEUES)


_task_tokens: dict[str, contextvars.Token] = {}


@signals.task_prerun.connect
def _task_prerun(task_id: str = "", task=None, args=None, **_: Any) -> None:
    # Celery's own lines about a pipeline task ("succeeded in ...") carry the article id too.
    if isinstance(task, PipelineTask) and args:
        _task_tokens[task_id] = ARTICLE_ID.set(payload_article_id(args[0]))


@signals.task_postrun.connect
def _task_postrun(task_id: str = "", **_: Any) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        ARTICLE_ID.reset(token)


class StepTimeout(TimeoutError):
    """A step ran past task_time_limit_s (transient: retried, then dead-lettered)."""


@contextlib.contextmanager
def _time_limit(seconds: float, enabled: bool):
    """SIGALRM deadline for a step. The solo pool enforces no Celery time limit, and a
    hung step would hold its worker forever; only in a worker's main thread."""
    if not enabled or seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise StepTimeout(f"step exceeded task_time_limit_s={seconds}")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class PipelineTask(Task):
    """Base of the step tasks: retry policy, metrics, dead letters."""

    step = ""
    throws = (InvalidArticle, StoreRejected)  # expected failures: Celery logs them without a traceback

    def run_step(self, payload: Any, then: Callable[[Any], Any] | None = None) -> Any:
        settings = task_settings()
        aid = payload_article_id(payload)
        token = ARTICLE_ID.set(aid)
        started = time.perf_counter()
        try:
            with _time_limit(settings.task_time_limit_s, enabled=not self.request.is_eager):
                out = STEP_FUNCTIONS[self.step](payload, settings)
            if then is not None:
                then(out)
        except InvalidArticle as exc:
            metrics.FAILED.labels(self.step, "invalid").inc()
            log.warning("invalid article", extra={"article_id": aid, "step": self.step, "reason": exc.reason})
            raise
        except Exception as exc:
            if not is_transient(exc):
                metrics.FAILED.labels(self.step, "error").inc()
                log.exception("step failed", extra={"article_id": aid, "step": self.step})
                raise
            metrics.FAILED.labels(self.step, "transient").inc()
            retries = self.request.retries or 0
            if retries >= settings.task_max_retries:
                raise
            delay = retry_delay(retries, settings.retry_backoff_s, settings.retry_backoff_max_s, random.random())
            log.warning("transient failure, retrying", extra={
                "article_id": aid, "step": self.step, "retry": retries + 1, "of": settings.task_max_retries,
                "countdown_s": round(delay, 3), "error": f"{type(exc).__name__}: {exc}"[:300]})
            if self.request.is_eager:
                time.sleep(delay)  # eager retries run at once; the back-off happens here
            try:
                raise self.retry(exc=exc, countdown=delay, max_retries=settings.task_max_retries)
            except Reject as rej:
                # The retry could not be published (broker down): put the message back
                # instead of letting Celery drop it.
                log.error("retry not published; requeueing", extra={"article_id": aid, "step": self.step})
                raise Reject(rej.reason, requeue=True) from None
        else:
            elapsed = time.perf_counter() - started
            metrics.PROCESSED.labels(self.step).inc()
            metrics.LATENCY.labels(self.step).observe(elapsed)
            log.debug("step done", extra={"article_id": aid, "step": self.step, "seconds": round(elapsed, 4)})
            return out
        finally:
            ARTICLE_ID.reset(token)

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        # An exception here is "Unrecoverable error" to Celery: the worker dies and the
        # message goes to the next worker, which dies too. So this never raises.
        payload = args[0] if args else (kwargs or {}).get("payload")
        try:
            self._deadletter(exc, payload, einfo)
        except Exception as failure:
            log.critical("dead letter not written; the message is dropped", extra={
                "step": self.step, "task_id": task_id, "error": f"{type(failure).__name__}: {failure}"[:300],
                "task_error": f"{type(exc).__name__}: {exc}"[:300]})

    def _deadletter(self, exc, payload, einfo) -> None:
        if isinstance(exc, InvalidArticle):
            reason, error = "invalid", exc.reason
        elif isinstance(exc, StoreRejected):
            reason, error = "rejected", str(exc)
        elif is_transient(exc):
            reason, error = "retries-exhausted", f"{type(exc).__name__}: {exc}"
        else:
            reason = "error"
            error = f"{type(exc).__name__}: {exc}\n{str(einfo.traceback)[-3000:] if einfo else ''}".strip()
        letter = DeadLetter(article_id=payload_article_id(payload), step=self.step, reason=reason,
                            error=escape_surrogates(error[:5000]), payload=payload,
                            attempts=(self.request.retries or 0) + 1)
        try:
            add_with_retry(task_settings(), letter)
        except (TypeError, ValueError, RecursionError) as unstorable:  # the payload itself cannot be written
            letter.payload = {"unstorable_payload": escape_surrogates(repr(payload)[:100_000]),
                              "why": f"{type(unstorable).__name__}: {unstorable}"[:300]}
            add_with_retry(task_settings(), letter)
        metrics.DEADLETTERED.labels(self.step, reason).inc()
        log.error("article dead-lettered", extra={"article_id": letter.article_id, "step": self.step,
                                                  "reason": reason, "error": error[:300]})
        _settle(letter.article_id, payload)


def _settle(article_id: str, payload: Any = None) -> None:
    """Indexed or dead-lettered: the article leaves the in-flight ledger (distributed),
    unless a newer version of it is in flight there. Best effort: an article left there is
    handed in once more later, which is harmless."""
    settings = task_settings()
    version = payload_version(payload) if payload is not None else NEWEST
    try:
        services(settings).inflight().settle(article_id, version or NEWEST)
    except redis.RedisError as exc:
        log.warning("in-flight ledger not updated", extra={"article_id": article_id, "error": str(exc)})


@app.task(bind=True, base=PipelineTask, name="newsagg.enrich", step="enrich")
def enrich(self: PipelineTask, payload: Any) -> str:
    self.run_step(payload, then=lambda out: assign.apply_async((out,)))
    return payload_article_id(payload)


@app.task(bind=True, base=PipelineTask, name="newsagg.assign", step="assign")
def assign(self: PipelineTask, payload: dict) -> str:
    self.run_step(payload, then=lambda out: index.apply_async((out,)))
    return payload_article_id(payload)


@app.task(bind=True, base=PipelineTask, name="newsagg.index", step="index")
def index(self: PipelineTask, payload: dict) -> dict:
    # Indexed: any dead letter of this article (a replay, a re-crawl that now passes) is settled.
    def settled(out: dict) -> None:
        services(task_settings()).deadletters().remove(out["article_id"])
        _settle(out["article_id"], payload)

    return self.run_step(payload, then=settled)


STEP_TASKS = {"enrich": enrich, "assign": assign, "index": index}
# task name -> its queue (workers.app task_routes); literal: .name would load the config
_PIPELINE_TASK_NAMES = {"newsagg.enrich": "enrich", "newsagg.assign": "assign", "newsagg.index": "index"}


def outlet_sources_yaml(sources_text: str, outlet: str) -> str:
    """The sources YAML reduced to one outlet (pure); KeyError if it is not there."""
    import yaml

    data = yaml.safe_load(sources_text)
    picked = [o for o in data.get("outlets", []) if isinstance(o, dict) and str(o.get("name", "")).strip() == outlet]
    if not picked:
        raise KeyError(f"outlet {outlet!r} is not in the sources file")
    return yaml.safe_dump({"outlets": picked}, allow_unicode=True, sort_keys=False)


@app.task(name="newsagg.crawl", acks_late=False)  # a crawl lost with its worker waits for the next beat
def crawl(outlet: str, sources_file: str | None = None) -> dict:
    """Crawl one outlet of the sources file (scheduled by beat at its interval)."""
    from newsagg.crawler.run import run_crawl  # Scrapy is heavy: only crawl workers load it

    settings = get_settings()
    path = Path(sources_file or settings.sources_file)
    one = outlet_sources_yaml(path.read_text(encoding="utf-8"), outlet)
    with tempfile.TemporaryDirectory(prefix="newsagg-crawl-") as tmp:
        single = Path(tmp) / "sources.yaml"
        single.write_text(one, encoding="utf-8")
        stats = run_crawl(single, settings=settings, timeout_s=settings.crawl_task_timeout_s)
    result = dataclasses.asdict(stats)
    log.info("crawl done", extra={"outlet": outlet, **{k: v for k, v in result.items() if isinstance(v, int)}})
    return result
