"""Article extraction: one page's HTML -> clean article fields, or a reason to skip it.

Body text comes from trafilatura (precision mode, no comments); the page's own
metadata (JSON-LD NewsArticle, OpenGraph) gives title, authors, dates, image and
canonical URL, and trims a repeated headline and promo lines from the body;
htmldate fills in the date when the page declares none.
"""
from __future__ import annotations

import functools
import logging
import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import timezone
from urllib.parse import urlsplit

import charset_normalizer
import htmldate
import lxml.etree
import lxml.html
import trafilatura
from trafilatura.metadata import extract_author as trafilatura_author
from w3lib.encoding import html_to_unicode

from newsagg.core.text import escape_surrogates, scrub_surrogates, word_count
from newsagg.crawler.extract.bylines import author_page_link, near_headline_byline, visible_dateline
from newsagg.crawler.extract.metadata import (
    ArticleFields,
    PageMeta,
    clean_byline_names,
    midday,
    parse_datetime,
    read_metadata,
)
from newsagg.crawler.extract.titles import choose_title, fix_text, is_site_name, site_keys
from newsagg.crawler.extract.urls import clean_url, is_http_url

log = logging.getLogger(__name__)

MIN_ARTICLE_WORDS = 60  # fewer words in the body: not an article (video page, teaser, empty)
FRONT_MAX_WORDS = 150  # a page without article markup and this few words of prose is a front/list page

# Lines that sell other pages, not part of the story (matched on a whole body line).
PROMO_LINE = re.compile(
    r"^(read (more|also|next)|see (more|also)|related( articles?| stories| coverage)?|more on this( story)?|"
    r"don'?t miss|recommended|must read|watch( now)?|sign up|subscribe|advertisement|"
    r"tell us what you think|share (this|on)|follow us)\b.{0,200}$",
    re.IGNORECASE)


class NotHtmlError(ValueError):
    """The bytes are not an HTML document (binary data, an image served as text/html...)."""


@dataclass(kw_only=True)
class ExtractedPage(ArticleFields):
    url: str
    canonical_url: str
    title: str = ""
    text: str = ""
    is_amp: bool = False
    skip_reason: str | None = None  # set when the page is not an article
    error: str | None = None  # set when extraction itself failed (skip_reason says so too)

    @property
    def is_article(self) -> bool:
        return self.skip_reason is None

    def to_cli_json(self) -> dict:
        return {"url": self.url, "canonical_url": self.canonical_url, "title": self.title, "text": self.text,
                "authors": self.authors, "published": self.published.isoformat() if self.published else None,
                "language": self.language, "image": self.image}

    def as_dict(self) -> dict:
        return asdict(self)


def looks_binary(body: bytes) -> bool:
    """NUL bytes or mostly control characters in the head of the body: not text."""
    head = body[:8192]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls / len(head) > 0.05


def _detect_encoding(body: bytes) -> str | None:
    best = charset_normalizer.from_bytes(body[:65536]).best()
    return best.encoding if best else None


# C0 controls other than tab/LF/CR, and the noncharacters U+FFFE/U+FFFF: HTML calls them parse
# errors and lxml refuses them in any text it sets (htmldate's cleaning raised ValueError).
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Text lxml accepts: stray control characters dropped, lone surrogates repaired."""
    return scrub_surrogates(_NOT_XML_TEXT.sub("", text))


def decode_html(body: bytes | str, content_type: str | None = None) -> str:
    """Text of an HTML page: BOM, then HTTP header charset, then <meta charset>, then detection."""
    if isinstance(body, str):
        return clean_text(body)
    if looks_binary(body):
        raise NotHtmlError("binary content, not an HTML page")
    _, text = html_to_unicode(content_type, body, auto_detect_fun=_detect_encoding)
    return clean_text(text)


def parse_tree(text: str):
    # XML declarations with an encoding break lxml on str input; the text is already decoded.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
    if not text.strip():
        raise NotHtmlError("empty document")
    try:
        return lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise NotHtmlError(f"not parseable as HTML: {exc}") from None


def _normalize(line: str) -> str:
    return re.sub(r"\W+", " ", unicodedata.normalize("NFKC", line)).strip().lower()


def clean_body(text: str, title: str | None) -> str:
    """Drop a leading repeat of the headline and promo lines from extracted body text."""
    lines = [line.strip() for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    if lines and title and _normalize(lines[0]) == _normalize(title):
        lines = lines[1:]
    return "\n".join(line for line in lines if not PROMO_LINE.match(line))


def extract_body(html_text: str, url: str | None = None, title: str | None = None) -> str:
    """Body text of an article page (the benchmark measures this)."""
    body = trafilatura.extract(html_text, url=url, include_comments=False, favor_precision=True,
                               include_tables=True) or ""
    return clean_body(body, title)


def _canonical(page_url: str, meta: PageMeta) -> str:
    """rel=canonical, else og:url, else the page's own URL; only http(s) on any host of the web."""
    for candidate in (meta.canonical, meta.og_url):
        absolute = _page_link(candidate, page_url)
        if is_http_url(absolute):
            return absolute
    return clean_url(page_url)


def _page_link(href: str | None, page_url: str) -> str | None:
    """An absolute, cleaned link from the page, or None when it is missing or malformed."""
    if not href:
        return None
    try:
        return clean_url(href, base=page_url)
    except ValueError:
        return None


def _front_page(tree, words: int) -> bool:
    """Mostly links and little prose: a section front, tag or list page."""
    link_text = sum(word_count(a.text_content() or "") for a in tree.iter("a"))
    all_text = word_count(tree.body.text_content() if tree.body is not None else "") or 1
    return words < FRONT_MAX_WORDS and link_text / all_text > 0.3


# A desk's byline in the metadata ('HNN Staff', 'Science X staff'): the page may name the reporter
_DESK = re.compile(r"\b(?:staff|desk|team|editors?|reports?|wire|newsroom|redaktion|rédaction|redacción)\b",
                   re.IGNORECASE)


def _authors(tree, meta: PageMeta, url: str, title: str) -> list[str]:
    """The declared authors (JSON-LD, <meta>) without the site itself ('BBC News' on bbc.com is no
    byline); the byline after the headline instead when the declared ones are a desk or a credits list,
    or when it names the declared authors and more (metadata that lists only the first of three), or
    when the page names only itself; the byline in the markup when the page declares none."""
    keys = site_keys([meta.site_name, meta.publisher], url)
    declared = [name for name in meta.authors if not is_site_name(name, keys)]
    if not meta.authors:
        return _byline_authors(tree, keys, url, title)
    if not declared:  # the page names itself: a byline after the headline, if any (no wider search)
        return near_headline_byline(tree, title, keys)
    if meta.author_credits or all(_DESK.search(name) for name in declared):
        return near_headline_byline(tree, title, keys) or declared
    if _listed_with_others(tree, declared[0]):
        shown = near_headline_byline(tree, title, keys)
        if len(shown) > len(declared) and {n.casefold() for n in declared} <= {n.casefold() for n in shown}:
            return shown
    return declared


MAX_BYLINE_WORDS_LISTED = 25  # a longer text around the name is prose, not a byline
# another name after a list mark: ', Mike Wall', ' and NED ROWE' (not ', 2019')
_LIST_MARK = re.compile(r"(?:,|&|\b(?:and|und|et|y)\b)\s*[A-ZÀ-Þ][^\W\d_]+\s+[A-ZÀ-Þ]")


def _listed_with_others(tree, name: str) -> bool:
    """The page shows `name` in a short text that lists more ('By A, B and C'): only then is the byline
    read (searching it after every headline costs 1.7 ms a page, finding the name 0.6 ms)."""
    name = clean_text(name)  # half an emoji or a control character in a JSON-LD name: lxml refuses them
    for node in tree.xpath("//body//text()[contains(., $name)]", name=name)[:5]:
        el = node.getparent().getparent() if node.is_tail else node.getparent()  # a tail is its parent's text
        for _ in range(4):  # the name's element and three ancestors: <p>By <span><a>A</a>, </span>...</p>
            if el is None or not isinstance(el.tag, str):  # a comment's text
                break
            text = " ".join(el.itertext())
            if len(text.split()) > MAX_BYLINE_WORDS_LISTED:
                break
            if _LIST_MARK.search(text.replace(name, "")):
                return True
            el = el.getparent()
    return False


def _byline_authors(tree, keys: set[str], url: str, title: str) -> list[str]:
    """The byline in the markup, when the page declares no author: the first byline after the
    headline (crawler.extract.bylines; a teaser list above the story has other bylines), else
    trafilatura's author finder (rel=author, itemprop=author, author/byline classes anywhere;
    comments and dates left out), else a link to an author page that spells the name; cleaned of
    what a byline carries besides names."""
    names = near_headline_byline(tree, title, keys)
    if not names:
        try:
            found = trafilatura_author(tree)
        except (ValueError, TypeError, lxml.etree.LxmlError) as exc:  # odd markup: no author, the rest stands
            log.debug("byline failed", extra={"url": url, "error": f"{type(exc).__name__}: {exc}"[:200]})
            found = None
        names = clean_byline_names((found or "").split(";"), keys)
    names = [name for name in names if not _only_in_comments(tree, name)]
    return names or author_page_link(tree, keys)


def _only_in_comments(tree, name: str) -> bool:
    """Every place the page shows the name is in a comment ('commentauthor' on the element or one of
    its three nearest ancestors): a reader who commented, not the author."""
    places = tree.xpath("//body//text()[contains(., $name)]/..", name=name)

    def in_comment(el) -> bool:
        near = [el, *list(el.iterancestors())[:3]]
        return any("comment" in f"{e.get('class', '')} {e.get('id', '')}".lower() for e in near)
    return bool(places) and all(in_comment(el) for el in places)


def _title(meta: PageMeta, url: str) -> str:
    return choose_title(ld_headline=meta.ld_headline, og_title=meta.og_title, html_title=meta.html_title,
                        h1=meta.h1, site_names=[meta.site_name, meta.publisher], url=url, headings=meta.headings,
                        alt_titles=meta.alt_titles, h1_standalone=meta.h1_standalone, h1_own=meta.h1_own)


def _never_raises(extract):
    """A page no extractor part can handle (JSON-LD nested 5,000 deep, a library's bug on odd
    markup) is reported as failed with its reason, never raised into a crawl or a batch;
    whatever the page gave is returned with lone surrogates repaired (half an emoji in a
    JSON-LD headline would fail every later encode)."""
    @functools.wraps(extract)
    def wrapper(html: bytes | str, url: str, content_type: str | None = None) -> ExtractedPage:
        try:
            page = extract(html, url, content_type)
        except Exception as exc:  # noqa: BLE001  any bug of any library on any page: reported, not raised
            reason = escape_surrogates(f"{type(exc).__name__}: {exc}")[:300]
            log.warning("extraction failed", extra={"url": escape_surrogates(url), "error": reason})
            try:
                canonical = clean_url(url)
            except ValueError:
                canonical = url
            page = ExtractedPage(url=url, canonical_url=canonical, skip_reason=f"extraction failed: {reason}",
                                 error=reason)
        return _repaired(page)
    return wrapper


def _repaired(page: ExtractedPage) -> ExtractedPage:
    for name, value in vars(page).items():
        if isinstance(value, str):
            setattr(page, name, scrub_surrogates(value))
        elif isinstance(value, list):
            setattr(page, name, [scrub_surrogates(v) if isinstance(v, str) else v for v in value])
    return page


@_never_raises
def extract_article(html: bytes | str, url: str, content_type: str | None = None) -> ExtractedPage:
    """Extract one page. Never raises on bad pages: `skip_reason` says why it is not an article
    (and `error` why extraction failed, when it did)."""
    try:
        text = decode_html(html, content_type)
        tree = parse_tree(text)
    except NotHtmlError as exc:
        return ExtractedPage(url=url, canonical_url=clean_url(url), skip_reason=str(exc))
    meta = read_metadata(tree, url)
    title = _title(meta, url)
    meta.authors = [name for name in (fix_text(n) for n in _authors(tree, meta, url, title)) if name]
    page = ExtractedPage(url=url, canonical_url=_canonical(url, meta), is_amp=meta.amp,
                         title=title, authors=meta.authors, published=meta.published,
                         modified=meta.modified, language=meta.language, section=meta.section,
                         description=meta.description,
                         image=_page_link(meta.image, url))
    if page.published is None or meta.published_day_only:
        # a time the page shows only in its text ('December 7, 2016 @ 3:53 PM'), on the day the metadata gives
        shown = visible_dateline(tree, title)
        if shown and (page.published is None or shown.date() == page.published.date()):
            page.published = shown.astimezone(timezone.utc)
    if page.published is None:
        try:
            found = htmldate.find_date(tree, extensive_search=False, original_date=True, url=url,
                                       outputformat="%Y-%m-%dT%H:%M:%S%z")
        except (ValueError, TypeError, RecursionError, lxml.etree.LxmlError) as exc:  # odd markup: no date, the rest stands
            log.debug("htmldate failed", extra={"url": url, "error": f"{type(exc).__name__}: {exc}"[:200]})
            found = None
        found = parse_datetime(found)  # htmldate gives 00:00:00 when the page shows only the day
        page.published = midday(found) if found else None
    # trafilatura gets the text, not our tree: it parses and cleans its own copy (better recall).
    body = extract_body(text, url=url, title=page.title)
    if not body and meta.ld_body:
        body = meta.ld_body
    page.text = body
    words = word_count(body)
    if meta.declares_video and words < FRONT_MAX_WORDS or "/video" in urlsplit(url).path and words < FRONT_MAX_WORDS:
        page.skip_reason = "video page"
    elif not meta.declares_article and _front_page(tree, words):
        page.skip_reason = "section front or list page"
    elif words < MIN_ARTICLE_WORDS:
        page.skip_reason = f"body too short ({words} words)"
    elif not page.title:
        page.skip_reason = "no title"
    return page
