"""Extraction scoring: body text on the article-extraction benchmark (shared data), and title,
date, authors and body on the labelled pages of bench/data/extraction-pages.

The metric follows the benchmark's README: 4-token shingles (runs of `\\w+`, case
kept) counted as multisets; per page TP/FP/FN normalised so each page weighs the
same; precision and recall are means over pages; F1 of the two means.
"""
from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from newsagg.core.jsonl import read_json_lines

_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(len(tokens) - n + 1, 0)))


def page_counts(expected: str, extracted: str) -> tuple[float, float, float]:
    """(tp, fp, fn) of one page, divided by their sum so every page weighs the same."""
    want, got = shingles(expected), shingles(extracted)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    pages: int


def score(pairs: list[tuple[str, str]]) -> Score:
    """Score (expected, extracted) body pairs with the benchmark's metric."""
    precisions, recalls = [], []
    for expected, extracted in pairs:
        tp, fp, fn = page_counts(expected, extracted)
        if fp == 0 and fn == 0:
            precisions.append(1.0)
            recalls.append(1.0)
            continue
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    return Score(p, r, 2 * p * r / (p + r) if p + r else 0.0, len(pairs))


@dataclass(frozen=True)
class BenchmarkPage:
    key: str
    url: str
    html: bytes
    expected: str


def load_benchmark(root: Path, split: str = "all") -> Iterator[BenchmarkPage]:
    """Pages of the benchmark. split: 'all', 'tune' (even positions in key order) or
    'holdout' (odd positions) — tune on one, report on the other."""
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    for i, key in enumerate(sorted(truth)):
        if split == "tune" and i % 2 or split == "holdout" and not i % 2:
            continue
        html = gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes())
        yield BenchmarkPage(key, truth[key].get("url", ""), html, truth[key]["articleBody"])


def evaluate(pages: list[BenchmarkPage], extract_body: Callable[[bytes, str], str]) -> Score:
    return score([(p.expected, extract_body(p.html, p.url) or "") for p in pages])


# ------------------------------------------------------------- labelled pages (title, date, authors, body)

_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")


def tokens(text: str) -> list[str]:
    """Case-folded word tokens; CJK and Thai characters one by one (those scripts use no spaces)."""
    return _TOKEN.findall(_CJK_CHAR.sub(lambda m: f" {m.group(0)} ", (text or "").casefold()))


def token_f1(expected: str, extracted: str) -> float:
    """F1 of the two token multisets; 1.0 when both are empty."""
    want, got = Counter(tokens(expected)), Counter(tokens(extracted))
    if not want and not got:
        return 1.0
    overlap = sum((want & got).values())
    if not overlap:
        return 0.0
    p, r = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * p * r / (p + r)


def same_title(expected: str, extracted: str) -> bool:
    """Exact, after Unicode NFC and whitespace (NBSP too) collapsed."""
    def norm(t: str) -> str:
        return " ".join(unicodedata.normalize("NFC", t or "").split())
    return norm(expected) == norm(extracted)


def right_day(label: str, extracted: datetime | None) -> bool:
    """A label with a time and offset: the extracted instant falls on the same day in that offset.
    A bare day: the extracted instant's UTC day."""
    if extracted is None:
        return False
    if len(label) == 10:
        return extracted.astimezone(timezone.utc).date().isoformat() == label
    want = datetime.fromisoformat(label.replace("Z", "+00:00"))
    return extracted.astimezone(want.tzinfo).date() == want.date()


def within(label: str, extracted: datetime | None, seconds: float = 120) -> bool | None:
    """The extracted instant within `seconds` of a label with a time; None for a bare-day label."""
    if len(label) == 10:
        return None
    if extracted is None:
        return False
    return abs((extracted - datetime.fromisoformat(label.replace("Z", "+00:00"))).total_seconds()) <= seconds


@dataclass(frozen=True)
class LabelledPage:
    id: str
    url: str
    publisher: str
    language: str
    split: str
    html: bytes
    title: str
    published: str | None  # ISO instant with offset, or a bare day, or None (not labelled)
    authors: list[str] | None  # None: not labelled
    body: str | None


def load_labelled_pages(root: Path, split: str = "all") -> Iterator[LabelledPage]:
    """bench/data/extraction-pages: labels.jsonl + pages/<id>.html.gz; split 'tune', 'holdout' or 'all'."""
    for _, row in read_json_lines(root / "labels.jsonl"):
        if split != "all" and row["split"] != split:
            continue
        html = gzip.decompress((root / "pages" / f"{row['id']}.html.gz").read_bytes())
        yield LabelledPage(row["id"], row["url"], row["publisher"], row["language"], row["split"], html,
                           row["title"], row["published"], row["authors"], row["body"])


def load_benchmark_labels(labels: Path, bench_root: Path) -> Iterator[LabelledPage]:
    """bench/data/extraction-benchmark-titles/labels.jsonl (title and byline labels) over the pages
    and bodies of the extraction benchmark (shared data); all of it is a tune set, no date labels."""
    truth = json.loads((bench_root / "ground-truth.json").read_text(encoding="utf-8"))
    for _, row in read_json_lines(labels):
        html = gzip.decompress((bench_root / "html" / f"{row['key']}.html.gz").read_bytes())
        yield LabelledPage(row["key"][:12], row["url"], row["publisher"], row["language"] or "", "tune", html,
                           row["title"], None, row["authors"], truth[row["key"]]["articleBody"])


@dataclass
class FieldScores:
    pages: int = 0
    title_exact: float = 0.0
    date_right_day: float = 0.0
    date_within_2_min: float = 0.0
    authors_f1: float = 0.0
    body_f1: float = 0.0
    labelled: dict = field(default_factory=dict)  # how many pages carry each label
    misses: list = field(default_factory=list)  # (page id, field, expected, extracted)


def score_fields(pages: list[LabelledPage], extract: Callable[[bytes, str], Any]) -> FieldScores:
    """Mean per-page scores of what `extract(html, url)` returns (title, published, authors, text)."""
    titles, days, minutes, authors, bodies = [], [], [], [], []
    misses = []
    for page in pages:
        got = extract(page.html, page.url)
        ok = same_title(page.title, got.title)
        titles.append(ok)
        if not ok:
            misses.append((page.id, "title", page.title, got.title))
        if page.published:
            day = right_day(page.published, got.published)
            days.append(day)
            close = within(page.published, got.published)
            if close is not None:
                minutes.append(close)
            if not day or close is False:
                misses.append((page.id, "published", page.published, got.published.isoformat() if got.published else None))
        if page.authors is not None:
            f1 = token_f1(" ".join(page.authors), " ".join(got.authors))
            authors.append(f1)
            if f1 < 1:
                misses.append((page.id, "authors", page.authors, got.authors))
        if page.body is not None:
            f1 = token_f1(page.body, got.text)
            bodies.append(f1)
            if f1 < 0.9:
                misses.append((page.id, "body", round(f1, 3), len(got.text)))

    def mean(xs: list) -> float:
        return round(sum(xs) / len(xs), 4) if xs else 0.0
    return FieldScores(pages=len(pages), title_exact=mean(titles), date_right_day=mean(days),
                       date_within_2_min=mean(minutes), authors_f1=mean(authors), body_f1=mean(bodies),
                       labelled={"title": len(titles), "published": len(days), "published_with_time": len(minutes),
                                 "authors": len(authors), "body": len(bodies)}, misses=misses)
