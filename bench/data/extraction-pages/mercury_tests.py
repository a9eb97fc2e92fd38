"""Read Mercury 1.1.1's per-site tests (src/extractors/custom/*/index.test.js): the page URL, its
fixture file and the expected title, author and date_published they assert."""
from __future__ import annotations

import re
from pathlib import Path

_STR = r"""(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|`((?:[^`\\]|\\.)*)`)"""


def _unquote(match: re.Match, first: int) -> str | None:
    for group in (match.group(first), match.group(first + 1), match.group(first + 2)):
        if group is not None:
            return re.sub(r"\\(.)", r"\1", group)
    return None


def read_tests(package: Path) -> list[dict]:
    tests = []
    for path in sorted(package.glob("src/extractors/custom/*/index.test.js")):
        src = path.read_text(encoding="utf-8")
        url = re.search(r"url\s*=\s*" + _STR, src)
        fixture = re.search(r"readFileSync\(\s*" + _STR, src)
        if not url or not fixture:
            continue
        test = {"site": path.parent.name, "url": _unquote(url, 1),
                "fixture": _unquote(fixture, 1).removeprefix("./")}
        for field in ("title", "author", "date_published"):
            found = re.search(r"assert\.equal\(\s*" + field + r"\s*,\s*" + _STR, src, re.S)
            if found:
                test[field] = _unquote(found, 1)
        tests.append(test)
    return tests
