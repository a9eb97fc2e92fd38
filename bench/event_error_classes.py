"""Where the story engine's events lose BCubed precision and recall, by kind of
error, in the evaluation's own order (`eval.evaluate`: seeded shuffle, then
publication order), so the largest error class can be chosen before a rule is.

    python bench/event_error_classes.py bench/data/dated-events-4/events.jsonl --split tune [--shuffle 1]
    python bench/event_error_classes.py FILE --tuning '{"ordinals": false}'

Each article's BCubed loss (1 - its share of its gold event in its predicted
event, for recall; the other way round for precision; averaged over the
articles, so the classes sum to 1 - recall and 1 - precision) is put in one class:
- recall: it sits in the gold event's largest piece (others split off), or in a
  piece that shares a language with that piece, or in a piece of other languages
  only (a split by language);
- precision: it is of the predicted event's main gold event (it holds intruders),
  or an intruder that is undated, dated within 2 days of the main gold event's
  dated reports there (or none is dated), or dated further from them (out of time).
Tune splits only: held-out errors are not to be looked at one by one.
"""
from __future__ import annotations

import argparse
import json
import random
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import datetime

from newsagg.dedupe import eval as ev
from newsagg.dedupe.tuning import Tuning


def _day(row: dict) -> datetime | None:
    return datetime.fromisoformat(row["published"][:10]) if row.get("published") else None


def error_classes(rows: list[dict], pred: list[str]) -> tuple[Counter, Counter]:
    """(recall loss by class, precision loss by class) of a predicted event per row."""
    gold = [r["event"] for r in rows]
    n = len(rows)
    by_pred, by_gold = defaultdict(list), defaultdict(list)
    for i, (p, g) in enumerate(zip(pred, gold)):
        by_pred[p].append(i)
        by_gold[g].append(i)
    recall, precision = Counter(), Counter()
    for members in by_gold.values():
        pieces = Counter(pred[i] for i in members)
        main = pieces.most_common(1)[0][0]
        main_langs = {rows[i]["lang"] for i in members if pred[i] == main}
        for i in members:
            loss = 1 - pieces[pred[i]] / len(members)
            if not loss:
                continue
            if pred[i] == main:
                kind = "in the largest piece (others split off)"
            elif {rows[j]["lang"] for j in members if pred[j] == pred[i]} & main_langs:
                kind = "split off, sharing a language with the largest piece"
            else:
                kind = "split off, other languages only"
            recall[kind] += loss / n
    for members in by_pred.values():
        golds = Counter(gold[i] for i in members)
        main = golds.most_common(1)[0][0]
        dated = [d for i in members if gold[i] == main and (d := _day(rows[i]))]
        for i in members:
            loss = 1 - golds[gold[i]] / len(members)
            if not loss:
                continue
            day = _day(rows[i])
            if gold[i] == main:
                kind = "of the main happening (holds intruders)"
            elif day is None:
                kind = "intruder, undated"
            elif dated and min(abs((day - d).days) for d in dated) > 2:
                kind = "intruder, dated > 2 days from the event's dated reports"
            else:
                kind = "intruder, dated within 2 days (or the event undated)"
            precision[kind] += loss / n
    return recall, precision


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file")
    parser.add_argument("--split", default="tune")
    parser.add_argument("--shuffle", type=int, help="seed of a shuffled order (as eval_orders.py's)")
    parser.add_argument("--tuning", default="", help="JSON of Tuning fields to change")
    args = parser.parse_args()
    rows = ev.select_split(ev.load_labelled(args.file), args.split)
    if args.shuffle is not None:
        random.Random(args.shuffle).shuffle(rows)
    rows = ev.publication_order(rows)
    tuning = replace(Tuning(), **json.loads(args.tuning)) if args.tuning else None
    pred = ev.run_engine(rows, tuning=tuning).events
    recall, precision = error_classes(rows, pred)
    print(json.dumps({"file": args.file, "split": args.split, "shuffle": args.shuffle,
                      "events": ev.bcubed(pred, [r["event"] for r in rows]),
                      "recall_loss": {k: round(v, 3) for k, v in recall.most_common()},
                      "precision_loss": {k: round(v, 3) for k, v in precision.most_common()}}, ensure_ascii=False))


if __name__ == "__main__":
    main()
