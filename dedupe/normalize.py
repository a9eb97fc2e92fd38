"""Text normalisation for the story engine: page clutter, written dates, numbers
(folding, tokens, sentences and dates of a page or URL: newsagg.core.text).

Pure functions only. Pages arrive with the clutter of their site around the
article (menus, "READ ALSO" boxes, share prompts, cookie notices, bylines,
photo credits); removing it first lets two copies of one text on different
sites match, and keeps the clutter out of what a copy "changed".
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from datetime import datetime, timezone

import regex

from newsagg.core.countries import country_names
from newsagg.core.text import (
    _DATE_PREFIX,
    _TOKEN,
    fold,
    page_date,
    sentences,
    tokens,
    url_date,
    word_count,
)

__all__ = ["article_lines", "canonical_numbers", "capitalised_tokens", "clean_text", "fold", "is_boilerplate",
           "is_byline", "mentioned_dates", "mentioned_ordinal", "page_date", "sentences", "tokens", "url_date"]

_MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_URL = re.compile(r"https?://\S+|www\.\S+")
# Runs of spaces that become one plain space: two or more, or one that is not a
# plain space. A plain single space (most of them) is left unmatched: a
# replacement made for each of a paragraph's hundreds of spaces cost 0.2 ms.
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]{2,}|[\t\u00a0\u2000-\u200b\u202f\u205f\u3000]")

# Whole lines that are site clutter, in the languages of our outlets. Matched
# against the casefolded, accent-stripped line.
_BOILERPLATE = re.compile(
    r"""^(
      skip\ to\ (main\ )?content | jump\ to | zum\ inhalt | ir\ al\ contenido | aller\ au\ contenu
    | (read|see)\ (also|more)\b | also\ read\b | related(\ (stories|articles|news))?\b | more\ on\ this
    | recommended\b | (lesen\ sie\ (auch|mehr)|mehr\ zum\ thema|auch\ interessant)\b
    | (lea|lee|leer)\ (tambien|mas)\b | (lire|voir)\ aussi\b | a\ lire\ aussi\b
    | leia\ (tambem|mais)\b | baca\ juga\b
    | advertisement | advertising | anzeige | werbung | publicidad | publicite | publicidade | iklan
    | sponsored\b | (share|teilen|compartir|partager|compartilhe)\b | (tweet|email|print|copy\ link)$
    | (subscribe|sign\ up|newsletter|follow\ us|get\ the\ app|download\ the\ app|abonnieren|suscribete|abonnez)\b
    | (c|\(c\)|copyright)\ \d{4}\b | ©
    | (photo|image|foto|picture|credit|source|quelle|fuente|bild)\s*[:/].*
    | (updated|published|actualizado|aktualisiert|publie|mis\ a\ jour)\b.{0,40}\d{1,2}:\d{2}.*
    | listen\ to\ (this|the)\ (article|story)\b | \d+\ min(ute)?s?\ read$
    | (home|menu|search|log\ ?in|sign\ in|close|back\ to\ top|top\ stories|live\ tv|watch\ live)$
    )""",
    re.VERBOSE,
)
# Clutter that may come anywhere in a line, searched for only when a plain
# substring test finds its words: a `.*` prefix in the pattern above made every
# long paragraph cost three backtracking scans.
_BOILERPLATE_ANYWHERE = (
    (("cookie", "privacy policy", "terms of", "all rights reserved", "datenschutz"),
     re.compile(r"\b(cookies?|privacy\ policy|terms\ of\ (use|service)|all\ rights\ reserved|datenschutz)\b")),
    ((")",), re.compile(r"\((ap|afp|reuters|getty|epa|dpa)\ (photo|images?|foto)[^)]*\)\s*$")),
    (("getty images",), re.compile(r"\bgetty\ images\s*$")),
)

# Chinese and Japanese full stops, full-width marks and closing brackets end sentences too.
_SENTENCE_END = re.compile(r"[.!?…:;\"”»’)。！？；：」』】》〉）]\s*$")
# A separator between two digits. Written separator first: `re` then scans for the
# separators' few characters, where a leading `\d` tests every position (0.06 ms a
# text of 5,000 characters, in `featurize` and in every `figures`).
_NUMBER_SEPARATOR = re.compile(r"[.,\u00a0\u202f](?<=\d.)(?=\d)")


def clean_line(line: str) -> str:
    """One line with images, URLs, bullets and odd spaces taken out."""
    line = unicodedata.normalize("NFKC", line)
    # Each pattern only where a substring test finds what it must start with.
    if "![" in line:
        line = _MARKDOWN_IMAGE.sub(" ", line)
    if "http" in line or "www." in line:
        line = _URL.sub(" ", line)
    if not line.isascii() or "  " in line or "\t" in line:  # ASCII: a space or tab is all `_SPACES` holds
        line = _SPACES.sub(" ", line)
    line = line.strip()
    return line.lstrip("•·*-–—|>#").strip()


_BYLINE_START = ("by", "von", "por", "par", "oleh")
# Words a byline may hold besides capitalised names ("By Ana Ruiz and Tom Lee, Reuters staff").
_BYLINE_WORDS = frozenset("and und y e et & staff reporter reporters correspondent writer in de da van der la le".split())


def is_byline(line: str) -> bool:
    """'By NAME(S)' (and its translations): capitalised names, not a sentence
    that happens to start with "By" ("By noon the harbour had reopened")."""
    words = line.replace(",", " ").split()
    if not 2 <= len(words) <= 9 or words[0].casefold() not in _BYLINE_START:
        return False
    return all(w[0].isupper() or w.casefold() in _BYLINE_WORDS for w in words[1:])


def is_boilerplate(line: str) -> bool:
    """True for a line of page clutter rather than article text.

    Besides the known prompts, short lines without sentence punctuation are
    menu entries and tags; a headline has at least five words.
    """
    folded = fold(line).strip()
    if not folded:
        return True
    if _BOILERPLATE.match(folded) or is_byline(line):
        return True
    if any(any(w in folded for w in words) and pattern.search(folded) for words, pattern in _BOILERPLATE_ANYWHERE):
        return True
    words = len(folded.split())
    if words < 5 and not folded.isascii():
        # Counted as written (folding decomposes Hangul): a Chinese clause is many words.
        words = word_count(line)
    return words < 5 and not _SENTENCE_END.search(line)


def article_lines(text: str) -> list[str]:
    """The article's own lines: metadata, clutter and repeated lines removed, order kept."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in _DATE_PREFIX.sub("", text, count=1).split("\n"):
        line = clean_line(raw)
        if is_boilerplate(line):
            continue
        key = fold(line)
        if key in seen:  # captions and subheadings repeated by the page
            continue
        seen.add(key)
        out.append(line)
    return out


def clean_text(text: str) -> str:
    """The article text without page clutter, one paragraph a line."""
    return "\n".join(article_lines(text))


_GROUPED_NUMBER = regex.compile(r"(?<![\p{L}\p{N}.,])\d{1,3}(?:([.,\u00a0\u202f])\d{3})(?:\1\d{3})*(?![.,]?\d)")
_DECIMAL_COMMA = regex.compile(r"(?<![\p{L}\p{N}.,])(\d+),(\d+)(?![.,]?\d)")


def canonical_numbers(text: str) -> str:
    """Numbers written the same way in every language: thousands separators dropped
    ("1,200", "1.200" -> "1200"), decimal commas made points ("4,5" -> "4.5"), so a
    figure links a translation to its source."""
    if not _NUMBER_SEPARATOR.search(text):  # most texts: no number to rewrite
        return text
    text = _GROUPED_NUMBER.sub(lambda m: regex.sub(r"\D", "", m.group(0)), text)
    return _DECIMAL_COMMA.sub(r"\1.\2", text)


# The tokens of ASCII text (`_TOKEN_ASCII`'s) that start with a capital or a digit,
# found without the others: a token starts where neither a letter or digit, nor
# one of them and a joining mark ("'", ".", "-": the token would go on) stands
# before it. A third faster than taking every token and testing its first letter.
_CAPITALISED_ASCII = re.compile(r"(?<![A-Za-z0-9])(?<![A-Za-z0-9]['.\-])[A-Z0-9][A-Za-z0-9]*(?:['.\-][A-Za-z0-9]+)*")


def capitalised_tokens(text: str) -> list[str]:
    """Folded tokens written with a capital (names, places, organisations) or digits.

    These survive translation better than other words, so they link reports
    of one event across languages.
    """
    text = canonical_numbers(unicodedata.normalize("NFKC", text))
    if text.isascii():  # fold() of an ASCII token is its lower case
        return [tok.lower() for tok in _CAPITALISED_ASCII.findall(text)]
    out = []
    for tok in _TOKEN.findall(text):
        if tok[0].isupper() or tok[0].isdigit():  # str methods: a regex match per token cost more
            out.append(fold(tok))
    return out


def capitalised_names(text: str) -> list[str]:
    """Names of a language written in syllables (Vietnamese), as `capitalised_tokens`
    gives names of a language written in words: each two capitalised syllables
    written next to each other ("Phong Châu", "Bộ Công"), a capitalised syllable
    standing alone inside a sentence ("Yagi"), and numbers. A single syllable
    ("Hà", "Công") is a piece of many names, and one opening a sentence is no name
    at all: as keys they made unrelated reports alike."""
    text = canonical_numbers(unicodedata.normalize("NFKC", text))
    out: list[str] = []
    run: list[str] = []  # the capitalised syllables written together so far
    inside = False  # whether the run's first syllable stands inside a sentence
    end = 0
    for match in _TOKEN.finditer(text):
        tok, gap = match.group(0), text[end:match.start()]
        together = bool(run) and gap == " " and tok[0].isupper()
        if not together:
            if len(run) == 1 and inside:
                out.append(run[0])
            run = []
        if tok[0].isdigit():
            out.append(tok)
        elif together:
            out.append(f"{run[-1]} {fold(tok)}")
            run.append(fold(tok))
        elif tok[0].isupper():
            mark = gap.strip() or (text[end - 1] if end else "")  # what precedes it: a sentence's end?
            inside = bool(mark) and "\n" not in gap and mark[-1] not in _SENTENCE_OPENERS
            run = [fold(tok)]
        end = match.end()
    if len(run) == 1 and inside:
        out.append(run[0])
    return out


# What a capitalised syllable after it begins a sentence (or a quotation, a list item) after.
_SENTENCE_OPENERS = frozenset(".!?:;…\"“”'‘(-–—•")


@functools.lru_cache(maxsize=4)
def country_keys(languages: tuple[str, ...]) -> dict[str, str]:
    """Folded one-word country names in English and `languages` -> one key per
    country ("turkei", "turquia", "turkey" -> "@tr"): a report's names in another
    language share its countries, whatever each language calls them."""
    out = {}
    for name, code in country_names(languages).items():
        folded = fold(name)
        if folded.isalpha():  # one word: names are matched token by token
            out[folded] = f"@{code.lower()}"
    return out


# Month names of the outlets' languages (folded), for dates written in the text.
_MONTHS = {
    **{m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                   "nov", "dec"), 1)},
    "sept": 9, "januar": 1, "februar": 2, "marz": 3, "mai": 5, "juni": 6, "juli": 7, "oktober": 10,
    "dezember": 12, "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "juin": 6, "juillet": 7, "aout": 8, "septembre": 9,
    "octobre": 10, "novembre": 11, "decembre": 12, "janeiro": 1, "fevereiro": 2, "marco": 3, "maio": 5,
    "junho": 6, "julho": 7, "setembro": 9, "outubro": 10, "novembro": 11, "dezembro": 12,
}
_MONTH_DAY_YEAR = re.compile(r"\b([a-z]{3,10})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b")
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th|er)?\.?\s+(?:de\s+)?([a-z]{3,10})\.?,?\s+(?:de\s+)?((?:19|20)\d\d)\b")
_ISO_DATE = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
# 26/02/2025, 26.2.2025, 26-2-2025 (one separator throughout; not a part of a longer number)
_NUMERIC_DATE = re.compile(r"(?<![\d./-])(\d{1,2})([./-])(\d{1,2})\2((?:19|20)\d\d)(?![\d])")
_YEAR_MONTH_DAY_SIGNS = re.compile(r"((?:19|20)\d\d)\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]")
_YEAR = re.compile(r"(?:19|20)\d\d")  # every full date holds one: most texts need no date scan


# Dates written as day/month, with or without a year ("ngày 10/9", "27/10/2025"):
# how many outlets (Vietnamese ones, among others) write the day of the happening.
# A slash only: a dot or a hyphen writes decimals, scores and ranges ("cấp 10-12").
# Dates with month names are left out: English reports write the days before and
# after a happening (the vote, the sentencing scheduled) as often as its own.
_DAY_SLASH_MONTH = re.compile(r"(?<![\d/.,:])(\d{1,2})/(\d{1,2})(?:/((?:19|20)\d\d))?(?![\d/]|[.,:]\d)")
# Vietnamese writes the day with a hyphen or a dot too, after the word for the day
# or the time of day ("ngày 29-8", "chiều 20-6", "sáng 9.9"; not a range, "ngày
# 7-8/9"), and in words ("ngày 15 tháng 5").
_DAY_WORD_VI = r"\b(?:ngày|sáng|trưa|chiều|tối|đêm|nay)\s+"
_DAY_MONTH_VI = re.compile(_DAY_WORD_VI + r"(\d{1,2})\s*[-.]\s*(\d{1,2})"
                           r"(?:[-.]((?:19|20)\d\d))?(?![\d/]|\s*[-.]\s*\d)", re.IGNORECASE)
_DAY_MONTH_WORD_VI = re.compile(r"(?<!\d)(\d{1,2})\s+tháng\s+(\d{1,2})(?!\d)(?:\s*(?:năm|,)\s*((?:19|20)\d\d))?",
                                re.IGNORECASE)
_AFTER_DAY_WORD_VI = re.compile(_DAY_WORD_VI + "$", re.IGNORECASE)
_LEAP_YEAR = 2000  # day-of-year numbers of a leap year: 29 February has one


def mentioned_days(text: str, year: int | None = None) -> list[int]:
    """Days of the year (1-366, as in a leap year) of the day/month dates written
    in a text ("10/9", "27/10/2025", "ngày 29-8"), sorted. Impossible dates are
    skipped; so are dates of an earlier year than the latest year written or the
    text's own `year` (a birthday, the happening a year ago recalled), and "1/4",
    "2/3" (a quarter, two thirds) unless written after the word for a day."""
    text = unicodedata.normalize("NFC", text)
    found = []
    for match in _DAY_SLASH_MONTH.finditer(text):
        d, m, y = match.groups()
        if not y and int(d) < int(m) <= 4 and not _AFTER_DAY_WORD_VI.search(text[max(0, match.start() - 12):match.start()]):
            continue
        found.append((d, m, y))
    found += _DAY_MONTH_VI.findall(text) + _DAY_MONTH_WORD_VI.findall(text)
    latest_year = max([int(y) for _, _, y in found if y] + ([year] if year else []), default=None)
    out = set()
    for d, m, y in found:
        if y and int(y) < latest_year:
            continue
        try:
            out.add(datetime(_LEAP_YEAR, int(m), int(d)).timetuple().tm_yday)
        except ValueError:
            continue
    return sorted(out)


# Weekday names (folded) of the outlets' languages, Monday = 0.
_WEEKDAYS = {name: n for names in (
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"),
    ("lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo"),
    ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    ("lunedi", "martedi", "mercoledi", "giovedi", "venerdi", "sabato", "domenica"),
    ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    ("poniedzialek", "wtorek", "sroda", "czwartek", "piatek", "sobota", "niedziela"),
    ("segunda-feira", "terca-feira", "quarta-feira", "quinta-feira", "sexta-feira"),
) for n, name in enumerate(names)}
_WEEKDAY = re.compile(r"\b(" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")\b")


def mentioned_weekday(text: str) -> int | None:
    """The weekday (Monday = 0) a text names most often ("on Thursday"), the
    first named among equals; None when it names none."""
    named = [_WEEKDAYS[w] for w in _WEEKDAY.findall(fold(text))]
    if not named:
        return None
    counts = Counter(named)
    most = max(counts.values())
    return next(w for w in named if counts[w] == most)


# Ordinals of a series (folded), per language, 2 to 12: "the fifth eruption since
# December", "zum fünften Mal", "la sexta erupción". Left out: "first" (for the
# first time, the first crewed flight: no series), and words with another common
# sense (Portuguese "segundo", Italian "secondo": according to; Spanish "cuarto": a
# room; German "achten": to heed). A hyphen after the word makes another word
# ("second-largest", "quinta-feira": Thursday).
_ORDINAL_WORDS = {
    "en": ("second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
           "twelfth"),
    "de": ("zweite", "dritte", "vierte", "funfte", "sechste", "siebte", "achte", "neunte", "zehnte", "elfte",
           "zwolfte"),
    "es": ("segundo", "tercero", "cuarta", "quinto", "sexto", "septimo", "octavo", "noveno", "decimo",
           "undecimo", "duodecimo"),
    "fr": ("deuxieme", "troisieme", "quatrieme", "cinquieme", "sixieme", "septieme", "huitieme", "neuvieme",
           "dixieme", "onzieme", "douzieme"),
    "it": ("", "terzo", "quarto", "quinto", "sesto", "settimo", "ottavo", "nono", "decimo", "undicesimo",
           "dodicesimo"),
    "pt": ("", "terceiro", "quarto", "quinto", "sexto", "setimo", "oitavo", "nono", "decimo", "decimo primeiro",
           "decimo segundo"),
    "nl": ("tweede", "derde", "vierde", "vijfde", "zesde", "zevende", "achtste", "negende", "tiende", "elfde",
           "twaalfde"),
}


def _ordinal_forms(lang: str, word: str) -> list[str]:
    """A table word's inflected forms: German endings, Romance feminines."""
    if lang == "de":
        return [word + end for end in ("", "n", "r", "s", "m")]
    if lang in ("es", "it", "pt") and word.endswith("o"):
        return [word, word[:-1] + "a"] + (["tercer"] if word == "tercero" else [])
    return [word]


_ORDINALS = {lang: {form: n for n, word in enumerate(words, 2) if word for form in _ordinal_forms(lang, word)
                    if form != "achten"}
             for lang, words in _ORDINAL_WORDS.items()}
_ORDINAL = {lang: re.compile(r"\b(" + "|".join(sorted(table, key=len, reverse=True)) + r")\b(?![-\w])")
            for lang, table in _ORDINALS.items()}
_ORDINAL_DIGITS_EN = re.compile(r"\b([2-9]|1[0-2])(?:nd|rd|th)\b(?![-\w])")
# Words that make an ordinal one of a series of happenings, within a few words
# after it: "for the fifth time", "the sixth eruption since December", "the tenth
# straight increase", "zum fünften Mal", "por quinta vez", "op rij". Without them
# an ordinal ranks something else ("India's third lunar mission", "the fourth
# country to land on the Moon").
_SERIES_CUES = {
    "en": ("time", "times", "since", "consecutive", "straight", "in a row", "this year"),
    "de": ("mal", "seit", "in folge", "in diesem jahr", "innerhalb"),
    "es": ("vez", "desde", "consecutiva", "consecutivo", "en lo que va"),
    "fr": ("fois", "depuis", "consecutive", "consecutif"),
    "it": ("volta", "dal", "dalla", "dall", "da inizio", "consecutiva", "consecutivo"),
    "pt": ("vez", "desde", "consecutiva", "consecutivo"),
    "nl": ("keer", "sinds", "op rij", "dit jaar"),
}
_SERIES_CUE = {lang: re.compile(r"(?:\W*\w+){0,5}?\W+(?:" + "|".join(cues) + r")\b")
               for lang, cues in _SERIES_CUES.items()}


def mentioned_ordinal(text: str, lang: str, cued: bool = False) -> int | None:
    """The ordinal of a series (2-12) a text in `lang` names most often ("erupted
    for the fifth time", "der sechste Ausbruch"), the first named among equals;
    None when it names none or its language has no table. `cued`: only ordinals
    a few words before a word of a series (`_SERIES_CUES`: "time", "since", "Mal")."""
    pattern = _ORDINAL.get(lang)
    if pattern is None:
        return None
    folded = fold(text)
    table = _ORDINALS[lang]
    found = [(m.start(), m.end(), table[m.group(1)]) for m in pattern.finditer(folded)]
    if lang == "en":
        found += [(m.start(), m.end(), int(m.group(1))) for m in _ORDINAL_DIGITS_EN.finditer(folded)]
    cue = _SERIES_CUE[lang]
    named = [(start, n) for start, end, n in found if not cued or cue.match(folded, end)]
    if not named:
        return None
    ordered = [n for _, n in sorted(named)]
    counts = Counter(ordered)
    most = max(counts.values())
    return next(n for n in ordered if counts[n] == most)


def latest_day(days: list[int]) -> int | None:
    """The latest of some days of the year (sorted, as `mentioned_days` gives
    them) without their years: the one the longest stretch of days without any
    follows ("30/12" and "2/1": 2 January)."""
    if not days:
        return None
    following = [(b - a) % 366 for a, b in zip(days, days[1:] + days[:1])]
    return days[max(range(len(days)), key=lambda i: (following[i] or 366, i))]


def _month(name: str) -> int | None:
    return _MONTHS.get(name) or (_MONTHS.get(name[:3]) if name[:3] in _MONTHS and len(name) <= 9 else None)


def mentioned_dates(text: str, lang: str | None = None) -> list[datetime]:
    """Full dates written in a text ("Feb. 26, 2025", "26 de febrero de 2025",
    "2025-02-26", "26/02/2025", "ngày 26 tháng 2 năm 2025", "2025年2月26日"), in
    the languages of our outlets. Numeric dates are read day first except in
    English (`lang`), where only an unambiguous one is read (26/2/2025, 2/26/2025).
    Impossible dates are skipped."""
    folded = fold(text)
    if not _YEAR.search(folded):
        return []
    found: list[tuple[int, int | None, int]] = []
    found += [(int(y), _month(m), int(d)) for m, d, y in _MONTH_DAY_YEAR.findall(folded)]
    found += [(int(y), _month(m), int(d)) for d, m, y in _DAY_MONTH_YEAR.findall(folded)]
    found += [(int(y), int(m), int(d)) for y, m, d in _ISO_DATE.findall(folded)]
    found += [(int(y), int(m), int(d)) for y, m, d in _YEAR_MONTH_DAY_SIGNS.findall(folded)]
    found += [(int(y), int(m), int(d)) for d, m, y in _DAY_MONTH_WORD_VI.findall(unicodedata.normalize("NFC", text))
              if y]  # ngày 26 tháng 2 năm 2025
    for first, _, second, y in _NUMERIC_DATE.findall(folded):
        a, b = int(first), int(second)
        if lang in (None, "en") and min(a, b) <= 12:  # 3/4/2025: March 4 or 3 April
            if a <= 12 and b <= 12:
                continue
            a, b = (b, a) if b > 12 else (a, b)
        found.append((int(y), b, a))
    out = []
    for y, m, d in found:
        if m is None:
            continue
        try:
            out.append(datetime(y, m, d, tzinfo=timezone.utc))
        except ValueError:
            continue
    return sorted(set(out))
