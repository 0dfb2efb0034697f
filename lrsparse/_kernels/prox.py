"""Proximal operators: soft thresholding and singular-value shrinkage.

One scalar soft threshold, :func:`_soft`, is the arithmetic of every kernel
here (``sign(v) * max(|v| - t, 0)``, the proximal operator of ``t |v|``):

* :func:`soft_threshold` -- elementwise on an array of any shape (the
  proximal operator of ``t ||x||_1``).  Called by :func:`svd_shrink` on the
  singular values.
* :func:`svd_shrink` -- singular-value shrinkage ``D_tau`` of a factored
  matrix ``U diag(s) Vt`` (the proximal operator of ``tau ||.||_*``): the
  low-rank step of principal component pursuit
  (:class:`lrsparse.decomposition.PrincipalComponentPursuit`,
  ``_pcp._SingularValueThresholding``) and of singular value thresholding /
  soft-impute (:mod:`lrsparse.impute`).
* :func:`alm_sparse_step` -- the sparse step (elementwise soft thresholding)
  fused with the dual update of the inexact augmented Lagrangian of
  principal component pursuit (``_pcp._ialm``, used by ``fit`` and
  ``transform``).

:func:`_warm_up` compiles them once on tiny float64 and float32 inputs.
"""

import numpy as np

from ..utils._numba import jit

__all__ = ["alm_sparse_step", "soft_threshold", "svd_shrink"]


@jit(inline="always")
def _soft(v, t):
    """``sign(v) * max(|v| - t, 0)`` for one value (``t >= 0``)."""
    if v > t:
        return v - t
    if v < -t:
        return v + t
    return v - v  # a zero of v's type


@jit
def soft_threshold(x, thresh):
    """Elementwise soft thresholding ``sign(x) * max(|x| - thresh, 0)``.

    The proximal operator of ``thresh * ||x||_1``.  Works on arrays of any
    shape; the result has the dtype of ``x`` (``thresh`` is cast to it) and
    ``x`` is not modified.
    """
    xc = np.ascontiguousarray(x)
    flat = xc.reshape(-1)
    out = np.empty_like(flat)
    t = flat.dtype.type(thresh) if flat.size else thresh
    for i in range(flat.size):
        out[i] = _soft(flat[i], t)
    return out.reshape(xc.shape)


@jit
def svd_shrink(U, s, Vt, tau):
    """Singular-value shrinkage of a factored matrix ``U @ diag(s) @ Vt``.

    Returns the factors ``(U_k, s_k, Vt_k)`` of ``D_tau(U diag(s) Vt)``: the
    singular values are soft-thresholded (:func:`soft_threshold`), and only
    the ``k`` components with ``s > tau`` are kept, with ``s - tau`` (the
    proximal operator of ``tau * ||.||_*`` when ``U``, ``Vt`` have
    orthonormal columns / rows).  The inputs are not modified.
    """
    shrunk = soft_threshold(s, tau)
    k = 0
    for i in range(s.shape[0]):
        if shrunk[i] > 0:
            k += 1
    keep = np.empty(k, dtype=np.intp)
    k = 0
    for i in range(s.shape[0]):
        if shrunk[i] > 0:
            keep[k] = i
            k += 1
    s_new = np.empty(k, dtype=s.dtype)
    for i in range(k):
        s_new[i] = shrunk[keep[i]]
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

    With ``R = D - L + Y / mu``: ``S = soft_threshold(R, lam / mu)`` (the same
    scalar soft threshold as :func:`soft_threshold`), then the constraint
    residual ``Z = D - L - S`` updates the multiplier, ``Y + mu Z``.  One
    fused pass over the matrices (the inexact ALM of principal component
    pursuit spends most of its memory traffic here).

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
            s = _soft(dl + Y[i, j] * inv_mu, t)
            z = dl - s
            S[i, j] = s
            Y_new[i, j] = Y[i, j] + mu * z
            z2 += z * z
    return S, Y_new, z2


def _warm_up():
    """Compile every kernel of this module once, for float64 and float32 (C-contiguous)."""
    for dtype in (np.float64, np.float32):
        x = np.ones((3, 2), dtype=dtype)
        s = np.ones(2, dtype=dtype)
        soft_threshold(x, 0.5)
        soft_threshold(s, 0.5)
        svd_shrink(x, s, x.T.copy(), 0.5)
        alm_sparse_step(x, x, x, dtype(1.0), 0.5)
