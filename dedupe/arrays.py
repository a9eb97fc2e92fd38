"""Set operations on integer arrays (term ids, shingle hashes, LSH ids), by sorting.

numpy 2's `np.unique` (and `union1d`, `setdiff1d`, `isin`, built on it) goes
through a hash table: on the few hundred ids of one article it took 100-300 us a
call where a sort and a comparison of neighbours take 10-20 (numpy 2.4,
measured), and an assignment made a dozen such calls. These return exactly
what the numpy functions return (same values, order and dtype) for integer
arrays.
"""
from __future__ import annotations

import numpy as np


def _first_of_runs(ordered: np.ndarray) -> np.ndarray:
    """Mask of the first element of each run of equal values in a sorted array."""
    first = np.empty(ordered.size, dtype=bool)
    if ordered.size:
        first[0] = True
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return first


def unique(values: np.ndarray) -> np.ndarray:
    """`np.unique(values)`: sorted, each value once."""
    ordered = np.sort(np.ravel(values))
    return ordered[_first_of_runs(ordered)]


def unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(values, return_inverse=True)` of a 1-d array: (the unique values,
    the position of each value among them)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    first = _first_of_runs(ordered)
    inverse = np.empty(values.size, dtype=np.intp)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first], inverse


def unique_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(values, return_counts=True)` of a 1-d array: (the unique values,
    how many times each occurs)."""
    ordered = np.sort(values)
    starts = np.flatnonzero(_first_of_runs(ordered))
    return ordered[starts], np.diff(np.append(starts, ordered.size))


def isin_sorted(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """`np.isin(values, sorted_set)` where `sorted_set` is sorted (and of the same dtype)."""
    if not sorted_set.size:
        return np.zeros(values.shape, dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), sorted_set.size - 1)
    return sorted_set[at] == values


def setdiff(values: np.ndarray, other: np.ndarray) -> np.ndarray:
    """`np.setdiff1d(values, other)`: the values (sorted, once each) not in `other`."""
    mine = unique(values)
    return mine[~isin_sorted(mine, unique(other))]
