"""The story engine: assigns each article, as it arrives, to a copy group (the
same written text) and an event cluster (every report of one happening).

Flow of `StoryEngine.assign`:

1. `featurize` (pure): cleaned lines, tokens, content terms, "key" terms (names,
   numbers: they survive translation), the article's time.
2. Candidates: MinHash signature of the key terms, looked up in the LSH index
   (part B's `dedupe.lsh`). Copies share most key terms, so one index serves
   both levels; only candidates are ever scored.
3. Scores (pure): copy score (same language only) = shared word 3-shingles
   over the shorter text (outside quotation marks), or, for a light rewrite, the
   share of its sentences that line up in order with look-alike sentences of the
   other text (quotes left out: independent reports quote the same statements),
   or an identical long URL slug (a republished wire story keeps its slug). A
   rewrite must share more wording outside quotes with its source than either
   shares with the other candidates the article does not copy
   (`_rewrite_stands_out`). Versions of one wire story (write-throughs, briefs)
   share a quarter of their wording with each of several members of a group,
   not with one: they join it (`_versions_of_group`, `_versions_joining`). Event score =
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
5. Re-examination (order robustness, bounded to a few candidate events): small
   candidate events the grown event would now take merge into it (a lone
   first report stayed apart, arriving last it would have joined), and copy
   groups of it and of two rival events of its storyline that fit another of
   them clearly better than the rest of their own move there.
   All writes of one assignment go through the state in one transaction.

Concurrency: `EngineState.lock()` serialises assignments (SQLite transaction in
process; a Redis lock plus one MULTI/EXEC across workers), so parallel workers
produce exactly what a sequential run in lock order would.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from newsagg.core.schema import Article, Changes
from newsagg.dedupe.arrays import isin_sorted, unique
from newsagg.dedupe.changes import diff_passages
from newsagg.dedupe.clusters import (
    Centroid,
    Member,
    Span,
    average_linkage,
    bisect_parts,
    recluster_parts,
    split_parts,
)
from newsagg.dedupe.decision import event_evidence, join_chances
from newsagg.dedupe.features import EngineError, Features, epoch, features_from, featurize
from newsagg.dedupe.lsh import LSHIndex, query_each
from newsagg.dedupe.minhash import Signer
from newsagg.dedupe.records import (
    RECORD_TYPES,
    ArticleRecord,
    ClusterRecord,
    EventRecord,
    GroupRecord,
    StorylineRecord,
    stored_embedding_likeness,
)
from newsagg.dedupe.scoring import (
    average_link,
    cohesion,
    copy_score,
    days_apart,
    event_fits,
    member_similarities,
    mergeable,
    outside_quotes,
    shingle_containments,
    spans_compatible,
    stands_out,
    storyline_fits,
    storyline_link,
    tfidf,
    time_compatible,
    version_hits,
    with_event_fits,
    wording_shared,
)
from newsagg.dedupe.shingles import word_shingles
from newsagg.dedupe.state import EngineState
from newsagg.dedupe.tuning import Tuning
from newsagg.dedupe.vectors import SparseVector, shared_counts, term_ids

__all__ = ["Assignment", "EngineError", "StoryEngine", "Tuning"]

log = logging.getLogger(__name__)


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
    storyline_id: str | None = None  # the storyline of its event (None: assigned before storylines)


class _OneBlasThread:
    """Holds numpy's BLAS to one thread while engines of this process assign
    (re-entrant across threads: the limit is lifted when the last one is done).
    The engine's matrix products are small (an event's members by their terms),
    and an OpenBLAS helper thread woken late on a busy machine kept a split check
    waiting 50-100 ms for a product of 0.5 ms (bench/README, round 12). The
    products are the same to the bit: OpenBLAS shares out rows and columns
    among its threads, not the terms of a sum."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._holders = 0
        self._controller: ThreadpoolController | None = None
        self._limiter: Any = None

    def __enter__(self) -> None:
        with self._guard:
            if self._holders == 0:
                # Made at first use: it finds the BLAS libraries loaded then (numpy's).
                self._controller = self._controller or ThreadpoolController()
                self._limiter = self._controller.limit(limits=1, user_api="blas")
            self._holders += 1

    def __exit__(self, *exc_info: object) -> None:
        with self._guard:
            self._holders -= 1
            if self._holders == 0:
                self._limiter.restore_original_limits()


_one_blas_thread = _OneBlasThread()


def _versions_either_way(a: Features, b: Features, t: Tuning) -> bool:
    """Whether two texts are versions of one story (`version_hits`), either way
    round: it counts only a member of like length or longer than the text, and
    versions of one story are briefs and write-throughs."""
    return bool(version_hits(a, [b], t) or version_hits(b, [a], t))


def _add_updates(updates: dict[str, dict], more: dict[str, dict]) -> None:
    """Field updates of other articles, merged field by field (an article may both
    move to another event and get a new storyline in one assignment)."""
    for aid, fields in more.items():
        updates[aid] = {**updates.get(aid, {}), **fields}


def _founded_ids(article_id: str) -> tuple[str, str]:
    """Ids of the event and the copy group an article founds (a later version of
    it that founds them again gets a suffix: `StoryEngine._fresh_id`)."""
    return f"ev-{article_id}", f"gr-{article_id}"


class StoryEngine:
    """Incremental two-level clustering over an `EngineState` (local or Redis)."""

    INDEX_NAME = "keys"  # the LSH index of every article's names and numbers
    # The LSH index of each article's rarest names and numbers: how a report in
    # another language, which shares only a few names, finds it.
    NAMES_INDEX = "names"
    # Each event's founding names, kept as long as storylines stay open (weeks, where
    # the article indexes keep days): how a follow-up finds its storyline.
    EVENTS_INDEX = "event-names"
    FEATURES_CACHE = 2048

    def __init__(self, state: EngineState, tuning: Tuning | None = None, quiet_hours: float = 72.0):
        self.state = state
        self.tuning = tuning or Tuning()
        self.quiet_seconds = quiet_hours * 3600.0
        # `_lone_versions`' bar, made once: a frozen Tuning copy costs ~40 us.
        self._lone_tuning = replace(self.tuning, copy_group_mid_containment=self.tuning.copy_group_mid_lone)
        self.signer = Signer(num_perm=self.tuning.num_perm, seed=1)
        self.lsh = LSHIndex(num_perm=self.tuning.num_perm, bands=self.tuning.lsh_bands,
                            rows=self.tuning.lsh_rows, storage=state.lsh_storage(self.INDEX_NAME))
        self.names_lsh = LSHIndex(num_perm=self.tuning.num_perm, bands=self.tuning.lsh_bands,
                                  rows=self.tuning.lsh_rows, storage=state.lsh_storage(self.NAMES_INDEX))
        self.events_lsh = LSHIndex(num_perm=self.tuning.num_perm, bands=self.tuning.lsh_bands,
                                   rows=self.tuning.lsh_rows, storage=state.lsh_storage(self.EVENTS_INDEX))
        # Parsed features of recent articles by (id, content hash): scoring reads
        # the same candidates again and again. Bounded; the state has them all.
        self._features_cache: OrderedDict[tuple[str, str], Features] = OrderedDict()
        # The in-process LSH of the local state starts empty: refill it from the
        # signatures kept on disk (the Redis LSH persists itself).
        self._seen = {self.INDEX_NAME: 0, self.NAMES_INDEX: 0, self.EVENTS_INDEX: 0}
        self._catch_up_index()

    def close(self) -> None:
        self.state.close()

    # ------------------------------------------------------------------ typed state
    def _events(self, ids) -> dict[str, EventRecord]:
        return {k: EventRecord.from_dict(v) for k, v in self.state.get_many("event", ids).items()}

    def _groups(self, ids) -> dict[str, GroupRecord]:
        return {k: GroupRecord.from_dict(v) for k, v in self.state.get_many("group", ids).items()}

    def _articles(self, ids) -> dict[str, ArticleRecord]:
        return {k: ArticleRecord.from_dict(v) for k, v in self.state.get_many("article", ids).items()}

    def _put(self, kind: str, records: dict[str, EventRecord | GroupRecord | ArticleRecord]) -> None:
        self.state.put_many(kind, {k: r.to_dict() for k, r in records.items()})

    # ------------------------------------------------------------------ lookups
    def _catch_up_index(self) -> None:
        """Index signatures remembered since we last looked (at start, or by another process)."""
        for name, lsh in self._indexes():
            rows = self.state.signatures_since(name, self._seen[name])
            if rows:
                lsh.insert_many([r[1] for r in rows], np.vstack([r[2] for r in rows]), np.array([r[3] for r in rows]))
                self._seen[name] = rows[-1][0]

    def _indexes(self) -> tuple[tuple[str, LSHIndex], ...]:
        return ((self.INDEX_NAME, self.lsh), (self.NAMES_INDEX, self.names_lsh), (self.EVENTS_INDEX, self.events_lsh))

    def _index(self, name: str, lsh: LSHIndex, key: str, sig: np.ndarray, ts: float) -> None:
        lsh.insert(key, sig, ts)
        position = self.state.remember_signature(name, key, sig, ts)
        if position is not None:  # under the lock nobody else wrote in between
            self._seen[name] = position

    def _rarest(self, keys, ids: dict[str, int], df: dict[int, int]) -> list[str]:
        """The `names_keys` least common of some key terms (the names that single out a happening)."""
        return sorted(sorted(keys, key=lambda k: (df.get(ids[k], 0), k))[: self.tuning.names_keys])

    def _signature(self, f: Features) -> np.ndarray:
        """MinHash of the article's names and numbers (its content words if it has none)."""
        keys = list(f.keys) or list(f.terms)
        return self.signer.sign(word_shingles(sorted(keys), 1))

    def _load_features(self, hashes: dict[str, str]) -> dict[str, Features]:
        """Features of articles given {id: content_hash}, from the cache or the state."""
        out = {aid: self._features_cache[(aid, h)] for aid, h in hashes.items() if (aid, h) in self._features_cache}
        for aid, rec in self.state.get_many("features", [a for a in hashes if a not in out]).items():
            f = features_from(aid, rec, self.tuning)
            self._remember(aid, hashes[aid], f)
            out[aid] = f
        return out

    def _article_features(self, aid: str, records: dict[str, ArticleRecord]) -> Features | None:
        """Features of an assigned article (its record from `records` when read
        already), or None when the state no longer keeps it."""
        rec = records.get(aid) or self._articles([aid]).get(aid)
        return self._load_features({aid: rec.content_hash}).get(aid) if rec else None

    def _remember(self, aid: str, content_hash: str, f: Features) -> None:
        # Parsed features weigh tens of KB: keep a few recent ones, oldest out first.
        while len(self._features_cache) >= self.FEATURES_CACHE:
            self._features_cache.popitem(last=False)  # OrderedDict: see state._RecordCache
        self._features_cache[(aid, content_hash)] = f.for_cache()

    def _members(self, hashes: dict[str, str]) -> dict[str, Member]:
        """What an event keeps of its members ({id: content hash}), from the
        features cache where it has them (the same values as the state's
        records), else from the state."""
        out = {}
        for aid, content_hash in hashes.items():
            f = self._features_cache.get((aid, content_hash))
            if f is not None:
                out[aid] = f.member()
        rest = self.state.get_many("features", [aid for aid in hashes if aid not in out])
        out.update({aid: Member.from_stored(stored) for aid, stored in rest.items()})
        return out

    def _resolve_events(self, event_ids: set[str]) -> tuple[dict[str, str], dict[str, EventRecord]]:
        """({event id: surviving event id}, {surviving id: record}), following merges."""
        return self._resolve("event", event_ids)

    def _resolve(self, kind: str, ids: set[str]) -> tuple[dict[str, str], dict[str, Any]]:
        """({id: surviving id}, {surviving id: record}) of events or storylines, following merges."""
        survivor, stored = self._resolve_stored(kind, ids)
        return survivor, {k: RECORD_TYPES[kind].from_dict(d) for k, d in stored.items()}

    def _resolve_stored(self, kind: str, ids: set[str]) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
        """`_resolve` with the survivors' records as stored (plain dicts, not built)."""
        survivor = {e: e for e in ids}
        stored: dict[str, dict[str, Any]] = {}
        for _ in range(64):  # merge chains are short; the bound guards against a cycle
            pending = {s for s in survivor.values() if s not in stored}
            if not pending:
                break
            found = self.state.get_many(kind, pending)
            for eid in pending:
                d = found.get(eid)
                if d and d.get("merged_into"):
                    survivor = {k: (d["merged_into"] if v == eid else v) for k, v in survivor.items()}
                elif d:
                    stored[eid] = d
        return survivor, stored

    def _current_event(self, event_id: str) -> str:
        return self._resolve_events({event_id})[0][event_id]

    def _current_storyline(self, event_id: str) -> str | None:
        """The storyline of an event now (merges of both followed)."""
        survivor, events = self._resolve_events({event_id})
        event = events.get(survivor[event_id])
        if event is None or event.storyline_id is None:
            return None
        return self._resolve("storyline", {event.storyline_id})[0][event.storyline_id]

    # ------------------------------------------------------------------ assign
    def lookup(self, article_id: str) -> Assignment | None:
        """The current assignment of an article assigned before (merges applied), or None."""
        rec = self._articles([article_id]).get(article_id)
        return self._stored_assignment(article_id, rec) if rec else None

    def fetched_times(self, article_ids: Iterable[str]) -> dict[str, float]:
        """When the version of each article the engine holds was fetched (Unix time): the
        version an assignment's `updates` of other articles were computed for."""
        return {aid: rec.fetched or 0.0 for aid, rec in self._articles(list(article_ids)).items()}

    def assign(self, article: Article, embedding: str | None = None) -> Assignment:
        """Assign one article; re-assigning an unchanged article returns its assignment.
        `embedding`: its title-and-lead embedding made ahead (`features.article_embedding`,
        the enrich stage), used with `Tuning.embedding`; else it is made here."""
        if not isinstance(article, Article):
            raise EngineError(f"assign() takes a newsagg.schema.Article, got {type(article).__name__}")
        with _one_blas_thread:
            return self._assign(article, embedding)

    def _assign(self, article: Article, embedding: str | None = None) -> Assignment:
        features = featurize(article, self.tuning, embedding)
        started = time.perf_counter()
        # What a new article reads first, read with the lock where reads cost a round trip.
        event_base, group_base = _founded_ids(article.id)
        with self.state.lock(reads={"article": [article.id], "event": [event_base], "group": [group_base],
                                    "storyline": [f"sl-{article.id}"]}):
            previous = self._articles([article.id]).get(article.id)
            if previous and previous.content_hash == article.content_hash:
                return self._stored_assignment(article.id, previous)
            if previous and (previous.fetched or 0.0) > epoch(article.fetched):
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

    def _stored_assignment(self, aid: str, rec: ArticleRecord) -> Assignment:
        changes = Changes.model_validate(rec.changes) if rec.changes else None
        group = self._groups([rec.group_id]).get(rec.group_id)
        return Assignment(aid, self._current_event(rec.event_id), rec.group_id, rec.copies_of, rec.similarity,
                          group is not None and group.originator == aid, changes,
                          storyline_id=self._current_storyline(rec.event_id))

    def _assign_new(self, article: Article, f: Features) -> Assignment:
        t = self.tuning
        self._catch_up_index()
        # Document frequencies: the article counts itself, so none of its terms is unseen.
        # Its names and numbers are counted per language too ("L" ids): those seen in
        # another language's reports are the ones a translation shares.
        # Content words are counted within their language (a language's own ids, and
        # its documents): a language with few reports in the stream, or none of its
        # function words in our list, learns them from its own frequencies.
        key_ids = term_ids(f.keys, "k")
        lang_key_ids = term_ids(f.keys, "L", prefix=f"{f.lang}|")  # by key: ids of "lang|key"
        if t.per_language_df:
            content_ids = term_ids(f.terms, "t", prefix=f"{f.lang}|")  # by term: ids of "lang|term"
            lang_docs = term_ids([""], "D", prefix=f"{f.lang}|")[""]
        else:
            content_ids, lang_docs = term_ids(f.terms, "t"), None
        counted, df = self.state.count_document([*content_ids.values(), *key_ids.values(),
                                                 *lang_key_ids.values(), *([lang_docs] if lang_docs else [])])
        docs = counted + t.idf_prior_docs
        f.term_vector = tfidf(f.terms, content_ids, df, df.get(lang_docs, 0) + t.lang_prior_docs if lang_docs else docs)
        f.key_vector = tfidf(f.keys, key_ids, df, docs)

        sig = self._signature(f)
        names = self._rarest(f.keys, key_ids, df) if len(f.keys) >= t.cross_lang_min_keys else []
        names_sig = self.signer.sign(word_shingles(names, 1)) if names else None
        # Reports in other languages share few of its capitalised words (German
        # capitalises every noun): they are looked up by the names and numbers
        # also seen in other languages.
        shared = [k for k in f.keys if df.get(key_ids[k], 0) > df.get(lang_key_ids[k], 0)]
        # The index queries, asked together (where they cost a round trip each, in one).
        queries: dict[str, tuple[LSHIndex, np.ndarray, int]] = {}
        # Nothing to sign (a page of clutter only): no candidates, and not indexed.
        # The candidates sharing the most bands first: a cap keeps the likeliest, not arbitrary ones.
        if f.keys or f.terms:
            queries["candidates"] = (self.lsh, sig, t.max_candidates + 1)
        if len(shared) >= t.cross_lang_min_keys and len(shared) < len(f.keys):
            queries["other languages"] = (self.names_lsh, self.signer.sign(
                word_shingles(self._rarest(shared, key_ids, df), 1)), t.max_candidates + 1)
        if names_sig is not None:  # events of weeks ago, whose articles the indexes no longer hold
            queries["founding names"] = (self.events_lsh, names_sig, t.max_candidates)
        answers = dict(zip(queries, query_each(list(queries.values()))))
        candidate_ids = [c for c in answers.get("candidates", []) if c != article.id][: t.max_candidates]
        other_language = [c for c in answers.get("other languages", [])
                          if c != article.id and c not in candidate_ids][: t.max_candidates]
        if len(shared) >= t.cross_lang_min_keys:
            f.cross_vector = tfidf({k: f.keys[k] for k in shared}, key_ids, df, docs)
        records = self._articles(candidate_ids + other_language)
        if other_language:
            # Only reports in other languages: same-language candidates are the
            # first lookup's to find (what it misses is not alike enough).
            found_feats = self._load_features({c: records[c].content_hash for c in other_language if c in records})
            for c in other_language:
                if c in records and (c not in found_feats or found_feats[c].lang == f.lang):
                    del records[c]
        survivor, events = self._resolve_events({r.event_id for r in records.values()})
        live_events = {e: r for e, r in events.items() if not r.closed}
        nearest: dict[str, EventRecord] = {}
        if t.embedding and f.embedding is not None:
            # Events its names did not find: those whose reports say what it says.
            nearest = self._embedding_neighbours(f, set(events))
            if t.embedding_join:
                events, live_events = {**events, **nearest}, {**live_events, **nearest}
        cand_event = {aid: survivor[r.event_id] for aid, r in records.items()}
        cand_features = self._load_features({c: records[c].content_hash for c in records
                                             if cand_event[c] in live_events})

        best_copy, best_copy_score, copied_groups = self._copied_text(f, cand_features, records)

        event_scores = event_fits(f, live_events, t)

        joined: list[str] = []
        if best_copy is not None:
            joined.append(cand_event[best_copy])
        # The learned decision, when the tuning holds its weights: a veto on the
        # bar (an event the article fits is joined only at `join_chance`).
        chances = join_chances(event_evidence(f, live_events, event_scores, cand_features, cand_event, t), t) \
            if t.event_weights else {}
        ranked = sorted(event_scores.items(), key=lambda kv: -kv[1])
        linked: list[str] = []  # events it fits but may not merge with: one storyline
        for eid, s in ranked:
            if eid in joined:
                continue
            if joined and s >= t.storyline_link_fit:
                linked.append(eid)
            likely = s >= (1.0 if not joined else t.merge_fit) \
                and (not chances or chances.get(eid, 0.0) >= (t.join_chance if not joined else t.merge_chance))
            # Merging keeps to the time bound joining keeps to: events of one
            # topic months apart are not one happening, however alike.
            if likely and all(mergeable(live_events[e].centroid, live_events[eid].centroid, t)
                                   and spans_compatible(live_events[e].span, live_events[eid].span, t)
                                   for e in joined):
                joined.append(eid)
                if eid in linked:
                    linked.remove(eid)
        storyline_of = {e: r.storyline_id for e, r in events.items() if r.storyline_id}
        if names_sig is not None:  # events of weeks ago, whose articles the indexes no longer hold
            earlier = [e for e in answers["founding names"] if e not in events]
            storyline_of.update({e: r.storyline_id for e, r in self._resolve_events(set(earlier))[1].items()
                                 if r.storyline_id})
        return self._record(article, f, (sig, names_sig), best_copy, best_copy_score, joined, live_events, records,
                            [storyline_of[e] for e in linked if e in storyline_of], set(storyline_of.values()),
                            event_scores, copied_groups, nearest)

    def _embedding_neighbours(self, f: Features, known: set[str]) -> dict[str, EventRecord]:
        """The open events of the time window (the `embedding_scan_events` touched
        last) whose members' title-and-lead embeddings are most like the article's
        on average (`Tuning.embedding_neighbours`, at least `embedding_min_cosine`),
        leaving out `known` ones: a nearest-neighbour scan of the window's events,
        the lookup of reports in other languages that share no indexed names."""
        t = self.tuning
        gap = t.max_gap_days * 86400.0
        window = self.state.touched_between("open-events", f.time - gap, float("inf"))[-t.embedding_scan_events:]
        # Hundreds of events a scan: read as stored (building their records took ~50 us
        # each, most of the lookup's time), then the nearest few built.
        stored = self._resolve_stored("event", set(window) - known)[1]
        alike = stored_embedding_likeness({k: d for k, d in stored.items() if k not in known}, f.embedding, f.lang)
        ranked = sorted(((likeness, eid) for eid, likeness, share in alike
                         if (not t.embedding_other_languages or (share or 0.0) <= t.cross_lang_max_share)
                         and likeness >= t.embedding_min_cosine), reverse=True)
        nearest = [eid for _, eid in ranked[: t.embedding_neighbours]]
        return {eid: EventRecord.from_dict(stored[eid]) for eid in nearest}

    def _copied_text(self, f: Features, cand_features: dict[str, Features],
                     records: dict[str, ArticleRecord]) -> tuple[str | None, float, list[str]]:
        """(the earlier text this article most likely copies, its copy score, the
        other copy groups it copies as well), or (None, best score, []) when it
        copies none: the most similar same-language candidate whose copy group's
        original the article copies too (or half its members, `_copies_group`).
        A copy group holds copies of one text; a piece written around another
        copy's wording (a wire lead quoted, then reported on at length) copies
        that copy, not the original, and chains of them would drift."""
        t = self.tuning
        same_language = {cid: cf for cid, cf in cand_features.items() if cf.lang == f.lang}
        contained = shingle_containments(f, list(same_language.values())).tolist()
        # Best first; among equals, the candidate the index ranked first.
        scored = sorted(((copy_score(f, cf, t, c), cid) for (cid, cf), c in zip(same_language.items(), contained)),
                        key=lambda sc: -sc[0])
        copies = [(score, cid) for score, cid in scored if score >= t.copy_threshold]
        copied = {cid for _, cid in copies}
        containment = dict(zip(same_language, contained))
        copies = [(score, cid) for score, cid in copies
                  if wording_shared(f, same_language[cid], t, containment[cid]) >= t.copy_threshold
                  or self._rewrite_stands_out(f, same_language[cid], outside_quotes(f, same_language[cid], t, containment[cid]), records[cid].group_id,
                                              same_language, containment, copied, records)]
        copied = {cid for _, cid in copies}

        def copies_text(aid: str, other: Features) -> bool:
            """Whether the article copies another text (a candidate: as decided above)."""
            if aid in same_language:
                return aid in copied
            c = float(shingle_containments(f, [other])[0])
            return copy_score(f, other, t, c) >= t.copy_threshold and (
                wording_shared(f, other, t, c) >= t.copy_threshold or self._rewrite_stands_out(
                f, other, outside_quotes(f, other, t, c), records[aid].group_id if aid in records else None, same_language, containment, copied, records))

        groups = self._groups({records[cid].group_id for _, cid in copies})  # one round trip
        found: list[tuple[float, str]] = []  # (score, candidate) of each group copied, best first
        for score, cid in copies:
            group_id = records[cid].group_id
            if any(records[c].group_id == group_id for _, c in found):
                continue
            group = groups.get(group_id)
            originator = group.originator if group else cid
            original = None if originator == cid else \
                same_language.get(originator) or self._article_features(originator, records)
            if originator == cid or original is None or copies_text(originator, original) \
                    or (t.copy_group_share and self._copies_group(f, group_id, same_language, copies_text)):
                found.append((score, cid))  # an original no longer kept cannot be checked
                if not t.merge_copy_groups:
                    break
        if not found and t.copy_group_mid_containment:
            # No text copied outright: versions of one wire story share a quarter
            # to a third of their wording with each (`_versions_of_group`). A
            # version of two groups is a lead that two texts open with: neither.
            near = sorted(((c, cid) for cid, c in containment.items()
                           if c >= t.copy_group_mid_containment and cid not in copied), key=lambda cc: -cc[0])
            best: dict[str, tuple[float, str]] = {}
            for c, cid in near:
                best.setdefault(records[cid].group_id, (c, cid))
            versions = [cc for group_id, cc in best.items() if self._versions_of_group(f, group_id, same_language)]
            if not versions and t.copy_group_mid_lone:
                versions = self._lone_versions(f, best, same_language)
            if len(versions) == 1:
                found.append(versions[0])
        if not found:
            return None, scored[0][0] if scored else 0.0, []
        # A text much shorter than a copy it shares (a wire lead) is no bridge between groups.
        n = len(f.shingles)
        bridged = [records[cid].group_id for _, cid in found[1:]
                   if min(n, len(same_language[cid].shingles)) >= t.merge_copy_groups_length * max(n, len(same_language[cid].shingles))]
        if t.copy_group_mid_containment and t.merge_copy_groups:
            joined = records[found[0][1]].group_id
            # The candidates near enough to be versions, and their groups: found and read
            # once for both checks.
            near = [cid for cid, c in containment.items() if c >= t.copy_group_mid_containment]
            groups = self._groups({records[cid].group_id for cid in near}) if near else {}
            bridged += self._versions_joining(f, joined, same_language, near, records, {joined, *bridged}, groups)
            if t.copy_group_mid_merge:
                bridged += self._versions_merging(f, same_language, near, records, {joined, *bridged}, groups)
        return found[0][1], found[0][0], bridged

    def _rewrite_stands_out(self, f: Features, other: Features, shared: float, group_id: str | None,
                            same_language: dict[str, Features], containment: dict[str, float], copied: set[str],
                            records: dict[str, ArticleRecord]) -> bool:
        """Whether the article, a rewrite of `other` (of copy group `group_id`), shares
        more wording with it (`shared`, their shingle containment outside quotation
        marks: two reports of one statement share the statement, and line up
        sentence by sentence on its facts; `scoring.stands_out`) than either shares with the
        same-language candidates of the groups the article copies none of (a group
        it copies may hold other versions of its text, not yet recognised as one)."""
        copied_groups = {records[x].group_id for x in copied} | {group_id}
        others = [x for x in same_language if records[x].group_id not in copied_groups]
        if not others:
            return True
        background = max(max(containment[x] for x in others),
                         float(shingle_containments(other, [same_language[x] for x in others]).max()))
        return stands_out(shared, background, self.tuning) and self._rewrite_of_group(f, other, group_id, same_language)

    def _rewrite_of_group(self, f: Features, other: Features, group_id: str | None,
                          same_language: dict[str, Features]) -> bool:
        """Whether a rewrite of `other` is a rewrite of its group's text: once the
        group holds `copy_group_mid_members` + 1 or more versions of one wire
        story, it copies, or shares `copy_group_mid_containment` of its wording
        with, `copy_group_share` of them. A report that takes a sentence or two of
        one version and lines them up (a rewrite by the sentence rule) shares
        little with the others."""
        t = self.tuning
        if not t.copy_group_mid_containment or group_id is None:
            return True
        members, feats = self._group_members(f, group_id, same_language)
        if len(members) <= t.copy_group_mid_members:
            return True
        hits = sum(m is other or copy_score(f, m, t) >= t.copy_threshold or version_hits(f, [m], t) > 0
                   for m in feats.values())
        return hits >= t.copy_group_share * len(members)

    def _copies_group(self, f: Features, group_id: str, same_language: dict[str, Features],
                      copies_text: Callable[[str, Features], bool]) -> bool:
        """Whether the article copies at least `copy_group_share` of a copy group's
        (first `copy_group_members`) members, though not its originator: which
        member arrived first, and so became the originator, is the arrival order's
        choice (a rewrite that arrived first is as much the group as its source)."""
        t = self.tuning
        members, feats = self._group_members(f, group_id, same_language)
        hits = sum(copies_text(m, feats[m]) for m in feats)
        return bool(members) and hits >= t.copy_group_share * len(members)

    def _versions_of_group(self, f: Features, group_id: str, same_language: dict[str, Features]) -> bool:
        """Whether the article is another version of a copy group's wire story (a
        write-through that added and cut paragraphs, a brief): it shares at least
        `copy_group_mid_containment` of its wording outside quotation marks with
        `copy_group_mid_members` or more members and with `copy_group_share` of
        them, each a copy of the same story (`same_story`). Two reports of one
        happening share that much with one report, rarely with several versions
        of one text."""
        t = self.tuning
        members, feats = self._group_members(f, group_id, same_language)
        hits = version_hits(f, list(feats.values()), t)
        return hits >= t.copy_group_mid_members and hits >= t.copy_group_share * len(members)

    def _lone_versions(self, f: Features, best: dict[str, tuple[float, str]],
                       same_language: dict[str, Features]) -> list[tuple[float, str]]:
        """The lone candidate (a group of one) to join when the article is a version
        (`version_hits` at `copy_group_mid_lone`) of it and of another lone candidate
        that is a version of it too: three versions pairwise, whichever two arrived
        first. [] when none."""
        if len(best) < 2:  # two lone candidates are needed: most articles have none (no state read)
            return []
        t = self._lone_tuning
        groups = self._groups(set(best))
        lone = sorted((cc for group_id, cc in best.items()
                       if (g := groups.get(group_id)) is not None and g.size == 1
                       and _versions_either_way(f, same_language[cc[1]], t)), key=lambda cc: -cc[0])
        for c, cid in lone:
            if any(other != cid and _versions_either_way(same_language[cid], same_language[other], t)
                   for _, other in lone):
                return [(c, cid)]
        return []

    def _versions_joining(self, f: Features, group_id: str, same_language: dict[str, Features],
                          near: list[str], records: dict[str, ArticleRecord],
                          skip: set[str], groups: dict[str, GroupRecord]) -> list[str]:
        """Lone candidates (groups of one) that the article's joining makes versions
        of its group (`version_hits` against the group's members and the article):
        the versions of a wire story that arrived before a second member of its
        group did found groups of their own. `near`: the candidates that share
        `copy_group_mid_containment` of the article's wording; `groups`: their group
        records. Their group ids, to be merged in."""
        t = self.tuning
        lone = [cid for cid in near if records[cid].group_id not in skip
                and (g := groups.get(records[cid].group_id)) is not None and g.size == 1]
        if not lone:
            return []
        _, kept = self._member_features(group_id, same_language)
        feats = [*kept.values(), f]
        return [records[cid].group_id for cid in lone
                if (hits := version_hits(same_language[cid], feats, t)) >= t.copy_group_mid_members
                and hits >= t.copy_group_share * len(feats)]

    def _versions_merging(self, f: Features, same_language: dict[str, Features], near: list[str],
                          records: dict[str, ArticleRecord], skip: set[str],
                          groups: dict[str, GroupRecord]) -> list[str]:
        """Groups of two or more (besides those in `skip`) that the article, joining
        another group, is a version of every member of (`version_hits` either way
        round): two groups of one wire story's versions (an early brief with its
        edits, a write-through with its copies) that a version arriving later
        bridges. Every member, not half as for joining: a group may hold a report
        taken in by mistake, and a merge would carry the mistake over. `near` and
        `groups` as for `_versions_joining`. Their ids, to be merged in."""
        t = self.tuning
        merged = []
        # Each group once, in the candidates' order (not a set's: the same order in every process).
        for gid in dict.fromkeys(records[cid].group_id for cid in near if records[cid].group_id not in skip):
            if (g := groups.get(gid)) is None or g.size < 2:
                continue
            members, feats = self._member_features(gid, same_language)
            if len(feats) == len(members) and all(_versions_either_way(f, m, t) for m in feats.values()):
                merged.append(gid)
        return merged

    def _group_members(self, f: Features, group_id: str,
                       same_language: dict[str, Features]) -> tuple[list[str], dict[str, Features]]:
        """A copy group's first `copy_group_members` members, and the features of
        those that can vouch for the article: a member much shorter than the
        article (a wire lead it quotes) vouches for nothing."""
        members, feats = self._member_features(group_id, same_language)
        least = self.tuning.copy_group_min_length * len(f.shingles)
        return members, {m: feats[m] for m in members if m in feats and len(feats[m].shingles) >= least}

    def _member_features(self, group_id: str,
                         same_language: dict[str, Features]) -> tuple[list[str], dict[str, Features]]:
        """A copy group's first `copy_group_members` members and the features kept
        of them: from the candidates at hand, the others read from the state."""
        members = self.state.members(f"group:{group_id}")[: self.tuning.copy_group_members]
        if not members:
            return members, {}
        missing = [m for m in members if m not in same_language]
        return members, {**{m: same_language[m] for m in members if m in same_language},
                         **self._load_features({m: r.content_hash for m, r in self._articles(missing).items()})}

    # ------------------------------------------------------------------ record
    def _record(self, article: Article, f: Features, sigs: tuple[np.ndarray, np.ndarray | None],
                best_copy: str | None,
                copy_sim: float, joined: list[str], events: dict[str, EventRecord],
                candidates: dict[str, ArticleRecord], linked: list[str], near: set[str],
                fits: dict[str, float] | None = None, copied_groups: list[str] | None = None,
                nearest: dict[str, EventRecord] | None = None) -> Assignment:
        t = self.tuning
        st = self.state
        aid = article.id
        updates: dict[str, dict[str, Any]] = {}
        merged: list[tuple[str, str]] = []

        # Event: join, merge (the oldest event survives) or found.
        joined_storylines = [events[e].storyline_id for e in joined if events[e].storyline_id]
        if joined:
            survivor = min(joined, key=lambda e: (events[e].created, e))
            for absorbed in joined:
                if absorbed != survivor:
                    merged.append((absorbed, survivor))
                    _add_updates(updates, self._merge_events(absorbed, survivor, events))
            event_id = survivor
            event = events[survivor]
        else:
            event_id = self._fresh_id("event", _founded_ids(aid)[0], article.content_hash)
            event = EventRecord(created=f.time, last=f.time)
        event.add(f.member(), t.centroid_terms)
        # Events only the embedding lookup found (`nearest`) may merge as wholes; the
        # stranded events' rule, by names, may still take them.
        nearest = nearest or {}
        others = self._other_language_events(event, event_id, events, joined, nearest)
        stranded = self._stranded_other_language_events(
            f, event, event_id, (set(events) - set(nearest)) | set(joined) | set(others))
        events = {**nearest, **events, **stranded}
        done = set(joined) | set(others) | set(stranded)
        for other in others + sorted(stranded) + self._outgrown_events(event, event_id, events, done, fits or {}):
            keep, gone = sorted((event_id, other), key=lambda e: ((event if e == event_id else events[e]).created, e))
            both = {event_id: event, other: events[other]}
            merged.append((gone, keep))
            joined_storylines += [events[other].storyline_id] if events[other].storyline_id else []
            _add_updates(updates, self._merge_events(gone, keep, both))
            event_id, event = keep, both[keep]
        # The article's best fit to an event of each storyline (events it did not join).
        event_fit_of: dict[str, float] = {}
        for e, fit in (fits or {}).items():
            sid = events[e].storyline_id if e in events and e not in joined else None
            if sid:
                event_fit_of[sid] = max(event_fit_of.get(sid, 0.0), fit)
        storyline_id, storyline_size, event.storyline_id = self._place_in_storyline(
            aid, article.content_hash, f, joined_storylines, linked, near, updates, event_fit_of, event_size=event.size)
        self._put("event", {event_id: event})
        st.add_members(f"event:{event_id}", [aid])
        st.touch("open-events", event_id, event.last)

        # Copy group: join the copied text's group or found one.
        copies_of, similarity, changes, is_originator = None, None, None, True
        if best_copy is not None:
            # Candidates' records were read for scoring (group ids and texts do not
            # change within an assignment): no second read.
            group_id = candidates[best_copy].group_id
            group = self._groups([group_id])[group_id]
            if f.anchor is not None and (group.originator_anchor is None or f.anchor < group.originator_anchor):
                # Published before the group's originator: it becomes the originator.
                group.originator, group.originator_anchor = aid, f.anchor
                _add_updates(updates, self._new_originator(group_id, aid, f))
                similarity = copy_sim
            else:
                is_originator = False
                copies_of, similarity = best_copy, round(copy_sim, 4)
                orig = self._article_features(group.originator, candidates)
                if orig is not None:
                    changes = diff_passages(orig.title, orig.passages, f.title, f.passages)
            group.size += 1
        else:
            group_id = self._fresh_id("group", _founded_ids(aid)[1], article.content_hash)
            group = GroupRecord(originator=aid, originator_anchor=f.anchor, event_id=event_id)
        group.event_id = event_id
        # Other groups it copies as well (their originators, or half their members),
        # in its event: one text's copies that arrived apart (a rewrite first, then
        # its source's copies) become one group.
        for other in copied_groups or []:
            _add_updates(updates, self._merge_groups(other, group_id, group, event_id))
        self._put("group", {group_id: group})
        st.add_members(f"group:{group_id}", [aid])

        self._put("article", {aid: ArticleRecord(
            article.content_hash, epoch(article.fetched), event_id, group_id, copies_of, similarity,
            changes.model_dump(mode="json") if changes else None)})
        # The features cache holds what the state holds: the heaviest terms only.
        f.term_vector, f.key_vector = f.term_vector.top(t.centroid_terms), f.key_vector.top(t.centroid_terms)
        st.put("features", aid, {**f.stored(), "tv": f.term_vector.pack(), "kv": f.key_vector.pack()})
        self._remember(aid, article.content_hash, f)
        if event.size in t.split_sizes:
            _add_updates(updates, self._split_event(event_id, event, aid))
        if storyline_size in t.storyline_split_sizes:
            _add_updates(updates, self._split_storyline(storyline_id))
            storyline_id = updates.get(aid, {}).get("storyline_id", storyline_id)
        rivals = sorted((e for e in events if e not in joined and fits and fits.get(e, 0.0) >= t.reassign_min_fit),
                        key=lambda e: (-fits[e], e))
        _add_updates(updates, self._reassign_members(aid, event_id, rivals[: t.reassign_events]))
        near_events = sorted((e for e in events if e not in joined and fits and fits.get(e, 0.0) >= t.recluster_min_fit),
                             key=lambda e: (-fits[e], e))
        reclustered, regrouped = self._recluster(event_id, f.lang, near_events)
        _add_updates(updates, reclustered)
        merged += regrouped
        placed = event_id
        event_id = updates.get(aid, {}).get("event_id", event_id)
        sig, names_sig = sigs
        if f.keys or f.terms:
            self._index(self.INDEX_NAME, self.lsh, aid, sig, f.time)
        if names_sig is not None:
            self._index(self.NAMES_INDEX, self.names_lsh, aid, names_sig, f.time)
            # The article founded the event (and re-clustering did not move it into
            # another, whose entry holds its own founding names).
            if not joined and event_id == placed:
                self._index(self.EVENTS_INDEX, self.events_lsh, event_id, names_sig, f.time)
        return Assignment(aid, event_id, group_id, copies_of, similarity, is_originator, changes,
                          merged, updates, storyline_id=storyline_id)

    def _reassign_members(self, aid: str, event_id: str, rivals: list[str]) -> dict[str, dict]:
        """A bounded reassignment step (as in k-means, restricted to candidates):
        after an event changed, a report of it or of a few rival events of the same
        storyline (those the new article fits best) that now fits another of them
        clearly better than the rest of its own moves there. Reports that arrived
        before the rest of their happening joined whatever stood then; the
        decision is revisited once the events have grown. A copy group moves
        whole (by its members' average fits); an event is never emptied. Field
        updates for the articles that moved."""
        t = self.tuning
        if not rivals or not t.reassign_events:
            return {}
        survivor, recs = self._resolve_events({event_id, *rivals})
        own_sl = recs[survivor[event_id]].storyline_id if survivor[event_id] in recs else None
        recs = {e: r for e, r in recs.items() if not r.closed and r.storyline_id == own_sl and r.size <= t.reassign_max_size}
        if len(recs) < 2:
            return {}
        members = {e: self.state.members(f"event:{e}") for e in recs}
        arts = self._articles([m for ms in members.values() for m in ms])
        units: list[tuple[str, list[str]]] = []  # (event, the members of one copy group): what moves
        for eid in sorted(recs):
            by_group: dict[str, list[str]] = {}
            for m in sorted(members[eid]):
                if m in arts:
                    by_group.setdefault(arts[m].group_id, []).append(m)
            units += [(eid, unit) for _, unit in sorted(by_group.items()) if aid not in unit]
        feats = self._load_features({m: arts[m].content_hash for _, unit in units for m in unit})
        updates: dict[str, dict] = {}
        changed: dict[str, EventRecord] = {}
        for eid, unit in units:
            own = recs[eid]
            unit_feats = [feats.get(m) for m in unit]
            if any(mf is None for mf in unit_feats) or own.size <= len(unit):
                continue
            rest = EventRecord.from_dict(own.to_dict())
            for mf in unit_feats:
                rest.remove(mf.member(), t.centroid_terms)
            fits = [event_fits(mf, {**recs, eid: rest}, t) for mf in unit_feats]
            mean = {e: sum(f[e] for f in fits) / len(fits) for e in recs}
            best = max((e for e in recs if e != eid), key=lambda e: (mean[e], e))
            if mean[best] < 1.0 or mean[best] < t.reassign_margin * mean[eid]:
                continue
            for mf in unit_feats:
                own.remove(mf.member(), t.centroid_terms)
                recs[best].add(mf.member(), t.centroid_terms)
            changed[eid], changed[best] = own, recs[best]
            _add_updates(updates, self._repoint(unit, eid, best, {m: arts[m] for m in unit}))
            log.info("story engine moved articles", extra={"articles": len(unit), "from": eid, "to": best})
        self._put("event", changed)
        for eid, rec in changed.items():
            self.state.touch("open-events", eid, rec.last)
        return updates

    def _recluster(self, event_id: str, lang: str, near: list[str]) -> tuple[dict[str, dict], list[tuple[str, str]]]:
        """The reports in one language (the article's) of its event and of a few
        candidate events of its storyline clustered again at once
        (`clusters.recluster_parts`): which report came first no longer decides (a
        lone first report needs a close likeness to be joined; a second one of
        another happening that fits it then holds both). Run when the article's
        event is small (`recluster_loose_size`: it founded it or joined a lone
        report), where arrival order decided; reports of the small events move
        one copy group at a time, a larger event moves whole and never joins
        another larger one here (merging events is the merge rules' call). Reports in other
        languages stay with their events (across languages only names compare,
        and those events were joined as wholes). The result is adopted with
        stable ids: each part keeps the id of the event it holds most of (the
        larger, then older, on a tie); an event left without a part is merged,
        with its other-language reports, into the part holding most of its
        reports; a part without one becomes a new event. (Field updates of the
        articles that moved, (absorbed, survivor) pairs.)"""
        t = self.tuning
        if not t.recluster_events or not near:
            return {}, []
        survivor, recs = self._resolve_events({event_id, *near})
        event_id = survivor[event_id]
        own = recs.get(event_id)
        # Only where the order decided: the article founded its event or joined a lone report.
        if own is None or own.closed or own.size > t.recluster_loose_size:
            return {}, []
        chosen, total = [event_id], own.size
        for e in near:
            rec = recs.get(survivor[e])
            if survivor[e] in chosen or rec is None or rec.closed or rec.storyline_id != own.storyline_id \
                    or lang not in rec.centroid.langs or total + rec.size > t.recluster_max_members:
                continue
            chosen.append(survivor[e])
            total += rec.size
            if len(chosen) > t.recluster_events:
                break
        if len(chosen) < 2:
            return {}, []
        members = {e: sorted(self.state.members(f"event:{e}")) for e in chosen}
        now_event = {m: e for e, ms in members.items() for m in ms}
        arts = self._articles(list(now_event))
        feats = self._members({m: a.content_hash for m, a in arts.items()})
        if len(arts) != len(now_event) or len(feats) != len(now_event):
            return {}, []
        ids = sorted(m for m in now_event if feats[m].lang == lang)
        sims = member_similarities([feats[m] for m in ids], t)
        # The reports of a small event are clustered again one copy group at a time;
        # a larger event's stay together (it may still join another as a whole).
        unit = {m: arts[m].group_id if recs[now_event[m]].size <= t.recluster_loose_size else f"event:{now_event[m]}"
                for m in ids}
        # Reports in other languages go with their event (a small event's with each of
        # its copy groups here) and bound its time as they bound an article joining
        # it, unless the rest of their event would not take them now, time aside (a
        # report that founded an event reports of another happening joined): those are loose.
        companions: dict[str, list[Member]] = {}
        loose: set[str] = set()
        if t.recluster_companions:
            others = {m: e for m, e in now_event.items() if feats[m].lang != lang}
            full = self._load_features({m: arts[m].content_hash for m, e in others.items()
                                        if recs[e].size > t.recluster_loose_size})
            for m, e in sorted(others.items()):
                if m in full and t.recluster_companion_fit:
                    rest = EventRecord.from_dict(recs[e].to_dict())
                    rest.remove(feats[m], t.centroid_terms)
                    # by content alone: time is what is in question
                    timeless = replace(full[m], anchor=None, written=None, day=None, weekday=None, ordinal=None)
                    if event_fits(timeless, {e: rest}, t)[e] < t.recluster_companion_fit:
                        loose.add(m)
                        continue
                keys = [f"event:{e}"] if recs[e].size > t.recluster_loose_size \
                    else sorted({unit[x] for x in ids if now_event[x] == e})
                for key in keys:
                    companions.setdefault(key, []).append(feats[m])
        parts = recluster_parts({m: (unit[m], feats[m]) for m in ids}, sims, t,
                                lambda m, span: time_compatible(m, span, t), {m: arts[m].group_id for m in ids},
                                {u for u in unit.values() if u.startswith("event:")} if t.recluster_fixed else set(),
                                companions)
        if sorted(sorted(p) for p in parts) == sorted(sorted(m for m in ms if feats[m].lang == lang)
                                                      for ms in members.values()):
            return {}, []
        # Stable ids: the part holding most of an event's reports keeps its id.
        overlaps = sorted(((sum(now_event[m] == e for m in part), i, e) for i, part in enumerate(parts) for e in chosen),
                          key=lambda x: (-x[0], -recs[x[2]].size, recs[x[2]].created, x[2], x[1]))
        id_of: dict[int, str] = {}
        for n, i, e in overlaps:
            if n and i not in id_of and e not in id_of.values():
                id_of[i] = e
        part_of = {m: i for i, part in enumerate(parts) for m in part}
        absorbed: dict[int, list[str]] = {}
        for e in chosen:
            if e in id_of.values():
                continue
            counts: dict[int, int] = {}
            for m in members[e]:
                if m in part_of:
                    counts[part_of[m]] = counts.get(part_of[m], 0) + 1
            if counts:  # (an event with no report in the language stays as it is)
                absorbed.setdefault(min(counts, key=lambda i: (-counts[i], i)), []).append(e)
        for i, part in enumerate(parts):
            if i not in id_of:
                first = min(part, key=lambda m: (feats[m].time, m))
                id_of[i] = self._fresh_id("event", _founded_ids(first)[0], arts[first].content_hash)
        # Each part's reports, with the other-language reports of the events it keeps or absorbs.
        target_of = {m: id_of[part_of[m]] for m in ids}
        for i, gone in absorbed.items():
            for g in gone:
                target_of.update({m: id_of[i] for m in members[g] if m not in target_of})
        target_of.update({m: e for m, e in now_event.items() if m not in target_of})
        st = self.state
        records: dict[str, EventRecord] = {}
        # A loose report out of time with the part its event went to leaves it, with
        # its copy group's loose reports: an event of their own.
        span_of: dict[str, Span] = {}
        for m, e in target_of.items():
            if m not in loose:
                span_of.setdefault(e, Span()).widen(Span.of(feats[m]))
        out: dict[str, list[str]] = {}
        for m in sorted(loose):
            if target_of[m] in id_of.values() and not time_compatible(feats[m], span_of[target_of[m]], t):
                out.setdefault(arts[m].group_id, []).append(m)
        for _, gone in sorted(out.items()):
            first = min(gone, key=lambda m: (feats[m].time, m))
            new_id = self._fresh_id("event", _founded_ids(first)[0], arts[first].content_hash)
            records[new_id] = EventRecord(created=min(feats[m].time for m in gone), storyline_id=own.storyline_id)
            target_of.update({m: new_id for m in gone})
        merged: list[tuple[str, str]] = []
        for i in range(len(parts)):
            target, gone = id_of[i], absorbed.get(i, [])
            if target in recs:
                old = recs[target]
                records[target] = EventRecord(
                    created=min([old.created] + [recs[g].created for g in gone]), storyline_id=own.storyline_id,
                    absorbed=sorted(set(old.absorbed).union(*(set(recs[g].absorbed) | {g} for g in gone))))
            else:
                records[target] = EventRecord(created=min(feats[m].time for m in parts[i]), storyline_id=own.storyline_id,
                                              absorbed=sorted(set().union(*(set(recs[g].absorbed) | {g} for g in gone))))
            for g in gone:
                merged.append((g, target))
                records[g] = EventRecord(created=recs[g].created, merged_into=target)
        for m in sorted(target_of):
            if target_of[m] in records:
                records[target_of[m]].add(feats[m], t.centroid_terms)
        # An event that kept its reports keeps its record as it was.
        for i in range(len(parts)):
            target = id_of[i]
            if target in members and i not in absorbed \
                    and {m for m, e in target_of.items() if e == target} == set(members[target]):
                del records[target]
        self._put("event", records)
        st.untouch("open-events", [e for e, r in records.items() if r.merged_into])
        for e, rec in records.items():
            if not rec.merged_into:
                st.touch("open-events", e, rec.last)
        moves: dict[tuple[str, str], list[str]] = {}
        for m, target in target_of.items():
            if now_event[m] != target:
                moves.setdefault((now_event[m], target), []).append(m)
        updates: dict[str, dict] = {}
        for (source, target), moved in sorted(moves.items()):
            _add_updates(updates, self._repoint(sorted(moved), source, target, arts))
        log.info("story engine clustered events again", extra={"events": chosen, "parts": len(parts),
                                                                "moved": len(updates)})
        return updates, merged

    def _outgrown_events(self, event: EventRecord, event_id: str, events: dict[str, EventRecord],
                         done: set[str], fits: dict[str, float]) -> list[str]:
        """Small candidate events that the article's event, as it is now, would
        take in: the reports of a happening that arrived before the rest of it
        founded events of their own (a lone report needs a close likeness to be
        joined) and would have joined had they come later. Re-examined when the
        event changes, a few at most (those the article fits best), each as a
        whole: its members' average likeness to this event's at this event's
        joining bar, the time bound and `mergeable` kept, and not two parts the
        split would part again."""
        t = self.tuning
        if not t.reexamine_events:
            return []
        ranked = sorted((e for e, rec in events.items() if e not in done and e != event_id and not rec.closed
                         and rec.merged_into is None and 0 < rec.size <= t.reexamine_max_size
                         and fits.get(e, 0.0) >= t.reexamine_min_fit), key=lambda e: (-fits[e], e))
        bar = t.event_threshold * (1 + t.small_event_bar / max(event.size, 1)) * t.reexamine_fit
        out = []
        for eid in ranked[: t.reexamine_events]:
            other = events[eid]
            pairs = max(event.size, 1) * other.size
            same_language = bool(set(event.centroid.langs) & set(other.centroid.langs))
            if same_language and event.centroid.keys.dot(other.centroid.keys) / pairs < t.min_key_link:
                continue
            link = average_link(event.centroid, other.centroid, t)
            # Not two parts the split would part again (`split_parts`: parts this
            # large less alike than `split_cohesion` of their mean cohesion).
            apart = min(event.size, other.size) >= t.split_min_groups and link < t.split_cohesion * (
                (cohesion(event.centroid, t) or 0.0) + (cohesion(other.centroid, t) or 0.0)) / 2
            if link >= bar and not apart and mergeable(event.centroid, other.centroid, t) \
                    and spans_compatible(event.span, other.span, t):
                out.append(eid)
        return out

    def _other_language_events(self, event: EventRecord, event_id: str, events: dict[str, EventRecord],
                               joined: list[str], nearest: dict[str, EventRecord] | None = None) -> list[str]:
        """Candidate events in other languages only (none shared with this event)
        that report its happening: their names and numbers alike on average
        (`average_link` across languages) and their times compatible; or, with
        `Tuning.embedding`, the one whose reports say most alike what this event's
        say (`_said_alike`): one only, so that no report bridges several events.
        `nearest`: events the embedding lookup found (not the names indexes), which
        only that route merges."""
        t = self.tuning
        out = []
        said: list[tuple[float, str]] = []
        found_by_names = set(events)
        for eid, other in {**(nearest or {}), **events}.items():
            if eid in joined or eid == event_id or set(other.centroid.langs) & set(event.centroid.langs) \
                    or not spans_compatible(event.span, other.span, t):
                continue
            if eid in found_by_names and average_link(event.centroid, other.centroid, t) / t.event_threshold >= t.cross_event_fit:
                out.append(eid)
            elif (likeness := self._said_alike(event, other)) is not None:
                said.append((likeness, eid))
        return out + [max(said)[1]] if said else out

    def _said_alike(self, a: EventRecord, b: EventRecord) -> float | None:
        """How alike two events' reports say on average by their title-and-lead
        embeddings, when enough to merge them (`Tuning.embedding_merge`): the names
        of a happening written in two scripts or languages need not match. None:
        not enough, or no embeddings."""
        t = self.tuning
        if not t.embedding or (t.embedding_merge_dated and (a.span.anchor_min is None or b.span.anchor_min is None)):
            return None
        likeness = a.centroid.embedding_likeness_of(b.centroid)
        if likeness is None or likeness < t.embedding_merge:
            return None
        # As alike to each other as (nearly) their own reports are (`mergeable`'s rule):
        # look-alike happenings of one subject are alike, but less than within each.
        own = [c for c in (a.centroid.embedding_cohesion(), b.centroid.embedding_cohesion()) if c is not None]
        return likeness if not own or likeness >= t.embedding_merge_cohesion * min(own) else None

    def _stranded_other_language_events(self, f: Features, event: EventRecord, event_id: str,
                                        seen: set[str]) -> dict[str, EventRecord]:
        """Open events in other languages within the time bound, not among the
        candidates, whose reports join this event when scored now. A report that
        came before any report of its happening in another language founded an
        event of its own, and its names signature holds its language's capitalised
        words (German capitalises every noun), which the other language's reports
        cannot find. Each member is scored against this event as a report arriving
        now would be: by its names and numbers this event's reports hold too (as
        `Features.cross_vector`, the names seen in other languages); the events
        merge when the members fit on average (`cross_event_fit`). Only looked for
        when the article holds names seen in other languages."""
        t = self.tuning
        # Only between events whose publication times are known: merging keeps to
        # the time bound, which undated reports cannot show they keep to.
        if len(f.cross_vector) == 0 or event.span.anchor_min is None:
            return {}
        gap = t.max_gap_days * 86400.0
        window = set(self.state.touched_between("open-events", f.time - gap, float("inf"))) - seen - {event_id}
        records = self._resolve_events(window)[1]
        own = set(event.centroid.langs)
        # Where each stranded report would go now: among the window's events of
        # other languages than its own, by the names those hold (the names seen
        # in other languages, as for a report arriving now).
        rivals = {**{e: r for e, r in records.items() if not r.closed}, event_id: event}
        out: dict[str, EventRecord] = {}
        for eid, other in records.items():
            if eid in seen or eid == event_id or other.closed or set(other.centroid.langs) & own \
                    or other.span.anchor_min is None \
                    or not spans_compatible(event.span, other.span, t) \
                    or int(shared_counts(f.cross_vector, [other.centroid.keys])[0]) < t.cross_lang_min_shared \
                    or event_fits(f, {eid: other}, t)[eid] < 1.0:  # the article would join it by its names
                continue
            langs = set(other.centroid.langs)
            elsewhere = {e: r for e, r in rivals.items() if e != eid and not set(r.centroid.langs) & langs}
            seen_ids = unique(np.concatenate([r.centroid.keys.ids for r in elsewhere.values()]))
            arts = self._articles(self.state.members(f"event:{eid}"))
            feats = self._load_features({m: a.content_hash for m, a in arts.items()})
            fits = []
            for mf in feats.values():
                held = isin_sorted(mf.key_vector.ids, seen_ids)
                if int(held.sum()) < t.cross_lang_min_keys:
                    fits.append(0.0)
                    continue
                w = mf.key_vector.weights[held]
                cross = SparseVector.from_ids(mf.key_vector.ids[held], w / (float(np.sqrt(w @ w)) or 1.0))
                scores = event_fits(replace(mf, cross_vector=cross), elsewhere, t)
                # It goes where it fits best: another event it fits better keeps it out of this one.
                fits.append(scores[event_id] if scores[event_id] >= max(scores.values()) else 0.0)
            if fits and min(fits) >= t.cross_event_fit:  # every one of its reports would join this event
                out[eid] = other
        return out

    def _place_in_storyline(self, aid: str, content_hash: str, f: Features, joined: list[str], linked: list[str],
                            near: set[str], updates: dict[str, dict],
                            event_fit_of: dict[str, float] | None = None,
                            event_size: int = 0) -> tuple[str, int, str]:
        """The storyline of the article's event: that of the event it joined, else
        the storyline of a candidate's event it fits (as a whole, or through the
        event of it the article fits best: `event_fit_of`, by storyline id), else
        a new one. Storylines of
        the events it joined or merged become one, the oldest surviving; so do those
        of events it fits but may not merge with (`linked`), when the two storylines
        are alike as wholes: one article alike to both is a bridge, not a subject
        (on a headline stream, single bridges chained most stories into one).
        Adds the article to it; its id, size and the id the event's record keeps."""
        t = self.tuning
        survivor_of, storylines = self._resolve("storyline", set(joined) | set(linked) | near)
        chosen = [survivor_of[s] for s in joined if survivor_of[s] in storylines]
        kept_by_event: str | None = None
        near_events: dict[str, float] = {}
        for sid, fit in (event_fit_of or {}).items():
            if survivor_of.get(sid) in storylines:
                near_events[survivor_of[sid]] = max(near_events.get(survivor_of[sid], 0.0), fit)

        def best_fitting(candidates: dict[str, ClusterRecord]) -> tuple[str | None, float]:
            fits = with_event_fits(storyline_fits(f, candidates, t), near_events, t)
            best = max(fits, key=lambda s: (fits[s], s), default=None)
            return best, fits[best] if best is not None else 0.0

        if not chosen:
            best, fit = best_fitting(storylines)
            if best is not None and fit >= 1.0:
                chosen = [best]
        elif t.storyline_young_fit and len(set(chosen)) == 1 and storylines[chosen[0]].size < event_size:
            # The storyline holds only the article's event: the event's first report
            # alone decided it (a Korean flash that shares no word with the English
            # storyline). A later report of the event that fits another candidate
            # storyline well (`storyline_young_fit`), the two alike as wholes
            # (`storyline_young_link`), joins them. The event's record keeps its own
            # storyline's id (it resolves to the survivor): the event rules that read
            # storyline ids see what they saw before.
            own = chosen[0]
            best, fit = best_fitting({s: r for s, r in storylines.items() if s != own})
            if best is not None and fit >= t.storyline_young_fit and (
                    not t.storyline_young_link
                    or average_link(storylines[own].centroid, storylines[best].centroid, t)
                    >= t.storyline_young_link * t.storyline_threshold):
                chosen.append(best)
                kept_by_event = own
        if chosen:
            keep = min(set(chosen), key=lambda s: (storylines[s].created, s))
            for other in sorted(set(chosen) - {keep}):
                _add_updates(updates, self._merge_storylines(other, keep, storylines))
            bar = t.storyline_threshold * t.storyline_merge_fit
            for other in sorted({survivor_of[s] for s in linked if survivor_of[s] in storylines} - {keep}):
                if average_link(storylines[keep].centroid, storylines[other].centroid, t) >= bar:
                    _add_updates(updates, self._merge_storylines(other, keep, storylines))
            storyline = storylines[keep]
        else:
            keep = self._fresh_id("storyline", f"sl-{aid}", content_hash)
            storyline = StorylineRecord(created=f.time, last=f.time)
        storyline.closed = False  # a closed storyline that takes a new event is open again
        storyline.add(f.member(), t.centroid_terms)
        self._put("storyline", {keep: storyline})
        self.state.add_members(f"storyline:{keep}", [aid])
        self.state.touch("open-storylines", keep, storyline.last)
        return keep, storyline.size, kept_by_event or keep

    def _split_storyline(self, storyline_id: str) -> dict[str, dict]:
        """Split a storyline whose events fall into groups not alike to each other
        on average (`storyline_split_fit` of the storyline bar, average linkage over
        the articles: one event alike to two subjects does not hold them together;
        the likeness of two events falls with the days between them, as a
        storyline's fit for an article does: look-alike happenings a year apart):
        storylines merged through a bridge, or by an earlier rule. The biggest part keeps the
        id; each other part becomes a new storyline with its events. Field updates
        for the articles that moved. Checked at `storyline_split_sizes`; a storyline
        of more than `storyline_split_max_events` events is left as it is (cost)."""
        st, t = self.state, self.tuning
        members = st.members(f"storyline:{storyline_id}")
        arts = self._articles(members)
        feats = self._members({m: a.content_hash for m, a in arts.items()})
        by_event: dict[str, list[str]] = {}
        for m in sorted(feats):
            by_event.setdefault(arts[m].event_id, []).append(m)
        if not 2 <= len(by_event) <= t.storyline_split_max_events:
            return {}
        ids = sorted(by_event)
        centroids, spans = [], []
        for e in ids:
            c, span = Centroid(), Span()
            for m in by_event[e]:
                c.add(feats[m], t.centroid_terms)
                span.widen(Span.of(feats[m]))
            centroids.append(c)
            spans.append(span)
        bar = t.storyline_threshold * t.storyline_split_fit
        alike = np.array([[storyline_link(a, b, days_apart(sa, sb), t)
                           for b, sb in zip(centroids, spans)] for a, sa in zip(centroids, spans)])
        label = average_linkage(alike, np.array([len(by_event[e]) for e in ids]), bar)
        parts = [[e for e, n in zip(ids, label) if n == part] for part in range(int(label.max()) + 1)]
        if len(parts) < 2:
            return {}
        ordered = sorted(parts, key=lambda p: (-sum(len(by_event[e]) for e in p), p))
        old = StorylineRecord.from_dict(st.get("storyline", storyline_id))
        updates: dict[str, dict] = {}
        for n, part in enumerate(ordered):
            part_members = [m for e in part for m in by_event[e]]
            created = old.created if n == 0 else min(feats[m].time for m in part_members)
            rec = StorylineRecord(created=created, absorbed=old.absorbed if n == 0 else [])
            for m in part_members:
                rec.add(feats[m], t.centroid_terms)
            if n == 0:
                self._put("storyline", {storyline_id: rec})
                st.touch("open-storylines", storyline_id, rec.last)
                continue
            first = min(part_members, key=lambda m: (feats[m].time, m))
            new_id = self._fresh_id("storyline", f"sl-{first}", arts[first].content_hash)
            self._put("storyline", {new_id: rec})
            st.touch("open-storylines", new_id, rec.last)
            st.remove_members(f"storyline:{storyline_id}", part_members)
            st.add_members(f"storyline:{new_id}", part_members)
            events = self._events(part)
            for ev in events.values():
                ev.storyline_id = new_id
            self._put("event", events)
            _add_updates(updates, {m: {"storyline_id": new_id} for m in part_members})
            log.info("story engine split storyline", extra={"storyline_id": storyline_id,
                                                            "new_storyline_id": new_id, "articles": len(part_members)})
        return updates

    def _merge_storylines(self, absorbed: str, survivor: str, storylines: dict[str, ClusterRecord]) -> dict[str, dict]:
        """Move every article of storyline `absorbed` into `survivor` (its events
        follow through `merged_into`); field updates for those articles."""
        st = self.state
        a, s = storylines[absorbed], storylines[survivor]
        s.absorb(absorbed, a, self.tuning.centroid_terms)
        self._put("storyline", {absorbed: StorylineRecord(created=a.created, merged_into=survivor)})
        st.untouch("open-storylines", [absorbed])
        members = st.members(f"storyline:{absorbed}")
        st.remove_members(f"storyline:{absorbed}", members)
        st.add_members(f"storyline:{survivor}", members)
        log.info("story engine merged storylines", extra={"absorbed": absorbed, "survivor": survivor,
                                                           "articles": len(members)})
        return {m: {"storyline_id": survivor} for m in members}

    def _repoint(self, members: list[str], source: str, target: str,
                 arts: dict[str, ArticleRecord] | None = None) -> dict[str, dict]:
        """Move articles from one event to another (their event's member set, their
        records and their copy groups'); field updates for those articles."""
        st = self.state
        st.remove_members(f"event:{source}", members)
        st.add_members(f"event:{target}", members)
        arts = self._articles(members) if arts is None else {m: arts[m] for m in members}
        for rec in arts.values():
            rec.event_id = target
        self._put("article", arts)
        groups = self._groups({r.group_id for r in arts.values()})
        for g in groups.values():
            g.event_id = target
        self._put("group", groups)
        return {m: {"event_id": target} for m in members}

    def _split_event(self, event_id: str, event: EventRecord, keep: str) -> dict[str, dict]:
        """Split an event whose parts are less alike than each is within itself
        (reports that joined one at a time of two happenings of one topic). The
        part holding `keep` keeps the id; each other part becomes a new event.
        Field updates for the articles that moved."""
        st, t = self.state, self.tuning
        members = st.members(f"event:{event_id}")
        arts = self._articles(members)
        feats = self._members({m: a.content_hash for m, a in arts.items()})
        if len(feats) != len(members) or len(arts) != len(members):
            return {}
        ids = sorted(members)
        grouped = {m: (arts[m].group_id, feats[m]) for m in members}
        sims = member_similarities([feats[m] for m in ids], t)
        parts = split_parts(grouped, sims, t)
        if len(parts) < 2 and t.bisect_cohesion:
            parts = bisect_parts(grouped, sims, t)
        if len(parts) < 2:
            return {}
        updates: dict[str, dict] = {}
        kept = next(p for p in parts if keep in p)
        for part in [kept] + [p for p in parts if p is not kept]:
            # Both parts stay in the event's storyline: two happenings of one subject.
            if part is kept:
                rec = EventRecord(created=event.created, absorbed=event.absorbed, storyline_id=event.storyline_id)
            else:
                rec = EventRecord(created=min(feats[m].time for m in part), storyline_id=event.storyline_id)
            for m in part:
                rec.add(feats[m], t.centroid_terms)
            if part is kept:
                self._put("event", {event_id: rec})
                continue
            first = min(part, key=lambda m: (feats[m].time, m))
            new_id = self._fresh_id("event", _founded_ids(first)[0], arts[first].content_hash)
            self._put("event", {new_id: rec})
            st.touch("open-events", new_id, rec.last)
            _add_updates(updates, self._repoint(part, event_id, new_id, arts))
            log.info("story engine split event", extra={"event_id": event_id, "new_event_id": new_id,
                                                         "articles": len(part)})
        return updates

    def _fresh_id(self, kind: str, base: str, content_hash: str) -> str:
        """Id of a new event/group: from the founding article, and its version when
        an earlier version of the article founded one already (ids never reused)."""
        candidate, n = base, 1
        while self.state.get(kind, candidate) is not None:
            candidate = f"{base}-{content_hash[:8]}" + (f"-{n}" if n > 1 else "")
            n += 1
        return candidate

    def _merge_events(self, absorbed: str, survivor: str, events: dict[str, EventRecord]) -> dict[str, dict]:
        """Move every member of `absorbed` into `survivor`; field updates for those articles."""
        a, s = events[absorbed], events[survivor]
        s.absorb(absorbed, a, self.tuning.centroid_terms)
        self._put("event", {absorbed: EventRecord(created=a.created, merged_into=survivor)})
        self.state.untouch("open-events", [absorbed])
        members = self.state.members(f"event:{absorbed}")
        log.info("story engine merged events", extra={"absorbed": absorbed, "survivor": survivor,
                                                       "articles": len(members)})
        return self._repoint(members, absorbed, survivor)

    def _merge_groups(self, absorbed: str, survivor: str, group: GroupRecord, event_id: str) -> dict[str, dict]:
        """Move a copy group of the same event into `survivor` (its record `group`);
        its originator now copies the survivor's. Field updates for the moved articles."""
        st = self.state
        old = self._groups([absorbed]).get(absorbed)
        members = st.members(f"group:{absorbed}")
        if old is None or not members or absorbed == survivor or self._current_event(old.event_id) != event_id:
            return {}
        arts = self._articles(members)
        updates: dict[str, dict] = {}
        for mid, rec in arts.items():
            rec.group_id = survivor
            fields: dict[str, Any] = {"group_id": survivor}
            if mid == old.originator and mid != group.originator:
                rec.copies_of = group.originator
                fields.update(is_originator=False, copies_of=group.originator)
            updates[mid] = fields
        self._put("article", arts)
        st.remove_members(f"group:{absorbed}", members)
        st.add_members(f"group:{survivor}", members)
        group.size += len(members)
        st.delete("group", absorbed)
        return updates

    def _new_originator(self, group_id: str, aid: str, f: Features) -> dict[str, dict]:
        """The new article predates the group: every member now copies it."""
        arts = self._articles(self.state.members(f"group:{group_id}"))
        feats = self._load_features({m: r.content_hash for m, r in arts.items()})
        updates = {}
        for mid, rec in arts.items():
            mf = feats.get(mid)
            changes = diff_passages(f.title, f.passages, mf.title, mf.passages) if mf else None
            sim = round(copy_score(f, mf, self.tuning), 4) if mf else None
            rec.copies_of = rec.copies_of or aid
            rec.similarity = rec.similarity or sim
            rec.changes = changes.model_dump(mode="json") if changes else None
            updates[mid] = {"is_originator": False, "copies_of": rec.copies_of,
                            "similarity": rec.similarity, "changes": rec.changes}
        self._put("article", arts)
        return updates

    def _withdraw(self, aid: str, rec: ArticleRecord) -> dict[str, dict]:
        """Take a changed article out of its group, event and the index before
        re-assigning it; field updates for a member that becomes originator."""
        st = self.state
        updates: dict[str, dict] = {}
        for name, lsh in self._indexes()[:2]:
            lsh.remove(aid)
            st.forget_signatures(name, [aid])
        member = Member.from_stored(st.get("features", aid) or {})
        event_id = self._current_event(rec.event_id)
        event = self._events([event_id]).get(event_id)
        if event:
            event.remove(member, self.tuning.centroid_terms)
            self._put("event", {event_id: event})
            if event.storyline_id:
                sl_survivor, storylines = self._resolve("storyline", {event.storyline_id})
                sl_id = sl_survivor[event.storyline_id]
                if sl_id in storylines:
                    storylines[sl_id].remove(member, self.tuning.centroid_terms)
                    self._put("storyline", storylines)
                st.remove_members(f"storyline:{sl_id}", [aid])
        st.remove_members(f"event:{event_id}", [aid])
        group_id = rec.group_id
        st.remove_members(f"group:{group_id}", [aid])
        group = self._groups([group_id]).get(group_id)
        if group and group.originator == aid:
            rest = self._articles(st.members(f"group:{group_id}"))
            if rest:
                # The earliest remaining copy (texts of closed events are gone: any member).
                feats = self._load_features({m: r.content_hash for m, r in rest.items()})
                first = min(feats.values(), key=lambda x: (x.anchor is None, x.anchor or x.time), default=None)
                first_id = first.id if first else next(iter(rest))
                group.originator = first_id
                group.originator_anchor = first.anchor if first else None
                fields = {"is_originator": True, "copies_of": None, "similarity": None, "changes": None}
                new_first = rest[first_id]
                new_first.copies_of = new_first.similarity = new_first.changes = None
                self._put("article", {first_id: new_first})
                updates[first_id] = fields
            self._put("group", {group_id: group})
        st.delete("article", aid)
        return updates

    # ------------------------------------------------------------------ maintain
    def maintain(self, now: datetime | float | None = None) -> list[str]:
        """Close events quiet for `cluster_quiet_hours` and expire their LSH entries.
        A closed event is never scored again: its vectors and its articles' texts
        are dropped too, so the state grows only by small per-article records.
        Storylines close (their vectors dropped) after `storyline_quiet_days`.

        Returns the closed event ids.
        """
        if now is None:
            now_ts = time.time()
        elif isinstance(now, datetime):
            now_ts = epoch(now)
        else:
            now_ts = float(now)
        before = now_ts - self.quiet_seconds
        with self.state.lock():
            quiet = self.state.older_than("open-events", before)
            recs = self._events(quiet)
            for eid, rec in recs.items():
                rec.close()
                for aid in self.state.members(f"event:{eid}"):
                    self.state.delete("features", aid)
            self._put("event", recs)
            self.state.untouch("open-events", quiet)
            # Every entry older than the quiet period goes: closed events lose all
            # of theirs, open ones keep their recent articles to be found by.
            for name, lsh in self._indexes()[:2]:
                lsh.expire(before)
                self.state.forget_signatures_before(name, before)
            long_before = now_ts - self.tuning.storyline_quiet_days * 86400.0
            quiet_storylines = self.state.older_than("open-storylines", long_before)
            storylines = self._resolve("storyline", set(quiet_storylines))[1]
            for rec in storylines.values():
                rec.close()
            self._put("storyline", storylines)
            self.state.untouch("open-storylines", quiet_storylines)
            self.events_lsh.expire(long_before)
            self.state.forget_signatures_before(self.EVENTS_INDEX, long_before)
        log.info("story engine closed quiet events", extra={"closed": len(quiet), "before": before})
        return quiet
