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
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError as exc:
                raise JsonLinesError(f"{path}:{n}: not JSON ({exc.msg})") from None
