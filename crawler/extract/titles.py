"""The article's headline, cleaned of what publishers' markup leaves in it.

Errors seen across publishers: HTML entities left in (`&#8216;`, `&quot;`, even escaped
twice), mojibake (UTF-8 read as Latin-1: `sanciÃ³n`; ftfy undoes it), the site's name
appended or prepended (`… - Wochenblatt`, `Wochenblatt | …`), and a shortened social title
(og:title) where the page's own headline (<h1>, JSON-LD headline) says more.
"""
from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import urlsplit

import ftfy

from newsagg.core.text import word_count
from newsagg.crawler.extract.urls import registered_parts

# Separators between a headline and the site's name; spaces around them are required, so a
# hyphenated word or a 'U.S.-China' stays whole.
# A bar needs no spaces ('Headline|Site'): headlines do not use it as a letter.
_SEPARATOR = re.compile(r"\s+(?:[\-–—:·•»«/~›‹►]|::|--|\\\\)\s+|\s*[|｜│]\s*")
# an entity, also a numeric one or a common named one without its ';' ('&#8217s', 'Tom &amp Jerry'),
# which browsers read as the character too
_ENTITY = re.compile(r"&(?:#\d{2,6}|#x[0-9a-fA-F]{2,6}|[A-Za-z][A-Za-z0-9]{1,31});|&#\d{2,6}|&(?:amp|quot|nbsp|lt|gt)\b")
_ELLIPSIS = ("…", "...")
_GENERIC_LABELS = {"www", "m", "amp", "mobile", "news", "blog", "blogs", "edition", "en", "de", "fr", "es", "live"}
MAX_SITE_WORDS = 6
_ENDINGS = {"com", "de", "couk", "fr", "es", "it", "nl", "at", "ch", "org", "net", "ca", "comau", "in", "ie", "online",
            "news", "tv", "info", "eu", "ru", "pl", "br", "combr", "mx", "jp", "kr"}  # a segment longer than this is part of the headline, not a site name


def _key(text: str) -> str:
    """Letters and digits only, lower case, accents dropped: 'Le Monde.fr' -> 'lemondefr'."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text.lower() if ch.isalnum() and not unicodedata.combining(ch))


# German domains write umlauts out ('Süddeutsche' on sueddeutsche.de), most others drop the accent
# ('Hürriyet' on hurriyet.com.tr): a name is matched in both forms
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
# a site's name with its article ('Die Zeit' on zeit.de, 'Il Post' on ilpost.it has it in the host too)
_ARTICLES = {"the", "die", "der", "das", "le", "la", "les", "el", "il", "lo", "los", "las", "het", "de", "o", "a"}


def _key_forms(text: str) -> set[str]:
    """`_key` of the text, of its umlauts written out, and of both without a leading article."""
    forms = {text, text.translate(_UMLAUTS)}
    for form in list(forms):
        first, _, rest = form.partition(" ")
        if rest and first.lower() in _ARTICLES:
            forms.add(rest)
    return {k for k in map(_key, forms) if k}


# First characters of UTF-8 sequences read as Latin-1/cp1252: Latin-1 letters (Ã), general punctuation (â€),
# Latin Extended (Å‚, Ä°), Greek (Î), Cyrillic (Ð, Ñ)
_MOJIBAKE_MARKS = "ÃÂâÐÑØÙÅÄÎÏ"


def fix_text(title: str | None) -> str:
    """Entities (up to three times escaped) unescaped, mojibake repaired, whitespace collapsed."""
    text = title or ""
    for _ in range(3):
        if not _ENTITY.search(text):
            break
        text = html.unescape(text)
    if any(ch in text for ch in _MOJIBAKE_MARKS):  # only text that may be mojibake goes to ftfy
        text = ftfy.fix_encoding(text)
    text = text.translate(_INVISIBLE)
    return re.sub(r"\s+", " ", text).strip()


# characters a reader never sees that would make two forms of one headline differ: zero-width space,
# soft hyphen, byte-order mark, word joiner
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u00ad\ufeff\u2060"))
_REPLACEMENT = re.compile("\ufffd+")


def _repaired_form(title: str, forms: list[str]) -> str:
    """A title with '�' (bytes of another encoding, lost): another form of it on the page that has the
    letters ('La sanci�n …' -> 'La sanción …')."""
    if "\ufffd" not in title:
        return title
    pattern = re.compile(".{1,3}".join(re.escape(part) for part in _REPLACEMENT.split(title)))
    return next((f for f in forms if f and "\ufffd" not in f and pattern.fullmatch(f)), title)


def site_keys(site_names: list[str | None], url: str | None) -> set[str]:
    """Keys a site's name may appear under: og:site_name, publisher, outlet, the host's labels."""
    # entities and mojibake as in titles ('Kanaren &amp; Co'); a declared name of two letters ('FT') counts
    named = {k for n in site_names if n for k in _key_forms(fix_text(n)) if len(k) >= 2}
    keys = set()
    host = (urlsplit(url).hostname or "") if url else ""
    labels = [label for label in host.split(".") if label not in _GENERIC_LABELS]
    if labels:
        keys.add(_key(".".join(labels)))
        keys.update(_key(label) for label in labels[:-1] if len(label) > 3)  # 'wochenblatt' of wochenblatt.de
    if host:
        keys.add(_key(host.removeprefix("www.")))  # 'news.com.au', whose name is a generic label
        # the registered name however short ('eza' of eza.gv.at, 'ft' of ft.com), never a suffix's label ('co')
        domain = registered_parts(host)[0]
        if len(_key(domain)) >= 2:
            named.add(_key(domain))
    return named | {k for k in keys if len(k) >= 3}



def is_site_name(text: str, keys: set[str]) -> bool:
    """`text` is the site's own name ('BBC News' on bbc.com, 'Wochenblatt.de'), by site_keys."""
    return _is_site(text, keys)


def _is_site(segment: str, keys: set[str]) -> bool:
    if len(segment.split()) > MAX_SITE_WORDS:
        return False
    return any(_is_site_key(key, keys) for key in _key_forms(segment))


def _is_site_key(key: str, keys: set[str]) -> bool:
    # 'The Guardian' vs host label 'theguardian'; 'Wochenblatt.de' vs 'wochenblatt' and back: a few
    # letters more (a domain ending) on either side, never a word that only starts alike ('Newsom')
    key = key.removeprefix("the")  # 'The Times of India' on timesofindia.indiatimes.com
    return any(key == k.removeprefix("the") or len(k) >= 4 and (_domain_ending(key, k) or _domain_ending(k, key))
               for k in keys)


def _domain_ending(longer: str, shorter: str) -> bool:
    return longer.startswith(shorter) and longer[len(shorter):] in _ENDINGS


def strip_site_name(title: str, keys: set[str], host_words: tuple[str, ...] = ()) -> str:
    """'Headline - Site' / 'Site | Headline' / 'Headline | Section | Site' -> 'Headline'; after the
    headline also the site's longer name ('Headline - INCURVY Plus-Size Fashion - BLOG' on incurvy.de,
    'Headline | DER SONNTAG (Sachsen)' on sonntag-sachsen.de), when shorter than the headline."""
    if not keys:
        return title
    # 'The Space Review: Headline': the site's name as a label before a colon
    label = _SITE_LABEL.match(title)
    if label and _is_site(label.group(1), keys):
        title = label.group(2)
    # 'Headline (Site)'
    paren = _IN_PARENS.match(title)
    if paren and _is_site(paren.group(2), keys):
        title = paren.group(1)
    # 'Headline：Site': a Japanese site's name after a full-width colon, no spaces ('…が受賞：朝日新聞デジタル');
    # only the site's own name, a colon inside the headline ('さらば平成：Intel NUC…') stays
    tail = _FULLWIDTH_SITE.match(title)
    if tail and _is_site(tail.group(2), keys):
        title = tail.group(1)
    # 'Headline　＜Site　Section＞': the site and section in full-width angle brackets after a space, as older
    # Japanese sites write <title> ('欲張りなイヌ　＜福娘童話集　きょうのイソップ童話＞'); those brackets set off a
    # decoration, not the headline's words, even where the site's name is one the host does not spell
    bracketed = _FULLWIDTH_BRACKETED.match(title)
    if bracketed:
        title = bracketed.group(1)
    parts = _SEPARATOR.split(title)
    seps = _SEPARATOR.findall(title)
    if len(parts) < 2:
        return title
    # 'Headline | Site - Slogan': the site's name and what follows it
    def site_after(i: int) -> bool:
        return _is_site(parts[i], keys) or _names_site(parts[i], keys, host_words) \
            and len(parts[i].split()) < len(" ".join(parts[:i]).split())
    first_site = next((i for i in range(1, len(parts)) if site_after(i)), None)
    if first_site is not None and first_site < len(parts) - 1:
        parts, seps = parts[:first_site + 1], seps[:first_site]
    # Drop site-name segments from the end, then from the start; never the last remaining one.
    found = False
    while len(parts) > 1 and site_after(len(parts) - 1):
        parts.pop()
        seps.pop()
        found = True
        # a section name or page number between headline and site: 'Headline | Politics | Site', '… | Page 2 | Site';
        # up to three words ('Headline | Politik und Wirtschaft | Site') after a headline of four words or more and
        # more than the section's (CJK counted by characters: '外国专家… | Politik | Site'); after a shorter first part
        # it is the headline's own ('Show Name - Episode Guest | Site', 'Blog Archive » Short post — Site')
        if len(parts) > 1 and len(parts[-1].split()) <= 3 and word_count(parts[0]) > max(3, word_count(parts[-1])) \
                and (_looks_section(parts[-1]) or _PAGE.match(parts[-1])):
            parts.pop()
            seps.pop()
    # before the headline also the site's longer name ('CDU-Fraktion im Erfurter Stadtrat - Headline' on
    # cdu-fraktion-erfurt.de), when no longer than what follows
    while len(parts) > 1 and (_is_site(parts[0], keys) or _names_site(parts[0], keys, host_words)
                              and len(parts[0].split()) <= len(" ".join(parts[1:]).split())):
        parts.pop(0)
        seps.pop(0)
        found = True
    # an SEO title's section before the headline, set off by a bar ('Politik | Headline | Site'); a dash
    # or colon after a word or two is the headline's own ('Brexit: what next')
    if found and len(parts) > 1 and seps[0].strip() in _BARS and len(parts[0].split()) <= 2 \
            and _looks_section(parts[0]) and len(" ".join(parts[1:]).split()) > 3:
        parts.pop(0)
        seps.pop(0)
    out = parts[0]
    for sep, part in zip(seps, parts[1:]):
        out += sep + part
    return out


_SITE_LABEL = re.compile(r"^([^:]{3,60}):\s+(\S.*)$")
_IN_PARENS = re.compile(r"^(.*\S)\s+\(([^()]{2,60})\)$")
_FULLWIDTH_SITE = re.compile(r"^(.*\S)\s*：\s*([^：]{2,60})$")
_FULLWIDTH_BRACKETED = re.compile(r"^(.*\S)\s+＜[^＜＞]{2,40}＞$")
_PAGE = re.compile(r"^(?:page|seite|página|pagina|strona|sida|side)\s+\d+(?:\s+(?:of|von|de|di|sur)\s+\d+)?$", re.I)
_BARS = {"|", "｜", "│", "»", "›", "/", "::"}


def _looks_section(segment: str) -> bool:
    return segment[:1].isupper() and not any(ch.isdigit() for ch in segment)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _truncated_form_of(short: str, full: str) -> bool:
    """`short` is `full` cut (with or without an ellipsis), or all its words are in `full`."""
    s = short.rstrip()
    if s.endswith(_ELLIPSIS):
        return _cut_form_of(short, full)
    sw, fw = _words(short), _words(full)
    if not sw or len(fw) <= len(sw):
        return False
    return full.startswith(s) or sum(w in set(fw) for w in sw) / len(sw) >= 0.8


def _cut_form_of(short: str, full: str) -> bool:
    """`short` is `full` cut, ending in an ellipsis: 'Harbour pilots vote to…'."""
    s = short.rstrip()
    mark = next((m for m in _ELLIPSIS if s.endswith(m)), None)
    s = s[: -len(mark)].rstrip() if mark else ""
    return bool(s) and full.startswith(s) and len(full) > len(s)


def _runs_on(short: str, full: str) -> bool:
    """`full` is `short` and more words of the same sentence, no separator between ('Verizon boxes
    getting a new' / 'Verizon boxes getting a new HD guide'): `short` was cut at a length."""
    rest = full[len(short):] if full.startswith(short) else ""
    words = _words(rest)
    return rest[:1] == " " and bool(words) and words[0] not in _BYLINE_WORDS and not _SEPARATOR.search(rest)


_BYLINE_WORDS = {"by", "von", "par", "por", "di", "door", "av", "af"}  # 'Headline by Name' adds a byline


_TYPOGRAPHY = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"'})


def _plain(text: str) -> str:
    """Typography aside, for comparing a heading with a title: 'Ama…' and 'Ama...', ’ and '."""
    return text.replace("...", "…").translate(_TYPOGRAPHY)


def _decorated_form_of(title: str, heading: str) -> bool:
    """`title` is `heading` with a short segment before or after it: 'Opinion | Heading',
    'Heading | Editorial' (a section or kicker the <h1> leaves out)."""
    title, heading = _plain(title), _plain(heading)
    if title.startswith(heading):
        rest = title[len(heading):]
    elif title.endswith(heading):
        rest = title[: -len(heading)]
    else:
        return False
    parts = _SEPARATOR.split(rest)  # ' | Editorial' -> ['', 'Editorial']; 'Opinion | ' -> ['Opinion', '']
    if len(parts) == 2:
        return not (parts[0].strip() and parts[1].strip()) and 0 < len(" ".join(parts).split()) <= 3
    # two short segments after the heading, a section and the site ('Headline : 뉴스 : 동아닷컴', in a
    # script no host name spells), for a heading that says more than they do
    segments = parts[1:] if not parts[0].strip() else parts[:-1] if not parts[-1].strip() else []
    words = [len(p.split()) for p in segments]
    return len(segments) == 2 and all(0 < n <= 3 for n in words) and len(heading.split()) >= 3 \
        and len(heading.split()) > sum(words)


def _named_after(title: str, short: str) -> bool:
    """`title` is `short` and a name after a separator other than a colon ('Headline | Inselpost'): not
    a headline's second part ('Storm shuts the quay: two hurt', a shortened social title's whole form)."""
    if not title.startswith(short):
        return False
    rest = title[len(short):]
    match = re.fullmatch(r"\s*(\S+?)\s*(\w.*)", rest)
    return bool(match) and _SEPARATOR.fullmatch(rest[:match.start(2)]) is not None \
        and match.group(1) != ":" and len(match.group(2).split()) <= 3 and _looks_section(match.group(2))


def _same_words(a: str, b: str) -> bool:
    """The same words in the same order, case, quotes and punctuation aside ('It's' vs 'It’s')."""
    wa = _words(a)
    return bool(wa) and wa == _words(b)


def _led_in_form_of(title: str, heading: str) -> bool:
    """`heading` is `title` after one or two words of the same sentence, nothing setting them apart,
    case aside ('Mehr Transparenz bei Preisanpassungen' / <title> 'BMJV | Transparenz bei
    Preisanpassungen'): the headline, whose first words a shortened <title> left off. Three words of
    title or more; the words before it letters only (a date before a post's title, 'Jun 17 Headline',
    is no part of it)."""
    title, heading = _plain(title).strip(), _plain(heading).strip()
    if len(title.split()) < 3 or not heading.lower().endswith(" " + title.lower()):
        return False
    lead = heading[: -len(title)].split()
    return 0 < len(lead) <= 2 and all(word.isalpha() for word in lead)


def _visible_form(candidates: list[str], headings: list[str], keys: set[str], host: tuple[str, ...]) -> str | None:
    """The page's own <h1> when it is one of the metadata titles as the reader sees it: the same
    words (the social title's straight quotes or Title Case differ), or the title with a site name
    or kicker after a separator ('Headline -- Site'). Same words first, on any heading: a logo <h1>
    ('Site (Hamburg)') reads as a short headline ('April 2012 | ') decorated with the site."""
    for heading in headings:
        if any(_same_words(heading, c) for c in candidates if c):
            return heading
    for i, heading in enumerate(headings):
        if any(_decorated_form_of(c, heading) or _site_segment_form_of(c, heading, keys, host, headings[:i])
               for c in candidates if c):
            return heading
    # a headline whose first words the title left off: the form with fewest words before the title (the
    # heading without its kicker or category, when the markup sets one apart)
    led = [heading for heading in headings if any(_led_in_form_of(c, heading) for c in candidates if c)]
    return min(led, key=lambda heading: len(heading.split())) if led else None


_SEP = r"(?:[|\-–—:·•»«/~›‹►]|::|--)"
_AFTER_HEADING = re.compile(rf"^\s+{_SEP}\s+(.+)$")  # ' » Local » Noticias » Ultima Hora Mallorca'
_BEFORE_HEADING = re.compile(rf"^(.+?)(?:\s+{_SEP}|:)\s+$")  # 'Chinese Pinyin Lyrics: ' (Blogger's form)


def _site_segment_form_of(title: str, heading: str, keys: set[str], host_words: tuple[str, ...],
                          logos: list[str]) -> bool:
    """`title` is `heading` beside the site's longer name, perhaps with short sections between:
    a name that starts with one the site is known by ("Gregory Szorc's Digital Home | Headline" on
    gregoryszorc.com), has every word of a hyphenated host ('Headline | Brandenburgische
    Landeszentrale für politische Bildung' on politische-bildung-brandenburg.de), or is a heading
    above this one (the blog's name in its logo <h1>: 'Blog Name: Post'). A heading that itself
    names the site does not count."""
    if len(heading.split()) < 2 or _names_site(heading, keys, host_words):
        return False
    title, heading, logos = _plain(title), _plain(heading), [_plain(h) for h in logos]
    after = _AFTER_HEADING.match(title[len(heading):]) if title.startswith(heading) else None
    before = _BEFORE_HEADING.match(title[: -len(heading)]) if not after and title.endswith(heading) else None
    if not (after or before):
        return False
    names = _SEPARATOR.split((after or before).group(1))
    site, sections = (names[-1], names[:-1]) if after else (names[0], names[1:])
    # sections are short, and shorter than the heading (a blog's name <h1> before 'Blog Archive » Post — Site'
    # is no headline decorated by two sections)
    return (_is_site(site, keys) or _names_site(site, keys, host_words) or site in logos) \
        and all(len(part.split()) <= min(3, len(heading.split()) - 1) for part in sections)


def _names_site(text: str, keys: set[str], host_words: tuple[str, ...]) -> bool:
    forms = [key.removeprefix("the") for key in _key_forms(text)]
    if any(len(k) >= 5 and form.startswith(k.removeprefix("the")) for k in keys for form in forms):
        return True
    words = [_key(w) for w in _words(text)]
    return bool(host_words) and all(any(w.startswith(h) for w in words) for h in host_words)


def _host_words(url: str | None) -> tuple[str, ...]:
    """The words of a hyphenated host name ('politische-bildung-brandenburg.de'), three letters or more."""
    host = (urlsplit(url).hostname or "") if url else ""
    labels = [label for label in host.split(".") if label not in _GENERIC_LABELS]
    words = tuple(_key(w) for w in labels[0].split("-")) if labels else ()
    return words if len(words) >= 2 and all(len(w) >= 3 for w in words) else ()


def _content_words(text: str) -> set[str]:
    return {w for w in _words(text) if len(w) >= 4 and not w.isdigit()}


def _own_headline(heading: str, keys: set[str], titles: list[str]) -> bool:
    """A standalone <h1> that reads as this story's headline: three words or more (a section name,
    'Breaking News' are not), not the site's name, and about the same thing as a metadata title (a word
    of four letters or more in common: a social or SEO title says it otherwise, a teaser or a
    'Most read' box shares nothing)."""
    if len(heading.split()) < 3 or _is_site(heading, keys) or _is_site(strip_site_name(heading, keys), keys):
        return False
    # words of the site's name do not count ('Wochenblatt — die Inselzeitung' is a tagline), nor does what
    # a title carries besides its longest part (a site name or a section that stripping did not know)
    words = {w for w in _content_words(heading) if not any(_key(w) in k for k in keys)}
    return any(words & _content_words(max(_SEPARATOR.split(t), key=len)) for t in titles if t)


def _without_site(heading: str, keys: set[str]) -> str:
    """An <h1> with the site's own name after or before a separator ('Headline - Wochenblatt'): without it."""
    parts = _SEPARATOR.split(heading)
    if len(parts) == 2 and len(parts[0].split()) >= 3 and _is_site(parts[1], keys):
        return parts[0]
    if len(parts) == 2 and len(parts[1].split()) >= 3 and _is_site(parts[0], keys):
        return parts[1]
    return heading


def _section_of_site(title: str, raw: list[str]) -> bool:
    """`title` is only what metadata titles leave once the site's name is off (none is `title` itself), and a
    section's name: a word or two, capitalised ('Politik' of 'Politik | MEDEF')."""
    return len(title.split()) <= 2 and _looks_section(title) and title not in raw and any(title in r for r in raw if r)


def _whole_part_of(title: str, heading: str) -> bool:
    """`heading` (three words or more) is the whole first or last part of `title` between separators,
    whatever the other parts say: 'Headline - Bradley M. Kuhn ( Brad ) ( bkuhn )', a longer name after
    the headline than the headline itself."""
    parts = [part.strip() for part in _SEPARATOR.split(_plain(title))]
    return len(parts) >= 2 and len(heading.split()) >= 3 and _plain(heading).strip() in (parts[0], parts[-1])


def _names_only_site(title: str, site_names: list[str]) -> bool:
    """`title` says nothing but a declared site name ('About Pam - By Pamela Reif' beside og:site_name
    'About Pam - Pamela Reif'): two words or more, every one the name's ('By' aside)."""
    words = [w for w in _words(title) if w not in _BYLINE_WORDS]
    return len(words) >= 2 and any(set(words) <= set(_words(name)) for name in site_names if name)


def choose_title(*, ld_headline: str | None, og_title: str | None, html_title: str | None,
                 h1: str | None, site_names: list[str | None], url: str | None,
                 headings: list[str] | None = None, alt_titles: list[str] | None = None,
                 h1_standalone: bool = False, h1_own: bool = False) -> str:
    """The headline: JSON-LD headline, else og:title, else <title>; replaced by the page's <h1>
    when that is the full form of a shortened one, or the same headline as the reader sees it
    (one of the metadata titles in other quotes or case: then even a later <h1> than the first), or
    a standalone <h1> about the same story (the page's own headline over a social or SEO title);
    cleaned of entities, mojibake, invisible characters and site name; a title with letters lost
    ('�') replaced by the page's other form of it."""
    keys, host = site_keys(site_names, url), _host_words(url)
    raw = [fix_text(t) for t in (ld_headline, og_title, html_title)]
    candidates = [strip_site_name(t, keys, host) for t in raw]
    heading = _without_site(fix_text(h1), keys)
    title = next((t for t in candidates if t), "")
    # a social title cut, with an ellipsis or without, where another metadata title is whole
    title = next((t for t in candidates if t != title and (_cut_form_of(title, t) or _runs_on(title, t))), title)
    others = [strip_site_name(fix_text(t), keys, host) for t in (alt_titles or [])]
    # another metadata title (twitter:title …) that is this one without a short segment: that segment
    # is the site's name or a section the host does not spell ('Headline | Inselpost')
    title = next((t for t in others + candidates if t and t != title and _named_after(title, t)), title)
    shown = [fix_text(h) for h in (headings or [])]
    title = _repaired_form(title, candidates + others + [heading] + shown)
    visible = _visible_form(candidates + raw + others, shown, keys, host)
    if visible:
        return visible
    # no metadata title at all (an empty <title>), or none that says more than the site's declared name: the
    # page's own heading (an <h1>, or the article's <h2> on a page without one) of three words or more
    names = [fix_text(n) for n in site_names if n]
    if heading and h1_own and len(heading.split()) >= 3 and not _is_site(heading, keys) \
            and all(not t or _names_only_site(t, names) for t in raw):
        return heading
    # the metadata names only the site ('MEDEF'), or a section and the site ('Politik | MEDEF', a template's
    # <title>): the page's own <h1> is the headline
    if heading and h1_standalone and title and len(heading.split()) >= 3 and not _is_site(heading, keys) \
            and (_is_site(title, keys) or _section_of_site(title, raw)):
        return heading
    if heading and title and heading != title and len(heading.split()) <= 40:
        if _truncated_form_of(title, heading) or _decorated_form_of(title, heading) \
                or h1_standalone and (_own_headline(heading, keys, candidates + others) or _whole_part_of(title, heading)):
            title = heading
    return title
