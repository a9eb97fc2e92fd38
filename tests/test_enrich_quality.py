"""Entity and language quality on our labelled set (workers/data/enrich_eval.yaml).

Floors sit just under the measured values, so a rule change that makes things
worse fails here; `python -m workers.enrich_eval` prints the numbers.
"""
from newsagg.workers.enrich_eval import evaluate


def test_entity_quality_on_the_holdout_never_tuned_on():
    res = evaluate(split="holdout")
    assert res["entities"]["all"]["f1"] >= 0.72, res["entities"]
    assert res["entities"]["person"]["recall"] >= 0.85
    assert res["entities"]["all"]["precision"] >= 0.80


def test_entity_quality_on_the_tuning_set():
    res = evaluate(split="entities")
    assert res["entities"]["all"]["f1"] >= 0.88, res["entities"]
    assert all(res["entities"][k]["precision"] >= 0.9 for k in ("person", "organisation", "place"))


def test_language_of_one_line_texts_in_ten_languages():
    res = evaluate()
    assert res["language"]["samples"] >= 30 and res["language"]["accuracy"] >= 0.95, res["language"]["wrong"]
