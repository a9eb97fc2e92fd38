"""Checks that the servers the settings name answer, with errors that say what to do next."""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


class ServiceUnavailable(RuntimeError):
    """A configured server does not answer; the message says how to fix it."""


def redact_url(url: str) -> str:
    """The URL without its password, fit for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def require_redis(url: str, timeout_s: float = 3.0) -> None:
    """Raise ServiceUnavailable unless Redis at `url` answers a PING."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s).ping()
    except (redis.RedisError, OSError) as exc:
        raise ServiceUnavailable(
            f"Redis at {redact_url(url)} is unreachable ({exc}). Start redis-server or correct REDIS_URL; "
            f"unset REDIS_URL to run the embedded default without servers.") from None
