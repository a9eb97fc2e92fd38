"""What every stage's commands share: the composition root handed down by the `newsagg` group.

The group (newsagg.cli) builds the runtime (newsagg.runtime) from the settings and puts it on
click's context; a stage's command takes its back-ends from there, so the stage imports
nothing from the layers above it.
"""
from __future__ import annotations

from typing import Any

import click


def current_runtime() -> Any:
    """The newsagg.runtime.Runtime of the running command."""
    obj = click.get_current_context().find_root().obj
    if obj is None:
        raise click.UsageError("run this command through `newsagg`")
    return obj


def counted(count: int, word: str, plural: str | None = None) -> str:
    """`1 article`, `2 articles`, `2 stories` (with `plural`): a count as a reader says it."""
    return f"{count} {word if count == 1 else plural or word + 's'}"


def closed_message(closed: int, settings: Any) -> str:
    """What a maintenance run did, for `newsagg maintain` and after an embedded crawl."""
    return f"closed {counted(closed, 'story', 'stories')} quiet for more than {settings.cluster_quiet_hours:g} hours"
