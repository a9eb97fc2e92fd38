"""Where the engine loses copy pairs, by class (round 13, issue 14): the engine is
run on a labelled file (file order and seeded shuffles, as `eval_orders.py` orders
them) while it records, for each arriving article, its same-language candidates
and which of them it decided it copies (`_copied_text`'s pair decision). Then each
missed gold copy pair and each made-up pair is put in one class:

missed (gold copies, different predicted groups):
- other language: the two texts are in different languages (a translation);
- never candidates: the later of the two did not have the earlier among its
  same-language candidates in live events (the index did not return it);
- below the bar: a candidate, but no copy by `copy_score` (wording and sentences);
- not standing out: a candidate above `copy_score`'s bar, rejected by the
  rewrite checks (`_rewrite_stands_out`: background, group of versions);
- group rules: a candidate decided a copy, but the article joined another group
  or none (its group's originator / half its members not copied, order);
- different events: decided a copy but the two ended in different predicted
  events (moved apart by a later split or re-clustering).

made up (one predicted group, different gold groups):
- direct, same event / direct, other event: the later decided it copies the earlier;
- through the group, same event / other event: joined through a third text
  (a group's other member, a merge of groups).

    python bench/copy_error_classes.py FILE [FILE ...] --split tune [--shuffles 5] [--show [--show-all]] [--tuning JSON]

Counts are pairs summed over the orders run (file order + shuffles), per file.
"""
from __future__ import annotations

import argparse
import contextvars
import json
import random
from collections import Counter, defaultdict
from dataclasses import replace

from newsagg.dedupe import engine as engine_module
from newsagg.dedupe.eval import load_labelled, publication_order, run_engine, select_split
from newsagg.dedupe.scoring import copy_score, outside_quotes, shingle_containments, wording_shared
from newsagg.dedupe.tuning import Tuning

_current = contextvars.ContextVar("article", default=None)


class Recorder:
    """Patches StoryEngine to note, per arriving article, its same-language candidates
    and those its pair decision takes as copies (the lines of `_copied_text`)."""

    def __init__(self) -> None:
        self.candidates: dict[str, set[str]] = {}
        self.above_bar: dict[str, set[str]] = {}
        self.decided: dict[str, set[str]] = {}
        self.unquoted: dict[str, dict[str, float]] = {}  # wording shared outside quotation marks

    def install(self) -> None:
        cls = engine_module.StoryEngine
        assign_new, copied_text = cls._assign_new, cls._copied_text
        rec = self

        def _assign_new(self, article, f):
            token = _current.set(article.id)
            try:
                return assign_new(self, article, f)
            finally:
                _current.reset(token)

        def _copied_text(self, f, cand_features, records):
            aid = _current.get()
            t = self.tuning
            same = {cid: cf for cid, cf in cand_features.items() if cf.lang == f.lang}
            contained = dict(zip(same, shingle_containments(f, list(same.values())).tolist())) if same else {}
            above = {cid for cid, cf in same.items() if copy_score(f, cf, t, contained[cid]) >= t.copy_threshold}
            decided = {cid for cid in above
                       if wording_shared(f, same[cid], t, contained[cid]) >= t.copy_threshold
                       or self._rewrite_stands_out(f, same[cid], outside_quotes(f, same[cid], t, contained[cid]),
                                                   records[cid].group_id, same, contained, above, records)}
            rec.candidates[aid], rec.above_bar[aid], rec.decided[aid] = set(same), above, decided
            rec.unquoted[aid] = {cid: outside_quotes(f, cf, t, contained[cid]) for cid, cf in same.items()}
            return copied_text(self, f, cand_features, records)

        cls._assign_new, cls._copied_text = _assign_new, _copied_text


MISSED = ("other language", "never candidates", "below the bar", "not standing out", "group rules",
          "different events")
MADE = ("direct, same event", "direct, other event", "through the group, same event",
        "through the group, other event")


def classify(rows: list[dict], rec: Recorder, below_bands: dict[str, int],
             tuning: Tuning | None = None) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    """(missed pairs, made-up pairs) with their classes; `below_bands` counts the
    missed pairs below the bar by the wording they share outside quotation marks
    (and, as "apart", those of them the engine left in different events)."""
    run = run_engine(rows, tuning=tuning)
    at = {r["id"]: i for i, r in enumerate(rows)}
    event = dict(zip((r["id"] for r in rows), run.events))
    group = dict(zip((r["id"] for r in rows), run.groups))
    missed, made = {}, {}
    for i, a in enumerate(rows):
        for b in rows[i + 1:]:
            x, y = sorted((a["id"], b["id"]), key=at.get)  # y arrived later
            gold_same, pred_same = a["group"] == b["group"], group[x] == group[y]
            if gold_same and not pred_same:
                if a.get("lang") != b.get("lang"):
                    kind = "other language"
                elif x not in rec.candidates.get(y, ()):
                    kind = "never candidates"
                elif x not in rec.above_bar[y]:
                    kind = "below the bar"
                    shared = rec.unquoted[y][x]
                    band = "< 0.15" if shared < 0.15 else "0.15-0.25" if shared < 0.25 else ">= 0.25"
                    below_bands[band] = below_bands.get(band, 0) + 1
                    if event[x] != event[y]:
                        below_bands["apart"] = below_bands.get("apart", 0) + 1
                elif x not in rec.decided[y]:
                    kind = "not standing out"
                elif event[x] == event[y]:
                    kind = "group rules"
                else:
                    kind = "different events"
                missed[x, y] = kind
            elif pred_same and not gold_same:
                direct = x in rec.decided.get(y, ())
                same_event = a["event"] == b["event"]
                made[x, y] = f"{'direct' if direct else 'through the group'}, {'same' if same_event else 'other'} event"
    return missed, made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--split", default="tune")
    parser.add_argument("--shuffles", type=int, default=5)
    parser.add_argument("--tuning", help="JSON of Tuning fields to change")
    parser.add_argument("--show", action="store_true", help="list the pairs of each class (file order)")
    parser.add_argument("--show-all", action="store_true", help="with --show: the shuffled orders' pairs too")
    args = parser.parse_args()
    tuning = replace(Tuning(), **json.loads(args.tuning)) if args.tuning else None
    rec = Recorder()
    rec.install()
    for path in args.files:
        base = select_split(load_labelled(path), args.split)
        gold = sum(1 for i, a in enumerate(base) for b in base[i + 1:] if a["group"] == b["group"])
        missed_n, made_n, bands = Counter(), Counter(), {}
        for seed in [None, *range(1, args.shuffles + 1)]:
            rows = list(base)
            if seed is not None:
                random.Random(seed).shuffle(rows)
            rows = publication_order(rows)
            missed, made = classify(rows, rec, bands, tuning)
            missed_n.update(missed.values())
            made_n.update(made.values())
            if args.show and (seed is None or args.show_all):
                by = defaultdict(list)
                for pair, kind in [*missed.items(), *made.items()]:
                    by[kind].append(f"{pair[0]}/{pair[1]}")
                for kind, pairs in by.items():
                    print(f"  [{'file order' if seed is None else f'shuffle {seed}'}] {kind}: {' '.join(sorted(pairs))}")
        orders = args.shuffles + 1
        print(f"{path} {args.split}: gold copy pairs {gold} (x {orders} orders = {gold * orders})")
        print("  missed: " + ", ".join(f"{k} {missed_n[k]}" for k in MISSED) + f"; total {sum(missed_n.values())}")
        print("  below the bar, by wording shared outside quotes: "
              + ", ".join(f"{k} {bands.get(k, 0)}" for k in ("< 0.15", "0.15-0.25", ">= 0.25"))
              + f"; of them in different predicted events {bands.get('apart', 0)}")
        print("  made up: " + ", ".join(f"{k} {made_n[k]}" for k in MADE) + f"; total {sum(made_n.values())}")


if __name__ == "__main__":
    main()
