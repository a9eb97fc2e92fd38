"""The sources file: which outlets to follow, validated on load.

A wrong file fails with a `SourcesError` that names the file, the line and the
field, so an operator can fix it without reading code.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

FIELDS = ("name", "url", "country", "language", "feeds", "sitemaps", "allow", "deny",
          "crawl_delay", "interval_minutes")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class SourcesError(ValueError):
    """A sources file that cannot be used; the message says where and why."""

    def __init__(self, path: Path | str, line: int | None, field_name: str | None, problem: str):
        self.path, self.line, self.field, self.problem = str(path), line, field_name, problem
        where = f"{path}, line {line}" if line else str(path)
        what = f"field '{field_name}': " if field_name else ""
        super().__init__(f"{where}: {what}{problem}")


@dataclass(frozen=True)
class Source:
    """One outlet to follow."""

    name: str
    url: str
    country: str | None = None
    language: str | None = None
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()  # regexes on the URL path; empty: everything allowed
    deny: tuple[str, ...] = ()
    crawl_delay: float | None = None  # seconds between requests; None: the crawler's default
    interval_minutes: float = 30.0
    _allow_re: tuple[re.Pattern, ...] = field(default=(), repr=False, compare=False)
    _deny_re: tuple[re.Pattern, ...] = field(default=(), repr=False, compare=False)

    @property
    def netloc(self) -> str:
        return urlsplit(self.url).netloc.lower()

    def netlocs(self) -> set[str]:
        """Every host:port the outlet's feeds, sitemaps and site live on."""
        return {urlsplit(u).netloc.lower() for u in (self.url, *self.feeds, *self.sitemaps)}

    def path_allowed(self, url: str) -> bool:
        """allow/deny patterns on the URL path (deny wins)."""
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if any(p.search(path) for p in self._deny_re):
            return False
        return not self._allow_re or any(p.search(path) for p in self._allow_re)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _parse_outlet(path: Path, node: yaml.Node, data: Any) -> Source:
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        raise SourcesError(path, _line(node), None, "each outlet must be a mapping of fields (name, url, ...)")
    lines = {k.value: _line(v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}

    def fail(name: str, problem: str) -> SourcesError:
        return SourcesError(path, lines.get(name, _line(node)), name, problem)

    for key in data:
        if key not in FIELDS:
            raise fail(str(key), f"unknown field; allowed: {', '.join(FIELDS)}")
    for required in ("name", "url"):
        if not data.get(required):
            raise fail(required, "missing; every outlet needs a name and a home url")
    if not isinstance(data["name"], str):
        raise fail("name", "must be text")
    if not data["name"].strip():
        raise fail("name", "is blank; every outlet needs a name (logs, stats and the search filter use it)")
    if not _http_url(data["url"]):
        raise fail("url", f"not an http(s) URL: {data['url']!r}")
    country = data.get("country")
    if country is not None and not (isinstance(country, str) and _COUNTRY.match(country)):
        raise fail("country", f"must be an ISO 3166 alpha-2 code such as GB, got {country!r}")
    language = data.get("language")
    if language is not None and not (isinstance(language, str) and _LANGUAGE.match(language)):
        raise fail("language", f"must be a language code such as en or pt-BR, got {language!r}")
    lists: dict[str, tuple[str, ...]] = {}
    for name in ("feeds", "sitemaps", "allow", "deny"):
        value = data.get(name) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(name, "must be a list of strings")
        lists[name] = tuple(v.strip() for v in value)
    for name in ("feeds", "sitemaps"):
        for url in lists[name]:
            if not _http_url(url):
                raise fail(name, f"not an http(s) URL: {url!r}")
    compiled: dict[str, tuple[re.Pattern, ...]] = {}
    for name in ("allow", "deny"):
        try:
            compiled[name] = tuple(re.compile(p) for p in lists[name])
        except re.error as exc:
            raise fail(name, f"invalid regular expression {exc.pattern!r}: {exc}") from None
    numbers: dict[str, float | None] = {}
    # .inf and .nan are YAML floats: beat crashed on them (OverflowError, ValueError), so bound both
    for name, minimum, maximum, unit in (("crawl_delay", 0.0, 3600.0, "seconds"),
                                         ("interval_minutes", 1e-9, 525_600.0, "minutes")):
        value = data.get(name)
        if value is None:
            numbers[name] = None
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or not minimum <= value <= maximum:
            kind = "non-negative" if minimum == 0 else "positive"
            raise fail(name, f"must be a {kind} number of {unit} up to {maximum:g}, got {value!r}")
        numbers[name] = float(value)
    return Source(
        name=data["name"].strip(), url=data["url"].strip(), country=country, language=language,
        feeds=lists["feeds"], sitemaps=lists["sitemaps"], allow=lists["allow"], deny=lists["deny"],
        crawl_delay=numbers["crawl_delay"],
        interval_minutes=numbers["interval_minutes"] if numbers["interval_minutes"] is not None else 30.0,
        _allow_re=compiled["allow"], _deny_re=compiled["deny"])


def _refuse_duplicate_keys(path: Path | str, root: yaml.Node) -> None:
    """YAML keeps the last of two equal keys: a second `outlets:` silently dropped the first list."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in first:
                        raise SourcesError(path, _line(key), key.value,
                                           f"appears twice in one mapping (first on line {first[key.value]}); "
                                           f"YAML would keep only the last: merge them into one")
                    first[key.value] = _line(key)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def parse_sources(text: str, path: Path | str = "<sources>") -> list[Source]:
    """Validate sources YAML text; pure (the path only names the file in errors)."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is not None:
            _refuse_duplicate_keys(path, root)
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise SourcesError(path, mark.line + 1 if mark else None, None, f"not valid YAML: {exc.problem}") from None
    finally:
        loader.dispose()
    if root is None or not isinstance(data, dict) or "outlets" not in data:
        raise SourcesError(path, _line(root) if root is not None else 1, "outlets",
                           "missing; the file must have a top-level 'outlets:' list")
    outlets_node = next(v for k, v in root.value if getattr(k, "value", None) == "outlets")
    if not isinstance(data["outlets"], list) or not data["outlets"]:
        raise SourcesError(path, _line(outlets_node), "outlets", "must be a non-empty list of outlets")
    sources, seen = [], {}
    for node, item in zip(outlets_node.value, data["outlets"]):
        source = _parse_outlet(path, node, item)
        if source.name in seen:
            raise SourcesError(path, _line(node), "name",
                               f"duplicate outlet name {source.name!r} (first on line {seen[source.name]})")
        seen[source.name] = _line(node)
        sources.append(source)
    return sources


def load_sources(path: Path | str) -> list[Source]:
    """Read and validate a sources file; raises SourcesError naming file, line and field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesError(path, None, None, f"cannot read the file: {exc}") from None
    return parse_sources(text, path)
