"""Page metadata from JSON-LD, OpenGraph and plain HTML: pure functions on an lxml tree."""
from __future__ import annotations

import copy
import json
import re
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator
from urllib.parse import urljoin, urlsplit

from dateutil import parser as dateparser

from newsagg.crawler.extract.titles import fix_text

ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
                 "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "liveblogposting",
                 "report", "scholarlyarticle", "techarticle", "socialmediaposting"}
VIDEO_TYPES = {"videoobject", "clip", "movie", "episode"}


_NO_DATE = datetime(1, 1, 1)  # dateutil fills what the text lacks from this: year 1 is then refused below


def parse_datetime(value: Any) -> datetime | None:
    """A date or datetime in any common format as aware UTC (naive means UTC); None if unreadable."""
    dt = parse_local_datetime(value)
    return dt.astimezone(timezone.utc) if dt else None


def parse_local_datetime(value: Any) -> datetime | None:
    """Like parse_datetime, but in the offset the text gives (the publisher's local day)."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                with warnings.catch_warnings():  # unknown zone names (EST, IST) are read as UTC below
                    warnings.simplefilter("ignore")
                    dt = dateparser.parse(text, default=_NO_DATE)  # a time alone ('10:05') is not a date
            except (ValueError, OverflowError, TypeError):
                return None
    else:
        return None
    if dt is None or not 1990 <= dt.year <= 2100:
        return None
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt


@dataclass(kw_only=True)
class ArticleFields:
    """What a page says about the article on it (shared by the metadata and the result)."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    modified: datetime | None = None
    language: str | None = None
    image: str | None = None
    section: str | None = None
    description: str | None = None


@dataclass(kw_only=True)
class PageMeta(ArticleFields):
    """What a page declares about itself: title is JSON-LD headline, else og:title, else <title>."""

    canonical: str | None = None
    og_url: str | None = None
    amp: bool = False
    html_title: str | None = None
    og_type: str | None = None
    ld_types: set[str] = field(default_factory=set)
    ld_body: str | None = None
    # the raw headline candidates, for crawler.extract.titles
    ld_headline: str | None = None
    og_title: str | None = None
    h1: str | None = None
    site_name: str | None = None  # og:site_name, else the JSON-LD publisher's name
    publisher: str | None = None  # the JSON-LD publisher's name
    h1_standalone: bool = False  # h1 is a real <h1>, without links, outside menus, sidebars and footers
    h1_own: bool = False  # h1 (an <h1>, or the article's first <h2> on a page without one) passes the same test
    headings: list[str] = field(default_factory=list)  # every <h1>'s text, in page order, then the <h2>s'
    published_day_only: bool = False  # the metadata gives the day, no time of it
    author_credits: bool = False  # the <meta> author list carries credits ('Ann Lee at MSA Models'): a shoot's crew
    alt_titles: list[str] = field(default_factory=list)  # twitter:title, sailthru.title, ...: only to confirm a heading
    marked_up_dates: list[datetime] = field(default_factory=list)  # <time datetime> etc. in the body

    @property
    def declares_article(self) -> bool:
        return bool(self.ld_types & ARTICLE_TYPES) or (self.og_type or "").lower() == "article" \
            or self.published is not None

    @property
    def declares_video(self) -> bool:
        return (self.og_type or "").lower().startswith("video") or (
            bool(self.ld_types & VIDEO_TYPES) and not self.ld_types & ARTICLE_TYPES)


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return re.sub(r"\s+", " ", value).strip() or None
    if isinstance(value, dict):
        return _text(value.get("name") or value.get("url") or value.get("@id"))
    if isinstance(value, list) and value:
        return _text(value[0])
    return None


_NAME_SEPARATORS = re.compile(r"\s*(?:,|;|\||&|\band\b|\bund\b|\bet\b|\by\b)\s*")


# 'By ', 'Analysis by ', 'Posted by ' before the names
_LEAD = re.compile(r"^(?:(?:analysis|opinion|commentary|review|reported|written|posted|story|text|words)\s+)?"
                   r"(?:by|von|par|por)\s*:?\s+", re.IGNORECASE)
# 'Finian Cunningham. Sputnik International': a full stop after a word (not an initial, 'Dr.', 'Jr.') ends a name
_FULL_STOP = re.compile(r"(?<=\w[a-z]{2})\.\s+(?=[^\W\d_])")


def split_names(text: str | None) -> list[str]:
    """'A, B and C' -> ['A', 'B', 'C'] (bylines list several people in one string)."""
    text = _LEAD.sub("", fix_text(text))  # entities first: 'O&#8217;Roe' holds a ';
    text = re.sub(r"^[^\W\d_]+(?:\s[^\W\d_]+)?\s*:\s*(?=\S)", "", text)  # a label: 'Text: ', 'Written by: '; no name has ':'
    text = _FULL_STOP.sub(", ", text)
    return [n for n in (part.strip() for part in _NAME_SEPARATORS.split(text)) if n]


_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
           "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
# What bylines carry after the name: a date, a job title, a bio sentence ('Jack Doe is an editor').
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_AFTER_NAME = re.compile(
    rf"\s+(?:(?:{_MONTHS}|{_WEEKDAYS}|published|updated|posted)\b.*|(?:is|was|covers|writes)\s.*|"
    r"(?:senior|chief|staff|contributing|associate|deputy|managing|executive|political|politics|"
    r"editor|reporter|correspondent|writer|columnist|contributor|producer)\b.*)$", re.IGNORECASE)
_NOT_A_NAME = re.compile(rf"^(?:(?:{_MONTHS})\.?(?:\s+\d.*)?|.*@.*|.*\b(?:com|org|net)|https?:.*|\W*|.*\d.*)$", re.IGNORECASE)
_AGENCIES = (r"(?:the\s+)?(?:associated\s+press|ap|reuters|afp|agence\s+france-presse|dpa|efe|ansa|upi|xinhua|"
             r"kyodo|yonhap|press\s+association|pa|cnn|bloomberg|tass|bbc|ians|pti)")
_AGENCY = re.compile(rf"^{_AGENCIES}$", re.IGNORECASE)
_AGENCY_DESK = re.compile(rf"^{_AGENCIES}(?:\s+[^\W\d_]+)?$", re.IGNORECASE)  # 'CNN Business', 'AP Sports'
# A job title in a byline list: 'TOM KRISHER, AP Auto Writer', 'Chris Cillizza, CNN Editor-at-large'
_JOB_TITLE = re.compile(
    rf"^(?:{_AGENCIES}\s+)?(?:(?:senior|chief|staff|contributing|associate|deputy|managing|executive|political|"
    r"politics|national|international|foreign|sports?|auto|business|science|tech|technology|health|entertainment|"
    r"news|special|investigative|legal|medical|digital|local|education|economics|markets|music|film|travel|food|"
    r"features?|white\s+house|congressional|diplomatic|security)\s+){0,3}"
    r"(?:writer|reporter|editor(?:-at-large)?|correspondent|columnist|contributor|producer|analyst|critic)s?$",
    re.IGNORECASE)
CREDENTIAL = re.compile(r"^(?:[A-Z]{2,4}|Ph\.?D\.?|M\.?D\.?)$")  # 'Rachael Link, MS, RD': degrees, not people
_DESK_NAME = re.compile(r"^(?:\S+\s+){1,3}(?:staff|desk|team|newsroom)$", re.IGNORECASE)  # 'IGN Staff', 'BWW News Desk'
_CJK_NAME = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_AGENCY_AFTER = re.compile(rf"[\s,]+{_AGENCIES}$", re.IGNORECASE)
_CREDIT = re.compile(r"\s(?:at|for|using|via)\s")  # 'Ann Lee at MSA Models': a photo shoot's credits, not a byline


def clean_byline_names(names: list[str], site_keys: set[str] = frozenset()) -> list[str]:
    """Names from a byline found in the markup, without what follows a name there (a date, a job
    title, a bio sentence), without e-mail remnants, dates or the site's own name, each once."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in names:
        name = raw.strip().strip(" ,;|-")
        short = name if _JOB_TITLE.match(name) or _DESK_NAME.match(name) else _AFTER_NAME.sub("", name).strip(" ,;|-")
        if len(short.split()) >= 2:  # 'Sam Stein Senior Editor' -> 'Sam Stein'; 'AOL Staff', 'Science X staff' stay
            name = short
        words = name.split()
        half = len(words) // 2
        if half and len(words) % 2 == 0 and words[:half] == words[half:]:  # 'Jane Doe Jane Doe'
            name = " ".join(words[:half])
        key = re.sub(r"\W+", "", name.casefold())
        if not name or _NOT_A_NAME.match(name) or _CREDIT.search(name) or key in seen \
                or key.removeprefix("the") in site_keys:
            continue
        seen.add(key)
        out.append(name)
    # 'ERIC TUCKER Associated Press' -> 'ERIC TUCKER'; an agency beside people's names is their outlet,
    # alone it is the byline ('Reuters')
    out = [_AGENCY_AFTER.sub("", n) if len(_AGENCY_AFTER.sub("", n).split()) >= 2 else n for n in out]
    # beside people's full names, a job title, an outlet ('CNN Business'), a degree ('MS') or a one-word
    # outlet ('Jill Roe, Futurism') is not another author; alone it is the byline ('Reuters', 'AOL Staff')
    people = [n for n in out if not (_AGENCY_DESK.match(n) or _JOB_TITLE.match(n) or CREDENTIAL.match(n)
                                     or _DESK_NAME.match(n))]
    if any(len(n.split()) >= 2 for n in people):
        people = [n for n in people if len(n.split()) >= 2 or _CJK_NAME.search(n)]
    return people or out


def _names(value: Any) -> list[str]:
    """Authors' names in JSON-LD: Person/Organization objects or strings, which may hold a whole byline
    ('By TOM KRISHER, AP Auto Writer')."""
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    if isinstance(value, dict):
        return split_names(_text(value.get("name")))
    return split_names(_text(value))


MAX_HEADINGS = 10
# Other titles publishers' tools put in <meta>: a heading that reads like one of them is the headline
# Headlines marked up other than as a heading (schema.org microdata, common CMS classes)
HEADLINE_MARKUP = ('//*[@itemprop="headline" and not(self::meta)] | //*[contains(concat(" ", normalize-space(@class), " "), '
                   '" entry-title ") or contains(concat(" ", normalize-space(@class), " "), " headline ")]')
ALT_TITLE_NAMES = ("twitter:title", "sailthru.title", "parsely-title", "dc.title", "DC.title", "headline", "title")


# Parts of a heading set apart from the headline by their class: a kicker or roofline above it, a
# category, a badge after it ('Abonnés'), text for screen readers or hidden ('Thema ', '.')
_ASIDE_CLASS_PARTS = ("kicker", "roofline", "pretitle", "overline", "eyebrow", "badge", "sr-only",
                      "visually-hidden", "screen-reader")
_ASIDE_CLASSES = {"label", "category", "aural", "hide", "hidden"}
_ASIDES = ".//*[@class]"


def _heading_forms(heading) -> list[str]:
    """The heading's text with its kicker (when a metadata title has it too: 'Zugverkehr: Im ICE …'),
    then without; one form when nothing in it is marked as a kicker, badge or hidden."""
    forms = [_heading_text(heading, asides=False), _heading_text(heading)]
    return [t for i, t in enumerate(forms) if t and t not in forms[:i]]


def _heading_text(heading, *, asides: bool = True) -> str | None:
    """A heading's text without a link beside other text in it (a logo or section link: 'Headline'
    + <a>Site</a>) and (asides) without parts marked as a kicker, badge or hidden; a headline that
    is all link stays."""
    if heading.find(".//br") is not None:  # a line break shows as a space: 'the quay<br>for' is no 'quayfor'
        heading = copy.deepcopy(heading)
        for br in heading.iter("br"):
            br.tail = " " + (br.tail or "")
    if asides and any(_is_aside(el.get("class")) for el in heading.xpath(_ASIDES)):
        bare = copy.deepcopy(heading)
        for el in [el for el in bare.xpath(_ASIDES) if _is_aside(el.get("class"))]:
            if el.getparent() is not None:  # not inside an aside dropped already
                el.drop_tree()  # keeps the text after it
        heading = bare if bare.text_content().strip() else heading  # all of it marked: keep it whole
    own = "".join(t for t in heading.xpath(".//text()[not(ancestor::a)]")).strip()
    return _text(own if own else heading.text_content())


def _is_aside(classes: str | None) -> bool:
    tokens = (classes or "").lower().split()
    return any(t in _ASIDE_CLASSES or any(part in t for part in _ASIDE_CLASS_PARTS) for t in tokens)


def _types(obj: dict) -> set[str]:
    t = obj.get("@type")
    return {str(x).lower() for x in (t if isinstance(t, list) else [t]) if x}


def _ld_objects(data: Any) -> Iterator[dict]:
    if isinstance(data, list):
        for item in data:
            yield from _ld_objects(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _ld_objects(data["@graph"])


def _json_ld(tree) -> list[dict]:
    objects = []
    for script in tree.xpath('//script[contains(translate(@type, "JSONLD", "jsonld"), "ld+json")]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except RecursionError:  # nested thousands deep: no article metadata is
            continue
        except ValueError:
            try:  # control characters inside strings are common on the web
                data = json.loads(raw, strict=False)
            except (ValueError, RecursionError):
                continue
        try:
            objects.extend(_ld_objects(data))
        except RecursionError:
            continue
    return objects


def _meta_index(tree) -> dict[str, list[str]]:
    """Every <meta> content under each of its property, name and itemprop, in page order: one scan
    of the page for the dozens of names read_metadata looks up."""
    index: dict[str, list[str]] = {}
    for el in tree.iter("meta"):
        content = el.get("content")
        if content is None:
            continue
        for name in {el.get("property"), el.get("name"), el.get("itemprop")} - {None}:
            index.setdefault(name, []).append(content)
    return index


def _meta(metas: dict[str, list[str]], *names: str) -> str | None:
    for name in names:
        for value in metas.get(name, ()):
            if value and value.strip():
                return value.strip()
    return None


# <meta> names publishers put the byline in (case varies: 'Author'; NYT-style 'byl' says 'By ...')
# (not dc.creator: often the desk or the site, 'Zone Justice - ICI.Radio-Canada.ca')
AUTHOR_NAMES = ("author", "Author", "AUTHOR", "article:author", "parsely-author", "sailthru.author", "byl",
                "citation_author")

MAX_MARKED_UP_DATES = 5

# <meta> names and properties publishers put the first publication in, in the order trusted
PUBLISHED_NAMES = ("article:published_time", "datePublished", "pubdate", "publishdate", "publish_date", "date",
                   "dc.date", "DC.date.issued", "dc.date.issued", "dcterms.created", "DC.date.created",
                   "parsely-pub-date", "sailthru.date", "article.published", "og:published_time")


def _meta_date(metas: dict[str, list[str]], names: tuple[str, ...]) -> datetime | None:
    """The first of those <meta> values that reads as a date ('10:05' alone does not)."""
    for name in names:
        for value in metas.get(name, ()):
            found = parse_datetime(value)
            if found:
                return found
    return None


def _marked_up_dates(tree) -> list[datetime]:
    """Dates with a time of day in the body's markup: elements marked itemprop=datePublished, then
    <time datetime> inside the <article> (on pages that list other stories these may be theirs)."""
    found = []
    values = tree.xpath('//*[@itemprop="datePublished"]/@datetime | //*[@itemprop="datePublished"]/@content'
                        ' | //article//time[not(ancestor::blockquote)]/@datetime')  # not an embedded post's time
    for value in values[:MAX_MARKED_UP_DATES]:
        if "T" in value or ":" in value:
            when = parse_local_datetime(value)
            if when:
                found.append(when)
    return found


def midday(day: datetime) -> datetime:
    """A date without a time as 12:00 UTC: the same calendar day from UTC-11 to UTC+11, where
    midnight UTC is the day before everywhere in the Americas."""
    return day.replace(hour=12) if _is_bare_day(day) else day


def _is_bare_day(when: datetime) -> bool:
    return (when.hour, when.minute, when.second, when.microsecond) == (0, 0, 0, 0)


def same_day(day: datetime, candidates: list[datetime]) -> datetime | None:
    """The first candidate (in its own offset) that falls on `day` (a bare date, midnight UTC), in UTC."""
    for when in candidates:
        if when.date() == day.date():
            return when.astimezone(timezone.utc)
    return None


def _same_page(href: str, page_urls: set[str]) -> bool:
    """`href` (relative to the page) leads to the page itself: the same host (www aside) and path."""
    def where(link: str, base: str) -> tuple[str, str]:
        parts = urlsplit(urljoin(base, link.strip()))
        return (parts.hostname or "").removeprefix("www."), parts.path.rstrip("/")
    return any(where(href, u) == where(u, u) for u in page_urls)


def read_metadata(tree, url: str | None = None) -> PageMeta:
    meta = PageMeta()
    html = tree.getroottree().getroot()
    meta.amp = html.get("amp") is not None or html.get("\u26a1") is not None
    canonical = tree.xpath('//link[contains(concat(" ", normalize-space(translate(@rel, "CANONIL", "canonil")), " "), " canonical ")]/@href')
    meta.canonical = canonical[0].strip() if canonical and canonical[0].strip() else None
    metas = _meta_index(tree)
    meta.og_url = _meta(metas, "og:url")
    meta.og_type = _meta(metas, "og:type")
    titles = tree.xpath("//title/text()")
    meta.html_title = _text(titles[0]) if titles else None

    article = {}
    for obj in _json_ld(tree):
        types = _types(obj)
        meta.ld_types |= types
        if types & ARTICLE_TYPES and not article:
            article = obj
    if article:
        meta.title = meta.ld_headline = _text(article.get("headline") or article.get("name"))
        meta.site_name = _text(article.get("publisher"))
        meta.authors = clean_byline_names(_names(article.get("author")))
        meta.publisher = _text(article.get("publisher"))
        meta.published = parse_datetime(article.get("datePublished"))
        meta.modified = parse_datetime(article.get("dateModified"))
        meta.image = _text(article.get("image") or article.get("thumbnailUrl"))
        meta.section = _text(article.get("articleSection"))
        meta.language = _text(article.get("inLanguage"))
        meta.description = _text(article.get("description"))
        body = article.get("articleBody")
        meta.ld_body = body.strip() if isinstance(body, str) else None
    meta.og_title = _meta(metas, "og:title", "twitter:title")
    meta.title = meta.title or meta.og_title or meta.html_title
    meta.site_name = _meta(metas, "og:site_name", "application-name") or meta.site_name
    headings = tree.xpath("(//article//h1 | //main//h1)[1]") or tree.xpath("//h1[1]") \
        or tree.xpath("(//article//h2 | //main//h2 | //header//h2)[1]")  # no <h1> at all: the article's first <h2>
    meta.h1 = _heading_text(headings[0]) if headings else None
    # an <h1> of the page's own, not a teaser's link, a logo link or one in a menu, sidebar or footer;
    # a link to the page itself (a blog's permalink on its post title) is no teaser, nor is a section's
    # link beside three words or more of the heading's own ('<a>Politik</a> Headline …')
    page_urls = {u for u in (url, meta.canonical, meta.og_url) if u}
    meta.h1_own = bool(headings) and not headings[0].xpath(
        "ancestor-or-self::*[self::a or self::nav or self::aside or self::footer]") and (all(
            _same_page(href, page_urls) for href in headings[0].xpath(".//a/@href"))
            or len("".join(headings[0].xpath(".//text()[not(ancestor::a)]")).split()) >= 3)
    meta.h1_standalone = meta.h1_own and headings[0].tag == "h1"
    # <h2>s after the <h1>s: some pages keep the site's logo in every <h1> and the headline in an <h2>;
    # a heading only becomes the title when a metadata title confirms it (crawler.extract.titles)
    # (not those of a sidebar: a blog's name in an <aside> <h2> is no headline a <title> decorates)
    found = tree.xpath("//h1[not(ancestor::aside)]")[:MAX_HEADINGS] + tree.xpath("//h2[not(ancestor::aside)]")[:MAX_HEADINGS] \
        + tree.xpath(HEADLINE_MARKUP)[:3]
    meta.headings = [text for h in found for text in _heading_forms(h)]
    meta.alt_titles = [t for t in (_meta(metas, name) for name in ALT_TITLE_NAMES) if t]
    if not meta.authors:
        author = _meta(metas, *AUTHOR_NAMES)
        names = split_names(author) if author and not author.startswith("http") else []
        meta.authors = clean_byline_names(names)
        meta.author_credits = any(_CREDIT.search(n) for n in names)
    meta.marked_up_dates = _marked_up_dates(tree)
    meta.published = meta.published or _meta_date(metas, PUBLISHED_NAMES)
    if meta.published and _is_bare_day(meta.published):  # '2016-12-15': the markup may say at what time
        timed = same_day(meta.published, meta.marked_up_dates)
        meta.published_day_only = timed is None
        meta.published = timed or midday(meta.published)
    elif not meta.published and meta.marked_up_dates:  # before htmldate's guess: it misreads 10/04/16 as April
        meta.published = meta.marked_up_dates[0].astimezone(timezone.utc)
    meta.modified = meta.modified or parse_datetime(_meta(metas, "article:modified_time", "dateModified",
                                                          "og:updated_time"))
    meta.image = meta.image or _meta(metas, "og:image", "twitter:image")
    meta.section = meta.section or _meta(metas, "article:section")
    meta.description = meta.description or _meta(metas, "og:description", "description")
    lang = html.get("lang") or html.get("{http://www.w3.org/XML/1998/namespace}lang") \
        or _meta(metas, "og:locale", "content-language", "language")
    meta.language = meta.language or lang
    if meta.language:
        meta.language = meta.language.replace("_", "-").split("-")[0].lower()[:3] or None
    return meta
