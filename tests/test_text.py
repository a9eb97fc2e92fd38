"""One article time, one tokenizer/sentence splitter, one language detector and
one stopword list for every stage (newsagg.core.text)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from newsagg.core.schema import Article
from newsagg.core.text import article_time, detect_language, sentences, stopwords, tokens, words
from newsagg.dedupe.engine import StoryEngine
from newsagg.dedupe.state import LocalState
from newsagg.index.documents import build_cluster

FETCHED = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
WIRE = ("The harbour authority of Varn closed the northern quay on Monday after a crane collapsed onto two "
        "container ships, injuring four dock workers, officials said. Inspectors from the port authority "
        "and the labour ministry began examining the crane's foundations, and the quay will stay closed "
        "until their report is published, a spokeswoman for the Varn Harbour Board told reporters.")


def art(aid: str, url: str, text: str = WIRE, published=None, fetched=FETCHED) -> Article:
    return Article(id=aid, url=url, title="Crane collapse closes Varn quay", text=text, language="en",
                   published=published, fetched=fetched)


def test_article_time_is_published_else_date_line_else_url_date_else_fetched():
    published = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)
    assert article_time(art("a", "https://x.test/2026/03/02/crane", published=published)) == published
    assert article_time(art("b", "https://x.test/2026/03/02/crane", text=" date 2026-03-03\n" + WIRE)) \
        == datetime(2026, 3, 3, tzinfo=timezone.utc)
    assert article_time(art("c", "https://x.test/news/2026-03-02-crane")) == datetime(2026, 3, 2, tzinfo=timezone.utc)
    assert article_time(art("d", "https://x.test/news/crane")) == FETCHED


def test_the_story_originator_is_the_copy_groups_originator(tmp_path):
    """A copy dated only by its URL appeared before the copy fetched first: the
    engine makes it the group's originator, and the index's story agrees."""
    engine = StoryEngine(LocalState(tmp_path))
    later = art("late", "https://b.test/news/crane-quay", fetched=FETCHED)
    early = art("early", "https://a.test/2026/03/02/crane-quay", fetched=FETCHED + timedelta(hours=1))
    try:
        first, second = engine.assign(later), engine.assign(early)
    finally:
        engine.close()
    assert second.group_id == first.group_id and second.is_originator
    for a, assigned in ((later, first), (early, second)):
        a.event_id, a.group_id, a.is_originator = assigned.event_id, assigned.group_id, assigned.is_originator
    later.is_originator = False
    story = build_cluster(first.event_id, [later, early])
    assert story["groups"][0]["originator_id"] == "early"
    assert story["groups"][0]["first_seen"].startswith("2026-03-02")


def test_one_tokenizer_splitter_detector_and_stopword_list():
    assert tokens("The U.S. port's Crane, 1,200 tonnes") == ["the", "u.s", "port's", "crane", "1", "200", "tonnes"]
    assert words("The U.S. port's Crane, 1,200 tonnes") == ["The", "U.S", "port's", "Crane", "tonnes"]
    assert sentences("One here. Two follows!\nThree") == ["One here.", "Two follows!", "Three"]
    assert detect_language("Der Hafen von Varn bleibt nach dem Einsturz eines Krans geschlossen, sagte eine "
                           "Sprecherin der Hafenbehörde am Montag.")[0] == "de"
    stop = stopwords()
    assert {"the", "und", "für", "fur", "del", "yang"} <= stop and "crane" not in stop
