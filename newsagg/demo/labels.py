"""How well the demo's clusters match the demo corpus's own labels (every article knows its
event and the original it copies): events BCubed, copy groups pairwise, as
`newsagg eval clusters` scores labelled data."""
from __future__ import annotations

from typing import Any, Iterable

from newsagg.core.schema import article_id
from newsagg.dedupe.eval import bcubed, pairwise
from newsagg.demo.fixture_web import FixtureArticle


def score_against_labels(store: Any, expected: Iterable[FixtureArticle]) -> dict[str, Any]:
    """Scores over the expected articles the store holds (`missing`: those it does not)."""
    found, missing = [], 0
    for gold in expected:
        stored = store.get_article(article_id(gold.canonical_url))
        if stored is None:
            missing += 1
            continue
        found.append((gold, stored))
    if not found:
        return {"articles": 0, "missing": missing, "events_bcubed": None, "copies_pairwise": None}
    events = bcubed([s.event_id or s.id for _, s in found], [g.event for g, _ in found])
    copies = pairwise([s.group_id or s.id for _, s in found], [g.group for g, _ in found])
    return {"articles": len(found), "missing": missing, "events_bcubed": events, "copies_pairwise": copies}
