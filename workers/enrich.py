"""Enrichment, offline: language, named entities, countries, keywords, summary, reading time.

Language, tokens, sentences and stopwords come from newsagg.core.text (one of each
for every stage; the language from py3langid's model). Entities come from
rules over capitalised spans plus our own gazetteers (workers/data/gazetteer.yaml)
and country names (newsagg.core.countries): no model download, deterministic, fast. Quality on
our labelled set is measured by tests/test_enrich_quality.py.
"""
from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from newsagg.core import text as core_text
from newsagg.core.countries import country_names
from newsagg.core.schema import Article
from newsagg.core.text import detect_language, word_count, words

__all__ = ["detect_language", "enrich", "extract_entities", "keywords", "sentences", "summarize", "words"]

DATA = Path(__file__).with_name("data")
WORDS_PER_MINUTE = 230
SUMMARY_SENTENCES = 3
SUMMARY_MAX_WORDS = 80
N_KEYWORDS = 8

_ABBREV_DOT = re.compile(r"\b(Mr|Mrs|Ms|Dr|Prof|St|Capt|Sgt|Gen|Col|Gov|Sen|Rep|Insp)\.")
_CONNECTORS = {"of", "de", "del", "da", "von", "van", "der", "den", "du", "la", "le", "for", "&", "am", "an"}
_PLACE_PREPS = {"in", "near", "from", "outside", "across", "towards", "toward", "into", "around",
                "nach", "aus", "bei"}
_SPEECH = {"said", "says", "told", "added", "explained", "warned", "sagte", "sagt", "erklärte"}
_LIST_JOIN = {"and", "or", "und", "oder"}
_DE_OF = ("der", "des", "von")


# --- gazetteers -------------------------------------------------------------------

@dataclass(frozen=True)
class Gazetteer:
    person_titles: frozenset[str]
    given_names: frozenset[str]
    org_words: frozenset[str]
    place_words: frozenset[str]
    place_prefixes: frozenset[str]
    org_prefixes: frozenset[str]
    de_place_suffixes: tuple[str, ...]
    places: dict[str, str | None]  # name -> ISO country (None: unknown)
    countries: dict[str, str]  # country name or alias -> ISO code
    demonyms: dict[str, str]
    stopwords: frozenset[str]
    country_re: re.Pattern


@functools.lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    g = yaml.safe_load((DATA / "gazetteer.yaml").read_text(encoding="utf-8"))
    countries = country_names(("de",))
    names = sorted(countries, key=len, reverse=True)
    country_re = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, names)) + r")(?![\w])")
    places = {k: str(v) for k, v in g["places"].items()}
    return Gazetteer(
        person_titles=frozenset(g["person_titles"]), given_names=frozenset(g["given_names"]),
        org_words=frozenset(g["org_words"]), place_words=frozenset(g["place_words"]),
        place_prefixes=frozenset(g["place_prefixes"]), org_prefixes=frozenset(g["org_prefixes"]),
        de_place_suffixes=tuple(g["de_place_suffixes"]), places=places, countries=countries,
        demonyms={k: str(v) for k, v in g["demonyms"].items()},
        stopwords=core_text.stopwords(), country_re=country_re)


# --- text helpers -----------------------------------------------------------------

def sentences(text: str) -> list[str]:
    """`newsagg.core.text.sentences`, titles' dots dropped first ("Mr. Smith" is not two sentences)."""
    return core_text.sentences(_ABBREV_DOT.sub(r"\1", text))


def _is_cap(tok: str) -> bool:
    return tok[:1].isupper()


def _clean(tok: str) -> str:
    for tail in ("’s", "'s"):
        if tok.endswith(tail):
            return tok[: -len(tail)]
    return tok.rstrip(".")


# --- entities ---------------------------------------------------------------------

def _spans(sentence: str) -> list[tuple[list[str], str, str, bool]]:
    """Capitalised spans: (tokens, word before, word after, starts the sentence)."""
    toks = [(m.group(), m.start(), m.end()) for m in core_text.word_matches(sentence)]
    out, i = [], 0
    while i < len(toks):
        if not _is_cap(toks[i][0]):
            i += 1
            continue
        j = i + 1
        while j < len(toks):
            gap = sentence[toks[j - 1][2]:toks[j][1]]
            if gap.strip() not in ("", "&") or gap.count("\n"):
                break
            if _is_cap(toks[j][0]):
                j += 1
            elif toks[j][0].lower() in _CONNECTORS and j + 1 < len(toks) and _is_cap(toks[j + 1][0]) \
                    and sentence[toks[j][2]:toks[j + 1][1]].strip() == "":
                j += 2
            else:
                break
            if toks[j - 1][0].endswith(("'s", "’s")):
                break
        span = [t[0] for t in toks[i:j]]
        before = toks[i - 1][0] if i > 0 else ""
        after = toks[j][0] if j < len(toks) else ""
        out.append((span, before, after, i == 0))
        i = j
    return out


def _is_title(tok: str, lang: str, g: Gazetteer) -> bool:
    low = tok.lower()
    # German compounds: Oberbürgermeister, Bundeskanzler, Verhandlungsführerin
    return low in g.person_titles or (lang == "de" and any(
        low.endswith(t) for t in g.person_titles if len(t) >= 6))


def _classify(span: list[str], before: str, after: str, lang: str, g: Gazetteer) -> str | None:
    name = " ".join(span)
    low = [t.lower() for t in span]
    if name in g.countries or name in g.places:
        return "place"
    if any(t in g.org_words for t in low) or (len(span) > 1 and lang == "de" and any(
            len(t) > 6 and t.endswith(w) for t in low for w in g.org_words if len(w) >= 4)):
        return "organisation"
    if _is_title(before, lang, g) and len(span) <= 3:
        return "person"
    if len(span) >= 2 and (low[-1] in g.place_words or low[0] in g.place_prefixes
                           or (low[0] in g.place_words and low[1] == "of")):
        return "place"
    if len(span) == 1 and span[0].isupper() and span[0].isalpha() and 2 <= len(span[0]) <= 6:
        return "organisation"  # acronyms: NATO, RNLI, BBC
    if low[0] in g.given_names and 2 <= len(span) <= 3:
        return "person"
    if lang == "de":
        if before.lower() in ("in", "nach", "aus", "bei") and len(span) == 1 and any(
                low[0].endswith(s) and len(low[0]) > len(s) + 2 for s in g.de_place_suffixes):
            return "place"
        if 2 <= len(span) <= 3 and after.lower() in _SPEECH:
            return "person"
        return None  # German capitalises every noun: without a cue, not a name
    if before.lower() in _PLACE_PREPS and len(span) <= 3 and low[0] not in g.given_names:
        return "place"
    if 2 <= len(span) <= 3 and not any(t in _CONNECTORS for t in low) and after.lower() in _SPEECH:
        return "person"
    return None


def _trim(span: list[str], before: str, lang: str, g: Gazetteer) -> tuple[list[str], str]:
    """Drop what precedes a name: sentence-initial function words, titles and roles
    ("Mayor", "Local MP", "Firma"), keeping the title as the cue word before it."""
    while span and (span[0].lower() in g.stopwords or span[0].lower() in g.org_prefixes
                    or _is_title(span[0], lang, g)):
        if _is_title(span[0], lang, g):
            before = span[0]
        span = span[1:]
    while span and span[-1].lower() in _CONNECTORS:
        span = span[:-1]
    low = [t.lower() for t in span]
    # "Local MP Helen Price", "Resident Julia Marsh": the name starts at the given name
    for k in range(1, len(span)):
        if low[k] in g.given_names and 2 <= len(span) - k <= 3 and low[k - 1] not in g.given_names \
                and not any(t in _CONNECTORS for t in low[k:]) and not any(t in g.org_words for t in low):
            return span[k:], "mr"
    return span, before


def extract_entities(text: str, lang: str = "en", title: str = "") -> dict[str, dict[str, int]]:
    """{kind: {name: mentions}} for kinds person, organisation, place."""
    g = gazetteer()
    found: list[tuple[str, str]] = []  # (kind, name) in order
    unresolved: list[str] = []  # single capitalised words, resolved against full names later
    for sent in ([title] if title else []) + sentences(text):
        prev_kind = None
        for span, before, after, first in _spans(sent):
            span = [_clean(t) for t in span]
            trimmed, before = _trim(span, before, lang, g)
            first = first and trimmed == span
            span = trimmed
            if not span:
                continue
            low = [t.lower() for t in span]
            for cut in ("of", "von") + (_DE_OF if lang == "de" else ()):
                if cut in low and 0 < low.index(cut) < len(span) - 1:
                    k = low.index(cut)
                    left = _classify(span[:k], before, cut, lang, g)
                    if left == "person":  # "Samuel Okafor of Plymouth University"
                        found.append(("person", " ".join(span[:k])))
                        span, before = span[k + 1:], cut
                    elif left is None and lang == "de":  # "Forscher der Universität Leipzig"
                        span, before = span[k + 1:], cut
                    break
            if first and len(span) == 1 and span[0] not in g.places and span[0] not in g.countries \
                    and not span[0].isupper():
                unresolved.append(span[0])  # "Officials", "Rescuers": maybe a surname seen before
                prev_kind = None
                continue
            kind = _classify(span, before, after, lang, g)
            if kind is None and prev_kind == "place" and before.lower() in _LIST_JOIN and len(span) <= 2:
                kind = "place"  # "ferries to Dublin and Cherbourg"
            if kind is None and len(span) == 1:
                unresolved.append(span[0])
            elif kind is not None:
                found.append((kind, " ".join(span)))
            prev_kind = kind
    counts: dict[str, Counter] = {"person": Counter(), "organisation": Counter(), "place": Counter()}
    for kind, name in found:
        counts[kind][name] += 1
    # A bare surname or first name counts for the full name it shortens ("Price said").
    short: dict[str, tuple[str, str]] = {}
    for kind in ("person",):
        for full in counts[kind]:
            parts = full.split()
            if len(parts) > 1:
                short.setdefault(parts[-1], (kind, full))
                short.setdefault(parts[0], (kind, full))
    for kind, names in list(counts.items()):
        for name in list(names):
            if " " not in name and name in short and short[name][1] != name and kind == "person":
                k, full = short[name]
                counts[k][full] += names.pop(name)
    for word in unresolved:
        if word in short:
            counts[short[word][0]][short[word][1]] += 1
    return {k: dict(sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))) for k, v in counts.items() if v}


def countries_mentioned(text: str, entities: dict[str, dict[str, int]]) -> list[str]:
    """ISO codes of countries named, of places in them, and of demonyms, by mentions."""
    g = gazetteer()
    hits: Counter = Counter()
    for m in g.country_re.finditer(text):
        hits[g.countries[m.group(1)]] += 1
    for place, n in entities.get("place", {}).items():
        code = g.places.get(place)
        if code and place not in g.countries:
            hits[code] += n
    for w in words(text):
        code = g.demonyms.get(w)
        if code:
            hits[code] += 1
    return [c for c, _ in sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))]


# --- keywords and summary ---------------------------------------------------------

def keywords(title: str, text: str, n: int = N_KEYWORDS) -> list[str]:
    """Most frequent content words, title and lead weighted up."""
    stop = gazetteer().stopwords
    score: Counter = Counter()
    first_seen: dict[str, int] = {}

    def add(tokens: list[str], weight: float) -> None:
        for t in tokens:
            w = t.lower().strip(".-’'")
            if len(w) < 3 or w in stop or w.endswith(("'s", "’s")):
                continue
            first_seen.setdefault(w, len(first_seen))
            score[w] += weight

    add(words(title), 3.0)
    body = words(text)
    add(body[:60], 1.5)
    add(body[60:], 1.0)
    ranked = sorted(score, key=lambda w: (-score[w], first_seen[w]))
    return ranked[:n]


def summarize(text: str, kw: list[str], max_sentences: int = SUMMARY_SENTENCES,
              max_words: int = SUMMARY_MAX_WORDS) -> str:
    """Extractive: the lead sentence plus the sentences densest in keywords, in text order."""
    sents = [s for s in sentences(text) if len(words(s)) >= 4][:60]
    if not sents:
        return " ".join(words(text)[:max_words])
    weights = {w: len(kw) - i for i, w in enumerate(kw)}
    scored = []
    for i, s in enumerate(sents):
        toks = [t.lower() for t in words(s)]
        density = sum(weights.get(t, 0) for t in toks) / math.sqrt(len(toks) or 1)
        scored.append((density + (100 if i == 0 else 0) - 0.1 * i, i))
    chosen, total = [], 0
    for _, i in sorted(scored, reverse=True):
        n = len(words(sents[i]))
        if chosen and total + n > max_words:
            continue
        chosen.append(i)
        total += n
        if len(chosen) >= max_sentences:
            break
    return " ".join(sents[i] for i in sorted(chosen))


# --- the enrichment step ----------------------------------------------------------

def enrich(article: Article) -> Article:
    """A copy of the article with every enrichment field computed from its title and text."""
    text = article.text
    lang, conf = detect_language(f"{article.title}\n{text}", article.language)
    ents = extract_entities(text, lang, article.title)
    kw = keywords(article.title, text)
    n_words = word_count(text)  # a Chinese or Japanese text counted by its characters, not its spaces
    return article.model_copy(update={
        "language": lang,
        "lang_confidence": conf,
        "entities": ents,
        "keywords": kw,
        "summary": summarize(text, kw),
        "word_count": n_words,
        "reading_time_min": round(n_words / WORDS_PER_MINUTE, 1),
        "countries": countries_mentioned(f"{article.title}\n{text}", ents),
    })
