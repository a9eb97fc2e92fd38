"""Scoring the story engine on labelled articles: BCubed and pairwise
precision/recall/F1 for event clusters and copy groups, beside a baseline.

Input: JSON lines with `id`, `text`, optional `title`, `url`, `published`,
`lang`, `split`, and the gold labels `event`, (optional) `group` and (optional)
`topic` (the storyline). Articles stream through the same `StoryEngine`
production uses, in file order (or a seeded shuffle), on a fresh local state in
a temporary directory; rows that carry `published` take the places of the dated
rows in publication order (production sees articles as they appear; undated
ones keep their places). Gold labels are read only for scoring: events, copy
groups when every row has `group`, storylines when every row has `topic`.

Splits. We tune on part of the data and report on the rest. A split never cuts
a topic in two, since the hard negatives (a follow-up, an earlier happening)
live inside one topic:
- news-events-dev: the 15 topics of its README; TUNE_TOPICS below are the
  tune half (7 topics), the other 8 topics are held out.
- rows that carry a `split` field ("tune"/"holdout", bench/data/dated-events) are in it;
- any other file (ECB+ "topic12-a"): the topic is the event label up to its
  last "-"; topics whose CRC32 is even are "tune", odd ones "holdout".
ECB+ was not used for tuning at all: report it with `--split all`.
"""
from __future__ import annotations

import random
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from newsagg.core.jsonl import JsonLinesError, read_json_lines
from newsagg.core.schema import Article
from newsagg.core.text import tokens
from newsagg.dedupe.clusters import components
from newsagg.dedupe.engine import StoryEngine
from newsagg.dedupe.state import LocalState

# news-events-dev topics used for tuning (event labels are listed per topic in
# the dataset README); all other topics are held out.
TUNE_TOPICS: dict[str, tuple[str, ...]] = {
    "us-presidency": ("2024-11-06-trump-wins-us-election", "2025-01-20-trump-inauguration",
                      "2016-11-09-trump-wins-2016-election"),
    "gene-hackman": ("2025-02-26-gene-hackman-found-dead", "2025-03-07-hackman-cause-of-death"),
    "spacex-starship": ("2024-10-13-starship-booster-catch", "2025-01-16-starship-flight7-explodes",
                        "2025-03-06-starship-flight8-explodes"),
    "us-air-crashes": ("2025-01-29-dca-midair-collision", "2025-01-31-philadelphia-medevac-jet-crash"),
    "valencia-floods": ("2024-10-29-valencia-dana-floods", "2024-11-29-aemet-dana-preliminary-report"),
    "google-wiz": ("2024-07-22-wiz-rejects-google-offer", "2025-03-18-google-agrees-to-buy-wiz",
                   "2025-11-04-wiz-deal-clears-doj-review", "2026-03-11-google-completes-wiz-acquisition"),
    "sarkozy-libya": ("2025-09-25-sarkozy-sentenced-libya-case", "2025-10-21-sarkozy-enters-prison"),
}
TUNE_EVENTS = frozenset(e for events in TUNE_TOPICS.values() for e in events)
# Events of the held-out news-events-dev topics carry these date-slug labels too;
# an event label of that file that is not a tune event is held out.
SPLITS = ("tune", "holdout", "all")


class EvalInputError(ValueError):
    """A labelled file the evaluation cannot read."""


def load_labelled(path: Path | str) -> list[dict[str, Any]]:
    """Rows of a labelled JSONL file, checked: clear errors name the line."""
    path = Path(path)
    if not path.is_file():
        raise EvalInputError(f"{path}: no such file")
    rows, seen = [], set()
    try:
        for n, row in read_json_lines(path):
            if not isinstance(row, dict):
                raise EvalInputError(f"{path}:{n}: expected a JSON object")
            for key in ("id", "event"):
                if not isinstance(row.get(key), str) or not row[key].strip():
                    raise EvalInputError(f"{path}:{n}: field {key!r} missing or not a non-empty string")
            # A headline-only item (a feed often carries nothing more) has a title and an empty text.
            if not isinstance(row.get("text"), str) or not (row["text"].strip() or str(row.get("title") or "").strip()):
                raise EvalInputError(f"{path}:{n}: field 'text' missing, or empty without a title")
            if row["id"] in seen:
                raise EvalInputError(f"{path}:{n}: id {row['id']!r} occurs twice")
            seen.add(row["id"])
            rows.append(row)
    except JsonLinesError as exc:
        raise EvalInputError(str(exc)) from None
    if not rows:
        raise EvalInputError(f"{path}: no articles")
    return rows


def split_of(event: str) -> str:
    """'tune' or 'holdout' for an event label (see the module docstring)."""
    if event in TUNE_EVENTS:
        return "tune"
    if event[:4].isdigit():  # a news-events-dev style label outside the tune topics
        return "holdout"
    topic = event.rsplit("-", 1)[0]
    return "tune" if zlib.crc32(topic.encode("utf-8")) % 2 == 0 else "holdout"


def select_split(rows: Sequence[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    if split not in SPLITS:
        raise EvalInputError(f"unknown split {split!r}: use one of {', '.join(SPLITS)}")
    if split == "all":
        return list(rows)
    return [r for r in rows if (r.get("split") or split_of(r["event"])) == split]


# ---------------------------------------------------------------- measures
def bcubed(pred: Sequence[str], gold: Sequence[str]) -> dict[str, float]:
    """BCubed precision/recall/F1 of a predicted clustering against gold labels."""
    by_pred, by_gold, both = defaultdict(int), defaultdict(int), defaultdict(int)
    for p, g in zip(pred, gold):
        by_pred[p] += 1
        by_gold[g] += 1
        both[p, g] += 1
    n = len(gold)
    precision = sum(both[p, g] / by_pred[p] for p, g in zip(pred, gold)) / n
    recall = sum(both[p, g] / by_gold[g] for p, g in zip(pred, gold)) / n
    return _prf(precision, recall)


def pairwise(pred: Sequence[str], gold: Sequence[str]) -> dict[str, float]:
    """Precision/recall/F1 over article pairs put together (1.0 when none should or did)."""
    def pairs(counts: Iterable[int]) -> int:
        return sum(c * (c - 1) // 2 for c in counts)

    by_pred, by_gold, both = defaultdict(int), defaultdict(int), defaultdict(int)
    for p, g in zip(pred, gold):
        by_pred[p] += 1
        by_gold[g] += 1
        both[p, g] += 1
    tp, pp, gp = pairs(both.values()), pairs(by_pred.values()), pairs(by_gold.values())
    precision = tp / pp if pp else 1.0
    recall = tp / gp if gp else 1.0
    return _prf(precision, recall)


def _prf(precision: float, recall: float) -> dict[str, float]:
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def score(pred: Sequence[str], gold: Sequence[str]) -> dict[str, dict[str, float]]:
    return {"bcubed": bcubed(pred, gold), "pairwise": pairwise(pred, gold)}


def other_language_joins(pred: Sequence[str], gold: Sequence[str], langs: Sequence[str | None]) -> dict[str, Any]:
    """Reports in another language than most of their gold event's reports, and how
    many of them the engine put in the event holding most of those main-language
    reports: the share of other-language coverage that joins its event."""
    by_event: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(gold):
        by_event[g].append(i)
    reports = joined = 0
    for members in by_event.values():
        counts = Counter(langs[i] for i in members if langs[i])
        if len(counts) < 2:
            continue
        main_lang, _ = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        home = Counter(pred[i] for i in members if langs[i] == main_lang).most_common(1)[0][0]
        others = [i for i in members if langs[i] and langs[i] != main_lang]
        reports += len(others)
        joined += sum(pred[i] == home for i in others)
    return {"reports": reports, "joined": joined, "share": round(joined / reports, 4) if reports else None}


# ---------------------------------------------------------------- runs
def _published(value: Any, where: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise EvalInputError(f"{where}: published {value!r} is not an ISO date") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)  # a bare date: UTC


def to_article(row: dict[str, Any], arrival: datetime) -> Article:
    """The Article production would see: gold labels are not passed on."""
    return Article(id=row["id"], url=row.get("url") or f"urn:newsagg-eval:{row['id']}",
                   title=row.get("title") or "", text=row["text"], language=row.get("lang"),
                   published=_published(row.get("published"), f"article {row['id']}"), fetched=arrival)


@dataclass
class RunResult:
    events: list[str]
    groups: list[str]
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)  # per assignment
    storylines: list[str] | None = None


def publication_order(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with the dated ones (`published`) put in publication order in the
    places dated rows held; undated rows keep theirs."""
    out = list(rows)
    where = [i for i, r in enumerate(out) if r.get("published")]
    dated = sorted((out[i] for i in where), key=lambda r: (_published(r["published"], f"article {r['id']}"), r["id"]))
    for i, r in zip(where, dated):
        out[i] = r
    return out


def run_engine(rows: Sequence[dict[str, Any]], tuning=None) -> RunResult:
    """Stream rows through a StoryEngine on a fresh local state; final labels per row."""
    arrival = datetime.now(timezone.utc)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="newsagg-eval-") as tmp:
        engine = StoryEngine(LocalState(tmp), tuning=tuning)
        event_of: dict[str, str] = {}
        group_of: dict[str, str] = {}
        storyline_of: dict[str, str | None] = {}
        latencies = []
        embed = None
        if tuning is not None and getattr(tuning, "embedding", False):
            from newsagg.dedupe.features import article_embedding as embed
        try:
            for row in rows:
                article = to_article(row, arrival)
                # The embedding as the enrich step makes it, before assignment (not in assign's time);
                # passed only when made, so an engine of before round 14 (`--tree`) runs as it did.
                ahead = {"embedding": embed(article, tuning.embedding_lead_chars)} if embed else {}
                t0 = time.perf_counter()
                a = engine.assign(article, **ahead)
                latencies.append((time.perf_counter() - t0) * 1000)
                event_of[a.article_id], group_of[a.article_id] = a.event_id, a.group_id
                storyline_of[a.article_id] = getattr(a, "storyline_id", None)
                for aid, fields in a.updates.items():
                    event_of[aid] = fields.get("event_id", event_of.get(aid))
                    group_of[aid] = fields.get("group_id", group_of.get(aid))
                    storyline_of[aid] = fields.get("storyline_id", storyline_of.get(aid))
        finally:
            engine.close()
    seconds = time.perf_counter() - started
    storylines = [storyline_of[r["id"]] for r in rows]
    return RunResult([event_of[r["id"]] for r in rows], [group_of[r["id"]] for r in rows], seconds, latencies,
                     storylines if all(storylines) else None)


def run_baseline(rows: Sequence[dict[str, Any]], threshold: float = 0.5, num_perm: int = 128) -> RunResult:
    """Plain datasketch MinHashLSH on word 5-shingles of the raw text: an article
    joins the cluster of its first candidate (clusters linked by it are merged);
    the one clustering is scored as both events and copy groups."""
    from datasketch import MinHash, MinHashLSH  # the baseline only

    started = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    index = {row["id"]: n for n, row in enumerate(rows)}
    links: list[tuple[int, int]] = []
    for row in rows:
        words = tokens(row["text"])
        m = MinHash(num_perm=num_perm)
        for i in range(max(1, len(words) - 4)):
            m.update(" ".join(words[i:i + 5]).encode("utf-8"))
        links += [(index[row["id"]], index[other]) for other in lsh.query(m)]
        lsh.insert(row["id"], m)
    labels = [f"baseline-{c}" for c in components(len(rows), links)]
    return RunResult(labels, labels, time.perf_counter() - started, storylines=labels)


def evaluate(path: Path | str, split: str = "all", baseline: bool = True, tuning=None,
             shuffle: int | None = None) -> dict[str, Any]:
    """The report `newsagg eval clusters` prints. `shuffle`: a seed to stream the
    articles in a shuffled order instead of file order (how much order matters)."""
    rows = select_split(load_labelled(path), split)
    if not rows:
        raise EvalInputError(f"{path}: no articles in split {split!r}")
    if shuffle is not None:
        random.Random(shuffle).shuffle(rows)
    rows = publication_order(rows)
    gold_events = [r["event"] for r in rows]
    has_groups = all(r.get("group") for r in rows)
    gold_groups = [r["group"] for r in rows] if has_groups else None
    gold_storylines = [str(r["topic"]) for r in rows] if all(r.get("topic") for r in rows) else None

    langs = [r.get("lang") for r in rows]

    def report(run: RunResult) -> dict[str, Any]:
        out: dict[str, Any] = {"events": score(run.events, gold_events),
                               "other_language": other_language_joins(run.events, gold_events, langs)}
        out["copies"] = score(run.groups, gold_groups) if gold_groups else None
        if gold_storylines:
            # A run without storylines scores as one storyline per event.
            out["storylines"] = score(run.storylines or run.events, gold_storylines)
        out["clusters"] = {"events": len(set(run.events)), "groups": len(set(run.groups))}
        out["seconds"] = round(run.seconds, 3)
        if run.latencies_ms:
            ordered = sorted(run.latencies_ms)
            out["assign_ms"] = {"p50": round(ordered[len(ordered) // 2], 2),
                                "p99": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
                                "max": round(ordered[-1], 2)}
        return out

    engine_run = run_engine(rows, tuning=tuning)
    result = report(engine_run)
    result.update(file=str(path), split=split, shuffle=shuffle, articles=len(rows),
                  gold={"events": len(set(gold_events)), "groups": len(set(gold_groups)) if gold_groups else None,
                        "storylines": len(set(gold_storylines)) if gold_storylines else None})
    if baseline:
        result["baseline"] = report(run_baseline(rows))
        result["baseline"]["method"] = "datasketch MinHashLSH, word 5-shingles, threshold 0.5"
    return result
