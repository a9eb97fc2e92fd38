"""Reading JSON Lines files with errors that name the file and the line."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator


class JsonLinesError(ValueError):
    """A line that is not JSON; the message names `file:line`."""


def read_json_lines(path: Path | str) -> Iterator[tuple[int, Any]]:
    """(line number, value) for each non-blank line of a UTF-8 JSON Lines file."""
    path = Path(path)
    with path.open("rb") as fh:  # bytes: a line that is not UTF-8 is named like any other bad line
        for n, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise JsonLinesError(f"{path}:{n}: not UTF-8 (byte {exc.start + 1})") from None
            if not line.strip():
                continue
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError as exc:
                raise JsonLinesError(f"{path}:{n}: not JSON ({exc.msg})") from None
            except RecursionError:
                raise JsonLinesError(f"{path}:{n}: JSON nested too deep") from None
