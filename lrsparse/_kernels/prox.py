"""Proximal operators: soft thresholding, group thresholding, singular-value shrinkage."""

import numpy as np

from ..utils._numba import jit

__all__ = ["alm_sparse_step", "group_soft_threshold", "soft_threshold", "svd_shrink"]


@jit
def soft_threshold(x, thresh):
    """Elementwise soft thresholding ``sign(x) * max(|x| - thresh, 0)``.

    The proximal operator of ``thresh * ||x||_1``.  Works on arrays of any
    shape; the result has the dtype of ``x``.
    """
    xc = np.ascontiguousarray(x)
    flat = xc.reshape(-1)
    out = np.empty_like(flat)
    t = flat.dtype.type(thresh) if flat.size else thresh
    for i in range(flat.size):
        v = flat[i]
        if v > t:
            out[i] = v - t
        elif v < -t:
            out[i] = v + t
        else:
            out[i] = 0.0
    return out.reshape(xc.shape)


@jit
def group_soft_threshold(X, thresh, axis):
    """Group (l2) soft thresholding of the rows (``axis=1``) or columns (``axis=0``).

    Each group ``g`` (a row for ``axis=1``, a column for ``axis=0``) becomes
    ``max(0, 1 - thresh / ||g||_2) * g``: the proximal operator of
    ``thresh * sum_g ||g||_2`` (the l2,1 norm).  Zero groups stay zero.
    """
    n, m = X.shape
    out = np.empty_like(X)
    if axis == 1:
        for i in range(n):
            s = 0.0
            for j in range(m):
                s += X[i, j] * X[i, j]
            norm = np.sqrt(s)
            scale = 1.0 - thresh / norm if norm > thresh else 0.0
            for j in range(m):
                out[i, j] = X[i, j] * scale
    else:
        norms = np.zeros(m)
        for i in range(n):
            for j in range(m):
                norms[j] += X[i, j] * X[i, j]
        scales = np.empty(m)
        for j in range(m):
            norm = np.sqrt(norms[j])
            scales[j] = 1.0 - thresh / norm if norm > thresh else 0.0
        for i in range(n):
            for j in range(m):
                out[i, j] = X[i, j] * scales[j]
    return out


@jit
def svd_shrink(U, s, Vt, tau):
    """Singular-value shrinkage of a factored matrix ``U @ diag(s) @ Vt``.

    Returns the factors ``(U_k, s_k, Vt_k)`` of ``D_tau(U diag(s) Vt)``: the
    singular values are soft-thresholded, ``s - tau``, and only the ``k``
    components with ``s > tau`` are kept (the proximal operator of
    ``tau * ||.||_*`` when ``U``, ``Vt`` have orthonormal columns / rows).
    """
    k = 0
    for i in range(s.shape[0]):
        if s[i] > tau:
            k += 1
    keep = np.empty(k, dtype=np.intp)
    k = 0
    for i in range(s.shape[0]):
        if s[i] > tau:
            keep[k] = i
            k += 1
    s_new = np.empty(k, dtype=s.dtype)
    for i in range(k):
        s_new[i] = s[keep[i]] - tau
    U_new = np.empty((U.shape[0], k), dtype=U.dtype)
    for i in range(U.shape[0]):
        for c in range(k):
            U_new[i, c] = U[i, keep[c]]
    Vt_new = np.empty((k, Vt.shape[1]), dtype=Vt.dtype)
    for c in range(k):
        for j in range(Vt.shape[1]):
            Vt_new[c, j] = Vt[keep[c], j]
    return U_new, s_new, Vt_new


@jit
def alm_sparse_step(D, L, Y, mu, lam):
    """Sparse step and dual update of the augmented Lagrangian for ``D = L + S``.

    With ``R = D - L + Y / mu``: ``S = soft_threshold(R, lam / mu)``, then the
    constraint residual ``Z = D - L - S`` updates the multiplier,
    ``Y + mu Z``.  One fused pass over the matrices (the inexact ALM of
    principal component pursuit spends most of its memory traffic here).

    Returns ``(S, Y_new, ||Z||_F^2)``; the inputs are not modified.
    """
    n, m = D.shape
    S = np.empty_like(D)
    Y_new = np.empty_like(D)
    inv_mu = 1.0 / mu
    t = lam / mu
    z2 = 0.0
    for i in range(n):
        for j in range(m):
            dl = D[i, j] - L[i, j]
            r = dl + Y[i, j] * inv_mu
            if r > t:
                s = r - t
            elif r < -t:
                s = r + t
            else:
                s = 0.0
            z = dl - s
            S[i, j] = s
            Y_new[i, j] = Y[i, j] + mu * z
            z2 += z * z
    return S, Y_new, z2
