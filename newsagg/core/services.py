"""Checks that the servers the settings name answer, with errors that say what to do next."""
from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit


class ServiceUnavailable(RuntimeError):
    """A configured server does not answer; the message says how to fix it."""


def redact_url(url: str) -> str:
    """URL(s), comma separated, without user:password and query, for messages and logs."""
    out = []
    for one in url.split(","):
        parts = urlsplit(one.strip())
        netloc = parts.netloc.rpartition("@")[2]  # host:port as written (a bad port must not raise here)
        out.append(urlunsplit((parts.scheme, netloc, parts.path, "", "")))
    return ",".join(out)


_SECRET_PARAM = re.compile(r"(?i)(pass(word)?|secret|token|api[_-]?key|key|auth)")


def mask_url(value: str) -> str:
    """URL(s), comma separated, with each password and secret query value shown as ***
    (the user, host, port and path kept: what `newsagg config` shows)."""
    masked = []
    for url in value.split(","):
        parts = urlsplit(url.strip())
        userinfo, at, hostport = parts.netloc.rpartition("@")
        if at:
            user, colon, _ = userinfo.partition(":")
            userinfo = f"{user}:***" if colon else ("***" if not parts.password and user and
                                                   parts.scheme.startswith("redis") else user)
        query = "&".join(f"{k}=***" if _SECRET_PARAM.search(k) else f"{k}={v}" if eq else k
                         for k, eq, v in (p.partition("=") for p in parts.query.split("&") if p))
        masked.append(urlunsplit((parts.scheme, f"{userinfo}{at}{hostport}", parts.path, query, "")))
    return ",".join(masked)


def require_redis(url: str, timeout_s: float = 3.0) -> None:
    """Raise ServiceUnavailable unless Redis at `url` answers a PING."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s).ping()
    except (redis.RedisError, OSError) as exc:
        raise redis_unreachable(url, exc) from None


def redis_unreachable(url: str | None, exc: BaseException) -> ServiceUnavailable:
    """The one line for an unreachable Redis: which one (without its password) and what to do."""
    where = redact_url(url) if url else "REDIS_URL"
    why = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    return ServiceUnavailable(f"Redis at {where} is unreachable ({why}). Start redis-server or correct REDIS_URL; "
                              f"unset REDIS_URL to run the embedded default without servers.")


def as_service_error(exc: BaseException, redis_url: str | None) -> ServiceUnavailable | None:
    """A server that went away in the middle of a command, as its one line; None if `exc` is
    something else. Checked by type name and module, so nothing is imported for it."""
    if isinstance(exc, ServiceUnavailable):
        return exc
    kinds = {f"{c.__module__}.{c.__name__}" for c in type(exc).__mro__}
    if kinds & {"redis.exceptions.ConnectionError", "redis.exceptions.TimeoutError",
                "redis.exceptions.BusyLoadingError", "kombu.exceptions.OperationalError"}:
        return redis_unreachable(redis_url, exc)
    return None
