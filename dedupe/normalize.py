"""Text normalisation for the story engine: Unicode, case, page clutter, tokens.

Pure functions only. Pages arrive with the clutter of their site around the
article (menus, "READ ALSO" boxes, share prompts, cookie notices, bylines,
photo credits); removing it first lets two copies of one text on different
sites match, and keeps the clutter out of what a copy "changed".
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone

import regex

# A leading " date YYYY-MM-DD" line is page metadata recorded with some pages.
_DATE_LINE = re.compile(r"^\s*date\s+(\d{4})-(\d{2})-(\d{2})\s*$")

_MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_URL = re.compile(r"https?://\S+|www\.\S+")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")

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
    | .*\b(cookies?|privacy\ policy|terms\ of\ (use|service)|all\ rights\ reserved|datenschutz)\b
    | (c|\(c\)|copyright)\ \d{4}\b | ©
    | (by|von|por|par|oleh)\ [\w.'\- ]{2,60}$
    | (photo|image|foto|picture|credit|source|quelle|fuente|bild)\s*[:/].*
    | .*\((ap|afp|reuters|getty|epa|dpa)\ (photo|images?|foto)[^)]*\)\s*$
    | .*\bgetty\ images\s*$
    | (updated|published|actualizado|aktualisiert|publie|mis\ a\ jour)\b.{0,40}\d{1,2}:\d{2}.*
    | listen\ to\ (this|the)\ (article|story)\b | \d+\ min(ute)?s?\ read$
    | (home|menu|search|log\ ?in|sign\ in|close|back\ to\ top|top\ stories|live\ tv|watch\ live)$
    )""",
    re.VERBOSE,
)

_SENTENCE_END = re.compile(r"[.!?…:;\"”»’)]\s*$")
_SENTENCE_SPLIT = regex.compile(r"(?<=[.!?…])[\"”»’)]*\s+(?=[\"“«‘(]*[\p{Lu}\d])")
_TOKEN = regex.compile(r"[\p{L}\p{N}]+(?:['’.\-][\p{L}\p{N}]+)*")
_CAPITALISED = regex.compile(r"^\p{Lu}")


def fold(text: str) -> str:
    """Unicode-compatible, casefolded, accent-free form used for all matching."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def clean_line(line: str) -> str:
    """One line with images, URLs, bullets and odd spaces taken out."""
    line = unicodedata.normalize("NFKC", line)
    line = _MARKDOWN_IMAGE.sub(" ", line)
    line = _URL.sub(" ", line)
    line = _SPACES.sub(" ", line).strip()
    return line.lstrip("•·*-–—|>#").strip()


def is_boilerplate(line: str) -> bool:
    """True for a line of page clutter rather than article text.

    Besides the known prompts, short lines without sentence punctuation are
    menu entries and tags; a headline has at least five words.
    """
    folded = fold(line).strip()
    if not folded:
        return True
    if _BOILERPLATE.match(folded):
        return True
    words = len(folded.split())
    return words < 5 and not _SENTENCE_END.search(line)


def page_date(text: str) -> datetime | None:
    """The date of a leading ` date YYYY-MM-DD` metadata line, if the page has one."""
    first = text.lstrip("\n").split("\n", 1)[0]
    m = _DATE_LINE.match(first)
    if not m:
        return None
    try:
        return datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=timezone.utc)
    except ValueError:
        return None


def article_lines(text: str) -> list[str]:
    """The article's own lines: metadata, clutter and repeated lines removed, order kept."""
    out: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(text.split("\n")):
        if i == 0 and _DATE_LINE.match(raw):
            continue
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


def sentences(text: str) -> list[str]:
    """Sentences of a cleaned text (a paragraph break always ends one)."""
    out: list[str] = []
    for para in text.split("\n"):
        out.extend(s.strip() for s in _SENTENCE_SPLIT.split(para) if s.strip())
    return out


def tokens(text: str) -> list[str]:
    """Folded word tokens of a text, in order."""
    return _TOKEN.findall(fold(text))


def capitalised_tokens(text: str) -> list[str]:
    """Folded tokens written with a capital (names, places, organisations) or digits.

    These survive translation better than other words, so they link reports
    of one event across languages.
    """
    out = []
    for tok in _TOKEN.findall(unicodedata.normalize("NFKC", text)):
        if _CAPITALISED.match(tok) or tok[0].isdigit():
            out.append(fold(tok))
    return out
