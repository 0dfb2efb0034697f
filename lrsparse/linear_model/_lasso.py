"""The weighted LASSO family: weighted LASSO, square-root LASSO and LAD-LASSO.

Mohammad-Taheri & Brugiapaglia, "The greedy side of the LASSO: New algorithms
for weighted sparse recovery via loss function-based orthogonal matching
pursuit" (arXiv 2303.00844) study the three convex programs

    min_z  L(A z - y) + lam * sum_j w_j |z_j|,   L = ||.||_2^2, ||.||_2 or ||.||_1

as the targets of their greedy algorithms.  Here they are written as
scikit-learn writes its linear models (per-sample averages, an intercept):

* ``lasso``:      (1 / (2 n)) ||y - X c - b||_2^2 + alpha sum_j w_j |c_j|  (paper: lam = 2 n alpha)
* ``sqrt_lasso``: (1 / sqrt(n)) ||y - X c - b||_2 + alpha sum_j w_j |c_j|   (lam = sqrt(n) alpha)
* ``lad``:        (1 / n) ||y - X c - b||_1 + alpha sum_j w_j |c_j|        (lam = n alpha)

Solvers: cyclic coordinate descent with weighted soft thresholding
(``_kernels/prox.py``) for the squared loss; the same with the concomitant
scale ``sigma = ||r||`` for the square-root loss (Ndiaye et al. 2017, the
joint convex form ``||r||^2 / (2 sigma) + sigma / 2``); a primal-dual
interior-point method on a working set of columns for the absolute loss
(coordinate descent is not used there: on a nonsmooth, nonseparable loss it
can stop at non-optimal points).  All three stop on the relative duality gap.
"""

import numbers

import numpy as np
import scipy.sparse as sp
from scipy.linalg import LinAlgError, cho_factor, cho_solve
from sklearn.base import BaseEstimator, RegressorMixin

from ..utils._sklearn import Interval, _fit_context, validate_data
from ..utils._solver import warn_not_converged
from ._base import (
    LinearPredictMixin,
    check_loss,
    check_nonnegative,
    check_weights,
    check_Xy,
    column_stats,
    scales,
)

__all__ = ["LADLasso", "SqrtLasso", "WeightedLasso", "weighted_lasso"]

_TINY = float(np.finfo(np.float64).tiny)
# Floor of the concomitant scale sigma, relative to ||y||: below it the
# square-root LASSO fit interpolates and its gap is measured as is.
_SIGMA_FLOOR = 1e-12
# Interior-point method: fraction of the step to the boundary, and the
# size of the first working set of the LAD-LASSO.
_STEP_FRACTION = 0.99995
_WORKING_SET_MIN = 32
# The relative accuracy an interior-point solution reaches in float64.
_IPM_PRECISION = 1e-9
# Coordinate-descent passes of the square-root LASSO before the interpolation
# check (a fit with ||r|| -> 0 makes coordinate descent crawl).
_SQRT_PATIENCE = 200
# ... and tried only when the residual is already below this fraction of ||y||.
_NEAR_INTERPOLATION = 1e-2
# Iterates per Anderson extrapolation of coordinate descent.
_ANDERSON = 5
# Passes between duality-gap evaluations (and after every accepted jump).
_GAP_EVERY = 3
# Feature-sign steps per exact-support attempt of the LASSO.
_FEATURE_SIGN_STEPS = 20
# A direct solve on the support is tried when it costs at most this many
# coordinate-descent passes (its cost grows as n k^2 + k^3 / 3).
_NEWTON_PASSES = 1000
# Continuation of the LASSO from alpha_max: steps per decade of alpha, and
# the relative gap of the intermediate solves.
_CONTINUATION_PER_DECADE = 1
_CONTINUATION_TOL = 1e-3


# --------------------------------------------------------------------------- #
# Coordinate descent (squared and square-root losses)
# --------------------------------------------------------------------------- #
class _Design:
    """``X / sx`` centred (explicitly when dense, implicitly when sparse) for the CD kernels."""

    def __init__(self, X, sx, center):
        from .._kernels.prox import cd_epoch, cd_epoch_csc  # lazy: numba

        self.n, self.p = X.shape
        self.sparse = sp.issparse(X)
        self.mean, norms = column_stats(X, center, sx)
        self.col_sq = norms ** 2
        self.epoch_cost = float(X.nnz if sp.issparse(X) else X.size)
        if self.sparse:
            Xc = X.tocsc()
            self.X = Xc
            self.data = Xc.data / sx
            self.indices = Xc.indices.astype(np.int64)
            self.indptr = Xc.indptr.astype(np.int64)
            self.col_sum = np.add.reduceat(self.data, self.indptr[:-1]) if self.data.size \
                else np.zeros(self.p)
            self.col_sum[np.diff(self.indptr) == 0] = 0.0
            self.state = np.zeros(2)
            self._epoch = cd_epoch_csc
            self.sx = sx
        else:
            Xf = np.asfortranarray(X / sx)
            if center:
                Xf -= self.mean
            self.X = Xf
            self._epoch = cd_epoch

    def residual(self, y, coef):
        """Start the residual ``y - Xc coef`` (kept in the kernel's representation)."""
        if self.sparse:
            r = y - (self.X @ coef) / self.sx + self.mean @ coef
            self.state[:] = (0.0, r.sum())
            return r
        return y - self.X @ coef

    def true_residual(self, r):
        return r + self.state[0] if self.sparse else r

    def corr(self, r_true):
        """``Xc^T r`` for the true residual."""
        if self.sparse:
            return (self.X.T @ r_true) / self.sx - self.mean * r_true.sum()
        return self.X.T @ r_true

    def columns(self, S):
        """The centred columns ``S`` as a dense (n, |S|) array."""
        if self.sparse:
            return self.X[:, S].toarray() / self.sx - self.mean[S]
        return self.X[:, S]

    def epoch(self, r, coef, thresh):
        if self.sparse:
            return self._epoch(self.data, self.indices, self.indptr, self.mean, self.col_sum,
                               r, self.state, coef, self.col_sq, thresh)
        return self._epoch(self.X, r, coef, self.col_sq, thresh)


def _cd(design, y, lam, coef, sqrt_loss, tol, max_iter):
    """Coordinate descent on ``1/2||r||^2 + sum lam_j |c_j|`` (or ``||r|| + ...``).

    Every ``_ANDERSON + 1`` passes the last iterates are extrapolated
    (Anderson acceleration of coordinate descent, Bertrand & Massias 2021)
    and the extrapolation is kept when it lowers the objective: it turns the
    crawl of ill-conditioned problems (small ``alpha``, many features) into
    a few dozen passes.  Returns ``coef, n_iter, relative gap``; ``coef`` is
    updated in place.
    """
    r = design.residual(y, coef)
    y_norm = float(np.linalg.norm(y))
    if y_norm == 0.0:
        coef[:] = 0.0
        return coef, 0, 0.0
    sigma_floor = _SIGMA_FLOOR * y_norm

    def objective(rt, c):
        loss = float(np.linalg.norm(rt)) if sqrt_loss else 0.5 * float(rt @ rt)
        return loss + float(lam @ np.abs(c))

    history = []
    last_support = None
    rel_gap = np.inf
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        if sqrt_loss:
            sigma = max(float(np.linalg.norm(design.true_residual(r))), sigma_floor)
            design.epoch(r, coef, sigma * lam)
        else:
            design.epoch(r, coef, lam)
        history.append(coef.copy())
        jumped = False
        if len(history) == _ANDERSON + 1:
            extrapolated = _anderson(history)
            history.clear()
            current = objective(design.true_residual(design.residual(y, coef)), coef)
            candidates = [extrapolated]
            support = coef != 0
            if not sqrt_loss and np.array_equal(support, last_support):
                # the support has settled: solve for the values directly
                candidates.append(_support_newton(design, y, lam, coef))
            last_support = support
            for candidate in candidates:
                if candidate is None:
                    continue
                value = objective(design.true_residual(design.residual(y, candidate)), candidate)
                if value < current:
                    coef[:] = candidate
                    current = value
                    jumped = True
            r = design.residual(y, coef)
        if not (jumped or n_iter % _GAP_EVERY == 0 or n_iter == max_iter):
            continue  # the gap costs a pass of its own: measured every few passes
        rt = design.true_residual(r)
        g = np.abs(design.corr(rt))
        pen = float(lam @ np.abs(coef))
        if sqrt_loss:
            r_norm = float(np.linalg.norm(rt))
            primal = r_norm + pen
            denom = max(r_norm, float(np.max(g / lam)) if g.size else 0.0)
            dual = float(rt @ y) / denom if denom > 0 else 0.0
        else:
            rr = float(rt @ rt)
            primal = 0.5 * rr + pen
            ratio = float(np.max(g / lam)) if g.size else 0.0
            s = 1.0 / ratio if ratio > 1.0 else 1.0
            dual = s * float(rt @ y) - 0.5 * s * s * rr
        rel_gap = (primal - dual) / max(primal, _TINY)
        if rel_gap <= tol:
            break
    return coef, n_iter, rel_gap


def _support_newton(design, y, lam, coef):
    """Feature-sign steps (Lee, Battle, Raina & Ng 2007) on the current support, or None.

    On the support ``S`` with signs ``s`` the LASSO's optimality conditions
    are the linear system ``X_S^T X_S c_S = X_S^T y - lam_S s``.  Its
    solution is the optimum when its signs agree with ``s``; otherwise the
    best point of the segment towards it (among the points where a
    coefficient changes sign) is taken, that coefficient leaves the support
    and the step repeats.  The objective never increases.  Once coordinate
    descent has found the support, this replaces its crawl towards the
    values in ill-conditioned problems (small ``alpha``, more features than
    samples, gross errors in ``y``).
    """
    x = coef.copy()
    for _ in range(_FEATURE_SIGN_STEPS):
        S = np.flatnonzero(x)
        k = S.size
        # worth it only while a direct solve costs a bounded number of passes
        if k == 0 or design.n * k * k + k ** 3 / 3 > _NEWTON_PASSES * design.epoch_cost:
            break
        B = design.columns(S)
        if S.size > design.n:
            # More coefficients than samples: along a null vector v of X_S the
            # fit does not move and the penalty is linear, so stepping (downhill)
            # until a coefficient reaches zero shrinks the support for free.
            v = _null_vector(B)
            if lam[S] @ (np.sign(x[S]) * v) > 0:
                v = -v
            shrink = x[S] * v < 0
            if not np.any(shrink):
                break
            t = np.min(-x[S][shrink] / v[shrink])
            z = x[S] + t * v
            z[np.isclose(np.where(shrink, -x[S] / np.where(shrink, v, 1.0), np.inf), t,
                         rtol=1e-12, atol=0.0)] = 0.0
            x[S] = z
            continue
        xS, sign, lS = x[S], np.sign(x[S]), lam[S]
        try:
            F = cho_factor(B.T @ B, lower=True, check_finite=False)
        except LinAlgError:
            break
        d = cho_solve(F, B.T @ y - lS * sign) - xS
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = -xS / d
        ts = np.append(np.unique(cross[(cross > 0) & (cross < 1)]), 1.0)

        # the objective along the segment, at every candidate at once
        r0, Bd = y - B @ xS, B @ d
        values = (0.5 * float(r0 @ r0) - ts * float(r0 @ Bd) + 0.5 * ts ** 2 * float(Bd @ Bd)
                  + np.abs(xS[None, :] + ts[:, None] * d[None, :]) @ lS)
        best = int(np.argmin(values))
        t = ts[best]
        z = xS + t * d
        if t < 1.0:  # the coefficient(s) reaching zero at t leave the support
            z[np.isclose(cross, t, rtol=1e-12, atol=0.0)] = 0.0
        x[S] = z
        if t == 1.0:
            break
    return None if np.array_equal(x, coef) else x


def _null_vector(B):
    """A vector ``v`` with ``B v = 0`` for a wide ``B`` (n < k columns).

    ``[-B_1^{-1} b; 1]`` with ``B_1`` the first ``n`` columns and ``b`` the
    next one: one LU solve, where an SVD would cost ten times more; the SVD
    is the fallback when ``B_1`` is singular.
    """
    n = B.shape[0]
    v = np.zeros(B.shape[1])
    try:
        v[:n] = np.linalg.solve(B[:, :n], -B[:, n])
        v[n] = 1.0
        if np.all(np.isfinite(v)):
            return v
    except np.linalg.LinAlgError:
        pass
    return np.linalg.svd(B, full_matrices=True)[2][-1]


def _anderson(history):
    """Anderson extrapolation ``sum_k c_k x_k`` of iterates (``sum c_k = 1``), or None."""
    X = np.asarray(history)
    U = np.diff(X, axis=0)
    G = U @ U.T
    scale = float(np.trace(G))
    if not scale > 0:
        return None
    try:
        z = np.linalg.solve(G + 1e-12 * scale * np.eye(G.shape[0]), np.ones(G.shape[0]))
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(z)) or z.sum() == 0:
        return None
    return (z / z.sum()) @ X[1:]


# --------------------------------------------------------------------------- #
# LAD: primal-dual interior point on the dual of least absolute deviations
# --------------------------------------------------------------------------- #
def _lad_ipm(B, y, mu, fit_intercept, tol, max_iter):
    """``min_{c, b} ||y - B c - b||_1 + sum_j mu_j |c_j|`` exactly, for a dense ``B`` (mu >= 0).

    The problem is least absolute deviations on ``B`` augmented by the rows
    ``mu_j e_j`` (response 0).  Its dual is the bounded linear program
    ``max y~^T a  s.t.  B~^T a = B~^T 1 / 2,  0 <= a <= 1`` (Koenker &
    Bassett 1978), solved by Mehrotra's predictor-corrector (the
    Frisch-Newton method of Portnoy & Koenker 1997) from the feasible start
    ``a = 1/2``; ``c`` (and ``b``) are its multipliers.  Stops when the
    relative gap between the primal objective at ``c`` and the dual value
    ``y^T (2 a - 1)`` is at most ``tol``; the last iterate is then purified
    to the optimal vertex next to it (:func:`_purify`).

    Returns ``coef, intercept, d (n,) the dual point 2 a - 1, n_iter, rel_gap``.
    """
    n, k = B.shape
    A1 = np.hstack([B, np.ones((n, 1))]) if fit_intercept else np.asarray(B)
    mu1 = np.append(mu, 0.0) if fit_intercept else np.asarray(mu, dtype=np.float64)
    pen = np.flatnonzero(mu1 > 0)
    mp = mu1[pen]
    npen = pen.size
    yt = np.concatenate([y, np.zeros(npen)])  # the augmented response

    def rows(beta):  # B~ beta
        return np.concatenate([A1 @ beta, mp * beta[pen]])

    def rows_t(v):  # B~^T v
        out = A1.T @ v[:n]
        out[pen] += mp * v[n:]
        return out

    half = 0.5 * rows_t(np.ones(n + npen))
    # start: a = s = 1/2 (feasible); beta = ridge-regularised least squares
    a = np.full(n + npen, 0.5)
    s = a.copy()
    beta = _NormalSolver(A1, pen, mp, np.ones(n + npen)).solve(A1.T @ y)
    r = yt - rows(beta)
    delta = max(float(np.mean(np.abs(r))), 1e-12 * max(1.0, float(np.abs(y).max())))
    w, z = np.maximum(r, 0) + delta, np.maximum(-r, 0) + delta
    n_tot = 2 * (n + npen)

    def max_step(x, dx):
        neg = dx < 0
        return min(1.0, float(np.min(-x[neg] / dx[neg]))) if np.any(neg) else 1.0

    best = (np.inf, beta, a)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        res = yt - rows(beta)
        primal = float(np.abs(res).sum())
        d = 2.0 * a - 1.0
        # the dual value at d scaled into |B_j^T d| <= mu_j (rounding drifts it out)
        viol = float(np.max(np.abs(A1[:, pen].T @ d[:n]) / mp)) if npen else 0.0
        dual = float(y @ d[:n]) / max(1.0, viol)
        rel_gap = (primal - dual) / max(abs(primal), _TINY)
        if rel_gap < best[0]:
            best = (rel_gap, beta, a)
        elif rel_gap > 100.0 * max(best[0], _TINY):
            break  # past float64's reach: rounding now drives the iterates
        if rel_gap <= tol:
            n_iter -= 1
            break
        q = 1.0 / (z / a + w / s)
        solver = _NormalSolver(A1, pen, mp, q)
        rp = half - rows_t(a)
        rd = -res + w - z  # B~ beta + w - z - y~

        def direction(c1, c2):
            rho = -rd - c2 / s + c1 / a
            dbeta = solver.solve(rows_t(q * rho) - rp)
            da = q * (rho - rows(dbeta))
            return dbeta, da, (c1 - z * da) / a, (c2 + w * da) / s

        def steps(da, dz, dw):
            return (min(max_step(a, da), max_step(s, -da)),
                    min(max_step(z, dz), max_step(w, dw)))

        mu_c = (a @ z + s @ w) / n_tot
        _, da, dz, dw = direction(-a * z, -s * w)
        ap, ad = steps(da, dz, dw)
        mu_aff = ((a + ap * da) @ (z + ad * dz) + (s - ap * da) @ (w + ad * dw)) / n_tot
        sig_mu = (mu_aff / mu_c) ** 3 * mu_c
        dbeta, da, dz, dw = direction(sig_mu - a * z - da * dz, sig_mu - s * w + da * dw)
        ap, ad = steps(da, dz, dw)
        ap, ad = _STEP_FRACTION * ap, _STEP_FRACTION * ad
        a, s = a + ap * da, s - ap * da
        beta = beta + ad * dbeta
        z, w = z + ad * dz, w + ad * dw
    rel_gap, beta, a = best
    d1 = 2.0 * a[:n] - 1.0
    if rel_gap > 0.0:
        vertex = _purify(A1, y, pen, mp, a[:n], a[n:])
        if vertex is not None:
            vbeta, vd1 = vertex
            v_primal = float(np.abs(y - A1 @ vbeta).sum() + mp @ np.abs(vbeta[pen]))
            v_gap = (v_primal - float(y @ vd1)) / max(abs(v_primal), _TINY)
            if v_gap < rel_gap:
                rel_gap, beta, d1 = max(v_gap, 0.0), vbeta, vd1
    intercept = float(beta[-1]) if fit_intercept else 0.0
    coef = beta[:k] if fit_intercept else beta
    return coef, intercept, d1, n_iter, rel_gap


class _NormalSolver:
    """Solves the interior point's normal equations ``(A^T Q1 A + D) x = b``.

    ``Q1 = diag(q[:n])`` weighs the data rows and ``D`` holds ``mu_j^2 q`` of
    the penalty rows on the penalised columns.  (The ``n x n`` Woodbury form
    was tried for wide working sets: its cancellation between the huge and
    tiny entries of ``D^-1`` near the optimum stalled the method at a gap of
    about 1e-6, so the ``k x k`` system is always factored.)
    """

    def __init__(self, A, pen, mp, q):
        n = A.shape[0]
        M = (A.T * q[:n]) @ A
        M[pen, pen] += mp * mp * q[n:]
        scale = max(float(np.max(np.abs(np.diag(M)))), _TINY)
        ridge = 0.0
        for _ in range(8):
            try:
                self.F = cho_factor(M + ridge * np.eye(M.shape[0]), lower=True,
                                    check_finite=False)
                return
            except LinAlgError:
                ridge = 1e-14 * scale if ridge == 0.0 else 100.0 * ridge
        raise LinAlgError("the interior-point normal equations are singular")

    def solve(self, b):
        return cho_solve(self.F, b)


def _purify(A1, y, pen, mp, a1, a2):
    """The optimal vertex next to an interior-point iterate, with its dual; or None.

    At a vertex of the LAD linear program ``k`` of the rows of the augmented
    design (data rows ``a_i``, penalty rows ``mu_j e_j``) are fitted
    exactly; they are the rows whose dual variable ``a`` is furthest from
    its bounds 0 and 1.  Solving for ``beta`` on them, and for their duals
    from ``B~^T d = 0`` with the other duals at ``sign(residual)``, gives an
    exact primal-dual pair when the duals are within ``[-1, 1]``: the
    rounding error of the interior-point method is gone (it is the
    purification step of Megiddo 1991 / Bixby & Saltzberg's crossover, done
    by one square solve).
    """
    n, k = A1.shape
    npen = pen.size
    rows = np.zeros((n + npen, k))
    rows[:n] = A1
    rows[n + np.arange(npen), pen] = mp
    target = np.concatenate([y, np.zeros(npen)])
    centrality = np.minimum(np.concatenate([a1, a2]), 1.0 - np.concatenate([a1, a2]))
    if centrality.size < k:
        return None
    basic = np.argsort(-centrality, kind="stable")[:k]
    nonbasic = np.setdiff1d(np.arange(n + npen), basic)
    try:
        beta = np.linalg.solve(rows[basic], target[basic])
        residual = target[nonbasic] - rows[nonbasic] @ beta
        a_all = np.concatenate([a1, a2])[nonbasic]
        d_n = np.where(residual > 0, 1.0, np.where(residual < 0, -1.0, 2.0 * a_all - 1.0))
        d_b = np.linalg.solve(rows[basic].T, -(rows[nonbasic].T @ d_n))
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(beta)) or np.max(np.abs(d_b), initial=0.0) > 1.0 + 1e-9:
        return None
    d = np.empty(n + npen)
    d[basic] = np.clip(d_b, -1.0, 1.0)
    d[nonbasic] = d_n
    return beta, d[:n]


def _lad_lasso(X, y, mu, fit_intercept, coef_init, tol, max_iter, return_dual=False):
    """:func:`_lad_lasso_ws` with single-threaded BLAS.

    The interior-point steps are many small dense solves: a threaded BLAS
    only adds synchronisation (measured on 2 busy cores, 150 x 300: 0.11 s
    with one BLAS thread, 4-15 s with two).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _lad_lasso_ws(X, y, mu, fit_intercept, coef_init, tol, max_iter,
                             return_dual=return_dual)


def _lad_lasso_ws(X, y, mu, fit_intercept, coef_init, tol, max_iter, return_dual=False):
    """LAD-LASSO ``||y - X c - b||_1 + sum mu_j |c_j|`` (all ``mu_j > 0``) on a working set.

    The interior-point method runs on a working set of columns; its dual
    point ``d`` is then checked on every column (``|x_j^T d| <= mu_j``),
    scaled into the dual feasible set, and gives the duality gap of the
    whole problem.  Columns that violate the check join the working set.
    Returns ``coef, intercept, n_iter, rel_gap``.
    """
    n, p = X.shape
    r0 = y - np.median(y) if fit_intercept else y
    score = np.abs(X.T @ np.sign(r0)) / mu
    size = min(p, max(_WORKING_SET_MIN, 2 * int(np.count_nonzero(coef_init))))
    ws = set(np.argsort(-score, kind="stable")[:size].tolist())
    ws.update(np.flatnonzero(coef_init).tolist())
    n_iter_total = 0
    coef = np.zeros(p)
    intercept = 0.0
    rel_gap = np.inf
    sub_tol = 0.1 * tol
    for _ in range(p + 1):
        W = np.array(sorted(ws))
        B = X[:, W]
        B = B.toarray() if sp.issparse(B) else B
        cW, intercept, d, it, _ = _lad_ipm(B, y, mu[W], fit_intercept, sub_tol, max_iter)
        n_iter_total += it
        coef[:] = 0.0
        coef[W] = cW
        viol = np.abs(X.T @ d) / mu
        scale = max(1.0, float(viol.max()))
        res = y - X @ coef - intercept
        primal = float(np.abs(res).sum() + mu @ np.abs(coef))
        dual = float(y @ d) / scale
        rel_gap = (primal - dual) / max(primal, _TINY)
        if rel_gap <= tol or it >= max_iter:
            break
        outside = np.setdiff1d(np.flatnonzero(viol > 1.0), W, assume_unique=False)
        if outside.size == 0:
            if sub_tol <= 1e-15:
                break
            sub_tol *= 0.01  # the sub-problem was not solved finely enough
            continue
        add = outside[np.argsort(-viol[outside], kind="stable")[:max(W.size, 1)]]
        ws.update(add.tolist())
    # Complementary slackness: a coefficient whose dual constraint is slack
    # (|x_j^T d| < mu_j) is zero at the optimum; the interior-point iterate
    # only has it tiny.  Make it exactly zero when that costs nothing.
    slack = (viol < 1.0 - 1e-6) & (coef != 0.0)
    if np.any(slack):
        trial = np.where(slack, 0.0, coef)
        value = float(np.abs(y - X @ trial - intercept).sum() + mu @ np.abs(trial))
        if value <= primal + 0.1 * tol * primal:
            coef = trial
            rel_gap = (value - dual) / max(value, _TINY)
    if return_dual:
        return coef, intercept, n_iter_total, rel_gap, d / scale
    return coef, intercept, n_iter_total, rel_gap


# --------------------------------------------------------------------------- #
# The function
# --------------------------------------------------------------------------- #
def _solve(X, y, alpha, loss, w, fit_intercept, coef_init, tol, max_iter):
    """Solve one weighted LASSO-family problem on validated arrays.

    Returns ``coef, intercept, n_iter, rel_gap`` (``rel_gap > tol`` means
    ``max_iter`` stopped it).
    """
    n, p = X.shape
    sx, sy = scales(X, y)
    ys = y / sy
    # alpha in the units of the scaled problem (see the docstrings' Notes)
    alpha_s = alpha / (sx * sy) if loss == "lasso" else alpha / sx
    coef = np.zeros(p) if coef_init is None else np.array(coef_init, dtype=np.float64) * (sx / sy)
    if loss == "lad":
        mu = n * alpha_s * w
        if not np.all(mu > 0):  # alpha = 0: plain LAD regression
            B = (X.toarray() if sp.issparse(X) else X) / sx
            coef, intercept, _, n_iter, gap = _lad_ipm(B, ys, np.zeros(p), fit_intercept, tol,
                                                       max_iter)
        else:
            Xs = X / sx if not sp.issparse(X) else X.multiply(1.0 / sx).tocsc()
            coef, intercept, n_iter, gap = _lad_lasso(Xs, ys, mu, fit_intercept, coef, tol,
                                                      max_iter)
    else:
        design = _Design(X, sx, fit_intercept)
        y_mean = ys.mean() if fit_intercept else 0.0
        yc = ys - y_mean
        sqrt_loss = loss == "sqrt_lasso"
        lam = (np.sqrt(n) if sqrt_loss else n) * alpha_s * w
        first = min(max_iter, _SQRT_PATIENCE) if sqrt_loss else max_iter
        n_iter = 0
        if not sqrt_loss and coef_init is None:
            # Continuation from alpha_max (glmnet's strategy): the support grows
            # gradually, coordinate descent never fills every coordinate first,
            # and the feature-sign steps apply from the start.
            ratio = float(np.max(np.abs(design.corr(yc)) / lam)) if p else 0.0
            n_steps = int(np.ceil(_CONTINUATION_PER_DECADE * np.log10(max(ratio, 1.0))))
            for k in range(1, n_steps):
                if n_iter >= max_iter - 1:
                    break  # max_iter counts every pass; the last ones are the target's
                coef, it, _ = _cd(design, yc, lam * ratio ** (1.0 - k / n_steps), coef, False,
                                  max(tol, _CONTINUATION_TOL), max_iter - 1 - n_iter)
                n_iter += it
        coef, it, gap = _cd(design, yc, lam, coef, sqrt_loss, tol, first - n_iter)
        n_iter += it
        intercept = y_mean - float(design.mean @ coef) if fit_intercept else 0.0
        r_norm = float(np.linalg.norm(design.true_residual(design.residual(yc, coef))))
        if sqrt_loss and gap > tol and n <= p + 1 and r_norm <= _NEAR_INTERPOLATION * \
                float(np.linalg.norm(yc)):
            # slow coordinate descent with a residual heading to 0 (possible only
            # when n <= n_features): the fit may interpolate at the optimum
            Xs = X / sx if not sp.issparse(X) else X.multiply(1.0 / sx).tocsc()
            found = _interpolating_sqrt_lasso(Xs, ys, lam, fit_intercept, tol, max_iter)
            if found is not None:
                coef, intercept, it, gap = found
                n_iter += it
            elif max_iter > first:
                coef, it, gap = _cd(design, yc, lam, coef, True, tol, max_iter - first)
                n_iter += it
                intercept = y_mean - float(design.mean @ coef) if fit_intercept else 0.0
    return coef * (sy / sx), intercept * sy, n_iter, gap


def _interpolating_sqrt_lasso(X, y, lam, fit_intercept, tol, max_iter):
    """The square-root LASSO's solution when it interpolates, with its certificate; else None.

    ``||r|| + sum lam_j |c_j|`` has a solution with ``r = 0`` exactly when
    the weighted basis pursuit ``min sum lam_j |c_j| s.t. X c + b = y`` has
    a dual point ``d`` (``|x_j^T d| <= lam_j``, ``1^T d = 0``) with
    ``||d||_2 <= 1``.  Such a ``d`` is also dual feasible for the LAD-LASSO
    with the same weights, whose solution is then the basis pursuit one, so
    one exact LAD-LASSO solve finds both; the duality gap of the
    square-root LASSO at ``(c, d / max(1, ||d||_2))`` decides.
    """
    coef, intercept, n_iter, _, d = _lad_lasso(X, y, lam, fit_intercept, np.zeros(lam.size),
                                               0.01 * tol, max_iter, return_dual=True)
    r = y - X @ coef - intercept
    primal = float(np.linalg.norm(r) + lam @ np.abs(coef))
    scale = max(1.0, float(np.linalg.norm(d)), float(np.max(np.abs(X.T @ d) / lam)))
    rel_gap = (primal - float(y @ d) / scale) / max(primal, _TINY)
    # an interior-point solution is good to about 1e-10 relative: beyond it the
    # certificate is kept with its gap, and the caller warns if gap > tol
    if rel_gap <= max(tol, _IPM_PRECISION):
        return coef, intercept, n_iter, rel_gap
    return None


def _check_params(alpha, tol, max_iter):
    alpha = check_nonnegative(alpha, "alpha")
    tol = check_nonnegative(tol, "tol")
    if not isinstance(max_iter, numbers.Integral) or isinstance(max_iter, bool) or max_iter < 1:
        raise ValueError(f"max_iter must be an integer >= 1; got {max_iter!r}.")
    return alpha, tol, int(max_iter)


def weighted_lasso(X, y, alpha, *, loss="lasso", weights=None, fit_intercept=True,
                   coef_init=None, tol=1e-6, max_iter=1000, return_n_iter=False):
    r"""Weighted LASSO, square-root LASSO or LAD-LASSO on arrays.

    Minimises, over the coefficients ``c`` and (with ``fit_intercept``) the
    intercept ``b``, with ``n = n_samples`` and per-feature weights ``w``:

    * ``loss="lasso"``: ``(1 / (2 n)) ||y - X c - b||_2^2 + alpha * sum_j w_j |c_j|``
    * ``loss="sqrt_lasso"``: ``(1 / sqrt(n)) ||y - X c - b||_2 + alpha * sum_j w_j |c_j|``
    * ``loss="lad"``: ``(1 / n) ||y - X c - b||_1 + alpha * sum_j w_j |c_j|``

    The paper writes them without the ``1/(2n)``, ``1/sqrt(n)``, ``1/n``
    factors, with a penalty ``lam``: ``lam = 2 n alpha``, ``sqrt(n) alpha``
    and ``n alpha`` respectively.  With unit weights ``loss="lasso"`` is
    scikit-learn's :class:`~sklearn.linear_model.Lasso`; with weights it is
    ``Lasso`` on ``X / w`` (coefficients divided by ``w``), and ``loss="lad"``
    is :class:`~sklearn.linear_model.QuantileRegressor` with
    ``quantile=0.5, alpha=alpha / 2`` on ``X / w``.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The design.  Sparse matrices (CSC is used as is; int32 or int64
        indices) are never densified by the squared and square-root losses.
    y : array-like of shape (n_samples,)
        The responses.
    alpha : float
        Penalty level, ``>= 0``.  Units: ``loss="lasso"``: those of ``X * y``
        (multiply ``alpha`` by ``c`` when ``y`` is multiplied by ``c``);
        ``"sqrt_lasso"`` and ``"lad"``: those of ``X`` (unchanged when ``y``
        is rescaled).  The solution is then scaled exactly as the data.
    loss : {"lasso", "sqrt_lasso", "lad"}, default="lasso"
        The data-fit term.
    weights : array-like of shape (n_features,), default=None
        Positive per-feature penalty weights (``None``: ones).
    fit_intercept : bool, default=True
        Fit an unpenalised intercept.
    coef_init : array-like of shape (n_features,), default=None
        Warm start (coordinate descent starts there; the LAD solver seeds
        its working set with its support).
    tol : float, default=1e-6
        Stop when the duality gap is at most ``tol`` times the objective.
    max_iter : int, default=1000
        Coordinate-descent passes (``"lasso"``, ``"sqrt_lasso"``) or
        interior-point iterations per working set (``"lad"``).
    return_n_iter : bool, default=False
        Also return the number of iterations.

    Returns
    -------
    coef : ndarray of shape (n_features,)
        The coefficients.
    intercept : float
        The intercept (0.0 without ``fit_intercept``).
    n_iter : int
        Iterations run; returned only if ``return_n_iter``.

    Warns
    -----
    ConvergenceWarning
        When ``max_iter`` stops the solver before the gap reaches ``tol``.

    References
    ----------
    S. Mohammad-Taheri and S. Brugiapaglia, "The greedy side of the LASSO:
    New algorithms for weighted sparse recovery via loss function-based
    orthogonal matching pursuit", arXiv:2303.00844, 2023.

    E. Ndiaye, O. Fercoq, A. Gramfort, V. Leclere and J. Salmon, "Efficient
    smoothed concomitant Lasso estimation for high dimensional regression",
    J. Phys.: Conf. Ser. 904, 2017.

    S. Portnoy and R. Koenker, "The Gaussian hare and the Laplacian
    tortoise: computability of squared-error versus absolute-error
    estimators", Statistical Science 12(4), 1997.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.linear_model import weighted_lasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 20))
    >>> y = X[:, 0] - 2 * X[:, 3]
    >>> coef, intercept = weighted_lasso(X, y, 0.01, loss="lad")
    >>> np.flatnonzero(np.abs(coef) > 0.1).tolist()
    [0, 3]
    """
    X, y = check_Xy(X, y, accept_sparse=True)
    check_loss(loss)
    alpha, tol, max_iter = _check_params(alpha, tol, max_iter)
    w = check_weights(weights, X.shape[1])
    coef_init = _check_coef_init(coef_init, X.shape[1])
    coef, intercept, n_iter, gap = _solve(X, y, alpha, loss, w, bool(fit_intercept), coef_init,
                                          tol, max_iter)
    if gap > tol:
        _warn("weighted_lasso", n_iter, gap, tol, loss)
    if return_n_iter:
        return coef, intercept, n_iter
    return coef, intercept


def _check_coef_init(coef_init, p):
    if coef_init is None:
        return None
    c = np.asarray(coef_init, dtype=np.float64)
    if c.shape != (p,) or not np.all(np.isfinite(c)):
        raise ValueError(f"coef_init must be a finite array of shape ({p},); got shape {c.shape}.")
    return c


def _warn(name, n_iter, gap, tol, loss="lasso"):
    hint = None
    if loss == "lad":
        hint = ("(LAD: n_iter counts interior-point iterations over all working sets; "
                "max_iter limits each solve, and a relative gap below about 1e-9 is beyond "
                "float64 for the interior-point method.)")
    warn_not_converged(name, n_iter, gap, tol, what="relative duality gap", hint=hint)


# --------------------------------------------------------------------------- #
# Estimators
# --------------------------------------------------------------------------- #
class _BaseWeightedLasso(LinearPredictMixin, RegressorMixin, BaseEstimator):
    """What the three convex estimators share: parameters, validation and ``fit``."""

    _loss = "lasso"
    _parameter_constraints: dict = {
        "alpha": [Interval(numbers.Real, 0, np.inf, closed="left")],
        "weights": ["array-like", None],
        "fit_intercept": ["boolean"],
        "tol": [Interval(numbers.Real, 0, np.inf, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
    }

    def __init__(self, alpha=1.0, *, weights=None, fit_intercept=True, tol=1e-6,
                 max_iter=1000, warm_start=False):
        self.alpha = alpha
        self.weights = weights
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (sparse: CSC or CSR, int32 or int64 indices).
        y : array-like of shape (n_samples,)
            Target values.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X, y = validate_data(self, X, y, accept_sparse=["csc"], dtype=np.float64,
                             y_numeric=True)
        w = check_weights(self.weights, X.shape[1])
        coef_init = None
        if self.warm_start and getattr(self, "coef_", None) is not None \
                and self.coef_.shape == (X.shape[1],):
            coef_init = self.coef_
        coef, intercept, n_iter, gap = _solve(X, y, float(self.alpha), self._loss, w,
                                              self.fit_intercept, coef_init, float(self.tol),
                                              self.max_iter)
        if gap > self.tol:
            _warn(type(self).__name__, n_iter, gap, self.tol, self._loss)
        self.coef_ = coef
        self.intercept_ = intercept
        self.n_iter_ = n_iter
        self.dual_gap_ = gap
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


_DOC_COMMON = """
    Parameters
    ----------
    alpha : float, default=1.0
        Penalty level, ``>= 0``.  {units}
    weights : array-like of shape (n_features,), default=None
        Positive per-feature penalty weights (``None``: ones).  Equivalent
        to scaling column ``j`` by ``1 / w_j`` (and the coefficient by
        ``w_j``).
    fit_intercept : bool, default=True
        Fit an unpenalised intercept.
    tol : float, default=1e-6
        Stop when the duality gap is at most ``tol`` times the objective.
    max_iter : int, default=1000
        {iters}
    warm_start : bool, default=False
        {warm}

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients.
    intercept_ : float
        Intercept (0.0 without ``fit_intercept``).
    n_iter_ : int
        Iterations run.
    dual_gap_ : float
        Relative duality gap at the end (``<= tol`` when converged).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit (only when ``X`` has string column names).
"""

_REFERENCE = """
    References
    ----------
    S. Mohammad-Taheri and S. Brugiapaglia, "The greedy side of the LASSO:
    New algorithms for weighted sparse recovery via loss function-based
    orthogonal matching pursuit", arXiv:2303.00844, 2023.
"""


class WeightedLasso(_BaseWeightedLasso):
    __doc__ = """Linear model with a weighted l1 penalty (weighted LASSO).

    Minimises ``(1 / (2 n)) ||y - X c - b||_2^2 + alpha * sum_j w_j |c_j|``
    by cyclic coordinate descent (weighted soft thresholding, a numba
    kernel) with a duality-gap stop.  With unit weights it is
    :class:`sklearn.linear_model.Lasso`; with weights ``w`` it is ``Lasso``
    on ``X / w``.  The paper's ``lam`` (no ``1/(2n)`` factor) is
    ``2 n alpha``.
""" + _DOC_COMMON.format(
        units="In the units of ``X * y``: multiply ``alpha`` by ``c`` when ``y`` is "
              "multiplied by ``c``, and the coefficients are multiplied by ``c``.",
        iters="Coordinate-descent passes.",
        warm="Start from the previous ``coef_`` (along a grid of ``alpha``).") + """
    See Also
    --------
    WeightedLassoCV : Choose ``alpha`` by cross-validation.
    SqrtLasso : A penalty level that does not depend on the noise level.
    LADLasso : Robust to gross errors in ``y``.
""" + _REFERENCE + """
    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.linear_model import WeightedLasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 30))
    >>> y = 3 * X[:, 0] - 2 * X[:, 1] + 0.1 * rng.standard_normal(60)
    >>> w = np.ones(30); w[:2] = 0.1        # prior knowledge: features 0, 1 matter
    >>> reg = WeightedLasso(alpha=0.1, weights=w).fit(X, y)
    >>> np.flatnonzero(reg.coef_).tolist()
    [0, 1]
"""
    _loss = "lasso"


class SqrtLasso(_BaseWeightedLasso):
    __doc__ = """Square-root LASSO with per-feature weights.

    Minimises ``(1 / sqrt(n)) ||y - X c - b||_2 + alpha * sum_j w_j |c_j|``
    (Belloni, Chernozhukov & Wang 2011): the right ``alpha`` does not depend
    on the noise level.  Solved by coordinate descent on the jointly convex
    concomitant form ``||r||^2 / (2 sigma) + sigma / 2`` (Ndiaye et al.
    2017) with ``sigma`` updated to ``||r||`` after every pass, and a
    duality-gap stop.  The paper's ``lam`` is ``sqrt(n) alpha``.  Where
    ``alpha`` is so small that the fit interpolates (``||r|| = 0``), the
    scale is floored at ``1e-12 ||y||`` and convergence is slow: prefer a
    larger ``alpha``.
""" + _DOC_COMMON.format(
        units="In the units of ``X`` (unchanged when ``y`` is rescaled; the "
              "coefficients scale with ``y``).",
        iters="Coordinate-descent passes.",
        warm="Start from the previous ``coef_`` (along a grid of ``alpha``).") + """
    See Also
    --------
    WeightedLasso : The squared loss.
    LADLasso : Robust to gross errors in ``y``.
""" + _REFERENCE + """
    A. Belloni, V. Chernozhukov and L. Wang, "Square-root lasso: pivotal
    recovery of sparse signals via conic programming", Biometrika 98(4), 2011.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.linear_model import SqrtLasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 30))
    >>> y = 3 * X[:, 0] - 2 * X[:, 1] + 0.1 * rng.standard_normal(60)
    >>> reg = SqrtLasso(alpha=0.3).fit(X, y)
    >>> np.flatnonzero(reg.coef_).tolist()
    [0, 1]
"""
    _loss = "sqrt_lasso"


class LADLasso(_BaseWeightedLasso):
    __doc__ = """Least-absolute-deviation LASSO with per-feature weights.

    Minimises ``(1 / n) ||y - X c - b||_1 + alpha * sum_j w_j |c_j|``: robust
    to gross errors in a fraction of the responses.  Solved exactly (it is a
    linear program) by a primal-dual interior-point method (Mehrotra's
    predictor-corrector on the bounded dual, Portnoy & Koenker 1997) on a
    working set of columns, grown until the duality gap of the whole
    problem is at most ``tol``.  With weights ``w`` it is
    :class:`sklearn.linear_model.QuantileRegressor` (``quantile=0.5``,
    ``alpha=alpha / 2``) on ``X / w``.  The paper's ``lam`` is ``n alpha``.
""" + _DOC_COMMON.format(
        units="In the units of ``X`` (unchanged when ``y`` is rescaled; the "
              "coefficients scale with ``y``).",
        iters="Interior-point iterations per working set.",
        warm="Seed the working set with the support of the previous ``coef_``.") + """
    See Also
    --------
    WeightedLasso : The squared loss.
    WeightedOMP : Greedy selection with the LAD loss.
""" + _REFERENCE + """
    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.linear_model import LADLasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 30))
    >>> y = 3 * X[:, 0] - 2 * X[:, 1]
    >>> y[:6] += 100.0                       # gross errors in 10% of the responses
    >>> reg = LADLasso(alpha=0.05).fit(X, y)
    >>> np.round(reg.coef_[:2], 1).tolist()
    [3.0, -2.0]
"""
    _loss = "lad"

    def __init__(self, alpha=1.0, *, weights=None, fit_intercept=True, tol=1e-6,
                 max_iter=100, warm_start=False):
        super().__init__(alpha, weights=weights, fit_intercept=fit_intercept, tol=tol,
                         max_iter=max_iter, warm_start=warm_start)
