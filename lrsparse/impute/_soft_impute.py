"""Soft-impute: nuclear-norm regularised matrix completion (Mazumder, Hastie & Tibshirani)."""

import numbers
import time

import numpy as np
from scipy.sparse.linalg import LinearOperator
from sklearn.utils import check_random_state

from ..utils._sklearn import Interval, StrOptions
from ..utils._solver import warn_not_converged
from ..utils.extmath import partial_svd, svd_above_threshold
from ._base import Observed, _BaseLowRankImputer, _row_pointers, shrink_factors

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
# Each outer iteration refines the warm-started subspace: one block iteration
# per partial SVD (a randomized SVD from the previous vectors) is enough; the
# outer iteration converges to the same point in as many iterations (tested
# against a full-SVD soft-impute; 2x faster than 3 block iterations).
_SVD_TOL = 1e-6
_SVD_MAX_ITER = 1


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


def _frobenius_change(L1, Vt1, L2, Vt2):
    """``||L1 Vt1 - L2 Vt2||_F^2`` and ``||L1 Vt1||_F^2`` from the factors (orthonormal Vt)."""
    n1 = float(np.sum(L1 * L1))
    n2 = float(np.sum(L2 * L2))
    cross = float(np.sum((L1.T @ L2) * (Vt1 @ Vt2.T))) if L1.size and L2.size else 0.0
    return max(n1 + n2 - 2.0 * cross, 0.0), n1


def soft_impute_iterations(obs, alpha, *, L=None, Vt=None, V_block=None, max_rank=None,
                           tol=1e-4, max_iter=100, rng=None, verbose=0):
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
        fitted = sampled_product(L, np.ascontiguousarray(Vt.T), rows, cols) if L.shape[1] \
            else np.zeros(rows.size)
        R = obs.csr(obs.values - fitted)
        op = _sparse_plus_low_rank(R, L, Vt)
        U, s, Vt_new, V_block = svd_above_threshold(
            op, alpha, n_start=L.shape[1] + 1, increment=5, V0=V_block, max_rank=max_rank,
            tol=_SVD_TOL, max_iter=_SVD_MAX_ITER, n_oversamples=3, random_state=rng,
        )
        L_new, s, Vt_new = shrink_factors(U, s, Vt_new, alpha)
        change, norm = _frobenius_change(L, Vt, L_new, Vt_new)
        L, Vt = L_new, Vt_new
        rel = change / norm if norm > 0.0 else (0.0 if change == 0.0 else np.inf)
        if verbose and it % 10 == 0:
            print(f"SoftImputer: alpha {alpha:.4g}, iteration {it:4d}, relative change "
                  f"{rel:.3e}, rank {s.size}, {time.perf_counter() - start:.2f} s")
        if rel <= tol:
            break
    return L, Vt, V_block, it, rel


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
        v = obs.values - mean
        count_r = np.bincount(obs.rows, minlength=n)
        count_c = np.bincount(obs.cols, minlength=d)
        for _ in range(_BIAS_SWEEPS):
            row_bias = np.bincount(obs.rows, v - column_bias[obs.cols],
                                   minlength=n) / (count_r + _BIAS_RIDGE)
            column_bias = np.bincount(obs.cols, v - row_bias[obs.rows],
                                      minlength=d) / (count_c + _BIAS_RIDGE)
    return mean, row_bias, column_bias


def _centred(obs, offsets):
    """``obs`` with the offsets removed from its values."""
    mean, row_bias, column_bias = offsets
    return obs._replace(values=obs.values - mean - row_bias[obs.rows]
                        - column_bias[obs.cols])


def _alpha_path(obs, *, center, max_rank, tol, max_iter, rng, verbose=0):
    """Held-out choice of alpha along a warm-started path (see :class:`SoftImputer`).

    Parameters
    ----------
    obs : Observed
        All observed entries (not centred).
    center : {"biases", "mean"} or None
        Offsets fitted on the training share.
    max_rank, tol, max_iter : int or None, float, int
        As in :func:`soft_impute_iterations`.
    rng : RandomState instance
        Seed of the held-out split and of the partial SVDs.
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
        ``(L, Vt, V_block)`` of the chosen alpha.
    """
    from .._kernels.sampled import sampled_product

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
    r_train = _centred(train, offsets)
    val = Observed(obs.rows[held], obs.cols[held], obs.values[held], obs.shape)
    target = _centred(val, offsets).values
    vr, vc = val.rows.astype(np.intp), val.cols.astype(np.intp)
    top = float(partial_svd(r_train.csr(), 1, n_oversamples=5, max_iter=30, tol=1e-6,
                            random_state=rng)[1][0])
    alphas, errors, states = [], [], []
    L = Vt = Vb = None
    for k in range(_N_ALPHAS):  # k = 0: Z = 0, the offsets-only model
        alpha = top * _ALPHA_RATIO**k
        L, Vt, Vb, _, _ = soft_impute_iterations(
            r_train, alpha, L=L, Vt=Vt, V_block=Vb, max_rank=max_rank, tol=tol,
            max_iter=max_iter, rng=rng,
        )
        pred = sampled_product(L, np.ascontiguousarray(Vt.T), vr, vc) if L.shape[1] \
            else np.zeros(vr.size)
        alphas.append(alpha)
        errors.append(float(np.sqrt(np.mean((pred - target) ** 2))))
        states.append((L, Vt, Vb))
        if verbose:
            print(f"SoftImputer: alpha {alpha:.4g}, held-out RMSE {errors[-1]:.4g}, "
                  f"rank {L.shape[1]}")
        if len(errors) > 1 and errors[-1] > errors[-2]:  # past the minimum
            break
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

    ``center="biases"`` (default) first removes the global mean and damped
    row and column means (the "user + item bias" model of recommender
    systems) and completes the residual, so the low-rank part does not have
    to spend rank and shrinkage on offsets.

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
        ``r`` in [1]_); ``None`` lets ``alpha`` decide.
    center : {"biases", "mean"} or None, default="biases"
        Offsets removed before the low-rank fit: global mean plus damped row
        and column means, the global mean only, or nothing.
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

    References
    ----------
    .. [1] R. Mazumder, T. Hastie and R. Tibshirani, "Spectral Regularization
       Algorithms for Learning Large Incomplete Matrices", JMLR 11, 2010.

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
        "center": [StrOptions({"biases", "mean"}), None],
        "tol": [Interval(numbers.Real, 0, np.inf, closed="neither")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
    }

    def __init__(self, alpha="auto", *, n_components=None, center="biases", tol=1e-6,
                 max_iter=100, missing_values=np.nan, random_state=None, verbose=0,
                 n_jobs=None):
        self.alpha = alpha
        self.n_components = n_components
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
        if self.alpha == "auto":
            alphas, errors, best, init = _alpha_path(
                sobs, center=self.center, max_rank=self.n_components, tol=self.tol,
                max_iter=self.max_iter, rng=rng, verbose=self.verbose)
            alpha = float(alphas[best])
        else:
            alphas, errors, init = np.zeros(0), np.zeros(0), (None, None, None)
            alpha = float(self.alpha) / scale
        offsets = _offsets(sobs, self.center)
        L, Vt, _, n_iter, change = soft_impute_iterations(
            _centred(sobs, offsets), alpha, L=init[0], Vt=init[1], V_block=init[2],
            max_rank=self.n_components, tol=self.tol, max_iter=self.max_iter, rng=rng,
            verbose=self.verbose,
        )
        if change > self.tol:
            warn_not_converged("SoftImputer", n_iter, change, self.tol,
                               what="relative squared change")
        with np.errstate(over="ignore"):  # the base checks the factors
            s = np.linalg.norm(L, axis=0) * scale
            L = L * scale
        self.mean_ = offsets[0] * scale
        self.row_bias_ = offsets[1] * scale
        self.column_bias_ = offsets[2] * scale
        self.alpha_ = alpha * scale
        self.alpha_path_ = alphas * scale
        self.validation_errors_ = errors * scale
        self.n_iter_ = n_iter
        self.row_factors_ = np.ascontiguousarray(L)
        self.components_ = np.ascontiguousarray(Vt)
        self.singular_values_ = s
        self.rank_ = int(Vt.shape[0])
        self._set_residual_variance(obs, self.predict_entries(obs.rows, obs.cols))

    # ---------------------------------------------------------- offsets
    def _row_offset_train(self):
        return self.mean_ + self.row_bias_

    def _new_row_offset(self, obs):
        if self.center != "biases":
            return np.full(obs.shape[0], self.mean_)
        v = obs.values - self.mean_ - self.column_bias_[obs.cols]
        n = obs.shape[0]
        count = np.bincount(obs.rows, minlength=n)
        return self.mean_ + np.bincount(obs.rows, v, minlength=n) / (count + _BIAS_RIDGE)

    def _pre(self, values, rows, cols, row_offset):
        return values - row_offset - self.column_bias_[cols]

    def _post(self, Z, rows, cols, row_offset):
        if rows is None:  # a full block of rows
            return Z + row_offset[:, None] + self.column_bias_[None, :]
        return Z + row_offset + self.column_bias_[cols]
