"""`newsagg eval clusters` in file order and in seeded shuffled orders, with the
story engine of this checkout or of another (`--tree`, for before/after figures
through this checkout's evaluation: splits, publication order, storylines).

    python bench/eval_orders.py bench/data/dated-events/dated-events.jsonl --split tune
    git worktree add /tmp/engine-before 3d8ef6d
    python bench/eval_orders.py FILE --split tune --tree /tmp/engine-before
    python bench/eval_orders.py ../shared/data/uci-news-aggregator-slice.jsonl --topic-from-event --shuffles 0

Prints one JSON line per order and a summary line: events BCubed P/R/F1, copies
pairwise F1, storylines BCubed F1, assign p50 (ms), the baseline's events F1,
and the means over the shuffled orders.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import re
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load_eval(tree: Path | None):
    """This checkout's evaluation module; with `tree`, its engine comes from that checkout."""
    if tree is None:
        from newsagg.dedupe import eval as ev
        return ev
    from checkout import use_engine_of  # bench/ is on sys.path: this script's folder

    use_engine_of(tree)
    # The scoring is this checkout's, whatever engine runs: both trees are judged alike.
    source = HERE.parent / "dedupe" / "eval.py"
    spec = importlib.util.spec_from_file_location("eval_of_this_checkout", source)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_WORD = re.compile(r"[^\W\d_]{4,}")


def _pieces(match: re.Match) -> str:
    word = match.group()
    pieces = [word[i:i + 3] for i in range(0, len(word), 3)]
    if word[0].isupper():
        pieces = [p[:1].upper() + p[1:] for p in pieces]
    return " ".join(pieces)


_PAGE_DATE = re.compile(r"^\s*date\s+\d{4}-\d{2}-\d{2}")  # the page's date line (the publication time) stays


def _cut(text: str) -> str:
    head = _PAGE_DATE.match(text)
    at = head.end() if head else 0
    return text[:at] + _WORD.sub(_pieces, text[at:])


def syllable_proxy(ev):
    """The evaluation module with every row's title and text cut into syllable-like pieces."""
    load = ev.load_labelled

    def load_cut(path):
        return [{**r, "text": _cut(r["text"]), "title": _cut(r.get("title") or "")} for r in load(path)]

    ev.load_labelled = load_cut
    return ev


def topics_from_events(ev):
    """The evaluation module with every row's event label standing as its storyline
    too: for a stream whose only labels are an aggregator's stories (topic-like
    clusters that keep collecting reports for days), scored at both levels."""
    load = ev.load_labelled

    def load_topics(path):
        return [{**r, "topic": r.get("topic") or r["event"]} for r in load(path)]

    ev.load_labelled = load_topics
    return ev


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--split", default="tune")
    parser.add_argument("--shuffles", type=int, default=5)
    parser.add_argument("--tree", type=Path, help="checkout whose story engine is run")
    parser.add_argument("--unknown-language", action="store_true",
                        help="withhold the engine's language knowledge (no stopword lists, no stemming): "
                             "every article as if in a language it knows nothing of")
    parser.add_argument("--syllables", action="store_true",
                        help="with --unknown-language: cut words into 3-letter pieces written apart (each capitalised "
                             "in a capitalised word), as a syllable-written language (Vietnamese) writes words; a piece "
                             "then stands for many unrelated words, as a syllable does")
    parser.add_argument("--topic-from-event", action="store_true",
                        help="score storylines against the event labels (rows without a topic: the UCI "
                             "aggregator stream, whose stories are topic-like)")
    parser.add_argument("--tuning", default="",
                        help='JSON of Tuning fields to change, e.g. \'{"event_threshold": 0.18}\'')
    args = parser.parse_args()
    ev = load_eval(args.tree)
    if args.topic_from_event:
        ev = topics_from_events(ev)
    if args.syllables:
        ev = syllable_proxy(ev)
    tuning = None
    if args.unknown_language:
        from newsagg.dedupe.tuning import Tuning

        tuning = Tuning(stopwords=False, stem_length=64)
    if args.tuning:
        from dataclasses import replace

        from newsagg.dedupe.tuning import Tuning

        # JSON lists as tuples: `Tuning`'s sequences are tuples (hashable: some key caches).
        settings = {k: tuple(v) if isinstance(v, list) else v for k, v in json.loads(args.tuning).items()}
        tuning = replace(tuning or Tuning(), **settings)
    lines = []
    for seed in [None, *range(1, args.shuffles + 1)]:
        try:
            r = ev.evaluate(args.file, split=args.split, baseline=seed is None, shuffle=seed, tuning=tuning)
        except ev.EvalInputError as exc:  # a wrong path or split: one line, as `newsagg eval clusters` says it
            raise SystemExit(f"error: {exc}") from None
        line = {"shuffle": seed, "events": r["events"]["bcubed"],
                "copies_f1": (r.get("copies") or {}).get("pairwise", {}).get("f1"),
                "storylines_f1": (r.get("storylines") or {}).get("bcubed", {}).get("f1"),
                # precision and recall beside the F1s: copies lose held-out precision, not recall
                "copies": (r.get("copies") or {}).get("pairwise"),
                "storylines": (r.get("storylines") or {}).get("bcubed"),
                "other_language_share": r["other_language"]["share"],
                "assign_p50_ms": r["assign_ms"]["p50"]}
        if seed is None:
            base = r["baseline"]
            line["baseline"] = {"events_f1": base["events"]["bcubed"]["f1"],
                                "copies_f1": (base.get("copies") or {}).get("pairwise", {}).get("f1"),
                                "storylines_f1": (base.get("storylines") or {}).get("bcubed", {}).get("f1")}
        lines.append(line)
        print(json.dumps(line))
    shuffled = lines[1:]

    def mean(key, sub=None):
        values = [(x[key][sub] if sub else x[key]) for x in shuffled]
        values = [v for v in values if v is not None]
        return round(statistics.mean(values), 4) if values else None

    print(json.dumps({"file": str(args.file), "split": args.split, "tree": str(args.tree or "."),
                      "unknown_language": args.unknown_language, "syllables": args.syllables,
                      "file_order": {k: lines[0][k] for k in ("events", "copies_f1", "storylines_f1", "copies",
                                                              "storylines", "other_language_share")},
                      "shuffled_mean": {"events_precision": mean("events", "precision"),
                                        "events_recall": mean("events", "recall"),
                                        "events_f1": mean("events", "f1"), "copies_f1": mean("copies_f1"),
                                        "storylines_f1": mean("storylines_f1"),
                                        "other_language_share": mean("other_language_share")},
                      "assign_p50_ms": statistics.median(x["assign_p50_ms"] for x in lines),
                      "baseline": lines[0]["baseline"]}))


if __name__ == "__main__":
    main()
