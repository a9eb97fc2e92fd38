"""Text features of one article (pure): what the story engine reads of it.

`featurize` cleans the page (dedupe.normalize), cuts sentences and tokens, and
keeps content-word stems ("terms"), names and numbers ("keys": they survive
translation), word shingles and the sentences' stems (for copy scoring), the
article's time (`newsagg.core.text.article_time`'s rule), the latest date it
writes out, and its URL slug. `features_from` reads the same back from what the
engine state keeps (`Features.stored`).
"""
from __future__ import annotations

import base64
import re
import time
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from itertools import chain, compress
from operator import itemgetter
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from newsagg.core.schema import Article
from newsagg.core.text import (
    HAN_KANA,
    HAN_KANA_RANGES,
    detect_language,
    publication_time,
    sentences,
    stopword_lists,
    stopwords,
    tokens,
)
from newsagg.dedupe.arrays import setdiff, unique
from newsagg.dedupe.changes import Passages
from newsagg.dedupe.changes import passages as text_passages
from newsagg.dedupe.clusters import Member
from newsagg.dedupe.embedding import LANGUAGES as ENCODER_LANGUAGES
from newsagg.dedupe.embedding import pack as pack_embedding
from newsagg.dedupe.embedding import title_lead_vector
from newsagg.dedupe.embedding import unpack as unpack_embedding
from newsagg.dedupe.normalize import (
    article_lines,
    canonical_numbers,
    capitalised_names,
    capitalised_tokens,
    country_keys,
    latest_day,
    mentioned_dates,
    mentioned_days,
    mentioned_ordinal,
    mentioned_weekday,
)
from newsagg.dedupe.shingles import word_shingles
from newsagg.dedupe.tuning import Tuning
from newsagg.dedupe.vectors import SparseVector, term_id, term_ids

# Function words of every language listed: never content terms or keys.
STOPWORDS = stopwords()
LISTED_LANGUAGES = frozenset(stopword_lists())  # languages whose function words the engine knows


class EngineError(ValueError):
    """An article the engine cannot assign."""


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
    # The shingles it writes only inside quotation marks (sorted, unique): independent
    # reports quote the same statements word for word.
    quoted: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint64))
    # Content-stem ids of each longer sentence, packed (`_pack_sentences`): one string
    # instead of a frozenset a sentence, which the garbage collector would walk int by
    # int in every collection that meets a cached candidate (8 ms a young collection
    # with 30 candidates, measured). Copy scoring unpacks them (`sentence_terms`).
    sentences_packed: str = ""
    _passages: Passages | None = None  # sentences, for what a copy changed (see `passages`)
    term_vector: SparseVector = field(default_factory=SparseVector.empty)  # unit TF-IDF vector when assigned
    key_vector: SparseVector = field(default_factory=SparseVector.empty)
    # Its names and numbers also seen in other languages' reports, as a unit
    # vector (when assigned): what a translation of its happening shares with it.
    cross_vector: SparseVector = field(default_factory=SparseVector.empty)
    _figures: dict | None = None  # numbers written in it (see `figures`)
    # The day of the year of the latest date it writes, with or without its year
    # (`normalize.latest_day`): the day of its happening, as a rule.
    day: int | None = None
    weekday: int | None = None  # the weekday it names most often (Monday = 0)
    ordinal: int | None = None  # the ordinal of a series its lead names most ("the fifth eruption")
    # Multilingual sentence embedding of its title and lead (`dedupe.embedding`),
    # when `Tuning.embedding` is on and the encoder installed.
    embedding: np.ndarray | None = None

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

    @property
    def figures(self) -> dict[tuple[str, str], frozenset]:
        """The numbers written in the title and text ("1,200" and "1.200" alike) by the
        words either side of them ("added _ jobs"): where an agency's template puts
        this story's figures. Two excerpts of one copy may show different passages;
        only figures in the same words can disagree. A date written in digits
        ("20/3", "20/3/2024": Vietnamese pages date their news so) is one figure, not
        two numbers each standing beside the other."""
        if self._figures is None:
            text = f"{self.title}\n{self.text}"
            if text.isascii() and not _ASCII_DIGIT.search(text):
                # No digit, none to come: ASCII text has no other digits, and neither
                # `canonical_numbers` nor folding (lower case) writes one.
                self._figures = {}
                return self._figures
            words = tokens(_DIGITS_SLASH.sub("-", canonical_numbers(text)))
            found: dict[tuple[str, str], set] = {}
            # The tokens that start with a digit, found by iterators in C: a text has few.
            numbers = compress(range(len(words)), map(str.isdigit, map(itemgetter(0), words)))
            for i in numbers:
                if 0 < i < len(words) - 1:
                    found.setdefault((words[i - 1], words[i + 1]), set()).add(words[i])
            self._figures = {k: frozenset(v) for k, v in found.items()}
        return self._figures

    def stored(self) -> dict[str, Any]:
        """What the state keeps: the text and time, and what scoring a candidate reads
        (shingles, sentence stems), so a candidate read back is not tokenised again."""
        return {"lang": self.lang, "title": self.title, "lines": self.lines, "time": self.time,
                "anchor": self.anchor, "written": self.written, "day": self.day,
                "weekday": self.weekday, "ordinal": self.ordinal, "slug": sorted(self.slug),
                "sh": base64.b64encode(self.shingles.astype("<u8").tobytes()).decode(),
                "st": self.sentences_packed,
                "sq": base64.b64encode(self.quoted.astype("<u8").tobytes()).decode(),
                **({"em": pack_embedding(self.embedding)} if self.embedding is not None else {})}


    def member(self) -> Member:
        """What an event keeps of this article (its vectors, language and times)."""
        return Member(self.term_vector, self.key_vector, self.lang, self.time, self.anchor, self.written, self.day,
                      self.weekday, self.ordinal, self.embedding)

    def for_cache(self) -> "Features":
        """These features without their term counts, which only their own assignment
        reads: a cached candidate is tens of KB lighter (features read back from
        the state have none either)."""
        return replace(self, terms=_NO_COUNTS, keys=_NO_COUNTS)


def _pack_sentences(sentence_ids: list[Collection[int]]) -> str:
    """Sentences' stem ids in one base64 string: count, sizes (int32), ids (int64)."""
    sizes = np.array([len(s) for s in sentence_ids], dtype="<i4")
    ids = np.fromiter(chain.from_iterable(sentence_ids), dtype="<i8", count=int(sizes.sum()))
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


def epoch(value: datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()


_NO_COUNTS: Counter = Counter()  # term counts of features kept after their assignment (never filled)

# Chinese and Japanese write words without spaces: a token of `tokens` is a whole
# clause there, so one changed character would hide the clause from a copy's
# shingles. Their characters are the words (pairs of them the terms and sentence
# stems, as for a language without a function-word list); other text is as `tokens` cuts it.
_UNSPACED_PIECES = re.compile(f"[{HAN_KANA_RANGES}]|[^{HAN_KANA_RANGES}]+")


def _word_tokens(text: str, unspaced: bool) -> list[str]:
    """`tokens`, with each Chinese or Japanese character a token of its own when `unspaced`."""
    found = tokens(text)
    if not unspaced:
        return found
    return [piece for tok in found for piece in (_UNSPACED_PIECES.findall(tok) if HAN_KANA.search(tok) else (tok,))]


# "20/3": tokens join digits across "-", not "/". The slash first: a leading
# look-behind is tried at every position of the text (0.09 ms an article).
_DIGITS_SLASH = re.compile(r"/(?<=\d/)(?=\d)")
_ASCII_DIGIT = re.compile(r"[0-9]")
_QUOTE = re.compile(r"[\"“”„«»]")
_QUOTE_SPLIT = re.compile(r"([\"“”„«»])")


def _quoted_tokens(sentence: str, inside: bool, unspaced: bool) -> tuple[list[bool], bool]:
    """Whether each token of a sentence stands inside quotation marks, and whether
    the sentence ends inside a quotation. "„" opens one; the other marks open or
    close ("“…”", "„…“", "«…»", "»…«", straight quotes)."""
    flags: list[bool] = []
    for i, piece in enumerate(_QUOTE_SPLIT.split(sentence)):
        if i % 2:
            inside = True if piece == "„" else not inside
        else:
            flags += [inside] * len(_word_tokens(piece, unspaced))
    return flags, inside


def _quoted_shingles(shingles: np.ndarray, flags: list[bool], k: int) -> np.ndarray:
    """The shingles (of `word_shingles(words, k)`, in text order) found only with a
    quoted word in them (sorted, unique)."""
    if not len(shingles) or not any(flags):
        return np.empty(0, np.uint64)
    q = np.array(flags, dtype=bool)
    if len(q) < k:
        inside = np.array([q.any()])
    else:
        counts = np.concatenate([[0], np.cumsum(q)])
        inside = (counts[k:] - counts[:-k]) > 0
    return setdiff(shingles[inside], shingles[~inside])



# What featurize makes of each word seen lately, by (stem length, function words
# left out): the id of its stem among a sentence's stems (0 for a function word:
# ids are odd), and its content term ("" when it is none: a function word, or
# under three letters and not a number). An article's hundreds of words are mostly
# common ones: a dict lookup in C a word where slicing, testing and looking up
# the stem's id cost a Python loop.
_WORD_STEMS: dict[tuple[int, bool], tuple[dict[str, int], dict[str, str]]] = {}
_WORD_STEMS_LIMIT = 1 << 18


def _word_stems(words: Iterable[str], stem: int, stop: frozenset,
                stopwords: bool) -> tuple[dict[str, int], dict[str, str]]:
    """({word: its sentence stem's id}, {word: its content term}) holding every one of `words`."""
    if stem < 1:  # "" marks a word left out: a stem is never empty
        raise EngineError(f"stem_length must be at least 1, not {stem}")
    stem_id, content_term = _WORD_STEMS.setdefault((stem, stopwords), ({}, {}))
    new = set(words).difference(content_term)
    if len(content_term) + len(new) > _WORD_STEMS_LIMIT:
        stem_id.clear()
        content_term.clear()
    for w in new:
        if w in stop:
            stem_id[w], content_term[w] = 0, ""
        else:
            stem_id[w] = term_id(w[:stem], "t")  # the ids of content terms: stems too
            content_term[w] = w[:stem] if len(w) > 2 or w.isdigit() else ""
    return stem_id, content_term


def features_from(article_id: str, stored: dict[str, Any], tuning: Tuning) -> Features:
    """Features from what the state keeps of an article (`Features.stored()`).

    A record that holds its shingles and sentence stems (written since they were
    stored) is read as it is: what scoring a candidate needs, without its term
    counts (they served when it was assigned). Else the text is worked through."""
    title, lines = stored["title"], stored["lines"]
    if "sh" in stored and "st" in stored:
        return Features(article_id, stored["lang"], title, lines, stored["time"], stored["anchor"],
                        stored["written"], frozenset(stored.get("slug", ())),
                        terms=_NO_COUNTS, keys=_NO_COUNTS,  # (see `for_cache`)
                        shingles=np.frombuffer(base64.b64decode(stored["sh"]), dtype="<u8").astype(np.uint64),
                        sentences_packed=stored["st"],
                        quoted=np.frombuffer(base64.b64decode(stored.get("sq", "")), dtype="<u8").astype(np.uint64),
                        term_vector=SparseVector.unpack(stored.get("tv"), "t"), key_vector=SparseVector.unpack(stored.get("kv"), "k"),
                        day=stored.get("day"), weekday=stored.get("weekday"), ordinal=stored.get("ordinal"),
                        embedding=unpack_embedding(stored.get("em")))
    body = "\n".join(lines)
    # Sentence splits fall on spaces and punctuation, never inside a token: the
    # text's tokens are its sentences' tokens, end to end (tokenised once).
    words: list[str] = []
    sentence_terms = []
    stem = tuning.stem_length
    stop = STOPWORDS if tuning.stopwords else frozenset()
    keys_of_sentences = []
    unlisted = not tuning.stopwords or stored["lang"] not in LISTED_LANGUAGES
    pairs = unlisted and tuning.sentence_pairs_unlisted
    whole = f"{title}\n{body}"
    unspaced_script = tuning.unspaced_characters and not whole.isascii() and bool(HAN_KANA.search(whole))
    # Sentences, and whether each begins a paragraph (a quotation left open ends with its paragraph).
    paragraphs = [sentences(line) for line in body.split("\n")]
    cut = [sentence for para in paragraphs for sentence in para]
    begins = [i == 0 for para in paragraphs for i in range(len(para))]
    quoted_flags: list[bool] = []
    tokens_of_sentences = [_word_tokens(sentence, unspaced_script) for sentence in cut]  # read again for word pairs below
    head = _word_tokens(title, unspaced_script) if title and (not lines or title != lines[0]) else []
    stem_id, content_term = _word_stems(chain(head, *tokens_of_sentences), stem, stop, tuning.stopwords)
    inside = False
    for sentence, first, sentence_words in zip(cut, begins, tokens_of_sentences):
        words += sentence_words
        inside = inside and not first
        quoting = _QUOTE.search(sentence)
        if quoting:
            flags, inside = _quoted_tokens(sentence, inside, unspaced_script)
            quoted_flags += flags
        else:
            quoted_flags += [inside] * len(sentence_words)
        keys_of_sentences.append(" ".join(sentence_words))
        if quoting:
            continue  # independent reports quote the same statements in the same order
        # In a language without a function-word list (written in syllables, perhaps),
        # single words are shared by any two sentences of one subject: pairs of them
        # tell a sentence apart.
        # Stems as ids: a candidate's sentences are stored and read back as numbers.
        if pairs:
            stems = {f"{a[:stem]} {b[:stem]}" for a, b in zip(sentence_words, sentence_words[1:])}
            if len(stems) >= 4:
                sentence_terms.append(list(term_ids(stems, "t").values()))
            continue
        # Distinct stems have distinct ids (62-bit hashes: a clash is not expected).
        stem_ids = set(filter(None, map(stem_id.__getitem__, sentence_words)))  # no function words
        if len(stem_ids) >= 4:
            sentence_terms.append(stem_ids)
    sentences_packed = _pack_sentences(sentence_terms)
    terms = Counter(filter(None, map(content_term.__getitem__, head + words)))
    if tuning.word_pairs == "all" or (tuning.word_pairs == "unlisted" and unlisted):
        # Adjacent words as terms too, in a language without a function-word list:
        # its single words (Vietnamese: syllables, each a piece of many words; its
        # formula words) weigh as much as content words, while pairs of them are its
        # words and phrases, rare or common as the stream shows.
        terms.update(f"{a[:stem]} {b[:stem]}" for seq in ([head] if head else []) + tokens_of_sentences
                     for a, b in zip(seq, seq[1:]) if a not in stop and b not in stop)
    countries = country_keys(tuning.country_languages) if tuning.country_languages else {}
    # A language written in syllables writes its names in capitalised syllables: pairs
    # of them are its names.
    names = capitalised_names if stored["lang"] in tuning.syllable_languages else capitalised_tokens
    # Chinese and Japanese names are written in characters, which `names` cannot tell
    # from other words: their text would give only Latin glosses and clauses led by a
    # figure, so keys come from the title, as when their text was not read at all.
    keys = Counter([countries.get(w, w) for w in names(title if unspaced_script and tuning.unspaced_title_keys else whole)
                    if w not in stop and (len(w) > 1 or w.isdigit())])
    # Copies are compared within a language: a language without a list (written in
    # syllables, perhaps) has shingles of its own length.
    k = tuning.shingle_k_unlisted if unlisted else tuning.shingle_k
    if unspaced_script and stored["lang"] in tuning.unspaced_languages and tuning.shingle_k_unspaced:
        # A character is a third to a half of a word: 8 of them, some four words, as
        # distinct reports of one happening share few (dated-events-4/5 tune, zh/ja
        # same-event non-copies: median 0.08, max 0.32 of 8-character shingles against
        # 0.18 / 0.36 of 5-character ones; their copies 1.0 either way).
        k = tuning.shingle_k_unspaced
    shingles = word_shingles(words, k) if words else np.empty(0, np.uint64)
    quoted = _quoted_shingles(shingles, quoted_flags, k) if len(quoted_flags) == len(words) else np.empty(0, np.uint64)
    return Features(article_id, stored["lang"], title, lines, stored["time"], stored["anchor"], stored["written"],
                    frozenset(stored.get("slug", ())), terms, keys, unique(shingles), quoted, sentences_packed,
                    Passages(cut, keys_of_sentences), SparseVector.unpack(stored.get("tv"), "t"), SparseVector.unpack(stored.get("kv"), "k"),
                    day=stored.get("day"), weekday=stored.get("weekday"), ordinal=stored.get("ordinal"),
                    embedding=unpack_embedding(stored.get("em")))


def _title_lines_language(article: Article) -> tuple[str, list[str], str]:
    """An article's title, cleaned lines and language, as the engine reads them."""
    lines = article_lines(article.text or "")
    title = (article.title or "").strip()
    # A declared language is taken as it is: a wrong guess would keep copies apart.
    lang = (article.language or "").split("-")[0].lower() or detect_language(f"{title}\n" + "\n".join(lines))[0]
    return title, lines, lang


def _embedding(title: str, lines: list[str], lang: str, chars: int) -> str | None:
    # Only in the encoder's languages: in others its cosines run high for any two texts.
    if lang not in ENCODER_LANGUAGES:
        return None
    return pack_embedding(title_lead_vector(title or (lines[0] if lines else ""), lines, chars))


def article_embedding(article: Article, chars: int = Tuning.embedding_lead_chars) -> str | None:
    """The packed title-and-lead embedding the engine makes of an article
    (`Tuning.embedding`), made ahead: the enrich stage hands it to assign, so the
    encoder's milliseconds are spent before assignment. None where there is none."""
    title, lines, lang = _title_lines_language(article)
    return _embedding(title, lines, lang, chars)


def featurize(article: Article, tuning: Tuning, embedding: str | None = None) -> Features:
    """Features of an article: cleaned text, terms, keys, shingles, time (and with
    `Tuning.embedding`, its title-and-lead embedding: `embedding` when made ahead
    by `article_embedding`, else made now)."""
    if not (article.text or "").strip() and not (article.title or "").strip():
        raise EngineError(f"article {article.id} has neither title nor text")
    title, lines, lang = _title_lines_language(article)
    anchor = epoch(publication_time(article))  # `article_time`'s rule
    when = anchor or epoch(article.fetched) or time.time()
    full_text = f"{title}\n" + "\n".join(lines)
    written = mentioned_dates(full_text, lang)
    return features_from(article.id, {
        "lang": lang, "title": title, "lines": lines, "time": when, "anchor": anchor,
        "written": written[-1].timestamp() if written else None,
        # The day and weekday of its happening, as the lead names them: later
        # paragraphs recall earlier days and announce the next ones.
        "day": latest_day(mentioned_days(full_text[:tuning.lead_chars], _year(anchor))) if tuning.written_days else None,
        "weekday": mentioned_weekday(full_text[:tuning.lead_chars]) if tuning.weekdays else None,
        # Which happening of a series ("the fifth eruption since December"), as the lead names it.
        "ordinal": mentioned_ordinal(full_text[:tuning.lead_chars], lang, tuning.ordinal_cues) if tuning.ordinals else None,
        "slug": url_slug(article.canonical_url or article.url),
        # The encoder's work (milliseconds) is done before the engine's lock.
        **({"em": embedding if embedding and lang in ENCODER_LANGUAGES
            else _embedding(title, lines, lang, tuning.embedding_lead_chars)} if tuning.embedding else {})},
        tuning)


def _year(when: float | None) -> int | None:
    return datetime.fromtimestamp(when, tz=timezone.utc).year if when is not None else None


def url_slug(url: str) -> list[str]:
    """Words of a URL's slug (its most hyphenated path segment): republished wire
    copies often keep the original's slug, independent reports rarely match it all."""
    segments = [seg for seg in urlsplit(url).path.split("/") if seg]
    if not segments:
        return []
    slug = re.sub(r"\.\w{2,5}$", "", max(segments, key=lambda seg: seg.count("-")))
    # Words with digits are ids and dates that differ between the sites of one copy.
    return sorted({w for w in re.split(r"[-_+]+", slug.lower()) if len(w) > 1 and not re.search(r"\d", w)})

