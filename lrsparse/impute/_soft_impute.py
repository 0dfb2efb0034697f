"""Soft-impute: nuclear-norm regularised matrix completion (Mazumder, Hastie & Tibshirani)."""

import numbers
import time
from typing import NamedTuple

import numpy as np
from scipy.sparse.linalg import LinearOperator
from sklearn.utils import check_random_state

from ..utils._sklearn import Interval, StrOptions
from ..utils._solver import warn_not_converged
from ..utils.extmath import partial_svd, svd_above_threshold
from ._base import _BaseLowRankImputer, balanced_svd, factor_change, shrink_factors, svd_form
from ._observed import Observed, _row_pointers

__all__ = ["SoftImputer"]

# Damping of the row / column bias estimates (the "user + item bias" baseline
# of recommender systems): a bias from k observations is shrunk by k / (k + 10).
_BIAS_RIDGE = 10.0
_BIAS_SWEEPS = 5
# alpha="auto": share of the observed entries held out, path length and ratio.
_VALIDATION_SHARE = 0.1
_N_ALPHAS = 20
_ALPHA_RATIO = 0.7
_ALPHA_SLACK = 0.002
# The path's fits only rank the alphas: a looser tolerance than the final
# refit's (MovieLens-like ratings: same choice of alpha, 3x faster).
_PATH_TOL = 1e-4
# ... and at most this many iterations each: the warm start carries the
# progress along the path, the final refit converges (20k x 20k at 0.5%
# observed, ALS: the uncapped path took 436 s, most of it on alphas far from
# the chosen one).
_PATH_MAX_ITER = 10
# Each outer iteration refines the warm-started subspace: one block iteration
# per partial SVD (a randomized SVD from the previous vectors) is enough; the
# outer iteration converges to the same point in as many iterations (tested
# against a full-SVD soft-impute; 2x faster than 3 block iterations).
_SVD_TOL = 1e-6
_SVD_MAX_ITER = 1
# The cold start only has to find the values above alpha (1%: the warm
# iterations refine them); converging it to _SVD_TOL cost 0.4 s of 0.8 s.
_SVD_COLD_MAX_ITER = 30
_SVD_COLD_TOL = 1e-2
# ALS: a column whose |a||b| is below this share of the largest is unused
# (the ridge drives components below alpha to zero).
_ALS_IDLE = 1e-6
# ALS widens (by 5 columns) only while every column holds a singular value
# above this share of alpha (unused ones decay to 0 from ~1e-4 alpha).
_ALS_GROW = 1e-2
# ... and stops when the residual's top singular value is within this share
# of alpha (the optimality condition of soft-impute).
_ALS_KKT_SLACK = 1e-3
# solver="auto": ALS below this observed fraction (the SVD iteration's refill
# of the unobserved entries slows down in proportion to the fraction).
_AUTO_ALS_FRACTION = 0.05


def _sparse_plus_low_rank(R, L, Vt):
    """``R + L @ Vt`` as a LinearOperator (``R`` sparse, ``L @ Vt`` low-rank), never formed."""

    def matmat(B):
        B = B.reshape(B.shape[0], -1)
        return R @ B + L @ (Vt @ B)

    def rmatmat(C):
        C = C.reshape(C.shape[0], -1)
        return R.T @ C + Vt.T @ (L.T @ C)

    return LinearOperator(R.shape, matvec=matmat, rmatvec=rmatmat, matmat=matmat,
                          rmatmat=rmatmat, dtype=np.float64)


def soft_impute_iterations(obs, alpha, *, L=None, Vt=None, V_block=None, max_rank=None,
                           biases=None, tol=1e-4, max_iter=100, rng=None, verbose=0):
    """Soft-impute on the observed entries ``obs`` at one ``alpha``, warm-started.

    Iterates ``Z <- S_alpha(P(X) + P_perp(Z))`` (``S_alpha`` soft-thresholds
    the singular values, :func:`lrsparse._kernels.prox.svd_shrink`) with
    ``Z = L @ Vt`` in factored form: the matrix to threshold is the sparse
    residual on the observed set plus ``Z``, applied as an operator inside
    :func:`lrsparse.utils.extmath.svd_above_threshold`.  Stops when
    ``||Z_new - Z||_F^2 <= tol ||Z||_F^2`` (Mazumder et al.).

    Parameters
    ----------
    obs : Observed
        The observed entries (values already centred, if at all).
    alpha : float >= 0
        Nuclear-norm weight (``lambda`` in Mazumder et al.), in the units of
        ``obs.values``.
    L, Vt : ndarray of shape (n, k) and (k, d), default=None
        Warm start ``Z = L @ Vt`` (``Vt`` with orthonormal rows); zero by default.
    V_block : ndarray of shape (d, b), default=None
        Right vectors of the previous partial SVD (its warm start).
    max_rank : int, default=None
        Cap on the rank of ``Z``.
    biases : tuple of two ndarrays, default=None
        ``(row_bias, column_bias)`` fitted jointly with ``Z`` (updated in
        place): each iteration first minimises the objective over them
        (:func:`_update_biases`), then takes the soft-impute step on the
        values minus the biases.  None: no biases.
    tol : float, default=1e-4
        Relative tolerance on the squared change.
    max_iter : int, default=100
        Maximum number of iterations.
    rng : int, RandomState instance or None, default=None
        Seed of the partial SVDs.
    verbose : int, default=0
        Print progress every 10 iterations.

    Returns
    -------
    L : ndarray of shape (n, r)
        ``U diag(s)`` of the solution ``Z = L @ Vt``.
    Vt : ndarray of shape (r, d)
        Orthonormal right singular vectors.
    V_block : ndarray of shape (d, b)
        Warm start of a next call.
    n_iter : int
        Iterations run.
    change : float
        Last relative change ``||Z_new - Z||_F^2 / ||Z||_F^2`` (0 when both
        are zero); converged when ``change <= tol``.
    """
    from .._kernels.sampled import sampled_product

    n, d = obs.shape
    rows, cols = obs.rows.astype(np.intp), obs.cols.astype(np.intp)
    if L is None:
        L, Vt = np.zeros((n, 0)), np.zeros((0, d))
    start = time.perf_counter()
    it = 0
    rel = np.inf
    for it in range(1, max_iter + 1):
        fitted = sampled_product(np.ascontiguousarray(L), np.ascontiguousarray(Vt.T), rows,
                                 cols) if L.shape[1] \
            else np.zeros(rows.size)
        if biases is not None:
            _update_biases(obs, fitted, *biases)
            fitted += biases[0][obs.rows] + biases[1][obs.cols]
        R = obs.csr(obs.values - fitted)
        op = _sparse_plus_low_rank(R, L, Vt)
        # One block iteration refines a warm subspace; from a cold start (no
        # vectors yet) it underestimates the top values and would return Z = 0
        # as "converged": converge that first partial SVD.
        cold = V_block is None
        U, s, Vt_new, V_block = svd_above_threshold(
            op, alpha, n_start=L.shape[1] + 1, increment=5, V0=V_block, max_rank=max_rank,
            tol=_SVD_COLD_TOL if cold else _SVD_TOL,
            max_iter=_SVD_COLD_MAX_ITER if cold else _SVD_MAX_ITER,
            n_oversamples=3, random_state=rng,
        )
        L_new, s, Vt_new = shrink_factors(U, s, Vt_new, alpha)
        change, norm = factor_change(L, Vt.T, L_new, Vt_new.T)
        L, Vt = L_new, Vt_new
        rel = change / norm if norm > 0.0 else (0.0 if change == 0.0 else np.inf)
        if verbose and it % 10 == 0:
            print(f"SoftImputer: alpha {alpha:.4g}, iteration {it:4d}, relative change "
                  f"{rel:.3e}, rank {s.size}, {time.perf_counter() - start:.2f} s")
        if rel <= tol:
            break
    return L, Vt, V_block, it, rel


def soft_impute_als(obs, alpha, *, A=None, B=None, n_components=None, max_rank=None,
                    biases=None, tol=1e-4, max_iter=100, rng=None, verbose=0):
    """Soft-impute's objective by alternating ridge regressions, warm-started.

    Minimises ``1/2 sum_observed (X_ij - (A B^T)_ij)^2 + alpha/2 (||A||_F^2 +
    ||B||_F^2)``, whose minimum over factors of ``k`` columns is the
    soft-impute solution ``Z = A B^T`` whenever ``k`` is at least the rank
    of that solution (Hastie, Mazumder, Lee & Zadeh, 2015, Theorem 1).  Each
    half-step solves every row's ridge regression on its observed entries
    exactly (:func:`lrsparse._kernels.sampled.ridge_fold_in`, the kernel of
    the imputers' ``transform``), so the iteration needs no refill of the
    unobserved entries and its rate does not degrade with the observed
    fraction; cost O(n_observed k^2 + (n + d) k^3) per iteration.

    With ``biases``, the row (column) biases are extra coordinates of the
    row (column) regressions against a constant column, with the ridge
    ``_BIAS_RIDGE``: the joint objective of :func:`soft_impute_iterations`.

    When ``n_components`` is None the width starts at the warm start's
    directions in use (singular value above 1% of ``alpha``) plus 5 and grows
    by 5 (small random columns) while every column is in use at
    convergence, up to ``max_rank``.

    Parameters
    ----------
    obs : Observed
        The observed entries (values minus the global mean, if any).
    alpha : float > 0
        Ridge weight, equal to the nuclear-norm weight of soft-impute.
    A, B : ndarray of shape (n, k) and (d, k), default=None
        Warm start ``Z = A @ B.T``; zero by default.
    n_components : int, default=None
        Fixed width ``k``; None: adaptive (above).
    max_rank : int, default=None
        Cap on the adaptive width.
    biases : tuple of two ndarrays, default=None
        ``(row_bias, column_bias)`` fitted jointly (updated in place).
    tol : float, default=1e-4
        Stop when ``||Z_new - Z||_F^2 <= tol ||Z||_F^2``.
    max_iter : int, default=100
        Maximum number of iterations (pairs of half-steps), in total.
    rng : RandomState instance, default=None
        Seed of the new columns.
    verbose : int, default=0
        Print progress every 10 iterations.

    Returns
    -------
    A : ndarray of shape (n, k)
    B : ndarray of shape (d, k)
        The solution ``Z = A @ B.T`` (balanced: ``A^T A = B^T B`` at the optimum).
    n_iter : int
        Iterations run.
    change : float
        Last relative squared change (converged when ``<= tol``).
    """
    from .._kernels.sampled import ridge_fold_in, sampled_product

    rng = check_random_state(rng)
    n, d = obs.shape
    alpha = max(float(alpha), 1e-12)  # every ridge system solvable
    cap = min(n, d) if max_rank is None else min(max_rank, n, d)
    if A is None or A.shape[1] == 0:
        A, B = np.zeros((n, 0)), np.zeros((d, 0))
    elif n_components is None:  # the warm start's directions in use, plus 5 new
        A, B = _in_use(A, B, alpha)
    k = n_components if n_components is not None else min(A.shape[1] + 5, cap)
    csr = obs.csr()
    csc = csr.tocsc()
    csc_rows = csc.indices
    row_order = (csr.indptr, csr.indices)
    col_order = (csc.indptr, csc_rows)
    with_bias = biases is not None

    def ridges(k):  # alpha on the k factor columns, _BIAS_RIDGE on the bias column
        return np.append(np.full(k, alpha), [_BIAS_RIDGE] if with_bias else [])

    ridge = ridges(k)
    no_weights = np.empty(0)
    scale0 = np.sqrt(alpha) * 1e-2

    def widen(F, k):
        # new columns of norm ~ scale0: singular values ~1e-4 alpha, far below
        # any component the data support (which grow to sigma - alpha)
        extra = k - F.shape[1]
        if extra <= 0:
            return np.ascontiguousarray(F[:, :k])
        new = rng.standard_normal((F.shape[0], extra)) * (scale0 / np.sqrt(F.shape[0]))
        return np.hstack([F, new])

    A, B = widen(A, k), widen(B, k)
    start = time.perf_counter()
    rel = np.inf
    it = 0
    while True:
        for _ in range(max_iter - it):
            it += 1
            A_old, B_old = A, B
            if with_bias:
                row_bias, column_bias = biases
                target = csr.data - column_bias[csr.indices]
                C = ridge_fold_in(*row_order, target, np.hstack([B, np.ones((d, 1))]), ridge,
                                  no_weights)
                A, row_bias[:] = np.ascontiguousarray(C[:, :k]), C[:, k]
                target = csc.data - row_bias[csc_rows]
                C = ridge_fold_in(*col_order, target, np.hstack([A, np.ones((n, 1))]), ridge,
                                  no_weights)
                B, column_bias[:] = np.ascontiguousarray(C[:, :k]), C[:, k]
            else:
                A = ridge_fold_in(*row_order, csr.data, B, ridge, no_weights)
                B = ridge_fold_in(*col_order, csc.data, A, ridge, no_weights)
            change, norm = factor_change(A_old, B_old, A, B)
            rel = change / norm if norm > 0.0 else (0.0 if change == 0.0 else np.inf)
            if verbose and it % 10 == 0:
                print(f"SoftImputer (ALS): alpha {alpha:.4g}, iteration {it:4d}, relative "
                      f"change {rel:.3e}, width {k}, {time.perf_counter() - start:.2f} s")
            if rel <= tol:
                break
        if n_components is not None or rel > tol or k >= cap or it >= max_iter:
            break
        # Optimality of soft-impute: ||P(X - Z)||_2 <= alpha.  Zero columns are
        # a saddle of the factored problem that ALS leaves only slowly (at rate
        # sigma / alpha); a residual direction above alpha is added at once.
        fitted = sampled_product(A, B, obs.rows, obs.cols)
        if with_bias:
            fitted += biases[0][obs.rows] + biases[1][obs.cols]
        u, top, vt, _ = partial_svd(obs.csr(obs.values - fitted), 1, n_oversamples=5,
                                    max_iter=30, tol=1e-6, random_state=rng)
        if top[0] <= alpha * (1.0 + _ALS_KKT_SLACK):
            break
        A, B = _in_use(A, B, alpha)
        root = np.sqrt(top[0] - alpha)
        A = np.ascontiguousarray(np.hstack([A, u * root]))
        B = np.ascontiguousarray(np.hstack([B, vt.T * root]))
        k = min(A.shape[1] + 4, cap)
        ridge = ridges(k)
        A, B = widen(A, k), widen(B, k)
        rel = np.inf
    return A, B, it, rel


def _in_use(A, B, alpha):
    """The balanced SVD form of ``A B^T`` cut to its directions above ``_ALS_GROW * alpha``."""
    A, B, s = balanced_svd(A, B)
    used = int(np.sum(s > _ALS_GROW * alpha))
    return np.ascontiguousarray(A[:, :used]), np.ascontiguousarray(B[:, :used])


def _offsets(obs, center):
    """``(mean, row_bias, column_bias)`` of the observed entries for ``center``.

    ``"biases"``: global mean plus row and column means damped by ``k / (k +
    10)`` (``k`` observations), alternated a few sweeps; ``"mean"``: the
    global mean; ``None``: zeros.
    """
    n, d = obs.shape
    row_bias, column_bias = np.zeros(n), np.zeros(d)
    mean = float(obs.values.mean()) if center is not None else 0.0
    if center == "biases":
        _update_biases(obs._replace(values=obs.values - mean), 0.0, row_bias, column_bias,
                       sweeps=_BIAS_SWEEPS)
    return mean, row_bias, column_bias


def _update_biases(obs, fitted, row_bias, column_bias, sweeps=1):
    """Minimise the objective over the biases given the low-rank part (in place).

    Exact block minimisation over the row biases, then over the column
    biases, of ``1/2 sum (x - fitted - b_i - c_j)^2 + _BIAS_RIDGE/2 (||b||^2
    + ||c||^2)``: a bias is the mean residual of its row (column) damped by
    ``k / (k + _BIAS_RIDGE)``.  ``fitted`` is the low-rank part on the
    observed entries (``obs`` values already minus the global mean).
    """
    n, d = obs.shape
    v = obs.values - fitted
    count_r = np.bincount(obs.rows, minlength=n)
    count_c = np.bincount(obs.cols, minlength=d)
    for _ in range(sweeps):
        row_bias[:] = np.bincount(obs.rows, v - column_bias[obs.cols],
                                  minlength=n) / (count_r + _BIAS_RIDGE)
        column_bias[:] = np.bincount(obs.cols, v - row_bias[obs.rows],
                                     minlength=d) / (count_c + _BIAS_RIDGE)


def _centred(obs, offsets):
    """``obs`` with the offsets removed from its values."""
    mean, row_bias, column_bias = offsets
    return obs._replace(values=obs.values - mean - row_bias[obs.rows]
                        - column_bias[obs.cols])


class _Solution(NamedTuple):
    """A warm-startable soft-impute solution: ``Z = left @ right.T`` plus solver state."""

    left: np.ndarray  # (n, k)
    right: np.ndarray  # (d, k)
    V_block: np.ndarray = None  # the SVD solver's partial-SVD warm start
    n_iter: int = 0
    change: float = 0.0

    def entries(self, rows, cols):
        from .._kernels.sampled import sampled_product

        if self.left.shape[1] == 0:
            return np.zeros(rows.size)
        return sampled_product(self.left, self.right, rows, cols)


def _solve(solver, obs, alpha, warm, *, biases, max_rank, tol, max_iter, rng, verbose=0):
    """One soft-impute fit at ``alpha`` with ``solver``, warm-started from ``warm``."""
    if solver == "als":
        A = B = None
        if warm is not None and warm.left.shape[1]:
            A, B = warm.left, warm.right
        A, B, n_iter, change = soft_impute_als(
            obs, alpha, A=A, B=B, n_components=max_rank, max_rank=max_rank, biases=biases,
            tol=tol, max_iter=max_iter, rng=rng, verbose=verbose)
        return _Solution(A, B, None, n_iter, change)
    L = Vt = None
    Vb = None if warm is None else warm.V_block
    if warm is not None and warm.left.shape[1]:
        L, Vt, _ = svd_form(warm.left, warm.right)
    L, Vt, Vb, n_iter, change = soft_impute_iterations(
        obs, alpha, L=L, Vt=Vt, V_block=Vb, max_rank=max_rank, biases=biases, tol=tol,
        max_iter=max_iter, rng=rng, verbose=verbose)
    return _Solution(L, np.ascontiguousarray(Vt.T), Vb, n_iter, change)


def _choose_solver(solver, obs):
    """``"als"`` below ``_AUTO_ALS_FRACTION`` observed entries, else ``"svd"``."""
    if solver != "auto":
        return solver
    n, d = obs.shape
    return "als" if obs.values.size < _AUTO_ALS_FRACTION * n * d else "svd"


def _alpha_path(obs, *, center, solver, max_rank, tol, max_iter, rng, verbose=0):
    """Held-out choice of alpha along a warm-started path (see :class:`SoftImputer`).

    Parameters
    ----------
    obs : Observed
        All observed entries (not centred).
    center : {"biases", "mean"} or None
        Offsets: the global mean of the training share, and with "biases"
        row and column biases fitted jointly along the path.
    solver : {"svd", "als"}
        The solver of every fit on the path.
    max_rank, tol, max_iter : int or None, float, int
        As in :func:`soft_impute_iterations`.
    rng : RandomState instance
        Seed of the held-out split and of the solvers.
    verbose : int, default=0
        Print the held-out error of each alpha.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The path, from the largest singular value of the centred training
        entries down by factors of 0.7.
    errors : ndarray of shape (n_alphas,)
        Held-out RMSE along the path.
    best : int
        Index of the chosen alpha.
    warm_start : tuple
        ``(solution, biases)`` at the chosen alpha.
    """
    m = obs.values.size
    n_val = int(round(_VALIDATION_SHARE * m))
    if n_val < 1 or m - n_val < 2:
        raise ValueError(
            f"alpha='auto' needs at least {int(np.ceil(2 / (1 - _VALIDATION_SHARE)))} "
            f"observed entries to hold some out; got {m}. Pass a number as alpha."
        )
    held = np.zeros(m, dtype=bool)
    held[rng.choice(m, n_val, replace=False)] = True
    train = Observed(obs.rows[~held], obs.cols[~held], obs.values[~held], obs.shape)
    train = train._replace(indptr=_row_pointers(train))
    offsets = _offsets(train, center)
    biases = (offsets[1], offsets[2]) if center == "biases" else None
    r_train = train._replace(values=train.values - offsets[0])
    val = Observed(obs.rows[held], obs.cols[held], obs.values[held], obs.shape)
    vr, vc = val.rows.astype(np.intp), val.cols.astype(np.intp)
    top = float(partial_svd(_centred(train, offsets).csr(), 1, n_oversamples=5, max_iter=30,
                            tol=1e-6, random_state=rng)[1][0])
    alphas, errors, states = [], [], []

    def evaluate(alpha, warm):
        bias_start = None if biases is None else (warm[1][0].copy(), warm[1][1].copy())
        sol = _solve(solver, r_train, alpha, warm[0], biases=bias_start, max_rank=max_rank,
                     tol=max(tol, _PATH_TOL), max_iter=min(max_iter, _PATH_MAX_ITER), rng=rng)
        pred = sol.entries(vr, vc) + offsets[0]
        if bias_start is not None:
            pred += bias_start[0][vr] + bias_start[1][vc]
        alphas.append(alpha)
        errors.append(float(np.sqrt(np.mean((pred - val.values) ** 2))))
        states.append((sol, bias_start))
        if verbose:
            print(f"SoftImputer: alpha {alpha:.4g}, held-out RMSE {errors[-1]:.4g}, "
                  f"rank {sol.left.shape[1]}")

    for k in range(_N_ALPHAS):  # k = 0: Z = 0, the offsets-only model
        evaluate(top * _ALPHA_RATIO**k, states[-1] if states else (None, biases))
        if len(errors) > 1 and errors[-1] > errors[-2]:  # past the minimum
            break
    # Refine around the best: the geometric midpoints with its neighbours.
    best = int(np.argmin(errors))
    for side in (-0.5, 0.5):
        if 0 <= best + 2 * side < len(errors):
            evaluate(alphas[best] * _ALPHA_RATIO**side, states[best])
    order = np.argsort(alphas)[::-1]  # the path in decreasing alpha
    alphas = [alphas[i] for i in order]
    errors = [errors[i] for i in order]
    states = [states[i] for i in order]
    errors = np.asarray(errors)
    # The largest alpha (lowest rank) within _ALPHA_SLACK of the best
    # held-out error: as accurate, cheaper and less noisy to refit.
    best = int(np.flatnonzero(errors <= errors.min() * (1 + _ALPHA_SLACK))[0])
    return np.asarray(alphas), errors, best, states[best]


class SoftImputer(_BaseLowRankImputer):
    """Matrix completion by soft-impute: nuclear-norm regularised least squares.

    Mazumder, Hastie & Tibshirani's soft-impute solves

        minimise 1/2 sum_observed (X_ij - Z_ij)^2 + alpha ||Z||_*

    by iterating ``Z <- S_alpha(P(X) + P_perp(Z))``, where ``S_alpha``
    soft-thresholds the singular values.  The matrix to threshold is
    "sparse + low-rank" (the residual on the observed entries plus the
    current ``Z``), so each partial SVD applies it as an operator: memory is
    O(n_observed + (n_samples + n_features) rank) and a sparse input is
    never densified.  This is the method users of the unmaintained
    ``fancyimpute.SoftImpute`` relied on, with the same fixed point.

    ``center="biases"`` (default) fits the "user + item bias" model of
    recommender systems jointly with the low-rank part:

        minimise 1/2 sum_observed (X_ij - mu - b_i - c_j - Z_ij)^2 + alpha ||Z||_*
                 + 10/2 (||b||^2 + ||c||^2)

    (``mu`` the mean of the observed values; each solver step also
    minimises over the biases), so the low-rank part does not spend rank and
    shrinkage on offsets, and the offsets are not estimated as if there were
    no interactions.  ``solver="als"`` (Hastie, Mazumder, Lee & Zadeh)
    reaches the same fixed point by alternating ridge regressions, at a rate
    that does not degrade at 0.1-1% observed entries; ``solver="auto"``
    picks it below 5%.

    ``alpha="auto"`` chooses the shrinkage from the data: 10% of the observed
    entries are held out, soft-impute runs along a warm-started path of
    decreasing alphas (from the largest singular value of the observed
    residual, where the solution is 0, by factors of 0.7) until the held-out
    error rises; the largest alpha whose held-out error is within 0.2% of
    the smallest is kept (``alpha_``: the lowest rank among the equally good)
    and the model is refitted on all entries from that solution.  The path
    and its errors are in ``alpha_path_`` and ``validation_errors_``.

    **Scale.**  The solver works on ``X / max|X|`` and multiplies the
    results back.  ``alpha="auto"`` is relative to the data (its path starts
    at the largest singular value of the observed residual): the completion
    of ``c X`` is ``c`` times that of ``X``, with the same iterations, for
    any ``c`` float64 can carry.  A numeric ``alpha`` is in the units of
    ``X`` (it is subtracted from singular values): multiply it by ``c`` when
    the data are multiplied by ``c``.

    Read more in the :ref:`User Guide <completion>`.

    Parameters
    ----------
    alpha : "auto" or float >= 0, default="auto"
        Nuclear-norm weight (``lambda`` in [1]_), in the units of ``X``.
        "auto": chosen on held-out entries (above).
    n_components : int >= 1, default=None
        Maximum rank of the completion (``max_rank`` of fancyimpute,
        ``r`` in [1]_); ``None`` lets ``alpha`` decide.  With
        ``solver="als"`` it is the width of the factors (at least the rank
        of the solution for soft-impute's fixed point).
    solver : {"auto", "svd", "als"}, default="auto"
        "svd": the soft-impute iteration of [1]_ with a warm-started partial
        SVD per step, O(n_observed rank) per step.  "als": the same
        objective and fixed point by alternating ridge regressions (every
        row's, then every column's, exact on its observed entries; [2]_),
        O(n_observed rank^2 + (n_samples + n_features) rank^3) per step, whose
        rate does not degrade with the observed fraction (the SVD
        iteration's refill of the unobserved entries converges at a rate
        close to the observed fraction).  "auto": "als" below 5% observed
        entries, else "svd".
    center : {"biases", "mean"} or None, default="biases"
        Offsets: the global mean plus row and column biases fitted jointly
        with the low-rank part (ridge 10 on the biases, in units of
        observations: a bias from ``k`` observations is shrunk by ``k / (k +
        10)``), the global mean only, or nothing.
    tol : float > 0, default=1e-6
        Stop when ``||Z_new - Z||_F^2 <= tol ||Z||_F^2`` (``epsilon`` of
        Mazumder et al.'s rule; 1e-6 on the squared change is fancyimpute's
        1e-3 on the change itself).
    max_iter : int >= 1, default=100
        Maximum number of iterations per alpha.
    missing_values : float or np.nan, default=np.nan
        Marker of the missing entries in dense input (sparse input: unstored
        entries are missing).
    random_state : int, RandomState instance or None, default=None
        Seed of the held-out split and of the partial SVDs.
    verbose : int, default=0
        Print progress every 10 iterations.
    n_jobs : int, default=None
        Threads of the numba kernels.  ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; ``-1`` means all CPUs.

    Attributes
    ----------
    row_factors_ : ndarray of shape (n_samples, `rank_`)
        The low-rank part is ``row_factors_ @ components_``; the completion
        adds ``mean_ + row_bias_[i] + column_bias_[j]``.
    components_ : ndarray of shape (`rank_`, n_features)
        Orthonormal right singular vectors of the low-rank part.
    singular_values_ : ndarray of shape (`rank_`,)
        Its singular values (already shrunk by ``alpha_``).
    rank_ : int
        Rank of the low-rank part.
    alpha_ : float
        The shrinkage used, in the units of ``X``.
    alpha_path_ : ndarray of shape (n_alphas,)
        Alphas tried when ``alpha="auto"`` (empty otherwise).
    validation_errors_ : ndarray of shape (n_alphas,)
        Held-out RMSE along ``alpha_path_``.
    mean_ : float
        Global offset (0 when ``center=None``).
    row_bias_ : ndarray of shape (n_samples,)
        Row offsets of the training rows (zeros unless ``center="biases"``).
    column_bias_ : ndarray of shape (n_features,)
        Column offsets.
    n_iter_ : int
        Iterations of the final fit (a ``ConvergenceWarning`` is issued when
        it reaches ``max_iter`` before ``tol``).
    fill_value_ : float
        Mean of the observed values; fills rows and columns without any
        observation.
    n_observed_ : int
        Number of observed entries in ``fit``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    SVTImputer : Exact low-rank completion by singular value thresholding.
    ScaledGDImputer : Factored completion for large, very sparse matrices.

    References
    ----------
    .. [1] R. Mazumder, T. Hastie and R. Tibshirani, "Spectral Regularization
       Algorithms for Learning Large Incomplete Matrices", JMLR 11, 2010.
    .. [2] T. Hastie, R. Mazumder, J. D. Lee and R. Zadeh, "Matrix Completion
       and Low-Rank SVD via Fast Alternating Least Squares", JMLR 16, 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.datasets import make_low_rank_matrix_with_missing
    >>> from lrsparse.impute import SoftImputer
    >>> from lrsparse.metrics import relative_error
    >>> X, X_true = make_low_rank_matrix_with_missing(
    ...     200, 150, rank=4, observed_fraction=0.3, noise=0.1, random_state=0)
    >>> X_hat = SoftImputer(random_state=0).fit_transform(X)
    >>> bool(relative_error(X_true, X_hat, mask=np.isnan(X)) < 0.15)
    True
    >>> mean_fill = np.where(np.isnan(X), np.nanmean(X), X)
    >>> bool(relative_error(X_true, mean_fill, mask=np.isnan(X)) > 0.9)
    True
    """

    _parameter_constraints = {
        **_BaseLowRankImputer._parameter_constraints,
        "alpha": [StrOptions({"auto"}), Interval(numbers.Real, 0, np.inf, closed="left")],
        "n_components": [None, Interval(numbers.Integral, 1, None, closed="left")],
        "solver": [StrOptions({"auto", "svd", "als"})],
        "center": [StrOptions({"biases", "mean"}), None],
        "tol": [Interval(numbers.Real, 0, np.inf, closed="neither")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
    }

    def __init__(self, alpha="auto", *, n_components=None, solver="auto", center="biases",
                 tol=1e-6, max_iter=100, missing_values=np.nan, random_state=None, verbose=0,
                 n_jobs=None):
        self.alpha = alpha
        self.n_components = n_components
        self.solver = solver
        self.center = center
        self.tol = tol
        self.max_iter = max_iter
        self.missing_values = missing_values
        self.random_state = random_state
        self.verbose = verbose
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ fit
    def _fit(self, obs, sobs):
        rng = check_random_state(self.random_state)
        scale = self._scale
        solver = _choose_solver(self.solver, sobs)
        kw = dict(max_rank=self.n_components, tol=self.tol, max_iter=self.max_iter, rng=rng)
        if self.alpha == "auto":
            alphas, errors, best, (warm, biases) = _alpha_path(
                sobs, center=self.center, solver=solver, verbose=self.verbose, **kw)
            alpha = float(alphas[best])
        else:
            alphas, errors, warm, biases = np.zeros(0), np.zeros(0), None, None
            alpha = float(self.alpha) / scale
        offsets = _offsets(sobs, self.center)
        if self.center == "biases":
            if biases is not None:  # the path's, fitted on 90% of the entries
                offsets = (offsets[0], *biases)
            biases = offsets[1:]
        sol = _solve(solver, sobs._replace(values=sobs.values - offsets[0]), alpha, warm,
                     biases=biases, verbose=self.verbose, **kw)
        if sol.change > self.tol:
            warn_not_converged("SoftImputer", sol.n_iter, sol.change, self.tol,
                               what="relative squared change")
        if solver == "als":
            L, Vt, _ = svd_form(sol.left, sol.right, _ALS_IDLE)
        else:
            L, Vt = sol.left, sol.right.T
        with np.errstate(over="ignore"):  # the base checks the factors
            s = np.linalg.norm(L, axis=0) * scale
            L = L * scale
        self.solver_ = solver
        self.mean_ = offsets[0] * scale
        self.row_bias_ = offsets[1] * scale
        self.column_bias_ = offsets[2] * scale
        self.alpha_ = alpha * scale
        self.alpha_path_ = alphas * scale
        self.validation_errors_ = errors * scale
        self.n_iter_ = sol.n_iter
        self.row_factors_ = np.ascontiguousarray(L)
        self.components_ = np.ascontiguousarray(Vt)
        self.singular_values_ = s
        self.rank_ = int(self.components_.shape[0])
        self._set_residual_variance(obs, self.predict_entries(obs.rows, obs.cols))

    # ---------------------------------------------------------- offsets
    def _row_offset_train(self):
        return self.mean_ + self.row_bias_

    def _new_row_offset(self, obs):
        # The mean; with biases, each new row's bias is solved jointly with its
        # coordinates in the fold-in (the row step of the joint objective).
        return np.full(obs.shape[0], self.mean_)

    def _fold_in_bias_ridge(self):
        return _BIAS_RIDGE if self.center == "biases" else None

    def _pre(self, values, rows, cols, row_offset):
        return values - row_offset - self.column_bias_[cols]

    def _post(self, Z, rows, cols, row_offset):
        if rows is None:  # a full block of rows
            return Z + row_offset[:, None] + self.column_bias_[None, :]
        return Z + row_offset + self.column_bias_[cols]
