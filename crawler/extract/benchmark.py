"""Body-extraction scoring on the article-extraction benchmark (shared data).

The metric follows the benchmark's README: 4-token shingles (runs of `\\w+`, case
kept) counted as multisets; per page TP/FP/FN normalised so each page weighs the
same; precision and recall are means over pages; F1 of the two means.
"""
from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

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
