"""Text and time of an article, one of each for every stage (crawler, engine,
index, enrichment): the article's time, folding, the tokenizer and sentence
splitter, the language detector and the stopword list.

Pure functions; the stopwords are read once from newsagg/core/data/stopwords.yaml.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import regex
import yaml

if TYPE_CHECKING:
    from newsagg.core.schema import Article

DATA = Path(__file__).with_name("data")

# ---------------------------------------------------------------- time
# A leading " date YYYY-MM-DD" is page metadata recorded with some pages, on
# its own line or run into the first line of text.
_DATE_PREFIX = re.compile(r"^\s*date\s+(\d{4})-(\d{2})-(\d{2})(?:\s+|$)")
# A full date in a URL's path: /2025/02/28/, /2025-02-28/, -2025-02-28-, /20250228/.
# Month-only paths (/2025/02/) are too coarse to anchor a report in time.
_URL_DATE = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})([/_-]?)(0[1-9]|1[0-2])\2(0[1-9]|[12][0-9]|3[01])(?![0-9])")


def page_date(text: str) -> datetime | None:
    """The date of a leading ` date YYYY-MM-DD` metadata prefix, if the page has one."""
    m = _DATE_PREFIX.match(text)
    if not m:
        return None
    try:
        return datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=timezone.utc)
    except ValueError:
        return None


def url_date(url: str) -> datetime | None:
    """The publication day written in a news URL's path, if it holds a full date.
    The crawler's date finder reads the page itself; this serves articles that
    arrive with only a URL (feeds, imports, the evaluation files)."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    path = path.split("://", 1)[-1].partition("/")[2]
    for m in _URL_DATE.finditer(path):
        try:
            return datetime(int(m[1]), int(m[3]), int(m[4]), tzinfo=timezone.utc)
        except ValueError:
            continue
    return None


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def publication_time(article: "Article") -> datetime | None:
    """When an article was published, as far as it says: its published time,
    else the page's date line, else the full date in its URL; None if none."""
    return _aware(article.published) or page_date(article.text or "") \
        or url_date(article.canonical_url or article.url or "")


def article_time(article: "Article") -> datetime:
    """When an article appeared: its publication time (`publication_time`), else
    when it was fetched. The engine's copy groups and the index's stories and
    timelines order articles by it."""
    return publication_time(article) or _aware(article.fetched)


# ---------------------------------------------------------------- folding, tokens, sentences
_COMBINING = regex.compile(r"\p{Mn}+")

# Typographic apostrophes, quotes and dashes differ between sites of one copy.
# Replaced one by one where present: `str.translate` looks every character up in
# a dict (0.17 ms an article on the real pages, a fifth of featurize), where a
# substring test scans in C.
_TYPOGRAPHY = (("’", "'"), ("‘", "'"), ("‛", "'"), ("ʼ", "'"), ("´", "'"), ("“", '"'), ("”", '"'), ("„", '"'),
               ("«", '"'), ("»", '"'), ("–", "-"), ("—", "-"), ("‐", "-"), ("‑", "-"))


def fold(text: str) -> str:
    """Unicode-compatible, casefolded, accent-free form used for all matching."""
    if text.isascii():
        return text.lower()
    for typographic, plain in _TYPOGRAPHY:
        if typographic in text:
            text = text.replace(typographic, plain)
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))


_SENTENCE_SPLIT = regex.compile(r"(?<=[.!?…])[\"”»’)]*\s+(?=[\"“«‘(]*[\p{Lu}\d])")
# Letters and digits: `[^\W_]` in `re` is `[\p{L}\p{N}]` (they differ only on code
# points Python's Unicode tables leave unassigned) and tokenises 1.5x faster.
_TOKEN = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*")
# The same patterns for ASCII text (most folded text is): on it they match the
# same, and without Unicode class lookups they run twice as fast.
_TOKEN_ASCII = re.compile(_TOKEN.pattern, re.ASCII)
_SENTENCE_SPLIT_ASCII = re.compile(r"(?<=[.!?…])[\"”»’)]*\s+(?=[\"“«‘(]*[A-Z0-9])")


def sentences(text: str) -> list[str]:
    """Sentences of a cleaned text (a paragraph break always ends one)."""
    split = (_SENTENCE_SPLIT_ASCII if text.isascii() else _SENTENCE_SPLIT).split
    out: list[str] = []
    for para in text.split("\n"):
        out.extend(s.strip() for s in split(para) if s.strip())
    return out


def tokens(text: str) -> list[str]:
    """Folded word tokens of a text, in order (for matching)."""
    folded = fold(text)
    return (_TOKEN_ASCII if folded.isascii() else _TOKEN).findall(folded)


def word_matches(text: str) -> list[re.Match]:
    """`words` with where each one stands in the text."""
    return [m for m in (_TOKEN_ASCII if text.isascii() else _TOKEN).finditer(text) if not m.group()[0].isdigit()]


def words(text: str) -> list[str]:
    """The same tokens as written (case and accents kept: names stay names),
    those that start with a letter."""
    return [w for w in (_TOKEN_ASCII if text.isascii() else _TOKEN).findall(text) if not w[0].isdigit()]


# Scripts written without spaces between words: whitespace finds one "word" in a
# whole Chinese or Japanese clause, so a paragraph looks like a menu entry. Han and
# kana words are mostly one to three characters (Hangul is counted alike, as the
# crawler always did); Thai, Lao, Khmer and Myanmar words run to about four
# characters with their vowel signs.
#
# Han and kana, the characters of Chinese and Japanese words (code point ranges:
# `re` scans them four times faster than `regex`'s script classes).
HAN_KANA_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
HAN_KANA = re.compile(f"[{HAN_KANA_RANGES}]")
_UNSPACED_2 = re.compile(f"[{HAN_KANA_RANGES}\uac00-\ud7af]")  # and Hangul syllables
_UNSPACED_4 = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]")


def word_count(text: str) -> int:
    """Words of a text as a reader counts them: whitespace-separated words, and in
    scripts written without spaces two CJK characters (four Thai, Lao, Khmer or
    Myanmar ones) a word. Page-clutter rules ("fewer than five words") and the
    crawler's length checks count with it."""
    if text.isascii():
        return len(text.split())
    two = len(_UNSPACED_2.findall(text))
    four = len(_UNSPACED_4.findall(text))
    if not two and not four:
        return len(text.split())
    rest = _UNSPACED_4.sub(" ", _UNSPACED_2.sub(" ", text)).split()
    # what stands between the characters: Latin words and figures count, their punctuation does not
    return sum(1 for chunk in rest if any(c.isalnum() for c in chunk)) + two // 2 + four // 4


# ---------------------------------------------------------------- language, stopwords
@functools.lru_cache(maxsize=1)
def _identifier():
    from py3langid import langid

    path = Path(langid.MODEL_FILE)
    if not path.is_absolute():
        path = Path(langid.MODEL_DIR) / path
    return langid.LanguageIdentifier.from_modelpath(path, norm_probs=True)


def detect_language(text: str, declared: str | None = None) -> tuple[str, float]:
    """(ISO 639-1 code, confidence in [0, 1]) by py3langid's model (shipped in
    the package).

    The page's declared language wins when the text is short or the model unsure
    (short texts give flat probabilities); a confident model overrules a wrong
    declaration.
    """
    sample = text[:5000]
    ranked = dict(_identifier().rank(sample))
    best = max(ranked, key=ranked.get) if ranked else (declared or "und")
    base = (declared or "").split("-")[0].lower() or None
    if base is None or best == base:
        return best, round(float(ranked.get(best, 0.0)), 4)
    if ranked.get(best, 0.0) >= 0.9 and len(words(sample)) >= 15:
        return best, round(float(ranked[best]), 4)
    return base, round(float(ranked.get(base, 0.0)), 4)


@functools.lru_cache(maxsize=1)
def stopword_lists() -> dict[str, frozenset[str]]:
    """Function words by language (lower case, as written)."""
    # BaseLoader: every word a string (plain YAML reads no, on, off as booleans).
    lists = yaml.load((DATA / "stopwords.yaml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    return {lang: frozenset(str(w) for w in ws) for lang, ws in lists.items()}


@functools.lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Function words of every language listed, lower case as written and folded
    (`fold`): one set serves both lower-cased and folded tokens."""
    every = frozenset().union(*stopword_lists().values())
    return every | frozenset(fold(w) for w in every)


# ---------------------------------------------------------------- lone surrogates
# Lone surrogates: text that Python holds but UTF-8 cannot encode.
#
# JSON's `"\\ud83c"` (half an emoji, a cut string) and bytes decoded with
# `surrogateescape` become code points U+D800..U+DFFF in a Python str. Any `.encode("utf-8")`
# of them raises, far from where they came in: in a hash, a log line, a Redis write, a
# terminal. Each boundary decides once: extraction repairs them (U+FFFD), the pipeline
# rejects a payload holding one (with the field), output escapes them (`\\udcff`).
# A str holds no surrogate pairs (JSON decoding joins a valid pair into one code point),
# so any surrogate code point in it is a lone one.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def scrub_surrogates(text: str) -> str:
    """Lone surrogates replaced by U+FFFD (what a UTF-8 decoder does with broken bytes)."""
    return LONE_SURROGATE.sub(REPLACEMENT, text) if LONE_SURROGATE.search(text) else text


def escape_surrogates(text: str) -> str:
    """Lone surrogates written as `\\udcff`: encodable, readable, and inside a JSON string
    the same escape JSON uses, so the text still parses back to what was stored."""
    if not LONE_SURROGATE.search(text):
        return text
    return LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def find_lone_surrogate(value: Any, path: str = "", max_nodes: int = 100_000) -> tuple[str, int] | None:
    """(field path, position) of the first lone surrogate in a JSON-like value (keys
    included), or None. Iterative: a deeply nested payload cannot exhaust the stack."""
    stack: list[tuple[str, Any]] = [(path, value)]
    seen = 0
    while stack and seen < max_nodes:
        where, item = stack.pop()
        seen += 1
        if isinstance(item, str):
            m = LONE_SURROGATE.search(item)
            if m:
                return (where or "payload", m.start())
        elif isinstance(item, dict):
            for key, sub in reversed(list(item.items())):
                name = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and LONE_SURROGATE.search(key):
                    return (escape_surrogates(name), 0)
                stack.append((name, sub))
        elif isinstance(item, (list, tuple)):
            stack.extend((f"{where}[{i}]", sub) for i, sub in reversed(list(enumerate(item))))
    return None
