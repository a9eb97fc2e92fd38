"""Vectorised MinHash signatures, bit-for-bit those of datasketch's default.

`Signer` applies datasketch 2.0's "affine32" permutations (MurmurHash3
finaliser pre-mix, then h -> a*h + b mod 2**32 with odd a, drawn from
`np.random.RandomState(seed)` exactly as datasketch draws them) to all shingles
of a text at once, instead of one `MinHash.update` call per shingle. A shingle
hash (uint64) enters as its low 32 bits, so

    MinHash(num_perm, seed, scheme="affine32", hashfunc=lambda h: h & 0xFFFFFFFF)

fed with the same shingle hashes holds the same `hashvalues` as `Signer.sign`.

    >>> from dedupe.shingles import word_shingles
    >>> from dedupe.minhash import Signer, jaccard
    >>> signer = Signer(num_perm=128, seed=1)
    >>> a = signer.sign(word_shingles("a b c d e f g h i j".split(), 3))
    >>> b = signer.sign(word_shingles("a b c d e f g h i x".split(), 3))
    >>> a.shape, a.dtype
    ((128,), dtype('uint32'))
    >>> 0.5 < jaccard(a, b) < 1.0        # true Jaccard is 7/9
    True
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from newsagg.dedupe.shingles import fmix

SIGNATURE_DTYPE = np.uint32
EMPTY_VALUE = np.uint32(0xFFFFFFFF)  # every slot of the signature of an empty set

# Shingles signed in one numpy block (x num_perm uint32 values): large enough to
# amortise numpy call overhead, small enough to stay in cache (4 MiB at 128).
_BLOCK_SHINGLES = 8192


class Signer:
    """MinHash signatures of shingle-hash arrays, num_perm uint32 values each."""

    def __init__(self, num_perm: int = 128, seed: int = 1):
        if num_perm < 1:
            raise ValueError("num_perm must be positive")
        self.num_perm = num_perm
        self.seed = seed
        # Same draws, same order as datasketch.MinHash._init_permutations (affine32).
        gen = np.random.RandomState(seed)
        self.a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        self.b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)

    def _premix(self, shingle_hashes: np.ndarray) -> np.ndarray:
        return fmix(np.asarray(shingle_hashes).astype(np.uint32, copy=False), 32)

    def sign(self, shingle_hashes: np.ndarray) -> np.ndarray:
        """Signature (num_perm,) uint32 of one set of shingle hashes."""
        return self.sign_many([shingle_hashes])[0]

    def sign_many(self, shingle_hash_arrays: Sequence[np.ndarray]) -> np.ndarray:
        """Signatures (n, num_perm) uint32, one row per array, in order."""
        count = len(shingle_hash_arrays)
        out = np.full((count, self.num_perm), EMPTY_VALUE, dtype=SIGNATURE_DTYPE)
        lengths = np.fromiter((len(x) for x in shingle_hash_arrays), dtype=np.int64, count=count)
        start = 0
        while start < count:
            # A block: consecutive texts with about _BLOCK_SHINGLES shingles in all.
            stop, rows = start, 0
            while stop < count and (rows == 0 or rows + lengths[stop] <= _BLOCK_SHINGLES):
                rows += lengths[stop]
                stop += 1
            members = [i for i in range(start, stop) if lengths[i]]
            if members:
                h = self._premix(np.concatenate([shingle_hash_arrays[i] for i in members]))
                # (num_perm, shingles): the long axis innermost is what numpy
                # vectorises best; then one min per text over its columns.
                products = np.multiply.outer(self.a, h)
                products += self.b[:, None]
                offsets = np.concatenate(([0], np.cumsum(lengths[members])[:-1]))
                out[members] = np.minimum.reduceat(products, offsets, axis=1).T
            start = stop
        return out

    def sign_matrix(self, shingle_hashes: np.ndarray) -> np.ndarray:
        """Signatures (batch, num_perm) of equal-length rows of shingle hashes (batch, n)."""
        batch, n = shingle_hashes.shape
        out = np.empty((batch, self.num_perm), dtype=SIGNATURE_DTYPE)
        step = max(1, _BLOCK_SHINGLES // max(n, 1))
        for lo in range(0, batch, step):
            h = self._premix(shingle_hashes[lo:lo + step])
            products = np.multiply.outer(self.a, h)  # (num_perm, step, n)
            products += self.b[:, None, None]
            out[lo:lo + step] = products.min(axis=2).T
        return out


def jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Estimated Jaccard similarity: the share of equal signature slots."""
    if sig_a.shape != sig_b.shape:
        raise ValueError(f"signatures of different sizes: {sig_a.shape} vs {sig_b.shape}")
    return float(np.count_nonzero(sig_a == sig_b)) / sig_a.shape[-1]
