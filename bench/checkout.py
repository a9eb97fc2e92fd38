"""Another checkout's engine under this checkout's benchmarks (before/after runs
on the same machine in one session): one place for the path trick and its check."""
from __future__ import annotations

from pathlib import Path


def use_engine_of(tree: Path) -> str:
    """Makes TREE's stage folders (dedupe/, ...) newsagg's subpackages, found first,
    imports its engine and checks it came from there; returns TREE's resolved path."""
    import newsagg

    path = str(tree.resolve())
    newsagg.__path__.insert(0, path)
    import newsagg.dedupe.engine

    if not newsagg.dedupe.engine.__file__.startswith(path):
        raise SystemExit(f"dedupe came from {newsagg.dedupe.engine.__file__}, not {path}")
    return path
