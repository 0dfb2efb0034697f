"""Proximal operators: soft thresholding, singular-value shrinkage, cone projections.

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

* :func:`project_nonpositive_offdiag` -- the sign projection onto symmetric
  matrices with nonpositive off-diagonal entries (the M-matrix cone), and
  :func:`project_diagonally_dominant` -- the exact Euclidean projection onto
  the diagonally dominant M-matrix cone (nonpositive off-diagonals and
  nonnegative row sums); :func:`clip_nonnegative` -- the box projection of
  the reparametrised diagonally dominant cone.  The projected-gradient steps
  of the MTP2 graphical models (:mod:`lrsparse.covariance`), where the
  weighted l1 penalty is linear on the cone and the proximal step is a
  projection.
* :func:`cd_epoch` and :func:`cd_epoch_csc` -- one pass of cyclic coordinate
  descent on ``1/2 ||r||^2 + sum_j t_j |c_j|``, each coordinate step a
  weighted soft threshold (dense columns; CSC columns with implicit
  centring).  The weighted LASSO and, with the concomitant scale, the
  square-root LASSO (``_lasso`` in :mod:`lrsparse.linear_model`).

:func:`_warm_up` compiles them once on tiny float64 and float32 inputs.
"""

import numpy as np

from ..utils._numba import jit

__all__ = [
    "alm_sparse_step",
    "cd_epoch",
    "cd_epoch_csc",
    "clip_nonnegative",
    "project_diagonally_dominant",
    "project_nonpositive_offdiag",
    "soft_threshold",
    "svd_shrink",
]


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


@jit
def project_nonpositive_offdiag(V):
    """Euclidean projection onto symmetric matrices with off-diagonal entries <= 0.

    ``V`` is symmetrised (``(V + V^T) / 2``, the projection onto symmetric
    matrices) and its off-diagonal entries clipped at 0; the diagonal is
    kept.  Returns a new array.
    """
    p = V.shape[0]
    X = np.empty_like(V)
    for i in range(p):
        X[i, i] = V[i, i]
        for j in range(i):
            v = 0.5 * (V[i, j] + V[j, i])
            if v > 0.0:
                v = 0.0 * v
            X[i, j] = v
            X[j, i] = v
    return X


@jit
def clip_nonnegative(V):
    """Elementwise ``max(V, 0)`` (the projection onto the nonnegative orthant); a new array."""
    X = np.empty_like(V)
    flat_v = V.reshape(-1)
    flat_x = X.reshape(-1)
    for k in range(flat_v.size):
        v = flat_v[k]
        flat_x[k] = v if v > 0.0 else 0.0 * v
    return X


@jit
def _dd_dual_state(Y, mu):
    """Row sums ``F(mu)`` of ``X(mu)`` and the dual objective ``psi(mu)`` (to minimise).

    ``X(mu)_ii = Y_ii + mu_i``, ``X(mu)_ij = min(0, Y_ij + (mu_i + mu_j) / 2)``
    minimise the Lagrangian of the projection for multipliers ``mu >= 0`` of
    the row-sum constraints; ``psi = -(1/2 ||X - Y||^2 - mu . F)`` is convex
    with gradient ``F``.
    """
    p = Y.shape[0]
    F = np.empty(p)
    dist = 0.0
    for i in range(p):
        F[i] = Y[i, i] + mu[i]
        dist += mu[i] * mu[i]
    for i in range(p):
        for j in range(i):
            y = Y[i, j]
            v = y + 0.5 * (mu[i] + mu[j])
            if v < 0.0:
                F[i] += v
                F[j] += v
                dist += 2.0 * (v - y) * (v - y)
            else:
                dist += 2.0 * y * y
    psi = 0.0
    for i in range(p):
        psi += mu[i] * F[i]
    return F, psi - 0.5 * dist


@jit
def project_diagonally_dominant(V, mu, tol, max_iter):
    """Euclidean projection onto the diagonally dominant M-matrix cone.

    Projects ``Y = (V + V^T) / 2`` onto ``{X symmetric: X_ij <= 0 (i != j),
    sum_j X_ij >= 0}`` exactly (to ``tol``).  Dual: with multipliers
    ``mu >= 0`` of the row sums, ``X(mu)_ii = Y_ii + mu_i`` and ``X(mu)_ij =
    min(0, Y_ij + (mu_i + mu_j) / 2)``; ``mu`` solves the complementarity
    problem ``mu >= 0, F(mu) >= 0, mu . F(mu) = 0`` for the row sums ``F``, a
    piecewise-linear monotone map, by projected (semismooth) Newton steps with
    an Armijo search on the convex dual (Bertsekas 1982).  The generalised
    Jacobian ``I + (D_A + A) / 2`` (``A`` the pattern of negative
    off-diagonals, ``D_A`` its degrees) is positive definite, so every step
    is one small Cholesky solve on the rows whose multiplier is free; a good
    warm start ``mu`` (the previous projection's) makes one or two steps the
    rule.

    Parameters: ``V`` (p, p); ``mu`` (p,) nonnegative warm start (not
    modified); ``tol`` absolute tolerance on the row-sum residual; ``max_iter``
    Newton steps.  Returns ``(X, mu, n_iter)``.
    """
    p = V.shape[0]
    Y = np.empty((p, p))
    for i in range(p):
        for j in range(p):
            Y[i, j] = 0.5 * (V[i, j] + V[j, i])
    m = np.empty(p)
    for i in range(p):
        m[i] = mu[i] if mu[i] > 0.0 else 0.0
    F, psi = _dd_dual_state(Y, m)
    n_iter = 0
    free = np.empty(p, dtype=np.int64)
    trial = np.empty(p)
    for n_iter in range(max_iter + 1):
        # natural residual of the complementarity problem
        res = 0.0
        for i in range(p):
            r = abs(min(m[i], F[i]))
            if r > res:
                res = r
        if res <= tol or n_iter == max_iter:
            break
        # rows whose multiplier may move (the others stay at 0)
        nf = 0
        for i in range(p):
            if m[i] > 0.0 or F[i] < 0.0:
                free[nf] = i
                nf += 1
        H = np.zeros((nf, nf))
        g = np.empty(nf)
        for a in range(nf):
            i = free[a]
            g[a] = -F[i]
            diag = 1.0
            for j in range(p):
                if j != i and Y[i, j] + 0.5 * (m[i] + m[j]) < 0.0:
                    diag += 0.5
            H[a, a] = diag
            for b in range(a):
                j = free[b]
                if Y[i, j] + 0.5 * (m[i] + m[j]) < 0.0:
                    H[a, b] = 0.5
                    H[b, a] = 0.5
        d = np.linalg.solve(H, g)
        # Armijo on psi along the projected path max(0, m + t d)
        t = 1.0
        accepted = False
        for _ in range(60):
            for i in range(p):
                trial[i] = m[i]
            for a in range(nf):
                v = m[free[a]] + t * d[a]
                trial[free[a]] = v if v > 0.0 else 0.0
            decrease = 0.0
            for i in range(p):
                decrease += F[i] * (trial[i] - m[i])
            F_t, psi_t = _dd_dual_state(Y, trial)
            if psi_t <= psi + 1e-4 * decrease + 1e-15 * abs(psi):
                accepted = True
                break
            t *= 0.5
        if not accepted:
            break
        for i in range(p):
            m[i] = trial[i]
        F = F_t
        psi = psi_t
    X = np.empty((p, p))
    for i in range(p):
        X[i, i] = Y[i, i] + m[i]
        for j in range(i):
            v = Y[i, j] + 0.5 * (m[i] + m[j])
            if v > 0.0:
                v = 0.0
            X[i, j] = v
            X[j, i] = v
    return X, m, n_iter


@jit
def cd_epoch(X, r, coef, col_sq, thresh):
    """One cyclic coordinate-descent pass on ``1/2 ||r||^2 + sum_j thresh_j |coef_j|``.

    ``r = y - X coef`` is updated in place with ``coef``; ``col_sq`` holds
    ``||x_j||^2`` (a zero column is skipped: its coefficient stays 0).  Each
    step is the exact minimiser in one coordinate, the weighted soft
    threshold ``S(coef_j ||x_j||^2 + x_j^T r, thresh_j) / ||x_j||^2``.  ``X``
    should be Fortran-ordered (column access).  Returns the largest
    coordinate move measured in residual units, ``max_j |d_j| ||x_j||``.
    """
    n, p = X.shape
    max_step = 0.0
    for j in range(p):
        cj = col_sq[j]
        if cj == 0.0:
            continue
        old = coef[j]
        g = 0.0
        for i in range(n):
            g += X[i, j] * r[i]
        new = _soft(old * cj + g, thresh[j]) / cj
        d = new - old
        if d != 0.0:
            coef[j] = new
            for i in range(n):
                r[i] -= d * X[i, j]
            step = abs(d) * np.sqrt(cj)
            if step > max_step:
                max_step = step
    return max_step


@jit
def cd_epoch_csc(data, indices, indptr, x_mean, col_sum, r, state, coef, col_sq, thresh):
    """:func:`cd_epoch` for CSC columns centred implicitly (``x_j - x_mean[j]``).

    The residual is kept as ``r + state[0]`` (a sparse-friendly vector plus
    one offset common to all rows, so that centring never densifies a
    column), with ``state[1] = sum(r)``; ``col_sum[j]`` is the sum of the
    stored entries of column ``j`` and ``col_sq`` the squared norms of the
    centred columns.  Each update costs ``O(nnz(x_j))``.
    """
    p = coef.shape[0]
    n = r.shape[0]
    max_step = 0.0
    for j in range(p):
        cj = col_sq[j]
        if cj == 0.0:
            continue
        mj = x_mean[j]
        g = 0.0
        for k in range(indptr[j], indptr[j + 1]):
            g += data[k] * r[indices[k]]
        # (x_j - m_j)^T (r + o) with sum(r) = state[1]
        g += state[0] * col_sum[j] - mj * (state[1] + n * state[0])
        old = coef[j]
        new = _soft(old * cj + g, thresh[j]) / cj
        d = new - old
        if d != 0.0:
            coef[j] = new
            for k in range(indptr[j], indptr[j + 1]):
                r[indices[k]] -= d * data[k]
            state[0] += d * mj
            state[1] -= d * col_sum[j]
            step = abs(d) * np.sqrt(cj)
            if step > max_step:
                max_step = step
    return max_step


def _warm_up():
    """Compile every kernel of this module once, for float64 and float32 (C-contiguous)."""
    for dtype in (np.float64, np.float32):
        x = np.ones((3, 2), dtype=dtype)
        s = np.ones(2, dtype=dtype)
        soft_threshold(x, 0.5)
        soft_threshold(s, 0.5)
        svd_shrink(x, s, x.T.copy(), 0.5)
        alm_sparse_step(x, x, x, dtype(1.0), 0.5)
        sq = np.ones((2, 2), dtype=dtype)
        project_nonpositive_offdiag(sq)
        clip_nonnegative(sq)
        project_diagonally_dominant(sq, np.zeros(2), 1e-12, 5)
        X = np.asfortranarray(np.ones((3, 2), dtype=dtype))
        one2, one3 = np.ones(2, dtype=dtype), np.ones(3, dtype=dtype)
        zero2 = np.zeros(2, dtype=dtype)
        cd_epoch(X, one3.copy(), zero2.copy(), one2, one2)
        cd_epoch_csc(one2, np.zeros(2, dtype=np.int64), np.array([0, 1, 2], dtype=np.int64),
                     zero2, one2, one3.copy(), zero2.copy(), zero2.copy(), one2, one2)
