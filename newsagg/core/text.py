"""Lone surrogates: text that Python holds but UTF-8 cannot encode.

JSON's `"\\ud83c"` (half an emoji, a cut string) and bytes decoded with
`surrogateescape` become code points U+D800..U+DFFF in a Python str. Any `.encode("utf-8")`
of them raises, far from where they came in: in a hash, a log line, a Redis write, a
terminal. Each boundary decides once: extraction repairs them (U+FFFD), the pipeline
rejects a payload holding one (with the field), output escapes them (`\\udcff`).
"""
from __future__ import annotations

import re
from typing import Any

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
