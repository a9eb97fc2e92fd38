"""What the engine knows of a language must not be what keeps events apart:
content words are weighed by their own language's frequencies, and reports of
one happening must share names or numbers, not only common words."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from newsagg.dedupe.clusters import Member
from newsagg.dedupe.engine import StoryEngine
from newsagg.dedupe.records import EventRecord
from newsagg.dedupe.scoring import event_fits
from newsagg.dedupe.state import LocalState
from newsagg.dedupe.tuning import Tuning
from newsagg.dedupe.vectors import SparseVector, term_id
from tests.support.engine_texts import DAY, UNRELATED, article, background
from tests.support.vietnamese_texts import CORRUPTION, HOSPITAL, SWINE_FEVER, SWINE_FEVER_OTHER


def _common_to_name(tmp_path, **tuning) -> float:
    """Weight of a syllable every Vietnamese report writes ("cho") over that of one
    only the last writes ("khoanh" vùng), after English news and four Vietnamese reports."""
    engine = StoryEngine(LocalState(tmp_path), tuning=replace(Tuning(), **tuning))
    english = background() + [article(f"en{i}-{n}", title, text, DAY - timedelta(days=2))
                               for i in range(4) for n, (title, text) in enumerate(UNRELATED)]
    for a in english:
        engine.assign(a)
    seen = [engine.assign(article(f"vn{i}", title, text, DAY + timedelta(hours=i), "vi"))
            for i, (title, text) in enumerate([SWINE_FEVER, CORRUPTION, HOSPITAL, SWINE_FEVER_OTHER])]
    last = seen[-1].article_id
    f = engine._load_features({last: engine.state.get("article", last)["content_hash"]})[last]
    engine.close()
    weights = dict(zip(f.term_vector.ids.tolist(), f.term_vector.weights.tolist()))
    space = "vi|" if tuning.get("per_language_df", True) else ""
    common, rare = (weights[term_id(f"{space}{stem}", "t")] for stem in ("cho", "khoanh"))
    return common / rare


def test_a_rare_languages_common_words_are_weighed_by_its_own_reports(tmp_path):
    """In a stream of mostly English news, the syllables every Vietnamese report
    writes (no stopword list has them) look rare by the whole stream's counts;
    counted among Vietnamese reports they weigh less."""
    own = _common_to_name(tmp_path / "own")
    whole = _common_to_name(tmp_path / "whole", per_language_df=False)
    assert own < whole


def test_reports_of_one_happening_join_and_unrelated_ones_of_the_same_day_do_not(tmp_path):
    engine = StoryEngine(LocalState(tmp_path))
    for a in background():
        engine.assign(a)
    done = {name: engine.assign(article(f"vn{i}", title, text, DAY + timedelta(hours=i), "vi"))
            for i, (name, (title, text)) in enumerate([("swine", SWINE_FEVER), ("corruption", CORRUPTION),
                                                        ("hospital", HOSPITAL), ("swine2", SWINE_FEVER_OTHER)])}
    events = {name: engine.lookup(a.article_id).event_id for name, a in done.items()}
    engine.close()
    assert events["swine"] == events["swine2"]
    assert len({events["swine"], events["corruption"], events["hospital"]}) == 3


def test_common_words_alone_do_not_join_an_event_without_a_shared_name():
    t = Tuning()
    words = SparseVector.from_terms({"epidemic": 0.8, "village": 0.6}, "t")
    event = EventRecord(created=0.0)
    event.add(Member(words, SparseVector.from_terms({"thai binh": 1.0}, "k"), "vi", 0.0), t.centroid_terms)

    class Article:  # what event_fits reads of an article
        lang, anchor, written, day, weekday, ordinal, time = "vi", None, None, None, None, None, 0.0
        term_vector, cross_vector = words, SparseVector.empty()
        keys: dict[str, int] = {}  # its names and numbers as written (none shared across languages here)

    named = Article()
    named.key_vector = SparseVector.from_terms({"thai binh": 1.0}, "k")
    unnamed = Article()
    unnamed.key_vector = SparseVector.from_terms({"long an": 1.0}, "k")
    assert event_fits(named, {"ev": event}, t)["ev"] >= 1.0
    assert event_fits(unnamed, {"ev": event}, t)["ev"] == 0.0


def test_a_country_is_one_name_whatever_the_language_calls_it():
    """Reports of one happening in two languages share the countries they name:
    "Türkei" and "Syrien" in German, "Turquía" in Spanish, "Turkey" and "Syria" in
    English are the same names to the engine (pycountry's translated names)."""
    from newsagg.dedupe.features import featurize

    def keys(text, lang, tuning=Tuning()):
        return set(featurize(article(f"quake-{lang}", "Erdbeben" if lang == "de" else "Quake", text, DAY, lang),
                             tuning).keys)

    english = keys("A strong earthquake shook Turkey and Syria on Monday.", "en")
    german = keys("Ein starkes Erdbeben hat am Montag die Türkei und Syrien erschüttert.", "de")
    spanish = keys("Un fuerte terremoto sacudió Turquía el lunes.", "es")
    assert {"@tr", "@sy"} <= english & german and "@tr" in spanish
    # Without the table the three reports share no name at all.
    plain = replace(Tuning(), country_languages=())
    assert not keys("A strong earthquake shook Turkey and Syria on Monday.", "en", plain) \
        & keys("Ein starkes Erdbeben hat am Montag die Türkei und Syrien erschüttert.", "de", plain)
