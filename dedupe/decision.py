"""The event decision: how likely an article reports the happening of each
candidate event, from a handful of measures the engine already has, weighed
by a small logistic regression (Saravanakumar et al. 2021: sparse TF-IDF and
name similarities plus time, combined by a small learned decision).

The average likeness to an event's members (`scoring.event_fits`) alone ranks
a report's own event first for only about four in five reports of topics with
several happenings: a follow-up shares the subject's vocabulary. What tells
them apart beside it: how close the single nearest report is, the share of
the article's names the event holds, how far apart their publication times
and written dates are, and how clearly the best event leads the rest.

The weights (`Tuning.event_weights`, one per `EVIDENCE` measure, then the
intercept) are fitted on the tune splits by `bench/train_event_decision.py`
from the candidates the engine really scores; the engine then joins an event
it fits at the bar only when the chance clears `Tuning.join_chance`. Shipped
without weights (the plain bar, `fit >= 1`, alone): on the tune splits the
fitted decision ranked candidates better than the fit but chose no better
among the joins that matter (bench/README.md, round 6); fitted on six of the
seven tune sets and scored on the seventh it lost to the plain bar too, with
five more time and language measures as well (round 14).
"""
from __future__ import annotations

import math

import numpy as np

from newsagg.dedupe.features import Features
from newsagg.dedupe.records import EventRecord
from newsagg.dedupe.tuning import Tuning
from newsagg.dedupe.vectors import dots, shared_counts

# The measures, in the order of `Tuning.event_weights`.
EVIDENCE = (
    "log_fit",  # log of `event_fits` (1 at the joining bar)
    "terms",  # average content-word similarity to the members (same language)
    "keys",  # average names-and-numbers similarity to the members
    "closest",  # similarity to the nearest member among the candidates (same language)
    "log_size",  # log(1 + members)
    "names_share",  # share of the article's names and numbers the event holds
    "names_held",  # how many of them (at most 10, over 10)
    "anchor_gap",  # days between its publication time and the event's, when both known (at most 3)
    "both_anchored",
    "written_gap",  # days between its latest written date and the event's (at most 30, over 30)
    "both_written",
    "lead",  # its fit minus the best other event's fit (the best other's when it is not the best)
    "found_share",  # share of the event's members the lookup found as candidates
)


def event_evidence(f: Features, events: dict[str, EventRecord], fits: dict[str, float],
                   candidates: dict[str, Features], candidate_event: dict[str, str],
                   tuning: Tuning) -> dict[str, np.ndarray]:
    """The `EVIDENCE` measures of an article for each event it fits at all
    (fit > 0: in time, names or words in common). `candidates`: the scored
    candidate articles' features, `candidate_event`: their (surviving) events."""
    scored = [e for e in events if fits.get(e, 0.0) > 0]
    if not scored:
        return {}
    ranked = sorted((fits[e] for e in scored), reverse=True)
    best, second = ranked[0], (ranked[1] if len(ranked) > 1 else 0.0)
    same = [c for c, cf in candidates.items() if cf.lang == f.lang and candidate_event.get(c) in fits]
    near: dict[str, float] = {}
    found: dict[str, int] = {}
    for c in candidates:
        if candidate_event.get(c) in fits:
            found[candidate_event[c]] = found.get(candidate_event[c], 0) + 1
    if same:
        sims = (1 - tuning.key_weight) * dots(f.term_vector, [candidates[c].term_vector for c in same]) \
            + tuning.key_weight * dots(f.key_vector, [candidates[c].key_vector for c in same])
        for c, s in zip(same, sims.tolist()):
            e = candidate_event[c]
            near[e] = max(near.get(e, 0.0), s)
    centroids = [events[e].centroid for e in scored]
    terms = dots(f.term_vector, [c.terms for c in centroids])
    keys = dots(f.key_vector, [c.keys for c in centroids])
    held = shared_counts(f.key_vector, [c.keys for c in centroids])
    n_keys = max(len(f.key_vector), 1)
    out = {}
    for i, e in enumerate(scored):
        rec, fit = events[e], fits[e]
        size = max(rec.size, 1)
        span = rec.span
        anchored = f.anchor is not None and span.anchor_min is not None
        gap = 0.0
        if anchored and not span.anchor_min <= f.anchor <= span.anchor_max:
            gap = min(abs(f.anchor - span.anchor_min), abs(f.anchor - span.anchor_max)) / 86400.0
        written = f.written is not None and span.written_max is not None
        written_gap = abs(f.written - span.written_max) / 86400.0 if written else 0.0
        out[e] = np.array([
            math.log(fit + 1e-3),
            float(terms[i]) / size if f.lang in rec.centroid.langs else 0.0,
            float(keys[i]) / size,
            near.get(e, 0.0),
            math.log1p(rec.size),
            int(held[i]) / n_keys,
            min(int(held[i]), 10) / 10,
            min(gap, 3.0),
            float(anchored),
            min(written_gap, 30.0) / 30.0,
            float(written),
            fit - (second if fit >= best else best),
            min(found.get(e, 0) / size, 1.0),
        ])
    return out


def join_chances(evidence: dict[str, np.ndarray], tuning: Tuning) -> dict[str, float]:
    """The chance (logistic regression over `evidence`) that the article reports
    each event's happening; {} when the tuning holds no weights."""
    weights = tuning.event_weights
    if not weights or not evidence:
        return {}
    w = np.asarray(weights[: len(EVIDENCE)], dtype=np.float64)
    ids = list(evidence)
    z = np.vstack([evidence[e] for e in ids]) @ w + float(weights[len(EVIDENCE)])
    return dict(zip(ids, (1.0 / (1.0 + np.exp(-z))).tolist()))
