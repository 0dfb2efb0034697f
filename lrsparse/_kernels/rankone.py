"""Rank-one updates of factorisations, and the weighted median.

* :func:`cholesky_append` -- grow the Cholesky factor ``L`` of a Gram matrix
  ``A_S^T A_S`` by one column in ``O(k^2)`` (one forward substitution),
  instead of refactorising in ``O(k^3)``; :func:`cholesky_solve` solves
  ``L L^T x = b`` with the leading ``k x k`` block.  The least-squares refits
  of the greedy selection of :mod:`lrsparse.linear_model` (``_omp``), one
  column per iteration.
* :func:`weighted_median` -- the minimiser of ``sum_i w_i |v_i - t|``, and
  :func:`columnwise_lad_min` -- ``min_t ||r - t a_j||_1 (+ |r0_j - t a0_j|)``
  for every column ``a_j`` of a matrix at once (the exact one-dimensional
  least-absolute-deviation fit: a weighted median of ``r_i / a_ij`` with
  weights ``|a_ij|``).  The selection gains of the LAD losses of the greedy
  selection (``_omp``).

:func:`_warm_up` compiles them once on tiny float64 and float32 inputs.
"""

import numpy as np

from ..utils._numba import jit

__all__ = [
    "cholesky_append",
    "cholesky_solve",
    "columnwise_lad_min",
    "precision_matvec",
    "precision_rank_one",
    "weighted_median",
]


@jit
def cholesky_append(L, k, v, c, rtol):
    """Append one column to a Cholesky factor in place; return whether it was independent.

    ``L[:k, :k]`` is the lower Cholesky factor of ``G = A_S^T A_S``; the new
    column ``a`` has inner products ``v = A_S^T a`` (length ``k``) and
    squared norm ``c = a^T a``.  Row ``k`` of ``L`` is filled so that
    ``L[:k+1, :k+1]`` factors the grown Gram matrix.  When the new pivot
    ``c - ||L^{-1} v||^2`` is at most ``rtol * c`` the column is (numerically)
    in the span of the others: nothing usable is written and ``False`` is
    returned, so that the caller stops instead of dividing by a rounding error.
    """
    for i in range(k):
        s = v[i]
        for j in range(i):
            s -= L[i, j] * L[k, j]
        L[k, i] = s / L[i, i]
    d2 = c
    for j in range(k):
        d2 -= L[k, j] * L[k, j]
    if not d2 > rtol * c:
        return False
    L[k, k] = np.sqrt(d2)
    for j in range(k + 1, L.shape[1]):
        L[k, j] = 0.0
    return True


@jit
def cholesky_solve(L, k, b):
    """Solve ``L L^T x = b`` with the leading ``k x k`` block of a lower factor ``L``."""
    x = np.empty(k, dtype=L.dtype)
    for i in range(k):  # forward: L z = b
        s = b[i]
        for j in range(i):
            s -= L[i, j] * x[j]
        x[i] = s / L[i, i]
    for i in range(k - 1, -1, -1):  # backward: L^T x = z
        s = x[i]
        for j in range(i + 1, k):
            s -= L[j, i] * x[j]
        x[i] = s / L[i, i]
    return x


@jit
def precision_matvec(P, e, u):
    """``u <- P e`` for a symmetric ``P``; return ``q = e^T P e``.

    Accumulates columns (``u += P[j] e_j``, using ``P[j, :] = P[:, j]``) so
    that the inner loop is a contiguous, vectorisable update rather than a
    reduction.
    """
    d = e.shape[0]
    for i in range(d):
        u[i] = 0.0
    for j in range(d):
        ej = e[j]
        if ej != 0.0:
            for i in range(d):
                u[i] += P[j, i] * ej
    q = 0.0
    for i in range(d):
        q += e[i] * u[i]
    return q


@jit
def precision_rank_one(P, u, q, w, c):
    """Precision of ``C' = c (C + w e e^T)`` in place; return ``log det C' - log det C``.

    ``P = C^{-1}`` (symmetric), ``u = P e`` and ``q = e^T P e`` (see
    :func:`precision_matvec`), ``c > 0``.  Sherman--Morrison gives
    ``P' = (P - w u u^T / (1 + w q)) / c`` and the matrix determinant lemma
    ``log det C' = log det C + D log c + log(1 + w q)``, in ``O(D^2)``.  A
    downdate (``w < 0``) with ``1 + w q <= 0`` would leave the positive
    definite cone: ``P`` is left unchanged and NaN is returned.  The update
    keeps ``P`` exactly symmetric (``u_i u_j = u_j u_i`` in floating point).
    """
    d = u.shape[0]
    den = 1.0 + w * q
    if not den > 0.0:
        return np.nan
    a = 1.0 / c
    b = w / den * a
    for i in range(d):
        ui = u[i]
        for j in range(d):
            # b (u_i u_j), not (b u_i) u_j: the same rounding for P_ij and P_ji
            P[i, j] = a * P[i, j] - b * (ui * u[j])
    return d * np.log(c) + np.log1p(w * q)


@jit
def _select_weighted_median(vals, wts, n, half):
    """The lower weighted median of ``vals[:n]`` by quickselect; reorders both arrays.

    Three-way partitions around a median-of-three pivot, keeping the side
    where the cumulative weight reaches ``half``: ``O(n)`` expected instead
    of the ``O(n log n)`` of a sort.
    """
    lo, hi = 0, n - 1
    below = 0.0  # weight of the values known to be smaller than vals[lo:hi+1]
    while lo < hi:
        a, b, c = vals[lo], vals[(lo + hi) // 2], vals[hi]
        pivot = max(min(a, b), min(max(a, b), c))
        # Dutch-flag partition: [lo, lt) < pivot, [lt, i) == pivot, (gt, hi] > pivot
        lt, i, gt = lo, lo, hi
        w_less, w_equal = 0.0, 0.0
        while i <= gt:
            v = vals[i]
            if v < pivot:
                vals[i], vals[lt] = vals[lt], vals[i]
                wts[i], wts[lt] = wts[lt], wts[i]
                w_less += wts[lt]
                lt += 1
                i += 1
            elif v > pivot:
                vals[i], vals[gt] = vals[gt], vals[i]
                wts[i], wts[gt] = wts[gt], wts[i]
                gt -= 1
            else:
                w_equal += wts[i]
                i += 1
        if below + w_less >= half:
            hi = lt - 1
        elif below + w_less + w_equal >= half:
            return pivot
        else:
            below += w_less + w_equal
            lo = gt + 1
    return vals[lo]


@jit
def weighted_median(values, weights):
    """A minimiser of ``sum_i weights_i |values_i - t|`` (``weights >= 0``).

    The lower weighted median: the smallest ``values_i`` at which the
    cumulative weight (in sorted order) reaches half the total.  Every point
    between it and the upper weighted median is also a minimiser.  Returns 0
    when the total weight is 0 (every ``t`` is then a minimiser).  Found by
    quickselect in ``O(n)`` expected time; the inputs are not modified.
    """
    n = values.shape[0]
    total = 0.0
    for i in range(n):
        total += weights[i]
    if n == 0 or not total > 0.0:
        return values.dtype.type(0.0)
    vals = values.copy()
    wts = weights.copy()
    return _select_weighted_median(vals, wts, n, 0.5 * total)


@jit
def columnwise_lad_min(A, r, col_shift, col_scale, a0, r0):
    """``t_j, f_j = argmin, min_t ||r - t s_j (a_j - m_j)||_1 + |r0_j - t a0_j|`` for every column.

    ``m_j = col_shift[j]`` and ``s_j = col_scale[j]`` (for example the column
    mean and ``1 / ||a_j - m_j||``, so that the columns are centred and
    unit-norm without being copied); ``a0, r0`` is an optional extra row per
    column (``a0_j = 0`` switches it off), which turns the fit into the
    l1-penalised one ``||r - t a_j||_1 + lam |x_j + t|`` with ``a0_j = lam``,
    ``r0_j = -lam x_j``.  The minimiser is the weighted median of
    ``r_i / a_ij`` with weights ``|a_ij|`` (rows with ``a_ij = 0`` only add
    the constant ``|r_i|``).  ``O(m log m)`` per column.
    """
    m, n = A.shape
    t_out = np.zeros(n, dtype=A.dtype)
    f_out = np.zeros(n, dtype=A.dtype)
    vals = np.empty(m + 1, dtype=A.dtype)
    wts = np.empty(m + 1, dtype=A.dtype)
    for j in range(n):
        s = col_scale[j]
        shift = col_shift[j]
        cnt = 0
        const = 0.0
        for i in range(m):
            a = (A[i, j] - shift) * s
            if a != 0.0:
                vals[cnt] = r[i] / a
                wts[cnt] = abs(a)
                cnt += 1
            else:
                const += abs(r[i])
        if a0[j] != 0.0:
            vals[cnt] = r0[j] / a0[j]
            wts[cnt] = abs(a0[j])
            cnt += 1
        else:
            const += abs(r0[j])
        t = weighted_median(vals[:cnt], wts[:cnt])
        f = const
        for i in range(cnt):
            f += wts[i] * abs(vals[i] - t)
        t_out[j] = t
        f_out[j] = f
    return t_out, f_out


def _warm_up():
    """Compile every kernel of this module once, for float64 and float32 (C-contiguous)."""
    for dtype in (np.float64, np.float32):
        L = np.zeros((2, 2), dtype=dtype)
        L[0, 0] = 1.0
        cholesky_append(L, 1, np.ones(1, dtype=dtype), dtype(2.0), 1e-12)
        cholesky_solve(L, 2, np.ones(2, dtype=dtype))
        v = np.arange(3, dtype=dtype)
        weighted_median(v, np.ones(3, dtype=dtype))
        A = np.ones((3, 2), dtype=dtype)
        one, zero = np.ones(2, dtype=dtype), np.zeros(2, dtype=dtype)
        columnwise_lad_min(A, v, zero, one, zero, zero)
        columnwise_lad_min(np.asfortranarray(A), v, zero, one, zero, zero)
        P = np.eye(2, dtype=dtype)
        u = np.empty(2, dtype=dtype)
        q = precision_matvec(P, one, u)
        precision_rank_one(P, u, q, 0.5, 0.5)
