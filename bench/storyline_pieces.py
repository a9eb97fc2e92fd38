"""How the engine's storylines split each gold topic (tune splits only): per topic, its
storyline pieces with size, languages and gold events; per engine storyline, the topics it
mixes. Rows are streamed as `newsagg eval clusters` streams them (split, shuffle, publication
order).

    python bench/storyline_pieces.py bench/data/dated-events-5/events.jsonl --split tune [--shuffle 1]
"""
from __future__ import annotations

import argparse
import json
import random
from collections import Counter, defaultdict
from dataclasses import replace

from newsagg.dedupe.eval import load_labelled, publication_order, run_engine, score, select_split
from newsagg.dedupe.tuning import Tuning


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file")
    parser.add_argument("--split", default="tune")
    parser.add_argument("--shuffle", type=int)
    parser.add_argument("--tuning", default="", help='JSON of Tuning fields to change, as bench/eval_orders.py takes')
    args = parser.parse_args()
    rows = select_split(load_labelled(args.file), args.split)
    if args.shuffle is not None:
        random.Random(args.shuffle).shuffle(rows)
    rows = publication_order(rows)
    tuning = replace(Tuning(), **json.loads(args.tuning)) if args.tuning else None
    run = run_engine(rows, tuning=tuning)
    lines = run.storylines or run.events
    print("storylines", score(lines, [str(r["topic"]) for r in rows])["bcubed"])
    line_of = {r["id"]: s for r, s in zip(rows, lines)}
    event_of = {r["id"]: e for r, e in zip(rows, run.events)}
    by_topic = defaultdict(list)
    for r in rows:
        by_topic[r["topic"]].append(r)
    for topic, rs in by_topic.items():
        pieces = defaultdict(list)
        for r in rs:
            pieces[line_of[r["id"]]].append(r)
        print(f"\n{topic} ({len(rs)}): {len(pieces)} storylines")
        for sid, p in sorted(pieces.items(), key=lambda kv: -len(kv[1])):
            langs = Counter(r.get("lang", "?") for r in p)
            events = Counter(r["event"] for r in p)
            engine_events = len({event_of[r["id"]] for r in p})
            print(f"  {len(p):3d} {sid[:10]} engine events {engine_events}; langs "
                  + ",".join(f"{k}{v}" for k, v in langs.most_common())
                  + "; gold " + ",".join(f"{k[:28]}:{v}" for k, v in events.most_common()))
    mixed = defaultdict(Counter)
    for r in rows:
        mixed[line_of[r["id"]]][r["topic"]] += 1
    print("\nengine storylines mixing topics:")
    for sid, c in mixed.items():
        if len(c) > 1:
            print(f"  {sid[:10]}: {dict(c)}")


if __name__ == "__main__":
    main()
