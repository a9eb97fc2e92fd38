"""The .env file as Docker Compose reads it (compose-go's dotenv parser), rule by rule.

python-dotenv differs where it matters here: it reads `KEY=   # note` as "" while Compose
reads it as "# note", so a test through python-dotenv passes on the file Compose gets wrong.
The rules (compose-go dotenv/parser.go; written from them, not copied):
- blank lines and lines whose first non-blank character is `#` are skipped; `export ` is dropped;
- the key ends at `=` (or `:`), trailing blanks trimmed; blanks after `=` are skipped (not newlines);
- a value starting with `'` or `"` runs to the matching unescaped quote (`"` expands \\n, \\t, \\",
  \\\\; `'` is literal), anything after it on the line is ignored;
- an unquoted value runs to the end of the line, is cut at the first " #" (a space then `#`),
  and trailing blanks are trimmed; so a value that *starts* with `#` is kept whole.
Variable expansion (`${X}` inside values) is left out: .env.example uses none.
"""
from __future__ import annotations

_BLANKS = " \t\v\f\r\x85\xa0"
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}


def _quoted(src: str, quote: str) -> tuple[str, str]:
    i = 1
    while i < len(src):
        if src[i] == quote and src[i - 1] != "\\":
            body, rest = src[1:i], src[i + 1:]
            if quote == '"':
                out, j = [], 0
                while j < len(body):
                    if body[j] == "\\" and j + 1 < len(body) and body[j + 1] in _ESCAPES:
                        out.append(_ESCAPES[body[j + 1]])
                        j += 2
                    else:
                        out.append(body[j])
                        j += 1
                body = "".join(out)
            return body, rest.split("\n", 1)[1] if "\n" in rest else ""
        i += 1
    raise ValueError(f"unterminated quoted value {src.splitlines()[0]!r}")


def read_compose_env(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    rest = text.replace("\r\n", "\n")
    while rest:
        line_start = rest.lstrip(_BLANKS + "\n")
        if not line_start:
            break
        if line_start.startswith("#"):
            rest = line_start.split("\n", 1)[1] if "\n" in line_start else ""
            continue
        src = line_start[len("export "):] if line_start.startswith("export ") else line_start
        cut = min((i for i in (src.find("="), src.find(":")) if i >= 0), default=-1)
        if cut < 0 or "\n" in src[:cut]:
            raise ValueError(f"no '=' in line {src.splitlines()[0]!r}")
        key, src = src[:cut].rstrip(_BLANKS), src[cut + 1:].lstrip(_BLANKS)
        if src[:1] in ("'", '"'):
            value, rest = _quoted(src, src[0])
        else:
            value, _, rest = src.partition("\n")
            value = value.split(" #", 1)[0].rstrip(_BLANKS)
        values[key] = value
    return values
