"""Shingles as 64-bit hashes, the input of MinHash signatures.

A shingle is k consecutive tokens (words, or characters). Each token is hashed
once (xxh3, stable across processes and machines, unlike Python's `hash`), and
the k token hashes of every window are combined in one vectorised step, so a
600-word article costs one Python-level hash per word and a few numpy calls.

    >>> from dedupe.shingles import word_shingles
    >>> h = word_shingles("the cat sat on the mat".split(), k=5)
    >>> h.dtype, len(h)                 # 6 tokens, 5-word windows
    (dtype('uint64'), 2)
    >>> len(word_shingles(["breaking"], k=5))   # shorter than k: one shingle
    1
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xxhash

_hash_bytes = xxhash.xxh3_64_intdigest

# Odd multipliers for the position of a token inside its window, so that
# "a b" and "b a" give different shingles (fixed: hashes must stay stable).
_POSITION_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9,
     0x2545F4914F6CDD1D, 0x9FB21C651E98DF25, 0xA0761D6478BD642F, 0xE7037ED1A0B428DB,
     0x8EBC6AF09C88C6E3, 0x589965CC75374CC3, 0x1D8E4E27C47D124F, 0xD1B54A32D192ED03],
    dtype=np.uint64)
MAX_K = len(_POSITION_MULTIPLIERS)


# MurmurHash3 finaliser constants per width: shift, multiplier, shift, multiplier, shift.
_FMIX = {
    32: tuple(np.uint32(c) for c in (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)),
    64: tuple(np.uint64(c) for c in (33, 0xFF51AFD7ED558CCD, 33, 0xC4CEB9FE1A85EC53, 33)),
}


def fmix(values: np.ndarray, width: int = 64) -> np.ndarray:
    """MurmurHash3's finaliser, an avalanching bijection on uint32 or uint64
    (datasketch's pre-mix at width 32); multiplication wraps, as intended."""
    s1, m1, s2, m2, s3 = _FMIX[width]
    h = values ^ (values >> s1)
    h *= m1
    h ^= h >> s2
    h *= m2
    h ^= h >> s3
    return h


def token_hashes(tokens: Sequence[str]) -> np.ndarray:
    """xxh3-64 of each token's UTF-8 bytes, as uint64."""
    # map() keeps the per-token loop in C (str.encode defaults to UTF-8).
    return np.fromiter(map(_hash_bytes, map(str.encode, tokens)), dtype=np.uint64, count=len(tokens))


def shingles_from_token_hashes(hashes: np.ndarray, k: int) -> np.ndarray:
    """Combine the token hashes of every k-window into one hash per shingle.

    `hashes` is (n,) for one text or (batch, n) for equal-length texts (the
    benchmark signs a million synthetic articles this way); the result has
    n - k + 1 shingles along the last axis, or one when n < k.
    """
    if not 1 <= k <= MAX_K:
        raise ValueError(f"k must be between 1 and {MAX_K}, got {k}")
    n = hashes.shape[-1]
    if n == 0:
        return np.empty(hashes.shape, dtype=np.uint64)
    width = min(k, n)  # a text shorter than k is one shingle of all its tokens
    count = n - width + 1
    # sum_j hash[i + j] * M_j, in wrapping uint64 arithmetic (the intended mod
    # 2**64); the window length is added so a short text's single shingle
    # differs from a k-gram. One shifted slice per position: no Python loop
    # over shingles.
    combined = hashes[..., :count] * _POSITION_MULTIPLIERS[0]
    for j in range(1, width):
        combined += hashes[..., j:j + count] * _POSITION_MULTIPLIERS[j]
    combined += np.uint64(width)
    return fmix(combined)


def word_shingles(tokens: Sequence[str], k: int = 5) -> np.ndarray:
    """Hashes (uint64) of the k-word shingles of `tokens`, in text order.

    Texts with fewer than k tokens give one shingle; no tokens give none.
    """
    return shingles_from_token_hashes(token_hashes(tokens), k)


def char_shingles(text: str, k: int = 5) -> np.ndarray:
    """Hashes (uint64) of the k-character shingles of `text` (code points)."""
    codepoints = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    # Code points are small and structured: spread them before combining.
    return shingles_from_token_hashes(fmix(codepoints + np.uint64(0x9E3779B97F4A7C15)), k)
