"""Bylines and datelines in the markup near the headline, where trafilatura's author search does not look or
picks another story's byline (a teaser list above the article).

Read after the headline, in page order, the first of: an element marked as the author
(itemprop=author with its nested itemprop=name, rel=author, class author/byline/vcard/fn/
contributor), a link to an author page (/author/<name>, /staff/<name>), or a text that says
"By Name" (also "... 6:08 PM ET by <a>Name</a>"). Names are cleaned by
`metadata.clean_byline_names`. Plain lxml: trafilatura and htmldate offer no such search.
"""
from __future__ import annotations

import re
import warnings
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from dateutil import parser as dateparser

from newsagg.crawler.extract.metadata import CREDENTIAL, clean_byline_names, split_names

WINDOW = 150  # elements after the headline searched for its byline
MAX_BYLINE_WORDS = 12  # a longer text is a bio or a paragraph, not a byline
_CLASS = re.compile(r"author|byline|contributor|\bvcard\b|\bfn\b|\bwriter\b|autor|auteur", re.IGNORECASE)
_NOT_BYLINE = re.compile(r"comment|avatar|bio\b|about|share|social|related|more-from|caption|credit|photo",
                         re.IGNORECASE)
AUTHOR_PATH = re.compile(r"(?<!/topics)(?<!/tags)(?<!/tag)/(?:author|authors|staff|contributors?|people|writers?|journalists?|autor|auteur|"
                         r"redakteur|profile)/([^/?#]+)", re.IGNORECASE)
# 'By Name', 'by: Name'; not 'Photograph by Name' (a credit)
_CREDIT_WORDS = r"photo|photos|photograph|photographed|image|images|illustration|illustrated|video|styled|shot|graphics?"
_BY = re.compile(r"(?:^|(?<=[\s,|•·]))(?:by|von|par|por|door)\s*:?\s+(.*)$", re.IGNORECASE | re.DOTALL)
_CREDIT_BEFORE = re.compile(rf"\b(?:{_CREDIT_WORDS})\s*$", re.IGNORECASE)
_BY_AT_END = re.compile(r"(?:^|\s)(?:by|von|par|por|door)\s*:?\s*$", re.IGNORECASE)
# a date, a time, an outlet or 'Published ...' after the name
_CUT = re.compile(r"\s+[/|•·–—]\s+|\s+-\s+|\n|\s{3,}|\(|\d|\s(?:published|updated|posted|on)\b", re.IGNORECASE)
_NAME_CLASS = re.compile(r"^(?:author|fn|.*name)$", re.IGNORECASE)  # 'author-card__details__name', 'fn'; not '__microbio'


def _name_parts(el) -> list[str]:
    """Texts of the elements inside a byline marked as holding a name."""
    return [_text(e) for e in el.iterdescendants() if isinstance(e.tag, str)
            and any(_NAME_CLASS.match(token) for token in (e.get("class") or "").split())]
_SKIP_TAGS = {"script", "style", "noscript", "template", "svg"}


def _words(text: str) -> int:
    return len(text.split())


def _text(el) -> str:
    """Text with a space between elements' texts ('Eric Tucker<br>Associated Press' stays two words)."""
    return re.sub(r"\s+", " ", " ".join(el.itertext())).strip()


def _by_names(text: str) -> str | None:
    """What follows 'By' in a text, unless a credit word ('Photograph by') comes before it."""
    match = _BY.search(text)
    before = text[:match.start()] if match else ""
    if not match or _CREDIT_BEFORE.search(before.rstrip(" :")) or not _not_prose(before):
        return None  # 'Photograph by', '... likely to be acquired by Kirin'
    return match.group(1)


def _names(text: str, keys: set[str]) -> list[str]:
    after = _by_names(text)
    if after is not None:
        text = after
    text = _CUT.split(text, maxsplit=1)[0]
    # 'Rachael Link, MS, RD': degrees after a comma are not people; nor is a sentence in an 'author' box
    return [n for n in clean_byline_names(split_names(text), keys) if not CREDENTIAL.match(n) and _plausible(n)]


_PARTICLES = {"van", "von", "de", "del", "della", "da", "di", "la", "le", "du", "der", "den", "ten", "ter", "bin", "al", "y"}


def _plausible(name: str) -> bool:
    """At most five words, at most one of them lower case (particles aside): 'Ludwig van Beethoven',
    'jdadmin'; not 'Siamo un memorabilia del meglio'."""
    words = name.split()
    return len(words) <= 5 and sum(w[:1].islower() and w not in _PARTICLES for w in words) <= (1 if len(words) < 3 else 0)


def _name_key(name: str) -> str:
    """Letters a-z only, lower case: a name and its address slug compare alike ('Craig Lloyd', 'craiglloyd')."""
    return re.sub(r"[^a-z]", "", name.lower())


def _author_link_names(el, keys: set[str]) -> list[str]:
    """A link to an author page whose text is a name: '/author/craiglloyd/' -> 'Craig Lloyd'."""
    match = AUTHOR_PATH.search(el.get("href") or "")
    text = _text(el)
    if not match or not 1 < _words(text) <= 4:
        return []
    return clean_byline_names([text], keys)


def _in_noise(el) -> bool:
    """Inside a comment, an author bio box or a share bar (its element or three nearest ancestors);
    a class that says byline too ('byline-social': the byline beside share buttons) is no noise."""
    for e in [el, *list(el.iterancestors())[:3]]:
        marks = f"{e.get('class', '')} {e.get('id', '')}"
        if _NOT_BYLINE.search(marks) and any(_NOT_BYLINE.search(t) and "byline" not in t.lower() for t in marks.split()):
            return True
    return False


def _candidate(el, keys: set[str]) -> list[str]:
    if not isinstance(el.tag, str) or el.tag in _SKIP_TAGS or _in_noise(el):
        return []
    if el.get("itemprop") == "author":
        inner = el.xpath('.//*[@itemprop="name"]')
        text = (inner[0].get("content") or _text(inner[0])) if inner else (el.get("content") or _text(el))
        if text and _words(text) <= MAX_BYLINE_WORDS:
            return _names(text, keys)
    if "author" in (el.get("rel") or "").lower().split() and _words(_text(el)) <= MAX_BYLINE_WORDS:
        return _names(_text(el), keys)
    if el.tag == "a":
        found = _author_link_names(el, keys)
        if found:
            return found
    marks = f"{el.get('class', '')} {el.get('id', '')}"
    text = _text(el)
    if _CLASS.search(marks) and text and _words(text) <= MAX_BYLINE_WORDS and "comment" not in text.lower():
        # <span class="author">Tom Davies</span><span class="publication">Associated Press</span>: the name parts only
        parts = _name_parts(el)
        if parts:
            return clean_byline_names([n for part in parts for n in _names(part, keys)], keys)
        return _names(text, keys)
    # 'By Duncan Bell / January 19' as the element's own text or the text after it; '... ET by' + <a>Name</a>
    found = _by_text_names(el.tail, keys)
    if found:
        return found
    if _words(text) <= MAX_BYLINE_WORDS + 8:
        for part in (el.text, *(child.tail for child in el)):
            if el.tag == "a" and not (part or "").strip().lower().startswith(("by", "von", "par", "por", "door")):
                continue  # a link 'Horoscope for Wednesday by Name' is another story's teaser
            found = _by_text_names(part, keys)
            if found:
                return found
        for child in el:
            before = el.text if child.getprevious() is None else child.getprevious().tail
            if isinstance(child.tag, str) and _BY_AT_END.search(before or "") and _not_prose(before) \
                    and not _CREDIT_BEFORE.search(_BY_AT_END.sub("", before or "")) and _words(_text(child)) <= 6:
                found = clean_byline_names(split_names(_text(child)), keys)
                if found:
                    return found
    return []


_DATELINE_WORDS = {"at", "on", "posted", "published", "written", "updated", "am", "pm", "and", "by", "von", "par",
                   "por", "door"}


def _not_prose(before: str) -> bool:
    """The text before 'by <a>Name</a>' is a date line ('January 17, 2017 at 6:08 PM ET by'), not a
    sentence ('... was succeeded in May by'): at most two lower-case words besides dateline ones."""
    lower = [w for w in re.findall(r"[^\W\d_]+", before) if w.islower() and w not in _DATELINE_WORDS]
    return len(lower) <= 2


def _by_text_names(part: str | None, keys: set[str]) -> list[str]:
    """'by Duncan Bell / January 19, 2017' -> ['Duncan Bell']: short, and every name capitalised."""
    part = (part or "").strip()
    if not part or _words(part) > MAX_BYLINE_WORDS or _by_names(part) is None:
        return []
    found = _names(part, keys)
    return found if found and all(_looks_like_name(n) for n in found) else []


def _looks_like_name(name: str) -> bool:
    """Two to four words, each capitalised (or a particle): 'Duncan Bell', 'Ludwig van Beethoven'."""
    words = name.split()
    return 1 < len(words) <= 4 and all(w[:1].isupper() or w in {"van", "von", "de", "del", "da", "di", "la", "le"}
                                       for w in words)


def headline_element(tree, title: str):
    """The heading that shows the title, else the page's first <h1>, else None."""
    want = _name_key(title)
    for heading in tree.xpath("//h1")[:10] + tree.xpath("//h2")[:20]:  # an <h1> first: an <h2> may be a teaser's
        if want and _name_key(_text(heading)) == want:
            return heading
    first = tree.xpath("//h1[1]")
    return first[0] if first else None


def near_headline_byline(tree, title: str, keys: set[str]) -> list[str]:
    """Names of the first byline within WINDOW elements after the headline."""
    headline = headline_element(tree, title)
    if headline is None:
        return []
    for el in headline.xpath(f"following::*[position() <= {WINDOW}]"):
        found = _candidate(el, keys)
        if found:
            return _whole_byline(el, found, keys)
    return []


def _whole_byline(el, found: list[str], keys: set[str]) -> list[str]:
    """'By <span>A</span> and <span>B</span>': the names of the short 'By ...' line around the
    first marked-up name, when it names more people."""
    found = [n for n in found if not CREDENTIAL.match(n) and _plausible(n)]
    for parent in [el, *list(el.iterancestors())[:2]]:
        text = _text(parent)
        if _words(text) > MAX_BYLINE_WORDS + 8 or _by_names(text) is None:
            continue
        names = _names(text, keys)
        if len(names) > len(found) and {n.casefold() for n in found} <= {n.casefold() for n in names}:
            return names
    return found


def author_page_link(tree, keys: set[str]) -> list[str]:
    """Anywhere on the page: a link to an author page whose text is the name its address spells
    ('/author/craiglloyd/' + 'Craig Lloyd'), first in page order (an author box below the story)."""
    for link in tree.xpath('//a[contains(@href, "/author")]'):
        match = AUTHOR_PATH.search(link.get("href") or "")
        text = _text(link)
        if match and text and _name_key(match.group(1)) == _name_key(text) and not _in_comment(link):
            found = clean_byline_names([text], keys)
            if found:
                return found
    return []


def _in_comment(el) -> bool:
    return any("comment" in f"{e.get('class', '')} {e.get('id', '')}".lower() for e in [el, *el.iterancestors()])


# ------------------------------------------------------------------ the dateline the reader sees

_DATE_MARKS = re.compile(r"date|time|publish|posted|dateline|fecha|datum", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_CLOCK = re.compile(r"\b\d{1,2}[:.]\d{2}(?!\d)")
# dateutil knows English month names only: 'jueves, 09 enero 2014' would read as 1 September
_MONTH_OR_ISO = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\b|\b\d{4}-\d{2}-\d{2}",
                           re.IGNORECASE)
# US zone names pages print after a time ('12:37 PM ET'); dateutil reads them with these
_ZONES = {"ET": "America/New_York", "EST": "America/New_York", "EDT": "America/New_York",
          "CT": "America/Chicago", "CST": "America/Chicago", "CDT": "America/Chicago",
          "MT": "America/Denver", "MST": "America/Denver", "MDT": "America/Denver",
          "PT": "America/Los_Angeles", "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
          "UTC": "UTC", "GMT": "UTC", "Z": "UTC"}


def _read_dateline(text: str) -> datetime | None:
    """'December 7, 2016 @ 3:53 PM', 'Thu, 14 May 2020 17:55 UTC', 'Dec 16, 2016, 12:37 PM ET'; naive is UTC."""
    if not (_YEAR.search(text) and _CLOCK.search(text) and _MONTH_OR_ISO.search(text)):
        return None
    zones = {name: ZoneInfo(zone) for name, zone in _ZONES.items()}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            when = dateparser.parse(text.replace("@", " "), fuzzy=True, tzinfos=zones, default=datetime(1, 1, 1))
    except (ValueError, OverflowError, TypeError):
        return None
    if not 1990 <= when.year <= 2100:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def visible_dateline(tree, title: str) -> datetime | None:
    """The first date with a time of day the page shows after its headline, in a <time> or an element
    marked as a date (class/id/itemprop), outside embedded posts (<blockquote>); in the offset shown."""
    headline = headline_element(tree, title)
    if headline is None:
        return None
    for el in headline.xpath(f"following::*[position() <= {WINDOW}][not(ancestor::blockquote)]"):
        if not isinstance(el.tag, str) or el.tag in _SKIP_TAGS:
            continue
        marks = f"{el.get('class', '')} {el.get('id', '')} {el.get('itemprop', '')}"
        if el.tag == "time" or _DATE_MARKS.search(marks):
            text = _text(el)
            if 0 < _words(text) <= MAX_BYLINE_WORDS:
                when = _read_dateline(text)
                if when:
                    return when
    return None
