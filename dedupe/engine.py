"""The story engine: assigns each article, as it arrives, to a copy group (the
same written text) and an event cluster (every report of one happening).

Flow of `StoryEngine.assign`:

1. `featurize` (pure): cleaned lines, tokens, content terms, "key" terms (names,
   numbers: they survive translation), the article's time.
2. Candidates: MinHash signature of the key terms, looked up in the LSH index
   (part B's `dedupe.lsh`). Copies share most key terms, so one index serves
   both levels; only candidates are ever scored.
3. Scores (pure): copy score (same language only) = shared word 3-shingles
   over the shorter text, or, for a light rewrite, the share of its sentences
   that line up in order with look-alike sentences of the other text (quotes
   left out: independent reports quote the same statements), or an identical
   long URL slug (a republished wire story keeps its slug). Event score =
   average TF-IDF similarity to the event's members (kept as the sums of their
   unit vectors; document frequencies are counted by the engine as it goes),
   content words and key terms mixed within a language, key terms alone across
   languages; zero when the article's time (published, page date, or the
   latest date written in it) cannot fit the event's.
4. Decision: a copy joins its original's group and event; otherwise the best
   event at or above the bar; an article that also fits another event well
   (merge_fit) merges them, the older id surviving, unless the two events are
   much less alike than the looser one's own members (merge_cohesion); else it
   founds new ones. At a few event sizes the event's members are clustered
   again (average link, copy groups whole): parts of several copy groups each
   that are much less alike than within themselves (two happenings of one topic
   that came in one report at a time) are split into events of their own.
   All writes of one assignment go through the state in one transaction.

Concurrency: `EngineState.lock()` serialises assignments (SQLite transaction in
process; a Redis lock plus one MULTI/EXEC across workers), so parallel workers
produce exactly what a sequential run in lock order would.
"""
from __future__ import annotations

import base64
import bisect
import logging
import math
import re
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from itertools import chain, repeat
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import py3langid

from newsagg.core.schema import Article, Changes
from newsagg.dedupe.changes import Passages, diff_passages
from newsagg.dedupe.changes import passages as text_passages
from newsagg.dedupe.lsh import LSHIndex
from newsagg.dedupe.minhash import Signer
from newsagg.dedupe.normalize import (
    article_lines,
    capitalised_tokens,
    mentioned_dates,
    page_date,
    sentences,
    tokens,
    url_date,
)
from newsagg.dedupe.shingles import word_shingles
from newsagg.dedupe.state import EngineState
from newsagg.dedupe.vectors import SparseVector, dense, dots, term_ids

log = logging.getLogger(__name__)

# Function words of the outlets' main languages: never content terms or keys.
STOPWORDS = frozenset("""
a an the and or but if of to in on at for with by from as is are was were be been being has have had
do does did it its this that these those he she they we you i me him her his their our your them us
not no so than then such which who whom whose what when where while after before into over under about
more most also said says say will would can could may might must one two new up out all any some there
here just only other very de la el los las en y del que un una por con para se al lo su sus es como
der die das und den dem des ein eine einer im ist zu von mit auf fur nicht sich auch es an als bei
nach wie wird wurde hat sind war le les et du au aux pour dans sur par pas est une qui ne plus ce cette
o os do da dos das em no na com um uma e yang di dan ke ini itu dengan untuk dari ng sa ang mga
monday tuesday wednesday thursday friday saturday sunday
""".split())


@dataclass(frozen=True)
class Tuning:
    """Decision thresholds and weights (tuned on the tune split only, see dedupe/eval.py)."""

    shingle_k: int = 3
    copy_threshold: float = 0.45  # shared 3-shingles / shingles of the shorter text
    sentence_match: float = 0.25  # Jaccard of two sentences' stems for "the same sentence, reworded"
    rewrite_alignment: float = 0.5  # share of sentences lined up that makes a rewrite a copy
    rewrite_min_sentences: int = 4
    rewrite_min_containment: float = 0.03  # below this no alignment is tried (speed)
    # A heavier rewrite: this share of shared shingles together with this share of
    # the sentences lined up (at least 3) makes a copy too.
    mixed_containment: float = 0.25
    mixed_alignment: float = 0.3
    slug_min_words: int = 7  # an identical URL slug this long marks a copy
    event_threshold: float = 0.17  # least average similarity to an event's members that joins it
    merge_fit: float = 1.3  # a second event must fit this well (1 = the joining bar) to be merged
    merge_cohesion: float = 0.6  # two events merge only if this close to as alike as the looser is within itself
    split_cohesion: float = 0.7  # two parts of an event this much less alike than within themselves are split
    split_min_groups: int = 4  # copy groups each part needs for that
    split_sizes: tuple = (4, 6, 8, 11, 16, 23, 32, 45, 64)  # event sizes at which its parts are checked
    key_weight: float = 0.3  # share of the key-term similarity in the event score

    cross_lang_threshold: float = 0.12  # average key-term similarity across languages
    max_gap_days: float = 4.0  # reports of one happening are this close in time
    written_dates_both_ways: bool = True  # also keep apart texts whose latest written dates are far apart
    anchor_after_written: bool = True  # keep a text published well after every date an event's texts write out
    written_before_anchor: bool = True  # keep a text whose dates all lie well before an event's publication out
    stem_length: int = 6  # crude language-independent stemming: word prefixes
    centroid_terms: int = 250  # terms kept per event centroid
    idf_prior_docs: int = 50  # pseudo-documents holding no term: a cold start does not zero every idf
    max_candidates: int = 30
    num_perm: int = 128
    lsh_bands: int = 64
    lsh_rows: int = 2


@dataclass
class Features:
    """What the engine reads of one article (pure function of it: `featurize`)."""

    id: str
    lang: str
    title: str
    lines: list[str]
    time: float  # published, else the page's date line, else fetched (epoch seconds)
    anchor: float | None  # a known publication time (published or page date), else None
    written: float | None  # the latest full date written in the text: it was published after it
    slug: frozenset  # words of the URL slug
    terms: Counter = field(default_factory=Counter)  # content-word stems -> count
    keys: Counter = field(default_factory=Counter)  # names and numbers -> count
    shingles: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint64))
    # Content-stem ids of each longer sentence, packed (`_pack_sentences`): one string
    # instead of a frozenset a sentence, which the garbage collector would walk int by
    # int in every collection that meets a cached candidate (8 ms a young collection
    # with 30 candidates, measured). Copy scoring unpacks them (`sentence_terms`).
    sentences_packed: str = ""
    _passages: Passages | None = None  # sentences, for what a copy changed (see `passages`)
    term_vector: SparseVector = field(default_factory=SparseVector.empty)  # unit TF-IDF vector when assigned
    key_vector: SparseVector = field(default_factory=SparseVector.empty)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def sentence_terms(self) -> list[frozenset]:
        return _unpack_sentences(self.sentences_packed) if self.sentences_packed else []

    @property
    def passages(self) -> Passages:
        if self._passages is None:  # features read back from the state: cut when a diff needs them
            self._passages = text_passages(self.text)
        return self._passages

    def stored(self) -> dict[str, Any]:
        """What the state keeps: the text and time, and what scoring a candidate reads
        (shingles, sentence stems), so a candidate read back is not tokenised again."""
        return {"lang": self.lang, "title": self.title, "lines": self.lines, "time": self.time,
                "anchor": self.anchor, "written": self.written, "slug": sorted(self.slug),
                "sh": base64.b64encode(self.shingles.astype("<u8").tobytes()).decode(),
                "st": self.sentences_packed}


def _pack_sentences(sentence_terms: list[set[str]], stem_ids: dict[str, int]) -> str:
    """Sentences' stem ids in one base64 string: count, sizes (int32), ids (int64)."""
    sizes = np.array([len(s) for s in sentence_terms], dtype="<i4")
    ids = np.array(list(map(stem_ids.__getitem__, chain.from_iterable(sentence_terms))), dtype="<i8")
    return base64.b64encode(np.int32(len(sizes)).astype("<i4").tobytes() + sizes.tobytes() + ids.tobytes()).decode()


def _unpack_sentences(packed: str) -> list[frozenset]:
    raw = base64.b64decode(packed)
    count = int(np.frombuffer(raw, dtype="<i4", count=1)[0])
    sizes = np.frombuffer(raw, dtype="<i4", count=count, offset=4).tolist()
    ids = np.frombuffer(raw, dtype="<i8", offset=4 + 4 * count).tolist()
    out, at = [], 0
    for size in sizes:
        out.append(frozenset(ids[at:at + size]))
        at += size
    return out


@dataclass
class Assignment:
    """Where one article belongs (the fields the pipeline copies onto the Article)."""

    article_id: str
    event_id: str
    group_id: str
    copies_of: str | None
    similarity: float | None
    is_originator: bool
    changes: Changes | None
    merged: list[tuple[str, str]] = field(default_factory=list)
    updates: dict[str, dict[str, Any]] = field(default_factory=dict)
    stale: bool = False  # an older version of an article whose newer one was assigned: nothing changed


class EngineError(ValueError):
    """An article the engine cannot assign."""


def _epoch(value: datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()


def detect_language(text: str) -> str:
    lang, _ = py3langid.classify(text[:2000])
    return lang


_NO_COUNTS: Counter = Counter()  # term counts of features kept after their assignment (never filled)

_QUOTE = re.compile(r"[\"“”„«»]")


def _features_from(article_id: str, stored: dict[str, Any], tuning: Tuning) -> Features:
    """Features from what the state keeps of an article (`Features.stored()`).

    A record that holds its shingles and sentence stems (written since they were
    stored) is read as it is: what scoring a candidate needs, without its term
    counts (they served when it was assigned). Else the text is worked through."""
    title, lines = stored["title"], stored["lines"]
    if "sh" in stored and "st" in stored:
        return Features(article_id, stored["lang"], title, lines, stored["time"], stored["anchor"],
                        stored["written"], frozenset(stored.get("slug", ())),
                        shingles=np.frombuffer(base64.b64decode(stored["sh"]), dtype="<u8").astype(np.uint64),
                        sentences_packed=stored["st"],
                        term_vector=_vector(stored, "tv"), key_vector=_vector(stored, "kv"))
    body = "\n".join(lines)
    # Sentence splits fall on spaces and punctuation, never inside a token: the
    # text's tokens are its sentences' tokens, end to end (tokenised once).
    words: list[str] = []
    sentence_terms = []
    stem = tuning.stem_length
    cut = sentences(body)
    keys_of_sentences = []
    for sentence in cut:
        sentence_words = tokens(sentence)
        words += sentence_words
        keys_of_sentences.append(" ".join(sentence_words))
        if _QUOTE.search(sentence):
            continue  # independent reports quote the same statements in the same order
        stems = {w[:stem] for w in sentence_words if w not in STOPWORDS}
        if len(stems) >= 4:
            sentence_terms.append(stems)
    # Stems as ids: a candidate's sentences are stored and read back as numbers.
    stem_ids = term_ids(set().union(*sentence_terms), "t")  # the ids of content terms: stems too
    sentences_packed = _pack_sentences(sentence_terms, stem_ids)
    head = tokens(title) if title and (not lines or title != lines[0]) else []
    terms = Counter([w[:stem] for w in head + words if w not in STOPWORDS and (len(w) > 2 or w.isdigit())])
    keys = Counter([w for w in capitalised_tokens(f"{title}\n{body}")
                    if w not in STOPWORDS and (len(w) > 1 or w.isdigit())])
    shingles = word_shingles(words, tuning.shingle_k) if words else np.empty(0, np.uint64)
    return Features(article_id, stored["lang"], title, lines, stored["time"], stored["anchor"], stored["written"],
                    frozenset(stored.get("slug", ())), terms, keys, np.unique(shingles), sentences_packed,
                    Passages(cut, keys_of_sentences), _vector(stored, "tv"), _vector(stored, "kv"))


def featurize(article: Article, tuning: Tuning) -> Features:
    """Features of an article: cleaned text, terms, keys, shingles, time."""
    if not (article.text or "").strip() and not (article.title or "").strip():
        raise EngineError(f"article {article.id} has neither title nor text")
    lines = article_lines(article.text or "")
    title = (article.title or "").strip()
    anchor = _epoch(article.published) or _epoch(page_date(article.text or "")) \
        or _epoch(url_date(article.canonical_url or article.url))
    when = anchor or _epoch(article.fetched) or time.time()
    lang = (article.language or "").split("-")[0].lower() or detect_language(f"{title}\n" + "\n".join(lines))
    full_text = f"{title}\n" + "\n".join(lines)
    written = mentioned_dates(full_text)
    return _features_from(article.id, {
        "lang": lang, "title": title, "lines": lines, "time": when, "anchor": anchor,
        "written": written[-1].timestamp() if written else None,
        "slug": url_slug(article.canonical_url or article.url)}, tuning)


def url_slug(url: str) -> list[str]:
    """Words of a URL's slug (its most hyphenated path segment): republished wire
    copies often keep the original's slug, independent reports rarely match it all."""
    segments = [seg for seg in urlsplit(url).path.split("/") if seg]
    if not segments:
        return []
    slug = re.sub(r"\.\w{2,5}$", "", max(segments, key=lambda seg: seg.count("-")))
    # Words with digits are ids and dates that differ between the sites of one copy.
    return sorted({w for w in re.split(r"[-_+]+", slug.lower()) if len(w) > 1 and not re.search(r"\d", w)})


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
    score = containment = shingle_containment(a, b) if containment is None else containment
    if len(a.slug) >= tuning.slug_min_words and a.slug == b.slug:
        score = max(score, tuning.copy_threshold)
    if score < tuning.copy_threshold and score >= tuning.rewrite_min_containment:
        share, count = sentence_alignment(a, b, tuning)
        if count >= tuning.rewrite_min_sentences:
            score = max(score, share * tuning.copy_threshold / tuning.rewrite_alignment)
        if score < tuning.copy_threshold and containment >= tuning.mixed_containment \
                and share >= tuning.mixed_alignment and count >= 3:
            score = tuning.copy_threshold
    return score


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


def time_compatible(f: Features, event: dict[str, Any], tuning: Tuning) -> bool:
    """Whether an article's time fits an event's. Published times (anchors) are
    exact; a date written in a text only says the text is not older than it."""
    gap = tuning.max_gap_days * 86400.0
    lo, hi, written = event.get("anchor_min"), event.get("anchor_max"), event.get("written_max")
    if f.anchor is not None:
        if lo is not None and not lo - gap <= f.anchor <= hi + gap:
            return False
        if written is not None and written > f.anchor + gap:
            return False
    if f.written is not None and hi is not None and f.written > hi + gap:
        return False
    # The latest date a report writes is, as a rule, the day of its happening:
    # far from the other side's publication times, it is another happening.
    if tuning.anchor_after_written and f.anchor is not None and lo is None and written is not None \
            and f.anchor > written + gap:
        return False
    if tuning.written_before_anchor and f.anchor is None and f.written is not None and lo is not None \
            and f.written < lo - gap:
        return False
    if tuning.written_dates_both_ways and f.anchor is None and lo is None and f.written is not None \
            and written is not None and not event["written_min"] - gap <= f.written <= written + gap:
        return False
    return True


def _vector(record: dict[str, Any], key: str) -> SparseVector:
    """A record's "tv" (content terms) or "kv" (key terms) vector, in any stored form."""
    return SparseVector.unpack(record.get(key), "t" if key == "tv" else "k")


def _link(terms_dot: float, keys_dot: float, pairs: float, shared_language: bool, tuning: Tuning) -> float:
    """`average_link` from the dot products of two sets' vector sums."""
    keys = keys_dot / pairs
    if shared_language:
        return (1 - tuning.key_weight) * terms_dot / pairs + tuning.key_weight * keys
    if keys < tuning.cross_lang_threshold:
        return 0.0
    return keys * tuning.event_threshold / tuning.cross_lang_threshold


def average_link(a: dict[str, Any], b: dict[str, Any], tuning: Tuning) -> float:
    """Average similarity between the articles of two sets, each given as the sums
    of their unit vectors {"tv", "kv", "langs", "size"}: content words and
    names/numbers mixed within a language, names/numbers alone (rescaled to the
    same threshold) across languages."""
    shared = bool(set(a["langs"]) & set(b["langs"]))
    terms = _vector(a, "tv").dot(_vector(b, "tv")) if shared else 0.0
    return _link(terms, _vector(a, "kv").dot(_vector(b, "kv")), max(a["size"], 1) * max(b["size"], 1), shared,
                 tuning)


def cohesion(event: dict[str, Any], tuning: Tuning) -> float | None:
    """Average similarity between two different members of an event (None below
    two members), from the sums of their unit vectors: |sum|^2 counts each member
    with itself once."""
    n = event.get("size", 0)
    if n < 2:
        return None
    total = average_link(event, event, tuning) * n * n
    return max(0.0, (total - n) / (n * (n - 1)))


def mergeable(a: dict[str, Any], b: dict[str, Any], tuning: Tuning) -> bool:
    """Whether two events are one happening: as alike to each other as (nearly)
    their own members are. Reports of a follow-up or an earlier happening of one
    topic share its vocabulary and clear the joining bar, but stay less alike to
    each other than each is within itself."""
    own = [c for c in (cohesion(a, tuning), cohesion(b, tuning)) if c is not None]
    if not own:
        return True
    return average_link(a, b, tuning) >= tuning.merge_cohesion * min(own)


def split_parts(members: dict[str, tuple[str, dict[str, Any]]], tuning: Tuning) -> list[list[str]]:
    """Parts of an event's members ({id: (group id, stored features)}) by average
    link, copy groups kept whole: the most alike parts join first, but two parts
    of `split_min_groups` copy groups or more that share a language stay apart when
    they are less alike than `split_cohesion` of their mean cohesion (counted
    between different copy groups). Smaller parts, and parts without a shared
    language, always join their most alike part."""
    ids = sorted(members)
    sims = _similarity_matrix([members[m][1] for m in ids], tuning)
    unit_of: dict[str, int] = {}
    for m in ids:
        unit_of.setdefault(members[m][0], len(unit_of))
    k = len(unit_of)
    ind = np.zeros((k, len(ids)))
    ind[[unit_of[members[m][0]] for m in ids], np.arange(len(ids))] = 1.0
    csum = ind @ sims @ ind.T  # similarity sums between parts (copy groups at first)
    size = ind.sum(axis=1)  # articles
    groups = np.ones(k)  # copy groups
    within = np.zeros(k)  # similarity sums over ordered pairs of articles of different groups
    pairs = np.zeros(k)
    langs: list[set[str]] = [set() for _ in range(k)]
    for m in ids:
        langs[unit_of[members[m][0]]].add(members[m][1]["lang"])
    parts = {u: [u] for u in range(k)}
    allowed = ~np.eye(k, dtype=bool)
    while len(parts) > 1:
        link = np.where(allowed, csum / np.outer(size, size), -np.inf)
        a, b = sorted(np.unravel_index(int(np.argmax(link)), link.shape))
        if not np.isfinite(link[a, b]):
            break
        if groups[a] >= tuning.split_min_groups and groups[b] >= tuning.split_min_groups and langs[a] & langs[b]:
            own = (within[a] / pairs[a] + within[b] / pairs[b]) / 2
            if link[a, b] < tuning.split_cohesion * own:
                allowed[a, b] = allowed[b, a] = False
                continue
        within[a] += within[b] + 2 * csum[a, b]
        pairs[a] += pairs[b] + 2 * size[a] * size[b]
        size[a] += size[b]
        groups[a] += groups[b]
        langs[a] |= langs[b]
        parts[a] += parts.pop(b)
        csum[a, :] += csum[b, :]
        csum[:, a] += csum[:, b]
        allowed[b, :] = allowed[:, b] = False
        allowed[a, :] = allowed[:, a] = [u in parts and u != a for u in range(k)]
    units: list[list[str]] = [[] for _ in range(k)]
    for m in ids:
        units[unit_of[members[m][0]]].append(m)
    return [[m for u in us for m in units[u]] for us in parts.values()]


def _similarity_matrix(stored: list[dict[str, Any]], tuning: Tuning) -> np.ndarray:
    """Pairwise `average_link` similarity of single articles, from stored features."""
    terms, keys = (m @ m.T for m in (dense([_vector(x, key) for x in stored]) for key in ("tv", "kv")))
    lang = np.array([s["lang"] for s in stored])
    same = lang[:, None] == lang[None, :]
    cross = np.where(keys >= tuning.cross_lang_threshold, keys * tuning.event_threshold / tuning.cross_lang_threshold, 0.0)
    return np.where(same, (1 - tuning.key_weight) * terms + tuning.key_weight * keys, cross)


def event_fits(f: Features, events: dict[str, dict[str, Any]], tuning: Tuning) -> dict[str, float]:
    """How well an article fits each event, 1 at the joining bar: its average
    similarity to the members (average link: a diffuse topic-wide cluster does
    not attract everything) over the bar; 0 when out of the event's time. The
    dot products with all events' centroids are taken in one pass."""
    fits = {eid: 0.0 for eid in events}
    timely = [(eid, rec) for eid, rec in events.items() if time_compatible(f, rec, tuning)]
    terms = dots(f.term_vector, [_vector(rec, "tv") for _, rec in timely])
    keys = dots(f.key_vector, [_vector(rec, "kv") for _, rec in timely])
    for (eid, rec), terms_dot, keys_dot in zip(timely, terms.tolist(), keys.tolist()):
        shared = f.lang in rec["langs"]
        fits[eid] = _link(terms_dot if shared else 0.0, keys_dot, max(rec["size"], 1), shared,
                          tuning) / tuning.event_threshold
    return fits


def _founded_ids(article_id: str) -> tuple[str, str]:
    """Ids of the event and the copy group an article founds (a later version of
    it that founds them again gets a suffix: `StoryEngine._fresh_id`)."""
    return f"ev-{article_id}", f"gr-{article_id}"


def _widen_times(event: dict[str, Any], other: dict[str, Any]) -> None:
    """Widen an event's time span by another's (an article's or an absorbed event's)."""
    for key, pick in (("anchor_min", min), ("anchor_max", max), ("written_min", min), ("written_max", max)):
        values = [v for v in (event.get(key), other.get(key)) if v is not None]
        event[key] = pick(values) if values else None


class StoryEngine:
    """Incremental two-level clustering over an `EngineState` (local or Redis)."""

    INDEX_NAME = "keys"  # the one LSH index: names and numbers of each article
    FEATURES_CACHE = 2048

    def __init__(self, state: EngineState, tuning: Tuning | None = None, quiet_hours: float = 72.0):
        self.state = state
        self.tuning = tuning or Tuning()
        self.quiet_seconds = quiet_hours * 3600.0
        self.signer = Signer(num_perm=self.tuning.num_perm, seed=1)
        self.lsh = LSHIndex(num_perm=self.tuning.num_perm, bands=self.tuning.lsh_bands,
                            rows=self.tuning.lsh_rows, storage=state.lsh_storage(self.INDEX_NAME))
        # Parsed features of recent articles by (id, content hash): scoring reads
        # the same candidates again and again. Bounded; the state has them all.
        self._features_cache: OrderedDict[tuple[str, str], Features] = OrderedDict()
        # The in-process LSH of the local state starts empty: refill it from the
        # signatures kept on disk (the Redis LSH persists itself).
        self._signatures_seen = 0
        self._catch_up_index()

    def close(self) -> None:
        self.state.close()

    # ------------------------------------------------------------------ lookups
    def _catch_up_index(self) -> None:
        """Index signatures remembered since we last looked (at start, or by another process)."""
        rows = self.state.signatures_since(self.INDEX_NAME, self._signatures_seen)
        if rows:
            self.lsh.insert_many([r[1] for r in rows], np.vstack([r[2] for r in rows]), np.array([r[3] for r in rows]))
            self._signatures_seen = rows[-1][0]

    def _signature(self, f: Features) -> np.ndarray:
        """MinHash of the article's names and numbers (its content words if it has none)."""
        keys = list(f.keys) or list(f.terms)
        return self.signer.sign(word_shingles(sorted(keys), 1))

    def _load_features(self, hashes: dict[str, str]) -> dict[str, Features]:
        """Features of articles given {id: content_hash}, from the cache or the state."""
        out = {aid: self._features_cache[(aid, h)] for aid, h in hashes.items() if (aid, h) in self._features_cache}
        for aid, rec in self.state.get_many("features", [a for a in hashes if a not in out]).items():
            f = _features_from(aid, rec, self.tuning)
            self._remember(aid, hashes[aid], f)
            out[aid] = f
        return out

    def _article_features(self, aid: str, records: dict[str, dict[str, Any]]) -> Features | None:
        """Features of an assigned article (its record from `records` when read
        already), or None when the state no longer keeps it."""
        rec = records.get(aid) or self.state.get("article", aid)
        return self._load_features({aid: rec["content_hash"]}).get(aid) if rec else None

    def _remember(self, aid: str, content_hash: str, f: Features) -> None:
        # Parsed features weigh tens of KB: keep a few recent ones, oldest out first.
        while len(self._features_cache) >= self.FEATURES_CACHE:
            self._features_cache.popitem(last=False)  # OrderedDict: see state._RecordCache
        # Kept for scoring it as a candidate, which reads no term counts: without them
        # an entry is tens of KB lighter (features read back from the state have none either).
        self._features_cache[(aid, content_hash)] = replace(f, terms=_NO_COUNTS, keys=_NO_COUNTS)

    def _resolve_events(self, event_ids: set[str]) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
        """({event id: surviving event id}, {surviving id: record}), following merges."""
        survivor = {e: e for e in event_ids}
        records: dict[str, dict[str, Any]] = {}
        for _ in range(64):  # merge chains are short; the bound guards against a cycle
            pending = {s for s in survivor.values() if s not in records}
            if not pending:
                break
            recs = self.state.get_many("event", pending)
            for eid in pending:
                rec = recs.get(eid)
                if rec and rec.get("merged_into"):
                    survivor = {k: (rec["merged_into"] if v == eid else v) for k, v in survivor.items()}
                elif rec:
                    records[eid] = rec
        return survivor, records

    def _current_event(self, event_id: str) -> str:
        return self._resolve_events({event_id})[0][event_id]

    # ------------------------------------------------------------------ assign
    def lookup(self, article_id: str) -> Assignment | None:
        """The current assignment of an article assigned before (merges applied), or None."""
        rec = self.state.get("article", article_id)
        return self._stored_assignment(article_id, rec) if rec else None

    def assign(self, article: Article) -> Assignment:
        """Assign one article; re-assigning an unchanged article returns its assignment."""
        if not isinstance(article, Article):
            raise EngineError(f"assign() takes a newsagg.schema.Article, got {type(article).__name__}")
        features = featurize(article, self.tuning)
        started = time.perf_counter()
        with self.state.lock():
            # What a new article reads first, in one round trip where reads cost one.
            event_base, group_base = _founded_ids(article.id)
            self.state.read_ahead({"article": [article.id], "event": [event_base], "group": [group_base]})
            previous = self.state.get("article", article.id)
            if previous and previous["content_hash"] == article.content_hash:
                return self._stored_assignment(article.id, previous)
            if previous and previous.get("fetched", 0.0) > _epoch(article.fetched):
                # A redelivered or replayed old version must not replace the newer text.
                log.info("story engine kept the newer version of an article", extra={
                    "article_id": article.id, "fetched": article.fetched.isoformat()})
                stored = self._stored_assignment(article.id, previous)
                stored.stale = True
                return stored
            withdrawn = self._withdraw(article.id, previous) if previous else {}
            result = self._assign_new(article, features)
            result.updates = {**withdrawn, **result.updates}
        log.debug("story engine assigned article", extra={
            "article_id": article.id, "event_id": result.event_id, "group_id": result.group_id,
            "copies_of": result.copies_of, "similarity": result.similarity, "merged": len(result.merged),
            "reassigned": bool(previous), "ms": round((time.perf_counter() - started) * 1000, 2)})
        return result

    def _stored_assignment(self, aid: str, rec: dict[str, Any]) -> Assignment:
        changes = Changes.model_validate(rec["changes"]) if rec.get("changes") else None
        group = self.state.get("group", rec["group_id"]) or {}
        return Assignment(aid, self._current_event(rec["event_id"]), rec["group_id"],
                          rec.get("copies_of"), rec.get("similarity"),
                          group.get("originator") == aid, changes)

    def _assign_new(self, article: Article, f: Features) -> Assignment:
        t = self.tuning
        self._catch_up_index()
        sig = self._signature(f)
        # Nothing to sign (a page of clutter only): no candidates, and not indexed.
        # The candidates sharing the most bands first: a cap keeps the likeliest, not arbitrary ones.
        found = self.lsh.query(sig, limit=t.max_candidates + 1) if f.keys or f.terms else []
        candidate_ids = [c for c in found if c != article.id][: t.max_candidates]
        records = self.state.get_many("article", candidate_ids)
        survivor, events = self._resolve_events({r["event_id"] for r in records.values()})
        live_events = {e: r for e, r in events.items() if not r.get("closed")}
        cand_event = {aid: survivor[r["event_id"]] for aid, r in records.items()}
        cand_features = self._load_features({c: records[c]["content_hash"] for c in records
                                             if cand_event[c] in live_events})

        # Document frequencies: the article counts itself, so none of its terms is unseen.
        content_ids, key_ids = term_ids(f.terms, "t"), term_ids(f.keys, "k")
        counted, df = self.state.count_document([*content_ids.values(), *key_ids.values()])
        docs = counted + t.idf_prior_docs
        f.term_vector = tfidf(f.terms, content_ids, df, docs)
        f.key_vector = tfidf(f.keys, key_ids, df, docs)

        best_copy, best_copy_score = self._copied_text(f, cand_features, records)

        event_scores = event_fits(f, live_events, t)

        joined: list[str] = []
        if best_copy is not None:
            joined.append(cand_event[best_copy])
        ranked = sorted(event_scores.items(), key=lambda kv: -kv[1])
        for eid, s in ranked:
            if eid in joined:
                continue
            needed = 1.0 if not joined else t.merge_fit
            if s >= needed and all(mergeable(live_events[e], live_events[eid], t) for e in joined):
                joined.append(eid)
        return self._record(article, f, sig, best_copy, best_copy_score, joined, live_events, records)

    def _copied_text(self, f: Features, cand_features: dict[str, Features],
                     records: dict[str, dict[str, Any]]) -> tuple[str | None, float]:
        """(the earlier text this article most likely copies, its copy score), or
        (None, best score) when it copies none: the most similar same-language
        candidate whose copy group's original the article copies too. A copy
        group holds copies of one text; a piece written around another copy's
        wording (a wire lead quoted, then reported on at length) copies that
        copy, not the original, and chains of them would drift."""
        t = self.tuning
        same_language = {cid: cf for cid, cf in cand_features.items() if cf.lang == f.lang}
        contained = shingle_containments(f, list(same_language.values())).tolist()
        # Best first; among equals, the candidate the index ranked first.
        scored = sorted(((copy_score(f, cf, t, c), cid) for (cid, cf), c in zip(same_language.items(), contained)),
                        key=lambda sc: -sc[0])
        copies = [(score, cid) for score, cid in scored if score >= t.copy_threshold]
        groups = self.state.get_many("group", {records[cid]["group_id"] for _, cid in copies})  # one round trip
        for score, cid in copies:
            originator = groups.get(records[cid]["group_id"], {}).get("originator", cid)
            if originator == cid:
                return cid, score
            original = same_language.get(originator) or self._article_features(originator, records)
            if original is None or copy_score(f, original, t) >= t.copy_threshold:
                return cid, score  # an original no longer kept cannot be checked
        return None, scored[0][0] if scored else 0.0

    # ------------------------------------------------------------------ record
    def _record(self, article: Article, f: Features, sig: np.ndarray, best_copy: str | None,
                copy_sim: float, joined: list[str], events: dict[str, dict[str, Any]],
                candidates: dict[str, dict[str, Any]]) -> Assignment:
        t = self.tuning
        st = self.state
        aid = article.id
        updates: dict[str, dict[str, Any]] = {}
        merged: list[tuple[str, str]] = []

        # Event: join, merge (the oldest event survives) or found.
        if joined:
            recs = {e: events[e] for e in joined}
            survivor = min(joined, key=lambda e: (recs[e]["created"], e))
            for absorbed in joined:
                if absorbed == survivor:
                    continue
                merged.append((absorbed, survivor))
                updates.update(self._merge_events(absorbed, survivor, recs))
            event_id = survivor
            event = recs[survivor]
        else:
            event_id = self._fresh_id("event", _founded_ids(aid)[0], article.content_hash)
            event = {"created": f.time, "last": f.time, "tv": "", "kv": "",
                     "langs": [], "size": 0, "absorbed": []}
        event["tv"] = _vector(event, "tv").plus(f.term_vector, t.centroid_terms).pack()
        event["kv"] = _vector(event, "kv").plus(f.key_vector, t.centroid_terms).pack()
        event["size"] += 1
        event["langs"] = sorted(set(event["langs"]) | {f.lang})
        event["last"] = max(event["last"], f.time)
        _widen_times(event, {"anchor_min": f.anchor, "anchor_max": f.anchor, "written_min": f.written,
                             "written_max": f.written})
        st.put("event", event_id, event)
        st.add_members(f"event:{event_id}", [aid])
        st.touch("open-events", event_id, event["last"])

        # Copy group: join the copied text's group or found one.
        copies_of, similarity, changes, is_originator = None, None, None, True
        if best_copy is not None:
            # Candidates' records were read for scoring (group ids and texts do not
            # change within an assignment): no second read.
            group_id = candidates[best_copy]["group_id"]
            group = st.get("group", group_id)
            originator = group["originator"]
            orig_time = group["originator_anchor"]
            if f.anchor is not None and (orig_time is None or f.anchor < orig_time):
                # Published before the group's originator: it becomes the originator.
                group.update(originator=aid, originator_anchor=f.anchor)
                updates.update(self._new_originator(group_id, aid, f))
                similarity = copy_sim
            else:
                is_originator = False
                copies_of, similarity = best_copy, round(copy_sim, 4)
                orig = self._article_features(originator, candidates)
                if orig is not None:
                    changes = diff_passages(orig.title, orig.passages, f.title, f.passages)
            group["size"] = group.get("size", 1) + 1
        else:
            group_id = self._fresh_id("group", _founded_ids(aid)[1], article.content_hash)
            group = {"originator": aid, "originator_anchor": f.anchor, "event_id": event_id, "size": 1}
        group["event_id"] = event_id
        st.put("group", group_id, group)
        st.add_members(f"group:{group_id}", [aid])

        st.put("article", aid, {"content_hash": article.content_hash, "fetched": _epoch(article.fetched),
                                "event_id": event_id,
                                "group_id": group_id, "copies_of": copies_of, "similarity": similarity,
                                "changes": changes.model_dump(mode="json") if changes else None})
        # The features cache holds what the state holds: the heaviest terms only.
        f.term_vector, f.key_vector = f.term_vector.top(t.centroid_terms), f.key_vector.top(t.centroid_terms)
        st.put("features", aid, {**f.stored(), "tv": f.term_vector.pack(), "kv": f.key_vector.pack()})
        self._remember(aid, article.content_hash, f)
        if event["size"] in t.split_sizes:
            updates.update(self._split_event(event_id, event, aid))
        if f.keys or f.terms:
            self.lsh.insert(aid, sig, f.time)
            position = st.remember_signature(self.INDEX_NAME, aid, sig, f.time)
            if position is not None:  # under the lock nobody else wrote in between
                self._signatures_seen = position
        return Assignment(aid, event_id, group_id, copies_of, similarity, is_originator, changes,
                          merged, updates)

    def _split_event(self, event_id: str, event: dict[str, Any], keep: str) -> dict[str, dict]:
        """Split an event whose parts are less alike than each is within itself
        (reports that joined one at a time of two happenings of one topic). The
        part holding `keep` keeps the id; each other part becomes a new event.
        Field updates for the articles that moved."""
        st, t = self.state, self.tuning
        members = st.members(f"event:{event_id}")
        arts = st.get_many("article", members)
        feats = self._member_vectors({m: a["content_hash"] for m, a in arts.items()})
        if len(feats) != len(members) or len(arts) != len(members):
            return {}
        parts = split_parts({m: (arts[m]["group_id"], feats[m]) for m in members}, t)
        if len(parts) < 2:
            return {}
        updates: dict[str, dict] = {}
        kept = next(p for p in parts if keep in p)
        for part in [kept] + [p for p in parts if p is not kept]:
            rec = {"created": event["created"], "last": 0.0, "langs": [], "size": 0,
                   "absorbed": event.get("absorbed", []) if part is kept else []}
            sums = {"tv": SparseVector.empty(), "kv": SparseVector.empty()}
            for m in part:
                fm = feats[m]
                for key in sums:
                    sums[key] = sums[key].plus(_vector(fm, key), t.centroid_terms)
                rec["langs"] = sorted(set(rec["langs"]) | {fm["lang"]})
                rec["last"] = max(rec["last"], fm["time"])
                _widen_times(rec, {"anchor_min": fm.get("anchor"), "anchor_max": fm.get("anchor"),
                                   "written_min": fm.get("written"), "written_max": fm.get("written")})
            rec["size"] = len(part)
            rec.update({key: vec.pack() for key, vec in sums.items()})
            if part is kept:
                st.put("event", event_id, {**event, **rec})
                continue
            first = min(part, key=lambda m: (feats[m]["time"], m))
            new_id = self._fresh_id("event", _founded_ids(first)[0], arts[first]["content_hash"])
            rec["created"] = min(feats[m]["time"] for m in part)
            st.put("event", new_id, rec)
            st.remove_members(f"event:{event_id}", part)
            st.add_members(f"event:{new_id}", part)
            st.touch("open-events", new_id, rec["last"])
            moved = {m: {**arts[m], "event_id": new_id} for m in part}
            st.put_many("article", moved)
            groups = st.get_many("group", {arts[m]["group_id"] for m in part})
            for g in groups.values():
                g["event_id"] = new_id
            st.put_many("group", groups)
            updates.update({m: {"event_id": new_id} for m in part})
            log.info("story engine split event", extra={"event_id": event_id, "new_event_id": new_id,
                                                         "articles": len(part)})
        return updates

    def _member_vectors(self, hashes: dict[str, str]) -> dict[str, dict[str, Any]]:
        """What splitting an event reads of its members ({id: content hash}): their
        vectors, language and times, from the features cache where it has them
        (the same values as the state's records), else from the state."""
        out = {}
        for aid, content_hash in hashes.items():
            f = self._features_cache.get((aid, content_hash))
            if f is not None:
                out[aid] = {"tv": f.term_vector, "kv": f.key_vector, "lang": f.lang, "time": f.time,
                            "anchor": f.anchor, "written": f.written}
        out.update(self.state.get_many("features", [aid for aid in hashes if aid not in out]))
        return out

    def _fresh_id(self, kind: str, base: str, content_hash: str) -> str:
        """Id of a new event/group: from the founding article, and its version when
        an earlier version of the article founded one already (ids never reused)."""
        candidate, n = base, 1
        while self.state.get(kind, candidate) is not None:
            candidate = f"{base}-{content_hash[:8]}" + (f"-{n}" if n > 1 else "")
            n += 1
        return candidate

    def _merge_events(self, absorbed: str, survivor: str, recs: dict[str, dict[str, Any]]) -> dict[str, dict]:
        """Move every member of `absorbed` into `survivor`; field updates for those articles."""
        st = self.state
        a, s = recs[absorbed], recs[survivor]
        for key in ("tv", "kv"):
            s[key] = _vector(s, key).plus(_vector(a, key), self.tuning.centroid_terms).pack()
        s["langs"] = sorted(set(s["langs"]) | set(a["langs"]))
        s["last"] = max(s["last"], a["last"])
        s["size"] += a["size"]
        s["absorbed"] = sorted(set(s.get("absorbed", [])) | {absorbed} | set(a.get("absorbed", [])))
        _widen_times(s, a)
        members = st.members(f"event:{absorbed}")
        st.add_members(f"event:{survivor}", members)
        st.put("event", absorbed, {"merged_into": survivor, "created": a["created"]})
        st.untouch("open-events", [absorbed])
        arts = st.get_many("article", members)
        for aid, rec in arts.items():
            rec["event_id"] = survivor
        st.put_many("article", arts)
        groups = st.get_many("group", {r["group_id"] for r in arts.values()})
        for g in groups.values():
            g["event_id"] = survivor
        st.put_many("group", groups)
        log.info("story engine merged events", extra={"absorbed": absorbed, "survivor": survivor,
                                                       "articles": len(members)})
        return {aid: {"event_id": survivor} for aid in members}

    def _new_originator(self, group_id: str, aid: str, f: Features) -> dict[str, dict]:
        """The new article predates the group: every member now copies it."""
        st = self.state
        members = st.members(f"group:{group_id}")
        arts = st.get_many("article", members)
        feats = self._load_features({m: r["content_hash"] for m, r in arts.items()})
        updates = {}
        for mid, rec in arts.items():
            mf = feats.get(mid)
            changes = diff_passages(f.title, f.passages, mf.title, mf.passages) if mf else None
            sim = round(copy_score(f, mf, self.tuning), 4) if mf else None
            rec.update(copies_of=rec.get("copies_of") or aid, similarity=rec.get("similarity") or sim,
                       changes=changes.model_dump(mode="json") if changes else None)
            updates[mid] = {"is_originator": False, "copies_of": rec["copies_of"],
                            "similarity": rec["similarity"], "changes": rec["changes"]}
        st.put_many("article", arts)
        return updates

    def _withdraw(self, aid: str, rec: dict[str, Any]) -> dict[str, dict]:
        """Take a changed article out of its group, event and the index before
        re-assigning it; field updates for a member that becomes originator."""
        st = self.state
        updates: dict[str, dict] = {}
        self.lsh.remove(aid)
        st.forget_signatures(self.INDEX_NAME, [aid])
        stored = st.get("features", aid) or {}
        event_id = self._current_event(rec["event_id"])
        event = st.get("event", event_id)
        if event:
            for key in ("tv", "kv"):
                event[key] = _vector(event, key).plus(_vector(stored, key), self.tuning.centroid_terms, -1.0).pack()
            event["size"] = max(0, event["size"] - 1)
            st.put("event", event_id, event)
        st.remove_members(f"event:{event_id}", [aid])
        group_id = rec["group_id"]
        st.remove_members(f"group:{group_id}", [aid])
        group = st.get("group", group_id)
        if group and group["originator"] == aid:
            rest = st.get_many("article", st.members(f"group:{group_id}"))
            if rest:
                # The earliest remaining copy (texts of closed events are gone: any member).
                feats = self._load_features({m: r["content_hash"] for m, r in rest.items()})
                first = min(feats.values(), key=lambda x: (x.anchor is None, x.anchor or x.time), default=None)
                first_id = first.id if first else next(iter(rest))
                group["originator"] = first_id
                group["originator_anchor"] = first.anchor if first else None
                fields = {"is_originator": True, "copies_of": None, "similarity": None, "changes": None}
                rest[first_id].update({k: v for k, v in fields.items() if k != "is_originator"})
                st.put("article", first_id, rest[first_id])
                updates[first_id] = fields
            st.put("group", group_id, group)
        st.delete("article", aid)
        return updates

    # ------------------------------------------------------------------ maintain
    def maintain(self, now: datetime | float | None = None) -> list[str]:
        """Close events quiet for `cluster_quiet_hours` and expire their LSH entries.
        A closed event is never scored again: its vectors and its articles' texts
        are dropped too, so the state grows only by small per-article records.

        Returns the closed event ids.
        """
        if now is None:
            now_ts = time.time()
        elif isinstance(now, datetime):
            now_ts = _epoch(now)
        else:
            now_ts = float(now)
        before = now_ts - self.quiet_seconds
        with self.state.lock():
            quiet = self.state.older_than("open-events", before)
            recs = self.state.get_many("event", quiet)
            for eid, rec in recs.items():
                rec.update(closed=True, tv="", kv="")
                for aid in self.state.members(f"event:{eid}"):
                    self.state.delete("features", aid)
            self.state.put_many("event", recs)
            self.state.untouch("open-events", quiet)
            # Every entry older than the quiet period goes: closed events lose all
            # of theirs, open ones keep their recent articles to be found by.
            self.lsh.expire(before)
            self.state.forget_signatures_before(self.INDEX_NAME, before)
        log.info("story engine closed quiet events", extra={"closed": len(quiet), "before": before})
        return quiet
