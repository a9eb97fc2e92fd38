"""The clusters of the story engine of a checkout, dumped: to show that a change
(a refactor) leaves every copy group and event as it was.

    git worktree add /tmp/engine-before 3d8ef6d
    python bench/engine_identity.py --tree /tmp/engine-before --out /tmp/before.json
    python bench/engine_identity.py --out /tmp/after.json --compare /tmp/before.json

Streams ../shared/data/news-events-dev.jsonl (all rows) in file order and in
`--shuffles` seeded shuffled orders, and ../shared/data/ecbplus-events.jsonl in
file order, through `newsagg.dedupe.eval.run_engine` (what `newsagg eval
clusters` runs) and writes {run: {article id: [copy group, event]}}. With
`--tree`, `dedupe` comes from that checkout (inserted first in newsagg.__path__,
as bench/engine_ab.py does); `newsagg.core` stays this checkout's.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data"


def runs(shuffles: int) -> list[tuple[str, Path, int | None]]:
    dev, ecb = DATA / "news-events-dev.jsonl", DATA / "ecbplus-events.jsonl"
    return [("dev-file-order", dev, None)] + [(f"dev-shuffle-{s}", dev, s) for s in range(1, shuffles + 1)] \
        + [("ecbplus-file-order", ecb, None)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, help="checkout whose dedupe/ is run (default: this one)")
    parser.add_argument("--shuffles", type=int, default=4)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--compare", type=Path, help="a dump to compare with: exit 1 when any label differs")
    args = parser.parse_args()
    import newsagg

    if args.tree:
        tree = str(args.tree.resolve())
        newsagg.__path__.insert(0, tree)
    from newsagg.dedupe import eval as ev

    if args.tree and not ev.__file__.startswith(tree):
        raise SystemExit(f"dedupe came from {ev.__file__}, not {tree}")
    dump: dict[str, dict[str, list[str]]] = {}
    for name, path, seed in runs(args.shuffles):
        rows = ev.load_labelled(path)
        if seed is not None:
            random.Random(seed).shuffle(rows)
        result = ev.run_engine(rows)
        dump[name] = {r["id"]: [g, e] for r, g, e in zip(rows, result.groups, result.events)}
        print(f"{name}: {len(rows)} articles, {len(set(result.events))} events, "
              f"{len(set(result.groups))} groups, {result.seconds:.1f} s", file=sys.stderr)
    args.out.write_text(json.dumps(dump, sort_keys=True, indent=0))
    if args.compare:
        before = json.loads(args.compare.read_text())
        differ = {name: sum(before.get(name, {}).get(aid) != labels for aid, labels in run.items())
                  for name, run in dump.items()}
        print(json.dumps({"differing_articles": differ, "identical": not any(differ.values())}))
        if any(differ.values()) or set(before) != set(dump):
            raise SystemExit(1)


if __name__ == "__main__":
    main()
