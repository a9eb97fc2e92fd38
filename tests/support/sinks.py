"""A crawl sink of the tests' own (named by NEWSAGG_CRAWL_SINK): each article as one JSON line
in the file NEWSAGG_TEST_SINK_FILE names, so a test sees what the crawler handed over."""
from __future__ import annotations

import json
import os

from newsagg.core.errors import HandoffError


def record_article(article, settings) -> str:
    if os.environ.get("NEWSAGG_TEST_SINK_REFUSE"):
        raise HandoffError("the test sink refuses")
    with open(os.environ["NEWSAGG_TEST_SINK_FILE"], "a", encoding="utf-8") as out:
        out.write(json.dumps({"id": article.id, "url": article.canonical_url}) + "\n")
    return article.id
