"""Workers: the Celery pipeline enrich -> assign -> index between crawler and index.

`celery -A workers worker` finds the app here.
"""
from newsagg.workers.app import app  # noqa: E402  (the Celery app; shadows the submodule name on purpose)

celery = app

__all__ = ["app", "celery"]
