"""The story engine's decision thresholds and weights, in one frozen record
(tuned on the tune split only, see dedupe/eval.py)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    """Decision thresholds and weights (tuned on the tune split only, see dedupe/eval.py)."""

    shingle_k: int = 3
    shingle_k_unlisted: int = 5  # in languages without a function-word list (syllables, perhaps)
    unspaced_characters: bool = True  # Chinese and Japanese characters are words (else a clause is one token)
    shingle_k_unspaced: int = 8  # shingle length in characters there, for zh/ja texts (0: shingle_k_unlisted)
    unspaced_title_keys: bool = True  # ... whose names and numbers (keys) come from the title only
    sentence_pairs_unlisted: bool = True  # ... whose sentences are compared by pairs of adjacent words
    copy_threshold: float = 0.45  # shared 3-shingles / shingles of the shorter text
    sentence_match: float = 0.25  # Jaccard of two sentences' stems for "the same sentence, reworded"
    rewrite_alignment: float = 0.5  # share of sentences lined up that makes a rewrite a copy
    rewrite_min_sentences: int = 4
    rewrite_min_containment: float = 0.03  # below this no alignment is tried (speed)
    # A heavier rewrite: this share of shared shingles together with this share of
    # the sentences lined up (at least 3) makes a copy too.
    mixed_containment: float = 0.25
    mixed_alignment: float = 0.3
    # A rewrite (found by its sentences, below `copy_threshold` of shared shingles)
    # must share more wording with its source than either text shares with the
    # same-language reports it does not copy, once those share at least this much:
    # independent reports of one statement or press conference, and reports in a
    # language of set phrases (Vietnamese titles and formulas), line up sentence by
    # sentence too, with as much wording in common as with every other report.
    rewrite_background: float = 0.1  # 1: no such check
    # Copies by wording alone share it outside quotation marks (`scoring.wording_shared`),
    # unless a text has less than this share of its shingles outside them (a statement,
    # an interview).
    quotes_apart: bool = True
    quoted_text_share: float = 0.25
    slug_min_words: int = 7  # an identical URL slug this long marks a copy
    # An agency's template (the same sentences, new figures, a new date) is not a
    # copy: copies keep most of their figures (of `copy_figures_min` or more figures
    # written in the same words in both, `copy_figures_agree`), the dates they
    # write, and appear within `copy_max_gap_days` of each other.
    copy_figures_min: int = 2
    copy_figures_agree: float = 0.5
    copy_max_gap_days: float = 7.0
    # A copy of a group's other members joins it though it does not copy the
    # originator (the first to arrive): at least this share of its (first
    # `copy_group_members`) members copied; 0 = the originator alone decides.
    copy_group_share: float = 0.5
    copy_group_members: int = 8
    # A member counts when at least this long (shingles) against the article: the
    # like length `merge_copy_groups_length` asks of a bridge (a wire lead is a fifth
    # of a text; excerpts of one text, cut anywhere, differ by more than a quarter).
    copy_group_min_length: float = 0.6
    # Versions of one wire story (write-throughs that add and cut paragraphs, a
    # brief, a lead): each shares only a quarter to a third of its wording with
    # each other version, as much as two reports of one happening may share with
    # each other, but with most versions at once. An article sharing at least
    # `copy_group_mid_containment` of its wording outside quotation marks with at
    # least `copy_group_mid_members` members of a group, and with at least
    # `copy_group_share` of them (members of like length, as above), joins it.
    # 0: off.
    copy_group_mid_containment: float = 0.25
    copy_group_mid_members: int = 2
    copy_group_mid_quoted: float = 0.4  # ... of which at most this share is inside quotation marks
    # Versions that arrived before any two of them were grouped each founded a group
    # of one: an article that shares at least this much of its wording outside
    # quotation marks with two such lone texts, as they do with each other (versions
    # of one story, `version_hits` either way round), joins the first (and the other
    # is merged in): three versions pairwise, in any order. 0: versions join only a
    # group of two or more. Three reports of one happening can share 0.25-0.28 pairwise.
    copy_group_mid_lone: float = 0.3
    # An article that joins a group and is a version (as above) of another group of
    # two or more merges that group in: two groups of one story's versions.
    copy_group_mid_merge: bool = True
    # An article that copies two groups of its event (as above) merges them, when it
    # and the copy in the other group are of like length (the shorter at least this
    # share of the longer's shingles: a wire lead both quote is no bridge).
    merge_copy_groups: bool = True
    merge_copy_groups_length: float = 0.6
    event_threshold: float = 0.17  # least average similarity to an event's members that joins it
    # The learned event decision (`dedupe.decision`): one weight per `EVIDENCE`
    # measure, then the intercept, fitted by `bench/train_event_decision.py` on the
    # tune splits. Empty (as shipped: it did not beat the plain bar, bench/README.md
    # round 6): the plain bar decides alone. With weights, an article joins the best
    # event it fits at the bar whose chance reaches `join_chance`, and a second event
    # it fits at `merge_fit` merges in only at `merge_chance` too.
    # event-weights:begin (written by bench/train_event_decision.py --write)
    event_weights: tuple = ()
    join_chance: float = 0.5
    merge_chance: float = 0.5
    # event-weights:end
    merge_fit: float = 1.3  # a second event must fit this well (1 = the joining bar) to be merged
    merge_cohesion: float = 0.6  # two events merge only if this close to as alike as the looser is within itself
    split_cohesion: float = 0.7  # two parts of an event this much less alike than within themselves are split
    split_min_groups: int = 4  # copy groups each part needs for that
    # The same for a cut of an event in two that average link cannot find
    # (`clusters.bisect_parts`; 0: none).
    bisect_cohesion: float = 0.8
    split_sizes: tuple = (4, 6, 8, 11, 16, 23, 32, 45, 64)  # event sizes at which its parts are checked
    key_weight: float = 0.3  # share of the key-term similarity in the event score
    # The joining bar of an event of n reports is event_threshold * (1 + this / n): a
    # second report of a lone one must be about as alike as two reports of one
    # happening are (same-event pairs: median 0.34; two happenings of one subject:
    # 0.23, dated tune), not merely clear the bar an average over many members clears.
    small_event_bar: float = 0.6
    # Order robustness: after an article joins or founds an event, up to this many
    # small candidate events (of at most `reexamine_max_size` reports, fitting the
    # article at least `reexamine_min_fit`) are merged into it when the event as it
    # is now would take them (their average likeness at `reexamine_fit` of its bar).
    reexamine_events: int = 3
    reexamine_max_size: int = 8
    reexamine_min_fit: float = 0.5
    reexamine_fit: float = 1.4
    # ... and the copy groups of it and of up to `reassign_events` rival events of
    # its storyline (fitting the article at least `reassign_min_fit`, of at most
    # `reassign_max_size` reports) that fit another of them better than the rest
    # of their own by `reassign_margin` (and at its joining bar) move there.
    reassign_events: int = 2
    reassign_min_fit: float = 0.5
    reassign_max_size: int = 24
    reassign_margin: float = 1.05
    # ... and then, when the article's event holds at most `recluster_loose_size`
    # reports (it founded it or joined a lone report: where arrival order decided),
    # the reports in its language of that event and of up to `recluster_events`
    # candidate events of its storyline (fitting the article at least
    # `recluster_min_fit`; `recluster_max_members` reports in all) are clustered
    # again at once (`clusters.recluster_parts`: average linkage, cut at the joining
    # bar × `recluster_fit`): copy groups of events that small move one by one,
    # larger events whole (with `recluster_fixed`, two of those never join here).
    # 0: off.
    recluster_events: int = 3
    recluster_min_fit: float = 0.5
    recluster_max_members: int = 24
    recluster_loose_size: int = 2
    recluster_fixed: bool = True
    recluster_fit: float = 1.0
    # Reports in other languages bound their event's time there as its own do (they
    # go with it), unless the rest of the event fits them below
    # `recluster_companion_fit` (1 = the joining bar; 0: all bound): those leave it
    # when out of time with the part it went to.
    recluster_companions: bool = True
    recluster_companion_fit: float = 1.0

    # Storylines: an article that founds an event joins the storyline it fits this
    # well (average similarity to all its articles); an article that fits a second
    # event this well (1 = the joining bar) that it may not merge with (time,
    # cohesion) links their storylines.
    storyline_threshold: float = 0.08
    storyline_link_fit: float = 1.0
    # ... and two storylines so linked merge only when their articles are on
    # average this alike (1 = the storyline bar).
    storyline_merge_fit: float = 1.0
    # A storyline of these many articles is checked: events in groups not alike to
    # each other on average at that share of the bar become storylines of their own.
    storyline_split_sizes: tuple = (8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
    storyline_split_max_events: int = 400
    storyline_split_fit: float = 0.5
    storyline_max_gap_days: float = 400.0
    # A storyline's fit for an article days away from its articles' publication
    # times is divided by 1 + days / this: a follow-up months later must be more
    # alike than one a week later (two state visits nine months apart are two
    # subjects). So is the likeness of two events when a storyline is split.
    storyline_gap_days: float = 180.0
    # ... or that it fits at least `storyline_event_min` of the bar as a whole and one
    # of whose events it fits at `storyline_event_fit` of the events' joining bar
    # (0: off): on a headline stream a big storyline's average is little like a new
    # headline of it, which fits its latest events. The averages over a storyline
    # and over an event are not on one scale, so both are asked.
    storyline_event_fit: float = 0.5
    storyline_event_min: float = 0.5
    # An article's fit to a storyline is also its average likeness to the storyline's
    # articles in its own language alone (words compare within a language only).
    storyline_within_language: bool = True
    # A storyline that holds only one event (its first report founded it, fitting no
    # other) joins a candidate storyline that a later report of the event fits at
    # this share of the bar (0: off), when the two storylines are on average alike at
    # `storyline_young_link` of the bar.
    storyline_young_fit: float = 1.5
    storyline_young_link: float = 0.5
    storyline_quiet_days: float = 30.0  # a storyline without a new article this long closes

    # Reports of one happening in two languages: an event and a candidate event with
    # no language in common merge when their average names-and-numbers similarity
    # reaches this share of the cross-language bar (as events, not one article at
    # a time: names accumulate, each language's own capitalised words do not).
    cross_event_fit: float = 1.0
    cross_lang_min_keys: int = 2  # names/numbers seen in other languages that make a second lookup worth it
    # Across languages, names and numbers are all there is: one shared name or
    # figure (a year, a country, a "95") is a coincidence, not one happening.
    cross_lang_min_shared: int = 2
    cross_lang_max_share: float = 0.5  # names alone judge a report whose language holds at most this share of an event
    # Country names in English and these languages count as one name per country
    # ("Türkei", "Turquía", "Turkey"); () leaves names as written.
    country_languages: tuple = ("de", "es", "fr", "it", "nl", "pl", "pt")
    names_keys: int = 8  # the rarest names/numbers of an article indexed for other languages' reports

    # A multilingual sentence embedding of the title and lead (`dedupe.embedding`,
    # the `embed` extra, made in the enrich step; round 8 measured it as a term in
    # the decision, round 12 as a lookup). Reports in other languages share few
    # names with an event's, so the names indexes miss its events: the
    # `embedding_neighbours` open events of the time window (the
    # `embedding_scan_events` last touched) whose members' average cosine with the
    # article is highest, at least `embedding_min_cosine`, are looked up, among the
    # events where its language holds at most `cross_lang_max_share`
    # (`embedding_other_languages`). They merge with the article's event as wholes
    # when neither holds a language of the other and their reports' average cosine
    # reaches `embedding_merge`, within the time bound (`_other_language_events`);
    # `embedding_merge_dated`: only events with publication times.
    embedding: bool = True
    embedding_lead_chars: int = 300
    embedding_neighbours: int = 3
    embedding_min_cosine: float = 0.5
    embedding_scan_events: int = 500
    embedding_other_languages: bool = True  # False: any event (tune: d3 shuffled copies -.045)
    embedding_merge: float = 0.6  # above 1: never
    embedding_merge_dated: bool = True  # False: dev tune events F1 -.017 (undated look-alikes merged)
    embedding_merge_cohesion: float = 0.0  # ... and at least this times the lower of their own average cosines (0: off; 0.85 left dev tune as it was)
    # The looked-up events scored for joining the article too, not only merged as
    # wholes (round 12: d3 shuffled events and copies lower), and an event in other
    # languages whose reports' average cosine reaches `embedding_cross` fitting at
    # the bar, never above it (no merge through one report). Above 1: never.
    embedding_join: bool = False
    embedding_cross: float = 2.0

    min_key_link: float = 0.1  # least average names-and-numbers similarity to join an event in its language
    per_language_df: bool = True  # content words' document frequencies within their language
    lang_prior_docs: int = 50  # idf_prior_docs of those

    cross_lang_threshold: float = 0.12  # average key-term similarity across languages
    max_gap_days: float = 1.5  # reports of one happening are published this close in time (a day or two)
    # Also keep apart texts whose latest written days of the year (a date written
    # without its year, "10/9", "April 20", counts) are further apart than the gap.
    written_days: bool = True
    # ... and texts naming most often weekdays more than a day apart ("on Thursday",
    # "on Saturday"): a happening's reports name its weekday (a report naming none:
    # that of its publication time).
    weekdays: bool = True
    lead_chars: int = 600  # the days and weekdays a text names are read from its title and lead only
    weekday_reports: int = 2  # reports of an event that name its weekday before it counts
    # ... and texts naming different ordinals of a series most ("the fifth eruption
    # since December", "the sixth"): which happening of a series a report is, when
    # no date says it. Counts once `ordinal_reports` of an event's reports name it.
    ordinals: bool = True
    ordinal_reports: int = 1
    ordinal_cues: bool = True  # only ordinals a few words before a word of a series ("time", "since", "Mal")
    written_dates_both_ways: bool = True  # also keep apart texts whose latest written dates are far apart
    anchor_after_written: bool = True  # keep a text published well after every date an event's texts write out
    written_before_anchor: bool = True  # keep a text whose dates all lie well before an event's publication out
    stem_length: int = 6  # crude language-independent stemming: word prefixes
    # Function words from the engine's lists (False: none, as for a language it has
    # no list for; `bench/eval_orders.py --unknown-language` measures that case).
    stopwords: bool = True
    # Adjacent words as content terms too: "unlisted" (in languages without a
    # function-word list), "all", or "none".
    word_pairs: str = "unlisted"
    # Languages written in syllables (a space between syllables, not words): their
    # names are capitalised syllables written together, in pairs
    # (`normalize.capitalised_names`), not each capitalised syllable.
    syllable_languages: tuple = ("vi",)
    # Languages written without spaces between words (`unspaced_characters`): no versions rule.
    unspaced_languages: tuple = ("zh", "ja")
    centroid_terms: int = 250  # terms kept per event centroid
    idf_prior_docs: int = 50  # pseudo-documents holding no term: a cold start does not zero every idf
    max_candidates: int = 30
    num_perm: int = 128
    lsh_bands: int = 64
    lsh_rows: int = 2
