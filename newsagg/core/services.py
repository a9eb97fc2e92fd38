"""Checks that the servers the settings name answer, with errors that say what to do next."""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


class ServiceUnavailable(RuntimeError):
    """A configured server does not answer; the message says how to fix it."""


def redact_url(url: str) -> str:
    """A URL without its user:password part, for messages and logs."""
    parts = urlsplit(url.strip())
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def require_redis(url: str, timeout_s: float = 3.0) -> None:
    """Raise ServiceUnavailable unless Redis at `url` answers a PING."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s).ping()
    except (redis.RedisError, OSError) as exc:
        raise ServiceUnavailable(
            f"Redis at {redact_url(url)} is unreachable ({exc}). Start redis-server or correct REDIS_URL; "
            f"unset REDIS_URL to run the embedded default without servers.") from None
