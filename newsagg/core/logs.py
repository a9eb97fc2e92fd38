"""Structured logging: one JSON object a line, with whatever `extra=` fields a call passes.

    log = logging.getLogger(__name__)
    log.info("article fetched", extra={"article_id": aid, "url": url})
"""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

from newsagg.core.text import escape_surrogates

# Attributes every LogRecord has; anything else came from `extra=` and is logged as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return escape_surrogates(json.dumps(out, default=str, ensure_ascii=False))


class PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extra = {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}
        tail = " ".join(f"{k}={v}" for k, v in extra.items())
        base = f"{record.levelname.lower():7s} {record.name}: {record.getMessage()}"
        if record.exc_info:
            base += "\n" + self.formatException(record.exc_info)
        return escape_surrogates(f"{base} {tail}".rstrip())


def configure_logging(level: str = "INFO", json_lines: bool = True, stream=None) -> None:
    """Route all logging (ours, Scrapy's, Celery's) through one structured handler on stderr."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else PlainFormatter())
    handler.setLevel(level.upper())  # libraries that set their own loggers to DEBUG (Scrapy) stay quiet too
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # elastic_transport logs a line per request and a full traceback per retried one; the
    # index store reports an unreachable cluster once, in words, so keep only its errors.
    logging.getLogger("elastic_transport").setLevel(max(logging.ERROR, root.level))
