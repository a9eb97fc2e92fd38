"""Scores of the story engine (pure): is one text a copy of another, how well
does an article fit an event, are two events one happening.

Copy score (same language only): shared word 3-shingles over the shorter text
(outside quotation marks: `wording_shared`), or the share of its sentences that
line up in order with look-alike sentences of the other (a rewrite), or some of
both, or an identical long URL slug. Event
score: average TF-IDF similarity to the event's members (one dot product with
their sums, `clusters.Centroid`), content words and names/numbers mixed within a
language, names/numbers alone across languages; zero when the article's time
cannot fit the event's (`time_compatible`).
"""
from __future__ import annotations

import bisect
import math
from collections import Counter
from itertools import repeat

import numpy as np

from newsagg.dedupe.arrays import isin_sorted, unique
from newsagg.dedupe.clusters import Centroid, Member, Span, ordinal_counts, weekday_counts
from newsagg.dedupe.features import Features
from newsagg.dedupe.records import ClusterRecord, EventRecord
from newsagg.dedupe.tuning import Tuning
from newsagg.dedupe.vectors import SparseVector, dense, dots, shared_counts, term_ids


def shingle_containment(a: Features, b: Features) -> float:
    """Share of the shorter text's word shingles found in the other."""
    return float(shingle_containments(a, [b])[0])


def shingle_containments(f: Features, others: list[Features]) -> np.ndarray:
    """`shingle_containment` of f with each of others, in one numpy pass: the
    others' shingles (sorted, unique: featurize) are looked up in f's."""
    out = np.zeros(len(others))
    if not len(f.shingles) or not others:
        return out
    lengths = np.array([len(o.shingles) for o in others])
    if not lengths.sum():
        return out
    theirs = np.concatenate([o.shingles for o in others])
    at = np.minimum(np.searchsorted(f.shingles, theirs), len(f.shingles) - 1)
    shared = np.bincount(np.repeat(np.arange(len(others)), lengths), weights=f.shingles[at] == theirs,
                         minlength=len(others))
    smaller = np.minimum(lengths, len(f.shingles))
    return np.divide(shared, smaller, out=out, where=smaller > 0)


def wording_shared(a: Features, b: Features, tuning: Tuning, containment: float | None = None) -> float:
    """The containment that makes a copy by wording alone: the shorter text's
    shingles found in the other, leaving out those either writes only inside
    quotation marks (two reports of one death both quote the family's statement
    at length). A text mostly in quotation marks (a statement, an interview) is
    compared whole: there the quotation is its text. `containment`: the plain
    containment, when already known."""
    if containment is None:
        containment = shingle_containment(a, b)
    if containment < tuning.copy_threshold:
        return containment
    return outside_quotes(a, b, tuning, containment)


def outside_quotes(a: Features, b: Features, tuning: Tuning, containment: float) -> float:
    """`wording_shared` at any containment: the shorter text's shingles outside
    quotation marks found in the other (`containment` as it is when quotes are
    not kept apart, or a text is mostly quotation)."""
    if not tuning.quotes_apart or not (len(a.quoted) or len(b.quoted)):
        return containment
    own_a, own_b = len(a.shingles) - len(a.quoted), len(b.shingles) - len(b.quoted)
    if min(own_a / len(a.shingles), own_b / len(b.shingles)) < tuning.quoted_text_share:
        return containment
    # Shingles and quoted shingles are sorted and unique (featurize).
    shared = a.shingles[isin_sorted(a.shingles, b.shingles)]
    outside = shared.size - int(isin_sorted(shared, unique(np.concatenate([a.quoted, b.quoted]))).sum())
    return outside / min(own_a, own_b)


def _longest_increasing(seq: list[int]) -> int:
    tails: list[int] = []
    for x in seq:
        i = bisect.bisect_left(tails, x)
        if i == len(tails):
            tails.append(x)
        else:
            tails[i] = x
    return len(tails)


def sentence_alignment(a: Features, b: Features, tuning: Tuning) -> tuple[float, int]:
    """(share, count) of the shorter text's sentences that have a look-alike in the
    other text, in the same order: what survives a sentence-by-sentence rewrite."""
    short, long_ = sorted((a.sentence_terms, b.sentence_terms), key=len)
    if not short:
        return 0.0, 0
    where: dict[str, list[int]] = {}  # stem -> sentences of the longer text holding it
    for j, other in enumerate(long_):
        for stem in other:
            where.setdefault(stem, []).append(j)
    matches = []
    for s in short:
        shared = Counter(j for stem in s for j in where.get(stem, ()))
        best, best_j = tuning.sentence_match, -1
        for j in sorted(shared):
            sim = shared[j] / (len(s) + len(long_[j]) - shared[j])  # Jaccard
            if sim >= best:
                best, best_j = sim, j
        if best_j >= 0:
            matches.append(best_j)
    aligned = _longest_increasing(matches)
    return aligned / len(short), aligned


def copy_score(a: Features, b: Features, tuning: Tuning, containment: float | None = None) -> float:
    """How surely b is the same written text as a (0 across languages): shared
    shingles, or sentences that line up one by one (a light rewrite), or some of
    both (a heavier rewrite keeps a quarter of the wording and the order of its
    sentences; independent reports of one happening rarely have both).
    `containment`: the shingle containment, when already known."""
    if a.lang != b.lang:
        return 0.0
    containment = shingle_containment(a, b) if containment is None else containment
    score = wording_shared(a, b, tuning, containment)
    if len(a.slug) >= tuning.slug_min_words and a.slug == b.slug:
        score = max(score, tuning.copy_threshold)
    if score < tuning.copy_threshold and score >= tuning.rewrite_min_containment:
        share, count = sentence_alignment(a, b, tuning)
        if count >= tuning.rewrite_min_sentences:
            score = max(score, share * tuning.copy_threshold / tuning.rewrite_alignment)
        if score < tuning.copy_threshold and containment >= tuning.mixed_containment \
                and share >= tuning.mixed_alignment and count >= 3:
            score = tuning.copy_threshold
    if score >= tuning.copy_threshold and not same_story(a, b, tuning):
        return min(score, tuning.copy_threshold * 0.99)
    return score


def version_hits(f: Features, members: list[Features], tuning: Tuning) -> int:
    """How many of a copy group's members (same language, each at least
    `copy_group_min_length` of f's length) f shares `copy_group_mid_containment`
    of its wording with, outside quotation marks, as a version of their story
    (`same_story`, naming the same weekday when both name one): versions of one
    wire story (write-throughs that add and cut paragraphs, a brief, a lead) share
    a quarter to a third of their wording with each other version; two reports of
    one happening may share that much with one report, rarely with several
    versions of one text. Nor is a text that shares mostly statements (more
    than `copy_group_mid_quoted` of the shared wording inside quotation marks):
    what two reports of one statement share outside the quotes is its frame
    ("the company said in an advisory"), not a text of their own."""
    bar = tuning.copy_group_mid_containment
    if f.lang in tuning.syllable_languages or f.lang in tuning.unspaced_languages:
        # Five syllables are a word or two: a quarter of them is what any two reports
        # of one happening share (vi tune, same-event non-copies: p90 0.26, against
        # 0.10-0.24 in the other tune sets), so no rule of versions there. Chinese and
        # Japanese likewise: same-event non-copies share up to 0.32 of their 8-character
        # shingles (0.36 of 5-character ones) on dated-events-5 tune.
        return 0
    members = [m for m in members if m.lang == f.lang and len(m.shingles) >= tuning.copy_group_min_length * len(f.shingles)]
    contained = shingle_containments(f, members).tolist()
    return sum(c >= bar and outside_quotes(f, m, tuning, c) >= bar and same_story(f, m, tuning)
               and (f.weekday is None or m.weekday is None or f.weekday == m.weekday)
               and quoted_share(f, m) <= tuning.copy_group_mid_quoted
               for m, c in zip(members, contained))


def quoted_share(a: Features, b: Features) -> float:
    """The share of the shingles two texts share that either writes only inside
    quotation marks."""
    if not (len(a.quoted) or len(b.quoted)):
        return 0.0
    shared = np.intersect1d(a.shingles, b.shingles, assume_unique=True)
    if not shared.size:
        return 0.0
    return np.intersect1d(shared, np.union1d(a.quoted, b.quoted), assume_unique=True).size / shared.size


def stands_out(containment: float, background: float, tuning: Tuning) -> bool:
    """Whether a rewrite's shared wording (`containment`, below `copy_threshold`)
    marks it as a copy of its source: more than either text shares with reports it
    does not copy (`background`), unless those share next to nothing."""
    return background < tuning.rewrite_background or containment > background


def same_story(a: Features, b: Features, tuning: Tuning) -> bool:
    """Whether two texts of one wording can be copies of one story, not two stories
    of an agency's template (the same sentences with new figures and a new date,
    weeks apart): published within `copy_max_gap_days`, writing the same latest
    date (within the event bound), and keeping most of their figures."""
    gap = tuning.copy_max_gap_days * 86400.0
    if a.anchor is not None and b.anchor is not None and abs(a.anchor - b.anchor) > gap:
        return False
    if a.written is not None and b.written is not None \
            and abs(a.written - b.written) > tuning.max_gap_days * 86400.0 + WRITTEN_DATE_SPAN_S:
        return False
    # Figures in the same words: a copy keeps most (a new toll changes one), a template changes most.
    both = a.figures.keys() & b.figures.keys()
    if len(both) >= tuning.copy_figures_min \
            and sum(bool(a.figures[k] & b.figures[k]) for k in both) < tuning.copy_figures_agree * len(both):
        return False
    return True


def tfidf(counts: dict[str, float], ids: dict[str, int], df: dict[int, int], docs: int) -> SparseVector:
    """Unit-length TF-IDF vector (sublinear tf) under the engine's running document
    frequencies by term id (`ids`: `term_id` of each term; `docs` includes the
    prior pseudo-documents)."""
    # map() over the terms keeps the loops in C: an article has hundreds of terms.
    n = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
    id_list = list(map(ids.__getitem__, counts))
    term_id_array = np.array(id_list, dtype=np.int64)
    held = np.fromiter(map(df.get, id_list, repeat(0)), dtype=np.float64, count=len(id_list))
    idf = np.log((docs + 1) / (held + 1))
    tf = np.where(n >= 1, 1 + np.log(np.maximum(n, 1.0)), n)
    keep = (idf > 0) & (n > 0)
    weights = tf[keep] * idf[keep]
    norm = math.sqrt(float(weights @ weights)) or 1.0
    return SparseVector.from_ids(term_id_array[keep], weights / norm)

WRITTEN_DATE_SPAN_S = 86400.0  # a date written in a text names a day, not an instant


def _yearless_days_apart(a_min: int, a_max: int, b_min: int, b_max: int) -> int:
    """Days of the year between two ranges of them (0: they overlap), around the
    year's end either way (their years are not known)."""
    if a_min <= b_max and b_min <= a_max:
        return 0
    return min(min((x - y) % 366, (y - x) % 366) for x in (a_min, a_max) for y in (b_min, b_max))


def days_compatible(a: Span, b: Span, tuning: Tuning) -> bool:
    """Whether the latest days two clusters' texts write (`Span.day_min`/`day_max`)
    allow one happening: within the gap of each other, a written day being a whole
    day. True when either side writes none."""
    if not tuning.written_days or a.day_min is None or b.day_min is None:
        return True
    return _yearless_days_apart(a.day_min, a.day_max, b.day_min, b.day_max) <= tuning.max_gap_days + WRITTEN_DATE_SPAN_S / 86400.0


def _most_named(counts: list[int] | None, least: int) -> set[int]:
    """The weekdays (ordinals) most of a cluster's reports name, when at least `least` do."""
    if not counts or max(counts) < max(least, 1):
        return set()
    return {n for n, c in enumerate(counts) if c == max(counts)}


def weekdays_compatible(a: list[int] | None, b: list[int] | None, tuning: Tuning, article: bool = False) -> bool:
    """Whether the weekdays two clusters' texts name most (`Span.weekdays`) are at
    most a day apart (a report of the day after names the day before). True when
    either names none, or fewer than `weekday_reports` of a cluster's reports
    name it (one report may name only the day a terminal reopens); an `article`
    (a) counts alone."""
    wa = _most_named(a, 1 if article else tuning.weekday_reports)
    wb = _most_named(b, tuning.weekday_reports)
    if not tuning.weekdays or not wa or not wb:
        return True
    return any(min((x - y) % 7, (y - x) % 7) <= 1 for x in wa for y in wb)


def ordinals_compatible(a: list[int] | None, b: list[int] | None, tuning: Tuning, article: bool = False) -> bool:
    """Whether the ordinals of a series two clusters' texts name most (`Span.ordinals`:
    "the fifth eruption", "the sixth") can be one happening's: the same one. True
    when either names none, or fewer than `ordinal_reports` of a cluster's reports
    name it; an `article` (a) counts alone."""
    if not tuning.ordinals:
        return True
    oa = _most_named(a, 1 if article else tuning.ordinal_reports)
    ob = _most_named(b, tuning.ordinal_reports)
    return not oa or not ob or bool(oa & ob)


def time_compatible(f: Features | Member, span: Span, tuning: Tuning) -> bool:
    """Whether an article's time fits an event's (its span). Published times
    (anchors) are exact; a date written in a text only says the text is not
    older than it."""
    gap = tuning.max_gap_days * 86400.0
    lo, hi, written = span.anchor_min, span.anchor_max, span.written_max
    if f.day is not None and not days_compatible(Span(day_min=f.day, day_max=f.day), span, tuning):
        return False
    if f.weekday is not None:
        named = weekday_counts(f.weekday)
        if not weekdays_compatible(named, span.weekdays, tuning, article=True):
            return False
        # Publication weekdays bound only a report whose own publication time is
        # unknown (published ones keep to the publication times' bound).
        if f.anchor is None and not weekdays_compatible(named, span.published_weekdays, tuning, article=True):
            return False
    if f.ordinal is not None and not ordinals_compatible(ordinal_counts(f.ordinal), span.ordinals, tuning, article=True):
        return False
    if f.anchor is not None:
        if lo is not None and not lo - gap <= f.anchor <= hi + gap:
            return False
        if written is not None and written > f.anchor + gap:
            return False
    if f.written is not None and hi is not None and f.written > hi + gap:
        return False
    # The latest date a report writes is, as a rule, the day of its happening:
    # far from the other side's publication times, it is another happening. A
    # written date is a whole day (its midnight is only the earliest it can mean):
    # floods on the 29th, reported on the 31st, are 1.5 days from the 29th's evening.
    day = WRITTEN_DATE_SPAN_S
    if tuning.anchor_after_written and f.anchor is not None and lo is None and written is not None \
            and f.anchor > written + day + gap:
        return False
    if tuning.written_before_anchor and f.anchor is None and f.written is not None and lo is not None \
            and f.written + day < lo - gap:
        return False
    if tuning.written_dates_both_ways and f.anchor is None and lo is None and f.written is not None \
            and written is not None and not span.written_min - gap <= f.written <= written + gap:
        return False
    return True

def spans_compatible(a: Span, b: Span, tuning: Tuning) -> bool:
    """Whether two events' times allow them to be one happening: the bound an
    article's time must keep to join an event (`time_compatible`), between two
    events. Their publication times lie within the gap of each other's, and
    neither writes out a date well after every publication time of the other."""
    gap = tuning.max_gap_days * 86400.0
    if a.anchor_min is not None and b.anchor_min is not None \
            and (b.anchor_min > a.anchor_max + gap or a.anchor_min > b.anchor_max + gap):
        return False
    for x, y in ((a, b), (b, a)):
        if x.written_max is not None and y.anchor_max is not None and x.written_max > y.anchor_max + gap:
            return False
    return days_compatible(a, b, tuning) and weekdays_compatible(a.weekdays, b.weekdays, tuning) \
        and ordinals_compatible(a.ordinals, b.ordinals, tuning)


def _link(terms_dot: float, keys_dot: float, pairs: float, shared_language: bool, tuning: Tuning,
          other_languages: bool = True, cross_dot: float | None = None) -> float:
    """`average_link` from the dot products of two sets' vector sums: within a
    language, content words and names mixed; across languages (`other_languages`:
    the sets hold articles of more than one language), names and numbers alone,
    rescaled to the same bar; the better of the two when both apply (an event
    reported in two languages is, for a report in either, as good as one).
    `cross_dot`: the dot product of an article's names seen in other languages
    (`Features.cross_vector`) instead of all its capitalised words."""
    keys = keys_dot / pairs
    same = (1 - tuning.key_weight) * terms_dot / pairs + tuning.key_weight * keys if shared_language else 0.0
    if cross_dot is not None:
        keys = max(keys, cross_dot / pairs)
    if not other_languages or keys < tuning.cross_lang_threshold:
        return same
    return max(same, keys * tuning.event_threshold / tuning.cross_lang_threshold)


def average_link(a: Centroid, b: Centroid, tuning: Tuning) -> float:
    """Average similarity between the articles of two sets, each given as the sums
    of their unit vectors (`Centroid`): content words and
    names/numbers mixed within a language, names/numbers alone (rescaled to the
    same threshold) across languages."""
    shared = bool(set(a.langs) & set(b.langs))
    terms = a.terms.dot(b.terms) if shared else 0.0
    across = len(set(a.langs) | set(b.langs)) > 1 \
        and int(shared_counts(a.keys, [b.keys])[0]) >= tuning.cross_lang_min_shared
    return _link(terms, a.keys.dot(b.keys), max(a.size, 1) * max(b.size, 1), shared, tuning, across)


def cohesion(event: Centroid, tuning: Tuning) -> float | None:
    """Average similarity between two different members of an event (None below
    two members), from the sums of their unit vectors: |sum|^2 counts each member
    with itself once."""
    n = event.size
    if n < 2:
        return None
    total = average_link(event, event, tuning) * n * n
    return max(0.0, (total - n) / (n * (n - 1)))


def mergeable(a: Centroid, b: Centroid, tuning: Tuning) -> bool:
    """Whether two events are one happening: as alike to each other as (nearly)
    their own members are. Reports of a follow-up or an earlier happening of one
    topic share its vocabulary and clear the joining bar, but stay less alike to
    each other than each is within itself."""
    own = [c for c in (cohesion(a, tuning), cohesion(b, tuning)) if c is not None]
    if not own:
        return True
    return average_link(a, b, tuning) >= tuning.merge_cohesion * min(own)


def member_similarities(members: list[Member], tuning: Tuning) -> np.ndarray:
    """Pairwise `average_link` similarity of single articles (an event's members)."""
    terms, keys = (m @ m.T for m in (dense([getattr(x, key) for x in members]) for key in ("terms", "keys")))
    lang = np.array([x.lang for x in members])
    same = lang[:, None] == lang[None, :]
    cross = np.where(keys >= tuning.cross_lang_threshold, keys * tuning.event_threshold / tuning.cross_lang_threshold, 0.0)
    return np.where(same, (1 - tuning.key_weight) * terms + tuning.key_weight * keys, cross)


def event_fits(f: Features, events: dict[str, EventRecord], tuning: Tuning) -> dict[str, float]:
    """How well an article fits each event, 1 at the joining bar: its average
    similarity to the members (average link: a diffuse topic-wide cluster does
    not attract everything) over the bar (higher for an event of few reports:
    `Tuning.small_event_bar`); 0 when out of the event's time. The dot products
    with all events' centroids are taken in one pass."""
    fits = {eid: 0.0 for eid in events}
    timely = [(eid, rec) for eid, rec in events.items() if time_compatible(f, rec.span, tuning)]
    centroid_keys = [rec.centroid.keys for _, rec in timely]
    terms = dots(f.term_vector, [rec.centroid.terms for _, rec in timely])
    keys = dots(f.key_vector, centroid_keys)
    cross = dots(f.cross_vector, centroid_keys) if len(f.cross_vector) else None
    # Names and numbers in common with each event, and names alone: a lone shared
    # figure (a death toll, an age, a year) is a coincidence across languages.
    in_common = shared_counts(f.key_vector, centroid_keys).tolist()
    name_ids = np.array(sorted(term_ids([k for k in f.keys if not k[0].isdigit()], "k").values()), dtype=np.int64)
    names_in_common = shared_counts(SparseVector(name_ids, np.ones(name_ids.size)), centroid_keys).tolist()
    gate = tuning.min_key_link if len(f.key_vector) else 0.0
    for i, ((eid, rec), terms_dot, keys_dot) in enumerate(zip(timely, terms.tolist(), keys.tolist())):
        # Reports of one happening name the same people, places and figures: content
        # words alone (a language's common words among them) do not make one.
        shared = f.lang in rec.centroid.langs and keys_dot / max(rec.size, 1) >= gate
        # Across languages only with names/numbers in common: one shared figure is a coincidence.
        # Names alone stand in for content words only where those cannot be compared:
        # an event reported mostly in the article's language is judged by its words
        # (a follow-up shares every name of the happening before it).
        share = rec.centroid.language_share(f.lang)
        across = (in_common[i] >= tuning.cross_lang_min_shared or names_in_common[i] >= 1) and any(lang != f.lang for lang in rec.centroid.langs) \
            and (share is None or share <= tuning.cross_lang_max_share)
        # A small event's average is a noisy estimate: joining a lone report takes a
        # likeness more like two reports of one happening than two of one subject.
        bar = tuning.event_threshold * (1 + tuning.small_event_bar / max(rec.size, 1))
        fits[eid] = _link(terms_dot if shared else 0.0, keys_dot, max(rec.size, 1), shared,
                          tuning, across, None if cross is None else float(cross[i])) / bar
        if tuning.embedding and fits[eid] < 1.0 and (share is None or share <= tuning.cross_lang_max_share):
            # Across languages, what the title and lead say stands in for the names they
            # may not share (another script, translated names): up to the bar, no further.
            likeness = rec.centroid.embedding_likeness(f.embedding)
            if likeness is not None and likeness >= tuning.embedding_cross:
                fits[eid] = 1.0
    return fits


def days_apart(a: Span, b: Span) -> float:
    """Days between two spans' publication times (0 when they overlap or either has none)."""
    if a.anchor_min is None or a.anchor_max is None or b.anchor_min is None or b.anchor_max is None:
        return 0.0
    return max(0.0, a.anchor_min - b.anchor_max, b.anchor_min - a.anchor_max) / 86400.0


def storyline_link(a: Centroid, b: Centroid, days: float, tuning: Tuning) -> float:
    """`average_link` of two sets of a storyline's articles, divided by 1 + the days
    between them / `storyline_gap_days`, as a storyline's fit for an article is."""
    return average_link(a, b, tuning) / (1.0 + days / tuning.storyline_gap_days)


def storyline_fits(f: Features, storylines: dict[str, ClusterRecord], tuning: Tuning) -> dict[str, float]:
    """How well an article that founds an event fits each storyline, 1 at the
    storyline bar: its average similarity to all the storyline's articles (one
    subject's vocabulary and names, whatever the day; or, if better, to those in
    its own language: `storyline_within_language`), divided by 1 + its days
    away from their publication times / `storyline_gap_days`, none beyond
    `storyline_max_gap_days`."""
    gap = tuning.storyline_max_gap_days * 86400.0
    fits = {sid: 0.0 for sid in storylines}
    timely = [(sid, rec) for sid, rec in storylines.items()
              if f.anchor is None or rec.span.anchor_min is None
              or rec.span.anchor_min - gap <= f.anchor <= rec.span.anchor_max + gap]
    terms = dots(f.term_vector, [rec.centroid.terms for _, rec in timely])
    keys = dots(f.key_vector, [rec.centroid.keys for _, rec in timely])
    here = Span(f.anchor, f.anchor)  # days_apart reads publication times only
    for (sid, rec), terms_dot, keys_dot in zip(timely, terms.tolist(), keys.tolist()):
        shared = f.lang in rec.centroid.langs
        fits[sid] = _link(terms_dot if shared else 0.0, keys_dot, max(rec.size, 1), shared,
                          tuning, any(lang != f.lang for lang in rec.centroid.langs)) / tuning.storyline_threshold
        in_lang = (rec.centroid.lang_sizes or {}).get(f.lang, 0) if tuning.storyline_within_language else 0
        if shared and 0 < in_lang < rec.size:
            # Words compare within a language only: a German report is judged by the
            # storyline's German reports, not by their average diluted by English ones
            # it shares only names with (those count on the names-alone route above).
            fits[sid] = max(fits[sid], _link(terms_dot, keys_dot, in_lang, True, tuning, False)
                            / tuning.storyline_threshold)
        fits[sid] /= 1.0 + days_apart(here, rec.span) / tuning.storyline_gap_days
    return fits


def with_event_fits(storyline_fit: dict[str, float], event_fit: dict[str, float], tuning: Tuning) -> dict[str, float]:
    """Storylines' fits for an article (`storyline_fits`), each raised to the
    article's best fit to one of its events (`event_fits`, 1 at the joining bar)
    over `storyline_event_fit`, where the storyline as a whole fits at least
    `storyline_event_min`: a storyline of hundreds of reports is on average little
    like a new short report of it, which is much like its latest events."""
    if not tuning.storyline_event_fit:
        return storyline_fit
    return {sid: max(fit, event_fit.get(sid, 0.0) / tuning.storyline_event_fit)
            if fit >= tuning.storyline_event_min else fit for sid, fit in storyline_fit.items()}
