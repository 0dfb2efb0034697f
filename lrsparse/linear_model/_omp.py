"""Loss-based weighted orthogonal matching pursuit (WOMP).

Mohammad-Taheri & Brugiapaglia, "The greedy side of the LASSO: New algorithms
for weighted sparse recovery via loss function-based orthogonal matching
pursuit" (arXiv 2303.00844).  With unit-norm columns ``A``, weights ``w`` and
``G(z) = L(A z - y) + lam * P_w(z)`` (``L`` the squared, root-squared or
absolute loss; ``P_w`` the weighted l0 ``sum_{z_j != 0} w_j^2`` or l1
``sum_j w_j |z_j|``), each iteration adds the index whose one-coordinate move
lowers ``G`` most, ``Delta_j = G(z) - min_t G(z + t e_j)``, and refits on the
support (least squares, or least absolute deviations for the LAD loss).

The six closed forms of ``Delta_j`` are those of
``../shared/notes/graphical_omp.md`` section 2.3, derived from the losses and
checked against brute-force minimisation; the square-root-l1 rule has the
activation condition ``|c_j| > lam w_j ||r||`` that the authors' public code
lacks (it differs from brute force without it).
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from ..utils._sklearn import Interval, StrOptions, _fit_context, validate_data
from ._base import (
    LinearPredictMixin,
    check_loss,
    check_nonnegative,
    check_weights,
    check_Xy,
    column_stats,
    scales,
)
from ._lasso import _lad_ipm

__all__ = ["WeightedOMP", "weighted_omp"]

_PENALTIES = ("l0", "l1")
# A new column whose Cholesky pivot is below this fraction of its squared
# norm lies in the span of the support (numerically): the selection stops.
_DEPENDENCE_RTOL = 1e-12
# The residual has vanished when its norm is below this fraction of ||y||.
_RESIDUAL_RTOL = 1e-13
# Gains below (n eps)**power times the initial loss are rounding errors (a
# residual already orthogonal to every column), never a reason to select:
# the squared loss's gains are squares of correlations (power 2), the root
# and absolute losses' are in the units of the residual (power 1).
_EPS = float(np.finfo(np.float64).eps)
# The LAD refit's relative duality gap (an exact linear program up to rounding).
_LAD_TOL = 1e-12
_LAD_MAX_ITER = 200
# Powers of the y-scale carried by alpha in each rule (alpha in y-units^k).
_ALPHA_POWER = {("lasso", "l0"): 2, ("lasso", "l1"): 1, ("sqrt_lasso", "l0"): 1,
                ("sqrt_lasso", "l1"): 0, ("lad", "l0"): 1, ("lad", "l1"): 0}


def _loss_value(loss, r):
    if loss == "lasso":
        return float(r @ r)
    if loss == "sqrt_lasso":
        return float(np.linalg.norm(r))
    return float(np.abs(r).sum())


def _gains(loss, penalty, alpha, w, c, r, z, support, lad_columns=None, out=None):
    """The gains ``Delta_j`` from the correlations ``c_j = a_j^T r`` (unit-norm columns).

    ``z`` holds the coefficients on the unit-norm columns (zero off the
    support, the integer indices ``support``).  For the squared and
    square-root losses the in-support rules assume ``c_j = 0`` there (a
    least-squares refit).  ``lad_columns`` is a callable giving, for extra
    rows ``(a0, r0)``, the minima ``min_t ||r - t a_j||_1 + |r0_j - t a0_j|``
    of every column, and for the LAD-l0 rule (``a0 = None``) ``||r + z_j
    a_j||_1`` on the support.  The out-of-support rule is evaluated on every
    column (into ``out`` when given), the in-support rule on the support only.
    """
    S = support
    lw = alpha * w
    if loss == "lasso":
        if penalty == "l0":
            out = np.square(c, out=out)
            out -= alpha * w * w if alpha else 0.0
            np.maximum(out, 0.0, out=out)
            out[S] = np.maximum(lw[S] * w[S] - z[S] ** 2, 0.0)
        else:
            out = np.abs(c, out=out)
            if alpha:
                out -= 0.5 * lw
                np.maximum(out, 0.0, out=out)
            np.square(out, out=out)
            azS, lS = np.abs(z[S]), lw[S]
            out[S] = np.where(azS <= 0.5 * lS, azS * (lS - azS), 0.25 * lS * lS)
    elif loss == "sqrt_lasso":
        rn = float(np.linalg.norm(r))
        rest = np.sqrt(np.maximum(rn * rn - c * c, 0.0))
        zS, azS, lS = z[S], np.abs(z[S]), lw[S]
        if penalty == "l0":
            # ||r|| - sqrt(||r||^2 - c^2) without cancellation
            out = np.maximum(c * c / (rn + rest) - alpha * w * w, 0.0)
            grow = zS * zS / (np.sqrt(rn * rn + zS * zS) + rn)
            out[S] = np.maximum(lS * w[S] - grow, 0.0)
        else:
            with np.errstate(invalid="ignore"):
                root = np.sqrt(np.maximum(1.0 - lw * lw, 0.0))
            active = (lw < 1.0) & (np.abs(c) > lw * rn)
            out = np.where(active, np.maximum(rn - lw * np.abs(c) - root * rest, 0.0), 0.0)
            s = np.sqrt(rn * rn + zS * zS)
            inner = (lS < 1.0) & (azS >= lS * s)
            best = np.minimum(s, np.where(inner, rn * root[S] + lS * azS, np.inf))
            out[S] = np.maximum(rn + lS * azS - best, 0.0)
    else:
        r1 = float(np.abs(r).sum())
        if penalty == "l0":
            zero = np.zeros_like(z)
            f = lad_columns(zero, zero)
            out = np.maximum(r1 - f - alpha * w * w, 0.0)
            drop = lad_columns(None, None)[S]  # ||r + z_j a_j||_1 on the support
            out[S] = np.maximum(np.maximum(r1 - f[S], r1 + lw[S] * w[S] - drop), 0.0)
        else:
            f = lad_columns(lw, -lw * z)
            out = np.maximum(r1 + lw * np.abs(z) - f, 0.0)
    return out


def _selection_gains(A, r, coef, support, *, loss, penalty, alpha, weights):
    """``Delta_j = G(coef) - min_t G(coef + t e_j)`` for every column of a unit-norm ``A``.

    A testing and teaching entry to the rules that :func:`weighted_omp` uses;
    ``r = y - A @ coef`` and ``support`` is a boolean mask.  For the squared
    and square-root losses the in-support rules assume ``A_S^T r = 0``.
    """
    from .._kernels.rankone import columnwise_lad_min

    A = np.asarray(A, dtype=np.float64)
    r = np.asarray(r, dtype=np.float64)
    z = np.asarray(coef, dtype=np.float64)
    support = np.asarray(support, dtype=bool)
    w = check_weights(weights, A.shape[1])
    Af = np.asfortranarray(A)
    ones = np.ones(A.shape[1])

    def lad_columns(a0, r0):
        if a0 is None:
            return np.abs(r[:, None] + A * z).sum(axis=0)
        return columnwise_lad_min(Af, r, np.zeros_like(ones), ones,
                                  np.asarray(a0, dtype=np.float64),
                                  np.asarray(r0, dtype=np.float64))[1]

    return _gains(loss, penalty, float(alpha), w, A.T @ r, r, z, np.flatnonzero(support),
                  lad_columns)


def _womp(X, y, loss, penalty, alpha, w, n_nonzero, tol, fit_intercept):
    """Weighted OMP on validated arrays; ``coef, intercept, support (selection order), n_iter``."""
    from .._kernels.rankone import cholesky_append, cholesky_solve, columnwise_lad_min
    from .._kernels.rows import weighted_row_sum

    n, p = X.shape
    sx, sy = scales(X, y)
    ys = y / sy
    alpha_s = alpha / sy ** _ALPHA_POWER[(loss, penalty)]
    lad = loss == "lad"
    center = fit_intercept  # the selection does not depend on column offsets
    mean, norms = column_stats(X, center, sx)
    nonzero = norms > 0
    # c_j on the unit-norm (centred) columns, without copying X: 1 / (sx ||x_j / sx||)
    col_scale = np.zeros(p)
    col_scale[nonzero] = 1.0 / (sx * norms[nonzero])
    if lad:
        intercept = float(np.median(ys)) if fit_intercept else 0.0
        target = ys
        Xf = np.asfortranarray(X)  # column scans of the weighted medians
        shift = sx * mean
    else:
        intercept = float(ys.mean()) if fit_intercept else 0.0
        target = ys - intercept
    r = target - intercept if lad else target.copy()
    loss0 = _loss_value(loss, r)
    coef_s = np.zeros(p)  # coefficients on the unit-norm columns
    in_support = np.zeros(p, dtype=bool)
    support = []
    AS = np.empty((n, n_nonzero), order="F")  # the selected unit-norm (centred) columns
    L = np.zeros((n_nonzero, n_nonzero))
    Aty = np.zeros(n_nonzero)
    r_floor = _RESIDUAL_RTOL * max(float(np.linalg.norm(target)), np.finfo(float).tiny)

    def unit_column(j):
        return (X[:, j] / sx - mean[j]) * (sx * col_scale[j])

    def lad_columns(a0, r0):
        if a0 is None:
            out = np.zeros(p)
            for k, j in enumerate(support):
                out[j] = np.abs(r + coef_s[j] * AS[:, k]).sum()
            return out
        return columnwise_lad_min(Xf, r, shift, col_scale, a0, r0)[1]

    gain_floor = (n * _EPS) ** (2 if loss == "lasso" else 1)
    n_iter = 0
    zero_columns = np.flatnonzero(~nonzero)
    # X^T r in memory order (a numba kernel beats BLAS's transposed gemv there)
    row_major = X.flags.c_contiguous and X.dtype == np.float64
    c = np.empty(p)
    buffer = np.empty(p)
    if loss0 > 0.0:
        for _ in range(n_nonzero):
            if not lad:
                if row_major:
                    weighted_row_sum(X, r, c)
                else:
                    np.matmul(X.T, r, out=c)
                if center:  # exact centring (the residual's mean is 0 up to rounding)
                    c -= mean * (sx * r.sum())
                c *= col_scale
            S = np.asarray(support, dtype=np.intp)
            gains = _gains(loss, penalty, alpha_s, w, c, r, coef_s, S, lad_columns, out=buffer)
            gains[zero_columns] = -np.inf  # a zero column is never selected
            j = int(np.argmax(gains))
            if not gains[j] > max(tol, gain_floor) * loss0 or in_support[j]:
                break
            k = len(support)
            a = unit_column(j)
            if not lad:
                v = AS[:, :k].T @ a
                if not cholesky_append(L, k, v, float(a @ a), _DEPENDENCE_RTOL):
                    break
            AS[:, k] = a
            support.append(j)
            in_support[j] = True
            n_iter += 1
            if lad:
                zS, b, _, _, _ = _lad_ipm(AS[:, :k + 1], ys, np.zeros(k + 1), fit_intercept,
                                          _LAD_TOL, _LAD_MAX_ITER)
                intercept = b
                r = ys - AS[:, :k + 1] @ zS - b
            else:
                Aty[k] = a @ target
                zS = cholesky_solve(L, k + 1, Aty)
                r = target - AS[:, :k + 1] @ zS
            coef_s[support] = zS
            if (np.abs(r).sum() if lad else np.linalg.norm(r)) <= r_floor:
                break
    coef = coef_s * col_scale * sx  # back to the columns of X / sx
    if center:
        intercept = intercept - float(mean @ coef)
    return coef * (sy / sx), intercept * sy, np.array(support, dtype=np.intp), n_iter


def _check_n_nonzero(n_nonzero_coefs, n_features):
    if n_nonzero_coefs is None:
        return max(int(0.1 * n_features), 1)
    if (not isinstance(n_nonzero_coefs, numbers.Integral) or isinstance(n_nonzero_coefs, bool)
            or n_nonzero_coefs < 1):
        raise ValueError(f"n_nonzero_coefs must be an integer >= 1; got {n_nonzero_coefs!r}.")
    if n_nonzero_coefs > n_features:
        raise ValueError(
            f"n_nonzero_coefs={n_nonzero_coefs} must be at most n_features={n_features}."
        )
    return int(n_nonzero_coefs)


def weighted_omp(X, y, *, loss="lasso", penalty="l0", alpha=0.0, weights=None,
                 n_nonzero_coefs=None, tol=0.0, fit_intercept=False, return_n_iter=False):
    r"""Loss-based weighted orthogonal matching pursuit on arrays.

    Greedy sparse regression: with the columns of ``X`` normalised to unit
    l2 norm (centred first when ``fit_intercept``), each iteration adds the
    column whose one-coordinate move lowers ``G(z) = L(A z - y) + alpha *
    P_w(z)`` most and refits on the selected columns (least squares for
    ``"lasso"`` and ``"sqrt_lasso"``, by a Cholesky factor grown one column
    per iteration; least absolute deviations, an exact linear program, for
    ``"lad"``).  ``L`` is ``||.||_2^2``, ``||.||_2`` or ``||.||_1``; ``P_w``
    is ``sum_{z_j != 0} w_j^2`` (``"l0"``) or ``sum_j w_j |z_j|``
    (``"l1"``).  With ``alpha=0`` and unit weights, ``"lasso"`` (either
    penalty) and ``"sqrt_lasso"``-l0 are standard OMP.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The design (dense).  Not copied (except a Fortran-ordered copy for
        ``loss="lad"``) and never modified.
    y : array-like of shape (n_samples,)
        The measurements.
    loss : {"lasso", "sqrt_lasso", "lad"}, default="lasso"
        The data-fit term ``L``.  ``"lad"`` resists gross errors in a
        fraction of the measurements.
    penalty : {"l0", "l1"}, default="l0"
        The weighted penalty the greedy rule accounts for.
    alpha : float, default=0.0
        The paper's ``lambda``, on the unit-norm columns, ``>= 0``.  Its units
        are those of ``y**k``: ``k = 2`` for lasso-l0, ``1`` for lasso-l1,
        sqrt_lasso-l0 and lad-l0, ``0`` for sqrt_lasso-l1 and lad-l1
        (multiply ``alpha`` by ``c**k`` when ``y`` is multiplied by ``c``;
        the selection is then the same and the coefficients scale by ``c``).
    weights : array-like of shape (n_features,), default=None
        Positive weights on the coefficients (``None``: ones).
    n_nonzero_coefs : int, default=None
        Maximum number of selected columns (``None``: 10% of the features,
        at least 1, as scikit-learn's OMP).  At most ``n_features``.
    tol : float, default=0.0
        Stop when the best gain is at most ``tol`` times the loss of the
        initial (intercept-only) model.
    fit_intercept : bool, default=False
        Fit an intercept: the columns are centred for the selection; the
        intercept is the mean (``"lasso"``, ``"sqrt_lasso"``) or an
        unpenalised variable of the LAD refit (``"lad"``, starting at the
        median of ``y``).
    return_n_iter : bool, default=False
        Also return the number of selections.

    Returns
    -------
    coef : ndarray of shape (n_features,)
        The coefficients, in the units of ``X`` and ``y``.
    intercept : float
        The intercept (0.0 without ``fit_intercept``).
    n_iter : int
        Columns selected; returned only if ``return_n_iter``.

    Notes
    -----
    The selection stops when the best gain is at most ``tol`` (relative),
    when ``n_nonzero_coefs`` columns are selected, when the residual
    vanishes, when the best move is to change an already selected
    coefficient (the authors' code stalls there), or when the best column
    is linearly dependent on the selected ones.

    References
    ----------
    S. Mohammad-Taheri and S. Brugiapaglia, "The greedy side of the LASSO:
    New algorithms for weighted sparse recovery via loss function-based
    orthogonal matching pursuit", arXiv:2303.00844, 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.linear_model import weighted_omp
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 100))
    >>> y = X[:, 3] - 2 * X[:, 7]
    >>> y[:4] += 50.0                       # gross errors in 10% of the measurements
    >>> coef, _ = weighted_omp(X, y, loss="lad", n_nonzero_coefs=2)
    >>> np.flatnonzero(coef).tolist(), np.round(coef[[3, 7]], 6).tolist()
    ([3, 7], [1.0, -2.0])
    """
    X, y = check_Xy(X, y)
    check_loss(loss)
    if penalty not in _PENALTIES:
        raise ValueError(f"penalty must be one of {list(_PENALTIES)}; got {penalty!r}.")
    alpha = check_nonnegative(alpha, "alpha")
    tol = check_nonnegative(tol, "tol")
    w = check_weights(weights, X.shape[1])
    k = _check_n_nonzero(n_nonzero_coefs, X.shape[1])
    coef, intercept, _, n_iter = _womp(X, y, loss, penalty, alpha, w, k, tol, bool(fit_intercept))
    if return_n_iter:
        return coef, intercept, n_iter
    return coef, intercept


class WeightedOMP(LinearPredictMixin, RegressorMixin, BaseEstimator):
    """Loss-based weighted orthogonal matching pursuit (greedy weighted sparse regression).

    Greedy selection by the loss-based rules of Mohammad-Taheri &
    Brugiapaglia: each iteration adds the column (of ``X``, normalised to
    unit norm) whose one-coordinate move lowers the weighted LASSO,
    square-root LASSO or LAD-LASSO objective most, with a weighted l0 or l1
    penalty, then refits on the selected columns.  A thin estimator over
    :func:`weighted_omp` (see it for the rules and stopping).

    Parameters
    ----------
    loss : {"lasso", "sqrt_lasso", "lad"}, default="lasso"
        The data-fit term: squared, root-squared or absolute error.
    penalty : {"l0", "l1"}, default="l0"
        The weighted penalty of the greedy rule.
    alpha : float, default=0.0
        The paper's ``lambda`` on the unit-norm columns (units: see
        :func:`weighted_omp`).  ``0`` with unit weights is standard OMP for
        the squared loss.
    weights : array-like of shape (n_features,), default=None
        Positive weights on the coefficients (``None``: ones).
    n_nonzero_coefs : int, default=None
        Maximum number of selected columns (``None``: 10% of the features).
    tol : float, default=0.0
        Stop when the best gain is at most ``tol`` times the loss of the
        intercept-only model.
    fit_intercept : bool, default=True
        Fit an intercept.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients.
    intercept_ : float
        Intercept (0.0 without ``fit_intercept``).
    support_ : ndarray of shape (n_selected,)
        Indices of the selected columns, in selection order.
    n_iter_ : int
        Number of selections.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit (only when ``X`` has string column names).

    See Also
    --------
    sklearn.linear_model.OrthogonalMatchingPursuit : Standard OMP.
    LADLasso : The convex LAD-LASSO.

    References
    ----------
    S. Mohammad-Taheri and S. Brugiapaglia, "The greedy side of the LASSO:
    New algorithms for weighted sparse recovery via loss function-based
    orthogonal matching pursuit", arXiv:2303.00844, 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.linear_model import WeightedOMP
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 100))
    >>> y = X[:, 3] - 2 * X[:, 7] + 5.0
    >>> reg = WeightedOMP(n_nonzero_coefs=2).fit(X, y)
    >>> reg.support_.tolist(), round(reg.intercept_, 6)
    ([7, 3], 5.0)
    """

    _parameter_constraints: dict = {
        "loss": [StrOptions({"lasso", "sqrt_lasso", "lad"})],
        "penalty": [StrOptions(set(_PENALTIES))],
        "alpha": [Interval(numbers.Real, 0, np.inf, closed="left")],
        "weights": ["array-like", None],
        "n_nonzero_coefs": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "tol": [Interval(numbers.Real, 0, np.inf, closed="left")],
        "fit_intercept": ["boolean"],
    }

    def __init__(self, *, loss="lasso", penalty="l0", alpha=0.0, weights=None,
                 n_nonzero_coefs=None, tol=0.0, fit_intercept=True):
        self.loss = loss
        self.penalty = penalty
        self.alpha = alpha
        self.weights = weights
        self.n_nonzero_coefs = n_nonzero_coefs
        self.tol = tol
        self.fit_intercept = fit_intercept

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Select columns greedily and fit on them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target values.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        w = check_weights(self.weights, X.shape[1])
        k = _check_n_nonzero(self.n_nonzero_coefs, X.shape[1])
        coef, intercept, support, n_iter = _womp(X, y, self.loss, self.penalty, float(self.alpha),
                                                 w, k, float(self.tol), self.fit_intercept)
        self.coef_ = coef
        self.intercept_ = intercept
        self.support_ = support
        self.n_iter_ = n_iter
        return self
