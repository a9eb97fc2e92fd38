"""The demo's hand-off: crawled articles go to the pipeline in publication order.

A live crawl polls outlets as they publish, so the story engine sees articles roughly in
publication order. The demo crawls three days of news in one go, in whatever order eight
outlets answer, and the engine's clusters depend on arrival order (dedupe eval's --shuffle
measures by how much). So the demo crawls into a spool file first, then hands the articles
in publication order: the same order in every run, embedded or distributed (there workers
may still swap neighbours that they process side by side).

A spool left by a hand-off that failed (broker gone) is handed in first by the next run:
its articles are marked as fetched and would not be crawled again.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from newsagg.core.errors import HandoffError
from newsagg.core.settings import Settings
from newsagg.workers.handoff import submit_article

log = logging.getLogger(__name__)

SPOOL_NAME = "demo-pending.jsonl"


@dataclass
class HandIn:
    handed_in: int = 0
    malformed_lines: int = 0  # spool lines that were not an article object (counted, logged, skipped)


def read_spool(spool: Path) -> tuple[list[dict[str, Any]], int]:
    """The spool's articles (the last line of each id wins) and how many lines were malformed."""
    rows: dict[str, dict[str, Any]] = {}
    malformed = 0
    if not spool.exists():
        return [], 0
    for number, line in enumerate(spool.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            row, why = None, str(exc)
        else:
            why = "not an object with an id"
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            malformed += 1
            log.warning("demo spool line skipped", extra={"file": str(spool), "line": number, "error": why})
            continue
        rows[row["id"]] = row
    return list(rows.values()), malformed


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def publication_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Articles by publication time (fetch time when a page shows none). Ties, which are
    many (a copy published the same hour as its original), go by outlet and URL path: not
    by article id, which hashes the URL with its port and so differs between demo runs
    (why not dedupe.eval.publication_order, which breaks ties by id)."""
    def key(row: dict[str, Any]) -> tuple:
        when = _when(row.get("published")) or _when(row.get("fetched"))
        url = row.get("canonical_url") or row.get("url") or ""
        return (when.timestamp() if when else float("inf"), str(row.get("outlet") or ""),
                urlsplit(str(url)).path, row["id"])

    return sorted(rows, key=key)


def _write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    os.replace(tmp, path)


def hand_in(spool: Path, settings: Settings, progress: Callable[[int, int], None] | None = None) -> HandIn:
    """Hand the spool's articles to the pipeline in publication order (embedded: processed
    here one after the other; distributed: queued for the workers in that order), then
    remove the spool. Raises HandoffError when the broker does not take one: the articles
    not handed in stay in the spool for the next run."""
    rows, malformed = read_spool(spool)
    ordered = publication_order(rows)
    done = HandIn(malformed_lines=malformed)
    for i, row in enumerate(ordered):
        try:
            submit_article(row, settings)
        except HandoffError as exc:
            _write_rows(spool, ordered[i:])
            raise HandoffError(f"{exc}; the {len(ordered) - i} articles not handed in wait in {spool} "
                               f"and go first when the demo runs again") from None
        done.handed_in += 1
        if progress:
            progress(done.handed_in, len(ordered))
    spool.unlink(missing_ok=True)
    return done
