"""Components named in settings (`module:name`), loaded when first needed, as Scrapy loads its
middlewares and Celery its back-ends: the module that names one need not import it."""
from __future__ import annotations

import importlib
from typing import Any


def load_object(path: str) -> Any:
    """The object a `module:name` (or `module.name`) path names; ImportError/AttributeError say which."""
    module, _, name = path.partition(":") if ":" in path else path.rpartition(".")
    if not module or not name:
        raise ValueError(f"{path!r} is not a module:name path")
    return getattr(importlib.import_module(module), name)
