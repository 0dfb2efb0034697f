"""Rank-one updates of inverses and log-determinants.

Used by estimators that keep a precision matrix up to date one sample at a
time (incremental Gaussian mixtures, streaming PCA) in O(D^2) instead of
O(D^3).
"""

import numpy as np

from ..utils._numba import jit

__all__ = ["logdet_rank_one_update", "sherman_morrison_update"]


@jit
def sherman_morrison_update(Ainv, u, v):
    """Inverse of ``A + u v^T`` from ``Ainv = A^{-1}`` (Sherman-Morrison).

    ``(A + u v^T)^{-1} = A^{-1} - A^{-1} u v^T A^{-1} / (1 + v^T A^{-1} u)``.
    Returns a new matrix; the result is undefined (inf/nan) when
    ``1 + v^T A^{-1} u == 0`` (the updated matrix is singular).
    """
    n = Ainv.shape[0]
    Au = Ainv @ u  # A^{-1} u
    vA = v @ Ainv  # v^T A^{-1}
    denom = 1.0
    for i in range(n):
        denom += v[i] * Au[i]
    out = np.empty_like(Ainv)
    for i in range(n):
        ai = Au[i] / denom
        for j in range(n):
            out[i, j] = Ainv[i, j] - ai * vA[j]
    return out


@jit
def logdet_rank_one_update(logdet, Ainv, u, v):
    """``log|det(A + u v^T)|`` from ``log|det(A)|`` (matrix determinant lemma).

    ``det(A + u v^T) = det(A) (1 + v^T A^{-1} u)``.  Returns
    ``(logdet + log|1 + v^T A^{-1} u|, sign)`` where ``sign`` is the sign of
    the factor ``1 + v^T A^{-1} u`` (-1, 0 or 1); the determinant's sign
    flips when it is -1 and the update is singular when it is 0.
    """
    factor = 1.0 + v @ (Ainv @ u)
    if factor == 0.0:
        return -np.inf, 0.0
    sign = 1.0 if factor > 0.0 else -1.0
    return logdet + np.log(abs(factor)), sign
