"""Every variant of a back-end kind, built the way the application builds it: through the
runtime's table (newsagg.runtime.BACKENDS), for the contract tests."""
from __future__ import annotations

from newsagg.core.settings import Settings
from newsagg.runtime import BACKENDS, Runtime

SERVICE_SETTING = {"redis": "redis_url", "elasticsearch": "elasticsearch_url"}


def variants(kind: str) -> list[str]:
    return sorted(BACKENDS[kind])


def runtime_for(variant: str, request, tmp_path) -> tuple[Runtime, object]:
    """A runtime whose settings select `variant` (starting the server it needs), and the server."""
    server = None
    extra = {}
    if variant == "redis":
        server = request.getfixturevalue("redis_server")
        extra["redis_url"] = server.url
    elif variant == "elasticsearch":
        extra["elasticsearch_url"] = request.getfixturevalue("elasticsearch_url")
    rt = Runtime(Settings(data_dir=tmp_path / "data", **extra))
    return rt, server
