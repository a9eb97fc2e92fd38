"""Another checkout's code under this checkout's benchmarks (before/after runs on
the same machine in one session): one place for the path trick and its check."""
from __future__ import annotations

import importlib
from pathlib import Path


def use_engine_of(tree: Path, module: str = "newsagg.dedupe.engine") -> str:
    """Makes TREE's stage folders (dedupe/, crawler/, ...) newsagg's subpackages, found
    first, imports `module` (the engine by default) and checks it came from TREE;
    returns TREE's resolved path."""
    import newsagg

    path = str(tree.resolve())
    newsagg.__path__.insert(0, path)
    loaded = importlib.import_module(module)
    if not loaded.__file__.startswith(path):
        raise SystemExit(f"{module} came from {loaded.__file__}, not {path}")
    return path
