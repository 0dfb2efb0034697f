"""Row-wise dense operations: l2 normalisation and normalised accumulation."""

import numba
import numpy as np

from ..utils._numba import jit

__all__ = ["add_weighted_rows"]


@jit(parallel=True)
def add_weighted_rows(acc, X, weight, normalize):
    """Return ``acc + weight * X``, with each row of ``X`` l2-normalised first if asked.

    Zero rows of ``X`` stay zero (no division by zero).  This is the merge
    step of propagation embeddings such as FastRP, ``sum_i alpha_i N_i``.
    Parallel over rows; the result has the dtype of ``acc``.
    """
    n, d = X.shape
    out = np.empty_like(acc)
    for i in numba.prange(n):
        scale = weight
        if normalize:
            s = 0.0
            for c in range(d):
                s += X[i, c] * X[i, c]
            scale = weight / np.sqrt(s) if s > 0.0 else 0.0
        for c in range(d):
            out[i, c] = acc[i, c] + scale * X[i, c]
    return out
