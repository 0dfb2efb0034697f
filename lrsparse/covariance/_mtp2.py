"""Gaussian graphical models under total positivity (MTP2): M-matrix precision estimation.

Ying, Cardoso & Palomar, "Adaptive Estimation of Graphical Models under Total
Positivity", ICML 2023.  The paper's body was not available to us; the
solver below is reconstructed from its abstract, the authors' group's public
code for the base problem and ``../shared/notes/graphical_omp.md`` part 1
(what is ours is said where it is done).
"""

import numbers
from collections import deque

import numpy as np
from scipy.linalg import lapack
from sklearn.covariance import EmpiricalCovariance
from sklearn.utils.validation import check_array

from ..utils._sklearn import Interval, StrOptions, _fit_context, validate_data
from ..utils._solver import data_scale, power_of_two, serial_blas, warn_not_converged

__all__ = ["MTP2GraphicalModel", "mtp2_graphical_model"]

_CONSTRAINTS = ("m_matrix", "diagonally_dominant")
_TINY = float(np.finfo(np.float64).tiny)
_PENALTIES = ("l1", "scad", "mcp")
# Concavity defaults of ncvreg (Breheny & Huang 2011): SCAD a = 3.7 (Fan & Li
# 2001), MCP gamma = 3.
_DEFAULT_GAMMA = {"scad": 3.7, "mcp": 3.0}
# Spectral projected gradient (Birgin, Martinez & Raydan 2000): nonmonotone
# Armijo over the last _MEMORY objective values, BB steps clipped to
# [_STEP_MIN, _STEP_MAX] (the problem is solved on a unit mean variance).
_MEMORY = 10
_SIGMA = 1e-4
_MAX_BACKTRACKS = 60
_STEP_MIN, _STEP_MAX = 1e-12, 1e12
# A stage SPG has not finished in this many iterations goes on by projected
# Newton (dense reduced Hessian, so at most _NEWTON_MAX_VARIABLES free ones).
_SPG_PATIENCE = 500
_NEWTON_MAX_VARIABLES = 1000
# The diagonally dominant projection's Newton solve: residual tolerance on
# the row sums (relative to the largest entry) and its step limit.
_DD_PROJ_RTOL = 1e-14
_DD_PROJ_MAX_ITER = 100
# Below this many features an iteration is a few small LAPACK calls that BLAS
# threads slow down (see lrsparse.utils._solver.serial_blas).
_SERIAL_BLAS_MAX_FEATURES = 512


def _check_emp_cov(emp_cov, input_name="emp_cov"):
    """A symmetric positive semidefinite float64 matrix with a positive diagonal (a copy)."""
    S = check_array(emp_cov, dtype=np.float64, input_name=input_name)
    p = S.shape[0]
    if S.shape != (p, p):
        raise ValueError(f"{input_name} must be a square matrix; got shape {S.shape}.")
    scale = data_scale(S, input_name=input_name)
    if not np.allclose(S, S.T, rtol=1e-8, atol=1e-10 * scale):
        raise ValueError(f"{input_name} must be symmetric.")
    S = 0.5 * (S + S.T)
    diag = np.diag(S)
    if np.any(diag <= 0):
        bad = np.flatnonzero(diag <= 0)[:5].tolist()
        raise ValueError(
            f"{input_name} has a zero (or negative) variance on the diagonal at feature(s) "
            f"{bad}: the precision of a constant feature is not defined. Drop constant "
            "features (e.g. sklearn.feature_selection.VarianceThreshold)."
        )
    # eigvalsh on the matrix scaled to a unit maximum: no overflow at any scale
    smallest = np.linalg.eigvalsh(S / scale)[0]
    if smallest < -1e-8 * p:
        raise ValueError(
            f"{input_name} must be positive semidefinite; its smallest eigenvalue is "
            f"{smallest * scale:.3g}."
        )
    return S


def _check_alpha(alpha, p):
    """The penalty as a (p, p) float64 matrix with a zero diagonal."""
    if isinstance(alpha, numbers.Real) and not isinstance(alpha, bool):
        if not (np.isfinite(alpha) and alpha >= 0):
            raise ValueError(f"alpha must be a finite number >= 0; got {alpha!r}.")
        lam = np.full((p, p), float(alpha))
    else:
        lam = check_array(alpha, dtype=np.float64, input_name="alpha")
        if lam.shape != (p, p):
            raise ValueError(
                f"alpha must be a number or an array of shape {(p, p)} (one weight per "
                f"entry of the precision); got shape {lam.shape}."
            )
        if np.any(lam < 0) or not np.array_equal(lam, lam.T):
            raise ValueError("An array alpha must be symmetric with entries >= 0.")
        lam = lam.copy()
    np.fill_diagonal(lam, 0.0)
    return lam


def _stage_weights(Theta, lam, penalty, gamma):
    """``p'_lam(|Theta_ij|)``: the SCAD or MCP derivative, the weights of the next stage."""
    t = np.abs(Theta)
    if penalty == "scad":
        w = np.where(t <= lam, lam, np.maximum(gamma * lam - t, 0.0) / (gamma - 1.0))
    else:  # mcp
        w = np.maximum(lam - t / gamma, 0.0)
    np.fill_diagonal(w, 0.0)
    return w


def _inverse(L):
    """``(L L^T)^{-1}`` from a lower Cholesky factor (LAPACK potri), symmetric.

    ``L.T`` of a C-ordered ``L`` is the Fortran-ordered upper factor: LAPACK
    reads it without a copy.
    """
    from .._kernels.spd import symmetric_from_upper

    Winv, info = lapack.dpotri(L.T, lower=0)
    if info != 0:  # pragma: no cover - L comes from a successful factorisation
        raise np.linalg.LinAlgError(f"potri failed (info={info}).")
    return symmetric_from_upper(Winv)


def _dual_gap(f, W, S, lam, dd):
    """Duality gap ``f(Theta) - (log det M + p)`` at a dual point built from ``W = Theta^{-1}``.

    See :func:`lrsparse._kernels.spd.mtp2_dual_logdet` for the dual point
    (exact when ``W`` is the optimum's inverse).  The gap is in nats and
    scale-free; ``inf`` while ``M`` is not positive definite.
    """
    from .._kernels.spd import mtp2_dual_logdet

    ok, logdet_M = mtp2_dual_logdet(W, S, lam, dd)
    return f - (logdet_M + S.shape[0]) if ok else np.inf


def _theta_of(x):
    """``Theta = L(w) + diag(v)`` from ``x`` (``w`` off the diagonal, ``v`` on it)."""
    Theta = -x
    np.fill_diagonal(Theta, np.diag(x) + (x.sum(axis=1) - np.diag(x)))
    return Theta


def _x_of(Theta):
    """The inverse of :func:`_theta_of`: ``w_ij = -Theta_ij``, ``v = Theta 1``."""
    x = -Theta
    np.fill_diagonal(x, Theta.sum(axis=1))
    return x


def _grad_x(G):
    """Gradient in ``x`` (Frobenius-consistent: ``<grad_x, dx> = <G, dTheta>``)."""
    d = np.diag(G)
    gx = 0.5 * (d[:, None] + d[None, :]) - G
    np.fill_diagonal(gx, d)
    return gx


def _spg(S, lam, Theta, dd, tol, max_iter, dd_method):
    """Spectral projected gradient on ``f = -log det Theta + <Theta, S - Lam>`` over the cone.

    One projection per iteration (the BB trial point), then a nonmonotone
    backtracking along the segment that rejects non positive definite points
    (:func:`lrsparse._kernels.spd.logdet_line_search`).  ``dd_method``
    ("projection" or "reparametrized") picks how the diagonally dominant cone
    is handled; see :func:`mtp2_graphical_model`.  Returns ``(Theta, W,
    n_iter, gap)`` with ``W = Theta^{-1}``.
    """
    from .._kernels.prox import (
        clip_nonnegative,
        project_diagonally_dominant,
        project_nonpositive_offdiag,
    )
    from .._kernels.spd import cholesky_logdet, logdet_line_search

    p = S.shape[0]
    C = S - lam
    reparam = dd and dd_method == "reparametrized"
    ok, logdet, L = cholesky_logdet(Theta)
    f = -logdet + np.vdot(Theta, C)
    W = _inverse(L)
    G = C - W
    gap = _dual_gap(f, W, S, lam, dd)
    if gap <= tol:
        return Theta, W, 0, gap
    x, gx = (_x_of(Theta), _grad_x(G)) if reparam else (Theta, G)
    mu = np.zeros(p)
    # first step: 1 / ||W||_2^2 bounds the curvature of -log det along any
    # unit direction (Gershgorin bound of ||W||_2)
    step = 1.0 / np.abs(W).sum(axis=1).max() ** 2
    history = deque([f], maxlen=_MEMORY)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        V = x - step * gx
        if reparam:
            x_trial = clip_nonnegative(V)
            D = _theta_of(x_trial) - Theta
        elif dd:
            tol_proj = _DD_PROJ_RTOL * max(np.abs(V).max(), 1.0)
            x_trial, mu, _ = project_diagonally_dominant(V, mu, tol_proj, _DD_PROJ_MAX_ITER)
            D = x_trial - Theta
        else:
            x_trial = project_nonpositive_offdiag(V)
            D = x_trial - Theta
        slope = np.vdot(G, D)
        if not slope < 0:  # the projected step does not move: stationary
            break
        ok, theta, f, Theta, L = logdet_line_search(
            Theta, D, C, max(history), slope, _SIGMA, _MAX_BACKTRACKS
        )
        if not ok:  # no decrease at machine precision: as close as float64 gets
            break
        W = _inverse(L)
        G_new = C - W
        x_new = x + theta * (x_trial - x) if reparam else Theta
        gx_new = _grad_x(G_new) if reparam else G_new
        s, y = x_new - x, gx_new - gx
        sy = np.vdot(s, y)
        step = min(max(np.vdot(s, s) / sy, _STEP_MIN), _STEP_MAX) if sy > 0 else _STEP_MAX
        x, gx, G = x_new, gx_new, G_new
        history.append(f)
        gap = _dual_gap(f, W, S, lam, dd)
        if gap <= tol:
            break
    return Theta, W, n_iter, gap


def _projected_newton(S, lam, Theta, dd, tol, max_iter):
    """Projected Newton on the cone's coordinates, for the stages SPG does not finish.

    Variables: the pairs ``i < j`` and the diagonal -- ``Theta_ij`` (<= 0)
    and ``Theta_ii`` for the M-matrix cone; ``w_ij = -Theta_ij`` and ``v =
    Theta 1`` (both >= 0) for the diagonally dominant one (where the cone is
    a box).  Two-metric projection (Bertsekas 1982): the variables at their
    bound whose gradient points out of the box take a diagonally scaled
    gradient step, the others the Newton step of the exact reduced Hessian
    ``tr(W E_a W E_b)`` (``W = Theta^{-1}``), then the step is projected and
    backtracked with the Cholesky guard.  Converges in tens of iterations
    where the solution is badly conditioned (maximum likelihood from a few
    samples), where gradient steps crawl.  Returns ``(Theta, W, n_iter, gap,
    done)``; ``done`` is False when the free variables were too many for a
    dense Hessian (then nothing was done).
    """
    from .._kernels.spd import cholesky_logdet

    p = S.shape[0]
    C = S - lam
    iu, ju = np.triu_indices(p, 1)
    rows = np.concatenate([iu, np.arange(p)])
    cols = np.concatenate([ju, np.arange(p)])
    pair = np.arange(rows.size) < iu.size
    diag = np.diag_indices(p)

    def theta_of(x):
        T = np.zeros((p, p))
        off = -x[pair] if dd else x[pair]
        T[iu, ju] = off
        T[ju, iu] = off
        T[diag] = x[~pair] - T.sum(axis=1) if dd else x[~pair]
        return T

    def project(x):
        return np.maximum(x, 0.0) if dd else np.where(pair, np.minimum(x, 0.0), x)

    x = project(np.concatenate([-Theta[iu, ju], Theta.sum(axis=1)]) if dd
                else np.concatenate([Theta[iu, ju], np.diag(Theta)]))
    Theta = theta_of(x)
    ok, logdet, L = cholesky_logdet(Theta)
    f = -logdet + np.vdot(Theta, C)
    W = _inverse(L)
    gap = _dual_gap(f, W, S, lam, dd)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        G = C - W
        if dd:  # <G, dTheta / dx_a>: u_a^T G u_a with u = e_i - e_j, or e_i
            g = np.concatenate([G[iu, iu] + G[ju, ju] - 2 * G[iu, ju], np.diag(G)])
        else:
            g = np.concatenate([2 * G[iu, ju], np.diag(G)])
        eps = min(1e-3, np.abs(project(x - g) - x).max())
        out = (x <= eps) & (g > 0) if dd else pair & (x >= -eps) & (g < 0)
        free, bound = np.flatnonzero(~out), np.flatnonzero(out)
        if free.size > _NEWTON_MAX_VARIABLES:
            return Theta, W, n_iter - 1, gap, n_iter > 1
        H, hdiag = _reduced_hessian(W, rows, cols, pair, free, bound, dd)
        try:
            d = np.linalg.solve(H, -g[free])
        except np.linalg.LinAlgError:  # pragma: no cover - H is positive definite
            d = -g[free] / np.diag(H)
        dx = np.zeros_like(x)
        dx[free] = d
        dx[bound] = -g[bound] / hdiag
        t, accepted = 1.0, False
        for _ in range(_MAX_BACKTRACKS):
            x_t = project(x + t * dx)
            Theta_t = theta_of(x_t)
            ok, logdet, L = cholesky_logdet(Theta_t)
            if ok:
                f_t = -logdet + np.vdot(Theta_t, C)
                if f_t <= f + _SIGMA * np.vdot(g, x_t - x):
                    accepted = True
                    break
            t *= 0.5
        # no decrease left in float64: as converged as rounding allows
        stalled = not accepted or f - f_t <= 8 * np.finfo(float).eps * max(1.0, abs(f))
        if accepted:
            x, Theta, f = x_t, Theta_t, f_t
            W = _inverse(L)
            gap = _dual_gap(f, W, S, lam, dd)
        if gap <= tol or stalled:
            break
    return Theta, W, n_iter, gap, True


def _reduced_hessian(W, rows, cols, pair, free, bound, dd):
    """Hessian of ``-log det`` on the free variables and its diagonal on the bound ones.

    ``tr(W E_a W E_b)`` with ``E_a = u_a u_a^T`` (``u = e_i - e_j`` for a
    pair, ``e_i`` on the diagonal) in the diagonally dominant coordinates, and
    ``E_a = e_i e_j^T + e_j e_i^T`` (``e_i e_i^T``) in the M-matrix ones.
    """
    i, j, pf = rows[free], cols[free], pair[free]
    bi, bj, pb = rows[bound], cols[bound], pair[bound]
    if dd:
        M = (W[np.ix_(i, i)] - W[np.ix_(i, j)] * pf[None, :] - W[np.ix_(j, i)] * pf[:, None]
             + W[np.ix_(j, j)] * (pf[:, None] & pf[None, :]))
        return M * M, (W[bi, bi] + pb * (W[bj, bj] - 2 * W[bi, bj])) ** 2
    half = np.where(pf, 1.0, 0.5)  # the formula counts a diagonal variable twice
    H = 2 * (W[np.ix_(j, i)] * W[np.ix_(i, j)] + W[np.ix_(j, j)] * W[np.ix_(i, i)])
    hdiag = 2 * (W[bi, bj] ** 2 + W[bi, bi] * W[bj, bj]) * np.where(pb, 1.0, 0.25)
    return H * np.outer(half, half), hdiag


def _solve_stage(S1, weights, Theta, dd, tol, max_iter, dd_method):
    """One stage: spectral projected gradient, then projected Newton if it is slow.

    SPG's iterations are cheap and usually enough; a stage it has not
    finished in ``_SPG_PATIENCE`` iterations is badly conditioned, and the
    rest of ``max_iter`` goes to :func:`_projected_newton` (when its free
    variables are few enough for a dense Hessian, else to SPG).  For the
    M-matrix cone both run on the correlation scale: the cone is invariant
    under ``Theta -> D Theta D`` (``D > 0`` diagonal), so the features' units
    no longer set the conditioning (the duality gap is unchanged).  The
    diagonally dominant cone is not invariant: solved as given.
    """
    outer = 1.0
    if not dd:
        d = np.sqrt(np.diag(S1))
        outer = np.outer(d, d)
    S, lam, Theta = S1 / outer, weights / outer, Theta * outer
    Theta, W, n_iter, gap = _spg(S, lam, Theta, dd, tol, min(max_iter, _SPG_PATIENCE),
                                 dd_method)
    if not gap <= tol and n_iter == _SPG_PATIENCE < max_iter:
        Theta, W, it, gap, done = _projected_newton(S, lam, Theta, dd, tol,
                                                    max_iter - n_iter)
        n_iter += it
        if not done:
            Theta, W, it, gap = _spg(S, lam, Theta, dd, tol, max_iter - n_iter, dd_method)
            n_iter += it
    return Theta / outer, W * outer, n_iter, gap


def _finalize(Theta, dd):
    """Exact constraints on the output: symmetric, off-diagonal <= 0, row sums >= 0 (DD).

    The solver's iterates satisfy them up to rounding; a row whose sum came
    out negative by a few ulps gets that much (and a margin of a few ulps)
    added to its diagonal, so the row sums are >= 0 in any summation order.
    """
    Theta = np.tril(Theta)
    Theta = Theta + np.tril(Theta, -1).T
    off = ~np.eye(Theta.shape[0], dtype=bool)
    Theta[off & (Theta > 0)] = 0.0
    if dd:
        for _ in range(3):
            rows = Theta.sum(axis=1)
            if (rows >= 0).all():
                break
            margin = 4 * np.finfo(np.float64).eps * np.abs(Theta).sum(axis=1)
            bump = np.where(rows < 0, margin - rows, 0.0)
            Theta[np.diag_indices_from(Theta)] += bump
    return Theta


def _covariance(X, assume_centered):
    """Empirical covariance ``Xc^T Xc / n`` (scikit-learn's, without its one-sample warning).

    The diagonally dominant model is fitted from one centred sample, and the
    cross-validation scores test folds of one sample.
    """
    Xc = X if assume_centered else X - X.mean(axis=0)
    return Xc.T @ Xc / X.shape[0]


def _scaled_covariance(X, assume_centered):
    """``(emp_cov(X / scale), scale)``, ``scale`` the power of two nearest ``max|X|``.

    On ``X / scale`` the covariance can neither overflow nor underflow, and
    the results scale back exactly.  A feature whose variance is at the
    rounding level of its values is constant: a ``ValueError``.
    """
    scale = power_of_two(data_scale(X, input_name="X"))
    if not _TINY <= scale * scale < np.inf:
        raise ValueError(
            f"The covariance of X is outside the range of float64 (largest magnitude of X "
            f"{scale:.3g}): rescale X, e.g. multiply it by a power of ten."
        )
    Xs = X / scale
    S = _covariance(Xs, assume_centered)
    constant = np.diag(S) <= (16 * np.finfo(np.float64).eps) ** 2 * (Xs * Xs).mean(axis=0)
    if constant.any():
        raise ValueError(
            f"X has zero-variance feature(s) {np.flatnonzero(constant)[:5].tolist()}: the "
            "precision of a constant feature is not defined. Drop constant features "
            "(e.g. sklearn.feature_selection.VarianceThreshold)."
        )
    return S, scale


def _mtp2_solve(S, lam, *, constraint, penalty, n_stages, gamma, precision_init, tol,
                max_iter, verbose, name, dd_method="projection"):
    """The multi-stage solver on validated input; see :func:`mtp2_graphical_model`."""
    from .._kernels.spd import cholesky_logdet

    p = S.shape[0]
    dd = constraint == "diagonally_dominant"
    # Solve at unit mean variance: Theta scales as 1 / sigma2, Lam as sigma2,
    # and the folded-concave weights compare |Theta_ij| with alpha on this
    # scale (the paper's, for standardised data).  A power of two: scaling
    # back is exact and keeps the constraints exact.
    sigma2 = power_of_two(np.mean(np.diag(S)))
    S1, lam1 = S / sigma2, lam / sigma2
    if precision_init is None:
        Theta = np.diag(1.0 / np.diag(S1))
    else:
        Theta = check_array(precision_init, dtype=np.float64, input_name="precision_init")
        if Theta.shape != (p, p):
            raise ValueError(f"precision_init must have shape {(p, p)}; got {Theta.shape}.")
        Theta = _finalize(Theta * sigma2, dd)
        if not cholesky_logdet(Theta)[0]:
            raise ValueError(
                "precision_init must be positive definite after projection onto the "
                f"constraint set ({constraint!r})."
            )
    if penalty == "l1":
        n_stages = 1
    if gamma is None:
        gamma = _DEFAULT_GAMMA.get(penalty, 3.0)
    unit = float(np.mean(np.diag(S1)))
    weights = lam1
    n_iter = 0
    for stage in range(n_stages):
        if stage > 0:
            # p' compares |Theta_ij| with alpha at exactly unit mean variance
            # (sigma2 is only the nearest power of two)
            new = unit * _stage_weights(Theta * unit, lam1 / unit, penalty, gamma)
            if np.array_equal(new, weights):
                break  # the next stage would solve the same problem
            weights = new
        with serial_blas(p < _SERIAL_BLAS_MAX_FEATURES):
            Theta, W, it, gap = _solve_stage(S1, weights, Theta, dd, tol, max_iter, dd_method)
        n_iter += it
        if verbose:
            print(f"{name}: stage {stage + 1}/{n_stages}, {it} iterations, "
                  f"duality gap {gap:.3g}")
        if it == max_iter and not gap <= tol:
            warn_not_converged(
                name, it, gap, tol,
                what="duality gap" if np.isfinite(gap) else "finite duality gap",
                hint=f"stage {stage + 1} of {n_stages}; increase max_iter or tol",
            )
    Theta = _finalize(Theta, dd)
    ok, _, L = cholesky_logdet(Theta)
    W = _inverse(L) if ok else np.linalg.pinv(Theta)
    return W * sigma2, Theta / sigma2, n_iter


def mtp2_graphical_model(emp_cov, alpha, *, constraint="m_matrix", penalty="mcp",
                         n_stages=3, gamma=None, precision_init=None, tol=1e-6,
                         max_iter=1000, verbose=False, return_n_iter=False):
    r"""Sparse precision under total positivity (an M-matrix), adaptive multi-stage.

    Solves, at each stage, the weighted l1-penalised Gaussian likelihood
    under the sign constraints of an M-matrix (Ying, Cardoso & Palomar 2023)

    .. math::

        \min_{\Theta \succ 0} -\log\det\Theta + \operatorname{tr}(S\Theta)
        + \sum_{i \ne j} \Lambda_{ij} |\Theta_{ij}|
        \quad \text{s.t.} \quad \Theta_{ij} \le 0 \ (i \ne j)
        \ [\text{and } \Theta \mathbf{1} \ge 0],

    the bracket for ``constraint="diagonally_dominant"``.  A Gaussian whose
    precision is an M-matrix is multivariate totally positive of order 2
    (MTP2): every partial correlation is nonnegative.  On the cone the
    penalty is linear, ``-<Lambda, Theta>``, so each stage minimises the
    smooth ``-log det Theta + <Theta, S - Lambda>`` by spectral projected
    gradient (Barzilai-Borwein steps, nonmonotone Armijo backtracking whose
    Cholesky factorisation rejects points that are not positive definite),
    stopped by the duality gap.  A stage that gradient steps have not
    finished in 500 iterations is badly conditioned (maximum likelihood from
    a few samples, very small ``alpha``): it goes on by projected Newton
    steps on the free entries (two-metric projection, exact reduced Hessian,
    the same Cholesky guard), which finish it in tens of iterations.  A
    stage also stops, without warning, when float64 allows no further
    decrease of the objective.  Stage 1 uses ``Lambda = alpha``; stage
    ``k > 1`` uses ``Lambda_ij = p'_alpha(|Theta_ij|)`` of the previous
    stage's estimate (SCAD or MCP derivative) and starts from it: large
    entries lose their penalty and the bias of l1.

    Parameters
    ----------
    emp_cov : array-like of shape (n_features, n_features)
        Empirical covariance (symmetric positive semidefinite, positive
        diagonal).
    alpha : float or array-like of shape (n_features, n_features)
        Penalty weight ``lambda`` (>= 0), in the units of ``emp_cov`` (data
        multiplied by ``c``: multiply ``alpha`` by ``c**2``), as in
        :func:`sklearn.covariance.graphical_lasso`.  An array gives one
        weight per entry (symmetric, >= 0; the diagonal is never penalised).
        ``alpha=0`` is the MTP2 maximum likelihood estimate.
    constraint : {"m_matrix", "diagonally_dominant"}, default="m_matrix"
        Precision an M-matrix (off-diagonal <= 0), or a diagonally dominant
        M-matrix (also nonnegative row sums).
    penalty : {"l1", "scad", "mcp"}, default="mcp"
        Folded-concave penalty whose derivative weights stages after the
        first; ``"l1"`` runs one stage.
    n_stages : int, default=3
        Number of stages (1 = the weighted l1 problem alone).
    gamma : float, default=None
        Concavity of SCAD (``a > 2``, default 3.7) or MCP (``gamma > 1``,
        default 3).
    precision_init : array-like of shape (n_features, n_features), default=None
        Starting precision (projected onto the constraint set; must then be
        positive definite); default ``diag(1 / diag(emp_cov))``.  Warm starts
        along a path of ``alpha``.
    tol : float, default=1e-6
        Stop a stage when the duality gap (in nats, scale-free) is below it
        (as sklearn's ``graphical_lasso``, whose default 1e-4 leaves entries
        of the precision about 1e-3 off in relative terms; 1e-6 about 1e-5).
    max_iter : int, default=1000
        Iterations per stage; a ``ConvergenceWarning`` when reached.
    verbose : bool, default=False
        Print each stage's iterations and duality gap.
    return_n_iter : bool, default=False
        Also return the number of iterations.

    Returns
    -------
    covariance : ndarray of shape (n_features, n_features)
        The estimated covariance, the inverse of ``precision``.
    precision : ndarray of shape (n_features, n_features)
        The estimated precision: symmetric, off-diagonal entries <= 0 and,
        for ``"diagonally_dominant"``, row sums >= 0, exactly.
    n_iter : int
        Iterations over all stages; returned when ``return_n_iter`` is True.

    See Also
    --------
    MTP2GraphicalModel : The estimator.
    sklearn.covariance.graphical_lasso : The unconstrained l1 problem.

    Notes
    -----
    The diagonally dominant cone is handled by its exact Euclidean
    projection (a semismooth Newton solve on the dual of the row-sum
    constraints, :func:`lrsparse._kernels.prox.project_diagonally_dominant`);
    it was faster than the reparametrisation ``Theta = L(w) + diag(v)`` with
    ``w, v >= 0`` of the notes (see ``benchmarks/mtp2.py``).  The weight
    rule of later stages, the start ``Theta^(0) = 0`` (stage 1 = plain l1)
    and the SCAD/MCP defaults are our reconstruction: the paper's body was
    not available.

    References
    ----------
    .. [1] J. Ying, J. V. de M. Cardoso and D. P. Palomar, "Adaptive Estimation
       of Graphical Models under Total Positivity", ICML 2023.
    .. [2] E. G. Birgin, J. M. Martinez and M. Raydan, "Nonmonotone spectral
       projected gradient methods on convex sets", SIAM J. Optim. 10 (2000).
    .. [3] D. P. Bertsekas, "Projected Newton methods for optimization problems
       with simple constraints", SIAM J. Control Optim. 20 (1982).

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.covariance import mtp2_graphical_model
    >>> S = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, -0.1], [0.2, -0.1, 1.0]])
    >>> covariance, precision = mtp2_graphical_model(S, alpha=0.05, penalty="l1")
    >>> precision.round(3)  # the inverse of S has a positive (1, 2) entry
    array([[ 1.277, -0.564, -0.153],
           [-0.564,  1.254,  0.   ],
           [-0.153,  0.   ,  1.023]])
    """
    S = _check_emp_cov(emp_cov)
    lam = _check_alpha(alpha, S.shape[0])
    _check_options(constraint, penalty, n_stages, gamma, tol, max_iter)
    covariance, precision, n_iter = _mtp2_solve(
        S, lam, constraint=constraint, penalty=penalty, n_stages=n_stages, gamma=gamma,
        precision_init=precision_init, tol=tol, max_iter=max_iter, verbose=verbose,
        name="mtp2_graphical_model",
    )
    if return_n_iter:
        return covariance, precision, n_iter
    return covariance, precision


def _check_options(constraint, penalty, n_stages, gamma, tol, max_iter):
    """The function's scalar options (the estimator checks them by its constraints)."""
    if constraint not in _CONSTRAINTS:
        raise ValueError(f"constraint must be one of {_CONSTRAINTS}; got {constraint!r}.")
    if penalty not in _PENALTIES:
        raise ValueError(f"penalty must be one of {_PENALTIES}; got {penalty!r}.")
    for name, value, low in [("n_stages", n_stages, 1), ("max_iter", max_iter, 1)]:
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}; got {value!r}.")
    if not (isinstance(tol, numbers.Real) and np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite number >= 0; got {tol!r}.")
    _check_gamma(penalty, gamma)


def _check_gamma(penalty, gamma):
    if gamma is None:
        return
    low = 2.0 if penalty == "scad" else 1.0
    if not (isinstance(gamma, numbers.Real) and np.isfinite(gamma) and gamma > low):
        raise ValueError(
            f"gamma must be a finite number > {low:g} for penalty={penalty!r}; got {gamma!r}."
        )


class MTP2GraphicalModel(EmpiricalCovariance):
    """Sparse inverse covariance under total positivity (MTP2), adaptive multi-stage.

    Estimates the precision of a Gaussian as an M-matrix (all partial
    correlations >= 0: the distribution is multivariate totally positive of
    order 2) or a diagonally dominant M-matrix, by the adaptive multi-stage
    weighted l1 method of Ying, Cardoso & Palomar (2023): stage 1 solves the
    l1-penalised likelihood under the sign constraints, each further stage
    re-weights the penalty by the SCAD or MCP derivative at the previous
    estimate (see :func:`mtp2_graphical_model` for the problem and the
    solver).  Positive dependence is common (asset returns, test scores,
    gene expression); under it the sign constraints alone regularise: the
    maximum likelihood estimate exists from 2 samples (M-matrix) or 1
    (diagonally dominant, data centred), where the unconstrained one needs
    ``n_features + 1``.

    Parameters
    ----------
    alpha : float, default=0.01
        Penalty weight ``lambda`` (>= 0) in the units of the covariance: for
        data multiplied by ``c``, multiply ``alpha`` by ``c**2`` (the fitted
        precision is then divided by ``c**2``), as for
        :class:`sklearn.covariance.GraphicalLasso`; standardise the data or
        use :class:`MTP2GraphicalModelCV` to be free of units.  ``alpha=0``
        is the MTP2 maximum likelihood estimate.
    constraint : {"m_matrix", "diagonally_dominant"}, default="m_matrix"
        M-matrix precision (off-diagonal <= 0) or diagonally dominant
        M-matrix (also nonnegative row sums).
    penalty : {"l1", "scad", "mcp"}, default="mcp"
        Folded-concave penalty whose derivative re-weights stages after the
        first; ``"l1"`` fits one stage.
    n_stages : int, default=3
        Number of stages (1 = plain l1).
    gamma : float, default=None
        Concavity of SCAD (``> 2``, default 3.7) or MCP (``> 1``, default 3).
    covariance : "precomputed", default=None
        If "precomputed", ``X`` in ``fit`` is the covariance matrix
        (symmetric positive semidefinite) and ``location_`` is zero.
    tol : float, default=1e-6
        Duality-gap tolerance (in nats) of each stage: about 1e-5 relative
        accuracy of the precision.
    max_iter : int, default=1000
        Iterations per stage; a ``ConvergenceWarning`` when reached.
    assume_centered : bool, default=False
        If True the data are not centred (``location_`` is zero).
    verbose : bool, default=False
        Print each stage's iterations and duality gap.

    Attributes
    ----------
    location_ : ndarray of shape (n_features,)
        Estimated location (the mean, or zero).
    covariance_ : ndarray of shape (n_features, n_features)
        Estimated covariance, the inverse of ``precision_``.
    precision_ : ndarray of shape (n_features, n_features)
        Estimated precision: symmetric positive definite, off-diagonal <= 0
        (and row sums >= 0 for ``"diagonally_dominant"``) exactly.
    n_iter_ : int
        Projected-gradient iterations over all stages.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    mtp2_graphical_model : The solver function.
    MTP2GraphicalModelCV : ``alpha`` chosen by cross-validation.
    sklearn.covariance.GraphicalLasso : The unconstrained l1 estimator.

    References
    ----------
    .. [1] J. Ying, J. V. de M. Cardoso and D. P. Palomar, "Adaptive Estimation
       of Graphical Models under Total Positivity", ICML 2023.
    .. [2] S. Lauritzen, C. Uhler and P. Zwiernik, "Maximum likelihood
       estimation in Gaussian models under total positivity", Ann. Statist.
       47 (2019).

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.covariance import MTP2GraphicalModel
    >>> from lrsparse.datasets import make_mtp2_precision
    >>> precision, graph = make_mtp2_precision(9, graph="grid", random_state=0)
    >>> rng = np.random.default_rng(0)
    >>> X = rng.multivariate_normal(np.zeros(9), np.linalg.inv(precision), size=200)
    >>> model = MTP2GraphicalModel(alpha=0.05).fit(X)
    >>> bool((model.precision_[~np.eye(9, dtype=bool)] <= 0).all())
    True
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "constraint": [StrOptions(set(_CONSTRAINTS))],
        "penalty": [StrOptions(set(_PENALTIES))],
        "n_stages": [Interval(numbers.Integral, 1, None, closed="left")],
        "gamma": [Interval(numbers.Real, 1, None, closed="neither"), None],
        "covariance": [StrOptions({"precomputed"}), None],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "assume_centered": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(self, alpha=0.01, *, constraint="m_matrix", penalty="mcp", n_stages=3,
                 gamma=None, covariance=None, tol=1e-6, max_iter=1000,
                 assume_centered=False, verbose=False):
        super().__init__(assume_centered=assume_centered)
        self.alpha = alpha
        self.constraint = constraint
        self.penalty = penalty
        self.n_stages = n_stages
        self.gamma = gamma
        self.covariance = covariance
        self.tol = tol
        self.max_iter = max_iter
        self.verbose = verbose

    def _emp_cov(self, X):
        """Validate ``X``; return ``(emp_cov / scale**2, scale)`` and set ``location_``.

        The covariance is computed on ``X / scale`` (``scale`` the power of two
        nearest ``max|X|``) so that it can neither overflow nor underflow; the
        solver's results are scaled back exactly.
        """
        precomputed = self.covariance == "precomputed"
        X = validate_data(self, X)
        n_samples, n_features = X.shape
        if precomputed:
            scale = power_of_two(np.sqrt(data_scale(X, input_name="X")))
            S = _check_emp_cov(X / scale**2, input_name="X (a precomputed covariance)")
            self.location_ = np.zeros(n_features)
            return S, scale
        need = 2 if self.constraint == "m_matrix" else 1
        if n_samples < need:
            raise ValueError(
                f"{type(self).__name__}(constraint={self.constraint!r}) needs at least {need} "
                f"samples; got n_samples={n_samples}."
            )
        if n_samples == 1 and not self.assume_centered:
            raise ValueError(
                "With assume_centered=False one sample has zero variance in every feature "
                "(got n_samples=1): pass assume_centered=True (the diagonally dominant "
                "estimate exists from one centred sample) or more samples."
            )
        n_eff = n_samples if self.assume_centered else n_samples - 1
        if self.alpha == 0 and n_eff < need:
            raise ValueError(
                f"The MTP2 maximum likelihood estimate (alpha=0, {self.constraint!r}) "
                f"needs {need} sample(s) after centring; got {n_eff}. Use alpha > 0, "
                "more samples or assume_centered=True."
            )
        self.location_ = np.zeros(n_features) if self.assume_centered else X.mean(axis=0)
        S, scale = _scaled_covariance(X, self.assume_centered)
        return _check_emp_cov(S, input_name="the empirical covariance of X"), scale

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the MTP2 graphical model to ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data (or, with ``covariance="precomputed"``, the covariance
            matrix of shape (n_features, n_features)).
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        _check_gamma(self.penalty, self.gamma)
        S, scale = self._emp_cov(X)
        covariance, precision, self.n_iter_ = _mtp2_solve(
            S, _check_alpha(self.alpha / scale**2, S.shape[0]), constraint=self.constraint,
            penalty=self.penalty, n_stages=self.n_stages, gamma=self.gamma,
            precision_init=None, tol=self.tol, max_iter=self.max_iter,
            verbose=self.verbose, name=type(self).__name__,
        )
        self.covariance_ = covariance * scale**2
        self.precision_ = precision / scale**2
        return self
