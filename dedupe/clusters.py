"""Clustering arithmetic of the story engine: what an event keeps of its
members (the sums of their unit TF-IDF vectors, their languages, their time
span) and how it changes when an article is added or removed or another event
is absorbed, and the split of an event's members into parts.

A cluster is kept as sums, never as its member list: the average similarity of
an article to the members is one dot product with the sum (`scoring`).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from newsagg.dedupe.embedding import unpack as unpack_embedding
from newsagg.dedupe.tuning import Tuning
from newsagg.dedupe.vectors import SparseVector


@dataclass
class Member:
    """What a cluster keeps of one article: its unit TF-IDF vectors (content
    terms, names and numbers), language, time, publication time and latest
    written date."""

    terms: SparseVector
    keys: SparseVector
    lang: str
    time: float
    anchor: float | None = None
    written: float | None = None
    day: int | None = None  # day of the year of the latest date it writes, with or without year
    weekday: int | None = None  # the weekday it names most often (Monday = 0)
    ordinal: int | None = None  # the ordinal of a series it names most often ("the fifth eruption")
    embedding: np.ndarray | None = None  # title-and-lead sentence embedding (`dedupe.embedding`), if made

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> "Member":
        """From an article's stored features (`Features.stored` with its vectors),
        or from nothing when the state no longer keeps them."""
        return cls(SparseVector.unpack(stored.get("tv"), "t"), SparseVector.unpack(stored.get("kv"), "k"),
                   stored.get("lang", ""), stored.get("time", 0.0), stored.get("anchor"), stored.get("written"),
                   stored.get("day"), stored.get("weekday"), stored.get("ordinal"),
                   unpack_embedding(stored.get("em")))


ORDINALS_KEPT = 12  # ordinals 1-12 are counted (`normalize.mentioned_ordinal` reads 2-12)


def ordinal_counts(ordinal: int | None) -> list[int] | None:
    """One report's count of each ordinal (1 first) it names most, as a cluster's
    span keeps them summed (None: it names none)."""
    return None if ordinal is None else [int(ordinal == n) for n in range(1, ORDINALS_KEPT + 1)]


def weekday_counts(weekday: int | None) -> list[int] | None:
    """One report's count of each weekday (Monday first) it names most, as a
    cluster's span keeps them summed (None: it names none)."""
    return None if weekday is None else [int(weekday == n) for n in range(7)]


@dataclass
class Span:
    """The publication times (anchors) and the written dates of a cluster's
    members, as their bounds (None: no member has one)."""

    anchor_min: float | None = None
    anchor_max: float | None = None
    written_min: float | None = None
    written_max: float | None = None
    # Days of the year its members write as their latest date (a year seldom
    # written: "10/9", "April 20"), as bounds.
    day_min: int | None = None
    day_max: int | None = None
    # How many members name each weekday most (Monday first; None: none does),
    # and how many of those naming none were published on each.
    weekdays: list[int] | None = None
    published_weekdays: list[int] | None = None
    # How many members name each ordinal of a series most (1 first; None: none does).
    ordinals: list[int] | None = None

    @classmethod
    def of(cls, m: Member) -> "Span":
        published = None
        if m.weekday is None and m.anchor is not None:
            published = weekday_counts(datetime.fromtimestamp(m.anchor, tz=timezone.utc).weekday())
        return cls(m.anchor, m.anchor, m.written, m.written, m.day, m.day, weekday_counts(m.weekday), published,
                   ordinal_counts(m.ordinal))

    def widen(self, other: "Span") -> None:
        """Widen by another span (an article's or an absorbed cluster's)."""
        for key, pick in (("anchor_min", min), ("anchor_max", max), ("written_min", min), ("written_max", max),
                          ("day_min", min), ("day_max", max)):
            values = [v for v in (getattr(self, key), getattr(other, key)) if v is not None]
            setattr(self, key, pick(values) if values else None)
        for key in ("weekdays", "published_weekdays", "ordinals"):
            theirs = getattr(other, key)
            if theirs is not None:
                setattr(self, key, [a + b for a, b in zip(getattr(self, key) or [0] * len(theirs), theirs)])


@dataclass
class Centroid:
    """The sums of the members' unit vectors (the `limit` heaviest terms each),
    their count and languages."""

    terms: SparseVector = field(default_factory=SparseVector.empty)
    keys: SparseVector = field(default_factory=SparseVector.empty)
    langs: list[str] = field(default_factory=list)
    size: int = 0
    # Members by language (None: a record written before they were counted).
    lang_sizes: dict[str, int] | None = field(default_factory=dict)
    # The sum of the members' sentence embeddings, and how many members had one.
    embedding: np.ndarray | None = None
    embedded: int = 0

    def add(self, m: Member, limit: int) -> None:
        self.terms = self.terms.plus(m.terms, limit)
        self.keys = self.keys.plus(m.keys, limit)
        if m.embedding is not None:
            self.embedding = m.embedding.copy() if self.embedding is None else self.embedding + m.embedding
            self.embedded += 1
        self.size += 1
        self.langs = sorted(set(self.langs) | {m.lang})
        if self.lang_sizes is not None:
            self.lang_sizes[m.lang] = self.lang_sizes.get(m.lang, 0) + 1

    def remove(self, m: Member, limit: int) -> None:
        """Take a member's vectors out (its language stays: others may share it)."""
        self.terms = self.terms.plus(m.terms, limit, -1.0)
        self.keys = self.keys.plus(m.keys, limit, -1.0)
        self.size = max(0, self.size - 1)
        if m.embedding is not None and self.embedding is not None and self.embedded:
            self.embedding = self.embedding - m.embedding
            self.embedded -= 1
        if self.lang_sizes is not None and self.lang_sizes.get(m.lang):
            self.lang_sizes[m.lang] -= 1

    def absorb(self, other: "Centroid", limit: int) -> None:
        self.terms = self.terms.plus(other.terms, limit)
        self.keys = self.keys.plus(other.keys, limit)
        self.langs = sorted(set(self.langs) | set(other.langs))
        self.size += other.size
        if other.embedding is not None:
            self.embedding = other.embedding.copy() if self.embedding is None else self.embedding + other.embedding
            self.embedded += other.embedded
        if self.lang_sizes is not None and other.lang_sizes is not None:
            for lang, n in other.lang_sizes.items():
                self.lang_sizes[lang] = self.lang_sizes.get(lang, 0) + n
        else:
            self.lang_sizes = None

    def language_share(self, lang: str) -> float | None:
        """Share of the members in a language (None: not counted)."""
        return language_share(self.lang_sizes, self.size, lang)

    def clear(self) -> None:
        """Drop the vectors (a closed cluster is never scored again)."""
        self.terms, self.keys = SparseVector.empty(), SparseVector.empty()
        self.embedding, self.embedded = None, 0

    def embedding_likeness(self, vector: np.ndarray | None) -> float | None:
        """Average cosine of a unit embedding with the members' (None: either has none)."""
        return average_cosine(vector, self.embedding, self.embedded)

    def embedding_cohesion(self) -> float | None:
        """Average cosine between two different members' embeddings (None below two)."""
        n = self.embedded
        if n < 2 or self.embedding is None:
            return None
        return (float(self.embedding @ self.embedding) - n) / (n * (n - 1))

    def embedding_likeness_of(self, other: "Centroid") -> float | None:
        """Average cosine between this cluster's members' embeddings and another's."""
        if self.embedding is None or other.embedding is None or not self.embedded or not other.embedded:
            return None
        return float(self.embedding @ other.embedding) / (self.embedded * other.embedded)


def language_share(lang_sizes: dict[str, int] | None, size: int, lang: str) -> float | None:
    """Share of a cluster's `size` members written in `lang` (None: not counted)."""
    if lang_sizes is None or not size:
        return None
    return lang_sizes.get(lang, 0) / size


def average_cosine(vector: np.ndarray | None, embedding_sum: np.ndarray | None, count: int) -> float | None:
    """Average cosine of a unit embedding with the `count` members whose embeddings
    sum to `embedding_sum` (None: either has none)."""
    if vector is None or embedding_sum is None or not count:
        return None
    return float(vector @ embedding_sum) / count


def components(n: int, links: Iterable[tuple[int, int]]) -> np.ndarray:
    """The connected component of each of `n` items, given links between pairs of
    them (either direction): scipy's connected components."""
    pairs = np.array(list(links), dtype=np.int64).reshape(-1, 2)
    graph = coo_matrix((np.ones(len(pairs), dtype=bool), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def average_linkage(similarity: np.ndarray, sizes: np.ndarray, bar: float) -> np.ndarray:
    """The group of each of n clusters, given the average similarity between the
    articles of each two (`similarity`) and their sizes: average linkage over
    articles, the two groups most alike on average joined while that average is
    at least `bar`. Unlike `components`, one pair alike across two groups does not
    make them one. (scipy's `linkage` weighs every item alike; here an item counts
    by its articles, as the scores do.)"""
    n = len(similarity)
    label = np.arange(n)
    weight = np.asarray(sizes, dtype=np.float64).copy()
    total = similarity * np.outer(weight, weight)  # sums of article-pair similarities
    alive = np.ones(n, dtype=bool)
    while alive.sum() > 1:
        average = total / np.outer(weight, weight)
        average[~alive, :] = average[:, ~alive] = -np.inf
        np.fill_diagonal(average, -np.inf)
        i, j = np.unravel_index(int(np.argmax(average)), average.shape)
        if average[i, j] < bar:
            break
        total[i, :] += total[j, :]
        total[:, i] += total[:, j]
        weight[i] += weight[j]
        alive[j] = False
        label[label == j] = i
    return np.unique(label, return_inverse=True)[1]


def _copy_group_indicator(members: dict[str, tuple[str, Member]]) -> tuple[list[str], dict[str, int], np.ndarray]:
    """The members' sorted ids, each copy group's row, and the groups-by-members
    indicator matrix (sums over a group's members are products with it)."""
    ids = sorted(members)
    unit_of: dict[str, int] = {}
    for m in ids:
        unit_of.setdefault(members[m][0], len(unit_of))
    ind = np.zeros((len(unit_of), len(ids)))
    ind[[unit_of[members[m][0]] for m in ids], np.arange(len(ids))] = 1.0
    return ids, unit_of, ind


def _join_most_alike(csum: np.ndarray, size: np.ndarray, groups: np.ndarray, within: np.ndarray, pairs: np.ndarray,
                     langs: list[set[str]], allowed: np.ndarray, tuning: Tuning,
                     refuses: Callable[[int, int, float], bool] | None = None,
                     after_join: Callable[[int, int, dict[int, list[int]]], None] | None = None) -> dict[int, list[int]]:
    """Average linkage over units (copy groups, or whole events) for `split_parts`
    and `recluster_parts`: the two allowed parts most alike on average join first
    (`csum`: similarity sums between parts, `size`: their articles), unless the
    caller `refuses` the pair or both hold `split_min_groups` copy groups or more,
    share a language and are less alike than `split_cohesion` of their mean
    cohesion (`within` / `pairs`: similarity sums and counts between a part's
    articles of different copy groups). A pair kept apart is not asked again
    unless `after_join` allows it anew. The arrays are updated in place; returns
    {part: its units}."""
    parts = {u: [u] for u in range(len(size))}
    while len(parts) > 1:
        link = np.where(allowed, csum / np.outer(size, size), -np.inf)
        a, b = sorted(np.unravel_index(int(np.argmax(link)), link.shape))
        if not np.isfinite(link[a, b]):
            break
        parted = groups[a] >= tuning.split_min_groups and groups[b] >= tuning.split_min_groups \
            and bool(langs[a] & langs[b]) and pairs[a] > 0 and pairs[b] > 0 \
            and link[a, b] < tuning.split_cohesion * ((within[a] / pairs[a] + within[b] / pairs[b]) / 2)
        if parted or (refuses is not None and refuses(a, b, float(link[a, b]))):
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
        if after_join is not None:
            after_join(a, b, parts)
    return parts


def _members_of_parts(ids: list[str], unit_of: dict[str, int], members: dict[str, tuple[str, Member]],
                      parts: dict[int, list[int]]) -> list[list[str]]:
    """Each part's member ids, from its units."""
    units: list[list[str]] = [[] for _ in range(len(unit_of))]
    for m in ids:
        units[unit_of[members[m][0]]].append(m)
    return [[m for u in us for m in units[u]] for us in parts.values()]


def split_parts(members: dict[str, tuple[str, Member]], sims: np.ndarray, tuning: Tuning) -> list[list[str]]:
    """Parts of an event's members ({id: (group id, stored features)}) by average
    link, copy groups kept whole: the most alike parts join first, but two parts
    of `split_min_groups` copy groups or more that share a language stay apart when
    they are less alike than `split_cohesion` of their mean cohesion (counted
    between different copy groups). Smaller parts, and parts without a shared
    language, always join their most alike part. `sims`: the members' pairwise
    similarities, in the order of their sorted ids (`scoring.member_similarities`)."""
    ids, unit_of, ind = _copy_group_indicator(members)
    k = len(unit_of)
    csum = ind @ sims @ ind.T  # similarity sums between parts (copy groups at first)
    size = ind.sum(axis=1)  # articles
    groups = np.ones(k)  # copy groups
    within = np.zeros(k)  # similarity sums over ordered pairs of articles of different groups
    pairs = np.zeros(k)
    langs: list[set[str]] = [set() for _ in range(k)]
    for m in ids:
        langs[unit_of[members[m][0]]].add(members[m][1].lang)
    allowed = ~np.eye(k, dtype=bool)

    def reopen(a: int, b: int, parts: dict[int, list[int]]) -> None:
        # A part that grew may now join one it was kept apart from.
        allowed[a, :] = allowed[:, a] = [u in parts and u != a for u in range(k)]

    parts = _join_most_alike(csum, size, groups, within, pairs, langs, allowed, tuning, after_join=reopen)
    return _members_of_parts(ids, unit_of, members, parts)


def bisect_parts(members: dict[str, tuple[str, Member]], sims: np.ndarray, tuning: Tuning) -> list[list[str]]:
    """Two parts of an event's members that `split_parts` cannot find, or the
    members as one part. Average link joins the most alike copy groups first,
    and in an event that grew one report at a time from two happenings of one
    subject a few reports alike to both happenings bind the two into one part
    before the parts are compared. Here the event is cut in two directly: the
    sign of the second eigenvector of its copy groups' normalised likeness
    (spectral bisection), refined by moving each group to the part it is more
    alike on average (a few k-means rounds, two means). The cut stands when
    each part holds `split_min_groups` copy groups or more and they are less
    alike than `bisect_cohesion` of their mean cohesion (between different copy
    groups, as `split_parts`). Likeness is averaged over pairs of one language
    only: across languages it is names and numbers alone, lower for reports of
    one happening too, and a cut would fall between the languages."""
    ids, unit_of, ind = _copy_group_indicator(members)
    k = len(unit_of)
    if k < 2 * tuning.split_min_groups:
        return [ids]
    lang = np.array([members[m][1].lang for m in ids])
    same = (lang[:, None] == lang[None, :]).astype(float)
    csum = ind @ (sims * same) @ ind.T  # likeness sums between copy groups, pairs of one language
    pairs = ind @ same @ ind.T  # and how many such pairs
    np.fill_diagonal(csum, 0.0)  # within a copy group: copies, not evidence of one happening
    np.fill_diagonal(pairs, 0.0)
    link = np.divide(csum, pairs, out=np.zeros_like(csum), where=pairs > 0)
    degree = link.sum(axis=1)
    if (degree <= 0).any():
        return [ids]
    scale = 1.0 / np.sqrt(degree)
    _, vectors = np.linalg.eigh(scale[:, None] * link * scale[None, :])
    side = vectors[:, -2] * scale > 0  # the second largest eigenvector: the weakest cut

    def average(rows: np.ndarray, cols: np.ndarray) -> float:
        n = float(pairs[np.ix_(rows, cols)].sum())
        return float(csum[np.ix_(rows, cols)].sum()) / n if n else float("nan")

    for _ in range(10):
        if side.all() or not side.any():
            return [ids]
        to_a, to_b = csum @ side, csum @ ~side
        n_a, n_b = pairs @ side, pairs @ ~side
        moved = np.divide(to_a, n_a, out=np.zeros(k), where=n_a > 0) > np.divide(to_b, n_b, out=np.zeros(k), where=n_b > 0)
        if (moved == side).all():
            break
        side = moved
    if side.sum() < tuning.split_min_groups or (~side).sum() < tuning.split_min_groups:
        return [ids]
    between, own = average(side, ~side), (average(side, side) + average(~side, ~side)) / 2
    if not between < tuning.bisect_cohesion * own:  # nan (no pair of one language): no cut
        return [ids]
    return [[m for m in ids if side[unit_of[members[m][0]]]], [m for m in ids if not side[unit_of[members[m][0]]]]]


def recluster_parts(members: dict[str, tuple[str, Member]], sims: np.ndarray, tuning: Tuning,
                    timely: Callable[[Member, Span], bool], copy_group: dict[str, str] | None = None,
                    fixed: set[str] = frozenset(),
                    companions: dict[str, list[Member]] | None = None) -> list[list[str]]:
    """Events of some reports found again at once, whatever order they came in.
    `members`: {id: (unit, stored features)}, a unit moving whole (a copy group,
    or a whole established event); `copy_group`: each report's copy group (the
    units' when None); `fixed`: units that are established events, two of which
    never join here (merging events is the engine's merge rules' to decide).
    Average linkage over the units: the two parts most alike on average join
    while that average clears the joining bar of the larger (an article joining
    an event of n reports: `event_threshold` × (1 + `small_event_bar` / n), ×
    `recluster_fit`), never two parts one report of which the other's time
    refuses (`timely`: the engine's time bound of an article joining an event),
    nor two parts of `split_min_groups` copy groups or more, sharing a language,
    less alike than `split_cohesion` of their mean cohesion (which the split
    would part again). `companions`: reports not clustered here that go with a
    unit wherever it goes (an event's reports in other languages): they bound its
    time as its own reports do. `sims`: pairwise similarities in the order of the sorted ids."""
    ids, unit_of, ind = _copy_group_indicator(members)
    k = len(unit_of)
    csum = ind @ sims @ ind.T
    size = ind.sum(axis=1)
    groups = np.zeros(k)  # copy groups of each unit
    seen: set[str] = set()
    for m in ids:
        g = copy_group[m] if copy_group else members[m][0]
        if g not in seen:
            seen.add(g)
            groups[unit_of[members[m][0]]] += 1
    # Cohesion sums of each unit: its reports of different copy groups, ordered pairs.
    group = np.array([copy_group[m] if copy_group else members[m][0] for m in ids])
    of_unit = np.array([unit_of[members[m][0]] for m in ids])
    apart = (of_unit[:, None] == of_unit[None, :]) & (group[:, None] != group[None, :])
    within = np.bincount(of_unit, weights=(sims * apart).sum(axis=1), minlength=k).astype(float)
    pairs = np.bincount(of_unit, weights=apart.sum(axis=1), minlength=k).astype(float)
    langs: list[set[str]] = [set() for _ in range(k)]
    spans = [Span() for _ in range(k)]
    reports: list[list[Member]] = [[] for _ in range(k)]
    for m in ids:
        u = unit_of[members[m][0]]
        langs[u].add(members[m][1].lang)
        spans[u].widen(Span.of(members[m][1]))
        reports[u].append(members[m][1])
    for key, others in (companions or {}).items():
        if key in unit_of:
            for r in others:
                spans[unit_of[key]].widen(Span.of(r))

    def compatible(a: int, b: int) -> bool:
        return all(timely(r, spans[b]) for r in reports[a]) and all(timely(r, spans[a]) for r in reports[b])

    # Parts holding a `fixed` unit (an established event) never join each other.
    anchored = np.zeros(k, dtype=bool)
    for key, u in unit_of.items():
        anchored[u] = key in fixed
    allowed = ~np.eye(k, dtype=bool)
    for a in range(k):
        for b in range(a + 1, k):
            if (anchored[a] and anchored[b]) or not compatible(a, b):
                allowed[a, b] = allowed[b, a] = False

    def below_bar(a: int, b: int, link: float) -> bool:
        return link < tuning.event_threshold * (1 + tuning.small_event_bar / max(size[a], size[b])) * tuning.recluster_fit

    def widen(a: int, b: int, parts: dict[int, list[int]]) -> None:
        spans[a].widen(spans[b])
        reports[a] += reports[b]
        anchored[a] |= anchored[b]
        for u in parts:
            if u != a and allowed[a, u] and ((anchored[a] and anchored[u]) or not compatible(a, u)):
                allowed[a, u] = allowed[u, a] = False

    parts = _join_most_alike(csum, size, groups, within, pairs, langs, allowed, tuning, refuses=below_bar,
                             after_join=widen)
    return _members_of_parts(ids, unit_of, members, parts)
