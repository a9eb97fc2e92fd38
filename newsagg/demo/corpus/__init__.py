"""The fixture corpus: fictional outlets and the articles they publish, written for this
project (no real article text). `outlets.yaml` lists the outlets; every other `*.yaml`
file here is one event: an original article per independent report, and the copies other
outlets made of it (new headline, a READ ALSO box, a typo, a cut paragraph...).

Labels come with the text: every article knows its `event` (same real-world happening)
and its copy `group` (same written article), so tests can score what the pipeline found.

    corpus = load_corpus()
    corpus.outlets["northwire"].feed            # "rss"
    [a.key for a in corpus.articles if a.group == "storm-wire"]
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Iterable, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

CORPUS_DIR = Path(__file__).resolve().parent

# Traps an outlet can set: each adds pages that a careful crawler must handle.
TRAPS = {
    "redirects": "feed links go through /r/<slug>, a 301 to the article",
    "redirect_loop": "home page links /loop/a, which redirects to /loop/b and back",
    "broken_link": "the feed lists an article that answers 404",
    "huge_page": "home page links a 50 MB page (streamed)",
    "malformed_feed": "the feed is cut off mid-XML; the sitemap and home page still list every article",
    "flaky": "each article answers 503 to its first request, 200 after",
}

# Edits a copy can make to the text it copied (applied in order, see apply_edits).
EDITS = ("read_also", "typo", "cut_last", "dateline", "credit", "ad_break", "local", "figures")


class CorpusError(ValueError):
    """The corpus files are wrong: names the file and what to fix."""


def _one_of(known: Iterable[str], what: str) -> AfterValidator:
    names = sorted(known)

    def check(value: str) -> str:
        if value not in names:
            raise ValueError(f"unknown {what} {value!r}; known: {names}")
        return value

    return AfterValidator(check)


TrapName = Annotated[str, _one_of(TRAPS, "trap")]
EditName = Annotated[str, _one_of(EDITS, "edit")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Outlet(_Strict):
    key: str
    name: str
    country: str = Field(pattern=r"^[A-Z]{2}$")
    language: str = Field(pattern=r"^[a-z]{2}$")
    layout: Literal["semantic", "classic", "cluttered"]
    feed: Literal["rss2", "atom", "rdf"] = "rss2"
    feed_tracking: bool = False
    json_ld: bool = True
    amp: bool = False
    encoding: str = "utf-8"
    traps: tuple[TrapName, ...] = ()


class CopySpec(_Strict):
    key: str
    outlet: str
    delay_hours: float = Field(1.0, ge=0)
    title: str | None = None  # a new headline; None keeps the original's
    section: str | None = None
    authors: tuple[str, ...] | None = None
    edits: tuple[EditName, ...] = ()
    local: str = ""  # the paragraph the "local" edit adds (after the first)
    figures: dict[str, str] = Field(default_factory=dict)  # the "figures" edit: old -> new wording


class Update(_Strict):
    """A later version of an article, served after FixtureWeb.advance()."""

    phase: int = Field(2, ge=2)
    title: str | None = None
    append: str = ""  # a paragraph added at the end


class OriginalSpec(_Strict):
    key: str
    outlet: str
    hours_ago: float = Field(ge=0)
    title: str
    text: str
    section: str = "News"
    authors: tuple[str, ...] = ()
    lang: str | None = None  # default: the outlet's language
    phase: int = Field(1, ge=1)  # published from this phase of the fixture web on
    private: bool = False  # under /private/, which robots.txt disallows
    update: Update | None = None
    copies: tuple[CopySpec, ...] = ()


class EventFile(_Strict):
    event: str
    description: str = ""
    singletons: bool = False  # each original is its own event, labelled with its key
    articles: tuple[OriginalSpec, ...]


@dataclass(frozen=True)
class CorpusArticle:
    """One article as an outlet publishes it, with its labels."""

    key: str
    outlet: str
    event: str
    group: str  # key of the original this is a copy of (itself for an original)
    lang: str
    title: str
    paragraphs: tuple[str, ...]
    section: str
    authors: tuple[str, ...]
    hours_ago: float
    phase: int = 1
    private: bool = False
    copy_of: str | None = None
    edits: tuple[str, ...] = ()
    update: Update | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def slug(self) -> str:
        return slugify(self.title)[:70].rstrip("-") or self.key


@dataclass
class Corpus:
    outlets: dict[str, Outlet]
    articles: list[CorpusArticle] = field(default_factory=list)

    def by_key(self) -> dict[str, CorpusArticle]:
        return {a.key: a for a in self.articles}

    def events(self) -> dict[str, list[CorpusArticle]]:
        out: dict[str, list[CorpusArticle]] = {}
        for a in self.articles:
            out.setdefault(a.event, []).append(a)
        return out


def slugify(title: str) -> str:
    import unicodedata

    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")


def split_paragraphs(text: str) -> tuple[str, ...]:
    return tuple(" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip())


# --- copy edits: pure functions of the copied paragraphs -------------------------------

def _typo(paragraphs: list[str], seed: str) -> list[str]:
    """Swap two inner letters of one longer word, chosen from the seed (deterministic)."""
    words = [(pi, wi, w) for pi, p in enumerate(paragraphs) for wi, w in enumerate(p.split(" "))
             if len(w) >= 7 and w.isalpha()]
    if not words:
        return paragraphs
    pi, wi, w = words[sum(map(ord, seed)) % len(words)]
    i = len(w) // 2
    swapped = w[:i - 1] + w[i] + w[i - 1] + w[i + 1:]
    parts = paragraphs[pi].split(" ")
    parts[wi] = swapped
    out = list(paragraphs)
    out[pi] = " ".join(parts)
    return out


def apply_edits(paragraphs: tuple[str, ...], edits: tuple[str, ...], *, outlet_name: str,
                source_name: str, read_also_title: str, seed: str, local: str = "",
                figures: dict[str, str] | None = None) -> tuple[str, ...]:
    """The paragraphs of a copy: the original's with the copy's edits applied in order."""
    out = list(paragraphs)
    for edit in edits:
        if edit == "local":
            if not local:
                raise CorpusError(f"copy {seed!r}: edit 'local' needs a 'local' paragraph")
            out.insert(1, " ".join(local.split()))
        elif edit == "figures":
            joined = "\n\n".join(out)
            for old, new in (figures or {}).items():
                if old not in joined:
                    raise CorpusError(f"copy {seed!r}: 'figures' wording {old!r} is not in the text")
                joined = joined.replace(old, new)
            out = joined.split("\n\n")
        elif edit == "read_also":
            out.insert(min(2, len(out)), f"READ ALSO: {read_also_title}")
        elif edit == "typo":
            out = _typo(out, seed)
        elif edit == "cut_last" and len(out) > 2:
            out = out[:-1]
        elif edit == "dateline":
            out[0] = f"({source_name}) — {out[0]}"
        elif edit == "credit":
            out.append(f"This story was supplied by {source_name} and edited by {outlet_name} staff.")
        elif edit == "ad_break":
            out.insert(len(out) // 2, "Advertisement")
    return tuple(out)


# --- loading ---------------------------------------------------------------------------

def _read_yaml(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CorpusError(f"{path}: not valid YAML: {exc}") from exc


def _validate(model, data, path: Path):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CorpusError(f"{path}: {where}: {first['msg']}") from exc


def load_corpus(directory: Path = CORPUS_DIR) -> Corpus:
    """Read outlets.yaml and every event file; check that every reference resolves."""
    directory = Path(directory)
    raw_outlets = _read_yaml(directory / "outlets.yaml") or {}
    outlets: dict[str, Outlet] = {}
    for i, item in enumerate(raw_outlets.get("outlets", [])):
        outlet = _validate(Outlet, item, directory / "outlets.yaml")
        if outlet.key in outlets:
            raise CorpusError(f"{directory / 'outlets.yaml'}: outlets.{i}: duplicate outlet key {outlet.key!r}")
        outlets[outlet.key] = outlet

    corpus = Corpus(outlets=outlets)
    seen: dict[str, Path] = {}
    pending_copies: list[tuple[Path, CorpusArticle, CopySpec]] = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name == "outlets.yaml":
            continue
        ev = _validate(EventFile, _read_yaml(path), path)
        for spec in ev.articles:
            for key, outlet_key in [(spec.key, spec.outlet)] + [(c.key, c.outlet) for c in spec.copies]:
                if key in seen:
                    raise CorpusError(f"{path}: article key {key!r} also used in {seen[key]}")
                seen[key] = path
                if outlet_key not in outlets:
                    raise CorpusError(f"{path}: article {key!r}: unknown outlet {outlet_key!r}")
            original = CorpusArticle(
                key=spec.key, outlet=spec.outlet, event=spec.key if ev.singletons else ev.event,
                group=spec.key,
                lang=spec.lang or outlets[spec.outlet].language, title=spec.title,
                paragraphs=split_paragraphs(spec.text), section=spec.section, authors=spec.authors,
                hours_ago=spec.hours_ago, phase=spec.phase, private=spec.private, update=spec.update)
            corpus.articles.append(original)
            pending_copies += [(path, original, c) for c in spec.copies]

    # Copies need every article loaded first: a READ ALSO box names another story of the copying outlet.
    for path, original, spec in pending_copies:
        copier = outlets[spec.outlet]
        others = [a for a in corpus.articles if a.outlet == spec.outlet and a.event != original.event
                  and a.copy_of is None]
        read_also = others[0].title if others else "More news from " + copier.name
        paragraphs = apply_edits(original.paragraphs, spec.edits, outlet_name=copier.name,
                                 source_name=outlets[original.outlet].name, read_also_title=read_also,
                                 seed=spec.key, local=spec.local, figures=spec.figures)
        corpus.articles.append(CorpusArticle(
            key=spec.key, outlet=spec.outlet, event=original.event, group=original.key,
            lang=original.lang, title=spec.title or original.title, paragraphs=paragraphs,
            section=spec.section or original.section,
            authors=spec.authors if spec.authors is not None else original.authors,
            hours_ago=max(0.0, original.hours_ago - spec.delay_hours), phase=original.phase,
            copy_of=original.key, edits=spec.edits))

    # An outlet's article URLs are made from slugs of titles: two equal slugs would share a URL.
    slugs: dict[tuple[str, str], str] = {}
    for a in corpus.articles:
        other = slugs.setdefault((a.outlet, a.slug), a.key)
        if other != a.key:
            raise CorpusError(f"{directory}: articles {other!r} and {a.key!r} of outlet {a.outlet!r} "
                              f"have the same URL slug {a.slug!r}; give one another title")
    return corpus
