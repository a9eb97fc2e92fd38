"""Sparse term vectors: the event centroids every assignment is scored against."""
import numpy as np
import pytest

from newsagg.dedupe import arrays
from newsagg.dedupe.records import EventRecord
from newsagg.dedupe.scoring import average_link
from newsagg.dedupe.tuning import Tuning
from newsagg.dedupe.vectors import SparseVector, dense, dots, term_id


def _dict_dot(a: dict[str, float], b: dict[str, float]) -> float:
    return sum(w * b[t] for t, w in a.items() if t in b)


def _random_vectors(rng, count, vocabulary=400, size=120):
    words = [f"w{i}" for i in range(vocabulary)]
    return [{words[j]: float(rng.random()) for j in rng.choice(vocabulary, size, replace=False)}
            for _ in range(count)]


def test_dots_in_one_pass_equal_the_dot_products_term_by_term():
    rng = np.random.default_rng(3)
    query, *others = _random_vectors(rng, 30)
    others.append({})  # a just-founded event has no terms yet
    got = dots(SparseVector.from_terms(query, "t"), [SparseVector.from_terms(o, "t") for o in others])
    assert got == pytest.approx([_dict_dot(query, o) for o in others], rel=1e-12, abs=1e-15)
    # Spaces keep apart: the same words as key terms share nothing with content terms.
    assert dots(SparseVector.from_terms(query, "k"), [SparseVector.from_terms(others[0], "t")])[0] == 0.0


def test_sums_drop_what_falls_to_zero_and_keep_the_heaviest_terms():
    a = SparseVector.from_terms({"vote": 0.5, "court": 0.25, "storm": 0.1}, "t")
    b = SparseVector.from_terms({"vote": 0.5, "storm": 0.1, "flood": 0.05}, "t")
    total = a.plus(b, limit=10)
    assert dict(zip(total.ids.tolist(), total.weights.tolist())) == pytest.approx(
        {term_id("vote", "t"): 1.0, term_id("court", "t"): 0.25, term_id("storm", "t"): 0.2,
         term_id("flood", "t"): 0.05})
    # Taking an article back out of its event leaves no zero-weight terms behind.
    back = total.plus(b, limit=10, sign=-1.0)
    assert sorted(back.ids.tolist()) == sorted(a.ids.tolist())
    assert back.dot(back) == pytest.approx(a.dot(a))
    top = total.plus(SparseVector.empty(), limit=2)
    assert sorted(top.ids.tolist()) == sorted([term_id("vote", "t"), term_id("court", "t")])
    assert top.ids.tolist() == sorted(top.ids.tolist())


def test_packed_and_older_dict_records_read_the_same():
    vec = {"election": 0.8, "recount": 0.6}
    packed = SparseVector.from_terms(vec, "k").pack()
    assert isinstance(packed, str)
    unpacked = SparseVector.unpack(packed, "k")
    assert unpacked.ids.tolist() == SparseVector.from_terms(vec, "k").ids.tolist()
    assert unpacked.weights.tolist() == SparseVector.from_terms(vec, "k").weights.tolist()
    assert len(SparseVector.unpack("", "t")) == len(SparseVector.unpack(None, "t")) == 0
    # An event record written before centroids were packed scores like a new one.
    t = Tuning()
    article = {"tv": SparseVector.from_terms({"recount": 1.0}, "t").pack(),
               "kv": SparseVector.from_terms({"ohio": 1.0}, "k").pack(), "langs": ["en"], "size": 1}
    old = {"tv": {"recount": 0.9, "ballot": 0.4}, "kv": {"ohio": 0.7}, "langs": ["en"], "size": 2}
    new = {**old, "tv": SparseVector.from_terms(old["tv"], "t").pack(),
           "kv": SparseVector.from_terms(old["kv"], "k").pack()}
    article, old, new = (EventRecord.from_dict({"created": 0.0, **r}).centroid for r in (article, old, new))
    assert average_link(article, old, t) == pytest.approx(average_link(article, new, t))
    assert average_link(article, old, t) == pytest.approx(((1 - t.key_weight) * 0.9 + t.key_weight * 0.7) / 2)


def test_dense_rows_reproduce_the_dot_products():
    rng = np.random.default_rng(4)
    vecs = [SparseVector.from_terms(v, "t") for v in _random_vectors(rng, 5)]
    m = dense(vecs)
    assert (m @ m.T)[1, 3] == pytest.approx(vecs[1].dot(vecs[3]))
    assert dense([SparseVector.empty()]).shape == (1, 1)


def test_set_operations_by_sorting_return_what_numpy_returns():
    rng = np.random.default_rng(11)
    for trial in range(300):
        dtype = (np.int64, np.uint64, np.int32)[trial % 3]
        values = rng.integers(0, 30 if trial % 2 else 1 << 30, int(rng.integers(0, 50))).astype(dtype)
        other = rng.integers(0, 30, int(rng.integers(0, 50))).astype(dtype)
        for got, expected in ((arrays.unique(values), np.unique(values)),
                              (arrays.setdiff(values, other), np.setdiff1d(values, other)),
                              (arrays.isin_sorted(values, np.unique(other)), np.isin(values, other))):
            assert got.dtype == expected.dtype and got.tolist() == expected.tolist()
        for got, expected in ((arrays.unique_inverse(values), np.unique(values, return_inverse=True)),
                              (arrays.unique_counts(values), np.unique(values, return_counts=True))):
            assert [g.tolist() for g in got] == [e.tolist() for e in expected]
