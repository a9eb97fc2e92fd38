"""Errors a user can fix, shared by every stage's commands (printed as one line, no traceback)."""
from __future__ import annotations

import os
from typing import Any

import click


class UserError(click.ClickException):
    """An error a user can fix: printed without a traceback, with what to do next."""


class SettingsError(UserError):
    """A setting from the environment (or .env) is malformed; exit 2 like a usage error."""

    exit_code = 2


class HandoffError(RuntimeError):
    """The next stage did not take an article (its broker is unreachable): the caller still has
    it and should retry later. Raised by a crawl sink (workers.handoff), caught by the crawler."""


def _env_names(field: Any, name: str) -> list[str]:
    alias = getattr(field, "validation_alias", None)
    return list(getattr(alias, "choices", None) or [f"NEWSAGG_{name.upper()}"])


def settings_error(exc: Exception, model: Any) -> SettingsError:
    """One line naming the variable of the first bad setting of a pydantic ValidationError and what to do."""
    errors = exc.errors() if hasattr(exc, "errors") else []
    if not errors:
        return SettingsError(f"invalid settings: {exc}; correct them (`newsagg config --help` lists every setting)")
    err = errors[0]
    loc = str(err["loc"][0]) if err.get("loc") else ""
    name, field = loc, model.model_fields.get(loc)
    if field is None:  # reported under an alias (REDIS_URL, NEWSAGG_REDIS_URL)
        for fname, f in model.model_fields.items():
            if loc in _env_names(f, fname):
                name, field = fname, f
                break
    candidates = _env_names(field, name) if field is not None else [loc.upper()]
    env = next((c for c in candidates if c in os.environ), candidates[0])
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    value = err.get("input")
    shown = f"={value!r}" if isinstance(value, (str, int, float)) else ""
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return SettingsError(f"{env}{shown} is not valid: {msg}. Correct it or unset it{more}.")
