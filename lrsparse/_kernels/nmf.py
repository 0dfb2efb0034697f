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
gathers what the rest of the iteration needs (``A^T X`` and ``A^T A`` for the
``M`` update, the per-band residual energies for reweighting, and the
objective at the current iterate).  BLAS cannot fuse these, and ``X`` is read
once per iteration instead of three or four times.  Pixels are processed in
fixed-size chunks in parallel; per-chunk partial sums are added in a fixed
order, so results do not depend on the number of threads.
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
    need_residual,
):
    """One multiplicative update of the abundances, fused with the iteration's statistics.

    Parameters
    ----------
    X : ndarray of shape (n_pixels, n_bands)
        Nonnegative data (read only).
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
    need_residual : bool
        Compute ``band_residual`` (an extra sweep over each pixel); when
        False it is returned as zeros.

    Returns
    -------
    A_new : ndarray of shape (n_pixels, n_components)
    AtX : ndarray of shape (n_components, n_bands)
        ``A_new^T X`` (float64).
    AtA : ndarray of shape (n_components, n_components)
        ``A_new^T A_new`` (float64).
    band_residual : ndarray of shape (n_bands,)
        ``||X[:, l] - A M[:, l]||^2`` at the *current* ``A, M`` (float64),
        if ``need_residual``.
    objective : ndarray of shape (4,)
        The data, sum-to-one, graph and sparsity terms of ``F`` at the current
        ``A, M`` (float64).  The data term is expanded as
        ``x^T B x - 2 a^T M B x + a^T M B M^T a`` per pixel, so it costs no
        extra sweep; expect round-off of about ``eps * ||X||^2`` in it.
    """
    n, L = X.shape
    K = M.shape[0]
    delta2 = asc_delta * asc_delta
    MB = np.empty((K, L))
    for k in range(K):
        for l in range(L):
            MB[k, l] = M[k, l] * band_weights[l]
    MBM = np.empty((K, K))
    for k in range(K):
        for j in range(K):
            s = 0.0
            for l in range(L):
                s += MB[k, l] * M[j, l]
            MBM[k, j] = s + delta2

    n_chunks = (n + chunk - 1) // chunk
    AtX_parts = np.zeros((n_chunks, K, L))
    AtA_parts = np.zeros((n_chunks, K, K))
    res_parts = np.zeros((n_chunks, L))
    obj_parts = np.zeros((n_chunks, 4))
    A_new = np.empty_like(A)
    use_graph = graph_strength != 0.0

    for c in numba.prange(n_chunks):
        num = np.empty(K)
        ga = np.zeros(K)
        anew = np.empty(K)
        pred = np.empty(L)
        atx = AtX_parts[c]
        ata = AtA_parts[c]
        res = res_parts[c]
        obj = obj_parts[c]
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            x = X[i]
            a = A[i]
            # M B x (the data part of the numerator) and x^T B x in one sweep.
            xbx = 0.0
            for l in range(L):
                xbx += band_weights[l] * x[l] * x[l]
            for k in range(K):
                s = 0.0
                mbk = MB[k]
                for l in range(L):
                    s += mbk[l] * x[l]
                num[k] = s
            # Data term at the current iterate without forming the residual:
            # x B x - 2 a.(M B x) + a (M B M^T) a (MBM holds delta^2 too, removed here).
            quad = 0.0
            lin = 0.0
            sum_a = 0.0
            for k in range(K):
                lin += a[k] * num[k]
                sum_a += a[k]
                for j in range(K):
                    quad += a[k] * a[j] * (MBM[k, j] - delta2)
            obj[0] += 0.5 * (xbx - 2.0 * lin + quad)
            obj[1] += 0.5 * delta2 * (1.0 - sum_a) * (1.0 - sum_a)
            if need_residual:
                pred[:] = 0.0
                for k in range(K):
                    ak = a[k]
                    mk = M[k]
                    for l in range(L):
                        pred[l] += ak * mk[l]
                for l in range(L):
                    r = x[l] - pred[l]
                    res[l] += r * r
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
                    d += a[j] * MBM[j, k]
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
                anew[k] = v
                A_new[i, k] = v
            obj[3] += wi * sp_obj
            # Statistics of the new abundances for the endmember update.
            for k in range(K):
                ak = anew[k]
                row = atx[k]
                for l in range(L):
                    row[l] += ak * x[l]
                for j in range(K):
                    ata[k, j] += ak * anew[j]

    AtX = np.zeros((K, L))
    AtA = np.zeros((K, K))
    band_residual = np.zeros(L)
    objective = np.zeros(4)
    for c in range(n_chunks):
        AtX += AtX_parts[c]
        AtA += AtA_parts[c]
        band_residual += res_parts[c]
        objective += obj_parts[c]
    return A_new, AtX, AtA, band_residual, objective


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


@jit(parallel=True)
def abundance_qp(C, Q, A, g_indptr, g_indices, g_data, g_degree, graph_strength,
                 sparsity_weight, sparsity_p, chunk):
    """Abundances for fixed endmembers: one Jacobi sweep of exact per-pixel QPs.

    With ``M`` fixed, ``F`` is a convex quadratic in ``A`` (for ``p_i = 1``):
    pixel ``i`` solves ``min_{a >= 0} 1/2 a^T H_i a - r_i^T a`` with
    ``H_i = Q + lambda d_i I`` and ``r_i = C_i + lambda (G A)_i - s_i``, where
    ``Q = M B M^T + delta^2 1 1^T``, ``C = X B M^T + delta^2`` and ``s_i`` the
    sparsity gradient (``w_i``; for ``p_i < 1`` its linearisation at ``A``,
    a majorise-minimise step).  Each small QP is solved to convergence by
    coordinate descent, far faster than multiplicative updates; the graph
    couples pixels, so ``G A`` uses the previous ``A`` (Jacobi) and the caller
    repeats the sweep until ``A`` stops changing (once suffices without a
    graph and with ``p_i = 1``).

    Parameters
    ----------
    C : ndarray of shape (n_pixels, n_components)
    Q : ndarray of shape (n_components, n_components)
    A : ndarray of shape (n_pixels, n_components)
        Current abundances: warm start and the neighbours' values.
    g_indptr, g_indices, g_data, g_degree, graph_strength, sparsity_weight, \
sparsity_p, chunk
        As in :func:`abundance_pass`.

    Returns
    -------
    A_new : ndarray of shape (n_pixels, n_components), dtype of ``A``
    """
    n, K = A.shape
    A_new = np.empty_like(A)
    n_chunks = (n + chunk - 1) // chunk
    use_graph = graph_strength != 0.0
    for c in numba.prange(n_chunks):
        r = np.empty(K)
        a = np.empty(K)
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            wi = sparsity_weight[i]
            pi = sparsity_p[i]
            extra = graph_strength * g_degree[i] if use_graph else 0.0
            for k in range(K):
                a[k] = A[i, k]
                r[k] = C[i, k]
                if wi != 0.0:
                    if pi >= 1.0:
                        r[k] -= wi
                    elif A[i, k] >= _LP_FLOOR:
                        r[k] -= wi * pi * A[i, k] ** (pi - 1.0)
            if use_graph:
                for q in range(g_indptr[i], g_indptr[i + 1]):
                    j = g_indices[q]
                    gw = graph_strength * g_data[q]
                    for k in range(K):
                        r[k] += gw * A[j, k]
            for _ in range(500):
                change = 0.0
                scale = 0.0
                for k in range(K):
                    h = Q[k, k] + extra
                    if h <= 0.0:
                        continue
                    g = r[k]
                    for j in range(K):
                        if j != k:
                            g -= Q[k, j] * a[j]
                    v = g / h
                    if v < 0.0:
                        v = 0.0
                    d = abs(v - a[k])
                    if d > change:
                        change = d
                    a[k] = v
                    if v > scale:
                        scale = v
                if change <= 1e-12 * (scale if scale > 0.0 else 1.0):
                    break
            for k in range(K):
                A_new[i, k] = a[k]
    return A_new
