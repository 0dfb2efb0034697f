"""Multiplicative updates for (band-weighted, graph-regularised, sparse) NMF.

One kernel serves every unmixing variant.  With ``X ~ A M`` (pixels x bands
= (pixels x components) (components x bands)) it minimises, over ``A, M >= 0``,

    F = 1/2 sum_l b_l ||X[:, l] - A M[:, l]||^2          (band-weighted data term)
      + 1/2 delta^2 sum_i (1 - sum_k A_ik)^2             (sum-to-one, augmented row)
      + lambda/2 Tr(A^T (D - G) A)                       (graph Laplacian term)
      + sum_i w_i sum_k A_ik^{p_i}                       (l1 for p_i = 1, lp for p_i < 1)

by the multiplicative updates of Lee & Seung extended as in GNMF (Cai et al.)
and SS-NMF (Zhu et al.).  The band weights ``b`` cancel in the update of
``M`` (each band's column is a separate least-squares problem), so only the
update of ``A`` sees them.

:func:`abundance_pass` updates ``A`` and, in the same single pass over ``X``,
gathers what the rest of the iteration needs: ``A^T X`` and ``A^T A`` for the
``M`` update (the per-band residual energies of the reweighting follow from
them without another sweep) and the objective at the current iterate.
Pixels are processed in fixed-size chunks in parallel: a chunk of ``X`` is
brought into cache once and its two products (``X_c (M B)^T``, ``A_c^T X_c``)
go through BLAS, so ``X`` streams from memory once per iteration instead of
two to four times.  Per-chunk partial sums are
added in a fixed order, so results do not depend on the number of threads.
"""

import numba
import numpy as np

from ..utils._numba import jit

__all__ = ["abundance_pass", "abundance_qp", "endmember_update"]

# Below this an abundance gets no lp (p < 1) sparsity gradient: A^(p-1) would
# explode and pin it at zero (the trick of Zhu et al.'s L1/2-NMF code).
_LP_FLOOR = 1e-3


# Reassociation lets LLVM vectorise the band reductions; NaN semantics are
# kept (no "nnan"/"ninf"), so this is not full fastmath.
_FAST = {"reassoc", "contract", "arcp"}


@jit(parallel=True, fastmath=_FAST)
def abundance_pass(
    X,
    x_sq,
    A,
    M,
    band_weights,
    asc_delta,
    g_indptr,
    g_indices,
    g_data,
    g_degree,
    graph_strength,
    sparsity_weight,
    sparsity_p,
    eps,
    chunk,
):
    """One multiplicative update of the abundances, fused with the iteration's statistics.

    Parameters
    ----------
    X : ndarray of shape (n_pixels, n_bands)
        Nonnegative data (read only).
    x_sq : ndarray of shape (n_bands,)
        ``sum_i X[i, l]^2`` per band (float64), computed once per fit: the
        data term of the objective then costs nothing per pixel.
    A : ndarray of shape (n_pixels, n_components)
        Current abundances (read only).
    M : ndarray of shape (n_components, n_bands)
        Current endmembers (read only).
    band_weights : ndarray of shape (n_bands,)
        Nonnegative weights ``b`` of the bands in the data term.
    asc_delta : float
        ``delta`` of the sum-to-one augmented row; 0 disables it.
    g_indptr, g_indices, g_data : ndarrays
        CSR arrays of the pixel affinity graph ``G`` (symmetric, nonnegative).
        Pass ``graph_strength=0`` (and any valid, e.g. empty, CSR) for none.
    g_degree : ndarray of shape (n_pixels,)
        Row sums of ``G`` (the diagonal of ``D``).
    graph_strength : float
        ``lambda``.
    sparsity_weight : ndarray of shape (n_pixels,)
        ``w_i`` (zeros for no sparsity).
    sparsity_p : ndarray of shape (n_pixels,)
        ``p_i`` in (0, 1]: 1 is l1, smaller values are lp quasi-norms.
    eps : float
        Floor of the update's denominator.
    chunk : int
        Pixels per parallel work item (fixes the summation order).

    Returns
    -------
    A_new : ndarray of shape (n_pixels, n_components)
    AtX : ndarray of shape (n_components, n_bands)
        ``A_new^T X`` (float64).
    AtA : ndarray of shape (n_components, n_components)
        ``A_new^T A_new`` (float64).  With ``A_new^T X`` these also give the
        per-band residual energies of the next iteration without a sweep
        (``x_sq - 2 sum_k M_kl (A^T X)_kl + sum_kj M_kl M_jl (A^T A)_kj``).
    objective : ndarray of shape (4,)
        The data, sum-to-one, graph and sparsity terms of ``F`` at the current
        ``A, M`` (float64).  The data term is expanded as
        ``x^T B x - 2 a^T M B x + a^T M B M^T a`` per pixel, so it costs no
        extra sweep; expect round-off of about ``eps * ||X||^2`` in it.

    Notes
    -----
    Each chunk of pixels is read into cache once and multiplied by BLAS:
    ``X_c (M B)^T`` (the numerators) before the per-pixel updates and
    ``A_c^T X_c`` after them, so ``X`` streams from memory once per
    iteration (scikit-learn's multiplicative updates read it twice).
    """
    n, L = X.shape
    K = M.shape[0]
    delta2 = asc_delta * asc_delta
    M64 = M.astype(np.float64)
    MB = np.empty((K, L))
    for k in range(K):
        for l in range(L):
            MB[k, l] = M64[k, l] * band_weights[l]
    MBt = np.ascontiguousarray(MB.T)
    MBM = MB @ M64.T  # without delta^2: the data term's quadratic form

    n_chunks = (n + chunk - 1) // chunk
    AtX_parts = np.zeros((n_chunks, K, L))
    AtA_parts = np.zeros((n_chunks, K, K))
    obj_parts = np.zeros((n_chunks, 4))
    A_new = np.empty_like(A)
    use_graph = graph_strength != 0.0

    for c in numba.prange(n_chunks):
        start = c * chunk
        stop = min(n, start + chunk)
        m = stop - start
        Xc = X[start:stop].astype(np.float64)  # float64 arithmetic for both dtypes
        NUM = Xc @ MBt  # M B x of every pixel of the chunk
        Ac = np.empty((m, K))
        ga = np.zeros(K)
        obj = obj_parts[c]
        for r in range(m):
            i = start + r
            a = A[i]
            num = NUM[r]
            # Data term at the current iterate, less x^T B x (added once at
            # the end from x_sq): -2 a.(M B x) + a (M B M^T) a.
            quad = 0.0
            lin = 0.0
            sum_a = 0.0
            for k in range(K):
                lin += a[k] * num[k]
                sum_a += a[k]
                for j in range(K):
                    quad += a[k] * a[j] * MBM[k, j]
            obj[0] += 0.5 * (quad - 2.0 * lin)
            obj[1] += 0.5 * delta2 * (1.0 - sum_a) * (1.0 - sum_a)
            # Graph term: (G A)_i and a_i . (d_i a_i - (G A)_i).
            if use_graph:
                ga[:] = 0.0
                for p in range(g_indptr[i], g_indptr[i + 1]):
                    j = g_indices[p]
                    w = g_data[p]
                    for k in range(K):
                        ga[k] += w * A[j, k]
                t = 0.0
                for k in range(K):
                    t += a[k] * (g_degree[i] * a[k] - ga[k])
                obj[2] += 0.5 * graph_strength * t
            wi = sparsity_weight[i]
            pi = sparsity_p[i]
            sp_obj = 0.0
            for k in range(K):
                nk = num[k] + delta2
                d = 0.0
                for j in range(K):
                    d += a[j] * (MBM[j, k] + delta2)
                if use_graph:
                    nk += graph_strength * ga[k]
                    d += graph_strength * g_degree[i] * a[k]
                if wi != 0.0:
                    if pi >= 1.0:
                        d += wi
                        sp_obj += a[k]
                    elif a[k] > 0.0:
                        apm1 = a[k] ** (pi - 1.0)  # one pow for both terms
                        sp_obj += a[k] * apm1
                        if a[k] >= _LP_FLOOR:
                            d += wi * pi * apm1
                v = a[k] * nk / (d if d > eps else eps)
                Ac[r, k] = v
                A_new[i, k] = v
            obj[3] += wi * sp_obj
        # Statistics of the new abundances for the endmember update.
        AtX_parts[c] = Ac.T @ Xc
        AtA_parts[c] = Ac.T @ Ac

    AtX = np.zeros((K, L))
    AtA = np.zeros((K, K))
    objective = np.zeros(4)
    for c in range(n_chunks):
        AtX += AtX_parts[c]
        AtA += AtA_parts[c]
        objective += obj_parts[c]
    for l in range(L):
        objective[0] += 0.5 * band_weights[l] * x_sq[l]
    return A_new, AtX, AtA, objective


@jit(fastmath=_FAST)
def endmember_update(M, AtX, AtA, eps):
    """Multiplicative update of the endmembers: ``M * (A^T X) / (A^T A M)``.

    Band weights cancel here (each band is its own least-squares problem in
    ``M``), so the same update serves the weighted and unweighted losses.
    Returns a new array with the dtype of ``M``.
    """
    K, L = M.shape
    out = np.empty_like(M)
    for k in range(K):
        for l in range(L):
            d = 0.0
            for j in range(K):
                d += AtA[k, j] * M[j, l]
            num = AtX[k, l] if AtX[k, l] > 0.0 else 0.0
            out[k, l] = M[k, l] * num / (d if d > eps else eps)
    return out


@jit
def _cholesky_solve(H, r, free, n_free, L, z):
    """Solve ``H[free, free] z = r[free]`` by Cholesky; False if not positive definite.

    ``L`` is K x K scratch; ``z`` receives the solution in its first ``n_free`` slots.
    """
    for a in range(n_free):
        ia = free[a]
        for b in range(a + 1):
            ib = free[b]
            s = H[ia, ib]
            for c in range(b):
                s -= L[a, c] * L[b, c]
            if a == b:
                if s <= 1e-13 * H[ia, ia] or s <= 0.0:
                    return False
                L[a, a] = np.sqrt(s)
            else:
                L[a, b] = s / L[b, b]
    for a in range(n_free):  # forward: L y = r
        s = r[free[a]]
        for c in range(a):
            s -= L[a, c] * z[c]
        z[a] = s / L[a, a]
    for a in range(n_free - 1, -1, -1):  # backward: L^T z = y
        s = z[a]
        for c in range(a + 1, n_free):
            s -= L[c, a] * z[c]
        z[a] = s / L[a, a]
    return True


@jit
def _nnqp(H, r, a, free, L, z, grad):
    """Exact ``min_{a >= 0} 1/2 a^T H a - r^T a`` for a small SPD ``H``, warm-started at ``a``.

    Lawson-Hanson's active-set method on the normal equations: the free set
    starts at the support of ``a``; each step solves the equality-constrained
    problem on the free set (Cholesky), steps back to feasibility when an
    entry would turn negative, and frees the coordinate whose gradient most
    violates the optimality conditions.  It ends at the exact KKT point in a
    few small solves (at most ``3 K`` here).  Returns False where ``H`` is
    numerically singular on the free set (the caller falls back to coordinate
    descent).  ``a`` is updated in place.
    """
    K = a.shape[0]
    scale = 0.0
    for k in range(K):
        v = abs(r[k])
        if v > scale:
            scale = v
        if H[k, k] > scale:
            scale = H[k, k]
    tol = 1e-12 * scale
    n_free = 0
    for k in range(K):
        if a[k] > 0.0:
            free[n_free] = k
            n_free += 1
        else:
            a[k] = 0.0
    solved = n_free == 0
    for _ in range(3 * K + 3):
        if not solved:
            # Equality-constrained optimum on the free set, then back to feasibility.
            for _inner in range(K + 1):
                if not _cholesky_solve(H, r, free, n_free, L, z):
                    return False
                alpha = 1.0
                blocking = -1
                for c in range(n_free):
                    k = free[c]
                    if z[c] <= 0.0:
                        step = a[k] / (a[k] - z[c]) if a[k] - z[c] > 0.0 else 0.0
                        if step < alpha:
                            alpha, blocking = step, k
                if blocking < 0:
                    for c in range(n_free):
                        a[free[c]] = z[c]
                    break
                m = 0
                for c in range(n_free):
                    k = free[c]
                    a[k] += alpha * (z[c] - a[k])
                    if k != blocking and a[k] > 0.0:
                        free[m] = k
                        m += 1
                    else:
                        a[k] = 0.0
                n_free = m
                if n_free == 0:
                    break
            solved = True
        # Optimality: free the bound coordinate with the largest descent.
        for k in range(K):
            g = r[k]
            for j in range(K):
                g -= H[k, j] * a[j]
            grad[k] = g
        best = -1
        best_g = tol
        for k in range(K):
            if a[k] == 0.0 and grad[k] > best_g:
                in_free = False
                for c in range(n_free):
                    if free[c] == k:
                        in_free = True
                if not in_free:
                    best, best_g = k, grad[k]
        if best < 0:
            return True
        free[n_free] = best
        n_free += 1
        solved = False
    return True


@jit
def _nnqp_cd(H, r, a):
    """Coordinate descent for the same QP: the fallback for a singular ``H``."""
    K = a.shape[0]
    for _ in range(1000):
        change = 0.0
        top = 0.0
        for k in range(K):
            h = H[k, k]
            if h <= 0.0:
                continue
            g = r[k]
            for j in range(K):
                if j != k:
                    g -= H[k, j] * a[j]
            v = g / h
            if v < 0.0:
                v = 0.0
            d = abs(v - a[k])
            if d > change:
                change = d
            a[k] = v
            if v > top:
                top = v
        if change <= 1e-12 * (top if top > 0.0 else 1.0):
            break


@jit(parallel=True)
def abundance_qp(C, Q, Y, S, g_indptr, g_indices, g_data, g_degree, graph_strength, chunk):
    """Abundances for fixed endmembers: one (majorised) block step of exact per-pixel QPs.

    With ``M`` fixed, ``F`` is a convex quadratic in ``A`` (for ``p_i = 1``):
    ``sum_i 1/2 a_i^T Q a_i - (C_i - S_i)^T a_i + lambda/2 Tr(A^T (D - G) A)``
    over ``A >= 0``, with ``Q = M B M^T + delta^2 1 1^T``, ``C = X B M^T +
    delta^2`` and ``S`` the sparsity gradient (``w_i``; for ``p_i < 1`` its
    linearisation, a majorise-minimise step).  Without a graph each pixel is
    its own small QP, solved exactly (active set, :func:`_nnqp`) in one call.

    With a graph, pixel ``i`` solves the proximal-gradient step at ``Y`` in
    the block metric ``H_i = Q + 2 lambda d_i I``, which majorises the
    Hessian because ``D - G <= 2 D``::

        min_{a >= 0} 1/2 a^T H_i a - (C_i - S_i + lambda (d_i y_i + (G Y)_i))^T a

    so the caller can accelerate the sweeps (FISTA) and their number grows
    only with the square root of the graph's coupling.

    Parameters
    ----------
    C : ndarray of shape (n_pixels, n_components)
    Q : ndarray of shape (n_components, n_components)
    Y : ndarray of shape (n_pixels, n_components)
        Point of the step (neighbours' values and the warm start).
    S : ndarray of shape (n_pixels, n_components)
        Linear sparsity term.
    g_indptr, g_indices, g_data, g_degree, graph_strength, chunk
        As in :func:`abundance_pass`.

    Returns
    -------
    A_new : ndarray of shape (n_pixels, n_components), dtype of ``Y``
    """
    n, K = Y.shape
    A_new = np.empty_like(Y)
    n_chunks = (n + chunk - 1) // chunk
    use_graph = graph_strength != 0.0
    for c in numba.prange(n_chunks):
        r = np.empty(K)
        a = np.empty(K)
        H = np.empty((K, K))
        free = np.empty(K, dtype=np.int64)
        L = np.empty((K, K))
        z = np.empty(K)
        grad = np.empty(K)
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            extra = 2.0 * graph_strength * g_degree[i] if use_graph else 0.0
            for k in range(K):
                y = Y[i, k]
                a[k] = y if y > 0.0 else 0.0
                r[k] = C[i, k] - S[i, k]
                if use_graph:
                    r[k] += graph_strength * g_degree[i] * y
                for j in range(K):
                    H[k, j] = Q[k, j]
                H[k, k] += extra
            if use_graph:
                for q in range(g_indptr[i], g_indptr[i + 1]):
                    j = g_indices[q]
                    gw = graph_strength * g_data[q]
                    for k in range(K):
                        r[k] += gw * Y[j, k]
            if not _nnqp(H, r, a, free, L, z, grad):
                _nnqp_cd(H, r, a)
            for k in range(K):
                A_new[i, k] = a[k]
    return A_new


def _warm_up():
    """Compile every kernel of this module once, for float64 and float32 data."""
    ones, n = np.ones(3), 3
    graph = (np.array([0, 1, 2, 2], dtype=np.int32), np.array([1, 0], dtype=np.int32),
             np.ones(2), np.array([1.0, 1.0, 0.0]), 0.5)
    for dtype in (np.float64, np.float32):
        x = np.ones((n, 2), dtype=dtype)
        abundance_pass(x, np.ones(2), x.copy(), np.ones((2, 2), dtype=dtype), np.ones(2), 0.5,
                       *graph, ones, ones, 1e-12, 2)
        endmember_update(x.T.copy(), np.ones((2, 3)), np.eye(2), 1e-12)
    abundance_qp(np.ones((n, 2)), np.eye(2), np.ones((n, 2)), np.zeros((n, 2)), *graph, 2)
