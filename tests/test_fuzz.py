"""Bounded fuzzing in CI: seeded mutations of real pages (../shared/data, when present) and
of our own pages, feeds, sitemaps and JSON lines; zero uncaught exceptions. A failure names
the target, case and mutation: `python bench/fuzz.py --target T --n N --seed S --save` keeps
the input in tests/data/fuzz/, which test_kept_crashing_inputs_stay_fixed replays.
About 30-40 s on 2 busy cores."""
from __future__ import annotations

import random

import pytest

from tests.support.fuzz import REGRESSIONS, campaign, real_pages, run_one, target_of

SEED = 20260302
N = {"feed": 400, "sitemap": 400, "jsonl": 300, "extract": 150}


def _report(findings) -> str:
    return "\n".join(f"{f.target} case {f.case} ({f.mutation}): {f.error}" for f in findings[:5])


@pytest.mark.timeout(180)
@pytest.mark.parametrize("target", ["feed", "sitemap", "jsonl", "extract"])
def test_mutated_own_inputs_never_crash_a_parser(target):
    ran, findings = campaign(target, N[target], SEED)
    assert ran == N[target]
    assert not findings, _report(findings)


@pytest.mark.realdata
@pytest.mark.timeout(180)
def test_mutated_real_pages_never_crash_extraction(shared_data):
    pages = real_pages(40, random.Random(SEED))
    assert pages, "no pages under extraction-benchmark/html"
    # the campaign picks among our 4 pages and these 40: most inputs are real pages
    ran, findings = campaign("extract", 180, SEED + 1, extra_seeds=pages)
    assert not findings, _report(findings)


KEPT = sorted(p for p in REGRESSIONS.glob("*") if p.is_file())


def test_the_regression_corpus_is_there():
    assert {target_of(p) for p in KEPT} >= {"extract", "feed", "sitemap", "jsonl"}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("path", KEPT, ids=[p.name for p in KEPT])
def test_kept_crashing_inputs_stay_fixed(path):
    assert run_one(target_of(path), path.read_bytes()) is None
