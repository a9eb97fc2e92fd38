"""Copy decisions pair by pair on labelled files: the engine's pair decision
(`scoring.copy_score` at `copy_threshold`, then for a copy found below it by its
sentences the `stands_out` check of its wording outside quotation marks against
the pair's background) against the gold
copy groups.

Per file: how many gold copy pairs it finds, and for each it misses how many
non-copies look at least as much like a copy on each piece of evidence (round 6);
then the near-miss check (round 10): the labelled non-copies that look most like
copies, in two kinds, with the distribution of the copy score of each kind against
the true copies', the margin between them, and the top-scoring non-copies with what
they share (quotation, wording other reports of the topic write too, a template):

- near-miss: same gold event, different copy groups (distinct texts of one
  happening, often quoting the same statements);
- storyline: same storyline (topic), different events (an agency's template for
  the next eruption, quake or rate decision).

    python bench/copy_pairs.py bench/data/dated-events/dated-events.jsonl --split tune
    python bench/copy_pairs.py FILE [FILE ...] --split tune --near-miss [--top 5] [--tuning JSON]

The background of a pair is the most either text shares (shingle containment) with
a same-language report of its topic outside both their gold copy groups: the
gold stands in for the engine's "candidates of groups the article copies none of".
"""
from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from itertools import combinations
from pathlib import Path

import numpy as np

from newsagg.dedupe.eval import load_labelled, select_split, to_article
from newsagg.dedupe.features import Features, featurize
from newsagg.dedupe.scoring import (
    copy_score,
    outside_quotes,
    same_story,
    sentence_alignment,
    shingle_containment,
    shingle_containments,
    stands_out,
    version_hits,
    wording_shared,
)
from newsagg.dedupe.tuning import Tuning

EVIDENCE = ("containment", "aligned share", "aligned sentences")
KINDS = ("copy", "near-miss", "storyline")


@dataclass
class Pair:
    a: str
    b: str
    kind: str  # one of KINDS
    score: float  # copy_score
    copy: bool  # the pair decision
    containment: float
    outside_quotes: float  # the containment outside quotation marks (`scoring.outside_quotes`)
    share: float  # sentences aligned / the shorter text's
    count: int
    background: float
    common: float  # share of the pair's shared shingles that another report of the topic writes too
    same_story: bool


def featurized(rows: list[dict], tuning: Tuning) -> dict[str, Features]:
    arrival = datetime.now(timezone.utc)
    return {r["id"]: featurize(to_article(r, arrival), tuning) for r in rows}


def pairs_of(rows: list[dict], feats: dict[str, Features], tuning: Tuning, near_miss: bool) -> list[Pair]:
    """Same-language pairs of one gold event (and, with `near_miss`, of one topic)."""
    topic = {r["id"]: r.get("topic") or r["event"] for r in rows}
    pairs = []
    for a, b in combinations(rows, 2):
        fa, fb = feats[a["id"]], feats[b["id"]]
        if fa.lang != fb.lang or (topic[a["id"]] != topic[b["id"]] if near_miss else a["event"] != b["event"]):
            continue
        kind = "copy" if a["group"] == b["group"] else "near-miss" if a["event"] == b["event"] else "storyline"
        outside = [r for r in rows if topic[r["id"]] == topic[a["id"]] and feats[r["id"]].lang == fa.lang
                   and r["group"] not in (a["group"], b["group"])]
        background = max([0.0, *shingle_containments(fa, [feats[r["id"]] for r in outside]).tolist(),
                          *shingle_containments(fb, [feats[r["id"]] for r in outside]).tolist()])
        contained = shingle_containment(fa, fb)
        share, count = sentence_alignment(fa, fb, tuning)
        score = copy_score(fa, fb, tuning, contained)
        unquoted = outside_quotes(fa, fb, tuning, contained)
        copy = score >= tuning.copy_threshold and (
            wording_shared(fa, fb, tuning, contained) >= tuning.copy_threshold or stands_out(unquoted, background, tuning))
        shared = np.intersect1d(fa.shingles, fb.shingles, assume_unique=True)
        elsewhere = np.unique(np.concatenate([feats[r["id"]].shingles for r in outside])) if outside else shared[:0]
        common = np.isin(shared, elsewhere).mean() if shared.size else 0.0
        pairs.append(Pair(a["id"], b["id"], kind, score, copy, contained, unquoted, share, count,
                          background, float(common), same_story(fa, fb, tuning)))
    return pairs


def reason(p: Pair) -> str:
    """What a non-copy shares that makes it look like a copy."""
    why = []
    if p.containment - p.outside_quotes >= 0.1:
        why.append(f"quotation ({p.containment:.2f} with quotes, {p.outside_quotes:.2f} without)")
    if p.common >= 0.5:
        why.append(f"wording the topic's other reports write too ({p.common:.0%} of the shared shingles)")
    if not p.same_story:
        why.append("a template (dates, figures or publication weeks apart)")
    if p.count >= 3:
        why.append(f"{p.count} sentences in order")
    return "; ".join(why) or "shared wording of its own"


def quantiles(values: list[float]) -> str:
    if not values:
        return "-"
    v = sorted(values)
    q = statistics.quantiles(v, n=10) if len(v) > 1 else [v[0]] * 9
    return f"n {len(v)}, min {v[0]:.2f}, p10 {q[0]:.2f}, median {statistics.median(v):.2f}, p90 {q[-1]:.2f}, max {v[-1]:.2f}"


def report_missed(name: str, split: str, pairs: list[Pair]) -> None:
    event_pairs = [p for p in pairs if p.kind != "storyline"]
    gold = [p for p in event_pairs if p.kind == "copy"]
    others = [p for p in event_pairs if p.kind != "copy"]
    print(f"{name} {split}: {len(event_pairs)} same-event pairs, {len(gold)} copy pairs; "
          f"copy decision finds {sum(p.copy for p in gold)}, makes up {sum(p.copy for p in others)}")
    for p in gold:
        if p.copy:
            continue
        evidence = (p.containment, p.share, p.count)
        above = [sum((o.containment, o.share, o.count)[i] >= evidence[i] for o in others) for i in range(3)]
        print(f"  missed {p.a} {p.b}: " + ", ".join(
            f"{n} {round(v, 2)} ({k} non-copies as high)" for n, v, k in zip(EVIDENCE, evidence, above)))
    for p in others:
        if p.copy:
            print(f"  made up {p.a} {p.b}: " + ", ".join(
                f"{n} {round(v, 2)}" for n, v in zip(EVIDENCE, (p.containment, p.share, p.count))))


def report_near_miss(name: str, split: str, pairs: list[Pair], top: int) -> dict:
    by_kind = {k: [p for p in pairs if p.kind == k] for k in KINDS}
    copies = [p.score for p in by_kind["copy"]]
    print(f"\n{name} {split}: copy score by kind of pair (same language, same topic)")
    for kind in KINDS:
        ps = by_kind[kind]
        print(f"  {kind:9} {quantiles([p.score for p in ps])}; decided copies {sum(p.copy for p in ps)}")
    hardest = max((p.score for k in KINDS[1:] for p in by_kind[k]), default=0.0)
    found = sorted(copies)
    print(f"  margin: highest non-copy {hardest:.2f}; true copies above it {sum(s > hardest for s in found)} "
          f"of {len(found)}; at the threshold: copies {sum(p.copy for p in by_kind['copy'])}, "
          f"non-copies {sum(p.copy for k in KINDS[1:] for p in by_kind[k])}")
    non_copies = sorted((p for k in KINDS[1:] for p in by_kind[k]), key=lambda p: -p.score)[:top]
    for p in non_copies:
        print(f"    {p.kind:9} {p.a} {p.b} score {p.score:.2f}{' COPY' if p.copy else ''}: containment "
              f"{p.containment:.2f}, {p.share:.2f} of sentences ({p.count}) in order, background "
              f"{p.background:.2f}; {reason(p)}")
    return {"file": name, "copies": len(copies), "copies_found": sum(p.copy for p in by_kind["copy"]),
            **{f"{k}_pairs": len(by_kind[k]) for k in KINDS[1:]},
            **{f"{k}_decided": sum(p.copy for p in by_kind[k]) for k in KINDS[1:]},
            "highest_non_copy": round(hardest, 3)}


def report_versions(name: str, split: str, rows: list[dict], feats: dict[str, Features], tuning: Tuning) -> dict:
    """The group rule for versions of one wire story (`scoring.version_hits`, as
    `engine._versions_of_group` applies it) on the gold copy groups: each article
    against every other gold group of its topic and language (its own without it),
    as if the group's members had all arrived first (an article that is a version
    of two groups is left apart, as the engine leaves it). An article outside the group
    that the rule takes is a made-up copy; one of the group that it takes, one
    found (besides what copy scores find)."""
    topic = {r["id"]: r.get("topic") or r["event"] for r in rows}
    groups: dict[str, list[str]] = {}
    for r in rows:
        groups.setdefault(r["group"], []).append(r["id"])
    taken, made = 0, []
    for r in rows:
        f = feats[r["id"]]
        versions = []
        for gid, ids in groups.items():
            members = [m for m in ids if m != r["id"] and topic[m] == topic[r["id"]] and feats[m].lang == f.lang]
            if len(members) < tuning.copy_group_mid_members:
                continue
            hits = version_hits(f, [feats[m] for m in members], tuning)
            if hits >= tuning.copy_group_mid_members and hits >= tuning.copy_group_share * len(members):
                versions.append((gid, f"{r['id']} -> {gid} ({hits} of {len(members)})"))
        if len(versions) > 1:  # a lead two texts open with: the engine takes neither
            print(f"    a version of {len(versions)} groups, left apart: " + "; ".join(v for _, v in versions))
            continue
        for gid, line in versions:
            if gid == r["group"]:
                taken += 1
            else:
                made.append(line)
    print(f"  versions of a group (copy_group_mid_containment {tuning.copy_group_mid_containment}, "
          f"{tuning.copy_group_mid_members}+ members): copies taken {taken}, non-copies taken {len(made)}"
          + "".join(f"\n    made up {m}" for m in made))
    return {"versions_taken": taken, "versions_made_up": len(made)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--split", default="tune")
    parser.add_argument("--near-miss", action="store_true",
                        help="also pairs of one topic, different events; score distributions by kind of pair")
    parser.add_argument("--top", type=int, default=5, help="top-scoring non-copies shown per file")
    parser.add_argument("--tuning", default="", help="JSON of Tuning fields to change")
    args = parser.parse_args()
    tuning = replace(Tuning(), **json.loads(args.tuning)) if args.tuning else Tuning()
    summary = []
    for path in args.files:
        rows = [r for r in select_split(load_labelled(path), args.split) if r.get("group")]
        feats = featurized(rows, tuning)
        pairs = pairs_of(rows, feats, tuning, args.near_miss)
        name = path.parent.name if path.name == "events.jsonl" else path.stem
        report_missed(name, args.split, pairs)
        if args.near_miss:
            summary.append({**report_near_miss(name, args.split, pairs, args.top),
                            **(report_versions(name, args.split, rows, feats, tuning)
                               if tuning.copy_group_mid_containment else {})})
    if summary:
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
