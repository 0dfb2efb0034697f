"""Kernels on symmetric positive definite matrices: the Cholesky guard and log-det line search.

* :func:`cholesky_logdet` -- the positive-definiteness guard of the library:
  one Cholesky factorisation (LAPACK ``potrf`` through numba) that reports
  failure instead of raising, and returns ``log det`` from the factor.  Any
  solver whose iterates must stay positive definite calls it (today the
  MTP2 graphical models, :mod:`lrsparse.covariance`).
* :func:`logdet_line_search` -- backtracking along a segment ``X + theta D``
  for ``f(X) = -log det X + <X, C>``, the Gaussian negative log-likelihood
  with a linear term (the MTP2 objective: the penalty is linear on the
  sign-constrained cone).  A trial point that is not positive definite is
  rejected like one that does not decrease ``f`` enough, so every accepted
  iterate is positive definite; the accepted point's Cholesky factor is
  returned for the gradient ``C - X^{-1}``.
* :func:`mtp2_dual_logdet` -- ``log det`` of the dual point built from
  ``W = X^{-1}`` for the sign-constrained (MTP2) log-det problem: the
  duality gap that stops its solver.
* :func:`symmetric_from_upper` -- the full symmetric matrix from the upper
  triangle LAPACK leaves (``potri``: the inverse from a Cholesky factor).

:func:`_warm_up` compiles them on tiny float64 and float32 inputs.
"""

import numpy as np

from ..utils._numba import jit

__all__ = ["cholesky_logdet", "logdet_line_search", "mtp2_dual_logdet", "symmetric_from_upper"]


@jit
def cholesky_logdet(A):
    """Cholesky factor and ``log det`` of a symmetric matrix, or a failure flag.

    Only the lower triangle of ``A`` is read; ``A`` is not modified.

    Returns ``(ok, logdet, L)``: ``ok`` is False when ``A`` is not (numerically)
    positive definite, and then ``logdet = inf`` and ``L`` is ``A`` itself;
    otherwise ``L`` is the lower Cholesky factor (a new array) and ``logdet =
    2 sum log L_ii``.
    """
    try:
        L = np.linalg.cholesky(A)
    except Exception:  # LinAlgError: not positive definite
        return False, np.inf, A
    logdet = 0.0
    for i in range(A.shape[0]):
        d = L[i, i]
        if not d > 0.0:  # NaN in the input
            return False, np.inf, A
        logdet += np.log(d)
    return True, 2.0 * logdet, L


@jit
def logdet_line_search(X, D, C, f_ref, slope, sigma, max_tries):
    """Backtrack ``theta = 1, 1/2, ...`` on ``f(X + theta D) = -log det + <., C>``.

    Accepts the first ``theta`` with ``X + theta D`` positive definite and
    ``f <= f_ref + sigma theta slope`` (Armijo with a reference value
    ``f_ref``: the current value for a monotone search, the maximum of recent
    values for the nonmonotone one of spectral projected gradient).
    ``slope = <grad f(X), D>`` is negative for a descent direction.

    Returns ``(ok, theta, f, X_new, L)`` with ``L`` the Cholesky factor of
    ``X_new``; ``ok`` is False when ``max_tries`` halvings found no point
    (then ``X_new`` is ``X`` and ``L`` is meaningless).
    """
    p = X.shape[0]
    xc = 0.0
    dc = 0.0
    for i in range(p):
        for j in range(p):
            xc += X[i, j] * C[i, j]
            dc += D[i, j] * C[i, j]
    theta = 1.0
    Xt = np.empty_like(X)
    for _ in range(max_tries):
        for i in range(p):
            for j in range(p):
                Xt[i, j] = X[i, j] + theta * D[i, j]
        ok, logdet, L = cholesky_logdet(Xt)
        if ok:
            f = -logdet + xc + theta * dc
            if f <= f_ref + sigma * theta * slope:
                return True, theta, f, Xt, L
        theta *= 0.5
    return False, 0.0, np.inf, X, X


@jit
def mtp2_dual_logdet(W, S, Lam, dd):
    """``(ok, log det M)`` for the dual point ``M`` nearest ``W`` of the MTP2 problem.

    The dual of ``min -log det X + <X, S - Lam>`` subject to ``X_ij <= 0``
    (``i != j``) and, if ``dd``, ``X 1 >= 0`` is ``max log det M + p`` over
    ``M = S - Lam + Z - (mu 1^T + 1 mu^T) / 2`` with ``Z >= 0`` off the
    diagonal (zero on it) and ``mu >= 0`` (zero unless ``dd``).  From ``W``:
    ``mu_i = (S_ii - W_ii)_+``, ``M_ij = max(W_ij, S_ij - Lam_ij - (mu_i +
    mu_j) / 2)``, ``M_ii = S_ii - mu_i``.  ``ok`` is False while ``M`` is not
    positive definite.
    """
    p = W.shape[0]
    mu = np.zeros(p)
    if dd:
        for i in range(p):
            d = S[i, i] - W[i, i]
            mu[i] = d if d > 0.0 else 0.0
    M = np.empty((p, p))
    for i in range(p):
        M[i, i] = S[i, i] - mu[i]
        for j in range(i):
            floor = S[i, j] - Lam[i, j] - 0.5 * (mu[i] + mu[j])
            v = W[i, j] if W[i, j] > floor else floor
            M[i, j] = v
            M[j, i] = v
    ok, logdet, _ = cholesky_logdet(M)
    return ok, logdet


@jit
def symmetric_from_upper(A):
    """The symmetric matrix whose upper triangle is ``A``'s (a new C-ordered array)."""
    p = A.shape[0]
    out = np.empty((p, p), dtype=A.dtype)
    for i in range(p):
        for j in range(i, p):
            out[i, j] = A[i, j]
            out[j, i] = A[i, j]
    return out


def _warm_up():
    """Compile every kernel of this module once, for float64 and float32 (C-contiguous)."""
    for dtype in (np.float64, np.float32):
        A = np.eye(2, dtype=dtype)
        cholesky_logdet(A)
        cholesky_logdet(-A)
        logdet_line_search(A, A * dtype(0.1), A, 10.0, -1.0, 1e-4, 3)
        symmetric_from_upper(A)
        mtp2_dual_logdet(A, A, A * dtype(0.0), True)
        mtp2_dual_logdet(A, A, A * dtype(0.0), False)
        symmetric_from_upper(np.asfortranarray(A))
