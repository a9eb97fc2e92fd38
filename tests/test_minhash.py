"""Shingles and MinHash signatures against datasketch, the reference."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from datasketch import MinHash

from newsagg.dedupe.minhash import Signer, jaccard
from newsagg.dedupe.shingles import char_shingles, word_shingles

VOCABULARY = [f"w{i}" for i in range(5000)]


def _text_pair(rng: np.random.Generator, words: int, edits: int) -> tuple[list[str], list[str]]:
    """A text and a copy of it with `edits` words replaced."""
    a = [VOCABULARY[i] for i in rng.integers(0, len(VOCABULARY), words)]
    b = list(a)
    for pos in rng.choice(words, edits, replace=False):
        b[pos] = f"edit{rng.integers(1 << 30)}"
    return a, b


def _shingle_strings(tokens: list[str], k: int) -> set[str]:
    return {" ".join(tokens[i:i + k]) for i in range(len(tokens) - k + 1)}


def test_signatures_equal_datasketch_affine32_bit_for_bit():
    rng = np.random.default_rng(1)
    hashes = word_shingles(_text_pair(rng, 300, 0)[0], 5)
    for num_perm, seed in ((128, 1), (64, 7)):
        reference = MinHash(num_perm=num_perm, seed=seed, scheme="affine32",
                            hashfunc=lambda h: int(h) & 0xFFFFFFFF)
        reference.update_batch(hashes)
        assert np.array_equal(Signer(num_perm, seed).sign(hashes), reference.hashvalues)


def test_jaccard_estimates_as_well_as_datasketch_on_the_same_shingles():
    rng = np.random.default_rng(2)
    signer = Signer(num_perm=128, seed=1)
    ours, theirs, truths = [], [], []
    for edits in [5, 10, 20, 30, 45, 60, 80, 100] * 5:
        a, b = _text_pair(rng, 200, edits)
        sa, sb = _shingle_strings(a, 5), _shingle_strings(b, 5)
        truths.append(len(sa & sb) / len(sa | sb))
        ours.append(jaccard(signer.sign(word_shingles(a, 5)), signer.sign(word_shingles(b, 5))))
        ma, mb = MinHash(num_perm=128, seed=1), MinHash(num_perm=128, seed=1)
        ma.update_batch([s.encode() for s in sa])
        mb.update_batch([s.encode() for s in sb])
        theirs.append(ma.jaccard(mb))
    truths = np.array(truths)
    our_error = np.abs(np.array(ours) - truths).mean()
    their_error = np.abs(np.array(theirs) - truths).mean()
    # Both are unbiased estimators with sd sqrt(J(1-J)/128) <= 0.044.
    assert our_error < 0.045
    assert our_error < their_error * 1.3 + 0.005
    assert abs(np.mean(ours) - truths.mean()) < 0.02  # no bias


def test_sign_many_and_sign_matrix_equal_one_by_one_signing():
    rng = np.random.default_rng(3)
    signer = Signer(num_perm=96, seed=3)
    arrays = [rng.integers(0, 1 << 63, n, dtype=np.uint64) for n in (700, 1, 0, 5000, 12000, 3, 600)]
    many = signer.sign_many(arrays)
    assert many.shape == (len(arrays), 96)
    for row, hashes in zip(many, arrays):
        assert np.array_equal(row, signer.sign(hashes))
    assert (many[2] == 0xFFFFFFFF).all()  # empty set
    matrix = rng.integers(0, 1 << 63, (40, 300), dtype=np.uint64)
    assert np.array_equal(signer.sign_matrix(matrix), signer.sign_many(list(matrix)))


def test_near_duplicates_score_high_and_unrelated_texts_low():
    rng = np.random.default_rng(4)
    signer = Signer()
    a, b = _text_pair(rng, 600, 6)
    c, _ = _text_pair(rng, 600, 0)
    sig_a, sig_b, sig_c = signer.sign_many([word_shingles(t, 5) for t in (a, b, c)])
    assert jaccard(sig_a, sig_b) > 0.8
    assert jaccard(sig_a, sig_c) < 0.05
    assert jaccard(sig_a, sig_a) == 1.0


def test_word_shingles_follow_word_order_and_keep_short_texts():
    tokens = "police closed the bridge after the storm on sunday".split()
    shingles = word_shingles(tokens, 5)
    assert len(shingles) == len(tokens) - 4
    assert len(set(shingles.tolist())) == len(shingles)
    swapped = tokens[1:2] + tokens[:1] + tokens[2:]
    assert set(word_shingles(swapped, 5).tolist()) != set(shingles.tolist())
    # Texts shorter than k still give one shingle, different for different texts.
    assert len(word_shingles(["flood"], 5)) == 1
    assert word_shingles(["flood"], 5)[0] != word_shingles(["fire"], 5)[0]
    assert len(word_shingles([], 5)) == 0
    with pytest.raises(ValueError):
        word_shingles(tokens, 0)


def test_char_shingles_find_near_duplicate_short_strings():
    signer = Signer()
    a = signer.sign(char_shingles("Storm closes Harbour Bridge for the weekend", 4))
    b = signer.sign(char_shingles("Storm closes Harbor Bridge for the weekend", 4))
    c = signer.sign(char_shingles("Central bank raises interest rates again", 4))
    assert jaccard(a, b) > 0.6
    assert jaccard(a, c) < 0.2
    assert len(char_shingles("abc", 5)) == 1


def test_shingle_hashes_are_the_same_in_another_process():
    # A Redis index is shared by worker processes: hashes must not depend on
    # PYTHONHASHSEED or anything else per process.
    tokens = "markets fell sharply as investors weighed the new tariffs".split()
    code = ("import sys; from dedupe.shingles import word_shingles; "
            "print(word_shingles(sys.argv[1:], 5).tolist())")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code, *tokens], capture_output=True, text=True,
                         env=env, check=True).stdout
    assert out.strip() == str(word_shingles(tokens, 5).tolist())
